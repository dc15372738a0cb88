// `npm run bench`: what container-guard costs at preview time, each figure against a floor
// measured in the same run (docs/performance.md explains the method). Exits 1 when a target is
// missed. `--only=inprocess,startup,grpc,memory,scan,preview` runs some sections (inprocess holds
// 3 and 4; scan is bench/scan.ts; preview, a real `pulumi preview`, bench/preview.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunningPack, repoRoot } from "../test/engine/harness";
import { policies } from "../policies";
import { analyzeHandler } from "./handler";
import { policyRunner, replayRunner } from "./in-process";
import { scanBench } from "./scan";
import { previewBench } from "./preview";
import { analyzeAll, analyzeConcurrently, emptyPack, encodeAll, noOpPack, recordReports, removeWorkDir, replayPack, startUpSeconds, tsNodeCache, typeScriptPack, workDir } from "./packs";
import { categoryOf, deployment, dockerfileOnDisk, mixedResource, podSpec, Resource, walk, writeBuildContexts } from "./resources";
import { cpuSeconds, interleave, median, medianRatio, seconds, stolenTime } from "./stats";

export interface Figure {
    section: string;
    what: string;
    value: string;
    baseline?: string;
    ratio?: number;
    /** The ratio (or `measured`, in `unit`) must be at most this. */
    target?: number;
    measured?: number;
    unit?: string;
}

const figures: Figure[] = [];

function record(figure: Figure): void {
    figures.push(figure);
    const target = figure.target === undefined ? "" : `  (target ≤ ${figure.target}${figure.ratio !== undefined ? "×" : ` ${figure.unit}`}: ${met(figure) ? "met" : "MISSED"})`;
    const ratio = figure.ratio === undefined ? "" : `  ratio ${figure.ratio.toFixed(2)}×`;
    const baseline = figure.baseline ? `  vs ${figure.baseline}` : "";
    console.log(`  ${figure.what}: ${figure.value}${baseline}${ratio}${target}`);
}

function met(figure: Figure): boolean {
    return figure.target === undefined || (figure.ratio ?? figure.measured!) <= figure.target;
}

const ms = (s: number) => `${(s * 1e3).toFixed(s < 0.01 ? 3 : 1)} ms`;
const us = (s: number) => `${(s * 1e6).toFixed(s < 1e-5 ? 2 : 1)} µs`;

async function startUp(): Promise<void> {
    console.log("1. Start-up: spawn to port printed (run-policy-pack, as the engine starts a pack)");
    const empty = emptyPack();
    const cpu = { guard: [] as number[], empty: [] as number[] };
    const times = await interleave(
        9,
        { guard: () => startUpSeconds(repoRoot, {}, cpu.guard), empty: () => startUpSeconds(empty, {}, cpu.empty) },
        run => run() as Promise<number>,
    );
    record({ section: "start-up", what: "container-guard (compiled JS)", value: ms(median(times.guard)), baseline: `empty pack ${ms(median(times.empty))}`, ratio: medianRatio(times.guard, times.empty), target: 1.15 });
    record({ section: "start-up", what: "CPU time of the pack process until ready (no target)", value: ms(median(cpu.guard)), baseline: `empty pack ${ms(median(cpu.empty))}`, ratio: medianRatio(cpu.guard, cpu.empty) });
    const typeScript = typeScriptPack();
    await startUpSeconds(typeScript, tsNodeCache("warm"));
    const ts = await interleave(
        3,
        { cold: () => startUpSeconds(typeScript, tsNodeCache("cold")), warm: () => startUpSeconds(typeScript, tsNodeCache("warm")), empty: () => startUpSeconds(empty) },
        run => run() as Promise<number>,
    );
    for (const state of ["cold", "warm"] as const) {
        const what = `the same pack as TypeScript through ts-node, ${state} compile cache (no target)`;
        record({ section: "start-up", what, value: ms(median(ts[state])), baseline: `empty pack ${ms(median(ts.empty))}`, ratio: medianRatio(ts[state], ts.empty) });
    }
}

const calls = 5000;
const grpcRounds = 5;

