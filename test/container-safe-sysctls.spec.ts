import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { main } from "../cli/main";
import { safeSysctlNames, safeSysctls as policy } from "../policies/container-safe-sysctls";
import { workloadOf } from "../policies/lib/workloads";
import { dockerContainer, dockerService, kubernetesResource, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_OBJECT, UNKNOWN_STRING, validate } from "./helpers";
import { ownedCheckDisagreements, psaModuleDir } from "./psa-fixtures";

const deployment = "kubernetes:apps/v1:Deployment";
const app = { name: "app", image: "shop/app:1" };
const withSysctls = (sysctls: unknown, type = deployment) => kubernetesResource(type, { containers: [app], securityContext: { sysctls } });
const sysctl = (name: unknown, value = "1") => ({ name, value });

/** PSA's safe sets per version, read from its check_sysctls.go: `sysctlsAllowedV1Dot29 = sysctlsAllowedV1Dot27.Union(sets.NewString("...", ...))`. */
function psaSafeSets(): Map<string, string[]> {
    const source = fs.readFileSync(path.join(psaModuleDir(), "policy", "check_sysctls.go"), "utf8");
    const sets = new Map<string, string[]>();
    for (const [, minor, body] of source.matchAll(/sysctlsAllowedV1Dot(\d+) = [^(]*?(?:\.Union\()?sets\.NewString\(([^)]*)\)/g)) {
        sets.set(`v1.${minor}`, [...body.matchAll(/"([^"]+)"/g)].map(m => m[1]));
    }
    return sets;
}

describe("container-safe-sysctls", () => {
    it("has PSA's safe set at v1.37, each name with the version that admitted it", () => {
        const sets = psaSafeSets();
        assert.deepStrictEqual([...sets.keys()], ["v1.0", "v1.27", "v1.29", "v1.32", "v1.37"]);
        const expected = Object.fromEntries([...sets].flatMap(([version, names]) => names.map(name => [name, version])));
        assert.deepStrictEqual(safeSysctlNames, expected);
    });

    describe("Kubernetes", () => {
        for (const type of representativeKubernetesTypes) {
            describe(type, () => {
                const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

                it("flags each unsafe sysctl once per pod, saying why, and passes the safe ones", () => {
                    const props = kubernetesResource(type, {
                        containers: [app, { name: "sidecar", image: "s" }],
                        securityContext: { sysctls: [sysctl("net.ipv4.ip_local_port_range", "1024 65535"), sysctl("net.core.somaxconn", "4096"), sysctl("vm.max_map_count", "262144")] },
                    });
                    const messages = validate(policy, type, props);
                    assert.strictEqual(messages.length, 2, messages.join("\n"));
                    assert.ok(messages[0].includes(`: ${podPath}.securityContext.sysctls[1].name is "net.core.somaxconn", a sysctl outside the set Pod Security counts as safe.\n`), messages[0]);
                    assert.match(messages[0], /\nWhy: it is namespaced, but not isolated from the other pods on the node: it can take resources from them or weaken the kernel's protections\.\n/);
                    assert.ok(messages[0].endsWith(`Fix: ${podPath}.securityContext = { sysctls: sysctls.filter(s => s.name !== "net.core.somaxconn") } // set it on the nodes (a dedicated node pool) if the app needs it`), messages[0]);
                    assert.ok(messages[1].includes(`${podPath}.securityContext.sysctls[2].name is "vm.max_map_count"`), messages[1]);
                    assert.match(messages[1], /\nWhy: it is not namespaced: it would change the kernel of the whole node, every pod on it included, and can disable its security mechanisms\.\n/);
                });
            });
        }

        it("passes every name of the safe set, and no sysctls at all", () => {
            assert.deepStrictEqual(validate(policy, deployment, withSysctls(Object.keys(safeSysctlNames).map(name => sysctl(name)))), []);
            for (const sysctls of [[], undefined, null]) {
                assert.deepStrictEqual(validate(policy, deployment, withSysctls(sysctls)), []);
            }
            assert.deepStrictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: [app], securityContext: {} })), []);
        });

        it("tells the kernel's namespaced sysctls from the node-wide ones", () => {
            const why = (name: string) => /\nWhy: it is (not )?namespaced/.exec(validate(policy, deployment, withSysctls([sysctl(name)]))[0])![1] === undefined;
            for (const name of ["kernel.msgmax", "kernel.msgmnb", "kernel.sem", "kernel.shmmax", "fs.mqueue.msg_max", "net.ipv4.conf.all.rp_filter", "net.core.somaxconn"]) {
                assert.ok(why(name), `${name} is namespaced`);
            }
            for (const name of ["vm.max_map_count", "kernel.panic", "fs.file-max", "kernel.pid_max", "othersysctl"]) {
                assert.ok(!why(name), `${name} is node-wide`);
            }
        });

        it("compares names as written, as PSA does, and says how to write a slashed safe name", () => {
            const [slashed] = validate(policy, deployment, withSysctls([sysctl("kernel/shm_rmid_forced")]));
            assert.match(slashed, /sysctls\[0\]\.name is "kernel\/shm_rmid_forced", written with "\/": Pod Security compares names as written, so it is not in the safe set; write "kernel\.shm_rmid_forced"\./);
            assert.match(slashed, /\nWhy: the safe set is known by its dotted names/);
            assert.match(validate(policy, deployment, withSysctls([sysctl("net/core/somaxconn")]))[0], /is "net\/core\/somaxconn", a sysctl outside the set.*\nWhy: it is namespaced/s);
            assert.strictEqual(validate(policy, deployment, withSysctls([sysctl("Kernel.shm_rmid_forced")])).length, 1);
        });

        it("holds back on names unknown during preview, and judges the rest", () => {
            for (const sysctls of [UNKNOWN_ARRAY, [UNKNOWN_OBJECT], [sysctl(UNKNOWN_STRING)]]) {
                assert.deepStrictEqual(validate(policy, deployment, withSysctls(sysctls)), [], JSON.stringify(sysctls));
            }
            assert.deepStrictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: [app], securityContext: UNKNOWN_OBJECT })), []);
            assert.strictEqual(validate(policy, deployment, withSysctls([sysctl(UNKNOWN_STRING), sysctl("kernel.msgmax")])).length, 1);
            assert.strictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: UNKNOWN_ARRAY, securityContext: { sysctls: [sysctl("kernel.msgmax")] } })).length, 1);
        });

        it("reports what can't be read, never passing it", () => {
            const cases: Array<[unknown, RegExp]> = [
                ["kernel.msgmax=1", /: spec\.template\.spec\.securityContext\.sysctls can't be read \(expected a list, found a string\), so it could not be checked against the safe set\./],
                [[{ name: 5 }], /securityContext\.sysctls\[0\]\.name can't be read \(expected a sysctl name, found a number\)/],
                [["kernel.msgmax"], /securityContext\.sysctls\[0\] can't be read \(expected an object, found a string\)/],
                [[{ value: "1" }], /securityContext\.sysctls\[0\]\.name can't be read \(is not set\)/],
            ];
            for (const [sysctls, expected] of cases) {
                const messages = validate(policy, deployment, withSysctls(sysctls));
                assert.strictEqual(messages.length, 1, JSON.stringify(sysctls));
                assert.match(messages[0], expected);
            }
        });

        it("judges a patch on the sysctls it sets", () => {
            const patch = "kubernetes:apps/v1:DeploymentPatch";
            assert.match(validate(policy, patch, kubernetesResource(patch, { securityContext: { sysctls: [sysctl("kernel.msgmax")] } }))[0], /^DeploymentPatch shop\/web: spec\.template\.spec\.securityContext\.sysctls\[0\]\.name is "kernel\.msgmax"/);
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [app] })), []);
        });

        it("honours exemption annotations, exemptImages and exclude; it has no remediation", () => {
            const sysctls = { sysctls: [sysctl("net.core.somaxconn")] };
            const annotated = (value: string) => kubernetesResource(deployment, { containers: [app], securityContext: sysctls }, { name: "web", namespace: "shop", annotations: { "container-guard/exempt": value } });
            assert.deepStrictEqual(validate(policy, deployment, annotated("container-safe-sysctls")), []);
            assert.strictEqual(validate(policy, deployment, annotated("container-restricted-volumes")).length, 1);
            assert.deepStrictEqual(validate(policy, deployment, withSysctls(sysctls.sysctls), { config: { exemptImages: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, deployment, withSysctls(sysctls.sysctls), { config: { exclude: ["shop/*"] } }), []);
            assert.strictEqual(policy.remediateResource, undefined);
            assert.match(policy.remediationSteps!, /There is no automatic remediation: removing a sysctl changes how the app behaves\./);
        });
    });

    describe("docker.Container and docker.Service", () => {
        it("flags the unsafe keys of docker.Container sysctls, naming the key", () => {
            const messages = validate(policy, dockerContainer, { image: "redis:7.4", sysctls: { "net.core.somaxconn": "1024", "net.ipv4.tcp_keepalive_time": "300", "kernel.panic": "1" } });
            assert.strictEqual(messages.length, 2, messages.join("\n"));
            assert.match(messages[0], /^docker\.Container web: sysctls\["net\.core\.somaxconn"\] is set, a sysctl outside the set Pod Security counts as safe\.\nWhy: it is namespaced, but not isolated from the other containers on the host/);
            assert.ok(messages[0].endsWith(`Fix: new docker.Container("web", { ...args, sysctls: otherSysctls }) // without "net.core.somaxconn": set it on the hosts if the app needs it`), messages[0]);
            assert.match(messages[1], /sysctls\["kernel\.panic"\] is set, .*\nWhy: it is not namespaced: it would change the kernel of the whole host, every container on it included/s);
        });

        it("flags the unsafe keys of a docker.Service's taskSpec.containerSpec.sysctl", () => {
            const [message, ...rest] = validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x", sysctl: { "net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1" } } } });
            assert.deepStrictEqual(rest, []);
            assert.match(message, /^docker\.Service web: taskSpec\.containerSpec\.sysctl\["net\.ipv4\.ip_forward"\] is set, a sysctl outside the set/);
            assert.ok(message.endsWith(`Fix: new docker.Service("web", { ...args, taskSpec: { containerSpec: { ...containerSpec, sysctl: otherSysctls } } }) // without "net.ipv4.ip_forward": set it on the hosts if the app needs it`), message);
        });

        it("passes safe keys, no sysctls and unknown ones; reports sysctls that aren't a map", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" } }), []);
            for (const sysctls of [undefined, {}, UNKNOWN_OBJECT]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", sysctls }), []);
            }
            const [broken] = validate(policy, dockerContainer, { image: "x", sysctls: ["net.core.somaxconn=1"] });
            assert.match(broken, /^docker\.Container web: sysctls can't be read \(expected a map, found a list\), so it could not be checked against the safe set\./);
        });

        it("honours the exemption label", () => {
            const labels = [{ label: "container-guard/exempt", value: "container-safe-sysctls" }];
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", sysctls: { "kernel.msgmax": "1" }, labels }), []);
        });
    });

    describe("Compose services", () => {
        it("reads sysctls as a map or a NAME=VALUE list", () => {
            const map = validate(policy, "compose:service", { image: "x", sysctls: { "net.core.somaxconn": 1024, "net.ipv4.tcp_syncookies": 0 } });
            assert.strictEqual(map.length, 1);
            assert.match(map[0], /^Compose service web: sysctls\["net\.core\.somaxconn"\] is set, .*\nFix: remove services\.web\.sysctls\["net\.core\.somaxconn"\] # set it on the hosts if the app needs it$/s);
            const list = validate(policy, "compose:service", { image: "x", sysctls: ["net.ipv4.tcp_syncookies=0", "vm.swappiness=10", 5] });
            assert.strictEqual(list.length, 2, list.join("\n"));
            assert.match(list[0], /^Compose service web: sysctls\[2\] can't be read \(expected a "NAME=VALUE" string, found a number\)/);
            assert.match(list[1], /^Compose service web: sysctls\[1\] is "vm\.swappiness", a sysctl outside the set.*\nFix: remove services\.web\.sysctls\[1\] #/s);
        });

        it("is reported by container-guard scan at the line of the sysctl", () => {
            const file = path.join("test", "fixtures", "scan", "container-safe-sysctls", "compose.yaml");
            let stdout = "";
            main(["scan", file, "--format", "json"], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {}, stdin: () => [] });
            const found = (JSON.parse(stdout).findings as Array<{ policy: string; line: number; message: string }>).filter(f => f.policy === policy.name);
            assert.deepStrictEqual(found.map(f => f.line), [6, 12]);
            assert.match(found[0].message, /^Compose service cache: sysctls\["net\.core\.somaxconn"\] is set/);
            assert.match(found[1].message, /^Compose service search: sysctls\[1\] is "vm\.max_map_count"/);
        });
    });

    it("takes only the common config keys, checking them", () => {
        assert.deepStrictEqual(Object.keys(policy.configSchema!.properties).sort(), ["exclude", "exemptImages"]);
        assert.throws(() => validate(policy, deployment, withSysctls([]), { config: { exclude: "web" } }), /policy "container-safe-sysctls", config key "exclude": expected a list of strings, found a string/);
    });

    describe("Pod Security Admission's fixtures for sysctls", () => {
        for (const level of ["baseline", "restricted"] as const) {
            it(`at ${level} (mandatory): a violation exactly on the fail/ files of the check, as a Pod, a Deployment and a CronJob`, function () {
                this.timeout(120_000);
                const config = resolveConfig([policy], { [policy.name]: "mandatory" }, "test");
                const { owned, wrong } = ownedCheckDisagreements([policy], config, level, ["sysctls"]);
                assert.strictEqual(owned, 2, "sysctls0.yaml at v1.37 and v1.25");
                assert.deepStrictEqual(wrong, []);
            });
        }
    });
});
