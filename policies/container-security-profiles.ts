// Pod Security Standards' seccomp, AppArmor, SELinux and /proc mount type controls, and CIS Docker
// 5.2 (AppArmor), 5.3 (SELinux) and 5.22 (seccomp): a container keeps the confinement its runtime
// gives it. Kubernetes semantics are Pod Security Admission's at v1.37 (policy/check_seccompProfile_*.go,
// check_appArmorProfile.go, check_seLinuxOptions.go, check_procMount_*.go): which fields, which values,
// pod and container levels, Windows pods and user-namespaced pods.
import { pssProfileProperty } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, podFixSnippet, resourceFixSnippet } from "./lib/policy";
import { child, describeType, isObject, isUnknown, JsonObject, keyAccessor, plain, quote, readBoolean, writePath } from "./lib/values";
import { Container, containerLists, fieldPath, Pod, readField, SecurityOption, securityOptions, writeField } from "./lib/workloads";

interface ProfilesConfig {
    /** `profile: restricted`: every container runs a seccomp profile, and /proc stays masked in a user namespace too. */
    restricted: boolean;
}

/** A finding, with the change that fixes it (on the remediation copy) where the fix is mechanical. */
interface Issue extends Finding {
    repair?: () => void;
}

/** Where settings are judged: a container, or a pod spec (its pod-level securityContext). */
interface Site {
    readonly root: JsonObject;
    fix(field: readonly string[], valueSource: string, note?: string): string;
}

const containerSite = (container: Container): Site => ({ root: container.spec, fix: (field, value, note) => fixSnippet(container, field, value, note) });
const podSite = (pod: Pod): Site => ({ root: pod.spec, fix: (field, value, note) => podFixSnippet(pod, field, value, note) });

const why = {
    seccomp: "without a seccomp filter every system call reaches the host's kernel, the rarely used ones that most container escapes go through among them.",
    seccompRequired:
        "with no profile the container runs Unconfined (unless the kubelet's seccompDefault is on), so every system call reaches the host's kernel.",
    appArmor: "unconfined by AppArmor, the container loses the runtime's profile that keeps it from mounting filesystems, writing to /proc and /sys, and other ways out to the host.",
    seLinuxType: "an SELinux type outside the container types (spc_t, unconfined_t, a host domain) lifts the labels that keep the container from the host's files and from other containers.",
    seLinuxUserRole: "a custom SELinux user or role can take the process out of the container domain the runtime confines it to.",
    seLinuxDisable: "with SELinux labelling disabled the container runs unconfined by SELinux (spc_t), so the labels no longer keep it from the host's files.",
    procMount: "an unmasked /proc gives the container the kernel interfaces the runtime masks (/proc/kcore, /proc/sysrq-trigger, /proc/sys among them), which reach into the host's kernel.",
    unreadable: "a setting that can't be read can't be shown to keep the runtime's confinement: it may be one that turns it off.",
};

const runtimeDefault = `{ type: "RuntimeDefault" }`;
const validProfileTypes: ReadonlySet<unknown> = new Set(["RuntimeDefault", "Localhost"]);
/** PSA's allowed SELinux types since v1.31 (container_engine_t added); "" is the runtime's own. */
const allowedSeLinuxTypes: ReadonlySet<string> = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const allowedSeLinuxTypesText = "container_t, container_init_t, container_kvm_t or container_engine_t";
const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
const podSeccompPath = ["securityContext", "seccompProfile"];
const podAppArmorPath = ["securityContext", "appArmorProfile"];
const podSeLinuxPath = ["securityContext", "seLinuxOptions"];

/** A setting read through the objects that hold it; a holder that isn't an object makes it unreadable there. */
type Setting =
    | { state: "absent" }
    | { state: "unknown" }
    | { state: "set"; value: unknown }
    | { state: "unreadable"; field: readonly string[]; problem: string };

