// Runs the pack's policies inside this process, over resources already decoded, the way
// @pulumi/policy's server calls them once it has deserialized a request (server.js,
// makeAnalyzeRpcFun): per policy, the props behind a new unknown-checking proxy (the same props
// object for every policy, as policies/lib/decode-once.ts makes the server hand them), a fresh
// config object from getConfig(), notApplicable throwing.
import { ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { declareNotApplicable } from "../policies/lib/policy";
import { rawProps } from "../policies/lib/values";
import { Resource } from "./resources";

const unknownCheckingProxy: (props: object) => object = require("@pulumi/policy/proxy").unknownCheckingProxy;
// The SDK itself, loaded as in every pack process (its server requires it before any call): the
// pack's readers look for its Secret class once it is there (policies/lib/values.ts).
require("@pulumi/policy");

class NotApplicable extends Error {}

const options = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
const stackTags = new Map<string, string>();

/** The config the CLI sends for each policy: its schema defaults, with `overrides` on top. */
function configOf(policy: ResourceValidationPolicy, overrides: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if ((schema as { default?: unknown }).default !== undefined) {
            defaults[key] = (schema as { default?: unknown }).default;
        }
    }
    return { ...defaults, ...overrides[policy.name] };
}

/** A policy's validations: `validateResource` is one function or a list. */
function validationsOf(policy: ResourceValidationPolicy): ResourceValidation[] {
    return Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
}

/** The policies with each validation replaced by what `wrap` makes of it. */
function wrapValidations(policies: readonly ResourceValidationPolicy[], wrap: (validation: ResourceValidation) => ResourceValidation): ResourceValidationPolicy[] {
    return policies.map(policy => ({ ...policy, validateResource: validationsOf(policy).map(wrap) }));
}

/** A function that runs every policy over one resource and returns how many violations they reported. */
export function policyRunner(policies: readonly ResourceValidationPolicy[], overrides: Record<string, Record<string, unknown>> = {}): (resource: Resource) => number {
    const prepared = policies.map(policy => ({
        validations: validationsOf(policy),
        config: configOf(policy, overrides),
    }));
    let violations = 0;
    const report = () => {
        violations++;
    };
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    return resource => {
        violations = 0;
        for (const { validations, config } of prepared) {
            for (const validation of validations) {
                const args = {
                    type: resource.type,
                    props: unknownCheckingProxy(resource.props),
                    urn: resource.urn,
                    name: resource.name,
                    opts: options,
                    stackTags,
                    isType: () => false,
                    asType: () => undefined,
                    getConfig: () => ({ ...config }),
                    notApplicable,
                } as any;
                try {
                    const result = validation(args, report);
                    if (result instanceof Promise) {
                        throw new Error("the bench runs policies synchronously; this one returned a promise");
                    }
                } catch (e) {
                    if (!(e instanceof NotApplicable)) {
                        throw e;
                    }
                }
            }
        }
        return violations;
    };
}

/** What one validation of one policy did with one resource. */
interface Outcome {
    reports: unknown[];
    notApplicable?: string;
}

/**
 * The floor under any pack of these policies that reports these findings: the same calls, each
 * validation replaying what it reported for the resource (its messages, its not-applicable), with
 * no evaluation at all. The outcomes are recorded by running the policies once over `resources`.
 */
export function replayRunner(policies: readonly ResourceValidationPolicy[], resources: readonly Resource[]): (resource: Resource) => number {
    const outcomes = new Map<object, Map<ResourceValidation, Outcome>>();
    const record = policyRunner(
        wrapValidations(policies, validation => (args, report) => {
            const props = rawProps(args.props);
            const outcome: Outcome = { reports: [] };
            if (!outcomes.has(props)) {
                outcomes.set(props, new Map());
            }
            outcomes.get(props)!.set(validation, outcome);
            try {
                return validation(args, message => {
                    outcome.reports.push(message);
                    report(message);
                });
            } catch (e) {
                outcome.notApplicable = e instanceof Error ? e.message : String(e);
                throw e;
            }
        }),
    );
    resources.forEach(record);
    return policyRunner(
        wrapValidations(policies, validation => (args, report) => {
            const outcome = outcomes.get(rawProps(args.props))!.get(validation)!;
            for (const message of outcome.reports) {
                report(message as string);
            }
            if (outcome.notApplicable !== undefined) {
                declareNotApplicable(args, outcome.notApplicable);
            }
        }),
    );
}

/** One diagnostic a policy reported: the policy, and what it passed to `reportViolation` (a message, or a diagnostic with a level of its own). */
export interface Reported {
    policy: ResourceValidationPolicy;
    violation: unknown;
}

/** A function that runs every policy over one resource and returns what each reported. */
export function reportsRunner(policies: readonly ResourceValidationPolicy[], overrides: Record<string, Record<string, unknown>> = {}): (resource: Resource) => Reported[] {
    let reported: Reported[] = [];
    const runners = policies.map(policy =>
        policyRunner(
            wrapValidations([policy], validation => (args, report) =>
                validation(args, violation => {
                    reported.push({ policy, violation });
                    report(violation);
                }),
            ),
            overrides,
        ),
    );
    return resource => {
        reported = [];
        for (const run of runners) {
            run(resource);
        }
        return reported;
    };
}
