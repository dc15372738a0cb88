// Linux capability names as users write them (`cap_net_raw`, `NET_RAW`, ` Net_Raw `) compared in
// one form: upper-case, `CAP_` prefix removed. Kubernetes is stricter: Pod Security admission
// compares the names as written, so there any other spelling of a name the verdict relies on is
// itself a finding (`miswritten`).
import { Finding, fixSnippet } from "./policy";
import { memoizeByText } from "./memo";
import { isUnknown, readList } from "./values";
import { Container, FieldName, fieldPath, readField, writeField } from "./workloads";

export const normalizeCapability = memoizeByText(name => {
    const upper = name.trim().toUpperCase();
    return upper.startsWith("CAP_") ? upper.slice(4) : upper;
});

/** The entries of a capability list, sorted into what a rule can and can't judge. */
export interface CapabilityList {
    /** Normalised names with their index in the list, and how they are written. */
    names: Array<{ name: string; index: number; written: string }>;
    /** Indexes of entries not known during preview. */
    unknown: number[];
    /** Indexes of entries that are not strings. */
    malformed: number[];
}

export function sortCapabilities(items: readonly unknown[]): CapabilityList {
    const list: CapabilityList = { names: [], unknown: [], malformed: [] };
    items.forEach((item, index) => {
        if (isUnknown(item)) {
            list.unknown.push(index);
        } else if (typeof item === "string") {
            list.names.push({ name: normalizeCapability(item), index, written: item });
        } else {
            list.malformed.push(index);
        }
    });
    return list;
}


type CapabilityField = Extract<FieldName, "addedCapabilities" | "droppedCapabilities">;

/**
 * A Kubernetes container's capability entries that a verdict relies on (`relied`, by normalised
 * name) but that aren't written as Kubernetes names them (`chown`, `CAP_CHOWN` for CHOWN): Pod
 * Security admission, which compares names as written, rejects the pod for them. An entry is fine
 * when the list also has the name written right.
 */
export function miswritten(container: Container, field: CapabilityField, relied: (name: string) => boolean): CapabilityList["names"] {
    const reading = readList(readField(container, field));
    if (container.shape !== "kubernetes" || container.pod?.windows || reading.state !== "set") {
        return [];
    }
    const names = sortCapabilities(reading.value).names;
    const canonical = new Set(names.filter(c => c.written === c.name).map(c => c.name));
    return names.filter(c => c.written !== c.name && relied(c.name) && !canonical.has(c.name));
}

/** The finding on a Kubernetes capability list with miswritten entries that the verdict relies on; undefined when there are none. */
export function miswrittenFinding(container: Container, field: CapabilityField, relied: (name: string) => boolean): Finding | undefined {
    const entries = miswritten(container, field, relied);
    if (entries.length === 0) {
        return undefined;
    }
    const path = fieldPath(container, field)!;
    const items = readList(readField(container, field));
    const fixed = (items.state === "set" ? items.value : []).map(item => (typeof item === "string" ? normalizeCapability(item) : item));
    return { field: path, problem: `has ${describeMiswritten(entries)}`, why: miswrittenWhy, fix: fixSnippet(container, path, JSON.stringify(fixed)) };
}

/** `"chown" (entry 0), which Pod Security admission doesn't read as CHOWN` */
export function describeMiswritten(entries: CapabilityList["names"]): string {
    return `${entries.map(e => `${JSON.stringify(e.written)} (entry ${e.index})`).join(", ")}, which Pod Security admission doesn't read as ${entries.map(e => e.name).join(", ")}`;
}

export const miswrittenWhy = "Kubernetes names capabilities as the kernel does, in capitals and without CAP_; Pod Security admission compares names as written and rejects the pod for any other spelling.";

/** Rewrites the miswritten entries the verdict relies on as Kubernetes names them; whether anything changed. */
export function rewriteMiswritten(container: Container, field: CapabilityField, relied: (name: string) => boolean): boolean {
    const entries = miswritten(container, field, relied);
    const items = readList(readField(container, field));
    if (entries.length === 0 || items.state !== "set") {
        return false;
    }
    const rewritten = new Map(entries.map(e => [e.index, e.name]));
    writeField(container, field, items.value.map((item, i) => rewritten.get(i) ?? item));
    return true;
}
