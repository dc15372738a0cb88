// The scan's report: for people (grouped by file and resource, each finding at file:line:column,
// colour on a terminal) or as JSON.
import { Finding } from "./run";
import { ScanResult } from "./scan";
import { ResourceSummary } from "./resource";

export interface Tool {
    name: string;
    version: string;
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

export function counts(result: ScanResult): { mandatory: number; advisory: number; errors: number } {
    return {
        mandatory: result.findings.filter(f => f.level === "mandatory").length,
        advisory: result.findings.filter(f => f.level === "advisory").length,
        errors: result.errors.length,
    };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Findings in the order of the files, the resources in them and the lines. */
function byPosition(a: Finding, b: Finding): number {
    const resourceA = a.resource.at;
    const resourceB = b.resource.at;
    return (
        resourceA.file.localeCompare(resourceB.file) ||
        resourceA.line - resourceB.line ||
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column
    );
}

export function humanReport(result: ScanResult, c: Colours): string {
    const lines: string[] = [];
    let file: string | undefined;
    let resource: ResourceSummary | undefined;
    for (const finding of [...result.findings].sort(byPosition)) {
        if (finding.resource.at.file !== file) {
            file = finding.resource.at.file;
            if (lines.length > 0) {
                lines.push("");
            }
            lines.push(c.bold(file));
        }
        if (finding.resource !== resource) {
            resource = finding.resource;
            lines.push(`  ${resource.label} ${c.dim(`(line ${resource.at.line})`)}`);
        }
        const { file: at, line, column } = finding.location;
        const level = finding.level === "mandatory" ? c.red("mandatory") : c.yellow("advisory ");
        lines.push(`    ${level}  ${c.bold(finding.policy.name)}  ${c.cyan(`${at}:${line}:${column}`)}`);
        for (const text of finding.message.split("\n")) {
            const [label, rest] = text.startsWith("Why: ") || text.startsWith("Fix: ") ? [text.slice(0, 4), text.slice(4)] : ["", text];
            lines.push(`      ${label ? c.dim(label) : ""}${rest}`);
        }
    }
    if (result.errors.length > 0) {
        lines.push("", c.bold(c.red("Errors")));
        for (const error of result.errors) {
            const at = [error.file, error.line, error.column].filter(part => part !== undefined).join(":");
            lines.push(`  ${c.cyan(at)}  ${error.message}`);
        }
    }
    if (result.notes.length > 0) {
        lines.push("", c.bold("Notes"));
        for (const note of result.notes) {
            lines.push(`  ${c.cyan(note.file)}  ${note.message}`);
        }
    }
    const n = counts(result);
    const skipped = result.skipped > 0 ? ` (${result.skipped} declaring no workload)` : "";
    const verdict =
        n.mandatory > 0 ? c.red(`${plural(n.mandatory, "mandatory finding")}`) : n.advisory > 0 ? "no mandatory finding" : "no finding";
    lines.push(
        "",
        `Scanned ${plural(result.files, "file")}${skipped}, ${plural(result.resources, "resource")}: ${verdict}` +
            `${n.advisory > 0 ? `, ${c.yellow(plural(n.advisory, "advisory finding"))}` : ""}` +
            `${n.errors > 0 ? `, ${c.red(plural(n.errors, "input error"))}` : ""}.`,
    );
    return `${lines.join("\n").replace(/^\n+/, "")}\n`;
}

export function jsonReport(result: ScanResult, tool: Tool): string {
    return `${JSON.stringify(
        {
            tool,
            findings: [...result.findings].sort(byPosition).map(finding => ({
                policy: finding.policy.name,
                level: finding.level,
                severity: finding.policy.severity,
                ...finding.location,
                resource: { type: finding.resource.type, name: finding.resource.name, label: finding.resource.label, ...finding.resource.at },
                message: finding.message,
            })),
            errors: result.errors,
            notes: result.notes,
            summary: { files: result.files, skipped: result.skipped, resources: result.resources, ...counts(result) },
        },
        null,
        2,
    )}\n`;
}
