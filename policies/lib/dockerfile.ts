// What a Dockerfile builds, as far as rule 2 needs it: its stages (read by the scanner below, which
// follows BuildKit's Dockerfile syntax: directives, comments, line continuations, heredocs, flags),
// the stage that ships, the base image that stage ends up on once stage references and ARG defaults
// are followed, whether it takes files from a build stage, and the build toolchains its RUN lines install.
// Everything here scans text by hand, in linear time: this module uses no regular expression.
import { Glob } from "./glob";
import { isUnknown, UNKNOWN, Unknown } from "./values";

/** Characters of a Dockerfile the rule reads; past this it says it could not check the file. */
export const dockerfileCap = 256 * 1024;

export interface Stage {
    /** 0-based, as `COPY --from=<index>` counts stages. */
    readonly index: number;
    /** The `AS` name as written; BuildKit matches stage names case-insensitively. */
    readonly name?: string;
    /** 1-based line of the FROM instruction. */
    readonly line: number;
    /** The image or stage after FROM, as written: `${BASE}`. */
    readonly from: string;
    /** Where files come from: `COPY --from=...` and `RUN --mount=...,from=...`. */
    readonly takes: ReadonlyArray<{ from: string; line: number }>;
    /** RUN instructions: the shell script (heredoc bodies included) or the exec-form argv. */
    readonly runs: ReadonlyArray<{ line: number; script: string; argv?: string[] }>;
}

export interface Dockerfile {
    /** The `# syntax=` parser directive, naming the BuildKit frontend. */
    readonly syntax?: { value: string; line: number };
    readonly escape: string;
    /** ARGs before the first FROM: the only ones a FROM line can use. */
    readonly globalArgs: ReadonlyArray<{ name: string; value?: string }>;
    readonly stages: readonly Stage[];
    /** Every ENV and ARG with the value it is written with (as written: `$VAR` unexpanded), for the secrets rule. */
    readonly variables: ReadonlyArray<{ keyword: "ENV" | "ARG"; name: string; value?: string; line: number }>;
}

/** The last few Dockerfiles parsed: two policies (rule 2 and the secrets rule) read each build's. */
const recentlyParsed = new Map<string, Dockerfile>();

export function parseDockerfile(text: string): Dockerfile {
    let dockerfile = recentlyParsed.get(text);
    if (!dockerfile) {
        dockerfile = parse(text);
        if (recentlyParsed.size >= 8) {
            recentlyParsed.delete(recentlyParsed.keys().next().value!);
        }
        recentlyParsed.set(text, dockerfile);
    }
    return dockerfile;
}

