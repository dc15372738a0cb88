// Memoizing by text, for what a stack repeats across its resources: env var names, settings,
// capability names, type tokens (performance, docs/performance.md).

/** Past this many entries a cache starts again empty: memory stays bounded whatever the stack. */
const maxEntries = 4096;
/** Longer texts are computed every time and never kept: a cache must not hold megabytes of one value. */
const maxKeyLength = 256;

/** `compute`, memoized by its argument; `keep` says which results may be kept (undefined ones included). */
export function memoizeByText<T>(compute: (text: string) => T, keep: (value: T) => boolean = () => true): (text: string) => T {
    const cache = new Map<string, T>();
    return text => {
        const known = cache.get(text);
        if (known !== undefined || cache.has(text)) {
            return known as T;
        }
        const value = compute(text);
        if (text.length <= maxKeyLength && keep(value)) {
            if (cache.size >= maxEntries) {
                cache.clear();
            }
            cache.set(text, value);
        }
        return value;
    };
}
