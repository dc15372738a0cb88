// Rule 4a: grant only the capability an app needs (allow-listed), never ALL.
import { describeMiswritten, miswritten, miswrittenFinding, normalizeCapability, rewriteMiswritten, sortCapabilities } from "./lib/capabilities";
import { ConfigError, compileConfigGlob } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import { parseImageRef } from "./lib/dockerfile/stages";
import { Glob } from "./lib/glob";
import { containerPolicy, fixSnippet } from "./lib/policy";
import { isUnknown, readList } from "./lib/values";
import { Container, fieldPath, readField, writeField } from "./lib/workloads";

const name = "container-restrict-added-capabilities";

/** An allow-list entry: a capability, for every image or only for images matching a glob. */
interface Allowance {
    capability: string;
    image?: Glob;
}

interface AddConfig {
    allowances: Allowance[];
    /** `allowedCapabilities` as configured, for a fix that adds to it. */
    entries: readonly string[];
}

function parseAllowances(entries: string[]): Allowance[] {
    return entries.map((entry, i) => {
        const at = entry.indexOf("@");
        const capability = normalizeCapability(at < 0 ? entry : entry.slice(0, at));
        if (capability === "ALL") {
            throw new ConfigError(name, `allowedCapabilities[${i}]`, "ALL can never be allowed; list the capabilities the app needs");
        }
        if (at < 0) {
            return { capability };
        }
        return { capability, image: compileConfigGlob(name, `allowedCapabilities[${i}]`, entry.slice(at + 1)) };
    });
}

function isAllowed(capability: string, image: unknown, config: AddConfig): boolean {
    return config.allowances.some(
        a => a.capability === capability && (!a.image || (typeof image === "string" && a.image.matches(image))),
    );
}

/** Indexes and names of the added capabilities that aren't allowed, or a problem with the field itself. */
interface Disallowed {
    entries: Array<{ name: string; index: number }>;
    /** The allowed names the list keeps once the others are removed. */
    kept: string[];
    problem?: string;
}

function disallowedAdds(container: Container, config: AddConfig): Disallowed | undefined {
    if (container.pod?.windows) {
        return undefined; // Windows containers have no Linux capabilities.
    }
    const reading = readList(readField(container, "addedCapabilities"));
    if (reading.state === "malformed") {
        return { entries: [], kept: [], problem: `can't be read (${reading.problem}), so what it adds can't be verified` };
    }
    if (reading.state !== "set") {
        return undefined;
    }
    const list = sortCapabilities(reading.value);
    // With an image-scoped allowance, an image unknown during preview can't be judged against it.
    const entries = list.names.filter(c => !isAllowed(c.name, container.image, config) && !imageMayAllow(c.name, container.image, config));
    const malformed = list.malformed.map(index => ({ name: `entry ${index} (not a string)`, index }));
    const all = [...entries, ...malformed];
    const bad = new Set(all.map(e => e.index));
    const kept = list.names.filter(c => !bad.has(c.index)).map(c => c.name);
    return all.length > 0 ? { entries: all, kept } : undefined;
}

/**
 * The other way out, for a capability an app does need (IPC_LOCK for Elasticsearch's mlockall):
 * allow it for this image's repository only, by tag or digest. Nothing for ALL, which is never
 * allowed, or an image that isn't a known string.
 */
function imageAllowance(image: unknown, result: Disallowed, config: AddConfig): string {
    const names = result.entries.filter(e => e.name !== "ALL" && !e.name.startsWith("entry ")).map(e => e.name);
    if (names.length === 0 || typeof image !== "string" || image === "") {
        return "";
    }
    const scope = `${parseImageRef(image).repository}[:@]*`;
    const allowed = `[${[...config.entries, ...names.map(n => `${n}@${scope}`)].map(entry => JSON.stringify(entry)).join(", ")}]`;
    const them = names.length > 1 ? "them" : "it";
    return (
        `; or, if the app needs ${names.join(" and ")}, allow ${them} for this image only in the policy config: ` +
        `"${name}": { "allowedCapabilities": ${allowed} } (examples/config/elasticsearch.json does so for Elasticsearch's IPC_LOCK)`
    );
}

function imageMayAllow(capability: string, image: unknown, config: AddConfig): boolean {
    return isUnknown(image) && config.allowances.some(a => a.capability === capability && a.image !== undefined);
}

export const restrictAddedCapabilities = containerPolicy<AddConfig>({
    name,
    displayName: "Add only allow-listed capabilities",
    description: "Containers add only allow-listed Linux capabilities (NET_BIND_SERVICE by default), never ALL.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: [
        "cis-docker-1.6.0:5.4", "pss:baseline/capabilities", "pss:restricted/capabilities", "cis-kubernetes-1.10:5.2.9",
        "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("cis-docker-1.6.0:5.4"),
    remediationSteps:
        "Remove every capability the app doesn't need from `securityContext.capabilities.add` (Kubernetes), " +
        "`capabilities.adds` (docker.Container) or `taskSpec.containerSpec.capAdds` (docker.Service). If one is " +
        "really needed (IPC_LOCK for Elasticsearch's mlockall), allow it for that image only: " +
        "`allowedCapabilities: [\"NET_BIND_SERVICE\", \"IPC_LOCK@docker.elastic.co/elasticsearch/*\"]`.",
    config: {
        allowedCapabilities: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["NET_BIND_SERVICE"],
            description:
                "Capabilities a container may add. `CAP@<image glob>` allows one only for matching images " +
                "(`IPC_LOCK@docker.elastic.co/elasticsearch/*`). `ALL` is never allowed. Pod Security Standards " +
                "restricted: `[\"NET_BIND_SERVICE\"]`; baseline: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, " +
                "MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT.",
        },
    },
    parseConfig: config => ({ allowances: parseAllowances(config.allowedCapabilities as string[]), entries: config.allowedCapabilities as string[] }),
    check(container, config, report) {
        const allowed = (capability: string) => isAllowed(capability, container.image, config);
        const result = disallowedAdds(container, config);
        if (!result) {
            const spelling = miswrittenFinding(container, "addedCapabilities", allowed);
            if (spelling) {
                report(spelling);
            }
            return;
        }
        const field = fieldPath(container, "addedCapabilities")!;
        const names = result.entries.map(e => e.name);
        // The fix below writes the kept names right, so a misspelling of one of them is said here, not twice.
        const misspelt = miswritten(container, "addedCapabilities", allowed);
        const spelling = misspelt.length > 0 ? `; it also has ${describeMiswritten(misspelt)}` : "";
        report({
            field,
            problem: (result.problem ?? `adds ${names.join(", ")}, which ${names.length > 1 ? "are" : "is"} not allow-listed`) + spelling,
            why: names.includes("ALL") || names.includes("SYS_ADMIN")
                ? "ALL and SYS_ADMIN amount to root on the host: mounts, namespaces, kernel interfaces."
                : "every added capability widens what a compromised process can do to the kernel and the node.",
            fix: fixSnippet(container, field, JSON.stringify(result.kept), `only what the app needs${imageAllowance(container.image, result, config)}`),
        });
    },
    remediate(container, config) {
        const rewritten = rewriteMiswritten(container, "addedCapabilities", name => isAllowed(name, container.image, config));
        const result = disallowedAdds(container, config);
        if (!result) {
            return rewritten;
        }
        const reading = readList(readField(container, "addedCapabilities"));
        const drop = new Set(result.entries.map(e => e.index));
        const kept = reading.state === "set" ? reading.value.filter((_, i) => !drop.has(i)) : [];
        writeField(container, "addedCapabilities", kept);
        return true;
    },
});
