import * as assert from "assert";
import { dropCapabilities as policy } from "../policies/container-drop-capabilities";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_STRING, validate } from "./helpers";

const dropping = (drop: unknown, extra: object = {}) => ({ name: "app", image: "nginx", securityContext: { capabilities: { drop } }, ...extra });

describe("container-drop-capabilities", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            it("flags containers, init and ephemeral containers that don't drop ALL", () => {
                const props = kubernetesResource(type, {
                    containers: [dropping(["ALL"]), { name: "nocaps", image: "x" }],
                    initContainers: [{ ...dropping(["NET_RAW"]), name: "init" }],
                    ephemeralContainers: [{ name: "debug", securityContext: { capabilities: {} } }],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.match(messages[0], /container "nocaps": .*containers\[1\]\.securityContext\.capabilities\.drop is not set, so the default capabilities are kept/);
                assert.match(messages[1], /container "init": .*initContainers\[0\]\.securityContext\.capabilities\.drop does not drop ALL/);
                assert.match(messages[2], /container "debug": .*ephemeralContainers\[0\]/);
                assert.match(messages[1], /Fix: initContainers\[0\]\.securityContext = \{ capabilities: \{ drop: \["ALL"\] \} \}/);
            });
            it("flags ALL written another way, which Pod Security admission doesn't count, and rewrites it", () => {
                const props = kubernetesResource(type, { containers: [dropping(["NET_RAW", "cap_all"])], initContainers: [dropping(["all", "ALL"], { name: "init" })] });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 1, messages.join("\n"));
                assert.match(messages[0], /container "app": \S*containers\[0\]\.securityContext\.capabilities\.drop has "cap_all" \(entry 1\), which Pod Security admission doesn't read as ALL\./);
                assert.match(messages[0], /Fix: containers\[0\]\.securityContext = \{ capabilities: \{ drop: \["NET_RAW","ALL"\] \} \}/);
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
            it("passes containers that drop ALL", () => {
                const props = kubernetesResource(type, { containers: [dropping(["ALL"])], initContainers: [dropping(["NET_RAW", "ALL"])] });
                assert.deepStrictEqual(validate(policy, type, props), []);
            });
            it("remediates by adding the required drops and keeping the rest", () => {
                const props = kubernetesResource(type, { containers: [dropping(["NET_RAW"]), { name: "b", securityContext: { capabilities: { add: ["NET_BIND_SERVICE"] } } }] });
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(fixed, kubernetesResource(type, {
                    containers: [dropping(["NET_RAW", "ALL"]), { name: "b", securityContext: { capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } } }],
                }));
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    it("normalises capability names: cap_net_raw is NET_RAW", () => {
        const type = "kubernetes:core/v1:Pod";
        const config = { requiredDrops: ["net_raw"] };
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping(["cap_net_raw"])] }), { config }), []);
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping([" CAP_NET_RAW "])] }), { config }), []);
        const messages = validate(policy, type, kubernetesResource(type, { containers: [dropping(["SYS_ADMIN"])] }), { config });
        assert.match(messages[0], /does not drop NET_RAW/);
        assert.match(messages[0], /Fix: containers\[0\]\.securityContext = \{ capabilities: \{ drop: \["NET_RAW"\] \} \}/);
    });

    it("lets ALL satisfy any required drop", () => {
        const type = "kubernetes:core/v1:Pod";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping(["ALL"])] }), { config: { requiredDrops: ["NET_RAW", "SYS_ADMIN"] } }), []);
    });

    it("judges a patch only on the fields it sets", () => {
        const type = "kubernetes:apps/v1:DeploymentPatch";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [{ name: "a", image: "new:2" }] })), []);
        assert.strictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping(["NET_RAW"])] })).length, 1);
    });

    it("doesn't apply to Windows pods", () => {
        const type = "kubernetes:apps/v1:Deployment";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { os: { name: "windows" }, containers: [{ name: "a" }] })), []);
    });

    it("checks docker.Container capabilities.drops and docker.Service capDrops", () => {
        assert.match(validate(policy, dockerContainer, { image: "x" })[0], /^docker\.Container web: capabilities\.drops is not set/);
        assert.match(validate(policy, dockerContainer, { image: "x", capabilities: { drops: ["NET_RAW"] } })[0], /Fix: new docker\.Container\("web", \{ \.\.\.args, capabilities: \{ drops: \["ALL"\] \} \}\)/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", capabilities: { drops: ["ALL"] } }), []);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "x" }), { image: "x", capabilities: { drops: ["ALL"] } });
        assert.match(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x" } } })[0], /^docker\.Service web: taskSpec\.containerSpec\.capDrops is not set/);
        assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x", capDrops: ["all"] } } }), []);
    });

    it("gives no false violation for unknown lists or entries", () => {
        const type = "kubernetes:apps/v1:Deployment";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping(UNKNOWN_ARRAY)] })), []);
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [dropping(["NET_RAW", UNKNOWN_STRING])] })), []);
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [{ name: "a", securityContext: UNKNOWN_STRING }] })), []);
        assert.strictEqual(remediate(policy, type, kubernetesResource(type, { containers: [dropping(UNKNOWN_ARRAY)] })), undefined);
    });

    it("counts a malformed drop list as dropping nothing", () => {
        const messages = validate(policy, dockerContainer, { image: "x", capabilities: { drops: "ALL" } });
        assert.match(messages[0], /capabilities\.drops can't be read \(expected a list, found a string\), so it drops nothing/);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "x", capabilities: { drops: "ALL" } }), { image: "x", capabilities: { drops: ["ALL"] } });
        assert.match(validate(policy, dockerContainer, { image: "x", capabilities: { drops: [7] } })[0], /does not drop ALL \(entries 0 are not strings and were ignored\)/);
    });

    it("honours exemptions and rejects bad config", () => {
        const type = "kubernetes:batch/v1:Job";
        const props = kubernetesResource(type, { containers: [{ name: "a", image: "registry.local/tools/migrate:1" }] });
        assert.deepStrictEqual(validate(policy, type, props, { config: { exemptImages: ["registry.local/tools/*"] } }), []);
        props.spec.template.metadata = { annotations: { "container-guard/exempt": "*" } };
        assert.deepStrictEqual(validate(policy, type, props), []);
        assert.throws(() => validate(policy, type, props, { config: { requiredDrops: [1] } }), /policy "container-drop-capabilities", config key "requiredDrops": item 0 should be a string, found a number/);
    });
});
