import * as assert from "assert";
import { restrictAddedCapabilities as policy } from "../policies/container-restrict-added-capabilities";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_STRING, validate } from "./helpers";
import { scanned } from "./policy-runs";

const adding = (add: unknown, extra: object = {}) => ({ name: "app", image: "nginx", securityContext: { capabilities: { drop: ["ALL"], add } }, ...extra });

describe("container-restrict-added-capabilities", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            it("flags added capabilities outside the allow-list in every container list", () => {
                const props = kubernetesResource(type, {
                    containers: [adding(["NET_BIND_SERVICE"]), adding(["SYS_ADMIN", "NET_BIND_SERVICE"], { name: "b" })],
                    initContainers: [adding(["cap_sys_ptrace"], { name: "init" })],
                    ephemeralContainers: [adding(["ALL"], { name: "debug" })],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.match(messages[0], /container "b": .*containers\[1\]\.securityContext\.capabilities\.add adds SYS_ADMIN, which is not allow-listed/);
                assert.match(messages[0], /Fix: containers\[1\]\.securityContext = \{ capabilities: \{ add: \["NET_BIND_SERVICE"\] \} \}/);
                assert.match(messages[1], /container "init": .*adds SYS_PTRACE/);
                assert.match(messages[2], /container "debug": .*adds ALL/);
            });
            it("passes containers that add nothing or only allow-listed capabilities", () => {
                const props = kubernetesResource(type, { containers: [adding(["NET_BIND_SERVICE"]), { name: "plain", image: "x" }] });
                assert.deepStrictEqual(validate(policy, type, props), []);
            });
            it("flags an allowed capability written as Pod Security admission doesn't read it, once, and rewrites it", () => {
                const props = kubernetesResource(type, { containers: [adding(["net_bind_service"]), adding(["CAP_NET_BIND_SERVICE", "SYS_ADMIN"], { name: "b" })] });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 2, messages.join("\n"));
                assert.match(messages[0], /container "app": \S*capabilities\.add has "net_bind_service" \(entry 0\), which Pod Security admission doesn't read as NET_BIND_SERVICE\.\nWhy: Kubernetes names capabilities/);
                assert.match(messages[0], /Fix: containers\[0\]\.securityContext = \{ capabilities: \{ add: \["NET_BIND_SERVICE"\] \} \}/);
                assert.match(messages[1], /container "b": \S* adds SYS_ADMIN, which is not allow-listed; it also has "CAP_NET_BIND_SERVICE" \(entry 0\), which Pod Security/);
                assert.match(messages[1], /Fix: containers\[1\]\.securityContext = \{ capabilities: \{ add: \["NET_BIND_SERVICE"\] \} \}/);
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
            it("remediates by removing what isn't allowed", () => {
                const props = kubernetesResource(type, { containers: [adding(["SYS_ADMIN", "NET_BIND_SERVICE", "ALL"])] });
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(fixed, kubernetesResource(type, { containers: [adding(["NET_BIND_SERVICE"])] }));
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    it("takes an allow-list, optionally scoped to images, and never allows ALL", () => {
        const type = "kubernetes:apps/v1:StatefulSet";
        const elastic = kubernetesResource(type, { containers: [adding(["IPC_LOCK"], { image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.0" })] });
        const other = kubernetesResource(type, { containers: [adding(["IPC_LOCK"], { image: "redis:7" })] });
        const config = { allowedCapabilities: ["NET_BIND_SERVICE", "IPC_LOCK@docker.elastic.co/elasticsearch/*"] };
        assert.strictEqual(validate(policy, type, elastic).length, 1);
        assert.deepStrictEqual(validate(policy, type, elastic, { config }), []);
        assert.match(validate(policy, type, other, { config })[0], /adds IPC_LOCK, which is not allow-listed/);
        assert.deepStrictEqual(validate(policy, type, other, { config: { allowedCapabilities: ["cap_ipc_lock"] } }), []);
        assert.throws(() => validate(policy, type, other, { config: { allowedCapabilities: ["ALL"] } }), /config key "allowedCapabilities\[0\]": ALL can never be allowed/);
        assert.throws(() => validate(policy, type, other, { config: { allowedCapabilities: ["IPC_LOCK@[x"] } }), /allowedCapabilities\[0\]": bad glob/);
    });

    describe("a capability an app needs: the fix also offers allowedCapabilities for the container's image only", () => {
        const elastic = "docker.elastic.co/elasticsearch/elasticsearch";
        const allowance = (message: string) => JSON.parse(/"allowedCapabilities": (\[.*?\]) \}/.exec(message)?.[1] ?? "null") as string[] | null;
        const search = (image: string, adds = ["IPC_LOCK"]) => ({ image, capabilities: { adds, drops: ["ALL"] } });

        it("Pulumi: after the fix, a TypeScript comment naming the config key, the image's repository and the preset", () => {
            const [message] = validate(policy, dockerContainer, search(`${elastic}:8.15.0`), { name: "search" });
            assert.ok(
                message.endsWith(
                    `\nFix: new docker.Container("search", { ...args, capabilities: { adds: [] } }) // only what the app needs; or, if the app needs IPC_LOCK, ` +
                        `allow it for this image only in the policy config: "container-restrict-added-capabilities": { "allowedCapabilities": ["NET_BIND_SERVICE", "IPC_LOCK@${elastic}[:@]*"] } ` +
                        `(examples/config/elasticsearch.json does so for Elasticsearch's IPC_LOCK)`,
                ),
                message,
            );
            const config = { allowedCapabilities: allowance(message) };
            for (const image of [`${elastic}:8.15.0`, `${elastic}:7.17.24`, `${elastic}@sha256:${"a".repeat(64)}`]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, search(image), { config }), [], `the allowance takes ${image}`);
            }
            assert.strictEqual(validate(policy, dockerContainer, search("redis:7"), { config }).length, 1, "and no other image");
        });

        it("keeps the allowances already configured, leaves out ALL, and offers none for an image it can't name", () => {
            const config = { allowedCapabilities: ["NET_BIND_SERVICE", "CHOWN"] };
            const [both] = validate(policy, dockerContainer, search(`${elastic}:8.15.0`, ["ALL", "IPC_LOCK", "SYS_NICE"]), { config });
            assert.deepStrictEqual(allowance(both), ["NET_BIND_SERVICE", "CHOWN", `IPC_LOCK@${elastic}[:@]*`, `SYS_NICE@${elastic}[:@]*`]);
            assert.match(both, /if the app needs IPC_LOCK and SYS_NICE, allow them for this image only/);
            assert.strictEqual(allowance(validate(policy, dockerContainer, search(`${elastic}:8.15.0`, ["ALL"]))[0]), null);
            assert.strictEqual(allowance(validate(policy, dockerContainer, search(UNKNOWN_STRING, ["SYS_ADMIN"]))[0]), null);
        });

        it("scan: in a Compose file and a manifest, a YAML comment; the allowance it offers passes the scan", () => {
            const files = ["test/fixtures/scan/elasticsearch/compose.yaml", "test/fixtures/scan/elasticsearch/statefulset.yaml"];
            const found = scanned(files, [policy]).findings;
            assert.deepStrictEqual(found.map(f => `${f.location.file}:${f.location.line}`), [`${files[0]}:7`, `${files[1]}:21`]);
            assert.match(found[0].message, /\nFix: services\.search\.cap_add: \[\] # only what the app needs; or, if the app needs IPC_LOCK, allow it for this image only/);
            assert.match(found[1].message, /\nFix: spec\.template\.spec\.containers\[0\]\.securityContext\.capabilities\.add: \[\] # only what the app needs; or, if the app needs IPC_LOCK/);
            const config = { [policy.name]: { allowedCapabilities: allowance(found[1].message) } };
            assert.deepStrictEqual(scanned(files, [policy], config).findings, [], "the image's tag and its digest both");
        });
    });

    it("checks docker.Container capabilities.adds and docker.Service capAdds", () => {
        assert.match(validate(policy, dockerContainer, { image: "x", capabilities: { adds: ["NET_ADMIN"] } })[0], /^docker\.Container web: capabilities\.adds adds NET_ADMIN/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x" }), []);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "x", capabilities: { adds: ["NET_ADMIN", "NET_BIND_SERVICE"], drops: ["ALL"] } }), { image: "x", capabilities: { adds: ["NET_BIND_SERVICE"], drops: ["ALL"] } });
        assert.match(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x", capAdds: ["SYS_ADMIN"] } } })[0], /^docker\.Service web: taskSpec\.containerSpec\.capAdds adds SYS_ADMIN/);
    });

    it("gives no false violation for unknown entries or an unknown image under an image-scoped allowance", () => {
        const type = "kubernetes:core/v1:Pod";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [adding([UNKNOWN_STRING])] })), []);
        assert.strictEqual(validate(policy, type, kubernetesResource(type, { containers: [adding([UNKNOWN_STRING, "SYS_ADMIN"])] })).length, 1);
        const config = { allowedCapabilities: ["IPC_LOCK@docker.elastic.co/*"] };
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [adding(["IPC_LOCK"], { image: UNKNOWN_STRING })] }), { config }), []);
    });

    it("reports a malformed add list instead of passing it", () => {
        assert.match(validate(policy, dockerContainer, { image: "x", capabilities: { adds: "SYS_ADMIN" } })[0], /capabilities\.adds can't be read \(expected a list, found a string\), so what it adds can't be verified/);
        assert.match(validate(policy, dockerContainer, { image: "x", capabilities: { adds: [{ name: "SYS_ADMIN" }] } })[0], /adds entry 0 \(not a string\)/);
    });

    it("doesn't apply to Windows pods; honours exemptions", () => {
        const type = "kubernetes:apps/v1:DaemonSet";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { os: { name: "windows" }, containers: [adding(["SYS_ADMIN"])] })), []);
        const props = kubernetesResource(type, { containers: [adding(["SYS_ADMIN"])] }, { name: "csi", namespace: "kube-system" });
        assert.deepStrictEqual(validate(policy, type, props, { config: { exclude: ["kube-system/*"] } }), []);
    });
});
