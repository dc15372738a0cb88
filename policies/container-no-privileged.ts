// Rule 4b: never privileged: grant the one capability an app needs instead.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, podFixSnippet } from "./lib/policy";
import { readBoolean, readPath } from "./lib/values";
import { Container, FieldName, fieldPath, readField, writeField } from "./lib/workloads";

const podHostProcess = ["securityContext", "windowsOptions", "hostProcess"];

/** A boolean that must not be true; malformed counts against it (the provider may coerce "true"). */
function problemOf(value: unknown): string | undefined {
    const reading = readBoolean(value);
    if (reading.state === "set") {
        return reading.value ? "is true" : undefined;
    }
    return reading.state === "malformed" ? `can't be read (${reading.problem}); it must be false or unset` : undefined;
}

function findings(container: Container): Array<Finding & { name: FieldName }> {
    const found: Array<Finding & { name: FieldName }> = [];
    const privileged = fieldPath(container, "privileged");
    const privilegedProblem = container.pod?.windows ? undefined : problemOf(readField(container, "privileged"));
    if (privileged && privilegedProblem) {
        found.push({
            name: "privileged",
            field: privileged,
            problem: privilegedProblem,
            why: "a privileged container has every capability and every host device: one escape away from root on the node.",
            fix: fixSnippet(container, privileged, "false", "add the one capability the app needs instead"),
        });
    }
    const hostProcess = fieldPath(container, "hostProcess");
    const hostProcessProblem = hostProcess && problemOf(readField(container, "hostProcess"));
    if (hostProcess && hostProcessProblem) {
        found.push({
            name: "hostProcess",
            field: hostProcess,
            problem: hostProcessProblem,
            why: hostProcessWhy,
            fix: fixSnippet(container, hostProcess, "false"),
        });
    }
    return found;
}

const hostProcessWhy = "a Windows HostProcess container runs as a process on the node with the host's privileges.";

export const noPrivileged = containerPolicy({
    name: "container-no-privileged",
    displayName: "No privileged containers",
    description: "Containers never run privileged (nor as Windows HostProcess containers).",
    enforcementLevel: "mandatory",
    severity: "critical",
    tags: [
        "cis-docker-1.6.0:5.5", "pss:baseline/privileged-containers", "pss:baseline/hostprocess", "cis-kubernetes-1.10:5.2.2",
        "cis-kubernetes-1.10:5.2.11", "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("cis-docker-1.6.0:5.5"),
    remediationSteps:
        "Remove `privileged: true` (Kubernetes `securityContext.privileged`, docker.Container `privileged`) and " +
        "grant only the capability the app needs through the allow-list of container-restrict-added-capabilities. " +
        "On Windows, remove `windowsOptions.hostProcess: true`.",
    config: {},
    parseConfig: () => undefined,
    check(container, _config, report) {
        findings(container).forEach(({ name: _, ...finding }) => report(finding));
    },
    remediate(container) {
        const found = findings(container);
        for (const finding of found) {
            writeField(container, finding.name, false);
        }
        return found.length > 0;
    },
    // Pod-level `hostProcess` makes every container of the pod a HostProcess container.
    checkPod(pod, _config, report) {
        const problem = problemOf(readPath(pod.spec, podHostProcess));
        if (problem) {
            report({ field: podHostProcess, problem, why: hostProcessWhy, fix: podFixSnippet(pod, podHostProcess, "false") });
        }
    },
    remediatePod(pod) {
        const fix = problemOf(readPath(pod.spec, podHostProcess)) !== undefined;
        if (fix) {
            // A value is there, so windowsOptions is an object.
            (readPath(pod.spec, podHostProcess.slice(0, -1)) as Record<string, unknown>).hostProcess = false;
        }
        return fix;
    },
});