/** `RUN ["apt-get", "install", "gcc"]`: the argv, or undefined for the shell form. */
export function execForm(script: string): string[] | undefined {
    if (!script.trimStart().startsWith("[")) {
        return undefined;
    }
    try {
        const argv: unknown = JSON.parse(script);
        return Array.isArray(argv) && argv.every(a => typeof a === "string") ? argv : undefined;
    } catch {
        return undefined;
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing: one pass over the text, reading its lines as BuildKit's parser does (moby/buildkit
// frontend/dockerfile/parser), and giving names and values in the form dockerfile-ast gives them.

const TAB = 9, LF = 10, VT = 11, FF = 12, CR = 13, SPACE = 32, DQUOTE = 34, HASH = 35, DOLLAR = 36, SQUOTE = 39;
const DASH = 45, LT = 60, EQUALS = 61, BACKSLASH = 92, OPEN_BRACE = 123, BOM = 0xfeff;

/** Go's unicode.IsSpace, which BuildKit trims lines and splits words with. */
function isSpace(c: number): boolean {
    if (c < 0x80) {
        return c === SPACE || (c >= TAB && c <= CR);
    }
    return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** `[\t\v\f\r ]`: what separates an instruction's keyword, and FROM's words, in BuildKit. */
function isSeparator(c: number): boolean {
    return c === SPACE || c === TAB || c === VT || c === FF || c === CR;
}

/** Go's regexp `\s`, in BuildKit's directive pattern. */
function isPatternSpace(c: number): boolean {
    return c === SPACE || c === TAB || c === LF || c === FF || c === CR;
}

/** Where the word at `from` ends: the keyword, up to BuildKit's first separator. */
function separatorAt(text: string, from: number, to: number): number {
    while (from < to && !isSeparator(text.charCodeAt(from))) {
        from++;
    }
    return from;
}

function isBlank(c: number): boolean {
    return c === SPACE || c === TAB;
}

function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
    return (c | 32) >= 97 && (c | 32) <= 122;
}

function skipSpaces(text: string, from: number, to: number): number {
    while (from < to && isSpace(text.charCodeAt(from))) {
        from++;
    }
    return from;
}

function trimmedEnd(text: string, from: number, to: number): number {
    while (to > from && isSpace(text.charCodeAt(to - 1))) {
        to--;
    }
    return to;
}

type Keyword = "FROM" | "RUN" | "COPY" | "ADD" | "ENV" | "ARG" | "ONBUILD";
const keywords: readonly Keyword[] = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "ONBUILD"];

/** The instruction keyword `text` spells in any case (ASCII only, as BuildKit lower-cases it). */
function keywordAt(text: string, from: number, to: number): Keyword | undefined {
    for (const keyword of keywords) {
        if (keyword.length === to - from && matchesInAnyCase(text, from, keyword)) {
            return keyword;
        }
    }
    return undefined;
}

function matchesInAnyCase(text: string, from: number, upper: string): boolean {
    for (let i = 0; i < upper.length; i++) {
        if ((text.charCodeAt(from + i) | 32) !== (upper.charCodeAt(i) | 32)) {
            return false;
        }
    }
    return true;
}

/** The value of `--name=value` among an instruction's flags; undefined for `--name` with no `=`. */
function flagValue(flag: string, name: string): string | undefined {
    return flag.startsWith(name, 2) && flag.charCodeAt(2 + name.length) === EQUALS ? flag.slice(3 + name.length) : undefined;
}

function isFlag(flag: string, name: string): boolean {
    return flag.startsWith(name, 2) && (flag.length === 2 + name.length || flag.charCodeAt(2 + name.length) === EQUALS);
}

/** `type=cache,from=build,target=/x`: the stage or image a RUN mount reads (BuildKit: keys in any case, the last `from` wins). */
function mountSource(mount: string): string | undefined {
    let from: string | undefined;
    for (const field of mount.split(",")) {
        const equals = field.indexOf("=");
        if (equals >= 0 && field.slice(0, equals).toLowerCase() === "from") {
            from = field.slice(equals + 1);
        }
    }
    return from;
}

/**
 * A parser directive after its comment mark: BuildKit's `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`,
 * the name (lower-cased) one of syntax, escape and check; undefined for any other line, which ends the directives.
 */
function directiveAt(text: string, from: number, to: number): { name: string; value: string } | undefined {
    let i = skipSpaces(text, from, to);
    const nameStart = i;
    while (i < to && (isLetter(text.charCodeAt(i)) || (i > nameStart && isDigit(text.charCodeAt(i))))) {
        i++;
    }
    const name = text.slice(nameStart, i).toLowerCase();
    while (i < to && isPatternSpace(text.charCodeAt(i))) {
        i++;
    }
    if (i === nameStart || i === to || text.charCodeAt(i) !== EQUALS) {
        return undefined;
    }
    i++;
    while (i < to && isPatternSpace(text.charCodeAt(i))) {
        i++;
    }
    while (to > i && isPatternSpace(text.charCodeAt(to - 1))) {
        to--;
    }
    return i === to || (name !== "syntax" && name !== "escape" && name !== "check") ? undefined : { name, value: text.slice(i, to) };
}

/**
 * The frontend a `syntax` directive names, found as BuildKit's DetectSyntax finds it to choose the
 * frontend: past a `#!` line, among the `#` directives that start the file (not indented), else among
 * `//` ones, else as the "syntax" key of a JSON file. Of a directive, the value's first word.
 */
function detectSyntax(text: string): Dockerfile["syntax"] {
    let start = text.charCodeAt(0) === BOM ? 1 : 0;
    let line = 1;
    if (text.startsWith("#!", start)) {
        const newline = text.indexOf("\n", start);
        start = newline < 0 ? text.length : newline + 1;
        line++;
    }
    for (const mark of ["#", "//"]) {
        for (let from = start, at = line; from < text.length && text.startsWith(mark, from); at++) {
            const newline = text.indexOf("\n", from);
            const end = newline < 0 ? text.length : newline;
            const directive = directiveAt(text, from + mark.length, end);
            if (!directive) {
                break;
            }
            if (directive.name === "syntax") {
                const space = directive.value.indexOf(" ");
                return { value: space < 0 ? directive.value : directive.value.slice(0, space), line: at };
            }
            from = end + 1;
        }
    }
    if (text.charCodeAt(skipSpaces(text, start, text.length)) === OPEN_BRACE) {
        try {
            const json: unknown = JSON.parse(text.slice(start));
            const syntax = json !== null && typeof json === "object" ? (json as Record<string, unknown>).syntax : undefined;
            return typeof syntax === "string" ? { value: syntax, line } : undefined;
        } catch {
            return undefined;
        }
    }
    return undefined;
}

type MutableStage = Stage & { takes: Stage["takes"][number][]; runs: Stage["runs"][number][] };

/** Parses a Dockerfile; parseDockerfile() is the cached entry point. */
export function parse(text: string): Dockerfile {
    return new Scanner(text).scan();
}

class Scanner {
    private pos = 0;
    /** 1-based number of the line `pos` is on. */
    private line = 1;
    private escape = BACKSLASH;
    private escapeSet = false;
    private readonly globalArgs: Array<Dockerfile["globalArgs"][number]> = [];
    private readonly stages: MutableStage[] = [];
    private readonly variables: Array<Dockerfile["variables"][number]> = [];

    /** The instruction being read (see readInstruction), and the pieces of the text it joins. */
    private logical = "";
    private logicalFrom = 0;
    private logicalTo = 0;
    private readonly pieceStart: number[] = [];
    private readonly pieceSource: number[] = [];
    private readonly pieceLine: number[] = [];
    private pieces = 0;
    /** The piece `locate` last found: lookups go forward, so finding them all is one pass. */
    private piece = 0;
    /** Where the content of the instruction's last line ends in the text, before its line break. */
    private logicalEnd = 0;

    constructor(private readonly text: string) {}

    scan(): Dockerfile {
        this.pos = this.text.charCodeAt(0) === BOM ? 1 : 0;
        this.readDirectives();
        const text = this.text;
        while (this.pos < text.length) {
            const end = this.lineEnd(this.pos);
            const first = skipSpaces(text, this.pos, end);
            if (first === end || text.charCodeAt(first) === HASH) {
                this.advance(end);
                continue;
            }
            const line = this.line;
            this.readInstruction(first, end);
            this.instruction(line);
        }
        return { syntax: detectSyntax(this.text), escape: String.fromCharCode(this.escape), globalArgs: this.globalArgs, stages: this.stages, variables: this.variables };
    }

    private lineEnd(from: number): number {
        const newline = this.text.indexOf("\n", from);
        return newline < 0 ? this.text.length : newline;
    }

    /** Where a line's content ends: BuildKit trims every carriage return before the line feed. */
    private contentEnd(from: number, end: number): number {
        while (end > from && this.text.charCodeAt(end - 1) === CR) {
            end--;
        }
        return end;
    }

    /** Moves past the line ending at `end`. */
    private advance(end: number): void {
        this.pos = end < this.text.length ? end + 1 : end;
        this.line++;
    }

    /**
     * Where the escape character that continues a line is: its last character but blanks, not
     * itself escaped (BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$`); -1 when the line doesn't continue.
     */
    private continuationAt(from: number, end: number): number {
        const text = this.text;
        while (end > from && isBlank(text.charCodeAt(end - 1))) {
            end--;
        }
        const at = end - 1;
        return at >= from && text.charCodeAt(at) === this.escape && (at === from || text.charCodeAt(at - 1) !== this.escape) ? at : -1;
    }

    /** Whether the line at `from` is blank or a comment: lines BuildKit skips inside a continued instruction. */
    private isSkippedInContinuation(from: number, end: number): boolean {
        const first = skipSpaces(this.text, from, end);
        return first === end || this.text.charCodeAt(first) === HASH;
    }

    /** The escape directive, among the parser directives that start the file (BuildKit's Parse: indented or not). */
    private readDirectives(): void {
        const text = this.text;
        while (this.pos < text.length) {
            const end = this.lineEnd(this.pos);
            const mark = skipSpaces(text, this.pos, end);
            const directive = text.charCodeAt(mark) === HASH ? directiveAt(text, mark + 1, end) : undefined;
            if (!directive) {
                return;
            }
            if (directive.name === "escape" && !this.escapeSet && (directive.value === "`" || directive.value === "\\")) {
                this.escape = directive.value.charCodeAt(0);
                this.escapeSet = true;
            }
            this.advance(end);
        }
    }

    /**
     * Reads the instruction at `first` (its line's first non-space character; the line ends at
     * `end`) through its continued lines, as BuildKit joins them: each escape character that ends a
     * line removed with the blanks after it, comment lines and blank lines between continued lines
     * skipped. The instruction is then `logical` from `logicalFrom` to `logicalTo`: the text itself
     * when it is one line, as most are, else its lines joined.
     */
    private readInstruction(first: number, end: number): void {
        const text = this.text;
        this.pieces = 0;
        this.piece = 0;
        let length = 0;
        for (let from = first; ; end = this.lineEnd(from)) {
            const contentEnd = this.contentEnd(from, end);
            const continuation = this.continuationAt(from, contentEnd);
            const pieceEnd = continuation < 0 ? contentEnd : continuation;
            if (pieceEnd > from) {
                this.pieceStart[this.pieces] = length;
                this.pieceSource[this.pieces] = from;
                this.pieceLine[this.pieces++] = this.line;
                length += pieceEnd - from;
            }
            this.logicalEnd = contentEnd;
            this.advance(end);
            if (continuation < 0) {
                break;
            }
            while (this.pos < text.length && this.isSkippedInContinuation(this.pos, this.lineEnd(this.pos))) {
                this.advance(this.lineEnd(this.pos));
            }
            if (this.pos >= text.length) {
                break;
            }
            from = this.pos;
        }
        if (this.pieces === 1) {
            this.logical = text;
            this.logicalFrom = this.pieceStart[0] = this.pieceSource[0];
        } else {
            let joined = "";
            for (let piece = 0; piece < this.pieces; piece++) {
                const pieceEnd = piece + 1 < this.pieces ? this.pieceStart[piece + 1] : length;
                joined += text.slice(this.pieceSource[piece], this.pieceSource[piece] + pieceEnd - this.pieceStart[piece]);
            }
            this.logical = joined;
            this.logicalFrom = 0;
        }
        this.logicalTo = this.logicalFrom + length;
    }

    /** The piece of the logical line that holds its character `at`; `at` never goes back between calls. */
    private locate(at: number): number {
        while (this.piece + 1 < this.pieces && this.pieceStart[this.piece + 1] <= at) {
            this.piece++;
        }
        return this.piece;
    }

    /** The text as written behind logical characters `from`..`to`: continuations, comments and all. */
    private written(from: number, to: number): string {
        if (from >= to) {
            return "";
        }
        const first = this.locate(from);
        const start = this.pieceSource[first] + from - this.pieceStart[first];
        const last = this.locate(to - 1);
        return this.text.slice(start, this.pieceSource[last] + to - 1 - this.pieceStart[last] + 1);
    }

    /**
     * Where an instruction's arguments start after its flags: the leading words that start with `--`,
     * read as BuildKit's extractBuilderFlags reads them (quotes removed, escaped characters taken as
     * they are) into `flags` when given; a word `--` ends them.
     */
    private flagsEnd(from: number, to: number, flags?: string[]): number {
        const logical = this.logical;
        let i = from;
        while (i + 1 < to && logical.charCodeAt(i) === DASH && logical.charCodeAt(i + 1) === DASH) {
            let flag = "";
            let quoted = false;
            let quote = 0;
            for (; i < to; i++) {
                let c = logical.charCodeAt(i);
                if (quote === 0 && isSpace(c)) {
                    break;
                }
                if (quote !== 0 && c === quote) {
                    quote = 0;
                    continue;
                }
                if (quote === 0 && (c === DQUOTE || c === SQUOTE)) {
                    quote = c;
                    quoted = true;
                    continue;
                }
                if (c === this.escape) {
                    if (i + 1 === to) {
                        continue;
                    }
                    c = logical.charCodeAt(++i);
                }
                flag += String.fromCharCode(c);
            }
            i = skipSpaces(logical, i, to);
            if (flag === "--") {
                break;
            }
            if (flags && (quoted || flag.length > 0)) {
                flags.push(flag);
            }
        }
        return i;
    }

    private instruction(line: number): void {
        const logical = this.logical;
        const end = trimmedEnd(logical, this.logicalFrom, this.logicalTo);
        const start = skipSpaces(logical, this.logicalFrom, end);
        const keywordEnd = separatorAt(logical, start, end);
        const rest = skipSpaces(logical, keywordEnd, end);
        const stage = this.stages.length > 0 ? this.stages[this.stages.length - 1] : undefined;
        switch (keywordAt(logical, start, keywordEnd)) {
            case "FROM": {
                const words = separatedWords(logical, this.flagsEnd(rest, end), end, 3);
                const named = words.length > 2 && words[1].length === 2 && words[1].toUpperCase() === "AS";
                this.stages.push({
                    index: this.stages.length,
                    name: named ? words[2] : undefined,
                    line,
                    from: words.length > 0 ? unescapedArgument(words[0], this.escape) : "",
                    takes: [],
                    runs: [],
                });
                return;
            }
            case "ENV":
                this.readVariables("ENV", rest, end, false);
                return;
            case "ARG":
                this.readVariables("ARG", rest, end, stage === undefined);
                return;
            case "COPY": {
                const flags: string[] = [];
                this.readHeredocs(this.flagsEnd(rest, end, flags), end);
                const from = flags.find(flag => isFlag(flag, "from"));
                const source = from && flagValue(from, "from");
                if (stage && source) {
                    stage.takes.push({ from: source, line });
                }
                return;
            }
            case "RUN": {
                const flags: string[] = [];
                const argsStart = this.flagsEnd(rest, end, flags);
                const bodyStart = this.pos;
                const bodyEnd = this.readHeredocs(argsStart, end);
                if (!stage) {
                    return;
                }
                for (const flag of flags) {
                    const mount = flagValue(flag, "mount");
                    const source = mount === undefined ? undefined : mountSource(mount);
                    if (source) {
                        stage.takes.push({ from: source, line });
                    }
                }
                const script =
                    bodyEnd < 0
                        ? logical.slice(argsStart, end)
                        : logical.slice(argsStart, this.logicalTo) + this.text.slice(this.logicalEnd, bodyStart) + this.joinedLines(bodyStart, bodyEnd);
                const trimmed = bodyEnd < 0 ? script : script.slice(0, trimmedEnd(script, 0, script.length));
                stage.runs.push({ line, script: trimmed, argv: execForm(trimmed) });
                return;
            }
            case "ADD":
                this.readHeredocs(this.flagsEnd(rest, end), end);
                return;
            case "ONBUILD": {
                const triggerStart = this.flagsEnd(rest, end);
                const triggerEnd = separatorAt(logical, triggerStart, end);
                const trigger = keywordAt(logical, triggerStart, triggerEnd);
                if (trigger === "RUN" || trigger === "COPY" || trigger === "ADD") {
                    this.readHeredocs(this.flagsEnd(skipSpaces(logical, triggerEnd, end), end), end);
                }
                return;
            }
        }
    }

    /**
     * Reads the bodies of the heredocs the instruction opens (BuildKit: RUN, COPY and ADD in shell
     * form); returns where the last one ends (its terminator included), or -1 when it opens none.
     */
    private readHeredocs(argsStart: number, to: number): number {
        const logical = this.logical;
        // Searched in a slice: `logical` may be the whole text, which indexOf would search to its end.
        if (!logical.slice(this.logicalFrom, to).includes("<<") || execForm(logical.slice(argsStart, to)) !== undefined) {
            return -1;
        }
        const heredocs = heredocsOpened(logical, this.logicalFrom, to);
        let end = -1;
        for (const { name, chomp } of heredocs) {
            end = this.readHeredocBody(name, chomp);
        }
        return end;
    }

    /** Moves past the heredoc's body and terminator line; returns where the terminator ends (the text's end when there is none). */
    private readHeredocBody(name: string, chomp: boolean): number {
        const text = this.text;
        while (this.pos < text.length) {
            const end = this.lineEnd(this.pos);
            const contentEnd = this.contentEnd(this.pos, end);
            let start = this.pos;
            while (chomp && start < contentEnd && text.charCodeAt(start) === TAB) {
                start++;
            }
            this.advance(end);
            if (contentEnd - start === name.length && text.startsWith(name, start)) {
                return contentEnd;
            }
        }
        return text.length;
    }

    /** Heredoc bodies in a RUN script (as dockerfile-ast gives them): continued lines joined as BuildKit joins an instruction's, other lines as written. */
    private joinedLines(from: number, to: number): string {
        const text = this.text;
        let joined = "";
        let continued = false;
        for (let start = from; start < to; ) {
            const end = Math.min(this.lineEnd(start), to);
            if (!(continued && this.isSkippedInContinuation(start, end))) {
                const continuation = this.continuationAt(start, this.contentEnd(start, end));
                joined += text.slice(start, continuation < 0 ? Math.min(end + 1, to) : continuation);
                continued = continuation >= 0;
            }
            start = end + 1;
        }
        return joined;
    }

    /**
     * ENV and ARG variables. Words split as BuildKit's parseWords does; `ENV NAME value words` (no
     * `=` in the first word) is the legacy form, one variable; ARG takes every word as one variable.
     */
    private readVariables(keyword: "ENV" | "ARG", from: number, to: number, global: boolean): void {
        const logical = this.logical;
        const words = wordSpans(logical, from, to, this.escape);
        if (words.length === 0) {
            return;
        }
        if (keyword === "ENV" && indexIn(logical, EQUALS, words[0], words[1]) < 0) {
            this.addVariable(keyword, global, words[0], words[1], words.length > 2 ? words[2] : -1, words[words.length - 1]);
            return;
        }
        for (let w = 0; w < words.length; w += 2) {
            const start = words[w];
            const end = words[w + 1];
            const equals = indexIn(logical, EQUALS, start, end);
            const first = logical.charCodeAt(start);
            // dockerfile-ast: `"NAME"=value` is a quoted name, `"NAME=value"` a name with no value.
            const quotedWhole = (first === DQUOTE || first === SQUOTE) && logical.charCodeAt(equals - 1) !== first;
            if (equals < 0 || quotedWhole) {
                this.addVariable(keyword, global, start, end, -1, -1);
            } else {
                this.addVariable(keyword, global, start, equals, equals + 1, end);
            }
        }
    }

    private addVariable(keyword: "ENV" | "ARG", global: boolean, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
        const line = this.pieceLine[this.locate(nameStart)];
        const name = propertyValue(this.written(nameStart, nameEnd), this.escape);
        const written = valueStart < 0 ? undefined : this.written(valueStart, valueEnd);
        this.variables.push({ keyword, name, value: written === undefined ? undefined : unescapedValue(written, this.escape), line });
        if (global && keyword === "ARG") {
            this.globalArgs.push({ name, value: written === undefined ? undefined : propertyValue(written, this.escape) });
        }
    }
}

/** Index of character `c` between `from` and `to`; -1 when it isn't there. */
function indexIn(text: string, c: number, from: number, to: number): number {
    for (let i = from; i < to; i++) {
        if (text.charCodeAt(i) === c) {
            return i;
        }
    }
    return -1;
}

/** The first `limit` words of FROM's arguments, split on separators only (BuildKit's parseStringsWhitespaceDelimited). */
function separatedWords(text: string, from: number, to: number, limit: number): string[] {
    const words: string[] = [];
    let i = from;
    while (words.length < limit) {
        while (i < to && isSeparator(text.charCodeAt(i))) {
            i++;
        }
        if (i >= to) {
            break;
        }
        const start = i;
        while (i < to && !isSeparator(text.charCodeAt(i))) {
            i++;
        }
        words.push(text.slice(start, i));
    }
    return words;
}

/** An argument with its escapes resolved, as dockerfile-ast's Argument: `\$` stays escaped for variable expansion. */
function unescapedArgument(word: string, escape: number): string {
    if (word.indexOf(String.fromCharCode(escape)) < 0) {
        return word;
    }
    let out = "";
    for (let i = 0; i < word.length; i++) {
        const c = word.charCodeAt(i);
        if (c === escape && i + 1 < word.length) {
            if (word.charCodeAt(i + 1) === DOLLAR) {
                out += word[i];
            }
            out += word[++i];
        } else if (c !== escape) {
            out += word[i];
        }
    }
    return out;
}

/** Start and end (flattened) of each word, as BuildKit's parseWords splits ENV and ARG: quotes group, escapes join. */
function wordSpans(text: string, from: number, to: number, escape: number): number[] {
    const spans: number[] = [];
    let i = skipSpaces(text, from, to);
    while (i < to) {
        const start = i;
        let quote = 0;
        for (; i < to; i++) {
            const c = text.charCodeAt(i);
            if (quote !== 0) {
                if (c === quote) {
                    quote = 0;
                } else if (c === escape && quote !== SQUOTE) {
                    i++;
                }
            } else if (isSpace(c)) {
                break;
            } else if (c === DQUOTE || c === SQUOTE) {
                quote = c;
            } else if (c === escape) {
                i++;
            }
        }
        spans.push(start, Math.min(i, to));
        i = skipSpaces(text, i, to);
    }
    return spans;
}

/**
 * The heredocs an instruction line opens, found as BuildKit finds them: among its shell words
 * (quotes and backslashes respected; blanks after `<<` belong to the word), those of the form
 * `[n]<<[-]WORD`, WORD without `<`, unquoted to name the terminator. A line whose quotes don't
 * close opens none: BuildKit's lexer fails on it.
 */
function heredocsOpened(text: string, from: number, to: number): Array<{ name: string; chomp: boolean }> {
    const heredocs: Array<{ name: string; chomp: boolean }> = [];
    let i = skipSpaces(text, from, to);
    while (i < to) {
        const start = i;
        for (; i < to; i++) {
            const c = text.charCodeAt(i);
            if (c === SQUOTE || c === DQUOTE) {
                i = closingQuote(text, i, to);
                if (i < 0) {
                    return [];
                }
            } else if (c === BACKSLASH) {
                i++;
            } else if (c === LT && i + 1 < to && text.charCodeAt(i + 1) === LT) {
                i += 2;
                while (i < to && (isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === CR)) {
                    i++;
                }
                i--;
            } else if (isSpace(c)) {
                break;
            }
        }
        const heredoc = heredocOf(text, start, Math.min(i, to));
        if (heredoc) {
            heredocs.push(heredoc);
        }
        i = skipSpaces(text, i, to);
    }
    return heredocs;
}

/** Where the quote opened at `open` closes (in double quotes a backslash escapes `"`, `$` and itself); -1 when it doesn't. */
function closingQuote(text: string, open: number, to: number): number {
    const quote = text.charCodeAt(open);
    for (let i = open + 1; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c === quote) {
            return i;
        }
        if (quote === DQUOTE && c === BACKSLASH && (text.charCodeAt(i + 1) === DQUOTE || text.charCodeAt(i + 1) === DOLLAR || text.charCodeAt(i + 1) === BACKSLASH)) {
            i++;
        }
    }
    return -1;
}

