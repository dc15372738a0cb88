// Words and flags of the instructions the rules read, split as BuildKit splits them
// (moby/buildkit frontend/dockerfile/parser line_parsers.go and split_command.go): an instruction's
// keyword, its leading `--flags`, FROM's words, ENV and ARG words, the heredoc markers of RUN, COPY
// and ADD, the exec form; and an ENV or ARG name and value in the forms dockerfile-ast gives them,
// which the rules were written against.
import { BACKSLASH, CR, DASH, DOLLAR, DQUOTE, EQUALS, HASH, indexIn, isBlank, isDigit, isPatternSpace, isSeparator, isSpace, LF, LT, skipSpaces, SQUOTE } from "./chars";

/** The instructions the rules read. */
export type Keyword = "FROM" | "RUN" | "COPY" | "ADD" | "ENV" | "ARG" | "USER" | "ONBUILD";
const keywords: readonly Keyword[] = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "USER", "ONBUILD"];

/** The instruction keyword `text` spells in any case (ASCII only, as BuildKit lower-cases it). */
export function keywordAt(text: string, from: number, to: number): Keyword | undefined {
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
export function flagValue(flag: string, name: string): string | undefined {
    return flag.startsWith(name, 2) && flag.charCodeAt(2 + name.length) === EQUALS ? flag.slice(3 + name.length) : undefined;
}

export function isFlag(flag: string, name: string): boolean {
    return flag.startsWith(name, 2) && (flag.length === 2 + name.length || flag.charCodeAt(2 + name.length) === EQUALS);
}

/** `type=cache,from=build,target=/x`: the stage or image a RUN mount reads (BuildKit: keys in any case, the last `from` wins). */
export function mountSource(mount: string): string | undefined {
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
 * Where an instruction's arguments start after its flags: the leading words that start with `--`,
 * read as BuildKit's extractBuilderFlags reads them (quotes removed, escaped characters taken as
 * they are) into `flags` when given; a word `--` ends them.
 */
export function flagsEnd(text: string, from: number, to: number, escape: number, flags?: string[]): number {
    let i = from;
    while (i + 1 < to && text.charCodeAt(i) === DASH && text.charCodeAt(i + 1) === DASH) {
        let flag = "";
        let quoted = false;
        let quote = 0;
        for (; i < to; i++) {
            let c = text.charCodeAt(i);
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
            if (c === escape) {
                if (i + 1 === to) {
                    continue;
                }
                c = text.charCodeAt(++i);
            }
            flag += String.fromCharCode(c);
        }
        i = skipSpaces(text, i, to);
        if (flag === "--") {
            break;
        }
        if (flags && (quoted || flag.length > 0)) {
            flags.push(flag);
        }
    }
    return i;
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

/** The first `limit` words of FROM's arguments, split on separators only (BuildKit's parseStringsWhitespaceDelimited). */
export function separatedWords(text: string, from: number, to: number, limit: number): string[] {
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
export function unescapedArgument(word: string, escape: number): string {
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
export function wordSpans(text: string, from: number, to: number, escape: number): number[] {
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

// ---------------------------------------------------------------------------------------------
// Heredoc markers

/**
 * The heredocs an instruction line opens, found as BuildKit finds them: among its shell words
 * (quotes and backslashes respected; blanks after `<<` belong to the word), those of the form
 * `[n]<<[-]WORD`, WORD without `<`, unquoted to name the terminator. A line whose quotes don't
 * close opens none: BuildKit's lexer fails on it.
 */
export function heredocsOpened(text: string, from: number, to: number): Array<{ name: string; chomp: boolean }> {
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

// ---------------------------------------------------------------------------------------------
// dockerfile-ast's forms of an ENV or ARG name and value, which the rules were written against: a
// value is taken from the text as written (line continuations, comments and all) behind its word.

/**
 * dockerfile-ast's Property.getUnescapedValue(): the value as written, quotes and escapes kept, but
 * line continuations, the blanks that start a continued line, and comment lines left out.
 */
export function unescapedValue(written: string, escape: number): string {
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
export function propertyValue(written: string, escape: number): string {
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

