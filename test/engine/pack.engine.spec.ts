// The built pack, started as the engine starts it, judged over gRPC: policy list, Configure,
// Analyze and Remediate for rules 1, 3 and 4 on each kind of workload.
import * as assert from "assert";
import { Diagnostic, RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";
import { UNKNOWN_STRING } from "../helpers";

const fourPolicies = ["container-read-only-root-filesystem", "container-drop-capabilities", "container-restrict-added-capabilities", "container-no-privileged"];
const secureContext = { readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

interface Case {
    type: string;
    insecure: object;
    secure: object;
    /** policy name -> path each violation must name */
    expected: Array<[string, string]>;
}

const cases: Record<string, Case> = {
    "Deployment (writable root, privileged sidecar)": {
        type: "kubernetes:apps/v1:Deployment",
        insecure: { metadata: { name: "web", namespace: "shop" }, spec: { template: { spec: { containers: [
            { name: "api", image: "shop/api:1", securityContext: { capabilities: { drop: ["ALL"] } } },
            { name: "proxy", image: "envoy", securityContext: { ...secureContext, privileged: true } },
        ] } } } },
        secure: { metadata: { name: "web", namespace: "shop" }, spec: { template: { spec: { containers: [
            { name: "api", image: "shop/api:1", securityContext: secureContext },
            { name: "proxy", image: "envoy", securityContext: { ...secureContext, privileged: false } },
        ] } } } },
        expected: [
            ["container-read-only-root-filesystem", 'container "api": spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'],
            ["container-no-privileged", 'container "proxy": spec.template.spec.containers[1].securityContext.privileged'],
        ],
    },
    "CronJob (init container keeps capabilities, adds SYS_ADMIN)": {
        type: "kubernetes:batch/v1:CronJob",
        insecure: { spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: {
            containers: [{ name: "report", image: "report:2", securityContext: secureContext }],
            initContainers: [{ name: "fetch", image: "curl", securityContext: { readOnlyRootFilesystem: true, capabilities: { add: ["SYS_ADMIN"] } } }],
        } } } } } },
        secure: { spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: {
            containers: [{ name: "report", image: "report:2", securityContext: secureContext }],
            initContainers: [{ name: "fetch", image: "curl", securityContext: secureContext }],
        } } } } } },
        expected: [
            ["container-drop-capabilities", 'container "fetch": spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.capabilities.drop'],
            ["container-restrict-added-capabilities", 'container "fetch": spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.capabilities.add'],
        ],
    },
    "Pod (ephemeral debug container adds ALL)": {
        type: "kubernetes:core/v1:Pod",
        insecure: { spec: {
            containers: [{ name: "app", image: UNKNOWN_STRING, securityContext: secureContext }],
            ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: { ...secureContext, capabilities: { drop: ["ALL"], add: ["ALL"] } } }],
        } },
        secure: { spec: {
            containers: [{ name: "app", image: UNKNOWN_STRING, securityContext: secureContext }],
            ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: secureContext }],
        } },
        expected: [["container-restrict-added-capabilities", 'container "debug": spec.ephemeralContainers[0].securityContext.capabilities.add']],
    },
    "StatefulSet patch (sets readOnlyRootFilesystem false, drops only NET_RAW)": {
        type: "kubernetes:apps/v1:StatefulSetPatch",
        insecure: { metadata: { name: "db" }, spec: { template: { spec: { containers: [
            { name: "postgres", securityContext: { readOnlyRootFilesystem: false, capabilities: { drop: ["NET_RAW"] } } },
        ] } } } },
        secure: { metadata: { name: "db" }, spec: { template: { spec: { containers: [{ name: "postgres", image: "postgres:17" }] } } } },
        expected: [
            ["container-read-only-root-filesystem", 'container "postgres": spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'],
            ["container-drop-capabilities", 'container "postgres": spec.template.spec.containers[0].securityContext.capabilities.drop'],
        ],
    },
    "docker.Container (every rule)": {
        type: "docker:index/container:Container",
        insecure: { image: "nginx:1.27", readOnly: false, privileged: true, capabilities: { adds: ["NET_ADMIN"] } },
        secure: { image: "nginx:1.27", readOnly: true, capabilities: { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] } },
        expected: [
            ["container-read-only-root-filesystem", "docker.Container web: readOnly"],
            ["container-drop-capabilities", "docker.Container web: capabilities.drops"],
            ["container-restrict-added-capabilities", "docker.Container web: capabilities.adds"],
            ["container-no-privileged", "docker.Container web: privileged"],
        ],
    },
};

const ours = (diagnostics: Diagnostic[]) => diagnostics.filter(d => fourPolicies.includes(d.policyName));

