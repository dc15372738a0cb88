// Section 7, what a user waits for: `pulumi preview --policy-pack` in the real engine, with the CLI
// and the offline workspace of the engine tests (test/e2e/harness.js: stand-in providers that pass
// inputs through, a file backend, the analyzer shim that starts a JS pack), over a Pulumi YAML
// program generated in the bench's temp dir (the Node.js language host can't be built here).
// Every preview is checked: it must report, resource by resource, what the policies report in
// this process, at the levels its config gives, and fail exactly when one of them is mandatory.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../policies";
import { repoRoot } from "../test/engine/harness";
import { Reported, reportsRunner } from "./in-process";
import { emptyPack, Recordings, replayedOf, replayPack, workDir } from "./packs";
import { previewStack, Resource, stackBlock } from "./resources";
import type { Figure } from "./run";
import { interleave, median, medianRatio, now, sleep, stolenTime } from "./stats";

/** The engine tests' offline workspace (test/e2e/harness.js): its own PULUMI_HOME with the stand-in plugins, a file backend. */
interface Workspace {
    dir: string;
    cliDir: string;
    env: NodeJS.ProcessEnv;
    mustPulumi(args: readonly string[], opts?: { cwd?: string }): { stdout: string };
}
const harness = require(path.join(repoRoot, "test", "e2e", "harness.js"));
const parseViolations: (stdout: string) => Array<{ level: string; policy: string; name: string }> = harness.parseViolations;
const { checkDefaults } = require(path.join(repoRoot, "test", "e2e", "providers", "schema.js"));

/** The sizes of the program, and the interleaved rounds at each (docs/performance.md: how they were sized). */
const sizes = [
    { resources: 100, rounds: 5 },
    { resources: 1000, rounds: 7 },
    { resources: 3000, rounds: 3 },
];
/** The size the targets are set at. */
const headline = 1000;
const target = 1.05;

/** The preset the figure runs with, loaded by path (presets and policies come and go; nothing here lists them). */
const presetFile = path.join(repoRoot, "examples", "config", "pss-baseline.json");

type UserConfig = Record<string, unknown>;
const variantNames = ["none", "empty", "replay", "guard", "mandatory", "preset"] as const;
type Variant = (typeof variantNames)[number];
const packVariants: readonly Variant[] = ["guard", "mandatory", "preset"];

const short: Record<Variant, string> = { none: "no pack", empty: "empty pack", replay: "replay pack", guard: "defaults", mandatory: "all mandatory", preset: "preset" };
const describe: Record<Variant, string> = {
    none: "no pack",
    empty: "empty pack",
    replay: "the replay pack (container-guard's policies evaluating nothing, reporting its diagnostics with its defaults)",
    guard: "container-guard, defaults",
    mandatory: 'container-guard, every policy mandatory ({"all": "mandatory"})',
    preset: `container-guard, --policy-pack-config ${path.relative(repoRoot, presetFile)}`,
};

/** Which processes of a preview the CPU time is charged to. */
const roles = ["pack", "engine", "language host", "providers"] as const;
type Role = (typeof roles)[number];

interface Run {
    seconds: number;
    code: number | null;
    stdout: string;
    stderr: string;
    cpu: Record<Role, number>;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every architecture Node runs on. */
const ticksPerSecond = 100;
const sampleEveryMs = 100;

function cpuSecondsOf(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
    } catch {
        return undefined; // gone
    }
}

function childrenOf(pid: number): number[] {
    try {
        return fs.readdirSync(`/proc/${pid}/task`).flatMap(task => fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number));
    } catch {
        return [];
    }
}

function roleOf(pid: number, parentRole: Role | undefined): Role {
    if (parentRole === "pack") {
        return "pack"; // the analyzer shim's children: the pack itself
    }
    let cmdline = "";
    try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
        // gone
    }
    if (/pulumi-analyzer-policy-nodejs|run-policy-pack/.test(cmdline)) {
        return "pack";
    }
    if (cmdline.includes("pulumi-language-")) {
        return "language host";
    }
    return /pulumi-resource-|providers\/provider\.js/.test(cmdline) ? "providers" : "engine";
}