/** BuildKit's `^(\d*)<<(-?)\s*([^<]*)$` on a shell word, its last part unquoted into the terminator's name. */
function heredocOf(text: string, from: number, to: number): { name: string; chomp: boolean } | undefined {
    let i = from;
    while (i < to && isDigit(text.charCodeAt(i))) {
        i++;
    }
    if (i + 1 >= to || text.charCodeAt(i) !== LT || text.charCodeAt(i + 1) !== LT) {
        return undefined;
    }
    i += 2;
    const chomp = i < to && text.charCodeAt(i) === DASH;
    if (chomp) {
        i++;
    }
    while (i < to && isPatternSpace(text.charCodeAt(i))) {
        i++;
    }
    if (indexIn(text, LT, i, to) >= 0) {
        return undefined;
    }
    const name = shellUnquoted(text, i, to);
    return name === "" ? undefined : { name, chomp };
}

/** A shell word without its quotes and backslashes (BuildKit's lexer; variables left as written). */
function shellUnquoted(text: string, from: number, to: number): string {
    let out = "";
    for (let i = from; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c === SQUOTE || c === DQUOTE) {
            const close = closingQuote(text, i, to);
            for (let j = i + 1; j < close; j++) {
                if (c === DQUOTE && text.charCodeAt(j) === BACKSLASH && j + 1 < close) {
                    const next = text.charCodeAt(j + 1);
                    if (next === DQUOTE || next === DOLLAR || next === BACKSLASH) {
                        j++;
                    }
                }
                out += text[j];
            }
            i = close;
        } else if (c === BACKSLASH) {
            // Escapes the next character; at the word's end it is dropped.
            out += ++i < to ? text[i] : "";
        } else {
            out += text[i];
        }
    }
    return out;
}

