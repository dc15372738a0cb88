// PSS sysctls (baseline): a pod, or a Docker container, sets only the sysctls Pod Security counts as safe:
// namespaced, and isolated from the other pods or containers on the node (PSA check_sysctls.go, v1.37).
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, listFix, podFixSnippet } from "./lib/policy";
import { Entries, quote, Unreadable } from "./lib/values";
import { Container, Pod, podSysctlNames, Setting, sysctlNames } from "./lib/workloads";

/** PSA's safe set at v1.37, with the version of PSA that admitted each. */
export const safeSysctlNames: Readonly<Record<string, string>> = {
    "kernel.shm_rmid_forced": "v1.0",
    "net.ipv4.ip_local_port_range": "v1.0",
    "net.ipv4.tcp_syncookies": "v1.0",
    "net.ipv4.ping_group_range": "v1.0",
    "net.ipv4.ip_unprivileged_port_start": "v1.0",
    "net.ipv4.ip_local_reserved_ports": "v1.27",
    "net.ipv4.tcp_keepalive_time": "v1.29",
    "net.ipv4.tcp_fin_timeout": "v1.29",
    "net.ipv4.tcp_keepalive_intvl": "v1.29",
    "net.ipv4.tcp_keepalive_probes": "v1.29",
    "net.ipv4.tcp_rmem": "v1.32",
    "net.ipv4.tcp_wmem": "v1.32",
    "net.ipv4.tcp_slow_start_after_idle": "v1.37",
    "net.ipv4.tcp_notsent_lowat": "v1.37",
};

const isSafe = (name: string) => Object.prototype.hasOwnProperty.call(safeSysctlNames, name);

/** Whether the kernel namespaces a sysctl (the kubelet's list, and Docker's: IPC and network ones); the others are node-wide. */
function isNamespaced(name: string): boolean {
    return name === "kernel.sem" || ["kernel.shm", "kernel.msg", "fs.mqueue.", "net."].some(prefix => name.startsWith(prefix));
}

/** Where the sysctl would act: the pod's node, or the Docker container's host. */
interface Scope {
    host: "node" | "host";
    peer: "pod" | "container";
    /** Where a sysctl outside the safe set belongs instead. */
    instead: string;
}

const kubernetesScope: Scope = { host: "node", peer: "pod", instead: "set it on the nodes (a dedicated node pool) if the app needs it" };
const dockerScope: Scope = { host: "host", peer: "container", instead: "set it on the hosts if the app needs it" };

/** `name` written with `/` separators whose dotted form is safe (the kubelet accepts both; PSA compares as written). */
function slashedSafe(name: string): string | undefined {
    const dotted = name.replace(/\//g, ".");
    return dotted !== name && isSafe(dotted) ? dotted : undefined;
}

/** Completes "<field> ...": a map key names the sysctl in the field itself; a list entry or `.name` holds it. */
function problemOf({ field, value: name }: Setting<string>): string {
    const written = /(\[\d+\]|\.name|^name)$/.test(field[field.length - 1]) ? `is ${quote(name)}` : "is set";
    const dotted = slashedSafe(name);
    return dotted
        ? `${written}, written with "/": Pod Security compares names as written, so it is not in the safe set; write ${quote(dotted)}`
        : `${written}, a sysctl outside the set Pod Security counts as safe`;
}

function whyOf(name: string, { host, peer }: Scope): string {
    if (slashedSafe(name)) {
        return "the safe set is known by its dotted names: Pod Security, and this policy, compare a name as written, so the slashed form is not in it.";
    }
    if (!isNamespaced(name.replace(/\//g, "."))) {
        return `it is not namespaced: it would change the kernel of the whole ${host}, every ${peer} on it included, and can disable its security mechanisms.`;
    }
    return `it is namespaced, but not isolated from the other ${peer}s on the ${host}: it can take resources from them or weaken the kernel's protections.`;
}

/** The findings on one resource's sysctls: each unsafe name, and each entry that can't be read. */
function findings(sysctls: Entries<Setting<string>>, scope: Scope, fix: (setting: Setting<string>) => string, unreadableFix: (field: readonly string[]) => string): Finding[] {
    const found: Finding[] = sysctls.unreadable.map(({ field, problem }: Unreadable) => ({
        field,
        problem: `can't be read (${problem}), so it could not be checked against the safe set`,
        why: "a sysctl outside the safe set can affect the whole node or weaken the kernel's protections.",
        fix: unreadableFix(field),
    }));
    for (const setting of sysctls.items) {
        if (!isSafe(setting.value)) {
            found.push({ field: setting.field, problem: problemOf(setting), why: whyOf(setting.value, scope), fix: fix(setting) });
        }
    }
    return found;
}

export const safeSysctls = containerPolicy<undefined>({
    name: "container-safe-sysctls",
    displayName: "Only safe sysctls",
    description:
        "Pods and Docker containers set only the sysctls Pod Security baseline counts as safe: namespaced, and isolated from " +
        "the other pods or containers on the node.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["pss:baseline/sysctls", "kubernetes", "docker"],
    framework: complianceFramework("pss:baseline/sysctls"),
    remediationSteps:
        `Remove every sysctl outside the safe set (${Object.keys(safeSysctlNames).join(", ")}) from the pod's ` +
        "`securityContext.sysctls`, docker.Container `sysctls`, docker.Service `taskSpec.containerSpec.sysctl` or Compose " +
        "`sysctls`. A workload that needs another one gets it on nodes tuned for it (a dedicated node pool, with the kubelet's " +
        "`--allowed-unsafe-sysctls` for a namespaced one) and an exemption with its reason. There is no automatic " +
        "remediation: removing a sysctl changes how the app behaves.",
    config: {},
    parseConfig: () => undefined,
    checkPod(pod: Pod, _config, report) {
        const sysctls = ["securityContext", "sysctls"];
        // A pod's sysctl is read at its entry's `name`: the entry is the field without it.
        const fix = (setting: Setting<string>) =>
            listFix(pod, sysctls, { remove: setting.field.slice(0, -1) }, `sysctls.filter(s => s.name !== ${quote(setting.value)})`, kubernetesScope.instead);
        const unreadableFix = () => podFixSnippet(pod, sysctls, `[{ name: "net.ipv4.ip_local_port_range", value: "1024 65535" }]`);
        findings(podSysctlNames(pod), kubernetesScope, fix, unreadableFix).forEach(report);
    },
    check(container: Container, _config, report) {
        const fix = (setting: Setting<string>) =>
            container.shape === "composeService"
                ? fixSnippet(container, setting.field, "undefined", dockerScope.instead)
                : fixSnippet(container, [setting.field[0].replace(/[[.].*$/, "")], "otherSysctls", `without ${quote(setting.value)}: ${dockerScope.instead}`);
        const unreadableFix = (field: readonly string[]) => fixSnippet(container, [field[0].replace(/[[.].*$/, "")], `{ "net.ipv4.ip_local_port_range": "1024 65535" }`);
        findings(sysctlNames(container), dockerScope, fix, unreadableFix).forEach(report);
    },
});
