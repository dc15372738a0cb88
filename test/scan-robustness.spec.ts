// `container-guard scan` against what a pull request can put in front of a CI scan: alias bombs,
// deep nesting, huge inputs, links, FIFOs and devices, paths out of the scan root, bytes that are
// not UTF-8, and errors nobody expected. Most run the command as CI does, a process of its own
// (CONTAINER_GUARD_PACK_DIR points them at another build, as for the engine tests).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as fc from "fast-check";
import * as jsyaml from "js-yaml";
import { jsonDocuments, yamlDocuments } from "../cli/documents";
import { parseJsonDocument } from "../cli/json-source";
import * as kubernetes from "../cli/kubernetes";
import { main } from "../cli/main";
import { SourceError } from "../cli/source";
import { parseYamlDocuments } from "../cli/yaml-source";
import { packUnderTest } from "./engine/harness";

const bin = path.join(packUnderTest, "bin", "cli", "main.js");

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Runs the command in `cwd`; a run that outlasts `timeout` is killed (and fails the test that expected an exit code). */
function scan(cwd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number; heapMB?: number } = {}): Run {
    const run = spawnSync(process.execPath, [...(options.heapMB ? [`--max-old-space-size=${options.heapMB}`] : []), bin, "scan", ...args], {
        cwd,
        input: options.input ?? "",
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", ...options.env },
        timeout: options.timeout ?? 20000,
        maxBuffer: 256 * 2 ** 20,
    });
    return { code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

function json(run: Run): { findings: Array<{ policy: string; file: string; line: number; column: number; message: string }>; errors: Array<{ file: string; line?: number; column?: number; message: string }>; notes: Array<{ file: string; line?: number; message: string; warning?: boolean }>; summary: Record<string, number> } {
    assert.ok(run.stdout, `no report (exit ${run.code ?? run.signal}): ${run.stderr.slice(0, 2000)}`);
    return JSON.parse(run.stdout);
}

let tmp: string;
const write = (file: string, text: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
    fs.writeFileSync(path.join(tmp, file), text);
};

const privilegedPod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n`;

/** Nine aliases of nine aliases..., `levels` deep: 9^levels strings once expanded. */
function laughs(levels: number, indent: string): string {
    const lines = [`${indent}l0: &l0 "lol"`];
    for (let i = 1; i <= levels; i++) {
        lines.push(`${indent}l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(", ")}]`);
    }
    return lines.join("\n");
}

describe("container-guard scan: hostile and huge inputs", function () {
    this.timeout(120000);
    beforeEach(() => {
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-hostile-")));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("YAML aliases, nesting and size", () => {
        it("reports an alias bomb in any Compose value at its line, unread, and scans on", () => {
            for (const field of ["environment:\n      A: *l9", "labels:\n      x: *l9", "image: *l9", "command: *l9"]) {
                write("compose.yaml", `x-laughs:\n${laughs(9, "  ")}\nservices:\n  web:\n    ${field}\n`);
                write("pod.yaml", privilegedPod("next"));
                const run = scan(tmp, ["compose.yaml", "pod.yaml", "--format", "json"], { heapMB: 256 });
                assert.strictEqual(run.code, 2, `${field}: exit ${run.code ?? run.signal} ${run.stderr.slice(0, 500)}`);
                const report = json(run);
                assert.strictEqual(report.errors.length, 1, field);
                assert.strictEqual(report.errors[0].file, "compose.yaml");
                assert.match(report.errors[0].message, /the alias \*l\d makes this document expand past 10 times its size \(a YAML alias bomb\?\), so it is not read/);
                assert.ok(report.errors[0].line! >= 2 && report.errors[0].line! <= 11, `at a line of the bomb: ${report.errors[0].line}`);
                assert.ok(report.findings.some(f => f.file === "pod.yaml" && f.policy === "container-no-privileged"), "the next file is scanned");
            }
        });

        it("treats a Kubernetes manifest's alias bomb the same way, and each document on its own", () => {
            write("bomb.yaml", `${privilegedPod("before")}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bomb\n  annotations:\n${laughs(9, "    ")}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    args: *l9\n---\n${privilegedPod("after")}`);
            const report = json(scan(tmp, ["bomb.yaml", "--format", "json"], { heapMB: 256 }));
            assert.deepStrictEqual(report.errors.map(e => [e.file, e.line]), [["bomb.yaml", 23]]); // the first *l5 of l6: 9^6 laughs
            assert.deepStrictEqual(report.findings.filter(f => f.policy === "container-no-privileged").map(f => f.line), [10, 42], "the documents before and after are judged");
        });

        it("refuses a list of aliases as a mapping key before the parser joins it into one string", () => {
            write("key.yaml", `long: &s ${"x".repeat(500000)}\n? [${Array(1000).fill("*s").join(", ")}]\n: 1\n`);
            const run = scan(tmp, ["key.yaml", "--format", "json"], { heapMB: 256 });
            assert.strictEqual(run.code, 2, `exit ${run.code ?? run.signal}: ${run.stderr.slice(-500)}`);
            assert.deepStrictEqual(json(run).errors.map(e => [e.line, e.message]), [[2, "the aliases in this list make this document expand past 10 times its size (a YAML alias bomb?), so it is not read"]]);
        });

        it("reads anchors and merge keys as Compose files use them", () => {
            const services = Array.from({ length: 40 }, (_, i) => `  s${i}:\n    <<: *defaults\n    image: nginx:${i}\n    environment: *env`).join("\n");
            const env = Array.from({ length: 30 }, (_, i) => `    SETTING_${i}: value-${i}`).join("\n");
            write("compose.yaml", `x-defaults: &defaults\n  read_only: true\n  cap_drop: [ALL]\n  pids_limit: 100\nx-env: &env\n${env}\nservices:\n${services}\n`);
            const run = scan(tmp, ["compose.yaml", "--format", "json"]);
            assert.strictEqual(run.code, 0, run.stdout);
            assert.strictEqual(json(run).summary.resources, 40);
        });

        it("refuses documents nested too deep, in YAML and JSON, without a crash", () => {
            write("flow.yaml", `a: ${"[".repeat(50000)}${"]".repeat(50000)}\n`);
            write("block.yaml", Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}a:`).join("\n"));
            write("deep.json", `${"[".repeat(200000)}${"]".repeat(200000)}`);
            write("pod.yaml", privilegedPod("fine"));
            const run = scan(tmp, [".", "--format", "json"]);
            assert.strictEqual(run.code, 2, run.stderr);
            const report = json(run);
            assert.deepStrictEqual(report.errors.map(e => e.file).sort(), ["block.yaml", "deep.json", "flow.yaml"]);
            assert.ok(report.errors.every(e => /nested more than 1000 levels deep, so it is not read/.test(e.message)), JSON.stringify(report.errors));
            assert.strictEqual(report.findings.filter(f => f.policy === "container-no-privileged").length, 1);
        });

        it("stops at a NUL byte (a 2 GB sparse file takes no time) and at a document over 64 MiB", () => {
            const sparse = path.join(tmp, "sparse.yaml");
            fs.closeSync(fs.openSync(sparse, "w"));
            fs.truncateSync(sparse, 2 * 2 ** 30);
            write("long.yaml", `data: ${"x".repeat(65 * 2 ** 20)}\n`);
            const run = scan(tmp, ["sparse.yaml", "long.yaml", "--format", "json"], { heapMB: 512 });
            const report = json(run);
            assert.deepStrictEqual(report.errors.map(e => [e.file, e.line]), [["sparse.yaml", 1], ["long.yaml", 1]]);
            assert.match(report.errors[0].message, /a NUL byte: this is not a text file/);
            assert.match(report.errors[1].message, /a document longer than 64 MiB starts here/);
        });
    });

    describe("large inputs", () => {
        it("scans a document with 100,000 containers and a file of many documents, findings streamed", () => {
            // Hardened but privileged: one finding a container, whatever else the policies ask.
            const securityContext = "{privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}}";
            const containers = Array.from({ length: 100000 }, (_, i) => `  - name: c${i}\n    image: nginx\n    securityContext: ${securityContext}`).join("\n");
            write("wide.yaml", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: wide\nspec:\n  containers:\n${containers}\n`);
            const run = scan(tmp, ["wide.yaml", "--format", "json"]);
            assert.strictEqual(run.code, 1, `exit ${run.code ?? run.signal}: ${run.stderr.slice(0, 1000)}`);
            assert.strictEqual(json(run).findings.filter(f => f.policy === "container-no-privileged").length, 100000);
        });

        it("holds one document at a time: a file much larger than the heap scans in it", () => {
            // 24 MB of ConfigMaps (kinds no policy judges): what a whole-file parse would keep is ten times the heap.
            const configMap = (i: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n${Array.from({ length: 2000 }, (_, k) => `  k${k}: v${k}\n`).join("")}`;
            const fd = fs.openSync(path.join(tmp, "big.yaml"), "w");
            for (let i = 0; i < 1150; i++) {
                fs.writeSync(fd, `${configMap(i)}---\n`);
            }
            fs.writeSync(fd, privilegedPod("last"));
            fs.closeSync(fd);
            assert.ok(fs.statSync(path.join(tmp, "big.yaml")).size > 24 * 2 ** 20);
            const run = scan(tmp, ["big.yaml", "--format", "json"], { heapMB: 96, timeout: 60000 });
            assert.strictEqual(run.code, 1, `exit ${run.code ?? run.signal}: ${run.stderr.slice(-1000)}`);
            assert.deepStrictEqual(json(run).findings.filter(f => f.policy === "container-no-privileged").map(f => f.line), [1150 * 2006 + 10]);
        });

        it("writes each finding as it comes: the first is out before standard input ends", async () => {
            const child = spawn(process.execPath, [bin, "scan", "-"], { cwd: tmp, env: { ...process.env, NO_COLOR: "1" } });
            let stdout = "";
            child.stdout.on("data", data => (stdout += data));
            child.stdin.write(`${privilegedPod("first")}---\n${privilegedPod("second")}---\n`);
            const deadline = Date.now() + 15000;
            while (!/container-no-privileged/.test(stdout) && Date.now() < deadline && child.exitCode === null) {
                await new Promise(resolve => setTimeout(resolve, 50));
            }
            const early = stdout;
            child.stdin.end(privilegedPod("third"));
            const code = await new Promise(resolve => child.on("close", resolve));
            assert.match(early, /Pod first/, "a finding of the first document before the input ended");
            assert.strictEqual(code, 1);
            assert.match(stdout, /Pod third/);
        });
    });

    describe("errors nobody expected", () => {
        const original = kubernetes.kubernetesResources;
        afterEach(() => {
            (kubernetes as { kubernetesResources: typeof original }).kubernetesResources = original;
        });

        it("exits 2 with one line naming the file, the trace only with --debug, and scans the other files", () => {
            (kubernetes as { kubernetesResources: typeof original }).kubernetesResources = document => {
                if ((document.value as { metadata?: { name?: string } }).metadata?.name === "web") {
                    throw new RangeError("Maximum call stack size exceeded");
                }
                return original(document);
            };
            for (const debug of [false, true]) {
                let stdout = "";
                let stderr = "";
                const code = main(["scan", "test/fixtures/scan/deployment.yaml", "test/fixtures/scan/list.yaml", "--format", "json", ...(debug ? ["--debug"] : [])], {
                    stdout: { write: (text: string) => (stdout += text) },
                    stderr: { write: (text: string) => (stderr += text) },
                    env: {},
                    stdin: () => [],
                });
                assert.strictEqual(code, 2);
                const lines = stderr.trimEnd().split("\n");
                assert.match(lines[0], /^container-guard: test\/fixtures\/scan\/deployment\.yaml: internal error: Maximum call stack size exceeded; the rest of this input was not scanned/);
                assert.strictEqual(lines.some(line => /^\s+at /.test(line)), debug, stderr);
                assert.ok(JSON.parse(stdout).findings.some((f: { file: string }) => f.file === "test/fixtures/scan/list.yaml"), "list.yaml is scanned");
            }
        });

        it("never throws: a failing output is one line and exit 2", () => {
            let stderr = "";
            const code = main(["scan", "test/fixtures/scan/deployment.yaml"], {
                stdout: {
                    write: () => {
                        throw new TypeError("the terminal went away");
                    },
                },
                stderr: { write: (text: string) => (stderr += text) },
                env: {},
                stdin: () => [],
            });
            assert.strictEqual(code, 2);
            assert.strictEqual(stderr, "container-guard: internal error: the terminal went away (--debug shows the trace)\n");
        });
    });

    describe("links, FIFOs and devices", () => {
        it("walks a directory with a link loop once per real file", () => {
            write("deploy/pod.yaml", privilegedPod("web"));
            fs.symlinkSync("..", path.join(tmp, "deploy", "loop"));
            fs.symlinkSync(".", path.join(tmp, "deploy", "self"));
            fs.symlinkSync("pod.yaml", path.join(tmp, "deploy", "alias.yaml"));
            const report = json(scan(tmp, [".", "--format", "json"]));
            assert.deepStrictEqual(report.findings.filter(f => f.policy === "container-no-privileged").map(f => f.file), ["deploy/pod.yaml"]);
            assert.strictEqual(report.summary.files, 1);
        });

        it("doesn't follow links out of the scan root, unless --follow-symlinks", () => {
            const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-outside-")));
            try {
                fs.writeFileSync(path.join(outside, "pod.yaml"), privilegedPod("outside"));
                write("repo/inside.yaml", privilegedPod("inside"));
                fs.symlinkSync(path.join(outside, "pod.yaml"), path.join(tmp, "repo", "linked.yaml"));
                fs.symlinkSync(outside, path.join(tmp, "repo", "linked-dir"));
                fs.symlinkSync("/", path.join(tmp, "repo", "root"));
                const report = json(scan(path.join(tmp, "repo"), [".", "--format", "json"]));
                assert.deepStrictEqual(report.findings.filter(f => f.policy === "container-no-privileged").map(f => f.file), ["inside.yaml"]);
                assert.deepStrictEqual(report.notes.map(n => n.file).sort(), ["linked-dir", "linked.yaml", "root"]);
                assert.ok(report.notes.every(n => /^skipped: a link out of the scan root \(to .+\), so it is not (read|followed) \(--follow-symlinks follows it\)$/.test(n.message)), JSON.stringify(report.notes));
                const named = json(scan(path.join(tmp, "repo"), ["linked.yaml", "root", "root/etc/*.yaml", "--format", "json"]));
                assert.deepStrictEqual(
                    named.errors.map(e => `${e.file}: ${e.message}`),
                    [
                        `linked.yaml: a link out of the scan root (to ${path.join(outside, "pod.yaml")}), so it is not read (--follow-symlinks follows it)`,
                        "root: a link out of the scan root (to /), so it is not walked (--follow-symlinks follows it)",
                        "root/etc: a link out of the scan root (to /etc), so it is not walked (--follow-symlinks follows it)",
                    ],
                    "named, a link is an error: the scan did not do what was asked; a directory named is the root, not where it leads",
                );
                const followed = json(scan(path.join(tmp, "repo"), ["inside.yaml", "linked.yaml", "linked-dir", "--follow-symlinks", "--format", "json"]));
                assert.deepStrictEqual(followed.findings.filter(f => f.policy === "container-no-privileged").map(f => f.file), ["inside.yaml", "linked.yaml"], "the same real file once");
            } finally {
                fs.rmSync(outside, { recursive: true, force: true });
            }
        });

        it("never blocks on a FIFO nor reads a device, found or named", function () {
            if (process.platform === "win32") {
                this.skip();
            }
            spawnSync("mkfifo", [path.join(tmp, "compose.yaml")]);
            fs.symlinkSync("/dev/zero", path.join(tmp, "zero.yaml"));
            fs.symlinkSync("/dev/urandom", path.join(tmp, "Dockerfile"));
            write("pod.yaml", privilegedPod("web"));
            const walked = scan(tmp, [".", "--format", "json"], { timeout: 15000 });
            assert.strictEqual(walked.code, 1, `exit ${walked.code ?? walked.signal}`);
            assert.deepStrictEqual(json(walked).notes.map(n => n.file).sort(), ["Dockerfile", "compose.yaml", "zero.yaml"]);
            const named = scan(tmp, ["compose.yaml", "zero.yaml", "--follow-symlinks", "--dockerfile", "Dockerfile", "--format", "json"], { timeout: 15000 });
            assert.strictEqual(named.code, 2, `exit ${named.code ?? named.signal}`);
            assert.deepStrictEqual(json(named).errors.map(e => [e.file, e.message]), [
                ["zero.yaml", "is not a regular file (a character device)"],
                ["Dockerfile", "is not a regular file (a character device)"],
            ]);
            const config = scan(tmp, ["pod.yaml", "--config", "zero.yaml"], { timeout: 15000 });
            assert.deepStrictEqual([config.code, config.stderr], [2, "container-guard: --config zero.yaml: is not a regular file (a character device)\n"]);
        });

        it("reads a named pipe it is given, as from <(helm template .)", () => {
            const run = spawnSync("bash", ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} scan <(printf '%s' "$POD") --format json`], {
                cwd: tmp,
                encoding: "utf8",
                env: { ...process.env, POD: privilegedPod("piped") },
                timeout: 20000,
            });
            assert.strictEqual(run.status, 1, run.stderr);
            assert.ok(JSON.parse(run.stdout).findings.some((f: { message: string }) => /Pod piped/.test(f.message)));
        });
    });

    describe("paths a Compose file names outside the scan root", () => {
        const compose = (envFiles: string[], build = "") =>
            `services:\n  web:\n    image: nginx\n    read_only: true\n    cap_drop: [ALL]\n    pids_limit: 100\n    env_file:\n${envFiles.map(f => `      - ${f}\n`).join("")}${build}`;

        it("doesn't read env_file, build.dockerfile or build.context out of the root, and says where", () => {
            write("app/compose.yaml", compose(["../../../../../../../../etc/passwd", "/proc/self/environ", "./app.env", "../outside.env"], "    build:\n      context: ../../../../../../../../etc\n  api:\n    image: nginx\n    build:\n      context: .\n      dockerfile: /etc/shadow\n"));
            write("app/app.env", "LOG_LEVEL=info\n");
            write("outside.env", "DB_PASSWORD=hunter2\n");
            const run = scan(path.join(tmp, "app"), ["compose.yaml", "--format", "json"], { env: { CONTAINER_GUARD_PROBE_PASSWORD: "hunter2hunter2" } });
            const report = json(run);
            assert.deepStrictEqual(
                report.notes.map(n => `${n.file}:${n.line} ${n.message.replace(/ \(it leads to [^)]+\)/, "")}`),
                [
                    "compose.yaml:8 env_file ../../../../../../../../etc/passwd is outside the scan root, so it is not read and its variables were not checked (--allow-outside-root reads it)",
                    "compose.yaml:9 env_file /proc/self/environ is outside the scan root, so it is not read and its variables were not checked (--allow-outside-root reads it)",
                    "compose.yaml:11 env_file ../outside.env is outside the scan root, so it is not read and its variables were not checked (--allow-outside-root reads it)",
                    "compose.yaml:13 the build context ../../../../../../../../etc is outside the scan root, so its Dockerfile is not read (--allow-outside-root reads it)",
                    "compose.yaml:18 build.dockerfile /etc/shadow is outside the scan root, so its Dockerfile is not read (--allow-outside-root reads it)",
                ],
            );
            assert.doesNotMatch(run.stdout + run.stderr, /CONTAINER_GUARD_PROBE|root:x:0|DB_PASSWORD/, "nothing of those files in the report");
            const allowed = json(scan(path.join(tmp, "app"), ["compose.yaml", "--allow-outside-root", "--format", "json"]));
            assert.ok(allowed.findings.some(f => f.file === path.join(tmp, "outside.env") && /DB_PASSWORD/.test(f.message)), "--allow-outside-root reads them");
            assert.match(allowed.notes.map(n => n.message).join("\n"), /env_file \/proc\/self\/environ has a NUL byte on line 1 \(it is not a text file\)/);
        });

        it("counts a link out of the root as out of it, and the working directory as the root of standard input", () => {
            write("secrets/leak.env", "DB_PASSWORD=hunter2\n");
            write("app/compose.yaml", compose(["./linked.env"]));
            fs.symlinkSync(path.join(tmp, "secrets", "leak.env"), path.join(tmp, "app", "linked.env"));
            const linked = json(scan(path.join(tmp, "app"), ["compose.yaml", "--format", "json"]));
            assert.match(linked.notes[0]?.message ?? "", /^env_file \.\/linked\.env is outside the scan root \(it leads to .*leak\.env\)/);
            const fromStdin = json(scan(path.join(tmp, "app"), ["-", "--format", "json"], { input: compose(["../secrets/leak.env"]) }));
            assert.match(fromStdin.notes[0]?.message ?? "", /^env_file \.\.\/secrets\/leak\.env is outside the scan root/);
            const wider = json(scan(tmp, ["app/compose.yaml", "secrets", "--format", "json"]));
            assert.ok(wider.findings.some(f => f.file === "app/linked.env"), "inside a directory named on the command line, it is read");
        });
    });

    describe("encodings", () => {
        it("warns, naming the file and line, when a file is not valid UTF-8; reads UTF-16 with a byte-order mark", () => {
            write("latin1.yaml", Buffer.concat([Buffer.from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf"), Buffer.from([0xe9]), Buffer.from("\nspec:\n  containers: []\n")]));
            write("utf16.yaml", Buffer.from(`\ufeff${privilegedPod("wide")}`, "utf16le"));
            const run = scan(tmp, ["latin1.yaml", "utf16.yaml", "--format", "json"]);
            const report = json(run);
            assert.deepStrictEqual(report.notes.map(n => [n.file, n.warning]), [["latin1.yaml", true]]);
            assert.match(report.notes[0].message, /^not valid UTF-8 \(the first bad byte is on line 4\)/);
            assert.match(run.stderr, /^container-guard: latin1\.yaml: warning: not valid UTF-8/m);
            assert.ok(report.findings.some(f => f.file === "utf16.yaml" && f.line === 10 && f.policy === "container-no-privileged"));
            assert.match(scan(tmp, ["latin1.yaml"]).stdout, /latin1\.yaml {2}warning: not valid UTF-8/);
        });
    });

    describe("output", () => {
        it("escapes control characters of file names and resource names, so a file can't write lines of its own into a CI log", function () {
            if (process.platform === "win32") {
                this.skip();
            }
            const name = "x\n::warning::spoofed\u001b[2J.yaml";
            write(name, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a\\e[31m\\n::error::spoofed"\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n`);
            const run = scan(tmp, ["."]);
            assert.strictEqual(run.code, 1);
            assert.doesNotMatch(run.stdout, /\u001b|^\s*::/m);
            assert.match(run.stdout, /^x\\u000a::warning::spoofed\\u001b\[2J\.yaml$/m);
            assert.match(run.stdout, /^ {2}Pod a\\u001b\[31m\\u000a::error::spoofed \(line 1\)$/m);
        });
    });

    describe("the readers agree with the reference parsers", () => {
        const chunked = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

        it("JSON: the values JSON.parse reads, and an error where it throws", () => {
            fc.assert(
                fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
                    const text = JSON.stringify(value, null, pretty ? 2 : undefined);
                    assert.deepStrictEqual(parseJsonDocument("f", { text, line: 1 }).value, JSON.parse(text));
                }),
            );
            fc.assert(
                fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom("", ",", "]", "}", '"', "\\", ":", "x", "\u0001"), (value, at, insert) => {
                    const valid = JSON.stringify(value, null, 1);
                    const text = valid.slice(0, at % (valid.length + 1)) + insert + valid.slice(at % (valid.length + 1));
                    let reference: unknown;
                    try {
                        reference = JSON.parse(text);
                    } catch {
                        assert.throws(() => parseJsonDocument("f", { text, line: 1 }), SourceError, text);
                        return;
                    }
                    assert.deepStrictEqual(parseJsonDocument("f", { text, line: 1 }).value, reference, text);
                }),
            );
        });

        it("YAML and JSON streams: cut into documents, in chunks of any size, the values of a whole-text parse", () => {
            const documents = fc.array(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom("a", "b", "---", "..."), fc.oneof(fc.string(), fc.constant("|\n  --- x\n  ...")))), { minLength: 1, maxLength: 5 });
            fc.assert(
                fc.property(documents, fc.integer({ min: 1, max: 40 }), fc.boolean(), (values, size, ended) => {
                    const text = values.map(value => `---${ended ? "" : " # a comment"}\n${jsyaml.dump(value)}${ended ? "...\n" : ""}`).join("");
                    const read = [...yamlDocuments("f", chunked(text, size))].flatMap(document => parseYamlDocuments("f", document).map(parsed => parsed.value));
                    assert.deepStrictEqual(read, jsyaml.loadAll(text), text);
                    const stream = values.map(value => JSON.stringify(value)).join("\n");
                    const containers = values.every(value => typeof value === "object" && value !== null);
                    if (containers) {
                        assert.deepStrictEqual([...jsonDocuments("f", chunked(stream, size))].map(document => parseJsonDocument("f", document).value), values.map(value => JSON.parse(JSON.stringify(value))));
                    }
                }),
            );
        });
    });

    describe("JSON", () => {
        it("locates findings at their line and column, and says JSON of a JSON syntax error", () => {
            write("pod.json", JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx", securityContext: { privileged: true } }] } }, null, 2));
            write("broken.json", '{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "spec": {}\n}\n');
            write("stream.json", `${JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "a" }, spec: { containers: [{ name: "c", securityContext: { privileged: true } }] } })}\n${JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "b" }, spec: { containers: [{ name: "c", securityContext: { privileged: true } }] } })}\n`);
            const report = json(scan(tmp, [".", "--format", "json"]));
            const privileged = report.findings.filter(f => f.policy === "container-no-privileged").map(f => `${f.file}:${f.line}:${f.column}`);
            assert.deepStrictEqual(privileged, ["pod.json:13:11", "stream.json:1:110", "stream.json:2:110"]);
            assert.deepStrictEqual(report.errors, [{ file: "broken.json", line: 4, column: 3, message: "not valid JSON: expected `,` or `}` after a property value, found `\"`" }]);
            const stdin = json(scan(tmp, ["-", "--format", "json"], { input: fs.readFileSync(path.join(tmp, "broken.json"), "utf8") }));
            assert.deepStrictEqual(stdin.errors.map(e => `${e.file}:${e.line}:${e.column} ${e.message.split(":")[0]}`), ["<stdin>:4:3 not valid JSON"], "standard input that starts with { is JSON, as kubectl reads it");
        });
    });
});
