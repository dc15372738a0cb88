// Policy configuration: the common keys every policy takes (`exclude`, `exemptImages`), checking
// a config against the policy's own schema with messages that name the policy and key, and the
// exemptions a workload declares for itself.
import { compileGlob, Glob, GlobError } from "./glob";
import { Container, Workload } from "./workloads";
import { describeType, isObject, isUnknown, plain } from "./values";

/** The subset of JSON Schema that container-guard's config schemas use. */
export interface ConfigProperty {
    type: "array" | "integer" | "string" | "boolean";
    description: string;
    default?: unknown;
    items?: { type: "string"; minLength?: number } | { type: "integer"; minimum?: number; maximum?: number };
    /** The only values a string may take (`profile: "baseline" | "restricted"`). */
    enum?: readonly string[];
    minimum?: number;
    maximum?: number;
    minLength?: number;
    uniqueItems?: boolean;
}

/** The Pod Security Standards profiles a policy's `profile` key takes (a contract: DESIGN.md). */
export type PssProfile = "baseline" | "restricted";

/** The `profile` config key: one of the PSS profiles, baseline by default. */
export function pssProfileProperty(description: string): ConfigProperty {
    return { type: "string", enum: ["baseline", "restricted"] satisfies PssProfile[], default: "baseline", description };
}

export const commonConfigProperties: Record<"exclude" | "exemptImages", ConfigProperty> = {
    exclude: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description:
            "Globs of resources this policy skips, matched against the Pulumi resource name, its URN and, " +
            "for Kubernetes, `namespace/name`. `*` stops at `/`, `**` does not.",
    },
    exemptImages: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Globs of container images this policy skips, e.g. `docker.elastic.co/elasticsearch/*`.",
    },
};

export class ConfigError extends Error {
    constructor(policyName: string, key: string, problem: string) {
        super(`container-guard: policy "${policyName}", config key "${key}": ${problem}`);
    }
}

export interface CommonConfig {
    exclude: Glob[];
    exemptImages: Glob[];
}

/**
 * Checks a policy's config against its schema and applies defaults. The engine validates
 * `--policy-pack-config` against the schema too; this guards every other way a config arrives
 * (`Configure` from other clients, older CLIs) and compiles globs once per distinct config.
 */
export function checkConfig(
    policyName: string,
    schema: Record<string, ConfigProperty>,
    raw: unknown,
): Record<string, unknown> {
    if (raw !== undefined && !isObject(raw)) {
        throw new ConfigError(policyName, "(config)", `expected an object, found ${describeType(raw)}`);
    }
    const config: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema)) {
        const value = raw?.[key];
        if (value === undefined || value === null) {
            config[key] = property.default;
            continue;
        }
        checkValue(policyName, key, property, value);
        config[key] = value;
    }
    return config;
}

function checkValue(policyName: string, key: string, property: ConfigProperty, value: unknown): void {
    const fail = (problem: string) => {
        throw new ConfigError(policyName, key, problem);
    };
    switch (property.type) {
        case "array": {
            const items = property.items ?? { type: "string" };
            if (!Array.isArray(value)) {
                fail(`expected a list of ${items.type}s, found ${describeType(value)}`);
            }
            (value as unknown[]).forEach((item, i) => {
                const problem = items.type === "integer" ? integerProblem(item, items) : stringProblem(item, items.minLength);
                if (problem) {
                    fail(`item ${i} ${problem}`);
                }
            });
            break;
        }
        case "integer": {
            const problem = integerProblem(value, property);
            if (problem) {
                fail(problem);
            }
            break;
        }
        case "string":
            if (typeof value !== "string") {
                fail(`expected a string, found ${describeType(value)}`);
            } else if (property.enum && !property.enum.includes(value)) {
                fail(`must be one of ${property.enum.map(v => JSON.stringify(v)).join(", ")}, found ${JSON.stringify(value)}`);
            }
            break;
        case "boolean":
            if (typeof value !== "boolean") {
                fail(`expected a boolean, found ${describeType(value)}`);
            }
            break;
    }
}

function stringProblem(value: unknown, minLength = 0): string | undefined {
    if (typeof value !== "string") {
        return `should be a string, found ${describeType(value)}`;
    }
    return value.length < minLength ? "is an empty string" : undefined;
}

