// `container-guard scan`: reads the inputs, turns what they declare into resources, and runs the
// pack's policies over them, one document at a time: a scan holds the document it judges (its
// text, values and source positions), never a whole file, and hands each finding on as it comes.
// Input problems are reported, never thrown: the scan goes on with the next document or file.
import * as fs from "fs";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dockerfileCap } from "../policies/lib/dockerfile/lines";
import { composeBuildSubject } from "../policies/lib/dialect";
import { composeResources, dockerBuildType, isComposeFile } from "./compose";
import { PolicyConfig } from "./config";
import { jsonDocuments, maxDocumentChars, yamlDocuments } from "./documents";
import { expandInputs, Input, Problems, scanRootOf } from "./inputs";
import { Variables } from "./interpolation";
import { parseJsonDocument } from "./json-source";
import { isKubernetesObject, kubernetesResources } from "./kubernetes";
import { formatPath } from "./locate";
import { decodedText, descriptorChunks, NotText, openToRead } from "./read";
import { ResourceSummary, ScanResource } from "./resource";
import { ConfigErrors, Finding, runPolicies } from "./run";
import { realPath, ScanRoot } from "./scan-root";
import { SourceDocument, SourceError } from "./source";
import { parseYamlDocuments } from "./yaml-source";

export interface Inputs {
    paths: readonly string[];
    dockerfiles: readonly string[];
    /** Standard input's bytes, when `-` is among the inputs. */
    stdin: () => Iterable<Uint8Array>;
    /** Follow links out of the scan root while walking (`--follow-symlinks`). */
    followSymlinks?: boolean;
    /** Read env files and Dockerfiles that Compose files name outside the scan root (`--allow-outside-root`). */
    allowOutsideRoot?: boolean;
    /** The variables of `--env-file`, which Compose files are interpolated with instead of the `.env` beside each. */
    envFiles?: Variables;
    /** Told each unexpected error, with its trace (`--debug`). */
    debug?: (error: Error) => void;
    /** Called before a read that may wait (a named pipe), for the output so far to go out. */
    waiting?: () => void;
}

export interface ScanOptions extends Inputs {
    policies: readonly ResourceValidationPolicy[];
    config: ReadonlyMap<string, PolicyConfig>;
}

export interface Tally {
    /** Inputs read, and how many of them declared nothing the policies judge. */
    files: number;
    skipped: number;
}

export interface ScanSummary extends Tally {
    /** Resources judged. */
    resources: number;
    mandatory: number;
    advisory: number;
    errors: number;
}

/** Where the scan's output goes, as it comes: findings in file order, sorted within each document. */
export interface ScanSink extends Problems {
    finding(finding: Finding): void;
}

/** A Dockerfile on its own, as the docker-build provider's Image with that Dockerfile and its directory as context. */
function dockerfileResource(input: Input, text: string | undefined): ScanResource {
    const at = { file: input.shown, line: 1, column: 1 };
    return {
        type: dockerBuildType,
        name: input.shown,
        props: {
            dockerfile: text === undefined ? { location: input.absolute } : { inline: text },
            context: { location: input.dir },
        },
        source: "dockerfile",
        label: "Dockerfile",
        at,
        locate: () => at,
        dockerfileLine: line => ({ ...at, line }),
    };
}

interface Reading {
    root: ScanRoot;
    inputs: Inputs;
    problems: Problems;
    tally: Tally;
    /** The Dockerfiles Compose builds read, by real path, so that they are not judged again on their own. */
    builtDockerfiles: Set<string>;
}

/**
 * The resources the inputs declare, a document at a time. Dockerfiles come last: one that a
 * Compose build reads is judged there, with the build's target and arguments, and not again on
 * its own. Problems go to `problems`.
 */
