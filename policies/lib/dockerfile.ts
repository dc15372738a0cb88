// What a Dockerfile builds, as far as rule 2 needs it: its stages (parsed by dockerfile-ast, a real
// Dockerfile parser: directives, comments, line continuations, heredocs, flags), the stage that
// ships, the base image that stage ends up on once stage references and ARG defaults are followed,
// whether it takes files from a build stage, and the build toolchains its RUN lines install.
// Everything here scans text by hand, in linear time: this module uses no regular expression.
import type * as DockerfileAst from "dockerfile-ast";
import { Glob } from "./glob";
import { isUnknown, UNKNOWN, Unknown } from "./values";

/** Characters of a Dockerfile the rule reads; past this it says it could not check the file. */
export const dockerfileCap = 256 * 1024;

let ast: typeof DockerfileAst | undefined;
/** dockerfile-ast takes ~40 ms to load: only packs that meet an image build pay for it. */
function parser(): typeof DockerfileAst {
    return (ast ??= require("dockerfile-ast") as typeof DockerfileAst);
}

export interface Stage {
    /** 0-based, as `COPY --from=<index>` counts stages. */
    readonly index: number;
    /** The `AS` name as written; BuildKit matches stage names case-insensitively. */
    readonly name?: string;
    /** 1-based line of the FROM instruction. */
    readonly line: number;
    /** The image or stage after FROM, as written: `${BASE}`. */
    readonly from: string;
    /** Where files come from: `COPY --from=...` and `RUN --mount=...,from=...`. */
    readonly takes: ReadonlyArray<{ from: string; line: number }>;
    /** RUN instructions: the shell script (heredoc bodies included) or the exec-form argv. */
    readonly runs: ReadonlyArray<{ line: number; script: string; argv?: string[] }>;
}

export interface Dockerfile {
    /** The `# syntax=` parser directive, naming the BuildKit frontend. */
    readonly syntax?: { value: string; line: number };
    readonly escape: string;
    /** ARGs before the first FROM: the only ones a FROM line can use. */
    readonly globalArgs: ReadonlyArray<{ name: string; value?: string }>;
    readonly stages: readonly Stage[];
    /** Every ENV and ARG with the value it is written with (as written: `$VAR` unexpanded), for the secrets rule. */
    readonly variables: ReadonlyArray<{ keyword: "ENV" | "ARG"; name: string; value?: string; line: number }>;
}

/** The last few Dockerfiles parsed: two policies (rule 2 and the secrets rule) read each build's. */
const recentlyParsed = new Map<string, Dockerfile>();

export function parseDockerfile(text: string): Dockerfile {
    let dockerfile = recentlyParsed.get(text);
    if (!dockerfile) {
        dockerfile = parse(text);
        if (recentlyParsed.size >= 8) {
            recentlyParsed.delete(recentlyParsed.keys().next().value!);
        }
        recentlyParsed.set(text, dockerfile);
    }
    return dockerfile;
}

function parse(text: string): Dockerfile {
    const parsed = parser().DockerfileParser.parse(text);
    const lineOf = (instruction: DockerfileAst.Instruction) => instruction.getRange().start.line + 1;
    const syntax = parsed.getDirectives().find(d => d.getName().toLowerCase() === "syntax");
    const stages: Array<Stage & { takes: Stage["takes"][number][]; runs: Stage["runs"][number][] }> = [];
    const variables: Array<Dockerfile["variables"][number]> = [];
    for (const instruction of parsed.getInstructions()) {
        const keyword = instruction.getKeyword();
        if (keyword === "ENV" || keyword === "ARG") {
            for (const property of (instruction as DockerfileAst.Env | DockerfileAst.Arg).getProperties()) {
                variables.push({ keyword, name: property.getName(), value: property.getUnescapedValue() ?? undefined, line: property.getRange().start.line + 1 });
            }
        }
        if (keyword === "FROM") {
            const from = instruction as DockerfileAst.From;
            stages.push({ index: stages.length, name: from.getBuildStage() ?? undefined, line: lineOf(from), from: from.getImage() ?? "", takes: [], runs: [] });
            continue;
        }
        const stage = stages[stages.length - 1];
        if (!stage) {
            continue;
        }
        if (keyword === "COPY") {
            // Not getFromFlag(): it returns null unless --from is the only flag (`COPY --link --from=build`).
            const from = (instruction as DockerfileAst.Copy).getFlags().find(flag => flag.getName() === "from")?.getValue();
            if (from) {
                stage.takes.push({ from, line: lineOf(instruction) });
            }
        } else if (keyword === "RUN") {
            const run = instruction as DockerfileAst.Run;
            for (const flag of run.getFlags()) {
                const from = flag.getName() === "mount" ? flag.getOptions().find(o => o.getName() === "from")?.getValue() : undefined;
                if (from) {
                    stage.takes.push({ from, line: lineOf(run) });
                }
            }
            const script = run.getArgumentsContent() ?? "";
            stage.runs.push({ line: lineOf(run), script, argv: execForm(script) });
        }
    }
    return {
        syntax: syntax ? { value: syntax.getValue(), line: syntax.getRange().start.line + 1 } : undefined,
        escape: parsed.getEscapeCharacter(),
        globalArgs: parsed.getInitialARGs().flatMap(arg => arg.getProperties().map(p => ({ name: p.getName(), value: p.getValue() ?? undefined }))),
        stages,
        variables,
    };
}