// dockerfile-ast's forms of an ENV or ARG name and value, which the rules were written against: a
// value is taken from the text as written (line continuations, comments and all) behind its word.

/**
 * dockerfile-ast's Property.getUnescapedValue(): the value as written, quotes and escapes kept, but
 * line continuations, the blanks that start a continued line, and comment lines left out.
 */
function unescapedValue(written: string, escape: number): string {
    if (!hasEscapeOrLineBreak(written, escape)) {
        return written;
    }
    let out = "";
    let continued = false;
    for (let i = 0; i < written.length; i++) {
        const c = written.charCodeAt(i);
        if (c === escape) {
            const end = continuationEnd(written, i + 1);
            if (end >= 0) {
                continued = true;
                i = end;
                continue;
            }
            out += written[i];
        } else if (c === CR || c === LF) {
            continue;
        } else if (isBlank(c)) {
            if (!continued) {
                out += written[i];
            }
        } else if (c === HASH && continued) {
            const newline = newlineAfter(written, i);
            if (newline >= 0) {
                i = newline;
            }
        } else {
            out += written[i];
            continued = false;
        }
    }
    return out;
}

/** Values without these are what dockerfile-ast gives as written. */
function hasEscapeOrLineBreak(written: string, escape: number): boolean {
    for (let i = 0; i < written.length; i++) {
        const c = written.charCodeAt(i);
        if (c === escape || c === CR || c === LF) {
            return true;
        }
    }
    return false;
}

