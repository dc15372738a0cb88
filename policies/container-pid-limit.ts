// Rule 6: PID limits: a container keeps its own PID namespace and has a cap on its processes.
// What can be checked differs by platform (DESIGN.md, "PID limits"): docker.Container has
// `pidMode` and the `nproc` ulimit but no pids-limit field; a Kubernetes pod spec has `hostPID`
// but no PID limit (that is the kubelet's `podPidsLimit`); docker.Service has no PID control. A
// Compose service (container-guard scan) has a real per-container cap: `pids_limit`.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, fixSnippet, podFixSnippet } from "./lib/policy";
import { child, describeType, isObject, isUnknown, JsonObject, plain, readBoolean, readList } from "./lib/values";
import { Container, FieldName, fieldPath, hasField, Pod, readField, writeField } from "./lib/workloads";

interface PidConfig {
    maxPids: number;
}

const hostNamespaceWhy = (host: string) =>
    `in the ${host}'s PID namespace a container sees every process on the ${host} and can signal or trace them: PID isolation is gone.`;

const capWhy =
    "without a process cap a fork bomb or runaway process tree can exhaust the host's PIDs; docker.Container has no " +
    "pids-limit field, and its nproc ulimit counts the processes of the container's uid across the whole host (every " +
    "container and host process running as that uid, not this container alone) and does not bind root (uid 0) or a " +
    "process with CAP_SYS_RESOURCE, so it only caps a container that runs as a non-root user.";

const nonRootUser = `and a non-root user (user: "10001:10001"): nproc doesn't bind root`;

/** `pidMode: "host"` (docker.Container); undefined when fine, unset, unknown, or the platform has no such field. */
function pidModeProblem(container: Container): string | undefined {
    const value = readField(container, "pidMode");
    if (value === undefined || value === null || isUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string") {
        return `can't be read (expected a string, found ${describeType(value)}); it must not be "host"`;
    }
    return value === "host" ? `is "host", so the container shares the host's PID namespace` : undefined;
}

/** `hostPID: true` on a pod spec; a malformed value counts against it (the provider may coerce "true"). */
function hostPidProblem(pod: Pod): string | undefined {
    const reading = readBoolean(child(pod.spec, "hostPID"));
    if (reading.state === "set") {
        return reading.value ? "is true, so the pod's containers share the node's PID namespace" : undefined;
    }
    return reading.state === "malformed" ? `can't be read (${reading.problem}); it must be false or unset` : undefined;
}

/** One nproc limit (soft or hard): whether it is within maxPids (an unknown one may be), how to show it, its fixed value. */
interface Limit {
    fits: boolean;
    shown: string;
    fixed: number;
}

function readLimit(raw: unknown, max: number): Limit {
    const value = plain(raw);
    if (isUnknown(value)) {
        return { fits: true, shown: "unknown", fixed: max };
    }
    if (typeof value === "number" && Number.isInteger(value)) {
        return value < 0
            ? { fits: false, shown: `${value} (unlimited)`, fixed: max }
            : { fits: value <= max, shown: `${value}`, fixed: Math.min(value, max) };
    }
    if (value === undefined || value === null) {
        return { fits: false, shown: "unset", fixed: max };
    }
    const shown = typeof value === "number" ? `${value} (not a whole number)` : `unreadable (${describeType(value)})`;
    return { fits: false, shown, fixed: max };
}

interface NprocEntry {
    index: number;
    entry: JsonObject;
    soft: Limit;
    hard: Limit;
}

/** What the container's process cap lacks: fine (within maxPids, or not known until `up`), missing, or above. */
type Cap =
    | { state: "fine" }
    | { state: "missing"; problem: string; others: boolean }
    | { state: "above"; entries: NprocEntry[] };

