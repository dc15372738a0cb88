// Section 6 of `npm run bench`: `container-guard scan` over 5,000 generated Kubernetes manifests
// against kube-linter and Checkov on the same files in the same run, each a whole process (start-up,
// reading, checking, JSON report), as CI runs them. scripts/peers.sh installs the peers into
// ~/.cache/container-guard; a peer that isn't installed is reported and skipped.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as jsyaml from "js-yaml";
import { repoRoot } from "../test/engine/harness";
import { workDir } from "./packs";
import type { Figure } from "./run";
import { mixedResource } from "./resources";
import { interleave, median, medianRatio, now } from "./stats";

const manifests = 5000;
const cache = process.env.CONTAINER_GUARD_CACHE ?? path.join(os.homedir(), ".cache", "container-guard");

interface Tool {
    name: string;
    argv: string[];
    /** How many files its JSON report covers, as a check that it read them all. */
    filesReported(report: string): number;
}

/** An executable: the variable's value, else the one in the cache. */
function executable(variable: string, cached: string): string | undefined {
    const file = process.env[variable] ?? path.join(cache, cached);
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
    } catch {
        return undefined;
    }
}

const distinct = (items: unknown[]) => new Set(items).size;

function tools(dir: string): { tools: Tool[]; missing: string[] } {
    const found: Tool[] = [
        {
            name: "container-guard scan",
            argv: [process.execPath, path.join(repoRoot, "bin", "cli", "main.js"), "scan", dir, "--format", "json"],
            filesReported: report => JSON.parse(report).summary.files,
        },
    ];
    const missing: string[] = [];
    const kubeLinter = executable("KUBE_LINTER", "kube-linter/kube-linter");
    if (kubeLinter) {
        found.push({
            name: "kube-linter",
            argv: [kubeLinter, "lint", dir, "--format", "json"],
            filesReported: report => distinct(JSON.parse(report).Reports.map((r: { Object: { Metadata: { FilePath: string } } }) => r.Object.Metadata.FilePath)),
        });
    } else {
        missing.push("kube-linter");
    }
    const checkov = executable("CHECKOV", "checkov/bin/checkov");
    if (checkov) {
        found.push({
            name: "Checkov",
            argv: [checkov, "-d", dir, "--framework", "kubernetes", "--quiet", "--compact", "--output", "json", "--skip-download"],
            filesReported: report => {
                const results = JSON.parse(report).results; // --quiet leaves passed checks out
                return distinct([...(results.failed_checks ?? []), ...(results.passed_checks ?? [])].map((c: { file_path: string }) => c.file_path));
            },
        });
    } else {
        missing.push("Checkov");
    }
    return { tools: found, missing };
}

/** 5,000 manifests, one object each: the bench's Kubernetes workloads of every kind, and Services. */
function writeManifests(dir: string): number {
    fs.mkdirSync(dir, { recursive: true });
    let bytes = 0;
    for (let i = 0, written = 0; written < manifests; i++) {
        const resource = mixedResource(i, workDir);
        if (typeof resource.props.apiVersion !== "string" || typeof resource.props.kind !== "string") {
            continue; // not a Kubernetes object (Docker resources, Patch kinds)
        }
        const text = jsyaml.dump(resource.props, { lineWidth: -1 });
        fs.writeFileSync(path.join(dir, `${String(written).padStart(4, "0")}-${resource.name}.yaml`), text);
        bytes += text.length;
        written++;
    }
    return bytes;
}

/** Runs a tool once, its JSON report into `out`; the seconds it took. Throws when it fails (exit codes 0 and 1 mean it ran: 1 is "found problems"). */
function runOnce(tool: Tool, out: string): number {
    const fd = fs.openSync(out, "w");
    try {
        const start = now();
        const run = spawnSync(tool.argv[0], tool.argv.slice(1), { stdio: ["ignore", fd, "pipe"], maxBuffer: 64 * 2 ** 20 });
        const time = now() - start;
        if (run.status !== 0 && run.status !== 1) {
            throw new Error(`${tool.name} exited with ${run.status ?? run.signal}: ${String(run.stderr).slice(-2000)}`);
        }
        return time;
    } finally {
        fs.closeSync(fd);
    }
}

export async function scanBench(record: (figure: Figure) => void): Promise<void> {
    const dir = path.join(workDir, "scan-manifests");
    const bytes = writeManifests(dir);
    const { tools: found, missing } = tools(dir);
    console.log(
        `6. Scan: ${manifests.toLocaleString("en")} manifests (${(bytes / 2 ** 20).toFixed(1)} MB of YAML), a whole process each, JSON report; ` +
            `container-guard and kube-linter 3 interleaved rounds, Checkov 1 (it takes minutes)`,
    );
    for (const name of missing) {
        console.log(`  ${name}: not installed, skipped (scripts/peers.sh installs it)`);
    }
    const report = (tool: Tool) => path.join(workDir, `${tool.name.replace(/\W+/g, "-")}.json`);
    const [guard, ...peers] = found;
    const fast = peers.filter(peer => peer.name !== "Checkov");
    const times = await interleave(3, Object.fromEntries([guard, ...fast].map(tool => [tool.name, () => runOnce(tool, report(tool))])), async run => run() as number);
    for (const peer of peers.filter(p => !fast.includes(p))) {
        times[peer.name] = [runOnce(peer, report(peer))];
    }
    for (const tool of found) {
        const seconds = median(times[tool.name]);
        let covers: string;
        try {
            covers = `its report covers ${tool.filesReported(fs.readFileSync(report(tool), "utf8")).toLocaleString("en")} files`;
        } catch (e) {
            covers = `its report can't be read: ${(e as Error).message}`;
        }
        console.log(`  ${tool.name}: ${seconds.toFixed(2)} s, ${Math.round(manifests / seconds).toLocaleString("en")} files/s (${covers})`);
    }
    for (const peer of peers) {
        const ratio = fast.includes(peer) ? medianRatio(times[guard.name], times[peer.name]) : median(times[guard.name]) / times[peer.name][0];
        record({
            section: "scan",
            what: `container-guard scan vs ${peer.name}, wall time`,
            value: `${median(times[guard.name]).toFixed(2)} s`,
            baseline: `${peer.name} ${median(times[peer.name]).toFixed(2)} s`,
            ratio,
            target: 1,
        });
    }
}
