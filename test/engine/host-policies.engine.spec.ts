// container-no-host-namespaces, container-no-host-ports and container-no-host-devices over the engine
// protocol: the built pack, started as the engine starts it; one violating and one compliant resource each.
import * as assert from "assert";
import { RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const dockerContainer = "docker:index/container:Container";
const deployment = "kubernetes:apps/v1:Deployment";
const podSpec = (spec: object) => ({ metadata: { name: "web", namespace: "shop" }, spec: { template: { spec } } });

describe("engine protocol: container-no-host-namespaces, container-no-host-ports, container-no-host-devices", function () {
    this.timeout(60_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());

    async function messages(policyName: string, type: string, props: object): Promise<string[]> {
        const { diagnostics } = await pack.analyze(type, props);
        return diagnostics.filter(d => d.policyName === policyName).map(d => {
            assert.strictEqual(d.enforcementLevel, "advisory");
            return d.message;
        });
    }

    it("lists them advisory by default, allowedHostPorts defaulting to none", async () => {
        const listed = await pack.policies();
        for (const name of ["container-no-host-namespaces", "container-no-host-ports", "container-no-host-devices"]) {
            assert.strictEqual(listed.find(p => p.name === name)?.enforcementLevel, "advisory", name);
        }
        assert.deepStrictEqual(listed.find(p => p.name === "container-no-host-ports")!.configSchema.allowedHostPorts.default, []);
    });

    it("container-no-host-namespaces: flags hostNetwork and a probe host, passes a pod without them, remediates hostNetwork", async () => {
        const props = podSpec({ hostNetwork: true, containers: [{ name: "api", image: "shop/api:1", livenessProbe: { httpGet: { host: "127.0.0.1", port: 8080 } } }] });
        const found = await messages("container-no-host-namespaces", deployment, props);
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /^Deployment shop\/web: spec\.template\.spec\.hostNetwork is true/m);
        assert.match(found[1], /containers\[0\]\.livenessProbe\.httpGet\.host is "127\.0\.0\.1"/);
        assert.deepStrictEqual(await messages("container-no-host-namespaces", deployment, podSpec({ containers: [{ name: "api", image: "shop/api:1", livenessProbe: { httpGet: { port: 8080 } } }] })), []);
        await pack.configure({ "container-no-host-namespaces": "remediate" });
        const fixed = await pack.remediate(deployment, props);
        assert.deepStrictEqual(fixed.policies, ["container-no-host-namespaces"]);
        assert.strictEqual(fixed.props.spec.template.spec.hostNetwork, false);
        assert.strictEqual(fixed.props.spec.template.spec.containers[0].livenessProbe.httpGet.host, "127.0.0.1", "a probe host is left to the user");
    });

    it("container-no-host-ports: flags a hostPort and a privileged Docker port, passes what allowedHostPorts allows", async () => {
        const k8s = podSpec({ containers: [{ name: "api", image: "shop/api:1", ports: [{ containerPort: 443, hostPort: 443 }] }] });
        assert.match((await messages("container-no-host-ports", deployment, k8s))[0], /containers\[0\]\.ports\[0\]\.hostPort is 443/);
        const docker = { image: "nginx:1.27", ports: [{ internal: 8080, external: 80 }] };
        assert.match((await messages("container-no-host-ports", dockerContainer, docker))[0], /^docker\.Container web: ports\[0\]\.external is 80/m);
        assert.deepStrictEqual(await messages("container-no-host-ports", dockerContainer, { image: "nginx:1.27", ports: [{ internal: 8080, external: 8080 }] }), []);
        await pack.configure({ "container-no-host-ports": { allowedHostPorts: [80, 443] } });
        assert.deepStrictEqual(await messages("container-no-host-ports", deployment, k8s), []);
        assert.deepStrictEqual(await messages("container-no-host-ports", dockerContainer, docker), []);
    });

    it("container-no-host-devices: flags a mapped device, passes none, and is not applicable to Kubernetes", async () => {
        const found = await messages("container-no-host-devices", dockerContainer, { image: "x", devices: [{ hostPath: "/dev/kvm" }] });
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /devices\[0\]\.hostPath maps the host device "\/dev\/kvm" into the container/);
        assert.deepStrictEqual(await messages("container-no-host-devices", dockerContainer, { image: "x" }), []);
        const { diagnostics, notApplicable } = await pack.analyze(deployment, podSpec({ containers: [{ name: "api", image: "shop/api:1" }] }));
        assert.deepStrictEqual(diagnostics.filter(d => d.policyName === "container-no-host-devices"), []);
        assert.match(notApplicable.find(n => n.policyName === "container-no-host-devices")!.reason, /a Kubernetes pod spec has no device mapping/);
    });
});
