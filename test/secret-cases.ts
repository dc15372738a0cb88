// Rule-5 fixtures shared by the policy specs and the engine spec: env cases with their expected
// verdicts, an example value per credential format, and the resource kinds ("carriers") that can
// hold a variable, each with the exact path a message must name; and the leak check.
import * as assert from "assert";
import { noPlaintextSecrets } from "../policies/container-no-plaintext-secrets";
import { credentialFormats, describeVerdict, SecretVerdict } from "../policies/lib/secrets";
import { workloadOf } from "../policies/lib/workloads";
import { dockerContainer, dockerService, kubernetesResource, representativeKubernetesTypes, validate } from "./helpers";

/** One example per credential format (fakes of the right shape; none is a live credential). */
export const formatExamples: Record<string, string> = {
    "an AWS access key id": "AKIAIOSFODNN7EXAMPLE",
    "a GitHub token": "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",
    "a GitLab token": "glpat-Zx8QbF3vK1mR7pLd2WnY",
    "a Slack token": "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
    "a Slack webhook URL": "https://hooks.slack.com/services/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",
    "a Stripe secret key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "a Google API key": "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "a Google OAuth client secret": "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",
    "a private key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----",
    "a JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWIiLCJyb2xlIjoiYWRtaW4ifQ.Qm9ndXNTaWduYXR1cmVCeXRlcw",
    "a URL with a password": "postgres://shop:Kx7-qv.Lm2@db.internal:5432/shop",
    "a connection string with a password or key": "Password=Vb7mQz2Lx;Server=tcp:db.internal,1433;Database=shop;User Id=sa",
    "an HTTP Authorization credential": "Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
    "an npm token": "npm_kQ2vW8xZ3mN7pL4rT9yB6cF1hJ5sD0gA8eU2",
    "a PyPI token": "pypi-AgEIcHlwaS5vcmcCJGE3ZmM0YzZkLWI4ZjgtNGQ5Yi05NjZkLTQ1ZjhmMmQ4NDFmNQACKlszLCJhMjk",
    "an OpenAI API key": "sk-proj-Rk3vQ9mZx2LpWc8NyT4hBd6GfJ1sV0aE7uK5T3BlbkFJqW8eR2tY6uI0oP4aS9dF3gHzX5cV0bN7mK2jL4hG9fD1sA",
    "an Anthropic API key": `sk-ant-api03-${"Qx7mZ2vL9pWc4NyT8hBd6GfJ1sV0aE3uK5rW".repeat(2)}Xy12345678AA`,
    "a SendGrid API key": "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",
    "a HashiCorp Vault token": "hvs.CAESIJlWh7ZcQ9vXm2LpWc4NyT8hBd6GfJ1sV0aE3uK5rWqY",
    "a Docker Hub access token": "dckr_pat_Qx7mZ2vL9pWc4NyT8hBd6GfJ1sV",
    "a Hugging Face token": "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",
    "a Pulumi access token": "pul-3f8a9c2b7e6d5f4a1b0c9e8d7f6a5b4c3d2e1f0a",
    "a DigitalOcean token": `dop_v1_${"3f8a9c2b7e6d5f4a".repeat(4)}`,
    "a Shopify access token": "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",
    "a Databricks token": "dapi3f8a9c2b7e6d5f4a1b0c9e8d7f6a5b4c",
};

