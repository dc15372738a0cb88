// The policy reference, generated: docs/policies/<name>.md for every policy of policies/index.ts,
// from its metadata and config schema plus the prose kept next to its rule (policies/<name>.md:
// what it checks, why, examples, known limits), and docs/policies/README.md, the index.
//
//   npm run docs              writes the pages
//   npm run docs -- --check   writes nothing; exits 1 when the committed pages differ
import { ResourceValidationPolicy } from "@pulumi/policy";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join, relative, resolve } from "path";
import { policies } from "../policies";
import { commonConfigProperties } from "../policies/lib/config";
import { control, Control, frameworks, isControlTag } from "../policies/lib/controls";
import { dockerContainerType, dockerServiceType, exemptKey, exemptReasonKey, kubernetesWorkloadKinds } from "../policies/lib/workloads";

/** The repository root (this file runs from build/scripts/). */
export const repoRoot = resolve(__dirname, "..", "..");
export const docsDir = join(repoRoot, "docs", "policies");
export const fragmentsDir = join(repoRoot, "policies");

/** The sections a policy's prose file has, in page order; `optional` ones may be left out. */
const proseSections = {
    "What it checks": { optional: false },
    Why: { optional: false },
    Examples: { optional: false },
    Remediation: { optional: true },
    Exemptions: { optional: true },
    "Known limits": { optional: false },
} as const;
type SectionName = keyof typeof proseSections;

export type Prose = Partial<Record<SectionName, string>>;

/** A ```typescript block of the Examples section, marked `violating` or `compliant` after the language. */
export interface Example {
    expect: "violating" | "compliant";
    source: string;
}

const exampleFence = /^```typescript (violating|compliant)\n([\s\S]*?)^```$/gm;

export function examplesOf(prose: Prose): Example[] {
    return [...(prose.Examples ?? "").matchAll(exampleFence)].map(m => ({ expect: m[1] as Example["expect"], source: m[2] }));
}