function settingAt(root: JsonObject, path: readonly string[]): Setting {
    let value: unknown = root;
    for (let i = 0; i < path.length; i++) {
        if (i > 0 && !isObject(value)) {
            return { state: "unreadable", field: path.slice(0, i), problem: `expected an object, found ${describeType(value)}` };
        }
        value = child(value, path[i]);
        if (isUnknown(value)) {
            return { state: "unknown" };
        }
        if (value === undefined || value === null) {
            return { state: "absent" };
        }
    }
    return { state: "set", value };
}

/** The findings of one container or pod, one per field: the seccomp, AppArmor and SELinux checks may meet the same unreadable securityContext. */
class Issues {
    readonly list: Issue[] = [];

    add(issue: Issue | undefined): void {
        const same = (other: Issue) => other.fromResource === issue!.fromResource && other.field.join(".") === issue!.field.join(".");
        if (issue && !this.list.some(same)) {
            this.list.push(issue);
        }
    }
}

/** A holder of settings (a securityContext) that isn't an object: nothing in it can be checked, and no fix is mechanical. */
function unreadableHolder(site: Site, field: readonly string[], problem: string): Issue {
    return {
        field,
        problem: `can't be read (${problem}), so the confinement settings in it (seccomp, AppArmor, SELinux, /proc) can't be checked`,
        why: why.unreadable,
        fix: site.fix(field, "{}", "an object, as the API defines it"),
    };
}

/** A seccomp or AppArmor profile (`{ type, localhostProfile }`): fine, or what is wrong with it and where. */
type Profile = { state: "absent" | "unknown" | "valid" } | { state: "bad"; issue: Issue };

function profileAt(site: Site, path: readonly string[], reason: string): Profile {
    const setting = settingAt(site.root, path);
    if (setting.state === "absent" || setting.state === "unknown") {
        return { state: setting.state };
    }
    if (setting.state === "unreadable") {
        return { state: "bad", issue: unreadableHolder(site, setting.field, setting.problem) };
    }
    const profile = setting.value;
    const type = child(profile, "type");
    if (isUnknown(type)) {
        return { state: "unknown" };
    }
    if (isObject(profile) && validProfileTypes.has(type)) {
        return { state: "valid" };
    }
    let field = [...path, "type"];
    let problem: string;
    if (!isObject(profile)) {
        field = [...path];
        problem = `can't be read (expected an object, found ${describeType(profile)})`;
    } else if (type === undefined || type === null) {
        problem = "is not set, so the profile has no valid type";
    } else {
        problem = typeof type === "string" ? `is ${JSON.stringify(type)}` : `can't be read (expected a string, found ${describeType(type)})`;
    }
    return {
        state: "bad",
        issue: {
            field,
            problem: `${problem}; it must be "RuntimeDefault" or "Localhost"`,
            why: reason,
            fix: site.fix(path, runtimeDefault),
            repair: () => writePath(site.root, path, { type: "RuntimeDefault" }),
        },
    };
}

const runtimeLabel = "the runtime's own label (container_t)";

