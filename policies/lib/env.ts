// Where variables live, per shape: a container's environment (Kubernetes `env[]` and `envFrom[]`,
// docker.Container `envs` as `KEY=VALUE`, docker.Service `env` as a map) and an image build's
// arguments. Each variable carries its exact property path; values are handed over raw (unknowns
// as UNKNOWN) for the rules to judge, and never put into any text here.
import { child, describeType, Entries, entryPath, isObject, isUnknown, keyAccessor, listItems, plain, readPath } from "./values";
import type { ImageBuildKind } from "./image-builds";
import { Container, fieldPath, readField } from "./workloads";

/** A variable and where its value sits, relative to the container (or the resource, for builds). */
export interface Variable {
    readonly name: string;
    /** `["env[3]", "value"]`, `["envs[2]"]`, `["env.DB_PASSWORD"]`, `["build", "args.NPM_TOKEN"]`. */
    readonly field: readonly string[];
    /** The literal value: a string, number, boolean, undefined (none) or UNKNOWN; anything else is malformed. */
    readonly value: unknown;
    /**
     * Where the value came from when no literal of the resource wrote it: a Compose service's
     * variable filled by interpolation or from where compose runs (`an environment variable`, `.env`).
     */
    readonly origin?: string;
    /** The variable that filled it, when `origin` is set. */
    readonly fromVariable?: string;
}

/**
 * An entry of a list field (`env[3]`), its path built only when asked: a message needs it, and
 * few entries get one (performance: a workload has dozens of env vars).
 */
class ListEntryVariable implements Variable {
    constructor(
        readonly name: string,
        readonly value: unknown,
        private readonly list: readonly string[],
        private readonly index: number,
        private readonly key?: string,
    ) {}

