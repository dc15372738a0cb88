// Linux capability names as users write them (`cap_net_raw`, `NET_RAW`, ` Net_Raw `) compared in
// one form: upper-case, `CAP_` prefix removed.
import { memoizeByText } from "./memo";
import { isUnknown } from "./values";

export const normalizeCapability = memoizeByText(name => {
    const upper = name.trim().toUpperCase();
    return upper.startsWith("CAP_") ? upper.slice(4) : upper;
});

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

