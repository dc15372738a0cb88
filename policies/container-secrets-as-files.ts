// Rule 5b: a secret from a store still leaks once it is in env; mount it as a file instead.
// Literal values in env are container-no-plaintext-secrets' business.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { complianceFramework } from "./lib/controls";
import { containerEnv, SecretReference } from "./lib/env";
import { containerPolicy } from "./lib/policy";
import { envIsReadable, mountAsFileFix } from "./lib/secrets";
import { quote } from "./lib/values";
import { hasField } from "./lib/workloads";

const secretLabel = (ref: SecretReference) => (ref.secretName !== undefined ? `Secret ${quote(ref.secretName)}` : "a Secret");

/** `puts key "password" of Secret "db" into env var DB_PASSWORD` / `puts every key of Secret "db" into env`. */
function problemOf(ref: SecretReference): string {
    if (ref.variable === undefined) {
        return `puts every key of ${secretLabel(ref)} into env`;
    }
    const key = ref.key !== undefined ? `key ${quote(ref.key)}` : "a key";
    return `puts ${key} of ${secretLabel(ref)} into env var ${ref.variable}`;
}

export const secretsAsFiles: ResourceValidationPolicy = containerPolicy({
    name: "container-secrets-as-files",
    displayName: "Secrets as files, not env",
    description:
        "Secrets from a store reach Kubernetes containers as mounted files, not as env vars " +
        "(`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`).",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["cis-kubernetes-1.10:5.4.1", "nist-800-190:4.1.4", "kubernetes"],
    framework: complianceFramework("cis-kubernetes-1.10:5.4.1"),
    remediationSteps:
        "There is no automatic remediation: the app must learn to read the secret from a file, which a policy can't " +
        "change. Kubernetes: replace `env[].valueFrom.secretKeyRef` / `envFrom[].secretRef` with a `secret` volume " +
        "(or a CSI secrets-store volume) on the pod and a read-only `volumeMounts` entry on the container, e.g. at " +
        "/run/secrets/<name>, and have the app read the file (many images take `<NAME>_FILE`). Mounted Secrets are " +
        "updated in place when rotated; env vars are not. docker.Container and docker.Service have no way to feed env " +
        "from a secret store, so this policy reports itself not applicable to them; for them, write secrets to files " +
        "with `uploads` (docker.Container) or Swarm `taskSpec.containerSpec.secrets` (docker.Service), and " +
        "container-no-plaintext-secrets flags literal secrets in their env.",
    config: {},
    parseConfig: () => undefined,
    notApplicable: workload =>
        hasField(workload, "envFrom")
            ? undefined
            : "Docker has no way to feed env from a secret store (env values are literals); container-no-plaintext-secrets checks them.",
    check(container, _config, report) {
        const refs = containerEnv(container).secretReferences;
        for (const { field, problem } of refs.unreadable) {
            report({
                field,
                problem: `can't be read (${problem}), so it could not be checked for secrets`,
                why: "what it holds can't be checked for secrets fed into env.",
                fix: `write it as the Kubernetes API does: env: [{ name: "DB_USER", value: "app" }], envFrom: [{ secretRef: { name: "db" } }]`,
            });
        }
        for (const ref of refs.items) {
            report({
                field: ref.field,
                problem: problemOf(ref),
                why: `${envIsReadable}; a mounted file is not inherited and is updated when the Secret rotates.`,
                fix: mountAsFileFix(container, { variable: ref.variable, secretName: ref.secretName ?? "<secret name>", key: ref.key }),
            });
        }
    },
});
