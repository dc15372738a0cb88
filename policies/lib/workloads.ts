// The one place that knows resource kinds: turns a resource's type token and raw properties into
// the containers it runs, each with its exact property path and the location of every field a
// rule reads. Rules are written once, over this view, for every kind.
import type { Dialect } from "./dialect";
import type { ContainerEnv } from "./env";
import { memoizeByText } from "./memo";
import { child, describeType, Entries, entryPath, isObject, isUnknown, JsonObject, keyAccessor, listItems, plain, readBoolean, Reading, readPath, UNKNOWN, Unknown, writePath } from "./values";

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
    | "pidsLimit"
    // Pod Security Standards and CIS Docker section 5: the container's security context (Kubernetes)
    | "allowPrivilegeEscalation"
    | "runAsNonRoot"
    | "runAsUser"
    | "seccompProfile"
    | "appArmorProfile"
    | "seLinuxOptions"
    | "procMount"
    // ... and what Docker sets per container (a docker.Service partly on the service: see serviceSettingPaths)
    | "user"
    | "securityOpts"
    | "ports"
    | "networkMode"
    | "ipcMode"
    | "usernsMode"
    | "utsMode"
    | "volumes"
    | "mounts"
    | "sysctls"
    | "devices"
    // The device cgroup allow-list (`--device-cgroup-rule`): host devices by type and number.
    | "deviceCgroupRules";

export type ContainerShape = "kubernetes" | "dockerContainer" | "dockerService" | "composeService";

/** Where each field lives, relative to the container, per container shape. */
const fieldPaths: Record<ContainerShape, Partial<Record<FieldName, string[]>>> = {
    kubernetes: {
        readOnlyRootFilesystem: ["securityContext", "readOnlyRootFilesystem"],
        privileged: ["securityContext", "privileged"],
        addedCapabilities: ["securityContext", "capabilities", "add"],
        droppedCapabilities: ["securityContext", "capabilities", "drop"],
        hostProcess: ["securityContext", "windowsOptions", "hostProcess"],
        env: ["env"],
        envFrom: ["envFrom"],
        allowPrivilegeEscalation: ["securityContext", "allowPrivilegeEscalation"],
        runAsNonRoot: ["securityContext", "runAsNonRoot"],
        runAsUser: ["securityContext", "runAsUser"],
        seccompProfile: ["securityContext", "seccompProfile"],
        appArmorProfile: ["securityContext", "appArmorProfile"],
        seLinuxOptions: ["securityContext", "seLinuxOptions"],
        procMount: ["securityContext", "procMount"],
        ports: ["ports"],
    },
    dockerContainer: {
        readOnlyRootFilesystem: ["readOnly"],
        privileged: ["privileged"],
        addedCapabilities: ["capabilities", "adds"],
        droppedCapabilities: ["capabilities", "drops"],
        env: ["envs"],
        pidMode: ["pidMode"],
        ulimits: ["ulimits"],
        user: ["user"],
        securityOpts: ["securityOpts"],
        ports: ["ports"],
        networkMode: ["networkMode"],
        ipcMode: ["ipcMode"],
        usernsMode: ["usernsMode"],
        volumes: ["volumes"],
        mounts: ["mounts"],
        sysctls: ["sysctls"],
        devices: ["devices"],
        deviceCgroupRules: ["deviceCgroupRules"],
    },
    // Swarm services cannot run privileged, set security options or map devices; there is no such
    // field to read. Their SELinux label is `privileges.seLinuxContext`, shaped like Kubernetes'
    // seLinuxOptions plus `disable`.
    dockerService: {
        readOnlyRootFilesystem: ["readOnly"],
        addedCapabilities: ["capAdds"],
        droppedCapabilities: ["capDrops"],
        env: ["env"],
        user: ["user"],
        seLinuxOptions: ["privileges", "seLinuxContext"],
        mounts: ["mounts"],
        sysctls: ["sysctl"],
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
        user: ["user"],
        securityOpts: ["security_opt"],
        ports: ["ports"],
        networkMode: ["network_mode"],
        ipcMode: ["ipc"],
        usernsMode: ["userns_mode"],
        utsMode: ["uts"],
        volumes: ["volumes"],
        sysctls: ["sysctls"],
        devices: ["devices"],
        deviceCgroupRules: ["device_cgroup_rules"],
    },
};

