// Timing and the statistics the bench reports: medians of interleaved rounds, so that a machine
// that slows down or speeds up mid-run affects a figure and its baseline alike.

import * as fs from "fs";

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

/** A machine's CPU clock ticks so far: all of them, and those stolen by the host. */
export interface Ticks {
    total: number;
    stolen: number;
}

/** The ticks of /proc/stat's first line (`cpu user nice system idle iowait irq softirq steal ...`). */
export function parseCpuTicks(line: string): Ticks | undefined {
    const [label, ...rest] = line.trim().split(/\s+/);
    // Guest time, the fields after steal, is already counted in user.
    const fields = rest.slice(0, 8).map(Number);
    return label === "cpu" && fields.length === 8 && fields.every(Number.isInteger) ? { total: fields.reduce((a, b) => a + b, 0), stolen: fields[7] } : undefined;
}

function ticks(): Ticks | undefined {
    try {
        return parseCpuTicks(fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0]);
    } catch {
        return undefined;
    }
}

/**
 * Starts counting the CPU time the hypervisor gives other guests while this VM wants to run
 * ("steal"): on an oversubscribed host it slows every process at random, the bench's baselines
 * included, so it says how far a run's wall times can be trusted. The returned function describes
 * the share since the start, or says that the machine doesn't report it.
 */
export function stolenTime(): () => string {
    const start = ticks();
    return () => {
        const end = ticks();
        if (!start || !end || end.total <= start.total) {
            return "CPU time stolen by the host: not reported here";
        }
        return `${((100 * (end.stolen - start.stolen)) / (end.total - start.total)).toFixed(0)}% of the CPU time stolen by the host`;
    };
}

export function sleep(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
}