async function overGrpc(guard: RunningPack): Promise<void> {
    console.log(`2. Per resource over gRPC: ${calls} Analyze calls of a Deployment (3 containers, env, volumes), one in flight, in ${grpcRounds} rounds`);
    console.log(`  (requests encoded once, so the client side costs next to nothing, as with the engine's Go client)`);
    const resources = (compliant: boolean) => Array.from({ length: calls / grpcRounds }, (_, i) => deployment(i, 2, compliant));
    const deployments = { asWritten: resources(false), hardened: resources(true) };
    const requests = { asWritten: encodeAll(guard, deployments.asWritten), hardened: encodeAll(guard, deployments.hardened) };
    const packs: RunningPack[] = [];
    const started = async (dir: string) => {
        const pack = await RunningPack.start(dir);
        packs.push(pack);
        await pack.configure({});
        return pack;
    };
    try {
        const noOp = await started(noOpPack());
        const replay = {
            asWritten: await started(replayPack("as-written", policies, await recordReports(guard, policies, deployments.asWritten))),
            hardened: await started(replayPack("hardened", policies, await recordReports(guard, policies, deployments.hardened))),
        };
        for (const set of ["asWritten", "hardened"] as const) {
            await sameReports(guard, replay[set], deployments[set][0]);
        }
        const sends = { asWritten: [guard, requests.asWritten], hardened: [guard, requests.hardened], noOp: [noOp, requests.asWritten], replayAsWritten: [replay.asWritten, requests.asWritten], replayHardened: [replay.hardened, requests.hardened] } as const;
        const cpu = Object.fromEntries(Object.keys(sends).map(name => [name, [] as number[]])) as Record<keyof typeof sends, number[]>;
        const variants = Object.fromEntries(
            Object.entries(sends).map(([name, [pack, sent]]) => [
                name,
                async () => {
                    const before = pack.cpuSeconds();
                    await analyzeAll(pack, sent);
                    cpu[name as keyof typeof sends].push(pack.cpuSeconds() - before);
                },
            ]),
        ) as Record<keyof typeof sends, () => Promise<void>>;
        for (const warmUp of Object.values(variants)) {
            await warmUp();
        }
        Object.values(cpu).forEach(rounds => rounds.splice(0));
        const times = await interleave(grpcRounds, variants);
        const perCall = (rounds: number[]) => us(median(rounds) / requests.asWritten.length);
        const diagnostics = async (compliant: boolean) => {
            const sample = deployment(0, 2, compliant);
            return (await guard.analyze(sample.type, sample.props, sample.name)).diagnostics.length;
        };
        const figures = (deployment: "asWritten" | "hardened", replayed: "replayAsWritten" | "replayHardened", what: string, target: number) => {
            // The target is on the pack's own cost: against the no-op pack, the SDK's floor for this
            // many policies and diagnostics is itself above it (docs/performance.md, targets).
            record({ section: "gRPC", what: `round trip per Analyze call, ${what}, against the replay pack (all ${policies.length} policies' SDK calls and the same diagnostics, no evaluation)`, value: perCall(times[deployment]), baseline: `replay pack ${perCall(times[replayed])}`, ratio: medianRatio(times[deployment], times[replayed]), target });
            record({ section: "gRPC", what: "  pack process CPU per call (no target)", value: perCall(cpu[deployment]), baseline: `replay pack ${perCall(cpu[replayed])}`, ratio: medianRatio(cpu[deployment], cpu[replayed]) });
            record({ section: "gRPC", what: "  against the no-op pack, round trip (no target)", value: perCall(times[deployment]), baseline: `no-op pack ${perCall(times.noOp)}`, ratio: medianRatio(times[deployment], times.noOp) });
            record({ section: "gRPC", what: "  pack process CPU per call (no target)", value: perCall(cpu[deployment]), baseline: `no-op pack ${perCall(cpu.noOp)}`, ratio: medianRatio(cpu[deployment], cpu.noOp) });
            record({ section: "gRPC", what: "  floor: the replay pack against the no-op pack, round trip (no target)", value: perCall(times[replayed]), baseline: `no-op pack ${perCall(times.noOp)}`, ratio: medianRatio(times[replayed], times.noOp) });
        };
        figures("asWritten", "replayAsWritten", `Deployment as written (${await diagnostics(false)} diagnostics)`, 1.15);
        figures("hardened", "replayHardened", `hardened Deployment (${await diagnostics(true)} diagnostics)`, 1.1);
        await throughHandler(requests);
    } finally {
        packs.forEach(pack => pack.stop());
    }
}

