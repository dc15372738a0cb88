// SARIF 2.1.0 (docs.oasis-open.org/sarif/sarif/v2.1.0), for code-scanning UIs: one rule per
// policy, one result per finding at its file and line, input errors as tool notifications.
import * as path from "path";
import { pathToFileURL } from "url";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { stdinName } from "./inputs";
import { Tool } from "./report";
import { ScanResult } from "./scan";

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

export function sarifReport(result: ScanResult, policies: readonly ResourceValidationPolicy[], tool: Tool): string {
    const ruleIndex = new Map(policies.map((policy, i) => [policy.name, i]));
    const log = {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: tool.name, version: tool.version, rules: policies.map(rule) } },
                originalUriBaseIds: { [sourceRoot]: { uri: `${pathToFileURL(process.cwd()).href}/` } },
                columnKind: "utf16CodeUnits",
                invocations: [
                    {
                        executionSuccessful: result.errors.length === 0,
                        toolExecutionNotifications: result.errors.map(error => ({
                            level: "error",
                            message: { text: error.message },
                            locations: [{ physicalLocation: physicalLocation(error.file, error.line, error.column) }],
                        })),
                    },
                ],
                results: result.findings.map(finding => ({
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
                })),
            },
        ],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
}
