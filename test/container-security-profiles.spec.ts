import * as assert from "assert";
import { resolveConfig } from "../cli/config";
import { main } from "../cli/main";
import { securityProfiles as policy } from "../policies/container-security-profiles";
import { ConfigError } from "../policies/lib/config";
import { workloadOf } from "../policies/lib/workloads";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_BOOL, UNKNOWN_OBJECT, UNKNOWN_STRING, validate } from "./helpers";
import { asWorkload, ownedCheckDisagreements, PsaLevel } from "./psa-fixtures";

const compose = "compose:service";
const deployment = "kubernetes:apps/v1:Deployment";
const restricted = { config: { profile: "restricted" } };
const annotation = (container: string) => `container.apparmor.security.beta.kubernetes.io/${container}`;
const seccomp = (type: unknown) => ({ seccompProfile: { type } });

/** A Deployment whose pod template has these annotations. */
const annotated = (annotations: unknown, spec: object) => ({
    metadata: { name: "web", namespace: "shop" },
    spec: { selector: {}, template: { metadata: { annotations }, spec } },
});

/** The property path each message names (what follows the subject's `: `). */
const locations = (messages: string[]) => messages.map(m => /^[^:]*: (\S+)/.exec(m)![1]);

describe("container-security-profiles", () => {
    describe("every Kubernetes workload kind", () => {
        for (const type of representativeKubernetesTypes) {
            describe(type, () => {
                const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;
                const insecure = () =>
                    kubernetesResource(type, {
                        securityContext: seccomp("Unconfined"),
                        containers: [{ name: "app", image: "a", securityContext: { appArmorProfile: { type: "Unconfined" } } }, { name: "sidecar", image: "s" }],
                        initContainers: [{ name: "init", image: "i", securityContext: { procMount: "Unmasked" } }],
                        ephemeralContainers: [{ name: "debug", image: "d", securityContext: { seLinuxOptions: { type: "spc_t" } } }],
                    });

                it("flags each offending setting where it is written: the pod's once, each container's on its own", () => {
                    const messages = validate(policy, type, insecure());
                    assert.deepStrictEqual(locations(messages), [
                        `${podPath}.securityContext.seccompProfile.type`,
                        `${podPath}.containers[0].securityContext.appArmorProfile.type`,
                        `${podPath}.initContainers[0].securityContext.procMount`,
                        `${podPath}.ephemeralContainers[0].securityContext.seLinuxOptions.type`,
                    ]);
                    assert.ok(messages[0].startsWith(`${workloadOf(type, "web", insecure())!.label}: ${podPath}.securityContext.seccompProfile.type is "Unconfined"`), messages[0]);
                    assert.match(messages[1], /, container "app": /);
                });

                it("passes the runtime's profiles, Localhost ones, and nothing set at all", () => {
                    const secure = kubernetesResource(type, {
                        securityContext: { seccompProfile: { type: "RuntimeDefault" }, appArmorProfile: { type: "Localhost", localhostProfile: "k8s-web" } },
                        containers: [{ name: "app", image: "a", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p.json" }, procMount: "Default" } }],
                    });
                    assert.deepStrictEqual(validate(policy, type, secure), []);
                    assert.deepStrictEqual(validate(policy, type, secure, restricted), []);
                    assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [{ name: "app", image: "a" }] })), []);
                });

                it("remediates every mechanical fix; the result passes, and twice is once", () => {
                    const fixed = remediate(policy, type, insecure());
                    assert.deepStrictEqual(
                        fixed,
                        kubernetesResource(type, {
                            securityContext: seccomp("RuntimeDefault"),
                            containers: [{ name: "app", image: "a", securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }, { name: "sidecar", image: "s" }],
                            initContainers: [{ name: "init", image: "i", securityContext: { procMount: "Default" } }],
                            ephemeralContainers: [{ name: "debug", image: "d", securityContext: { seLinuxOptions: {} } }],
                        }),
                    );
                    assert.deepStrictEqual(validate(policy, type, fixed), []);
                    assert.strictEqual(remediate(policy, type, fixed), undefined);
                });
            });
        }
    });

    describe("seccomp", () => {
        it("names the field, why, and the fix for the container", () => {
            const [message] = validate(policy, deployment, kubernetesResource(deployment, { containers: [{ name: "a", image: "x" }, { name: "api", image: "x", securityContext: seccomp("Unconfined") }] }));
            assert.strictEqual(
                message,
                'Deployment shop/web, container "api": spec.template.spec.containers[1].securityContext.seccompProfile.type is "Unconfined"; it must be "RuntimeDefault" or "Localhost".\n' +
                    "Why: without a seccomp filter every system call reaches the host's kernel, the rarely used ones that most container escapes go through among them.\n" +
                    'Fix: containers[1].securityContext = { seccompProfile: { type: "RuntimeDefault" } }',
            );
        });

        it("counts a seccompProfile without a valid type as bad, as PSA does", () => {
            const cases: Array<[unknown, string]> = [
                [{}, "seccompProfile.type is not set, so the profile has no valid type"],
                [{ localhostProfile: "p.json" }, "seccompProfile.type is not set"],
                [{ type: "" }, 'seccompProfile.type is ""'],
                [{ type: "runtime/default" }, 'seccompProfile.type is "runtime/default"'],
                [{ type: 1 }, "seccompProfile.type can't be read (expected a string, found a number)"],
                ["RuntimeDefault", "seccompProfile can't be read (expected an object, found a string)"],
            ];
            for (const [profile, expected] of cases) {
                const messages = validate(policy, deployment, kubernetesResource(deployment, { securityContext: { seccompProfile: profile }, containers: [{ name: "a" }] }));
                assert.strictEqual(messages.length, 1, JSON.stringify(profile));
                assert.ok(messages[0].includes(`spec.template.spec.securityContext.${expected}`), messages[0]);
                const fixed = remediate(policy, deployment, kubernetesResource(deployment, { securityContext: { seccompProfile: profile }, containers: [{ name: "a" }] }));
                assert.deepStrictEqual(fixed.spec.template.spec.securityContext, seccomp("RuntimeDefault"));
            }
        });

        describe("profile: restricted", () => {
            const podSeccomp = "spec.template.spec.securityContext.seccompProfile";

            it("asks each container without a profile for one, with the fix at pod level", () => {
                const props = kubernetesResource(deployment, { containers: [{ name: "app" }, { name: "pinned", securityContext: seccomp("Localhost") }], initContainers: [{ name: "init" }] });
                const messages = validate(policy, deployment, props, restricted);
                assert.deepStrictEqual(locations(messages), ["spec.template.spec.containers[0].securityContext.seccompProfile", "spec.template.spec.initContainers[0].securityContext.seccompProfile"]);
                assert.strictEqual(
                    messages[0],
                    `Deployment shop/web, container "app": spec.template.spec.containers[0].securityContext.seccompProfile is not set, nor is the pod's (${podSeccomp}): the restricted profile asks for "RuntimeDefault" or "Localhost".\n` +
                        "Why: with no profile the container runs Unconfined (unless the kubelet's seccompDefault is on), so every system call reaches the host's kernel.\n" +
                        'Fix: spec.template.spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } } // every container without a profile of its own inherits it',
                );
                assert.deepStrictEqual(validate(policy, deployment, props), [], "baseline asks for nothing");
                const fixed = remediate(policy, deployment, props, restricted);
                assert.deepStrictEqual(fixed.spec.template.spec.securityContext, seccomp("RuntimeDefault"));
                assert.deepStrictEqual(fixed.spec.template.spec.containers[1].securityContext, seccomp("Localhost"));
                assert.deepStrictEqual(validate(policy, deployment, fixed, restricted), []);
            });

            it("takes a valid pod profile for every container; a bad one is the pod's finding alone", () => {
                const withPod = (type: unknown) => kubernetesResource(deployment, { securityContext: { runAsNonRoot: true, ...seccomp(type) }, containers: [{ name: "app" }, { name: "b" }] });
                assert.deepStrictEqual(validate(policy, deployment, withPod("RuntimeDefault"), restricted), []);
                assert.deepStrictEqual(locations(validate(policy, deployment, withPod("Unconfined"), restricted)), [`${podSeccomp}.type`]);
                const fixed = remediate(policy, deployment, withPod("Unconfined"), restricted);
                assert.deepStrictEqual(fixed.spec.template.spec.securityContext, { runAsNonRoot: true, ...seccomp("RuntimeDefault") });
            });

            it("holds back while the pod's profile or the container's is unknown", () => {
                for (const podContext of [UNKNOWN_OBJECT, { seccompProfile: UNKNOWN_OBJECT }, { seccompProfile: { type: UNKNOWN_STRING } }]) {
                    assert.deepStrictEqual(validate(policy, deployment, kubernetesResource(deployment, { securityContext: podContext, containers: [{ name: "a" }] }), restricted), []);
                }
                for (const securityContext of [UNKNOWN_OBJECT, { seccompProfile: UNKNOWN_OBJECT }, seccomp(UNKNOWN_STRING)]) {
                    assert.deepStrictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: [{ name: "a", securityContext }] }), restricted), []);
                }
            });

            it("exempts Windows pods (and an OS unknown during preview) from seccomp entirely, as PSA restricted does", () => {
                for (const os of [{ name: "windows" }, { name: UNKNOWN_STRING }]) {
                    const props = kubernetesResource(deployment, { os, securityContext: seccomp("Unconfined"), containers: [{ name: "a" }, { name: "b", securityContext: seccomp("Unconfined") }] });
                    assert.deepStrictEqual(validate(policy, deployment, props, restricted), []);
                    assert.strictEqual(validate(policy, deployment, props).length, 2, "baseline judges explicit profiles on every OS");
                }
                assert.strictEqual(validate(policy, deployment, kubernetesResource(deployment, { os: { name: "linux" }, containers: [{ name: "a" }] }), restricted).length, 1);
            });

            it("judges a patch only on what it sets", () => {
                const patch = "kubernetes:apps/v1:DeploymentPatch";
                assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", image: "x" }] }), restricted), []);
                assert.strictEqual(remediate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", image: "x" }] }), restricted), undefined);
                assert.match(validate(policy, patch, kubernetesResource(patch, { securityContext: seccomp("Unconfined") }), restricted)[0], /^DeploymentPatch shop\/web: spec\.template\.spec\.securityContext\.seccompProfile\.type is "Unconfined"/);
            });
        });
    });

    describe("AppArmor", () => {
        it("judges the pod and container fields like seccomp's", () => {
            const props = kubernetesResource(deployment, { securityContext: { appArmorProfile: { type: "Unconfined" } }, containers: [{ name: "a", securityContext: { appArmorProfile: {} } }] });
            const messages = validate(policy, deployment, props);
            assert.deepStrictEqual(locations(messages), ["spec.template.spec.securityContext.appArmorProfile.type", "spec.template.spec.containers[0].securityContext.appArmorProfile.type"]);
            assert.match(messages[0], /\nWhy: unconfined by AppArmor, the container loses the runtime's profile/);
            const fixed = remediate(policy, deployment, props).spec.template.spec;
            assert.deepStrictEqual([fixed.securityContext, fixed.containers[0].securityContext], [{ appArmorProfile: { type: "RuntimeDefault" } }, { appArmorProfile: { type: "RuntimeDefault" } }]);
        });

        it("judges each annotation on the pod template, naming its container and the exact path", () => {
            const props = annotated({ [annotation("app")]: "unconfined", [annotation("init")]: "localhost/k8s-init", [annotation("side")]: "runtime/default", [annotation("empty")]: "" }, {
                containers: [{ name: "app" }, { name: "side" }, { name: "empty" }],
                initContainers: [{ name: "init" }],
            });
            const messages = validate(policy, deployment, props);
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.strictEqual(
                messages[0],
                `Deployment shop/web, container "app": spec.template.metadata.annotations["${annotation("app")}"] is "unconfined"; it must be "runtime/default" or "localhost/<profile>".\n` +
                    "Why: unconfined by AppArmor, the container loses the runtime's profile that keeps it from mounting filesystems, writing to /proc and /sys, and other ways out to the host.\n" +
                    `Fix: spec.template.metadata.annotations["${annotation("app")}"] = "runtime/default"`,
            );
            const fixed = remediate(policy, deployment, props);
            assert.strictEqual(fixed.spec.template.metadata.annotations[annotation("app")], "runtime/default");
            assert.strictEqual(fixed.spec.template.metadata.annotations[annotation("init")], "localhost/k8s-init");
        });

        it("judges every annotation with the prefix, as PSA does, even one naming no container (on the workload)", () => {
            const messages = validate(policy, deployment, annotated({ [annotation("gone")]: "unconfined", other: "unconfined" }, { containers: [{ name: "app" }] }));
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [`Deployment shop/web: spec.template.metadata.annotations["${annotation("gone")}"] is "unconfined"; it must be "runtime/default" or "localhost/<profile>".`]);
        });

        it("reads a Pod's own metadata and a CronJob's job template", () => {
            const pod = { metadata: { name: "p", annotations: { [annotation("a")]: "unconfined" } }, spec: { containers: [{ name: "a" }] } };
            assert.deepStrictEqual(locations(validate(policy, "kubernetes:core/v1:Pod", pod)), [`metadata.annotations["${annotation("a")}"]`]);
            const cron = asWorkload("CronJob", pod);
            assert.deepStrictEqual(locations(validate(policy, cron.type, cron.props)), [`spec.jobTemplate.spec.template.metadata.annotations["${annotation("a")}"]`]);
        });

        it("reports unreadable annotations and holds back unknown ones", () => {
            assert.match(validate(policy, deployment, annotated({ [annotation("a")]: 7 }, { containers: [{ name: "a" }] }))[0], /annotations\["[^"]+"\] can't be read \(expected a string, found a number\)/);
            assert.match(validate(policy, deployment, annotated(["x"], { containers: [{ name: "a" }] }))[0], /^Deployment shop\/web: spec\.template\.metadata\.annotations can't be read \(expected a map, found a list\)/);
            assert.deepStrictEqual(validate(policy, deployment, annotated({ [annotation("a")]: UNKNOWN_STRING }, { containers: [{ name: "a" }] })), []);
            assert.deepStrictEqual(validate(policy, deployment, annotated({ [annotation("a")]: "unconfined" }, { containers: [{ name: UNKNOWN_STRING }] })).length, 1, "judged, at pod level, when the name is unknown");
        });
    });

    describe("SELinux", () => {
        const withOptions = (pod: unknown, container: unknown) => kubernetesResource(deployment, { securityContext: { seLinuxOptions: pod }, containers: [{ name: "a", securityContext: { seLinuxOptions: container } }] });

        it("allows PSA's types (container_engine_t since v1.31), an empty user or role, and any level", () => {
            for (const type of ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]) {
                assert.deepStrictEqual(validate(policy, deployment, withOptions({ type, level: "s0:c1,c2" }, { type, user: "", role: "" })), [], type);
            }
        });

        it("flags a custom user, role and type, one finding per key, and removes them keeping the level", () => {
            const messages = validate(policy, deployment, withOptions({ user: "system_u", role: "system_r", level: "s0:c1" }, { type: "spc_t" }));
            assert.deepStrictEqual(locations(messages), [
                "spec.template.spec.securityContext.seLinuxOptions.user",
                "spec.template.spec.securityContext.seLinuxOptions.role",
                "spec.template.spec.containers[0].securityContext.seLinuxOptions.type",
            ]);
            assert.match(messages[0], /seLinuxOptions\.user is "system_u": a custom SELinux user is forbidden\.\nWhy: a custom SELinux user or role/);
            assert.match(messages[0], /\nFix: spec\.template\.spec\.securityContext = \{ seLinuxOptions: \{ level: "s0:c1" \} \} \/\/ the runtime's own label \(container_t\)$/);
            assert.match(messages[2], /seLinuxOptions\.type is "spc_t"; it must be unset or container_t, container_init_t, container_kvm_t or container_engine_t\./);
            const fixed = remediate(policy, deployment, withOptions({ user: "system_u", role: "system_r", level: "s0:c1" }, { type: "spc_t", level: "s0" }));
            assert.deepStrictEqual(fixed.spec.template.spec.securityContext.seLinuxOptions, { level: "s0:c1" });
            assert.deepStrictEqual(fixed.spec.template.spec.containers[0].securityContext.seLinuxOptions, { level: "s0" });
        });

        it("reports what can't be read, and holds back what is unknown", () => {
            assert.match(validate(policy, deployment, withOptions("spc_t", undefined))[0], /securityContext\.seLinuxOptions can't be read \(expected an object, found a string\)/);
            assert.match(validate(policy, deployment, withOptions({ user: 0 }, undefined))[0], /seLinuxOptions\.user can't be read \(expected a string, found a number\)/);
            assert.deepStrictEqual(validate(policy, deployment, withOptions({ type: UNKNOWN_STRING, user: UNKNOWN_STRING }, UNKNOWN_OBJECT)), []);
        });
    });

    describe("/proc mount type", () => {
        const withProcMount = (procMount: unknown, hostUsers?: unknown) => kubernetesResource(deployment, { hostUsers, containers: [{ name: "a", securityContext: { procMount } }] });
        const procMountFindings = (props: object, options = {}) => locations(validate(policy, deployment, props, options)).filter(at => at.endsWith(".procMount")).length;

        it("flags anything but Default, with the user-namespace alternative at baseline", () => {
            const [message] = validate(policy, deployment, withProcMount("Unmasked"));
            assert.strictEqual(
                message,
                'Deployment shop/web, container "a": spec.template.spec.containers[0].securityContext.procMount is "Unmasked", so /proc is not masked; it must be "Default" or unset.\n' +
                    "Why: an unmasked /proc gives the container the kernel interfaces the runtime masks (/proc/kcore, /proc/sysrq-trigger, /proc/sys among them), which reach into the host's kernel.\n" +
                    'Fix: containers[0].securityContext = { procMount: "Default" } // or run the pod in a user namespace: spec.template.spec.hostUsers = false',
            );
            assert.ok(validate(policy, deployment, withProcMount("Unmasked"), restricted).every(m => !/user namespace/.test(m)));
            assert.deepStrictEqual(validate(policy, deployment, withProcMount("Default")), []);
            assert.deepStrictEqual(remediate(policy, deployment, withProcMount("Unmasked", true)), withProcMount("Default", true));
        });

        it("at baseline allows any value in a pod with hostUsers: false (PSA v1.35+); restricted doesn't", () => {
            assert.deepStrictEqual(validate(policy, deployment, withProcMount("Unmasked", false)), []);
            assert.strictEqual(validate(policy, deployment, withProcMount("Unmasked", true)).length, 1);
            assert.strictEqual(procMountFindings(withProcMount("Unmasked", false), restricted), 1, "procMount_restricted overrides the relaxation");
        });

        it("holds back while hostUsers is unknown at baseline, and says when hostUsers can't be read", () => {
            assert.deepStrictEqual(validate(policy, deployment, withProcMount("Unmasked", UNKNOWN_BOOL)), []);
            assert.strictEqual(procMountFindings(withProcMount("Unmasked", UNKNOWN_BOOL), restricted), 1);
            assert.match(validate(policy, deployment, withProcMount("Unmasked", "false"))[0], /\(spec\.template\.spec\.hostUsers can't be read: expected a boolean, found a string\)/);
            assert.match(validate(policy, deployment, withProcMount(1))[0], /procMount can't be read \(expected a string, found a number\); it must be "Default" or unset/);
            assert.deepStrictEqual(validate(policy, deployment, withProcMount(UNKNOWN_STRING)), []);
        });
    });

    describe("unreadable and unknown values", () => {
        it("reports a securityContext that isn't an object once, and leaves it to the user", () => {
            const props = kubernetesResource(deployment, { securityContext: "RuntimeDefault", containers: [{ name: "a", securityContext: ["x"] }] });
            const messages = validate(policy, deployment, props, restricted);
            assert.deepStrictEqual(locations(messages), ["spec.template.spec.securityContext", "spec.template.spec.containers[0].securityContext"]);
            assert.match(messages[1], /securityContext can't be read \(expected an object, found a list\), so the confinement settings in it \(seccomp, AppArmor, SELinux, \/proc\) can.t be checked/);
            assert.strictEqual(remediate(policy, deployment, props, restricted), undefined);
        });

        it("still judges the pod and the other containers when a container or a list is unknown", () => {
            const props = kubernetesResource(deployment, { securityContext: seccomp("Unconfined"), containers: [UNKNOWN_OBJECT, { name: "b", securityContext: { procMount: "Unmasked" } }], initContainers: UNKNOWN_ARRAY });
            assert.deepStrictEqual(locations(validate(policy, deployment, props)), ["spec.template.spec.securityContext.seccompProfile.type", "spec.template.spec.containers[1].securityContext.procMount"]);
        });
    });

    describe("exemptions and config", () => {
        const props = (metadata: object = { name: "web", namespace: "shop" }) =>
            kubernetesResource(deployment, { containers: [{ name: "agent", image: "datadog/agent:7", securityContext: seccomp("Unconfined") }, { name: "app", image: "shop/app:1" }] }, metadata);

        it("honours exemption annotations, exemptImages and exclude", () => {
            const exempt = (value: string) => props({ name: "web", namespace: "shop", annotations: { "container-guard/exempt": value } });
            assert.deepStrictEqual(validate(policy, deployment, exempt("container-security-profiles")), []);
            assert.strictEqual(validate(policy, deployment, exempt("container-no-privileged")).length, 1);
            assert.deepStrictEqual(validate(policy, deployment, props(), { config: { exemptImages: ["datadog/*"] } }), []);
            assert.deepStrictEqual(validate(policy, deployment, props(), { config: { profile: "restricted", exemptImages: ["datadog/*"] } }).length, 1, "the app container is still judged");
            assert.deepStrictEqual(validate(policy, deployment, props(), { config: { exclude: ["shop/web"] } }), []);
            assert.strictEqual(remediate(policy, deployment, props(), { config: { exemptImages: ["**"] } }), undefined);
        });

        it("lets an AppArmor annotation follow its container's exemption", () => {
            const spec = { containers: [{ name: "agent", image: "datadog/agent:7" }, { name: "app", image: "shop/app:1" }] };
            const twoAnnotations = annotated({ [annotation("agent")]: "unconfined", [annotation("app")]: "unconfined" }, spec);
            assert.deepStrictEqual(locations(validate(policy, deployment, twoAnnotations, { config: { exemptImages: ["datadog/*"] } })), [`spec.template.metadata.annotations["${annotation("app")}"]`]);
        });

        it("takes profile baseline by default and checks the config", () => {
            assert.deepStrictEqual(policy.configSchema!.properties.profile, {
                type: "string",
                enum: ["baseline", "restricted"],
                default: "baseline",
                description: (policy.configSchema!.properties.profile as { description: string }).description,
            });
            assert.strictEqual(policy.enforcementLevel, "advisory");
            assert.throws(() => validate(policy, deployment, props(), { config: { profile: "strict" } }), (e: Error) => e instanceof ConfigError && /"container-security-profiles", config key "profile": must be one of "baseline", "restricted", found "strict"/.test(e.message));
            assert.throws(() => validate(policy, deployment, props(), { config: { profile: 1 } }), /config key "profile": expected a string, found a number/);
            assert.throws(() => validate(policy, deployment, props(), { config: { exemptImages: ["["] } }), /config key "exemptImages\[0\]": bad glob/);
        });
    });

    describe("docker.Container", () => {
        const withOptions = (securityOpts: unknown) => ({ image: "redis:7.4", securityOpts });

        it("flags each option that turns confinement off, in both separator forms", () => {
            const flagged: Array<[string, RegExp]> = [
                ["seccomp=unconfined", /without the daemon's default seccomp profile/],
                ["seccomp:unconfined", /without the daemon's default seccomp profile/],
                ["apparmor=unconfined", /without the daemon's AppArmor profile \(docker-default\)/],
                ["apparmor:unconfined", /AppArmor/],
                ["label=disable", /SELinux labelling is off/],
                ["label:disable", /SELinux labelling is off/],
                ["disable", /SELinux labelling is off/],
                ["label=user:system_u", /a custom SELinux user/],
                ["label:role:system_r", /a custom SELinux role/],
                ["label=type:spc_t", /an SELinux type other than container_t/],
            ];
            for (const [option, expected] of flagged) {
                const messages = validate(policy, dockerContainer, withOptions(["no-new-privileges", option]));
                assert.strictEqual(messages.length, 1, option);
                assert.ok(messages[0].startsWith(`docker.Container web: securityOpts[1] is ${JSON.stringify(option)}, `), messages[0]);
                assert.match(messages[0], expected);
                assert.ok(messages[0].endsWith(`Fix: new docker.Container("web", { ...args, securityOpts: ["no-new-privileges"] }) // without ${JSON.stringify(option)}: the daemon's default applies`), messages[0]);
            }
        });

        it("passes the daemon's defaults, custom profiles, allowed labels, and what only Compose reads", () => {
            const fine = ["no-new-privileges", "seccomp=/etc/docker/seccomp/redis.json", "seccomp=builtin", "apparmor=docker-default", "label=type:container_t", "label=level:s0:c1,c2", "label=user:", "systempaths=unconfined"];
            assert.deepStrictEqual(validate(policy, dockerContainer, withOptions(fine)), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, withOptions(undefined)), []);
        });

        it("judges Docker as at baseline under profile restricted: the daemon's defaults apply", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, withOptions([]), restricted), []);
            assert.strictEqual(validate(policy, dockerContainer, withOptions(["seccomp=unconfined"]), restricted).length, 1);
        });

        it("reports unreadable entries, holds back unknown ones, and keeps them in the fix", () => {
            assert.match(validate(policy, dockerContainer, withOptions([7]))[0], /securityOpts\[0\] can't be read \(expected a string, found a number\)/);
            assert.match(validate(policy, dockerContainer, withOptions("seccomp=unconfined"))[0], /securityOpts can't be read \(expected a list, found a string\)/);
            assert.deepStrictEqual(validate(policy, dockerContainer, withOptions(UNKNOWN_ARRAY)), []);
            const [message, ...rest] = validate(policy, dockerContainer, withOptions([UNKNOWN_STRING, "apparmor=unconfined"]));
            assert.deepStrictEqual(rest, []);
            assert.match(message, /securityOpts: \[securityOpts\[0\]\] \}\)/);
        });

        it("remediates by removing the offending options, keeping secrets secret", () => {
            const fixed = remediate(policy, dockerContainer, { image: "x", envs: [{ __secret: "TOKEN=abc" }], securityOpts: ["seccomp=unconfined", "no-new-privileges", "label=disable"] });
            assert.deepStrictEqual(fixed, { image: "x", envs: [{ __secret: "TOKEN=abc" }], securityOpts: ["no-new-privileges"] });
            assert.deepStrictEqual(validate(policy, dockerContainer, fixed), []);
            assert.strictEqual(remediate(policy, dockerContainer, fixed), undefined);
        });

        it("honours the exemption label", () => {
            const labelled = { ...withOptions(["seccomp=unconfined"]), labels: [{ label: "container-guard/exempt", value: "container-security-profiles" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, labelled), []);
        });
    });

    describe("docker.Service", () => {
        const withContext = (seLinuxContext: unknown) => ({ taskSpec: { containerSpec: { image: "x", privileges: { seLinuxContext } } } });

        it("flags a disabled label, a custom user, role or type; has no seccomp or AppArmor setting to judge", () => {
            const messages = validate(policy, dockerService, withContext({ disable: true, user: "u", role: "r", type: "spc_t", level: "s0" }));
            assert.deepStrictEqual(locations(messages), ["disable", "user", "role", "type"].map(key => `taskSpec.containerSpec.privileges.seLinuxContext.${key}`));
            assert.match(messages[0], /seLinuxContext\.disable is true, so SELinux labelling is off for the service's tasks\./);
            assert.ok(messages[0].endsWith('Fix: new docker.Service("web", { ...args, taskSpec: { containerSpec: { ...containerSpec, privileges: { seLinuxContext: { level: "s0" } } } } }) // the runtime\'s own label (container_t)'), messages[0]);
            assert.deepStrictEqual(validate(policy, dockerService, withContext({ disable: false, type: "container_t", level: "s0" })), []);
            assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x" } } }), []);
        });

        it("remediates by removing what is forbidden; reports what can't be read", () => {
            assert.deepStrictEqual(remediate(policy, dockerService, withContext({ disable: true, user: "u", level: "s0" })), withContext({ level: "s0" }));
            assert.match(validate(policy, dockerService, withContext({ disable: "yes" }))[0], /seLinuxContext\.disable can't be read \(expected a boolean, found a string\); it must be false or unset/);
            assert.match(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x", privileges: "all" } } })[0], /taskSpec\.containerSpec\.privileges can't be read \(expected an object, found a string\)/);
            assert.deepStrictEqual(validate(policy, dockerService, withContext({ disable: UNKNOWN_BOOL, type: UNKNOWN_STRING })), []);
        });
    });

    describe("Compose services", () => {
        it("reads security_opt like the daemon, and systempaths=unconfined as Compose does", () => {
            const messages = validate(policy, compose, { image: "x", security_opt: ["systempaths=unconfined", "seccomp:unconfined", "no-new-privileges:true"] }, { name: "api" });
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                'Compose service api: security_opt[0] is "systempaths=unconfined", so /proc and /sys are not masked.',
                'Compose service api: security_opt[1] is "seccomp:unconfined", so the container runs without the daemon\'s default seccomp profile.',
            ]);
            assert.ok(messages[0].endsWith("\nFix: remove services.api.security_opt[0]"), messages[0]);
        });

        it("finds them in a scanned Compose file, at their lines", () => {
            let stdout = "";
            const file = "test/fixtures/scan/container-security-profiles/docker-compose.yml";
            const code = main(["scan", file, "--format", "json"], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {}, stdin: () => [] });
            assert.strictEqual(code, 0, "advisory by default");
            const findings = (JSON.parse(stdout).findings as Array<{ policy: string; line: number; message: string; resource: { label: string } }>).filter(f => f.policy === policy.name);
            assert.deepStrictEqual(findings.map(f => `${f.resource.label}:${f.line}`), ["Compose service api:6", "Compose service api:7", "Compose service api:8"]);
            assert.match(findings[2].message, /security_opt\[2\] is "label=type:spc_t"/);
        });
    });

    it("passes other resources silently", () => {
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:ConfigMap", { data: {} }), []);
    });
});

/** Pod Security Admission's fixtures of the checks this policy owns, with the policy mandatory at each level's profile. */
describe("container-security-profiles against PSA's fixtures", function () {
    this.timeout(300_000);
    const checks = ["seccompprofile_baseline", "seccompprofile_restricted", "apparmorprofile", "selinuxoptions", "procmount", "procmount_restricted"];
    /** Verdicts that changed after their version: the policy follows the newest (asserted, so a change either way shows). */
    const versionDifferences: Record<string, string> = {
        "baseline/v1.25/fail/procmount0.yaml": "a pod with hostUsers: false may unmask /proc at baseline since v1.35",
        "baseline/v1.25/fail/procmount1.yaml": "a pod with hostUsers: false may unmask /proc at baseline since v1.35",
    };
    /** The fail/ files of its checks, v1.37 and v1.25: at restricted also seccompprofile_restricted, and procmount_restricted (v1.37 only). */
    const ownedFiles: Record<PsaLevel, number> = { baseline: 24, restricted: 36 };
    const forms = ["kubernetes:core/v1:Pod", "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob"];

    for (const level of ["baseline", "restricted"] as const) {
        it(`at ${level} (mandatory, profile ${level}): a violation exactly on the fail/ files of its checks, as a Pod, a Deployment and a CronJob`, () => {
            const config = resolveConfig([policy], { [policy.name]: { enforcementLevel: "mandatory", profile: level } }, level);
            const { owned, wrong } = ownedCheckDisagreements([policy], config, level, checks);
            const differences = Object.keys(versionDifferences).filter(file => file.startsWith(`${level}/`));
            console.log(`      PSA agreement (container-security-profiles, ${level}): ${owned - differences.length}/${owned} fail/ files, every pass/ file; version differences: ${differences.map(f => `${f} (${versionDifferences[f]})`).join("; ") || "none"}`);
            assert.strictEqual(owned, ownedFiles[level]);
            assert.deepStrictEqual(wrong, differences.flatMap(file => forms.map(type => `${file} as ${type}: no violation`)));
        });
    }
});