/** `RUN ["apt-get", "install", "gcc"]`: the argv, or undefined for the shell form. */
function execForm(script: string): string[] | undefined {
    if (!script.trimStart().startsWith("[")) {
        return undefined;
    }
    try {
        const argv: unknown = JSON.parse(script);
        return Array.isArray(argv) && argv.every(a => typeof a === "string") ? argv : undefined;
    } catch {
        return undefined;
    }
}

/** Whether `# syntax=` names the Dockerfile frontend (any version), not a custom language. */
export function isDockerfileFrontend(syntax: string): boolean {
    const repository = parseImageRef(syntax).repository;
    const name = repository.startsWith("docker.io/") ? repository.slice("docker.io/".length) : repository;
    return name === "docker/dockerfile" || name === "docker/dockerfile-upstream";
}

// ---------------------------------------------------------------------------------------------
// Variables

/** Variables in scope: a value, UNKNOWN (a preview value, a platform ARG), or absent when unset. */
export type Scope = ReadonlyMap<string, string | Unknown>;

/** BuildKit defines these in the global scope; their values depend on the builder, so they count as unknown. */
const platformArgs = ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"];

/**
 * The scope of FROM lines: platform ARGs, then each global ARG in order, its value from the build's
 * args when it has one (build args only set declared ARGs), else its default expanded.
 */
export function globalScope(dockerfile: Dockerfile, buildArgs: ReadonlyMap<string, string | Unknown> | Unknown): Scope {
    const scope = new Map<string, string | Unknown>(platformArgs.map(name => [name, UNKNOWN]));
    for (const { name, value } of dockerfile.globalArgs) {
        const given = isUnknown(buildArgs) ? UNKNOWN : buildArgs.get(name);
        if (given !== undefined) {
            scope.set(name, given);
        } else if (value !== undefined) {
            scope.set(name, expandVariables(value, scope, dockerfile.escape) ?? UNKNOWN);
        }
    }
    return scope;
}

const maxNesting = 16;

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and `${NAME+word}` as
 * BuildKit does (an unset name expands to nothing). UNKNOWN when the result depends on an unknown
 * value; undefined for forms this doesn't evaluate (`${NAME%suffix}`, ...) or unbalanced braces.
 */
export function expandVariables(text: string, scope: Scope, escape = "\\", depth = 0): string | Unknown | undefined {
    if (depth > maxNesting) {
        return undefined;
    }
    let out = "";
    let unknown = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === escape && i + 1 < text.length) {
            out += text[++i];
            continue;
        }
        if (c !== "$") {
            out += c;
            continue;
        }
        let value: string | Unknown | undefined;
        if (text[i + 1] === "{") {
            const close = closingBrace(text, i + 1);
            if (close < 0) {
                return undefined;
            }
            value = expandBraced(text.slice(i + 2, close), scope, escape, depth);
            i = close;
        } else {
            const end = nameEnd(text, i + 1);
            if (end === i + 1) {
                out += c;
                continue;
            }
            value = scope.get(text.slice(i + 1, end)) ?? "";
            i = end - 1;
        }
        if (value === undefined) {
            return undefined;
        }
        if (isUnknown(value)) {
            unknown = true;
        } else {
            out += value;
        }
    }
    return unknown ? UNKNOWN : out;
}

