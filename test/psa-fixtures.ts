// Pod Security Admission's own labelled test data: the Go module k8s.io/pod-security-admission ships
// test/testdata/<level>/v1.<minor>/{pass,fail}/<check><n>.yaml, each a Pod that PSA at that level
// and version admits (pass) or rejects for that check (fail). Fetched at test time into the Go
// module cache (`go mod download`), never committed; without Go or the module proxy the specs fail.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyConfig, resolveConfig } from "../cli/config";
import { NotApplicable, validate } from "./helpers";

export const psaModule = "k8s.io/pod-security-admission@v0.37.2";
/** The newest version in the module, and the one whose seccomp and AppArmor fixtures use the older field forms. */
export const psaVersions = ["v1.37", "v1.25"] as const;
export type PsaLevel = "baseline" | "restricted";

export interface PsaFixture {
    level: PsaLevel;
    version: string;
    expect: "pass" | "fail";
    /** `restricted/v1.37/fail/seccompprofile_restricted0.yaml` */
    file: string;
    /** The check the file is about: its name without the number (`seccompprofile_restricted`, `base`). */
    check: string;
    /** The Pod, as the manifest has it. */
    object: any;
}

let moduleDir: string | undefined;

/** Where the module is, downloading it into the Go module cache the first time. */
export function psaModuleDir(): string {
    if (!moduleDir) {
        let output: string;
        try {
            output = execFileSync("go", ["mod", "download", "-json", psaModule], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
        } catch (e) {
            const error = e as { stderr?: string; message: string };
            throw new Error(`PSA's test data is fetched with \`go mod download -json ${psaModule}\`, which failed: ${error.stderr || error.message}`);
        }
        moduleDir = (JSON.parse(output) as { Dir: string }).Dir;
    }
    return moduleDir;
}

/** Every fixture of the given versions and levels, sorted by file. */
export function psaFixtures(versions: readonly string[] = psaVersions, levels: readonly PsaLevel[] = ["baseline", "restricted"]): PsaFixture[] {
    const root = path.join(psaModuleDir(), "test", "testdata");
    const fixtures: PsaFixture[] = [];
    for (const level of levels) {
        for (const version of versions) {
            for (const expect of ["pass", "fail"] as const) {
                const dir = path.join(root, level, version, expect);
                for (const name of fs.readdirSync(dir).filter(f => f.endsWith(".yaml")).sort()) {
                    fixtures.push({
                        level,
                        version,
                        expect,
                        file: `${level}/${version}/${expect}/${name}`,
                        check: name.replace(/\d*\.yaml$/, ""),
                        object: yaml.load(fs.readFileSync(path.join(dir, name), "utf8")),
                    });
                }
            }
        }
    }
    return fixtures;
}

export interface Verdict {
    policy: string;
    level: "advisory" | "mandatory";
    message: string;
}

/**
 * What the policies report for one resource under a `--policy-pack-config` (read as
 * `container-guard scan --config` reads it): each violation with its level; disabled policies and
 * not-applicable ones report nothing.
 */
export function verdictsUnder(policies: readonly ResourceValidationPolicy[], config: ReadonlyMap<string, PolicyConfig>, type: string, props: object): Verdict[] {
    const verdicts: Verdict[] = [];
    for (const policy of policies) {
        const { level, properties } = config.get(policy.name)!;
        if (level === "disabled") {
            continue;
        }
        try {
            for (const message of validate(policy, type, props, { config: properties })) {
                const own = /^\[(advisory|mandatory)\] /.exec(message);
                verdicts.push({ policy: policy.name, level: own ? (own[1] as Verdict["level"]) : level === "advisory" ? "advisory" : "mandatory", message });
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) {
                throw e;
            }
        }
    }
    return verdicts;
}

/** A preset of examples/config (or any config file), resolved for these policies. */
export function presetConfig(policies: readonly ResourceValidationPolicy[], file: string): Map<string, PolicyConfig> {
    return resolveConfig(policies, JSON.parse(fs.readFileSync(file, "utf8")), file);
}

/** A fixture's Pod as another workload kind: its metadata becomes the pod template's. */
export function asWorkload(kind: "Deployment" | "CronJob", pod: any): { type: string; props: object } {
    const template = { metadata: pod.metadata ?? {}, spec: pod.spec };
    const metadata = { name: pod.metadata?.name ?? "fixture", namespace: "psa" };
    return kind === "Deployment"
        ? { type: "kubernetes:apps/v1:Deployment", props: { metadata, spec: { selector: {}, template } } }
        : { type: "kubernetes:batch/v1:CronJob", props: { metadata, spec: { schedule: "@daily", jobTemplate: { spec: { template } } } } };
}

/** Property → the input type it holds (`core.v1.PodSpec`), or null for a scalar; `map` for free-form keys. */
type ProviderTypes = Map<string, Map<string, string | null | "map">>;
let providerTypes: ProviderTypes | undefined;

/** The input types @pulumi/kubernetes declares (types/input.d.ts: `namespace core { namespace v1 { interface PodSpec { ... } } }`). */
function kubernetesProviderTypes(): ProviderTypes {
    if (providerTypes) {
        return providerTypes;
    }
    const text = fs.readFileSync(require.resolve("@pulumi/kubernetes/types/input.d.ts"), "utf8");
    providerTypes = new Map();
    let group = "";
    let version = "";
    let current: Map<string, string | null | "map"> | undefined;
    for (const line of text.split("\n")) {
        const namespace = /^export declare namespace (\w+) \{/.exec(line) ?? undefined;
        const inner = /^ {4}namespace (\w+) \{/.exec(line) ?? undefined;
        const declared = /^ {8}interface (\w+) \{/.exec(line) ?? undefined;
        const property = /^ {12}(\w+)\??: (.*)$/.exec(line) ?? undefined;
        if (namespace) {
            group = namespace[1];
        } else if (inner) {
            version = inner[1];
        } else if (declared) {
            current = new Map();
            providerTypes.set(`${group}.${version}.${declared[1]}`, current);
        } else if (property && current) {
            const type = /inputs\.(\w+\.\w+\.\w+)/.exec(property[2]);
            current.set(property[1], property[2].includes("[key: string]") ? "map" : type ? type[1] : null);
        }
    }
    return providerTypes;
}

/** The fields of a manifest object that the Kubernetes provider's input types don't have: a Pulumi program can't set them. */
export function fieldsTheProviderLacks(object: unknown, type = "core.v1.Pod", at = ""): string[] {
    const fields = kubernetesProviderTypes().get(type);
    if (!fields || typeof object !== "object" || object === null) {
        return [];
    }
    const lacking: string[] = [];
    for (const [key, value] of Object.entries(object)) {
        const path = at ? `${at}.${key}` : key;
        const inner = fields.get(key);
        if (inner === undefined) {
            lacking.push(path);
        } else if (inner !== null && inner !== "map") {
            for (const item of Array.isArray(value) ? value : [value]) {
                lacking.push(...fieldsTheProviderLacks(item, inner, path));
            }
        }
    }
    return [...new Set(lacking)];
}

/**
 * Where policies disagree with PSA on the checks they own, at one level: every fixture of that level
 * (newest and v1.25), as a Pod, a Deployment and a CronJob, should get a mandatory violation under
 * `config` exactly when it is a fail/ file of one of `checks`. `owned` counts those files.
 */
export function ownedCheckDisagreements(policies: readonly ResourceValidationPolicy[], config: ReadonlyMap<string, PolicyConfig>, level: PsaLevel, checks: readonly string[]): { owned: number; wrong: string[] } {
    const wrong: string[] = [];
    let owned = 0;
    for (const fixture of psaFixtures(psaVersions, [level])) {
        const expected = fixture.expect === "fail" && checks.includes(fixture.check);
        owned += expected ? 1 : 0;
        for (const { type, props } of [{ type: "kubernetes:core/v1:Pod", props: fixture.object as object }, asWorkload("Deployment", fixture.object), asWorkload("CronJob", fixture.object)]) {
            const mandatory = verdictsUnder(policies, config, type, props).filter(v => v.level === "mandatory");
            if ((mandatory.length > 0) !== expected) {
                wrong.push(`${fixture.file} as ${type}: ${mandatory.map(v => v.message).join(" / ") || "no violation"}`);
            }
        }
    }
    return { owned, wrong };
}
