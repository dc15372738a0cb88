// Character classes of BuildKit's Dockerfile parser (moby/buildkit frontend/dockerfile/parser), by
// character code: the scanner modules read text by hand, in linear time, with no regular expression.

export const TAB = 9, LF = 10, VT = 11, FF = 12, CR = 13, SPACE = 32, DQUOTE = 34, HASH = 35, DOLLAR = 36, SQUOTE = 39;
export const DASH = 45, LT = 60, EQUALS = 61, BACKSLASH = 92, OPEN_BRACE = 123, BOM = 0xfeff;

/** Go's unicode.IsSpace, which BuildKit trims lines and splits words with. */
export function isSpace(c: number): boolean {
    if (c < 0x80) {
        return c === SPACE || (c >= TAB && c <= CR);
    }
    return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** `[\t\v\f\r ]`: what separates an instruction's keyword, and FROM's words, in BuildKit. */
export function isSeparator(c: number): boolean {
    return c === SPACE || c === TAB || c === VT || c === FF || c === CR;
}

/** Go's regexp `\s`, in BuildKit's directive and heredoc patterns. */
export function isPatternSpace(c: number): boolean {
    return c === SPACE || c === TAB || c === LF || c === FF || c === CR;
}

export function isBlank(c: number): boolean {
    return c === SPACE || c === TAB;
}

export function isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
}

export function isLetter(c: number): boolean {
    return (c | 32) >= 97 && (c | 32) <= 122;
}

/** Where the word at `from` ends: up to BuildKit's first separator. */
export function separatorAt(text: string, from: number, to: number): number {
    while (from < to && !isSeparator(text.charCodeAt(from))) {
        from++;
    }
    return from;
}

export function skipSpaces(text: string, from: number, to: number): number {
    while (from < to && isSpace(text.charCodeAt(from))) {
        from++;
    }
    return from;
}

export function trimmedEnd(text: string, from: number, to: number): number {
    while (to > from && isSpace(text.charCodeAt(to - 1))) {
        to--;
    }
    return to;
}

/** Index of character `c` between `from` and `to`; -1 when it isn't there. */
export function indexIn(text: string, c: number, from: number, to: number): number {
    for (let i = from; i < to; i++) {
        if (text.charCodeAt(i) === c) {
            return i;
        }
    }
    return -1;
}