/** Env cases that hold a secret: [name, value, how it is recognised]. */
export const secretCases: Array<[string, string, "name" | string]> = [
    ["DB_PASSWORD", "hunter2hunter2", "name"],
    ["PGPASSWORD", "Wq8vZ!m", "name"],
    ["MYSQL_ROOT_PASSWORD", "r00tVb7", "name"],
    ["dbPassword", "Kq9&wZ", "name"],
    ["client.secret", "Zq8-vW3", "name"],
    ["API-KEY", "Kx7Vq2Lm", "name"],
    ["API_KEY", "Kx7Vq2Lm", "name"],
    ["apiKey", "Kx7Vq2Lm", "name"],
    ["STRIPE_APIKEY", "Kx7Vq2Lm", "name"],
    ["AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "name"],
    ["AWS_ACCESS_KEY", "Vb7Qm2Zx", "name"],
    ["PRIVATE_KEY", "0x4c0883a69102937d6231471b5dbb6204fe512961708279f2d1b8c2e3a4f5b6c7", "name"],
    ["JWT_SIGNING_KEY", "Vb7Qm2Zx", "name"],
    ["ENCRYPTION_KEY", "Zx2Vb7Qm", "name"],
    ["CLIENT_SECRET", "Zx2Vb7Qm", "name"],
    ["OAUTH_CLIENT_SECRET", "Zx2Vb7Qm", "name"],
    ["AUTH_TOKEN", "Zx2Vb7Qm", "name"],
    ["GITHUB_TOKEN", "Zx2Vb7Qm", "name"],
    ["NPMTOKEN", "Zx2Vb7Qm", "name"],
    ["SLACK_BOT_TOKEN", "Zx2Vb7Qm", "name"],
    ["SECRET", "Zx2Vb7Qm", "name"],
    ["SECRET_KEY_BASE", "9f8e7d6c5b4a39f8e7d6c5b4a3", "name"],
    ["DJANGO_SECRET_KEY", "Zx2Vb7Qm", "name"],
    ["REDIS_PASSWD", "Zx2Vb7Qm", "name"],
    ["GPG_PASSPHRASE", "correct horse battery staple", "name"],
    ["SMTP_PWD", "Zx2Vb7Qm", "name"],
    ["GOOGLE_APPLICATION_CREDENTIALS", "{\"type\":\"service_account\",\"project_id\":\"shop\"}", "name"],
    ["DB_CREDENTIAL", "Zx2Vb7Qm", "name"],
    ["ACCESS_TOKEN", "Zx2Vb7Qm", "name"],
    ["RefreshToken", "Zx2Vb7Qm", "name"],
    ["xApiKey", "Zx2Vb7Qm", "name"],
    ["VAULT_TOKEN", "Zx2Vb7Qm", "name"],
    ["SESSION_SECRET", "Zx2Vb7Qm", "name"],
    ["WEBHOOK_SECRET", "Zx2Vb7Qm", "name"],
    ["TOKEN_BUCKET", "Zx2Vb7Qm", "name"],
    ["DB_PASSWORD", "$(DB_USER)Zx2Vb7Qm", "name"],
    // A number is a setting only under a name that counts something about the secret.
    ["MYSQL_PASSWORD", "1234", "name"],
    ["JWT_SECRET", "1234567890", "name"],
    ["REDIS_PASSWORD", "-42", "name"],
    ["DATABASE_URL", formatExamples["a URL with a password"], "a URL with a password"],
    ["REDIS_URL", "redis://:Kx7qvLm2@redis:6379/0", "a URL with a password"],
    ["TOKEN_URL", "https://svc:Kx7qvLm2@auth.internal/token", "a URL with a password"],
    ["AWS_ACCESS_KEY_ID", formatExamples["an AWS access key id"], "an AWS access key id"],
    ["TLS_KEY", formatExamples["a private key"], "a private key"],
    ["SLACK_WEBHOOK_URL", formatExamples["a Slack webhook URL"], "a Slack webhook URL"],
    ["DB_CONNECTION", formatExamples["a connection string with a password or key"], "a connection string with a password or key"],
    ["AUTHORIZATION", formatExamples["an HTTP Authorization credential"], "an HTTP Authorization credential"],
    ...Object.entries(formatExamples)
        .filter(([label]) => !["a URL with a password", "an AWS access key id", "a private key", "a Slack webhook URL"].includes(label))
        .map(([label, value], i): [string, string, string] => [`SETTING_${i}`, value, label]),
];

/** Env cases that hold no secret. */
export const nonSecretCases: Array<[string, string]> = [
    ["TOKENIZER", "bert-base-uncased"],
    ["DB_PASSWORD_FILE", "/run/secrets/db"],
    ["ELASTIC_PASSWORD_FILE", "/run/secrets/elastic"],
    ["TOKEN_URL", "https://auth.example.com/oauth/token"],
    ["SECRET_NAME", "db-creds"],
    ["AUTH_ENABLED", "true"],
    ["DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"],
    ["DB_DSN_PASSWORD", "$(DB_USER):$(DB_PASS)"],
    ["DB_PASSWORD", ""],
    ["API_TOKEN", "   "],
    ["PASSWORD_LENGTH", "16"],
    ["TOKEN_TTL", "3600"],
    ["SESSION_SECRET_PATH", "/etc/app/session"],
    ["API_KEY_ID", "key-123"],
    ["CLIENT_SECRET_DIR", "/secrets"],
    ["SECRET_VERSION", "v3"],
    ["TOKEN_TYPE", "Bearer"],
    ["TOKEN_EXPIRY", "15m"],
    ["PASSWORD_ENDPOINT", "https://id.example.com/reset"],
    ["SECRET_HOST", "vault.internal"],
    ["SECRET_PORT", "8200"],
    ["SECRET_URI", "vault://kv/shop"],
    ["TOKEN_REFRESH_SECONDS", "300"],
    ["PASSWORD_MIN_LENGTH", "8"],
    ["MAX_TOKENS", "4096"],
    ["BCRYPT_PASSWORD_ROUNDS", "12"],
    ["API_TOKEN_TIMEOUT", "30"],
    ["SECRET_KEY_BITS", "2048"],
    ["PASSWORD_RETRIES", "3"],
    ["SECRET", "false"],
    ["API_KEY", "/var/run/keys/api"],
    ["PASSWORD", "C:\\secrets\\pw.txt"],
    ["SIGNING_KEY_ENABLED", "TRUE"],
    ["LOG_LEVEL", "info"],
    ["NODE_ENV", "production"],
    ["PORT", "8080"],
    ["KEYCLOAK_URL", "https://sso.example.com/realms/shop"],
    ["PASS_THROUGH", "yes"],
    ["MONKEY", "banana"],
    ["CACHE_KEY", "users"],
    ["ACCESS_LOG", "/dev/stdout"],
    ["PRIVATE_NETWORK", "true"],
    ["AUTHOR", "jane"],
    ["PASSWORDLESS_MODE", "email"],
    ["SECRETARY", "alice"],
    ["TOKENS_MODEL", "gpt-4o"],
    ["GITHUB_REPOSITORY", "shop/web"],
    ["DATABASE_URL", "postgres://db.internal:5432/shop"],
    ["REDIS_URL", "redis://redis:6379/0"],
    ["HTTP_PROXY", "http://proxy.internal:3128"],
    ["CALLBACK", "https://example.com/cb?token=$(TOKEN)"],
    ["JAVA_OPTS", "-Xmx512m -XX:+UseG1GC"],
    ["SSH_AUTH_SOCK", "/tmp/ssh-agent.sock"],
    ["GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json"],
    ["STRIPE_PUBLISHABLE_KEY", "pk_live_51H8cQ2eZvKYlo2C0"],
    ["AUTH_MODE", "Basic"],
    ["DB_URL", "postgres://app:$(DB_PASSWORD)@db:5432/shop"],
];

/** A resource kind that holds variables, with the path a message names for the variable it holds. */
export interface Carrier {
    label: string;
    type: string;
    /**
     * Props holding `LOG_LEVEL=info` then the variable; `wrap` wraps what carries the value (the
     * value, or the whole `KEY=VALUE` entry for docker.Container), e.g. as an engine secret.
     */
    props(name: string, value: string, wrap?: (value: string) => unknown): object;
    /** The variable's property path in messages. */
    path(name: string): string;
}

const same = (value: string): unknown => value;
const accessor = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
const containerLists = ["containers", "initContainers", "ephemeralContainers"];

const kubernetesCarriers: Carrier[] = representativeKubernetesTypes.map((type, i) => {
    const list = containerLists[i % containerLists.length];
    const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;
    return {
        label: `${type} ${list}`,
        type,
        props: (name, value, wrap = same) =>
            kubernetesResource(type, {
                [list]: [{ name: "app", image: "shop/app:1", env: [{ name: "LOG_LEVEL", value: "info" }, { name, value: wrap(value) }] }],
            }),
        path: () => `${podPath}.${list}[0].env[1].value`,
    };
});

export const imageBuildCarriers: Carrier[] = [
    { type: "docker:index/image:Image", args: ["build", "args"], image: { imageName: "shop/app:1" } },
    { type: "docker:index/remoteImage:RemoteImage", args: ["build", "buildArgs"], image: { name: "shop/app:1" } },
    { type: "docker:index/registryImage:RegistryImage", args: ["build", "buildArgs"], image: { name: "shop/app:1" } },
    { type: "docker-build:index:Image", args: ["buildArgs"], image: { tags: ["shop/app:1"] } },
].map(({ type, args, image }) => ({
    label: type,
    type,
    props: (name: string, value: string, wrap: (value: string) => unknown = same) => {
        const buildArgs = { LOG_LEVEL: "info", [name]: wrap(value) };
        return { ...image, ...(args.length === 2 ? { build: { context: ".", [args[1]]: buildArgs } } : { buildArgs }) };
    },
    path: (name: string) => `${args.join(".")}${accessor(name)}`,
}));

export const carriers: Carrier[] = [
    ...kubernetesCarriers,
    {
        label: "docker.Container",
        type: dockerContainer,
        props: (name, value, wrap = same) => ({ image: "shop/app:1", envs: ["LOG_LEVEL=info", wrap(`${name}=${value}`)] }),
        path: () => "envs[1]",
    },
    {
        label: "docker.Service",
        type: dockerService,
        props: (name, value, wrap = same) => ({ taskSpec: { containerSpec: { image: "shop/app:1", env: { LOG_LEVEL: "info", [name]: wrap(value) } } } }),
        path: name => `taskSpec.containerSpec.env${accessor(name)}`,
    },
    ...imageBuildCarriers,
];

/**
 * What a message may say whatever the value: the message for the same variable in the same kind
 * with a value that holds nothing ("~~~~~~~~", flagged by naming the variable in the config), plus the
 * verdict's own words (`a Slack webhook URL` shares "hook" with every such URL).
 */
export function valueFreeText(carrier: Carrier, name: string, verdict: SecretVerdict): string {
    const exactly = name.replace(/[\\*?[\]]/g, "\\$&");
    const [message] = validate(noPlaintextSecrets, carrier.type, carrier.props(name, "~~~~~~~~"), { config: { additionalSecretNamePatterns: [exactly] } });
    return `${message}\n${describeVerdict(verdict)}`;
}

/** Fails when a message holds a 4-character substring of the value that the value-free text doesn't. */
export function assertNoLeak(messages: string[], value: string, valueFree: string): void {
    for (const message of messages) {
        const leaked = fourGrams(value).filter(g => message.includes(g) && !valueFree.includes(g));
        assert.deepStrictEqual(leaked, [], `message leaks part of the value:\n${message}`);
    }
}

/** The 4-character substrings of a value. */
export function fourGrams(value: string): string[] {
    const grams: string[] = [];
    for (let i = 0; i + 4 <= value.length; i++) {
        grams.push(value.slice(i, i + 4));
    }
    return grams;
}

/** Every credential format has an example here (checked by the specs). */
export const formatLabels = credentialFormats.map(f => f.label);
