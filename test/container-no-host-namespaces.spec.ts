import * as assert from "assert";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { noHostNamespaces as policy } from "../policies/container-no-host-namespaces";
import { pidLimit } from "../policies/container-pid-limit";
import { workloadOf } from "../policies/lib/workloads";
import { dockerContainer, dockerService, kubernetesResource, remediate, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_BOOL, UNKNOWN_STRING, validate } from "./helpers";
import { scanFindings } from "./policy-runs";
import { ownedCheckDisagreements } from "./psa-fixtures";

const compose = "compose:service";
const app = (extra: object = {}) => ({ name: "app", image: "registry.example.com/shop/app:1", ...extra });

describe("container-no-host-namespaces", () => {
    describe("Kubernetes: hostNetwork and hostIPC", () => {
        for (const type of representativeKubernetesTypes) {
            describe(type, () => {
                const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

                it("flags hostNetwork and hostIPC once per pod each, leaving hostPID to container-pid-limit", () => {
                    const props = kubernetesResource(type, { hostNetwork: true, hostIPC: true, hostPID: true, containers: [app(), app({ name: "sidecar" })], initContainers: [app({ name: "init" })] });
                    const messages = validate(policy, type, props);
                    assert.strictEqual(messages.length, 2, messages.join("\n"));
                    assert.ok(messages[0].includes(`: ${podPath}.hostNetwork is true, so the pod's containers share the node's network namespace.\n`), messages[0]);
                    assert.match(messages[0], /\nWhy: in the node's network namespace the container uses the node's interfaces directly/);
                    assert.ok(messages[0].endsWith(`\nFix: ${podPath}.hostNetwork = false`), messages[0]);
                    assert.ok(messages[1].includes(`: ${podPath}.hostIPC is true, so the pod's containers share the node's IPC namespace.\n`), messages[1]);
                    assert.match(messages[1], /shared memory, semaphores and message queues of every process on the node/);
                    assert.ok(!messages.some(m => m.includes("hostPID")));
                });

                it("passes false or unset", () => {
                    for (const value of [false, undefined]) {
                        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostNetwork: value, hostIPC: value, hostPID: true, containers: [app()] })), []);
                    }
                });

                it("remediates by setting them to false, changing nothing else; twice is once", () => {
                    const props = kubernetesResource(type, { hostNetwork: true, hostIPC: "true", hostPID: true, containers: [app()] });
                    const fixed = remediate(policy, type, props);
                    assert.deepStrictEqual(fixed, kubernetesResource(type, { hostNetwork: false, hostIPC: false, hostPID: true, containers: [app()] }));
                    assert.deepStrictEqual(validate(policy, type, fixed), []);
                    assert.strictEqual(remediate(policy, type, fixed), undefined);
                });
            });
        }

        const type = "kubernetes:apps/v1:Deployment";

        it("reports a malformed value as unreadable (the provider may coerce \"true\"), but not an unknown one", () => {
            const [message, ...rest] = validate(policy, type, kubernetesResource(type, { hostNetwork: "true", containers: [app()] }));
            assert.deepStrictEqual(rest, []);
            assert.match(message, /spec\.template\.spec\.hostNetwork can't be read \(expected a boolean, found a string\); it must be false or unset\./);
            assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostNetwork: UNKNOWN_BOOL, hostIPC: UNKNOWN_BOOL, containers: [app()] })), []);
            assert.strictEqual(remediate(policy, type, kubernetesResource(type, { hostNetwork: UNKNOWN_BOOL, containers: [app()] })), undefined);
        });

        it("still judges the pod when the containers are unknown, and the containers when the pod field is", () => {
            assert.strictEqual(validate(policy, type, kubernetesResource(type, { hostIPC: true, containers: UNKNOWN_ARRAY })).length, 1);
            const probed = app({ readinessProbe: { httpGet: { host: "10.0.0.1", port: 80 } } });
            assert.strictEqual(validate(policy, type, kubernetesResource(type, { hostNetwork: UNKNOWN_BOOL, containers: [probed] })).length, 1);
        });

        it("applies to Windows pods as PSA does", () => {
            const pod = "kubernetes:core/v1:Pod";
            assert.strictEqual(validate(policy, pod, kubernetesResource(pod, { os: { name: "windows" }, hostNetwork: true, containers: [app()] })).length, 1);
        });

        it("judges a patch on what it sets, even a patch of pod fields only", () => {
            const patch = "kubernetes:apps/v1:DaemonSetPatch";
            assert.match(validate(policy, patch, kubernetesResource(patch, { hostNetwork: true }))[0], /^DaemonSetPatch shop\/web: spec\.template\.spec\.hostNetwork is true/);
            assert.deepStrictEqual(remediate(policy, patch, kubernetesResource(patch, { hostNetwork: true })), kubernetesResource(patch, { hostNetwork: false }));
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a" }] })), []);
        });

        it("honours exemption annotations, exemptImages and exclude", () => {
            const props = (annotations?: object) => kubernetesResource(type, { hostNetwork: true, containers: [app()] }, { name: "web", namespace: "shop", annotations });
            assert.deepStrictEqual(validate(policy, type, props({ "container-guard/exempt": "container-no-host-namespaces", "container-guard/exempt-reason": "CNI agent" })), []);
            assert.deepStrictEqual(validate(policy, type, props({ "container-guard/exempt": "*" })), []);
            assert.strictEqual(validate(policy, type, props({ "container-guard/exempt": "container-pid-limit" })).length, 1);
            assert.deepStrictEqual(validate(policy, type, props(), { config: { exemptImages: ["registry.example.com/shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, type, props(), { config: { exclude: ["shop/web"] } }), []);
            assert.strictEqual(remediate(policy, type, props(), { config: { exclude: ["shop/*"] } }), undefined);
        });
    });

    describe("Kubernetes: probe and lifecycle hosts", () => {
        const type = "kubernetes:apps/v1:StatefulSet";

        it("flags every handler that sets a host, in every container list, naming the exact field", () => {
            const props = kubernetesResource(type, {
                containers: [app({
                    livenessProbe: { httpGet: { host: "bad.host", port: 8080 } },
                    startupProbe: { tcpSocket: { host: "::1", port: 8080 } },
                    lifecycle: { postStart: { httpGet: { host: "169.254.169.254", path: "/latest/meta-data/" } }, preStop: { tcpSocket: { host: "10.0.0.1", port: 1 } } },
                })],
                initContainers: [app({ name: "sidecar", restartPolicy: "Always", readinessProbe: { tcpSocket: { host: "8.8.8.8", port: 53 } } })],
                ephemeralContainers: [app({ name: "debug", readinessProbe: { httpGet: { host: "127.0.0.1", port: 80 } } })],
            });
            const messages = validate(policy, type, props);
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                'StatefulSet shop/web, container "app": spec.template.spec.containers[0].livenessProbe.httpGet.host is "bad.host", so the kubelet connects to that host instead of the pod.',
                'StatefulSet shop/web, container "app": spec.template.spec.containers[0].startupProbe.tcpSocket.host is "::1", so the kubelet connects to that host instead of the pod.',
                'StatefulSet shop/web, container "app": spec.template.spec.containers[0].lifecycle.postStart.httpGet.host is "169.254.169.254", so the kubelet connects to that host instead of the pod.',
                'StatefulSet shop/web, container "app": spec.template.spec.containers[0].lifecycle.preStop.tcpSocket.host is "10.0.0.1", so the kubelet connects to that host instead of the pod.',
                'StatefulSet shop/web, container "sidecar": spec.template.spec.initContainers[0].readinessProbe.tcpSocket.host is "8.8.8.8", so the kubelet connects to that host instead of the pod.',
                'StatefulSet shop/web, container "debug": spec.template.spec.ephemeralContainers[0].readinessProbe.httpGet.host is "127.0.0.1", so the kubelet connects to that host instead of the pod.',
            ]);
            assert.match(messages[0], /\nWhy: a host in a probe or lifecycle handler makes the kubelet connect, from the node, to any address the pod names/);
            assert.ok(messages[0].endsWith("\nFix: containers[0].livenessProbe.httpGet.host = undefined // the kubelet then connects to the pod's IP; for a virtual host, send a Host header in httpHeaders"), messages[0]);
            assert.ok(messages[1].endsWith("\nFix: containers[0].startupProbe.tcpSocket.host = undefined // the kubelet then connects to the pod's IP"), messages[1]);
        });

        it("passes handlers without a host or with an empty one, and exec and gRPC handlers", () => {
            const props = kubernetesResource(type, { containers: [app({
                livenessProbe: { httpGet: { port: 8080, httpHeaders: [{ name: "Host", value: "shop.example.com" }] } },
                readinessProbe: { tcpSocket: { host: "", port: 8080 } },
                startupProbe: { exec: { command: ["true"] } },
                lifecycle: { preStop: { exec: { command: ["sleep", "5"] } }, postStart: { httpGet: { host: null, port: 1 } } },
            }), app({ name: "grpc", livenessProbe: { grpc: { port: 9090 } } })] });
            assert.deepStrictEqual(validate(policy, type, props), []);
        });

        it("reports a host of the wrong type, ignores an unknown one, and doesn't remediate either", () => {
            const malformed = kubernetesResource(type, { containers: [app({ livenessProbe: { httpGet: { host: 10, port: 80 } }, readinessProbe: { httpGet: { host: UNKNOWN_STRING, port: 80 } } })] });
            const messages = validate(policy, type, malformed);
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.match(messages[0], /containers\[0\]\.livenessProbe\.httpGet\.host can't be read \(expected a host name, found a number\); it must be unset or empty\./);
            assert.strictEqual(remediate(policy, type, malformed), undefined);
        });

        it("doesn't remediate a probe host: without it the kubelet probes something else", () => {
            assert.strictEqual(remediate(policy, type, kubernetesResource(type, { containers: [app({ livenessProbe: { httpGet: { host: "127.0.0.1", port: 80 } } })] })), undefined);
        });

        it("honours exemptImages per container", () => {
            const props = kubernetesResource(type, { containers: [app({ image: "vendor/agent:1", livenessProbe: { httpGet: { host: "127.0.0.1", port: 80 } } }), app({ name: "b", livenessProbe: { tcpSocket: { host: "x", port: 1 } } })] });
            const messages = validate(policy, type, props, { config: { exemptImages: ["vendor/*"] } });
            assert.strictEqual(messages.length, 1);
            assert.match(messages[0], /container "b"/);
        });
    });

    describe("docker.Container", () => {
        it("flags networkMode, ipcMode and usernsMode set to host, one finding each", () => {
            const messages = validate(policy, dockerContainer, { image: "redis:7.4", networkMode: "host", ipcMode: "host", usernsMode: "host", pidMode: "host" });
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                'docker.Container web: networkMode is "host", so the container shares the host\'s network namespace.',
                'docker.Container web: ipcMode is "host", so the container shares the host\'s IPC namespace.',
                'docker.Container web: usernsMode is "host", so the container shares the host\'s user namespace.',
            ]);
            assert.ok(messages[0].endsWith('\nFix: new docker.Container("web", { ...args, networkMode: undefined }) // a network of its own; publish the ports it serves'), messages[0]);
            assert.ok(messages[1].endsWith('\nFix: new docker.Container("web", { ...args, ipcMode: undefined }) // its own IPC namespace'), messages[1]);
            assert.match(messages[2], /\nWhy: in the host's user namespace the daemon's user-namespace remapping doesn't apply to the container: root in the container is root on the host\./);
        });

        it("passes other modes: another container's namespaces, bridge, private, shareable", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", networkMode: "container:db", ipcMode: "shareable", usernsMode: "" }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", networkMode: "bridge", ipcMode: "private" }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", networksAdvanced: [{ name: "host" }] }), [], "Docker can't attach a container to the host network this way");
        });

        it("reports a mode of the wrong type, and ignores unknown ones", () => {
            const [message] = validate(policy, dockerContainer, { image: "x", ipcMode: true });
            assert.match(message, /^docker\.Container web: ipcMode can't be read \(expected a string, found a boolean\); it must not be "host"\./);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", networkMode: UNKNOWN_STRING, ipcMode: UNKNOWN_STRING, usernsMode: UNKNOWN_STRING }), []);
        });

        it("remediates by unsetting the IPC and user namespace modes, never the network mode", () => {
            const fixed = remediate(policy, dockerContainer, { image: "x", networkMode: "host", ipcMode: "host", usernsMode: "host", envs: ["A=1"] });
            assert.deepStrictEqual(fixed, { image: "x", networkMode: "host", envs: ["A=1"] });
            assert.strictEqual(remediate(policy, dockerContainer, fixed), undefined);
            assert.strictEqual(remediate(policy, dockerContainer, { image: "x", networkMode: "host" }), undefined);
        });

        it("honours the exemption label, exemptImages and exclude", () => {
            const insecure = { image: "shop/legacy:1", networkMode: "host" };
            assert.deepStrictEqual(validate(policy, dockerContainer, { ...insecure, labels: [{ label: "container-guard/exempt", value: "container-no-host-namespaces" }] }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, insecure, { config: { exemptImages: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, insecure, { config: { exclude: ["web"] } }), []);
        });
    });

    describe("docker.Service", () => {
        const service = (networksAdvanceds: unknown, labels?: object[]) => ({ taskSpec: { containerSpec: { image: "x" }, networksAdvanceds }, ...(labels && { labels }) });

        it("flags tasks that join the predefined host network, from the resource's root", () => {
            const messages = validate(policy, dockerService, service([{ name: "backend" }, { name: "host", aliases: ["api"] }]), { name: "api" });
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.ok(messages[0].startsWith('docker.Service api: taskSpec.networksAdvanceds[1].name is "host", so the service\'s tasks share each node\'s network namespace.\n'), messages[0]);
            assert.ok(messages[0].endsWith(
                '\nFix: new docker.Service("api", { ...args, taskSpec: { ...args.taskSpec, networksAdvanceds: networksAdvanceds.filter(n => n.name !== "host") } }) // an overlay network instead; publish ports in endpointSpec',
            ), messages[0]);
            assert.strictEqual(remediate(policy, dockerService, service([{ name: "host" }])), undefined, "not remediated: it changes how the service is reached");
        });

        it("passes overlay networks, no networks and unknown ones; reports networks of the wrong shape", () => {
            assert.deepStrictEqual(validate(policy, dockerService, service([{ name: "backend" }])), []);
            assert.deepStrictEqual(validate(policy, dockerService, service(undefined)), []);
            assert.deepStrictEqual(validate(policy, dockerService, service(UNKNOWN_ARRAY)), []);
            assert.deepStrictEqual(validate(policy, dockerService, service([{ name: UNKNOWN_STRING }])), []);
            assert.match(validate(policy, dockerService, service("host"))[0], /taskSpec\.networksAdvanceds can't be read \(expected a list, found a string\); it must name networks other than "host"\./);
            assert.match(validate(policy, dockerService, service(["host"]))[0], /taskSpec\.networksAdvanceds\[0\] can't be read \(expected an object, found a string\)/);
        });

        it("honours the service's exemption label", () => {
            assert.deepStrictEqual(validate(policy, dockerService, service([{ name: "host" }], [{ label: "container-guard/exempt", value: "container-no-host-namespaces" }])), []);
        });
    });

    describe("Compose services", () => {
        it("flags network_mode, ipc, userns_mode and uts set to host, with Compose fixes", () => {
            const messages = validate(policy, compose, { image: "x", network_mode: "host", ipc: "host", userns_mode: "host", uts: "host", pid: "host" }, { name: "web" });
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                'Compose service web: network_mode is "host", so the container shares the host\'s network namespace.',
                'Compose service web: ipc is "host", so the container shares the host\'s IPC namespace.',
                'Compose service web: userns_mode is "host", so the container shares the host\'s user namespace.',
                'Compose service web: uts is "host", so the container shares the host\'s UTS namespace.',
            ]);
            assert.ok(messages[3].endsWith("\nFix: remove services.web.uts # its own UTS namespace"), messages[3]);
            assert.deepStrictEqual(validate(policy, compose, { image: "x", network_mode: "service:db", ipc: "service:db" }), []);
            assert.deepStrictEqual(remediate(policy, compose, { image: "x", network_mode: "host", uts: "host" }), { image: "x", network_mode: "host" });
        });

        it("reports each finding at its line in a scanned Compose file", () => {
            const file = path.join("test", "fixtures", "scan", "container-no-host-namespaces", "compose.yaml");
            assert.deepStrictEqual(scanFindings(file, policy.name), [
                `${file}:5 Compose service agent: network_mode is "host", so the container shares the host's network namespace.`,
                `${file}:6 Compose service agent: ipc is "host", so the container shares the host's IPC namespace.`,
                `${file}:10 Compose service cache: uts is "host", so the container shares the host's UTS namespace.`,
            ]);
        });
    });

    it("doesn't report PID namespaces, which container-pid-limit owns, on any platform", () => {
        const type = "kubernetes:core/v1:Pod";
        assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { hostPID: true, containers: [app()] })), []);
        assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", pidMode: "host" }), []);
    });

    it("passes other resources silently", () => {
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:Service", { spec: { ports: [{ port: 80 }] } }), []);
    });

    describe("Pod Security Admission's fixtures", function () {
        this.timeout(120_000);
        // PSA's windowshostprocess fail/ files set hostNetwork: true (a HostProcess pod requires it), so PSA
        // rejects them for host namespaces too; hostnamespaces2.yaml sets only hostPID, container-pid-limit's.
        const checks = ["hostnamespaces", "hostprobesandhostlifecycle", "windowshostprocess"];

        for (const level of ["baseline", "restricted"] as const) {
            it(`at ${level} (mandatory): a violation exactly on the fail/ files of its checks, the hostPID one from container-pid-limit`, () => {
                const alone = ownedCheckDisagreements([policy], resolveConfig([policy], { [policy.name]: "mandatory" }, "test"), level, checks);
                // hostnamespaces, hostprobesandhostlifecycle and windowshostprocess: 3 + 5 + 2 at v1.37, 3 + 2 at v1.25.
                assert.strictEqual(alone.owned, 15);
                assert.deepStrictEqual(alone.wrong.map(w => w.replace(/ as .*/, "")), ["v1.37", "v1.25"].flatMap(v => Array(3).fill(`${level}/${v}/fail/hostnamespaces2.yaml`)));
                const withPid = [policy, pidLimit];
                const both = ownedCheckDisagreements(withPid, resolveConfig(withPid, { [policy.name]: "mandatory", [pidLimit.name]: "mandatory" }, "test"), level, checks);
                assert.deepStrictEqual(both.wrong, []);
            });
        }
    });
});
