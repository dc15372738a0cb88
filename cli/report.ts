// The scan's report: for people (grouped by file and resource, each finding at file:line:column,
// colour on a terminal) or as JSON, written as the findings come, so that its memory doesn't grow
// with the input; input errors and notes come at the end (the first thousand of each: the rest
// are counted, and in the JSON and SARIF formats every error is also on standard error as it comes).
import { InputError, Note } from "./resource";
import { Finding } from "./run";
import { ScanSink, ScanSummary } from "./scan";
import { ResourceSummary } from "./resource";

export interface Tool {
    name: string;
    version: string;
}

export interface Writer {
    write(text: string): unknown;
}

export interface Colours {
    bold(text: string): string;
    dim(text: string): string;
    red(text: string): string;
    yellow(text: string): string;
    cyan(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
export const colours: Colours = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), yellow: ansi(33, 39), cyan: ansi(36, 39) };
export const noColours: Colours = { bold: t => t, dim: t => t, red: t => t, yellow: t => t, cyan: t => t };

/** Colour when standard output is a terminal, unless NO_COLOR is set (no-color.org); FORCE_COLOR forces it. */
export function coloursFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Colours {
    if (env.NO_COLOR) {
        return noColours;
    }
    return stream.isTTY || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") ? colours : noColours;
}

/** A report being written: the scan's sink, and its end once the scan is done. */
export interface Reporter extends ScanSink {
    end(summary: ScanSummary): void;
}

/** How many input errors, and notes, a report keeps for its end. */
const retainedProblems = 1000;

/** The first `retainedProblems` items, and how many more came. */
export class Retained<T> {
    readonly items: T[] = [];
    dropped = 0;

    add(item: T): void {
        if (this.items.length < retainedProblems) {
            this.items.push(item);
        } else {
            this.dropped++;
        }
    }
}

/**
 * Text from the scanned files (paths, names) as a terminal or a CI log may show it: control
 * characters escaped, so that a file can't move the cursor, recolour the log or start a line of
 * its own (GitHub Actions reads `::command::` lines in a job's output).
 */