function checkCap(container: Container, max: number): Cap {
    const fine: Cap = { state: "fine" };
    if (!fieldPath(container, "ulimits")) {
        return fine; // Kubernetes containers have no per-container process cap.
    }
    const reading = readList(readField(container, "ulimits"));
    switch (reading.state) {
        case "unknown":
            return fine;
        case "absent":
            return { state: "missing", problem: "is not set, so nothing caps the number of processes", others: false };
        case "malformed":
            return { state: "missing", problem: `can't be read (${reading.problem}), so it does not count as set`, others: false };
    }
    const nproc: NprocEntry[] = [];
    const unnamed: string[] = [];
    let maybeNproc = false;
    reading.value.forEach((entry, index) => {
        const name = child(entry, "name");
        if (isUnknown(entry) || isUnknown(name)) {
            maybeNproc = true; // known only at `up`: it may be the nproc entry
        } else if (!isObject(entry) || typeof name !== "string") {
            unnamed.push(`[${index}]`);
        } else if (name === "nproc") {
            nproc.push({ index, entry, soft: readLimit(entry.soft, max), hard: readLimit(entry.hard, max) });
        }
    });
    if (nproc.length === 0) {
        if (maybeNproc) {
            return fine;
        }
        const ignored = unnamed.length > 0 ? ` (entries ${unnamed.join(", ")} have no readable name and were ignored)` : "";
        return { state: "missing", problem: `has no nproc entry${ignored}, so nothing caps the number of processes`, others: true };
    }
    const above = nproc.filter(e => !e.soft.fits || !e.hard.fits);
    return above.length > 0 ? { state: "above", entries: above } : fine;
}

/** Compose's `pids_limit` (also `deploy.resources.limits.pids`): what is wrong with it, or undefined when it caps within maxPids. */
function pidsLimitProblem(container: Container, max: number): string | undefined {
    const value = readField(container, "pidsLimit");
    if (value === undefined || value === null) {
        return "is not set, so nothing caps the number of processes";
    }
    const limit = readLimit(value, max);
    // Docker reads 0, like -1, as unlimited.
    return value === 0 ? "is 0 (unlimited)" : limit.fits ? undefined : `is ${limit.shown}; it must be at most ${max} (maxPids)`;
}

const pidsLimitWhy = "without a process cap a fork bomb or runaway process tree can exhaust the host's PIDs and take down every container on it.";

/** What a Docker kind can cap or isolate processes with; docker.Service has none of them. */
const pidFields: readonly FieldName[] = ["pidMode", "ulimits", "pidsLimit"];

const nprocSource = (soft: number, hard: number) => `{ name: "nproc", soft: ${soft}, hard: ${hard} }`;

