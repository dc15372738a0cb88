// Where the Pulumi program runs, so that relative Dockerfile paths resolve as the providers resolve
// them: a provider runs in the program's directory (the one holding Pulumi.yaml, or its `main`).
//
// The engine tells a policy pack nothing about that directory: it starts the pack in the pack's
// own directory, hands its handshake the pack's path as "program directory", and passes only the
// engine address and the pack path as arguments (pulumi/pulumi, pkg/resource/plugin/analyzer_plugin.go
// and the Node.js language host's RunPlugin). What it does pass through is the CLI's environment
// (`os.Environ()` in plugin.go's ExecPlugin), which holds the shell's `PWD`, and the project name
// (`PULUMI_PROJECT`, `PULUMI_NODEJS_PROJECT`). So, in order:
//   1. the policy's `programDirectory` config (explicit; `${VAR}` expanded, relative to the pack);
//   2. from `$PWD` and then the workspace a CI sets (GITHUB_WORKSPACE, CI_PROJECT_DIR, ...): the
//      Pulumi.yaml the CLI would find walking up, or one a few levels below, whose `name` is the
//      project the engine named; its `main` directory when it sets one.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Workspace roots CI systems set, where a checkout (and so the program) lives. */
export const ciWorkspaceVariables = [
    "GITHUB_WORKSPACE", // GitHub Actions
    "CI_PROJECT_DIR", // GitLab CI
    "BUILD_SOURCESDIRECTORY", // Azure Pipelines
    "BITBUCKET_CLONE_DIR", // Bitbucket Pipelines
    "CODEBUILD_SRC_DIR", // AWS CodeBuild
    "BUILDKITE_BUILD_CHECKOUT_PATH", // Buildkite
    "CIRCLE_WORKING_DIRECTORY", // CircleCI
    "WORKSPACE", // Jenkins
];

const projectFiles = ["Pulumi.yaml", "Pulumi.yml"];
/** How deep below a start directory to look for the project, and how many directories at most. */
const searchDepth = 3;
const searchBudget = 2000;
const projectFileCap = 64 * 1024;

export type ProgramDirectory =
    | { found: true; dir: string; how: string }
    | { found: false; tried: string[] };

/** Expands `${NAME}` from the environment; an unset variable expands to nothing. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
    let out = "";
    let i = 0;
    while (i < text.length) {
        const start = text.indexOf("${", i);
        const end = start < 0 ? -1 : text.indexOf("}", start + 2);
        if (end < 0) {
            return out + text.slice(i);
        }
        out += text.slice(i, start) + (env[text.slice(start + 2, end)] ?? "");
        i = end + 1;
    }
    return out;
}

/** Reads `name` and `main` from a Pulumi.yaml: top-level scalar keys, so no YAML library is needed. */
function readProject(file: string): { name?: string; main?: string } | undefined {
    let text: string;
    try {
        const fd = fs.openSync(file, "r");
        try {
            const buffer = Buffer.alloc(projectFileCap);
            text = buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, projectFileCap, 0));
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return undefined;
    }
    const project: { name?: string; main?: string } = {};
    for (const line of text.split("\n")) {
        for (const key of ["name", "main"] as const) {
            if (line.startsWith(`${key}:`)) {
                project[key] = yamlScalar(line.slice(key.length + 1));
            }
        }
    }
    return project;
}

function yamlScalar(raw: string): string {
    const value = raw.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
        return value.slice(1, value.indexOf(quote, 1));
    }
    const comment = value.indexOf(" #");
    return (comment >= 0 ? value.slice(0, comment) : value).trim();
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

/** The directory Pulumi runs a project's program in (pkg/engine/project.go, getPwdMain). */
function programDirOf(projectDir: string, main: string | undefined): string {
    if (!main) {
        return projectDir;
    }
    const target = path.resolve(projectDir, main);
    return isDirectory(target) ? target : path.dirname(target);
}