/** Splits a prose file into its `## ` sections; an unknown or missing required section is an error. */
export function parseProse(file: string, text: string): Prose {
    const prose: Prose = {};
    const parts = text.split(/^## (.+)\n/m);
    if (parts[0].replace(/<!--[\s\S]*?-->/g, "").trim() !== "") {
        throw new Error(`${file}: text before the first "## " section`);
    }
    for (let i = 1; i < parts.length; i += 2) {
        const name = parts[i].trim();
        if (!(name in proseSections)) {
            throw new Error(`${file}: unknown section "## ${name}" (expected: ${Object.keys(proseSections).join(", ")})`);
        }
        prose[name as SectionName] = parts[i + 1].trim();
    }
    for (const [name, { optional }] of Object.entries(proseSections)) {
        if (!optional && !prose[name as SectionName]) {
            throw new Error(`${file}: missing section "## ${name}"`);
        }
    }
    const examples = examplesOf(prose);
    if (!examples.some(e => e.expect === "violating") || !examples.some(e => e.expect === "compliant")) {
        throw new Error(`${file}: Examples needs a \`\`\`typescript violating and a \`\`\`typescript compliant block`);
    }
    return prose;
}

export function readProse(policyName: string): Prose {
    const file = join(fragmentsDir, `${policyName}.md`);
    if (!existsSync(file)) {
        throw new Error(`${relative(repoRoot, file)} is missing: every policy keeps its reference prose next to its rule`);
    }
    return parseProse(relative(repoRoot, file), readFileSync(file, "utf8"));
}

/** The controls a policy's tags name; a tag shaped like a control that isn't catalogued is an error. */
export function controlsOf(policy: ResourceValidationPolicy): Control[] {
    const tags = policy.tags ?? [];
    const unknown = tags.filter(tag => tag.includes(":") && !isControlTag(tag));
    if (unknown.length > 0) {
        throw new Error(`${policy.name}: tags ${unknown.join(", ")} are not in policies/lib/controls.ts`);
    }
    return tags.filter(isControlTag).map(control);
}

const code = (text: string) => "`" + text + "`";
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(schema: any): string {
    if (schema.type === "array") {
        return `${schema.items?.type ?? "any"}[]`;
    }
    return schema.minimum === undefined ? schema.type : `${schema.type} ≥ ${schema.minimum}`;
}

function configSection(policy: ResourceValidationPolicy): string {
    const properties: Record<string, any> = policy.configSchema?.properties ?? {};
    const rows = Object.entries(properties).map(([key, schema]) => {
        const scope = key in commonConfigProperties ? " (every policy)" : "";
        const fallback = schema.default === undefined ? "—" : code(JSON.stringify(schema.default));
        return `| ${code(key)}${scope} | ${code(typeOf(schema))} | ${fallback} | ${cell(schema.description ?? "")} |`;
    });
    const example: Record<string, unknown> = { enforcementLevel: policy.enforcementLevel };
    for (const [key, schema] of Object.entries(properties)) {
        example[key] = schema.default;
    }
    return [
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        ...rows,
        "",
        "In a `--policy-pack-config` file, with the defaults spelled out:",
        "",
        "```json",
        JSON.stringify({ [policy.name]: example }, null, 2),
        "```",
        "",
        "`enforcementLevel` is one of `advisory`, `mandatory`, `remediate`, `disabled`; " +
            "presets for whole rollouts are in [examples/config](../../examples/config/).",
    ].join("\n");
}

function remediationSection(policy: ResourceValidationPolicy, prose: Prose): string {
    const level = !policy.remediateResource
        ? "This policy doesn't remediate: at the `remediate` level its violations are reported as `mandatory`."
        : prose.Remediation ?? "At the `remediate` level the pack fixes the resource's inputs itself before they are deployed.";
    return [policy.remediationSteps ?? "", level].filter(Boolean).join("\n\n");
}

function exemptionsSection(policy: ResourceValidationPolicy, prose: Prose): string {
    const perResource =
        prose.Exemptions ??
        [
            `A workload exempts itself with the annotation ${code(exemptKey)} (Kubernetes: on the workload or on its pod ` +
                `template) or label (docker.Container, docker.Service), a comma-separated list of policy names or \`*\`; ` +
                `say why in ${code(exemptReasonKey)}:`,
            "",
            "```typescript",
            `metadata: { annotations: { "${exemptKey}": "${policy.name}", "${exemptReasonKey}": "needs <why>, approved in <ticket>" } }`,
            `labels: [{ label: "${exemptKey}", value: "${policy.name}" }] // docker.Container, docker.Service`,
            "```",
        ].join("\n");
    return [
        "Config: `exclude` skips resources by name, URN or Kubernetes `namespace/name` (globs); `exemptImages` skips " +
            "containers and image builds by image (globs).",
        perResource,
    ].join("\n\n");
}

function controlsSection(policy: ResourceValidationPolicy): string {
    const controls = controlsOf(policy);
    const rows = controls.map(c => {
        const primary = policy.framework?.name === c.framework.name && policy.framework.reference === c.reference ? " (primary)" : "";
        return `| ${c.framework.name} ${c.framework.version} | ${c.reference}${primary} | ${cell(c.title)} |`;
    });
    const platforms = (policy.tags ?? []).filter(tag => !tag.includes(":"));
    return [
        "| framework | control | title |",
        "|---|---|---|",
        ...rows,
        "",
        `Tags: ${(policy.tags ?? []).map(code).join(", ")}. Platforms: ${platforms.join(", ")}. ` +
            "Where each number was checked: [README](README.md#controls).",
    ].join("\n");
}

/** Example blocks keep only their language, so renderers highlight them. */
const plainFences = (text: string) => text.replace(/^```typescript (?:violating|compliant)$/gm, "```typescript");

const generatedNote = (sources: string) => `<!-- Generated by \`npm run docs\` from ${sources}. Edit those, not this file. -->`;

export function renderPolicyPage(policy: ResourceValidationPolicy, prose: Prose): string {
    const severity = policy.severity ? ` · severity **${policy.severity}**` : "";
    const sections: Array<[string, string]> = [
        ["What it checks", prose["What it checks"]!],
        ["Why", prose.Why!],
        ["Configuration", configSection(policy)],
        ["Examples", plainFences(prose.Examples!)],
        ["Remediation", remediationSection(policy, prose)],
        ["Exemptions", exemptionsSection(policy, prose)],
        ["Known limits", prose["Known limits"]!],
        ["Controls", controlsSection(policy)],
    ];
    return [
        generatedNote(`policies/${policy.name}.ts and policies/${policy.name}.md`),
        "",
        `# ${policy.displayName ?? policy.name}`,
        "",
        `${code(policy.name)} · default level **${policy.enforcementLevel}**${severity}`,
        "",
        policy.description,
        ...sections.flatMap(([title, body]) => ["", `## ${title}`, "", body]),
        "",
    ].join("\n");
}

export function renderIndex(list: readonly ResourceValidationPolicy[]): string {
    const rows = list.map(p => {
        const keys = Object.keys(p.configSchema?.properties ?? {}).filter(k => !(k in commonConfigProperties));
        const primary = p.framework ? `${p.framework.name} ${p.framework.reference}` : "—";
        return `| [${code(p.name)}](${p.name}.md) | ${cell(p.displayName ?? "")} | ${p.enforcementLevel} | ${p.severity ?? "—"} | ${keys.map(code).join(", ") || "—"} | ${primary} |`;
    });
    const byControl = new Map<string, { control: Control; policies: string[] }>();
    for (const p of list) {
        for (const c of controlsOf(p)) {
            const entry = byControl.get(c.tag) ?? { control: c, policies: [] };
            entry.policies.push(`[${code(p.name)}](${p.name}.md)`);
            byControl.set(c.tag, entry);
        }
    }
    const controlRows = [...byControl.values()]
        .sort((a, b) => a.control.tag.localeCompare(b.control.tag, "en", { numeric: true }))
        .map(({ control: c, policies: names }) => `| ${c.framework.name} ${c.framework.version} | ${c.reference} | ${cell(c.title)} | ${names.join(", ")} |`);
    const kinds = Object.entries(kubernetesWorkloadKinds).map(([kind, path]) => `| Kubernetes ${kind} (and ${kind}Patch, ${kind}List) | ${code(path.join("."))} |`);
    return [
        generatedNote("policies/index.ts, the policies' metadata and policies/lib/controls.ts"),
        "",
        "# container-guard policy reference",
        "",
        "| policy | rule | default level | severity | config keys (besides `exclude`, `exemptImages`) | primary control |",
        "|---|---|---|---|---|---|",
        ...rows,
        "",
        "Config presets for a whole rollout are in [examples/config](../../examples/config/); " +
            "`npm run demo` runs the pack over example resources and prints what `pulumi preview` would.",
        "",
        "## Resource kinds",
        "",
        "Every container of these resources is judged (`containers`, `initContainers` and `ephemeralContainers` of the pod spec), " +
            "in every API version of the `core`, `apps`, `extensions` and `batch` groups:",
        "",
        "| resource | pod spec |",
        "|---|---|",
        ...kinds,
        `| docker.Container (${code(dockerContainerType)}) | the resource itself |`,
        `| docker.Service (${code(dockerServiceType)}) | ${code("taskSpec.containerSpec")} |`,
        "",
        "## Controls",
        "",
        "| framework | control | title | policies |",
        "|---|---|---|---|",
        ...controlRows,
        "",
        "Each number was checked against:",
        "",
        ...Object.values(frameworks).map(f => `- ${f.name} ${f.version} (${f.url}): ${f.checkedAgainst}`),
        "",
    ].join("\n");
}

/** Every page the generator writes, by path relative to the repository root. */
export function renderDocs(list: readonly ResourceValidationPolicy[] = policies): Map<string, string> {
    const pages = new Map<string, string>();
    for (const policy of list) {
        pages.set(`docs/policies/${policy.name}.md`, renderPolicyPage(policy, readProse(policy.name)));
    }
    pages.set("docs/policies/README.md", renderIndex(list));
    return pages;
}

/** Pages whose committed text differs from the generated one, and committed pages no policy generates. */
export function staleDocs(pages: Map<string, string>): string[] {
    const stale = [...pages].filter(([path, text]) => !existsSync(join(repoRoot, path)) || readFileSync(join(repoRoot, path), "utf8") !== text).map(([path]) => path);
    const extra = existsSync(docsDir)
        ? readdirSync(docsDir).map(f => `docs/policies/${f}`).filter(path => !pages.has(path))
        : [];
    return [...stale, ...extra];
}

if (require.main === module) {
    const pages = renderDocs();
    if (process.argv.includes("--check")) {
        const stale = staleDocs(pages);
        if (stale.length > 0) {
            console.error(`Out of date (run \`npm run docs\`): ${stale.join(", ")}`);
            process.exit(1);
        }
        console.log(`docs/policies: ${pages.size} pages up to date.`);
    } else {
        mkdirSync(docsDir, { recursive: true });
        for (const [path, text] of pages) {
            writeFileSync(join(repoRoot, path), text);
        }
        const extra = staleDocs(pages).filter(path => !pages.has(path));
        console.log(`docs/policies: wrote ${pages.size} pages.${extra.length ? ` Not generated, remove them: ${extra.join(", ")}` : ""}`);
    }
}
