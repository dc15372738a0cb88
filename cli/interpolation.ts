// Compose's variables, as docker compose reads them (the Compose Specification's "Interpolation";
// compose-go v2.17: template/template.go for `${...}`, dotenv/parser.go for env files): `$VAR`,
// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
// `${VAR+alt}`, `$$` for a literal `$`, defaults interpolated in turn.
//
// Where values come from: docker compose takes them from the shell it runs in, then from the
// `.env` file beside the Compose file (or the `--env-file` files, which replace it). The scan takes
// them from those files only, never from its own environment: a CI scan must give the same verdict
// on every runner, and a runner's environment holds the runner's secrets, which must never reach a
// verdict or a message. So a variable the files don't set counts as unset: a default applies, and a
// value that needs it and has no default is not known here (as a preview value is not), so no
// finding rests on it.

/** A variable the env files set: its value (undefined when it is made of variables not known here) and the file, as shown. */
export interface Variable {
    readonly value: string | undefined;
    readonly from: string;
}

/** Variables by name: a Map, or a chain of them. */
export interface Variables {
    get(name: string): Variable | undefined;
}

export const noVariables: Variables = new Map();

/** What a string interpolates to. */
export type Substitution =
    /**
     * `substituted`: a variable filled part of it (`$$` alone doesn't count); `variable`: the one
     * variable the whole text is (`${DB_PASSWORD}`, `${DB_PASSWORD:-x}`), if it is one; `files`: the
     * env files the variables came from; `unset`: a variable no file sets (so a default, or nothing, filled it).
     */
    | { state: "resolved"; value: string; substituted: boolean; variable?: string; files: ReadonlySet<string>; unset: boolean }
    /** Made of a variable no file sets, with no default: known only where compose runs. */
    | { state: "unknown"; variable: string }
    /** What docker compose refuses: a required variable unset (`required`), a `${` it can't read. */
    | { state: "error"; message: string; required?: true };

/** How deep defaults may nest (`${A:-${B:-${C}}}`): far past what anyone writes, and a bound on the recursion. */
const maxNesting = 100;

const name = /^[_A-Za-z][_A-Za-z0-9]*/;
const braced = /^([_A-Za-z][_A-Za-z0-9]*)(?:(:?[-+?])([\s\S]*))?$/;

const invalidFormat = "invalid interpolation format: a $ that starts no variable (write $$ for a literal $)";

/** Whether a string holds anything to interpolate (most don't: they are left as they are). */
export function hasVariables(text: string): boolean {
    return text.includes("$");
}

/** `text` with its variables filled from `variables`, as docker compose fills it when the files hold all it has. */
export function interpolate(text: string, variables: Variables): Substitution {
    const track: Track = { substituted: false, unset: false, files: new Set() };
    const value = substitute(text, variables, track, 0);
    if (typeof value !== "string") {
        return value;
    }
    const { variable, ...rest } = track;
    return { state: "resolved", value, ...rest, ...(variable !== undefined && wholeVariable(text) === variable && { variable }) };
}

/** The variable `text` is wholly made of (`$NAME`, `${NAME}`, `${NAME:-default}`), if it is one. */
function wholeVariable(text: string): string | undefined {
    const named = /^\$([_A-Za-z][_A-Za-z0-9]*)$/.exec(text) ?? (text.startsWith("${") && closingBrace(text, 1) === text.length - 1 ? braced.exec(text.slice(2, -1)) : null);
    return named?.[1];
}

type Failed = Extract<Substitution, { state: "unknown" | "error" }>;
interface Track {
    substituted: boolean;
    variable?: string;
    unset: boolean;
    files: Set<string>;
}

