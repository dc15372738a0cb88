// Line scanning, as BuildKit's parser reads a Dockerfile's lines (moby/buildkit
// frontend/dockerfile/parser parser.go, directives.go): the parser directives, the escape character,
// comment and blank lines, line continuations, heredoc bodies. One pass over the text, in linear
// time; the instructions the rules read are dispatched to their word and flag parsing (words.ts)
// and kept, per stage, in the form dockerfile-ast gives them.
import { BACKSLASH, BOM, CR, DQUOTE, EQUALS, HASH, indexIn, isBlank, isDigit, isLetter, isPatternSpace, OPEN_BRACE, separatorAt, skipSpaces, SQUOTE, TAB, trimmedEnd } from "./chars";
import { execForm, flagsEnd, flagValue, heredocsOpened, isFlag, keywordAt, mountSource, propertyValue, separatedWords, unescapedArgument, unescapedValue, wordSpans } from "./words";

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
    /** USER instructions: the user (and group) as written, `${APP_UID}:${APP_GID}`. */
    readonly users: ReadonlyArray<{ line: number; user: string }>;
}

export interface Dockerfile {
    /** The `# syntax=` parser directive, naming the BuildKit frontend. */
    readonly syntax?: { value: string; line: number };
    readonly escape: string;
    /** ARGs before the first FROM: the only ones a FROM line can use. */
    readonly globalArgs: ReadonlyArray<{ name: string; value?: string }>;
    readonly stages: readonly Stage[];
    /** Every ENV and ARG with the value it is written with (as written: `$VAR` unexpanded), for the secrets rule and a stage's scope. */
    readonly variables: ReadonlyArray<{ keyword: "ENV" | "ARG"; name: string; value?: string; line: number }>;
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

type MutableStage = Stage & { takes: Stage["takes"][number][]; runs: Stage["runs"][number][]; users: Stage["users"][number][] };

/**
 * Reads a Dockerfile. Uncached: image-builds.ts reads each build's once for every policy
 * (per-resource.ts), and two builds rarely share a text.
 */
export function parseDockerfile(text: string): Dockerfile {
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

    /** Where the instruction's arguments start after its flags (words.ts), which go into `flags` when given. */
    private flagsEnd(from: number, to: number, flags?: string[]): number {
        return flagsEnd(this.logical, from, to, this.escape, flags);
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
                    users: [],
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
            case "USER": {
                // BuildKit's parseString: the rest of the line after the flags (USER takes none).
                const user = logical.slice(this.flagsEnd(rest, end), end);
                if (stage && user) {
                    stage.users.push({ line, user });
                }
                return;
            }
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

