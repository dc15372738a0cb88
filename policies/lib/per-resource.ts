// The pack's policies judge a resource one after the other, over the same props object (the SDK
// hands every policy of a request the same deserialized props: see decode-once.ts), and several
// of them derive the same things from it: the workload view, an image build's Dockerfile. Each is
// derived once per resource and kept until the next resource comes, so memory stays flat however
// many resources a stack has (docs/performance.md).
//
// Keyed by the props object, its type and its name. A policy that asks again for what it was
// already given for the same props starts a new evaluation (a test that re-runs the policies on
// props it changed in between): the value is derived afresh.

interface Derived {
    readonly what: string;
    readonly value: unknown;
    /** The policies this value was handed to (a pack has a handful: a list beats a Set here). */
    readonly askedBy: string[];
}

let current: { props: object; type: string; name: string; derived: Derived[] } | undefined;

/** `derive()`, or what it gave for the same resource to another policy of this evaluation. */
export function derivedOnce<T>(resource: { type: string; name: string }, props: object, policy: string, what: string, derive: () => T): T {
    if (current?.props !== props || current.type !== resource.type || current.name !== resource.name) {
        current = { props, type: resource.type, name: resource.name, derived: [] };
    }
    const known = current.derived.find(derived => derived.what === what);
    if (known && !known.askedBy.includes(policy)) {
        known.askedBy.push(policy);
        return known.value as T;
    }
    const value = derive();
    const fresh = { what, value, askedBy: [policy] };
    current.derived = [...current.derived.filter(derived => derived !== known), fresh];
    return value;
}
