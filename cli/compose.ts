// Compose files (Compose Specification: `compose.yaml`, `docker-compose.yml`, ...): each service
// as a `compose:service` resource (policies/lib/workloads.ts says what the rules read of it), and
// each service that builds an image as a `docker-build:index:Image`, the resource the image rules
// judge, with its Dockerfile, target and build arguments.
import * as fs from "fs";
import * as path from "path";
import { isObject, JsonObject, keyAccessor } from "../policies/lib/values";
import { composeServiceType } from "../policies/lib/workloads";
import { displayPath } from "../policies/lib/dialect";
import { Problems } from "./inputs";
import { EnvEntry, hasVariables, interpolate, noVariables, originOf, parseEnvFile, Substitution, Variables, variablesOf } from "./interpolation";
import { formatPath } from "./locate";
import { readSmallText } from "./read";
import { ScanResource } from "./resource";
import { ScanRoot } from "./scan-root";
import { Location, PropertyPath, SourceDocument, SourceNode } from "./source";

export const dockerBuildType = "docker-build:index:Image";

/** A Compose file: a map with a `services` map, and no `kind` (which would make it a Kubernetes object). */
export function isComposeFile(value: unknown): value is JsonObject & { services: JsonObject } {
    return isObject(value) && isObject(value.services) && value.kind === undefined && value.apiVersion === undefined;
}

export interface ComposeContext {
    document: SourceDocument;
    /** Where relative paths in the file start: the file's directory (the working directory for standard input). */
    dir: string;
    /** What the file may make the scan read: env files and Dockerfiles outside it are not read, unless `allowOutsideRoot`. */
    root: ScanRoot;
    allowOutsideRoot: boolean;
    problems: Problems;
    /** The variables of the `--env-file` files, when there are any: they take the place of the `.env` beside the Compose file, as in docker compose. */
    envFiles?: Variables;
}

/** The most of an env file the scan reads. */
const maxEnvFileBytes = 4 * 2 ** 20;

/**
 * What a value stands for when the scan doesn't know it (a path it doesn't read, a variable no env
 * file sets): the engine's unknown string (one of policies/lib/values.ts' unknownSentinels), as a
 * preview value not known yet, on which no finding rests.
 */
const notKnown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Whether the scan may read a path the Compose file names; when it may not, a note at `where`
 * says so. `what` names the field and the path as written.
 */
function mayRead(context: ComposeContext, absolute: string, where: Location, what: string, consequence: string): boolean {
    if (context.allowOutsideRoot) {
        return true;
    }
    const { real, inside } = context.root.resolve(absolute);
    if (!inside) {
        context.problems.note({
            ...where,
            message: `${what} is outside the scan root${real !== absolute ? ` (it leads to ${real})` : ""}, so ${consequence} (--allow-outside-root reads it)`,
        });
    }
    return inside;
}

export interface ComposeResources {
    resources: ScanResource[];
    /** The Dockerfiles the builds read, absolute, so that a scan doesn't judge them a second time on their own. */
    dockerfiles: string[];
}

/** What the services of one Compose file are read with: its context and its variables. */
interface Reading {
    readonly context: ComposeContext;
    readonly variables: Variables;
}

export function composeResources(context: ComposeContext): ComposeResources {
    const result: ComposeResources = { resources: [], dockerfiles: [] };
    const reading: Reading = { context, variables: context.envFiles ?? dotEnv(context) };
    const services = (context.document.value as { services: JsonObject }).services;
    for (const [name, written] of Object.entries(services)) {
        if (!isObject(written)) {
            continue; // `web:` with nothing under it, or not a service at all
        }
        const node = context.document.nodeAt(["services", name]);
        const at = context.document.locate(["services", name]);
        const service = interpolatedService(reading, name, written, node);
        result.resources.push(serviceResource(reading, name, written, service, node, at));
        const build = buildResource(context, name, service, node);
        if (build) {
            result.resources.push(build.resource);
            if (build.dockerfile) {
                result.dockerfiles.push(build.dockerfile);
            }
        }
    }
    return result;
}

/** The `.env` file beside the Compose file, when there is one the scan may read (docker compose reads it from the project directory, and skips one it may not read). */
function dotEnv(context: ComposeContext): Variables {
    const file = path.join(context.dir, ".env");
    const shown = displayPath(file);
    if (!fs.existsSync(file) || !mayRead(context, file, { file: shown, line: 1, column: 1 }, ".env", "its variables are not set")) {
        return noVariables;
    }
    const read = readEnvFile(file, noVariables, context.problems);
    if ("problem" in read) {
        context.problems.note({ file: shown, message: `${read.problem}, so its variables are not set` });
        return noVariables;
    }
    return variablesOf([{ ...read, from: ".env" }]); // as messages name it: the one beside the Compose file
}

