// Section 6 of `npm run bench`: `container-guard scan` over 5,000 generated Kubernetes manifests
// against kube-linter and Checkov on the same files in the same run, each a whole process (start-up,
// reading, checking, JSON report), as CI runs them. scripts/peers.sh installs the peers into
// ~/.cache/container-guard; a peer that isn't installed is reported and skipped. Then one large
// file, 5 MB and 50 MB of the same manifests as documents of one file: the scan's peak memory and
// whether its time grows in proportion to the input.
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

/** The bench's Kubernetes workloads of every kind, and Services, as YAML: `write` takes each until it returns false. */
function eachManifest(write: (text: string, name: string) => boolean): void {
    for (let i = 0; ; i++) {
        const resource = mixedResource(i, workDir);
        if (typeof resource.props.apiVersion !== "string" || typeof resource.props.kind !== "string") {
            continue; // not a Kubernetes object (Docker resources, Patch kinds)
        }
        if (!write(jsyaml.dump(resource.props, { lineWidth: -1 }), resource.name)) {
            return;
        }
    }
}

/** 5,000 manifests, one object each. */
function writeManifests(dir: string): number {
    fs.mkdirSync(dir, { recursive: true });
    let bytes = 0;
    let written = 0;
    eachManifest((text, name) => {
        fs.writeFileSync(path.join(dir, `${String(written).padStart(4, "0")}-${name}.yaml`), text);
        bytes += text.length;
        return ++written < manifests;
    });
    return bytes;
}

/** One file of at least `megabytes` MB of manifests, as documents. */
function writeLargeFile(file: string, megabytes: number): void {
    const fd = fs.openSync(file, "w");
    let bytes = 0;
    try {
        eachManifest(text => {
            const document = `---\n${text}`;
            fs.writeSync(fd, document);
            bytes += Buffer.byteLength(document);
            return bytes < megabytes * 2 ** 20;
        });
    } finally {
        fs.closeSync(fd);
    }
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
    largeFileBench(record);
}

/**
 * A scan of one file, a whole process with its JSON report to a file: wall seconds and the peak
 * resident memory in MB, as the process itself reports it (`process.resourceUsage().maxRSS`, the
 * kernel's high-water mark, read as the process exits).
 */
function scanLargeFile(file: string): { seconds: number; peakMB: number } {
    const rss = path.join(workDir, "max-rss");
    const report = path.join(workDir, "large-report.json");
    const program =
        `const { main } = require(${JSON.stringify(path.join(repoRoot, "bin", "cli", "main.js"))});` +
        `process.exitCode = main(["scan", ${JSON.stringify(file)}, "--format", "json"]);` +
        `require("fs").writeFileSync(${JSON.stringify(rss)}, String(process.resourceUsage().maxRSS));`;
    const fd = fs.openSync(report, "w");
    try {
        const start = now();
        const run = spawnSync(process.execPath, ["-e", program], { stdio: ["ignore", fd, "pipe"] });
        const seconds = now() - start;
        if (run.status !== 0 && run.status !== 1) {
            throw new Error(`container-guard scan of ${file} exited with ${run.status ?? run.signal}: ${String(run.stderr).slice(-2000)}`);
        }
        return { seconds, peakMB: Number(fs.readFileSync(rss, "utf8")) / 1024 };
    } finally {
        fs.closeSync(fd);
    }
}

const largeSizes = [5, 50] as const;
const largeRounds = 2;

function largeFileBench(record: (figure: Figure) => void): void {
    const files = Object.fromEntries(largeSizes.map(size => [size, path.join(workDir, `manifests-${size}mb.yaml`)]));
    for (const size of largeSizes) {
        writeLargeFile(files[size], size);
    }
    const empty = path.join(workDir, "empty.yaml");
    fs.writeFileSync(empty, "");
    const documents = fs.readFileSync(files[5], "utf8").split("\n---\n").length;
    console.log(
        `  One file: ${largeSizes.map(size => `${size} MB`).join(" and ")} of the same manifests as documents (${documents.toLocaleString("en")} in 5 MB), ` +
            `a whole process each, JSON report, ${largeRounds} interleaved rounds; an empty file for the start-up`,
    );
    const runs: Record<string, Array<{ seconds: number; peakMB: number }>> = { empty: [], 5: [], 50: [] };
    for (let round = 0; round < largeRounds; round++) {
        for (const name of round % 2 ? ["50", "5", "empty"] : ["empty", "5", "50"]) {
            runs[name].push(scanLargeFile(name === "empty" ? empty : files[Number(name)]));
        }
    }
    const seconds = (name: string) => median(runs[name].map(run => run.seconds));
    const peak = (name: string) => Math.max(...runs[name].map(run => run.peakMB));
    for (const name of ["empty", "5", "50"]) {
        console.log(`  ${name === "empty" ? "empty file" : `${name} MB`}: ${seconds(name).toFixed(2)} s, peak RSS ${peak(name).toFixed(0)} MB`);
    }
    record({ section: "scan", what: "50 MB of manifests in one file, peak RSS", value: `${peak("50").toFixed(0)} MB`, baseline: `5 MB: ${peak("5").toFixed(0)} MB`, measured: peak("50"), unit: "MB", target: 500 });
    const perMB = (size: number) => (seconds(String(size)) - seconds("empty")) / size;
    record({
        section: "scan",
        what: "time per MB at 50 MB vs at 5 MB (start-up subtracted), in proportion",
        value: `${(perMB(50) * 1e3).toFixed(0)} ms/MB (50 MB in ${seconds("50").toFixed(1)} s)`,
        baseline: `${(perMB(5) * 1e3).toFixed(0)} ms/MB at 5 MB`,
        ratio: perMB(50) / perMB(5),
        target: 1.25,
    });
}
