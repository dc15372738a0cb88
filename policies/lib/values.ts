// Reading resource properties as the engine hands them to a policy: plain JSON, except that
// preview values may be unknown (sentinel strings) and, during remediation, secrets arrive
// wrapped in @pulumi/policy's Secret. Rules read raw values through these helpers instead of
// through the SDK's proxy, which throws on the first unknown it meets and so would stop a
// whole resource from being judged because of one unrelated computed field.
import type { Secret } from "@pulumi/policy";

/**
 * @pulumi/policy's Secret class, found without loading the SDK: loading it loads @pulumi/pulumi,
 * about a second that `container-guard scan` (which never meets a Secret) shouldn't pay. A
 * Secret can only exist once the SDK has loaded, and the pack loads it first (index.ts). Taken
 * from the SDK's main module, which exports it: a module of its own may move, or be hidden by an
 * `exports` map.
 */
const sdkMain = require.resolve("@pulumi/policy");
let secretClass: typeof Secret | undefined;
function loadedSecretClass(): typeof Secret | undefined {
    return (secretClass ??= (require.cache[sdkMain]?.exports as { Secret?: typeof Secret } | undefined)?.Secret);
}

/** The sentinels the engine uses for values not known during preview (sdk: proxy.ts). */
export const unknownSentinels: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** A value that will only be known at `pulumi up`. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

export type Json = string | number | boolean | null | JsonObject | Json[];
export interface JsonObject {
    [key: string]: Json | undefined;
}

const proxyTarget = "__getSpecialProxyTarget";

/** The plain object behind the SDK's unknown-checking / secret-preserving proxies. */
export function rawProps(props: object): JsonObject {
    let current: any = props;
    // Remediation stacks two proxies (unknown-checking over secret-preserving).
    for (let depth = 0; depth < 3; depth++) {
        const target = current?.[proxyTarget];
        if (target === undefined || target === current) {
            break;
        }
        current = target;
    }
    return current as JsonObject;
}

/** Unwraps a secret and maps unknown sentinels to UNKNOWN. */
export function plain(value: unknown): unknown {
    if (typeof value === "object" && value !== null) {
        const secret = loadedSecretClass();
        if (!secret || !(value instanceof secret)) {
            return value;
        }
        value = value.value;
    }
    return typeof value === "string" && value.length === 36 && unknownSentinels.has(value) ? UNKNOWN : value;
}

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

export function isObject(value: unknown): value is JsonObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Child of an object, unwrapped; undefined when the parent isn't an object; UNKNOWN propagates. */
export function child(parent: unknown, key: string): unknown {
    if (typeof parent === "object" && parent !== null && !Array.isArray(parent)) {
        return plain((parent as JsonObject)[key]);
    }
    return parent === UNKNOWN ? UNKNOWN : undefined;
}

/** Walks a path of keys; UNKNOWN as soon as any step is unknown, undefined where one is absent. */
export function readPath(root: unknown, path: readonly string[]): unknown {
    let value = root;
    for (const key of path) {
        value = child(value, key);
        if (value === undefined || value === UNKNOWN) {
            return value;
        }
    }
    return value;
}

/** Sets a value at a path (for remediation, on a copy of the props), creating the objects on the way and replacing what isn't one. */
export function writePath(root: JsonObject, path: readonly string[], value: unknown): void {
    let holder = root;
    for (const key of path.slice(0, -1)) {
        const next = plain(holder[key]);
        if (isObject(next)) {
            holder = next;
        } else {
            const created: JsonObject = {};
            holder[key] = created;
            holder = created;
        }
    }
    holder[path[path.length - 1]] = value as JsonObject[string];
}

/** What a rule learns from one field. */
export type Reading<T> =
    | { state: "set"; value: T }
    | { state: "absent" }
    | { state: "unknown" }
    | { state: "malformed"; problem: string };

/**
 * A string as a TypeScript literal, for fix snippets: JSON.stringify only for the rare string that
 * needs escaping (performance: messages quote several names each).
 */
export function quote(text: string): string {
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
            return JSON.stringify(text);
        }
    }
    return `"${text}"`;
}

export function describeType(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    if (typeof value === "object") {
        return "an object";
    }
    return `${typeof value === "number" ? "a number" : `a ${typeof value}`}`;
}

export function readBoolean(value: unknown): Reading<boolean> {
    if (value === undefined || value === null) {
        return { state: "absent" };
    }
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    if (typeof value === "boolean") {
        return { state: "set", value };
    }
    return { state: "malformed", problem: `expected a boolean, found ${describeType(value)}` };
}

/** Items of a list; each element unwrapped (it may itself be UNKNOWN). */
export function readList(value: unknown): Reading<unknown[]> {
    if (value === undefined || value === null) {
        return { state: "absent" };
    }
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    if (Array.isArray(value)) {
        return { state: "set", value: value.map(plain) };
    }
    return { state: "malformed", problem: `expected a list, found ${describeType(value)}` };
}

/** A field a reader can't read, so what it holds can't be checked; relative to the container (or pod, or resource). */
export interface Unreadable {
    readonly field: readonly string[];
    readonly problem: string;
    /** `field` is from the resource's root, not the container's (a docker.Service's `endpointSpec`). */
    readonly fromResource?: true;
}

/** What a reader found in a list or map field: the entries it could read, and where it couldn't. */
export interface Entries<T> {
    readonly items: T[];
    readonly unreadable: Unreadable[];
}

/** `["taskSpec", "env"]`, 3 -> `["taskSpec", "env[3]"]`. */
export function entryPath(list: readonly string[], index: number): string[] {
    const at = list.slice();
    at[at.length - 1] = `${at[at.length - 1]}[${index}]`;
    return at;
}

/** A list field's entries (not unwrapped), or none when it is absent or unknown; a value that is not a list is recorded as unreadable. */
export function listItems(path: readonly string[], value: unknown, result: Pick<Entries<unknown>, "unreadable">): readonly unknown[] {
    if (value === undefined || value === null || isUnknown(value)) {
        return [];
    }
    if (!Array.isArray(value)) {
        result.unreadable.push({ field: path, problem: `expected a list, found ${describeType(value)}` });
        return [];
    }
    return value;
}

/** `.KEY`, or `["client.secret"]` where the key isn't a plain identifier. */
export function keyAccessor(key: string): string {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Deep copy of raw props that keeps Secret wrappers (and so the secrecy of what they hold). */
export function cloneProps<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(cloneProps) as unknown as T;
    }
    const secret = loadedSecretClass();
    if (secret && value instanceof secret) {
        return new secret(cloneProps(value.value)) as unknown as T;
    }
    if (isObject(value)) {
        const copy: JsonObject = {};
        for (const key of Object.keys(value)) {
            copy[key] = cloneProps(value[key]);
        }
        return copy as T;
    }
    return value;
}
