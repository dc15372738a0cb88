// Rule 1: containers are immutable; writes go to mounted volumes, not to the root filesystem.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, fixSnippet } from "./lib/policy";
import { readBoolean } from "./lib/values";
import { Container, fieldPath, readField, writeField } from "./lib/workloads";

const why = "a writable root filesystem lets an attacker who gets code execution plant tools, alter binaries or persist inside the container.";

/** What is wrong with the container's setting, or undefined when it is read-only or can't be known yet. */
function problemOf(container: Container): string | undefined {
    if (container.pod?.windows) {
        return undefined; // Kubernetes rejects readOnlyRootFilesystem on Windows pods.
    }
    const reading = readBoolean(readField(container, "readOnlyRootFilesystem"));
    switch (reading.state) {
        case "absent":
            if (container.workload.isPatch) {
                return undefined; // a patch is judged only on the fields it sets
            }
            // The terraform-bridged Docker provider fills the default in during Check (DESIGN.md).
            return container.shape === "dockerContainer" || container.shape === "dockerService"
                ? "is not set (the provider defaults it to false)"
                : "is not set, so the root filesystem is writable";
        case "set":
            return reading.value ? undefined : "is false";
        case "malformed":
            return `can't be read (${reading.problem}), so it does not count as set`;
        case "unknown":
            return undefined;
    }
}

export const readOnlyRootFilesystem = containerPolicy({
    name: "container-read-only-root-filesystem",
    displayName: "Read-only root filesystem",
    description: "Containers run with a read-only root filesystem; writes go to mounted volumes.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["cis-docker-1.6.0:5.13", "nist-800-190:4.4.4", "kubernetes", "docker"],
    framework: complianceFramework("cis-docker-1.6.0:5.13"),
    remediationSteps:
        "Kubernetes: set `securityContext.readOnlyRootFilesystem: true` on every container and mount an " +
        "`emptyDir` volume at each path the app writes to (e.g. /tmp). docker.Container / docker.Service: " +
        "set `readOnly: true` and give writable paths a `tmpfs` or volume mount.",
    config: {},
    parseConfig: () => undefined,
    check(container, _config, report) {
        const problem = problemOf(container);
        if (problem) {
            const field = fieldPath(container, "readOnlyRootFilesystem")!;
            const writable = container.shape === "composeService" ? "a tmpfs (tmpfs: [/tmp])" : container.workload.platform === "docker" ? "a tmpfs" : "an emptyDir volume";
            report({ field, problem, why, fix: `${fixSnippet(container, field, "true")}, and mount ${writable} where the app writes` });
        }
    },
    remediate(container) {
        const needsFix = problemOf(container) !== undefined;
        if (needsFix) {
            writeField(container, "readOnlyRootFilesystem", true);
        }
        return needsFix;
    },
});
