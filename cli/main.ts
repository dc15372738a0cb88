#!/usr/bin/env node
// `container-guard scan [paths or globs...]`: the pack's policies over Kubernetes manifests,
// Compose files and Dockerfiles. Exit code 1 when a mandatory policy is violated, 2 for a usage
// or input error (the scan still reports what it could read), 0 otherwise.
import * as fs from "fs";
import * as path from "path";
import * as tty from "tty";
import { parseArgs } from "util";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { readEnvFile } from "./compose";
import { configFileProblem, readConfigFile, resolveConfig, UsageError } from "./config";
import { EnvEntry, Variables, variablesOf } from "./interpolation";
import { InputError, Note } from "./resource";
import { blockWriter, descriptorChunks, writeAll } from "./read";
import { coloursFor, humanReporter, jsonReporter, printable, Reporter, Tool } from "./report";
import { ConfigErrors } from "./run";
import { sarifReporter } from "./sarif";
import { scan } from "./scan";

const usage = `Usage: container-guard scan [options] [paths or globs...]

Checks Kubernetes manifests (YAML or JSON, many documents, List kinds), Compose files and
Dockerfiles against container-guard's policies, the same code that judges Pulumi programs.
Directories are walked (node_modules and .git skipped); "-" reads standard input, e.g.
  helm template ./chart | container-guard scan -

The scan root is what the command line names: each directory, the directory of each file, the
fixed part of each glob, the working directory for "-". Links that lead out of it are not
followed, and env files and Dockerfiles that Compose files name outside it are not read.

Options:
  -c, --config <file>       the policy pack config of pulumi preview --policy-pack-config
                            (levels, "all", per-policy keys)
  -f, --format <format>     human (default), json or sarif (SARIF 2.1.0)
      --dockerfile <file>   read <file> as a Dockerfile whatever its name (repeatable; "-" for stdin)
      --env-file <file>     the variables Compose files are interpolated with, instead of the .env
                            beside each (repeatable, the later overriding, as docker compose --env-file);
                            the scan never reads its own environment
      --follow-symlinks     follow links out of the scan root too
      --allow-outside-root  read env files and Dockerfiles that Compose files name outside the scan root
      --debug               the stack trace of an unexpected error
  -h, --help                this text
  -v, --version             the version

Exit code: 1 when a mandatory policy is violated, 2 for a usage or input error (or any unexpected
error), 0 otherwise. Colour only on a terminal; NO_COLOR turns it off.
`;

export interface Io {
    /** `flush`, when there is one, is called once the report is written (or the command failed). */
    stdout: { write(text: string): unknown; flush?(): void; isTTY?: boolean };
    stderr: { write(text: string): unknown };
    env: NodeJS.ProcessEnv;
    /** Standard input's bytes. */
    stdin(): Iterable<Uint8Array>;
}

/**
 * The process's streams, written synchronously to the descriptors: the report is written while
 * the scan runs, and a slow reader must hold the scan back rather than let output pile up in memory.
 */
const stdout = { ...blockWriter(1), isTTY: tty.isatty(1) };
const processIo: Io = {
    stdout,
    stderr: { write: text => writeAll(2, text) },
    env: process.env,
    stdin: () => descriptorChunks(0, stdout.flush),
};

function tool(): Tool {
    const { name, version } = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
    return { name, version };
}

const formats = ["human", "json", "sarif"] as const;

/** Runs the command; never throws: whatever goes wrong is one line on standard error and exit code 2. */
export function main(argv: readonly string[], io: Io = processIo): number {
    const say = (line: string) => {
        try {
            io.stderr.write(`container-guard: ${line}\n`);
        } catch {
            // standard error is gone too: nothing left to tell
        }
    };
    try {
        try {
            return run(argv, io);
        } finally {
            io.stdout.flush?.();
        }
    } catch (e) {
        if (e instanceof UsageError) {
            e.problems.forEach(say);
            return 2;
        }
        const error = e instanceof Error ? e : new Error(String(e));
        if ((error as NodeJS.ErrnoException).code === "EPIPE") {
            say("standard output was closed before the report was written (EPIPE)");
            return 2;
        }
        say(`internal error: ${printable(error.message.split("\n", 1)[0])}${argv.includes("--debug") ? "" : " (--debug shows the trace)"}`);
        if (argv.includes("--debug")) {
            say(error.stack ?? String(error));
        }
        return 2;
    }
}

