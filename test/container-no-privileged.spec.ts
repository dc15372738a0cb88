import * as assert from "assert";
import { noPrivileged as policy } from "../policies/container-no-privileged";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_BOOL, validate } from "./helpers";

const privileged = (value: unknown, name = "app") => ({ name, image: "x", securityContext: { privileged: value } });

describe("container-no-privileged", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            it("flags privileged containers in every list", () => {
                const props = kubernetesResource(type, {
                    containers: [privileged(false), privileged(true, "b")],
                    initContainers: [privileged(true, "init")],
                    ephemeralContainers: [privileged(true, "debug")],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.match(messages[0], /container "b": .*containers\[1\]\.securityContext\.privileged is true/);
                assert.match(messages[0], /Fix: containers\[1\]\.securityContext = \{ privileged: false \}/);
                assert.match(messages[1], /container "init": .*initContainers\[0\]/);
                assert.match(messages[2], /container "debug": .*ephemeralContainers\[0\]/);
            });
            it("passes unprivileged containers", () => {
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [privileged(false), { name: "c" }] })), []);
            });
            it("remediates by clearing privileged", () => {
                const fixed = remediate(policy, type, kubernetesResource(type, { containers: [privileged(true)] }));
                assert.deepStrictEqual(fixed, kubernetesResource(type, { containers: [privileged(false)] }));
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    it("counts Windows HostProcess containers as privileged, at container or pod level", () => {
        const type = "kubernetes:core/v1:Pod";
        const containerLevel = kubernetesResource(type, { os: { name: "windows" }, containers: [{ name: "a", securityContext: { windowsOptions: { hostProcess: true } } }] });
        assert.match(validate(policy, type, containerLevel)[0], /spec\.containers\[0\]\.securityContext\.windowsOptions\.hostProcess is true/);
        const podLevel = kubernetesResource(type, { os: { name: "windows" }, securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: "a" }] });
        const messages = validate(policy, type, podLevel);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /^Pod shop\/web: spec\.securityContext\.windowsOptions\.hostProcess is true/);
        const fixed = remediate(policy, type, podLevel);
        assert.strictEqual(fixed.spec.securityContext.windowsOptions.hostProcess, false);
        assert.deepStrictEqual(validate(policy, type, fixed), []);
    });

    it("ignores privileged on Windows pods (Kubernetes rejects it there)", () => {
        const type = "kubernetes:core/v1:Pod";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { os: { name: "windows" }, containers: [privileged(true)] })), []);
    });

    it("checks docker.Container privileged; a Swarm service can't be privileged", () => {
        assert.match(validate(policy, dockerContainer, { image: "x", privileged: true })[0], /^docker\.Container web: privileged is true/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", privileged: false }), []);
        assert.deepStrictEqual(remediate(policy, dockerContainer, { image: "x", privileged: true }), { image: "x", privileged: false });
        assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x" } } }), []);
    });

    it("flags a malformed value (a provider may coerce \"true\") but not an unknown one", () => {
        assert.match(validate(policy, dockerContainer, { image: "x", privileged: "true" })[0], /privileged can't be read \(expected a boolean, found a string\)/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", privileged: UNKNOWN_BOOL }), []);
        const type = "kubernetes:apps/v1:Deployment";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [privileged(UNKNOWN_BOOL)] })), []);
    });

    it("judges a patch on what it sets", () => {
        const type = "kubernetes:apps/v1:StatefulSetPatch";
        assert.strictEqual(validate(policy, type, kubernetesResource(type, { containers: [privileged(true)] })).length, 1);
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [{ name: "a" }] })), []);
    });

    it("honours the exemption annotation", () => {
        const type = "kubernetes:apps/v1:DaemonSet";
        const props = kubernetesResource(type, { containers: [privileged(true)] }, { name: "cni", annotations: { "container-guard/exempt": "container-no-privileged", "container-guard/exempt-reason": "CNI plugin" } });
        assert.deepStrictEqual(validate(policy, type, props), []);
    });
});
