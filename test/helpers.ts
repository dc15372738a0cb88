// Drives a policy the way @pulumi/policy's server does: props behind the SDK's unknown-checking
// proxy, config from getConfig(), violations collected as the server would report them.
import * as assert from "assert";
import { ResourceValidationPolicy, Secret } from "@pulumi/policy";
import { kubernetesWorkloadKinds } from "../policies/lib/workloads";

/** The SDK's own proxy (internal to @pulumi/policy, so not in its typings). */
export const unknownCheckingProxy: (props: object) => object = require("@pulumi/policy/proxy").unknownCheckingProxy;

export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
export const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";
export const UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";

export interface RunOptions {
    config?: Record<string, unknown>;
    name?: string;
    urn?: string;
}

/** What the SDK hands a validation, around the (proxied) props. */
export function validationArgs(type: string, options: RunOptions, proxied: object) {
    const name = options.name ?? "web";
    return {
        type,
        props: proxied,
        urn: options.urn ?? `urn:pulumi:dev::shop::${type}::${name}`,
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => options.config ?? {},
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    } as any;
}

export class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason);
    }
}

/**
 * The violation messages a policy reports for one resource. A violation reported in the SDK's
 * diagnostic-object form (to set its own level) comes back as `[<level>] <message>`.
 */
export function validate(policy: ResourceValidationPolicy, type: string, props: object, options: RunOptions = {}): string[] {
    const messages: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    const report = (m: string | { message: string; enforcementLevel: string }) => messages.push(typeof m === "string" ? m : `[${m.enforcementLevel}] ${m.message}`);
    for (const v of validations) {
        const result = v(validationArgs(type, options, unknownCheckingProxy(JSON.parse(JSON.stringify(props)))), report as (m: string) => void);
        if (result instanceof Promise) {
            throw new Error("policy returned a promise; use validateAsync");
        }
    }
    return messages;
}

/** The props a policy's remediation returns (undefined: no change). Secrets may be wrapped. */
export function remediate(policy: ResourceValidationPolicy, type: string, props: object, options: RunOptions = {}): any {
    const copy = JSON.parse(JSON.stringify(props), (_k, v) => (v && v.__secret !== undefined ? new Secret(v.__secret) : v));
    const result = policy.remediateResource!(validationArgs(type, options, unknownCheckingProxy(copy)));
    return result === undefined ? undefined : JSON.parse(JSON.stringify(result, (_k, v) => (v instanceof Secret ? { __secret: v.value } : v)));
}

/** Every Kubernetes workload token @pulumi/kubernetes ships, read from the installed package. */
export function kubernetesTypeTokens(): string[] {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const root = path.dirname(require.resolve("@pulumi/kubernetes/package.json"));
    const tokens: string[] = [];
    for (const group of fs.readdirSync(root)) {
        const groupDir = path.join(root, group);
        if (!fs.statSync(groupDir).isDirectory()) {
            continue;
        }
        for (const version of fs.readdirSync(groupDir)) {
            const versionDir = path.join(groupDir, version);
            if (!fs.statSync(versionDir).isDirectory()) {
                continue;
            }
            for (const file of fs.readdirSync(versionDir)) {
                if (!file.endsWith(".js")) {
                    continue;
                }
                const match = /__pulumiType = '([^']+)'/.exec(fs.readFileSync(path.join(versionDir, file), "utf8"));
                if (match) {
                    tokens.push(match[1]);
                }
            }
        }
    }
    return tokens;
}

/** A resource of a Kubernetes kind with `podSpec` where that kind keeps it. */
export function kubernetesResource(type: string, podSpec: object, metadata: object = { name: "web", namespace: "shop" }): any {
    const kind = type.split(":")[2].replace(/(Patch|List)$/, "");
    const path = kubernetesWorkloadKinds[kind];
    let inner: any = podSpec;
    for (let i = path.length - 1; i >= 0; i--) {
        inner = { [path[i]]: inner };
    }
    const object = { metadata, ...inner };
    return type.endsWith("List") ? { items: [object] } : object;
}

/** One representative token per workload kind (plus a Patch and a List). */
export const representativeKubernetesTypes = [
    "kubernetes:core/v1:Pod",
    "kubernetes:core/v1:PodTemplate",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:core/v1:ReplicationController",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:extensions/v1beta1:Deployment",
    "kubernetes:batch/v1beta1:CronJob",
    "kubernetes:apps/v1:DeploymentList",
];

export const dockerContainer = "docker:index/container:Container";
export const dockerService = "docker:index/service:Service";

/**
 * CPU time (user + system, ms) this process spends in `run`: unlike wall-clock time it doesn't
 * grow when other processes load the machine, so linear-time bounds stay meaningful in CI.
 */
export function cpuMs(run: () => unknown): number {
    const start = process.cpuUsage();
    run();
    const { user, system } = process.cpuUsage(start);
    return (user + system) / 1000;
}

/**
 * A policy's exemptions on a Deployment whose containers it flags (`flagged(name, image)` builds
 * one): the exemption annotation stops validation and remediation, `exemptImages` skips one
 * container and judges the other, `exclude` skips the workload.
 */
export function assertKubernetesExemptions(policy: ResourceValidationPolicy, flagged: (name: string, image: string) => object): void {
    const type = "kubernetes:apps/v1:Deployment";
    const annotations = { "container-guard/exempt": policy.name, "container-guard/exempt-reason": "tested" };
    const annotated = kubernetesResource(type, { containers: [flagged("app", "shop/app:1")] }, { name: "web", namespace: "shop", annotations });
    assert.deepStrictEqual(validate(policy, type, annotated), []);
    assert.strictEqual(remediate(policy, type, annotated), undefined);
    const two = kubernetesResource(type, { containers: [flagged("agent", "datadog/agent:7"), flagged("app", "shop/app:1")] });
    assert.ok(validate(policy, type, two).some(m => m.includes('container "agent"')), "the agent container is flagged without exemptions");
    const left = validate(policy, type, two, { config: { exemptImages: ["datadog/*"] } });
    assert.ok(left.length > 0 && left.every(m => m.includes('container "app"')), left.join("\n"));
    assert.deepStrictEqual(validate(policy, type, two, { config: { exclude: ["shop/web"] } }), []);
}