/**
 * The CPU seconds of each process under `root`, sampled every 100 ms from /proc (a process's
 * last 100 ms before it exits can be missed), charged by role.
 */
class TreeSampler {
    private readonly seen = new Map<number, { role: Role; cpu: number }>();

    constructor(private readonly root: number) {}

    sample(): void {
        const visit = (pid: number, parentRole: Role | undefined) => {
            let entry = this.seen.get(pid);
            const cpu = cpuSecondsOf(pid);
            if (cpu === undefined) {
                return;
            }
            if (!entry || (entry.role === "engine" && pid !== this.root)) {
                // A shim's first look can be the shell before its exec: classify again until it is known.
                entry = { role: pid === this.root ? "engine" : roleOf(pid, parentRole), cpu };
                this.seen.set(pid, entry);
            }
            entry.cpu = Math.max(entry.cpu, cpu);
            for (const child of childrenOf(pid)) {
                visit(child, entry.role);
            }
        };
        visit(this.root, undefined);
    }

    byRole(): Record<Role, number> {
        const total = Object.fromEntries(roles.map(role => [role, 0])) as Record<Role, number>;
        for (const { role, cpu } of this.seen.values()) {
            total[role] += cpu;
        }
        return total;
    }
}

/** Runs one `pulumi preview` in `cwd`: wall time from spawn to exit, output, and CPU by role. */
function preview(workspace: Workspace, cwd: string, args: readonly string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const start = now();
        const child = spawn(path.join(workspace.cliDir, "pulumi"), ["preview", "--non-interactive", "--color", "never", ...args], { cwd, env: workspace.env, stdio: ["ignore", "pipe", "pipe"] });
        const sampler = new TreeSampler(child.pid!);
        const timer = setInterval(() => sampler.sample(), sampleEveryMs);
        const [stdout, stderr]: string[][] = [[], []];
        child.stdout!.setEncoding("utf8").on("data", chunk => stdout.push(chunk));
        child.stderr!.setEncoding("utf8").on("data", chunk => stderr.push(chunk));
        child.once("error", error => {
            clearInterval(timer);
            reject(error);
        });
        child.once("exit", () => clearInterval(timer));
        child.once("close", code => {
            const seconds = now() - start;
            resolve({ seconds, code, stdout: stdout.join(""), stderr: stderr.join(""), cpu: sampler.byRole() });
        });
    });
}

/** Pulumi YAML interpolates `${...}` in every string; `$$` is a literal `$`. */
function escapeInterpolation(value: unknown): unknown {
    if (typeof value === "string") {
        return value.replace(/\$/g, "$$$$");
    }
    if (Array.isArray(value)) {
        return value.map(escapeInterpolation);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeInterpolation(item)]));
    }
    return value;
}

