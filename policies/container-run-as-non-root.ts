// PSS restricted "Running as Non-root" and "Running as Non-root user" (CIS Kubernetes 5.2.7, CIS
// Docker 4.1): containers don't run as root. Kubernetes semantics as k8s.io/pod-security-admission
// check_runAsNonRoot.go and check_runAsUser.go (v1.35+: a pod in a user namespace passes both);
// Docker's `user` as docker-bench-security's check_4_1 reads it.
import { ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { complianceFramework } from "./lib/controls";
import { parseImageRef } from "./lib/dockerfile/stages";
import { EffectiveUser, effectiveUser, imageBuildValidation, programDirectoryConfig } from "./lib/image-builds";
import { configReader, containerPolicy, Finding, fixSnippet, podFixSnippet, render } from "./lib/policy";
import { child, describeType, isObject, isUnknown, readBoolean, Reading, readPath } from "./lib/values";
import { Container, fieldPath, Pod, podUserNamespace, readField, writeField } from "./lib/workloads";

const why = "root in a container is uid 0 on the node's kernel: a container escape, a writable host mount or a kernel bug hands it the node.";

const podRunAsNonRoot = ["securityContext", "runAsNonRoot"];
const podRunAsUser = ["securityContext", "runAsUser"];
const exampleUid = "10001";
const uidNote = "a non-root uid the image can run as, or unset to run as the image's USER";

/** A pod in a user namespace may run as any user (PSA v1.35+); one whose hostUsers is known only at `up` may be in one, which holds the findings back. */
function userNamespace(pod: Pod | undefined): boolean {
    const reading = pod ? podUserNamespace(pod) : undefined;
    return reading?.state === "unknown" || (reading?.state === "set" && reading.value);
}

function readUid(value: unknown): Reading<number> {
    if (value === undefined || value === null) {
        return { state: "absent" };
    }
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    return typeof value === "number" && Number.isInteger(value)
        ? { state: "set", value }
        : { state: "malformed", problem: `expected an integer, found ${describeType(value)}` };
}

/** Who a pod-level or container-level setting is about, in messages. */
type Subject = "the container" | "the pod's containers";

/** `runAsNonRoot` (pod or container): what is wrong when it is set, or undefined. */
function explicitNonRootProblem(reading: Reading<boolean>, subject: Subject): string | undefined {
    if (reading.state === "set") {
        return reading.value ? undefined : `is false, so nothing stops ${subject} from running as root`;
    }
    return reading.state === "malformed" ? `can't be read (${reading.problem}); it must be true` : undefined;
}

/** `runAsUser` (pod or container): what is wrong, or undefined. */
function uidProblem(value: unknown, subject: Subject): string | undefined {
    const reading = readUid(value);
    if (reading.state === "set") {
        return reading.value === 0 ? `is 0, so ${subject} run${subject === "the container" ? "s" : ""} as root` : undefined;
    }
    return reading.state === "malformed" ? `can't be read (${reading.problem}); it must not be 0` : undefined;
}

/** A Kubernetes container's own `runAsNonRoot`: bad when false; when unset, bad unless the pod sets it to true. */
type NonRoot = { state: "fine" } | { state: "explicit"; problem: string } | { state: "implicit" };

function containerNonRoot(container: Container): NonRoot {
    const own = readBoolean(readField(container, "runAsNonRoot"));
    if (own.state !== "absent") {
        const problem = explicitNonRootProblem(own, "the container");
        return problem ? { state: "explicit", problem } : { state: "fine" };
    }
    const pod = readBoolean(readPath(container.pod?.spec, podRunAsNonRoot));
    // A pod-level false or unreadable value is the pod's finding (and fix); a patch is judged only on what it sets.
    return pod.state === "absent" && !container.workload.isPatch ? { state: "implicit" } : { state: "fine" };
}

function kubernetesFindings(container: Container): Finding[] {
    const found: Finding[] = [];
    const nonRoot = containerNonRoot(container);
    const nonRootField = fieldPath(container, "runAsNonRoot")!;
    if (nonRoot.state === "explicit") {
        found.push({ field: nonRootField, problem: nonRoot.problem, why, fix: fixSnippet(container, nonRootField, "true") });
    } else if (nonRoot.state === "implicit") {
        found.push({
            field: nonRootField,
            problem: "is not set, and the pod doesn't set it to true either, so the container runs as root if the image's USER is root",
            why,
            fix: podFixSnippet(container.pod!, podRunAsNonRoot, "true", "for every container of the pod"),
        });
    }
    const uidField = fieldPath(container, "runAsUser")!;
    const uid = uidProblem(readField(container, "runAsUser"), "the container");
    if (uid) {
        found.push({ field: uidField, problem: uid, why, fix: fixSnippet(container, uidField, exampleUid, uidNote) });
    }
    return found;
}

/** Whether a Docker user (`name`, `uid`, `name:group`, `uid:gid`) is root: its user part is `root` or uid 0. */
function isRootUser(user: string): boolean {
    const name = user.split(":", 1)[0].trim();
    return name === "root" || /^0+$/.test(name);
}

/** docker.Container / docker.Service / Compose `user`: unset runs as the image's USER, root unless the image sets one. */
function dockerUserProblem(value: unknown): string | undefined {
    if (isUnknown(value)) {
        return undefined;
    }
    if (value === undefined || value === null || value === "") {
        return "is not set, so the container runs as the image's USER: root, unless the image sets another";
    }
    if (typeof value !== "string") {
        return `can't be read (expected a string, found ${describeType(value)}); it must name a non-root user`;
    }
    if (value.split(":", 1)[0].trim() === "") {
        return `is "${value}", which names a group but no user, so the container runs as the image's USER: root, unless the image sets another`;
    }
    return isRootUser(value) ? `is "${value}", so the container runs as root (uid 0)` : undefined;
}

function setPodRunAsNonRoot(pod: Pod): void {
    const context = child(pod.spec, "securityContext");
    if (isObject(context)) {
        context.runAsNonRoot = true;
    } else {
        pod.spec.securityContext = { runAsNonRoot: true };
    }
}

interface RuleConfig {
    programDirectory?: string;
}

const parseConfig = (config: Record<string, unknown>): RuleConfig => ({ programDirectory: (config.programDirectory as string | undefined) || undefined });

const name = "container-run-as-non-root";
/** Its own config keys: where relative Dockerfile paths start, as for the other policies that read Dockerfiles. */
const config = { programDirectory: programDirectoryConfig };

const containers = containerPolicy<RuleConfig>({
    name,
    displayName: "Run as non-root",
    description:
        "Containers don't run as root: Kubernetes sets `runAsNonRoot: true` (pod or container) and never " +
        "`runAsUser: 0`; Docker containers and services set a non-root `user`.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: [
        "pss:restricted/running-as-non-root", "pss:restricted/running-as-non-root-user", "cis-kubernetes-1.10:5.2.7",
        "cis-docker-1.6.0:4.1", "nist-800-190:4.4.3", "kubernetes", "docker",
    ],
    framework: complianceFramework("pss:restricted/running-as-non-root"),
    remediationSteps:
        "Kubernetes: set `securityContext.runAsNonRoot: true` on the pod (or on every container), never set it to " +
        "false, and set `runAsUser` to a non-zero uid the image can run as, or leave it unset. A pod with " +
        "`hostUsers: false` (a user namespace) is exempt. docker.Container / Compose: set `user` to a non-root user or " +
        "uid (`\"10001:10001\"`); docker.Service: `taskSpec.containerSpec.user`. Better still, build the image with a " +
        "non-root `USER`.",
    config,
    parseConfig,
    checkPod(pod, _config, report) {
        if (userNamespace(pod)) {
            return;
        }
        const namespace = podUserNamespace(pod);
        if (namespace.state === "malformed") {
            const problem = `can't be read (${namespace.problem}), so it doesn't exempt the pod: only false (a user namespace) does`;
            report({ field: ["hostUsers"], problem, why, fix: podFixSnippet(pod, ["hostUsers"], "false", "a user namespace; or remove hostUsers") });
        }
        const nonRoot = explicitNonRootProblem(readBoolean(readPath(pod.spec, podRunAsNonRoot)), "the pod's containers");
        if (nonRoot) {
            report({ field: podRunAsNonRoot, problem: nonRoot, why, fix: podFixSnippet(pod, podRunAsNonRoot, "true") });
        }
        const uid = uidProblem(readPath(pod.spec, podRunAsUser), "the pod's containers");
        if (uid) {
            report({ field: podRunAsUser, problem: uid, why, fix: podFixSnippet(pod, podRunAsUser, exampleUid, uidNote) });
        }
    },
    remediatePod(pod) {
        const fix = !userNamespace(pod) && explicitNonRootProblem(readBoolean(readPath(pod.spec, podRunAsNonRoot)), "the pod's containers") !== undefined;
        if (fix) {
            setPodRunAsNonRoot(pod);
        }
        return fix;
    },
    check(container, _config, report) {
        if (container.shape === "kubernetes") {
            if (!userNamespace(container.pod)) {
                kubernetesFindings(container).forEach(report);
            }
            return;
        }
        const field = fieldPath(container, "user")!;
        const problem = dockerUserProblem(readField(container, "user"));
        if (problem) {
            report({ field, problem, why, fix: fixSnippet(container, field, `"${exampleUid}:${exampleUid}"`, "a non-root user the image can run as") });
        }
    },
    // Only runAsNonRoot is mechanical: which uid an image can run as is not.
    remediate(container) {
        if (container.shape !== "kubernetes" || userNamespace(container.pod)) {
            return false;
        }
        const nonRoot = containerNonRoot(container);
        if (nonRoot.state === "explicit") {
            writeField(container, "runAsNonRoot", true);
        } else if (nonRoot.state === "implicit") {
            setPodRunAsNonRoot(container.pod!);
        }
        return nonRoot.state !== "fine";
    },
});

