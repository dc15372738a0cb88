// The Dockerfile reader the pack used before its own scanner: dockerfile-ast, a full parser for
// editors. Kept for the tests only, as the oracle the scanner (policies/lib/dockerfile/) must agree with.
import * as DockerfileAst from "dockerfile-ast";
import { Dockerfile, Stage } from "../policies/lib/dockerfile/lines";
import { execForm } from "../policies/lib/dockerfile/words";

export function oracleParse(text: string): Dockerfile {
    const parsed = DockerfileAst.DockerfileParser.parse(text);
    const lineOf = (instruction: DockerfileAst.Instruction) => instruction.getRange().start.line + 1;
    const syntax = parsed.getDirectives().find(d => d.getName().toLowerCase() === "syntax");
    const stages: Array<Stage & { takes: Stage["takes"][number][]; runs: Stage["runs"][number][]; users: Stage["users"][number][] }> = [];
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
            stages.push({ index: stages.length, name: from.getBuildStage() ?? undefined, line: lineOf(from), from: from.getImage() ?? "", takes: [], runs: [], users: [] });
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
        } else if (keyword === "USER") {
            const user = instruction.getArgumentsContent();
            if (user) {
                stage.users.push({ line: lineOf(instruction), user });
            }
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