/** A Pulumi YAML project of `resources` (Main.json next to Pulumi.yaml) with a stack, in the workspace. */
function writeProgram(workspace: Workspace, name: string, resources: readonly Resource[]): string {
    const dir = path.join(workspace.dir, "projects", name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: yaml\ndescription: container-guard's preview benchmark (generated)\n`);
    const program = { resources: Object.fromEntries(resources.map(resource => [resource.name, { type: resource.type, properties: escapeInterpolation(resource.props) }])) };
    fs.writeFileSync(path.join(dir, "Main.json"), JSON.stringify(program));
    workspace.mustPulumi(["stack", "init", "bench", "--non-interactive"], { cwd: dir });
    return dir;
}

/** A policy's level under a `--policy-pack-config`, as the CLI resolves it: its own entry, then `all`, then the policy's default. */
function levelOf(policy: ResourceValidationPolicy, config: UserConfig): string {
    const own = config[policy.name];
    const level = typeof own === "string" ? own : (own as { enforcementLevel?: string } | undefined)?.enforcementLevel;
    return level ?? (config.all as string | undefined) ?? policy.enforcementLevel ?? "advisory";
}

/** Each policy's config properties under a `--policy-pack-config` (its level aside). */
function propertiesOf(config: UserConfig): Record<string, Record<string, unknown>> {
    return Object.fromEntries(
        Object.entries(config)
            .filter(([, value]) => typeof value === "object" && value !== null)
            .map(([name, value]) => {
                const { enforcementLevel: _, ...properties } = value as Record<string, unknown>;
                return [name, properties];
            }),
    );
}

/**
 * What a preview under `config` must report: "level policy resource" with how many diagnostics,
 * from what the built pack's policies report in this process (`reportsOf`).
 */
function expectedDiagnostics(reports: ReadonlyArray<[Resource, Reported[]]>, config: UserConfig): Map<string, number> {
    const expected = new Map<string, number>();
    for (const [resource, reported] of reports) {
        for (const { policy, violation } of reported) {
            const level = (violation as { enforcementLevel?: string }).enforcementLevel ?? levelOf(policy, config);
            const key = `${level} ${policy.name} ${resource.name}`;
            expected.set(key, (expected.get(key) ?? 0) + 1);
        }
    }
    return expected;
}

/** What the built pack's enabled policies report for each resource under `config`, on the props the stand-ins hand the engine. */
function reportsOf(resources: readonly Resource[], config: UserConfig): Array<[Resource, Reported[]]> {
    const enabled = policies.filter(policy => levelOf(policy, config) !== "disabled");
    const run = reportsRunner(enabled, propertiesOf(config));
    return resources.map(resource => [resource, run({ ...resource, props: checkDefaults(resource.type.split(":")[0], resource.urn, resource.props) })]);
}

/**
 * The replay pack of `reports` (container-guard's defaults): its policies reporting, resource by
 * resource, those messages (bench/packs.ts, replayPack). Its preview above the empty pack's is
 * the floor of any pack of these policies and diagnostics: the SDK's calls of each policy, the
 * diagnostics built, encoded, received and printed. Its not-applicables are left out.
 */
function replayPackFor(reports: ReadonlyArray<[Resource, Reported[]]>): string {
    const recorded: Recordings = {};
    for (const [resource, reported] of reports) {
        for (const { policy, violation } of reported) {
            replayedOf(recorded, resource.name, policy.name).messages.push(violation as string);
        }
    }
    return replayPack(`preview-${reports.length}`, policies, recorded);
}

function countsOf(violations: ReadonlyArray<{ level: string; policy: string; name: string }>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { level, policy, name } of violations) {
        const key = `${level} ${policy} ${name}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
}

function differences(actual: Map<string, number>, expected: Map<string, number>): string[] {
    const keys = [...new Set([...actual.keys(), ...expected.keys()])].sort();
    return keys.filter(key => actual.get(key) !== expected.get(key)).map(key => `${key}: ${actual.get(key) ?? 0} reported, ${expected.get(key) ?? 0} expected`);
}

/** What a variant's preview must show. */
interface Expectation {
    diagnostics: Map<string, number>;
    /** Whether a diagnostic is mandatory, so the preview must fail. */
    fails: boolean;
}

/** Throws unless `run` is the preview `expectation` describes: the bench never times a preview that went wrong. */
function check(variant: Variant, resources: readonly Resource[], run: Run, expectation: Expectation): void {
    const output = run.stdout + run.stderr;
    const fail = (why: string) => {
        throw new Error(`preview of ${resources.length} resources, ${describe[variant]}: ${why} (exit ${run.code})\n${output.slice(-4000)}`);
    };
    // A failed preview prints no "Resources:" summary; its steps, a line each, show it went through
    // every resource (unanchored: the progress dots of "@ previewing update..." can precede one).
    const created = new Set([...run.stdout.matchAll(/\+ {2}(\S+) (\S+) create/g)].map(([, , name]) => name));
    const missing = resources.filter(resource => !created.has(resource.name));
    if (missing.length > 0) {
        const lines = (name: string) => run.stdout.split("\n").filter(line => line.includes(` ${name} `) && !line.includes("- ["));
        fail(`expected a step for each of the ${resources.length} resources; none for ${missing.length}: ${missing.slice(0, 5).map(({ name }) => `${name} (lines naming it: ${JSON.stringify(lines(name))})`).join(", ")}`);
    }
    const errors = output.split("\n").filter(line => /^\s*error:/.test(line));
    if (expectation.fails) {
        if (run.code === 0 || errors.length !== 1 || !/^\s*error: preview failed\s*$/.test(errors[0])) {
            fail(`expected it to fail with "error: preview failed" only, for its mandatory violations; errors: ${JSON.stringify(errors)}`);
        }
    } else if (run.code !== 0 || errors.length > 0) {
        fail("expected it to succeed");
    }
    const wrong = differences(countsOf(parseViolations(run.stdout)), expectation.diagnostics);
    if (wrong.length > 0) {
        fail(`its diagnostics differ from the policies' in this process:\n  ${wrong.slice(0, 20).join("\n  ")}${wrong.length > 20 ? `\n  ... ${wrong.length - 20} more` : ""}`);
    }
}

