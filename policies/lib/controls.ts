// The compliance controls policies map to. A policy lists them in `tags` as `<framework>:<control>`
// (`cis-docker-1.6.0:5.13`) and names its primary one in `framework`; the reference docs print each
// with its title. `checkedAgainst` says where each framework's numbers were verified.
import { PolicyComplianceFramework } from "@pulumi/policy";

export interface Framework {
    name: string;
    version: string;
    url: string;
    /** Where the control numbers below were checked (the benchmarks themselves are behind a CIS login). */
    checkedAgainst: string;
}

export const frameworks = {
    "cis-docker-1.6.0": {
        name: "CIS Docker Benchmark",
        version: "1.6.0",
        url: "https://www.cisecurity.org/benchmark/docker",
        checkedAgainst:
            "docker/docker-bench-security (\"based on the CIS Docker Benchmark v1.6.0\"), tests/4_container_images.sh and " +
            "tests/5_container_runtime.sh; section 5 also against turbot/steampipe-mod-docker-compliance, cis_v160/section_5.pp.",
    },
    "cis-kubernetes-1.10": {
        name: "CIS Kubernetes Benchmark",
        version: "1.10.0",
        url: "https://www.cisecurity.org/benchmark/kubernetes",
        checkedAgainst: "aquasecurity/kube-bench, cfg/cis-1.10/policies.yaml.",
    },
    pss: {
        name: "Kubernetes Pod Security Standards",
        // The controls are unversioned; a cluster pins them with pod-security.kubernetes.io/<mode>-version.
        version: "latest",
        url: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
        checkedAgainst:
            "the Pod Security Standards page (kubernetes/website, content/en/docs/concepts/security/pod-security-standards.md) " +
            "for the control names, and k8s.io/pod-security-admission, policy/check_privileged.go, " +
            "check_capabilities_baseline.go (the baseline add list), check_capabilities_restricted.go, " +
            "check_hostNamespaces.go, check_windowsHostProcess.go, check_hostPathVolumes.go, check_restrictedVolumes.go, " +
            "check_sysctls.go, check_hostPorts.go, check_hostProbesAndhostLifecycle.go, check_seccompProfile_baseline.go, " +
            "check_seccompProfile_restricted.go, check_appArmorProfile.go, check_seLinuxOptions.go, check_procMount_baseline.go, " +
            "check_procMount_restricted.go, check_allowPrivilegeEscalation.go, check_runAsNonRoot.go, " +
            "check_runAsUser.go.",
    },
    "nist-800-190": {
        name: "NIST SP 800-190",
        version: "2017",
        url: "https://doi.org/10.6028/NIST.SP.800-190",
        checkedAgainst:
            "section 4 (countermeasures) as transcribed in stackrox/stackrox, central/compliance/standards/metadata/nist_800_190.go: " +
            "4.4.4 says \"Containers should also be run with their root filesystems in read-only mode\"; 4.4.3 asks to automate " +
            "compliance with runtime configuration guidance such as the CIS Docker Benchmark; 4.1.4 asks that secrets be stored " +
            "outside images and provided at runtime; 4.1.2 asks for base layers from minimalistic technologies.",
    },
} satisfies Record<string, Framework>;

type FrameworkId = keyof typeof frameworks;

