// Where variables live, per shape: a container's environment (Kubernetes `env[]` and `envFrom[]`,
// docker.Container `envs` as `KEY=VALUE`, docker.Service `env` as a map) and an image build's
// arguments. Each variable carries its exact property path; values are handed over raw (unknowns
// as UNKNOWN) for the rules to judge, and never put into any text here.
import { child, describeType, isObject, isUnknown, plain, readPath } from "./values";
import { Container, fieldPath, readField } from "./workloads";

/** A variable and where its value sits, relative to the container (or the resource, for builds). */
export interface Variable {
    readonly name: string;
    /** `["env[3]", "value"]`, `["envs[2]"]`, `["env.DB_PASSWORD"]`, `["build", "args.NPM_TOKEN"]`. */
    readonly field: readonly string[];
    /** The literal value: a string, number, boolean, undefined (none) or UNKNOWN; anything else is malformed. */
    readonly value: unknown;
}

/** A Kubernetes env var fed from a Secret: `env[].valueFrom.secretKeyRef` or `envFrom[].secretRef`. */
export interface SecretReference {
    /** The env var it sets; undefined for `envFrom`, which sets one per key. */
    readonly variable?: string;
    readonly field: readonly string[];
    /** The Secret's name and key, where they are known strings. */
    readonly secretName?: string;
    readonly key?: string;
}

/** A field that can't be read, so what it holds can't be checked. */
export interface Unreadable {
    readonly field: readonly string[];
    readonly problem: string;
}

export interface Reading<T> {
    readonly items: T[];
    readonly unreadable: Unreadable[];
}