interface SizeResult {
    resources: number;
    diagnostics: Record<Variant, number>;
    mandatory: Record<Variant, number>;
    seconds: Record<Variant, number[]>;
    cpu: Record<Variant, Array<Record<Role, number>>>;
}

const sec = (s: number) => `${s.toFixed(2)} s`;
const msPer = (s: number) => `${(s * 1e3).toFixed(2)} ms`;

async function measureSize(workspace: Workspace, emptyDir: string, resources: number, rounds: number, warmUp: boolean): Promise<SizeResult> {
    const stack = previewStack(resources, path.join(workDir, `preview-contexts-${resources}`));
    const project = writeProgram(workspace, `preview-${resources}`, stack);
    // What the defaults report: the replay pack's recordings, and what it and container-guard's defaults must show.
    const defaults = reportsOf(stack, {});
    const mandatoryFile = path.join(workDir, "all-mandatory.json");
    fs.writeFileSync(mandatoryFile, JSON.stringify({ all: "mandatory" }));
    const configs: Record<Variant, { args: string[]; config?: UserConfig }> = {
        none: { args: [] },
        empty: { args: ["--policy-pack", emptyDir] },
        replay: { args: ["--policy-pack", replayPackFor(defaults)], config: {} },
        guard: { args: ["--policy-pack", repoRoot], config: {} },
        mandatory: { args: ["--policy-pack", repoRoot, "--policy-pack-config", mandatoryFile], config: { all: "mandatory" } },
        preset: { args: ["--policy-pack", repoRoot, "--policy-pack-config", presetFile], config: JSON.parse(fs.readFileSync(presetFile, "utf8")) },
    };
    const expectations = Object.fromEntries(
        variantNames.map(variant => {
            const config = configs[variant].config;
            const reports = config === undefined ? undefined : Object.keys(config).length === 0 ? defaults : reportsOf(stack, config);
            const diagnostics = reports ? expectedDiagnostics(reports, config!) : new Map<string, number>();
            const fails = [...diagnostics.keys()].some(key => key.startsWith("mandatory "));
            return [variant, { diagnostics, fails }];
        }),
    ) as Record<Variant, Expectation>;
    const total = (variant: Variant, level?: string) => [...expectations[variant].diagnostics].filter(([key]) => !level || key.startsWith(`${level} `)).reduce((sum, [, count]) => sum + count, 0);
    const cpu = Object.fromEntries(variantNames.map(variant => [variant, [] as Array<Record<Role, number>>])) as SizeResult["cpu"];
    const timed = (variant: Variant, into?: Array<Record<Role, number>>) => async () => {
        const run = await preview(workspace, project, configs[variant].args);
        check(variant, stack, run, expectations[variant]);
        into?.push(run.cpu);
        await sleep(500); // let the plugins the engine stopped go before the next preview starts
        return run.seconds;
    };
    if (warmUp) {
        for (const variant of variantNames) {
            await timed(variant)(); // the first previews: the CLI, plugins and packs read from disk
        }
    }
    const seconds = await interleave(rounds, Object.fromEntries(variantNames.map(variant => [variant, timed(variant, cpu[variant])])) as Record<Variant, () => Promise<number>>, run => run() as Promise<number>);
    return {
        resources,
        diagnostics: Object.fromEntries(variantNames.map(variant => [variant, total(variant)])) as Record<Variant, number>,
        mandatory: Object.fromEntries(variantNames.map(variant => [variant, total(variant, "mandatory")])) as Record<Variant, number>,
        seconds,
        cpu,
    };
}

