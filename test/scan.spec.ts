// `container-guard scan`: each input format, each output format, config, stdin, errors,
// exemptions, and the same verdicts as the pack gives the same resources over the engine protocol.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv04 from "ajv-draft-04";
import { resolveConfig } from "../cli/config";
import { main } from "../cli/main";
import { runPolicies } from "../cli/run";
import { declaredResources } from "../cli/scan";
import { parsePath } from "../cli/locate";
import { ScanResource } from "../cli/resource";
import { sourceTag } from "../policies/lib/dialect";
import { noVariables, parseEnvFile } from "../cli/interpolation";
import { noPlaintextSecrets } from "../policies/container-no-plaintext-secrets";
import { pidLimit } from "../policies/container-pid-limit";
import { policies } from "../policies";
import { RunningPack, repoRoot } from "./engine/harness";
import { remediate, validate } from "./helpers";

const fixtures = "test/fixtures/scan";
const fixture = (name: string) => `${fixtures}/${name}`;

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the command in this process (the repo root is the working directory, as for mocha). */
function scanWith(args: string[], options: { stdin?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Run {
    let stdout = "";
    let stderr = "";
    const code = main(args, {
        stdout: { write: (text: string) => (stdout += text), isTTY: options.tty },
        stderr: { write: (text: string) => (stderr += text) },
        env: options.env ?? {},
        stdin: () => {
            if (options.stdin === undefined) {
                throw new Error("no stdin in this test");
            }
            return [Buffer.from(options.stdin)];
        },
    });
    return { code, stdout, stderr };
}

interface JsonFinding {
    policy: string;
    level: string;
    file: string;
    line: number;
    column: number;
    resource: { type: string; name: string; label: string; file: string; line: number };
    message: string;
}

interface JsonReport {
    findings: JsonFinding[];
    errors: Array<{ file: string; line?: number; message: string }>;
    notes: Array<{ file: string; line?: number; message: string }>;
    summary: { files: number; skipped: number; resources: number; mandatory: number; advisory: number; errors: number };
}

/** The JSON report (undefined after a usage error, which prints none). */
function scanJson(args: string[], options: { stdin?: string } = {}): { code: number; report: JsonReport; stderr: string } {
    const run = scanWith([...args, "--format", "json"], options);
    return { code: run.code, report: run.stdout ? JSON.parse(run.stdout) : undefined, stderr: run.stderr };
}

/** `policy@file:line` for each finding, sorted. */
function where(report: JsonReport): string[] {
    return report.findings.map(f => `${f.policy}@${f.file}:${f.line}`).sort();
}

describe("container-guard scan", function () {
    this.timeout(60000);

    describe("Kubernetes manifests", () => {
        it("judges every workload of a multi-document YAML file at the line of the offending field, and ignores other kinds", () => {
            const { code, report } = scanJson(["scan", fixture("deployment.yaml")]);
            assert.strictEqual(code, 1, "a mandatory policy is violated");
            const file = fixture("deployment.yaml");
            assert.deepStrictEqual(where(report), [
                `container-drop-capabilities@${file}:19`, // capabilities: (drop is not set)
                `container-no-plaintext-secrets@${file}:23`, // value: hunter2
                `container-no-privilege-escalation@${file}:17`, // securityContext: (allowPrivilegeEscalation not set)
                `container-no-privileged@${file}:18`,
                `container-read-only-root-filesystem@${file}:17`, // securityContext: (readOnlyRootFilesystem not set)
                `container-restrict-added-capabilities@${file}:20`,
                `container-run-as-non-root@${file}:17`, // neither the pod nor the container sets runAsNonRoot
                `container-secrets-as-files@${file}:26`,
            ].sort());
            assert.strictEqual(report.summary.resources, 1, "the Service runs no containers");
            const privileged = report.findings.find(f => f.policy === "container-no-privileged")!;
            assert.strictEqual(privileged.level, "mandatory");
            assert.strictEqual(privileged.column, 13);
            assert.deepStrictEqual(privileged.resource, { type: "kubernetes:apps/v1:Deployment", name: "web", label: "Deployment shop/web", file, line: 2, column: 1 });
            assert.match(privileged.message, /^Deployment shop\/web, container "api": spec\.template\.spec\.containers\[0\]\.securityContext\.privileged is true\.\nWhy: .+\nFix: /);
        });

        it("reads JSON, and a hardened workload passes", () => {
            const { code, report } = scanJson(["scan", fixture("hardened.json")]);
            assert.strictEqual(code, 0);
            assert.deepStrictEqual(report.findings, []);
            assert.strictEqual(report.summary.resources, 1);
        });

        it("reads List kinds item by item, and honours the exemption annotation", () => {
            const { report } = scanJson(["scan", fixture("list.yaml")]);
            assert.deepStrictEqual(where(report), [`container-pid-limit@${fixture("list.yaml")}:29`]);
            assert.deepStrictEqual(report.findings.map(f => f.resource.label), ["StatefulSet db"]);
            assert.strictEqual(report.summary.resources, 2, "the exempted Pod is judged, and exempt");
        });
    });

    describe("Compose files", () => {
        const compose = fixture("compose/docker-compose.yml");
        const findings = () => scanJson(["scan", compose]).report.findings;

        it("maps each service's keys to the rules, at the line of the Compose key", () => {
            const api = findings().filter(f => f.resource.label === "Compose service api" && f.file === compose);
            assert.deepStrictEqual(api.map(f => `${f.policy}:${f.line}`).sort(), [
                "container-drop-capabilities:3", // cap_drop not set: the service's key
                "container-no-plaintext-secrets:16", // environment map: DB_PASSWORD
                "container-no-privilege-escalation:3", // security_opt not set
                "container-no-privileged:10",
                "container-pid-limit:12", // pid: host
                "container-pid-limit:3", // pids_limit not set
                "container-read-only-root-filesystem:3",
                "container-restrict-added-capabilities:11",
                "container-run-as-non-root:3", // user not set
            ].sort());
        });

        it("reads env_file relative to the Compose file, and points at the line of the env file", () => {
            const fromEnvFile = findings().filter(f => f.file === fixture("compose/api.env"));
            assert.deepStrictEqual(fromEnvFile.map(f => `${f.policy}:${f.line}`), ["container-no-plaintext-secrets:3"]);
            assert.strictEqual(fromEnvFile[0].message.split("\n")[0], "Compose service api: env_file api.env line 3 sets STRIPE_SECRET_KEY to a literal secret (its value is a Stripe secret key).", "the env file and its line, not environment[0]");
            const inCompose = findings().find(f => f.policy === "container-no-plaintext-secrets" && f.line === 16)!;
            assert.match(inCompose.message, /^Compose service api: environment\.DB_PASSWORD sets DB_PASSWORD to a literal secret/, "the key as written in the Compose file");
            assert.doesNotMatch(fromEnvFile[0].message, /sk_live/, "never the secret itself");
        });

        it("takes a PID cap from pids_limit or deploy.resources.limits.pids, and exemptions from labels", () => {
            const worker = findings().filter(f => f.resource.label === "Compose service worker");
            assert.deepStrictEqual(worker, [], "read_only, cap_drop ALL, pids_limit 200, a non-root user, no-new-privileges and secrets as files: nothing to report");
            const legacy = findings().filter(f => f.resource.label === "Compose service legacy");
            assert.deepStrictEqual(legacy.map(f => `${f.policy}:${f.line}`).sort(), ["container-no-privilege-escalation:28", "container-pid-limit:33", "container-run-as-non-root:28"], "the labels exempt it from rules 1 and 3");
            legacy.sort((a, b) => a.policy.localeCompare(b.policy));
            assert.match(legacy[1].message, /pids_limit is 100000; it must be at most 1024 \(maxPids\)/);
        });

        it("judges a service's build: build args at the Compose line, the Dockerfile's lines in the Dockerfile", () => {
            const build = findings().filter(f => f.resource.label === "Compose service api, build");
            assert.deepStrictEqual(build.map(f => `${f.policy}@${f.file}:${f.line}`).sort(), [
                `container-no-plaintext-secrets@${compose}:9`, // args: NPM_TOKEN
                `container-no-plaintext-secrets@${fixture("compose/api/Dockerfile")}:7`, // ENV SESSION_SECRET
                `image-multi-stage-build@${fixture("compose/api/Dockerfile")}:6`, // target runtime: FROM node:22
                `container-run-as-non-root@${fixture("compose/api/Dockerfile")}:6`, // the runtime stage sets no USER
            ].sort());
        });
    });

    describe("Dockerfiles", () => {
        it("finds Dockerfiles by name and judges rule 2 and secrets in ENV and ARG", () => {
            const { report } = scanJson(["scan", fixture("docker")]);
            const file = fixture("docker/Dockerfile");
            assert.deepStrictEqual(where(report), [
                `container-no-plaintext-secrets@${file}:2`,
                `container-run-as-non-root@${file}:1`, // no USER: golang's root
                `image-multi-stage-build@${file}:1`, // single stage and full base: one finding for the line
            ]);
            assert.strictEqual(report.summary.files, 2, "good.Dockerfile is read too, and passes");
        });

        it("reads any file as a Dockerfile with --dockerfile, standard input included", () => {
            const named = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-scan-"));
            const file = path.join(named, "build.txt");
            fs.copyFileSync(fixture("docker/Dockerfile"), file);
            try {
                assert.strictEqual(scanJson(["scan", "--dockerfile", file]).report.findings.length, 3);
                const stdin = scanJson(["scan", "--dockerfile", "-"], { stdin: fs.readFileSync(fixture("docker/Dockerfile"), "utf8") });
                assert.deepStrictEqual(stdin.report.findings.map(f => `${f.file}:${f.line}`).sort(), ["<stdin>:1", "<stdin>:1", "<stdin>:2"]);
            } finally {
                fs.rmSync(named, { recursive: true, force: true });
            }
        });

        it("reports a Dockerfile that several Compose services build once, listing them; what differs between their builds apart", () => {
            const { report } = scanJson(["scan", fixture("shared-build")]);
            const dockerfile = fixture("shared-build/app/Dockerfile");
            assert.deepStrictEqual(report.findings.map(f => `${f.resource.label} | ${f.policy} | ${f.file}:${f.line}`), [
                `Compose services web, worker and migrate, build | container-no-plaintext-secrets | ${dockerfile}:2`, // every stage's ENV, whatever the target
                `Compose services web and worker, build | container-run-as-non-root | ${dockerfile}:7`, // the same target (the last stage)
                `Compose service migrate, build | image-multi-stage-build | ${dockerfile}:1`, // target: build
                `Compose service migrate, build | container-run-as-non-root | ${dockerfile}:1`,
            ]);
            assert.match(report.findings[0].message, new RegExp(`^Compose services web, worker and migrate, build: Dockerfile ${dockerfile} line 2: ENV SENTRY_AUTH_TOKEN puts a secret into the image`));
            assert.match(report.findings[1].message, /^Compose services web and worker, build: Dockerfile \S+ line 7, stage #1: the stage sets no USER/);
            assert.deepStrictEqual(report.findings[1].resource.name, "web", "the first service names the resource");
            assert.deepStrictEqual(report.summary.resources, 6, "each service and each build is judged; only their shared findings are merged");
        });

        it("doesn't judge a Dockerfile twice when a Compose build reads it", () => {
            const { report } = scanJson(["scan", fixture("compose")]);
            const dockerfile = fixture("compose/api/Dockerfile");
            assert.deepStrictEqual(new Set(report.findings.filter(f => f.file === dockerfile).map(f => f.resource.label)), new Set(["Compose service api, build"]));
        });
    });

    describe("inputs", () => {
        it("reads standard input for -, YAML or JSON", () => {
            const yaml = scanJson(["scan", "-"], { stdin: fs.readFileSync(fixture("deployment.yaml"), "utf8") });
            assert.strictEqual(yaml.code, 1);
            assert.strictEqual(yaml.report.findings.length, 8);
            assert.ok(yaml.report.findings.every(f => f.file === "<stdin>"));
            const json = scanJson(["scan", "-"], { stdin: fs.readFileSync(fixture("hardened.json"), "utf8") });
            assert.deepStrictEqual([json.code, json.report.summary.resources], [0, 1]);
        });

        it("walks directories, skipping node_modules and .git, and files that declare no workload quietly", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-scan-"));
            try {
                for (const sub of ["node_modules/pkg", ".git", "deploy"]) {
                    fs.mkdirSync(path.join(dir, sub), { recursive: true });
                    fs.copyFileSync(fixture("deployment.yaml"), path.join(dir, sub, "web.yaml"));
                }
                fs.copyFileSync(fixture("not-a-manifest.yaml"), path.join(dir, "deploy", "ci.yaml"));
                fs.writeFileSync(path.join(dir, "deploy", "tsconfig.json"), '{\n  // JSON with comments is no YAML\n  "compilerOptions": { "strict": true }\n}\n');
                const { code, report } = scanJson(["scan", dir]);
                assert.strictEqual(code, 1);
                assert.deepStrictEqual(new Set(report.findings.map(f => path.basename(path.dirname(f.file)))), new Set(["deploy"]));
                assert.deepStrictEqual([report.summary.files, report.summary.skipped], [3, 2]);
                assert.deepStrictEqual([report.notes, report.errors], [[], []]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("says so when a file named on the command line declares no workload", () => {
            const { code, report } = scanJson(["scan", fixture("not-a-manifest.yaml")]);
            assert.strictEqual(code, 0);
            assert.deepStrictEqual(report.notes, [{ file: fixture("not-a-manifest.yaml"), message: "skipped: neither Kubernetes objects nor a Compose file" }]);
        });

        it("expands globs", () => {
            const { report } = scanJson(["scan", `${fixtures}/**/*.json`, `${fixtures}/l*.yaml`]);
            assert.deepStrictEqual(report.summary.files, 3, "hardened.json, duplicate-keys/report.json and list.yaml");
            assert.deepStrictEqual(where(report), [`container-pid-limit@${fixture("list.yaml")}:29`]);
        });

        it("skips a Helm chart's templates with a note on how to render them", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-scan-"));
            try {
                fs.mkdirSync(path.join(dir, "chart", "templates"), { recursive: true });
                fs.writeFileSync(path.join(dir, "chart", "Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
                fs.writeFileSync(path.join(dir, "chart", "templates", "web.yaml"), "metadata:\n  name: {{ .Release.Name }}\n  labels: {{- include \"x\" . }}\n");
                const { code, report } = scanJson(["scan", dir]);
                assert.strictEqual(code, 0);
                assert.strictEqual(report.notes.length, 1);
                assert.match(report.notes[0].message, /helm template .*chart \| container-guard scan -/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("messages in the words of the file", () => {
        const all = () => scanJson(["scan", fixtures, "examples/manifests", "--config", "examples/config/pss-restricted.json"]).report.findings;
        const first = (findings: JsonFinding[], policy: string, file: string, line: number) => {
            const found = findings.find(f => f.policy === policy && f.file === file && f.line === line);
            assert.ok(found, `${policy} at ${file}:${line}`);
            return found.message;
        };

        it("a Kubernetes manifest: the fix is YAML at the field's path from the document's root", () => {
            const findings = scanJson(["scan", fixture("deployment.yaml"), fixture("dialects/node-agent.yaml")]).report.findings;
            const file = fixture("dialects/node-agent.yaml");
            assert.match(first(findings, "container-drop-capabilities", fixture("deployment.yaml"), 19), /\nFix: spec\.template\.spec\.containers\[0\]\.securityContext\.capabilities\.drop: \["ALL"\]$/);
            assert.match(first(findings, "container-no-host-ports", file, 38), /\nFix: remove spec\.template\.spec\.containers\[0\]\.ports\[0\]\.hostPort # reach the container through a Service/);
            assert.match(first(findings, "container-restricted-volumes", file, 29), /\nFix: remove spec\.template\.spec\.volumes\[0\] # and its volumeMounts/);
            assert.match(first(findings, "container-safe-sysctls", file, 26), /\nFix: remove spec\.template\.spec\.securityContext\.sysctls\[1\] # set it on the nodes/);
            assert.match(first(findings, "container-no-plaintext-secrets", file, 52), /\nFix: .*kubectl create secret generic api-token .*add \{ name: "api-token", secret: \{ secretName: "api-token" \} \} to spec\.template\.spec\.volumes and /);
        });

        it("a Compose file: the service, its Compose keys, and Compose snippets", () => {
            const findings = scanJson(["scan", fixture("compose")]).report.findings;
            const compose = fixture("compose/docker-compose.yml");
            assert.match(first(findings, "container-read-only-root-filesystem", compose, 3), /^Compose service api: read_only is not set, so the root filesystem is writable\.\n.*\nFix: services\.api\.read_only: true, and mount a tmpfs/);
            assert.match(first(findings, "container-no-privileged", compose, 10), /\nFix: services\.api\.privileged: false # add the one capability/);
            assert.match(first(findings, "container-no-plaintext-secrets", compose, 9), /^Compose service api: build\.args\.NPM_TOKEN sets build argument NPM_TOKEN to a literal secret .*\nFix: pass it as a build secret: build\.secrets: \[npm-token\], with the top-level secrets: \{ npm-token: \{ environment: NPM_TOKEN \} \}/s);
            const dockerfile = fixture("compose/api/Dockerfile");
            assert.match(first(findings, "container-no-plaintext-secrets", dockerfile, 7), new RegExp(`^Compose service api, build: Dockerfile ${dockerfile} line 7: ENV SESSION_SECRET puts a secret into the image`));
            assert.match(first(findings, "image-multi-stage-build", dockerfile, 6), /\n {2}and ship that stage: build\.target: runtime$/);
        });

        it("a Dockerfile: named by its path as the report shows it, with docker build fixes", () => {
            const findings = scanJson(["scan", fixture("docker")]).report.findings;
            const file = fixture("docker/Dockerfile");
            assert.match(first(findings, "container-no-plaintext-secrets", file, 2), new RegExp(`^Dockerfile ${file} line 2: ARG GITHUB_TOKEN puts a secret into the image .*\nFix: remove the ARG; pass it as a build secret: docker build --secret id=github-token,env=GITHUB_TOKEN`, "s"));
            assert.match(first(findings, "image-multi-stage-build", file, 1), new RegExp(`^Dockerfile ${file} line 1, stage #0: the build has a single stage.*\n {2}and ship that stage: docker build --target runtime$`, "s"));
        });

        it("no scanned file gets Pulumi TypeScript, from any policy", () => {
            const findings = all();
            assert.deepStrictEqual(new Set(findings.map(f => f.policy)), new Set(policies.map(p => p.name)), "every policy has findings in the fixtures");
            const typescript = /=>|\bnew [A-Za-z_.]+\(|\.\.\.[A-Za-z]|\bcfg\.|\/\/ | = [{["\w]|provider defaults|pulumi|\/\*|docker_build/;
            const wrong = findings.filter(f => typescript.test(f.message) || f.message.includes(process.cwd()));
            assert.deepStrictEqual(wrong.map(f => `${f.policy} ${f.file}:${f.line}\n${f.message}`), [], "no TypeScript, and no absolute path");
        });
    });

    describe("keys written twice", () => {
        const dir = fixture("duplicate-keys");

        it("reads a Kubernetes object as the API server does, the last value winning, with a warning at each repeated key", () => {
            const { code, report } = scanJson(["scan", `${dir}/redis.yaml`, `${dir}/report.json`]);
            assert.strictEqual(code, 1, "the privileged securityContext written last is judged, and no input error hides it");
            assert.deepStrictEqual(report.errors, []);
            assert.deepStrictEqual(
                report.notes.map(n => `${n.file}:${n.line} ${n.message}`),
                [
                    `${dir}/redis.yaml:15 spec.template.metadata.labels is written twice (first on line 14): the last value counts, as the API server reads it`,
                    `${dir}/redis.yaml:25 spec.template.spec.containers[0].securityContext is written twice (first on line 20): the last value counts, as the API server reads it`,
                    `${dir}/report.json:10 spec.containers[0].image is written twice (first on line 9): the last value counts, as the API server reads it`,
                ],
            );
            assert.ok(report.notes.every(n => (n as { warning?: boolean }).warning === true));
            assert.deepStrictEqual(where(report).filter(w => w.includes("privileged")), [`container-no-privileged@${dir}/redis.yaml:26`]);
            assert.deepStrictEqual(report.findings.filter(f => f.file.endsWith("report.json")), [], "the hardened Pod passes");
        });

        it("rejects a Compose file with a repeated key at its line, as docker compose does", () => {
            const { code, report } = scanJson(["scan", `${dir}/compose.yaml`]);
            assert.strictEqual(code, 2);
            assert.deepStrictEqual(report.errors.map(e => `${e.file}:${e.line} ${e.message}`), [
                `${dir}/compose.yaml:7 mapping key "environment" already defined at line 5 (services.web.environment): docker compose rejects the file, so its services were not judged`,
            ]);
            assert.deepStrictEqual(report.findings, []);
        });

        it("says nothing of a repeated key in YAML that is no manifest", () => {
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-scan-"));
            try {
                fs.writeFileSync(path.join(tmp, "ci.yaml"), "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    runs-on: ubuntu-24.04\n");
                const { code, report } = scanJson(["scan", tmp]);
                assert.deepStrictEqual([code, report.errors, report.notes, report.summary.skipped], [0, [], [], 1]);
            } finally {
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        });
    });

    describe("errors", () => {
        it("names the file and line of a YAML syntax error, exits 2, and scans the other files", () => {
            const { code, report, stderr } = scanJson(["scan", fixture("broken.yaml"), fixture("deployment.yaml")]);
            assert.strictEqual(code, 2);
            assert.deepStrictEqual(report.errors.map(e => [e.file, e.line]), [[fixture("broken.yaml"), 6]]);
            assert.match(report.errors[0].message, /^not valid YAML: /);
            assert.strictEqual(report.findings.length, 8, "deployment.yaml was scanned");
            assert.match(stderr, new RegExp(`${fixture("broken.yaml")}:6:1: not valid YAML`));
        });

        it("exits 2 naming a path that doesn't exist or a glob that matches nothing", () => {
            const { code, report } = scanJson(["scan", "no/such/file.yaml", "no/such/*.yaml", fixture("hardened.json")]);
            assert.strictEqual(code, 2);
            assert.deepStrictEqual(report.errors, [
                { file: "no/such/file.yaml", message: "no such file or directory" },
                { file: "no/such/*.yaml", message: "no file matches this pattern" },
            ]);
        });

        it("exits 2 with usage for a bad command line", () => {
            for (const args of [[], ["lint", "."], ["scan"], ["scan", ".", "--format", "xml"], ["scan", "--nope", "."]]) {
                const run = scanWith(args);
                assert.strictEqual(run.code, 2, args.join(" "));
                assert.match(run.stderr, /^container-guard: /, args.join(" "));
                assert.strictEqual(run.stdout, "");
            }
            assert.match(scanWith(["--help"]).stdout, /^Usage: container-guard scan/);
        });
    });

    describe("--config (the pulumi preview --policy-pack-config file)", () => {
        const withConfig = (config: unknown, ...args: string[]) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-config-"));
            const file = path.join(dir, "policy-config.json");
            fs.writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
            try {
                return { ...scanJson(["scan", "--config", file, ...args]), file };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };

        it("sets levels: per policy, all, disabled; and exits by them", () => {
            const advisory = withConfig({ all: "advisory" }, fixture("deployment.yaml"));
            assert.strictEqual(advisory.code, 0);
            assert.ok(advisory.report.findings.every(f => f.level === "advisory"));
            const strict = withConfig({ all: "mandatory", "container-no-privileged": { enforcementLevel: "disabled" } }, fixture("list.yaml"));
            assert.strictEqual(strict.code, 1, "the advisory PID finding is now mandatory");
            const disabled = withConfig({ "container-no-privileged": "disabled" }, fixture("deployment.yaml"));
            assert.ok(!disabled.report.findings.some(f => f.policy === "container-no-privileged"));
            const remediate = withConfig({ "container-pid-limit": "remediate" }, fixture("list.yaml"));
            assert.deepStrictEqual(remediate.report.findings.map(f => f.level), ["mandatory"], "a file can't be remediated: as the SDK does, remediate reports as mandatory");
        });

        it("passes each policy its keys, with the schema defaults for the rest", () => {
            const allowed = withConfig({ "container-restrict-added-capabilities": { allowedCapabilities: ["SYS_ADMIN"] } }, fixture("deployment.yaml"));
            assert.ok(!allowed.report.findings.some(f => f.policy === "container-restrict-added-capabilities"));
            const pids = withConfig({ "container-pid-limit": { maxPids: 100 } }, fixture("compose/docker-compose.yml"));
            assert.ok(pids.report.findings.some(f => f.resource.label === "Compose service worker" && /pids_limit is 200/.test(f.message)));
            const excluded = withConfig({ all: { enforcementLevel: "mandatory" }, "container-no-privileged": { exclude: ["shop/*"] } }, fixture("deployment.yaml"));
            assert.ok(!excluded.report.findings.some(f => f.policy === "container-no-privileged"));
            const exempt = withConfig({ "container-no-plaintext-secrets": { exemptImages: ["registry.example.com/shop/*"] } }, fixture("deployment.yaml"));
            assert.ok(!exempt.report.findings.some(f => f.policy === "container-no-plaintext-secrets"));
        });

        it("rejects what the pack would reject, naming the policy and key (exit 2)", () => {
            const wrongType = scanJson(["scan", "--config", "examples/policy-config/wrong-type.json", fixture("hardened.json")]);
            assert.strictEqual(wrongType.code, 2);
            assert.match(wrongType.stderr, /policy "container-drop-capabilities", config key "requiredDrops": expected a list of strings, found a string/);
            const cases: Array<[unknown, RegExp]> = [
                [{ "container-no-priviledged": "mandatory" }, /"container-no-priviledged" is not a policy of container-guard/],
                [{ "container-pid-limit": { maxPid: 10 } }, /policy "container-pid-limit", config key "maxPid": not a config key of this policy/],
                [{ "container-pid-limit": { maxPids: 0 } }, /policy "container-pid-limit", config key "maxPids": must be at least 1/],
                [{ all: "strict" }, /"all": "strict" is not an enforcement level/],
                [{ "container-no-privileged": { exclude: ["[a"] } }, /policy "container-no-privileged", config key "exclude\[0\]": bad glob/],
                [["container-no-privileged"], /expected a JSON object of policy names, found a list/],
                ["{ not json", /not valid JSON/],
            ];
            for (const [config, message] of cases) {
                const run = withConfig(config, fixture("deployment.yaml"));
                assert.strictEqual(run.code, 2, JSON.stringify(config));
                assert.match(run.stderr, message);
                assert.ok(run.stderr.includes(run.file), "names the file");
            }
        });

        it("lists every problem of a config, not the first only, before any output", () => {
            const run = withConfig(
                {
                    all: "strict",
                    "container-no-priviledged": "mandatory",
                    "container-pid-limit": { maxPid: 10, exclude: "web" },
                    "container-drop-capabilities": { requiredDrops: "ALL", exemptImages: ["ok", "[bad"] },
                    "container-no-privileged": { exclude: ["[a"] },
                },
                fixture("deployment.yaml"),
            );
            assert.strictEqual(run.code, 2);
            assert.strictEqual(run.report, undefined, "no report");
            const lines = run.stderr.trimEnd().split("\n");
            const expected = [
                /"all": "strict" is not an enforcement level/,
                /"container-no-priviledged" is not a policy of container-guard/,
                /policy "container-drop-capabilities", config key "requiredDrops": expected a list of strings, found a string/,
                /policy "container-pid-limit", config key "maxPid": not a config key of this policy/,
                /policy "container-pid-limit", config key "exclude": expected a list of strings, found a string/,
                /policy "container-drop-capabilities", config key "exemptImages\[1\]": bad glob/,
                /policy "container-no-privileged", config key "exclude\[0\]": bad glob/,
            ];
            assert.strictEqual(lines.length, expected.length, run.stderr);
            for (const pattern of expected) {
                assert.ok(lines.some(line => pattern.test(line) && line.startsWith(`container-guard: --config ${run.file}: `)), `${pattern}\n${run.stderr}`);
            }
        });

        it("takes the presets in examples/config", () => {
            for (const preset of fs.readdirSync("examples/config").filter(f => f.endsWith(".json"))) {
                const run = scanJson(["scan", "--config", `examples/config/${preset}`, fixture("deployment.yaml")]);
                assert.notStrictEqual(run.code, 2, `${preset}: ${run.stderr}`);
            }
        });
    });

    describe("output", () => {
        it("human: grouped by file and resource, file:line:column per finding, colour only on a terminal", () => {
            const plain = scanWith(["scan", fixture("list.yaml"), fixture("hardened.json")]);
            assert.strictEqual(plain.code, 0);
            assert.doesNotMatch(plain.stdout, /\u001b\[/);
            const lines = plain.stdout.split("\n");
            assert.deepStrictEqual(lines.slice(0, 3), [fixture("list.yaml"), "  StatefulSet db (line 18)", `    advisory   container-pid-limit  ${fixture("list.yaml")}:29:11`]);
            assert.match(plain.stdout, /\nScanned 2 files, 3 resources: no mandatory finding, 1 advisory finding\.\n$/);
            assert.match(scanWith(["scan", fixture("list.yaml")], { tty: true }).stdout, /\u001b\[33madvisory/);
            assert.doesNotMatch(scanWith(["scan", fixture("list.yaml")], { tty: true, env: { NO_COLOR: "1" } }).stdout, /\u001b\[/);
        });

        it("human: input errors and notes after the findings", () => {
            const run = scanWith(["scan", fixture("broken.yaml"), fixture("not-a-manifest.yaml")]);
            assert.match(run.stdout, /^Errors\n {2}test\/fixtures\/scan\/broken\.yaml:6:1 {2}not valid YAML: .+\n\nNotes\n {2}test\/fixtures\/scan\/not-a-manifest\.yaml {2}skipped: .+\n\nScanned 2 files \(1 declaring no workload\), 0 resources: no finding, 1 input error\.\n$/);
        });

        it("json: every finding with policy, level, location, resource and message", () => {
            const { report } = scanJson(["scan", fixture("deployment.yaml")]);
            assert.deepStrictEqual(Object.keys(report), ["tool", "findings", "errors", "notes", "summary"]);
            assert.deepStrictEqual(report.summary, { files: 1, skipped: 0, resources: 1, mandatory: 3, advisory: 5, errors: 0 });
        });

        it("sarif: valid SARIF 2.1.0, one rule per policy, results at their lines", () => {
            const schema = JSON.parse(fs.readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
            // The schema's pattern for a language tag is not a valid Unicode-mode regular expression.
            const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
            ajv.addFormat("uri", text => URL.canParse(text));
            ajv.addFormat("uri-reference", text => URL.canParse(text, "file:///base/"));
            ajv.addFormat("date-time", text => !Number.isNaN(Date.parse(text)));
            const validateSarif = ajv.compile<any>(schema);
            const run = scanWith(["scan", fixtures, "--format", "sarif"]);
            const log = JSON.parse(run.stdout);
            assert.ok(validateSarif(log), ajv.errorsText(validateSarif.errors));
            assert.strictEqual(log.version, "2.1.0");
            const [sarifRun] = log.runs;
            assert.deepStrictEqual(
                sarifRun.tool.driver.rules.map((r: { id: string }) => r.id),
                policies.map(p => p.name),
            );
            const privileged = sarifRun.results.find((r: any) => r.ruleId === "container-no-privileged" && r.locations[0].physicalLocation.artifactLocation.uri.endsWith("deployment.yaml"));
            assert.strictEqual(privileged.level, "error");
            assert.strictEqual(sarifRun.tool.driver.rules[privileged.ruleIndex].id, "container-no-privileged");
            assert.deepStrictEqual(privileged.locations[0].physicalLocation, {
                artifactLocation: { uri: "test/fixtures/scan/deployment.yaml", uriBaseId: "%SRCROOT%" },
                region: { startLine: 18, startColumn: 13 },
            });
            assert.ok(sarifRun.results.some((r: any) => r.level === "warning"));
            assert.strictEqual(sarifRun.invocations[0].executionSuccessful, false, "broken.yaml");
            assert.strictEqual(sarifRun.invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.region.startLine, 6);
            const fromStdin = JSON.parse(scanWith(["scan", "-", "--format", "sarif"], { stdin: fs.readFileSync(fixture("list.yaml"), "utf8") }).stdout);
            assert.ok(validateSarif(fromStdin), ajv.errorsText(validateSarif.errors));
        });
    });

    describe("the command", () => {
        it("runs as the package's bin, reading standard input", () => {
            const bin = JSON.parse(fs.readFileSync("package.json", "utf8")).bin["container-guard"];
            const run = spawnSync(process.execPath, [bin, "scan", "-"], { input: fs.readFileSync(fixture("deployment.yaml")), encoding: "utf8", env: { ...process.env, NO_COLOR: "" } });
            assert.strictEqual(run.status, 1, run.stderr);
            assert.match(run.stdout, /<stdin>:18:13/);
            assert.match(fs.readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
        });

        it("scans examples/ (Pulumi programs and configs are skipped quietly)", () => {
            const { code, report } = scanJson(["scan", "examples/"]);
            assert.strictEqual(code, 1);
            assert.deepStrictEqual(report.errors, []);
            assert.deepStrictEqual(report.notes, []);
            assert.deepStrictEqual(new Set(report.findings.map(f => path.basename(f.file))), new Set(["kubernetes.yaml", "compose.yaml", "Dockerfile"]));
        });
    });

    describe("the same verdicts as the pack over the engine protocol", () => {
        let pack: RunningPack;
        before(async function () {
            this.timeout(60000);
            pack = await RunningPack.start(repoRoot);
            await pack.configure({});
        });
        after(() => pack?.stop());

        /** The diagnostics the pack over gRPC gives a scanned resource, with its stack tagged as `source` (or not tagged: a Pulumi stack). */
        const fromEngine = async (resource: ScanResource, source: string | undefined) => {
            await pack.configureStack(source === undefined ? {} : { [sourceTag]: source });
            const descriptions = new Map(policies.map(p => [p.name, p.description]));
            const engine = await pack.analyze(resource.type, resource.props, resource.name);
            return engine.diagnostics.map(d => ({ policy: d.policyName, level: d.enforcementLevel, message: d.message.replace(`${descriptions.get(d.policyName)}\n`, "") }));
        };
        const scannedResources = () => {
            const problems = { error: () => undefined, note: () => undefined };
            return [...declaredResources({ paths: [fixtures, "examples/manifests"], dockerfiles: [], stdin: () => [] }, problems, { files: 0, skipped: 0 })].flat();
        };

        it("gives every scanned resource the pack's own diagnostics, in the words of its source when the stack says so", async () => {
            const config = resolveConfig(policies, {}, "");
            const resources = scannedResources();
            for (const resource of resources) {
                const engine = (await fromEngine(resource, resource.source)).map(d => `${d.policy} ${d.level}: ${d.message}`).sort();
                const scan = runPolicies(policies, config, [resource]).findings.map(f => `${f.policy.name} ${f.level}: ${f.message}`).sort();
                assert.deepStrictEqual(scan, engine, resource.label);
            }
            assert.ok(resources.length >= 10, `${resources.length} resources`);
            assert.deepStrictEqual(new Set(resources.map(r => r.source)), new Set(["kubernetes-manifest", "compose", "dockerfile"]));
        });

        it("gives a Pulumi stack (no source tag) the same verdicts, in Pulumi's words", async () => {
            const config = resolveConfig(policies, {}, "");
            let differentWords = 0;
            for (const resource of scannedResources()) {
                const engine = await fromEngine(resource, undefined);
                const scan = runPolicies(policies, config, [resource]).findings;
                const verdicts = (list: Array<{ policy: string; level: string }>) => list.map(v => `${v.policy} ${v.level}`).sort();
                assert.deepStrictEqual(verdicts(engine), verdicts(scan.map(f => ({ policy: f.policy.name, level: f.level }))), resource.label);
                differentWords += engine.filter(d => !scan.some(f => f.message === d.message)).length;
                assert.ok(engine.every(d => !/^Compose service [^\n]*, build: |^Dockerfile [^\n]* line \d/.test(d.message)), "the pack's own subjects");
            }
            assert.ok(differentWords > 10, `the words differ (${differentWords})`);
        });
    });

    describe("helpers", () => {
        it("reads property paths back from messages", () => {
            assert.deepStrictEqual(parsePath('spec.template.spec.containers[1].env[0].value'), ["spec", "template", "spec", "containers", 1, "env", 0, "value"]);
            assert.deepStrictEqual(parsePath('buildArgs["client.secret"]'), ["buildArgs", "client.secret"]);
            assert.deepStrictEqual(parsePath("cap_drop"), ["cap_drop"]);
            for (const text of ["", "the Dockerfile", "a..b", "x[", "x[y]", "[0]"]) {
                assert.strictEqual(parsePath(text), undefined, text);
            }
        });

        it("reads env files as Compose does", () => {
            const { entries, error } = parseEnvFile('# comment\n\nA=1\nexport B="two words"\nC=\'x # y\'\nD=plain # note\nE\n', noVariables, ".env");
            assert.strictEqual(error, undefined);
            assert.deepStrictEqual(
                entries.map(e => [e.key, e.line, e.value.state === "resolved" ? e.value.value : e.value.state, e.inherited]),
                [["A", 3, "1", false], ["B", 4, "two words", false], ["C", 5, "x # y", false], ["D", 6, "plain", false], ["E", 7, "unknown", true]],
            );
        });
    });
});

describe("pack additions for the scan", () => {
    it("container-pid-limit: a Compose service's pids_limit caps its processes", () => {
        const service = (props: object) => validate(pidLimit, "compose:service", { image: "nginx", ...props }, { name: "web" });
        assert.deepStrictEqual(service({ pids_limit: 512 }), []);
        assert.match(service({}).join(), /Compose service web: pids_limit is not set, so nothing caps the number of processes/);
        assert.match(service({ pids_limit: -1 }).join(), /pids_limit is -1 \(unlimited\); it must be at most 1024/);
        assert.match(service({ pids_limit: 0 }).join(), /pids_limit is 0 \(unlimited\)/);
        assert.match(service({ pids_limit: 4096 }).join(), /Fix: services\.web\.pids_limit: 1024/);
        assert.deepStrictEqual(validate(pidLimit, "compose:service", { pids_limit: 4096 }, { config: { maxPids: 8192 } }), []);
        assert.deepStrictEqual(remediate(pidLimit, "compose:service", { pids_limit: 4096 }), { pids_limit: 1024 });
    });

    it("container-no-plaintext-secrets: secrets in a build's Dockerfile ENV and ARG lines, by line", () => {
        const dockerfile = ["ARG NPM_TOKEN", "FROM node:22 AS build", 'ENV DB_PASSWORD="hunter 2" PATH=/app/bin', "ARG VERSION=1.2.3", "ENV DB_PASSWORD_FILE=/run/secrets/db"].join("\n");
        const messages = validate(noPlaintextSecrets, "docker-build:index:Image", { dockerfile: { inline: dockerfile }, context: { location: "." } }, { name: "app" });
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /^docker[-_]build\.Image app, dockerfile\.inline line 3: ENV DB_PASSWORD puts a secret into the image \(its name marks it as a secret\)\.\nWhy: an ENV value is stored in the image's config/);
        assert.doesNotMatch(messages[0], /hunter/);
        const excluded = validate(noPlaintextSecrets, "docker-build:index:Image", { dockerfile: { inline: dockerfile } }, { name: "app", config: { exclude: ["app"] } });
        assert.deepStrictEqual(excluded, []);
    });
});
