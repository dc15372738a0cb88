// Image builds, read as their providers read them. The one place that knows the image build kinds:
// where each keeps its Dockerfile, target, build args and image names; then the Dockerfile itself,
// located from the Pulumi program's directory, read under a size cap (a FIFO never blocks) and
// parsed once per resource for every policy that asks (per-resource.ts), and the stage it ships.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ReportViolation, ResourceValidation } from "@pulumi/policy";
import { ConfigProperty, isExcluded, isExemptImage } from "./config";
import { globalScope, Scope } from "./dockerfile/expand";
import { Dockerfile, dockerfileCap, parseDockerfile, Stage } from "./dockerfile/lines";
import { BaseImage, isDockerfileFrontend, Lineage, lineageOf, shippedStage, stageLabel, userOf } from "./dockerfile/stages";
import { composeBuildSubject, Dialect, dialectOf, displayPath } from "./dialect";
import { derivedOnce } from "./per-resource";
import type { ParsedConfig } from "./policy";
import { programDirectory } from "./program-directory";
import { child, describeType, isObject, isUnknown, JsonObject, plain, quote, rawProps, Reading, readPath, UNKNOWN, Unknown } from "./values";

/** A resource as the policies of one evaluation share it (per-resource.ts). */
export interface BuildResource {
    readonly type: string;
    readonly name: string;
    readonly props: JsonObject;
    /** What its source is written in (dialect.ts): a Compose service's build or a Dockerfile on its own, when the scan read it; Pulumi by default. */
    readonly dialect?: Dialect;
}

/** An image build resource kind (DESIGN.md: image builds). */
export interface ImageBuildKind {
    /** How messages name the resource kind: `docker_build.Image`. */
    readonly kind: "docker.Image" | "docker.RemoteImage" | "docker.RegistryImage" | "docker_build.Image";
    /** Path of the build-args map. */
    readonly args: readonly string[];
    /** The build as the kind's provider reads it, in the terms of its source's dialect; undefined when the resource builds nothing. */
    readonly read: (kind: ImageBuildKind, name: string, props: JsonObject, dialect: Dialect) => ImageBuild | undefined;
}

/** Image builds by type token. */
export const imageBuildKinds: Readonly<Record<string, ImageBuildKind>> = {
    "docker:index/image:Image": { kind: "docker.Image", args: ["build", "args"], read: dockerImage },
    "docker:index/remoteImage:RemoteImage": { kind: "docker.RemoteImage", args: ["build", "buildArgs"], read: remoteImage },
    "docker:index/registryImage:RegistryImage": { kind: "docker.RegistryImage", args: ["build", "buildArgs"], read: remoteImage },
    "docker-build:index:Image": { kind: "docker_build.Image", args: ["buildArgs"], read: dockerBuildImage },
};

/** Where a build's Dockerfile is, as its provider resolves it. */
type Source =
    | { kind: "inline"; text: string; shown: string }
    /**
     * `path` is relative to the program's directory (the provider's working directory) unless
     * absolute; `named` is how reasons name it (the scan shows paths relative to the working directory).
     */
    | { kind: "file"; path: string; shown: string; named: string }
    | { kind: "unknown" }
    | { kind: "unreadable"; shown: string; reason: string; fix: string };

export interface ImageBuild {
    readonly kind: ImageBuildKind;
    readonly dialect: Dialect;
    /** How messages name the resource: `docker.Image web`, `Compose service web`, `Dockerfile api/Dockerfile`. */
    readonly label: string;
    readonly source: Source;
    readonly target: Reading<string>;
    /** How messages name the target and the build-args map: `build.target`, `buildArgs`. */
    readonly targetField: string;
    readonly argsField: string;
    readonly buildArgs: ReadonlyMap<string, string | Unknown> | Unknown;
    readonly namedContexts: ReadonlyMap<string, string | Unknown> | Unknown;
    /** The names the image is built under, for `exemptImages`. */
    readonly images: unknown[];
    /** How fixes name the resource: `the resource`, `the service`. */
    readonly noun: string;
    /** The fix for a Dockerfile that isn't where the build says. */
    readonly pointAt: string;
    /** What ships `stage`, in the dialect: Pulumi TypeScript, `build.target: runtime`, `docker build --target runtime`. */
    ship(stage: string): string;
    /**
     * The subject of a finding on its Dockerfile (`shown`) or a line of it: `docker_build.Image web,
     * Dockerfile ./Dockerfile (dockerfile.location) line 7`, `Compose service web, build: Dockerfile
     * web/Dockerfile line 7`, `Dockerfile web/Dockerfile line 7`.
     */
    at(shown: string, line?: number): string;
}


