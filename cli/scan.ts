// `container-guard scan`: reads the inputs, turns what they declare into resources, and runs the
// pack's policies over them. Input problems are collected, never thrown: the scan goes on with
// the other files.
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { composeResources, dockerBuildType, isComposeFile } from "./compose";
import { PolicyConfig } from "./config";
import { expandInputs, Input } from "./inputs";
import { isKubernetesObject, kubernetesResources } from "./kubernetes";
import { InputError, Note, ScanResource } from "./resource";
import { Finding, runPolicies } from "./run";
import { parseYaml, YamlSyntaxError } from "./yaml-source";

export interface Inputs {
    paths: readonly string[];
    dockerfiles: readonly string[];
    /** Standard input's text, read once, when `-` is among the inputs. */
    readStdin: () => string;
}

export interface ScanOptions extends Inputs {
    policies: readonly ResourceValidationPolicy[];
    config: ReadonlyMap<string, PolicyConfig>;
}

export interface ScanResult {
    findings: Finding[];
    errors: InputError[];
    notes: Note[];
    /** Inputs read, and how many of them declared nothing the policies judge. */
    files: number;
    skipped: number;
    /** Resources judged. */
    resources: number;
}

/** A Dockerfile on its own, as the docker-build provider's Image with that Dockerfile and its directory as context. */
function dockerfileResource(input: Input, text: string): ScanResource {
    const at = { file: input.shown, line: 1, column: 1 };
    return {
        type: dockerBuildType,
        name: input.shown,
        props: {
            dockerfile: input.absolute ? { location: input.absolute } : { inline: text },
            context: { location: input.dir },
        },
        label: "Dockerfile",
        at,
        locate: () => at,
        dockerfileLine: line => ({ ...at, line }),
    };
}

/**
 * The resources the inputs declare, one input at a time, so that only one file's source tree is
 * held at once. Dockerfiles come last: one that a Compose build reads is judged there, with the
 * build's target and arguments, and not again on its own. Problems go into `result`.
 */
export function* declaredResources(inputs: Inputs, result: Omit<ScanResult, "findings" | "resources">): Generator<ScanResource[]> {
    const expanded = expandInputs(inputs.paths, inputs.dockerfiles);
    result.errors.push(...expanded.errors);
    result.notes.push(...expanded.notes);
    const dockerfiles: Array<{ input: Input; text: string }> = [];
    const builtDockerfiles = new Set<string>();
    let stdin: string | undefined;
    for (const input of expanded.inputs) {
        let text: string;
        try {
            text = input.absolute ? fs.readFileSync(input.absolute, "utf8") : (stdin ??= inputs.readStdin());
        } catch (e) {
            result.errors.push({ file: input.shown, message: `can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
            continue;
        }
        result.files++;
        if (input.kind === "dockerfile") {
            dockerfiles.push({ input, text });
            continue;
        }
        let declared: ReturnType<typeof yamlResources>;
        try {
            declared = yamlResources(input, text, result.notes);
        } catch (e) {
            if (!(e instanceof YamlSyntaxError)) {
                throw e;
            }
            if (isFoundFile(input, inputs) && !/\b(apiVersion|services)\b/.test(text)) {
                result.skipped++; // a walk's tsconfig.json with comments, a template: no manifest
                continue;
            }
            const { file, line, column } = e.location;
            result.errors.push({ file, line, column, message: `not valid YAML: ${e.message}` });
            continue;
        }
        declared.dockerfiles.forEach(file => builtDockerfiles.add(file));
        if (!declared.recognised) {
            result.skipped++;
            if (!isFoundFile(input, inputs)) {
                result.notes.push({ file: input.shown, message: "skipped: neither Kubernetes objects nor a Compose file" });
            }
        }
        yield declared.resources;
    }
    yield dockerfiles.filter(({ input }) => !input.absolute || !builtDockerfiles.has(input.absolute)).map(({ input, text }) => dockerfileResource(input, text));
}

export function scan(options: ScanOptions): ScanResult {
    const result: ScanResult = { findings: [], errors: [], notes: [], files: 0, skipped: 0, resources: 0 };
    for (const resources of declaredResources(options, result)) {
        const run = runPolicies(options.policies, options.config, resources);
        result.findings.push(...run.findings);
        result.errors.push(...run.errors);
        result.resources += resources.length;
    }
    return result;
}

/** Whether the input came from walking a directory or a glob rather than being named: those are skipped quietly when they declare nothing. */
function isFoundFile(input: Input, inputs: Inputs): boolean {
    return input.absolute !== undefined && !inputs.paths.some(arg => path.resolve(arg) === input.absolute);
}

function yamlResources(input: Input, text: string, notes: Note[]): { resources: ScanResource[]; dockerfiles: string[]; recognised: boolean } {
    const file = parseYaml(input.shown, text);
    const documents = file.documents.filter(document => document.value !== null && document.value !== undefined);
    if (documents.length === 1 && isComposeFile(documents[0].value)) {
        return { ...composeResources({ file, document: documents[0], dir: input.dir, notes }), recognised: true };
    }
    const objects = documents.filter(document => isKubernetesObject(document.value));
    return { resources: objects.flatMap(kubernetesResources), dockerfiles: [], recognised: objects.length > 0 };
}