/** Throws unless `replay` answers for `resource` what `guard` does: a floor that reports less would flatter the pack. */
async function sameReports(guard: RunningPack, replay: RunningPack, resource: Resource): Promise<void> {
    const [expected, replayed] = await Promise.all([guard, replay].map(pack => pack.analyze(resource.type, resource.props, resource.name)));
    if (JSON.stringify(replayed) !== JSON.stringify(expected)) {
        throw new Error(`the replay pack answers ${resource.name} differently from container-guard:\n${JSON.stringify(replayed).slice(0, 2000)}\nvs\n${JSON.stringify(expected).slice(0, 2000)}`);
    }
}

/**
 * The same requests through @pulumi/policy's Analyze handler in this process: the pack's CPU per
 * call without gRPC's transport and its noise, against the no-op policy's.
 */
async function throughHandler(requests: Record<"asWritten" | "hardened", Buffer[]>): Promise<void> {
    const [guard, noOp] = [analyzeHandler(policies), analyzeHandler([{ name: "no-op", description: "Does nothing.", enforcementLevel: "advisory", validateResource: () => {} }])];
    const over = (handle: (request: Buffer) => Promise<void>, sent: Buffer[]) => async () => {
        for (const request of sent) {
            await handle(request);
        }
    };
    const variants = { asWritten: over(guard, requests.asWritten), hardened: over(guard, requests.hardened), noOp: over(noOp, requests.asWritten) };
    for (const warmUp of Object.values(variants)) {
        await warmUp();
    }
    const times = await interleave(grpcRounds, variants, cpuSeconds);
    const perCall = (rounds: number[]) => us(median(rounds) / requests.asWritten.length);
    const what = (deployment: string) => `  through the SDK's Analyze handler in this process, no transport, ${deployment} (no target)`;
    record({ section: "gRPC", what: what("as written"), value: perCall(times.asWritten), baseline: `no-op policy ${perCall(times.noOp)}`, ratio: medianRatio(times.asWritten, times.noOp) });
    record({ section: "gRPC", what: what("hardened"), value: perCall(times.hardened), baseline: `no-op policy ${perCall(times.noOp)}`, ratio: medianRatio(times.hardened, times.noOp) });
}

/**
 * `count` distinct resources of mixed kinds. The bench takes 1,000 and cycles through them: the pack keeps what it derives from a
 * resource only until the next one, and its bounded content caches (names, settings) fill as a real stack's would.
 */
function mixedResources(count: number): Resource[] {
    const contexts = writeBuildContexts(path.join(workDir, "build-contexts"), count);
    return Array.from({ length: count }, (_, i) => mixedResource(i, contexts));
}

const runPolicies = policyRunner(policies);
const walkProps = (resource: Resource) => walk(resource.props);

/** A run of `visit` over n resources, cycling through `resources`; `checkpoints` get the CPU seconds spent when that many are done. */
function overResources(resources: readonly Resource[], n: number, visit: (resource: Resource) => number, checkpoints: Record<number, number[]> = {}): () => number {
    return () => {
        const start = process.cpuUsage();
        let total = 0;
        for (let i = 0; i < n; i++) {
            total += visit(resources[i % resources.length]);
            if (checkpoints[i + 1]) {
                const used = process.cpuUsage(start);
                checkpoints[i + 1].push((used.user + used.system) / 1e6);
            }
        }
        return total;
    };
}

/**
 * The floors under any pack that reports these findings, in rounds of their own (so that they
 * leave section 4's windows alone): the SDK's calls of the policies, and reading the Dockerfiles
 * that image builds have on disk. What the policies cost above both is their evaluation. Also what
 * a finding costs (found, and its message written), from the gRPC figure's Deployment as written
 * against the same Deployment compliant.
 */