/** The object's entries as TypeScript, for a fix that keeps them: `{ level: "s0:c1,c2" }`. */
function objectSource(object: JsonObject, keys: readonly string[], name: string): string {
    const entries = keys.map(key => {
        const value = child(object, key);
        return `${key}: ${isUnknown(value) ? `${name}.${key}` : JSON.stringify(value)}`;
    });
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

/** What is wrong with one key of an SELinux label, or undefined. */
function seLinuxKeyProblem(key: string, value: unknown): { problem: string; reason: string } | undefined {
    if (value === undefined || value === null || isUnknown(value)) {
        return undefined;
    }
    if (key === "disable") {
        const reading = readBoolean(value);
        if (reading.state === "malformed") {
            return { problem: `can't be read (${reading.problem}); it must be false or unset`, reason: why.seLinuxDisable };
        }
        return reading.state === "set" && reading.value ? { problem: "is true, so SELinux labelling is off for the service's tasks", reason: why.seLinuxDisable } : undefined;
    }
    const reason = key === "type" ? why.seLinuxType : why.seLinuxUserRole;
    if (typeof value !== "string") {
        return { problem: `can't be read (expected a string, found ${describeType(value)})`, reason };
    }
    if (key === "type") {
        return allowedSeLinuxTypes.has(value) ? undefined : { problem: `is ${JSON.stringify(value)}; it must be unset or ${allowedSeLinuxTypesText}`, reason };
    }
    return value === "" ? undefined : { problem: `is ${JSON.stringify(value)}: a custom SELinux ${key} is forbidden`, reason };
}

/**
 * A Kubernetes `seLinuxOptions` or a docker.Service `privileges.seLinuxContext` (which adds `disable`):
 * one finding per forbidden key; the fix removes them all, keeping `level` and the allowed type, so the
 * runtime's own label applies.
 */
function seLinuxIssues(site: Site, path: readonly string[], issues: Issues): void {
    const setting = settingAt(site.root, path);
    if (setting.state === "unreadable") {
        issues.add(unreadableHolder(site, setting.field, setting.problem));
    }
    if (setting.state !== "set") {
        return;
    }
    const label = setting.value;
    const name = path[path.length - 1];
    if (!isObject(label)) {
        issues.add({
            field: path,
            problem: `can't be read (expected an object, found ${describeType(label)})`,
            why: why.seLinuxType,
            fix: site.fix(path, "undefined", runtimeLabel),
            repair: () => writePath(site.root, path, undefined),
        });
        return;
    }
    const forbidden = Object.keys(label)
        .filter(key => key === "user" || key === "role" || key === "type" || (key === "disable" && name === "seLinuxContext"))
        .map(key => ({ key, found: seLinuxKeyProblem(key, child(label, key)) }))
        .filter(entry => entry.found !== undefined);
    const kept = Object.keys(label).filter(key => label[key] !== undefined && label[key] !== null && !forbidden.some(entry => entry.key === key));
    const fix = site.fix(path, objectSource(label, kept, name), runtimeLabel);
    for (const { key, found } of forbidden) {
        issues.add({ field: [...path, key], problem: found!.problem, why: found!.reason, fix, repair: () => delete label[key] });
    }
}

/** A value of an AppArmor annotation: empty, `runtime/default` or `localhost/<profile>` (PSA's allowed values). */
function annotationProblem(value: unknown): string | undefined {
    if (value === undefined || value === null || isUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string") {
        return `can't be read (expected a string, found ${describeType(value)})`;
    }
    const allowed = value === "" || value === "runtime/default" || value.startsWith("localhost/");
    return allowed ? undefined : `is ${JSON.stringify(value)}; it must be "runtime/default" or "localhost/<profile>"`;
}

/** The AppArmor annotation `key` on the pod (template) metadata, written from the resource's root. */
function annotationIssue(pod: Pod, annotations: JsonObject, key: string): Issue | undefined {
    const problem = annotationProblem(child(annotations, key));
    const location = `${pod.annotationsPath}${keyAccessor(key)}`;
    return problem === undefined
        ? undefined
        : {
              field: [location],
              fromResource: true,
              problem,
              why: why.appArmor,
              fix: resourceFixSnippet(pod.workload, location, '"runtime/default"'),
              repair: () => (annotations[key] = "runtime/default"),
          };
}

/** The names of the containers a pod spec declares, for the annotations that name none of them. */
function declaredNames(pod: Pod): Set<unknown> {
    const names = new Set<unknown>();
    for (const list of containerLists) {
        const containers = child(pod.spec, list);
        if (Array.isArray(containers)) {
            containers.forEach(entry => names.add(child(plain(entry), "name")));
        }
    }
    return names;
}

function kubernetesContainerIssues(container: Container, config: ProfilesConfig, issues: Issues): void {
    const pod = container.pod!;
    const site = containerSite(container);
    const seccompPath = fieldPath(container, "seccompProfile")!;
    // PSA restricted (v1.25+) skips seccomp on Windows pods, overriding the baseline check.
    if (!(config.restricted && pod.windows)) {
        const seccomp = profileAt(site, seccompPath, why.seccomp);
        if (seccomp.state === "bad") {
            issues.add(seccomp.issue);
        } else if (seccomp.state === "absent" && config.restricted && !container.workload.isPatch && settingAt(pod.spec, podSeccompPath).state === "absent") {
            issues.add({
                field: seccompPath,
                problem: `is not set, nor is the pod's (${pod.path}.${podSeccompPath.join(".")}): the restricted profile asks for "RuntimeDefault" or "Localhost"`,
                why: why.seccompRequired,
                fix: podFixSnippet(pod, podSeccompPath, runtimeDefault, "every container without a profile of its own inherits it"),
                repair: () => writePath(pod.spec, podSeccompPath, { type: "RuntimeDefault" }),
            });
        }
    }
    const appArmor = profileAt(site, fieldPath(container, "appArmorProfile")!, why.appArmor);
    if (appArmor.state === "bad") {
        issues.add(appArmor.issue);
    }
    const name = child(container.spec, "name");
    if (typeof name === "string" && isObject(pod.annotations)) {
        issues.add(annotationIssue(pod, pod.annotations, appArmorAnnotationPrefix + name));
    }
    seLinuxIssues(site, fieldPath(container, "seLinuxOptions")!, issues);
    procMountIssues(container, config, issues);
}

/** `procMount` other than Default; at baseline any value is allowed in a user-namespaced pod (`hostUsers: false`, PSA v1.35+). */
function procMountIssues(container: Container, config: ProfilesConfig, issues: Issues): void {
    const pod = container.pod!;
    const path = fieldPath(container, "procMount")!;
    const setting = settingAt(container.spec, path);
    if (setting.state === "unreadable") {
        issues.add(unreadableHolder(containerSite(container), setting.field, setting.problem));
    }
    if (setting.state !== "set" || setting.value === "Default") {
        return;
    }
    const hostUsers = child(pod.spec, "hostUsers");
    if (!config.restricted && (hostUsers === false || isUnknown(hostUsers))) {
        return;
    }
    const value = setting.value;
    const unreadableHostUsers = !config.restricted && hostUsers !== undefined && hostUsers !== null && typeof hostUsers !== "boolean";
    const problem =
        (typeof value === "string" ? `is ${JSON.stringify(value)}, so /proc is not masked` : `can't be read (expected a string, found ${describeType(value)})`) +
        `; it must be "Default" or unset` +
        (unreadableHostUsers ? ` (${pod.path}.hostUsers can't be read: expected a boolean, found ${describeType(hostUsers)})` : "");
    issues.add({
        field: path,
        problem,
        why: why.procMount,
        fix: fixSnippet(container, path, `"Default"`, config.restricted ? undefined : `or run the pod in a user namespace: ${podFixSnippet(pod, ["hostUsers"], "false")}`),
        repair: () => writePath(container.spec, path, "Default"),
    });
}

/** What a Docker security option turns off, as `security_opt`/`securityOpts` are read by the daemon (and Compose). */
function optionConcern(container: Container, option: SecurityOption): { problem: string; reason: string } | undefined {
    const { key, value } = option;
    if (key === "seccomp" && value === "unconfined") {
        return { problem: "so the container runs without the daemon's default seccomp profile", reason: why.seccomp };
    }
    if (key === "apparmor" && value === "unconfined") {
        return { problem: "so the container runs without the daemon's AppArmor profile (docker-default)", reason: why.appArmor };
    }
    // The daemon reads a bare `disable` as `label=disable`.
    if ((key === "label" && value === "disable") || (key === "disable" && value === undefined)) {
        return { problem: "so SELinux labelling is off for the container", reason: why.seLinuxDisable };
    }
    const label = key === "label" && value !== undefined ? /^(user|role|type):([\s\S]*)$/.exec(value) : null;
    if (label && label[1] !== "type" && label[2] !== "") {
        return { problem: `so the container's process runs with a custom SELinux ${label[1]}`, reason: why.seLinuxUserRole };
    }
    if (label && label[1] === "type" && !allowedSeLinuxTypes.has(label[2])) {
        return { problem: `so the container runs as an SELinux type other than ${allowedSeLinuxTypesText}`, reason: why.seLinuxType };
    }
    // Compose (like the docker CLI) turns this one option into empty masked and read-only path lists; the daemon itself rejects it.
    if (container.shape === "composeService" && option.written === "systempaths=unconfined") {
        return { problem: "so /proc and /sys are not masked", reason: why.procMount };
    }
    return undefined;
}

/** docker.Container `securityOpts`, Compose `security_opt`: one finding per option that turns confinement off; the fix removes them. */
function dockerOptionIssues(container: Container, issues: Issues): void {
    const options = securityOptions(container);
    const path = fieldPath(container, "securityOpts")!;
    for (const { field, problem } of options.unreadable) {
        issues.add({ field, problem: `can't be read (${problem})`, why: why.unreadable, fix: `write each entry as a string, e.g. "apparmor=docker-default"` });
    }
    const offending = options.items.map(option => ({ option, concern: optionConcern(container, option) })).filter(entry => entry.concern !== undefined);
    if (offending.length === 0) {
        return;
    }
    const removed = new Set(offending.map(({ option }) => option.written));
    const list = readField(container, "securityOpts") as unknown[];
    const kept = list
        .map((entry, i) => ({ entry: plain(entry), i }))
        .filter(({ entry }) => !(typeof entry === "string" && removed.has(entry)))
        .map(({ entry, i }) => (typeof entry === "string" ? quote(entry) : `${path.join(".")}[${i}]`));
    for (const { option, concern } of offending) {
        const fix =
            container.shape === "composeService"
                ? fixSnippet(container, option.field, "undefined")
                : fixSnippet(container, path, `[${kept.join(", ")}]`, `without ${JSON.stringify(option.written)}: the daemon's default applies`);
        issues.add({
            field: option.field,
            problem: `is ${JSON.stringify(option.written)}, ${concern!.problem}`,
            why: concern!.reason,
            fix,
            repair: () => {
                const current = readField(container, "securityOpts");
                if (Array.isArray(current)) {
                    writeField(container, "securityOpts", current.filter(entry => plain(entry) !== option.written));
                }
            },
        });
    }
}

function containerIssues(container: Container, config: ProfilesConfig): Issue[] {
    const issues = new Issues();
    switch (container.shape) {
        case "kubernetes":
            kubernetesContainerIssues(container, config, issues);
            break;
        case "dockerService":
            // Swarm services have an SELinux label and no seccomp or AppArmor setting in the provider.
            seLinuxIssues(containerSite(container), fieldPath(container, "seLinuxOptions")!, issues);
            break;
        default:
            dockerOptionIssues(container, issues);
    }
    return issues.list;
}

function podIssues(pod: Pod, config: ProfilesConfig): Issue[] {
    const issues = new Issues();
    const site = podSite(pod);
    if (!(config.restricted && pod.windows)) {
        const seccomp = profileAt(site, podSeccompPath, why.seccomp);
        if (seccomp.state === "bad") {
            issues.add(seccomp.issue);
        }
    }
    const appArmor = profileAt(site, podAppArmorPath, why.appArmor);
    if (appArmor.state === "bad") {
        issues.add(appArmor.issue);
    }
    seLinuxIssues(site, podSeLinuxPath, issues);
    // PSA checks every AppArmor annotation; those that name a container are judged with it (and its exemptions).
    const annotations = pod.annotations;
    if (isObject(annotations)) {
        const names = declaredNames(pod);
        for (const key of Object.keys(annotations)) {
            if (key.startsWith(appArmorAnnotationPrefix) && !names.has(key.slice(appArmorAnnotationPrefix.length))) {
                issues.add(annotationIssue(pod, annotations, key));
            }
        }
    } else if (annotations !== undefined && annotations !== null && !isUnknown(annotations)) {
        issues.add({
            field: [pod.annotationsPath],
            fromResource: true,
            problem: `can't be read (expected a map, found ${describeType(annotations)}), so its AppArmor annotations can't be checked`,
            why: why.unreadable,
            fix: resourceFixSnippet(pod.workload, pod.annotationsPath, "{ ... }", "a map of strings"),
        });
    }
    return issues.list;
}

const report = (issues: Issue[], to: (finding: Finding) => void) => issues.forEach(({ repair: _, ...finding }) => to(finding));

const repair = (issues: Issue[]) => {
    const repairs = issues.filter(issue => issue.repair);
    repairs.forEach(issue => issue.repair!());
    return repairs.length > 0;
};

export const securityProfiles = containerPolicy<ProfilesConfig>({
    name: "container-security-profiles",
    displayName: "Seccomp, AppArmor, SELinux and /proc confinement",
    description:
        "Containers keep the runtime's seccomp and AppArmor profiles, an SELinux label of the container types and a masked /proc; " +
        "with profile restricted every Kubernetes container runs a seccomp profile.",
    enforcementLevel: "advisory",
    severity: "high",
    tags: [
        "pss:baseline/seccomp", "pss:restricted/seccomp", "pss:baseline/apparmor", "pss:baseline/selinux", "pss:baseline/proc-mount-type",
        "cis-docker-1.6.0:5.2", "cis-docker-1.6.0:5.3", "cis-docker-1.6.0:5.22", "cis-kubernetes-1.10:5.7.2", "nist-800-190:4.4.3",
        "kubernetes", "docker",
    ],
    framework: complianceFramework("pss:baseline/seccomp"),
    remediationSteps:
        "Kubernetes: set `securityContext.seccompProfile` and `appArmorProfile` (pod or container) to `{ type: \"RuntimeDefault\" }` " +
        "or a `Localhost` profile, never `Unconfined`; under profile restricted set the pod's `securityContext.seccompProfile: " +
        "{ type: \"RuntimeDefault\" }`. AppArmor annotations `container.apparmor.security.beta.kubernetes.io/<container>` are " +
        "`runtime/default` or `localhost/<profile>`. `seLinuxOptions` sets no `user` or `role`, and a `type` only of container_t, " +
        "container_init_t, container_kvm_t or container_engine_t. `procMount` is unset or `Default`. docker.Container " +
        "`securityOpts` and Compose `security_opt`: remove `seccomp=unconfined`, `apparmor=unconfined`, `label=disable`, " +
        "`label=user:`/`role:`/`type:` options and (Compose) `systempaths=unconfined`. docker.Service: " +
        "`taskSpec.containerSpec.privileges.seLinuxContext` neither disables labelling nor sets a user, role or other type.",
    config: {
        profile: pssProfileProperty(
            "The Pod Security Standards profile to hold Kubernetes pods to. `baseline`: a profile that is set must be " +
                "RuntimeDefault or Localhost, and a user-namespaced pod (`hostUsers: false`) may unmask /proc. `restricted`: " +
                "every container also runs a seccomp profile (its own or the pod's; Windows pods are exempt, as Pod Security " +
                "Admission does) and /proc stays masked in user namespaces too. Docker resources are judged as at baseline under " +
                "both: the daemon applies its default seccomp and AppArmor profiles when none is named.",
        ),
    },
    parseConfig: config => ({ restricted: config.profile === "restricted" }),
    check(container, config, to) {
        report(containerIssues(container, config), to);
    },
    remediate(container, config) {
        return repair(containerIssues(container, config));
    },
    checkPod(pod, config, to) {
        report(podIssues(pod, config), to);
    },
    remediatePod(pod, config) {
        return repair(podIssues(pod, config));
    },
});
