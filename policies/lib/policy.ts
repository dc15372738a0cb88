// Builds a CrossGuard policy from a per-container rule: the rule sees one container at a time,
// already filtered by `exclude`, `exemptImages` and exemption annotations/labels, and reports
// findings that this module renders into the message shape of DESIGN.md.
import { EnforcementLevel, PolicyComplianceFramework, ResourceValidationArgs, ResourceValidationPolicy, Severity } from "@pulumi/policy";
import { checkConfig, CommonConfig, commonConfigProperties, compileGlobs, ConfigProperty, isExcluded, isExempt, memoize } from "./config";
import { cloneProps, rawProps } from "./values";
import { Container, fieldLocation, workloadOf } from "./workloads";

/** What every policy declares besides its logic; docs and Pulumi Cloud show it. */
export interface PolicyMetadata {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    severity: Severity;
    /** Controls the policy implements, e.g. `CIS-Docker-5.12`, `PSS-restricted:capabilities`. */
    tags: string[];
    framework?: PolicyComplianceFramework;
    remediationSteps: string;
    /** The policy's own config keys, besides `exclude` and `exemptImages`. */
    config: Record<string, ConfigProperty>;
}

export const docsBaseUrl = "https://github.com/container-guard/container-guard/blob/main/docs/policies";

/** One violation on one container. */
export interface Finding {
    /** The offending property, relative to the container: `["securityContext", "privileged"]`. */
    field: readonly string[];
    /** What is wrong, completing "<path> ...": `is not set`. */
    problem: string;
    /** Why it matters, one sentence. */
    why: string;
    /** The fix, as a Pulumi TypeScript snippet (see `fixSnippet`). */
    fix: string;
}

export interface ContainerRule<C> extends PolicyMetadata {
    /** Turns the checked config (defaults applied) into what `check` needs. */
    parseConfig(config: Record<string, unknown>): C;
    check(container: Container, config: C, report: (finding: Finding) => void): void;
    /** Fixes the container in place (on a copy of the props); returns whether anything changed. */
    remediate?(container: Container, config: C): boolean;
}

export type ParsedConfig<C> = CommonConfig & { rule: C };

/** Config parsing shared by container rules and resource-level policies. */
export function configReader<C>(
    name: string,
    properties: Record<string, ConfigProperty>,
    parse: (config: Record<string, unknown>) => C,
): (args: Pick<ResourceValidationArgs, "getConfig">) => ParsedConfig<C> {
    const schema = { ...commonConfigProperties, ...properties };
    const read = memoize(raw => {
        const config = checkConfig(name, schema, raw);
        return {
            exclude: compileGlobs(name, "exclude", config.exclude as string[]),
            exemptImages: compileGlobs(name, "exemptImages", config.exemptImages as string[]),
            rule: parse(config),
        };
    });
    return args => read(args.getConfig());
}

export function policyMetadata(meta: PolicyMetadata): Omit<ResourceValidationPolicy, "validateResource"> {
    return {
        name: meta.name,
        displayName: meta.displayName,
        description: meta.description,
        enforcementLevel: meta.enforcementLevel,
        severity: meta.severity,
        tags: meta.tags,
        framework: meta.framework,
        remediationSteps: meta.remediationSteps,
        url: `${docsBaseUrl}/${meta.name}.md`,
        configSchema: { properties: { ...commonConfigProperties, ...meta.config } as any },
    };
}

export function containerPolicy<C>(rule: ContainerRule<C>): ResourceValidationPolicy {
    const readConfig = configReader(rule.name, rule.config, config => rule.parseConfig(config));
    const inScope = (args: ResourceValidationArgs, props: ReturnType<typeof rawProps>) => {
        const workload = workloadOf(args.type, args.name, props);
        if (!workload) {
            return undefined;
        }
        const config = readConfig(args);
        if (isExcluded(workload, args.urn, config.exclude)) {
            return undefined;
        }
        const containers = workload.containers.filter(c => !isExempt(c, rule.name, config.exemptImages));
        return { workload, containers, config: config.rule };
    };
    return {
        ...policyMetadata(rule),
        validateResource: (args, reportViolation) => {
            const scope = inScope(args, rawProps(args.props));
            for (const { path, reason } of scope?.workload.unreadable ?? []) {
                if (reason !== "unknown") {
                    reportViolation(`${scope!.workload.label}: ${path} can't be read (${reason}), so its containers could not be checked.`);
                }
            }
            for (const container of scope?.containers ?? []) {
                rule.check(container, scope!.config, finding => reportViolation(renderFinding(container, finding)));
            }
        },
        remediateResource: rule.remediate && (args => {
            const props = cloneProps(rawProps(args.props));
            const scope = inScope(args, props);
            let changed = false;
            for (const container of scope?.containers ?? []) {
                changed = rule.remediate!(container, scope!.config) || changed;
            }
            return changed ? props : undefined;
        }),
    };
}

/** `Deployment shop/web, container "api"`; a Docker resource is its own container. */
export function describeContainer(container: Container): string {
    const label = container.workload.label;
    return container.shape === "kubernetes" ? `${label}, container "${container.name}"` : label;
}

export function renderFinding(container: Container, finding: Finding): string {
    return (
        `${describeContainer(container)}: ${fieldLocation(container, finding.field)} ${finding.problem}.\n` +
        `Why: ${finding.why}\n` +
        `Fix: ${finding.fix}`
    );
}

/**
 * The fix as Pulumi TypeScript for this container's resource kind, setting `field` (relative to
 * the container) to `valueSource` (TypeScript source): `containers[1].securityContext = { ... }`.
 */
export function fixSnippet(container: Container, field: readonly string[], valueSource: string): string {
    const [first, ...rest] = field;
    const nested = rest.reduceRight((inner, key) => `{ ${key}: ${inner} }`, valueSource);
    const name = JSON.stringify(container.workload.name);
    switch (container.shape) {
        case "kubernetes":
            return `${container.shortPath}.${first} = ${nested}`;
        case "dockerContainer":
            return `new docker.Container(${name}, { ...args, ${first}: ${nested} })`;
        case "dockerService":
            return `new docker.Service(${name}, { ...args, taskSpec: { containerSpec: { ...containerSpec, ${first}: ${nested} } } })`;
    }
}
