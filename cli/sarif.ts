// SARIF 2.1.0 (docs.oasis-open.org/sarif/sarif/v2.1.0), for code-scanning UIs: one rule per
// policy, one result per finding at its file and line, input errors and warnings as tool
// notifications.
import * as path from "path";
import { pathToFileURL } from "url";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { stdinName } from "./inputs";
import { indented, jsonList, problemsOnStderr, Reporter, Retained, Tool, Writer } from "./report";
import { InputError, Note } from "./resource";

/** GitHub code scanning ranks security results by `security-severity`, a CVSS-like score. */
const securitySeverity: Record<string, string> = { low: "3.0", medium: "5.5", high: "8.0", critical: "9.5" };

const sourceRoot = "%SRCROOT%";

function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
    if (file === stdinName) {
        return { uri: "stdin" };
    }
    return path.isAbsolute(file) ? { uri: pathToFileURL(file).href } : { uri: encodeURI(file), uriBaseId: sourceRoot };
}

function physicalLocation(file: string, line?: number, column?: number): object {
    return { artifactLocation: artifactLocation(file), ...(line !== undefined ? { region: { startLine: line, startColumn: column ?? 1 } } : {}) };
}

function rule(policy: ResourceValidationPolicy): object {
    const helpUri = policy.url && /^https?:\/\//.test(policy.url) ? { helpUri: policy.url } : {};
    return {
        id: policy.name,
        name: policy.name,
        shortDescription: { text: policy.displayName ?? policy.name },
        fullDescription: { text: policy.description },
        help: { text: policy.remediationSteps ?? policy.description },
        ...helpUri,
        defaultConfiguration: { level: policy.enforcementLevel === "mandatory" ? "error" : "warning" },
        properties: {
            tags: ["security", ...(policy.tags ?? [])],
            ...(policy.severity ? { "security-severity": securitySeverity[policy.severity] } : {}),
        },
    };
}

/** SARIF's structure around its results, which are written as they come; notifications (input errors, warnings) come after them. */
export function sarifReporter(out: Writer, stderr: Writer, policies: readonly ResourceValidationPolicy[], tool: Tool): Reporter {
    const ruleIndex = new Map(policies.map((policy, i) => [policy.name, i]));
    const errors = new Retained<InputError>();
    const warnings = new Retained<Note>();
    const onStderr = problemsOnStderr(stderr);
    const run = {
        tool: { driver: { name: tool.name, version: tool.version, rules: policies.map(rule) } },
        originalUriBaseIds: { [sourceRoot]: { uri: `${pathToFileURL(process.cwd()).href}/` } },
        columnKind: "utf16CodeUnits",
    };
    /** An object's JSON without its closing brace, for more members to follow. */
    const opened = (value: object, depth: number) => {
        const text = indented(value, depth);
        return text.slice(0, text.lastIndexOf("\n"));
    };
    const log = { $schema: "https://json.schemastore.org/sarif-2.1.0.json", version: "2.1.0" };
    out.write(`${opened(log, 0)},\n  "runs": [\n    ${opened(run, 2)},\n      "results": [`);
    const results = jsonList(out, 3);
    const notification = (level: "error" | "warning", text: string, location: object) => ({ level, message: { text }, locations: [{ physicalLocation: location }] });
    const notListed = (retained: Retained<unknown>, what: string) =>
        retained.dropped > 0 ? [{ level: "note", message: { text: `${retained.dropped} more ${what} not listed here` } }] : [];
    return {
        finding(finding) {
            results.add({
                ruleId: finding.policy.name,
                ruleIndex: ruleIndex.get(finding.policy.name),
                level: finding.level === "mandatory" ? "error" : "warning",
                message: { text: finding.message },
                locations: [
                    {
                        physicalLocation: physicalLocation(finding.location.file, finding.location.line, finding.location.column),
                        logicalLocations: [{ name: finding.resource.name, fullyQualifiedName: finding.resource.label, kind: "resource" }],
                    },
                ],
            });
        },
        error(error) {
            errors.add(error);
            onStderr.error(error);
        },
        note(note) {
            if (note.warning) {
                warnings.add(note);
            }
            onStderr.note(note);
        },
        end(summary) {
            const invocations = [
                {
                    executionSuccessful: summary.errors === 0,
                    toolExecutionNotifications: [
                        ...errors.items.map(error => notification("error", error.message, physicalLocation(error.file, error.line, error.column))),
                        ...notListed(errors, "input errors"),
                        ...warnings.items.map(warning => notification("warning", warning.message, physicalLocation(warning.file, warning.line, warning.column))),
                        ...notListed(warnings, "warnings"),
                    ],
                },
            ];
            out.write(`${results.close()},\n      "invocations": ${indented(invocations, 3)}\n    }\n  ]\n}\n`);
        },
    };
}