/** The build a resource runs, read once per resource for the policies that ask; undefined when it builds nothing. */
export function imageBuildOf(resource: BuildResource, policy: string): ImageBuild | undefined {
    const kind = imageBuildKinds[resource.type];
    return kind && derivedOnce(resource, resource.props, policy, "image build", () => kind.read(kind, resource.name, resource.props, resource.dialect ?? "pulumi"));
}

/**
 * A policy's validation of image build resources (they run no container, so a container rule's
 * scoping doesn't reach them): the build read once per resource, and skipped as `exclude` (by
 * resource) and `exemptImages` (by the names the image is built under) say.
 */
export function imageBuildValidation<C>(
    policy: string,
    readConfig: (args: Parameters<ResourceValidation>[0]) => ParsedConfig<C>,
    judge: (resource: BuildResource, build: ImageBuild, config: C, report: ReportViolation) => void,
): ResourceValidation {
    return (args, reportViolation) => {
        const resource: BuildResource = { type: args.type, name: args.name, props: rawProps(args.props), dialect: dialectOf(args) };
        const build = imageBuildOf(resource, policy);
        if (!build) {
            return;
        }
        const config = readConfig(args);
        if (!isExcluded({ name: args.name }, args.urn, config.exclude) && !isExemptImage(build.images, config.exemptImages)) {
            judge(resource, build, config.rule, reportViolation);
        }
    };
}

/**
 * The `programDirectory` config key of every policy that reads Dockerfiles. The engine gives a
 * policy only its own config, so each such policy takes the key (the same value on each).
 */
export const programDirectoryConfig: ConfigProperty = {
    type: "string",
    default: "",
    description:
        "The Pulumi program's directory, from which relative Dockerfile paths resolve (as the Docker providers " +
        "resolve them). `${VAR}` is expanded from the environment; a relative value is relative to the policy " +
        "pack's directory. Empty (the default), the policy finds the Pulumi.yaml of the running project from $PWD or the " +
        "workspace a CI sets (GITHUB_WORKSPACE, CI_PROJECT_DIR, ...). Give image-multi-stage-build and " +
        "container-no-plaintext-secrets the same value: both read the build's Dockerfile.",
};

// ---------------------------------------------------------------------------------------------
// The kinds of image build, read as their providers read them

const unknownSource: Source = { kind: "unknown" };

function readString(value: unknown): Reading<string> {
    if (value === undefined || value === null || value === "") {
        return { state: "absent" };
    }
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    return typeof value === "string" ? { state: "set", value } : { state: "malformed", problem: `expected a string, found ${describeType(value)}` };
}

/** A map of strings (build args); an entry that isn't a string can't be judged, so it counts as unknown. */
function readStringMap(value: unknown, valueOf: (entry: unknown) => unknown = entry => entry): ReadonlyMap<string, string | Unknown> | Unknown {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    const map = new Map<string, string | Unknown>();
    for (const [key, entry] of Object.entries(isObject(value) ? value : {})) {
        const item = valueOf(plain(entry));
        map.set(key, typeof item === "string" ? item : UNKNOWN);
    }
    return map;
}

/** An object-valued field (`build`, `dockerfile`, `context`): its value, UNKNOWN included, or why it is malformed. */
function objectField(props: unknown, field: string): { value: unknown } | { problem: string } {
    const value = child(props, field);
    return value === undefined || value === null || isUnknown(value) || isObject(value)
        ? { value }
        : { problem: `${field} can't be read (expected an object, found ${describeType(value)})` };
}

