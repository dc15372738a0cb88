// `npm run demo`: starts the built pack the way the Pulumi engine does, sends it the resources of
// examples/demo/resources.json over the analyzer protocol (Remediate, then Analyze, as the engine
// does), and prints what `pulumi preview` would print in its "Policies:" section, with a summary.
// Exits 1 when a mandatory policy is violated, as the update would fail.
//
//   npm run demo -- [--config <policy-pack-config.json>] [--resources <file.json>]
import { readFileSync } from "fs";
import { resolve } from "path";
import { Level, PolicyInfo, repoRoot, RunningPack } from "../test/engine/harness";

export interface DemoResource {
    type: string;
    name: string;
    props: object;
}

interface Reported {
    resource: DemoResource;
    policy: PolicyInfo;
    level: Level;
    message?: string;
}

/** PolicySeverity in the analyzer protocol: 0 is unspecified. */
const severityNames = ["", "low", "medium", "high", "critical"];

export interface DemoResult {
    report: string;
    /** Whether the update would fail: a mandatory policy is violated. */
    failed: boolean;
}

/** Judges each resource as the engine would and renders the result like `pulumi preview`. */
export async function runDemo(pack: RunningPack, resources: readonly DemoResource[], config: Record<string, unknown>): Promise<DemoResult> {
    await pack.configure(config);
    const policies = new Map((await pack.policies()).map(p => [p.name, p]));
    const reported: Reported[] = [];
    for (const resource of resources) {
        const remediated = await pack.remediate(resource.type, resource.props, resource.name);
        for (const name of remediated.policies) {
            reported.push({ resource, policy: policies.get(name)!, level: "remediate" });
        }
        const { diagnostics } = await pack.analyze(resource.type, remediated.props ?? resource.props, resource.name);
        for (const d of diagnostics) {
            reported.push({ resource, policy: policies.get(d.policyName)!, level: d.enforcementLevel, message: d.message });
        }
    }
    const count = (level: Level) => reported.filter(r => r.level === level).length;
    const failed = count("mandatory") > 0;
    const { name, version } = JSON.parse(readFileSync(resolve(repoRoot, "package.json"), "utf8"));
    const icon = failed ? "❌" : reported.length > 0 ? "⚠️" : "✅";
    const lines = ["Policies:", `    ${icon} ${name}@v${version} (local: ${repoRoot})`];
    for (const r of reported) {
        const severity = severityNames[r.policy.severity] ? ` [severity: ${severityNames[r.policy.severity]}]` : "";
        lines.push(`        - [${r.level}]${severity}  ${r.policy.name}  (${r.resource.type}: ${r.resource.name})`);
        // A violation's message starts with the policy's description, as the SDK sends it.
        for (const line of (r.message ?? `${r.policy.displayName}: the pack fixed the resource's inputs; the checks saw them fixed.`).split("\n")) {
            lines.push(`          ${line}`);
        }
    }
    const flagged = new Set(reported.map(r => r.resource)).size;
    const outcome = failed ? "the update would fail: a mandatory policy is violated" : "the update would proceed";
    lines.push(
        "",
        `Summary: ${resources.length} resources, ${flagged} with findings: ${count("mandatory")} mandatory, ` +
            `${count("advisory")} advisory, ${count("remediate")} remediated; ${outcome}.`,
    );
    return { report: lines.join("\n"), failed };
}

function option(args: string[], flag: string): string | undefined {
    const at = args.indexOf(flag);
    return at < 0 ? undefined : args[at + 1];
}

async function main(args: string[]): Promise<number> {
    // npm runs scripts in the package directory; paths on the command line are the caller's.
    const here = (file: string) => resolve(process.env.INIT_CWD ?? process.cwd(), file);
    const configFile = option(args, "--config");
    const resourcesFile = option(args, "--resources");
    const config = configFile ? JSON.parse(readFileSync(here(configFile), "utf8")) : {};
    const { resources } = JSON.parse(readFileSync(resourcesFile ? here(resourcesFile) : resolve(repoRoot, "examples/demo/resources.json"), "utf8"));
    console.log(
        `container-guard demo: ${resources.length} resources from ${resourcesFile ?? "examples/demo/resources.json"}, ` +
            `${configFile ? `config ${configFile}` : "default levels"}.\n`,
    );
    const pack = await RunningPack.start(repoRoot);
    try {
        const { report, failed } = await runDemo(pack, resources, config);
        console.log(report);
        return failed ? 1 : 0;
    } finally {
        pack.stop();
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        code => process.exit(code),
        error => {
            console.error(`container-guard demo: ${error instanceof Error ? error.message : error}`);
            process.exit(2);
        },
    );
}
