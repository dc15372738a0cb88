"use strict";
// Engine tests: the policy pack inside the real Pulumi engine.
//
//   npm run build && node --test-reporter=spec test/e2e/run.js      (npm run test:engine)
//
// Runs `pulumi preview --policy-pack <pack>` with the real `pulumi` CLI (from PATH, the
// cache, or built by scripts/pulumi-cli.sh) over the Pulumi YAML programs in examples/,
// offline, with stand-in kubernetes/docker/docker-build provider plugins that pass inputs
// through (test/e2e/providers). Asserts on the CLI's own output and exit code.
//
// Environment: CG_PACK_DIR (pack to test, default: this repo, which must be built),
// CG_PULUMI_DIR (skip scripts/pulumi-cli.sh), CG_KEEP_WORKSPACE=1 (keep the temp dir),
// CG_SKIP_PUBLISHED=1 (skip the published-pack test, which needs the npm registry and builds
// scripts/pulumi-npm.sh).
const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { Workspace, pulumiNpm, verdicts, ROOT, EXAMPLES } = require("./harness");

const PACK = path.resolve(process.env.CG_PACK_DIR || ROOT);
const CONFIGS = path.join(EXAMPLES, "policy-config");

// What examples/insecure must produce at the policies' default levels: "level policy resource".
// (metrics-agent is privileged but exempted by annotation, so it appears nowhere.)
const INSECURE = [
    "mandatory container-restrict-added-capabilities web",            // SYS_ADMIN
    "mandatory container-restrict-added-capabilities nightly-report", // NET_ADMIN, init container
    "mandatory container-restrict-added-capabilities cache",          // docker adds SYS_ADMIN
    "mandatory container-no-privileged web",
    "mandatory container-no-privileged cache",
    "mandatory container-no-plaintext-secrets web",                   // DB_PASSWORD=hunter2
    "mandatory container-no-plaintext-secrets cache",                 // REDIS_PASSWORD=hunter2
    "advisory container-read-only-root-filesystem web",
    "advisory container-read-only-root-filesystem nightly-report",
    "advisory container-read-only-root-filesystem cache",
    "advisory container-drop-capabilities web",
    "advisory container-drop-capabilities nightly-report",
    "advisory container-drop-capabilities cache",
    "advisory container-secrets-as-files web",                        // secretKeyRef into env
    "advisory container-pid-limit debug",                             // hostPID: true
    "advisory container-no-privilege-escalation web",                 // allowPrivilegeEscalation unset
    "advisory container-no-privilege-escalation nightly-report",
    "advisory container-no-privilege-escalation cache",               // no no-new-privileges
    "advisory container-run-as-non-root web",                         // runAsNonRoot unset, pod and container
    "advisory container-run-as-non-root nightly-report",
    "advisory container-run-as-non-root cache",                       // no user: the image's, root
    "advisory container-pid-limit cache",                             // pidMode: host
    "advisory image-multi-stage-build app-image",
    "advisory container-run-as-non-root app-image",                   // no USER: node:20's root
    "advisory container-no-host-namespaces node-agent",               // hostNetwork: true
    "advisory container-restricted-volumes node-agent",               // hostPath /var/log
    "advisory container-no-host-ports node-agent",                    // hostPort 9100
    "advisory container-security-profiles node-agent",                // seccomp Unconfined
    "advisory container-safe-sysctls node-agent",                     // kernel.msgmax
    "advisory container-no-host-devices usb-reader",                  // /dev/ttyUSB0
].sort();

const RESOURCE_TYPES = {
    web: "kubernetes:apps/v1:Deployment",
    "nightly-report": "kubernetes:batch/v1:CronJob",
    debug: "kubernetes:core/v1:Pod",
    cache: "docker:index/container:Container",
    "node-agent": "kubernetes:core/v1:Pod",
    "usb-reader": "docker:index/container:Container",
    "app-image": "docker-build:index:Image",
};

const withLevel = (list, level) => [...new Set(list.map((v) => v.replace(/^\S+/, level)))].sort();
const without = (list, policy) => list.filter((v) => v.split(" ")[1] !== policy);

function show(res) {
    return `\n--- pulumi ${res.args.join(" ")} (exit ${res.code}) ---\n${res.output}`;
}

function stepInputs(json, name) {
    const step = json.steps.find((s) => s.urn.endsWith(`::${name}`));
    assert.ok(step, `no step for ${name}`);
    return step.newState.inputs;
}

function assertFailedWith(res, expected) {
    assert.notEqual(res.code, 0, `preview should fail${show(res)}`);
    assert.deepEqual(verdicts(res.violations), expected, show(res));
}