async function floors(resources: readonly Resource[]): Promise<void> {
    const n = 20000;
    const replay = replayRunner(policies, resources);
    const readDockerfile = (resource: Resource) => {
        const file = dockerfileOnDisk(resource);
        return file ? fs.readFileSync(file).length : 0;
    };
    const deployments = (compliant: boolean) => Array.from({ length: 200 }, (_, i) => deployment(i, 2, compliant));
    const [asWritten, compliant] = [deployments(false), deployments(true)];
    const findingsIn = (subset: readonly Resource[]) => subset.reduce((sum, resource) => sum + runPolicies(resource), 0) / subset.length;
    const findingsPerResource = findingsIn(resources);
    const findingsPerDeployment = findingsIn(asWritten) - findingsIn(compliant);
    overResources(resources, n, replay)();
    const times = await interleave(
        5,
        {
            walk: overResources(resources, n, walkProps),
            policies: overResources(resources, n, runPolicies),
            replay: overResources(resources, n, replay),
            dockerfiles: overResources(resources, n, readDockerfile),
            asWritten: overResources(asWritten, n, runPolicies),
            compliant: overResources(compliant, n, runPolicies),
        },
        cpuSeconds,
    );
    const walkTime = `walk ${us(median(times.walk) / n)}`;
    const figure = (what: string, rounds: number[]) => record({ section: "in process", what: `  ${what} (no target)`, value: us(median(rounds) / n), baseline: walkTime, ratio: medianRatio(rounds, times.walk) });
    figure("floor: the same SDK calls, each policy replaying what it reported, no evaluation", times.replay);
    figure("floor: reading the Dockerfiles that image builds have on disk", times.dockerfiles);
    figure("the policies above both floors: their evaluation", times.policies.map((time, round) => time - times.replay[round] - times.dockerfiles[round]));
    record({ section: "in process", what: "  the policies against the replay floor (no target)", value: us(median(times.policies) / n), baseline: `replay ${us(median(times.replay) / n)}`, ratio: medianRatio(times.policies, times.replay) });
    const perFinding = times.asWritten.map((time, round) => (time - times.compliant[round]) / findingsPerDeployment);
    figure(`of which the findings: ${findingsPerResource.toFixed(1)} per resource at ${us(median(perFinding) / n)} each (a Deployment as written vs compliant)`, perFinding.map(time => time * findingsPerResource));
}

async function inProcess(): Promise<void> {
    const resources = mixedResources(1000);
    const n = 100000;
    overResources(resources, 20000, runPolicies)(); // warm-up: every code path compiled
    overResources(resources, 20000, walkProps)();
    console.log(`3. In process (CPU time): all ${policies.length} policies over ${n.toLocaleString("en")} resources of mixed kinds vs one walk of every value`);
    const sizes = [1000, 10000, n];
    const checkpoints: Record<number, number[]> = Object.fromEntries(sizes.map(size => [size, []]));
    const times = await interleave(7, { walk: overResources(resources, n, walkProps), policies: overResources(resources, n, runPolicies, checkpoints) }, cpuSeconds);
    const perResource = median(times.policies) / n;
    record({ section: "in process", what: "policies per resource (no target)", value: us(perResource), baseline: `walk ${us(median(times.walk) / n)}`, ratio: medianRatio(times.policies, times.walk) });
    record({ section: "in process", what: "resources per second (no target)", value: `${Math.round(1 / perResource).toLocaleString("en")}/s` });
    await floors(resources);
    const categories = [...new Set(resources.map(categoryOf))];
    const byCategory = await interleave(
        3,
        Object.fromEntries(
            categories.flatMap(category => {
                const subset = resources.filter(resource => categoryOf(resource) === category);
                return [
                    [`policies ${category}`, overResources(subset, 20000, runPolicies)],
                    [`walk ${category}`, overResources(subset, 20000, walkProps)],
                ];
            }),
        ),
        cpuSeconds,
    );
    for (const category of categories) {
        const [policyTimes, walkTimes] = [byCategory[`policies ${category}`], byCategory[`walk ${category}`]];
        record({ section: "in process", what: `  ${category} (no target)`, value: us(median(policyTimes) / 20000), baseline: `walk ${us(median(walkTimes) / 20000)}`, ratio: medianRatio(policyTimes, walkTimes) });
    }

    console.log("4. Scale (CPU time)");
    const costs = sizes.map(size => median(checkpoints[size]) / size);
    record({
        section: "scale",
        what: "cost per resource over the first 1k / 10k / 100k resources of the runs above",
        value: costs.map(us).join(" / "),
        ratio: Math.max(...costs) / Math.min(...costs),
        target: 1.2,
    });
    const pod = (containers: number): Resource => ({ type: "kubernetes:core/v1:Pod", name: `pod-${containers}`, urn: `urn:pulumi:prod::shop::kubernetes:core/v1:Pod::pod-${containers}`, props: { metadata: { name: `pod-${containers}` }, spec: podSpec(containers, containers - 1) } });
    const containerCount = 50000;
    const perContainer = await interleave(
        7,
        {
            small: overResources([pod(5)], containerCount / 5, runPolicies),
            large: overResources([pod(500)], containerCount / 500, runPolicies),
        },
        cpuSeconds,
    );
    record({
        section: "scale",
        what: "cost per container, 500 containers + 5,000 env vars vs 5 containers + 50 env vars",
        value: us(median(perContainer.large) / containerCount),
        baseline: us(median(perContainer.small) / containerCount),
        ratio: medianRatio(perContainer.large, perContainer.small),
        target: 1.5,
    });
}

