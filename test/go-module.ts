// Third-party test data that ships in Go modules (BuildKit's parser test files, ...), fetched at
// test time into the Go module cache by `go mod download`, never committed. Without `go` or the
// module proxy this throws, so that the specs that need the data fail rather than skip.
import { execFileSync } from "child_process";
import * as os from "os";

/** The directory of `module@version` in the Go module cache, downloading it first if it isn't there. */
export function goModuleDir(module: string, version: string): string {
    // Outside any Go module (the temp directory), so that no go.mod around the tests takes part.
    const output = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: os.tmpdir(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const { Dir, Error: error } = JSON.parse(output) as { Dir?: string; Error?: string };
    if (!Dir) {
        throw new Error(`go mod download ${module}@${version}: ${error ?? "no Dir in its output"}`);
    }
    return Dir;
}