/**
 * An env file's entries (`from`: its path, as shown), read as the scan reads any file it is pointed
 * at (no device, no FIFO unless `streams`, at most 4 MiB, its encoding checked), interpolated with
 * `variables`; `problem` when it can't be read. A line it can't parse is an input error (docker
 * compose refuses the file): the entries before it are kept.
 */
export function readEnvFile(file: string, variables: Variables, problems: Problems, { streams = false } = {}): { entries: EnvEntry[]; from: string } | { problem: string } {
    const from = displayPath(file);
    const read = readSmallText(file, maxEnvFileBytes, message => problems.note({ file: from, message, warning: true }), { streams });
    if ("problem" in read) {
        return read;
    }
    const parsed = parseEnvFile(read.text, variables, from);
    if (parsed.error) {
        problems.error({ file: from, line: parsed.error.line, message: `${parsed.error.message}: docker compose refuses the file, so what follows was not read` });
    }
    return { entries: parsed.entries, from };
}

/**
 * The paths of a service whose strings compose-go casts once interpolated (loader/interpolate.go),
 * among the fields the policies read: `privileged: "${PRIV:-false}"` is the boolean false.
 */
const casts: Readonly<Record<string, (text: string) => unknown>> = {
    privileged: toBoolean,
    read_only: toBoolean,
    pids_limit: text => (/^[+-]?\d+$/.test(text.trim()) ? Number(text) : text),
};

/** compose-go's toBoolean: YAML 1.1's words too; anything else stays the string it is (the policies say it can't be read). */
function toBoolean(text: string): unknown {
    const word = text.toLowerCase();
    return ["true", "y", "yes", "on"].includes(word) ? true : ["false", "n", "no", "off"].includes(word) ? false : text;
}

/**
 * The service with every string value interpolated (keys are not), `environment` aside (its
 * entries are read with where each value came from); a value made of a variable no env file sets
 * is not known, and an interpolation docker compose refuses is an input error at its key.
 */
function interpolatedService(reading: Reading, name: string, service: JsonObject, node: SourceNode | undefined): JsonObject {
    const walk = (value: unknown, at: PropertyPath): unknown => {
        if (typeof value === "string") {
            const cast = at.length === 1 ? casts[at[0] as string] : undefined;
            const text = hasVariables(value) ? interpolatedText(reading, name, value, at, node) : value;
            return cast && text !== notKnown ? cast(text) : text;
        }
        if (Array.isArray(value)) {
            return value.map((item, i) => walk(item, [...at, i]));
        }
        if (isObject(value)) {
            return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, at.length === 0 && key === "environment" ? item : walk(item, [...at, key])]));
        }
        return value;
    };
    return walk(service, []) as JsonObject;
}

/** A string's interpolated value; `notKnown` when a variable no env file sets makes it, or it can't be interpolated (reported at `at`). */
function interpolatedText(reading: Reading, service: string, text: string, at: PropertyPath, node: SourceNode | undefined): string {
    const result = interpolate(text, reading.variables);
    if (result.state === "error") {
        interpolationError(reading, service, result, at, node);
    }
    return result.state === "resolved" ? result.value : notKnown;
}

/** What docker compose refuses to interpolate, at the value's key: an input error; the scan takes the value as not known. */
function interpolationError(reading: Reading, service: string, error: Extract<Substitution, { state: "error" }>, at: PropertyPath, node: SourceNode | undefined): void {
    const where = reading.context.document.locate(at, node);
    const setIt = error.required ? ` (to scan with a value, set it in ${reading.context.envFiles ? "an --env-file" : ".env or an --env-file"})` : "";
    reading.context.problems.error({ ...where, message: `${formatPath(["services", service, ...at])}: ${error.message}, so docker compose refuses the file${setIt}; the scan takes the value as not known` });
}

/**
 * An entry of the service's environment as the scan hands it to the policies (policies/lib/env.ts):
 * the variable, its value (`notKnown` when it isn't known here; none when it sets none), how a
 * message names where it is written, and where its value came from when variables filled it.
 */
interface EnvironmentEntry {
    name: string;
    value?: string;
    at: string;
    from?: string;
    /** The variable that filled it, for a fix that reads the secret from the same one. */
    variable?: string;
}

function entryOf(name: string, value: Substitution, at: string): EnvironmentEntry {
    const from = originOf(value);
    const variable = value.state === "resolved" ? value.variable : value.state === "unknown" ? value.variable : undefined;
    return { name, value: value.state === "resolved" ? value.value : notKnown, at, ...(from !== undefined && { from }), ...(variable !== undefined && from !== undefined && { variable }) };
}

/**
 * The service's keys, interpolated, with `environment` as a list of entries (the `env_file` files'
 * first, as Compose lets `environment` override them) and `pids_limit` also taken from
 * `deploy.resources.limits.pids`.
 */