/** `.KEY`, or `["client.secret"]` where the key isn't a plain identifier. */
export function keyAccessor(key: string): string {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A list field's entries with their indexed path segment (`env[3]`), or why the list can't be read. */
function listEntries(path: readonly string[], value: unknown, result: Pick<Reading<unknown>, "unreadable">): Array<{ entry: unknown; at: string[] }> {
    if (value === undefined || value === null || isUnknown(value)) {
        return [];
    }
    if (!Array.isArray(value)) {
        result.unreadable.push({ field: path, problem: `expected a list, found ${describeType(value)}` });
        return [];
    }
    const last = path[path.length - 1];
    return value.map((raw, i) => ({ entry: plain(raw), at: [...path.slice(0, -1), `${last}[${i}]`] }));
}

/** Map entries (`{ KEY: value }`) as variables at `<path>.KEY`. */
function mapVariables(path: readonly string[], value: unknown, result: Reading<Variable>): void {
    if (value === undefined || value === null || isUnknown(value)) {
        return;
    }
    if (!isObject(value)) {
        result.unreadable.push({ field: path, problem: `expected a map, found ${describeType(value)}` });
        return;
    }
    const last = path[path.length - 1];
    for (const name of Object.keys(value)) {
        result.items.push({ name, field: [...path.slice(0, -1), `${last}${keyAccessor(name)}`], value: plain(value[name]) });
    }
}

/**
 * The container's env vars with their literal values. An entry whose name is unknown during
 * preview is left out (it is judged at `pulumi up`); Kubernetes entries fed from `valueFrom` are
 * not literals and are left out too (see `secretReferences`).
 */
export function envVariables(container: Container): Reading<Variable> {
    const result: Reading<Variable> = { items: [], unreadable: [] };
    const path = fieldPath(container, "env");
    if (!path) {
        return result;
    }
    const value = readField(container, "env");
    if (container.shape === "dockerService") {
        mapVariables(path, value, result);
        return result;
    }
    for (const { entry, at } of listEntries(path, value, result)) {
        if (isUnknown(entry)) {
            continue;
        }
        if (container.shape === "kubernetes") {
            kubernetesEnvEntry(entry, at, result);
        } else {
            dockerEnvEntry(entry, at, result); // docker.Container envs, Compose environment
        }
    }
    return result;
}

/** `KEY=VALUE`; a bare `KEY` has no value here. */
function dockerEnvEntry(entry: unknown, at: string[], result: Reading<Variable>): void {
    if (typeof entry !== "string") {
        result.unreadable.push({ field: at, problem: `expected a "KEY=VALUE" string, found ${describeType(entry)}` });
        return;
    }
    const equals = entry.indexOf("=");
    if (equals > 0) {
        result.items.push({ name: entry.slice(0, equals), field: at, value: entry.slice(equals + 1) });
    }
}

function kubernetesEnvEntry(entry: unknown, at: string[], result: Reading<Variable>): void {
    const name = entryName(entry, at, result);
    const valueFrom = child(entry, "valueFrom");
    if (name !== undefined && (valueFrom === undefined || valueFrom === null)) {
        result.items.push({ name, field: [...at, "value"], value: child(entry, "value") });
    }
}

/** The `name` of a Kubernetes env entry; undefined when unknown or malformed (recorded as unreadable). */
function entryName(entry: unknown, at: string[], result: Pick<Reading<unknown>, "unreadable">): string | undefined {
    if (!isObject(entry)) {
        result.unreadable.push({ field: at, problem: `expected an object, found ${describeType(entry)}` });
        return undefined;
    }
    const name = child(entry, "name");
    if (typeof name === "string" && name.length > 0) {
        return name;
    }
    if (!isUnknown(name)) {
        result.unreadable.push({ field: [...at, "name"], problem: `expected a non-empty string, found ${name === "" ? "an empty string" : describeType(name)}` });
    }
    return undefined;
}

/** Kubernetes env fed from Secrets: `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`. Docker has no such form. */
export function secretReferences(container: Container): Reading<SecretReference> {
    const result: Reading<SecretReference> = { items: [], unreadable: [] };
    if (container.shape !== "kubernetes") {
        return result;
    }
    for (const { entry, at } of listEntries(fieldPath(container, "env")!, readField(container, "env"), result)) {
        const ref = readPath(entry, ["valueFrom", "secretKeyRef"]);
        if (ref === undefined || ref === null || isUnknown(ref)) {
            continue;
        }
        const variable = entryName(entry, at, result);
        if (variable !== undefined) {
            result.items.push({ variable, field: [...at, "valueFrom", "secretKeyRef"], secretName: knownString(child(ref, "name")), key: knownString(child(ref, "key")) });
        }
    }
    for (const { entry, at } of listEntries(fieldPath(container, "envFrom")!, readField(container, "envFrom"), result)) {
        const ref = child(entry, "secretRef");
        if (ref !== undefined && ref !== null && !isUnknown(ref)) {
            result.items.push({ field: [...at, "secretRef"], secretName: knownString(child(ref, "name")) });
        }
    }
    return result;
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** Image build resources and where their build arguments are (DESIGN.md: image builds). */
export interface ImageBuild {
    /** How messages name the resource kind: `docker_build.Image`. */
    readonly kind: "docker.Image" | "docker.RemoteImage" | "docker.RegistryImage" | "docker_build.Image";
    /** Path of the build-args map. */
    readonly args: readonly string[];
    /** Where the image's name(s) are, for `exemptImages`. */
    readonly image: readonly string[];
}

export const imageBuilds: Readonly<Record<string, ImageBuild>> = {
    "docker:index/image:Image": { kind: "docker.Image", args: ["build", "args"], image: ["imageName"] },
    "docker:index/remoteImage:RemoteImage": { kind: "docker.RemoteImage", args: ["build", "buildArgs"], image: ["name"] },
    "docker:index/registryImage:RegistryImage": { kind: "docker.RegistryImage", args: ["build", "buildArgs"], image: ["name"] },
    "docker-build:index:Image": { kind: "docker_build.Image", args: ["buildArgs"], image: ["tags"] },
};

/** A build's arguments as variables at `build.args.KEY`; nothing while `build` itself is unknown. */
export function buildArguments(build: ImageBuild, props: unknown): Reading<Variable> {
    const result: Reading<Variable> = { items: [], unreadable: [] };
    mapVariables(build.args, readPath(props, build.args), result);
    return result;
}
