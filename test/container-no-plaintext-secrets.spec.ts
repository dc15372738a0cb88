import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as fc from "fast-check";
import { noPlaintextSecrets as policy } from "../policies/container-no-plaintext-secrets";
import { multiStageBuild } from "../policies/image-multi-stage-build";
import { credentialFormatOf, credentialFormats, fileNameFor, judgeVariable, nameSegments } from "../policies/lib/secrets";
import { keyAccessor } from "../policies/lib/values";
import {
    dockerContainer,
    cpuMs,
    dockerService,
    kubernetesResource,
    UNKNOWN_ARRAY,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    validate,
} from "./helpers";
import { assertNoLeak, Carrier, carriers, formatExamples, formatLabels, imageBuildCarriers, nonSecretCases, secretCases, valueFreeText } from "./secret-cases";

const deployment = "kubernetes:apps/v1:Deployment";
const noConfig = { additionalSecretNames: [], allowedNames: [] };
const withEnv = (env: unknown, extra: object = {}) => kubernetesResource(deployment, { containers: [{ name: "api", image: "shop/api:1", env, ...extra }] });

describe("container-no-plaintext-secrets", () => {
    describe("secret-name segments (DESIGN.md)", () => {
        const cases: Array<[string, string[]]> = [
            ["DB_PASSWORD", ["DB", "PASSWORD"]],
            ["dbPassword", ["DB", "PASSWORD"]],
            ["client.secret", ["CLIENT", "SECRET"]],
            ["API-KEY", ["API", "KEY"]],
            ["DBPassword", ["DBPASSWORD"]],
            ["xApiKey", ["X", "API", "KEY"]],
            ["ConnectionStrings__Default", ["CONNECTION", "STRINGS", "DEFAULT"]],
        ];
        for (const [name, segments] of cases) {
            it(`${name} -> ${segments.join(" ")}`, () => assert.deepStrictEqual(nameSegments(name), segments));
        }
    });

    it(`has an example for every credential format`, () => {
        assert.deepStrictEqual(Object.keys(formatExamples).sort(), [...formatLabels].sort());
        for (const [label, example] of Object.entries(formatExamples)) {
            const verdict = judgeVariable("SETTING", example, noConfig);
            assert.deepStrictEqual(verdict?.by === "format" && verdict.format.label, label, label);
        }
    });

    it("has at least 40 secret and 40 non-secret cases", () => {
        assert.ok(secretCases.length >= 40, `${secretCases.length} secret cases`);
        assert.ok(nonSecretCases.length >= 40, `${nonSecretCases.length} non-secret cases`);
    });

    describe("flags each secret, once, in every kind that holds env or build arguments", () => {
        for (const [name, value, how] of secretCases) {
            it(`${name} (${how === "name" ? "by name" : how})`, () => {
                for (const carrier of carriers) {
                    const messages = validate(policy, carrier.type, carrier.props(name, value));
                    assert.strictEqual(messages.length, 1, `${carrier.label}:\n${messages.join("\n")}`);
                    const because = how === "name" ? "its name marks it as a secret" : `its value is ${how}`;
                    const subject = carrier.path(name);
                    assert.ok(messages[0].includes(`: ${subject} sets ${carrier.type.includes("Image") ? "build argument " : ""}${name} to a literal secret (${because}).\n`), `${carrier.label}:\n${messages[0]}`);
                    assertNoLeak(messages, value, valueFreeText(carrier, name, judgeVariable(name, value, noConfig)!));
                }
            });
        }
    });

    describe("passes each non-secret, in every kind", () => {
        for (const [name, value] of nonSecretCases) {
            it(`${name}=${JSON.stringify(value)}`, () => {
                for (const carrier of carriers) {
                    assert.deepStrictEqual(validate(policy, carrier.type, carrier.props(name, value)), [], carrier.label);
                }
            });
        }
    });

    it("names the resource and container, says why, and gives a file-mount fix for each kind", () => {
        const [k8s] = validate(policy, deployment, withEnv([{ name: "DB_PASSWORD", value: "hunter2hunter2" }]));
        assert.match(k8s, /^Deployment shop\/web, container "api": spec\.template\.spec\.containers\[0\]\.env\[0\]\.value sets DB_PASSWORD/);
        assert.match(k8s, /\nWhy: env vars are easy to read \(docker inspect, \/proc\/<pid>\/environ, crash reports, every child process\), even when the value came from pulumi\.secret\(\)\./);
        assert.match(k8s, /\nFix: mount it as a file from a Kubernetes Secret \(or a CSI secrets-store volume\): const secret = new k8s\.core\.v1\.Secret\("db-password"/);
        assert.ok(k8s.includes(`spec.template.spec.volumes: [{ name: "db-password", secret: { secretName: secret.metadata.name } }], containers[0].volumeMounts: [{ name: "db-password", mountPath: "/run/secrets/db-password", readOnly: true }]`), k8s);
        assert.ok(k8s.includes(`{ name: "DB_PASSWORD_FILE", value: "/run/secrets/db-password/db-password" }`), k8s);

        const [container] = validate(policy, dockerContainer, { image: "x", envs: ["DB_PASSWORD=hunter2hunter2"] });
        assert.match(container, /^docker\.Container web: envs\[0\] sets DB_PASSWORD/);
        assert.ok(container.includes(`uploads: [{ file: "/run/secrets/db-password", content: cfg.requireSecret(...), permissions: "0400" }]`), container);

        const [service] = validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x", env: { DB_PASSWORD: "hunter2hunter2" } } } });
        assert.match(service, /^docker\.Service web: taskSpec\.containerSpec\.env\.DB_PASSWORD sets DB_PASSWORD/);
        assert.ok(service.includes(`secrets: [{ secretId: secret.id, secretName: secret.name, fileName: "/run/secrets/db-password" }]`), service);
    });

    it("gives build arguments a BuildKit secret mount as the fix, per build kind", () => {
        const fixes = imageBuildCarriers.map(c => validate(policy, c.type, c.props("NPM_TOKEN", "Zx2Vb7Qm"))[0]);
        for (const message of fixes) {
            assert.match(message, /\nWhy: build arguments are recorded in the image's metadata and history/);
            assert.match(message, /RUN --mount=type=secret,id=npm-token \(a file at \/run\/secrets\/npm-token for that step only\)$/);
        }
        assert.match(fixes[0], /^docker\.Image web: build\.args\.NPM_TOKEN sets build argument NPM_TOKEN .*\n.*\nFix: docker\.Image has no build-secret input: build with docker_build\.Image/);
        assert.match(fixes[1], /^docker\.RemoteImage web: build\.buildArgs\.NPM_TOKEN .*\n.*\nFix: pass it as a BuildKit secret \(needs a buildx builder\): build: \{ \.\.\.build, secrets: \[\{ id: "npm-token", env: "NPM_TOKEN" \}\] \}/);
        assert.match(fixes[2], /^docker\.RegistryImage web: build\.buildArgs\.NPM_TOKEN/);
        assert.match(fixes[3], /^docker_build\.Image web: buildArgs\.NPM_TOKEN .*\n.*\nFix: pass it as a BuildKit secret: new docker_build\.Image\("web", \{ \.\.\.args, secrets: \{ "npm-token": cfg\.requireSecret\(\.\.\.\) \} \}\)/);
    });

    it("checks every container of a pod, one violation per offending variable", () => {
        const type = "kubernetes:batch/v1:CronJob";
        const props = kubernetesResource(type, {
            containers: [{ name: "app", env: [{ name: "API_TOKEN", value: "Zx2Vb7Qm" }, { name: "LOG_LEVEL", value: "debug" }, { name: "DB_PASSWORD", value: "Vb7Qm2Zx" }] }],
            initContainers: [{ name: "migrate", env: [{ name: "DATABASE_URL", value: formatExamples["a URL with a password"] }] }],
            ephemeralContainers: [{ name: "debug", env: [{ name: "GH", value: formatExamples["a GitHub token"] }] }],
        });
        const messages = validate(policy, type, props);
        assert.deepStrictEqual(messages.map(m => m.split(" sets ")[0]), [
            `CronJob shop/web, container "app": spec.jobTemplate.spec.template.spec.containers[0].env[0].value`,
            `CronJob shop/web, container "app": spec.jobTemplate.spec.template.spec.containers[0].env[2].value`,
            `CronJob shop/web, container "migrate": spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value`,
            `CronJob shop/web, container "debug": spec.jobTemplate.spec.template.spec.ephemeralContainers[0].env[0].value`,
        ]);
    });

    it("leaves env fed from valueFrom to container-secrets-as-files", () => {
        const env = [
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
            { name: "API_TOKEN", valueFrom: { configMapKeyRef: { name: "cfg", key: "t" } } },
            { name: "POD_SECRET", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ];
        assert.deepStrictEqual(validate(policy, deployment, withEnv(env, { envFrom: [{ secretRef: { name: "all" } }] })), []);
    });

    describe("preview: unknown values", () => {
        it("an unknown value gives no violation; the other env vars are still judged", () => {
            const messages = validate(policy, deployment, withEnv([{ name: "DB_PASSWORD", value: UNKNOWN_STRING }, { name: "API_TOKEN", value: "Zx2Vb7Qm" }]));
            assert.strictEqual(messages.length, 1);
            assert.match(messages[0], /env\[1\]\.value sets API_TOKEN/);
            assert.deepStrictEqual(validate(policy, dockerContainer, { envs: [UNKNOWN_STRING, "API_TOKEN=Zx2Vb7Qm"] }).length, 1);
            assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { env: { A_TOKEN: UNKNOWN_STRING, B_TOKEN: "Zx2Vb7Qm" } } } }).length, 1);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { buildArgs: { A_TOKEN: UNKNOWN_STRING, B_TOKEN: "Zx2Vb7Qm" } }).length, 1);
        });
        it("unknown env lists, entries, names and build-arg maps give no violation", () => {
            assert.deepStrictEqual(validate(policy, deployment, withEnv(UNKNOWN_ARRAY)), []);
            assert.deepStrictEqual(validate(policy, deployment, withEnv([UNKNOWN_OBJECT, { name: UNKNOWN_STRING, value: "Zx2Vb7Qm" }])), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { envs: UNKNOWN_ARRAY }), []);
            assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { env: UNKNOWN_OBJECT } } }), []);
            assert.deepStrictEqual(validate(policy, "docker:index/image:Image", { build: UNKNOWN_OBJECT }), []);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { buildArgs: UNKNOWN_OBJECT }), []);
        });
    });

    it("reports env it can't read, naming the field, without crashing", () => {
        const cases: Array<[string, object, RegExp]> = [
            [deployment, withEnv("DB_PASSWORD=x"), /containers\[0\]\.env can't be read \(expected a list, found a string\)/],
            [deployment, withEnv(["DB_PASSWORD=x"]), /containers\[0\]\.env\[0\] can't be read \(expected an object, found a string\)/],
            [deployment, withEnv([{ name: 7, value: "x" }]), /env\[0\]\.name can't be read \(expected a non-empty string, found a number\)/],
            [deployment, withEnv([{ name: "DB_PASSWORD", value: { nested: "x" } }]), /env\[0\]\.value can't be read \(expected a string, found an object\)/],
            [dockerContainer, { envs: [42] }, /^docker\.Container web: envs\[0\] can't be read \(expected a "KEY=VALUE" string, found a number\)/],
            [dockerService, { taskSpec: { containerSpec: { env: ["A=B"] } } }, /taskSpec\.containerSpec\.env can't be read \(expected a map, found a list\)/],
            ["docker-build:index:Image", { buildArgs: "NPM_TOKEN=x" }, /^docker_build\.Image web: buildArgs can't be read \(expected a map, found a string\)/],
        ];
        for (const [type, props, pattern] of cases) {
            const messages = validate(policy, type, props);
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.match(messages[0], pattern);
        }
        // Booleans are settings, and numbers under a name that counts something about the secret; a bare docker `KEY` has no value here.
        assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { env: { PASSWORD_ROUNDS: 12, API_TOKEN: true } } } }), []);
        const [numeric] = validate(policy, dockerService, { taskSpec: { containerSpec: { env: { DB_PASSWORD: 1234 } } } });
        assert.match(numeric, /taskSpec\.containerSpec\.env\.DB_PASSWORD sets DB_PASSWORD to a literal secret \(its name marks it as a secret\)/);
        assert.doesNotMatch(numeric, /1234/);
        assert.deepStrictEqual(validate(policy, dockerContainer, { envs: ["DB_PASSWORD", "=Zx2Vb7Qm"] }), []);
    });

    describe("config", () => {
        it("additionalSecretNamePatterns: globs, case-insensitive, overriding the last-segment exceptions", () => {
            const config = { additionalSecretNamePatterns: ["*_dsn", "LICENSE", "*CONN_URL", "DSN_*"] };
            const messages = validate(policy, deployment, withEnv([
                { name: "SENTRY_DSN", value: "Zx2Vb7Qm" },
                { name: "license", value: "Zx2Vb7Qm" },
                { name: "DB_CONN_URL", value: "db.internal" },
                { name: "LICENSE_FILE", value: "Zx2Vb7Qm" },
                { name: "OTHER_DSN", value: "3600" },
                { name: "DSN_TIMEOUT", value: "3600" },
                { name: "DSN_ENABLED", value: "true" },
            ]), { config });
            assert.deepStrictEqual(messages.map(m => /sets (\S+)/.exec(m)![1]), ["SENTRY_DSN", "license", "DB_CONN_URL", "OTHER_DSN"]);
        });
        it("allowedEnvNames: never flags the listed names, by name or value", () => {
            const config = { allowedEnvNames: ["test_*", "API_TOKEN"] };
            const env = [
                { name: "API_TOKEN", value: "Zx2Vb7Qm" },
                { name: "TEST_GITHUB", value: formatExamples["a GitHub token"] },
                { name: "DB_PASSWORD", value: "Zx2Vb7Qm" },
            ];
            const messages = validate(policy, deployment, withEnv(env), { config });
            assert.strictEqual(messages.length, 1);
            assert.match(messages[0], /sets DB_PASSWORD/);
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", { buildArgs: { API_TOKEN: "Zx2Vb7Qm" } }, { config }), []);
        });
        it("rejects malformed config, naming policy and key", () => {
            assert.throws(() => validate(policy, deployment, withEnv([]), { config: { allowedEnvNames: "API_TOKEN" } }),
                /policy "container-no-plaintext-secrets", config key "allowedEnvNames": expected a list of strings, found a string/);
            assert.throws(() => validate(policy, deployment, withEnv([]), { config: { additionalSecretNamePatterns: ["[z-a]"] } }),
                /config key "additionalSecretNamePatterns\[0\]": bad glob/);
        });
        it("declares both keys with defaults and says how they match", () => {
            const schema = policy.configSchema!.properties as any;
            assert.deepStrictEqual(schema.additionalSecretNamePatterns.default, []);
            assert.deepStrictEqual(schema.allowedEnvNames.default, []);
            assert.match(schema.additionalSecretNamePatterns.description, /Globs .* case-insensitively against the whole name/);
            assert.match(schema.allowedEnvNames.description, /never flagged, by name or by value/);
        });
    });

    describe("a build's Dockerfile", () => {
        let program: string;
        const dockerfile = 'ARG NPM_TOKEN=npm_0123456789abcdefghijklmnopqrstuvwxyz\nFROM node:22-alpine\nENV DB_PASSWORD="Zx2Vb7Qm" LOG_LEVEL=info\nRUN npm ci\n';
        before(() => {
            program = fs.mkdtempSync(path.join(os.tmpdir(), "cg-secrets-program-"));
            fs.mkdirSync(path.join(program, "app"));
            fs.writeFileSync(path.join(program, "app", "Dockerfile"), dockerfile);
        });
        after(() => fs.rmSync(program, { recursive: true, force: true }));

        it("flags secrets in ENV and ARG lines, by line, in the Dockerfile each build kind reads", () => {
            const absolute = path.join(program, "app", "Dockerfile");
            const kinds: Array<[string, object, string]> = [
                ["docker-build:index:Image", { dockerfile: { inline: dockerfile } }, "docker_build.Image web, dockerfile.inline"],
                ["docker-build:index:Image", { dockerfile: { location: absolute } }, `docker_build.Image web, Dockerfile ${absolute} (dockerfile.location)`],
                ["docker:index/image:Image", { imageName: "shop/web", build: { dockerfile: absolute } }, `docker.Image web, Dockerfile ${absolute} (build.dockerfile)`],
                ["docker:index/remoteImage:RemoteImage", { name: "shop/web", build: { context: path.join(program, "app") } }, `docker.RemoteImage web, Dockerfile ${absolute} (build.context and build.dockerfile)`],
            ];
            for (const [type, props, subject] of kinds) {
                const messages = validate(policy, type, props);
                assert.deepStrictEqual(messages.map(m => m.split("\n")[0]), [
                    `${subject} line 1: ARG NPM_TOKEN puts a secret into the image (its value is an npm token).`,
                    `${subject} line 3: ENV DB_PASSWORD puts a secret into the image (its name marks it as a secret).`,
                ], type);
                assert.ok(messages.every(m => !m.includes("Zx2Vb7Qm") && !m.includes("npm_0123")), "never the value");
            }
        });

        it("resolves a relative Dockerfile from its programDirectory config, the key and meaning image-multi-stage-build has", () => {
            const props = { imageName: "shop/web", build: { context: "app" } };
            const messages = validate(policy, "docker:index/image:Image", props, { config: { programDirectory: program } });
            assert.strictEqual(messages.length, 2);
            assert.match(messages[1], /^docker\.Image web, Dockerfile app\/Dockerfile \(the default of build\.dockerfile\) line 3: ENV DB_PASSWORD puts a secret into the image/);
            // Where there is nothing to read, image-multi-stage-build says it could not check the Dockerfile; this policy stays quiet.
            assert.deepStrictEqual(validate(policy, "docker:index/image:Image", props, { config: { programDirectory: path.join(program, "nowhere") } }), []);
            const schema = policy.configSchema!.properties as Record<string, unknown>;
            assert.deepStrictEqual(schema.programDirectory, (multiStageBuild.configSchema!.properties as Record<string, unknown>).programDirectory);
        });

        it("exempts a build by any name rule 2 knows it by, docker.RemoteImage build.tags included", () => {
            const props = { name: "shop/web", build: { context: path.join(program, "app"), tags: ["mirror.example.com/web:1"] } };
            assert.strictEqual(validate(policy, "docker:index/remoteImage:RemoteImage", props).length, 2);
            assert.deepStrictEqual(validate(policy, "docker:index/remoteImage:RemoteImage", props, { config: { exemptImages: ["mirror.example.com/*"] } }), []);
        });
    });

    describe("scope", () => {
        const secretEnv = [{ name: "DB_PASSWORD", value: "Zx2Vb7Qm" }];
        it("honours exclude, exemptImages and the exemption annotation / label", () => {
            assert.deepStrictEqual(validate(policy, deployment, withEnv(secretEnv), { config: { exclude: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, deployment, withEnv(secretEnv), { config: { exemptImages: ["shop/*"] } }), []);
            const annotated = withEnv(secretEnv);
            annotated.metadata.annotations = { "container-guard/exempt": "container-no-plaintext-secrets", "container-guard/exempt-reason": "legacy" };
            assert.deepStrictEqual(validate(policy, deployment, annotated), []);
            const labelled = { envs: ["DB_PASSWORD=Zx2Vb7Qm"], labels: [{ label: "container-guard/exempt", value: "*" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, labelled), []);
        });
        it("honours exclude and exemptImages on image builds (an unknown image name counts as exempt)", () => {
            for (const carrier of imageBuildCarriers) {
                const props = carrier.props("NPM_TOKEN", "Zx2Vb7Qm");
                assert.strictEqual(validate(policy, carrier.type, props).length, 1, carrier.label);
                assert.deepStrictEqual(validate(policy, carrier.type, props, { config: { exclude: ["web"] } }), [], carrier.label);
                assert.deepStrictEqual(validate(policy, carrier.type, props, { config: { exemptImages: ["shop/*"] } }), [], carrier.label);
            }
            const unknownTags = { tags: [UNKNOWN_STRING], buildArgs: { NPM_TOKEN: "Zx2Vb7Qm" } };
            assert.deepStrictEqual(validate(policy, "docker-build:index:Image", unknownTags, { config: { exemptImages: ["shop/*"] } }), []);
        });
        it("ignores resources that run no container and build no image", () => {
            assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:Secret", { stringData: { DB_PASSWORD: "Zx2Vb7Qm" } }), []);
            assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:ConfigMap", { data: { DB_PASSWORD: "Zx2Vb7Qm" } }), []);
        });
        it("has no remediation", () => {
            assert.strictEqual(policy.remediateResource, undefined);
            assert.strictEqual(policy.enforcementLevel, "mandatory");
            assert.match(policy.remediationSteps!, /no automatic remediation/);
            assert.match(policy.remediationSteps!, /Kubernetes: .*docker\.Container: .*docker\.Service: /);
        });
    });

    describe("every pattern on user data is linear: 100 KB adversarial inputs", () => {
        const size = 100_000;
        const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
        const generic = [
            "a", "A", "0", "-", "_", ".", ":", "/", "@", "=", " ", "$(", "$(a", "a:", "a://", "a://a:", "eyJ", "eyJa.", "eyJaaaaa.eyJ",
            "-----BEGIN ", "-----BEGIN A ", "password=", "Password =", "sk-", "sk-a", "T3BlbkFJ", "xoxb-", "hvs.", "aB1-",
        ].map(fill);
        const perFormat = Object.values(formatExamples).flatMap(example => [
            fill(example),
            fill(example.slice(0, -1)),
            fill(example.slice(0, 8)),
            example.slice(0, 8) + fill(example.slice(8, 12) || "a"),
            example.slice(0, -1) + fill("!"),
        ]);
        const inputs = [...generic, ...perFormat, "Bearer " + fill("A") + "!", "postgres://" + fill("u") + ":" + fill("p")];
        const elapsedMs = cpuMs;
        const bound = 200;

        it("each credential pattern", () => {
            for (const { label, pattern } of credentialFormats) {
                for (const input of inputs) {
                    const ms = elapsedMs(() => pattern.test(input));
                    assert.ok(ms < bound, `${label}: ${ms.toFixed(1)} ms on ${JSON.stringify(input.slice(0, 24))}...`);
                }
            }
        });
        it("name segmenting, value judging, file names and key paths", () => {
            for (const input of [...inputs, fill("aB"), fill("a_"), fill("$(a)")]) {
                for (const [what, run] of Object.entries({
                    nameSegments: () => nameSegments(input),
                    judgeValue: () => judgeVariable("DB_PASSWORD", input, noConfig),
                    judgeName: () => judgeVariable(input, "x", noConfig),
                    fileNameFor: () => fileNameFor(input),
                    keyAccessor: () => keyAccessor(input),
                })) {
                    const ms = elapsedMs(run);
                    assert.ok(ms < bound, `${what}: ${ms.toFixed(1)} ms on ${JSON.stringify(input.slice(0, 24))}...`);
                }
            }
        });
        it("the policy on a resource with a 100 KB env value and name", () => {
            for (const input of [fill("aB1-"), fill("eyJa."), perFormat[0]]) {
                const ms = elapsedMs(() => validate(policy, deployment, withEnv([{ name: "DB_PASSWORD", value: input }, { name: input, value: input }])));
                assert.ok(ms < bound * 2, `${ms.toFixed(1)} ms`);
            }
        });
    });

    describe("the anchored format scan (performance) decides as every pattern in turn would", () => {
        const everyPattern = (value: string) => credentialFormats.find(format => format.pattern.test(value));
        it("on every example, with text around it, and every non-secret case", () => {
            const values = [
                ...Object.values(formatExamples).flatMap(example => [example, `x ${example} y`, `prefix${example}`, example.slice(1), example.slice(0, -1)]),
                ...secretCases.map(c => c[1]),
                ...nonSecretCases.map(c => c[1]),
            ];
            for (const value of values) {
                assert.strictEqual(credentialFormatOf(value)?.label, everyPattern(value)?.label, JSON.stringify(value));
            }
        });
        it("property: on strings built from the anchors, the examples' pieces and random text", () => {
            const pieces = [...credentialFormats.flatMap(format => format.anchors), ...Object.values(formatExamples).map(example => example.slice(example.length >> 1))];
            const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12, unit: "grapheme-ascii" }), fc.stringMatching(/^[A-Za-z0-9_-]{16,48}$/)), { maxLength: 6 }).map(parts => parts.join(""));
            fc.assert(fc.property(text, value => credentialFormatOf(value)?.label === everyPattern(value)?.label), { numRuns: Number(process.env.FUZZ_RUNS ?? 150) * 10 });
        });
        it("has no anchor that starts another (the scan would report the shorter only)", () => {
            const anchors = credentialFormats.flatMap(format => format.anchors);
            for (const anchor of anchors) {
                assert.deepStrictEqual(anchors.filter(other => other !== anchor && other.startsWith(anchor)), [], anchor);
            }
        });
        it("a setting value seen under another name is still judged under a secret's name", () => {
            assert.strictEqual(judgeVariable("LOG_LEVEL", "correct-horse-battery", noConfig), undefined);
            assert.deepStrictEqual(judgeVariable("DB_PASSWORD", "correct-horse-battery", noConfig), { by: "name" });
            assert.strictEqual(judgeVariable("LOG_LEVEL", "correct-horse-battery", noConfig), undefined);
            const token = formatExamples[formatLabels[1]];
            assert.strictEqual(judgeVariable("LOG_LEVEL", token, noConfig)?.by, "format");
        });
    });

    describe("property: no message contains any 4-character substring of a flagged value", () => {
        const secretNames = [...new Set(secretCases.filter(c => c[2] === "name").map(c => c[0]))];
        const name = fc.oneof(fc.constantFrom(...secretNames), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,24}$/));
        const randomValue = fc.oneof(fc.string({ minLength: 1, maxLength: 48, unit: "grapheme-ascii" }), fc.string({ minLength: 1, maxLength: 24, unit: "grapheme" }));
        /** A credential of a known format with the letters and digits of its last 40% swapped for others of the same class. */
        const classes = ["0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ"];
        const credential = fc.tuple(fc.constantFrom(...Object.values(formatExamples)), fc.array(fc.nat(), { minLength: 64, maxLength: 64 })).map(([example, seeds]) => {
            const keep = Math.ceil(example.length * 0.6);
            return example.slice(0, keep) + example.slice(keep).replace(/[A-Za-z0-9]/g, (c, offset: number) => {
                const set = classes.find(chars => chars.includes(c))!;
                return set[seeds[offset % seeds.length] % set.length];
            });
        });
        it("holds for names, values and every kind; and the message doesn't depend on the value", () => {
            fc.assert(
                fc.property(name, fc.oneof(randomValue, credential), fc.constantFrom(...carriers), (varName: string, value: string, carrier: Carrier) => {
                    const verdict = judgeVariable(varName, value, noConfig);
                    fc.pre(verdict !== undefined);
                    // The same variable with another value of the same verdict: the message must not change.
                    const reference = verdict!.by === "name" ? "~~~~~~~~" : formatExamples[verdict!.format.label];
                    const messages = validate(policy, carrier.type, carrier.props(varName, value));
                    assert.deepStrictEqual(messages, validate(policy, carrier.type, carrier.props(varName, reference)));
                    assertNoLeak(messages, value, valueFreeText(carrier, varName, verdict!));
                }),
                { numRuns: 300 },
            );
        });
    });
});
