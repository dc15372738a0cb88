// Stage lineage, as BuildKit's frontend resolves it (moby/buildkit frontend/dockerfile/dockerfile2llb):
// the stage a build ships, the stages it is FROM up to a base image (ARGs expanded, named contexts
// followed), whether it takes files from a build stage, the user it runs as; and what base images
// and frontends are.
import { Glob } from "../glob";
import { isUnknown, quote, Unknown } from "../values";
import { evaluateWord, expandVariables, Scope, stageScope } from "./expand";
import { Dockerfile, Stage } from "./lines";

/** The stage a build ships: its target, else the last stage. */
export function shippedStage(dockerfile: Dockerfile, target: string | undefined): Stage | undefined {
    if (target === undefined) {
        return dockerfile.stages[dockerfile.stages.length - 1];
    }
    const wanted = target.toLowerCase();
    return dockerfile.stages.find(stage => stage.name?.toLowerCase() === wanted);
}

export type BaseImage =
    | { state: "image"; ref: string }
    | { state: "unknown" }
    | { state: "unresolved"; text: string; stage: Stage };

export interface Lineage {
    /** The shipped stage, then the stage it is FROM, and so on up to the one FROM an image. */
    readonly stages: readonly Stage[];
    readonly base: BaseImage;
}

/**
 * Follows `FROM <earlier stage>` up to an image. `namedContexts` (docker-build's `context.named`)
 * replace a stage or image of the same name, as `--build-context` does.
 */
export function lineageOf(
    dockerfile: Dockerfile,
    shipped: Stage,
    scope: Scope,
    namedContexts: ReadonlyMap<string, string | Unknown> | Unknown,
): Lineage {
    const stages = [shipped];
    for (let stage = shipped; ; ) {
        const expanded = expandVariables(stage.from, scope, dockerfile.escape);
        if (expanded === undefined) {
            return { stages, base: { state: "unresolved", text: stage.from, stage } };
        }
        if (isUnknown(expanded) || isUnknown(namedContexts)) {
            return { stages, base: { state: "unknown" } };
        }
        const reference = expanded.trim().toLowerCase();
        if (reference === "") {
            return { stages, base: { state: "unresolved", text: stage.from, stage } };
        }
        const context = namedContexts.get(reference);
        if (context !== undefined) {
            if (isUnknown(context)) {
                return { stages, base: { state: "unknown" } };
            }
            const image = "docker-image://";
            return {
                stages,
                base: context.startsWith(image) ? { state: "image", ref: context.slice(image.length) } : { state: "unresolved", text: `${reference} (build context ${context})`, stage },
            };
        }
        const parent = earlierStage(dockerfile, stage, reference);
        if (!parent) {
            return { stages, base: { state: "image", ref: expanded.trim() } };
        }
        stages.push(parent);
        stage = parent;
    }
}

/** The stage `reference` names from inside `stage`: an earlier stage's name, or (for COPY) its index. */
function earlierStage(dockerfile: Dockerfile, stage: Stage, reference: string, byIndex = false): Stage | undefined {
    if (byIndex && reference.length > 0 && [...reference].every(c => c >= "0" && c <= "9")) {
        const index = Number(reference);
        return index < stage.index ? dockerfile.stages[index] : undefined;
    }
    return dockerfile.stages.find(s => s.index < stage.index && s.name?.toLowerCase() === reference);
}

/**
 * Whether the shipped image takes files from a build stage: a `COPY --from` (or `RUN --mount=from=`)
 * in its lineage naming an earlier stage outside the lineage. A `--from` built from variables can't
 * be resolved here and counts, so that it never causes a false violation.
 */
export function takesFromBuildStage(dockerfile: Dockerfile, lineage: Lineage, namedContexts: ReadonlyMap<string, unknown> | Unknown): boolean {
    return lineage.stages.some(stage =>
        stage.takes.some(({ from }) => {
            if (from.includes("$")) {
                return true;
            }
            const reference = from.toLowerCase();
            if (!isUnknown(namedContexts) && namedContexts.has(reference)) {
                return false;
            }
            const source = earlierStage(dockerfile, stage, reference, true);
            return source !== undefined && !lineage.stages.includes(source);
        }),
    );
}

