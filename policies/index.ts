// Every policy of the pack, in the order the docs and the engine list them.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { dropCapabilities } from "./container-drop-capabilities";
import { noPrivileged } from "./container-no-privileged";
import { readOnlyRootFilesystem } from "./container-read-only-root-filesystem";
import { restrictAddedCapabilities } from "./container-restrict-added-capabilities";

export const policies: ResourceValidationPolicy[] = [
    readOnlyRootFilesystem,
    dropCapabilities,
    restrictAddedCapabilities,
    noPrivileged,
];
