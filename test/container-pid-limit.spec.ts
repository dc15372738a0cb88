import * as assert from "assert";
import { pidLimit as policy } from "../policies/container-pid-limit";
import { ConfigError } from "../policies/lib/config";
import { workloadOf } from "../policies/lib/workloads";
import {
    dockerContainer,
    dockerService,
    kubernetesResource,
    NotApplicable,
    remediate,
    representativeKubernetesTypes,
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    validate,
} from "./helpers";

const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";

const nproc = (soft: unknown, hard: unknown) => ({ name: "nproc", soft, hard });
const capped = (extra: object = {}) => ({ image: "nginx:1.27", user: "10001", ulimits: [nproc(1024, 1024)], ...extra });

describe("container-pid-limit", () => {
    describe("Kubernetes: hostPID", () => {
        for (const type of representativeKubernetesTypes) {
            describe(type, () => {
                const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

                it("flags hostPID: true once per pod, however many containers it has", () => {
                    const props = kubernetesResource(type, {
                        hostPID: true,
                        containers: [{ name: "app", image: "a" }, { name: "sidecar", image: "s" }],
                        initContainers: [{ name: "init", image: "i" }],
                    });
                    const messages = validate(policy, type, props);
                    assert.strictEqual(messages.length, 1, messages.join("\n"));
                    assert.ok(messages[0].includes(`: ${podPath}.hostPID is true, so the pod's containers share the node's PID namespace.`), messages[0]);
                    assert.match(messages[0], /\nWhy: in the node's PID namespace a container sees every process on the node/);
                    assert.ok(messages[0].includes(`\nFix: ${podPath}.hostPID = false`), messages[0]);
                });

                it("passes hostPID false or unset, and never asks for a per-container cap", () => {
                    for (const hostPID of [false, undefined]) {
                        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostPID, containers: [{ name: "app", image: "a" }] })), []);
                    }
                });

                it("remediates by setting hostPID to false, changing nothing else; twice is once", () => {
                    const props = kubernetesResource(type, { hostPID: true, hostNetwork: true, containers: [{ name: "app", image: "a" }] });
                    const fixed = remediate(policy, type, props);
                    assert.deepStrictEqual(fixed, kubernetesResource(type, { hostPID: false, hostNetwork: true, containers: [{ name: "app", image: "a" }] }));
                    assert.deepStrictEqual(validate(policy, type, fixed), []);
                    assert.strictEqual(remediate(policy, type, fixed), undefined);
                });
            });
        }

        const type = "kubernetes:apps/v1:Deployment";

        it("never claims to have checked the kubelet's podPidsLimit", () => {
            const message = validate(policy, type, kubernetesResource(type, { hostPID: true, containers: [{ name: "a" }] }))[0];
            assert.match(message, /PID limits per pod are the kubelet's podPidsLimit, which this policy can't check/);
            assert.match(policy.description!, /no per-pod PID limit field: it is the kubelet's podPidsLimit, which this policy can't check/);
            assert.match(policy.remediationSteps!, /KubeletConfiguration `podPidsLimit: 1024`/);
            assert.match(policy.remediationSteps!, /EKS: .*GKE: .*AKS: `kubeletConfig\.podMaxPids`/);
        });

        it("flags a malformed hostPID but not an unknown one", () => {
            const malformed = validate(policy, type, kubernetesResource(type, { hostPID: "true", containers: [{ name: "a" }] }));
            assert.match(malformed[0], /spec\.template\.spec\.hostPID can't be read \(expected a boolean, found a string\); it must be false or unset/);
            assert.deepStrictEqual(remediate(policy, type, kubernetesResource(type, { hostPID: "true", containers: [{ name: "a" }] })).spec.template.spec.hostPID, false);
            assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostPID: UNKNOWN_BOOL, containers: [{ name: "a" }] })), []);
            assert.strictEqual(remediate(policy, type, kubernetesResource(type, { hostPID: UNKNOWN_BOOL, containers: [{ name: "a" }] })), undefined);
        });

        it("judges hostPID when the container list is unknown during preview", () => {
            const messages = validate(policy, type, kubernetesResource(type, { hostPID: true, containers: UNKNOWN_ARRAY }));
            assert.strictEqual(messages.length, 1);
            assert.match(messages[0], /hostPID is true/);
        });

        it("judges a patch on what it sets, even a patch of pod fields only", () => {
            const patch = "kubernetes:apps/v1:DeploymentPatch";
            assert.match(validate(policy, patch, kubernetesResource(patch, { hostPID: true }))[0], /^DeploymentPatch shop\/web: spec\.template\.spec\.hostPID is true/);
            assert.deepStrictEqual(remediate(policy, patch, kubernetesResource(patch, { hostPID: true })), kubernetesResource(patch, { hostPID: false }));
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a" }] })), []);
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { hostPID: false })), []);
        });

        it("honours exemption annotations, exemptImages and exclude", () => {
            const exempt = (value: string) => kubernetesResource(type, { hostPID: true, containers: [{ name: "a", image: "a" }] }, { name: "web", namespace: "shop", annotations: { "container-guard/exempt": value } });
            assert.deepStrictEqual(validate(policy, type, exempt("container-pid-limit")), []);
            assert.deepStrictEqual(validate(policy, type, exempt("*")), []);
            assert.strictEqual(validate(policy, type, exempt("container-no-privileged")).length, 1);
            const patch = "kubernetes:apps/v1:DeploymentPatch";
            const exemptPatch = kubernetesResource(patch, { hostPID: true }, { name: "web", annotations: { "container-guard/exempt": "container-pid-limit" } });
            assert.deepStrictEqual(validate(policy, patch, exemptPatch), []);

            const twoImages = kubernetesResource(type, { hostPID: true, containers: [{ name: "agent", image: "datadog/agent:7" }, { name: "app", image: "shop/app:1" }] });
            assert.strictEqual(validate(policy, type, twoImages, { config: { exemptImages: ["datadog/*"] } }).length, 1, "one container is still in scope");
            assert.deepStrictEqual(validate(policy, type, twoImages, { config: { exemptImages: ["datadog/*", "shop/*"] } }), []);
            assert.strictEqual(remediate(policy, type, twoImages, { config: { exemptImages: ["**"] } }), undefined);
            assert.deepStrictEqual(validate(policy, type, twoImages, { config: { exclude: ["shop/web"] } }), []);
        });
    });

    describe("docker.Container", () => {
        it("flags pidMode: host", () => {
            const messages = validate(policy, dockerContainer, capped({ pidMode: "host" }));
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.match(messages[0], /^docker\.Container web: pidMode is "host", so the container shares the host's PID namespace\./);
            assert.match(messages[0], /\nFix: new docker\.Container\("web", \{ \.\.\.args, pidMode: undefined \}\) \/\/ its own PID namespace$/);
        });

        it("accepts another container's namespace, and no pidMode at all", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, capped({ pidMode: "container:db" })), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, capped()), []);
        });

        it("flags a container without an nproc cap, saying what nproc does and doesn't cover", () => {
            const [message, ...rest] = validate(policy, dockerContainer, { image: "nginx:1.27" });
            assert.deepStrictEqual(rest, []);
            assert.match(message, /^docker\.Container web: ulimits is not set, so nothing caps the number of processes\./);
            assert.match(message, /docker\.Container has no pids-limit field/);
            assert.match(message, /counts the processes of the container's uid across the whole host/);
            assert.match(message, /does not bind root \(uid 0\) or a process with CAP_SYS_RESOURCE/);
            assert.ok(message.includes(`Fix: new docker.Container("web", { ...args, ulimits: [{ name: "nproc", soft: 1024, hard: 1024 }] }) // and a non-root user (user: "10001:10001"): nproc doesn't bind root`), message);
        });

        it("flags a ulimits list without nproc", () => {
            const [message] = validate(policy, dockerContainer, { image: "x", ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }] });
            assert.match(message, /ulimits has no nproc entry, so nothing caps the number of processes/);
            assert.match(message, /ulimits: \[\.\.\.ulimits, \{ name: "nproc", soft: 1024, hard: 1024 \}\]/);
        });

        it("passes nproc at or below maxPids", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ulimits: [nproc(512, 1024)] }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ulimits: [{ name: "nofile", soft: 1, hard: 1 }, nproc(0, 1)] }), []);
        });

        it("flags nproc above maxPids or unlimited, naming the entry", () => {
            const [above] = validate(policy, dockerContainer, { image: "x", ulimits: [{ name: "nofile", soft: 1, hard: 1 }, nproc(512, 4096)] });
            assert.match(above, /^docker\.Container web: ulimits\[1\] caps nproc at soft 512, hard 4096: both must be set and at most 1024 \(maxPids\)\./);
            assert.match(above, /ulimits: \[\.\.\.otherUlimits, \{ name: "nproc", soft: 512, hard: 1024 \}\]/);
            const [unlimited] = validate(policy, dockerContainer, { image: "x", ulimits: [nproc(-1, -1)] });
            assert.match(unlimited, /ulimits\[0\] caps nproc at soft -1 \(unlimited\), hard -1 \(unlimited\)/);
        });

        it("reports each offending nproc entry", () => {
            assert.strictEqual(validate(policy, dockerContainer, { image: "x", ulimits: [nproc(10, 10), nproc(2000, 2000), nproc(1, 5000)] }).length, 2);
        });

        it("counts malformed ulimits as not set, naming what is wrong", () => {
            const cases: Array<[unknown, RegExp]> = [
                ["nproc=1024", /ulimits can't be read \(expected a list, found a string\), so it does not count as set/],
                [["nproc=1024"], /ulimits has no nproc entry \(entries \[0\] have no readable name and were ignored\)/],
                [[{ name: 7, soft: 1, hard: 1 }], /entries \[0\] have no readable name/],
                [[nproc("1024", 1024)], /ulimits\[0\] caps nproc at soft unreadable \(a string\), hard 1024/],
                [[{ name: "nproc", hard: 1024 }], /caps nproc at soft unset, hard 1024/],
                [[nproc(10.5, 1024)], /soft 10\.5 \(not a whole number\)/],
            ];
            for (const [ulimits, expected] of cases) {
                const messages = validate(policy, dockerContainer, { image: "x", ulimits });
                assert.strictEqual(messages.length, 1, JSON.stringify(ulimits));
                assert.match(messages[0], expected);
            }
            assert.match(validate(policy, dockerContainer, capped({ pidMode: 1 }))[0], /pidMode can't be read \(expected a string, found a number\); it must not be "host"/);
        });

        it("gives no false violation on values unknown during preview", () => {
            for (const ulimits of [UNKNOWN_ARRAY, [UNKNOWN_OBJECT], [{ name: UNKNOWN_STRING, soft: 1, hard: 1 }], [nproc(UNKNOWN_NUMBER, 1024)], [nproc(1024, UNKNOWN_NUMBER)]]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ulimits }), [], JSON.stringify(ulimits));
                assert.strictEqual(remediate(policy, dockerContainer, { image: "x", ulimits }), undefined, JSON.stringify(ulimits));
            }
            assert.deepStrictEqual(validate(policy, dockerContainer, capped({ pidMode: UNKNOWN_STRING })), []);
            assert.strictEqual(validate(policy, dockerContainer, { image: "x", ulimits: [nproc(UNKNOWN_NUMBER, 4096)] }).length, 1, "a known limit above maxPids still counts");
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: UNKNOWN_STRING, ulimits: [nproc(1, 1)] }), [], "the image isn't read");
        });

        it("takes maxPids from the config, checking it", () => {
            assert.strictEqual(validate(policy, dockerContainer, capped(), { config: { maxPids: 100 } }).length, 1);
            assert.match(validate(policy, dockerContainer, capped(), { config: { maxPids: 100 } })[0], /at most 100 \(maxPids\)/);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ulimits: [nproc(4096, 4096)] }, { config: { maxPids: 4096 } }), []);
            assert.throws(() => validate(policy, dockerContainer, capped(), { config: { maxPids: 0 } }), (e: Error) => e instanceof ConfigError && /"container-pid-limit", config key "maxPids": must be at least 1/.test(e.message));
            assert.throws(() => validate(policy, dockerContainer, capped(), { config: { maxPids: "1024" } }), /expected an integer, found a string/);
            assert.throws(() => validate(policy, dockerContainer, capped(), { config: { maxPids: 10.5 } }), /expected an integer, found a number/);
        });

        it("honours the exemption label, exemptImages and exclude", () => {
            const insecure = { image: "shop/legacy:1", pidMode: "host" };
            const label = (value: string) => ({ ...insecure, labels: [{ label: "container-guard/exempt", value }, { label: "container-guard/exempt-reason", value: "debug agent" }] });
            assert.deepStrictEqual(validate(policy, dockerContainer, label("container-pid-limit")), []);
            assert.strictEqual(validate(policy, dockerContainer, label("container-no-privileged")).length, 2);
            assert.deepStrictEqual(validate(policy, dockerContainer, insecure, { config: { exemptImages: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, insecure, { config: { exclude: ["web"] } }), []);
            assert.strictEqual(remediate(policy, dockerContainer, label("container-pid-limit")), undefined);
        });

        describe("remediation", () => {
            const cases: Array<[string, object, object]> = [
                ["removes pidMode: host and adds the nproc cap", { image: "x", pidMode: "host", envs: ["A=1"] }, { image: "x", envs: ["A=1"], ulimits: [nproc(1024, 1024)] }],
                ["appends nproc to other ulimits", { image: "x", ulimits: [{ name: "nofile", soft: 1, hard: 2 }] }, { image: "x", ulimits: [{ name: "nofile", soft: 1, hard: 2 }, nproc(1024, 1024)] }],
                ["lowers each limit to min(existing, maxPids)", { image: "x", ulimits: [nproc(512, 4096)] }, { image: "x", ulimits: [nproc(512, 1024)] }],
                ["caps unlimited and malformed limits", { image: "x", ulimits: [nproc(-1, "lots")] }, { image: "x", ulimits: [nproc(1024, 1024)] }],
                ["replaces a malformed ulimits", { image: "x", ulimits: "nproc=1" }, { image: "x", ulimits: [nproc(1024, 1024)] }],
                ["keeps a pidMode that shares another container's namespace", { image: "x", pidMode: "container:db" }, { image: "x", pidMode: "container:db", ulimits: [nproc(1024, 1024)] }],
            ];
            for (const [title, props, expected] of cases) {
                it(title, () => {
                    const fixed = remediate(policy, dockerContainer, props);
                    assert.deepStrictEqual(fixed, expected);
                    assert.deepStrictEqual(validate(policy, dockerContainer, fixed), []);
                    assert.strictEqual(remediate(policy, dockerContainer, fixed), undefined, "remediating twice is remediating once");
                });
            }

            it("honours maxPids and keeps secrets secret", () => {
                const fixed = remediate(policy, dockerContainer, { image: "x", envs: [{ __secret: "TOKEN=abc" }], ulimits: [nproc(64, 512)] }, { config: { maxPids: 100 } });
                assert.deepStrictEqual(fixed, { image: "x", envs: [{ __secret: "TOKEN=abc" }], ulimits: [nproc(64, 100)] });
            });

            it("changes nothing on a compliant container", () => {
                assert.strictEqual(remediate(policy, dockerContainer, capped()), undefined);
            });
        });
    });

    describe("docker.Service", () => {
        const service = { taskSpec: { containerSpec: { image: "x" } } };

        it("reports itself not applicable: the provider has no PID control for Swarm tasks", () => {
            for (const run of [() => validate(policy, dockerService, service), () => remediate(policy, dockerService, service)]) {
                assert.throws(run, (e: Error) => e instanceof NotApplicable && /docker\.Service has no PID control in the Docker provider/.test(e.reason!));
            }
        });
    });

    it("passes other resources silently", () => {
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:ConfigMap", { data: {} }), []);
    });
});
