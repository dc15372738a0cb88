// Rule 5a: no literal secret in a container's environment or an image's build arguments; a
// secret manager injects secrets as files at run time (BuildKit secret mounts at build time).
import { ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { compileGlobs } from "./lib/config";
import { complianceFramework } from "./lib/controls";
import { buildArguments, containerEnv, Variable } from "./lib/env";
import { BuildResource, ImageBuild, imageBuildValidation, programDirectoryConfig, readDockerfile } from "./lib/image-builds";
import { configReader, containerPolicy, Finding, PolicyMetadata, render } from "./lib/policy";
import { describeVerdict, envIsReadable, fileNameFor, judgeFilledVariable, judgeVariable, mountAsFileFix, SecretNameConfig, SecretVerdict } from "./lib/secrets";
import { describeType, Entries, isUnknown, quote, Unreadable } from "./lib/values";
import { Container } from "./lib/workloads";

const name = "container-no-plaintext-secrets";

const metadata: PolicyMetadata = {
    name,
    displayName: "No plaintext secrets in env or build arguments",
    description:
        "No literal secret in a container's environment (Kubernetes env, docker.Container envs, docker.Service env) " +
        "or an image's build arguments; secrets are mounted as files.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["nist-800-190:4.1.4", "cis-docker-1.6.0:4.10", "kubernetes", "docker"],
    framework: complianceFramework("nist-800-190:4.1.4"),
    remediationSteps:
        "There is no automatic remediation: moving a secret out of env means creating a secret in a store and changing " +
        "how the app reads it, which a policy can't do safely. Keep the value in a secret store and mount it as a file " +
        "the app reads (many images take `<NAME>_FILE`, e.g. POSTGRES_PASSWORD_FILE). Kubernetes: put it in a Secret " +
        "(stringData from `config.requireSecret`) or a CSI secrets-store volume, add a `secret` volume to the pod and a " +
        "read-only `volumeMounts` entry under /run/secrets. docker.Container: drop it from `envs` and write it with " +
        "`uploads: [{ file: \"/run/secrets/<name>\", content: config.requireSecret(...) }]`. docker.Service: create a " +
        "`docker.Secret` and list it in `taskSpec.containerSpec.secrets` with a `fileName`. Image builds: pass it as a " +
        "BuildKit secret (`secrets` on docker_build.Image; `build.secrets` on docker.RemoteImage with a buildx builder) and " +
        "read it in the Dockerfile with `RUN --mount=type=secret,id=<name>`. A value wrapped in pulumi.secret() is still " +
        "plaintext in the container's env once deployed, so it is flagged too.",
    config: {
        additionalSecretNamePatterns: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description:
                "Globs of variable names that hold secrets besides those the built-in name rules find, matched " +
                "case-insensitively against the whole name (`*_DSN`, `*CONN_STR*`, `LICENSE_KEY`). A match counts even " +
                "where the name's last segment would otherwise mark it as a setting (`*_URL`); values that are settings " +
                "(empty, `$(VAR)`, booleans, absolute paths, and numbers under a name whose last segment counts something: " +
                "`*_TIMEOUT`, `*_MAX`) are still not flagged.",
        },
        allowedEnvNames: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description:
                "Globs of variable names (env vars and build arguments) never flagged, by name or by value, matched " +
                "case-insensitively against the whole name (`STRIPE_PUBLISHABLE_KEY`, `TEST_*`). For a value that " +
                "looks like a credential and is not one.",
        },
        programDirectory: programDirectoryConfig,
    },
};

interface SecretsConfig extends SecretNameConfig {
    /** Where relative Dockerfile paths of image builds resolve from (lib/image-builds.ts). */
    programDirectory?: string;
}

function parseConfig(config: Record<string, unknown>): SecretsConfig {
    const upperGlobs = (key: string) => compileGlobs(name, key, (config[key] as string[]).map(s => s.toUpperCase()));
    return {
        additionalSecretNames: upperGlobs("additionalSecretNamePatterns"),
        allowedNames: upperGlobs("allowedEnvNames"),
        programDirectory: (config.programDirectory as string | undefined) || undefined,
    };
}

/**
 * The verdict on one variable: a secret, or a value that can't be read; nothing for unknown or
 * absent values, except a value filled from elsewhere (its origin), which is judged by name whatever it is.
 */
function judge(variable: Variable, config: SecretNameConfig): SecretVerdict | Unreadable | undefined {
    const value = variable.value;
    if (variable.origin !== undefined) {
        return judgeFilledVariable(variable.name, typeof value === "string" ? value : undefined, config);
    }
    if (value === undefined || value === null || isUnknown(value)) {
        return undefined;
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return { field: variable.field, problem: `expected a string, found ${describeType(value)}` };
    }
    return judgeVariable(variable.name, value, config);
}

/**
 * The findings on a set of variables: each secret, and each field that can't be read. `form`
 * shows how the field is written, for fixing a malformed one.
 */
function variableFindings(
    variables: Entries<Variable>,
    config: SecretNameConfig,
    form: string,
    secretFinding: (variable: Variable, verdict: SecretVerdict) => Finding,
): Finding[] {
    const unreadable = (field: readonly string[], problem: string): Finding => ({
        field,
        problem: `can't be read (${problem}), so it could not be checked for secrets`,
        why: "what it holds can't be checked for plaintext secrets.",
        fix: `write it as ${form}`,
    });
    const findings = variables.unreadable.map(u => unreadable(u.field, u.problem));
    for (const variable of variables.items) {
        const result = judge(variable, config);
        if (result && "problem" in result) {
            findings.push(unreadable(result.field, result.problem));
        } else if (result) {
            findings.push(secretFinding(variable, result));
        }
    }
    return findings;
}

