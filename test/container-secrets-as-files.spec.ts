import * as assert from "assert";
import { secretsAsFiles as policy } from "../policies/container-secrets-as-files";
import { workloadOf } from "../policies/lib/workloads";
import {
    dockerContainer,
    dockerService,
    kubernetesResource,
    NotApplicable,
    representativeKubernetesTypes,
    UNKNOWN_ARRAY,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    validate,
} from "./helpers";
import { imageBuildCarriers, nonSecretCases, secretCases } from "./secret-cases";

const deployment = "kubernetes:apps/v1:Deployment";
const fromSecret = (name: string, secret: unknown = "db", key: unknown = "password") => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
const withEnv = (env: unknown, envFrom?: unknown) =>
    kubernetesResource(deployment, { containers: [{ name: "api", image: "shop/api:1", env, ...(envFrom === undefined ? {} : { envFrom }) }] });

describe("container-secrets-as-files", () => {
    for (const type of representativeKubernetesTypes) {
        it(`${type}: flags secretKeyRef and envFrom.secretRef in every container list, one violation each`, () => {
            const { label, pods } = workloadOf(type, "web", kubernetesResource(type, {}))!;
            const podPath = pods[0].path;
            const props = kubernetesResource(type, {
                containers: [{ name: "app", env: [{ name: "LOG_LEVEL", value: "info" }, fromSecret("DB_PASSWORD")] }],
                initContainers: [{ name: "migrate", envFrom: [{ configMapRef: { name: "cfg" } }, { secretRef: { name: "migrate-env" } }] }],
                ephemeralContainers: [{ name: "debug", env: [fromSecret("API_TOKEN", "api", "token")] }],
            });
            const messages = validate(policy, type, props);
            assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                `${label}, container "app": ${podPath}.containers[0].env[1].valueFrom.secretKeyRef puts key "password" of Secret "db" into env var DB_PASSWORD.`,
                `${label}, container "migrate": ${podPath}.initContainers[0].envFrom[1].secretRef puts every key of Secret "migrate-env" into env.`,
                `${label}, container "debug": ${podPath}.ephemeralContainers[0].env[0].valueFrom.secretKeyRef puts key "token" of Secret "api" into env var API_TOKEN.`,
            ]);
        });
    }

    it("says why and gives the Secret-volume fix, pointing at the key's file", () => {
        const [message] = validate(policy, deployment, withEnv([fromSecret("DB_PASSWORD")]));
        assert.match(message, /\nWhy: env vars are easy to read \(docker inspect, \/proc\/<pid>\/environ, crash reports, every child process\); a mounted file is not inherited and is updated when the Secret rotates\.\n/);
        assert.ok(message.endsWith(
            `Fix: mount it as a file from a Kubernetes Secret (or a CSI secrets-store volume): spec.template.spec.volumes: [{ name: "db", secret: { secretName: "db" } }], ` +
            `containers[0].volumeMounts: [{ name: "db", mountPath: "/run/secrets/db", readOnly: true }], and have the app read the file ` +
            `(e.g. { name: "DB_PASSWORD_FILE", value: "/run/secrets/db/password" })`,
        ), message);
        const [envFrom] = validate(policy, deployment, withEnv([], [{ secretRef: { name: "app-env" } }]));
        assert.match(envFrom, /and have the app read one file per key under \/run\/secrets\/app-env$/);
    });

    it("does not flag literals, ConfigMaps or field references: those are not from a secret store", () => {
        const env = [
            ...secretCases.slice(0, 20).map(([name, value]) => ({ name, value })),
            ...nonSecretCases.slice(0, 20).map(([name, value]) => ({ name, value })),
            { name: "CFG", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } },
            { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
        ];
        assert.deepStrictEqual(validate(policy, deployment, withEnv(env, [{ configMapRef: { name: "cfg" } }])), []);
    });

    it("preview: an unknown reference gives no violation, an unknown Secret name still does", () => {
        assert.deepStrictEqual(validate(policy, deployment, withEnv(UNKNOWN_ARRAY, UNKNOWN_ARRAY)), []);
        assert.deepStrictEqual(validate(policy, deployment, withEnv([UNKNOWN_OBJECT, { name: "A", valueFrom: UNKNOWN_OBJECT }, { name: "B", valueFrom: { secretKeyRef: UNKNOWN_OBJECT } }], [UNKNOWN_OBJECT, { secretRef: UNKNOWN_OBJECT }])), []);
        const messages = validate(policy, deployment, withEnv([fromSecret("DB_PASSWORD", UNKNOWN_STRING, UNKNOWN_STRING)], [{ secretRef: { name: UNKNOWN_STRING } }]));
        assert.strictEqual(messages.length, 2);
        assert.match(messages[0], /puts a key of a Secret into env var DB_PASSWORD\./);
        assert.match(messages[1], /puts every key of a Secret into env\./);
    });

    it("reports env / envFrom it can't read, naming the field", () => {
        const messages = validate(policy, deployment, withEnv("DB_PASSWORD", { secretRef: { name: "db" } }));
        assert.strictEqual(messages.length, 2, messages.join("\n"));
        assert.match(messages[0], /containers\[0\]\.env can't be read \(expected a list, found a string\)/);
        assert.match(messages[1], /containers\[0\]\.envFrom can't be read \(expected a list, found an object\)/);
        assert.match(validate(policy, deployment, withEnv([{ name: 3, valueFrom: { secretKeyRef: { name: "db", key: "k" } } }]))[0], /env\[0\]\.name can't be read \(expected a non-empty string, found a number\)/);
    });

    it("is not applicable to docker.Container and docker.Service, which can't feed env from a secret store", () => {
        for (const [type, props] of [[dockerContainer, { envs: ["DB_PASSWORD=x"] }], [dockerService, { taskSpec: { containerSpec: { env: { A: "b" } } } }]] as const) {
            assert.throws(() => validate(policy, type, props), (e: unknown) =>
                e instanceof NotApplicable && /Docker has no way to feed env from a secret store .*container-no-plaintext-secrets checks them/.test(e.reason ?? ""));
        }
    });

    it("ignores image builds and resources that run no container", () => {
        for (const carrier of imageBuildCarriers) {
            assert.deepStrictEqual(validate(policy, carrier.type, carrier.props("NPM_TOKEN", "x")), [], carrier.label);
        }
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:Secret", { data: { a: "b" } }), []);
    });

    it("honours exclude, exemptImages and the exemption annotation; is advisory; has no remediation", () => {
        const props = withEnv([fromSecret("DB_PASSWORD")]);
        assert.deepStrictEqual(validate(policy, deployment, props, { config: { exclude: ["web"] } }), []);
        assert.deepStrictEqual(validate(policy, deployment, props, { config: { exemptImages: ["shop/api:*"] } }), []);
        props.spec.template.metadata = { annotations: { "container-guard/exempt": "container-secrets-as-files" } };
        assert.deepStrictEqual(validate(policy, deployment, props), []);
        assert.strictEqual(policy.enforcementLevel, "advisory");
        assert.strictEqual(policy.remediateResource, undefined);
        assert.match(policy.remediationSteps!, /no automatic remediation.*Kubernetes: .*docker\.Container and docker\.Service have no way/);
    });
});
