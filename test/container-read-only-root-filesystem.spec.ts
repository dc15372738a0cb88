import * as assert from "assert";
import { readOnlyRootFilesystem as policy } from "../policies/container-read-only-root-filesystem";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_BOOL, UNKNOWN_STRING, validate } from "./helpers";

const secure = { name: "app", image: "nginx", securityContext: { readOnlyRootFilesystem: true } };

describe("container-read-only-root-filesystem", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            it("flags each writable container in each list, naming container and path", () => {
                const props = kubernetesResource(type, {
                    containers: [secure, { name: "sidecar", image: "envoy" }],
                    initContainers: [{ name: "init", image: "busybox", securityContext: { readOnlyRootFilesystem: false } }],
                    ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: {} }],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.match(messages[0], /container "sidecar": (items\[0\]\.)?(spec\.|template\.|jobTemplate\.)*containers\[1\]\.securityContext\.readOnlyRootFilesystem is not set/);
                assert.match(messages[1], /container "init": .*initContainers\[0\]\.securityContext\.readOnlyRootFilesystem is false/);
                assert.match(messages[2], /container "debug": .*ephemeralContainers\[0\]\.securityContext\.readOnlyRootFilesystem is not set/);
                assert.match(messages[0], /Why: .+\nFix: containers\[1\]\.securityContext = \{ readOnlyRootFilesystem: true \}/);
            });
            it("passes read-only containers", () => {
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [secure], initContainers: [secure] })), []);
            });
            it("remediates every writable container, idempotently, changing nothing else", () => {
                const props = kubernetesResource(type, { containers: [{ name: "a", image: "x", securityContext: { runAsUser: 1000 } }], initContainers: [{ name: "b" }] });
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                const expected = kubernetesResource(type, {
                    containers: [{ name: "a", image: "x", securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true } }],
                    initContainers: [{ name: "b", securityContext: { readOnlyRootFilesystem: true } }],
                });
                assert.deepStrictEqual(fixed, expected);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    it("judges a patch only on the fields it sets", () => {
        const type = "kubernetes:apps/v1:StatefulSetPatch";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [{ name: "a" }] })), []);
        const messages = validate(policy, type, kubernetesResource(type, { containers: [{ name: "a", securityContext: { readOnlyRootFilesystem: false } }] }));
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /StatefulSetPatch shop\/web, container "a"/);
        assert.strictEqual(remediate(policy, type, kubernetesResource(type, { containers: [{ name: "a" }] })), undefined);
    });

    it("doesn't apply to Windows pods", () => {
        const type = "kubernetes:core/v1:Pod";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { os: { name: "windows" }, containers: [{ name: "a" }] })), []);
    });

    it("treats an absent and a false docker.Container readOnly alike", () => {
        for (const props of [{ image: "nginx" }, { image: "nginx", readOnly: false }]) {
            const messages = validate(policy, dockerContainer, props);
            assert.strictEqual(messages.length, 1);
            assert.match(messages[0], /^docker\.Container web: readOnly is/);
            assert.match(messages[0], /Fix: new docker\.Container\("web", \{ \.\.\.args, readOnly: true \}\)/);
        }
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "nginx", readOnly: true }), []);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "nginx", readOnly: false }), { image: "nginx", readOnly: true });
    });

    it("checks docker.Service taskSpec.containerSpec.readOnly", () => {
        const messages = validate(policy, dockerService, { taskSpec: { containerSpec: { image: "api" } } });
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /docker\.Service web: taskSpec\.containerSpec\.readOnly is not set/);
        assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "api", readOnly: true } } }), []);
        assert.deepStrictEqual(remediate(policy, dockerService, { taskSpec: { containerSpec: { image: "api" } } }), { taskSpec: { containerSpec: { image: "api", readOnly: true } } });
    });

    it("gives no false violation for an unknown setting and still judges known containers with unknown images", () => {
        const type = "kubernetes:apps/v1:Deployment";
        const props = kubernetesResource(type, {
            containers: [
                { name: "a", image: UNKNOWN_STRING, securityContext: { readOnlyRootFilesystem: UNKNOWN_BOOL } },
                { name: "b", image: UNKNOWN_STRING, env: UNKNOWN_STRING },
            ],
        });
        const messages = validate(policy, type, props);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /container "b"/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", readOnly: UNKNOWN_BOOL }), []);
    });

    it("counts a malformed setting as not set and says why", () => {
        const messages = validate(policy, dockerContainer, { image: "x", readOnly: "true" });
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /readOnly can't be read \(expected a boolean, found a string\), so it does not count as set/);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "x", readOnly: "true" }), { image: "x", readOnly: true });
    });

    it("honours exclude, exemptImages and the exemption annotation / label", () => {
        const type = "kubernetes:apps/v1:Deployment";
        const props = kubernetesResource(type, { containers: [{ name: "a", image: "docker.io/library/nginx:1.27" }] });
        assert.strictEqual(validate(policy, type, props).length, 1);
        assert.deepStrictEqual(validate(policy, type, props, { config: { exclude: ["shop/*"] } }), []);
        assert.deepStrictEqual(validate(policy, type, props, { config: { exclude: ["**::web"] } }), []);
        assert.deepStrictEqual(validate(policy, type, props, { config: { exclude: ["we?"] } }), []);
        assert.strictEqual(validate(policy, type, props, { config: { exclude: ["other/*"] } }).length, 1);
        assert.deepStrictEqual(validate(policy, type, props, { config: { exemptImages: ["docker.io/library/nginx:*"] } }), []);
        props.metadata.annotations = { "container-guard/exempt": "container-read-only-root-filesystem", "container-guard/exempt-reason": "legacy app writes to /var" };
        assert.deepStrictEqual(validate(policy, type, props), []);
        props.metadata.annotations = { "container-guard/exempt": "container-no-privileged" };
        assert.strictEqual(validate(policy, type, props).length, 1);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", labels: [{ label: "container-guard/exempt", value: "*" }] }), []);
    });

    it("rejects a malformed config with a message naming the policy and key", () => {
        const props = { image: "x" };
        assert.throws(() => validate(policy, dockerContainer, props, { config: { exclude: "web" } }), /policy "container-read-only-root-filesystem", config key "exclude": expected a list of strings, found a string/);
        assert.throws(() => validate(policy, dockerContainer, props, { config: { exemptImages: ["[abc"] } }), /config key "exemptImages\[0\]": bad glob: "\[abc" has an unclosed "\["/);
    });

    it("reports containers it can't read because the props are malformed", () => {
        const messages = validate(policy, "kubernetes:core/v1:Pod", { spec: { containers: "nginx" } });
        assert.deepStrictEqual(messages.map(m => m.split("\n").pop()), ["Pod web: spec.containers can't be read (expected a list, found a string), so its containers could not be checked."]);
    });
});