function isNameChar(c: string, first: boolean): boolean {
    return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c === "_" || (!first && c >= "0" && c <= "9");
}

function nameEnd(text: string, start: number): number {
    let end = start;
    while (end < text.length && isNameChar(text[end], end === start)) {
        end++;
    }
    return end;
}

/** Index of the `}` closing the `{` at `open`, counting nested `${`; -1 when unbalanced. */
function closingBrace(text: string, open: number): number {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        if (text[i] === "{" && (i === open || text[i - 1] === "$")) {
            depth++;
        } else if (text[i] === "}" && --depth === 0) {
            return i;
        }
    }
    return -1;
}

function expandBraced(inner: string, scope: Scope, escape: string, depth: number): string | Unknown | undefined {
    const end = nameEnd(inner, 0);
    if (end === 0) {
        return undefined;
    }
    const value = scope.get(inner.slice(0, end));
    const rest = inner.slice(end);
    if (rest === "") {
        return value ?? "";
    }
    const colon = rest[0] === ":";
    const operator = rest[colon ? 1 : 0];
    if (operator !== "-" && operator !== "+") {
        return undefined;
    }
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    const isSet = value !== undefined && (!colon || value !== "");
    const word = () => expandVariables(rest.slice(colon ? 2 : 1), scope, escape, depth + 1);
    if (operator === "-") {
        return isSet ? value : word();
    }
    return isSet ? word() : "";
}

// ---------------------------------------------------------------------------------------------
// Stages

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

// ---------------------------------------------------------------------------------------------
// Build toolchains installed by RUN

export interface ToolchainInstall {
    readonly stage: Stage;
    readonly line: number;
    /** `apt-get`, `apk`, ... */
    readonly manager: string;
    /** Its install command: `install`, `add`. */
    readonly verb: string;
    /** Normalised package names still installed in the shipped image. */
    readonly packages: readonly string[];
}

interface PackageManager {
    install: string[];
    remove: string[];
    /** Options that take the next word as their value (unless written `--opt=value`). */
    valueOptions: string[];
    /** Options naming a virtual package that groups the ones installed (apk `--virtual`). */
    groupOptions?: string[];
}

const apt: PackageManager = {
    install: ["install"],
    remove: ["remove", "purge"],
    valueOptions: ["-o", "--option", "-t", "--target-release", "-c", "--config-file"],
};
const rpm: PackageManager = {
    install: ["install", "groupinstall"],
    remove: ["remove", "erase", "groupremove"],
    valueOptions: ["--installroot", "--releasever", "--setopt", "-c", "--config", "--repo", "--enablerepo", "--disablerepo", "-x", "--exclude"],
};
const packageManagers: Record<string, PackageManager> = {
    "apt-get": apt,
    apt,
    aptitude: apt,
    apk: {
        install: ["add"],
        remove: ["del"],
        valueOptions: ["--virtual", "-t", "--repository", "-X", "--root", "-p", "--arch", "--cache-dir", "--keys-dir"],
        groupOptions: ["--virtual", "-t"],
    },
    yum: rpm,
    dnf: rpm,
    microdnf: rpm,
    tdnf: rpm,
    zypper: { install: ["install", "in"], remove: ["remove", "rm"], valueOptions: ["-r", "--repo", "-t", "--type"] },
};

/** Compilers, build systems, SDKs and meta-packages (after their version suffix is dropped). */
const toolchainPackages = new Set([
    "gcc", "g++", "gcc-c++", "c++", "cpp", "cc", "clang", "clang++", "llvm", "lld", "gfortran", "gcc-gfortran",
    "make", "cmake", "meson", "ninja", "ninja-build", "autoconf", "automake", "libtool", "bison", "flex",
    "pkg-config", "pkgconf", "pkgconfig", "binutils", "nasm", "yasm", "ccache",
    "build-essential", "build-base", "alpine-sdk", "linux-headers", "kernel-headers",
    "go", "golang", "rust", "rustc", "cargo", "development-tools", "c-development",
]);
const toolchainSuffixes = ["-dev", "-devel", "-sdk", "-jdk", "-jdk-headless"];
const rpmArchitectures = [".x86_64", ".aarch64", ".noarch", ".i686", ".armv7hl", ".ppc64le", ".s390x"];

