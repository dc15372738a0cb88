// Rule 5 over the engine protocol: the built pack judges literal secrets in env and build
// arguments, and secrets fed from a store into env, and no diagnostic carries secret material,
// not even for a value the engine sends as a secret.
import * as assert from "assert";
import { noPlaintextSecrets } from "../../policies/container-no-plaintext-secrets";
import { judgeVariable } from "../../policies/lib/secrets";
import { assertNoLeak, Carrier, carriers, formatExamples, nonSecretCases, secretCases, valueFreeText } from "../secret-cases";
import { Diagnostic, RunningPack, wireSecret } from "./harness";
import { startPackForSuite } from "./started-pack";

const plaintext = "container-no-plaintext-secrets";
const asFiles = "container-secrets-as-files";
const deployment = "kubernetes:apps/v1:Deployment";
const noConfig = { additionalSecretNames: [], allowedNames: [] };

/** What a diagnostic may say whatever the value: the engine puts the policy's description before the message. */
const valueFree = (carrier: Carrier, name: string, value: string) =>
    `${noPlaintextSecrets.description}\n${valueFreeText(carrier, name, judgeVariable(name, value, noConfig)!)}`;

const messagesOf = (diagnostics: Diagnostic[], policy: string) => diagnostics.filter(d => d.policyName === policy).map(d => d.message);
const others = (diagnostics: Diagnostic[]) => diagnostics.filter(d => d.policyName !== plaintext).map(d => `${d.policyName}: ${d.message}`);