/**
 * Where the rest of a line continuation ends when its escape character comes just before `from`:
 * blanks, then the line break (dockerfile-ast steps past a carriage return and the character after
 * it); -1 when the escape character escapes something else.
 */
function continuationEnd(text: string, from: number): number {
    const after = afterBlanks(text, from);
    const next = text.charCodeAt(after);
    return next === CR ? after + 1 : next === LF ? after : -1;
}

function afterBlanks(text: string, from: number): number {
    while (from < text.length && isBlank(text.charCodeAt(from))) {
        from++;
    }
    return from;
}

/** Index of the line feed ending the line at `from` (of the carriage return's line feed, for CRLF); -1 on the last line. */
function newlineAfter(text: string, from: number): number {
    for (let i = from + 1; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === CR) {
            return i + 1;
        }
        if (c === LF) {
            return i;
        }
    }
    return -1;
}

/**
 * dockerfile-ast's Property.getValue(): a name or value without its enclosing quotes, escapes
 * resolved outside quotes (inside double quotes, only before `"` and the escape character), line
 * continuations and comment lines left out.
 */
function propertyValue(written: string, escape: number): string {
    const first = written.charCodeAt(0);
    if (!hasEscapeOrLineBreak(written, escape) && first !== DQUOTE && first !== SQUOTE && !isBlank(first)) {
        return written;
    }
    const skip = leadingContent(written, escape);
    let continued = skip > 0 && written.charCodeAt(skip) === HASH;
    const value = skip > 0 ? written.slice(skip) : written;
    const opening = value.charCodeAt(0);
    const quoted = opening === DQUOTE || opening === SQUOTE;
    const inSingle = opening === SQUOTE && value.length > 1 && value.charCodeAt(value.length - 1) === SQUOTE;
    let inDouble = false;
    for (let i = 1; opening === DQUOTE && i < value.length; i++) {
        if (value.charCodeAt(i) === escape) {
            i++;
        } else if (value.charCodeAt(i) === DQUOTE && i === value.length - 1) {
            inDouble = true;
        }
    }
    const unquoted = inSingle || inDouble ? value.slice(1, -1) : value;
    const escapeChar = String.fromCharCode(escape);
    const out: string[] = [];
    /** Where the blanks that start a continued line began: dropped if the line turns out blank or a comment. */
    let blanksFrom = -1;
    const dropBlanks = (count: number) => {
        out.length = Math.max(0, out.length - count);
        blanksFrom = -1;
    };
    for (let i = 0; i < unquoted.length; i++) {
        let c = unquoted.charCodeAt(i);
        if (c !== escape) {
            if (isBlank(c)) {
                blanksFrom = continued && blanksFrom < 0 ? i : blanksFrom;
                out.push(unquoted[i]);
            } else if (c === CR || c === LF) {
                i += c === CR ? 1 : 0;
                if (continued && blanksFrom >= 0) {
                    dropBlanks(i - blanksFrom - 1);
                }
            } else if (c === HASH && continued) {
                if (blanksFrom >= 0) {
                    dropBlanks(i - blanksFrom);
                }
                const newline = newlineAfter(unquoted, i);
                i = newline < 0 ? i : newline;
            } else {
                continued = false;
                blanksFrom = -1;
                out.push(unquoted[i]);
            }
            continue;
        }
        if (i + 1 === unquoted.length) {
            out.push(escapeChar);
            break;
        }
        c = unquoted.charCodeAt(i + 1);
        if (isBlank(c)) {
            const end = continuationEnd(unquoted, i + 2);
            if (end >= 0) {
                continued = true;
                i = end;
                continue;
            }
            const after = afterBlanks(unquoted, i + 2);
            const next = unquoted.charCodeAt(after);
            if (after < unquoted.length && !quoted) {
                // An escaped blank: kept, and the escape too when another escape follows.
                if (next === escape) {
                    out.push(unquoted[i + 1]);
                    i++;
                } else {
                    out.push(unquoted[i + 1], unquoted[after]);
                    i = after;
                }
                continue;
            }
        }
        if (c === CR || c === LF) {
            continued = true;
            i += c === CR ? 2 : 1;
        } else if (inDouble) {
            if (c !== DQUOTE) {
                i += c === escape ? 1 : 0;
                out.push(escapeChar);
            }
        } else if (quoted) {
            out.push(escapeChar);
        } else {
            out.push(c === escape ? escapeChar : unquoted[i + 1]);
            i++;
        }
    }
    return out.join("");
}

