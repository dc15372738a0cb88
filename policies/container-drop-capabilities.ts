// Rule 3: least privilege: a container drops the Linux capabilities it doesn't need (ALL by default).
import { miswrittenFinding, normalizeCapability, rewriteMiswritten, sortCapabilities } from "./lib/capabilities";
import { complianceFramework } from "./lib/controls";
import { containerPolicy, fixSnippet } from "./lib/policy";
import { readList } from "./lib/values";
import { Container, fieldPath, readField, writeField } from "./lib/workloads";

interface DropConfig {
    required: string[];
    /** `required` as TypeScript, for the fix. */
    requiredSource: string;
}

/** The required drops the container misses, with what is wrong; undefined when fine or unknowable. */
function missingDrops(container: Container, config: DropConfig): { missing: string[]; problem: string } | undefined {
    if (container.pod?.windows) {
        return undefined; // Windows containers have no Linux capabilities.
    }
    const reading = readList(readField(container, "droppedCapabilities"));
    const all = config.required;
    switch (reading.state) {
        case "unknown":
            return undefined;
        case "absent":
            return container.workload.isPatch ? undefined : { missing: all, problem: "is not set, so the default capabilities are kept" };
        case "malformed":
            return { missing: all, problem: `can't be read (${reading.problem}), so it drops nothing` };
        case "set": {
            const list = sortCapabilities(reading.value);
            const dropped = new Set(list.names.map(c => c.name));
            if (dropped.has("ALL")) {
                return undefined;
            }
            const missing = all.filter(c => !dropped.has(c));
            if (missing.length === 0 || list.unknown.length > 0) {
                return undefined; // an entry known only at `up` may be the one that's missing
            }
            const ignored = list.malformed.length > 0 ? ` (entries ${list.malformed.join(", ")} are not strings and were ignored)` : "";
            return { missing, problem: `does not drop ${missing.join(", ")}${ignored}` };
        }
    }
}

export const dropCapabilities = containerPolicy<DropConfig>({
    name: "container-drop-capabilities",
    displayName: "Drop Linux capabilities",
    description: "Containers drop the Linux capabilities they don't need: ALL by default, NET_RAW at the very least.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: [
        "cis-docker-1.6.0:5.4", "pss:restricted/capabilities", "cis-kubernetes-1.10:5.2.8", "cis-kubernetes-1.10:5.2.10",
        "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("cis-docker-1.6.0:5.4"),
    remediationSteps:
        "Kubernetes: set `securityContext.capabilities.drop: [\"ALL\"]` on every container and add back only " +
        "what the app needs (`NET_BIND_SERVICE`). docker.Container: `capabilities: { drops: [\"ALL\"] }`; " +
        "docker.Service: `taskSpec.containerSpec.capDrops: [\"ALL\"]`.",
    config: {
        requiredDrops: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["ALL"],
            description:
                "Capabilities every container must drop. `ALL` in a container's drop list satisfies any entry. " +
                "Pod Security Standards restricted: `[\"ALL\"]`; a baseline-style minimum: `[\"NET_RAW\"]`.",
        },
    },
    parseConfig: config => {
        const required = [...new Set((config.requiredDrops as string[]).map(normalizeCapability))];
        return { required, requiredSource: JSON.stringify(required) };
    },
    check(container, config, report) {
        const result = missingDrops(container, config);
        if (result) {
            const field = fieldPath(container, "droppedCapabilities")!;
            const keeps = result.missing.includes("ALL") ? "the default capabilities (NET_RAW among them)" : result.missing.join(", ");
            report({
                field,
                problem: result.problem,
                why: `it keeps ${keeps}; with NET_RAW a compromised process can craft packets and spoof traffic on the node.`,
                fix: fixSnippet(container, field, config.requiredSource),
            });
            return;
        }
        const miswritten = miswrittenFinding(container, "droppedCapabilities", relied(config));
        if (miswritten) {
            report(miswritten);
        }
    },
    remediate(container, config) {
        const result = missingDrops(container, config);
        if (!result) {
            return rewriteMiswritten(container, "droppedCapabilities", relied(config));
        }
        const current = readList(readField(container, "droppedCapabilities"));
        const kept = current.state === "set" ? current.value : [];
        writeField(container, "droppedCapabilities", [...kept, ...result.missing]);
        return true;
    },
});

/** The dropped name a verdict relies on that Pod Security admission reads as written: ALL, when it is required (restricted counts only "ALL"). */
function relied(config: DropConfig): (name: string) => boolean {
    return name => name === "ALL" && config.required.includes("ALL");
}
