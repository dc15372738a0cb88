// The `--policy-pack-config` file of `pulumi preview`, read as the Pulumi CLI reads it
// (pkg/resource/analyzer/config.go: an enforcement level or an object per policy, `all` for
// every policy; each policy's schema defaults, then `all`, then the policy's own entry) and
// checked against each policy's schema by the pack's own `checkConfig`. Stricter than the CLI in
// one way: a policy name or key the pack doesn't have is an error, as it is almost always a typo.
import * as fs from "fs";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checkConfig, ConfigError, ConfigProperty } from "../policies/lib/config";
import { describeType, isObject } from "../policies/lib/values";

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";
const levels: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface PolicyConfig {
    level: Level;
    /** What `getConfig()` returns: the schema defaults with the user's values on top. */
    properties: Record<string, unknown>;
}

/** A problem with the command line or the config file: exit code 2. */
export class UsageError extends Error {}

function isLevel(value: unknown): value is Level {
    return typeof value === "string" && levels.includes(value);
}

/** A ConfigError from the pack (it names the policy and key), as a usage error naming the config file. */
export function configFileError(source: string, error: ConfigError): UsageError {
    return new UsageError(`--config ${source}: ${error.message.replace(/^container-guard: /, "")}`);
}

/** Reads a config file: JSON, an object; an empty file is no config, as for the Pulumi CLI. */
export function readConfigFile(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`--config ${file}: can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (text.trim() === "") {
        return {};
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new UsageError(`--config ${file}: not valid JSON (${(e as Error).message})`);
    }
}

function schemaOf(policy: ResourceValidationPolicy): Record<string, ConfigProperty> {
    return (policy.configSchema?.properties ?? {}) as Record<string, ConfigProperty>;
}

/** Each policy's level and config, from the user's config (`{}` for none). */
export function resolveConfig(policies: readonly ResourceValidationPolicy[], user: unknown, source: string): Map<string, PolicyConfig> {
    const fail = (problem: string): never => {
        throw new UsageError(`--config ${source}: ${problem}`);
    };
    if (!isObject(user)) {
        fail(`expected a JSON object of policy names, found ${describeType(user)}`);
    }
    const entries = user as Record<string, unknown>;
    const names = policies.map(p => p.name);
    const levelOf = (key: string, value: unknown): Level | undefined => {
        if (value === undefined) {
            return undefined;
        }
        return isLevel(value) ? value : fail(`"${key}": ${JSON.stringify(value)} is not an enforcement level (${levels.join(", ")})`);
    };
    const all = entries.all;
    const allLevel = levelOf("all", isObject(all) ? all.enforcementLevel : all);
    if (isObject(all) && Object.keys(all).some(key => key !== "enforcementLevel")) {
        fail(`"all" takes only an enforcement level`);
    }
    for (const key of Object.keys(entries)) {
        if (key !== "all" && !names.includes(key)) {
            fail(`"${key}" is not a policy of container-guard (its policies: ${names.join(", ")})`);
        }
    }
    const result = new Map<string, PolicyConfig>();
    for (const policy of policies) {
        const entry = entries[policy.name];
        if (entry !== undefined && typeof entry !== "string" && !isObject(entry)) {
            fail(`"${policy.name}": expected an enforcement level or an object, found ${describeType(entry)}`);
        }
        const { enforcementLevel, ...properties } = isObject(entry) ? entry : { enforcementLevel: entry };
        const schema = schemaOf(policy);
        for (const key of Object.keys(properties)) {
            if (!(key in schema)) {
                throw configFileError(source, new ConfigError(policy.name, key, `not a config key of this policy (its keys: ${Object.keys(schema).join(", ")})`));
            }
        }
        const defaults = Object.fromEntries(Object.entries(schema).filter(([, p]) => p.default !== undefined).map(([key, p]) => [key, p.default]));
        const merged = { ...defaults, ...properties };
        try {
            checkConfig(policy.name, schema, merged);
        } catch (e) {
            throw e instanceof ConfigError ? configFileError(source, e) : e;
        }
        result.set(policy.name, {
            level: levelOf(policy.name, enforcementLevel) ?? allLevel ?? policy.enforcementLevel ?? "advisory",
            properties: merged,
        });
    }
    return result;
}
