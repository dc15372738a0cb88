#!/usr/bin/env node
// `container-guard scan [paths or globs...]`: the pack's policies over Kubernetes manifests,
// Compose files and Dockerfiles. Exit code 1 when a mandatory policy is violated, 2 for a usage
// or input error (the scan still reports what it could read), 0 otherwise.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ConfigError } from "../policies/lib/config";
import { configFileError, readConfigFile, resolveConfig, UsageError } from "./config";
import { coloursFor, counts, humanReport, jsonReport, Tool } from "./report";
import { sarifReport } from "./sarif";
import { scan } from "./scan";

const usage = `Usage: container-guard scan [options] [paths or globs...]

Checks Kubernetes manifests (YAML or JSON, many documents, List kinds), Compose files and
Dockerfiles against container-guard's policies, the same code that judges Pulumi programs.
Directories are walked (node_modules and .git skipped); "-" reads standard input, e.g.
  helm template ./chart | container-guard scan -

Options:
  -c, --config <file>       the policy pack config of pulumi preview --policy-pack-config
                            (levels, "all", per-policy keys)
  -f, --format <format>     human (default), json or sarif (SARIF 2.1.0)
      --dockerfile <file>   read <file> as a Dockerfile whatever its name (repeatable; "-" for stdin)
  -h, --help                this text
  -v, --version             the version

Exit code: 1 when a mandatory policy is violated, 2 for a usage or input error, 0 otherwise.
Colour only on a terminal; NO_COLOR turns it off.
`;

export interface Io {
    stdout: { write(text: string): unknown; isTTY?: boolean };
    stderr: { write(text: string): unknown };
    env: NodeJS.ProcessEnv;
    readStdin(): string;
}

const processIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin: () => fs.readFileSync(0, "utf8") };

function tool(): Tool {
    const { name, version } = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
    return { name, version };
}

const formats = ["human", "json", "sarif"] as const;

export function main(argv: readonly string[], io: Io = processIo): number {
    try {
        return run(argv, io);
    } catch (e) {
        if (e instanceof UsageError) {
            io.stderr.write(`container-guard: ${e.message}\n`);
            return 2;
        }
        throw e;
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
    const user = values.config === undefined ? {} : readConfigFile(values.config);
    const config = resolveConfig(policies, user, values.config ?? "");
    let result;
    try {
        result = scan({ paths, dockerfiles: values.dockerfile, policies, config, readStdin: io.readStdin });
    } catch (e) {
        throw e instanceof ConfigError ? configFileError(values.config ?? "(none)", e) : e;
    }
    switch (format) {
        case "human":
            io.stdout.write(humanReport(result, coloursFor(io.stdout, io.env)));
            break;
        case "json":
            io.stdout.write(jsonReport(result, tool()));
            break;
        case "sarif":
            io.stdout.write(sarifReport(result, policies, tool()));
            break;
    }
    if (format !== "human") {
        for (const error of result.errors) {
            io.stderr.write(`container-guard: ${[error.file, error.line, error.column].filter(p => p !== undefined).join(":")}: ${error.message}\n`);
        }
    }
    const n = counts(result);
    return n.errors > 0 ? 2 : n.mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
