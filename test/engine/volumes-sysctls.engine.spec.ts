// container-restricted-volumes and container-safe-sysctls over the engine protocol: the built pack, started as the engine starts it.
import * as assert from "assert";
import { RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const dockerContainer = "docker:index/container:Container";
const deployment = "kubernetes:apps/v1:Deployment";
const volumesPolicy = "container-restricted-volumes";
const sysctlsPolicy = "container-safe-sysctls";

const withPod = (spec: object) => ({ metadata: { name: "web", namespace: "shop" }, spec: { template: { spec: { containers: [{ name: "api", image: "shop/api:1" }], ...spec } } } });

describe("engine protocol: container-restricted-volumes and container-safe-sysctls", function () {
    this.timeout(60_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());

    it("lists both, advisory by default, with their config schemas", async () => {
        const policies = new Map((await pack.policies()).map(p => [p.name, p]));
        assert.strictEqual(policies.get(volumesPolicy)!.enforcementLevel, "advisory");
        assert.strictEqual(policies.get(sysctlsPolicy)!.enforcementLevel, "advisory");
        const schema = policies.get(volumesPolicy)!.configSchema;
        assert.deepStrictEqual([schema.profile.default, schema.profile.enum, schema.allowedHostPaths.default], ["baseline", ["baseline", "restricted"], []]);
        assert.deepStrictEqual(Object.keys(policies.get(sysctlsPolicy)!.configSchema).sort(), ["exclude", "exemptImages"]);
    });

    it("container-restricted-volumes: flags a hostPath volume and the Docker socket, passes a claim and a named volume", async () => {
        const [hostPath] = await pack.messagesOf(volumesPolicy, deployment, withPod({ volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] }));
        assert.match(hostPath, /^Deployment shop\/web: spec\.template\.spec\.volumes\[0\]\.hostPath\.path \(volume "logs"\) mounts the node's "\/var\/log"\./m);
        const [socket] = await pack.messagesOf(volumesPolicy, dockerContainer, { image: "x", volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] });
        assert.match(socket, /^docker\.Container web: volumes\[0\]\.hostPath mounts the host's "\/var\/run\/docker\.sock", the Docker socket\./m);
        assert.deepStrictEqual(await pack.messagesOf(volumesPolicy, deployment, withPod({ volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] })), []);
        assert.deepStrictEqual(await pack.messagesOf(volumesPolicy, dockerContainer, { image: "x", volumes: [{ volumeName: "data", containerPath: "/data" }] }), []);
    });

    it("container-restricted-volumes: profile and allowedHostPaths arrive through Configure", async () => {
        const nfs = withPod({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }, { name: "logs", hostPath: { path: "/var/log/pods" } }] });
        assert.strictEqual((await pack.messagesOf(volumesPolicy, deployment, nfs)).length, 1, "baseline: the hostPath only");
        await pack.configure({ [volumesPolicy]: { enforcementLevel: "mandatory", profile: "restricted", allowedHostPaths: ["/var/log/**"] } });
        const { diagnostics } = await pack.analyze(deployment, nfs);
        const found = diagnostics.filter(d => d.policyName === volumesPolicy);
        assert.deepStrictEqual(found.map(d => d.enforcementLevel), ["mandatory"]);
        assert.match(found[0].message, /volumes\[0\]\.nfs makes volume "share" of type nfs, which the restricted profile doesn't allow/);
    });

    it("container-safe-sysctls: flags an unsafe sysctl, passes a safe one", async () => {
        const [unsafe, ...rest] = await pack.messagesOf(sysctlsPolicy, deployment, withPod({ securityContext: { sysctls: [{ name: "net.core.somaxconn", value: "1024" }, { name: "net.ipv4.tcp_syncookies", value: "1" }] } }));
        assert.deepStrictEqual(rest, []);
        assert.match(unsafe, /^Deployment shop\/web: spec\.template\.spec\.securityContext\.sysctls\[0\]\.name is "net\.core\.somaxconn", a sysctl outside the set Pod Security counts as safe\./m);
        assert.strictEqual((await pack.messagesOf(sysctlsPolicy, dockerContainer, { image: "x", sysctls: { "vm.max_map_count": "262144" } })).length, 1);
        assert.deepStrictEqual(await pack.messagesOf(sysctlsPolicy, dockerContainer, { image: "x", sysctls: { "net.ipv4.ip_local_port_range": "1024 65535" } }), []);
    });
});