/**
 * What a docker.Service sets for its tasks outside `taskSpec.containerSpec`, from the resource's
 * root: the ports it publishes on the Swarm nodes and the networks its tasks join.
 */
const serviceSettingPaths = {
    ports: ["endpointSpec", "ports"],
    networks: ["taskSpec", "networksAdvanceds"],
} as const;

export interface Workload {
    /** The type token, e.g. `kubernetes:apps/v1:Deployment`. */
    readonly type: string;
    /** `Deployment`, `CronJobPatch`, `docker.Container`. */
    readonly kind: string;
    readonly platform: Platform;
    /** The shape of its containers: which fields they have and where (fieldPath). */
    readonly shape: ContainerShape;
    /** Pulumi resource name. */
    readonly name: string;
    /** `namespace/name` for Kubernetes objects that set a name; UNKNOWN when it is computed. */
    readonly namespacedName?: string | Unknown;
    /** How messages name the resource: `Deployment shop/web`. */
    readonly label: string;
    /**
     * What its fixes are written in: Pulumi TypeScript, or the YAML of the file the scan read it from
     * (a Compose service is always Compose; docker.Container and docker.Service always Pulumi).
     */
    readonly dialect: Dialect;
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
    readonly workload: Workload;
    readonly path: string;
    readonly spec: JsonObject;
    /** The pod's annotations (the pod template's, for a controller): raw, UNKNOWN while computed. */
    readonly annotations: unknown;
    /** Where they are written: `spec.template.metadata.annotations`. */
    readonly annotationsPath: string;
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
    readonly shape: ContainerShape;
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
 * own keys, interpolated as docker compose interpolates them (a value the scan can't know is the
 * unknown sentinel), except that `environment` is a list of `{ name, value, at, from?, variable? }`
 * (the `env_file` files' entries and the map or list form of `environment`; `at` how a message
 * names where it is written, `from` where variables filled it from: lib/env.ts) and `pids_limit`
 * also holds `deploy.resources.limits.pids`. No Pulumi resource has this type.
 */
export const composeServiceType = "compose:service";

// Image build resources run no container: lib/image-builds.ts knows their kinds.

/** What a kind of resource has no field for, so the rules about it can't be applied there (DESIGN.md: say so plainly). */
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

/**
 * The workload view of a resource, or undefined when the resource runs no containers. `dialect`
 * is the one its source is written in (dialect.ts): a Kubernetes object read from a manifest gets
 * its fixes in YAML.
 */
export function workloadOf(type: string, name: string, props: JsonObject, dialect: Dialect = "pulumi"): Workload | undefined {
    if (type === dockerContainerType || type === dockerServiceType) {
        return dockerWorkload(type, name, props);
    }
    if (type === composeServiceType) {
        return composeWorkload(name, props);
    }
    const k8s = parseKubernetesType(type);
    return k8s && kubernetesWorkload(type, name, props, k8s, dialect === "kubernetes-manifest" ? dialect : "pulumi");
}

function kubernetesWorkload(type: string, name: string, props: JsonObject, k8s: KubernetesType, dialect: Dialect): Workload {
    const metadata = child(props, "metadata");
    const objectName = stringOrUndefined(child(metadata, "name"));
    const namespace = stringOrUndefined(child(metadata, "namespace"));
    const nameParts = [child(metadata, "name"), child(metadata, "namespace")];
    const namespacedName = nameParts.some(isUnknown) ? UNKNOWN : objectName ? `${namespace ?? "default"}/${objectName}` : undefined;
    const workload: Workload = {
        type,
        kind: k8s.kind,
        platform: "kubernetes",
        shape: "kubernetes",
        name,
        namespacedName,
        label: `${k8s.kind} ${namespace ? `${namespace}/` : ""}${objectName ?? name}`,
        dialect,
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
    const metadataPath = join(prefix, [...podSpecPath.slice(0, -1), "metadata"].join("."));
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
    const annotations = child(templateMetadata, "annotations");
    const exemptions = exemptionSet(objectExemptions, exemptionsOf(annotations));
    // An OS not known during preview may be Windows: the Linux-only rules hold back until `up`.
    const os = child(child(spec, "os"), "name");
    const pod: Pod = { workload, path, spec, annotations, annotationsPath: `${metadataPath}.annotations`, windows: os === "windows" || isUnknown(os), exemptions };
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
        shape: isService ? "dockerService" : "dockerContainer",
        name,
        label: `${kind} ${name}`,
        dialect: "pulumi",
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
        shape: workload.shape,
        exemptions,
    });
    return workload;
}

