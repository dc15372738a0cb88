// Every policy of the pack, in the order the docs and the engine list them.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { dropCapabilities } from "./container-drop-capabilities";
import { noHostDevices } from "./container-no-host-devices";
import { noHostNamespaces } from "./container-no-host-namespaces";
import { noHostPorts } from "./container-no-host-ports";
import { noPlaintextSecrets } from "./container-no-plaintext-secrets";
import { noPrivilegeEscalation } from "./container-no-privilege-escalation";
import { noPrivileged } from "./container-no-privileged";
import { pidLimit } from "./container-pid-limit";
import { readOnlyRootFilesystem } from "./container-read-only-root-filesystem";
import { restrictAddedCapabilities } from "./container-restrict-added-capabilities";
import { runAsNonRoot } from "./container-run-as-non-root";
import { restrictedVolumes } from "./container-restricted-volumes";
import { safeSysctls } from "./container-safe-sysctls";
import { secretsAsFiles } from "./container-secrets-as-files";
import { securityProfiles } from "./container-security-profiles";
import { multiStageBuild } from "./image-multi-stage-build";

export const policies: ResourceValidationPolicy[] = [
    readOnlyRootFilesystem,
    multiStageBuild,
    dropCapabilities,
    restrictAddedCapabilities,
    noPrivileged,
    pidLimit,
    noPlaintextSecrets,
    secretsAsFiles,
    noHostNamespaces,
    restrictedVolumes,
    noHostPorts,
    securityProfiles,
    noPrivilegeEscalation,
    runAsNonRoot,
    safeSysctls,
    noHostDevices,
];