/** BuildKit's test for a remote context or Dockerfile (urlutil.IsRemoteURL). */
function isRemote(location: string): boolean {
    return ["http://", "https://", "git://", "git@", "github.com/"].some(prefix => location.startsWith(prefix));
}

function file(filePath: string, field: string): Source {
    return { kind: "file", path: filePath, shown: `Dockerfile ${filePath} (${field})`, named: filePath };
}

/** `docker_build.Image web, Dockerfile ./Dockerfile (dockerfile.location) line 7`; `docker.Image web: the Dockerfile`. */
function pulumiAt(label: string): ImageBuild["at"] {
    return (shown, line) => (line === undefined ? `${label}: ${shown}` : `${label}, ${shown} line ${line}`);
}

function cannotRead(shown: string, reason: string, fix: string): Source {
    return { kind: "unreadable", shown, reason, fix };
}

/** A string field that must be readable to find the Dockerfile: its value, or the Source saying why not. */
function required(reading: Reading<string>, field: string, fallback?: string): { value: string } | Source {
    switch (reading.state) {
        case "set":
            return { value: reading.value };
        case "unknown":
            return unknownSource;
        case "malformed":
            return cannotRead("the Dockerfile", `${field} can't be read (${reading.problem})`, `set ${field} to a path`);
        case "absent":
            return fallback !== undefined ? { value: fallback } : cannotRead("the Dockerfile", `${field} is not set`, `set ${field}`);
    }
}

/**
 * docker.Image, docker.RemoteImage and docker.RegistryImage keep their build settings under
 * `build`; `sourceOf` reads the Dockerfile's location from it once it is known to be an object.
 */
function underBuild(
    kind: ImageBuildKind,
    name: string,
    props: JsonObject,
    build: { value: unknown } | { problem: string },
    images: unknown[],
    sourceOf: (build: unknown) => Source,
): ImageBuild {
    const value = "value" in build ? build.value : undefined;
    const label = `${kind.kind} ${name}`;
    return {
        kind,
        dialect: "pulumi",
        label,
        noun: "the resource",
        pointAt: "point the resource at the Dockerfile",
        at: pulumiAt(label),
        source:
            "problem" in build
                ? cannotRead("the Dockerfile", build.problem, "set build to { context, dockerfile }")
                : isUnknown(value)
                  ? unknownSource
                  : sourceOf(value),
        target: readString(child(value, "target")),
        targetField: "build.target",
        argsField: kind.args.join("."),
        buildArgs: readStringMap(readPath(props, kind.args)),
        namedContexts: new Map(),
        images,
        ship: stage => `new ${kind.kind}(${quote(name)}, { ...args, build: { ...args.build, target: ${quote(stage)} } })`,
    };
}

/** `docker.Image`: a relative `build.dockerfile` is relative to the program, and defaults to `<build.context>/Dockerfile` (provider/image.go). */
function dockerImage(kind: ImageBuildKind, name: string, props: JsonObject): ImageBuild {
    return underBuild(kind, name, props, objectField(props, "build"), [child(props, "imageName")], build => {
        const dockerfile = readString(child(build, "dockerfile"));
        if (dockerfile.state !== "absent") {
            const value = required(dockerfile, "build.dockerfile");
            return "value" in value ? file(value.value, "build.dockerfile") : value;
        }
        const context = required(readString(child(build, "context")), "build.context", ".");
        return "value" in context ? file(path.join(context.value, "Dockerfile"), "the default of build.dockerfile") : context;
    });
}

/**
 * `docker.RemoteImage` (kreuzwerker/docker's docker_image) and `docker.RegistryImage`
 * (docker_registry_image), whose `build` blocks are the same: the daemon reads `build.dockerfile`
 * (default `Dockerfile`) inside `build.context`, which is relative to the program and may start
 * with `~`. Without `build` it pulls (or pushes) an image and builds nothing.
 */