function substitute(text: string, variables: Variables, track: Track, depth: number): string | Failed {
    if (depth > maxNesting) {
        return { state: "error", message: `invalid interpolation format: defaults nested more than ${maxNesting} deep` };
    }
    let out = "";
    let i = 0;
    while (i < text.length) {
        const dollar = text.indexOf("$", i);
        if (dollar < 0) {
            return out + text.slice(i);
        }
        out += text.slice(i, dollar);
        const next = text[dollar + 1];
        if (next === "$") {
            out += "$";
            i = dollar + 2;
            continue;
        }
        if (next === "{") {
            const close = closingBrace(text, dollar + 1);
            const parts = close < 0 ? null : braced.exec(text.slice(dollar + 2, close));
            if (!parts) {
                return { state: "error", message: invalidFormat };
            }
            const filled = fill(parts[1], parts[2], parts[3] ?? "", variables, track, depth);
            if (typeof filled !== "string") {
                return filled;
            }
            out += filled;
            i = close + 1;
            continue;
        }
        const named = name.exec(text.slice(dollar + 1, dollar + 258));
        if (!named) {
            out += "$"; // a `$` before anything else (`$1`, `$ `) is left as it is
            i = dollar + 1;
            continue;
        }
        const filled = fill(named[0], undefined, "", variables, track, depth);
        if (typeof filled !== "string") {
            return filled;
        }
        out += filled;
        i = dollar + 1 + named[0].length;
    }
    return out;
}

/** The `}` that closes the `{` at `open`, braces counted as compose-go counts them (getFirstBraceClosingIndex); -1 for none. */
function closingBrace(text: string, open: number): number {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        if (text[i] === "}") {
            depth--;
            if (depth === 0) {
                return i;
            }
        } else if (text[i] === "{") {
            depth++;
            i++;
        }
    }
    return -1;
}

/** One `${name<operator><word>}` (or `$name`), as compose-go's substitution functions fill it. */
function fill(variable: string, operator: string | undefined, word: string, variables: Variables, track: Track, depth: number): string | Failed {
    track.substituted = true;
    track.variable ??= variable;
    const found = variables.get(variable);
    if (found) {
        track.files.add(found.from);
    } else {
        track.unset = true;
    }
    const value = found?.value;
    const set = found !== undefined;
    // A variable set to what isn't known here may be empty or not: an operator that asks is not known either.
    const notKnown = (): Failed => ({ state: "unknown", variable });
    const alternative = () => substitute(word, variables, track, depth + 1);
    switch (operator) {
        case ":-":
            return set && value === undefined ? notKnown() : set && value !== "" ? value! : alternative();
        case "-":
            return set ? (value ?? notKnown()) : alternative();
        case ":?":
        case "?": {
            if (set && value === undefined) {
                return notKnown();
            }
            if (set && (operator === "?" || value !== "")) {
                return value!;
            }
            // The reason as written: interpolated, it could show a value.
            return { state: "error", message: `required variable ${variable} is missing a value${word !== "" ? ` (${word})` : ""}`, required: true };
        }
        case ":+":
            return set && value === undefined ? notKnown() : set && value !== "" ? alternative() : "";
        case "+":
            return set ? alternative() : "";
        default:
            return set ? (value ?? notKnown()) : notKnown();
    }
}

// ---------------------------------------------------------------------------------------------
// Env files (`.env`, `--env-file`, a service's `env_file`), as compose-go's dotenv parser reads them

export interface EnvEntry {
    readonly key: string;
    /** The line it starts on, 1-based. */
    readonly line: number;
    /** Its value: literal, or interpolated (`substituted`); `inherited`: a key alone, whose value is the variable of that name where compose runs. */
    readonly value: Substitution;
    readonly inherited: boolean;
}

/** A line the parser can't read: docker compose refuses the file. */
export interface EnvFileError {
    readonly line: number;
    readonly message: string;
}

const exportPrefix = /^export[ \t]+/;
/** The escapes of a double-quoted value (compose-go's expandEscapes); `\$` stays a literal `$` through interpolation. */
const escapes: Readonly<Record<string, string>> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", $: "$$", '"': '"', "\\": "\\" };

/**
 * The entries of an env file: `KEY=VALUE` (or `KEY: VALUE`), `export KEY=VALUE`, `#` comments and
 * blank lines; unquoted values end at the line (or at ` #`) and are interpolated; single-quoted ones
 * are literal, double-quoted ones take escapes (`\n`, `\"`, `\$`) and are interpolated, both may span
 * lines; a key alone is inherited. Variables are looked up in `variables` and then in the entries
 * before (as compose-go's GetEnvFromFile and resolveEnvironment do). Stops at the first line it can't read.
 */
