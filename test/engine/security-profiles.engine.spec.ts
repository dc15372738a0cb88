// container-security-profiles over the engine protocol: the built pack, started as the engine starts it.
import * as assert from "assert";
import { Diagnostic, RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const policyName = "container-security-profiles";
const dockerContainer = "docker:index/container:Container";
const deployment = "kubernetes:apps/v1:Deployment";

const podSpec = (spec: object) => ({ metadata: { name: "web", namespace: "shop" }, spec: { selector: {}, template: { spec } } });
const unconfined = podSpec({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [{ name: "api", image: "shop/api:1" }] });
const unset = podSpec({ containers: [{ name: "api", image: "shop/api:1" }] });
const own = (diagnostics: Diagnostic[]) => diagnostics.filter(d => d.policyName === policyName);

describe("engine protocol: container-security-profiles", function () {
    this.timeout(60_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());
    const messages = async (type: string, props: object) => own((await pack.analyze(type, props)).diagnostics).map(d => d.message);

    it("is listed, advisory by default, with profile defaulting to baseline", async () => {
        const policy = (await pack.policies()).find(p => p.name === policyName)!;
        assert.strictEqual(policy.enforcementLevel, "advisory");
        assert.deepStrictEqual({ ...policy.configSchema.profile, description: undefined }, { type: "string", enum: ["baseline", "restricted"], default: "baseline", description: undefined });
    });

    it("flags an Unconfined pod and a docker.Container without seccomp; passes the defaults", async () => {
        const pod = await messages(deployment, unconfined);
        assert.strictEqual(pod.length, 1, pod.join("\n"));
        assert.match(pod[0], /^Deployment shop\/web: spec\.template\.spec\.securityContext\.seccompProfile\.type is "Unconfined"/m);
        const docker = await messages(dockerContainer, { image: "redis:7.4", securityOpts: ["seccomp=unconfined"] });
        assert.strictEqual(docker.length, 1);
        assert.match(docker[0], /^docker\.Container web: securityOpts\[0\] is "seccomp=unconfined"/m);
        assert.deepStrictEqual(await messages(deployment, unset), []);
        assert.deepStrictEqual(await messages(dockerContainer, { image: "redis:7.4", securityOpts: ["no-new-privileges"] }), []);
    });

    it("asks for a seccomp profile under profile restricted, mandatory when configured so", async () => {
        await pack.configure({ [policyName]: { enforcementLevel: "mandatory", profile: "restricted" } });
        const found = own((await pack.analyze(deployment, unset)).diagnostics);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].enforcementLevel, "mandatory");
        assert.match(found[0].message, /containers\[0\]\.securityContext\.seccompProfile is not set, nor is the pod's/);
    });

    it("remediates: the output passes, and twice is once", async () => {
        await pack.configure({ [policyName]: { enforcementLevel: "remediate", profile: "restricted" } });
        for (const [type, props] of [[deployment, unconfined], [deployment, unset], [dockerContainer, { image: "redis:7.4", securityOpts: ["label=disable", "no-new-privileges"] }]] as const) {
            const once = await pack.remediate(type, props);
            assert.deepStrictEqual(once.policies, [policyName]);
            assert.strictEqual((await pack.remediate(type, once.props)).props, undefined, "remediating twice is remediating once");
            assert.deepStrictEqual(own((await pack.analyze(type, once.props)).diagnostics), []);
        }
        assert.deepStrictEqual((await pack.remediate(deployment, unset)).props.spec.template.spec.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
    });
});