describe("container-guard in the Pulumi engine (pulumi preview --policy-pack)", () => {
    let ws;

    before(() => {
        const main = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8")).main || "index.js";
        assert.ok(fs.existsSync(path.join(PACK, main)), `${PACK}/${main} is missing: run \`npm run build\` first`);
        ws = new Workspace();
        const version = ws.mustPulumi(["version"]).stdout.trim();
        process.stderr.write(`[e2e] pulumi ${version} from ${ws.cliDir}; pack ${PACK}; workspace ${ws.dir}\n`);
    });

    after(() => ws && ws.cleanup());

    it("insecure program: preview fails, lists every mandatory violation, advisories as warnings", () => {
        const res = ws.preview("insecure", { packDir: PACK });
        assertFailedWith(res, INSECURE);
        // The human-readable summary names level, policy, resource type and resource for each.
        for (const v of INSECURE) {
            const [level, policy, name] = v.split(" ");
            const line = new RegExp(`- \\[${level}\\].*  ${policy}  \\(${RESOURCE_TYPES[name]}: ${name}\\)`);
            assert.match(res.stdout, line, show(res));
        }
        assert.match(res.output, /error: preview failed/);
        // Never echo a secret value, not even in a violation message.
        assert.ok(!res.output.includes("hunter2"), `secret value leaked into the output${show(res)}`);
    });

    it("compliant program: preview succeeds with no violations", () => {
        const res = ws.preview("compliant", { packDir: PACK });
        assert.equal(res.code, 0, show(res));
        assert.deepEqual(res.violations, [], show(res));
        // ...and the pack really ran, and passed.
        assert.match(res.stdout, /Policies:\n\s+✅ container-guard@v\S+ \(local: /, show(res));
    });

    it('--policy-pack-config {"all": "mandatory"} turns advisories into failures', () => {
        const res = ws.preview("insecure", { packDir: PACK, config: path.join(CONFIGS, "all-mandatory.json") });
        assertFailedWith(res, withLevel(INSECURE, "mandatory"));
        const compliant = ws.preview("compliant", { packDir: PACK, config: path.join(CONFIGS, "all-mandatory.json") });
        assert.equal(compliant.code, 0, show(compliant));
        assert.deepEqual(compliant.violations, [], show(compliant));
    });

    it('"disabled" silences a policy', () => {
        const res = ws.preview("insecure", { packDir: PACK, config: path.join(CONFIGS, "disable-no-privileged.json") });
        assertFailedWith(res, without(INSECURE, "container-no-privileged"));
    });

    it("an allow-list change flips a verdict (allowedCapabilities)", () => {
        // Allowing SYS_ADMIN and NET_ADMIN clears every added-capability violation ...
        const allowed = ws.preview("insecure", { packDir: PACK, config: path.join(CONFIGS, "allow-sys-admin.json") });
        assertFailedWith(allowed, without(INSECURE, "container-restrict-added-capabilities"));
        // ... and an empty allow-list fails the compliant program's NET_BIND_SERVICE.
        const strict = ws.preview("compliant", { packDir: PACK, config: path.join(CONFIGS, "allow-nothing.json") });
        assertFailedWith(strict, ["mandatory container-restrict-added-capabilities web"]);
        assert.match(strict.stdout, /NET_BIND_SERVICE/, show(strict));
    });

    it("a config value of the wrong type is rejected by the engine", () => {
        const res = ws.preview("compliant", { packDir: PACK, config: path.join(CONFIGS, "wrong-type.json") });
        assert.notEqual(res.code, 0, show(res));
        assert.match(res.output, /validating policy config: container-guard \S+\s+container-drop-capabilities: requiredDrops: Invalid type\. Expected: array, given: string/, show(res));
        assert.deepEqual(res.violations, [], show(res));
    });

    it("remediate level: the previewed inputs carry the fix", () => {
        const config = path.join(CONFIGS, "remediate.json");
        const json = ws.preview("insecure", { packDir: PACK, config, json: true });
        assert.equal(json.code, 0, show(json)); // what is left is advisory
        const out = JSON.parse(json.stdout);

        const api = stepInputs(out, "web").spec.template.spec.containers[0];
        assert.equal(api.securityContext.readOnlyRootFilesystem, true, JSON.stringify(api));
        assert.ok(api.securityContext.capabilities.drop.includes("ALL"), JSON.stringify(api));
        const fetch = stepInputs(out, "nightly-report").spec.jobTemplate.spec.template.spec.initContainers[0];
        assert.equal(fetch.securityContext.readOnlyRootFilesystem, true, JSON.stringify(fetch));
        assert.ok(fetch.securityContext.capabilities.drop.includes("ALL"), JSON.stringify(fetch));
        const cache = stepInputs(out, "cache");
        assert.equal(cache.readOnly, true, JSON.stringify(cache));
        assert.ok(cache.capabilities.drops.includes("ALL"), JSON.stringify(cache));

        // The text output reports each remediation against its policy and resource.
        const text = ws.preview("insecure", { packDir: PACK, config, diff: true });
        assert.equal(text.code, 0, show(text));
        for (const [policy, name] of [
            ["container-read-only-root-filesystem", "web"],
            ["container-drop-capabilities", "cache"],
        ]) {
            const line = new RegExp(`\\[remediate\\].*  ${policy}  \\(${RESOURCE_TYPES[name]}: ${name}\\)`);
            assert.match(text.stdout, line, show(text));
        }
    });

    // `pulumi policy publish` packs the pack with npm.Pack (pkg/backend/httpstate/policypack.go,
    // cloudPolicyPack.Publish); a machine running a stack of a policy group unpacks the tarball and
    // installs it with the Node.js language host's npm.Install, devDependencies included
    // (installRequiredPolicy, then installShared in sdk/nodejs/cmd/pulumi-language-nodejs). The
    // helper runs those two functions from the CLI's sdk/v3; the install starts from an empty
    // npm cache, as on a fresh CI runner.
    it("published pack: packed as `pulumi policy publish` packs it, installed as Pulumi installs it, previewed from that folder",
        { skip: process.env.CG_SKIP_PUBLISHED ? "CG_SKIP_PUBLISHED is set" : false },
        () => {
            const helper = pulumiNpm();
            const dest = path.join(ws.dir, "published");
            fs.mkdirSync(dest);
            const run = (args, env = {}) => {
                const r = spawnSync(helper, args, { encoding: "utf8", timeout: 10 * 60 * 1000, env: { ...process.env, npm_config_update_notifier: "false", ...env } });
                assert.equal(r.status, 0, `pulumi-npm ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
                return r;
            };
            const checkoutManifest = fs.readFileSync(path.join(PACK, "package.json"), "utf8");
            const tarball = path.join(dest, "pack.tgz");
            run(["pack", PACK, tarball]);
            assert.equal(fs.readFileSync(path.join(PACK, "package.json"), "utf8"), checkoutManifest, "npm pack left package.json changed");
            assert.ok(!fs.existsSync(path.join(PACK, "package.json.checkout")), "npm pack left package.json.checkout behind");
            const untar = spawnSync("tar", ["-xzf", tarball, "-C", dest], { encoding: "utf8" });
            assert.equal(untar.status, 0, untar.stderr);
            const pkgDir = path.join(dest, "package"); // npm tarballs unpack into package/
            assert.ok(fs.existsSync(path.join(pkgDir, "PulumiPolicy.yaml")), "PulumiPolicy.yaml not in the package");

            // What the checkout needs and a machine running the pack doesn't: not shipped, not installed.
            const devDependencies = Object.keys(JSON.parse(checkoutManifest).devDependencies);
            const published = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
            assert.deepEqual([published.devDependencies, published.scripts], [undefined, undefined], "the published package.json has devDependencies or scripts");
            const started = process.hrtime.bigint();
            const install = run(["install", pkgDir], { npm_config_cache: path.join(dest, "empty-npm-cache") });
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            const installed = JSON.parse(fs.readFileSync(path.join(pkgDir, "node_modules", ".package-lock.json"), "utf8")).packages;
            const required = new Set(Object.values(installed).flatMap((p) => [...Object.keys(p.dependencies || {}), ...Object.keys(p.optionalDependencies || {}), ...Object.keys(p.peerDependencies || {})]));
            const needless = devDependencies.filter((name) => installed[`node_modules/${name}`] && !required.has(name));
            assert.deepEqual(needless, [], "devDependencies installed that no runtime package needs");
            assert.doesNotMatch(install.stdout, /> container-guard@/, "a script of the pack ran on install");
            const du = spawnSync("du", ["-sk", path.join(pkgDir, "node_modules")], { encoding: "utf8" });
            const megabytes = Number(du.stdout.split("\t")[0]) / 1024;
            process.stderr.write(`[e2e] published pack installed: ${Object.keys(installed).length} packages, node_modules ${megabytes.toFixed(0)} MB (du), ${seconds.toFixed(1)} s from an empty npm cache\n`);

            const res = ws.preview("insecure", { packDir: pkgDir });
            assertFailedWith(res, INSECURE);
            assert.ok(res.stdout.includes(`(local: ${pkgDir})`), show(res));
            const ok = ws.preview("compliant", { packDir: pkgDir });
            assert.equal(ok.code, 0, show(ok));
            assert.deepEqual(ok.violations, [], show(ok));
        });
});
