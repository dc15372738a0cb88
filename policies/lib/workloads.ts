// The one place that knows resource kinds: turns a resource's type token and raw properties into
// the containers it runs, each with its exact property path and the location of every field a
// rule reads. Rules are written once, over this view, for every kind.
import type { ContainerEnv } from "./env";
import { memoizeByText } from "./memo";
import { child, describeType, isObject, isUnknown, JsonObject, plain, readPath, UNKNOWN, Unknown } from "./values";

export type Platform = "kubernetes" | "docker";

/** A field every rule may ask of a container, named the same on every platform. */
export type FieldName =
    | "readOnlyRootFilesystem"
    | "privileged"
    | "addedCapabilities"
    | "droppedCapabilities"
    | "hostProcess"
    | "env"
    | "envFrom"
    // PID isolation and process cap; only docker.Container has them per container.
    | "pidMode"
    | "ulimits"
    // Compose's per-container process cap (the cgroup pids controller); no Pulumi resource has one.
    | "pidsLimit";

/** Where each field lives, relative to the container, per container shape. */
const fieldPaths: Record<"kubernetes" | "dockerContainer" | "dockerService" | "composeService", Partial<Record<FieldName, string[]>>> = {
    kubernetes: {
        readOnlyRootFilesystem: ["securityContext", "readOnlyRootFilesystem"],
        privileged: ["securityContext", "privileged"],
        addedCapabilities: ["securityContext", "capabilities", "add"],
        droppedCapabilities: ["securityContext", "capabilities", "drop"],
        hostProcess: ["securityContext", "windowsOptions", "hostProcess"],
        env: ["env"],
        envFrom: ["envFrom"],
    },
    dockerContainer: {
        readOnlyRootFilesystem: ["readOnly"],
        privileged: ["privileged"],
        addedCapabilities: ["capabilities", "adds"],
        droppedCapabilities: ["capabilities", "drops"],
        env: ["envs"],
        pidMode: ["pidMode"],
        ulimits: ["ulimits"],
    },
    // Swarm services cannot run privileged; there is no such field to read.
    dockerService: {
        readOnlyRootFilesystem: ["readOnly"],
        addedCapabilities: ["capAdds"],
        droppedCapabilities: ["capDrops"],
        env: ["env"],
    },
    // A Compose service, as `container-guard scan` reads it (see composeServiceType).
    composeService: {
        readOnlyRootFilesystem: ["read_only"],
        privileged: ["privileged"],
        addedCapabilities: ["cap_add"],
        droppedCapabilities: ["cap_drop"],
        env: ["environment"],
        pidMode: ["pid"],
        pidsLimit: ["pids_limit"],
    },
};

export interface Workload {
    /** The type token, e.g. `kubernetes:apps/v1:Deployment`. */
    readonly type: string;
    /** `Deployment`, `CronJobPatch`, `docker.Container`. */
    readonly kind: string;
    readonly platform: Platform;
    /** Pulumi resource name. */
    readonly name: string;
    /** `namespace/name` for Kubernetes objects that set a name; UNKNOWN when it is computed. */
    readonly namespacedName?: string | Unknown;
    /** How messages name the resource: `Deployment shop/web`. */
    readonly label: string;
    /** A `*Patch` kind: judged only on the fields it sets. */
    readonly isPatch: boolean;
    readonly props: JsonObject;
    /** Pod specs (Kubernetes) with their paths; empty for Docker. */
    readonly pods: Pod[];
    readonly containers: Container[];
    /** Where containers could not be read: unknown during preview, or not of the expected shape. */
    readonly unreadable: Array<{ path: string; reason: "unknown" | string }>;
}

export interface Pod {
    readonly path: string;
    readonly spec: JsonObject;
    /** `spec.os.name: windows` (or not known yet): no Linux capabilities, privileged or read-only root there. */
    readonly windows: boolean;
    /** Policy names exempted by annotation on the workload or the pod template. */
    readonly exemptions: ReadonlySet<string>;
}