function serviceResource(reading: Reading, name: string, written: JsonObject, service: JsonObject, node: SourceNode | undefined, at: Location): ScanResource {
    const { document } = reading.context;
    const environment: EnvironmentEntry[] = [];
    const envFileLines = new Map<string, Location>();
    for (const entry of envFileEntries(reading, service.env_file, node)) {
        const at = `env_file ${entry.written} line ${entry.line}`;
        environment.push(entryOf(entry.key, entry.value, at));
        envFileLines.set(at, { file: entry.file, line: entry.line, column: 1 });
    }
    /** A variable written `KEY` alone takes its value from where compose runs (or the env files). */
    const inherited = (key: string): Substitution => {
        const found = reading.variables.get(key);
        return found?.value === undefined
            ? { state: "unknown", variable: key }
            : { state: "resolved", value: found.value, substituted: true, variable: key, files: new Set([found.from]), unset: false };
    };
    const valueOf = (text: string, path: PropertyPath): Substitution => {
        const value = interpolate(text, reading.variables); // a text without `$` is itself
        if (value.state === "error") {
            interpolationError(reading, name, value, path, node);
            return { state: "unknown", variable: "" };
        }
        return value;
    };
    if (isObject(written.environment)) {
        for (const [key, value] of Object.entries(written.environment)) {
            const at = `environment${keyAccessor(key)}`;
            environment.push(entryOf(key, value === null || value === undefined ? inherited(key) : valueOf(scalarText(value), ["environment", key]), at));
        }
    } else if (Array.isArray(written.environment)) {
        written.environment.forEach((item, i) => {
            // Compose interpolates the whole `KEY=VALUE` string; one a variable not known here makes names no variable to judge.
            const text = valueOf(scalarText(item), ["environment", i]);
            if (text.state !== "resolved") {
                return;
            }
            const equals = text.value.indexOf("=");
            const key = equals < 0 ? text.value : text.value.slice(0, equals);
            environment.push(entryOf(key, equals < 0 ? inherited(key) : { ...text, value: text.value.slice(equals + 1) }, `environment[${i}]`));
        });
    }
    const props: JsonObject = { ...service };
    delete props.environment;
    if (environment.length > 0) {
        props.environment = environment as unknown as JsonObject[];
    }
    const field = (keys: string[]) => keys.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), service);
    const deployPids = ["deploy", "resources", "limits", "pids"];
    const pidsPath = !isSet(field(["pids_limit"])) && isSet(field(deployPids)) ? deployPids : ["pids_limit"];
    const pids = field(pidsPath);
    if (isSet(pids)) {
        props.pids_limit = typeof pids === "string" && /^-?\d+$/.test(pids.trim()) ? Number(pids) : (pids as JsonObject[string]);
    }
    const label = `Compose service ${name}`;
    return {
        type: composeServiceType,
        name,
        props,
        source: "compose",
        label,
        at,
        locate(path: PropertyPath) {
            return document.locate(path[0] === "pids_limit" ? pidsPath : path, node, at);
        },
        // An env file's line, which a message names as `env_file api.env line 3`.
        locateWritten(first: string) {
            const named = /^env_file .+? line \d+(?= )/.exec(first.startsWith(`${label}: `) ? first.slice(label.length + 2) : "");
            return named ? envFileLines.get(named[0]) : undefined;
        },
    };
}

function isSet(value: unknown): boolean {
    return value !== undefined && value !== null;
}

/** A scalar as Compose turns it into an env value: `true`, `8080`. */
function scalarText(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value) ?? "";
}

/**
 * `env_file`: a path, or a list of paths or `{ path, required }`; relative to the Compose file; its
 * entries interpolated with the project's variables, each with its file as shown and as written.
 */
function envFileEntries(reading: Reading, envFile: unknown, node: SourceNode | undefined): Array<EnvEntry & { file: string; written: string }> {
    const { context } = reading;
    const files = envFile === undefined || envFile === null ? [] : Array.isArray(envFile) ? envFile : [envFile];
    return files.flatMap((file, i) => {
        const spec: JsonObject = isObject(file) ? file : { path: file };
        if (typeof spec.path !== "string" || spec.path === notKnown) {
            return [];
        }
        const absolute = path.resolve(context.dir, spec.path);
        const where = context.document.locate(Array.isArray(envFile) ? ["env_file", i] : ["env_file"], node);
        if (!mayRead(context, absolute, where, `env_file ${spec.path}`, "it is not read and its variables were not checked")) {
            return [];
        }
        const read = readEnvFile(absolute, reading.variables, context.problems);
        if ("problem" in read) {
            if (spec.required !== false && spec.required !== "false") {
                context.problems.note({ ...where, message: `env_file ${spec.path} ${read.problem}, so its variables were not checked` });
            }
            return [];
        }
        return read.entries.map(entry => ({ ...entry, file: read.from, written: spec.path as string }));
    });
}