/** The median over rounds of a role's CPU seconds in a variant's previews. */
const cpuOf = (result: SizeResult, variant: Variant, role: Role) => median(result.cpu[variant].map(round => round[role]));

/** The CPU seconds of every process of one preview. */
const allCpu = (round: Record<Role, number>) => roles.reduce((sum, role) => sum + round[role], 0);

function printCpu(result: SizeResult): void {
    console.log(`    CPU time by process, median of the rounds (sampled from /proc every ${sampleEveryMs} ms), and of all of them against the empty pack's:`);
    for (const variant of variantNames) {
        const all = `all ${sec(median(result.cpu[variant].map(allCpu)))}${variant === "none" || variant === "empty" ? "" : ` (${medianRatio(result.cpu[variant].map(allCpu), result.cpu.empty.map(allCpu)).toFixed(2)}×)`}`;
        console.log(`      ${describe[variant]}: ${roles.map(role => `${role} ${sec(cpuOf(result, variant, role))}`).join(", ")}; ${all}`);
    }
}

/**
 * Where a variant's wall time above the empty pack's goes: the pack process's CPU against the
 * empty pack's (the policies and their diagnostics; the SDK's share is in the empty pack's), the
 * engine's (which receives the diagnostics and prints them), and the plugins'.
 */
function explain(result: SizeResult, variant: Variant): string {
    const delta = (role: Role) => `${role} ${cpuOf(result, variant, role) - cpuOf(result, "empty", role) >= 0 ? "+" : ""}${(cpuOf(result, variant, role) - cpuOf(result, "empty", role)).toFixed(2)} s`;
    const sdk = cpuOf(result, "empty", "pack");
    const engine = cpuOf(result, "empty", "engine") - cpuOf(result, "none", "engine");
    const above = (a: Variant, b: Variant) => sec(median(result.seconds[a].map((time, round) => time - result.seconds[b][round])));
    return (
        `      ${describe[variant]}: ${above(variant, "empty")} of wall time above the empty pack; CPU above the empty pack's: ${roles.map(delta).join(", ")}` +
        ` (${result.diagnostics[variant].toLocaleString("en")} diagnostics). Of the wall time, the replay pack (the SDK's calls of the same policies, the same diagnostics, no evaluation) is ${above("replay", "empty")} above the empty pack, and container-guard with its defaults ${above("guard", "replay")} above the replay pack` +
        `. An empty pack costs ${sec(median(result.seconds.empty.map((time, round) => time - result.seconds.none[round])))} of wall time above no pack:` +
        ` its process (the SDK) ${sec(sdk)} of CPU, the engine ${engine >= 0 ? "+" : ""}${engine.toFixed(2)} s`
    );
}

/** The median over rounds of a variant's wall time above the empty pack's. */
const aboveEmpty = (result: SizeResult, variant: Variant) => median(result.seconds[variant].map((time, round) => time - result.seconds.empty[round]));