async function memory(guard: RunningPack): Promise<void> {
    const requests = encodeAll(guard, mixedResources(1000));
    const total = 100000;
    const warmUp = 5000;
    const step = 2500;
    console.log(`5. Memory: RSS of the pack process over ${total.toLocaleString("en")} Analyze calls of mixed kinds (8 in flight), after ${warmUp.toLocaleString("en")} calls of warm-up`);
    await analyzeConcurrently(guard, requests, warmUp, 8);
    const samples = [guard.rss()];
    const time = await seconds(async () => {
        for (let done = 0; done < total; done += step) {
            await analyzeConcurrently(guard, requests, step, 8);
            samples.push(guard.rss());
        }
    });
    // RSS swings by tens of MB with the garbage collector's cycle: compare the medians of the
    // samples over the first and the last fifth of the calls, not two single samples.
    const mb = (bytes: number) => bytes / 2 ** 20;
    const fifth = Math.ceil(samples.length / 5);
    const [first, last] = [median(samples.slice(0, fifth)), median(samples.slice(-fifth))].map(mb);
    const range = `${mb(Math.min(...samples)).toFixed(0)}–${mb(Math.max(...samples)).toFixed(0)} MB`;
    record({
        section: "memory",
        what: "RSS growth",
        value: `${(last - first).toFixed(1)} MB (median RSS over the first and last fifth of the calls: ${first.toFixed(0)} → ${last.toFixed(0)} MB; range ${range}; ${Math.round(total / time)} calls/s)`,
        measured: last - first,
        unit: "MB",
        target: 20,
    });
}

function machine(): string {
    const cpu = os.cpus();
    return `${cpu[0]?.model.trim()}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function main(): Promise<void> {
    const only = process.argv.find(arg => arg.startsWith("--only="))?.slice("--only=".length).split(",");
    const wants = (section: string) => !only || only.includes(section);
    console.log(`container-guard bench: ${policies.length} policies (${policies.map(p => p.name).join(", ")})`);
    console.log(`machine: ${machine()}; load average ${os.loadavg().map(l => l.toFixed(2)).join(" ")}\n`);
    const stolenInRun = stolenTime();
    /** Runs a section and says how much CPU time the host took from this machine meanwhile. */
    const section = async (run: () => Promise<void>) => {
        const stolen = stolenTime();
        await run();
        console.log(`  (during this section: ${stolen()})`);
    };
    try {
        // In process first, while this process has done nothing else.
        if (wants("inprocess")) {
            await section(inProcess);
        }
        if (wants("startup")) {
            await section(startUp);
        }
        if (wants("grpc") || wants("memory")) {
            const guard = await RunningPack.start(repoRoot);
            try {
                await guard.configure({});
                if (wants("grpc")) {
                    await section(() => overGrpc(guard));
                }
                if (wants("memory")) {
                    await section(() => memory(guard));
                }
            } finally {
                guard.stop();
            }
        }
        if (wants("scan")) {
            await section(() => scanBench(record));
        }
        if (wants("preview")) {
            await section(() => previewBench(record));
        }
    } finally {
        removeWorkDir();
    }
    console.log(`\nDuring the whole run: ${stolenInRun()}.`);
    const missed = figures.filter(figure => !met(figure));
    console.log(missed.length === 0 ? "\nEvery target met." : `\nMissed: ${missed.map(f => `${f.section}: ${f.what}`).join("; ")}`);
    process.exitCode = missed.length === 0 ? 0 : 1;
}

main().catch(e => {
    console.error(e);
    process.exitCode = 2;
});