export interface Container {
    readonly workload: Workload;
    readonly pod?: Pod;
    /** Container name as the user wrote it (or the resource name for Docker). */
    readonly name: string;
    /** `spec.template.spec.initContainers[1]`; `` for a docker.Container (the resource itself). */
    readonly path: string;
    /** How a Kubernetes fix refers to it: `initContainers[1]`. */
    readonly shortPath: string;
    readonly spec: JsonObject;
    readonly image: unknown;
    readonly shape: keyof typeof fieldPaths;
    readonly exemptions: ReadonlySet<string>;
    /**
     * Its environment, once `containerEnv` (lib/env.ts) has read it: a slot of its own rather than
     * a WeakMap, whose inserts cost more than reading the env (performance).
     */
    env?: ContainerEnv;
}

export const kubernetesWorkloadKinds: Readonly<Record<string, readonly string[]>> = {
    Pod: ["spec"],
    PodTemplate: ["template", "spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** API groups that hold the workload kinds, in every version (v1, v1beta1, ...). */
const kubernetesGroups = new Set(["core", "apps", "extensions", "batch"]);

export const dockerContainerType = "docker:index/container:Container";
export const dockerServiceType = "docker:index/service:Service";
/**
 * A service of a Compose file, as `container-guard scan` hands it to the policies: the service's
 * own keys, except that `environment` is a list of `KEY=VALUE` (its map form and the `env_file`
 * files folded in) and `pids_limit` also holds `deploy.resources.limits.pids`. No Pulumi resource
 * has this type.
 */
export const composeServiceType = "compose:service";

// Image build resources run no container: lib/image-builds.ts knows their kinds.

/** What a kind of resource has no field for, so the rules about it can't be applied there (DESIGN.md: say so plainly). */
export type Inexpressible =
    /** PID isolation or a process cap (rule 6): docker.Service has neither under taskSpec. */
    | "pidControl"
    /** Env fed from a secret store (rule 5b): Docker env values are literals. */
    | "envFromSecretStore";

const inexpressible: Readonly<Record<string, readonly Inexpressible[]>> = {
    [dockerContainerType]: ["envFromSecretStore"],
    [dockerServiceType]: ["pidControl", "envFromSecretStore"],
};

/** Whether resources of type `type` can't express `what` at all. */
export function cannotExpress(type: string, what: Inexpressible): boolean {
    return inexpressible[type]?.includes(what) ?? false;
}

export const exemptKey = "container-guard/exempt";
export const exemptReasonKey = "container-guard/exempt-reason";

export const containerLists = ["containers", "initContainers", "ephemeralContainers"] as const;

interface KubernetesType {
    readonly kind: string;
    readonly podSpecPath: readonly string[];
    readonly isPatch: boolean;
    readonly isList: boolean;
}

/** Parses `kubernetes:apps/v1:DeploymentPatch`; undefined when not a workload kind. By type token: a stack has few (performance). */
export const parseKubernetesType = memoizeByText(parseTypeToken);

function parseTypeToken(type: string): KubernetesType | undefined {
    if (!type.startsWith("kubernetes:")) {
        return undefined;
    }
    const [, groupVersion, kindToken] = type.split(":");
    const group = groupVersion?.split("/")[0];
    if (!kindToken || !kubernetesGroups.has(group)) {
        return undefined;
    }
    for (const suffix of ["", "Patch", "List"]) {
        const kind = suffix && kindToken.endsWith(suffix) ? kindToken.slice(0, -suffix.length) : kindToken;
        if ((suffix === "" || kind !== kindToken) && kubernetesWorkloadKinds[kind]) {
            return {
                kind: kindToken,
                podSpecPath: kubernetesWorkloadKinds[kind],
                isPatch: suffix === "Patch",
                isList: suffix === "List",
            };
        }
    }
    return undefined;
}

export function isWorkloadType(type: string): boolean {
    return type === dockerContainerType || type === dockerServiceType || type === composeServiceType || parseKubernetesType(type) !== undefined;
}

/** The workload view of a resource, or undefined when the resource runs no containers. */
export function workloadOf(type: string, name: string, props: JsonObject): Workload | undefined {
    if (type === dockerContainerType || type === dockerServiceType) {
        return dockerWorkload(type, name, props);
    }
    if (type === composeServiceType) {
        return composeWorkload(name, props);
    }
    const k8s = parseKubernetesType(type);
    return k8s && kubernetesWorkload(type, name, props, k8s);
}

function kubernetesWorkload(type: string, name: string, props: JsonObject, k8s: KubernetesType): Workload {
    const metadata = child(props, "metadata");
    const objectName = stringOrUndefined(child(metadata, "name"));
    const namespace = stringOrUndefined(child(metadata, "namespace"));
    const nameParts = [child(metadata, "name"), child(metadata, "namespace")];
    const namespacedName = nameParts.some(isUnknown) ? UNKNOWN : objectName ? `${namespace ?? "default"}/${objectName}` : undefined;
    const workload: Workload = {
        type,
        kind: k8s.kind,
        platform: "kubernetes",
        name,
        namespacedName,
        label: `${k8s.kind} ${namespace ? `${namespace}/` : ""}${objectName ?? name}`,
        isPatch: k8s.isPatch,
        props,
        pods: [],
        containers: [],
        unreadable: [],
    };
    if (k8s.isList) {
        const items = child(props, "items");
        if (isUnknown(items)) {
            workload.unreadable.push({ path: "items", reason: "unknown" });
        } else if (Array.isArray(items)) {
            items.forEach((item, i) => addPod(workload, plain(item), `items[${i}]`, k8s.podSpecPath));
        }
    } else {
        addPod(workload, props, "", k8s.podSpecPath);
    }
    return workload;
}

function addPod(workload: Workload, object: unknown, prefix: string, podSpecPath: readonly string[]): void {
    const objectExemptions = exemptionsOf(child(child(object, "metadata"), "annotations"));
    let spec: unknown = object;
    let templateMetadata: unknown;
    for (const key of podSpecPath) {
        templateMetadata = child(spec, "metadata");
        spec = child(spec, key);
    }
    const path = join(prefix, podSpecPath.join("."));
    if (isUnknown(spec)) {
        workload.unreadable.push({ path, reason: "unknown" });
        return;
    }
    if (!isObject(spec)) {
        if (spec !== undefined && spec !== null) {
            workload.unreadable.push({ path, reason: `expected an object, found ${describeType(spec)}` });
        }
        return;
    }
    const exemptions = exemptionSet(objectExemptions, exemptionsOf(child(templateMetadata, "annotations")));
    // An OS not known during preview may be Windows: the Linux-only rules hold back until `up`.
    const os = child(child(spec, "os"), "name");
    const pod: Pod = { path, spec, windows: os === "windows" || isUnknown(os), exemptions };
    workload.pods.push(pod);
    for (const list of containerLists) {
        const containers = child(spec, list);
        if (isUnknown(containers)) {
            workload.unreadable.push({ path: `${path}.${list}`, reason: "unknown" });
            continue;
        }
        if (!Array.isArray(containers)) {
            if (containers !== undefined && containers !== null) {
                workload.unreadable.push({ path: `${path}.${list}`, reason: `expected a list, found ${describeType(containers)}` });
            }
            continue;
        }
        for (let i = 0; i < containers.length; i++) {
            const container = plain(containers[i]);
            const shortPath = `${list}[${i}]`;
            if (isUnknown(container)) {
                workload.unreadable.push({ path: `${path}.${shortPath}`, reason: "unknown" });
                continue;
            }
            if (!isObject(container)) {
                workload.unreadable.push({ path: `${path}.${shortPath}`, reason: `expected an object, found ${describeType(container)}` });
                continue;
            }
            const containerName = child(container, "name");
            workload.containers.push({
                workload,
                pod,
                name: typeof containerName === "string" ? containerName : `#${i}`,
                path: `${path}.${shortPath}`,
                shortPath,
                spec: container,
                image: child(container, "image"),
                shape: "kubernetes",
                exemptions,
            });
        }
    }
}

function dockerWorkload(type: string, name: string, props: JsonObject): Workload {
    const isService = type === dockerServiceType;
    const kind = isService ? "docker.Service" : "docker.Container";
    const workload: Workload = {
        type,
        kind,
        platform: "docker",
        name,
        label: `${kind} ${name}`,
        isPatch: false,
        props,
        pods: [],
        containers: [],
        unreadable: [],
    };
    const path = isService ? "taskSpec.containerSpec" : "";
    const spec = isService ? child(child(props, "taskSpec"), "containerSpec") : props;
    if (isUnknown(spec)) {
        workload.unreadable.push({ path, reason: "unknown" });
        return workload;
    }
    if (!isObject(spec)) {
        if (spec !== undefined && spec !== null) {
            workload.unreadable.push({ path, reason: `expected an object, found ${describeType(spec)}` });
        }
        return workload;
    }
    const exemptions = exemptionSet(exemptionsOf(labelMap(child(props, "labels"))), isService ? exemptionsOf(labelMap(child(spec, "labels"))) : []);
    const containerName = child(props, "name");
    workload.containers.push({
        workload,
        name: typeof containerName === "string" && containerName ? containerName : name,
        path,
        shortPath: path,
        spec,
        image: child(spec, "image"),
        shape: isService ? "dockerService" : "dockerContainer",
        exemptions,
    });
    return workload;
}

function composeWorkload(name: string, props: JsonObject): Workload {
    const kind = "Compose service";
    const workload: Workload = { type: composeServiceType, kind, platform: "docker", name, label: `${kind} ${name}`, isPatch: false, props, pods: [], containers: [], unreadable: [] };
    workload.containers.push({
        workload,
        name,
        path: "",
        shortPath: "",
        spec: props,
        image: child(props, "image"),
        shape: "composeService",
        exemptions: exemptionSet(exemptionsOf(composeLabelMap(child(props, "labels"))), []),
    });
    return workload;
}

/** Compose labels are a map, or a list of `KEY=VALUE`. */
function composeLabelMap(labels: unknown): unknown {
    if (!Array.isArray(labels)) {
        return labels;
    }
    const entries = labels.filter((entry): entry is string => typeof entry === "string").map(entry => {
        const equals = entry.indexOf("=");
        return equals < 0 ? [entry, ""] : [entry.slice(0, equals), entry.slice(equals + 1)];
    });
    return Object.fromEntries(entries);
}

/** Docker labels are a list of `{ label, value }`. */
function labelMap(labels: unknown): unknown {
    if (isUnknown(labels)) {
        return labels;
    }
    const map: Record<string, unknown> = {};
    if (Array.isArray(labels)) {
        for (const entry of labels) {
            const key = child(plain(entry), "label");
            if (typeof key === "string") {
                map[key] = child(plain(entry), "value");
            } else if (isUnknown(key) || isUnknown(plain(entry))) {
                map[exemptKey] = key; // an unknown label may be the exemption
            }
        }
    }
    return map;
}

const noExemptions: ReadonlySet<string> = new Set();

/** The policies two exemption lists name; one shared empty set for the usual workload that has none (performance). */
function exemptionSet(first: readonly string[], second: readonly string[]): ReadonlySet<string> {
    return first.length === 0 && second.length === 0 ? noExemptions : new Set([...first, ...second]);
}

const noNames: readonly string[] = [];

function exemptionsOf(annotations: unknown): readonly string[] {
    const value = child(annotations, exemptKey);
    if (isUnknown(value)) {
        return ["*"]; // may exempt anything: judged at `up`, when it is known
    }
    if (typeof value !== "string") {
        return noNames;
    }
    return value.split(",").map(s => s.trim()).filter(s => s.length > 0);
}

function stringOrUndefined(value: unknown): string | undefined {
    return typeof value === "string" && value.length > 0 ? value : undefined;
}

function join(prefix: string, path: string): string {
    return prefix ? `${prefix}.${path}` : path;
}

/** The relative path of a field on this container, or undefined where the platform has none. */
export function fieldPath(container: Container, field: FieldName): readonly string[] | undefined {
    return fieldPaths[container.shape][field];
}

/** The full property path of a field, for messages: `spec.template.spec.containers[0].securityContext.privileged`. */
export function fieldLocation(container: Container, relative: readonly string[]): string {
    return join(container.path, relative.length === 1 ? relative[0] : relative.join("."));
}

/** Reads a field: its raw value (secrets unwrapped, unknowns as UNKNOWN), or undefined where absent. */
export function readField(container: Container, field: FieldName): unknown {
    const path = fieldPath(container, field);
    return path && readPath(container.spec, path);
}

/** Sets a field on the (cloned) container for remediation, creating the objects on the way. */
export function writeField(container: Container, field: FieldName, value: unknown): void {
    const path = fieldPath(container, field);
    if (!path) {
        return;
    }
    let holder: JsonObject = container.spec;
    for (const key of path.slice(0, -1)) {
        const next = plain(holder[key]);
        if (isObject(next)) {
            holder = next;
        } else {
            const created: JsonObject = {};
            holder[key] = created;
            holder = created;
        }
    }
    holder[path[path.length - 1]] = value as JsonObject[string];
}
