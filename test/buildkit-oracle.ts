// BuildKit's own parser test cases as an oracle for the Dockerfile scanner: the `result` files of
// moby/buildkit frontend/dockerfile/parser/testfiles, the AST its parser prints for each Dockerfile
// (parser.go Node.Dump: one instruction a line, `(keyword ["--flag" ...] "arg" ...)`, ONBUILD's
// instruction nested), read back and compared with what the scanner reads of the same constructs.
import { Dockerfile } from "../policies/lib/dockerfile/lines";

/** One instruction of a result file. */
export interface BuildKitNode {
    keyword: string;
    flags: string[];
    args: string[];
    /** ONBUILD's instruction. */
    child?: BuildKitNode;
}

/** Reads a Go string literal (strconv.Quote's output) starting at `text[at]`; returns it and where it ends. */
function goString(text: string, at: number): { value: string; end: number } {
    let value = "";
    let i = at + 1;
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };
    while (text[i] !== '"') {
        if (i >= text.length) {
            throw new Error(`unterminated string at ${at}: ${text}`);
        }
        if (text[i] !== "\\") {
            value += text[i++];
            continue;
        }
        const c = text[i + 1];
        if (c in simple) {
            value += simple[c];
            i += 2;
        } else if (c === "x" || c === "u" || c === "U") {
            const digits = c === "x" ? 2 : c === "u" ? 4 : 8;
            value += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + digits), 16));
            i += 2 + digits;
        } else {
            value += String.fromCharCode(parseInt(text.slice(i + 1, i + 4), 8));
            i += 4;
        }
    }
    return { value, end: i + 1 };
}

function node(text: string, at: number): { node: BuildKitNode; end: number } {
    let i = at + 1;
    let keyword = "";
    while (text[i] !== " " && text[i] !== ")") {
        keyword += text[i++];
    }
    const result: BuildKitNode = { keyword, flags: [], args: [] };
    while (text[i] !== ")") {
        if (text[i] === " ") {
            i++;
        } else if (text[i] === "[") {
            for (i++; text[i] !== "]"; ) {
                if (text[i] === " ") {
                    i++;
                    continue;
                }
                const flag = goString(text, i);
                result.flags.push(flag.value);
                i = flag.end;
            }
            i++;
        } else if (text[i] === "(") {
            const nested = node(text, i);
            result.child = nested.node;
            i = nested.end;
        } else {
            const arg = goString(text, i);
            result.args.push(arg.value);
            i = arg.end;
        }
    }
    return { node: result, end: i + 1 };
}

/** The instructions of a result file. */
export function parseResult(text: string): BuildKitNode[] {
    return text
        .split("\n")
        .filter(line => line.length > 0)
        .map(line => node(line, 0).node);
}

/** `--from=build` -> `build`, for a flag named `name`. */
function flagValue(flags: readonly string[], name: string): string[] {
    return flags.filter(flag => flag.startsWith(`--${name}=`)).map(flag => flag.slice(name.length + 3));
}

function mountSources(flags: readonly string[]): string[] {
    return flagValue(flags, "mount").flatMap(mount => {
        const from = mount.split(",").filter(field => field.toLowerCase().startsWith("from=")).pop();
        return from ? [from.slice("from=".length)] : [];
    });
}

/**
 * Where the scanner's reading of a Dockerfile differs from BuildKit's AST, for the constructs the
 * scanner reads: FROM's image and stage name, RUN's script or argv, where COPY --from and RUN
 * --mount take files from, USER, and ENV and ARG names and values (in the scanner's form for ARG:
 * `NAME` or `NAME=value`). Empty when they agree.
 */
export function differences(scanned: Dockerfile, nodes: readonly BuildKitNode[]): string[] {
    const out: string[] = [];
    const compare = (what: string, ours: unknown, theirs: unknown) => {
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
            out.push(`${what}: scanner ${JSON.stringify(ours)}, BuildKit ${JSON.stringify(theirs)}`);
        }
    };
    const expected = { stages: [] as Array<{ from: string; name?: string; runs: string[][]; takes: string[]; users: string[] }>, env: [] as string[][], args: [] as string[] };
    for (const { keyword, flags, args } of nodes) {
        const stage = expected.stages[expected.stages.length - 1];
        switch (keyword) {
            case "from":
                expected.stages.push({ from: args[0] ?? "", name: args.length === 3 && args[1].toUpperCase() === "AS" ? args[2] : undefined, runs: [], takes: [], users: [] });
                break;
            case "run":
                stage?.runs.push(args);
                stage?.takes.push(...mountSources(flags));
                break;
            case "copy":
                stage?.takes.push(...flagValue(flags, "from").slice(-1));
                break;
            case "user":
                stage?.users.push(args[0]);
                break;
            case "env":
                for (let i = 0; i + 1 < args.length; i += 3) {
                    expected.env.push([args[i], args[i + 1]]);
                }
                break;
            case "arg":
                expected.args.push(...args);
                break;
        }
    }
    compare("stages", scanned.stages.length, expected.stages.length);
    expected.stages.forEach((stage, i) => {
        const ours = scanned.stages[i];
        if (!ours) {
            return;
        }
        compare(`stage ${i} FROM`, ours.from, stage.from);
        compare(`stage ${i} name`, ours.name, stage.name);
        compare(`stage ${i} RUN`, ours.runs.map(run => run.argv ?? [run.script]), stage.runs);
        compare(`stage ${i} takes from`, ours.takes.map(take => take.from), stage.takes);
        compare(`stage ${i} USER`, ours.users.map(user => user.user), stage.users);
    });
    const variables = (keyword: "ENV" | "ARG") => scanned.variables.filter(variable => variable.keyword === keyword);
    const env = variables("ENV").map(variable => [variable.name, variable.value ?? ""]);
    const args = variables("ARG").map(variable => (variable.value === undefined ? variable.name : `${variable.name}=${variable.value}`));
    compare("ENV count", env.length, expected.env.length);
    expected.env.forEach(([name, value], i) => env[i] && compare(`ENV ${name}`, env[i], [name, value]));
    compare("ARG", args, expected.args);
    return out;
}
