// Compose files (Compose Specification: `compose.yaml`, `docker-compose.yml`, ...): each service
// as a `compose:service` resource (policies/lib/workloads.ts says what the rules read of it), and
// each service that builds an image as a `docker-build:index:Image`, the resource the image rules
// judge, with its Dockerfile, target and build arguments.
import * as path from "path";
import { isObject, JsonObject } from "../policies/lib/values";
import { composeServiceType } from "../policies/lib/workloads";
import { displayPath } from "../policies/lib/dialect";
import { Problems } from "./inputs";
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
}

/** The most of an env file the scan reads. */
const maxEnvFileBytes = 4 * 2 ** 20;

/**
 * What a path a Compose file names stands for when the scan doesn't read it: the engine's unknown
 * string (one of policies/lib/values.ts' unknownSentinels), as a preview value not known yet, on
 * which no finding rests.
 */
const notRead = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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
            file: `${where.file}:${where.line}`,
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

export function composeResources(context: ComposeContext): ComposeResources {
    const result: ComposeResources = { resources: [], dockerfiles: [] };
    const services = (context.document.value as { services: JsonObject }).services;
    for (const [name, service] of Object.entries(services)) {
        if (!isObject(service)) {
            continue; // `web:` with nothing under it, or not a service at all
        }
        const node = context.document.nodeAt(["services", name]);
        const at = context.document.locate(["services", name]);
        result.resources.push(serviceResource(context, name, service, node, at));
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

/**
 * The service's keys, with `environment` as a list of `KEY=VALUE` (the `env_file` files first, as
 * Compose lets `environment` override them) and `pids_limit` also taken from `deploy.resources.limits.pids`.
 */
function serviceResource(context: ComposeContext, name: string, service: JsonObject, node: SourceNode | undefined, at: Location): ScanResource {
    const { document } = context;
    const environment: string[] = [];
    const envLocations: Location[] = [];
    for (const entry of envFileEntries(context, service.env_file, node)) {
        environment.push(entry.text);
        envLocations.push(entry.at);
    }
    if (isObject(service.environment)) {
        for (const [key, value] of Object.entries(service.environment)) {
            environment.push(value === null || value === undefined ? key : `${key}=${scalarText(value)}`);
            envLocations.push(document.locate(["environment", key], node));
        }
    } else if (Array.isArray(service.environment)) {
        service.environment.forEach((entry, i) => {
            environment.push(scalarText(entry));
            envLocations.push(document.locate(["environment", i], node));
        });
    }
    const props: JsonObject = { ...service };
    if (environment.length > 0) {
        props.environment = environment;
    }
    const written = (keys: string[]) => keys.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), service);
    const deployPids = ["deploy", "resources", "limits", "pids"];
    const pidsPath = !isSet(written(["pids_limit"])) && isSet(written(deployPids)) ? deployPids : ["pids_limit"];
    const pids = written(pidsPath);
    if (isSet(pids)) {
        props.pids_limit = typeof pids === "string" && /^-?\d+$/.test(pids.trim()) ? Number(pids) : (pids as JsonObject[string]);
    }
    return {
        type: composeServiceType,
        name,
        props,
        source: "compose",
        label: `Compose service ${name}`,
        at,
        locate(path: PropertyPath) {
            if (path[0] === "environment" && typeof path[1] === "number" && envLocations[path[1]]) {
                return envLocations[path[1]];
            }
            return document.locate(path[0] === "pids_limit" ? pidsPath : path, node, at);
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

interface EnvEntry {
    text: string;
    at: Location;
}

/** `env_file`: a path, or a list of paths or `{ path, required }`; relative to the Compose file. */
function envFileEntries(context: ComposeContext, envFile: unknown, node: SourceNode | undefined): EnvEntry[] {
    const files = envFile === undefined || envFile === null ? [] : Array.isArray(envFile) ? envFile : [envFile];
    return files.flatMap((file, i) => {
        const spec: JsonObject = isObject(file) ? file : { path: file };
        if (typeof spec.path !== "string") {
            return [];
        }
        const absolute = path.resolve(context.dir, spec.path);
        const where = context.document.locate(Array.isArray(envFile) ? ["env_file", i] : ["env_file"], node);
        if (!mayRead(context, absolute, where, `env_file ${spec.path}`, "it is not read and its variables were not checked")) {
            return [];
        }
        const shown = displayPath(absolute);
        const read = readSmallText(absolute, maxEnvFileBytes, message => context.problems.note({ file: shown, message, warning: true }));
        if ("problem" in read) {
            if (spec.required !== false) {
                context.problems.note({ file: `${where.file}:${where.line}`, message: `env_file ${spec.path} ${read.problem}, so its variables were not checked` });
            }
            return [];
        }
        return parseEnvFile(read.text).map(({ text: entry, line }) => ({ text: entry, at: { file: shown, line, column: 1 } }));
    });
}

/** `KEY=VALUE` lines as Compose reads an env file: `#` comments, blank lines, optional `export `, quoted values. */
export function parseEnvFile(text: string): Array<{ text: string; line: number }> {
    const entries: Array<{ text: string; line: number }> = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            return;
        }
        const assignment = line.startsWith("export ") ? line.slice("export ".length).trimStart() : line;
        const equals = assignment.indexOf("=");
        if (equals <= 0) {
            return; // `KEY` alone takes its value from where compose runs: no literal here
        }
        const key = assignment.slice(0, equals).trim();
        let value = assignment.slice(equals + 1).trim();
        const quote = value[0];
        if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
            value = value.slice(1, value.indexOf(quote, 1));
        } else if (value.includes(" #")) {
            value = value.slice(0, value.indexOf(" #")).trimEnd();
        }
        entries.push({ text: `${key}=${value}`, line: i + 1 });
    });
    return entries;
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
    } else if (!remote) {
        const named = typeof build.dockerfile === "string";
        dockerfile = path.resolve(contextDir, named ? (build.dockerfile as string) : "Dockerfile");
        const what = named ? `build.dockerfile ${build.dockerfile}` : `the build context ${contextLocation}`;
        const where = document.locate(named ? fieldPaths.dockerfile : fieldPaths.context, node);
        if (mayRead(context, dockerfile, where, what, "its Dockerfile is not read")) {
            props.dockerfile = { location: dockerfile };
        } else {
            props.dockerfile = { location: notRead };
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
