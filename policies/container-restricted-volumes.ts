// PSS hostPathVolumes (baseline) and restrictedVolumes (restricted), CIS Docker 5.6 and 5.32: no path of the
// node or host is mounted unless allowedHostPaths allows it, never a container runtime's socket, and under the
// restricted profile only the volume types PSA's check_restrictedVolumes.go admits.
import { compileGlobs, PssProfile, pssProfileProperty } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import { Glob } from "./lib/glob";
import { normaliseHostPath, runtimeSocket } from "./lib/host-paths";
import { containerPolicy, Finding, fixSnippet, listFix, podFixSnippet } from "./lib/policy";
import { describeType, isUnknown, quote, Unreadable } from "./lib/values";
import { Container, HostMount, hostMounts, Pod, podVolumes, PodVolume } from "./lib/workloads";


interface VolumesConfig {
    profile: PssProfile;
    allowedHostPaths: readonly Glob[];
}

/** The volume types PSA restricted admits: a volume that sets any of them is fine. */
const restrictedAllows: ReadonlySet<string> = new Set([
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
]);

/** The types PSA restricted names when it rejects a volume, in the order it tries them; any other is "unknown". */
const restrictedTypes = [
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume",
    "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "portworxVolume", "scaleIO", "storageos",
];

const hostPathWhy = (host: "node" | "host", mounted: "pod" | "container") =>
    `a path of the ${host} mounted into the ${mounted} hands it the ${host}'s files: it can read other workloads' data and ` +
    `the ${host}'s credentials and, where it may write, change the ${host} itself.`;

const socketWhy =
    "whoever reaches a container runtime's API socket can start a privileged container with the host's root filesystem " +
    "mounted: it controls the host, so allowedHostPaths can never allow it.";

const restrictedWhy =
    "the restricted profile admits only volume types that don't mount the node's or the network's storage directly " +
    `(${[...restrictedAllows].join(", ")}); inline volumes of other types bypass the cluster's PersistentVolume and ` +
    "StorageClass controls and many need privileges on the node.";

/** What is wrong with mounting a host path, completing "<field> ..."; undefined when it is allowed (or not known yet and may be). */
function hostPathProblem(written: unknown, allowed: readonly Glob[], host: "node" | "host"): { problem: string; socket: boolean } | undefined {
    if (isUnknown(written)) {
        return allowed.length > 0
            ? undefined
            : { problem: `mounts a path of the ${host} that is known only at \`pulumi up\`; with no allowedHostPaths, no ${host} path is allowed`, socket: false };
    }
    if (written === undefined || written === null) {
        return { problem: `is not set, so the path of the ${host} this mounts can't be matched against allowedHostPaths`, socket: false };
    }
    if (typeof written !== "string") {
        return { problem: `can't be read (expected a path, found ${describeType(written)}), so it can't be matched against allowedHostPaths`, socket: false };
    }
    const normalised = normaliseHostPath(written);
    const shown = normalised.path === written ? quote(written) : `${quote(written)} (that is ${normalised.path})`;
    const socket = runtimeSocket(normalised);
    if (socket) {
        const what = socket.within ? `which holds the ${socket.runtime} socket ${socket.within}` : `the ${socket.runtime} socket`;
        return { problem: `mounts the ${host}'s ${shown}, ${what}`, socket: true };
    }
    if (!normalised.climbsAboveHome && allowed.some(glob => glob.matches(normalised.path))) {
        return undefined;
    }
    const unmatched = normalised.climbsAboveHome ? ", which climbs above the home directory, so no allowedHostPaths glob can allow it" : allowed.length > 0 ? ", which no allowedHostPaths glob matches" : "";
    return { problem: `mounts the ${host}'s ${shown}${unmatched}`, socket: false };
}

const volumeName = (volume: PodVolume) => (volume.name === undefined ? "the volume" : `volume ${quote(volume.name)}`);