/** The project in `dir`, if it has a Pulumi.yaml naming `projectName` (any name when that is unknown). */
function projectIn(dir: string, projectName: string | undefined): string | undefined {
    for (const file of projectFiles) {
        const project = readProject(path.join(dir, file));
        if (project && (projectName === undefined || project.name === projectName)) {
            return programDirOf(dir, project.main);
        }
    }
    return undefined;
}

function projectAbove(start: string, projectName: string | undefined): string | undefined {
    for (let dir = start; ; dir = path.dirname(dir)) {
        const hasProject = projectFiles.some(file => fs.existsSync(path.join(dir, file)));
        if (hasProject) {
            // The CLI takes the nearest Pulumi.yaml; if it names another project, this is not where the CLI ran.
            return projectIn(dir, projectName);
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
}

/** Breadth-first, a few levels down, skipping hidden directories and node_modules; only an unambiguous match counts. */
function projectsBelow(start: string, projectName: string): string[] {
    const found: string[] = [];
    let level = [start];
    let budget = searchBudget;
    for (let depth = 1; depth <= searchDepth && level.length > 0; depth++) {
        const next: string[] = [];
        for (const dir of level) {
            let entries: fs.Dirent[];
            try {
                entries = fs.readdirSync(dir, { withFileTypes: true });
            } catch {
                continue;
            }
            for (const entry of entries) {
                if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === "node_modules" || --budget < 0) {
                    continue;
                }
                const sub = path.join(dir, entry.name);
                const program = projectIn(sub, projectName);
                if (program) {
                    found.push(program);
                }
                next.push(sub);
            }
        }
        level = next;
    }
    return found;
}

function locate(configured: string | undefined, env: NodeJS.ProcessEnv, packDir: string): ProgramDirectory {
    if (configured) {
        const dir = path.resolve(packDir, expandEnv(configured, env));
        return isDirectory(dir)
            ? { found: true, dir, how: "the policy's programDirectory config" }
            : { found: false, tried: [`programDirectory ${JSON.stringify(configured)} (${dir}) is not a directory`] };
    }
    const projectName = env.PULUMI_PROJECT || env.PULUMI_NODEJS_PROJECT || undefined;
    const project = projectName ? `Pulumi.yaml of project "${projectName}"` : "Pulumi.yaml";
    const tried: string[] = [];
    for (const variable of ["PWD", ...ciWorkspaceVariables]) {
        const value = env[variable];
        if (!value) {
            continue;
        }
        const start = path.resolve(packDir, value.startsWith("~/") ? path.join(os.homedir(), value.slice(2)) : value);
        const above = isDirectory(start) ? projectAbove(start, projectName) : undefined;
        if (above) {
            return { found: true, dir: above, how: `the ${project} found from $${variable}` };
        }
        const below = projectName && isDirectory(start) ? projectsBelow(start, projectName) : [];
        if (below.length === 1) {
            return { found: true, dir: below[0], how: `the ${project} found under $${variable}` };
        }
        tried.push(
            below.length > 1
                ? `$${variable} (${start}) has ${below.length} copies of the ${project} below it`
                : `$${variable} (${start}) has no ${project} at or above it${projectName ? ` nor within ${searchDepth} levels below` : ""}`,
        );
    }
    return { found: false, tried: tried.length > 0 ? tried : ["neither $PWD nor a CI workspace variable is set"] };
}

const located = new Map<string, ProgramDirectory>();

/**
 * The program's directory (memoized: the environment of a pack process doesn't change, and the
 * search touches the disk). `packDir` is the policy process's working directory.
 */
export function programDirectory(configured: string | undefined, env: NodeJS.ProcessEnv = process.env, packDir = process.cwd()): ProgramDirectory {
    const key = JSON.stringify([configured, packDir, env.PULUMI_PROJECT, env.PULUMI_NODEJS_PROJECT, env.PWD, ...ciWorkspaceVariables.map(v => env[v])]);
    let result = located.get(key);
    if (!result) {
        result = locate(configured, env, packDir);
        if (located.size > 32) {
            located.clear();
        }
        located.set(key, result);
    }
    return result;
}