export function printable(text: string): string {
    return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A finding's lines: its own, then Why and Fix, and the indented lines of a fix that spans several
 * (a Dockerfile's `    FROM ...`, `  and ship that stage: ...`). A line break anywhere else came
 * from a scanned name and is escaped; a line this lets through starts, once indented, with a word
 * or `# `, never with what a CI log reads as a command (`::`, `##[`).
 */
function messageLines(message: string): string[] {
    return message.split(/\n(?=(?:Why|Fix): | {2,}(?:[A-Z]+ |# |and ))/).map(printable);
}

const plural = (n: number, word: string) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/** `file:line:column`, as much of it as is known. */
function problemLocation(problem: InputError | Note): string {
    return [problem.file, problem.line, problem.column].filter(part => part !== undefined).join(":");
}

/** Input errors and warnings on standard error as they come (for the JSON and SARIF formats, whose standard output a program reads). */
export function problemsOnStderr(stderr: Writer): Pick<ScanSink, "error" | "note"> {
    return {
        error: error => stderr.write(`container-guard: ${printable(problemLocation(error))}: ${printable(error.message)}\n`),
        note: note => note.warning && stderr.write(`container-guard: ${printable(problemLocation(note))}: warning: ${printable(note.message)}\n`),
    };
}

export function humanReporter(out: Writer, c: Colours): Reporter {
    const errors = new Retained<InputError>();
    const notes = new Retained<Note>();
    let started = false;
    let file: string | undefined;
    let resource: ResourceSummary | undefined;
    /** Writes lines, a blank line before a new block unless it is the first. */
    const write = (lines: string[], block: boolean) => {
        out.write(`${block && started ? "\n" : ""}${lines.join("\n")}\n`);
        started = true;
    };
    return {
        finding(finding: Finding) {
            const lines: string[] = [];
            const block = finding.resource.at.file !== file;
            if (block) {
                file = finding.resource.at.file;
                resource = undefined;
                lines.push(c.bold(printable(file)));
            }
            if (finding.resource !== resource) {
                resource = finding.resource;
                lines.push(`  ${printable(resource.label)} ${c.dim(`(line ${resource.at.line})`)}`);
            }
            const { file: at, line, column } = finding.location;
            const level = finding.level === "mandatory" ? c.red("mandatory") : c.yellow("advisory ");
            lines.push(`    ${level}  ${c.bold(finding.policy.name)}  ${c.cyan(printable(`${at}:${line}:${column}`))}`);
            for (const text of messageLines(finding.message)) {
                const [label, rest] = text.startsWith("Why: ") || text.startsWith("Fix: ") ? [text.slice(0, 4), text.slice(4)] : ["", text];
                lines.push(`      ${label ? c.dim(label) : ""}${rest}`);
            }
            write(lines, block);
        },
        error: error => errors.add(error),
        note: note => notes.add(note),
        end(summary) {
            const more = (retained: Retained<unknown>) => (retained.dropped > 0 ? [`  … and ${plural(retained.dropped, "more")}`] : []);
            if (errors.items.length > 0) {
                write([c.bold(c.red("Errors")), ...errors.items.map(error => `  ${c.cyan(printable(problemLocation(error)))}  ${printable(error.message)}`), ...more(errors)], true);
            }
            if (notes.items.length > 0) {
                write([c.bold("Notes"), ...notes.items.map(note => `  ${c.cyan(printable(problemLocation(note)))}  ${note.warning ? `${c.yellow("warning:")} ` : ""}${printable(note.message)}`), ...more(notes)], true);
            }
            const skipped = summary.skipped > 0 ? ` (${summary.skipped.toLocaleString("en")} declaring no workload)` : "";
            const verdict =
                summary.mandatory > 0 ? c.red(`${plural(summary.mandatory, "mandatory finding")}`) : summary.advisory > 0 ? "no mandatory finding" : "no finding";
            write(
                [
                    `Scanned ${plural(summary.files, "file")}${skipped}, ${plural(summary.resources, "resource")}: ${verdict}` +
                        `${summary.advisory > 0 ? `, ${c.yellow(plural(summary.advisory, "advisory finding"))}` : ""}` +
                        `${summary.errors > 0 ? `, ${c.red(plural(summary.errors, "input error"))}` : ""}.`,
                ],
                true,
            );
        },
    };
}

/** `JSON.stringify(value, null, 2)` for a value written `depth` levels into a document. */
export function indented(value: unknown, depth: number): string {
    return JSON.stringify(value, null, 2).replace(/\n/g, `\n${"  ".repeat(depth)}`);
}

/** Writes a JSON list's items as they come, at `depth`; `close` ends it. */
export function jsonList(out: Writer, depth: number): { add(item: unknown): void; close(): string } {
    let count = 0;
    return {
        add(item) {
            out.write(`${count++ > 0 ? "," : ""}\n${"  ".repeat(depth + 1)}${indented(item, depth + 1)}`);
        },
        close: () => (count > 0 ? `\n${"  ".repeat(depth)}]` : "]"),
    };
}

export function jsonReporter(out: Writer, stderr: Writer, tool: Tool): Reporter {
    const errors = new Retained<InputError>();
    const notes = new Retained<Note>();
    const onStderr = problemsOnStderr(stderr);
    out.write(`{\n  "tool": ${indented(tool, 1)},\n  "findings": [`);
    const findings = jsonList(out, 1);
    return {
        finding(finding) {
            findings.add({
                policy: finding.policy.name,
                level: finding.level,
                severity: finding.policy.severity,
                ...finding.location,
                resource: { type: finding.resource.type, name: finding.resource.name, label: finding.resource.label, ...finding.resource.at },
                message: finding.message,
            });
        },
        error(error) {
            errors.add(error);
            onStderr.error(error);
        },
        note(note) {
            notes.add(note);
            onStderr.note(note);
        },
        end(summary) {
            const notListed = {
                ...(errors.dropped > 0 ? { errorsNotListed: errors.dropped } : {}),
                ...(notes.dropped > 0 ? { notesNotListed: notes.dropped } : {}),
            };
            out.write(
                `${findings.close()},\n  "errors": ${indented(errors.items, 1)},\n  "notes": ${indented(notes.items, 1)},\n` +
                    `  "summary": ${indented({ ...summary, ...notListed }, 1)}\n}\n`,
            );
        },
    };
}
