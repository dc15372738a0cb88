// A published pack gets the newest @pulumi/policy in range, so a change to the SDK's internals
// must not stop it loading (issue 18). The pack is started, as the engine starts it, against
// copies of its SDK changed where policies/lib/decode-once.ts reaches into it; each must judge a
// mix of resources exactly as the pack does against the SDK as installed, say nothing the engine
// would show its user, and report whether the speed-up applied.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mixedResource, writeBuildContexts } from "../../bench/resources";
import { UNKNOWN_STRING } from "../helpers";
import { Diagnostic, packUnderTest, RunningPack, wireSecret } from "./harness";

const sdkIn = (packDir: string) => path.join(packDir, "node_modules", "@pulumi", "policy");

/** Replaces every `from` in an SDK file; fails when there is none, so a variant is what it says against any SDK. */
function rewrite(file: string, from: string, to: string): void {
    const text = fs.readFileSync(file, "utf8");
    assert.ok(text.includes(from), `${file} has no ${JSON.stringify(from)}: this variant needs updating for this @pulumi/policy`);
    fs.writeFileSync(file, text.split(from).join(to));
}

interface Variant {
    change(sdk: string): void;
    /** What decode-once.ts must say about the changed SDK: applied, or the reason it didn't. */
    decodeOnce: { applied: true } | { applied: false; reason: RegExp };
}

