// Running some of the pack's policies the way users do: over a PSA fixture at chosen levels (as a
// Pod, a Deployment and a CronJob), and over files through `container-guard scan`.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resolveConfig } from "../cli/config";
import { scan } from "../cli/scan";
import { policies } from "../policies";
import { asWorkload, verdictsUnder } from "./psa-fixtures";

/** Every other policy disabled, these at `level`. */
function only(names: readonly string[], level: "advisory" | "mandatory") {
    return resolveConfig(policies, Object.fromEntries([["all", "disabled"], ...names.map(name => [name, level])]), "test");
}

/**
 * The policies that report a mandatory violation for a PSA fixture's Pod, with `names` mandatory and
 * every other policy disabled: once per violation and per form (the Pod, a Deployment, a CronJob).
 */
export function mandatoryUnder(pack: readonly ResourceValidationPolicy[], names: readonly string[], pod: object): string[] {
    const config = only(names, "mandatory");
    const forms = [{ type: "kubernetes:core/v1:Pod", props: pod }, asWorkload("Deployment", pod), asWorkload("CronJob", pod)];
    return forms.flatMap(({ type, props }) => verdictsUnder(pack, config, type, props).filter(v => v.level === "mandatory").map(v => v.policy));
}

/** `file:line <first line of the message>` for each finding of one policy when `container-guard scan` reads the file. */
export function scanFindings(file: string, policyName: string): string[] {
    const result = scan({ paths: [file], dockerfiles: [], readStdin: () => "", policies, config: only([policyName], "advisory") });
    if (result.errors.length > 0) {
        throw new Error(JSON.stringify(result.errors));
    }
    return result.findings.map(f => `${f.location.file}:${f.location.line} ${f.message.split("\n")[0]}`);
}
