"use strict";
// Drives the real `pulumi` CLI over the example programs, offline, in a throwaway
// workspace: its own PULUMI_HOME (with the stand-in provider plugins and the policy
// analyzer shim installed into its plugin cache), a file:// state backend and a
// passphrase secrets provider. Used by test/e2e/run.js and scripts/preview-example.sh.
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { versionFor } = require("./providers/schema");

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLES = path.join(ROOT, "examples");
const PROVIDER = path.join(__dirname, "providers", "provider.js");
const STANDIN_PACKAGES = ["kubernetes", "docker", "docker-build"];

function log(msg) {
    process.stderr.write(`[e2e] ${msg}\n`);
}

/** Directory with `pulumi` and `pulumi-language-yaml` (PATH, cache, or a fresh build). */
function pulumiCliDir() {
    if (process.env.CG_PULUMI_DIR) return process.env.CG_PULUMI_DIR;
    const res = spawnSync("bash", [path.join(ROOT, "scripts", "pulumi-cli.sh")], {
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
    });
    if (res.status !== 0) throw new Error(`scripts/pulumi-cli.sh failed (exit ${res.status})`);
    return res.stdout.trim().split("\n").pop();
}

/** The Pulumi CLI's own npm pack and npm install steps for a policy pack (scripts/pulumi-npm.sh). */
function pulumiNpm() {
    const res = spawnSync("bash", [path.join(ROOT, "scripts", "pulumi-npm.sh")], {
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
    });
    if (res.status !== 0) throw new Error(`scripts/pulumi-npm.sh failed (exit ${res.status})`);
    return res.stdout.trim().split("\n").pop();
}

function writeExecutable(file, text) {
    fs.writeFileSync(file, text, { mode: 0o755 });
}

class Workspace {
    /**
     * @param {object} [opts]
     * @param {string} [opts.cliDir]  where `pulumi` lives (default: scripts/pulumi-cli.sh)
     * @param {string} [opts.dir]     workspace directory (default: a new temp dir)
     */
    constructor(opts = {}) {
        this.cliDir = opts.cliDir || pulumiCliDir();
        this.dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-e2e-"));
        this.home = path.join(this.dir, "pulumi-home");
        this.state = path.join(this.dir, "state");
        this.standins = path.join(this.dir, "standins");
        for (const d of [this.home, this.state, this.standins]) fs.mkdirSync(d, { recursive: true });

        this.env = {
            ...process.env,
            PATH: `${this.cliDir}${path.delimiter}${process.env.PATH}`,
            PULUMI_HOME: this.home,
            PULUMI_BACKEND_URL: `file://${this.state}`,
            PULUMI_CONFIG_PASSPHRASE: "container-guard-e2e",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            // Only the plugins installed below: a pulumi-resource-* on the user's PATH must
            // not stand in for ours (language hosts next to `pulumi` are still found).
            PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
            PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
            NO_COLOR: "1",
        };
        delete this.env.PULUMI_ACCESS_TOKEN;
        delete this.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW;
        this.projects = new Map();
        this.installPlugins();
    }

    /** Runs `pulumi <args>` and returns { code, stdout, stderr, output }. */
    pulumi(args, opts = {}) {
        const res = spawnSync(path.join(this.cliDir, "pulumi"), args, {
            cwd: opts.cwd || this.dir,
            env: this.env,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            timeout: opts.timeout || 5 * 60 * 1000,
        });
        if (res.error) throw res.error;
        return { code: res.status, stdout: res.stdout, stderr: res.stderr, output: res.stdout + res.stderr };
    }