/** The finding on one pod volume, or undefined when the profile admits it. */
function volumeFinding(volume: PodVolume, config: VolumesConfig, pod: Pod): Finding | undefined {
    // PSA restricted: any admitted type makes the volume fine (the API server rejects a volume of two types anyway).
    if (config.profile === "restricted" && volume.sources.some(source => restrictedAllows.has(source))) {
        return undefined;
    }
    const claim = `{ name: ${quote(volume.name ?? "data")}, persistentVolumeClaim: { claimName: ${quote(volume.name ?? "data")} } }`;
    if (volume.sources.includes("hostPath")) {
        const found = hostPathProblem(volume.hostPath, config.allowedHostPaths, "node");
        if (!found) {
            return undefined;
        }
        return {
            field: [...volume.field, "hostPath", "path"],
            problem: `(${volumeName(volume)}) ${found.problem}`,
            why: found.socket ? socketWhy : hostPathWhy("node", "pod"),
            fix: found.socket
                ? listFix(pod, ["volumes"], { remove: volume.field }, `volumes.filter(v => v.name !== ${quote(volume.name ?? "")})`, `and its volumeMounts: ${avoidSocket}`)
                : podFixSnippet(pod, volume.field, claim, "or emptyDir: {} for scratch space; or add the path to allowedHostPaths"),
        };
    }
    // A volume of no type is an emptyDir: the API server defaults it so.
    if (config.profile === "baseline" || volume.sources.length === 0) {
        return undefined;
    }
    const type = restrictedTypes.find(t => volume.sources.includes(t));
    if (type) {
        return {
            field: [...volume.field, type],
            problem: `makes ${volumeName(volume)} of type ${type}, which the restricted profile doesn't allow`,
            why: restrictedWhy,
            fix: podFixSnippet(pod, volume.field, claim, `a PersistentVolume holds the ${type} details`),
        };
    }
    return {
        field: volume.field,
        problem: `(${volumeName(volume)}) sets ${volume.sources.join(", ")}, none of them a volume type the restricted profile allows, so Pod Security counts its type as "unknown"`,
        why: restrictedWhy,
        fix: podFixSnippet(pod, volume.field, claim, "or another type the restricted profile allows"),
    };
}

/** A field a reader could not read: what it holds could not be checked, so it doesn't pass. */
function unreadableFinding({ field, problem }: Unreadable, why: string, fix: string): Finding {
    return { field, problem: `can't be read (${problem}), so what it mounts could not be checked`, why, fix };
}

/** The list a Docker mount's field is in: `volumes` for `["volumes[2]", "hostPath"]`. */
function listOf(field: readonly string[]): string {
    return field[0].replace(/\[\d+\]$/, "");
}

/** How this kind of resource mounts a named volume at the mount's target instead. */
function namedVolumeFix(container: Container, mount: HostMount): string {
    const target = mount.target ?? "/path/in/container";
    const name = `${container.workload.name}-${target.split("/").filter(Boolean).pop() ?? "data"}`.replace(/[^A-Za-z0-9_.-]/g, "-");
    if (container.shape === "composeService") {
        return fixSnippet(container, [mount.field[0]], quote(`${name}:${target}`), `and ${name}: {} under the top-level volumes, instead of the host's ${quote(mount.source)}`);
    }
    const list = listOf(mount.field);
    const entry = list === "volumes" ? `{ volumeName: ${quote(name)}, containerPath: ${quote(target)} }` : `{ type: "volume", source: ${quote(name)}, target: ${quote(target)} }`;
    const others = list === "volumes" ? "otherVolumes" : "otherMounts";
    return fixSnippet(container, [list], `[...${others}, ${entry}]`, `a named volume instead of the host's ${quote(mount.source)}`);
}

const avoidSocket = "build with a daemonless builder, or reach the API through a proxy that allows only what the app needs";

/** How to drop the mount. */
function removeFix(container: Container, mount: HostMount): string {
    const list = listOf(mount.field);
    const key = mount.field[mount.field.length - 1];
    return listFix(container, [list], { remove: [mount.field[0]] }, `${list}.filter(m => m.${key} !== ${quote(mount.source)})`, avoidSocket);
}

