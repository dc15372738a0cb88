import * as assert from "assert";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { noPrivilegeEscalation as policy } from "../policies/container-no-privilege-escalation";
import { ConfigError } from "../policies/lib/config";
import { workloadOf } from "../policies/lib/workloads";
import {
    assertKubernetesExemptions,
    dockerContainer,
    dockerService,
    kubernetesResource,
    NotApplicable,
    remediate,
    representativeKubernetesTypes,
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_STRING,
    validate,
} from "./helpers";
import { scanned } from "./policy-runs";
import { ownedCheckDisagreements } from "./psa-fixtures";

const escalation = (value: unknown, name = "app") => ({ name, image: "x", securityContext: { allowPrivilegeEscalation: value } });
const compose = "compose:service";

describe("container-no-privilege-escalation", () => {
    for (const type of representativeKubernetesTypes) {
        describe(type, () => {
            const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

            it("flags unset and true in every container list, once per container", () => {
                const props = kubernetesResource(type, {
                    containers: [escalation(false), { name: "bare", image: "x" }, escalation(true, "open")],
                    initContainers: [{ name: "init", image: "x", securityContext: { capabilities: { drop: ["ALL"] } } }],
                    ephemeralContainers: [escalation(true, "debug")],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 4, messages.join("\n"));
                assert.ok(messages[0].startsWith(`${workloadOf(type, "web", props)!.label}, container "bare": ${podPath}.containers[1].securityContext.allowPrivilegeEscalation is not set, and unset allows privilege escalation.\n`), messages[0]);
                assert.match(messages[0], /\nWhy: a set-user-ID or set-group-ID binary .+\nFix: containers\[1\]\.securityContext = \{ allowPrivilegeEscalation: false \}$/);
                assert.match(messages[1], /container "open": .*containers\[2\]\.securityContext\.allowPrivilegeEscalation is true\./);
                assert.match(messages[2], /container "init": .*initContainers\[0\]\.securityContext\.allowPrivilegeEscalation is not set/);
                assert.match(messages[3], /container "debug": .*ephemeralContainers\[0\]\.securityContext\.allowPrivilegeEscalation is true\.\n.*\n.*Fix: ephemeralContainers\[0\]\.securityContext = \{ allowPrivilegeEscalation: false \}/);
            });

            it("passes containers that set it to false", () => {
                const props = kubernetesResource(type, { containers: [escalation(false), escalation(false, "b")], initContainers: [escalation(false, "init")] });
                assert.deepStrictEqual(validate(policy, type, props), []);
            });

            it("remediates by setting false, keeping the rest of the security context; twice is once", () => {
                const props = kubernetesResource(type, { containers: [{ name: "a", image: "x", securityContext: { runAsNonRoot: true } }, escalation(true, "b"), escalation(false, "c")] });
                const fixed = remediate(policy, type, props);
                const expected = kubernetesResource(type, {
                    containers: [{ name: "a", image: "x", securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } }, escalation(false, "b"), escalation(false, "c")],
                });
                assert.deepStrictEqual(fixed, expected);
                assert.deepStrictEqual(validate(policy, type, fixed), []);
                assert.strictEqual(remediate(policy, type, fixed), undefined);
            });
        });
    }

    const type = "kubernetes:apps/v1:Deployment";

    it("exempts Windows pods, and a pod whose OS is known only at `up`, as PSA does", () => {
        for (const os of [{ name: "windows" }, { name: UNKNOWN_STRING }, UNKNOWN_STRING]) {
            const props = kubernetesResource(type, { os, containers: [escalation(true)], initContainers: [{ name: "init", image: "x" }] });
            assert.deepStrictEqual(validate(policy, type, props), [], JSON.stringify(os));
            assert.strictEqual(remediate(policy, type, props), undefined);
        }
        assert.strictEqual(validate(policy, type, kubernetesResource(type, { os: { name: "linux" }, containers: [escalation(true)] })).length, 1);
    });

    it("judges a patch only on what it sets", () => {
        const patch = "kubernetes:apps/v1:DeploymentPatch";
        assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", image: "x:2" }] })), []);
        assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", securityContext: { runAsNonRoot: true } }] })), []);
        assert.match(validate(policy, patch, kubernetesResource(patch, { containers: [escalation(true)] }))[0], /^DeploymentPatch shop\/web, container "app": .*allowPrivilegeEscalation is true/);
        assert.strictEqual(remediate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a" }] })), undefined);
        assert.deepStrictEqual(remediate(policy, patch, kubernetesResource(patch, { containers: [escalation(true)] })), kubernetesResource(patch, { containers: [escalation(false)] }));
    });

    it("reports a value that isn't a boolean as unreadable, and waits for one not known yet", () => {
        const [malformed, ...rest] = validate(policy, type, kubernetesResource(type, { containers: [escalation("false")] }));
        assert.deepStrictEqual(rest, []);
        assert.match(malformed, /allowPrivilegeEscalation can't be read \(expected a boolean, found a string\); it must be false\./);
        assert.deepStrictEqual(remediate(policy, type, kubernetesResource(type, { containers: [escalation("false")] })), kubernetesResource(type, { containers: [escalation(false)] }));
        const unknown = kubernetesResource(type, { containers: [escalation(UNKNOWN_BOOL), escalation(true, "b")] });
        const messages = validate(policy, type, unknown);
        assert.strictEqual(messages.length, 1, "the other container is still judged");
        assert.match(messages[0], /container "b"/);
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: UNKNOWN_ARRAY })), []);
    });

    it("honours the exemption annotation, exemptImages and exclude", () => {
        assertKubernetesExemptions(policy, (name, image) => ({ name, image, securityContext: { allowPrivilegeEscalation: true } }));
    });

    it("checks its config, naming the key", () => {
        const props = kubernetesResource(type, { containers: [escalation(false)] });
        assert.throws(() => validate(policy, type, props, { config: { exclude: "shop/*" } }), (e: Error) => e instanceof ConfigError && /"container-no-privilege-escalation", config key "exclude": expected a list of strings, found a string/.test(e.message));
        assert.throws(() => validate(policy, type, props, { config: { exemptImages: [""] } }), /config key "exemptImages": item 0 is an empty string/);
        assert.throws(() => resolveConfig([policy], { "container-no-privilege-escalation": { allowed: true } }, "c.json"), /"allowed"/);
    });

    describe("docker.Container", () => {
        const container = (securityOpts?: unknown) => ({ image: "nginx:1.27", ...(securityOpts !== undefined && { securityOpts }) });

        it("flags a container without no-new-privileges, saying how to add it", () => {
            const [unset, ...rest] = validate(policy, dockerContainer, container());
            assert.deepStrictEqual(rest, []);
            assert.strictEqual(unset.split("\n")[0], "docker.Container web: securityOpts is not set, so nothing stops privilege escalation.");
            assert.match(unset, /\nFix: new docker\.Container\("web", \{ \.\.\.args, securityOpts: \["no-new-privileges=true"\] \}\)$/);
            const [others] = validate(policy, dockerContainer, container(["seccomp=default.json", "apparmor=docker-default"]));
            assert.match(others, /^docker\.Container web: securityOpts does not include no-new-privileges, so nothing stops privilege escalation\./);
            assert.match(others, /securityOpts: \[\.\.\.securityOpts, "no-new-privileges=true"\]/);
        });

        it("passes every spelling the daemon reads as true", () => {
            for (const option of ["no-new-privileges", "no-new-privileges=true", "no-new-privileges:true", "no-new-privileges=1", "no-new-privileges:True"]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, container(["label=disable", option])), [], option);
            }
        });

        it("flags no-new-privileges turned off, or a value the daemon rejects, at its entry", () => {
            const [off] = validate(policy, dockerContainer, container(["seccomp=unconfined", "no-new-privileges=false"]));
            assert.match(off, /^docker\.Container web: securityOpts\[1\] is "no-new-privileges=false", which lets processes gain privileges\./);
            assert.match(off, /Fix: new docker\.Container\("web", \{ \.\.\.args, securityOpts: \[\.\.\.otherOptions, "no-new-privileges=true"\] \}\) \/\/ instead of "no-new-privileges=false"$/);
            assert.match(validate(policy, dockerContainer, container(["no-new-privileges:0"]))[0], /securityOpts\[0\] is "no-new-privileges:0", which lets processes gain privileges/);
            assert.match(validate(policy, dockerContainer, container(["no-new-privileges=yes"]))[0], /securityOpts\[0\] is "no-new-privileges=yes", which can't be read \(the daemon takes true or false after no-new-privileges and rejects the container\)/);
        });

        it("goes by the last no-new-privileges entry, as the daemon applies them in order", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, container(["no-new-privileges=false", "no-new-privileges"])), []);
            assert.match(validate(policy, dockerContainer, container(["no-new-privileges", "no-new-privileges=false", "label=disable"]))[0], /securityOpts\[1\] is "no-new-privileges=false"/);
        });

        it("counts a malformed list or entry as not setting it, and names what was ignored", () => {
            assert.match(validate(policy, dockerContainer, container("no-new-privileges"))[0], /^docker\.Container web: securityOpts can't be read \(expected a list, found a string\), so no-new-privileges does not count as set\./);
            assert.match(validate(policy, dockerContainer, container([7, "seccomp=unconfined"]))[0], /securityOpts does not include no-new-privileges \(securityOpts\[0\] can't be read and was ignored\)/);
            assert.deepStrictEqual(validate(policy, dockerContainer, container([7, "no-new-privileges"])), [], "the entry that decides is readable");
        });

        it("waits for a value not known yet that may decide, and judges the rest", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, container(UNKNOWN_ARRAY)), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, container(["seccomp=unconfined", UNKNOWN_STRING])), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, container(["no-new-privileges=false", UNKNOWN_STRING])), [], "the unknown entry comes last and may turn it back on");
            assert.match(validate(policy, dockerContainer, container([UNKNOWN_STRING, "no-new-privileges=false"]))[0], /securityOpts\[1\] is "no-new-privileges=false"/, "an earlier unknown entry can't override it");
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: UNKNOWN_STRING, securityOpts: ["no-new-privileges"] }), [], "the image isn't read");
        });

        describe("remediation", () => {
            const cases: Array<[string, unknown, unknown]> = [
                ["adds the option to a container without any", undefined, ["no-new-privileges=true"]],
                ["appends it to the other options", ["seccomp=default.json"], ["seccomp=default.json", "no-new-privileges=true"]],
                ["replaces the entry that turns it off", ["no-new-privileges:false", "label=disable"], ["no-new-privileges=true", "label=disable"]],
                ["replaces a value the daemon rejects", ["no-new-privileges=yes"], ["no-new-privileges=true"]],
                ["replaces a malformed list", "no-new-privileges", ["no-new-privileges=true"]],
            ];
            for (const [title, before, after] of cases) {
                it(title, () => {
                    const fixed = remediate(policy, dockerContainer, container(before));
                    assert.deepStrictEqual(fixed, container(after));
                    assert.deepStrictEqual(validate(policy, dockerContainer, fixed), []);
                    assert.strictEqual(remediate(policy, dockerContainer, fixed), undefined, "remediating twice is remediating once");
                });
            }

            it("changes nothing it can't judge yet", () => {
                assert.strictEqual(remediate(policy, dockerContainer, container(["no-new-privileges=false", UNKNOWN_STRING])), undefined);
            });
        });

        it("honours the exemption label and exemptImages", () => {
            const labelled = { ...container(), labels: [{ label: "container-guard/exempt", value: "container-no-privilege-escalation" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, labelled), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, container(), { config: { exemptImages: ["nginx:*"] } }), []);
        });
    });

    it("reports itself not applicable to docker.Service, saying what to do instead", () => {
        const service = { taskSpec: { containerSpec: { image: "x", user: "10001" } } };
        for (const run of [() => validate(policy, dockerService, service), () => remediate(policy, dockerService, service)]) {
            assert.throws(run, (e: Error) => e instanceof NotApplicable && /no no-new-privileges setting in the Docker provider/.test(e.reason!) && /daemon\.json/.test(e.reason!));
        }
    });

    it("judges Compose services' security_opt, with the fix in Compose terms", () => {
        const [message] = validate(policy, compose, { image: "nginx", security_opt: ["no-new-privileges:false"] });
        assert.match(message, /^Compose service web: security_opt\[0\] is "no-new-privileges:false"/);
        assert.match(message, /Fix: services\.web\.security_opt\[0\]: "no-new-privileges=true" # instead of "no-new-privileges:false"$/, "the entry itself, in YAML");
        assert.match(validate(policy, compose, { image: "nginx" })[0], /Fix: services\.web\.security_opt: \["no-new-privileges=true"\]$/);
        assert.match(validate(policy, compose, { image: "nginx", security_opt: ["label=type:container_t"] })[0], /Fix: add "no-new-privileges=true" to services\.web\.security_opt$/);
        assert.deepStrictEqual(validate(policy, compose, { image: "nginx", security_opt: ["no-new-privileges:true"] }), []);
        assert.deepStrictEqual(remediate(policy, compose, { image: "nginx", security_opt: ["no-new-privileges:false"] }), { image: "nginx", security_opt: ["no-new-privileges=true"] });
    });

    it("scan: reports a Compose service at the line of its security_opt entry", () => {
        const file = path.join("test", "fixtures", "scan", "container-no-privilege-escalation", "compose.yaml");
        const result = scanned([file], [policy]);
        assert.deepStrictEqual(result.errors, []);
        const where = result.findings.map(f => `${f.resource.label} ${f.level} ${f.location.file}:${f.location.line}`);
        // worker has no security_opt: its finding is at the service's key.
        assert.deepStrictEqual(where, [`Compose service api advisory ${file}:6`, `Compose service worker advisory ${file}:7`]);
        assert.match(result.findings[0].message, /security_opt\[1\] is "no-new-privileges=false"/);
        assert.match(result.findings[1].message, /security_opt is not set/);
    });

    it("agrees with PSA restricted on every fixture of v1.37 and v1.25, as a Pod, a Deployment and a CronJob", () => {
        // PSA rejects the privileged fail/ files for allowPrivilegeEscalation too: they clear it, since
        // the API rejects allowPrivilegeEscalation: false with privileged: true.
        const { owned, wrong } = ownedCheckDisagreements([policy], resolveConfig([policy], { [policy.name]: "mandatory" }, "test"), "restricted", ["allowprivilegeescalation", "privileged"]);
        assert.deepStrictEqual(wrong, []);
        assert.strictEqual(owned, 12, "four allowprivilegeescalation and two privileged fail/ files per version");
    });
});