function remoteImage(kind: ImageBuildKind, name: string, props: JsonObject): ImageBuild | undefined {
    const build = objectField(props, "build");
    if ("value" in build && (build.value === undefined || build.value === null)) {
        return undefined;
    }
    const images = [child(props, "name"), "value" in build ? child(build.value, "tags") : undefined];
    return underBuild(kind, name, props, build, images, value => {
        const remoteContext = readString(child(value, "remoteContext"));
        if (remoteContext.state === "set") {
            return cannotRead("the Dockerfile", `build.remoteContext is ${quote(remoteContext.value)}, so the Dockerfile is not on this machine`, "build from a local context, or exclude the resource");
        }
        const context = required(readString(child(value, "context")), "build.context");
        const dockerfile = required(readString(child(value, "dockerfile")), "build.dockerfile", "Dockerfile");
        if (!("value" in context)) {
            return context;
        }
        if (!("value" in dockerfile)) {
            return dockerfile;
        }
        const contextDir = context.value.startsWith("~/") ? path.join(os.homedir(), context.value.slice(2)) : context.value;
        return file(path.isAbsolute(dockerfile.value) ? dockerfile.value : path.join(contextDir, dockerfile.value), "build.context and build.dockerfile");
    });
}

/**
 * How a docker-build Image reads in the dialect of its source: a Pulumi program's resource, a
 * Compose service's `build` (which the scan hands over as one, DESIGN.md), or a Dockerfile on its
 * own: how findings name it and its fields, and what ships a stage.
 */
interface BuildTerms {
    readonly label: string;
    readonly noun: string;
    readonly at: ImageBuild["at"];
    readonly ship: ImageBuild["ship"];
    readonly fields: { readonly location: string; readonly inline: string; readonly target: string; readonly args: string };
    /** How a finding names the Dockerfile at `filePath`, found through `field`; and an inline one. */
    shownFile(filePath: string, field: string): string;
    readonly shownInline: string;
    /** The fix for a Dockerfile that isn't where the build says. */
    readonly pointAt: string;
    /** The fix for a build whose Dockerfile comes from a remote context. */
    readonly remoteContext: string;
}

function dockerBuildTerms(kind: ImageBuildKind, name: string, dialect: Dialect): BuildTerms {
    switch (dialect) {
        case "compose":
            return {
                label: `Compose service ${name}`,
                noun: "the service",
                at: (shown, line) => `${composeBuildSubject([name])}: ${shown}${line === undefined ? "" : ` line ${line}`}`,
                ship: stage => `build.target: ${stage}`,
                fields: { location: "build.dockerfile", inline: "build.dockerfile_inline", target: "build.target", args: "build.args" },
                shownFile: filePath => `Dockerfile ${displayPath(filePath)}`,
                shownInline: "build.dockerfile_inline",
                pointAt: "point build.context (and build.dockerfile) at the Dockerfile",
                // A Compose build's dockerfile is inside its context: only an inline one is local.
                remoteContext: "set build.dockerfile_inline, or exclude the service",
            };
        case "dockerfile":
            return {
                label: `Dockerfile ${name}`,
                noun: "the file",
                at: (shown, line) => `${shown}${line === undefined ? "" : ` line ${line}`}`,
                ship: stage => `docker build --target ${stage}`,
                fields: { location: "the Dockerfile", inline: "the Dockerfile", target: "--target", args: "--build-arg" },
                shownFile: filePath => `Dockerfile ${displayPath(filePath)}`,
                shownInline: `Dockerfile ${name}`,
                pointAt: "scan the Dockerfile itself",
                remoteContext: "scan the Dockerfile itself",
            };
        default: {
            const label = `${kind.kind} ${name}`;
            return {
                label,
                noun: "the resource",
                at: pulumiAt(label),
                ship: stage => `new docker_build.Image(${quote(name)}, { ...args, target: ${quote(stage)} })`,
                fields: { location: "dockerfile.location", inline: "dockerfile.inline", target: "target", args: kind.args.join(".") },
                shownFile: (filePath, field) => `Dockerfile ${filePath} (${field})`,
                shownInline: "dockerfile.inline",
                pointAt: "point the resource at the Dockerfile",
                remoteContext: "set dockerfile.location or dockerfile.inline, or exclude the resource",
            };
        }
    }
}

/**
 * `docker-build.Image`: `dockerfile.inline`, or `dockerfile.location` relative to the program,
 * defaulting to `<context.location>/Dockerfile` (provider/internal/context.go, dockerfile.go).
 */
