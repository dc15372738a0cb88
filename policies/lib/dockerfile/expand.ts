// Variable expansion, as BuildKit's shell lexer expands words (moby/buildkit frontend/dockerfile/shell
// lex.go): the scope FROM lines see (platform ARGs and the global ARGs, build args over defaults),
// the scope of a stage's instructions (its lineage's ARG and ENV), and `$NAME` / `${NAME...}` forms.
import { isUnknown, UNKNOWN, Unknown } from "../values";
import { Dockerfile, Stage } from "./lines";

/** Variables in scope: a value, UNKNOWN (a preview value, a platform ARG), or undefined when unset. */
export interface Scope {
    get(name: string): string | Unknown | undefined;
}

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
        const variable = c === "$" ? variableAt(text, i, scope, escape, depth) : undefined;
        if (!variable) {
            out += c;
            continue;
        }
        if (variable.value === undefined) {
            return undefined;
        }
        if (isUnknown(variable.value)) {
            unknown = true;
        } else {
            out += variable.value;
        }
        i = variable.end - 1;
    }
    return unknown ? UNKNOWN : out;
}

/**
 * A word as BuildKit's lexer evaluates an instruction's argument (ProcessWord): quotes removed, with
 * nothing expanded inside single quotes; the escape character taking the next character as it is
 * (inside double quotes only before `"`, `$` and itself); variables expanded as expandVariables
 * does. Undefined also for a quote that doesn't close, which BuildKit rejects.
 */
export function evaluateWord(text: string, scope: Scope, escape = "\\"): string | Unknown | undefined {
    let out = "";
    let unknown = false;
    let quote = "";
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote === "'") {
            quote = c === "'" ? "" : quote;
            out += c === "'" ? "" : c;
            continue;
        }
        const variable = c === "$" ? variableAt(text, i, scope, escape, 0) : undefined;
        if (variable) {
            if (variable.value === undefined) {
                return undefined;
            }
            unknown ||= isUnknown(variable.value);
            out += isUnknown(variable.value) ? "" : variable.value;
            i = variable.end - 1;
        } else if (c === escape) {
            const next = text[i + 1];
            const escapes = next !== undefined && (quote === "" || next === '"' || next === "$" || next === escape);
            out += escapes ? next : next === undefined ? "" : c;
            i += escapes ? 1 : 0;
        } else if (c === '"' || (c === "'" && quote === "")) {
            quote = quote === c ? "" : c;
        } else {
            out += c;
        }
    }
    return quote !== "" ? undefined : unknown ? UNKNOWN : out;
}

/**
 * The variable whose `$` is at `dollar`: its value (undefined for a form this doesn't evaluate) and
 * where it ends; undefined when the `$` starts no variable and stands for itself.
 */
function variableAt(text: string, dollar: number, scope: Scope, escape: string, depth: number): { value: string | Unknown | undefined; end: number } | undefined {
    if (text[dollar + 1] === "{") {
        const close = closingBrace(text, dollar + 1);
        return close < 0 ? { value: undefined, end: text.length } : { value: expandBraced(text.slice(dollar + 2, close), scope, escape, depth), end: close + 1 };
    }
    const end = nameEnd(text, dollar + 1);
    return end === dollar + 1 ? undefined : { value: scope.get(text.slice(dollar + 1, end)) ?? "", end };
}

function isNameChar(c: string, first: boolean): boolean {
    return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c === "_" || (!first && c >= "0" && c <= "9");
}

export function nameEnd(text: string, start: number): number {
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


/**
 * The scope of an instruction at `line` of the last of `stages` (a lineage, root stage first), as
 * BuildKit's dispatcher builds it: ENVs carry over into the stages built FROM their stage, ARGs
 * don't; an ARG takes the build's arg, else its default, else the value of its name in the global
 * scope (a global ARG, a platform ARG); an ENV overrides an ARG. A name none of them sets is unset on `scratch`, and unknown on an image, whose
 * own ENV (not read here) may set it.
 */
export function stageScope(
    dockerfile: Dockerfile,
    stages: readonly Stage[],
    line: number,
    buildArgs: ReadonlyMap<string, string | Unknown> | Unknown,
    global: Scope,
    baseHasEnv: boolean,
): Scope {
    const env = new Map<string, string | Unknown>();
    let args = new Map<string, string | Unknown>();
    const missing = baseHasEnv ? UNKNOWN : undefined;
    const scope: Scope = { get: name => (env.has(name) ? env.get(name) : args.has(name) ? args.get(name) : missing) };
    const last = stages[stages.length - 1];
    for (const stage of stages) {
        args = new Map();
        const end = stage === last ? line : (dockerfile.stages[stage.index + 1]?.line ?? Infinity);
        for (const { keyword, name, value, line: at } of dockerfile.variables) {
            if (at < stage.line || at >= end) {
                continue;
            }
            const evaluated = value === undefined ? undefined : (evaluateWord(value, scope, dockerfile.escape) ?? UNKNOWN);
            if (keyword === "ENV") {
                if (evaluated !== undefined) {
                    env.set(name, evaluated);
                }
                continue;
            }
            const given = isUnknown(buildArgs) ? UNKNOWN : buildArgs.get(name);
            // The global scope holds the declared global ARGs and the platform ARGs BuildKit sets.
            const resolved = given ?? evaluated ?? global.get(name);
            if (resolved !== undefined) {
                args.set(name, resolved);
            }
        }
    }
    return scope;
}
