// container-pid-limit over the engine protocol: the built pack, started as the engine starts it.
import * as assert from "assert";
import { RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const policyName = "container-pid-limit";
const dockerContainer = "docker:index/container:Container";
const deployment = "kubernetes:apps/v1:Deployment";

const hostPidDeployment = {
    metadata: { name: "web", namespace: "shop" },
    spec: { template: { spec: { hostPID: true, containers: [{ name: "api", image: "shop/api:1" }, { name: "proxy", image: "envoy" }] } } },
};
const nproc = (soft: number, hard: number) => ({ image: "nginx:1.27", user: "10001", ulimits: [{ name: "nproc", soft, hard }] });

describe("engine protocol: container-pid-limit", function () {
    this.timeout(60_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());

    async function messages(type: string, props: object): Promise<string[]> {
        const { diagnostics } = await pack.analyze(type, props);
        return diagnostics.filter(d => d.policyName === policyName).map(d => {
            assert.strictEqual(d.enforcementLevel, "advisory");
            return d.message;
        });
    }

    it("is listed, advisory by default, with maxPids defaulting to 1024", async () => {
        const policy = (await pack.policies()).find(p => p.name === policyName)!;
        assert.strictEqual(policy.enforcementLevel, "advisory");
        assert.deepStrictEqual({ ...policy.configSchema.maxPids, description: undefined }, { type: "integer", minimum: 1, default: 1024, description: undefined });
    });

    it("flags the host PID namespace on Kubernetes, once per pod", async () => {
        const found = await messages(deployment, hostPidDeployment);
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /^Deployment shop\/web: spec\.template\.spec\.hostPID is true/m);
    });

    it("flags the host PID namespace on docker.Container", async () => {
        const found = await messages(dockerContainer, { ...nproc(1024, 1024), pidMode: "host" });
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /^docker\.Container web: pidMode is "host"/m);
    });

    it("flags a docker.Container without a process cap", async () => {
        const found = await messages(dockerContainer, { image: "nginx:1.27" });
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /ulimits is not set, so nothing caps the number of processes/);
    });

    it("passes a cap at most maxPids and fails one above it", async () => {
        assert.deepStrictEqual(await messages(dockerContainer, nproc(1024, 1024)), []);
        assert.deepStrictEqual(await messages(dockerContainer, nproc(256, 512)), []);
        const above = await messages(dockerContainer, nproc(1024, 4096));
        assert.strictEqual(above.length, 1);
        assert.match(above[0], /ulimits\[0\] caps nproc at soft 1024, hard 4096: both must be set and at most 1024 \(maxPids\)/);
    });

    it("applies a configured maxPids", async () => {
        await pack.configure({ [policyName]: { maxPids: 256 } });
        assert.strictEqual((await messages(dockerContainer, nproc(256, 512))).length, 1);
        assert.deepStrictEqual(await messages(dockerContainer, nproc(128, 256)), []);
    });

    it("reports docker.Service not applicable, with the reason", async () => {
        const { diagnostics, notApplicable } = await pack.analyze("docker:index/service:Service", { taskSpec: { containerSpec: { image: "nginx:1.27" } } });
        assert.deepStrictEqual(diagnostics.filter(d => d.policyName === policyName), []);
        const entry = notApplicable.find(n => n.policyName === policyName);
        assert.ok(entry, JSON.stringify(notApplicable));
        assert.match(entry.reason, /docker\.Service has no PID control in the Docker provider/);
    });

    describe("remediation output passes", () => {
        const cases: Array<[string, string, object]> = [
            ["Kubernetes hostPID", deployment, hostPidDeployment],
            ["docker.Container with pidMode host and no cap", dockerContainer, { image: "nginx:1.27", pidMode: "host" }],
            ["docker.Container with a cap above maxPids", dockerContainer, nproc(-1, 4096)],
        ];
        for (const [title, type, props] of cases) {
            it(title, async () => {
                await pack.configure({ [policyName]: "remediate" });
                const once = await pack.remediate(type, props);
                assert.deepStrictEqual(once.policies, [policyName]);
                assert.strictEqual((await pack.remediate(type, once.props)).props, undefined, "remediating twice is remediating once");
                await pack.configure();
                assert.deepStrictEqual(await messages(type, once.props), []);
            });
        }

        it("sets exactly what was wrong", async () => {
            await pack.configure({ [policyName]: "remediate" });
            const { props } = await pack.remediate(dockerContainer, { image: "nginx:1.27", pidMode: "host", envs: ["PORT=8080"] });
            assert.deepStrictEqual(props, { image: "nginx:1.27", envs: ["PORT=8080"], ulimits: [{ name: "nproc", soft: 1024, hard: 1024 }] });
            const k8s = await pack.remediate(deployment, hostPidDeployment);
            assert.strictEqual(k8s.props.spec.template.spec.hostPID, false);
            assert.deepStrictEqual({ ...k8s.props.spec.template.spec, hostPID: true }, hostPidDeployment.spec.template.spec);
        });
    });
});