    mustPulumi(args, opts) {
        const res = this.pulumi(args, opts);
        if (res.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${res.code}):\n${res.output}`);
        return res;
    }

    /**
     * The stand-in providers and the analyzer shim go into this workspace's plugin cache
     * (`pulumi plugin install ... --file`), at the versions the SDK packages request.
     */
    installPlugins() {
        for (const pkg of STANDIN_PACKAGES) {
            const file = path.join(this.standins, `pulumi-resource-${pkg}`);
            writeExecutable(file, `#!/bin/sh\nexec "${process.execPath}" "${PROVIDER}" ${pkg} "$@"\n`);
            this.mustPulumi(["plugin", "install", "resource", pkg, versionFor(pkg), "--file", file]);
        }
        // A nodejs policy pack runs through the nodejs language host's RunPlugin when that
        // host is installed. Without it, the engine falls back to the analyzer plugin
        // `pulumi-analyzer-policy-nodejs`, started in the pack's directory with the engine
        // address and "." — this is the script Pulumi used to ship for that, resolving
        // @pulumi/pulumi the way Node would from the pack.
        const shim = path.join(this.standins, "pulumi-analyzer-policy-nodejs");
        writeExecutable(shim, [
            "#!/bin/sh",
            `node="${process.execPath}"`,
            `run=$("$node" -p 'require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [process.cwd()] })') || exit 1`,
            'exec "$node" "$run" "$@"',
            "",
        ].join("\n"));
        this.mustPulumi(["plugin", "install", "analyzer", "policy-nodejs", "1.0.0", "--file", shim]);
    }

    /** Copies examples/<name> into the workspace and creates a stack for it (once). */
    project(name) {
        if (this.projects.has(name)) return this.projects.get(name);
        const src = path.join(EXAMPLES, name);
        const dir = path.join(this.dir, "projects", name);
        fs.cpSync(src, dir, { recursive: true });
        this.mustPulumi(["stack", "init", "e2e", "--non-interactive"], { cwd: dir });
        this.projects.set(name, dir);
        return dir;
    }

    /**
     * `pulumi preview --policy-pack <pack>` over examples/<example>.
     * @param {string} example
     * @param {object} opts  packDir, config (object or path of a JSON file), json, diff, args
     */
    preview(example, opts = {}) {
        const cwd = this.project(example);
        const args = ["preview", "--non-interactive", "--color", "never", "--policy-pack", opts.packDir];
        if (opts.config !== undefined) {
            let file = opts.config;
            if (typeof file !== "string") {
                file = path.join(this.dir, `policy-config-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
                fs.writeFileSync(file, JSON.stringify(opts.config, null, 2));
            }
            args.push("--policy-pack-config", file);
        }
        if (opts.json) args.push("--json");
        if (opts.diff) args.push("--diff");
        args.push(...(opts.args || []));
        const res = this.pulumi(args, { cwd });
        res.args = args;
        if (!opts.json) res.violations = parseViolations(res.stdout);
        return res;
    }

    cleanup() {
        if (!process.env.CG_KEEP_WORKSPACE) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/**
 * The "Policies:" section of the CLI's summary, e.g.
 *     ❌ container-guard@v0.1.0 (local: /path/to/pack)
 *         - [mandatory] [severity: critical]  container-no-privileged  (kubernetes:apps/v1:Deployment: web)
 *           <description>
 *           <message lines>
 * as [{ pack, level, severity, policy, type, name, message }] (severity only when the policy sets one).
 */
function parseViolations(stdout) {
    const lines = stdout.split("\n");
    const start = lines.findIndex((l) => /^Policies:\s*$/.test(l));
    if (start < 0) return [];
    const out = [];
    let pack;
    let current;
    for (const line of lines.slice(start + 1)) {
        if (/^\S/.test(line)) break; // next top-level section
        let m = /^\s{4}\S+\s+(\S+)@v?(\S+)\s+\(/.exec(line);
        if (m && !/^\s{5,}/.test(line)) {
            pack = m[1];
            continue;
        }
        m = /^\s+- \[([a-z]+)\](?:\s+\[severity: ([a-z]+)\])?\s+(\S+)\s+\((\S+): (.*)\)\s*$/.exec(line);
        if (m) {
            current = { pack, level: m[1], severity: m[2], policy: m[3], type: m[4], name: m[5], message: "" };
            out.push(current);
            continue;
        }
        if (current && line.trim()) current.message += line.trim() + "\n";
    }
    return out;
}

/** Unique "level policy name" strings, sorted: the shape the tests compare. */
function verdicts(violations) {
    return [...new Set(violations.map((v) => `${v.level} ${v.policy} ${v.name}`))].sort();
}

module.exports = { Workspace, parseViolations, verdicts, pulumiCliDir, pulumiNpm, ROOT, EXAMPLES };

// CLI: node test/e2e/harness.js <example> [--pack DIR] [-- extra pulumi preview args]
if (require.main === module) {
    const argv = process.argv.slice(2);
    const example = argv.shift();
    if (!example) {
        console.error("usage: harness.js <example> [--pack DIR] [--config FILE] [-- pulumi preview args]");
        process.exit(2);
    }
    let packDir = process.env.CG_PACK_DIR || ROOT;
    let config;
    const extra = [];
    while (argv.length) {
        const a = argv.shift();
        if (a === "--pack") packDir = path.resolve(argv.shift());
        else if (a === "--config") config = path.resolve(argv.shift());
        else if (a === "--") extra.push(...argv.splice(0));
        else extra.push(a);
    }
    const ws = new Workspace();
    try {
        const res = ws.preview(example, { packDir, config, args: extra });
        process.stdout.write(res.stdout);
        process.stderr.write(res.stderr);
        process.exitCode = res.code;
    } finally {
        ws.cleanup();
    }
}