/** How each shape writes env, for fixing a malformed one. */
const envForms: Record<Container["shape"], string> = {
    kubernetes: `env: [{ name: "LOG_LEVEL", value: "info" }]`,
    dockerContainer: `envs: ["LOG_LEVEL=info"]`,
    dockerService: `env: { LOG_LEVEL: "info" }`,
    composeService: `environment: { LOG_LEVEL: info }`,
};

function checkContainer(container: Container, config: SecretNameConfig, report: (finding: Finding) => void): void {
    const findings = variableFindings(containerEnv(container).variables, config, envForms[container.shape], (variable, verdict) => ({
        field: variable.field,
        problem: variable.origin !== undefined
            ? `sets ${variable.name} from ${variable.origin} (${describeVerdict(verdict)})`
            : `sets ${variable.name} to a literal secret (${describeVerdict(verdict)})`,
        why: `${envIsReadable}, ${
            variable.origin !== undefined ? "wherever the value comes from" : container.workload.dialect === "pulumi" ? "even when the value came from pulumi.secret()" : "and the file keeps it in the repository"
        }.`,
        fix: mountAsFileFix(container, { variable: variable.name, fromVariable: variable.fromVariable }),
    }));
    findings.forEach(report);
}

const buildWhy =
    "build arguments are recorded in the image's metadata and history (docker history, docker image inspect): " +
    "anyone who can pull the image can read them.";

/** The BuildKit secret mount for a build argument, in the build's dialect: Pulumi TypeScript for its kind, Compose, or docker build. */
function buildSecretFix(build: ImageBuild, resourceName: string, variable: string): string {
    const id = fileNameFor(variable);
    const dockerfile = `and read it in the Dockerfile with RUN --mount=type=secret,id=${id} (a file at /run/secrets/${id} for that step only)`;
    if (build.dialect === "compose") {
        return `pass it as a build secret: build.secrets: [${id}], with the top-level secrets: { ${id}: { environment: ${variable} } } (${variable} set where docker compose runs), ${dockerfile}`;
    }
    if (build.dialect === "dockerfile") {
        return `pass it as a build secret: docker build --secret id=${id},env=${variable} (${variable} set where it runs), ${dockerfile}`;
    }
    const dockerBuild = `secrets: { ${quote(id)}: cfg.requireSecret(...) }`;
    switch (build.kind.kind) {
        case "docker_build.Image":
            return `pass it as a BuildKit secret: new docker_build.Image(${quote(resourceName)}, { ...args, ${dockerBuild} }), ${dockerfile}`;
        case "docker.Image":
            return `docker.Image has no build-secret input: build with docker_build.Image and pass it as a BuildKit secret (${dockerBuild}), ${dockerfile}`;
        default:
            return (
                `pass it as a BuildKit secret (needs a buildx builder): build: { ...build, secrets: [{ id: ${quote(id)}, env: ${quote(variable)} }] } ` +
                `with ${variable} set where pulumi runs, ${dockerfile}`
            );
    }
}

const readConfig = configReader(name, metadata.config, parseConfig);

/** Image builds are not containers: their build arguments, and their Dockerfile's ENV and ARG lines, are judged here, at the resource. */
const validateBuildArguments = imageBuildValidation(name, readConfig, (resource, build, config, reportViolation) => {
    const form = `${build.argsField}: { NODE_ENV: "production" }`;
    const findings = variableFindings(buildArguments(build.kind, resource.props), config, form, (variable, verdict) => ({
        field: variable.field,
        problem: `sets build argument ${variable.name} to a literal secret (${describeVerdict(verdict)})`,
        why: buildWhy,
        fix: buildSecretFix(build, resource.name, variable.name),
    }));
    // Fields are read at the kind's path of the build args (`buildArgs`); messages name them as the source does (`build.args`).
    const kindArgs = build.kind.args.join(".");
    for (const finding of findings) {
        reportViolation(render(build.label, build.argsField + finding.field.join(".").slice(kindArgs.length), finding));
    }
    reportDockerfileSecrets(resource, build, config, reportViolation);
});

const dockerfileWhy = {
    ENV: "an ENV value is stored in the image's config: anyone who can pull the image reads it (docker image inspect), and every container started from it has it in env.",
    ARG: "an ARG's value is recorded in the image's history (docker history) wherever a RUN uses it, and the Dockerfile keeps it in the repository.",
};

/**
 * Secrets written into the Dockerfile itself (CIS Docker 4.10): ENV and ARG lines with a secret
 * value. A Dockerfile that can't be read is image-multi-stage-build's to report.
 */
function reportDockerfileSecrets(resource: BuildResource, build: ImageBuild, config: SecretsConfig, reportViolation: (message: string) => void): void {
    const reading = readDockerfile(resource, build, name, config.programDirectory);
    if (reading.state !== "read") {
        return;
    }
    for (const { keyword, name: variable, value, line } of reading.dockerfile.variables) {
        const verdict = value === undefined ? undefined : judgeVariable(variable, value, config);
        if (verdict) {
            reportViolation(
                render(build.at(reading.shown, line), `${keyword} ${variable}`, {
                    field: [],
                    problem: `puts a secret into the image (${describeVerdict(verdict)})`,
                    why: dockerfileWhy[keyword],
                    fix: keyword === "ENV" ? `remove it from the Dockerfile and mount the secret as a file at run time` : `remove the ARG; ${buildSecretFix(build, resource.name, variable)}`,
                }),
            );
        }
    }
}

const containers = containerPolicy<SecretsConfig>({ ...metadata, parseConfig, check: checkContainer });

export const noPlaintextSecrets: ResourceValidationPolicy = {
    ...containers,
    validateResource: [containers.validateResource as ResourceValidation, validateBuildArguments],
};