/** Util.findLeadingNonWhitespace: the first character past blanks and line continuations; -1 when an escaped character or nothing comes first. */
function leadingContent(text: string, escape: number): number {
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (isBlank(c)) {
            continue;
        }
        if (c !== escape) {
            return i;
        }
        const end = continuationEnd(text, i + 1);
        if (end < 0) {
            return -1;
        }
        i = end;
    }
    return -1;
}

/** Whether `# syntax=` names the Dockerfile frontend (any version), not a custom language. */
export function isDockerfileFrontend(syntax: string): boolean {
    const repository = parseImageRef(syntax).repository;
    const name = repository.startsWith("docker.io/") ? repository.slice("docker.io/".length) : repository;
    return name === "docker/dockerfile" || name === "docker/dockerfile-upstream";
}

// ---------------------------------------------------------------------------------------------
// Variables

/** Variables in scope: a value, UNKNOWN (a preview value, a platform ARG), or absent when unset. */
export type Scope = ReadonlyMap<string, string | Unknown>;

/** BuildKit defines these in the global scope; their values depend on the builder, so they count as unknown. */
const platformArgs = ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"];

/**
 * The scope of FROM lines: platform ARGs, then each global ARG in order, its value from the build's
 * args when it has one (build args only set declared ARGs), else its default expanded.
 */
export function globalScope(dockerfile: Dockerfile, buildArgs: ReadonlyMap<string, string | Unknown> | Unknown): Scope {
    const scope = new Map<string, string | Unknown>(platformArgs.map(name => [name, UNKNOWN]));
    for (const { name, value } of dockerfile.globalArgs) {
        const given = isUnknown(buildArgs) ? UNKNOWN : buildArgs.get(name);
        if (given !== undefined) {
            scope.set(name, given);
        } else if (value !== undefined) {
            scope.set(name, expandVariables(value, scope, dockerfile.escape) ?? UNKNOWN);
        }
    }
    return scope;
}

const maxNesting = 16;

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and `${NAME+word}` as
 * BuildKit does (an unset name expands to nothing). UNKNOWN when the result depends on an unknown
 * value; undefined for forms this doesn't evaluate (`${NAME%suffix}`, ...) or unbalanced braces.
 */
export function expandVariables(text: string, scope: Scope, escape = "\\", depth = 0): string | Unknown | undefined {
    if (depth > maxNesting) {
        return undefined;
    }
    let out = "";
    let unknown = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === escape && i + 1 < text.length) {
            out += text[++i];
            continue;
        }
        if (c !== "$") {
            out += c;
            continue;
        }
        let value: string | Unknown | undefined;
        if (text[i + 1] === "{") {
            const close = closingBrace(text, i + 1);
            if (close < 0) {
                return undefined;
            }
            value = expandBraced(text.slice(i + 2, close), scope, escape, depth);
            i = close;
        } else {
            const end = nameEnd(text, i + 1);
            if (end === i + 1) {
                out += c;
                continue;
            }
            value = scope.get(text.slice(i + 1, end)) ?? "";
            i = end - 1;
        }
        if (value === undefined) {
            return undefined;
        }
        if (isUnknown(value)) {
            unknown = true;
        } else {
            out += value;
        }
    }
    return unknown ? UNKNOWN : out;
}

function isNameChar(c: string, first: boolean): boolean {
    return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c === "_" || (!first && c >= "0" && c <= "9");
}

function nameEnd(text: string, start: number): number {
    let end = start;
    while (end < text.length && isNameChar(text[end], end === start)) {
        end++;
    }
    return end;
}

/** Index of the `}` closing the `{` at `open`, counting nested `${`; -1 when unbalanced. */
function closingBrace(text: string, open: number): number {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        if (text[i] === "{" && (i === open || text[i - 1] === "$")) {
            depth++;
        } else if (text[i] === "}" && --depth === 0) {
            return i;
        }
    }
    return -1;
}

function expandBraced(inner: string, scope: Scope, escape: string, depth: number): string | Unknown | undefined {
    const end = nameEnd(inner, 0);
    if (end === 0) {
        return undefined;
    }
    const value = scope.get(inner.slice(0, end));
    const rest = inner.slice(end);
    if (rest === "") {
        return value ?? "";
    }
    const colon = rest[0] === ":";
    const operator = rest[colon ? 1 : 0];
    if (operator !== "-" && operator !== "+") {
        return undefined;
    }
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    const isSet = value !== undefined && (!colon || value !== "");
    const word = () => expandVariables(rest.slice(colon ? 2 : 1), scope, escape, depth + 1);
    if (operator === "-") {
        return isSet ? value : word();
    }
    return isSet ? word() : "";
}

// ---------------------------------------------------------------------------------------------
// Stages

/** The stage a build ships: its target, else the last stage. */
export function shippedStage(dockerfile: Dockerfile, target: string | undefined): Stage | undefined {
    if (target === undefined) {
        return dockerfile.stages[dockerfile.stages.length - 1];
    }
    const wanted = target.toLowerCase();
    return dockerfile.stages.find(stage => stage.name?.toLowerCase() === wanted);
}

export type BaseImage =
    | { state: "image"; ref: string }
    | { state: "unknown" }
    | { state: "unresolved"; text: string; stage: Stage };

export interface Lineage {
    /** The shipped stage, then the stage it is FROM, and so on up to the one FROM an image. */
    readonly stages: readonly Stage[];
    readonly base: BaseImage;
}

/**
 * Follows `FROM <earlier stage>` up to an image. `namedContexts` (docker-build's `context.named`)
 * replace a stage or image of the same name, as `--build-context` does.
 */
export function lineageOf(
    dockerfile: Dockerfile,
    shipped: Stage,
    scope: Scope,
    namedContexts: ReadonlyMap<string, string | Unknown> | Unknown,
): Lineage {
    const stages = [shipped];
    for (let stage = shipped; ; ) {
        const expanded = expandVariables(stage.from, scope, dockerfile.escape);
        if (expanded === undefined) {
            return { stages, base: { state: "unresolved", text: stage.from, stage } };
        }
        if (isUnknown(expanded) || isUnknown(namedContexts)) {
            return { stages, base: { state: "unknown" } };
        }
        const reference = expanded.trim().toLowerCase();
        if (reference === "") {
            return { stages, base: { state: "unresolved", text: stage.from, stage } };
        }
        const context = namedContexts.get(reference);
        if (context !== undefined) {
            if (isUnknown(context)) {
                return { stages, base: { state: "unknown" } };
            }
            const image = "docker-image://";
            return {
                stages,
                base: context.startsWith(image) ? { state: "image", ref: context.slice(image.length) } : { state: "unresolved", text: `${reference} (build context ${context})`, stage },
            };
        }
        const parent = earlierStage(dockerfile, stage, reference);
        if (!parent) {
            return { stages, base: { state: "image", ref: expanded.trim() } };
        }
        stages.push(parent);
        stage = parent;
    }
}

