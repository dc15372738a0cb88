// Rule 5: telling a secret from a setting, by the variable's name (DESIGN.md, "Secret names")
// and by its value (known credential formats), and the fix both rule-5 policies give: mount the
// secret as a file. Nothing here ever returns or formats any part of a value.
//
// Every regular expression here runs on user data (names, values of any length), so each is
// linear: no nested quantifiers, every repetition bounded or over a class its successor can't
// start with, and each credential pattern opens with a literal or a one-character look-behind,
// so that it only starts where a token can.
// test/container-no-plaintext-secrets.spec.ts drives each one with 100 KB adversarial inputs.
//
// The credential formats follow secretlint's recommended preset and gitleaks' rules (prefixes and
// lengths as the vendors document them). secretlint itself was measured and not used: see
// `credentialFormats`.
import { Glob } from "./glob";
import { memoizeByText } from "./memo";
import { quote } from "./values";
import { Container } from "./workloads";

/** Splits a name on `_`, `-`, `.` and lower→upper case changes; upper-cased, no empty segments. */
export function nameSegments(name: string): string[] {
    return name
        .split(/[_.-]|(?<=[a-z])(?=[A-Z])/)
        .filter(segment => segment.length > 0)
        .map(segment => segment.toUpperCase());
}

/** A segment that is, or ends with, one of these names a secret: `PGPASSWORD`, not `TOKENIZER`. */
const secretSuffixes = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN"];
/** Segments that name a secret only on their own. */
const secretSegments = new Set(["PWD", "CREDENTIAL", "CREDENTIALS", "APIKEY"]);
/** Adjacent segment pairs that name a secret: `API_KEY`, `clientSecret`. */
const secretPairs = new Set([
    "API KEY", "ACCESS KEY", "PRIVATE KEY", "SECRET KEY", "SIGNING KEY", "ENCRYPTION KEY", "CLIENT SECRET", "AUTH TOKEN",
]);
/** A last segment that names something about the secret rather than the secret: `SECRET_NAME`, `TOKEN_URL`. */
const describingSegments = new Set([
    "NAME", "ID", "URL", "URI", "ENDPOINT", "HOST", "PORT", "FILE", "PATH", "DIR", "TTL", "EXPIRY", "LENGTH", "ENABLED", "TYPE", "VERSION",
]);

/** Whether the name says the variable holds a secret (ignoring what the last segment may describe). */
function hasSecretName(segments: readonly string[]): boolean {
    return segments.some(
        (segment, i) =>
            secretSuffixes.some(suffix => segment.endsWith(suffix)) ||
            secretSegments.has(segment) ||
            (i > 0 && secretPairs.has(`${segments[i - 1]} ${segment}`)),
    );
}

/** `DB_PASSWORD_FILE`, `SECRET_NAME`: the last segment is about the secret, not the secret. */
function describesSecret(segments: readonly string[]): boolean {
    return segments.length > 0 && describingSegments.has(segments[segments.length - 1]);
}

/** A last segment that counts something about the secret: a number under such a name is a setting (`PASSWORD_ROUNDS=12`). */
const quantitySegments = new Set(["LIMIT", "MAX", "MIN", "COUNT", "SIZE", "TIMEOUT", "SECONDS", "DAYS", "ROUNDS", "BITS", "RETRIES"]);

/** What the built-in name rules say of a name; by name, as a stack repeats the same few hundred (performance). */
const nameVerdict = memoizeByText(name => {
    const segments = nameSegments(name);
    const last = segments[segments.length - 1];
    return { secret: hasSecretName(segments) && !describesSecret(segments), countsSomething: quantitySegments.has(last) || describingSegments.has(last) };
});

/** Whether the built-in name rules mark the name as a secret's. */
export function isSecretName(name: string): boolean {
    return nameVerdict(name).secret;
}

/** `$(VAR)`: Kubernetes expands it from another variable; it is no literal. */
const reference = /\$\([^()$\s]{1,256}\)/g;

/** The value with its `$(VAR)` references taken out: what is literally in it. */
function literalPart(value: string): string {
    return value.replace(reference, "");
}

/** Values that are settings whatever the name says: booleans, absolute paths. */
function isSetting(value: string): boolean {
    return /^(?:true|false)$/i.test(value) || /^(?:\/|[A-Za-z]:[\\/])\S*$/.test(value);
}

const number = /^[+-]?\d+(?:\.\d+)?$/;

export interface CredentialFormat {
    /** What the value looks like, completing "its value is ...": `a GitHub token`. */
    readonly label: string;
    readonly pattern: RegExp;
    /** Literals one of which every match contains: `credentialFormatOf` looks for them first. */
    readonly anchors: readonly string[];
}

