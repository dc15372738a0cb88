// PSS restricted "Privilege Escalation" (CIS Kubernetes 5.2.6, CIS Docker 5.26): no process in a
// container gains privileges its parent didn't have. Kubernetes says so per container with
// `allowPrivilegeEscalation: false`, Docker with the `no-new-privileges` security option; both set
// the kernel's no_new_privs bit. Semantics as k8s.io/pod-security-admission check_allowPrivilegeEscalation.go.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, fixSnippet, listFix } from "./lib/policy";
import { isUnknown, quote, readBoolean, readList, readPath } from "./lib/values";
import { Container, fieldPath, hasField, readField, SecurityOption, securityOptions, writeField } from "./lib/workloads";

const why = "a set-user-ID or set-group-ID binary (or one with file capabilities) lets a compromised process gain privileges its parent never had: root in the container, a step towards the node.";

/** Kubernetes: what is wrong with `allowPrivilegeEscalation`, or undefined when it is false or not judged. */
function kubernetesProblem(container: Container): string | undefined {
    if (container.pod?.windows) {
        return undefined; // PSA (v1.25+) exempts Windows pods, which have no such setting.
    }
    const reading = readBoolean(readField(container, "allowPrivilegeEscalation"));
    switch (reading.state) {
        case "set":
            return reading.value ? "is true" : undefined;
        case "absent":
            // A patch is judged only on the fields it sets.
            return container.workload.isPatch ? undefined : "is not set, and unset allows privilege escalation";
        case "malformed":
            return `can't be read (${reading.problem}); it must be false`;
        case "unknown":
            return undefined;
    }
}

const fixedEntry = "no-new-privileges=true";
const fixedOption = quote(fixedEntry);

/** Go's strconv.ParseBool, which the daemon applies to `no-new-privileges=<value>`. */
const goBooleans: Readonly<Record<string, boolean>> = {
    "1": true, t: true, T: true, TRUE: true, true: true, True: true,
    "0": false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** What Docker's security options say about no-new-privileges. */
type Decision =
    | { state: "fine" }
    | { state: "missing"; problem: string; others: boolean }
    | { state: "wrong"; option: SecurityOption; index: number; problem: string };

/**
 * The daemon applies the options in order (parseSecurityOpt), so the last no-new-privileges entry
 * decides; an entry not known yet that comes after it may decide instead, and holds the verdict back.
 */
function decide(container: Container): Decision {
    const path = fieldPath(container, "securityOpts")!;
    const raw = readList(readPath(container.spec, path));
    switch (raw.state) {
        case "unknown":
            return { state: "fine" };
        case "absent":
            return { state: "missing", problem: "is not set, so nothing stops privilege escalation", others: false };
        case "malformed":
            return { state: "missing", problem: `can't be read (${raw.problem}), so no-new-privileges does not count as set`, others: false };
    }
    const { items, unreadable } = securityOptions(container);
    // The reader keeps the list's order, one option per string entry: walk both from the end.
    let next = items.length - 1;
    for (let index = raw.value.length - 1; index >= 0; index--) {
        const entry = raw.value[index];
        if (isUnknown(entry)) {
            return { state: "fine" };
        }
        if (typeof entry !== "string") {
            continue;
        }
        const option = items[next--];
        if (option.key !== "no-new-privileges") {
            continue;
        }
        const enabled = option.value === undefined ? true : goBooleans[option.value];
        if (enabled === true) {
            return { state: "fine" };
        }
        const problem = enabled === false
            ? `is "${option.written}", which lets processes gain privileges`
            : `is "${option.written}", which can't be read (the daemon takes true or false after no-new-privileges and rejects the container)`;
        return { state: "wrong", option, index, problem };
    }
    const ignored = unreadable.length > 0 ? ` (${unreadable.map(u => u.field.join(".")).join(", ")} can't be read and ${unreadable.length > 1 ? "were" : "was"} ignored)` : "";
    return { state: "missing", problem: `does not include no-new-privileges${ignored}, so nothing stops privilege escalation`, others: raw.value.length > 0 };
}

export const noPrivilegeEscalation = containerPolicy({
    name: "container-no-privilege-escalation",
    displayName: "No privilege escalation",
    description:
        "Containers can't gain privileges their parent process didn't have: Kubernetes sets " +
        "`allowPrivilegeEscalation: false` on every container, Docker the `no-new-privileges` security option.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: [
        "pss:restricted/privilege-escalation", "cis-kubernetes-1.10:5.2.6", "cis-docker-1.6.0:5.26", "nist-800-190:4.4.3",
        "kubernetes", "docker",
    ],
    framework: complianceFramework("pss:restricted/privilege-escalation"),
    remediationSteps:
        "Kubernetes: set `securityContext.allowPrivilegeEscalation: false` on every container, init container and " +
        "ephemeral container (Windows pods are exempt). docker.Container: add `\"no-new-privileges=true\"` to " +
        "`securityOpts` (Compose: `security_opt`), or replace a `no-new-privileges=false` entry. docker.Service: the " +
        "provider has no such setting for Swarm tasks, so the policy reports itself not applicable; set " +
        "`\"no-new-privileges\": true` in each Swarm node's daemon.json (`dockerd --no-new-privileges`).",
    config: {},
    parseConfig: () => undefined,
    notApplicable: workload =>
        hasField(workload, "allowPrivilegeEscalation") || hasField(workload, "securityOpts")
            ? undefined
            : "docker.Service has no no-new-privileges setting in the Docker provider (taskSpec.containerSpec.privileges " +
              "holds only credentialSpec and seLinuxContext), so there is nothing to check; set \"no-new-privileges\": true " +
              "in each Swarm node's daemon.json (dockerd --no-new-privileges) to restrict every container on it.",
    check(container, _config, report) {
        if (container.shape === "kubernetes") {
            const problem = kubernetesProblem(container);
            if (problem) {
                const field = fieldPath(container, "allowPrivilegeEscalation")!;
                report({ field, problem, why, fix: fixSnippet(container, field, "false") });
            }
            return;
        }
        const decision = decide(container);
        const path = fieldPath(container, "securityOpts")!;
        if (decision.state === "missing") {
            const fix = decision.others ? listFix(container, path, { add: fixedOption }, `[...${path[0]}, ${fixedOption}]`) : fixSnippet(container, path, `[${fixedOption}]`);
            report({ field: path, problem: decision.problem, why, fix });
        } else if (decision.state === "wrong") {
            const fix = listFix(container, path, { replace: decision.option.field, with: fixedOption }, `[...otherOptions, ${fixedOption}]`, `instead of "${decision.option.written}"`);
            report({ field: decision.option.field, problem: decision.problem, why, fix });
        }
    },
    remediate(container) {
        if (container.shape === "kubernetes") {
            const fix = kubernetesProblem(container) !== undefined;
            if (fix) {
                writeField(container, "allowPrivilegeEscalation", false);
            }
            return fix;
        }
        const decision = decide(container);
        const current = readField(container, "securityOpts");
        if (decision.state === "wrong") {
            (current as unknown[])[decision.index] = fixedEntry;
        } else if (decision.state === "missing") {
            if (Array.isArray(current)) {
                current.push(fixedEntry);
            } else {
                writeField(container, "securityOpts", [fixedEntry]);
            }
        }
        return decision.state !== "fine";
    },
});