/** The stage `reference` names from inside `stage`: an earlier stage's name, or (for COPY) its index. */
function earlierStage(dockerfile: Dockerfile, stage: Stage, reference: string, byIndex = false): Stage | undefined {
    if (byIndex && reference.length > 0 && [...reference].every(c => c >= "0" && c <= "9")) {
        const index = Number(reference);
        return index < stage.index ? dockerfile.stages[index] : undefined;
    }
    return dockerfile.stages.find(s => s.index < stage.index && s.name?.toLowerCase() === reference);
}

/**
 * Whether the shipped image takes files from a build stage: a `COPY --from` (or `RUN --mount=from=`)
 * in its lineage naming an earlier stage outside the lineage. A `--from` built from variables can't
 * be resolved here and counts, so that it never causes a false violation.
 */
export function takesFromBuildStage(dockerfile: Dockerfile, lineage: Lineage, namedContexts: ReadonlyMap<string, unknown> | Unknown): boolean {
    return lineage.stages.some(stage =>
        stage.takes.some(({ from }) => {
            if (from.includes("$")) {
                return true;
            }
            const reference = from.toLowerCase();
            if (!isUnknown(namedContexts) && namedContexts.has(reference)) {
                return false;
            }
            const source = earlierStage(dockerfile, stage, reference, true);
            return source !== undefined && !lineage.stages.includes(source);
        }),
    );
}

// ---------------------------------------------------------------------------------------------
// Base images

export function parseImageRef(ref: string): { repository: string; tag: string } {
    const at = ref.indexOf("@");
    const withoutDigest = (at >= 0 ? ref.slice(0, at) : ref).toLowerCase();
    const colon = withoutDigest.lastIndexOf(":");
    return colon > withoutDigest.lastIndexOf("/")
        ? { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) }
        : { repository: withoutDigest, tag: "" };
}

/**
 * Whether an image is a minimal base: scratch, distroless (Google's, and `-distroless` / `-chiseled`
 * tags such as Microsoft's), Chainguard and Wolfi, Alpine, `-slim` variants, UBI micro/minimal,
 * BusyBox, or one the config allows (`allowedFinalBaseImages` globs, matched against the reference).
 */
export function isMinimalImage(ref: string, allowed: readonly Glob[]): boolean {
    if (allowed.some(glob => glob.matches(ref))) {
        return true;
    }
    const { repository, tag } = parseImageRef(ref);
    const segments = repository.split("/");
    const last = segments[segments.length - 1];
    return (
        repository === "scratch" ||
        segments.includes("distroless") ||
        tag.includes("distroless") ||
        tag.includes("chiseled") ||
        segments[0] === "cgr.dev" ||
        segments[0] === "chainguard" ||
        last === "wolfi-base" ||
        last.includes("alpine") ||
        tag.includes("alpine") ||
        last.endsWith("-slim") ||
        tag.includes("slim") ||
        last === "busybox" ||
        (last.startsWith("ubi") && (last.endsWith("-micro") || last.endsWith("-minimal")))
    );
}

// ---------------------------------------------------------------------------------------------
// Build toolchains installed by RUN

export interface ToolchainInstall {
    readonly stage: Stage;
    readonly line: number;
    /** `apt-get`, `apk`, ... */
    readonly manager: string;
    /** Its install command: `install`, `add`. */
    readonly verb: string;
    /** Normalised package names still installed in the shipped image. */
    readonly packages: readonly string[];
}

interface PackageManager {
    install: string[];
    remove: string[];
    /** Options that take the next word as their value (unless written `--opt=value`). */
    valueOptions: string[];
    /** Options naming a virtual package that groups the ones installed (apk `--virtual`). */
    groupOptions?: string[];
}

const apt: PackageManager = {
    install: ["install"],
    remove: ["remove", "purge"],
    valueOptions: ["-o", "--option", "-t", "--target-release", "-c", "--config-file"],
};
const rpm: PackageManager = {
    install: ["install", "groupinstall"],
    remove: ["remove", "erase", "groupremove"],
    valueOptions: ["--installroot", "--releasever", "--setopt", "-c", "--config", "--repo", "--enablerepo", "--disablerepo", "-x", "--exclude"],
};
const packageManagers: Record<string, PackageManager> = {
    "apt-get": apt,
    apt,
    aptitude: apt,
    apk: {
        install: ["add"],
        remove: ["del"],
        valueOptions: ["--virtual", "-t", "--repository", "-X", "--root", "-p", "--arch", "--cache-dir", "--keys-dir"],
        groupOptions: ["--virtual", "-t"],
    },
    yum: rpm,
    dnf: rpm,
    microdnf: rpm,
    tdnf: rpm,
    zypper: { install: ["install", "in"], remove: ["remove", "rm"], valueOptions: ["-r", "--repo", "-t", "--type"] },
};

/** Compilers, build systems, SDKs and meta-packages (after their version suffix is dropped). */
const toolchainPackages = new Set([
    "gcc", "g++", "gcc-c++", "c++", "cpp", "cc", "clang", "clang++", "llvm", "lld", "gfortran", "gcc-gfortran",
    "make", "cmake", "meson", "ninja", "ninja-build", "autoconf", "automake", "libtool", "bison", "flex",
    "pkg-config", "pkgconf", "pkgconfig", "binutils", "nasm", "yasm", "ccache",
    "build-essential", "build-base", "alpine-sdk", "linux-headers", "kernel-headers",
    "go", "golang", "rust", "rustc", "cargo", "development-tools", "c-development",
]);
const toolchainSuffixes = ["-dev", "-devel", "-sdk", "-jdk", "-jdk-headless"];
const rpmArchitectures = [".x86_64", ".aarch64", ".noarch", ".i686", ".armv7hl", ".ppc64le", ".s390x"];

/** `gcc-12` -> `gcc`, `gcc-11.3.1-4.el9` -> `gcc`, `llvm15` -> `llvm`. */
function withoutVersion(name: string): string {
    const parts = name.split("-");
    while (parts.length > 1 && parts[parts.length - 1][0] >= "0" && parts[parts.length - 1][0] <= "9") {
        parts.pop();
    }
    const base = parts.join("-");
    let end = base.length;
    while (end > 1 && ((base[end - 1] >= "0" && base[end - 1] <= "9") || base[end - 1] === ".")) {
        end--;
    }
    return base.slice(0, end);
}

export function isToolchainPackage(name: string): boolean {
    const base = withoutVersion(name);
    return (
        toolchainPackages.has(base) ||
        base.startsWith("golang") ||
        toolchainSuffixes.some(suffix => name.endsWith(suffix) || base.endsWith(suffix))
    );
}

/**
 * The package a word names: lower-case, without apt/apk version pins (`=`, `~`, `<`, `>`), apt
 * release (`/bookworm`) or architecture (`:amd64`), rpm architecture (`.x86_64`) or dnf group `@`.
 * Undefined for words built from variables or globs, whose packages can't be known here.
 */
