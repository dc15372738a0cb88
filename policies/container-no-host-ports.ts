// PSS baseline Host Ports; CIS Kubernetes 5.2.13; CIS Docker 5.8. What each platform forbids differs:
// a Kubernetes pod is reached through Services, so any hostPort is the exception (PSA rejects every
// nonzero one); a Docker container is reached through the ports it publishes, so there the control
// is the host's privileged ports (below 1024), which only root may bind.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, leafFixSnippet, podFixSnippet, serviceFixSnippet } from "./lib/policy";
import { Container, PublishedPort, publishedPorts } from "./lib/workloads";

interface HostPortsConfig {
    allowedHostPorts: ReadonlySet<number>;
}

/** The host's privileged ports are below this one. */
const firstUnprivilegedPort = 1024;
/** A suggested replacement moves a privileged port above them: 80 -> 8080, 443 -> 8443. */
const suggestedShift = 8000;

const hostPortWhy =
    "a hostPort opens the port on the addresses of the node the pod runs on, exposing the container outside the " +
    "Services through which the cluster controls access to it, and allows only one such pod per node.";

const privilegedPortWhy =
    "ports below 1024 are the host's privileged ports, which only root may bind: publishing one lets the container " +
    "answer as a well-known service of the host (SSH, DNS, SMTP, HTTP) that clients trust.";

const portsText = (first: number, last: number) => (first === last ? `port ${first}` : `ports ${first}-${last}`);

/** The fix that publishes the same ports shifted above the privileged range, in the resource kind's own terms. */
function dockerFix(container: Container, port: PublishedPort): string {
    const shift = (n: number) => n + suggestedShift;
    const published = port.hostPort === port.lastHostPort ? `${shift(port.hostPort)}` : `"${shift(port.hostPort)}-${shift(port.lastHostPort)}"`;
    const last = Math.min(port.lastHostPort, firstUnprivilegedPort - 1);
    const allow = `list ${port.hostPort === last ? port.hostPort : `${port.hostPort} to ${last}`} in allowedHostPorts`;
    const { field } = port;
    switch (container.shape) {
        case "dockerContainer":
            return fixSnippet(container, ["ports"], `[...otherPorts, { ...${field[0]}, external: ${published} }]`) + ` // or no external port: Docker picks a free one; or ${allow}`;
        case "dockerService":
            return serviceFixSnippet(container.workload, ["endpointSpec", "ports"], `[...otherPorts, { ...${field[1]}, publishedPort: ${published} }]`) + ` // or no publishedPort: Swarm picks one; or ${allow}`;
        default: {
            const long = field.length > 1; // `{ published: 80 }` rather than `"80:8080"`
            return fixSnippet(container, field, long ? published : JSON.stringify(shiftedShortSyntax(JSON.parse(port.written), shift)), `or ${allow}`);
        }
    }
}

/**
 * Compose's short syntax, `[[HOST_IP:]HOST_PORTS:]CONTAINER_PORTS[/PROTOCOL]`, with the host ports
 * shifted: the host part is what stands between the last two colons (an IPv6 address holds colons itself).
 */
function shiftedShortSyntax(text: string, shift: (n: number) => number): string {
    const end = text.lastIndexOf(":");
    const start = text.lastIndexOf(":", end - 1) + 1;
    return text.slice(0, start) + text.slice(start, end).replace(/\d+/g, n => String(shift(Number(n)))) + text.slice(end);
}

/** The fix for a ports field of the wrong shape: a well-formed one, in the resource kind's own terms. */
function wellFormedFix(container: Container): string {
    switch (container.shape) {
        case "kubernetes":
            return fixSnippet(container, ["ports"], "[{ containerPort: 8080 }]", "port objects with numbers; no hostPort");
        case "dockerService":
            return serviceFixSnippet(container.workload, ["endpointSpec", "ports"], "[{ targetPort: 8080, publishedPort: 8080 }]");
        case "dockerContainer":
            return fixSnippet(container, ["ports"], "[{ internal: 8080, external: 8080 }]");
        case "composeService":
            return fixSnippet(container, ["ports"], '["8080:8080"]');
    }
}