/**
 * Values that are credentials whatever the variable is called. Own, compact patterns rather than
 * secretlint (@secretlint/core + secretlint-rule-preset-recommend 12.0: 8 packages, 1.5 MB,
 * ESM-only so a CommonJS pack could only load it asynchronously, about 50 ms to import against
 * well under 1 ms for this module; its messages embed the secret it found, and its Slack pattern
 * nests quantifiers). The prefixes and lengths are the vendors', as those two projects list them.
 */
export const credentialFormats: readonly CredentialFormat[] = [
    {
        label: "an AWS access key id",
        pattern: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/,
        anchors: ["A3T", "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA"],
    },
    { label: "a GitHub token", pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/, anchors: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"] },
    {
        label: "a GitLab token",
        pattern: /(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,255}(?![A-Za-z0-9_-])/,
        anchors: ["glpat-", "gldt-", "glrt-", "glptt-", "glsoat-", "glft-", "glimt-", "glagent-"],
    },
    { label: "a Slack token", pattern: /(?<![A-Za-z0-9-])(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,250}/, anchors: ["xox", "xapp-"] },
    { label: "a Slack webhook URL", pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,250}/, anchors: ["https://hooks.slack.com/"] },
    {
        label: "a Stripe secret key",
        pattern: /(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{24,64})(?![A-Za-z0-9])/,
        anchors: ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"],
    },
    { label: "a Google API key", pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/, anchors: ["AIza"] },
    { label: "a Google OAuth client secret", pattern: /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/, anchors: ["GOCSPX-"] },
    { label: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----|AGE-SECRET-KEY-1[0-9A-Z]{58}/, anchors: ["-----BEGIN ", "AGE-SECRET-KEY-1"] },
    { label: "a JSON Web Token", pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,16384}\.[A-Za-z0-9_-]{0,4096}/, anchors: ["eyJ"] },
    // Not a look-behind, as elsewhere: this one starts at every `://`, and V8 finds a leading literal class faster.
    { label: "a URL with a password", pattern: /[A-Za-z0-9]:\/\/[^\s:/?#@]{0,256}:[^\s/?#@]{1,256}@/, anchors: ["://"] },
    {
        label: "a connection string with a password or key",
        pattern: /(?<![A-Za-z0-9])(?:password|pwd|accountkey|sharedaccesskey)[ \t]{0,8}=[ \t]{0,8}[^\s;'"]/i,
        anchors: ["="],
    },
    { label: "an HTTP Authorization credential", pattern: /^(?:Bearer|Basic|Token)[ \t]{1,8}[A-Za-z0-9._~+/=-]{16,8192}$/i, anchors: [" ", "\t"] },
    { label: "an npm token", pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/, anchors: ["npm_"] },
    { label: "a PyPI token", pattern: /(?<![A-Za-z0-9_-])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}/, anchors: ["pypi-AgEIcHlwaS5vcmc"] },
    { label: "an OpenAI API key", pattern: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}/, anchors: ["T3BlbkFJ"] },
    { label: "an Anthropic API key", pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,160}(?![A-Za-z0-9_-])/, anchors: ["sk-ant-"] },
    { label: "a SendGrid API key", pattern: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/, anchors: ["SG."] },
    { label: "a HashiCorp Vault token", pattern: /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,300}(?![A-Za-z0-9_-])/, anchors: ["hvs.", "hvb.", "hvr."] },
    { label: "a Docker Hub access token", pattern: /(?<![A-Za-z0-9_-])dckr_pat_[A-Za-z0-9_-]{27,64}(?![A-Za-z0-9_-])/, anchors: ["dckr_pat_"] },
    { label: "a Hugging Face token", pattern: /(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9])/, anchors: ["hf_"] },
    { label: "a Pulumi access token", pattern: /(?<![A-Za-z0-9_-])pul-[a-f0-9]{40}(?![A-Za-z0-9])/, anchors: ["pul-"] },
    { label: "a DigitalOcean token", pattern: /(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/, anchors: ["doo_v1_", "dop_v1_", "dor_v1_"] },
    { label: "a Shopify access token", pattern: /(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/, anchors: ["shpat_", "shpca_", "shppa_", "shpss_"] },
    { label: "a Databricks token", pattern: /(?<![A-Za-z0-9_])dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])/, anchors: ["dapi"] },
];

