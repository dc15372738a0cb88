import * as assert from "assert";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { runAsNonRoot as policy } from "../policies/container-run-as-non-root";
import { ConfigError } from "../policies/lib/config";
import { workloadOf } from "../policies/lib/workloads";
import { assertKubernetesExemptions, dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_BOOL, UNKNOWN_STRING, validate } from "./helpers";
import { scanned } from "./policy-runs";
import { ownedCheckDisagreements } from "./psa-fixtures";

const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
const compose = "compose:service";

const app = (securityContext?: object, name = "app") => ({ name, image: "x", ...(securityContext && { securityContext }) });

describe("container-run-as-non-root", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

            it("flags each container that neither sets runAsNonRoot nor inherits true, with the fix on the pod", () => {
                const props = kubernetesResource(type, { containers: [app(), app({ runAsNonRoot: true }, "b")], initContainers: [app(undefined, "init")], ephemeralContainers: [app({}, "debug")] });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.ok(messages[0].includes(`, container "app": ${podPath}.containers[0].securityContext.runAsNonRoot is not set, and the pod doesn't set it to true either, so the container runs as root if the image's USER is root.\n`), messages[0]);
                assert.match(messages[0], /\nWhy: root in a container is uid 0 on the node's kernel/);
                assert.ok(messages[0].endsWith(`\nFix: ${podPath}.securityContext = { runAsNonRoot: true } // for every container of the pod`), messages[0]);
                assert.match(messages[1], /container "init": .*initContainers\[0\]\.securityContext\.runAsNonRoot is not set/);
                assert.match(messages[2], /container "debug": .*ephemeralContainers\[0\]\.securityContext\.runAsNonRoot is not set/);
            });

            it("passes a pod that sets runAsNonRoot: true for its containers, and containers that set it themselves", () => {
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: true, runAsUser: 1000 }, containers: [app(), app({ runAsUser: 1000 }, "b")] })), []);
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [app({ runAsNonRoot: true })], initContainers: [app({ runAsNonRoot: true }, "init")] })), []);
            });

            it("flags runAsNonRoot: false where it is written, once", () => {
                const podFalse = validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: false }, containers: [app(), app({ runAsNonRoot: true }, "b")] }));
                assert.strictEqual(podFalse.length, 1, podFalse.join("\n"));
                assert.ok(podFalse[0].startsWith(`${workloadOf(type, "web", kubernetesResource(type, {}))!.label}: ${podPath}.securityContext.runAsNonRoot is false, so nothing stops the pod's containers from running as root.\n`), podFalse[0]);
                assert.ok(podFalse[0].endsWith(`Fix: ${podPath}.securityContext = { runAsNonRoot: true }`));
                const containerFalse = validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: true }, containers: [app({ runAsNonRoot: false })] }));
                assert.strictEqual(containerFalse.length, 1);
                assert.match(containerFalse[0], /container "app": .*containers\[0\]\.securityContext\.runAsNonRoot is false, so nothing stops the container from running as root\.\n.*\nFix: containers\[0\]\.securityContext = \{ runAsNonRoot: true \}$/);
            });

            it("flags runAsUser: 0 on the pod and on containers, even where a container overrides the pod's", () => {
                const messages = validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: true, runAsUser: 0 }, containers: [app({ runAsUser: 1000 }), app({ runAsUser: 0 }, "b")] }));
                assert.strictEqual(messages.length, 2, messages.join("\n"));
                assert.ok(messages[0].includes(`: ${podPath}.securityContext.runAsUser is 0, so the pod's containers run as root.\n`), messages[0]);
                assert.ok(messages[0].endsWith(`Fix: ${podPath}.securityContext = { runAsUser: 10001 } // a non-root uid the image can run as, or unset to run as the image's USER`));
                assert.match(messages[1], /container "b": .*containers\[1\]\.securityContext\.runAsUser is 0, so the container runs as root\.\n.*\nFix: containers\[1\]\.securityContext = \{ runAsUser: 10001 \} \/\/ a non-root uid/);
            });

            it("remediates runAsNonRoot (on the pod for containers that inherit nothing), never runAsUser; twice is once", () => {
                const props = kubernetesResource(type, { securityContext: { fsGroup: 2000 }, containers: [app(), app({ runAsNonRoot: false, runAsUser: 0 }, "b")] });
                const fixed = remediate(policy, type, props);
                assert.deepStrictEqual(fixed, kubernetesResource(type, { securityContext: { fsGroup: 2000, runAsNonRoot: true }, containers: [app(), app({ runAsNonRoot: true, runAsUser: 0 }, "b")] }));
                const left = validate(policy, type, fixed);
                assert.strictEqual(left.length, 1, left.join("\n"));
                assert.match(left[0], /containers\[1\]\.securityContext\.runAsUser is 0/);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    const type = "kubernetes:apps/v1:Deployment";

    it("remediates a pod-level false, and creates the pod's securityContext when there is none", () => {
        const podFalse = remediate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: false }, containers: [app()] }));
        assert.deepStrictEqual(podFalse, kubernetesResource(type, { securityContext: { runAsNonRoot: true }, containers: [app()] }));
        const none = remediate(policy, type, kubernetesResource(type, { containers: [app()] }));
        assert.deepStrictEqual(none, kubernetesResource(type, { securityContext: { runAsNonRoot: true }, containers: [app()] }));
        assert.strictEqual(remediate(policy, type, kubernetesResource(type, { securityContext: { runAsUser: 0 }, containers: [app({ runAsNonRoot: true })] })), undefined, "no uid is picked");
    });

    it("lets a pod in a user namespace (hostUsers: false) run as any user, as PSA does since v1.35", () => {
        const rootPod = { securityContext: { runAsNonRoot: false, runAsUser: 0 }, containers: [app({ runAsNonRoot: false, runAsUser: 0 }), app(undefined, "b")] };
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostUsers: false, ...rootPod })), []);
        assert.strictEqual(remediate(policy, type, kubernetesResource(type, { hostUsers: false, ...rootPod })), undefined);
        assert.strictEqual(validate(policy, type, kubernetesResource(type, { hostUsers: true, ...rootPod })).length, 4, "b inherits the pod's false: the pod's finding");
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostUsers: UNKNOWN_BOOL, ...rootPod })), [], "hostUsers may be false: judged at up");
        const malformed = validate(policy, type, kubernetesResource(type, { hostUsers: "false", securityContext: { runAsNonRoot: true }, containers: [app()] }));
        assert.strictEqual(malformed.length, 1, malformed.join("\n"));
        assert.match(malformed[0], /^Deployment shop\/web: spec\.template\.spec\.hostUsers can't be read \(expected a boolean, found a string\), so it doesn't exempt the pod: only false \(a user namespace\) does\./);
    });

    it("judges Windows pods too: PSA has no Windows exemption for these checks", () => {
        const windows = kubernetesResource("kubernetes:core/v1:Pod", { os: { name: "windows" }, containers: [app()] });
        assert.strictEqual(validate(policy, "kubernetes:core/v1:Pod", windows).length, 1);
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:Pod", kubernetesResource("kubernetes:core/v1:Pod", { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [app()] })), []);
    });

    it("judges a patch only on what it sets", () => {
        const patch = "kubernetes:apps/v1:DeploymentPatch";
        assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "app", image: "x:2" }] })), [], "unset here may be true in the live object");
        assert.strictEqual(remediate(policy, patch, kubernetesResource(patch, { containers: [{ name: "app", image: "x:2" }] })), undefined);
        assert.match(validate(policy, patch, kubernetesResource(patch, { securityContext: { runAsNonRoot: false } }))[0], /^DeploymentPatch shop\/web: spec\.template\.spec\.securityContext\.runAsNonRoot is false/);
        assert.match(validate(policy, patch, kubernetesResource(patch, { containers: [app({ runAsUser: 0 })] }))[0], /containers\[0\]\.securityContext\.runAsUser is 0/);
        assert.deepStrictEqual(remediate(policy, patch, kubernetesResource(patch, { containers: [app({ runAsNonRoot: false })] })), kubernetesResource(patch, { containers: [app({ runAsNonRoot: true })] }));
    });

    it("reports values of the wrong type as unreadable", () => {
        const messages = validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: "true", runAsUser: "0" }, containers: [app({ runAsNonRoot: 1, runAsUser: 1.5 })] }));
        assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
            "Deployment shop/web: spec.template.spec.securityContext.runAsNonRoot can't be read (expected a boolean, found a string); it must be true.",
            "Deployment shop/web: spec.template.spec.securityContext.runAsUser can't be read (expected an integer, found a string); it must not be 0.",
            'Deployment shop/web, container "app": spec.template.spec.containers[0].securityContext.runAsNonRoot can\'t be read (expected a boolean, found a number); it must be true.',
            'Deployment shop/web, container "app": spec.template.spec.containers[0].securityContext.runAsUser can\'t be read (expected an integer, found a number); it must not be 0.',
        ]);
    });

    it("gives no false violation on values unknown during preview, and judges the rest", () => {
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: UNKNOWN_BOOL }, containers: [app(), app({ runAsUser: UNKNOWN_NUMBER }, "b")] })), []);
        assert.strictEqual(remediate(policy, type, kubernetesResource(type, { securityContext: { runAsNonRoot: UNKNOWN_BOOL }, containers: [app()] })), undefined);
        const messages = validate(policy, type, kubernetesResource(type, { containers: [app({ runAsNonRoot: UNKNOWN_BOOL }), app(undefined, "b")] }));
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /container "b"/);
    });

    it("honours the exemption annotation, exemptImages and exclude", () => {
        assertKubernetesExemptions(policy, (name, image) => ({ name, image, securityContext: { runAsNonRoot: false } }));
    });

    it("checks its config, naming the key", () => {
        const props = kubernetesResource(type, { containers: [app({ runAsNonRoot: true })] });
        assert.throws(() => validate(policy, type, props, { config: { exemptImages: "x" } }), (e: Error) => e instanceof ConfigError && /"container-run-as-non-root", config key "exemptImages": expected a list of strings/.test(e.message));
        assert.throws(() => resolveConfig([policy], { "container-run-as-non-root": { runAsUser: 1000 } }, "c.json"), /"runAsUser"/);
    });

    describe("Docker: user", () => {
        const cases: Array<[string, unknown, RegExp | undefined]> = [
            ["unset", undefined, /user is not set, so the container runs as the image's USER: root, unless the image sets another\./],
            ["empty (the provider's default)", "", /user is not set/],
            ["root", "root", /user is "root", so the container runs as root \(uid 0\)\./],
            ["uid 0", "0", /user is "0", so the container runs as root/],
            ["root with a group", "root:app", /user is "root:app", so the container runs as root/],
            ["uid 0 with a gid", "0:10001", /user is "0:10001"/],
            ["a group alone", ":10001", /user is ":10001", which names a group but no user/],
            ["not a string", 10001, /user can't be read \(expected a string, found a number\); it must name a non-root user/],
            ["a named user", "app", undefined],
            ["a uid and gid", "10001:10001", undefined],
            ["a name that only starts like root", "rootless", undefined],
            ["unknown during preview", UNKNOWN_STRING, undefined],
        ];
        for (const [title, user, expected] of cases) {
            it(`${title}: ${expected ? "flagged" : "passes"} on docker.Container, docker.Service and Compose`, () => {
                const forms: Array<[string, object, string]> = [
                    [dockerContainer, { image: "x", ...(user !== undefined && { user }) }, "docker.Container web: user "],
                    [dockerService, { taskSpec: { containerSpec: { image: "x", ...(user !== undefined && { user }) } } }, "docker.Service web: taskSpec.containerSpec.user "],
                    [compose, { image: "x", ...(user !== undefined && { user }) }, "Compose service web: user "],
                ];
                for (const [resourceType, props, start] of forms) {
                    const messages = validate(policy, resourceType, props);
                    if (expected) {
                        assert.strictEqual(messages.length, 1, `${resourceType}: ${messages.join("\n")}`);
                        assert.ok(messages[0].startsWith(start), messages[0]);
                        assert.match(messages[0], expected);
                    } else {
                        assert.deepStrictEqual(messages, [], resourceType);
                    }
                    assert.strictEqual(remediate(policy, resourceType, props), undefined, "which uid the image supports is not mechanical");
                }
            });
        }

        it("gives the fix for each resource kind", () => {
            assert.match(validate(policy, dockerContainer, { image: "x" })[0], /\nFix: new docker\.Container\("web", \{ \.\.\.args, user: "10001:10001" \}\) \/\/ a non-root user the image can run as$/);
            assert.match(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x" } } })[0], /\nFix: new docker\.Service\("web", \{ \.\.\.args, taskSpec: \{ containerSpec: \{ \.\.\.containerSpec, user: "10001:10001" \} \} \}\)/);
            assert.match(validate(policy, compose, { image: "x", user: "root" })[0], /\nFix: services\.web\.user: "10001:10001" # a non-root user the image can run as$/);
        });

        it("honours the exemption label and exemptImages", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", labels: [{ label: "container-guard/exempt", value: "*" }] }), []);
            assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "nginx:1.27", user: "root" } } }, { config: { exemptImages: ["nginx:*"] } }), []);
        });
    });

    describe("image builds: the user the shipped stage runs as", () => {
        const build = (inline: string, extra: object = {}) => validate(policy, "docker-build:index:Image", { dockerfile: { inline }, context: { location: "." }, ...extra });
        it("flags a last USER that is root, at its line, whatever stage sets it", () => {
            const [message, ...rest] = build("FROM node:22 AS base\nUSER node\nFROM base AS run\nUSER 0:0\nCMD [\"node\"]\n");
            assert.deepStrictEqual(rest, []);
            assert.match(message, /^docker_build\.Image web, dockerfile\.inline line 4, stage "run": USER 0:0 runs the shipped image as root\.\nWhy: .*\nFix: end the shipped stage with USER 10001:10001/);
            assert.match(build("FROM alpine AS base\nUSER root\nFROM base\nCOPY app /\n")[0], /line 2, stage "base": USER root runs the shipped image as root/);
        });
        it("flags no USER at all, unless the base is a nonroot image", () => {
            assert.match(build("FROM node:22\nCOPY . .\n")[0], /dockerfile\.inline line 1, stage #0: the stage sets no USER, so the image runs as the user of node:22: root, unless that image sets another/);
            assert.match(build("FROM scratch\nCOPY app /\n")[0], /its base, scratch, has none: the image runs as uid 0 \(root\)/);
            assert.deepStrictEqual(build("FROM golang:1.23 AS build\nRUN go build\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /a /a\n"), []);
            assert.deepStrictEqual(build("FROM gcr.io/distroless/base:debug-nonroot\n"), []);
        });
        it("passes a non-root last USER, follows the target and expands ARGs", () => {
            assert.deepStrictEqual(build("FROM alpine\nUSER root\nRUN apk add curl\nUSER app\n"), []);
            assert.deepStrictEqual(build("FROM alpine AS debug\nUSER root\nFROM alpine AS run\nUSER 10001\n", { target: "run" }), []);
            assert.match(build("FROM alpine AS debug\nUSER root\nFROM alpine AS run\nUSER 10001\n", { target: "debug" })[0], /USER root runs the shipped image as root/);
            assert.deepStrictEqual(build("ARG RUN_AS=10001\nFROM alpine\nARG RUN_AS\nUSER ${RUN_AS}\n"), []);
            assert.match(build("ARG RUN_AS=10001\nFROM alpine\nARG RUN_AS\nUSER ${RUN_AS}\n", { buildArgs: { RUN_AS: "0" } })[0], /USER 0 runs the shipped image as root/);
        });
        it("holds back what isn't known at preview, and leaves an unreadable Dockerfile to image-multi-stage-build", () => {
            assert.deepStrictEqual(build("ARG RUN_AS\nFROM alpine\nARG RUN_AS\nUSER ${RUN_AS}\n", { buildArgs: { RUN_AS: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { dockerfile: { inline: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { dockerfile: { location: "/nonexistent/Dockerfile" } }), []);
        });
        it("honours exclude and exemptImages", () => {
            assert.deepStrictEqual(build("FROM alpine\nUSER root\n", { tags: ["registry.example.com/tools/debug:1"] }).length, 1);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { dockerfile: { inline: "FROM alpine\nUSER root\n" }, tags: ["registry.example.com/tools/debug:1"] }, { config: { exemptImages: ["registry.example.com/tools/*"] } }), []);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { dockerfile: { inline: "FROM alpine\nUSER root\n" } }, { config: { exclude: ["web"] } }), []);
        });
    });

    it("scan: reports Compose services at the line of their user", () => {
        const file = path.join("test", "fixtures", "scan", "container-run-as-non-root", "compose.yaml");
        const result = scanned([file], [policy]);
        assert.deepStrictEqual(result.errors, []);
        // worker has no user: its finding is at the service's key.
        assert.deepStrictEqual(result.findings.map(f => `${f.resource.label} ${f.level} ${f.location.file}:${f.location.line}`), [`Compose service api advisory ${file}:4`, `Compose service worker advisory ${file}:5`]);
        assert.match(result.findings[0].message, /user is "0:0", so the container runs as root/);
        assert.match(result.findings[1].message, /user is not set, so the container runs as the image's USER/);
    });

    it("agrees with PSA restricted on every fixture of v1.37 and v1.25, as a Pod, a Deployment and a CronJob", () => {
        const { owned, wrong } = ownedCheckDisagreements([policy], resolveConfig([policy], { [policy.name]: "mandatory" }, "test"), "restricted", ["runasnonroot", "runasuser"]);
        assert.deepStrictEqual(wrong, []);
        assert.strictEqual(owned, 14, "four runasnonroot and three runasuser fail/ files per version");
    });
});