describe("engine protocol: secrets (rule 5)", function () {
    this.timeout(120_000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));
    beforeEach(() => pack.configure());

    it("lists both policies: no-plaintext-secrets mandatory with its two config keys, secrets-as-files advisory", async () => {
        const policies = new Map((await pack.policies()).map(p => [p.name, p]));
        assert.strictEqual(policies.get(plaintext)!.enforcementLevel, "mandatory");
        assert.deepStrictEqual(policies.get(plaintext)!.configSchema.additionalSecretNamePatterns.default, []);
        assert.deepStrictEqual(policies.get(plaintext)!.configSchema.allowedEnvNames.default, []);
        assert.strictEqual(policies.get(asFiles)!.enforcementLevel, "advisory");
        assert.match(policies.get(plaintext)!.remediationSteps, /no automatic remediation/);
    });

    /** Analyzes the variable in the carrier, and again with a value that holds nothing: only our verdict may differ. */
    async function judge(carrier: Carrier, name: string, value: string, wrap?: (value: string) => unknown): Promise<string[]> {
        const { diagnostics } = await pack.analyze(carrier.type, carrier.props(name, value, wrap));
        const neutral = await pack.analyze(carrier.type, carrier.props(name, "info"));
        assert.deepStrictEqual(others(diagnostics), others(neutral.diagnostics), "other policies' messages depend on the value");
        for (const d of diagnostics.filter(d => d.policyName === plaintext)) {
            assert.strictEqual(d.enforcementLevel, "mandatory");
        }
        return messagesOf(diagnostics, plaintext);
    }

    it("flags every secret case, once, naming variable and path, with no part of the value", async () => {
        for (const [i, [name, value]] of secretCases.entries()) {
            const carrier = carriers[i % carriers.length];
            const messages = await judge(carrier, name, value);
            assert.strictEqual(messages.length, 1, `${name} in ${carrier.label}: ${messages.join("\n")}`);
            assert.ok(messages[0].includes(`: ${carrier.path(name)} sets `) && messages[0].includes(` ${name} to a literal secret`), messages[0]);
            assertNoLeak(messages, value, valueFree(carrier, name, value));
        }
    });

    it("passes every non-secret case", async () => {
        for (const [i, [name, value]] of nonSecretCases.entries()) {
            const carrier = carriers[i % carriers.length];
            assert.deepStrictEqual(await judge(carrier, name, value), [], `${name}=${value} in ${carrier.label}`);
        }
    });

    it("judges a value sent as an engine secret like any literal, and never shows it", async () => {
        const cases: Array<[string, string]> = [["DB_PASSWORD", "Zx2Vb7Qm-wire"], ["GH", formatExamples["a GitHub token"]], ["DATABASE_URL", formatExamples["a URL with a password"]]];
        for (const carrier of carriers) {
            for (const [name, value] of cases) {
                const messages = await judge(carrier, name, value, wireSecret);
                assert.strictEqual(messages.length, 1, `${name} in ${carrier.label}`);
                assertNoLeak(messages, value, valueFree(carrier, name, value));
            }
            assert.deepStrictEqual(await judge(carrier, "DB_PASSWORD_FILE", "/run/secrets/db", wireSecret), [], carrier.label);
        }
        // A whole env list sent as a secret.
        const props = { metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "api", env: wireSecret([{ name: "API_TOKEN", value: "Zx2Vb7Qm-wire" }]) }] } } } };
        const messages = messagesOf((await pack.analyze(deployment, props)).diagnostics, plaintext);
        assert.strictEqual(messages.length, 1);
        assert.ok(!messages[0].includes("Zx2Vb7Qm") && !messages[0].includes("wire"), messages[0]);
    });

    it("flags secrets fed from a store into env (advisory), and leaves literals to the other policy", async () => {
        const props = { metadata: { name: "web", namespace: "shop" }, spec: { template: { spec: { containers: [{
            name: "api",
            image: "shop/api:1",
            env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "LOG_LEVEL", value: "info" }],
            envFrom: [{ secretRef: { name: "api-env" } }],
        }] } } } };
        const { diagnostics } = await pack.analyze(deployment, props);
        const found = diagnostics.filter(d => d.policyName === asFiles);
        assert.deepStrictEqual(found.map(d => d.enforcementLevel), ["advisory", "advisory"]);
        assert.match(found[0].message, /^Deployment shop\/web, container "api": spec\.template\.spec\.containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef puts key "password" of Secret "db" into env var DB_PASSWORD\./m);
        assert.match(found[1].message, /containers\[0\]\.envFrom\[0\]\.secretRef puts every key of Secret "api-env" into env\./);
        assert.deepStrictEqual(messagesOf(diagnostics, plaintext), []);
    });

    it("reports container-secrets-as-files not applicable to docker.Container and docker.Service", async () => {
        for (const carrier of carriers.filter(c => c.label.startsWith("docker."))) {
            const { notApplicable, diagnostics } = await pack.analyze(carrier.type, carrier.props("DB_PASSWORD", "Zx2Vb7Qm"));
            const entry = notApplicable.find(n => n.policyName === asFiles);
            assert.ok(entry, `${carrier.label}: ${JSON.stringify(notApplicable)}`);
            assert.match(entry.reason, /Docker has no way to feed env from a secret store/);
            assert.strictEqual(messagesOf(diagnostics, plaintext).length, 1);
        }
    });

    it("applies allowedEnvNames and additionalSecretNamePatterns from the policy config", async () => {
        await pack.configure({ [plaintext]: { allowedEnvNames: ["api_token"], additionalSecretNamePatterns: ["*_DSN"] } });
        const props = { metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "api", env: [
            { name: "API_TOKEN", value: "Zx2Vb7Qm" },
            { name: "SENTRY_DSN", value: "Vb7Qm2Zx" },
        ] }] } } } };
        const messages = messagesOf((await pack.analyze(deployment, props)).diagnostics, plaintext);
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /sets SENTRY_DSN to a literal secret/);
        await pack.configure({ [plaintext]: { enforcementLevel: "disabled" } });
        assert.deepStrictEqual(messagesOf((await pack.analyze(deployment, props)).diagnostics, plaintext), []);
    });

    it("fails a malformed config with the policy and key named, and nothing of the resource's values", async () => {
        await pack.configureRaw({ [plaintext]: { level: "mandatory", properties: { allowedEnvNames: "API_TOKEN" } } });
        const props = { spec: { template: { spec: { containers: [{ name: "api", env: [{ name: "DB_PASSWORD", value: "Zx2Vb7Qm" }] }] } } } };
        await assert.rejects(pack.analyze(deployment, props), (e: Error) =>
            /policy "container-no-plaintext-secrets", config key "allowedEnvNames"/.test(e.message) && !e.message.includes("Zx2V"));
    });
});
