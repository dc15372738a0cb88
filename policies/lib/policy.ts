// Builds a CrossGuard policy from a per-container rule: the rule sees one container at a time,
// already filtered by `exclude`, `exemptImages` and exemption annotations/labels, and reports
// findings that this module renders into the message shape of DESIGN.md. A rule may also judge
// pod-level fields once per pod, and declare kinds it can't judge as not applicable.
import { readFileSync } from "fs";
import { join } from "path";
import { EnforcementLevel, PolicyComplianceFramework, ResourceValidationArgs, ResourceValidationPolicy, Severity } from "@pulumi/policy";
import { checkConfig, CommonConfig, commonConfigProperties, compileGlobs, ConfigProperty, exemptsPolicy, isExcluded, isExempt, memoize } from "./config";
import { dialectOf } from "./dialect";
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
    /** The fix, in the dialect of the resource's source (see `fixSnippet`): a Pulumi TypeScript snippet, or YAML. */
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
            ? workloadOf(args.type, args.name, props, dialectOf(args))
            : derivedOnce(args, props, rule.name, "workload", () => workloadOf(args.type, args.name, props, dialectOf(args)));
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

// ---------------------------------------------------------------------------------------------
// Fixes, in the dialect of the resource's source (dialect.ts). A value is given as source text that
// reads the same in TypeScript and in YAML's flow style (`true`, `["ALL"]`, `{ type: "RuntimeDefault" }`),
// or `"undefined"` to remove the field. A Pulumi program gets an assignment in TypeScript; a YAML
// file, the field's path from the document's root set to the value (`spec.template.spec.containers[1].securityContext.capabilities.drop: ["ALL"]`)
// or removed (`remove services.web.pid`), with `#` before a note instead of `//`.

/** Whether fixes for this workload are written in YAML (a manifest or a Compose file the scan read). */
function inYaml(workload: Pick<Workload, "dialect">): boolean {
    return workload.dialect !== "pulumi";
}

/** ` // note` in TypeScript, ` # note` in YAML; nothing without a note. */
export function fixNote(workload: Pick<Workload, "dialect">, note: string | undefined): string {
    return note === undefined ? "" : inYaml(workload) ? ` # ${note}` : ` // ${note}`;
}

/** A YAML fix: `path: value`, or `remove path`. */
function yamlFix(path: string, valueSource: string): string {
    return valueSource === "undefined" ? `remove ${path}` : `${path}: ${valueSource}`;
}

/** Where a container is written in its YAML file: `spec.template.spec.containers[1]`, `services.web`. */
export function yamlPathOf(container: Container): string {
    const name = container.workload.name;
    return container.shape === "composeService" ? `services${/^[\w-]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}` : container.path;
}

/**
 * The fix setting `field` (relative to the container) to `valueSource`: in Pulumi TypeScript for
 * the container's resource kind (`containers[1].securityContext = { capabilities: { drop: ["ALL"] } }`),
 * in YAML for a file (`spec.template.spec.containers[1].securityContext.capabilities.drop: ["ALL"]`).
 */
export function fixSnippet(container: Container, field: readonly string[], valueSource: string, note?: string): string {
    return containerFix(container, field, valueSource) + fixNote(container.workload, note);
}

function containerFix(container: Container, field: readonly string[], valueSource: string): string {
    if (inYaml(container.workload)) {
        return yamlFix(`${yamlPathOf(container)}.${field.join(".")}`, valueSource);
    }
    const nested = nestedValue(field, valueSource);
    const first = field[0];
    switch (container.shape) {
        case "kubernetes":
        case "composeService": // only ever read from a file: YAML above
            return `${container.shortPath}.${first} = ${nested}`;
        case "dockerContainer":
            return `new docker.Container(${quote(container.workload.name)}, { ...args, ${first}: ${nested} })`;
        case "dockerService":
            return `new docker.Service(${quote(container.workload.name)}, { ...args, taskSpec: { containerSpec: { ...containerSpec, ${first}: ${nested} } } })`;
    }
}

/** Like fixSnippet, but a Pulumi fix assigns the field itself (`containers[0].livenessProbe.httpGet.host = undefined`), not its first key. */
export function leafFixSnippet(container: Container, field: readonly string[], valueSource: string, note?: string): string {
    const fix = inYaml(container.workload) ? containerFix(container, field, valueSource) : `${container.shortPath}.${field.join(".")} = ${valueSource}`;
    return fix + fixNote(container.workload, note);
}

/** The fix for a field written from the resource's root (`spec.template.metadata.annotations[...]`): `location = value`, or YAML. */
export function resourceFixSnippet(workload: Workload, location: string, valueSource: string, note?: string): string {
    return (inYaml(workload) ? yamlFix(location, valueSource) : `${location} = ${valueSource}`) + fixNote(workload, note);
}

/** A change to one entry of a list field: its path (`["devices[0]"]`, relative to the container or pod spec), or the item added, as source text. */
export type ListChange = { remove: readonly string[] } | { add: string } | { replace: readonly string[]; with: string };

/**
 * The fix that changes one entry of the list field `list`: in YAML, on that entry (`remove
 * services.web.devices[0]`, `add "no-new-privileges=true" to services.web.security_opt`,
 * `services.web.security_opt[1]: "no-new-privileges=true"`); in Pulumi TypeScript, the list set to
 * `typescriptList`, an expression that makes the change (`devices.filter(d => d.hostPath !== "/dev/fuse")`).
 */
export function listFix(site: Container | Pod, list: readonly string[], change: ListChange, typescriptList: string, note?: string): string {
    const container = "shortPath" in site;
    const set = (field: readonly string[], valueSource: string) => (container ? fixSnippet(site, field, valueSource, note) : podFixSnippet(site, field, valueSource, note));
    if (!inYaml(site.workload)) {
        return set(list, typescriptList);
    }
    if ("remove" in change) {
        return set(change.remove, "undefined");
    }
    if ("replace" in change) {
        return set(change.replace, change.with);
    }
    const path = `${container ? yamlPathOf(site) : site.path}.${list.join(".")}`;
    return `add ${change.add} to ${path}${fixNote(site.workload, note)}`;
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

/** The fix for a pod-level field (relative to the pod spec): `spec.template.spec.securityContext = { seccompProfile: ... }`, or YAML. */
export function podFixSnippet(pod: Pod, field: readonly string[], valueSource: string, note?: string): string {
    const fix = inYaml(pod.workload) ? yamlFix(`${pod.path}.${field.join(".")}`, valueSource) : `${pod.path}.${field[0]} = ${nestedValue(field, valueSource)}`;
    return fix + fixNote(pod.workload, note);
}
