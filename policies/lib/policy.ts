// Builds a CrossGuard policy from a per-container rule: the rule sees one container at a time,
// already filtered by `exclude`, `exemptImages` and exemption annotations/labels, and reports
// findings that this module renders into the message shape of DESIGN.md. A rule may also judge
// pod-level fields once per pod, and declare kinds it can't judge as not applicable.
import { readFileSync } from "fs";
import { join } from "path";
import { EnforcementLevel, PolicyComplianceFramework, ResourceValidationArgs, ResourceValidationPolicy, Severity } from "@pulumi/policy";
import { checkConfig, CommonConfig, commonConfigProperties, compileGlobs, ConfigProperty, exemptsPolicy, isExcluded, isExempt, memoize } from "./config";
import { Glob } from "./glob";
import { derivedOnce } from "./per-resource";
import { cloneProps, JsonObject, quote, rawProps } from "./values";
import { Container, fieldLocation, Pod, Workload, workloadOf } from "./workloads";

/** What every policy declares besides its logic; docs and Pulumi Cloud show it. */
export interface PolicyMetadata {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    severity: Severity;
    /** Controls the policy implements (`cis-docker-1.6.0:5.13`, see lib/controls.ts), then platforms (`kubernetes`, `docker`). */
    tags: string[];
    /** The primary control, from `complianceFramework` in lib/controls.ts. */
    framework?: PolicyComplianceFramework;
    remediationSteps: string;
    /** The policy's own config keys, besides `exclude` and `exemptImages`. */
    config: Record<string, ConfigProperty>;
}

/** The pack's package.json (bin/policies/lib and build/policies/lib are both three levels down). */
const packageJson: { repository?: unknown } = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8"));

/**
 * Where a policy's reference page is: on GitHub when package.json `repository` names a GitHub
 * repository (`https://github.com/owner/repo`, `git+https://...git`, optionally with `directory`),
 * otherwise its path inside the package, which ships docs/.
 */
export function docsUrl(policyName: string, repository: unknown = packageJson.repository): string {
    const page = `docs/policies/${policyName}.md`;
    const { url, directory } = (typeof repository === "string" ? { url: repository } : repository ?? {}) as { url?: unknown; directory?: unknown };
    const github = typeof url === "string" ? /^(?:git\+)?(https:\/\/github\.com\/[^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url) : null;
    if (!github) {
        return page;
    }
    const prefix = typeof directory === "string" && directory !== "" ? `${directory.replace(/\/+$/, "")}/` : "";
    return `${github[1]}/blob/HEAD/${prefix}${page}`;
}

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
    /** `field` is from the resource's root, not the container's (a docker.Service's `endpointSpec`: workloads.ts Place). */
    fromResource?: true;
}

export interface ContainerRule<C> extends PolicyMetadata {
    /** Turns the checked config (defaults applied) into what `check` needs. */
    parseConfig(config: Record<string, unknown>): C;
    check(container: Container, config: C, report: (finding: Finding) => void): void;
    /** Fixes the container in place (on a copy of the props); returns whether anything changed. */
    remediate?(container: Container, config: C): boolean;
    /** Pod-level settings (Kubernetes), judged once per pod; a finding's `field` is relative to the pod spec. */
    checkPod?(pod: Pod, config: C, report: (finding: Finding) => void): void;
    /** Fixes the pod spec in place (on a copy of the props); returns whether anything changed. */
    remediatePod?(pod: Pod, config: C): boolean;
    /** Why the rule can't judge this kind of workload at all; reported through `args.notApplicable`. */
    notApplicable?(workload: Workload): string | undefined;
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
        url: docsUrl(meta.name),
        configSchema: { properties: { ...commonConfigProperties, ...meta.config } as any },
    };
}

export function containerPolicy<C>(rule: ContainerRule<C>): ResourceValidationPolicy {
    const readConfig = configReader(rule.name, rule.config, config => rule.parseConfig(config));
    // Remediation works on a copy of its own, which it changes: its view is not shared.
    const inScope = (args: ResourceValidationArgs, props: JsonObject, remediating = false) => {
        const workload = remediating
            ? workloadOf(args.type, args.name, props)
            : derivedOnce(args, props, rule.name, "workload", () => workloadOf(args.type, args.name, props));
        if (!workload) {
            return undefined;
        }
        // A wrong config is reported on every resource, even one the rule can't judge.
        const config = readConfig(args);
        const notApplicable = rule.notApplicable?.(workload);
        if (notApplicable) {
            declareNotApplicable(args, notApplicable);
        }
        if (isExcluded(workload, args.urn, config.exclude)) {
            return undefined;
        }
        const { containers, pods } = judgedParts(workload, rule.name, config.exemptImages);
        return { workload, containers, pods, config: config.rule };
    };
    return {
        ...policyMetadata(rule),
        validateResource: (args, reportViolation) => {
            const scope = inScope(args, rawProps(args.props));
            if (!scope) {
                return;
            }
            const { workload, config } = scope;
            for (const { path, reason } of workload.unreadable) {
                if (reason !== "unknown") {
                    reportViolation(`${workload.label}: ${path} can't be read (${reason}), so its containers could not be checked.`);
                }
            }
            if (rule.checkPod) {
                for (const pod of scope.pods) {
                    rule.checkPod(pod, config, finding => reportViolation(renderPodFinding(workload, pod, finding)));
                }
            }
            for (const container of scope.containers) {
                rule.check(container, config, finding => reportViolation(renderFinding(container, finding)));
            }
        },
        remediateResource: (rule.remediate || rule.remediatePod) && (args => {
            const props = cloneProps(rawProps(args.props));
            const scope = inScope(args, props, true);
            let changed = false;
            for (const pod of scope?.pods ?? []) {
                changed = rule.remediatePod?.(pod, scope!.config) || changed;
            }
            for (const container of scope?.containers ?? []) {
                changed = rule.remediate?.(container, scope!.config) || changed;
            }
            return changed ? props : undefined;
        }),
    };
}

