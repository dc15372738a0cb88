// Rule 2: multi-stage image builds. The image that ships holds the application and what it needs
// to run; compilers, package managers and build dependencies stay in earlier stages.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EnforcementLevel, ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { compileGlobs, isExcluded, isExemptImage } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import {
    Dockerfile, dockerfileCap, globalScope, isDockerfileFrontend, isMinimalImage, Lineage, lineageOf,
    parseDockerfile, parseImageRef, shippedStage, Stage, takesFromBuildStage, toolchainInstalls,
} from "./lib/dockerfile";
import { Glob } from "./lib/glob";
import { configReader, policyMetadata, PolicyMetadata } from "./lib/policy";
import { derivedOnce } from "./lib/per-resource";
import { programDirectory } from "./lib/program-directory";
import { child, describeType, isObject, isUnknown, JsonObject, plain, quote, rawProps, Reading, UNKNOWN, Unknown } from "./lib/values";
import { imageBuildKinds } from "./lib/workloads";

const metadata: PolicyMetadata = {
    name: "image-multi-stage-build",
    displayName: "Multi-stage image builds",
    description:
        "Images are built in stages: the stage that ships copies the application from a build stage, " +
        "is based on a minimal image and installs no build toolchain.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["cis-docker-1.6.0:4.3", "nist-800-190:4.1.2", "docker"],
    framework: complianceFramework("cis-docker-1.6.0:4.3"),
    remediationSteps:
        "Build in one stage (`FROM golang:1.22 AS build`) and ship another, based on a minimal image " +
        "(scratch, gcr.io/distroless/*, cgr.dev/chainguard/*, alpine, *-slim, UBI micro/minimal, busybox), " +
        "that takes only the build output (`COPY --from=build /out/ /app/`) and installs no compiler, " +
        "`make`, `build-essential` or `-dev` package. Ship that stage: `build.target` (docker.Image, " +
        "docker.RemoteImage, docker.RegistryImage) or `target` (docker-build.Image), or make it the last stage.",
    config: {
        allowedFinalBaseImages: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description:
                "Globs of base images that count as minimal besides the built-in ones, matched against the shipped " +
                "stage's base image reference once ARGs are expanded, e.g. `registry.example.com/base/*`.",
        },
        programDirectory: {
            type: "string",
            default: "",
            description:
                "The Pulumi program's directory, from which relative Dockerfile paths resolve (as the Docker providers " +
                "resolve them). `${VAR}` is expanded from the environment; a relative value is relative to the policy " +
                "pack's directory. Empty (the default), the policy finds the Pulumi.yaml of the running project from $PWD or the " +
                "workspace a CI sets (GITHUB_WORKSPACE, CI_PROJECT_DIR, ...).",
        },
    },
};

interface RuleConfig {
    allowedFinalBaseImages: Glob[];
    programDirectory?: string;
}

const readConfig = configReader<RuleConfig>(metadata.name, metadata.config, config => ({
    allowedFinalBaseImages: compileGlobs(metadata.name, "allowedFinalBaseImages", config.allowedFinalBaseImages as string[]),
    programDirectory: (config.programDirectory as string | undefined) || undefined,
}));

// ---------------------------------------------------------------------------------------------
// The three kinds of image build, read as their providers read them

/** Where a build's Dockerfile is, as its provider resolves it. */
type Source =
    | { kind: "inline"; text: string; shown: string }
    /** `path` is relative to the program's directory (the provider's working directory) unless absolute. */
    | { kind: "file"; path: string; shown: string }
    | { kind: "unknown" }
    | { kind: "unreadable"; shown: string; reason: string; fix: string };

interface ImageBuild {
    /** How messages name the resource: `docker.Image web`. */
    label: string;
    source: Source;
    target: Reading<string>;
    targetField: string;
    buildArgs: ReadonlyMap<string, string | Unknown> | Unknown;
    namedContexts: ReadonlyMap<string, string | Unknown> | Unknown;
    /** The names the image is built under, for `exemptImages`. */
    images: unknown[];
    /** Pulumi TypeScript that ships `stage`. */
    ship(stage: string): string;
}

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
    return { kind: "file", path: filePath, shown: `Dockerfile ${filePath} (${field})` };
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
 * docker.Image and docker.RemoteImage keep their build settings under `build`; `sourceOf` reads the
 * Dockerfile's location from it once it is known to be an object.
 */
