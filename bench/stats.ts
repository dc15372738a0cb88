// Timing and the statistics the bench reports: medians of interleaved rounds, so that a machine
// that slows down or speeds up mid-run affects a figure and its baseline alike.

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Seconds since an arbitrary origin, at high resolution. */
export function now(): number {
    return Number(process.hrtime.bigint()) / 1e9;
}

/** Seconds `run` takes (sync or async). */
export async function seconds(run: () => unknown): Promise<number> {
    const start = now();
    await run();
    return now() - start;
}

/**
 * CPU seconds (user + system, all threads, so garbage collection counts) that `run` takes: on a
 * shared machine, other processes' load shows in wall time far more than in CPU time.
 */
export async function cpuSeconds(run: () => unknown): Promise<number> {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1e6;
}

/**
 * Runs each variant once per round, the order reversed every other round (ABBA...), and returns
 * each variant's times. No forced garbage collection in between: after one, V8 shrinks the young
 * generation and a short run pays for growing it again, which a pack in steady state never does.
 */
export async function interleave<K extends string>(
    rounds: number,
    variants: Record<K, () => unknown>,
    measure: (run: () => unknown) => Promise<number> = seconds,
): Promise<Record<K, number[]>> {
    const names = Object.keys(variants) as K[];
    const times = Object.fromEntries(names.map(name => [name, [] as number[]])) as Record<K, number[]>;
    for (let round = 0; round < rounds; round++) {
        for (const name of round % 2 ? [...names].reverse() : names) {
            times[name].push(await measure(variants[name]));
        }
    }
    return times;
}

/** The median of per-round ratios a[i] / b[i]: each round's pair ran back to back. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
    return median(a.map((value, i) => value / b[i]));
}

export function sleep(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
}