function composeWorkload(name: string, props: JsonObject): Workload {
    const kind = "Compose service";
    const workload: Workload = { type: composeServiceType, kind, platform: "docker", shape: "composeService", name, label: `${kind} ${name}`, dialect: "compose", isPatch: false, props, pods: [], containers: [], unreadable: [] };
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
    if (path) {
        writePath(container.spec, path, value);
    }
}

/** Whether a workload's kind has a field at all: a policy about a field it lacks is not applicable there. */
export function hasField(workload: Pick<Workload, "shape">, field: FieldName): boolean {
    return fieldPaths[workload.shape][field] !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Settings beyond the container's own fields: what Kubernetes sets on the pod and Docker on the
// container (a docker.Service partly on the service), each read into one form for every platform
// with the exact place it is written. Values not known during preview are left out (they are
// judged at `pulumi up`); entries of the wrong shape are `unreadable`.

/**
 * Where a setting is written: relative to its container (or, for pod-level settings, its pod spec),
 * or, with `fromResource`, from the resource's root (a docker.Service's endpoint and task settings).
 */
export interface Place {
    readonly field: readonly string[];
    readonly fromResource?: true;
}

/** A setting's value where it is written. */
export interface Setting<T> extends Place {
    readonly value: T;
}

export type HostNamespace = "network" | "IPC" | "user" | "UTS";

/** A setting that may share one of the host's namespaces: `shared` says whether it does. */
export interface NamespaceSetting extends Place {
    readonly namespace: HostNamespace;
    readonly shared: Reading<boolean>;
}

const dockerNamespaceModes: ReadonlyArray<readonly [FieldName, HostNamespace]> = [
    ["networkMode", "network"],
    ["ipcMode", "IPC"],
    ["usernsMode", "user"],
    ["utsMode", "UTS"],
];

/** A Docker mode (`networkMode`, Compose `ipc`, ...): `host` shares the host's namespace; `container:x`, `bridge`, `private` don't. */
function hostMode(value: unknown): Reading<boolean> {
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    return typeof value === "string" ? { state: "set", value: value === "host" } : { state: "malformed", problem: `expected a string, found ${describeType(value)}` };
}

/**
 * The namespace settings of a Docker container (Kubernetes keeps them on the pod: podHostNamespaces),
 * as written; a docker.Service shares the nodes' network when its tasks join the predefined `host` network.
 */
export function hostNamespaces(container: Container): NamespaceSetting[] {
    const settings: NamespaceSetting[] = [];
    for (const [name, namespace] of dockerNamespaceModes) {
        const field = fieldPath(container, name);
        const value = field && readPath(container.spec, field);
        if (field && value !== undefined && value !== null) {
            settings.push({ namespace, field, shared: hostMode(value) });
        }
    }
    if (container.shape === "dockerService") {
        const networks = serviceSettingPaths.networks;
        const malformed = (field: readonly string[], problem: string) => settings.push({ namespace: "network", field, fromResource: true, shared: { state: "malformed", problem } });
        const result: Pick<Entries<unknown>, "unreadable"> = { unreadable: [] };
        const entries = listItems(networks, readPath(container.workload.props, networks), result);
        // A list or entry of the wrong shape can't say whether the tasks join `host`.
        result.unreadable.forEach(({ field, problem }) => malformed(field, problem));
        entries.forEach((raw, i) => {
            const entry = plain(raw);
            if (!isObject(entry)) {
                if (!isUnknown(entry)) {
                    malformed(entryPath(networks, i), `expected an object, found ${describeType(entry)}`);
                }
                return;
            }
            const name = child(entry, "name");
            if (name !== undefined && name !== null) {
                settings.push({ namespace: "network", field: [...entryPath(networks, i), "name"], fromResource: true, shared: hostMode(name) });
            }
        });
    }
    return settings;
}

const podNamespaceFields: ReadonlyArray<readonly [string, HostNamespace]> = [
    ["hostNetwork", "network"],
    ["hostIPC", "IPC"],
];

/** `hostNetwork` and `hostIPC` of a pod spec, where set (`hostPID` is container-pid-limit's). */
export function podHostNamespaces(pod: Pod): NamespaceSetting[] {
    return podNamespaceFields
        .map(([field, namespace]) => ({ namespace, field: [field], shared: readBoolean(child(pod.spec, field)) }))
        .filter(setting => setting.shared.state !== "absent");
}

/**
 * Whether a pod runs in its own user namespace (`hostUsers: false`), where uid 0 is not root on the
 * node and PSA (v1.35+) relaxes runAsNonRoot, runAsUser and baseline procMount: `set` true when it
 * does, false when `hostUsers: true`; unknown, absent or malformed as `hostUsers` is.
 */
export function podUserNamespace(pod: Pod): Reading<boolean> {
    const hostUsers = readBoolean(child(pod.spec, "hostUsers"));
    return hostUsers.state === "set" ? { state: "set", value: !hostUsers.value } : hostUsers;
}

const probeHandlerPaths = [["livenessProbe"], ["readinessProbe"], ["startupProbe"], ["lifecycle", "postStart"], ["lifecycle", "preStop"]];

/** The `host` each probe and lifecycle handler of a Kubernetes container sets (`httpGet`, `tcpSocket`), raw. */
export function probeHosts(container: Container): Array<Setting<unknown>> {
    const hosts: Array<Setting<unknown>> = [];
    if (container.shape !== "kubernetes") {
        return hosts;
    }
    for (const handler of probeHandlerPaths) {
        for (const action of ["httpGet", "tcpSocket"]) {
            const field = [...handler, action, "host"];
            const value = readPath(container.spec, field);
            if (value !== undefined && value !== null && !isUnknown(value)) {
                hosts.push({ field, value });
            }
        }
    }
    return hosts;
}

/** A pod volume: its name and the keys that say what it is (`hostPath`, `configMap`, `nfs`, ...). */
export interface PodVolume extends Place {
    readonly name: string | undefined;
    readonly sources: readonly string[];
    /** `hostPath.path`, raw, for a hostPath volume. */
    readonly hostPath: unknown;
}

/** The volumes of a pod spec; an entry unknown during preview is left out. */
export function podVolumes(pod: Pod): Entries<PodVolume> {
    const result: Entries<PodVolume> = { items: [], unreadable: [] };
    listItems(["volumes"], child(pod.spec, "volumes"), result).forEach((raw, i) => {
        const volume = plain(raw);
        const field = entryPath(["volumes"], i);
        if (isUnknown(volume)) {
            return;
        }
        if (!isObject(volume)) {
            result.unreadable.push({ field, problem: `expected an object, found ${describeType(volume)}` });
            return;
        }
        const name = child(volume, "name");
        const sources = Object.keys(volume).filter(key => key !== "name" && volume[key] !== undefined && volume[key] !== null);
        result.items.push({ field, name: typeof name === "string" ? name : undefined, sources, hostPath: readPath(volume, ["hostPath", "path"]) });
    });
    return result;
}

/** A path on the host a Docker container mounts (a bind mount, or a Windows named pipe). */
export interface HostMount extends Place {
    /** As written: absolute, or for Compose relative to the Compose file (`./data`). */
    readonly source: string;
    /** Where the container sees it (`containerPath`, `target`), when written as a string: fixes keep it. */
    readonly target?: string;
}

/** `C:\\` or `C:/` at the start: a Windows drive, whose colon is not a separator. */
const windowsDrive = /^[A-Za-z]:[\\/]/;

/** The text up to the next `:` that is not a drive's. */
function beforeColon(text: string): string {
    const colon = text.indexOf(":", windowsDrive.test(text) ? 2 : 0);
    return colon < 0 ? text : text.slice(0, colon);
}

/** Compose's short volume syntax, `[SOURCE:]TARGET[:MODE]`: SOURCE is a host path when it starts like one (compose-go's loader). */
function composeVolumeSource(text: string): { source: string; target: string } | undefined {
    const source = beforeColon(text);
    if (source === text) {
        return undefined; // TARGET alone: an anonymous volume
    }
    const isHostPath = /^([./~]|\\\\)/.test(source) || windowsDrive.test(source); // otherwise a named volume
    return isHostPath ? { source, target: beforeColon(text.slice(source.length + 1)) } : undefined;
}

/** The host paths a Docker container mounts: `volumes[].hostPath`, `mounts[]` of type bind (or npipe), Compose `volumes`. */
export function hostMounts(container: Container): Entries<HostMount> {
    const result: Entries<HostMount> = { items: [], unreadable: [] };
    const add = (field: string[], source: unknown, target: unknown) => {
        if (typeof source === "string") {
            result.items.push({ field, source, ...(typeof target === "string" && { target }) });
        } else if (source !== undefined && source !== null && !isUnknown(source)) {
            result.unreadable.push({ field, problem: `expected a path, found ${describeType(source)}` });
        }
    };
    const objectEntries = (name: FieldName, visit: (entry: JsonObject, at: string[]) => void) => {
        const path = fieldPath(container, name);
        if (!path) {
            return;
        }
        listItems(path, readPath(container.spec, path), result).forEach((raw, i) => {
            const entry = plain(raw);
            const at = entryPath(path, i);
            if (isObject(entry)) {
                visit(entry, at);
            } else if (typeof entry === "string" && container.shape === "composeService") {
                const mount = composeVolumeSource(entry);
                if (mount !== undefined) {
                    result.items.push({ field: at, ...mount });
                }
            } else if (!isUnknown(entry)) {
                result.unreadable.push({ field: at, problem: `expected an object, found ${describeType(entry)}` });
            }
        });
    };
    const typed = (entry: JsonObject, at: string[], sourceKey: string) => {
        const type = child(entry, "type");
        if (type === "bind" || type === "npipe") {
            add([...at, sourceKey], child(entry, sourceKey), child(entry, "target"));
        } else if (type !== undefined && type !== null && typeof type !== "string" && !isUnknown(type)) {
            result.unreadable.push({ field: [...at, "type"], problem: `expected a string, found ${describeType(type)}` });
        }
    };
    if (container.shape === "dockerContainer") {
        objectEntries("volumes", (entry, at) => add([...at, "hostPath"], child(entry, "hostPath"), child(entry, "containerPath")));
    } else {
        objectEntries("volumes", (entry, at) => typed(entry, at, "source"));
    }
    objectEntries("mounts", (entry, at) => typed(entry, at, "source"));
    return result;
}

/** A port a container publishes on its host, or a range of them. */
export interface PublishedPort extends Place {
    /** The port, or the lowest of a range. */
    readonly hostPort: number;
    /** The highest of a range; `hostPort` for a single port. */
    readonly lastHostPort: number;
    /** A Kubernetes `containerPort` that is the node's because the pod sets `hostNetwork: true` (see publishedPorts). */
    readonly viaHostNetwork?: true;
    /** How it is written, for messages: `80`, `"127.0.0.1:80:8080"`. */
    readonly written: string;
}

/** The host port of Compose's short syntax, `[[HOST_IP:]HOST_PORTS:]CONTAINER_PORTS[/PROTOCOL]`; undefined when it publishes on a random port. */
function composeHostPort(text: string): string | undefined {
    const withoutProtocol = text.replace(/\/[a-z]+$/i, "");
    const afterIp = withoutProtocol.startsWith("[") ? withoutProtocol.slice(withoutProtocol.indexOf("]") + 2) : withoutProtocol;
    const parts = afterIp.split(":");
    const host = parts.length >= 2 ? parts[parts.length - 2] : "";
    return host === "" ? undefined : host;
}

/** `8080`, `"8080"`, `"8000-8010"` as the lowest and highest port, or why not. */
function portRange(value: unknown): { first: number; last: number } | { problem: string } {
    const text = typeof value === "number" ? String(value) : value;
    const match = typeof text === "string" ? /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(text) : null;
    return match
        ? { first: Number(match[1]), last: Number(match[2] ?? match[1]) }
        : { problem: `expected a port number, found ${typeof value === "string" ? JSON.stringify(value) : describeType(value)}` };
}

/**
 * The ports a container publishes on its host: Kubernetes `ports[].hostPort` (0 publishes none),
 * docker.Container `ports[].external`, docker.Service `endpointSpec.ports[].publishedPort`, Compose `ports`.
 * In a pod with `hostNetwork: true` every port is the node's: the API server sets an unset
 * hostPort to the containerPort (on Pods since v1.28, on pod templates too before), and PSA judges that.
 */
export function publishedPorts(container: Container): Entries<PublishedPort> {
    const result: Entries<PublishedPort> = { items: [], unreadable: [] };
    const fromResource = container.shape === "dockerService";
    const path = fromResource ? serviceSettingPaths.ports : fieldPath(container, "ports");
    if (!path) {
        return result;
    }
    const key = { kubernetes: "hostPort", dockerContainer: "external", dockerService: "publishedPort", composeService: "published" }[container.shape];
    const hostNetwork = container.shape === "kubernetes" && child(container.pod?.spec, "hostNetwork") === true;
    listItems(path, readPath(fromResource ? container.workload.props : container.spec, path), result).forEach((raw, i) => {
        const entry = plain(raw);
        const at = entryPath(path, i);
        let value: unknown;
        let field = at;
        let viaHostNetwork = false;
        if (isObject(entry)) {
            value = child(entry, key);
            field = [...at, key];
            if (hostNetwork && (value === undefined || value === null || value === 0)) {
                value = child(entry, "containerPort");
                field = [...at, "containerPort"];
                viaHostNetwork = true;
            }
        } else if (typeof entry === "string" && container.shape === "composeService") {
            value = composeHostPort(entry);
        } else if (isUnknown(entry) || (typeof entry === "number" && container.shape === "composeService")) {
            return; // a bare Compose number is the container's port, published on a random host port
        } else {
            result.unreadable.push({ field: at, problem: `expected an object, found ${describeType(entry)}` });
            return;
        }
        if (value === undefined || value === null || isUnknown(value) || value === 0) {
            return;
        }
        const range = portRange(value);
        if ("problem" in range) {
            result.unreadable.push({ field, problem: range.problem });
        } else if (range.first !== 0) {
            const written = typeof entry === "string" ? JSON.stringify(entry) : String(value);
            const place = { field, ...(fromResource && { fromResource }), ...(viaHostNetwork && { viaHostNetwork: true as const }) };
            result.items.push({ ...place, hostPort: range.first, lastHostPort: Math.max(range.first, range.last), written });
        }
    });
    return fromResource ? { items: result.items, unreadable: result.unreadable.map(unreadable => ({ ...unreadable, fromResource })) } : result;
}

/** A Docker security option (`securityOpts`, Compose `security_opt`), split as the daemon splits it. */
export interface SecurityOption extends Place {
    /** `seccomp`, `apparmor`, `label`, `no-new-privileges`, `systempaths`, ... */
    readonly key: string;
    /** What follows `=` (or the legacy `:`); undefined for a bare `no-new-privileges`. */
    readonly value: string | undefined;
    readonly written: string;
}

/** `seccomp=unconfined`, the legacy `seccomp:unconfined`, a bare `no-new-privileges` (Docker's daemon, parseSecurityOpt). */
function splitSecurityOption(written: string): { key: string; value: string | undefined } {
    const text = written.trim();
    const at = text.includes("=") ? text.indexOf("=") : text.indexOf(":");
    return at < 0 ? { key: text, value: undefined } : { key: text.slice(0, at), value: text.slice(at + 1) };
}

/** A Docker container's security options; Kubernetes and docker.Service have none (they have typed fields). */
export function securityOptions(container: Container): Entries<SecurityOption> {
    const { items, unreadable } = stringEntries(container, "securityOpts", "a string");
    return { items: items.map(({ field, value }) => ({ field, ...splitSecurityOption(value), written: value })), unreadable };
}

/** The strings of a list field, each where it is written; an entry of another type is unreadable (`expected` says what it should be). */
function stringEntries(container: Container, name: FieldName, expected: string): Entries<Setting<string>> {
    const result: Entries<Setting<string>> = { items: [], unreadable: [] };
    const path = fieldPath(container, name);
    if (!path) {
        return result;
    }
    listItems(path, readPath(container.spec, path), result).forEach((raw, i) => {
        const entry = plain(raw);
        const field = entryPath(path, i);
        if (typeof entry === "string") {
            result.items.push({ field, value: entry });
        } else if (!isUnknown(entry)) {
            result.unreadable.push({ field, problem: `expected ${expected}, found ${describeType(entry)}` });
        }
    });
    return result;
}

/** The names of the sysctls a Docker container sets: docker.Container `sysctls`, docker.Service `sysctl` (maps), Compose `sysctls` (map or `NAME=VALUE` list). */
export function sysctlNames(container: Container): Entries<Setting<string>> {
    const result: Entries<Setting<string>> = { items: [], unreadable: [] };
    const path = fieldPath(container, "sysctls");
    const value = path && readPath(container.spec, path);
    if (!path || value === undefined || value === null || isUnknown(value)) {
        return result;
    }
    if (isObject(value)) {
        const last = path[path.length - 1];
        for (const name of Object.keys(value)) {
            result.items.push({ field: [...path.slice(0, -1), `${last}${keyAccessor(name)}`], value: name });
        }
    } else if (Array.isArray(value) && container.shape === "composeService") {
        value.forEach((raw, i) => {
            const entry = plain(raw);
            if (typeof entry === "string") {
                result.items.push({ field: entryPath(path, i), value: entry.split("=", 1)[0].trim() });
            } else if (!isUnknown(entry)) {
                result.unreadable.push({ field: entryPath(path, i), problem: `expected a "NAME=VALUE" string, found ${describeType(entry)}` });
            }
        });
    } else {
        result.unreadable.push({ field: path, problem: `expected a map, found ${describeType(value)}` });
    }
    return result;
}

/** The sysctls a pod sets (`securityContext.sysctls[].name`). */
export function podSysctlNames(pod: Pod): Entries<Setting<string>> {
    const result: Entries<Setting<string>> = { items: [], unreadable: [] };
    const path = ["securityContext", "sysctls"];
    listItems(path, readPath(pod.spec, path), result).forEach((raw, i) => {
        const entry = plain(raw);
        const at = entryPath(path, i);
        if (!isObject(entry)) {
            if (!isUnknown(entry)) {
                result.unreadable.push({ field: at, problem: `expected an object, found ${describeType(entry)}` });
            }
            return;
        }
        const field = [...at, "name"];
        const name = child(entry, "name");
        if (typeof name === "string") {
            result.items.push({ field, value: name });
        } else if (!isUnknown(name)) {
            result.unreadable.push({ field, problem: name === undefined || name === null ? "is not set" : `expected a sysctl name, found ${describeType(name)}` });
        }
    });
    return result;
}

/** The host devices a Docker container maps: docker.Container `devices[].hostPath`, Compose `devices` (`HOST[:CONTAINER[:PERMISSIONS]]`, or `{ source }`). */
export function hostDevices(container: Container): Entries<Setting<string>> {
    const result: Entries<Setting<string>> = { items: [], unreadable: [] };
    const path = fieldPath(container, "devices");
    if (!path) {
        return result;
    }
    const key = container.shape === "composeService" ? "source" : "hostPath";
    listItems(path, readPath(container.spec, path), result).forEach((raw, i) => {
        const entry = plain(raw);
        const at = entryPath(path, i);
        const device = isObject(entry) ? child(entry, key) : container.shape === "composeService" && typeof entry === "string" ? entry.split(":", 1)[0] : entry;
        const field = isObject(entry) ? [...at, key] : at;
        if (typeof device === "string") {
            result.items.push({ field, value: device });
        } else if (!isUnknown(device)) {
            const problem = device === undefined || device === null ? "is not set" : `expected a device path, found ${describeType(device)}`;
            result.unreadable.push({ field, problem });
        }
    });
    return result;
}

/** The device cgroup rules of a Docker container (`deviceCgroupRules`, Compose `device_cgroup_rules`): `c 189:* rmw`. */
export function deviceCgroupRules(container: Container): Entries<Setting<string>> {
    return stringEntries(container, "deviceCgroupRules", 'a rule such as "c 189:* rmw"');
}