/** How messages name a stage: `stage "runtime"`, `stage #0`. */
export function stageLabel(stage: Stage): string {
    return stage.name ? `stage ${quote(stage.name)}` : `stage #${stage.index}`;
}

/** The user a lineage's image runs as, by its Dockerfile. */
export type StageUser =
    /** The last USER of the lineage, expanded: `user`, `user:group`, `uid:gid`. */
    | { state: "set"; user: string; stage: Stage; line: number }
    /** No USER in the lineage: the base image's user. */
    | { state: "none" }
    /** A USER whose value depends on what isn't known here (a build arg not known yet, the base image's ENV) or a form not evaluated. */
    | { state: "unknown"; written: string; stage: Stage; line: number };

/**
 * The user the last stage of `lineage` runs as: its lineage's last USER (the shipped stage's, else
 * that of the stage it is FROM, and so on), expanded in the scope BuildKit gives that instruction.
 */
export function userOf(dockerfile: Dockerfile, lineage: Lineage, buildArgs: ReadonlyMap<string, string | Unknown> | Unknown, global: Scope): StageUser {
    const onScratch = lineage.base.state === "image" && parseImageRef(lineage.base.ref).repository === "scratch";
    for (let at = 0; at < lineage.stages.length; at++) {
        const stage = lineage.stages[at];
        const last = stage.users[stage.users.length - 1];
        if (!last) {
            continue;
        }
        const rootFirst = lineage.stages.slice(at).reverse();
        const user = evaluateWord(last.user, stageScope(dockerfile, rootFirst, last.line, buildArgs, global, !onScratch), dockerfile.escape);
        return typeof user === "string" ? { state: "set", user, stage, line: last.line } : { state: "unknown", written: last.user, stage, line: last.line };
    }
    return { state: "none" };
}

// ---------------------------------------------------------------------------------------------
// Base images

export function parseImageRef(ref: string): { repository: string; tag: string } {
    const at = ref.indexOf("@");
    const withoutDigest = (at >= 0 ? ref.slice(0, at) : ref).toLowerCase();
    const colon = withoutDigest.lastIndexOf(":");
    return colon > withoutDigest.lastIndexOf("/")
        ? { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) }
        : { repository: withoutDigest, tag: "" };
}

/**
 * Whether an image is a minimal base: scratch, distroless (Google's, and `-distroless` / `-chiseled`
 * tags such as Microsoft's), Chainguard and Wolfi, Alpine, `-slim` variants, UBI micro/minimal,
 * BusyBox, or one the config allows (`allowedFinalBaseImages` globs, matched against the reference).
 */
export function isMinimalImage(ref: string, allowed: readonly Glob[]): boolean {
    if (allowed.some(glob => glob.matches(ref))) {
        return true;
    }
    const { repository, tag } = parseImageRef(ref);
    const segments = repository.split("/");
    const last = segments[segments.length - 1];
    return (
        repository === "scratch" ||
        segments.includes("distroless") ||
        tag.includes("distroless") ||
        tag.includes("chiseled") ||
        segments[0] === "cgr.dev" ||
        segments[0] === "chainguard" ||
        last === "wolfi-base" ||
        last.includes("alpine") ||
        tag.includes("alpine") ||
        last.endsWith("-slim") ||
        tag.includes("slim") ||
        last === "busybox" ||
        (last.startsWith("ubi") && (last.endsWith("-micro") || last.endsWith("-minimal")))
    );
}

/** Whether `# syntax=` names the Dockerfile frontend (any version), not a custom language. */
export function isDockerfileFrontend(syntax: string): boolean {
    const repository = parseImageRef(syntax).repository;
    const name = repository.startsWith("docker.io/") ? repository.slice("docker.io/".length) : repository;
    return name === "docker/dockerfile" || name === "docker/dockerfile-upstream";
}

