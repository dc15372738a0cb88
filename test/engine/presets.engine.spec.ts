// The config presets of examples/config/, sent to the built pack as the CLI sends a
// --policy-pack-config file, each shown changing verdicts against the defaults.
import * as assert from "assert";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { Diagnostic, Level, repoRoot, RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const presetsDir = join(repoRoot, "examples", "config");
const preset = (name: string) => JSON.parse(readFileSync(join(presetsDir, `${name}.json`), "utf8"));

const deployment = "kubernetes:apps/v1:Deployment";
const dockerContainer = "docker:index/container:Container";

/** A Deployment with one container whose securityContext is `securityContext`. */
function withSecurityContext(securityContext: object, image = "registry.example.com/shop/api:1.4.2") {
    return { metadata: { name: "web", namespace: "shop" }, spec: { template: { spec: { containers: [{ name: "api", image, securityContext }] } } } };
}

/** What every policy at its defaults asks of a Kubernetes container. */
const hardened = { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } };

describe("engine protocol: config presets (examples/config)", function () {
    this.timeout(60000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));

    /** Policy name -> level of each diagnostic for one resource, under a config. */
    async function verdicts(config: object, type: string, props: object): Promise<Array<[string, Level]>> {
        await pack.configure(config);
        const { diagnostics } = await pack.analyze(type, props);
        return diagnostics.map((d: Diagnostic) => [d.policyName, d.enforcementLevel]);
    }

    it("name only policies the pack has", async () => {
        const names = new Set((await pack.policies()).map(p => p.name));
        const files = readdirSync(presetsDir).filter(f => f.endsWith(".json"));
        assert.deepStrictEqual(files.sort(), ["advisory.json", "cis-docker.json", "elasticsearch.json", "pss-baseline.json", "pss-restricted.json", "strict.json"]);
        for (const file of files) {
            for (const key of Object.keys(preset(file.replace(/\.json$/, "")))) {
                assert.ok(key === "all" || names.has(key), `${file}: "${key}" is not a policy of the pack`);
            }
        }
    });

    it("advisory: the mandatory policies only warn", async () => {
        const privileged = withSecurityContext({ ...hardened, privileged: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } });
        assert.deepStrictEqual((await verdicts({}, deployment, privileged)).sort(), [
            ["container-no-privileged", "mandatory"],
            ["container-restrict-added-capabilities", "mandatory"],
        ]);
        assert.deepStrictEqual((await verdicts(preset("advisory"), deployment, privileged)).sort(), [
            ["container-no-privileged", "advisory"],
            ["container-restrict-added-capabilities", "advisory"],
        ]);
    });

    it("strict: the advisory policies fail the update", async () => {
        const writable = withSecurityContext({ ...hardened, readOnlyRootFilesystem: false });
        assert.deepStrictEqual(await verdicts({}, deployment, writable), [["container-read-only-root-filesystem", "advisory"]]);
        assert.deepStrictEqual(await verdicts(preset("strict"), deployment, writable), [["container-read-only-root-filesystem", "mandatory"]]);
    });

    it("pss-baseline: dropping NET_RAW is enough, and the baseline add list is allowed", async () => {
        const baseline = withSecurityContext({ ...hardened, capabilities: { drop: ["NET_RAW"], add: ["CHOWN", "SETUID", "SETGID"] } });
        assert.deepStrictEqual((await verdicts({}, deployment, baseline)).map(([name]) => name).sort(), [
            "container-drop-capabilities",
            "container-restrict-added-capabilities",
        ]);
        assert.deepStrictEqual(await verdicts(preset("pss-baseline"), deployment, baseline), []);
    });

    it("pss-baseline: what baseline forbids still fails (NET_RAW or SYS_ADMIN added, nothing dropped)", async () => {
        const config = preset("pss-baseline");
        for (const add of ["NET_RAW", "SYS_ADMIN"]) {
            const props = withSecurityContext({ ...hardened, capabilities: { drop: ["NET_RAW"], add: [add] } });
            assert.deepStrictEqual(await verdicts(config, deployment, props), [["container-restrict-added-capabilities", "mandatory"]], add);
        }
        const { capabilities: _, ...keepingAll } = hardened;
        const keepsAll = withSecurityContext(keepingAll);
        assert.deepStrictEqual(await verdicts(config, deployment, keepsAll), [["container-drop-capabilities", "advisory"]]);
    });

    it("pss-baseline: what the rest of baseline forbids fails, what only restricted forbids warns", async () => {
        const config = preset("pss-baseline");
        const pod = (spec: object) => ({ metadata: { name: "agent", namespace: "ops" }, spec: { containers: [{ name: "agent", image: "registry.example.com/ops/agent:1.0", securityContext: hardened }], ...spec } });
        const mandatory = async (spec: object) => (await verdicts(config, "kubernetes:core/v1:Pod", pod(spec))).filter(([, level]) => level === "mandatory").map(([name]) => name);
        assert.deepStrictEqual(await mandatory({ hostNetwork: true }), ["container-no-host-namespaces"]);
        assert.deepStrictEqual(await mandatory({ volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] }), ["container-restricted-volumes"]);
        assert.deepStrictEqual(await mandatory({ securityContext: { seccompProfile: { type: "Unconfined" } } }), ["container-security-profiles"]);
        assert.deepStrictEqual(await mandatory({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }] } }), ["container-safe-sysctls"]);
        assert.deepStrictEqual(await mandatory({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }] }), []);
        const escalating = withSecurityContext({ ...hardened, allowPrivilegeEscalation: true, runAsNonRoot: false });
        assert.deepStrictEqual((await verdicts(config, deployment, escalating)).sort(), [
            ["container-no-privilege-escalation", "advisory"],
            ["container-run-as-non-root", "advisory"],
        ]);
    });

    it("pss-restricted: restricted's own controls fail the update", async () => {
        const config = preset("pss-restricted");
        const baselineOnly = withSecurityContext({ readOnlyRootFilesystem: true, capabilities: { drop: ["NET_RAW"], add: ["CHOWN"] } });
        assert.deepStrictEqual((await verdicts(config, deployment, baselineOnly)).sort(), [
            ["container-drop-capabilities", "mandatory"],
            ["container-no-privilege-escalation", "mandatory"],
            ["container-restrict-added-capabilities", "mandatory"],
            ["container-run-as-non-root", "mandatory"],
            ["container-security-profiles", "mandatory"],
        ]);
        const restricted = withSecurityContext({ ...hardened, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(await verdicts(config, deployment, restricted), []);
    });

    it("cis-docker: the Docker section-5 controls fail the update", async () => {
        const config = preset("cis-docker");
        const container = { image: "redis:7.4", user: "999:999", readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges=true"], ulimits: [{ name: "nproc", soft: 512, hard: 512 }] };
        assert.deepStrictEqual(await verdicts(config, dockerContainer, container), []);
        const exposed = { ...container, networkMode: "host", devices: [{ hostPath: "/dev/kvm" }], volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] };
        assert.deepStrictEqual((await verdicts(config, dockerContainer, exposed)).sort(), [
            ["container-no-host-devices", "mandatory"],
            ["container-no-host-namespaces", "mandatory"],
            ["container-restricted-volumes", "mandatory"],
        ]);
    });

    it("elasticsearch: IPC_LOCK is allowed for Elasticsearch images only", async () => {
        const config = preset("elasticsearch");
        const search = (image: string) => ({ image, user: "1000", readOnly: true, securityOpts: ["no-new-privileges"], capabilities: { drops: ["ALL"], adds: ["IPC_LOCK"] } });
        const restricted = async (cfg: object, image: string) =>
            (await verdicts(cfg, dockerContainer, search(image))).filter(([name]) => name === "container-restrict-added-capabilities");
        const elastic = "docker.elastic.co/elasticsearch/elasticsearch:8.15.0";
        assert.deepStrictEqual(await restricted({}, elastic), [["container-restrict-added-capabilities", "mandatory"]]);
        assert.deepStrictEqual(await restricted(config, elastic), []);
        assert.deepStrictEqual(await restricted(config, "redis:7.4"), [["container-restrict-added-capabilities", "mandatory"]]);
        const k8s = withSecurityContext({ ...hardened, capabilities: { drop: ["ALL"], add: ["IPC_LOCK", "NET_BIND_SERVICE"] } }, elastic);
        assert.deepStrictEqual(await verdicts(config, deployment, k8s), []);
    });
});