const range = (values: readonly number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}×`;

export async function previewBench(record: (figure: Figure) => void): Promise<void> {
    const workspace: Workspace = new harness.Workspace({ dir: path.join(workDir, "preview") });
    const emptyDir = emptyPack();
    const version = workspace.mustPulumi(["version"]).stdout.trim();
    const counts = (n: number) => `${(n * 20) / stackBlock} Kubernetes workloads, ${(n * 5) / stackBlock} Docker containers and services, ${n / stackBlock} image builds, ${(n * 24) / stackBlock} Services, ConfigMaps and Ingresses`;
    console.log(`7. A real preview: pulumi ${version} preview --policy-pack of a Pulumi YAML program, stand-in providers; wall time, median of interleaved rounds`);
    const results: SizeResult[] = [];
    for (const { resources, rounds } of sizes) {
        const n = resources.toLocaleString("en");
        console.log(`  ${n} resources (${counts(resources)}), ${rounds} rounds of the ${variantNames.length} variants (load average ${os.loadavg()[0].toFixed(2)}):`);
        const stolen = stolenTime();
        const result = await measureSize(workspace, emptyDir, resources, rounds, results.length === 0);
        results.push(result);
        const none = median(result.seconds.none);
        console.log(`    no pack ${sec(none)}; empty pack ${sec(median(result.seconds.empty))}, ${medianRatio(result.seconds.empty, result.seconds.none).toFixed(2)}× no pack (during these rounds: ${stolen()})`);
        for (const variant of packVariants) {
            const ratios = result.seconds[variant].map((time, round) => time / result.seconds.empty[round]);
            const figure: Figure = {
                section: "preview",
                what: `${n} resources, ${describe[variant]} (${result.diagnostics[variant].toLocaleString("en")} diagnostics, ${result.mandatory[variant].toLocaleString("en")} mandatory)`,
                value: `${sec(median(result.seconds[variant]))}, ${medianRatio(result.seconds[variant], result.seconds.none).toFixed(2)}× no pack`,
                baseline: `empty pack ${sec(median(result.seconds.empty))} (rounds ${range(ratios)})`,
                ratio: medianRatio(result.seconds[variant], result.seconds.empty),
            };
            if (resources === headline) {
                figure.target = target;
            }
            record(figure);
        }
        record({
            section: "preview",
            what: `  floor: ${describe.replay} (no target)`,
            value: `${sec(median(result.seconds.replay))}`,
            baseline: `empty pack ${sec(median(result.seconds.empty))}`,
            ratio: medianRatio(result.seconds.replay, result.seconds.empty),
        });
        record({
            section: "preview",
            what: "  the pack's own evaluation: container-guard, defaults, against the replay pack (no target)",
            value: `${sec(median(result.seconds.guard))}`,
            baseline: `replay pack ${sec(median(result.seconds.replay))}`,
            ratio: medianRatio(result.seconds.guard, result.seconds.replay),
        });
        printCpu(result);
        const missed = packVariants.filter(variant => resources === headline && medianRatio(result.seconds[variant], result.seconds.empty) > target);
        if (missed.length > 0) {
            console.log("    Where the time above the empty pack goes, for the targets missed:");
            missed.forEach(variant => console.log(explain(result, variant)));
        }
    }
    console.log("  Per resource: wall time / resources; the pack's extra, (its wall time - the empty pack's) / resources; the slope between two sizes, (T(b) - T(a)) / (b - a):");
    const per = (result: SizeResult, variant: Variant) => msPer(median(result.seconds[variant]) / result.resources);
    for (const result of results) {
        const n = result.resources.toLocaleString("en");
        record({ section: "preview", what: `per resource at ${n} (no target)`, value: variantNames.map(variant => `${short[variant]} ${per(result, variant)}`).join("; ") });
        const packCpu = (variant: Variant) => msPer(median(result.cpu[variant].map((round, i) => round.pack - result.cpu.empty[i].pack)) / result.resources);
        record({
            section: "preview",
            what: `  the pack's extra per resource at ${n}, wall time (and its process's CPU) above the empty pack's (no target)`,
            value: packVariants.map(variant => `${short[variant]} ${msPer(aboveEmpty(result, variant) / result.resources)} (${packCpu(variant)})`).join("; "),
        });
    }
    for (const [a, b] of results.slice(1).map((result, i) => [results[i], result])) {
        const slope = (variant: Variant) => msPer((median(b.seconds[variant]) - median(a.seconds[variant])) / (b.resources - a.resources));
        const extraSlope = (variant: Variant) => msPer((aboveEmpty(b, variant) - aboveEmpty(a, variant)) / (b.resources - a.resources));
        record({
            section: "preview",
            what: `slope from ${a.resources.toLocaleString("en")} to ${b.resources.toLocaleString("en")} resources (no target)`,
            value: `${variantNames.map(variant => `${short[variant]} ${slope(variant)}`).join("; ")}; the pack's extra: ${packVariants.map(variant => `${short[variant]} ${extraSlope(variant)}`).join("; ")}`,
        });
    }
}
