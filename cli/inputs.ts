// What to scan: the command line's files, directories (walked, node_modules and .git skipped),
// globs and `-` (standard input), one input per real file: a file reached twice (through a link,
// a link loop, two arguments) is read once, and a link that leads out of the scan root
// (scan-root.ts) is not followed unless the user asks (`--follow-symlinks`).
import * as fs from "fs";
import * as path from "path";
import { displayPath } from "../policies/lib/dialect";
import { fileTypeOf } from "./read";
import { InputError, Note } from "./resource";
import { realPath, ScanRoot } from "./scan-root";

/** The part of picomatch (globs as tinyglobby and fast-glob read them) the scan uses; the package ships no types. */
interface Picomatch {
    (glob: string, options?: { dot?: boolean }): (path: string) => boolean;
    // base: the fixed directory a glob starts from ("deploy" for deploy/**/*.yaml, "" for *.yaml)
    scan(input: string): { base: string; glob: string; isGlob: boolean };
}
const picomatch = require("picomatch") as Picomatch;

export interface Input {
    /** As shown to the user: relative to the working directory; `<stdin>` for standard input. */
    readonly shown: string;
    /** Undefined for standard input. */
    readonly absolute?: string;
    /** Where relative paths in it start (env_file, build contexts). */
    readonly dir: string;
    readonly kind: "yaml" | "json" | "dockerfile";
    /** Named on the command line (rather than found by walking a directory or expanding a glob). */
    readonly named: boolean;
}

export const stdinName = "<stdin>";

/** `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile` (any case), but not `Dockerfile.dockerignore`. */
export function isDockerfileName(file: string): boolean {
    const name = path.basename(file).toLowerCase();
    return (name === "dockerfile" || name.startsWith("dockerfile.") || name.endsWith(".dockerfile")) && !name.endsWith(".dockerignore");
}

function isManifestName(file: string): boolean {
    return /\.(ya?ml|json)$/i.test(file);
}

/** What a directory or a glob contributes. */
function isScannedName(file: string): boolean {
    return isManifestName(file) || isDockerfileName(file);
}

function kindOf(file: string): Input["kind"] {
    return isDockerfileName(file) ? "dockerfile" : /\.json$/i.test(file) ? "json" : "yaml";
}

const skippedDirectories = new Set(["node_modules", ".git"]);

/** A Helm chart's `templates/` directory (its files are Go templates, YAML only once rendered): the chart's directory. */
function chartOf(directory: string): string | undefined {
    return path.basename(directory) === "templates" && fs.existsSync(path.join(path.dirname(directory), "Chart.yaml")) ? path.dirname(directory) : undefined;
}

export interface Problems {
    error(error: InputError): void;
    note(note: Note): void;
}

export interface InputOptions {
    /** Follow links out of the scan root too. */
    followSymlinks: boolean;
}

/** The scan root the arguments make (scan-root.ts says what it is). */
export function scanRootOf(args: readonly string[], dockerfiles: readonly string[]): ScanRoot {
    const root = new ScanRoot();
    for (const arg of [...args, ...dockerfiles]) {
        if (arg === "-") {
            root.add(process.cwd());
        } else if (isGlob(arg)) {
            root.add(globBase(arg));
        } else {
            root.add(statOf(arg)?.isDirectory() ? arg : path.dirname(path.resolve(arg)));
        }
    }
    return root;
}

function isGlob(arg: string): boolean {
    return !fs.existsSync(arg) && picomatch.scan(arg).isGlob;
}

function globBase(arg: string): string {
    return path.resolve(picomatch.scan(arg).base || ".");
}

/** What a directory entry is, links followed: undefined for a dangling link. */
function statOf(file: string): fs.Stats | undefined {
    try {
        return fs.statSync(file);
    } catch {
        return undefined;
    }
}

/**
 * The inputs the arguments name, in order; problems go to `problems`. A file named on the command
 * line is read whatever its name; a directory or a glob contributes its YAML, JSON and
 * Dockerfile-named files, in name order. `dockerfiles` are read as Dockerfiles whatever their names.
 */