/** BuildKit's test for a remote context or Dockerfile. */
function isRemote(location: string): boolean {
    return location.includes("://") || location.startsWith("git@") || location.startsWith("github.com/");
}

/**
 * `build` as the docker-build provider's Image: `context.location`, `dockerfile.location` (relative
 * to the context, as Compose reads it) or `dockerfile.inline`, `target`, `buildArgs`; paths absolute.
 */
function buildResource(context: ComposeContext, name: string, service: JsonObject, node: SourceNode | undefined): { resource: ScanResource; dockerfile?: string } | undefined {
    const { document } = context;
    const build = typeof service.build === "string" ? { context: service.build } : service.build;
    if (!isObject(build)) {
        return undefined;
    }
    const contextLocation = typeof build.context === "string" && build.context !== "" ? build.context : ".";
    const remote = isRemote(contextLocation);
    const contextDir = remote ? contextLocation : path.resolve(context.dir, contextLocation);
    const props: JsonObject = { context: { location: contextDir } };
    let dockerfile: string | undefined;
    const buildPath = typeof service.build === "string" ? ["build"] : undefined;
    const fieldPaths: Record<string, PropertyPath> = {
        context: buildPath ?? ["build", "context"],
        dockerfile: buildPath ?? ["build", typeof build.dockerfile_inline === "string" ? "dockerfile_inline" : "dockerfile"],
        target: ["build", "target"],
        buildArgs: ["build", "args"],
    };
    if (typeof build.dockerfile_inline === "string") {
        props.dockerfile = { inline: build.dockerfile_inline };
    } else if (contextLocation === notKnown || build.dockerfile === notKnown) {
        props.dockerfile = { location: notKnown }; // a variable no env file sets names it
    } else if (!remote) {
        const named = typeof build.dockerfile === "string";
        dockerfile = path.resolve(contextDir, named ? (build.dockerfile as string) : "Dockerfile");
        const what = named ? `build.dockerfile ${build.dockerfile}` : `the build context ${contextLocation}`;
        const where = document.locate(named ? fieldPaths.dockerfile : fieldPaths.context, node);
        if (mayRead(context, dockerfile, where, what, "its Dockerfile is not read")) {
            props.dockerfile = { location: dockerfile };
        } else {
            props.dockerfile = { location: notKnown };
            dockerfile = undefined;
        }
    }
    if (build.target !== undefined) {
        props.target = build.target;
    }
    const args = buildArgs(build.args);
    if (args) {
        props.buildArgs = args.values;
    }
    if (typeof service.image === "string") {
        props.tags = [service.image];
    }
    const inlineStart = document.blockScalarStart(document.nodeAt(["build", "dockerfile_inline"], node));
    const shownDockerfile = dockerfile && displayPath(dockerfile);
    return {
        dockerfile,
        resource: {
            type: dockerBuildType,
            name,
            props,
            source: "compose",
            builtFor: [name],
            label: `Compose service ${name}, build`,
            at: document.locate(["build"], node),
            // Messages name the build's fields as Compose does (`build.args.NPM_TOKEN`); an argument of a list is at its index.
            locate(path: PropertyPath) {
                const [field, sub, key] = path;
                if (field === "build" && sub === "args" && typeof key === "string" && args) {
                    return document.locate(["build", "args", args.keys.get(key) ?? key], node);
                }
                return document.locate(field === "build" ? path : ["build"], node);
            },
            dockerfileLine(line: number) {
                if (shownDockerfile) {
                    return { file: shownDockerfile, line, column: 1 };
                }
                const inline = document.locate(fieldPaths.dockerfile, node);
                return inlineStart !== undefined ? { ...inline, line: inlineStart + line - 1 } : inline;
            },
        },
    };
}

/** `args` as a map, or a list of `KEY=VALUE` (a bare `KEY` takes its value from where compose runs); where each key is written. */
function buildArgs(args: unknown): { values: JsonObject; keys: Map<string, string | number> } | undefined {
    const values: JsonObject = {};
    const keys = new Map<string, string | number>();
    if (isObject(args)) {
        for (const [key, value] of Object.entries(args)) {
            if (value !== null && value !== undefined) {
                values[key] = scalarText(value);
                keys.set(key, key);
            }
        }
    } else if (Array.isArray(args)) {
        args.forEach((entry, i) => {
            const text = scalarText(entry);
            const equals = text.indexOf("=");
            if (equals > 0) {
                values[text.slice(0, equals)] = text.slice(equals + 1);
                keys.set(text.slice(0, equals), i);
            }
        });
    } else {
        return undefined;
    }
    return { values, keys };
}
