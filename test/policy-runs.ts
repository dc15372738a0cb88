// Running one of the pack's policies over files the way users do, through `container-guard scan`.
import { resolveConfig } from "../cli/config";
import { scan } from "../cli/scan";
import { policies } from "../policies";

/** `file:line <first line of the message>` for each finding of one policy when `container-guard scan` reads the file (every other policy disabled). */
export function scanFindings(file: string, policyName: string): string[] {
    const config = resolveConfig(policies, { all: "disabled", [policyName]: "advisory" }, "test");
    const result = scan({ paths: [file], dockerfiles: [], readStdin: () => "", policies, config });
    if (result.errors.length > 0) {
        throw new Error(JSON.stringify(result.errors));
    }
    return result.findings.map(f => `${f.location.file}:${f.location.line} ${f.message.split("\n")[0]}`);
}