function dockerBuildImage(kind: ImageBuildKind, name: string, props: JsonObject, dialect: Dialect): ImageBuild {
    const terms = dockerBuildTerms(kind, name, dialect);
    const { fields } = terms;
    const dockerfile = objectField(props, "dockerfile");
    const context = objectField(props, "context");
    const dockerfileValue = "value" in dockerfile ? dockerfile.value : undefined;
    const contextValue = "value" in context ? context.value : undefined;
    const inline = readString(child(dockerfileValue, "inline"));
    const location = readString(child(dockerfileValue, "location"));
    const malformed = "problem" in dockerfile ? dockerfile.problem : "problem" in context ? context.problem : undefined;
    const local = (filePath: string, field: string): Source => ({ kind: "file", path: filePath, shown: terms.shownFile(filePath, field), named: dialect === "pulumi" ? filePath : displayPath(filePath) });
    let source: Source;
    if (malformed) {
        source = cannotRead("the Dockerfile", malformed, "set dockerfile and context to objects");
    } else if (inline.state === "set") {
        source = { kind: "inline", text: inline.value, shown: terms.shownInline };
    } else if (inline.state !== "absent") {
        source = inline.state === "unknown" ? unknownSource : cannotRead(fields.inline, `it can't be read (${inline.problem})`, `set ${fields.inline} to the Dockerfile's text`);
    } else if (location.state !== "absent") {
        const value = required(location, fields.location);
        source = !("value" in value)
            ? value
            : isRemote(value.value)
              ? cannotRead(`Dockerfile ${value.value}`, "it is remote, so the policy can't read it", `use a local ${fields.location} or ${fields.inline}, or exclude ${terms.noun}`)
              : local(value.value, "dockerfile.location");
    } else {
        const contextLocation = required(readString(child(contextValue, "location")), "context.location", ".");
        source = !("value" in contextLocation)
            ? contextLocation
            : isRemote(contextLocation.value)
              ? cannotRead("the Dockerfile", `it comes from the remote context ${contextLocation.value}`, terms.remoteContext)
              : local(path.join(contextLocation.value, "Dockerfile"), "the default of dockerfile.location");
    }
    const named = readStringMap(child(contextValue, "named"), entry => child(entry, "location"));
    return {
        kind,
        dialect,
        label: terms.label,
        noun: terms.noun,
        at: terms.at,
        ship: terms.ship,
        pointAt: terms.pointAt,
        source,
        target: readString(child(props, "target")),
        targetField: fields.target,
        argsField: fields.args,
        buildArgs: readStringMap(readPath(props, kind.args)),
        // BuildKit matches a FROM name against named contexts case-insensitively, as against stage names.
        namedContexts: isUnknown(named) ? UNKNOWN : new Map([...named].map(([contextName, location]) => [contextName.toLowerCase(), location])),
        images: [child(props, "tags")],
    };
}

// ---------------------------------------------------------------------------------------------
// Reading the Dockerfile

/** A build's Dockerfile: read and parsed, not known yet (preview), or why it can't be read. */
export type DockerfileReading =
    | { state: "read"; dockerfile: Dockerfile; shown: string }
    | { state: "unknown" }
    | { state: "unreadable"; shown: string; reason: string; fix: string };

type Loaded = { state: "read"; dockerfile: Dockerfile } | { state: "unreadable"; reason: string; fix: string };

const capText = `${dockerfileCap / 1024} KiB`;

