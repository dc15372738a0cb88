// The packs the bench compares container-guard with, generated in a temp dir on the same
// @pulumi/policy and @pulumi/pulumi (node_modules is a symlink to the repo's), and the
// measurements that drive packs over gRPC the way the engine does.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { repoRoot, RunningPack } from "../test/engine/harness";
import { Resource } from "./resources";
import { seconds, sleep } from "./stats";

export const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-bench-"));

export function removeWorkDir(): void {
    fs.rmSync(workDir, { recursive: true, force: true });
}

function writePack(name: string, main: string, files: Record<string, string>): string {
    const dir = path.join(workDir, name);
    if (fs.existsSync(dir)) {
        return dir; // written by an earlier section of this run: the same files
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: "0.0.0", main }));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

/** A pack with no policies: the floor for start-up. */
export function emptyPack(): string {
    return writePack("empty-pack", "index.js", { "index.js": `const { PolicyPack } = require("@pulumi/policy");\nnew PolicyPack("empty", { policies: [] });\n` });
}

/** A pack whose one policy does nothing: the floor for an Analyze call. */
export function noOpPack(): string {
    const policy = `{ name: "no-op", description: "Does nothing.", enforcementLevel: "advisory", validateResource: () => {} }`;
    return writePack("no-op-pack", "index.js", { "index.js": `const { PolicyPack } = require("@pulumi/policy");\nnew PolicyPack("no-op", { policies: [${policy}] });\n` });
}

/** What one policy reported for one resource: its messages, or its reason for not applying. */
export interface Replayed {
    messages: string[];
    notApplicable?: string;
}

/** What replayPack replays: per resource name, per policy name. */
export type Recordings = Record<string, Record<string, Replayed>>;

/** The entry of `recorded` for that resource and policy, added empty if there is none. */
export function replayedOf(recorded: Recordings, resourceName: string, policyName: string): Replayed {
    return ((recorded[resourceName] ??= {})[policyName] ??= { messages: [] });
}

/**
 * A pack with container-guard's policies (names, descriptions, levels) that evaluate nothing: each
 * reports what container-guard reported for the resource of that name (`recorded`). Over gRPC it
 * is the floor under the pack: the SDK's calls of every policy (with the pack's decode-once.ts),
 * and the same diagnostics built, encoded and sent. `label` names the pack's directory (one per set of recordings).
 */
export function replayPack(label: string, policies: readonly ResourceValidationPolicy[], recorded: Recordings): string {
    const metadata = policies.map(({ name, description, enforcementLevel, severity }) => ({ name, description, enforcementLevel, severity }));
    const decodeOnce = JSON.stringify(path.join(repoRoot, "bin", "policies", "lib", "decode-once.js"));
    const index = `const { PolicyPack } = require("@pulumi/policy");
// Each request's props decoded once for every policy, as container-guard's index.ts has it.
require(${decodeOnce});
const recorded = require("./recorded.json");
// As container-guard declares not-applicable (policies/lib/policy.ts): no stack trace captured.
function declareNotApplicable(args, reason) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        args.notApplicable(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
}
const policies = require("./policies.json").map(policy => ({
    ...policy,
    validateResource: (args, reportViolation) => {
        const replayed = recorded[args.name]?.[policy.name];
        if (replayed) {
            replayed.messages.forEach(message => reportViolation(message));
            if (replayed.notApplicable !== undefined) {
                declareNotApplicable(args, replayed.notApplicable);
            }
        }
    },
}));
new PolicyPack("replay", { policies });
`;
    const dir = path.join(workDir, `replay-${label}`);
    fs.rmSync(dir, { recursive: true, force: true }); // its recordings are this run's
    return writePack(`replay-${label}`, "index.js", { "index.js": index, "policies.json": JSON.stringify(metadata), "recorded.json": JSON.stringify(recorded) });
}

/**
 * What `pack` reports for each resource, per policy, as `replayPack` replays it: the messages
 * without the description the SDK puts before each.
 */
export async function recordReports(pack: RunningPack, policies: readonly ResourceValidationPolicy[], resources: readonly Resource[]): Promise<Recordings> {
    const descriptions = new Map(policies.map(policy => [policy.name, `${policy.description}\n`]));
    const recorded: Recordings = {};
    for (const resource of resources) {
        const { diagnostics, notApplicable } = await pack.analyze(resource.type, resource.props, resource.name);
        for (const { policyName, message } of diagnostics) {
            const description = descriptions.get(policyName)!;
            replayedOf(recorded, resource.name, policyName).messages.push(message.startsWith(description) ? message.slice(description.length) : message);
        }
        for (const { policyName, reason } of notApplicable) {
            replayedOf(recorded, resource.name, policyName).notApplicable = reason;
        }
    }
    return recorded;
}

/**
 * container-guard's TypeScript sources as a pack whose `main` is src/index.ts: the engine runs it
 * through ts-node. Under src/, so that policies/lib sits three levels below package.json, as in bin/.
 */
export function typeScriptPack(): string {
    const files: Record<string, string> = {};
    const copy = (relative: string) => (files[path.join("src", relative)] = fs.readFileSync(path.join(repoRoot, relative), "utf8"));
    copy("index.ts");
    const addTree = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
            const relative = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                addTree(relative);
            } else if (entry.name.endsWith(".ts")) {
                copy(relative);
            }
        }
    };
    addTree("policies");
    files["tsconfig.json"] = fs.readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8");
    return writePack("typescript-pack", "src/index.ts", files);
}

let coldCaches = 0;

/**
 * ts-node 7 (vendored by @pulumi/pulumi) caches what it compiles on disk, by default in the temp
 * dir: a fresh cache is a first start, as on a new CI runner; a shared one, a later start.
 */
export function tsNodeCache(state: "cold" | "warm"): NodeJS.ProcessEnv {
    return { TS_NODE_CACHE_DIRECTORY: path.join(workDir, state === "cold" ? `ts-node-cache-${coldCaches++}` : "ts-node-cache-warm") };
}

/**
 * Seconds from spawning the pack to its port on stdout (the engine's "ready"); the CPU seconds the
 * pack process used until then go to `cpu`.
 */
export async function startUpSeconds(packDir: string, env: NodeJS.ProcessEnv = {}, cpu: number[] = []): Promise<number> {
    let pack: RunningPack | undefined;
    const time = await seconds(async () => (pack = await RunningPack.start(packDir, process.execPath, env)));
    cpu.push(pack!.cpuSeconds());
    pack!.stop();
    await sleep(200); // let the stopped process go before the next one starts
    return time;
}

/** The resources as encoded Analyze requests, sent as they are by `analyzeAll` and `analyzeConcurrently`. */
export function encodeAll(pack: RunningPack, resources: readonly Resource[]): Buffer[] {
    return resources.map(resource => pack.encodeAnalyze(resource.type, resource.props, resource.name));
}

/** Sends each request, one call in flight at a time, as the engine does per resource step. */
export async function analyzeAll(pack: RunningPack, requests: readonly Buffer[]): Promise<void> {
    for (const request of requests) {
        await pack.analyzeEncoded(request);
    }
}

/** Sends `count` requests, cycling through `requests`, keeping `inFlight` calls going (the engine analyzes resources in parallel). */
export async function analyzeConcurrently(pack: RunningPack, requests: readonly Buffer[], count: number, inFlight: number): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) {
            await pack.analyzeEncoded(requests[next++ % requests.length]);
        }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
}