export const restrictedVolumes = containerPolicy<VolumesConfig>({
    name: "container-restricted-volumes",
    displayName: "No host paths, restricted volume types",
    description:
        "Pods and Docker containers mount no path of the node or host (hostPath volumes, bind mounts) unless allowedHostPaths " +
        "allows it, and never a container runtime's socket; under profile restricted, pods use only the volume types Pod Security restricted admits.",
    enforcementLevel: "advisory",
    severity: "high",
    tags: [
        "pss:baseline/hostpath-volumes", "pss:restricted/volume-types", "cis-docker-1.6.0:5.6", "cis-docker-1.6.0:5.32",
        "cis-kubernetes-1.10:5.2.12", "kubernetes", "docker",
    ],
    framework: complianceFramework("pss:baseline/hostpath-volumes"),
    remediationSteps:
        "Kubernetes: replace each hostPath volume with a persistentVolumeClaim (or an emptyDir for scratch space, a configMap or " +
        "secret for configuration); under profile restricted, move nfs, iscsi, cephfs and the other inline volume types into " +
        "PersistentVolumes and mount them through a persistentVolumeClaim. Docker (docker.Container `volumes[].hostPath`, " +
        "`mounts` of type bind; docker.Service `taskSpec.containerSpec.mounts`; Compose `volumes`): use a named volume instead " +
        "of a bind mount. Never mount a container runtime's socket (Docker, containerd, CRI-O, Podman), nor a directory that " +
        "holds one (`/`, `/run`, `/var/run`): build images with a daemonless builder, or give the app a proxy that allows only " +
        "the API calls it needs. A host path the app really needs (a log shipper's `/var/log`) goes into allowedHostPaths. " +
        "There is no automatic remediation: where the data should live instead, and how it gets there, is a decision the " +
        "pack can't make.",
    config: {
        profile: pssProfileProperty(
            "`baseline`: pods may use any volume type but hostPath (PSS hostPathVolumes). `restricted`: only configMap, csi, " +
                "downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret (PSS restrictedVolumes). " +
                "Docker resources are judged the same under both: named volumes and tmpfs pass, host paths need allowedHostPaths.",
        ),
        allowedHostPaths: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description:
                "Globs of host paths that may be mounted (hostPath volumes, bind mounts), matched against the path after `.` and " +
                "`..` are resolved and repeated `/` collapsed: `*` stops at `/`, `**` doesn't (`/var/log/**` allows what is under " +
                "/var/log, list `/var/log` for the directory itself). Compose relative paths are matched as written relative to " +
                "the Compose file, `./data`. A container runtime's socket is never allowed.",
        },
    },
    parseConfig: config => ({
        profile: config.profile as PssProfile,
        allowedHostPaths: compileGlobs("container-restricted-volumes", "allowedHostPaths", config.allowedHostPaths as string[]),
    }),
    checkPod(pod, config, report) {
        const volumes = podVolumes(pod);
        for (const unreadable of volumes.unreadable) {
            report(unreadableFinding(unreadable, hostPathWhy("node", "pod"), podFixSnippet(pod, ["volumes"], `[{ name: "data", persistentVolumeClaim: { claimName: "data" } }]`)));
        }
        for (const volume of volumes.items) {
            const finding = volumeFinding(volume, config, pod);
            if (finding) {
                report(finding);
            }
        }
    },
    // Docker has no volume types to restrict: named volumes and tmpfs pass under both profiles.
    check(container, config, report) {
        const mounts = hostMounts(container);
        for (const unreadable of mounts.unreadable) {
            const namedVolumes = container.shape === "composeService" ? fixSnippet(container, ["volumes"], `["data:/data"]`, "named volumes") : fixSnippet(container, [listOf(unreadable.field)], "[/* named volumes */]");
            report(unreadableFinding(unreadable, hostPathWhy("host", "container"), namedVolumes));
        }
        for (const mount of mounts.items) {
            const found = hostPathProblem(mount.source, config.allowedHostPaths, "host");
            if (found) {
                const relative = container.shape === "composeService" && !/^([/\\~]|[A-Za-z]:)/.test(mount.source) ? " (relative to the Compose file)" : "";
                report({
                    field: mount.field,
                    problem: found.problem + relative,
                    why: found.socket ? socketWhy : hostPathWhy("host", "container"),
                    fix: found.socket ? removeFix(container, mount) : namedVolumeFix(container, mount),
                });
            }
        }
    },
});