export const pidLimit = containerPolicy<PidConfig>({
    name: "container-pid-limit",
    displayName: "PID limits",
    description:
        "Containers keep their own PID namespace, and a docker.Container caps its processes (nproc ulimit). " +
        "Kubernetes has no per-pod PID limit field: it is the kubelet's podPidsLimit, which this policy can't check.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: [
        "cis-docker-1.6.0:5.16", "cis-docker-1.6.0:5.19", "cis-kubernetes-1.10:5.2.3", "pss:baseline/host-namespaces",
        "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("cis-docker-1.6.0:5.16"),
    remediationSteps:
        "docker.Container: remove `pidMode: \"host\"`; set `ulimits: [{ name: \"nproc\", soft: 1024, hard: 1024 }]` " +
        "(at most `maxPids`) and a non-root `user`: the provider has no pids-limit field, and nproc (RLIMIT_NPROC) " +
        "counts every process of that uid across the host's user namespace, not per container, and doesn't bind root " +
        "(uid 0) or CAP_SYS_RESOURCE. Kubernetes: remove `hostPID: true` (or set it to false). Cap PIDs per pod on the " +
        "nodes, with the kubelet's `podPidsLimit` (KubeletConfiguration `podPidsLimit: 1024`, or `--pod-max-pids`): " +
        "EKS: `spec.kubelet.config.podPidsLimit` in the nodeadm NodeConfig of the node group's user data " +
        "(Amazon Linux 2: `--kubelet-extra-args '--pod-max-pids=1024'`); GKE: `kubeletConfig.podPidsLimit` in the " +
        "node pool's system config (`nodeConfig.kubeletConfig.podPidsLimit`); AKS: `kubeletConfig.podMaxPids` in the " +
        "node pool's custom node configuration. docker.Service: the provider has no PID control for Swarm tasks, so the " +
        "policy reports itself not applicable; set `default-ulimits` (nproc) in each node's daemon.json.",
    config: {
        maxPids: {
            type: "integer",
            minimum: 1,
            default: 1024,
            description:
                "The highest nproc ulimit (soft and hard) a docker.Container may set. Kubernetes per-pod PID limits " +
                "are the kubelet's `podPidsLimit`, which this policy can't check.",
        },
    },
    parseConfig: config => ({ maxPids: config.maxPids as number }),
    notApplicable: workload =>
        workload.platform === "docker" && !pidFields.some(field => hasField(workload, field))
            ? "docker.Service has no PID control in the Docker provider (no pids limit, ulimits or PID mode under " +
              "taskSpec), so there is nothing to check; cap processes on the Swarm nodes (daemon.json default-ulimits)."
            : undefined,
    checkPod(pod, _config, report) {
        const problem = hostPidProblem(pod);
        if (problem) {
            report({
                field: ["hostPID"],
                problem,
                why: hostNamespaceWhy("node"),
                fix: podFixSnippet(pod, ["hostPID"], "false", "PID limits per pod are the kubelet's podPidsLimit, which this policy can't check"),
            });
        }
    },
    remediatePod(pod) {
        const fix = hostPidProblem(pod) !== undefined;
        if (fix) {
            pod.spec.hostPID = false; // false rather than removed: a patch that drops the field keeps the live value
        }
        return fix;
    },
    check(container, config, report) {
        const pidMode = pidModeProblem(container);
        if (pidMode) {
            const field = fieldPath(container, "pidMode")!;
            report({ field, problem: pidMode, why: hostNamespaceWhy("host"), fix: fixSnippet(container, field, "undefined", "its own PID namespace") });
        }
        const max = config.maxPids;
        const pidsLimit = fieldPath(container, "pidsLimit");
        const pidsProblem = pidsLimit && pidsLimitProblem(container, max);
        if (pidsProblem) {
            report({ field: pidsLimit, problem: pidsProblem, why: pidsLimitWhy, fix: fixSnippet(container, pidsLimit, String(max)) });
        }
        const cap = checkCap(container, max);
        const ulimits = fieldPath(container, "ulimits")!;
        if (cap.state === "missing") {
            const value = cap.others ? `[...ulimits, ${nprocSource(max, max)}]` : `[${nprocSource(max, max)}]`;
            report({ field: ulimits, problem: cap.problem, why: capWhy, fix: fixSnippet(container, ulimits, value, nonRootUser) });
        } else if (cap.state === "above") {
            for (const { index, soft, hard } of cap.entries) {
                report({
                    field: [`${ulimits.join(".")}[${index}]`],
                    problem: `caps nproc at soft ${soft.shown}, hard ${hard.shown}: both must be set and at most ${max} (maxPids)`,
                    why: capWhy,
                    fix: fixSnippet(container, ulimits, `[...otherUlimits, ${nprocSource(soft.fixed, hard.fixed)}]`, nonRootUser),
                });
            }
        }
    },
    remediate(container, config) {
        const clearPidMode = pidModeProblem(container) !== undefined;
        if (clearPidMode) {
            writeField(container, "pidMode", undefined); // unset: the default is the container's own PID namespace
        }
        const max = config.maxPids;
        const fixPidsLimit = fieldPath(container, "pidsLimit") !== undefined && pidsLimitProblem(container, max) !== undefined;
        if (fixPidsLimit) {
            writeField(container, "pidsLimit", max);
        }
        const cap = checkCap(container, max);
        if (cap.state === "missing") {
            const current = readField(container, "ulimits");
            const entry = { name: "nproc", soft: max, hard: max };
            if (Array.isArray(current)) {
                current.push(entry);
            } else {
                writeField(container, "ulimits", [entry]);
            }
        } else if (cap.state === "above") {
            for (const { entry, soft, hard } of cap.entries) {
                if (!soft.fits) {
                    entry.soft = soft.fixed;
                }
                if (!hard.fits) {
                    entry.hard = hard.fixed;
                }
            }
        }
        return clearPidMode || fixPidsLimit || cap.state !== "fine";
    },
});
