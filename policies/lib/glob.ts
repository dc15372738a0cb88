// Glob matching for `exclude`, `exemptImages` and image allow-lists. Names and images come from
// user programs and may be long, so matching simulates the pattern as a small automaton over the
// subject (time proportional to subject length × pattern length) instead of compiling to a
// backtracking regular expression that a hostile name could drive into exponential time.
//
// Syntax: `*` any run of characters except `/`; `**` any run including `/`; `?` one character
// except `/`; `[abc]`, `[a-z]`, `[!a-z]` one character of (not of) a class; `\x` a literal x.

type Token =
    | { kind: "literal"; char: string }
    | { kind: "any-one" }
    | { kind: "star"; crossesSlash: boolean }
    | { kind: "class"; negated: boolean; ranges: Array<[string, string]> };

export class GlobError extends Error {}

export interface Glob {
    readonly source: string;
    matches(subject: string): boolean;
}

export function compileGlob(source: string): Glob {
    if (typeof source !== "string" || source.length === 0) {
        throw new GlobError("a glob must be a non-empty string");
    }
    const tokens = tokenize(source);
    return { source, matches: subject => simulate(tokens, subject) };
}

function tokenize(source: string): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < source.length; i++) {
        const c = source[i];
        if (c === "\\") {
            if (i + 1 >= source.length) {
                throw new GlobError(`"${source}" ends with an unescaped backslash`);
            }
            tokens.push({ kind: "literal", char: source[++i] });
        } else if (c === "*") {
            const crossesSlash = source[i + 1] === "*";
            while (source[i + 1] === "*") {
                i++;
            }
            tokens.push({ kind: "star", crossesSlash });
        } else if (c === "?") {
            tokens.push({ kind: "any-one" });
        } else if (c === "[") {
            i = readClass(source, i, tokens);
        } else {
            tokens.push({ kind: "literal", char: c });
        }
    }
    return tokens;
}

/** Reads `[...]` starting at `start`; returns the index of the closing bracket. */
function readClass(source: string, start: number, tokens: Token[]): number {
    let i = start + 1;
    const negated = source[i] === "!" || source[i] === "^";
    if (negated) {
        i++;
    }
    const ranges: Array<[string, string]> = [];
    let first = true;
    for (; i < source.length; i++) {
        let c = source[i];
        if (c === "]" && !first) {
            tokens.push({ kind: "class", negated, ranges });
            return i;
        }
        first = false;
        if (c === "\\" && i + 1 < source.length) {
            c = source[++i];
        }
        if (source[i + 1] === "-" && i + 2 < source.length && source[i + 2] !== "]") {
            const end = source[i + 2] === "\\" && i + 3 < source.length ? source[i + 3] : source[i + 2];
            if (end < c) {
                throw new GlobError(`"${source}" has the reversed range ${c}-${end}`);
            }
            ranges.push([c, end]);
            i += source[i + 2] === "\\" ? 3 : 2;
        } else {
            ranges.push([c, c]);
        }
    }
    throw new GlobError(`"${source}" has an unclosed "[" at position ${start + 1}`);
}

function matchesOne(token: Token, c: string): boolean {
    switch (token.kind) {
        case "literal":
            return token.char === c;
        case "any-one":
            return c !== "/";
        case "class": {
            const inClass = token.ranges.some(([lo, hi]) => c >= lo && c <= hi);
            return c !== "/" && inClass !== token.negated;
        }
        default:
            return false;
    }
}

/** Runs the pattern as an NFA: `active[k]` means the first k tokens match the prefix read so far. */
function simulate(tokens: Token[], subject: string): boolean {
    const n = tokens.length;
    let active = new Uint8Array(n + 1);
    let next = new Uint8Array(n + 1);
    active[0] = 1;
    closeOverStars(tokens, active);
    for (let i = 0; i < subject.length; i++) {
        const c = subject[i];
        next.fill(0);
        let any = false;
        for (let k = 0; k < n; k++) {
            if (!active[k]) {
                continue;
            }
            const token = tokens[k];
            if (token.kind === "star") {
                if (token.crossesSlash || c !== "/") {
                    next[k] = 1;
                    any = true;
                }
            } else if (matchesOne(token, c)) {
                next[k + 1] = 1;
                any = true;
            }
        }
        if (!any) {
            return false;
        }
        closeOverStars(tokens, next);
        [active, next] = [next, active];
    }
    return active[n] === 1;
}

/** A star may match nothing: whoever reaches it also reaches the token after it. */
function closeOverStars(tokens: Token[], states: Uint8Array): void {
    for (let k = 0; k < tokens.length; k++) {
        if (states[k] && tokens[k].kind === "star") {
            states[k + 1] = 1;
        }
    }
}
