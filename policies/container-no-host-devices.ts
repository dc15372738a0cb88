// CIS Docker 5.18: host devices are not directly exposed to containers. Docker only: a Kubernetes pod
// spec has no device mapping, and a Swarm service has none in the Docker provider.
import { complianceFramework } from "./lib/controls";
import { containerPolicy, Finding, fixSnippet, listFix } from "./lib/policy";
import { quote, Unreadable } from "./lib/values";
import { Container, deviceCgroupRules, FieldName, fieldPath, hasField, hostDevices, Setting } from "./lib/workloads";

const deviceWhy =
    "a mapped device gives the container raw access to host hardware beneath the kernel's file and namespace " +
    "isolation: a disk exposes every file on it, /dev/mem or /dev/kvm the host itself.";

const cgroupRuleWhy =
    "a device cgroup rule lets the container use every host device of that type and number that it creates (mknod is " +
    "a default capability) or finds in a mounted /dev: raw access to host hardware, as a mapped device gives.";

const exemptHint = "if the app needs it, exempt the container with the container-guard/exempt label and say why in container-guard/exempt-reason";

/**
 * The fix that takes one entry out of a list field: Compose `remove services.web.devices[0]`,
 * Pulumi `devices: devices.filter(d => d.hostPath !== "/dev/fuse")` (`key` is the entry's key that holds `value`).
 */
function withoutEntry(container: Container, name: FieldName, entry: Setting<string>, key?: string): string {
    const path = fieldPath(container, name)!;
    const list = path[path.length - 1];
    const item = key ? `d.${key}` : "d";
    return listFix(container, path, { remove: [entry.field[0]] }, `${list}.filter(d => ${item} !== ${quote(entry.value)})`, exemptHint);
}

function unreadableFinding({ field, problem }: Unreadable, what: string, why: string, fix: string): Finding {
    // A reader's problem is "expected ..., found ..." or, for a missing path, "is not set".
    const reading = problem.startsWith("expected") ? `can't be read (${problem})` : problem;
    return { field, problem: `${reading}, so the ${what} can't be checked`, why, fix };
}

function findings(container: Container): Finding[] {
    const devices = hostDevices(container);
    const rules = deviceCgroupRules(container);
    const devicesField = fieldPath(container, "devices")!;
    const rulesField = fieldPath(container, "deviceCgroupRules")!;
    return [
        ...devices.items.map(device => ({
            field: device.field,
            problem: `maps the host device ${quote(device.value)} into the container`,
            why: deviceWhy,
            fix: withoutEntry(container, "devices", device, container.shape === "composeService" ? undefined : "hostPath"),
        })),
        ...devices.unreadable.map(u => unreadableFinding(u, "device it maps", deviceWhy, fixSnippet(container, devicesField, "undefined", exemptHint))),
        ...rules.items.map(rule => ({
            field: rule.field,
            problem: `is ${quote(rule.value)}, which lets the container use the host devices it matches`,
            why: cgroupRuleWhy,
            fix: withoutEntry(container, "deviceCgroupRules", rule),
        })),
        ...rules.unreadable.map(u => unreadableFinding(u, "devices it allows", cgroupRuleWhy, fixSnippet(container, rulesField, "undefined"))),
    ];
}

export const noHostDevices = containerPolicy({
    name: "container-no-host-devices",
    displayName: "No host devices",
    description:
        "Docker containers map no host device (`devices`) and allow none through device cgroup rules. " +
        "Not applicable to Kubernetes workloads and docker.Service, which have no device mapping.",
    enforcementLevel: "advisory",
    severity: "high",
    tags: ["cis-docker-1.6.0:5.18", "nist-800-190:4.4.3", "docker"],
    framework: complianceFramework("cis-docker-1.6.0:5.18"),
    remediationSteps:
        "docker.Container: remove the entries of `devices` and `deviceCgroupRules` (Compose: `devices`, " +
        "`device_cgroup_rules`). Where an app really needs a device (a USB dongle, /dev/fuse, a GPU node), keep only " +
        "that one with the narrowest permissions (`permissions: \"r\"` where it only reads) and exempt the container " +
        "with the `container-guard/exempt` label and a `container-guard/exempt-reason`.",
    config: {},
    parseConfig: () => undefined,
    notApplicable: workload => {
        if (hasField(workload, "devices")) {
            return undefined;
        }
        return workload.platform === "kubernetes"
            ? "a Kubernetes pod spec has no device mapping: devices reach pods through device plugins (resources such as " +
              "nvidia.com/gpu in resources.limits), which the cluster's nodes admit, and a hostPath volume of /dev is " +
              "container-restricted-volumes' to judge."
            : "docker.Service has no device mapping in the Docker provider (taskSpec.containerSpec has no devices), so there is nothing to check.";
    },
    check(container, _config, report) {
        findings(container).forEach(report);
    },
});