function findings(container: Container, allowed: ReadonlySet<number>): Finding[] {
    const kubernetes = container.shape === "kubernetes";
    const { items, unreadable } = publishedPorts(container);
    const found: Finding[] = unreadable.map(({ field, fromResource, problem }) => ({
        field,
        ...(fromResource && { fromResource }),
        problem: `can't be read (${problem}), so the host port it publishes can't be checked`,
        why: kubernetes ? hostPortWhy : privilegedPortWhy,
        fix: wellFormedFix(container),
    }));
    for (const port of items) {
        const { field, fromResource, hostPort, written } = port;
        if (kubernetes) {
            if (allowed.has(hostPort)) {
                continue;
            }
            found.push(
                port.viaHostNetwork
                    ? {
                          field,
                          problem: `is ${hostPort} in a pod with hostNetwork: true, so the API server makes it the hostPort: port ${hostPort} of the node is the container's`,
                          why: hostPortWhy,
                          fix: podFixSnippet(container.pod!, ["hostNetwork"], "false", `then the port is the pod's own; or add ${hostPort} to allowedHostPorts`),
                      }
                    : {
                          field,
                          problem: `is ${hostPort}, so port ${hostPort} of the node forwards to the container`,
                          why: hostPortWhy,
                          fix: leafFixSnippet(container, field, "undefined", `reach the container through a Service; or add ${hostPort} to allowedHostPorts`),
                      },
            );
            continue;
        }
        const lastPrivileged = Math.min(port.lastHostPort, firstUnprivilegedPort - 1);
        let unallowed = false;
        for (let p = hostPort; p <= lastPrivileged && !unallowed; p++) {
            unallowed = !allowed.has(p);
        }
        if (unallowed) {
            found.push({
                field,
                ...(fromResource && { fromResource }),
                problem: `is ${written}, which publishes the host's privileged ${portsText(hostPort, lastPrivileged)} (below ${firstUnprivilegedPort})`,
                why: privilegedPortWhy,
                fix: dockerFix(container, port),
            });
        }
    }
    return found;
}

export const noHostPorts = containerPolicy<HostPortsConfig>({
    name: "container-no-host-ports",
    displayName: "No host ports",
    description:
        "Kubernetes containers open no hostPort, and Docker containers publish no privileged host port (below 1024), " +
        "except the ports in allowedHostPorts.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["cis-docker-1.6.0:5.8", "cis-kubernetes-1.10:5.2.13", "pss:baseline/host-ports", "nist-800-190:4.4.3", "kubernetes", "docker"],
    framework: complianceFramework("pss:baseline/host-ports"),
    remediationSteps:
        "Kubernetes: remove `hostPort` from the container's `ports` (or set it to 0) and reach the pod through a Service " +
        "(a NodePort or LoadBalancer Service where it must be reached from outside the cluster). Docker: publish the " +
        "container on a host port from 1024 up (docker.Container `ports[].external`, docker.Service " +
        "`endpointSpec.ports[].publishedPort`, Compose `ports`), or on none at all so that Docker picks a free one, and put " +
        "a load balancer or reverse proxy on the privileged port. A port the platform team accepts (an ingress " +
        "controller's 80 and 443) goes into `allowedHostPorts`.",
    config: {
        allowedHostPorts: {
            type: "array",
            items: { type: "integer", minimum: 1, maximum: 65535 },
            default: [],
            description:
                "Host ports that are allowed: any Kubernetes `hostPort` in this list, and privileged Docker host ports " +
                "(below 1024) in this list, e.g. `[80, 443]` for an ingress controller.",
        },
    },
    parseConfig: config => ({ allowedHostPorts: new Set(config.allowedHostPorts as number[]) }),
    check(container, config, report) {
        findings(container, config.allowedHostPorts).forEach(report);
    },
});
