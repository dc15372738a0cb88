// Runs the pack's policies over the scanned resources exactly as @pulumi/policy's analyzer server
// runs them for an Analyze call (server.js, makeAnalyzeRpcFun): every policy not disabled, each of
// its validateResource functions with args built the same way (getConfig() returns the policy's
// config, notApplicable throws), violations in both of the SDK's forms (a message; an object that
// may carry its own level), remediate reported as mandatory. Props are the plain objects read from
// the files: they hold no unknowns, so the SDK's unknown-checking proxy has nothing to do.
import type { EnforcementLevel, ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { ConfigError } from "../policies/lib/config";
import { sourceTag } from "../policies/lib/dialect";
import { JsonObject } from "../policies/lib/values";
import { composeServiceType } from "../policies/lib/workloads";
import { PolicyConfig } from "./config";
import { InputError, ResourceSummary, ScanResource } from "./resource";
import { locateFinding } from "./locate";
import { Location } from "./source";

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

/** The stack tags a validation gets: the one that says what the resource's file is written in, for the messages to speak it. */
const stackTagsBySource = new Map<ScanResource["source"], ReadonlyMap<string, string>>(
    (["kubernetes-manifest", "compose", "dockerfile"] as const).map(source => [source, new Map([[sourceTag, source]])]),
);

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
    const configErrors = new Map<string, ConfigError>();
    for (const resource of resources) {
        const summary: ResourceSummary = { type: resource.type, name: resource.name, label: resource.label, at: resource.at, ...(resource.builtFor && { builtFor: resource.builtFor }) };
        const urn = `urn:pulumi:scan::container-guard::${resource.type}::${resource.name}`;
        const stackTags = stackTagsBySource.get(resource.source);
        for (const { policy, level, properties, validations } of active) {
            if (configErrors.has(policy.name)) {
                continue;
            }
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
                        configErrors.set(policy.name, e); // a bad config, found when a policy parses it (a glob, say)
                        break;
                    }
                    if (!(e instanceof NotApplicable)) {
                        errors.push({ ...resource.at, message: `${resource.label}: policy ${policy.name} failed: ${(e as Error).message}` });
                    }
                }
            }
        }
    }
    if (configErrors.size > 0) {
        throw new ConfigErrors([...configErrors.values()]); // no resource can be judged
    }
    return { findings, errors };
}

/** The config errors the policies found, each policy's first: all of them, so that a user fixes the config in one go. */
export class ConfigErrors extends Error {
    constructor(readonly errors: ConfigError[]) {
        super(errors.map(e => e.message).join("\n"));
    }
}

/**
 * The config errors the policies find only as they parse their config (a bad glob): every policy
 * judges a probe of each kind of resource the scan makes, before the scan, so that they are told
 * all at once and before any output.
 */
export function configErrorsOf(policies: readonly ResourceValidationPolicy[], config: ReadonlyMap<string, PolicyConfig>): ConfigError[] {
    const at = { file: "(config check)", line: 1, column: 1 };
    const probe = (type: string, source: ScanResource["source"], props: JsonObject): ScanResource => ({ type, name: "probe", props, source, label: type, at, locate: () => at });
    const container = { name: "probe", image: "probe" };
    try {
        runPolicies(policies, config, [
            probe("kubernetes:core/v1:Pod", "kubernetes-manifest", { apiVersion: "v1", kind: "Pod", metadata: { name: "probe" }, spec: { containers: [container] } }),
            probe(composeServiceType, "compose", { image: "probe" }),
            probe("docker-build:index:Image", "dockerfile", { dockerfile: { inline: "FROM scratch\n" }, context: { location: "." } }),
        ]);
    } catch (e) {
        if (e instanceof ConfigErrors) {
            return e.errors;
        }
        throw e;
    }
    return [];
}