export function* declaredResources(inputs: Inputs, problems: Problems, tally: Tally): Generator<ScanResource[]> {
    const root = scanRootOf(inputs.paths, inputs.dockerfiles);
    const reading: Reading = { root, inputs, problems, tally, builtDockerfiles: new Set() };
    const dockerfiles: Input[] = [];
    for (const input of expandInputs(inputs.paths, inputs.dockerfiles, root, { followSymlinks: inputs.followSymlinks ?? false }, problems)) {
        if (input.kind === "dockerfile" && input.absolute !== undefined) {
            dockerfiles.push(input);
            continue;
        }
        yield* guarded(input, reading, () => (input.kind === "dockerfile" ? dockerfileFromStdin(input, reading) : manifestResources(input, reading)));
    }
    for (const input of dockerfiles) {
        const real = realPath(input.absolute!) ?? input.absolute!;
        if (!reading.builtDockerfiles.has(real)) {
            yield* guarded(input, reading, () => dockerfileFromFile(input, reading));
        }
    }
}

/** An input's resources; an error nobody expected is reported against the input, in one line, and the scan goes on. */
function* guarded(input: Input, reading: Reading, resources: () => Iterable<ScanResource[]>): Generator<ScanResource[]> {
    try {
        yield* resources();
    } catch (e) {
        reportUnexpected(e, input.shown, reading.problems, reading.inputs.debug);
    }
}

function reportUnexpected(e: unknown, file: string, problems: Problems, debug: ((error: Error) => void) | undefined): void {
    const error = e instanceof Error ? e : new Error(String(e));
    problems.error({ file, message: `internal error: ${error.message.split("\n", 1)[0]}; the rest of this input was not scanned (--debug shows the trace)` });
    debug?.(error);
}

/** The input's text, chunk by chunk; undefined (reported) when it can't be opened. The caller closes `fd`. */
function open(input: Input, reading: Reading): { chunks: Iterable<string>; fd?: number } | undefined {
    const warn = (message: string) => reading.problems.note({ file: input.shown, message, warning: true });
    if (input.absolute === undefined) {
        reading.tally.files++;
        return { chunks: decodedText(reading.inputs.stdin(), warn) };
    }
    const opened = openToRead(input.absolute, { streams: input.named });
    if ("problem" in opened) {
        if (input.named) {
            reading.problems.error({ file: input.shown, message: opened.problem });
        } else {
            reading.problems.note({ file: input.shown, message: `skipped: ${opened.problem}` });
        }
        return undefined;
    }
    reading.tally.files++;
    return { chunks: decodedText(descriptorChunks(opened.fd, reading.inputs.waiting), warn), fd: opened.fd };
}

function* manifestResources(input: Input, reading: Reading): Generator<ScanResource[]> {
    const opened = open(input, reading);
    if (!opened) {
        return;
    }
    const { problems, tally } = reading;
    let recognised = false;
    /** A first document that is a Compose file: it is one if it is the file's only document. */
    let compose: SourceDocument | undefined;
    let documents = 0;
    /** Whether an error was reported: the file is then not said to declare nothing. */
    let failed = false;
    /** A found file that fails to parse before it declared anything, and doesn't look like a manifest, is no manifest: skipped quietly (a tsconfig.json with comments). */
    const quietly = (text: string | undefined) => !input.named && !recognised && documents === 0 && (text === undefined || !/\b(apiVersion|services)\b/.test(text));
    try {
        const { json, chunks } = input.kind === "json" ? { json: true, chunks: opened.chunks } : sniffJson(input, opened.chunks);
        const texts = json ? jsonDocuments(input.shown, chunks) : yamlDocuments(input.shown, chunks);
        for (const text of texts) {
            let parsed: SourceDocument[];
            try {
                parsed = json ? [parseJsonDocument(input.shown, text)] : parseYamlDocuments(input.shown, text);
            } catch (e) {
                if (!(e instanceof SourceError)) {
                    throw e;
                }
                if (e.language && quietly(text.text)) {
                    tally.skipped++;
                    return;
                }
                const { file, line, column } = e.location;
                problems.error({ file, line, column, message: e.language ? `not valid ${e.language}: ${e.message}` : e.message });
                failed = true;
                if (json) {
                    return; // the values after a broken one can't be told apart
                }
                continue;
            }
            for (const document of parsed) {
                if (document.value === null || document.value === undefined) {
                    continue;
                }
                documents++;
                if (documents === 1 && isComposeFile(document.value)) {
                    compose = document;
                    continue;
                }
                compose = undefined; // a Compose file has one document
                if (isKubernetesObject(document.value)) {
                    recognised = true;
                    warnDuplicateKeys(document, problems);
                    yield kubernetesResources(document);
                }
            }
        }
    } catch (e) {
        if (e instanceof NotText) {
            if (quietly(undefined)) {
                tally.skipped++;
            } else {
                problems.error({ file: input.shown, line: e.line, message: e.message });
            }
            return;
        }
        if (!(e instanceof SourceError)) {
            throw e;
        }
        const { file, line, column } = e.location;
        problems.error({ file, line, column, message: e.message }); // a document too large: the rest of the file is not read
        return;
    } finally {
        if (opened.fd !== undefined) {
            fs.closeSync(opened.fd);
        }
    }
    if (compose && compose.duplicateKeys.length > 0) {
        recognised = failed = true;
        rejectDuplicateKeys(compose, problems);
    } else if (compose) {
        recognised = true;
        const declared = composeResources({
            document: compose,
            dir: input.dir,
            root: reading.root,
            allowOutsideRoot: reading.inputs.allowOutsideRoot ?? false,
            problems,
            envFiles: reading.inputs.envFiles,
        });
        declared.dockerfiles.forEach(file => reading.builtDockerfiles.add(realPath(file) ?? file));
        yield declared.resources;
    }
    if (!recognised && !failed) {
        tally.skipped++;
        if (input.named) {
            problems.note({ file: input.shown, message: "skipped: neither Kubernetes objects nor a Compose file" });
        }
    }
}

