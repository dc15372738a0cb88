// Rule 2: multi-stage image builds. The image that ships holds the application and what it needs
// to run; compilers, package managers and build dependencies stay in earlier stages.
import { EnforcementLevel, ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { compileGlobs } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import { Dockerfile, Stage } from "./lib/dockerfile/lines";
import { isMinimalImage, Lineage, lineageOf, parseImageRef, stageLabel, takesFromBuildStage } from "./lib/dockerfile/stages";
import { toolchainInstalls } from "./lib/dockerfile/toolchains";
import { Glob } from "./lib/glob";
import { BuildResource, ImageBuild, imageBuildValidation, programDirectoryConfig, ShippedStage, shippedStageOf } from "./lib/image-builds";
import { configReader, policyMetadata, PolicyMetadata } from "./lib/policy";

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
        programDirectory: programDirectoryConfig,
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
// Suggesting a runtime image

/**
 * The language runtimes distroless publishes and updates (github.com/GoogleContainerTools/distroless,
 * README "What images are available?": Debian 13; its Debian 12 runtimes are no longer updated).
 */
const distrolessRuntimes = {
    /** gcr.io/distroless/nodejs<major>-debian13: the even Node.js releases in support. */
    nodejs: ["22", "24", "26"],
    /** gcr.io/distroless/java<major>-debian13 (Temurin). */
    java: ["17", "21", "25"],
    /** gcr.io/distroless/python3-debian13 holds this Python release. */
    python: "3.13",
};

const javaImages = ["openjdk", "eclipse-temurin", "amazoncorretto", "maven", "gradle"];
/** Official images of servers that publish an `-alpine` variant of each release (nginx:1.27-alpine). */
const alpineServers = ["nginx", "httpd", "redis", "haproxy", "memcached"];
/** Where maven and gradle tags name their JDK's major version: `3.9-eclipse-temurin-21`, `8.5-jdk17`. */
const jdkMarkers = ["temurin-", "corretto-", "openjdk-", "jdk-", "jdk"];

function leadingDigits(text: string, from = 0): string {
    let end = from;
    while (end < text.length && text[end] >= "0" && text[end] <= "9") {
        end++;
    }
    return text.slice(from, end);
}

/** The Java major version a JDK image's tag names, or "" when it names none. */
function javaMajor(image: string, tag: string): string {
    if (image !== "maven" && image !== "gradle") {
        return leadingDigits(tag);
    }
    for (const marker of jdkMarkers) {
        const at = tag.indexOf(marker);
        const digits = at < 0 ? "" : leadingDigits(tag, at + marker.length);
        if (digits) {
            return digits;
        }
    }
    return "";
}

/**
 * A minimal image to run what a build on `buildBase` builds (a fix suggestion, not a rule): the
 * same language and release, distroless where it publishes that release, else the `-slim` variant
 * (`-alpine` for a build on Alpine, whose musl binaries need it); a server's `-alpine` variant; a
 * static image for compiled code.
 */
export function runtimeImageFor(buildBase: string): string {
    const { repository, tag } = parseImageRef(buildBase);
    const image = repository.slice(repository.lastIndexOf("/") + 1);
    const alpine = tag.includes("alpine");
    const dash = tag.indexOf("-");
    const first = dash < 0 ? tag : tag.slice(0, dash);
    // The release, as the tag names it: `17`, `3.12.1`, `lts`; "" for none (`node`, `node:alpine`).
    const release = first === "alpine" || first === "slim" ? "" : first;
    // The same repository (and registry), the variant of the same release.
    const variant = (suffix = alpine ? "alpine" : "slim") => `${repository}:${release ? `${release}-` : ""}${suffix}`;
    switch (image) {
        case "node": {
            const major = leadingDigits(release);
            return !alpine && distrolessRuntimes.nodejs.includes(major) ? `gcr.io/distroless/nodejs${major}-debian13` : variant();
        }
        case "python":
            return !alpine && (release === distrolessRuntimes.python || release.startsWith(`${distrolessRuntimes.python}.`)) ? "gcr.io/distroless/python3-debian13" : variant();
        case "ruby":
            return variant();
        case "rust":
        case "gcc":
            return "gcr.io/distroless/cc-debian13";
    }
    if (alpineServers.includes(image)) {
        return variant("alpine");
    }
    if (javaImages.includes(image)) {
        const major = javaMajor(image, tag);
        if (!alpine && distrolessRuntimes.java.includes(major)) {
            return `gcr.io/distroless/java${major}-debian13`;
        }
        return `eclipse-temurin:${major || "<the build's Java major version>"}-jre-alpine`;
    }
    return "gcr.io/distroless/static-debian13";
}

/** `preferred`, or `preferred-2`, ...: a stage name the Dockerfile doesn't use yet (BuildKit compares them case-insensitively). */
function unusedStageName(dockerfile: Dockerfile, preferred: string): string {
    const used = new Set(dockerfile.stages.map(stage => stage.name?.toLowerCase()));
    for (let n = 1; ; n++) {
        const name = n === 1 ? preferred : `${preferred}-${n}`;
        if (!used.has(name)) {
            return name;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Judging the build

type Found = Extract<ShippedStage, { state: "found" }>;

interface BuildFinding {
    stage: Stage;
    line: number;
    problem: string;
    why: string;
    fixIntro: string;
    /** Dockerfile lines of the fix. */
    fix: string[];
}

const whyBuildStage = "without a separate build stage, the shipped image keeps the compilers, package caches and sources the build needed, each one attack surface at run time.";
const whyMinimal = "a full distribution base ships a shell, a package manager and hundreds of packages the app never runs: more CVEs to patch and more tools for an intruder.";
const whyToolchain = "compilers and headers in the running image let an intruder build tools on the spot, and carry CVEs the app doesn't need.";

/**
 * The stage a fix builds in, and the base it is on: the Dockerfile's own build stage when it has
 * one (the stage the shipped one is FROM, else an earlier stage on a full base outside the shipped
 * lineage), else a new stage on the shipped stage's base.
 */
function buildStageOf({ dockerfile, shipped, lineage, scope }: Found, build: ImageBuild, config: RuleConfig): { name: string; from: string; base: string; isNew: boolean } {
    const baseOf = (resolved: Lineage, written: string) => (resolved.base.state === "image" ? resolved.base.ref : written);
    const named = (stage: Stage) => stage.name ?? String(stage.index);
    if (lineage.stages.length > 1) {
        const parent = lineage.stages[1];
        return { name: named(parent), from: parent.from, base: baseOf(lineage, lineage.stages[lineage.stages.length - 1].from), isNew: false };
    }
    for (const stage of dockerfile.stages.slice(0, shipped.index)) {
        const base = baseOf(lineageOf(dockerfile, stage, scope, build.namedContexts), stage.from);
        if (!isMinimalImage(base, config.allowedFinalBaseImages)) {
            return { name: named(stage), from: stage.from, base, isNew: false };
        }
    }
    const base = baseOf(lineage, shipped.from);
    return { name: unusedStageName(dockerfile, "build"), from: base, base, isNew: true };
}

/** What is wrong with the shipped stage, its fixes shipping stage `ships`. */
function findingsOf(found: Found, ships: string, build: ImageBuild, config: RuleConfig): BuildFinding[] {
    const { dockerfile, shipped, lineage } = found;
    const findings: BuildFinding[] = [];
    const root = lineage.stages[lineage.stages.length - 1];
    const buildStage = buildStageOf(found, build, config);
    const runtime = runtimeImageFor(buildStage.base);
    const shipFix = [`FROM ${runtime} AS ${ships}`, `COPY --from=${buildStage.name} /out/ /app/`];
    const splitFix = [`FROM ${buildStage.from} AS ${buildStage.name}`, "# ... build steps ...", ...shipFix];
    // Without a build stage to copy from, a new base is the whole fix (a base plus copied files).
    const baseFix = buildStage.isNew ? shipFix.slice(0, 1) : shipFix;
    const lineageNote = lineage.stages.length > 1 ? ` (it starts FROM ${stageLabel(lineage.stages[1])}, so it ships all that stage holds)` : "";

    // A single stage that runs nothing (a base plus copied files and metadata) has no toolchain to leave behind.
    if (dockerfile.stages.length < 2 && shipped.runs.length > 0) {
        findings.push({
            stage: shipped, line: shipped.line,
            problem: "the build has a single stage, so the image ships everything its build needed",
            why: whyBuildStage,
            fixIntro: "build in a stage of its own and copy only its output into a minimal stage",
            fix: splitFix,
        });
    } else if (dockerfile.stages.length >= 2 && !takesFromBuildStage(dockerfile, lineage, build.namedContexts)) {
        findings.push({
            stage: shipped, line: shipped.line,
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
            stage: shipped, line: shipped.line,
            problem: `the shipped stage is based on ${lineage.base.ref}${via}, not a minimal image`,
            why: whyMinimal,
            fixIntro: `base the shipped stage on a minimal image (distroless, Chainguard, alpine, *-slim, scratch${allowed})${buildStage.isNew ? "" : " and copy the build output into it"}`,
            fix: baseFix,
        });
    }
    for (const install of toolchainInstalls(lineage)) {
        const packages = install.packages.join(" ");
        findings.push({
            stage: install.stage, line: install.line,
            problem: `${install.manager} installs the build toolchain ${install.packages.join(", ")} into the shipped image${install.stage === shipped ? "" : ` (the shipped ${stageLabel(shipped)} starts FROM this stage)`}`,
            why: whyToolchain,
            fixIntro: "install build tools in a build stage and copy only what they produce",
            fix: [`FROM ${buildStage.from} AS ${buildStage.name}`, `RUN ${install.manager} ${install.verb} ${packages} && make  # the build`, ...shipFix],
        });
    }
    return findings;
}

/**
 * One finding per Dockerfile line: the problems found on it (a single-stage FROM on a full base is
 * both) named together, with one fix, the first's, which builds in a stage of its own and so fixes
 * the base too.
 */
function mergedByLine(findings: readonly BuildFinding[]): BuildFinding[] {
    const merged: BuildFinding[] = [];
    for (const finding of findings) {
        const same = merged.find(m => m.line === finding.line && m.stage === finding.stage);
        if (!same) {
            merged.push({ ...finding });
            continue;
        }
        same.problem += `; and ${finding.problem}`;
        same.why += same.why.includes(finding.why) ? "" : ` And ${finding.why[0].toLowerCase()}${finding.why.slice(1)}`;
    }
    return merged;
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

function validate(resource: BuildResource, build: ImageBuild, config: RuleConfig, report: ReportViolation): void {
    const found = shippedStageOf(resource, build, metadata.name, config.programDirectory);
    if (found.state === "unknown") {
        return; // judged at `pulumi up`
    }
    const couldNotCheck = (shown: string, reason: string, fix: string) => reportCouldNotCheck(report, `${build.at(shown)} could not be checked for a multi-stage build: ${reason}.\nFix: ${fix}`);
    if (found.state === "cannotCheck") {
        couldNotCheck(found.shown, found.reason, found.fix);
        return;
    }
    const { dockerfile, shipped, lineage, shown } = found;
    if (lineage.base.state === "unresolved") {
        couldNotCheck(shown, `the base of ${stageLabel(lineage.base.stage)} (FROM ${lineage.base.text}, line ${lineage.base.stage.line}) can't be resolved, so its base image was not checked`, "use ${NAME} or ${NAME:-default} ARG references in FROM, or a named context docker-image://...");
    }
    const ships = shipped.name ?? unusedStageName(dockerfile, "runtime");
    for (const finding of mergedByLine(findingsOf(found, ships, build, config))) {
        report(
            `${build.at(shown, finding.line)}, ${stageLabel(finding.stage)}: ${finding.problem}.\n` +
                `Why: ${finding.why}\n` +
                `Fix: ${finding.fixIntro}:\n${finding.fix.map(line => `    ${line}`).join("\n")}\n` +
                `  and ship that stage: ${build.ship(ships)}`,
        );
    }
}

export const multiStageBuild: ResourceValidationPolicy = {
    ...policyMetadata(metadata),
    validateResource: imageBuildValidation(metadata.name, readConfig, validate),
};