/** The Dockerfile at `filePath`, which reasons call `named`; `build` says how its fixes are worded. */
function readCapped(filePath: string, named: string, resolvedFrom: string, build: ImageBuild): Loaded {
    const fix = resolvedFrom ? `${build.pointAt}, or set the policy's programDirectory config to the program's directory` : build.pointAt;
    const unreadable = (reason: string): Loaded => ({ state: "unreadable", reason: reason + resolvedFrom, fix });
    let fd: number | undefined;
    try {
        // Non-blocking, so that a FIFO doesn't hold the open; then only a regular file is read.
        fd = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
        const stat = fs.fstatSync(fd);
        if (!stat.isFile()) {
            return unreadable(`${named} is not a regular file`);
        }
        if (stat.size > dockerfileCap) {
            return { state: "unreadable", reason: `${named} is ${stat.size} bytes, more than the ${capText} the policy reads`, fix: `keep the Dockerfile under that size, or exclude ${build.noun}` };
        }
        // The size stat gave (under the cap): a file that grew since is read up to it. Unzeroed, and
        // small enough to come from Node's buffer pool (performance: a 256 KiB buffer per build was
        // most of the garbage collector's work).
        const buffer = Buffer.allocUnsafe(stat.size);
        return { state: "read", dockerfile: parseDockerfile(buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, stat.size, 0))) };
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return unreadable(
            code === "ENOENT" || code === "ENOTDIR"
                ? `there is no file at ${named}`
                : code === "EACCES" || code === "EPERM"
                  ? `the policy may not read ${named} (${code})`
                  : `${named} can't be read (${(e as Error).message.replace(filePath, named)})`,
        );
    } finally {
        if (fd !== undefined) {
            fs.closeSync(fd);
        }
    }
}

function readInline(text: string, build: ImageBuild): Loaded {
    return text.length > dockerfileCap
        ? { state: "unreadable", reason: `it is ${text.length} characters long, more than the ${capText} the policy reads`, fix: `exclude ${build.noun}` }
        : { state: "read", dockerfile: parseDockerfile(text) };
}

/**
 * The build's Dockerfile, read and parsed once per resource for the policies that ask with the
 * same file: a relative path resolves from the program directory that `configuredProgramDirectory`
 * (the asking policy's programDirectory config) or the environment gives, so two policies
 * configured alike read one file once.
 */