/** Control titles as their source words them, keyed by tag. */
export const controlTitles = {
    "cis-docker-1.6.0:4.1": "Ensure that a user for the container has been created",
    "cis-docker-1.6.0:4.3": "Ensure that unnecessary packages are not installed in the container",
    "cis-docker-1.6.0:4.10": "Ensure secrets are not stored in Dockerfiles",
    "cis-docker-1.6.0:5.2": "Ensure that, if applicable, an AppArmor Profile is enabled",
    "cis-docker-1.6.0:5.3": "Ensure that, if applicable, SELinux security options are set",
    "cis-docker-1.6.0:5.4": "Ensure that Linux kernel capabilities are restricted within containers",
    "cis-docker-1.6.0:5.5": "Ensure that privileged containers are not used",
    "cis-docker-1.6.0:5.6": "Ensure sensitive host system directories are not mounted on containers",
    "cis-docker-1.6.0:5.8": "Ensure privileged ports are not mapped within containers",
    "cis-docker-1.6.0:5.10": "Ensure that the host's network namespace is not shared",
    "cis-docker-1.6.0:5.13": "Ensure that the container's root filesystem is mounted as read only",
    "cis-docker-1.6.0:5.16": "Ensure that the host's process namespace is not shared",
    "cis-docker-1.6.0:5.17": "Ensure that the host's IPC namespace is not shared",
    "cis-docker-1.6.0:5.18": "Ensure that host devices are not directly exposed to containers",
    "cis-docker-1.6.0:5.19": "Ensure that the default ulimit is overwritten at runtime if needed",
    "cis-docker-1.6.0:5.21": "Ensure that the host's UTS namespace is not shared",
    "cis-docker-1.6.0:5.22": "Ensure the default seccomp profile is not Disabled",
    "cis-docker-1.6.0:5.26": "Ensure that the container is restricted from acquiring additional privileges",
    "cis-docker-1.6.0:5.31": "Ensure that the host's user namespaces are not shared",
    "cis-docker-1.6.0:5.32": "Ensure that the Docker socket is not mounted inside any containers",
    "cis-kubernetes-1.10:5.2.2": "Minimize the admission of privileged containers",
    "cis-kubernetes-1.10:5.2.3": "Minimize the admission of containers wishing to share the host process ID namespace",
    "cis-kubernetes-1.10:5.2.4": "Minimize the admission of containers wishing to share the host IPC namespace",
    "cis-kubernetes-1.10:5.2.5": "Minimize the admission of containers wishing to share the host network namespace",
    "cis-kubernetes-1.10:5.2.6": "Minimize the admission of containers with allowPrivilegeEscalation",
    "cis-kubernetes-1.10:5.2.7": "Minimize the admission of root containers",
    "cis-kubernetes-1.10:5.2.8": "Minimize the admission of containers with the NET_RAW capability",
    "cis-kubernetes-1.10:5.2.9": "Minimize the admission of containers with added capabilities",
    "cis-kubernetes-1.10:5.2.10": "Minimize the admission of containers with capabilities assigned",
    "cis-kubernetes-1.10:5.2.11": "Minimize the admission of Windows HostProcess containers",
    "cis-kubernetes-1.10:5.2.12": "Minimize the admission of HostPath volumes",
    "cis-kubernetes-1.10:5.2.13": "Minimize the admission of containers which use HostPorts",
    "cis-kubernetes-1.10:5.4.1": "Prefer using Secrets as files over Secrets as environment variables",
    "cis-kubernetes-1.10:5.7.2": "Ensure that the seccomp profile is set to docker/default in your Pod definitions",
    "pss:baseline/hostprocess": "Baseline: HostProcess",
    "pss:baseline/host-namespaces": "Baseline: Host Namespaces",
    "pss:baseline/host-ports": "Baseline: Host Ports",
    "pss:baseline/host-probes-lifecycle-hooks": "Baseline: Host Probes / Lifecycle Hooks",
    "pss:baseline/privileged-containers": "Baseline: Privileged Containers",
    "pss:baseline/capabilities": "Baseline: Capabilities",
    "pss:baseline/hostpath-volumes": "Baseline: HostPath Volumes",
    "pss:baseline/sysctls": "Baseline: Sysctls",
    "pss:restricted/volume-types": "Restricted: Volume Types",
    "pss:restricted/capabilities": "Restricted: Capabilities",
    "pss:restricted/privilege-escalation": "Restricted: Privilege Escalation",
    "pss:restricted/running-as-non-root": "Restricted: Running as Non-root",
    "pss:restricted/running-as-non-root-user": "Restricted: Running as Non-root user",
    "pss:baseline/apparmor": "Baseline: AppArmor",
    "pss:baseline/selinux": "Baseline: SELinux",
    "pss:baseline/proc-mount-type": "Baseline: /proc Mount Type",
    "pss:baseline/seccomp": "Baseline: Seccomp",
    "pss:restricted/seccomp": "Restricted: Seccomp",
    "nist-800-190:4.1.2": "Image countermeasures: image configuration defects",
    "nist-800-190:4.1.4": "Image countermeasures: embedded clear text secrets",
    "nist-800-190:4.4.3": "Container countermeasures: insecure container runtime configurations",
    "nist-800-190:4.4.4": "Container countermeasures: app vulnerabilities",
} satisfies Record<`${FrameworkId}:${string}`, string>;

export type ControlTag = keyof typeof controlTitles;

export interface Control {
    tag: ControlTag;
    framework: Framework;
    /** The control's number or name within its framework: `5.13`, `baseline/capabilities`. */
    reference: string;
    title: string;
}

export function isControlTag(tag: string): tag is ControlTag {
    return Object.prototype.hasOwnProperty.call(controlTitles, tag);
}

export function control(tag: ControlTag): Control {
    const at = tag.indexOf(":");
    const framework: Framework = frameworks[tag.slice(0, at) as FrameworkId];
    return { tag, framework, reference: tag.slice(at + 1), title: controlTitles[tag] };
}

/** The `framework` metadata Pulumi Cloud shows for a policy's primary control. */
export function complianceFramework(tag: ControlTag): PolicyComplianceFramework {
    const { framework, reference, title } = control(tag);
    return { name: framework.name, version: framework.version, reference, specification: title };
}