/**
 * Keys a Kubernetes object writes twice: read as the API server's (non-strict) decoding reads them,
 * the last value winning, with a warning at each, as its field validation gives (kubectl's default).
 */
function warnDuplicateKeys(document: SourceDocument, problems: Problems): void {
    for (const { path, at, first } of document.duplicateKeys) {
        problems.note({ ...at, message: `${formatPath(path)} is written twice (first on line ${first.line}): the last value counts, as the API server reads it`, warning: true });
    }
}

/** Keys a Compose file writes twice: docker compose (compose-go's YAML decoder) rejects the file, so it is an input error, and its services are not judged. */
function rejectDuplicateKeys(document: SourceDocument, problems: Problems): void {
    for (const { path, at, first } of document.duplicateKeys) {
        problems.error({ ...at, message: `mapping key "${path[path.length - 1]}" already defined at line ${first.line} (${formatPath(path)}): docker compose rejects the file, so its services were not judged` });
    }
}

/**
 * Whether standard input is JSON, as kubectl tells (its first character is `{`: `kubectl get -o
 * json`), and its text with what was read to tell. A file is JSON by its name.
 */
function sniffJson(input: Input, chunks: Iterable<string>): { json: boolean; chunks: Iterable<string> } {
    if (input.absolute !== undefined) {
        return { json: false, chunks };
    }
    const iterator = chunks[Symbol.iterator]();
    const read: string[] = [];
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
        read.push(next.value);
        const start = next.value.search(/\S/);
        if (start >= 0) {
            return { json: next.value[start] === "{", chunks: resumed(read, iterator) };
        }
    }
    return { json: false, chunks: read };
}

function* resumed(read: string[], rest: Iterator<string>): Generator<string> {
    yield* read;
    for (let next = rest.next(); !next.done; next = rest.next()) {
        yield next.value;
    }
}

/** A Dockerfile's text, to check its encoding (and, from a stream, to judge it): as much as the policies read of one. */
function dockerfileText(input: Input, reading: Reading): { text: string; stream: boolean } | undefined {
    const opened = open(input, reading);
    if (!opened) {
        return undefined;
    }
    try {
        const stream = opened.fd === undefined || !fs.fstatSync(opened.fd).isFile();
        let text = "";
        for (const chunk of opened.chunks) {
            text += chunk;
            if (text.length > (stream ? maxDocumentChars : dockerfileCap)) {
                if (stream) {
                    reading.problems.error({ file: input.shown, message: `longer than ${maxDocumentChars / 2 ** 20} MiB, so it is not read` });
                    return undefined;
                }
                break; // the policies say what they make of a Dockerfile this long
            }
        }
        return { text, stream };
    } catch (e) {
        if (e instanceof NotText) {
            reading.problems.error({ file: input.shown, line: e.line, message: e.message });
            return undefined;
        }
        throw e;
    } finally {
        if (opened.fd !== undefined) {
            fs.closeSync(opened.fd);
        }
    }
}

