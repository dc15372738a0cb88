// Running the pack's policies over files the way users do, through `container-guard scan`.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resolveConfig } from "../cli/config";
import { InputError, Note } from "../cli/resource";
import { Finding } from "../cli/run";
import { scan } from "../cli/scan";
import { policies as everyPolicy } from "../policies";

export interface Scanned {
    findings: Finding[];
    errors: InputError[];
    notes: Note[];
}

/** What `container-guard scan <paths>` finds with these policies and config (the pack's defaults when none). */
export function scanned(paths: readonly string[], policies: readonly ResourceValidationPolicy[] = everyPolicy, config: unknown = {}): Scanned {
    const result: Scanned = { findings: [], errors: [], notes: [] };
    const resolved = resolveConfig(policies, config, "test");
    scan(
        { paths, dockerfiles: [], stdin: () => [], policies, config: resolved },
        { finding: f => result.findings.push(f), error: e => result.errors.push(e), note: n => result.notes.push(n) },
    );
    return result;
}

/** `file:line <first line of the message>` for each finding of one policy when `container-guard scan` reads the file (every other policy disabled). */
export function scanFindings(file: string, policyName: string): string[] {
    const result = scanned([file], everyPolicy, { all: "disabled", [policyName]: "advisory" });
    if (result.errors.length > 0) {
        throw new Error(JSON.stringify(result.errors));
    }
    return result.findings.map(f => `${f.location.file}:${f.location.line} ${f.message.split("\n")[0]}`);
}