function escapeRegExp(literal: string): string {
    return literal.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/**
 * A pattern matching any of the literals, as a trie (`gh(?:p_|o_|...)`): V8 runs it about twice
 * as fast as the flat alternation, each position trying one branch per first character. Where one
 * literal starts another, it matches the shorter only: no anchor may start another (a test checks).
 */
function anyOf(literals: readonly string[]): string {
    const firsts = [...new Set(literals.map(literal => literal[0]))];
    const branches = firsts.map(first => {
        const rests = literals.filter(literal => literal[0] === first).map(literal => literal.slice(1));
        return escapeRegExp(first) + (rests.includes("") ? "" : rests.length === 1 ? escapeRegExp(rests[0]) : `(?:${anyOf(rests)})`);
    });
    return branches.join("|");
}

const anchors = [...new Set(credentialFormats.flatMap(format => format.anchors))];
/** Per anchor, the formats it belongs to, as bits of `credentialFormats` indexes. */
const formatBitsByAnchor = new Map(anchors.map(anchor => [anchor, credentialFormats.reduce((bits, format, i) => (format.anchors.includes(anchor) ? bits | (1 << i) : bits), 0)]));
const everyAnchor = new RegExp(anyOf(anchors), "g");

/**
 * The first of `credentialFormats` (in their order) that the value is in, if any. Performance
 * (docs/performance.md): one scan for every format's anchors, so that a setting costs one pass and
 * a value with an anchor only the patterns of the formats it may be in.
 */
export function credentialFormatOf(value: string): CredentialFormat | undefined {
    let candidates = 0;
    everyAnchor.lastIndex = 0;
    for (let found = everyAnchor.exec(value); found !== null; found = everyAnchor.exec(value)) {
        candidates |= formatBitsByAnchor.get(found[0])!;
        everyAnchor.lastIndex = found.index + 1; // anchors may overlap: `://` inside `https://hooks.slack.com/`
    }
    return candidates === 0 ? undefined : credentialFormats.find((format, i) => (candidates & (1 << i)) !== 0 && format.pattern.test(value));
}

/** The names a policy was configured to treat as secret, or as never secret. Globs, upper-cased. */
export interface SecretNameConfig {
    additionalSecretNames: readonly Glob[];
    allowedNames: readonly Glob[];
}

/** Why a variable holds a literal secret. */
export type SecretVerdict = { by: "name" } | { by: "format"; format: CredentialFormat };

/**
 * Whether a variable with a literal value (string, number, boolean; never unknown) holds a
 * secret. A value in a credential format is one whatever the name; otherwise the name decides,
 * and settings are never secrets: empty values, `$(VAR)` references (alone or joined by
 * punctuation: `$(USER):$(PASS)`), booleans, absolute paths, and numbers under a name whose last
 * segment counts something about the secret (`PASSWORD_MIN_LENGTH=8`; `MYSQL_PASSWORD=1234` is a secret).
 */
export function judgeVariable(name: string, value: string | number | boolean, config: SecretNameConfig): SecretVerdict | undefined {
    if (typeof value === "boolean" || matchesAny(config.allowedNames, name)) {
        return undefined;
    }
    if (typeof value === "number") {
        return Number.isFinite(value) ? judgeVariable(name, String(value), config) : undefined;
    }
    const withoutReferences = value.includes("$(") ? literalPart(value) : value;
    const secretNamed = matchesAny(config.additionalSecretNames, name) || isSecretName(name);
    const format = secretNamed ? credentialFormatOf(withoutReferences) : settingFormatOf(withoutReferences);
    if (format) {
        return { by: "format", format };
    }
    if (!secretNamed) {
        return undefined;
    }
    const literal = withoutReferences.trim();
    const onlyReferences = withoutReferences !== value && !/[A-Za-z0-9]/.test(literal);
    const countedSetting = number.test(literal) && nameVerdict(name).countsSomething;
    return literal.length === 0 || onlyReferences || isSetting(literal) || countedSetting ? undefined : { by: "name" };
}

/**
 * Whether a variable whose value was filled from elsewhere (Compose interpolation, the environment
 * compose runs in) holds a secret. A value the scan knows is judged as a literal; an empty one, or
 * one not known here (undefined), by the name alone: a secret-named variable holds a secret
 * whatever fills it (its place is a secret mount, DESIGN.md), unless its name counts something a
 * number may fill (`PASSWORD_ROUNDS`).
 */
export function judgeFilledVariable(name: string, value: string | undefined, config: SecretNameConfig): SecretVerdict | undefined {
    if (value !== undefined && value !== "") {
        return judgeVariable(name, value, config);
    }
    if (matchesAny(config.allowedNames, name)) {
        return undefined;
    }
    const secretNamed = matchesAny(config.additionalSecretNames, name) || isSecretName(name);
    return secretNamed && !nameVerdict(name).countsSomething ? { by: "name" } : undefined;
}

/**
 * The credential format of the value of a variable not named as a secret, by value: a stack repeats
 * the same settings (`info`, `production`, a database URL) in many containers (performance). Only
 * values in no format are kept, and a value under a secret's name never comes here.
 */
const settingFormatOf = memoizeByText(credentialFormatOf, format => format === undefined);

/** Whether one of the (upper-cased) name globs matches the name, case-insensitively. */
function matchesAny(globs: readonly Glob[], name: string): boolean {
    if (globs.length === 0) {
        return false;
    }
    const upperName = name.toUpperCase();
    return globs.some(glob => glob.matches(upperName));
}

/** `its name marks it as a secret` / `its value is a GitHub token`. */
export function describeVerdict(verdict: SecretVerdict): string {
    return verdict.by === "name" ? "its name marks it as a secret" : `its value is ${verdict.format.label}`;
}

/** Why a secret must not be in env, whichever way it got there; the policies finish the sentence. */
export const envIsReadable = "env vars are easy to read (docker inspect, /proc/<pid>/environ, crash reports, every child process)";

/** `DB_PASSWORD` -> `db-password`: a name usable for a volume, a file and a Swarm secret. */
export const fileNameFor = memoizeByText(variable => variable.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 63).replace(/^-|-$/g, "") || "secret");