export function readDockerfile(resource: BuildResource, build: ImageBuild, policy: string, configuredProgramDirectory: string | undefined): DockerfileReading {
    const source = build.source;
    const once = (shown: string, what: string, read: () => Loaded): DockerfileReading => ({ ...derivedOnce(resource, resource.props, policy, what, read), shown });
    switch (source.kind) {
        case "unknown":
            return { state: "unknown" };
        case "unreadable":
            return { state: "unreadable", shown: source.shown, reason: source.reason, fix: source.fix };
        case "inline":
            return once(source.shown, "Dockerfile inline", () => readInline(source.text, build));
        case "file": {
            if (path.isAbsolute(source.path)) {
                return once(source.shown, `Dockerfile ${source.path}`, () => readCapped(source.path, source.named, "", build));
            }
            const program = programDirectory(configuredProgramDirectory);
            if (!program.found) {
                return {
                    state: "unreadable",
                    shown: source.shown,
                    reason:
                        `the path is relative to the Pulumi program's directory, which the engine doesn't tell policies ` +
                        `(it starts them in the pack's directory), and the policy found no program: ${program.tried.join("; ")}`,
                    fix: `set the policy's programDirectory config to the program's directory, e.g. { "${policy}": { "programDirectory": "\${GITHUB_WORKSPACE}/infra" } }`,
                };
            }
            const resolved = path.resolve(program.dir, source.path);
            return once(source.shown, `Dockerfile ${resolved}`, () => readCapped(resolved, resolved, ` (relative paths start at ${program.dir}, ${program.how})`, build));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The stage a build ships

export type ShippedStage =
    | { state: "found"; dockerfile: Dockerfile; shown: string; shipped: Stage; lineage: Lineage; scope: Scope }
    /** What decides it is not known yet (preview). */
    | { state: "unknown"; reason: string }
    | { state: "cannotCheck"; shown: string; reason: string; fix: string };

/** The stage the build ships and its lineage, or why they are not known or can't be. */
export function shippedStageOf(resource: BuildResource, build: ImageBuild, policy: string, configuredProgramDirectory: string | undefined): ShippedStage {
    const reading = readDockerfile(resource, build, policy, configuredProgramDirectory);
    if (reading.state === "unknown") {
        return { state: "unknown", reason: "the Dockerfile is not known yet (preview)" };
    }
    if (reading.state === "unreadable") {
        return { state: "cannotCheck", shown: reading.shown, reason: reading.reason, fix: reading.fix };
    }
    const { dockerfile, shown } = reading;
    const cannotCheck = (reason: string, fix: string): ShippedStage => ({ state: "cannotCheck", shown, reason, fix });
    if (dockerfile.syntax && !isDockerfileFrontend(dockerfile.syntax.value)) {
        return cannotCheck(`its "# syntax=${dockerfile.syntax.value}" directive (line ${dockerfile.syntax.line}) selects another BuildKit frontend, whose language the policy can't read`, "use the Dockerfile frontend (docker/dockerfile:1), or exclude the resource");
    }
    if (dockerfile.stages.length === 0) {
        return cannotCheck("it has no FROM instruction", "check that the path names the Dockerfile");
    }
    const bare = dockerfile.stages.find(stage => stage.from === "");
    if (bare) {
        return cannotCheck(`its FROM instruction on line ${bare.line} names no image, so BuildKit rejects the Dockerfile`, "name the base image: FROM <image> [AS <stage>]");
    }
    const target = build.target;
    if (target.state === "malformed") {
        return cannotCheck(`${build.targetField} can't be read (${target.problem})`, `set ${build.targetField} to a stage name`);
    }
    if (target.state === "unknown" && dockerfile.stages.length > 1) {
        return { state: "unknown", reason: `${build.targetField} is not known yet (preview), so neither is the stage that ships` };
    }
    const targetName = target.state === "set" ? target.value : undefined;
    const shipped = shippedStage(dockerfile, targetName);
    if (!shipped) {
        // Only a target can name no stage: without one the last stage ships, and there is one.
        const stages = dockerfile.stages.map(stage => stage.name ?? `#${stage.index}`).join(", ");
        return cannotCheck(`${build.targetField} is ${quote(targetName!)}, which names none of its stages (${stages})`, `set ${build.targetField} to the stage that ships`);
    }
    const scope = globalScope(dockerfile, build.buildArgs);
    return { state: "found", dockerfile, shown, shipped, lineage: lineageOf(dockerfile, shipped, scope, build.namedContexts), scope };
}

// ---------------------------------------------------------------------------------------------
// The user the shipped image runs as (for container-run-as-non-root, issue 16)

export type EffectiveUser =
    /** The shipped stage's lineage's last USER, expanded (`app`, `10001:10001`), its line, and its stage (`stage "runtime"`). */
    | { state: "set"; user: string; line: number; stage: string; shown: string }
    /** No USER in the lineage: the image runs as its base image's user (root unless the base sets one). */
    | { state: "none"; base: BaseImage; shown: string; line: number; stage: string }
    /** Not known here: a preview value, a USER built from what isn't known (a build arg, the base image's ENV), the target. */
    | { state: "unknown"; reason: string; line?: number }
    | { state: "unreadable"; shown: string; reason: string; fix: string };

/**
 * The user an image build's shipped stage runs as, by its Dockerfile; undefined when the resource
 * builds nothing. `configuredProgramDirectory` is the asking policy's programDirectory config.
 */
export function effectiveUser(resource: BuildResource, policy: string, configuredProgramDirectory?: string): EffectiveUser | undefined {
    const build = imageBuildOf(resource, policy);
    if (!build) {
        return undefined;
    }
    const found = shippedStageOf(resource, build, policy, configuredProgramDirectory);
    if (found.state !== "found") {
        return found.state === "unknown" ? found : { ...found, state: "unreadable" };
    }
    const user = userOf(found.dockerfile, found.lineage, build.buildArgs, found.scope);
    switch (user.state) {
        case "set":
            return { state: "set", user: user.user, line: user.line, stage: stageLabel(user.stage), shown: found.shown };
        case "none":
            return { state: "none", base: found.lineage.base, shown: found.shown, line: found.shipped.line, stage: stageLabel(found.shipped) };
        case "unknown":
            return { state: "unknown", reason: `USER ${user.written} (line ${user.line}, ${stageLabel(user.stage)}) depends on a value not known here: a build argument not known yet, a platform ARG or the base image's ENV`, line: user.line };
    }
}