function packageName(word: string): string | undefined {
    if (word.includes("$") || word.includes("*") || word.startsWith("/") || word.startsWith("./") || word.startsWith("../")) {
        return undefined; // variables, globs and local package files
    }
    let name = (word.startsWith("@") ? word.slice(1) : word).toLowerCase().split(" ").join("-");
    for (let i = 0; i < name.length; i++) {
        if ("=~<>/:".includes(name[i])) {
            name = name.slice(0, i);
            break;
        }
    }
    const arch = rpmArchitectures.find(a => name.endsWith(a));
    name = arch ? name.slice(0, -arch.length) : name;
    return name || undefined;
}

interface PackageOperation {
    manager: string;
    verb: string;
    action: "install" | "remove";
    packages: string[];
    /** apk `--virtual <name>`: a name that `apk del` later removes the packages by. */
    group?: string;
}

/** Words before the program that don't change which program runs. */
const prefixWords = new Set(["sudo", "env", "command", "exec", "nice", "nohup", "time", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"]);
const shells = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const maxShellNesting = 3;

function isAssignment(word: string): boolean {
    const end = nameEnd(word, 0);
    return end > 0 && word[end] === "=";
}

function packageOperations(words: readonly string[], nesting: number, out: PackageOperation[]): void {
    let start = 0;
    while (start < words.length && (prefixWords.has(words[start]) || isAssignment(words[start]) || words[start].startsWith("-"))) {
        start++;
    }
    if (start >= words.length) {
        return;
    }
    const program = words[start].slice(words[start].lastIndexOf("/") + 1);
    const args = words.slice(start + 1);
    if (shells.has(program)) {
        const script = args.indexOf("-c");
        if (script >= 0 && script + 1 < args.length && nesting < maxShellNesting) {
            splitShellCommands(args[script + 1]).forEach(command => packageOperations(command, nesting + 1, out));
        }
        return;
    }
    const manager = packageManagers[program];
    if (!manager) {
        return;
    }
    const positional: string[] = [];
    let group: string | undefined;
    for (let i = 0; i < args.length; i++) {
        if (!args[i].startsWith("-")) {
            positional.push(args[i]);
            continue;
        }
        const equals = args[i].indexOf("=");
        const option = equals >= 0 ? args[i].slice(0, equals) : args[i];
        if (manager.valueOptions.includes(option)) {
            const value = equals >= 0 ? args[i].slice(equals + 1) : args[++i];
            group = manager.groupOptions?.includes(option) ? value : group;
        }
    }
    // dnf/yum `group install "Development Tools"` is `groupinstall`.
    const grouped = (positional[0] === "group" || positional[0] === "groups") && positional.length > 1;
    const command = grouped ? `group${positional[1]}` : positional[0];
    const names = positional.slice(grouped ? 2 : 1);
    const action = manager.install.includes(command) ? "install" : manager.remove.includes(command) ? "remove" : undefined;
    if (action) {
        const packages = names.map(packageName).filter((name): name is string => name !== undefined);
        out.push({ manager: program, verb: command, action, packages, group: group && packageName(group) });
    }
}

/**
 * Splits a shell script into simple commands (lists of words): quotes and backslashes resolved,
 * comments and redirections dropped, commands separated by newlines, `;`, `&`, `|` and parentheses.
 * One pass, no backtracking. It doesn't run anything, so `$(...)` and globs stay as written.
 */
export function splitShellCommands(script: string): string[][] {
    const commands: string[][] = [];
    let words: string[] = [];
    let word = "";
    let inWord = false;
    let dropNextWord = false;
    const endWord = () => {
        if (inWord && !dropNextWord) {
            words.push(word);
        }
        if (inWord) {
            dropNextWord = false;
        }
        word = "";
        inWord = false;
    };
    const endCommand = () => {
        endWord();
        if (words.length > 0) {
            commands.push(words);
        }
        words = [];
    };
    for (let i = 0; i < script.length; i++) {
        const c = script[i];
        if (c === "\\") {
            if (script[i + 1] !== "\n") {
                word += script[i + 1] ?? "";
                inWord = true;
            }
            i++;
        } else if (c === "'") {
            const close = script.indexOf("'", i + 1);
            const end = close < 0 ? script.length : close;
            word += script.slice(i + 1, end);
            inWord = true;
            i = end;
        } else if (c === '"') {
            let j = i + 1;
            for (; j < script.length && script[j] !== '"'; j++) {
                if (script[j] === "\\" && j + 1 < script.length && '"\\$`'.includes(script[j + 1])) {
                    j++;
                }
                word += script[j];
            }
            inWord = true;
            i = j;
        } else if (c === "#" && !inWord) {
            const newline = script.indexOf("\n", i);
            i = (newline < 0 ? script.length : newline) - 1;
        } else if (c === ">" || c === "<") {
            // A redirection: drop its file descriptor (`2>`) and its target (`/dev/null`, `&1`, a heredoc word).
            if (inWord && [...word].every(d => d >= "0" && d <= "9")) {
                word = "";
                inWord = false;
            }
            endWord();
            while (i + 1 < script.length && (script[i + 1] === ">" || script[i + 1] === "<" || script[i + 1] === "&" || script[i + 1] === "|" || script[i + 1] === "-")) {
                i++;
            }
            dropNextWord = true;
        } else if (c === " " || c === "\t" || c === "\r") {
            endWord();
        } else if (c === "\n" || c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
            endCommand();
            dropNextWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    endCommand();
    return commands;
}

/**
 * Build toolchains the shipped image still holds: packages its lineage's RUN lines install (root
 * stage first) and don't remove later (`apt-get purge`, `apk del` of the package or of its
 * `--virtual` group, `dnf remove`).
 */
export function toolchainInstalls(lineage: Lineage): ToolchainInstall[] {
    const installs: Array<ToolchainInstall & { packages: string[] }> = [];
    const groups = new Map<string, string[]>();
    for (const stage of [...lineage.stages].reverse()) {
        for (const run of stage.runs) {
            const operations: PackageOperation[] = [];
            const commands = run.argv ? [run.argv] : splitShellCommands(run.script);
            commands.forEach(command => packageOperations(command, 0, operations));
            for (const operation of operations) {
                if (operation.action === "install") {
                    const toolchain = operation.packages.filter(isToolchainPackage);
                    if (operation.group) {
                        groups.set(operation.group, toolchain);
                    }
                    const sameRun = installs.find(i => i.stage === stage && i.line === run.line && i.manager === operation.manager);
                    if (sameRun) {
                        sameRun.packages = [...sameRun.packages, ...toolchain];
                    } else if (toolchain.length > 0) {
                        installs.push({ stage, line: run.line, manager: operation.manager, verb: operation.verb, packages: toolchain });
                    }
                } else {
                    const removed = new Set(operation.packages.flatMap(name => [name, ...(groups.get(name) ?? [])]));
                    for (const install of installs) {
                        install.packages = install.packages.filter(name => !removed.has(name));
                    }
                }
            }
        }
    }
    return installs.filter(install => install.packages.length > 0);
}