/** Where a secret in env comes from: a literal (or, in Compose, the variable `fromVariable`), or a Kubernetes Secret (one key, or every key). */
export type SecretSource = { variable: string; secretName?: undefined; fromVariable?: string } | { variable?: string; secretName: string; key?: string; fromVariable?: undefined };

/**
 * The fix for a secret in env, in the dialect of the container's source (Pulumi TypeScript for its
 * kind, or the YAML of a manifest or Compose file): mount it as a file and point the app at the file.
 */
export function mountAsFileFix(container: Container, source: SecretSource): string {
    const file = fileNameFor(source.secretName ?? source.variable);
    const q = quote;
    // File names are [a-z0-9-]: quoted as they are (performance: a message quotes them several times).
    const fileSource = `"${file}"`;
    const dir = `/run/secrets/${file}`;
    switch (container.shape) {
        case "kubernetes": {
            const manifest = container.workload.dialect === "kubernetes-manifest";
            const newSecret = source.secretName === undefined;
            const create = !newSecret
                ? ""
                : manifest
                  ? `create it outside the manifest (kubectl create secret generic ${file} --from-file=${file}=<the file that holds it>), `
                  : `const secret = new k8s.core.v1.Secret(${fileSource}, { stringData: { ${fileSource}: cfg.requireSecret(...) } }); `;
            const secretName = !newSecret ? q(source.secretName) : manifest ? fileSource : "secret.metadata.name";
            const key = !newSecret ? source.key : file;
            const readsFile = key !== undefined && source.variable !== undefined ? `{ name: ${q(`${source.variable}_FILE`)}, value: ${q(`${dir}/${key}`)} }` : undefined;
            const volume = `{ name: ${fileSource}, secret: { secretName: ${secretName} } }`;
            const mount = `{ name: ${fileSource}, mountPath: "${dir}", readOnly: true }`;
            if (manifest) {
                const reads = readsFile ? `have the app read the file (e.g. ${readsFile} in ${container.path}.env)` : `have the app read one file per key under ${dir}`;
                return (
                    `mount it as a file from a Kubernetes Secret (or a CSI secrets-store volume): ${create}` +
                    `add ${volume} to ${container.pod!.path}.volumes and ${mount} to ${container.path}.volumeMounts, and ${reads}`
                );
            }
            const reads = readsFile ? `have the app read the file (e.g. ${readsFile})` : `have the app read one file per key under ${dir}`;
            return (
                `mount it as a file from a Kubernetes Secret (or a CSI secrets-store volume): ${create}` +
                `${container.pod!.path}.volumes: [${volume}], ${container.shortPath}.volumeMounts: [${mount}], and ${reads}`
            );
        }
        case "dockerContainer":
            return (
                `write it to a file from a Pulumi secret instead of env: new docker.Container(${q(container.workload.name)}, { ...args, ` +
                `uploads: [{ file: "${dir}", content: cfg.requireSecret(...), permissions: "0400" }] }), ` +
                `and have the app read that file`
            );
        case "composeService":
            return (
                `mount it as a Compose secret: declare it at the top level (secrets: { ${file}: { ${source.fromVariable !== undefined ? `environment: ${source.fromVariable}` : `file: ./${file}.txt`} } }), ` +
                `list it under services.${container.workload.name}.secrets: [${file}] (a file at ${dir}), and have the app read that file`
            );
        case "dockerService":
            return (
                `mount it as a Swarm secret: const secret = new docker.Secret(${fileSource}, { data: cfg.requireSecret(...).apply(v => Buffer.from(v).toString("base64")) }); ` +
                `new docker.Service(${q(container.workload.name)}, { ...args, taskSpec: { containerSpec: { ...containerSpec, ` +
                `secrets: [{ secretId: secret.id, secretName: secret.name, fileName: "${dir}" }] } } })`
            );
    }
}