describe("engine protocol: the built pack", function () {
    this.timeout(60000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure({}));

    it("lists the policies with their default levels and config schemas with defaults", async () => {
        const policies = await pack.policies();
        const byName = new Map(policies.map(p => [p.name, p]));
        for (const name of fourPolicies) {
            assert.ok(byName.has(name), `${name} missing`);
            assert.deepStrictEqual(byName.get(name)!.configSchema.exclude.default, []);
            assert.deepStrictEqual(byName.get(name)!.configSchema.exemptImages.default, []);
            assert.ok(byName.get(name)!.url.endsWith(`/${name}.md`));
        }
        assert.strictEqual(byName.get("container-read-only-root-filesystem")!.enforcementLevel, "advisory");
        assert.strictEqual(byName.get("container-drop-capabilities")!.enforcementLevel, "advisory");
        assert.strictEqual(byName.get("container-restrict-added-capabilities")!.enforcementLevel, "mandatory");
        assert.strictEqual(byName.get("container-no-privileged")!.enforcementLevel, "mandatory");
        assert.deepStrictEqual(byName.get("container-drop-capabilities")!.configSchema.requiredDrops.default, ["ALL"]);
        assert.deepStrictEqual(byName.get("container-restrict-added-capabilities")!.configSchema.allowedCapabilities.default, ["NET_BIND_SERVICE"]);
    });

    for (const [title, c] of Object.entries(cases)) {
        describe(title, () => {
            it("gets exactly the expected violations, each naming container and path", async () => {
                const { diagnostics } = await pack.analyze(c.type, c.insecure);
                const got = ours(diagnostics);
                assert.deepStrictEqual(got.map(d => d.policyName).sort(), c.expected.map(([p]) => p).sort(), got.map(d => d.message).join("\n\n"));
                for (const [policy, where] of c.expected) {
                    const d = got.find(x => x.policyName === policy)!;
                    assert.ok(d.message.includes(where), `${policy}: "${where}" not in\n${d.message}`);
                    assert.match(d.message, /\nWhy: .+\nFix: .+/);
                }
            });
            it("its secure twin gets none", async () => {
                assert.deepStrictEqual(ours((await pack.analyze(c.type, c.secure)).diagnostics), []);
            });
            it("remediate output passes all four", async () => {
                await pack.configure(Object.fromEntries(fourPolicies.map(p => [p, "remediate"])));
                const { props, policies } = await pack.remediate(c.type, c.insecure);
                assert.deepStrictEqual([...new Set(policies)].sort(), [...new Set(c.expected.map(([p]) => p))].sort());
                await pack.configure({});
                assert.deepStrictEqual(ours((await pack.analyze(c.type, props)).diagnostics), []);
            });
        });
    }

    it("Configure changes levels and verdicts", async () => {
        const c = cases["docker.Container (every rule)"];
        const levels = async () => Object.fromEntries(ours((await pack.analyze(c.type, c.insecure)).diagnostics).map(d => [d.policyName, d.enforcementLevel]));
        assert.deepStrictEqual(await levels(), {
            "container-read-only-root-filesystem": "advisory",
            "container-drop-capabilities": "advisory",
            "container-restrict-added-capabilities": "mandatory",
            "container-no-privileged": "mandatory",
        });
        await pack.configure({ all: "mandatory" });
        assert.ok(Object.values(await levels()).every(l => l === "mandatory"));
        await pack.configure({ "container-no-privileged": "disabled", "container-restrict-added-capabilities": { allowedCapabilities: ["NET_ADMIN"] } });
        const after = await levels();
        assert.strictEqual(after["container-no-privileged"], undefined);
        assert.strictEqual(after["container-restrict-added-capabilities"], undefined);
        await pack.configure({ "container-drop-capabilities": { exclude: ["web"] } });
        assert.strictEqual((await levels())["container-drop-capabilities"], undefined);
    });

    it("unknown preview values at several paths give no false violation; the known fields are still judged", async () => {
        const type = "kubernetes:apps/v1:Deployment";
        const props = (podSpec: object, metadata: object = { name: "web" }) => ({ metadata, spec: { template: { spec: podSpec } } });
        const known = { name: "known", image: "x", securityContext: { privileged: true } };
        const cases: Array<[string, object, string[]]> = [
            ["an unknown readOnlyRootFilesystem", props({ containers: [{ name: "a", image: UNKNOWN_STRING, securityContext: { readOnlyRootFilesystem: UNKNOWN_STRING, capabilities: { drop: ["ALL"] } } }, known] }),
                ["container-drop-capabilities", "container-no-privileged", "container-read-only-root-filesystem"]],
            ["an unknown os (may be Windows)", props({ os: { name: UNKNOWN_STRING }, containers: [known] }), []],
            ["an unknown exemption annotation", props({ containers: [known] }, { name: "web", annotations: { "container-guard/exempt": UNKNOWN_STRING } }), []],
            ["an unknown container list", props({ containers: UNKNOWN_STRING, initContainers: [known] }),
                ["container-drop-capabilities", "container-no-privileged", "container-read-only-root-filesystem"]],
        ];
        for (const [what, p, expected] of cases) {
            const got = ours((await pack.analyze(type, p)).diagnostics);
            assert.deepStrictEqual([...new Set(got.map(d => d.policyName))].sort(), expected, what);
            assert.ok(got.every(d => d.message.includes('container "known"')), what);
        }
    });

    it("a config of the wrong shape fails Analyze with an error naming the policy and key", async () => {
        await pack.configureRaw({ "container-drop-capabilities": { level: "advisory", properties: { requiredDrops: "ALL" } } });
        await assert.rejects(pack.analyze("docker:index/container:Container", { image: "x" }), /container-drop-capabilities.*config key "requiredDrops": expected a list of strings, found a string/);
        await pack.configureRaw({ "container-no-privileged": { level: "mandatory", properties: { exclude: ["ok", "[bad"] } } });
        await assert.rejects(pack.analyze("docker:index/container:Container", { image: "x" }), /container-no-privileged.*config key "exclude\[1\]": bad glob/);
    });
});
