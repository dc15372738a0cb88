// container-no-privilege-escalation and container-run-as-non-root over the engine protocol: the built pack, started as the engine starts it.
import * as assert from "assert";
import { RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const dockerContainer = "docker:index/container:Container";
const dockerService = "docker:index/service:Service";
const deployment = "kubernetes:apps/v1:Deployment";
const escalationPolicy = "container-no-privilege-escalation";
const nonRootPolicy = "container-run-as-non-root";

const withPod = (podContext: object, containerContext: object) => ({
    metadata: { name: "web", namespace: "shop" },
    spec: { template: { spec: { securityContext: podContext, containers: [{ name: "api", image: "shop/api:1", securityContext: containerContext }] } } },
});

describe("engine protocol: container-no-privilege-escalation and container-run-as-non-root", function () {
    this.timeout(60_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());

    it("lists both, advisory by default, with the common config keys (and programDirectory, for the Dockerfiles run-as-non-root reads)", async () => {
        const policies = new Map((await pack.policies()).map(p => [p.name, p]));
        for (const [name, keys] of [[escalationPolicy, ["exclude", "exemptImages"]], [nonRootPolicy, ["exclude", "exemptImages", "programDirectory"]]] as const) {
            assert.strictEqual(policies.get(name)!.enforcementLevel, "advisory", name);
            assert.deepStrictEqual(Object.keys(policies.get(name)!.configSchema).sort(), keys, name);
        }
    });

    it("container-no-privilege-escalation: flags a container that allows escalation, passes one that doesn't; docker.Service not applicable", async () => {
        const [open] = await pack.messagesOf(escalationPolicy, deployment, withPod({}, {}));
        assert.match(open, /^Deployment shop\/web, container "api": spec\.template\.spec\.containers\[0\]\.securityContext\.allowPrivilegeEscalation is not set, and unset allows privilege escalation\./m);
        assert.deepStrictEqual(await pack.messagesOf(escalationPolicy, deployment, withPod({}, { allowPrivilegeEscalation: false })), []);
        assert.match((await pack.messagesOf(escalationPolicy, dockerContainer, { image: "x", securityOpts: ["no-new-privileges=false"] }))[0], /securityOpts\[0\] is "no-new-privileges=false"/);
        assert.deepStrictEqual(await pack.messagesOf(escalationPolicy, dockerContainer, { image: "x", securityOpts: ["no-new-privileges"] }), []);
        const { diagnostics, notApplicable } = await pack.analyze(dockerService, { taskSpec: { containerSpec: { image: "x" } } });
        assert.deepStrictEqual(diagnostics.filter(d => d.policyName === escalationPolicy), []);
        assert.match(notApplicable.find(n => n.policyName === escalationPolicy)!.reason, /no no-new-privileges setting in the Docker provider/);
    });

    it("container-run-as-non-root: flags root, passes a non-root user", async () => {
        const [rootUid] = await pack.messagesOf(nonRootPolicy, deployment, withPod({ runAsNonRoot: true, runAsUser: 0 }, {}));
        assert.match(rootUid, /^Deployment shop\/web: spec\.template\.spec\.securityContext\.runAsUser is 0, so the pod's containers run as root\./m);
        assert.deepStrictEqual(await pack.messagesOf(nonRootPolicy, deployment, withPod({ runAsNonRoot: true, runAsUser: 10001 }, {})), []);
        assert.match((await pack.messagesOf(nonRootPolicy, dockerService, { taskSpec: { containerSpec: { image: "x", user: "root" } } }))[0], /^docker\.Service web: taskSpec\.containerSpec\.user is "root"/m);
        assert.deepStrictEqual(await pack.messagesOf(nonRootPolicy, dockerContainer, { image: "x", user: "10001:10001" }), []);
    });

    it("remediates both at the remediate level", async () => {
        await pack.configure({ [escalationPolicy]: "remediate", [nonRootPolicy]: "remediate" });
        const { props, policies } = await pack.remediate(deployment, withPod({}, { runAsNonRoot: false }));
        assert.deepStrictEqual(new Set(policies), new Set([escalationPolicy, nonRootPolicy]));
        assert.deepStrictEqual(props.spec.template.spec.containers[0].securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false });
    });
});