/** Distroless' convention: a `nonroot` tag (`:nonroot`, `:debug-nonroot`) runs as uid 65532. */
function isNonRootBase(ref: string): boolean {
    return /(^|-)nonroot$/.test(parseImageRef(ref).tag);
}

/** Where an image build's shipped stage makes root its user (a line of its Dockerfile, `shown`), for the message, and what is wrong; undefined when it is not root or can't be known here. */
function imageUserProblem(user: EffectiveUser): { shown: string; line: number; stage: string; location: string; problem: string } | undefined {
    switch (user.state) {
        case "set":
            return isRootUser(user.user) ? { shown: user.shown, line: user.line, stage: user.stage, location: `USER ${user.user}`, problem: "runs the shipped image as root" } : undefined;
        case "none": {
            const base = user.base.state === "image" ? user.base.ref : undefined;
            if (base !== undefined && isNonRootBase(base)) {
                return undefined;
            }
            const problem = base === "scratch"
                ? "sets no USER, and its base, scratch, has none: the image runs as uid 0 (root)"
                : `sets no USER, so the image runs as the user of ${base ?? "its base image"}: root, unless that image sets another`;
            return { shown: user.shown, line: user.line, stage: user.stage, location: "the stage", problem };
        }
        default:
            return undefined; // not known until `up`, or unreadable: image-multi-stage-build reports that
    }
}

const readConfig = configReader(name, config, parseConfig);

/** Image builds run no container: the user their shipped stage runs as is judged at the resource (the last USER of its lineage). */
const validateImageBuild = imageBuildValidation(name, readConfig, (resource, build, config, reportViolation) => {
    const user = effectiveUser(resource, name, config.programDirectory);
    const found = user && imageUserProblem(user);
    if (found) {
        reportViolation(
            render(`${build.at(found.shown, found.line)}, ${found.stage}`, found.location, {
                field: [],
                problem: found.problem,
                why,
                fix: `end the shipped stage with USER ${exampleUid}:${exampleUid} (a numeric uid needs no /etc/passwd entry; give it what the app writes, e.g. COPY --chown=${exampleUid}:${exampleUid})`,
            }),
        );
    }
});

export const runAsNonRoot: ResourceValidationPolicy = {
    ...containers,
    validateResource: [containers.validateResource as ResourceValidation, validateImageBuild],
};