/**
 * The containers and pods a policy judges: every one, unless exemptions take some out (the usual
 * workload has none, and then this allocates nothing: performance). A pod is judged when one of
 * its containers is, or when it declares none (a patch of pod fields) and isn't exempt itself.
 */
function judgedParts(workload: Workload, policyName: string, exemptImages: readonly Glob[]): Pick<Workload, "containers" | "pods"> {
    const exempt = (container: Container) => isExempt(container, policyName, exemptImages);
    const podExempt = (pod: Pod) => exemptsPolicy(pod.exemptions, policyName);
    if (!workload.containers.some(exempt) && !workload.pods.some(podExempt)) {
        return workload;
    }
    const containers = workload.containers.filter(c => !exempt(c));
    const judged = new Set(containers.map(c => c.pod));
    const declaring = new Set(workload.containers.map(c => c.pod));
    return { containers, pods: workload.pods.filter(pod => (declaring.has(pod) ? judged.has(pod) : !podExempt(pod))) };
}

/**
 * `args.notApplicable(reason)`, which throws an error only for the SDK to read its reason: without
 * capturing a stack trace, which costs more than judging a container (docs/performance.md).
 */
export function declareNotApplicable(args: Pick<ResourceValidationArgs, "notApplicable">, reason: string): never {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return args.notApplicable(reason);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

/** `Deployment shop/web, container "api"`; a Docker resource is its own container. */
export function describeContainer(container: Container): string {
    const label = container.workload.label;
    return container.shape === "kubernetes" ? `${label}, container "${container.name}"` : label;
}

export function renderFinding(container: Container, finding: Finding): string {
    const location = finding.fromResource ? finding.field.join(".") : fieldLocation(container, finding.field);
    return render(describeContainer(container), location, finding);
}

/**
 * A pod-level finding names the workload and the pod field: `Deployment shop/web: spec.template.spec.hostPID ...`;
 * with `fromResource`, a field outside the pod spec (its template's annotations), from the resource's root.
 */
export function renderPodFinding(workload: Workload, pod: Pod, finding: Finding): string {
    return render(workload.label, finding.fromResource ? finding.field.join(".") : [pod.path, ...finding.field].join("."), finding);
}

/** A finding on a resource that is not a workload (an image build): `docker.Image app: build.args.X ...`. */
export function render(subject: string, location: string, finding: Finding): string {
    return `${subject}: ${location} ${finding.problem}.\n` + `Why: ${finding.why}\n` + `Fix: ${finding.fix}`;
}

/**
 * The fix as Pulumi TypeScript for this container's resource kind, setting `field` (relative to
 * the container) to `valueSource` (TypeScript source): `containers[1].securityContext = { ... }`.
 */
export function fixSnippet(container: Container, field: readonly string[], valueSource: string): string {
    const nested = nestedValue(field, valueSource);
    const first = field[0];
    switch (container.shape) {
        case "kubernetes":
            return `${container.shortPath}.${first} = ${nested}`;
        case "dockerContainer":
            return `new docker.Container(${quote(container.workload.name)}, { ...args, ${first}: ${nested} })`;
        case "dockerService":
            return `new docker.Service(${quote(container.workload.name)}, { ...args, taskSpec: { containerSpec: { ...containerSpec, ${first}: ${nested} } } })`;
        case "composeService": {
            // Compose YAML rather than TypeScript: `services.web.cap_drop: ["ALL"]`.
            const key = `services.${container.workload.name}.${field.join(".")}`;
            return valueSource === "undefined" ? `remove ${key}` : `${key}: ${valueSource}`;
        }
    }
}

/**
 * The fix for a setting a docker.Service keeps outside its containerSpec, as Pulumi TypeScript:
 * `field` is a path from the resource's root to the setting (`["endpointSpec", "ports"]`), without indexes.
 */
export function serviceFixSnippet(workload: Workload, field: readonly string[], valueSource: string): string {
    let nested = valueSource;
    for (let i = field.length - 1; i > 0; i--) {
        nested = `{ ...args.${field.slice(0, i).join(".")}, ${field[i]}: ${nested} }`;
    }
    return `new docker.Service(${quote(workload.name)}, { ...args, ${field[0]}: ${nested} })`;
}

/** `field` below its first key as an object literal: `["securityContext", "seccompProfile"]`, `v` -> `{ seccompProfile: v }`. */
function nestedValue(field: readonly string[], valueSource: string): string {
    let nested = valueSource;
    for (let i = field.length - 1; i > 0; i--) {
        nested = `{ ${field[i]}: ${nested} }`;
    }
    return nested;
}

/** The fix for a pod-level field (relative to the pod spec): `spec.template.spec.securityContext = { seccompProfile: ... }`. */
export function podFixSnippet(pod: Pod, field: readonly string[], valueSource: string): string {
    return `${pod.path}.${field[0]} = ${nestedValue(field, valueSource)}`;
}