const variants: Record<string, Variant> = {
    "deserialize.js renamed decode.js, server.js's require changed to match": {
        change: sdk => {
            fs.renameSync(path.join(sdk, "deserialize.js"), path.join(sdk, "decode.js"));
            rewrite(path.join(sdk, "server.js"), 'require("./deserialize")', 'require("./decode")');
        },
        decodeOnce: { applied: false, reason: /binds require\("\.\/deserialize"\) 0 times/ },
    },
    "an exports map in package.json that hides every module but the main one": {
        change: sdk => {
            const manifest = JSON.parse(fs.readFileSync(path.join(sdk, "package.json"), "utf8"));
            manifest.exports = { ".": `./${manifest.main ?? "index.js"}` };
            fs.writeFileSync(path.join(sdk, "package.json"), JSON.stringify(manifest, null, 4));
            assert.throws(() => require.resolve("@pulumi/policy/deserialize", { paths: [sdk] }), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
        },
        // The server still calls the module as the patch expects; only outside requires are refused.
        decodeOnce: { applied: true },
    },
    "server.js compiled as TypeScript 4.4 and later compile a call: (0, m.f)(...)": {
        change: sdk => {
            const server = path.join(sdk, "server.js");
            rewrite(server, "deserialize_1.deserializeProperties(", "(0, deserialize_1.deserializeProperties)(");
            rewrite(server, "deserialize_1.serializeProperties(", "(0, deserialize_1.serializeProperties)(");
        },
        decodeOnce: { applied: true },
    },
    "deserializeProperties renamed decodeProperties, server.js's calls changed to match": {
        change: sdk => {
            rewrite(path.join(sdk, "deserialize.js"), "exports.deserializeProperties", "exports.decodeProperties");
            rewrite(path.join(sdk, "server.js"), "deserialize_1.deserializeProperties(", "deserialize_1.decodeProperties(");
        },
        decodeOnce: { applied: false, reason: /doesn't call deserializeProperties/ },
    },
    "deserializeProperties exported through a getter, as TypeScript compiles a re-export": {
        change: sdk =>
            rewrite(
                path.join(sdk, "deserialize.js"),
                "exports.deserializeProperties = deserializeProperties;",
                'Object.defineProperty(exports, "deserializeProperties", { enumerable: true, get: () => deserializeProperties });',
            ),
        decodeOnce: { applied: false, reason: /can't be replaced/ },
    },
    "server.js takes the functions out of ./deserialize at load (a replaced export would never be called)": {
        change: sdk => {
            const server = path.join(sdk, "server.js");
            rewrite(server, 'const deserialize_1 = require("./deserialize");', 'const { deserializeProperties: deserializeEach, serializeProperties: serializeEach } = require("./deserialize");');
            rewrite(server, "deserialize_1.deserializeProperties(", "deserializeEach(");
            rewrite(server, "deserialize_1.serializeProperties(", "serializeEach(");
        },
        decodeOnce: { applied: false, reason: /binds require\("\.\/deserialize"\) 0 times/ },
    },
};

/**
 * A pack folder like `packDir` whose @pulumi/policy is a copy, changed by `change`; every other
 * package is linked. bin/ is copied too: Node resolves a module's requires from its real path.
 */
function packWithChangedSdk(packDir: string, change: (sdk: string) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-sdk-layout-"));
    for (const entry of ["package.json", "PulumiPolicy.yaml", "bin"]) {
        fs.cpSync(path.join(packDir, entry), path.join(dir, entry), { recursive: true });
    }
    const link = (from: string, to: string, except: string, inside: (from: string, to: string) => void) => {
        fs.mkdirSync(to);
        for (const entry of fs.readdirSync(from)) {
            if (entry === except) {
                inside(path.join(from, entry), path.join(to, entry));
            } else {
                fs.symlinkSync(path.join(from, entry), path.join(to, entry));
            }
        }
    };
    link(path.join(packDir, "node_modules"), path.join(dir, "node_modules"), "@pulumi", (from, to) =>
        link(from, to, "policy", (sdk, copy) => fs.cpSync(sdk, copy, { recursive: true })),
    );
    change(sdkIn(dir));
    return dir;
}

/** decode-once.ts's own account, from a process of its own loading the pack's build against the pack's SDK. */
function decodeOnceIn(packDir: string): { applied: boolean; reason?: string } {
    const built = path.join(packDir, "bin", "policies", "lib", "decode-once.js");
    return JSON.parse(execFileSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify(require(process.argv[1]).decodeOnce))", built], { cwd: packDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** A mix of resources of every kind the pack judges, the image builds' Dockerfiles under `contexts`. */
function resourcesOf(contexts: string) {
    return [
        ...Array.from({ length: 40 }, (_, i) => mixedResource(i, contexts)),
        // Secrets as the engine sends them (decoded with proxySecrets false for Analyze, true for
        // Remediate) and a value not known at preview.
        { type: "kubernetes:apps/v1:Deployment", name: "secret-env", props: { metadata: { name: "api" }, spec: { template: { spec: { containers: [
            { name: "api", image: UNKNOWN_STRING, env: [{ name: "DB_PASSWORD", value: wireSecret("Zx2Vb7Qm-wire") }], securityContext: { privileged: wireSecret(true) } },
        ] } } } } },
        { type: "docker:index/container:Container", name: "secret-container", props: { image: "redis:7", envs: wireSecret(["REDIS_PASSWORD=Zx2Vb7Qm-wire"]), readOnly: false } },
        // What the Pod Security Standards and CIS Docker policies judge and the mix above doesn't break.
        { type: "kubernetes:core/v1:Pod", name: "node-agent", props: { metadata: { name: "node-agent" }, spec: {
            hostNetwork: true,
            securityContext: { seccompProfile: { type: "Unconfined" }, sysctls: [{ name: "kernel.msgmax", value: "65536" }] },
            volumes: [{ name: "logs", hostPath: { path: "/var/log" } }],
            containers: [{ name: "agent", image: "registry.example.com/ops/agent:1.0", ports: [{ containerPort: 9100, hostPort: 9100 }] }],
        } } },
        { type: "docker:index/container:Container", name: "usb-reader", props: { image: "registry.example.com/ops/reader:1.0", devices: [{ hostPath: "/dev/ttyUSB0" }] } },
    ];
}

/** Everything the pack says about the resources: Analyze at the default levels, then Remediate and Analyze with every policy at remediate. */
async function judgments(pack: RunningPack, resources: ReturnType<typeof resourcesOf>): Promise<unknown[]> {
    const said: unknown[] = [];
    await pack.configure({});
    for (const r of resources) {
        said.push(await pack.analyze(r.type, r.props, r.name));
    }
    await pack.configure({ all: "remediate" });
    for (const r of resources) {
        said.push(await pack.remediate(r.type, r.props, r.name), await pack.analyze(r.type, r.props, r.name));
    }
    return said;
}

describe("engine protocol: the pack against other layouts of @pulumi/policy", function () {
    this.timeout(180_000);
    let contexts: string;
    let resources: ReturnType<typeof resourcesOf>;
    let expected: unknown[];

    before(async () => {
        contexts = writeBuildContexts(fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-sdk-layout-contexts-")), 40);
        resources = resourcesOf(contexts);
        const pack = await RunningPack.start(packUnderTest);
        try {
            expected = await judgments(pack, resources);
            const reporting = new Set(expected.flatMap(said => (said as { diagnostics?: Diagnostic[] }).diagnostics ?? []).map(d => d.policyName));
            assert.deepStrictEqual([...reporting].sort(), (await pack.policies()).map(p => p.name).sort(), "the mix draws a finding from every policy");
            assert.deepStrictEqual(pack.chatter(), { stdout: [], stderr: "" }, "the pack against its SDK as installed says something besides its port");
        } finally {
            pack.stop();
        }
    });
    after(() => fs.rmSync(contexts, { recursive: true, force: true }));

    it(`decodes each request once against the SDK as installed (@pulumi/policy ${require(path.join(sdkIn(packUnderTest), "package.json")).version})`, () => {
        assert.deepStrictEqual(decodeOnceIn(packUnderTest), { applied: true });
    });

    for (const [title, variant] of Object.entries(variants)) {
        describe(title, () => {
            let dir: string;
            before(() => (dir = packWithChangedSdk(packUnderTest, variant.change)));
            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("loads, judges every resource as against the SDK as installed, and says nothing but its port", async () => {
                const pack = await RunningPack.start(dir);
                try {
                    assert.deepStrictEqual(await judgments(pack, resources), expected);
                    assert.deepStrictEqual(pack.chatter(), { stdout: [], stderr: "" });
                } finally {
                    pack.stop();
                }
            });

            it(variant.decodeOnce.applied ? "still decodes each request once" : "leaves the SDK's own decoding in place, and says why", () => {
                const { applied, reason } = decodeOnceIn(dir);
                assert.strictEqual(applied, variant.decodeOnce.applied, reason);
                if (!variant.decodeOnce.applied) {
                    assert.match(reason!, variant.decodeOnce.reason);
                }
            });
        });
    }
});