/** `gcc-12` -> `gcc`, `gcc-11.3.1-4.el9` -> `gcc`, `llvm15` -> `llvm`. */
function withoutVersion(name: string): string {
    const parts = name.split("-");
    while (parts.length > 1 && parts[parts.length - 1][0] >= "0" && parts[parts.length - 1][0] <= "9") {
        parts.pop();
    }
    const base = parts.join("-");
    let end = base.length;
    while (end > 1 && ((base[end - 1] >= "0" && base[end - 1] <= "9") || base[end - 1] === ".")) {
        end--;
    }
    return base.slice(0, end);
}

export function isToolchainPackage(name: string): boolean {
    const base = withoutVersion(name);
    return (
        toolchainPackages.has(base) ||
        base.startsWith("golang") ||
        toolchainSuffixes.some(suffix => name.endsWith(suffix) || base.endsWith(suffix))
    );
}

/**
 * The package a word names: lower-case, without apt/apk version pins (`=`, `~`, `<`, `>`), apt
 * release (`/bookworm`) or architecture (`:amd64`), rpm architecture (`.x86_64`) or dnf group `@`.
 * Undefined for words built from variables or globs, whose packages can't be known here.
 */
function packageName(word: string): string | undefined {
    if (word.includes("$") || word.includes("*") || word.startsWith("/") || word.startsWith("./") || word.startsWith("../")) {
        return undefined; // variables, globs and local package files
    }
    let name = (word.startsWith("@") ? word.slice(1) : word).toLowerCase().split(" ").join("-");
    for (let i = 0; i < name.length; i++) {
        if ("=~<>/:".includes(name[i])) {
            name = name.slice(0, i);
            break;
        }
    }
    const arch = rpmArchitectures.find(a => name.endsWith(a));
    name = arch ? name.slice(0, -arch.length) : name;
    return name || undefined;
}

interface PackageOperation {
    manager: string;
    verb: string;
    action: "install" | "remove";
    packages: string[];
    /** apk `--virtual <name>`: a name that `apk del` later removes the packages by. */
    group?: string;
}