function run(argv: readonly string[], io: Io): number {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                config: { type: "string", short: "c" },
                format: { type: "string", short: "f", default: "human" },
                dockerfile: { type: "string", multiple: true, default: [] },
                "env-file": { type: "string", multiple: true, default: [] },
                "follow-symlinks": { type: "boolean", default: false },
                "allow-outside-root": { type: "boolean", default: false },
                debug: { type: "boolean", default: false },
                help: { type: "boolean", short: "h" },
                version: { type: "boolean", short: "v" },
            },
        });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}\n\n${usage}`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        io.stdout.write(usage);
        return 0;
    }
    if (values.version) {
        io.stdout.write(`${tool().version}\n`);
        return 0;
    }
    const [command, ...paths] = positionals;
    if (command !== "scan") {
        throw new UsageError(`${command === undefined ? "no command" : `unknown command "${command}"`}\n\n${usage}`);
    }
    const format = values.format as (typeof formats)[number];
    if (!formats.includes(format)) {
        throw new UsageError(`--format: "${format}" is not one of ${formats.join(", ")}`);
    }
    if (paths.length === 0 && values.dockerfile.length === 0) {
        throw new UsageError(`scan: name the files, directories or globs to scan ("." for this directory, "-" for standard input)\n\n${usage}`);
    }
    // The policies load @pulumi/policy, which takes a while: only once the command line is good.
    const { policies } = require("../policies") as { policies: ResourceValidationPolicy[] };
    const configFile = values.config;
    const user = configFile === undefined ? {} : readConfigFile(configFile, message => io.stderr.write(`container-guard: --config ${printable(configFile)}: warning: ${message}\n`));
    const config = resolveConfig(policies, user, values.config ?? "");
    const envFiles = values["env-file"].length > 0 ? readEnvFiles(values["env-file"], io) : undefined;
    const reporter: Reporter =
        format === "human"
            ? humanReporter(io.stdout, coloursFor(io.stdout, io.env))
            : format === "json"
              ? jsonReporter(io.stdout, io.stderr, tool())
              : sarifReporter(io.stdout, io.stderr, policies, tool());
    const debug = values.debug ? (error: Error) => io.stderr.write(`container-guard: ${error.stack ?? error.message}\n`) : undefined;
    let summary;
    try {
        summary = scan(
            {
                paths,
                dockerfiles: values.dockerfile,
                stdin: io.stdin,
                followSymlinks: values["follow-symlinks"],
                allowOutsideRoot: values["allow-outside-root"],
                envFiles,
                debug,
                waiting: io.stdout.flush,
                policies,
                config,
            },
            reporter,
        );
    } catch (e) {
        // resolveConfig's probe finds what policies check as they parse their config; this is for any it didn't
        throw e instanceof ConfigErrors ? new UsageError(...e.errors.map(error => configFileProblem(values.config ?? "(none)", error))) : e;
    }
    reporter.end(summary);
    return summary.errors > 0 ? 2 : summary.mandatory > 0 ? 1 : 0;
}

/**
 * The variables of `--env-file` files, each interpolated with those before it: files the user names,
 * read wherever they are (as --config), a FIFO too (`--env-file <(vault ...)`). One that can't be
 * read or parsed is a usage error, as docker compose stops at it.
 */
function readEnvFiles(files: readonly string[], io: Io): Variables {
    const problems: string[] = [];
    const sink = {
        error: (error: InputError) => problems.push(`--env-file ${printable([error.file, error.line].filter(part => part !== undefined).join(":"))}: ${error.message}`),
        note: (note: Note) => io.stderr.write(`container-guard: --env-file ${printable(note.file)}: warning: ${note.message}\n`),
    };
    const read: Array<{ entries: EnvEntry[]; from: string }> = [];
    for (const file of files) {
        const entries = readEnvFile(path.resolve(file), variablesOf(read), sink, { streams: true });
        if ("problem" in entries) {
            sink.error({ file, message: entries.problem });
        } else {
            read.push({ ...entries, from: file }); // as messages name it: as given
        }
    }
    if (problems.length > 0) {
        throw new UsageError(...problems);
    }
    return variablesOf(read);
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
