// PSS baseline Host Namespaces and Host Probes / Lifecycle Hooks; CIS Docker 5.10, 5.17, 5.21, 5.31.
// A container keeps its own network, IPC, user and UTS namespaces (the PID namespace is
// container-pid-limit's), and a Kubernetes probe or lifecycle handler doesn't point the kubelet at
// another host.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, leafFixSnippet, podFixSnippet, serviceFixSnippet } from "./lib/policy";
import { describeType, quote } from "./lib/values";
import { Container, FieldName, HostNamespace, NamespaceSetting, Pod, hostNamespaces, podHostNamespaces, probeHosts, writeField } from "./lib/workloads";

/** Why sharing each namespace matters; `host` is "node" for Kubernetes and Swarm, "host" for a Docker host. */
const namespaceWhy: Record<HostNamespace, (host: string) => string> = {
    network: host =>
        `in the ${host}'s network namespace the container uses the ${host}'s interfaces directly: it can listen on any of its ports, ` +
        `see its traffic and reach services bound to its loopback, outside the network isolation containers otherwise get.`,
    IPC: host => `in the ${host}'s IPC namespace the container can read and write the shared memory, semaphores and message queues of every process on the ${host}.`,
    user: () => "in the host's user namespace the daemon's user-namespace remapping doesn't apply to the container: root in the container is root on the host.",
    UTS: () => "in the host's UTS namespace the container sees the host's hostname and, with CAP_SYS_ADMIN, can change it for the whole host.",
};

/** The Docker field that sets each namespace mode, to unset it (the default is a namespace of the container's own). */
const dockerModeFields: Record<Exclude<HostNamespace, "network">, FieldName> = { IPC: "ipcMode", user: "usernsMode", UTS: "utsMode" };

/** What is wrong with one namespace setting, or undefined when it doesn't share the host's (or is unknown until `up`). */
function problemOf(setting: NamespaceSetting, requirement: string, shares: string): string | undefined {
    switch (setting.shared.state) {
        case "set":
            return setting.shared.value ? shares : undefined;
        case "malformed":
            return `can't be read (${setting.shared.problem}); ${requirement}`;
        default:
            return undefined;
    }
}

/** A pod's `hostNetwork` / `hostIPC` findings, with the field each one would set to false. */
function podFindings(pod: Pod): Finding[] {
    return podHostNamespaces(pod).flatMap(setting => {
        const problem = problemOf(setting, "it must be false or unset", `is true, so the pod's containers share the node's ${setting.namespace} namespace`);
        return problem ? [{ field: setting.field, problem, why: namespaceWhy[setting.namespace]("node"), fix: podFixSnippet(pod, setting.field, "false") }] : [];
    });
}

/** The Docker namespace modes (and a Swarm service's networks) that share the host's namespaces. */
function dockerFindings(container: Container): Array<Finding & { namespace: HostNamespace }> {
    return hostNamespaces(container).flatMap(setting => {
        const service = setting.fromResource === true;
        const shares = service
            ? `is "host", so the service's tasks share each node's network namespace`
            : `is "host", so the container shares the host's ${setting.namespace} namespace`;
        const problem = problemOf(setting, service ? `it must name networks other than "host"` : `it must not be "host"`, shares);
        if (!problem) {
            return [];
        }
        const fix = service
            ? serviceFixSnippet(container.workload, ["taskSpec", "networksAdvanceds"], `networksAdvanceds.filter(n => n.name !== "host")`) +
              " // an overlay network instead; publish ports in endpointSpec"
            : fixSnippet(container, setting.field, "undefined", setting.namespace === "network" ? "a network of its own; publish the ports it serves" : `its own ${setting.namespace} namespace`);
        return [{ namespace: setting.namespace, field: setting.field, ...(service && { fromResource: true as const }), problem, why: namespaceWhy[setting.namespace](service ? "node" : "host"), fix }];
    });
}

const probeHostWhy =
    "a host in a probe or lifecycle handler makes the kubelet connect, from the node, to any address the pod names: " +
    "the node's loopback, other pods, cloud metadata endpoints, whatever the node's network reaches.";

/** The probe and lifecycle handlers of a Kubernetes container that set a host (PSA: any non-empty one). */
function probeFindings(container: Container): Finding[] {
    return probeHosts(container).flatMap(({ field, value }) => {
        if (value === "") {
            return [];
        }
        const problem =
            typeof value === "string"
                ? `is ${quote(value)}, so the kubelet connects to that host instead of the pod`
                : `can't be read (expected a host name, found ${describeType(value)}); it must be unset or empty`;
        const header = field.includes("httpGet") ? "; for a virtual host, send a Host header in httpHeaders" : "";
        return [{ field, problem, why: probeHostWhy, fix: leafFixSnippet(container, field, "undefined", `the kubelet then connects to the pod's IP${header}`) }];
    });
}

export const noHostNamespaces = containerPolicy({
    name: "container-no-host-namespaces",
    displayName: "No host namespaces",
    description:
        "Containers keep their own network, IPC, user and UTS namespaces (the PID namespace is container-pid-limit's), " +
        "and Kubernetes probes and lifecycle handlers don't set a host.",
    enforcementLevel: "advisory",
    severity: "high",
    tags: [
        "cis-docker-1.6.0:5.10", "cis-docker-1.6.0:5.17", "cis-docker-1.6.0:5.21", "cis-docker-1.6.0:5.31",
        "cis-kubernetes-1.10:5.2.4", "cis-kubernetes-1.10:5.2.5", "pss:baseline/host-namespaces",
        "pss:baseline/host-probes-lifecycle-hooks", "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("pss:baseline/host-namespaces"),
    remediationSteps:
        "Kubernetes: set `hostNetwork` and `hostIPC` to false (or remove them), and remove `host` from every probe and " +
        "lifecycle handler (`httpGet.host`, `tcpSocket.host`): the kubelet then connects to the pod's IP; send a Host header " +
        "in `httpHeaders` where the app needs a virtual host. docker.Container and Compose: remove `networkMode: \"host\"` " +
        "(Compose `network_mode`) and publish the ports the container serves; remove `ipcMode`, `usernsMode` (Compose " +
        "`ipc`, `userns_mode`, `uts`) set to `host`. docker.Service: attach the tasks to an overlay network rather than " +
        "the predefined `host` network, and publish ports in `endpointSpec`.",
    config: {},
    parseConfig: () => undefined,
    checkPod(pod, _config, report) {
        podFindings(pod).forEach(report);
    },
    remediatePod(pod) {
        const found = podFindings(pod);
        for (const { field } of found) {
            pod.spec[field[0]] = false; // false rather than removed: a patch that drops the field keeps the live value
        }
        return found.length > 0;
    },
    check(container, _config, report) {
        dockerFindings(container).forEach(({ namespace: _, ...finding }) => report(finding));
        probeFindings(container).forEach(report);
    },
    // Only the namespace modes are unset: taking a container off the host's network changes how it is
    // reached (nothing it serves is published), and a probe without its host may probe something else.
    remediate(container) {
        let changed = false;
        for (const { namespace } of dockerFindings(container)) {
            if (namespace !== "network") {
                writeField(container, dockerModeFields[namespace], undefined);
                changed = true;
            }
        }
        return changed;
    },
});
