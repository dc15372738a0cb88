// Linux capability names as users write them (`cap_net_raw`, `NET_RAW`, ` Net_Raw `) compared in
// one form: upper-case, `CAP_` prefix removed.
import { isUnknown } from "./values";

export function normalizeCapability(name: string): string {
    let normalized = normalizedNames.get(name);
    if (normalized === undefined) {
        const upper = name.trim().toUpperCase();
        normalized = upper.startsWith("CAP_") ? upper.slice(4) : upper;
        if (normalizedNames.size >= 1024) {
            normalizedNames.clear();
        }
        normalizedNames.set(name, normalized);
    }
    return normalized;
}

/** Normalised names by name as written: a stack writes the same few (performance). */
const normalizedNames = new Map<string, string>();

/** The entries of a capability list, sorted into what a rule can and can't judge. */
export interface CapabilityList {
    /** Normalised names with their index in the list. */
    names: Array<{ name: string; index: number }>;
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
            list.names.push({ name: normalizeCapability(item), index });
        } else {
            list.malformed.push(index);
        }
    });
    return list;
}

