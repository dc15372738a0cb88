import * as assert from "assert";
import {
    deviceCgroupRules, hasField, hostDevices, hostMounts, hostNamespaces, parseKubernetesType, podHostNamespaces, podSysctlNames, podUserNamespace, podVolumes, probeHosts,
    publishedPorts, securityOptions, sysctlNames, workloadOf,
} from "../policies/lib/workloads";
import { rawProps } from "../policies/lib/values";
import { kubernetesResource, kubernetesTypeTokens, UNKNOWN_ARRAY, UNKNOWN_OBJECT, UNKNOWN_STRING, unknownCheckingProxy } from "./helpers";

const workloadKinds = ["Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

describe("workloads: the container view", () => {
    const tokens = kubernetesTypeTokens();

    it("reads every kind and API version of the workload kinds that @pulumi/kubernetes ships, and their patches", () => {
        const expected = tokens.filter(t => workloadKinds.some(k => t.endsWith(`:${k}`) || t.endsWith(`:${k}Patch`)));
        assert.ok(expected.length >= 40, `only ${expected.length} workload tokens found`);
        for (const token of expected) {
            assert.ok(parseKubernetesType(token), `${token} is not recognised`);
        }
    });

    it("recognises no other kind the provider ships except the workload Lists", () => {
        const others = tokens.filter(t => parseKubernetesType(t) && !workloadKinds.some(k => new RegExp(`:${k}(Patch|List)?$`).test(t)));
        assert.deepStrictEqual(others, []);
        for (const token of ["kubernetes:core/v1:Service", "kubernetes:core/v1:PodStatus", "kubernetes:apps/v1:ControllerRevision", "kubernetes:argoproj.io/v1alpha1:Deployment"]) {
            assert.strictEqual(parseKubernetesType(token), undefined, token);
        }
    });

    it("gives each container its exact path, across containers, initContainers and ephemeralContainers", () => {
        const podSpec = {
            containers: [{ name: "app", image: "a" }],
            initContainers: [{ name: "migrate", image: "m" }, { name: "seed", image: "s" }],
            ephemeralContainers: [{ name: "debug", image: "busybox" }],
        };
        const cron = workloadOf("kubernetes:batch/v1:CronJob", "nightly", kubernetesResource("kubernetes:batch/v1:CronJob", podSpec))!;
        assert.deepStrictEqual(cron.containers.map(c => c.path), [
            "spec.jobTemplate.spec.template.spec.containers[0]",
            "spec.jobTemplate.spec.template.spec.initContainers[0]",
            "spec.jobTemplate.spec.template.spec.initContainers[1]",
            "spec.jobTemplate.spec.template.spec.ephemeralContainers[0]",
        ]);
        assert.strictEqual(cron.label, "CronJob shop/web");
        const pod = workloadOf("kubernetes:core/v1:Pod", "p", kubernetesResource("kubernetes:core/v1:Pod", podSpec))!;
        assert.strictEqual(pod.containers[3].path, "spec.ephemeralContainers[0]");
        const template = workloadOf("kubernetes:core/v1:PodTemplate", "t", kubernetesResource("kubernetes:core/v1:PodTemplate", podSpec))!;
        assert.strictEqual(template.containers[0].path, "template.spec.containers[0]");
        const list = workloadOf("kubernetes:apps/v1:DeploymentList", "l", kubernetesResource("kubernetes:apps/v1:DeploymentList", podSpec))!;
        assert.strictEqual(list.containers[1].path, "items[0].spec.template.spec.initContainers[0]");
    });

    it("views docker.Container and docker.Service", () => {
        const container = workloadOf("docker:index/container:Container", "web", { image: "nginx", name: "web-1" })!;
        assert.strictEqual(container.containers.length, 1);
        assert.strictEqual(container.containers[0].name, "web-1");
        assert.strictEqual(container.containers[0].path, "");
        const service = workloadOf("docker:index/service:Service", "api", { taskSpec: { containerSpec: { image: "api:1" } } })!;
        assert.strictEqual(service.containers[0].path, "taskSpec.containerSpec");
        assert.strictEqual(service.containers[0].image, "api:1");
    });

    it("reads exemptions from workload and pod-template annotations, and Docker labels", () => {
        const props = kubernetesResource("kubernetes:apps/v1:Deployment", { containers: [{ name: "a" }] }, {
            name: "web", annotations: { "container-guard/exempt": "container-no-privileged, container-drop-capabilities" },
        });
        props.spec.template.metadata = { annotations: { "container-guard/exempt": "container-read-only-root-filesystem" } };
        const exemptions = workloadOf("kubernetes:apps/v1:Deployment", "web", props)!.containers[0].exemptions;
        assert.deepStrictEqual([...exemptions].sort(), ["container-drop-capabilities", "container-no-privileged", "container-read-only-root-filesystem"]);
        const docker = workloadOf("docker:index/container:Container", "web", { labels: [{ label: "container-guard/exempt", value: "*" }] })!;
        assert.deepStrictEqual([...docker.containers[0].exemptions], ["*"]);
    });

    it("sees through the SDK's proxy and records unknown container lists instead of throwing", () => {
        const props = kubernetesResource("kubernetes:apps/v1:Deployment", { containers: UNKNOWN_ARRAY, initContainers: [{ name: "i", image: UNKNOWN_OBJECT }] });
        const workload = workloadOf("kubernetes:apps/v1:Deployment", "web", rawProps(unknownCheckingProxy(props)))!;
        assert.deepStrictEqual(workload.unreadable, [{ path: "spec.template.spec.containers", reason: "unknown" }]);
        assert.strictEqual(workload.containers.length, 1);
        assert.strictEqual(typeof workload.containers[0].image, "symbol");
    });

    it("treats what may be an exemption or a Windows pod during preview as one, so it gives no false violation", () => {
        const type = "kubernetes:apps/v1:Deployment";
        const os = workloadOf(type, "w", rawProps(unknownCheckingProxy(kubernetesResource(type, { os: { name: UNKNOWN_OBJECT }, containers: [{ name: "a" }] }))))!;
        assert.strictEqual(os.pods[0].windows, true);
        const annotated = kubernetesResource(type, { containers: [{ name: "a" }] }, { name: "w", annotations: { "container-guard/exempt": UNKNOWN_OBJECT } });
        assert.deepStrictEqual([...workloadOf(type, "w", annotated)!.containers[0].exemptions], ["*"]);
        const labelled = { image: "x", labels: [{ label: UNKNOWN_OBJECT, value: "x" }] };
        assert.deepStrictEqual([...workloadOf("docker:index/container:Container", "w", labelled)!.containers[0].exemptions], ["*"]);
        const computedName = kubernetesResource(type, { containers: [{ name: "a" }] }, { name: UNKNOWN_OBJECT, namespace: "shop" });
        assert.strictEqual(typeof workloadOf(type, "w", computedName)!.namespacedName, "symbol");
    });

    it("records malformed pod specs, container lists and entries as unreadable, naming the path", () => {
        const cases: Array<[unknown, string[]]> = [
            [{ containers: "nginx" }, ["spec.containers: expected a list, found a string"]],
            [{ containers: [null, 3] }, ["spec.containers[0]: expected an object, found null", "spec.containers[1]: expected an object, found a number"]],
            [{ containers: {} }, ["spec.containers: expected a list, found an object"]],
            [5, ["spec: expected an object, found a number"]],
            [null, []],
        ];
        for (const [spec, expected] of cases) {
            const workload = workloadOf("kubernetes:core/v1:Pod", "p", { spec } as any)!;
            assert.strictEqual(workload.containers.length, 0);
            assert.deepStrictEqual(workload.unreadable.map(u => `${u.path}: ${u.reason}`), expected);
        }
    });

    describe("settings beyond the container's own fields", () => {
        const docker = (props: object) => workloadOf("docker:index/container:Container", "web", { image: "x", ...props })!.containers[0];
        const service = (props: object, containerSpec: object = {}) => workloadOf("docker:index/service:Service", "api", { taskSpec: { containerSpec: { image: "x", ...containerSpec } }, ...props })!.containers[0];
        const compose = (props: object) => workloadOf("compose:service", "web", { image: "x", ...props })!.containers[0];
        const pod = (spec: object, metadata?: object) => {
            const type = "kubernetes:apps/v1:Deployment";
            const props = kubernetesResource(type, { containers: [{ name: "app", image: "x" }], ...spec });
            if (metadata) {
                props.spec.template.metadata = metadata;
            }
            return workloadOf(type, "web", props)!;
        };

        it("gives each pod its annotations and where they are written", () => {
            const workload = pod({}, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } });
            assert.deepStrictEqual(workload.pods[0].annotations, { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" });
            assert.strictEqual(workload.pods[0].annotationsPath, "spec.template.metadata.annotations");
            const cron = workloadOf("kubernetes:batch/v1:CronJob", "c", kubernetesResource("kubernetes:batch/v1:CronJob", { containers: [] }))!;
            assert.strictEqual(cron.pods[0].annotationsPath, "spec.jobTemplate.spec.template.metadata.annotations");
            const bare = workloadOf("kubernetes:core/v1:Pod", "p", { metadata: { annotations: { a: "b" } }, spec: { containers: [] } })!;
            assert.deepStrictEqual([bare.pods[0].annotationsPath, bare.pods[0].annotations], ["metadata.annotations", { a: "b" }]);
            const list = workloadOf("kubernetes:core/v1:PodList", "l", { items: [{ metadata: {}, spec: { containers: [] } }] })!;
            assert.strictEqual(list.pods[0].annotationsPath, "items[0].metadata.annotations");
        });

        it("says which fields a kind has", () => {
            assert.strictEqual(hasField(docker({}).workload, "devices"), true);
            assert.strictEqual(hasField(service({}).workload, "devices"), false);
            assert.strictEqual(hasField(pod({}), "devices"), false);
            assert.strictEqual(hasField(compose({}).workload, "utsMode"), true);
        });

        it("reads host namespaces: Docker modes, a Swarm service's host network, a pod's hostNetwork and hostIPC", () => {
            const shared = (settings: ReturnType<typeof hostNamespaces>) => settings.map(s => `${s.namespace} ${s.field.join(".")} ${s.shared.state === "set" ? s.shared.value : s.shared.state}`);
            assert.deepStrictEqual(shared(hostNamespaces(docker({ networkMode: "host", ipcMode: "private", usernsMode: UNKNOWN_STRING }))), [
                "network networkMode true", "IPC ipcMode false", "user usernsMode unknown",
            ]);
            assert.deepStrictEqual(shared(hostNamespaces(compose({ network_mode: "service:db", ipc: "host", uts: "host", userns_mode: 3 }))), [
                "network network_mode false", "IPC ipc true", "user userns_mode malformed", "UTS uts true",
            ]);
            const swarm = hostNamespaces(service({ taskSpec: { containerSpec: { image: "x" }, networksAdvanceds: [{ name: "backend" }, { name: "host" }] } }));
            assert.deepStrictEqual(shared(swarm), ["network taskSpec.networksAdvanceds[0].name false", "network taskSpec.networksAdvanceds[1].name true"]);
            assert.ok(swarm.every(s => s.fromResource));
            assert.deepStrictEqual(shared(podHostNamespaces(pod({ hostNetwork: true, hostIPC: false, hostPID: true }).pods[0])), ["network hostNetwork true", "IPC hostIPC false"]);
            assert.deepStrictEqual(hostNamespaces(pod({}).containers[0]), []);
        });

        it("says whether a pod runs in its own user namespace (hostUsers: false)", () => {
            const namespace = (hostUsers: unknown) => podUserNamespace(pod(hostUsers === undefined ? {} : { hostUsers }).pods[0]);
            assert.deepStrictEqual([false, true, undefined, UNKNOWN_STRING].map(namespace), [{ state: "set", value: true }, { state: "set", value: false }, { state: "absent" }, { state: "unknown" }]);
            assert.deepStrictEqual(namespace("false"), { state: "malformed", problem: "expected a boolean, found a string" });
        });

        it("reads the hosts of probes and lifecycle handlers", () => {
            const type = "kubernetes:core/v1:Pod";
            const container = workloadOf(type, "p", kubernetesResource(type, {
                containers: [{ name: "a", livenessProbe: { httpGet: { host: "10.0.0.1", port: 80 } }, readinessProbe: { tcpSocket: { host: "" } }, lifecycle: { preStop: { httpGet: { host: UNKNOWN_STRING } } } }],
            }))!.containers[0];
            assert.deepStrictEqual(probeHosts(container), [
                { field: ["livenessProbe", "httpGet", "host"], value: "10.0.0.1" },
                { field: ["readinessProbe", "tcpSocket", "host"], value: "" },
            ]);
        });

        it("reads pod volumes with their sources, and Docker host mounts of every form", () => {
            const volumes = podVolumes(pod({ volumes: [{ name: "logs", hostPath: { path: "/var/log" } }, { name: "cfg", configMap: { name: "c" } }, UNKNOWN_OBJECT, 7] }).pods[0]);
            assert.deepStrictEqual(volumes.items.map(v => [v.field.join("."), v.name, v.sources.join(","), v.hostPath]), [
                ["volumes[0]", "logs", "hostPath", "/var/log"], ["volumes[1]", "cfg", "configMap", undefined],
            ]);
            assert.deepStrictEqual(volumes.unreadable, [{ field: ["volumes[3]"], problem: "expected an object, found a number" }]);
            const mounts = (c: ReturnType<typeof docker>) => hostMounts(c).items.map(m => `${m.field.join(".")}=${m.source}`);
            assert.deepStrictEqual(mounts(docker({
                volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }, { volumeName: "data", containerPath: "/data" }],
                mounts: [{ type: "bind", source: "/etc", target: "/host-etc" }, { type: "volume", source: "data", target: "/d" }, { type: UNKNOWN_STRING, source: "/x", target: "/x" }],
            })), ["volumes[0].hostPath=/var/run/docker.sock", "mounts[0].source=/etc"]);
            assert.deepStrictEqual(mounts(service({}, { mounts: [{ type: "bind", source: "/srv", target: "/srv" }, { type: "tmpfs", target: "/tmp" }] })), ["mounts[0].source=/srv"]);
            assert.deepStrictEqual(mounts(compose({
                volumes: ["./data:/data", "db:/var/lib/db", "/var/run/docker.sock:/var/run/docker.sock:ro", "/cache", "C:\\logs:/logs", { type: "bind", source: "~/src", target: "/src" }, { type: "volume", source: "v", target: "/v" }],
            })), ["volumes[0]=./data", "volumes[2]=/var/run/docker.sock", "volumes[4]=C:\\logs", "volumes[5].source=~/src"]);
            assert.deepStrictEqual(hostMounts(docker({ volumes: [{ hostPath: 5 }], mounts: "x" })).unreadable, [
                { field: ["volumes[0]", "hostPath"], problem: "expected a path, found a number" }, { field: ["mounts"], problem: "expected a list, found a string" },
            ]);
        });

        it("reads published ports: Kubernetes hostPort, docker.Container external, a Swarm service's endpoint, Compose's syntaxes", () => {
            const ports = (c: ReturnType<typeof docker>) => publishedPorts(c).items.map(p => `${p.fromResource ? "/" : ""}${p.field.join(".")}=${p.hostPort}`);
            const type = "kubernetes:core/v1:Pod";
            const k8s = workloadOf(type, "p", kubernetesResource(type, { containers: [{ name: "a", ports: [{ containerPort: 80 }, { containerPort: 80, hostPort: 0 }, { containerPort: 443, hostPort: 8443 }] }] }))!.containers[0];
            assert.deepStrictEqual(ports(k8s), ["ports[2].hostPort=8443"]);
            assert.deepStrictEqual(ports(docker({ ports: [{ internal: 80, external: 80 }, { internal: 81 }, { internal: 82, external: UNKNOWN_STRING }] })), ["ports[0].external=80"]);
            assert.deepStrictEqual(ports(service({ endpointSpec: { ports: [{ targetPort: 80, publishedPort: 443 }, { targetPort: 81 }] } })), ["/endpointSpec.ports[0].publishedPort=443"]);
            assert.deepStrictEqual(ports(compose({
                ports: [3000, "3001", "8080:80", "127.0.0.1:25:2525", "127.0.0.1::53", "[::1]:6001:6001", "9090-9091:8080-8081/udp", { target: 80, published: "8000-8010" }, { target: 81 }],
            })), ["ports[2]=8080", "ports[3]=25", "ports[5]=6001", "ports[6]=9090", "ports[7].published=8000"]);
            assert.deepStrictEqual(publishedPorts(compose({ ports: ["${HTTP_PORT}:80"] })).unreadable, [{ field: ["ports[0]"], problem: 'expected a port number, found "${HTTP_PORT}"' }]);
        });

        it("reads the range a published port spans, a service's unreadable ports from its root, and a host-network pod's container ports", () => {
            const span = (c: ReturnType<typeof docker>) => publishedPorts(c).items.map(p => `${p.field.join(".")}=${p.hostPort}-${p.lastHostPort}${p.viaHostNetwork ? " (host network)" : ""}`);
            assert.deepStrictEqual(span(compose({ ports: ["80-81:8080-8081", "25:2525", { target: 80, published: "1000-1100" }] })), ["ports[0]=80-81", "ports[1]=25-25", "ports[2].published=1000-1100"]);
            assert.deepStrictEqual(publishedPorts(service({ endpointSpec: { ports: [{ targetPort: 80, publishedPort: "x" }] } })).unreadable, [
                { field: ["endpointSpec", "ports[0]", "publishedPort"], problem: 'expected a port number, found "x"', fromResource: true },
            ]);
            const type = "kubernetes:core/v1:Pod";
            const onNode = (hostNetwork: unknown) => workloadOf(type, "p", kubernetesResource(type, {
                hostNetwork, containers: [{ name: "a", ports: [{ containerPort: 9100 }, { containerPort: 80, hostPort: 8080 }, { containerPort: UNKNOWN_STRING }] }],
            }))!.containers[0];
            assert.deepStrictEqual(span(onNode(true)), ["ports[0].containerPort=9100-9100 (host network)", "ports[1].hostPort=8080-8080"]);
            for (const hostNetwork of [false, undefined, "true", UNKNOWN_STRING]) {
                assert.deepStrictEqual(span(onNode(hostNetwork)), ["ports[1].hostPort=8080-8080"], String(hostNetwork));
            }
        });

        it("reports a Swarm service's networks of the wrong shape as unreadable, not as joining no host network", () => {
            const states = (networksAdvanceds: unknown) => hostNamespaces(service({ taskSpec: { containerSpec: { image: "x" }, networksAdvanceds } })).map(s => `${s.field.join(".")} ${s.shared.state}`);
            assert.deepStrictEqual(states("host"), ["taskSpec.networksAdvanceds malformed"]);
            assert.deepStrictEqual(states(["host", UNKNOWN_OBJECT, { name: UNKNOWN_STRING }]), ["taskSpec.networksAdvanceds[0] malformed", "taskSpec.networksAdvanceds[2].name unknown"]);
            assert.deepStrictEqual(states(UNKNOWN_ARRAY), []);
        });

        it("reads Docker device cgroup rules", () => {
            const rules = deviceCgroupRules(docker({ deviceCgroupRules: ["c 189:* rmw", UNKNOWN_STRING, 7] }));
            assert.deepStrictEqual(rules.items, [{ field: ["deviceCgroupRules[0]"], value: "c 189:* rmw" }]);
            assert.deepStrictEqual(rules.unreadable, [{ field: ["deviceCgroupRules[2]"], problem: 'expected a rule such as "c 189:* rmw", found a number' }]);
            assert.deepStrictEqual(deviceCgroupRules(compose({ device_cgroup_rules: ["b 8:* r"] })).items, [{ field: ["device_cgroup_rules[0]"], value: "b 8:* r" }]);
            assert.deepStrictEqual(deviceCgroupRules(service({})).items, []);
            assert.strictEqual(hasField(service({}).workload, "deviceCgroupRules"), false);
        });

        it("splits Docker security options as the daemon does", () => {
            const options = securityOptions(compose({ security_opt: ["seccomp=unconfined", "apparmor:unconfined", "label=type:spc_t", "no-new-privileges", "no-new-privileges:false", 4] }));
            assert.deepStrictEqual(options.items.map(o => [o.field.join("."), o.key, o.value]), [
                ["security_opt[0]", "seccomp", "unconfined"], ["security_opt[1]", "apparmor", "unconfined"], ["security_opt[2]", "label", "type:spc_t"],
                ["security_opt[3]", "no-new-privileges", undefined], ["security_opt[4]", "no-new-privileges", "false"],
            ]);
            assert.deepStrictEqual(options.unreadable, [{ field: ["security_opt[5]"], problem: "expected a string, found a number" }]);
            assert.deepStrictEqual(securityOptions(service({})).items, []);
        });

        it("reads sysctl names of pods and Docker containers, and Docker devices", () => {
            const names = (entries: { items: Array<{ field: readonly string[]; value: string }> }) => entries.items.map(e => `${e.field.join(".")}=${e.value}`);
            assert.deepStrictEqual(names(podSysctlNames(pod({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }, { name: UNKNOWN_STRING }] } }).pods[0])), ["securityContext.sysctls[0].name=kernel.msgmax"]);
            assert.deepStrictEqual(names(sysctlNames(docker({ sysctls: { "net.ipv4.ip_forward": "1" } }))), ['sysctls["net.ipv4.ip_forward"]=net.ipv4.ip_forward']);
            assert.deepStrictEqual(names(sysctlNames(service({}, { sysctl: { "kernel.shm_rmid_forced": "1" } }))), ['sysctl["kernel.shm_rmid_forced"]=kernel.shm_rmid_forced']);
            assert.deepStrictEqual(names(sysctlNames(compose({ sysctls: ["net.core.somaxconn=1024"] }))), ["sysctls[0]=net.core.somaxconn"]);
            assert.deepStrictEqual(names(hostDevices(docker({ devices: [{ hostPath: "/dev/fuse" }] }))), ["devices[0].hostPath=/dev/fuse"]);
            assert.deepStrictEqual(names(hostDevices(compose({ devices: ["/dev/ttyUSB0:/dev/ttyUSB0:rwm", { source: "/dev/kvm", target: "/dev/kvm" }] }))), ["devices[0]=/dev/ttyUSB0", "devices[1].source=/dev/kvm"]);
            assert.deepStrictEqual(hostDevices(docker({ devices: [{ containerPath: "/dev/x" }] })).unreadable, [{ field: ["devices[0]", "hostPath"], problem: "is not set" }]);
        });
    });
});