export function* expandInputs(args: readonly string[], dockerfiles: readonly string[], root: ScanRoot, options: InputOptions, problems: Problems): Generator<Input> {
    const seen = new Set<string>();
    const charts = new Set<string>();
    let stdinUsed = false;
    const stdin = (kind: Input["kind"]): Input | undefined => {
        if (stdinUsed) {
            problems.error({ file: stdinName, message: `standard input is named twice; it is read once` });
            return undefined;
        }
        stdinUsed = true;
        return { shown: stdinName, dir: process.cwd(), kind, named: true };
    };
    /** A file once per real path, unless a link takes it out of the root. */
    const file = (absolute: string, kind: Input["kind"], named: boolean): Input | undefined => {
        const real = realPath(absolute);
        if (real !== undefined && real !== absolute && !options.followSymlinks && !root.contains(real)) {
            const message = `a link out of the scan root (to ${real}), so it is not read (--follow-symlinks follows it)`;
            if (named) {
                problems.error({ file: displayPath(absolute), message });
            } else {
                problems.note({ file: displayPath(absolute), message: `skipped: ${message}` });
            }
            return undefined;
        }
        const key = real ?? absolute;
        if (seen.has(key)) {
            return undefined;
        }
        seen.add(key);
        // A file found through a link is shown where it is (what its findings point at); a named one as named.
        return { shown: displayPath(named ? absolute : key), absolute, dir: path.dirname(absolute), kind, named };
    };
    /** The matching files under a directory, depth first in name order, each directory once by real path. */
    function* walk(start: string, matches: (relative: string) => boolean, refused: () => void = () => undefined): Generator<Input> {
        const chart = [start, ...ancestors(start)].map(chartOf).find(found => found !== undefined);
        if (chart !== undefined) {
            noteChart(chart);
            return;
        }
        const realStart = realPath(start);
        if (realStart === undefined) {
            return;
        }
        if (!options.followSymlinks && !root.contains(realStart)) {
            problems.error({ file: displayPath(start), message: `a link out of the scan root (to ${realStart}), so it is not walked (--follow-symlinks follows it)` });
            refused();
            return;
        }
        const walked = new Set([realStart]);
        const listings: Array<{ dir: string; entries: fs.Dirent[]; next: number }> = [];
        const open = (dir: string) => {
            try {
                listings.push({ dir, entries: fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), next: 0 });
            } catch (e) {
                problems.error({ file: displayPath(dir), message: `can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
            }
        };
        open(start);
        while (listings.length > 0) {
            const listing = listings[listings.length - 1];
            if (listing.next >= listing.entries.length) {
                listings.pop();
                continue;
            }
            const entry = listing.entries[listing.next++];
            const full = path.join(listing.dir, entry.name);
            let stat: fs.Stats | fs.Dirent = entry;
            if (entry.isSymbolicLink()) {
                const target = statOf(full);
                const real = realPath(full);
                if (target === undefined || real === undefined) {
                    continue; // a dangling link
                }
                if (!options.followSymlinks && !root.contains(real) && (target.isDirectory() || isScannedName(entry.name))) {
                    problems.note({ file: displayPath(full), message: `skipped: a link out of the scan root (to ${real}), so it is not followed (--follow-symlinks follows it)` });
                    continue;
                }
                stat = target;
            }
            if (stat.isDirectory()) {
                if (skippedDirectories.has(entry.name)) {
                    continue;
                }
                const chartDir = chartOf(full);
                if (chartDir !== undefined) {
                    noteChart(chartDir);
                    continue;
                }
                const real = realPath(full);
                if (real === undefined || walked.has(real)) {
                    continue; // a loop, or a directory reached before through another path
                }
                walked.add(real);
                open(full);
                continue;
            }
            if (!isScannedName(entry.name) || !matches(path.relative(start, full).split(path.sep).join("/"))) {
                continue;
            }
            if (!stat.isFile()) {
                problems.note({ file: displayPath(full), message: `skipped: not a regular file (${fileTypeOf(stat)})` });
                continue;
            }
            const input = file(full, kindOf(full), false);
            if (input) {
                yield input;
            }
        }
    }
    function noteChart(chart: string) {
        if (!charts.has(chart)) {
            charts.add(chart);
            problems.note({ file: displayPath(chart), message: `a Helm chart: its templates are YAML only once rendered; scan them with helm template ${displayPath(chart)} | container-guard scan -` });
        }
    }
    for (const name of dockerfiles) {
        const input = name === "-" ? stdin("dockerfile") : fs.existsSync(name) ? file(path.resolve(name), "dockerfile", true) : (problems.error({ file: name, message: "--dockerfile: no such file" }), undefined);
        if (input) {
            yield input;
        }
    }
    for (const arg of args) {
        if (arg === "-") {
            const input = stdin("yaml");
            if (input) {
                yield input;
            }
            continue;
        }
        const stat = statOf(arg);
        if (stat?.isDirectory()) {
            yield* walk(path.resolve(arg), () => true);
        } else if (stat) {
            const input = file(path.resolve(arg), kindOf(arg), true);
            if (input) {
                yield input;
            }
        } else if (isGlob(arg)) {
            const { glob } = picomatch.scan(arg);
            const matcher = picomatch(glob, { dot: true });
            let matched = false;
            // A base that is a link out of the root is an error of its own: no "matches nothing" too.
            for (const input of walk(globBase(arg), relative => matcher(relative), () => (matched = true))) {
                matched = true;
                yield input;
            }
            if (!matched) {
                problems.error({ file: arg, message: "no file matches this pattern" });
            }
        } else {
            const dangling = fs.lstatSync(arg, { throwIfNoEntry: false })?.isSymbolicLink();
            problems.error({ file: arg, message: dangling ? "a link to nothing (dangling)" : "no such file or directory" });
        }
    }
}

function ancestors(dir: string): string[] {
    const result: string[] = [];
    for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
        result.push(current);
    }
    return result;
}