function underBuild(
    kind: "docker.Image" | "docker.RemoteImage" | "docker.RegistryImage",
    name: string,
    build: { value: unknown } | { problem: string },
    argsField: string,
    images: unknown[],
    sourceOf: (build: unknown) => Source,
): ImageBuild {
    const value = "value" in build ? build.value : undefined;
    return {
        label: `${kind} ${name}`,
        source:
            "problem" in build
                ? cannotRead("the Dockerfile", build.problem, "set build to { context, dockerfile }")
                : isUnknown(value)
                  ? unknownSource
                  : sourceOf(value),
        target: readString(child(value, "target")),
        targetField: "build.target",
        buildArgs: readStringMap(child(value, argsField)),
        namedContexts: new Map(),
        images,
        ship: stage => `new ${kind}(${quote(name)}, { ...args, build: { ...args.build, target: ${quote(stage)} } })`,
    };
}

/** `docker.Image`: a relative `build.dockerfile` is relative to the program, and defaults to `<build.context>/Dockerfile` (provider/image.go). */
function dockerImage(name: string, props: JsonObject): ImageBuild {
    return underBuild("docker.Image", name, objectField(props, "build"), "args", [child(props, "imageName")], build => {
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
function remoteImage(kind: "docker.RemoteImage" | "docker.RegistryImage", name: string, props: JsonObject): ImageBuild | undefined {
    const build = objectField(props, "build");
    if ("value" in build && (build.value === undefined || build.value === null)) {
        return undefined;
    }
    const images = [child(props, "name"), "value" in build ? child(build.value, "tags") : undefined];
    return underBuild(kind, name, build, "buildArgs", images, value => {
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
 * `docker-build.Image`: `dockerfile.inline`, or `dockerfile.location` relative to the program,
 * defaulting to `<context.location>/Dockerfile` (provider/internal/context.go, dockerfile.go).
 */
function dockerBuildImage(name: string, props: JsonObject): ImageBuild {
    const dockerfile = objectField(props, "dockerfile");
    const context = objectField(props, "context");
    const dockerfileValue = "value" in dockerfile ? dockerfile.value : undefined;
    const contextValue = "value" in context ? context.value : undefined;
    const inline = readString(child(dockerfileValue, "inline"));
    const location = readString(child(dockerfileValue, "location"));
    const malformed = "problem" in dockerfile ? dockerfile.problem : "problem" in context ? context.problem : undefined;
    let source: Source;
    if (malformed) {
        source = cannotRead("the Dockerfile", malformed, "set dockerfile and context to objects");
    } else if (inline.state === "set") {
        source = { kind: "inline", text: inline.value, shown: "dockerfile.inline" };
    } else if (inline.state !== "absent") {
        source = inline.state === "unknown" ? unknownSource : cannotRead("dockerfile.inline", `it can't be read (${inline.problem})`, "set dockerfile.inline to the Dockerfile's text");
    } else if (location.state !== "absent") {
        const value = required(location, "dockerfile.location");
        source = !("value" in value)
            ? value
            : isRemote(value.value)
              ? cannotRead(`Dockerfile ${value.value}`, "it is remote, so the policy can't read it", "use a local dockerfile.location or dockerfile.inline, or exclude the resource")
              : file(value.value, "dockerfile.location");
    } else {
        const contextLocation = required(readString(child(contextValue, "location")), "context.location", ".");
        source = !("value" in contextLocation)
            ? contextLocation
            : isRemote(contextLocation.value)
              ? cannotRead("the Dockerfile", `it comes from the remote context ${contextLocation.value}`, "set dockerfile.location or dockerfile.inline, or exclude the resource")
              : file(path.join(contextLocation.value, "Dockerfile"), "the default of dockerfile.location");
    }
    const named = readStringMap(child(contextValue, "named"), entry => child(entry, "location"));
    return {
        label: `docker_build.Image ${name}`,
        source,
        target: readString(child(props, "target")),
        targetField: "target",
        buildArgs: readStringMap(child(props, "buildArgs")),
        // BuildKit matches a FROM name against named contexts case-insensitively, as against stage names.
        namedContexts: isUnknown(named) ? UNKNOWN : new Map([...named].map(([contextName, location]) => [contextName.toLowerCase(), location])),
        images: [child(props, "tags")],
        ship: stage => `new docker_build.Image(${quote(name)}, { ...args, target: ${quote(stage)} })`,
    };
}

/** The build as its provider reads it; undefined for a resource that builds nothing. */
function imageBuildOf(type: string, name: string, props: JsonObject): ImageBuild | undefined {
    const kind = imageBuildKinds[type]?.kind;
    switch (kind) {
        case "docker.Image":
            return dockerImage(name, props);
        case "docker.RemoteImage":
        case "docker.RegistryImage":
            return remoteImage(kind, name, props);
        case "docker_build.Image":
            return dockerBuildImage(name, props);
        default:
            return undefined;
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the Dockerfile

type Loaded = { state: "loaded"; text: string } | { state: "unknown" } | { state: "unreadable"; reason: string; fix: string };

const capText = `${dockerfileCap / 1024} KiB`;

function readCapped(filePath: string, resolvedFrom: string): Loaded {
    const fix = resolvedFrom ? "point the resource at the Dockerfile, or set the policy's programDirectory config to the program's directory" : "point the resource at the Dockerfile";
    const unreadable = (reason: string): Loaded => ({ state: "unreadable", reason: reason + resolvedFrom, fix });
    let fd: number | undefined;
    try {
        // Non-blocking, so that a FIFO doesn't hold the open; then only a regular file is read.
        fd = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
        const stat = fs.fstatSync(fd);
        if (!stat.isFile()) {
            return unreadable(`${filePath} is not a regular file`);
        }
        if (stat.size > dockerfileCap) {
            return { state: "unreadable", reason: `${filePath} is ${stat.size} bytes, more than the ${capText} the policy reads`, fix: "keep the Dockerfile under that size, or exclude the resource" };
        }
        // The size stat gave (under the cap): a file that grew since is read up to it. Unzeroed, and
        // small enough to come from Node's buffer pool (performance: a 256 KiB buffer per build was
        // most of the garbage collector's work).
        const buffer = Buffer.allocUnsafe(stat.size);
        return { state: "loaded", text: buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, stat.size, 0)) };
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return unreadable(
            code === "ENOENT" || code === "ENOTDIR"
                ? `there is no file at ${filePath}`
                : code === "EACCES" || code === "EPERM"
                  ? `the policy may not read ${filePath} (${code})`
                  : `${filePath} can't be read (${(e as Error).message})`,
        );
    } finally {
        if (fd !== undefined) {
            fs.closeSync(fd);
        }
    }
}

function load(source: Source, configuredProgramDirectory: string | undefined): Loaded {
    switch (source.kind) {
        case "unknown":
            return { state: "unknown" };
        case "unreadable":
            return { state: "unreadable", reason: source.reason, fix: source.fix };
        case "inline":
            return source.text.length > dockerfileCap
                ? { state: "unreadable", reason: `it is ${source.text.length} characters long, more than the ${capText} the policy reads`, fix: "exclude the resource" }
                : { state: "loaded", text: source.text };
        case "file": {
            if (path.isAbsolute(source.path)) {
                return readCapped(source.path, "");
            }
            const program = programDirectory(configuredProgramDirectory);
            if (!program.found) {
                return {
                    state: "unreadable",
                    reason:
                        `the path is relative to the Pulumi program's directory, which the engine doesn't tell policies ` +
                        `(it starts them in the pack's directory), and the policy found no program: ${program.tried.join("; ")}`,
                    fix: `set the policy's programDirectory config to the program's directory, e.g. { "${metadata.name}": { "programDirectory": "\${GITHUB_WORKSPACE}/infra" } }`,
                };
            }
            return readCapped(path.resolve(program.dir, source.path), ` (relative paths start at ${program.dir}, ${program.how})`);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Judging the build

interface BuildFinding {
    stage: Stage;
    line: number;
    problem: string;
    why: string;
    fixIntro: string;
    /** Dockerfile lines of the fix. */
    fix: string[];
    /** The stage the fix ships. */
    ships: string;
}

const whyBuildStage = "without a separate build stage, the shipped image keeps the compilers, package caches and sources the build needed, each one attack surface at run time.";
const whyMinimal = "a full distribution base ships a shell, a package manager and hundreds of packages the app never runs: more CVEs to patch and more tools for an intruder.";
const whyToolchain = "compilers and headers in the running image let an intruder build tools on the spot, and carry CVEs the app doesn't need.";

function stageLabel(stage: Stage): string {
    return stage.name ? `stage ${quote(stage.name)}` : `stage #${stage.index}`;
}

/** A minimal image suited to what the build stage builds with (a fix suggestion, not a rule). */
function minimalImageFor(buildBase: string): string {
    const repository = parseImageRef(buildBase).repository;
    const image = repository.slice(repository.lastIndexOf("/") + 1);
    if (image === "node") {
        return "gcr.io/distroless/nodejs22-debian12";
    }
    if (image === "python") {
        return "gcr.io/distroless/python3-debian12";
    }
    if (["openjdk", "eclipse-temurin", "amazoncorretto", "maven", "gradle"].includes(image)) {
        return "gcr.io/distroless/java21-debian12";
    }
    return "gcr.io/distroless/static-debian12";
}

function findingsOf(dockerfile: Dockerfile, shipped: Stage, lineage: Lineage, build: ImageBuild, config: RuleConfig): BuildFinding[] {
    const findings: BuildFinding[] = [];
    const root = lineage.stages[lineage.stages.length - 1];
    // The fix builds in the Dockerfile's own build stage when it has one, else on the shipped stage's base.
    const buildStage = dockerfile.stages.find(stage => !lineage.stages.includes(stage) && stage.index < shipped.index);
    const buildFrom = buildStage?.from ?? (lineage.base.state === "image" ? lineage.base.ref : root.from);
    const buildName = buildStage?.name ?? (buildStage ? String(buildStage.index) : "build");
    const minimal = minimalImageFor(buildFrom);
    const ships = shipped.name ?? "runtime";
    const splitFix = [`FROM ${buildFrom} AS ${buildName}`, "# ... build steps ...", `FROM ${minimal} AS ${ships}`, `COPY --from=${buildName} /out/ /app/`];
    const lineageNote = lineage.stages.length > 1 ? ` (it starts FROM ${stageLabel(lineage.stages[1])}, so it ships all that stage holds)` : "";

    if (dockerfile.stages.length < 2) {
        findings.push({
            stage: shipped, line: shipped.line, ships,
            problem: "the build has a single stage, so the image ships everything its build needed",
            why: whyBuildStage,
            fixIntro: "build in a stage of its own and copy only its output into a minimal stage",
            fix: splitFix,
        });
    } else if (!takesFromBuildStage(dockerfile, lineage, build.namedContexts)) {
        findings.push({
            stage: shipped, line: shipped.line, ships,
            problem: `the shipped stage takes nothing from a build stage (no COPY --from=<stage>)${lineageNote}`,
            why: whyBuildStage,
            fixIntro: "build in an earlier stage and copy only its output into the shipped stage",
            fix: splitFix,
        });
    }
    if (lineage.base.state === "image" && !isMinimalImage(lineage.base.ref, config.allowedFinalBaseImages)) {
        const via = root === shipped ? "" : ` (through ${stageLabel(root)}, line ${root.line})`;
        const allowed = config.allowedFinalBaseImages.length > 0 ? ", or an image allowedFinalBaseImages allows" : "";
        findings.push({
            stage: shipped, line: shipped.line, ships,
            problem: `the shipped stage is based on ${lineage.base.ref}${via}, not a minimal image`,
            why: whyMinimal,
            fixIntro: `base the shipped stage on a minimal image (distroless, Chainguard, alpine, *-slim, scratch${allowed}) and copy the build output into it`,
            fix: [`FROM ${minimal} AS ${ships}`, `COPY --from=${buildName} /out/ /app/`],
        });
    }
    for (const install of toolchainInstalls(lineage)) {
        const packages = install.packages.join(" ");
        findings.push({
            stage: install.stage, line: install.line, ships,
            problem: `${install.manager} installs the build toolchain ${install.packages.join(", ")} into the shipped image${install.stage === shipped ? "" : ` (the shipped ${stageLabel(shipped)} starts FROM this stage)`}`,
            why: whyToolchain,
            fixIntro: "install build tools in a build stage and copy only what they produce",
            fix: [`FROM ${buildFrom} AS ${buildName}`, `RUN ${install.manager} ${install.verb} ${packages} && make  # the build`, `FROM ${minimal} AS ${ships}`, `COPY --from=${buildName} /out/ /app/`],
        });
    }
    return findings;
}

/**
 * The diagnostic for a build the policy could not check. It stays advisory whatever the policy's
 * level: the SDK's reportViolation also takes a diagnostic object with its own level
 * (@pulumi/policy server.js, makeReportViolationFun), as the SDK itself reports "can't run during preview".
 */
function reportCouldNotCheck(report: ReportViolation, message: string): void {
    const diagnostic: { message: string; enforcementLevel: EnforcementLevel } = { message: `${metadata.description}\n${message}`, enforcementLevel: "advisory" };
    (report as unknown as (d: typeof diagnostic) => void)(diagnostic);
}

function validate(resource: Resource, build: ImageBuild, config: RuleConfig, report: ReportViolation): void {
    const shown = build.source.kind === "inline" || build.source.kind === "file" || build.source.kind === "unreadable" ? build.source.shown : "the Dockerfile";
    const couldNotCheck = (reason: string, fix: string) => reportCouldNotCheck(report, `${build.label}: ${shown} could not be checked for a multi-stage build: ${reason}.\nFix: ${fix}`);
    const loaded = loadOnce(resource, metadata.name, build.source, config.programDirectory);
    if (loaded.state !== "loaded") {
        if (loaded.state === "unreadable") {
            couldNotCheck(loaded.reason, loaded.fix);
        }
        return;
    }
    const dockerfile = parseDockerfile(loaded.text);
    if (dockerfile.syntax && !isDockerfileFrontend(dockerfile.syntax.value)) {
        couldNotCheck(`its "# syntax=${dockerfile.syntax.value}" directive (line ${dockerfile.syntax.line}) selects another BuildKit frontend, whose language the policy can't read`, "use the Dockerfile frontend (docker/dockerfile:1), or exclude the resource");
        return;
    }
    if (dockerfile.stages.length === 0) {
        couldNotCheck("it has no FROM instruction", "check that the path names the Dockerfile");
        return;
    }
    const target = build.target;
    if (target.state === "malformed") {
        couldNotCheck(`${build.targetField} can't be read (${target.problem})`, `set ${build.targetField} to a stage name`);
        return;
    }
    if (target.state === "unknown" && dockerfile.stages.length > 1) {
        return; // the shipped stage is known at `pulumi up`
    }
    const targetName = target.state === "set" ? target.value : undefined;
    const shipped = shippedStage(dockerfile, targetName);
    if (!shipped) {
        // Only a target can name no stage: without one the last stage ships, and there is one.
        const stages = dockerfile.stages.map(stage => stage.name ?? `#${stage.index}`).join(", ");
        couldNotCheck(`${build.targetField} is ${quote(targetName!)}, which names none of its stages (${stages})`, `set ${build.targetField} to the stage that ships`);
        return;
    }
    const lineage = lineageOf(dockerfile, shipped, globalScope(dockerfile, build.buildArgs), build.namedContexts);
    if (lineage.base.state === "unresolved") {
        couldNotCheck(`the base of ${stageLabel(lineage.base.stage)} (FROM ${lineage.base.text}, line ${lineage.base.stage.line}) can't be resolved, so its base image was not checked`, "use ${NAME} or ${NAME:-default} ARG references in FROM, or a named context docker-image://...");
    }
    for (const finding of findingsOf(dockerfile, shipped, lineage, build, config)) {
        report(
            `${build.label}, ${shown} line ${finding.line}, ${stageLabel(finding.stage)}: ${finding.problem}.\n` +
                `Why: ${finding.why}\n` +
                `Fix: ${finding.fixIntro}:\n${finding.fix.map(line => `    ${line}`).join("\n")}\n` +
                `  and ship that stage: ${build.ship(finding.ships)}`,
        );
    }
}

/** A resource as the policies of one evaluation share it (per-resource.ts). */
interface Resource {
    type: string;
    name: string;
    props: JsonObject;
}

/** The build's Dockerfile, read once per resource for the policies that read it (this one and container-no-plaintext-secrets). */
function loadOnce(resource: Resource, policy: string, source: Source, programDirectory: string | undefined): Loaded {
    return derivedOnce(resource, resource.props, policy, `Dockerfile from ${programDirectory ?? "the program"}`, () => load(source, programDirectory));
}

/**
 * The Dockerfile an image build resource builds from, read as its provider reads it, and how
 * messages name it (`Dockerfile /src/app/Dockerfile (dockerfile.location)`); undefined when the
 * resource builds nothing, or its Dockerfile is not known yet or can't be read (this policy says
 * why). container-no-plaintext-secrets reads its ENV and ARG lines.
 */
export function buildDockerfile(resource: Resource, policy: string): { text: string; shown: string } | undefined {
    const source = imageBuildOf(resource.type, resource.name, resource.props)?.source;
    const loaded = source && loadOnce(resource, policy, source, undefined);
    return loaded?.state === "loaded" && (source!.kind === "inline" || source!.kind === "file") ? { text: loaded.text, shown: source!.shown } : undefined;
}

export const multiStageBuild: ResourceValidationPolicy = {
    ...policyMetadata(metadata),
    validateResource: (args, reportViolation) => {
        const resource = { type: args.type, name: args.name, props: rawProps(args.props) };
        const build = imageBuildOf(resource.type, resource.name, resource.props);
        if (!build) {
            return;
        }
        const config = readConfig(args);
        if (isExcluded({ name: args.name }, args.urn, config.exclude) || isExemptImage(build.images, config.exemptImages)) {
            return;
        }
        validate(resource, build, config.rule, reportViolation);
    },
};