function* dockerfileFromStdin(input: Input, reading: Reading): Generator<ScanResource[]> {
    const read = dockerfileText(input, reading);
    if (read) {
        yield [dockerfileResource(input, read.text)];
    }
}

function* dockerfileFromFile(input: Input, reading: Reading): Generator<ScanResource[]> {
    const read = dockerfileText(input, reading);
    if (read) {
        // A file the policies read themselves, and name in their messages; a stream, as its text.
        yield [dockerfileResource(input, read.stream ? read.text : undefined)];
    }
}

/**
 * A Dockerfile several services of a Compose file build: each finding on one of its lines once,
 * for all the services whose builds have it (with the same target and arguments, all of them; the
 * findings that differ stay apart, each with its services). A finding is the same when its policy,
 * level, place and words are, but for the services its subject names (image-builds.ts' composeBuildSubject).
 */
function sharedBuildsOnce(findings: readonly Finding[]): Finding[] {
    const kept: Array<{ finding: Finding; services: string[]; rest: string }> = [];
    const byKey = new Map<string, { services: string[] }>();
    for (const finding of findings) {
        const service = finding.resource.builtFor?.length === 1 ? finding.resource.builtFor[0] : undefined;
        const subject = service === undefined ? undefined : `${composeBuildSubject([service])}: `;
        const inDockerfile = subject !== undefined && finding.message.startsWith(subject) && finding.location.file !== finding.resource.at.file;
        if (!inDockerfile) {
            kept.push({ finding, services: [], rest: "" });
            continue;
        }
        const rest = finding.message.slice(subject.length);
        const { file, line, column } = finding.location;
        const key = JSON.stringify([finding.policy.name, finding.level, file, line, column, rest]);
        const same = byKey.get(key);
        if (same) {
            same.services.push(service!);
            continue;
        }
        const entry = { finding, services: [service!], rest };
        byKey.set(key, entry);
        kept.push(entry);
    }
    // One resource summary per set of services, so that a report groups their findings together.
    const summaries = new Map<string, ResourceSummary>();
    return kept.map(({ finding, services, rest }) => {
        if (services.length < 2) {
            return finding;
        }
        const subject = composeBuildSubject(services);
        const resource = summaries.get(subject) ?? { ...finding.resource, label: subject, builtFor: services };
        summaries.set(subject, resource);
        return { ...finding, resource, message: `${subject}: ${rest}` };
    });
}

/** Findings in the order of the resources in the file and of the lines. */
function byPosition(a: Finding, b: Finding): number {
    return (
        a.resource.at.line - b.resource.at.line ||
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column
    );
}

export function scan(options: ScanOptions, sink: ScanSink): ScanSummary {
    const summary: ScanSummary = { files: 0, skipped: 0, resources: 0, mandatory: 0, advisory: 0, errors: 0 };
    const problems: Problems = {
        error(error) {
            summary.errors++;
            sink.error(error);
        },
        note: note => sink.note(note),
    };
    for (const resources of declaredResources(options, problems, summary)) {
        if (resources.length === 0) {
            continue;
        }
        let run: ReturnType<typeof runPolicies>;
        try {
            run = runPolicies(options.policies, options.config, resources);
        } catch (e) {
            if (e instanceof ConfigErrors) {
                throw e; // a bad config, found when a policy parses it: no resource can be judged
            }
            reportUnexpected(e, resources[0].at.file, problems, options.debug);
            continue;
        }
        for (const finding of sharedBuildsOnce(run.findings).sort(byPosition)) {
            summary[finding.level]++;
            sink.finding(finding);
        }
        run.errors.forEach(problems.error);
        summary.resources += resources.length;
    }
    return summary;
}
