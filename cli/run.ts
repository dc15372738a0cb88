// Runs the pack's policies over the scanned resources exactly as @pulumi/policy's analyzer server
// runs them for an Analyze call (server.js, makeAnalyzeRpcFun): every policy not disabled, each of
// its validateResource functions with args built the same way (getConfig() returns the policy's
// config, notApplicable throws), violations in both of the SDK's forms (a message; an object that
// may carry its own level), remediate reported as mandatory. Props are the plain objects read from
// the files: they hold no unknowns, so the SDK's unknown-checking proxy has nothing to do.
import type { EnforcementLevel, ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { ConfigError } from "../policies/lib/config";
import { PolicyConfig } from "./config";
import { InputError, ResourceSummary, ScanResource } from "./resource";
import { locateFinding } from "./locate";
import { Location } from "./yaml-source";

export interface Finding {
    readonly policy: ResourceValidationPolicy;
    readonly level: "mandatory" | "advisory";
    /** The violation message as the pack words it (without the policy description the SDK puts first). */
    readonly message: string;
    /** The resource, without its props and source (a scan holds one file's at a time). */
    readonly resource: ResourceSummary;
    readonly location: Location;
}

class NotApplicable extends Error {}

const options = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
const stackTags: ReadonlyMap<string, string> = new Map();

interface Diagnostic {
    message?: string;
    description?: string;
    enforcementLevel?: EnforcementLevel;
}

export function runPolicies(
    policies: readonly ResourceValidationPolicy[],
    config: ReadonlyMap<string, PolicyConfig>,
    resources: readonly ScanResource[],
): { findings: Finding[]; errors: InputError[] } {
    const findings: Finding[] = [];
    const errors: InputError[] = [];
    const active = policies
        .map(policy => ({ policy, ...config.get(policy.name)! }))
        .filter(({ level }) => level !== "disabled")
        .map(({ policy, level, properties }) => ({
            policy,
            level: level === "advisory" ? "advisory" : "mandatory",
            properties,
            validations: (Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource]) as ResourceValidation[],
        }));
    for (const resource of resources) {
        const summary: ResourceSummary = { type: resource.type, name: resource.name, label: resource.label, at: resource.at };
        const urn = `urn:pulumi:scan::container-guard::${resource.type}::${resource.name}`;
        for (const { policy, level, properties, validations } of active) {
            const report = (violation: string | Diagnostic) => {
                const diagnostic = typeof violation === "object" ? violation : { message: violation };
                let message = diagnostic.message || diagnostic.description || policy.description;
                if (message.startsWith(`${policy.description}\n`)) {
                    message = message.slice(policy.description.length + 1);
                }
                const reported = diagnostic.enforcementLevel;
                findings.push({
                    policy,
                    level: reported === "advisory" || (reported === undefined && level === "advisory") ? "advisory" : "mandatory",
                    message,
                    resource: summary,
                    location: locateFinding(resource, message),
                });
            };
            for (const validation of validations) {
                const args = {
                    type: resource.type,
                    props: resource.props,
                    urn,
                    name: resource.name,
                    opts: options,
                    stackTags,
                    isType: (resourceClass: { __pulumiType?: string }) => resourceClass?.__pulumiType === resource.type,
                    asType: (resourceClass: { __pulumiType?: string }) => (resourceClass?.__pulumiType === resource.type ? resource.props : undefined),
                    getConfig: () => ({ ...properties }),
                    notApplicable: (reason?: string): never => {
                        throw new NotApplicable(reason);
                    },
                };
                try {
                    const result = validation(args as never, report as (message: string) => void);
                    if (result instanceof Promise) {
                        throw new Error("returned a promise; the scan runs policies synchronously");
                    }
                } catch (e) {
                    if (e instanceof ConfigError) {
                        throw e; // a bad config, found when a policy parses it (a glob, say): no resource can be judged
                    }
                    if (!(e instanceof NotApplicable)) {
                        errors.push({ ...resource.at, message: `${resource.label}: policy ${policy.name} failed: ${(e as Error).message}` });
                    }
                }
            }
        }
    }
    return { findings, errors };
}
