// What to scan: the command line's files, directories (walked, node_modules and .git skipped),
// globs (expanded by tinyglobby) and `-` (standard input), as a sorted list of inputs.
import * as fs from "fs";
import * as path from "path";
import { globSync, isDynamicPattern } from "tinyglobby";
import { InputError, Note } from "./resource";

export interface Input {
    /** As shown to the user: relative to the working directory; `<stdin>` for standard input. */
    readonly shown: string;
    /** Undefined for standard input. */
    readonly absolute?: string;
    /** Where relative paths in it start (env_file, build contexts). */
    readonly dir: string;
    readonly kind: "yaml" | "dockerfile";
}

export const stdinName = "<stdin>";

/** A path as the report shows it: relative to the working directory, with `/`. */
export function displayPath(absolute: string): string {
    const relative = path.relative(process.cwd(), absolute);
    return (relative === "" || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join("/");
}

/** `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile` (any case), but not `Dockerfile.dockerignore`. */
export function isDockerfileName(file: string): boolean {
    const name = path.basename(file).toLowerCase();
    return (name === "dockerfile" || name.startsWith("dockerfile.") || name.endsWith(".dockerfile")) && !name.endsWith(".dockerignore");
}

function isManifestName(file: string): boolean {
    return /\.(ya?ml|json)$/i.test(file);
}

const skippedDirectories = ["**/node_modules/**", "**/.git/**"];

/** A Helm chart's `templates/` directory: its files are Go templates, YAML only once rendered. */
function chartOf(file: string): string | undefined {
    for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (path.basename(dir) === "templates" && fs.existsSync(path.join(path.dirname(dir), "Chart.yaml"))) {
            return path.dirname(dir);
        }
    }
    return undefined;
}

export interface Expanded {
    inputs: Input[];
    errors: InputError[];
    notes: Note[];
}

/**
 * The inputs the arguments name. A file named on the command line is read whatever its name; a
 * directory or a glob contributes its YAML, JSON and Dockerfile-named files. `dockerfiles` are
 * read as Dockerfiles whatever their names.
 */
export function expandInputs(args: readonly string[], dockerfiles: readonly string[]): Expanded {
    const result: Expanded = { inputs: [], errors: [], notes: [] };
    const seen = new Set<string>();
    const charts = new Set<string>();
    const add = (file: string, kind: Input["kind"] | undefined, named: boolean) => {
        const absolute = path.resolve(file);
        if (seen.has(absolute)) {
            return;
        }
        const chart = named ? undefined : chartOf(absolute);
        if (chart) {
            if (!charts.has(chart)) {
                charts.add(chart);
                result.notes.push({ file: displayPath(chart), message: `a Helm chart: its templates are YAML only once rendered; scan them with helm template ${displayPath(chart)} | container-guard scan -` });
            }
            return;
        }
        seen.add(absolute);
        result.inputs.push({ shown: displayPath(absolute), absolute, dir: path.dirname(absolute), kind: kind ?? (isDockerfileName(absolute) ? "dockerfile" : "yaml") });
    };
    const found = (files: string[]) => files.filter(file => isManifestName(file) || isDockerfileName(file)).sort().forEach(file => add(file, undefined, false));
    for (const file of dockerfiles) {
        if (file === "-") {
            result.inputs.push({ shown: stdinName, dir: process.cwd(), kind: "dockerfile" });
        } else if (fs.existsSync(file)) {
            add(file, "dockerfile", true);
        } else {
            result.errors.push({ file, message: "--dockerfile: no such file" });
        }
    }
    for (const arg of args) {
        if (arg === "-") {
            result.inputs.push({ shown: stdinName, dir: process.cwd(), kind: "yaml" });
            continue;
        }
        let stat: fs.Stats | undefined;
        try {
            stat = fs.statSync(arg);
        } catch {
            stat = undefined;
        }
        if (stat?.isDirectory()) {
            found(globSync(["**/*"], { cwd: arg, absolute: true, dot: true, ignore: skippedDirectories }));
        } else if (stat) {
            add(arg, undefined, true);
        } else if (isDynamicPattern(arg)) {
            const matches = globSync([arg], { absolute: true, dot: true, ignore: skippedDirectories });
            if (matches.length === 0) {
                result.errors.push({ file: arg, message: "no file matches this pattern" });
            }
            found(matches);
        } else {
            result.errors.push({ file: arg, message: "no such file or directory" });
        }
    }
    return result;
}
