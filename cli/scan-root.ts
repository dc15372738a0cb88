// The scan root: what the command line put in scope, so that neither a link in the scanned tree nor
// a path in a scanned file (`env_file: ../../etc/passwd`, `build.context: /`) makes the scan read
// what its user didn't point it at (a pull request decides what a CI scan reads otherwise).
//
// It is made of each directory named on the command line, the directory of each file named,
// the fixed part of each glob (`deploy` for `deploy/**/*.yaml`, the working directory for
// `*.yaml`), and the working directory for standard input. Each is taken as written below the
// working directory (what a pull request can change), links resolved only above it: a directory
// `k8s` that a pull request turns into a link to `/` is a link out of the root, not a root of `/`.
// A path outside the working directory has the links above its last part resolved. A path is
// inside the root when, its links resolved, it is one of those directories or below one.
import * as fs from "fs";
import * as path from "path";

/** A path with every link resolved; undefined when it doesn't resolve (missing, a dangling link, `/dev/fd/N` of a pipe). */
export function realPath(file: string): string | undefined {
    try {
        return fs.realpathSync.native(file);
    } catch {
        return undefined;
    }
}

/** A path with the links of its longest existing part resolved (for a path that may not exist yet). */
function resolvedAsFarAsItExists(file: string): string {
    const rest: string[] = [];
    for (let current = path.resolve(file); ; current = path.dirname(current)) {
        const real = realPath(current);
        if (real !== undefined) {
            return path.join(real, ...rest.reverse());
        }
        if (current === path.dirname(current)) {
            return path.resolve(file);
        }
        rest.push(path.basename(current));
    }
}

export class ScanRoot {
    private readonly directories = new Set<string>();

    /** Adds a directory to the root: as written below the working directory; elsewhere, the links above its last part resolved. */
    add(directory: string): void {
        const absolute = path.resolve(directory);
        const cwd = process.cwd();
        const below = path.relative(cwd, absolute);
        if (below === "" || (!below.startsWith(`..${path.sep}`) && below !== ".." && !path.isAbsolute(below))) {
            this.directories.add(path.join(realPath(cwd) ?? cwd, below));
            return;
        }
        const parent = path.dirname(absolute);
        this.directories.add(parent === absolute ? absolute : path.join(resolvedAsFarAsItExists(parent), path.basename(absolute)));
    }

    /** Whether a real path is inside the root. */
    contains(real: string): boolean {
        for (const directory of this.directories) {
            const relative = path.relative(directory, real);
            if (relative === "" || (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative))) {
                return true;
            }
        }
        return false;
    }

    /** Where a path really leads, and whether that is inside the root. */
    resolve(file: string): { real: string; inside: boolean } {
        const real = resolvedAsFarAsItExists(file);
        return { real, inside: this.contains(real) };
    }
}