    get field(): readonly string[] {
        const at = entryPath(this.list, this.index);
        return this.key === undefined ? at : [...at, this.key];
    }
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

/** Map entries (`{ KEY: value }`) as variables at `<path>.KEY`. */
function mapVariables(path: readonly string[], value: unknown, result: Entries<Variable>): void {
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

/** A container's environment, read in one pass for both rule-5 policies (performance: a workload has dozens of env vars). */
export interface ContainerEnv {
    /**
     * The env vars with their literal values. An entry whose name is unknown during preview is left
     * out (it is judged at `pulumi up`); Kubernetes entries fed from `valueFrom` are not literals
     * and are left out too.
     */
    readonly variables: Entries<Variable>;
    /** Kubernetes env fed from Secrets: `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`. Docker has no such form. */
    readonly secretReferences: Entries<SecretReference>;
}

/** Read once per container of the shared workload view (per-resource.ts), whichever policy asks first. */
export function containerEnv(container: Container): ContainerEnv {
    if (!container.env) {
        container.env = { variables: { items: [], unreadable: [] }, secretReferences: { items: [], unreadable: [] } };
        readEnv(container, container.env);
    }
    return container.env;
}

function readEnv(container: Container, env: ContainerEnv): void {
    const path = fieldPath(container, "env");
    if (!path) {
        return;
    }
    const value = readField(container, "env");
    if (container.shape === "dockerService") {
        mapVariables(path, value, env.variables);
        return;
    }
    const items = listItems(path, value, env.variables);
    if (container.shape === "composeService") {
        for (let i = 0; i < items.length; i++) {
            composeEnvEntry(plain(items[i]), path, i, env.variables);
        }
        return;
    }
    if (container.shape !== "kubernetes") {
        for (let i = 0; i < items.length; i++) {
            dockerEnvEntry(plain(items[i]), path, i, env.variables); // docker.Container envs
        }
        return;
    }
    env.secretReferences.unreadable.push(...env.variables.unreadable);
    for (let i = 0; i < items.length; i++) {
        kubernetesEnvEntry(plain(items[i]), path, i, env);
    }
    const envFrom = fieldPath(container, "envFrom")!;
    const envFromItems = listItems(envFrom, readField(container, "envFrom"), env.secretReferences);
    for (let i = 0; i < envFromItems.length; i++) {
        const ref = child(plain(envFromItems[i]), "secretRef");
        if (ref !== undefined && ref !== null && !isUnknown(ref)) {
            env.secretReferences.items.push({ field: [...entryPath(envFrom, i), "secretRef"], secretName: knownString(child(ref, "name")) });
        }
    }
}

/** `KEY=VALUE`; a bare `KEY` has no value here. */
function dockerEnvEntry(entry: unknown, list: readonly string[], index: number, result: Entries<Variable>): void {
    if (isUnknown(entry)) {
        return;
    }
    if (typeof entry !== "string") {
        result.unreadable.push({ field: entryPath(list, index), problem: `expected a "KEY=VALUE" string, found ${describeType(entry)}` });
        return;
    }
    const equals = entry.indexOf("=");
    if (equals > 0) {
        result.items.push(new ListEntryVariable(entry.slice(0, equals), entry.slice(equals + 1), list, index));
    }
}

/**
 * A Compose service's entry, as the scan hands it over (workloads.ts, composeServiceType): the
 * variable, its value, where it is written (`environment.DB_PASSWORD`, `env_file api.env line 3`)
 * and, when variables filled it, where from.
 */
function composeEnvEntry(entry: unknown, list: readonly string[], index: number, result: Entries<Variable>): void {
    const name = child(entry, "name");
    const at = child(entry, "at");
    if (typeof name !== "string" || typeof at !== "string") {
        result.unreadable.push({ field: entryPath(list, index), problem: `expected a variable as the scan reads it, found ${describeType(entry)}` });
        return;
    }
    const origin = child(entry, "from");
    const variable = child(entry, "variable");
    result.items.push({
        name,
        field: [at],
        value: child(entry, "value"),
        ...(typeof origin === "string" && { origin }),
        ...(typeof variable === "string" && { fromVariable: variable }),
    });
}

/**
 * A literal (`value`) or a Secret reference (`valueFrom.secretKeyRef`). A malformed entry is
 * unreadable for the literals; its name, for whichever kind of entry it is.
 */
function kubernetesEnvEntry(entry: unknown, list: readonly string[], index: number, env: ContainerEnv): void {
    if (isUnknown(entry)) {
        return;
    }
    if (!isObject(entry)) {
        env.variables.unreadable.push({ field: entryPath(list, index), problem: `expected an object, found ${describeType(entry)}` });
        return;
    }
    const name = plain(entry.name);
    const valueFrom = plain(entry.valueFrom);
    const ref = child(valueFrom, "secretKeyRef");
    const isReference = ref !== undefined && ref !== null && !isUnknown(ref);
    if (typeof name !== "string" || name.length === 0) {
        if (!isUnknown(name)) {
            const unreadable = { field: [...entryPath(list, index), "name"], problem: `expected a non-empty string, found ${name === "" ? "an empty string" : describeType(name)}` };
            env.variables.unreadable.push(unreadable);
            if (isReference) {
                env.secretReferences.unreadable.push(unreadable);
            }
        }
        return;
    }
    if (valueFrom === undefined || valueFrom === null) {
        env.variables.items.push(new ListEntryVariable(name, plain(entry.value), list, index, "value"));
    } else if (isReference) {
        env.secretReferences.items.push({ variable: name, field: [...entryPath(list, index), "valueFrom", "secretKeyRef"], secretName: knownString(child(ref, "name")), key: knownString(child(ref, "key")) });
    }
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** A build's arguments as variables at `build.args.KEY`; nothing while `build` itself is unknown. */
export function buildArguments(build: ImageBuildKind, props: unknown): Entries<Variable> {
    const result: Entries<Variable> = { items: [], unreadable: [] };
    mapVariables(build.args, readPath(props, build.args), result);
    return result;
}