export function parseEnvFile(text: string, variables: Variables, from: string): { entries: EnvEntry[]; error?: EnvFileError } {
    const entries: EnvEntry[] = [];
    const earlier = new Map<string, Variable>();
    const lookup: Variables = { get: key => variables.get(key) ?? earlier.get(key) };
    let i = 0;
    let line = 1;
    const advance = (to: number) => {
        for (let j = i; j < to; j++) {
            if (text.charCodeAt(j) === 0x0a) {
                line++;
            }
        }
        i = to;
    };
    for (;;) {
        // The next statement: past blanks and comment lines.
        for (;;) {
            while (i < text.length && /\s/.test(text[i])) {
                advance(i + 1);
            }
            if (text[i] !== "#") {
                break;
            }
            const end = text.indexOf("\n", i);
            advance(end < 0 ? text.length : end);
        }
        if (i >= text.length) {
            return { entries };
        }
        const start = line;
        const prefix = exportPrefix.exec(text.slice(i, i + 64));
        if (prefix) {
            advance(i + prefix[0].length);
        }
        let end = i;
        while (end < text.length && !"=:\n".includes(text[end])) {
            end++;
        }
        const key = text.slice(i, end).trim();
        if (key === "") {
            return { entries, error: { line: start, message: "a key can't be empty" } };
        }
        if (!/^[\p{L}\p{N}_.\-[\]]+$/u.test(key)) {
            return { entries, error: { line: start, message: `unexpected character in variable name ${JSON.stringify(key.slice(0, 64))}` } };
        }
        if (end >= text.length || text[end] === "\n") {
            // A key alone: the variable of that name where compose runs, if it is set there.
            advance(end);
            const inherited = lookup.get(key);
            const value: Substitution = inherited === undefined || inherited.value === undefined
                ? { state: "unknown", variable: key }
                : { state: "resolved", value: inherited.value, substituted: true, variable: key, files: new Set([inherited.from]), unset: false };
            entries.push({ key, line: start, value, inherited: true });
            continue;
        }
        advance(end + 1);
        while (i < text.length && (text[i] === " " || text[i] === "\t")) {
            advance(i + 1);
        }
        const quote = text[i];
        let value: Substitution;
        if (quote === '"' || quote === "'") {
            const closing = closingQuote(text, i, quote);
            if (closing < 0) {
                return { entries, error: { line: start, message: "a quoted value has no closing quote" } };
            }
            const raw = text.slice(i + 1, closing).replace(quote === '"' ? /\\(.)/gs : /\\(')/g, (escaped, char: string) => (quote === '"' ? escapes[char] ?? escaped : char));
            value = quote === "'" ? literal(raw) : interpolate(raw, lookup);
            advance(closing + 1);
        } else {
            const lineEnd = text.indexOf("\n", i);
            let raw = text.slice(i, lineEnd < 0 ? text.length : lineEnd);
            const comment = raw.indexOf(" #");
            raw = (comment < 0 ? raw : raw.slice(0, comment)).trimEnd();
            value = interpolate(raw, lookup);
            advance(lineEnd < 0 ? text.length : lineEnd);
        }
        if (value.state === "error") {
            return { entries, error: { line: start, message: value.message } };
        }
        entries.push({ key, line: start, value, inherited: false });
        earlier.set(key, { value: value.state === "resolved" ? value.value : undefined, from });
    }
}

function literal(value: string): Substitution {
    return { state: "resolved", value, substituted: false, files: new Set(), unset: false };
}

/** The unescaped quote that closes the one at `open`, or -1. */
function closingQuote(text: string, open: number, quote: string): number {
    for (let i = open + 1; i < text.length; i++) {
        if (text[i] === "\\") {
            i++;
        } else if (text[i] === quote) {
            return i;
        }
    }
    return -1;
}

/** The variables a chain of env files sets, the later overriding the earlier (as `docker compose --env-file a --env-file b`). */
export function variablesOf(files: ReadonlyArray<{ entries: readonly EnvEntry[]; from: string }>): Variables {
    const variables = new Map<string, Variable>();
    for (const { entries, from } of files) {
        for (const entry of entries) {
            variables.set(entry.key, { value: entry.value.state === "resolved" ? entry.value.value : undefined, from });
        }
    }
    return variables;
}

/** Where a value variables filled came from, for messages: the env file that set them all, else the environment compose runs in; undefined for a literal. */
export function originOf(value: Substitution): string | undefined {
    if (value.state === "resolved") {
        return !value.substituted ? undefined : value.files.size === 1 && !value.unset ? [...value.files][0] : "an environment variable";
    }
    return value.state === "unknown" ? "an environment variable" : undefined;
}
