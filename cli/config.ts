// The `--policy-pack-config` file of `pulumi preview`, read as the Pulumi CLI reads it
// (pkg/resource/analyzer/config.go: an enforcement level or an object per policy, `all` for
// every policy; each policy's schema defaults, then `all`, then the policy's own entry) and
// checked against each policy's schema by the pack's own `checkConfig`. Stricter than the CLI in
// one way: a policy name or key the pack doesn't have is an error, as it is almost always a typo.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checkConfig, ConfigError, ConfigProperty } from "../policies/lib/config";
import { describeType, isObject } from "../policies/lib/values";
import { parseJsonDocument } from "./json-source";
import { EncodingWarning, readSmallText } from "./read";
import { configErrorsOf } from "./run";
import { SourceError } from "./source";

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";
const levels: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface PolicyConfig {
    level: Level;
    /** What `getConfig()` returns: the schema defaults with the user's values on top. */
    properties: Record<string, unknown>;
}

/** A problem with the command line or the config file, or several (all a config file has): exit code 2. */
export class UsageError extends Error {
    readonly problems: string[];

    constructor(...problems: string[]) {
        super(problems.join("\n"));
        this.problems = problems;
    }
}

function isLevel(value: unknown): value is Level {
    return typeof value === "string" && levels.includes(value);
}

/** A ConfigError from the pack (it names the policy and key), as a problem naming the config file. */
export function configFileProblem(source: string, error: ConfigError): string {
    return `--config ${source}: ${error.message.replace(/^container-guard: /, "")}`;
}

/** Far more than a config of every policy takes: a path that leads to a device or a huge file is refused. */
const maxConfigBytes = 4 * 2 ** 20;

/** Reads a config file: JSON, an object; an empty file is no config, as for the Pulumi CLI. */
export function readConfigFile(file: string, warn: EncodingWarning): unknown {
    const read = readSmallText(file, maxConfigBytes, warn, { streams: true });
    if ("problem" in read) {
        throw new UsageError(`--config ${file}: ${read.problem}`);
    }
    const { text } = read;
    if (text.trim() === "") {
        return {};
    }
    try {
        return parseJsonDocument(file, { text, line: 1 }).value;
    } catch (e) {
        if (e instanceof SourceError) {
            throw new UsageError(`--config ${file}:${e.location.line}:${e.location.column}: not valid JSON: ${e.message}`);
        }
        throw e;
    }
}

function schemaOf(policy: ResourceValidationPolicy): Record<string, ConfigProperty> {
    return (policy.configSchema?.properties ?? {}) as Record<string, ConfigProperty>;
}

/**
 * Each policy's level and config, from the user's config (`{}` for none). Throws a UsageError with
 * every problem the config has, each naming the config file and the policy and key.
 */
export function resolveConfig(policies: readonly ResourceValidationPolicy[], user: unknown, source: string): Map<string, PolicyConfig> {
    const problems: string[] = [];
    const problem = (text: string) => problems.push(`--config ${source}: ${text}`);
    if (!isObject(user)) {
        throw new UsageError(`--config ${source}: expected a JSON object of policy names, found ${describeType(user)}`);
    }
    const entries = user as Record<string, unknown>;
    const names = policies.map(p => p.name);
    const levelOf = (key: string, value: unknown): Level | undefined => {
        if (value === undefined || isLevel(value)) {
            return value;
        }
        problem(`"${key}": ${JSON.stringify(value)} is not an enforcement level (${levels.join(", ")})`);
        return undefined;
    };
    const all = entries.all;
    const allLevel = levelOf("all", isObject(all) ? all.enforcementLevel : all);
    if (isObject(all) && Object.keys(all).some(key => key !== "enforcementLevel")) {
        problem(`"all" takes only an enforcement level`);
    }
    for (const key of Object.keys(entries)) {
        if (key !== "all" && !names.includes(key)) {
            problem(`"${key}" is not a policy of container-guard (its policies: ${names.join(", ")})`);
        }
    }
    const result = new Map<string, PolicyConfig>();
    for (const policy of policies) {
        const entry = entries[policy.name];
        if (entry !== undefined && typeof entry !== "string" && !isObject(entry)) {
            problem(`"${policy.name}": expected an enforcement level or an object, found ${describeType(entry)}`);
        }
        const { enforcementLevel, ...properties } = isObject(entry) ? entry : { enforcementLevel: entry };
        const schema = schemaOf(policy);
        const defaults = Object.fromEntries(Object.entries(schema).filter(([, p]) => p.default !== undefined).map(([key, p]) => [key, p.default]));
        const merged: Record<string, unknown> = { ...defaults };
        for (const [key, value] of Object.entries(properties)) {
            if (!(key in schema)) {
                problems.push(configFileProblem(source, new ConfigError(policy.name, key, `not a config key of this policy (its keys: ${Object.keys(schema).join(", ")})`)));
                continue;
            }
            // Key by key, so that every bad key is told, not the first.
            try {
                checkConfig(policy.name, { [key]: schema[key] }, { [key]: value });
                merged[key] = value;
            } catch (e) {
                if (!(e instanceof ConfigError)) {
                    throw e;
                }
                problems.push(configFileProblem(source, e));
            }
        }
        result.set(policy.name, {
            level: levelOf(policy.name, enforcementLevel) ?? allLevel ?? policy.enforcementLevel ?? "advisory",
            properties: merged,
        });
    }
    // What a policy checks only as it parses its config (globs), on the keys that passed.
    problems.push(...configErrorsOf(policies, result).map(e => configFileProblem(source, e)));
    if (problems.length > 0) {
        throw new UsageError(...problems);
    }
    return result;
}