/** Words before the program that don't change which program runs. */
const prefixWords = new Set(["sudo", "env", "command", "exec", "nice", "nohup", "time", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"]);
const shells = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const maxShellNesting = 3;

function isAssignment(word: string): boolean {
    const end = nameEnd(word, 0);
    return end > 0 && word[end] === "=";
}

function packageOperations(words: readonly string[], nesting: number, out: PackageOperation[]): void {
    let start = 0;
    while (start < words.length && (prefixWords.has(words[start]) || isAssignment(words[start]) || words[start].startsWith("-"))) {
        start++;
    }
    if (start >= words.length) {
        return;
    }
    const program = words[start].slice(words[start].lastIndexOf("/") + 1);
    const args = words.slice(start + 1);
    if (shells.has(program)) {
        const script = args.indexOf("-c");
        if (script >= 0 && script + 1 < args.length && nesting < maxShellNesting) {
            splitShellCommands(args[script + 1]).forEach(command => packageOperations(command, nesting + 1, out));
        }
        return;
    }
    const manager = packageManagers[program];
    if (!manager) {
        return;
    }
    const positional: string[] = [];
    let group: string | undefined;
    for (let i = 0; i < args.length; i++) {
        if (!args[i].startsWith("-")) {
            positional.push(args[i]);
            continue;
        }
        const equals = args[i].indexOf("=");
        const option = equals >= 0 ? args[i].slice(0, equals) : args[i];
        if (manager.valueOptions.includes(option)) {
            const value = equals >= 0 ? args[i].slice(equals + 1) : args[++i];
            group = manager.groupOptions?.includes(option) ? value : group;
        }
    }
    // dnf/yum `group install "Development Tools"` is `groupinstall`.
    const grouped = (positional[0] === "group" || positional[0] === "groups") && positional.length > 1;
    const command = grouped ? `group${positional[1]}` : positional[0];
    const names = positional.slice(grouped ? 2 : 1);
    const action = manager.install.includes(command) ? "install" : manager.remove.includes(command) ? "remove" : undefined;
    if (action) {
        const packages = names.map(packageName).filter((name): name is string => name !== undefined);
        out.push({ manager: program, verb: command, action, packages, group: group && packageName(group) });
    }
}

/**
 * Splits a shell script into simple commands (lists of words): quotes and backslashes resolved,
 * comments and redirections dropped, commands separated by newlines, `;`, `&`, `|` and parentheses.
 * One pass, no backtracking. It doesn't run anything, so `$(...)` and globs stay as written.
 */
export function splitShellCommands(script: string): string[][] {
    const commands: string[][] = [];
    let words: string[] = [];
    let word = "";
    let inWord = false;
    let dropNextWord = false;
    const endWord = () => {
        if (inWord && !dropNextWord) {
            words.push(word);
        }
        if (inWord) {
            dropNextWord = false;
        }
        word = "";
        inWord = false;
    };
    const endCommand = () => {
        endWord();
        if (words.length > 0) {
            commands.push(words);
        }
        words = [];
    };
    for (let i = 0; i < script.length; i++) {
        const c = script[i];
        if (c === "\\") {
            if (script[i + 1] !== "\n") {
                word += script[i + 1] ?? "";
                inWord = true;
            }
            i++;
        } else if (c === "'") {
            const close = script.indexOf("'", i + 1);
            const end = close < 0 ? script.length : close;
            word += script.slice(i + 1, end);
            inWord = true;
            i = end;
        } else if (c === '"') {
            let j = i + 1;
            for (; j < script.length && script[j] !== '"'; j++) {
                if (script[j] === "\\" && j + 1 < script.length && '"\\$`'.includes(script[j + 1])) {
                    j++;
                }
                word += script[j];
            }
            inWord = true;
            i = j;
        } else if (c === "#" && !inWord) {
            const newline = script.indexOf("\n", i);
            i = (newline < 0 ? script.length : newline) - 1;
        } else if (c === ">" || c === "<") {
            // A redirection: drop its file descriptor (`2>`) and its target (`/dev/null`, `&1`, a heredoc word).
            if (inWord && [...word].every(d => d >= "0" && d <= "9")) {
                word = "";
                inWord = false;
            }
            endWord();
            while (i + 1 < script.length && (script[i + 1] === ">" || script[i + 1] === "<" || script[i + 1] === "&" || script[i + 1] === "|" || script[i + 1] === "-")) {
                i++;
            }
            dropNextWord = true;
        } else if (c === " " || c === "\t" || c === "\r") {
            endWord();
        } else if (c === "\n" || c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
            endCommand();
            dropNextWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    endCommand();
    return commands;
}

/**
 * Build toolchains the shipped image still holds: packages its lineage's RUN lines install (root
 * stage first) and don't remove later (`apt-get purge`, `apk del` of the package or of its
 * `--virtual` group, `dnf remove`).
 */
export function toolchainInstalls(lineage: Lineage): ToolchainInstall[] {
    const installs: Array<ToolchainInstall & { packages: string[] }> = [];
    const groups = new Map<string, string[]>();
    for (const stage of [...lineage.stages].reverse()) {
        for (const run of stage.runs) {
            const operations: PackageOperation[] = [];
            const commands = run.argv ? [run.argv] : splitShellCommands(run.script);
            commands.forEach(command => packageOperations(command, 0, operations));
            for (const operation of operations) {
                if (operation.action === "install") {
                    const toolchain = operation.packages.filter(isToolchainPackage);
                    if (operation.group) {
                        groups.set(operation.group, toolchain);
                    }
                    const sameRun = installs.find(i => i.stage === stage && i.line === run.line && i.manager === operation.manager);
                    if (sameRun) {
                        sameRun.packages = [...sameRun.packages, ...toolchain];
                    } else if (toolchain.length > 0) {
                        installs.push({ stage, line: run.line, manager: operation.manager, verb: operation.verb, packages: toolchain });
                    }
                } else {
                    const removed = new Set(operation.packages.flatMap(name => [name, ...(groups.get(name) ?? [])]));
                    for (const install of installs) {
                        install.packages = install.packages.filter(name => !removed.has(name));
                    }
                }
            }
        }
    }
    return installs.filter(install => install.packages.length > 0);
}