function integerProblem(value: unknown, bounds: { minimum?: number; maximum?: number }): string | undefined {
    if (typeof value !== "number" || !Number.isInteger(value)) {
        return `expected an integer, found ${describeType(value)}`;
    }
    if (bounds.minimum !== undefined && value < bounds.minimum) {
        return `must be at least ${bounds.minimum}, found ${value}`;
    }
    return bounds.maximum !== undefined && value > bounds.maximum ? `must be at most ${bounds.maximum}, found ${value}` : undefined;
}

export function compileGlobs(policyName: string, key: string, sources: readonly string[]): Glob[] {
    return sources.map((source, i) => compileConfigGlob(policyName, `${key}[${i}]`, source));
}

/** Compiles one glob from a config, naming the policy and key when it is bad. */
export function compileConfigGlob(policyName: string, key: string, source: string): Glob {
    try {
        return compileGlob(source);
    } catch (e) {
        if (e instanceof GlobError) {
            throw new ConfigError(policyName, key, `bad glob: ${e.message}`);
        }
        throw e;
    }
}

/** A config parsed once per distinct raw value: `getConfig()` returns a new object per call. */
export function memoize<T>(parse: (raw: unknown) => T): (raw: unknown) => T {
    const cache = new Map<string, T>();
    let last: { entries: Record<string, unknown>; count: number; parsed: T } | undefined;
    return raw => {
        if (last && sameEntries(last.entries, last.count, raw)) {
            return last.parsed;
        }
        const key = JSON.stringify(raw) ?? "";
        let parsed = cache.get(key);
        if (parsed === undefined) {
            parsed = parse(raw);
            if (cache.size > 32) {
                cache.clear();
            }
            cache.set(key, parsed);
        }
        last = isObject(raw) ? { entries: { ...raw }, count: Object.keys(raw).length, parsed } : undefined;
        return parsed;
    };
}

/**
 * Performance (docs/performance.md): the SDK's getConfig() copies the configured object at each
 * call, but the values it copies are the same objects until the next Configure, so comparing them
 * by identity spares serializing the config once per policy per resource.
 */
function sameEntries(entries: Record<string, unknown>, count: number, raw: unknown): boolean {
    if (!isObject(raw)) {
        return false;
    }
    let seen = 0;
    for (const key in raw) {
        if (entries[key] !== raw[key] || !(key in entries)) {
            return false;
        }
        seen++;
    }
    return seen === count;
}

/** Whether `exclude` matches the resource; a `namespace/name` computed at preview may match, so it counts. */
export function isExcluded(workload: Pick<Workload, "name" | "namespacedName">, urn: string, exclude: readonly Glob[]): boolean {
    if (exclude.length === 0) {
        return false;
    }
    if (isUnknown(workload.namespacedName)) {
        return true;
    }
    const subjects = [workload.name, urn, workload.namespacedName].filter((s): s is string => typeof s === "string");
    return exclude.some(glob => subjects.some(subject => glob.matches(subject)));
}

/**
 * Whether a container is out of a policy's scope: exempted by annotation or label, or its image
 * is exempt. An unknown image can't be matched, so when image exemptions are configured it is
 * skipped rather than risk a false violation during preview (`pulumi up` judges it known).
 */
export function isExempt(container: Container, policyName: string, exemptImages: readonly Glob[]): boolean {
    return exemptsPolicy(container.exemptions, policyName) || isExemptImage(container.image, exemptImages);
}

/** Whether exemption annotations or labels (policy names, or `*`) exempt a policy. */
export function exemptsPolicy(exemptions: ReadonlySet<string>, policyName: string): boolean {
    return exemptions.has(policyName) || exemptions.has("*");
}

/** Whether an image (or any of a list of image names) matches `exemptImages`; unknown counts as exempt, as above. */
export function isExemptImage(image: unknown, exemptImages: readonly Glob[]): boolean {
    if (exemptImages.length === 0) {
        return false;
    }
    if (Array.isArray(image)) {
        return image.some(item => isExemptImage(plain(item), exemptImages));
    }
    return isUnknown(image) || (typeof image === "string" && exemptImages.some(glob => glob.matches(image)));
}
