// Property-based robustness: malformed props, unknown preview values and hostile strings, for
// every supported type token and every policy. A policy that throws fails every preview in the
// org; one that skips what it can't parse lets a violation through.
import * as assert from "assert";
import Ajv from "ajv";
import * as fc from "fast-check";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../policies";
import { compileGlob } from "../policies/lib/glob";
import { parseKubernetesType } from "../policies/lib/workloads";
import { dockerContainer, dockerService, kubernetesResource, kubernetesTypeTokens, cpuMs, NotApplicable, remediate, RunOptions, UNKNOWN_STRING, validate } from "./helpers";

/** Runs per property and policy; `npm test` uses this, FUZZ_RUNS raises it for a longer soak. */
const runs = Number(process.env.FUZZ_RUNS ?? 150);

const imageBuildTypes = ["docker:index/image:Image", "docker:index/remoteImage:RemoteImage", "docker-build:index:Image"];
const kubernetesTypes = kubernetesTypeTokens().filter(t => parseKubernetesType(t));
const allTypes = [...kubernetesTypes, dockerContainer, dockerService, ...imageBuildTypes];

const capability = fc.constantFrom("ALL", "NET_RAW", "cap_net_bind_service", "SYS_ADMIN", "IPC_LOCK", "net_admin");
const image = fc.constantFrom("nginx:1.27", "docker.elastic.co/elasticsearch/elasticsearch:8.15.0", "busybox", "gcr.io/distroless/static");
const envName = fc.constantFrom("DB_PASSWORD", "LOG_LEVEL", "API_TOKEN", "SECRET_NAME", "PGPASSWORD");
const envValue = fc.constantFrom("hunter2hunter2", "info", "", "db-creds", "$(OTHER)");
const optional = { requiredKeys: [] as never[] };

const profileType = fc.constantFrom("RuntimeDefault", "Localhost", "Unconfined");
const hostPort = fc.constantFrom(0, 80, 8080);
const sysctlName = fc.constantFrom("net.ipv4.ip_local_port_range", "kernel.msgmax", "net.core.somaxconn", "kernel.shm_rmid_forced");

const kubernetesContainer = (name: string) =>
    fc.record({
        name: fc.constant(name),
        image,
        securityContext: fc.record({
            readOnlyRootFilesystem: fc.boolean(),
            privileged: fc.boolean(),
            allowPrivilegeEscalation: fc.boolean(),
            runAsNonRoot: fc.boolean(),
            runAsUser: fc.constantFrom(0, 1000),
            seccompProfile: fc.record({ type: profileType }),
            appArmorProfile: fc.record({ type: profileType }),
            seLinuxOptions: fc.record({ type: fc.constantFrom("container_t", "spc_t"), user: fc.constantFrom("", "system_u") }, optional),
            procMount: fc.constantFrom("Default", "Unmasked"),
            capabilities: fc.record({ add: fc.array(capability, { maxLength: 3 }), drop: fc.array(capability, { maxLength: 3 }) }, optional),
        }, optional),
        ports: fc.array(fc.record({ containerPort: fc.constant(8080), hostPort }, optional), { maxLength: 2 }),
        readinessProbe: fc.record({ httpGet: fc.record({ host: fc.constantFrom("", "10.0.0.1"), port: fc.constant(8080) }) }),
        env: fc.array(fc.record({ name: envName, value: envValue }), { maxLength: 3 }),
    }, { requiredKeys: ["name", "image"] });

const podVolume = fc.oneof(
    fc.record({ name: fc.constant("logs"), hostPath: fc.record({ path: fc.constantFrom("/var/log", "/var/run/docker.sock") }) }),
    fc.record({ name: fc.constant("scratch"), emptyDir: fc.constant({}) }),
    fc.record({ name: fc.constant("share"), nfs: fc.constant({ server: "nfs.local", path: "/share" }) }),
    fc.record({ name: fc.constant("config"), configMap: fc.constant({ name: "app" }) }),
);

const podSpec = fc.record({
    containers: fc.tuple(kubernetesContainer("app"), kubernetesContainer("sidecar")).map(([a, b]) => [a, b]),
    initContainers: fc.array(kubernetesContainer("init"), { maxLength: 1 }),
    ephemeralContainers: fc.array(kubernetesContainer("debug"), { maxLength: 1 }),
    hostPID: fc.boolean(),
    hostNetwork: fc.boolean(),
    hostIPC: fc.boolean(),
    hostUsers: fc.boolean(),
    volumes: fc.array(podVolume, { maxLength: 2 }),
    securityContext: fc.record({
        runAsNonRoot: fc.boolean(),
        runAsUser: fc.constantFrom(0, 1000),
        seccompProfile: fc.record({ type: profileType }),
        sysctls: fc.array(fc.record({ name: sysctlName, value: fc.constant("1") }), { maxLength: 2 }),
    }, optional),
}, { requiredKeys: ["containers"] });

const dockerUser = fc.constantFrom("root", "0", "1000:1000", "app");
const dockerContainerProps = fc.record({
    image,
    readOnly: fc.boolean(),
    privileged: fc.boolean(),
    capabilities: fc.record({ adds: fc.array(capability, { maxLength: 2 }), drops: fc.array(capability, { maxLength: 2 }) }, optional),
    envs: fc.array(fc.tuple(envName, envValue).map(([n, v]) => `${n}=${v}`), { maxLength: 3 }),
    pidMode: fc.constantFrom("host", "private"),
    ulimits: fc.array(fc.record({ name: fc.constantFrom("nproc", "nofile"), soft: fc.nat(5000), hard: fc.nat(5000) }), { maxLength: 2 }),
    networkMode: fc.constantFrom("host", "bridge"),
    ipcMode: fc.constantFrom("host", "private"),
    usernsMode: fc.constantFrom("host", ""),
    securityOpts: fc.array(fc.constantFrom("seccomp=unconfined", "no-new-privileges", "apparmor:unconfined", "label=disable", "label=type:spc_t"), { maxLength: 2 }),
    user: dockerUser,
    ports: fc.array(fc.record({ internal: fc.constant(8080), external: fc.constantFrom(80, 8080) }, { requiredKeys: ["internal"] }), { maxLength: 2 }),
    volumes: fc.array(fc.record({ hostPath: fc.constantFrom("/var/run/docker.sock", "/srv/data"), volumeName: fc.constant("data"), containerPath: fc.constant("/data") }, { requiredKeys: ["containerPath"] }), { maxLength: 2 }),
    mounts: fc.array(fc.record({ type: fc.constantFrom("bind", "volume", "tmpfs"), source: fc.constantFrom("/etc", "data"), target: fc.constant("/mnt") }), { maxLength: 2 }),
    sysctls: fc.dictionary(sysctlName, fc.constant("1"), { maxKeys: 2 }),
    devices: fc.array(fc.record({ hostPath: fc.constantFrom("/dev/fuse", "/dev/kvm") }), { maxLength: 1 }),
}, { requiredKeys: ["image"] });

const dockerServiceProps = fc.record({
    containerSpec: fc.record({
        image,
        readOnly: fc.boolean(),
        capAdds: fc.array(capability, { maxLength: 2 }),
        capDrops: fc.array(capability, { maxLength: 2 }),
        env: fc.dictionary(envName, envValue, { maxKeys: 3 }),
        user: dockerUser,
        mounts: fc.array(fc.record({ type: fc.constantFrom("bind", "volume"), source: fc.constantFrom("/srv", "data"), target: fc.constant("/mnt") }), { maxLength: 2 }),
        sysctl: fc.dictionary(sysctlName, fc.constant("1"), { maxKeys: 2 }),
        privileges: fc.record({ seLinuxContext: fc.record({ disable: fc.boolean(), type: fc.constantFrom("container_t", "spc_t") }, optional) }),
    }, { requiredKeys: ["image"] }),
    networksAdvanceds: fc.array(fc.record({ name: fc.constantFrom("host", "backend") }), { maxLength: 2 }),
    ports: fc.array(fc.record({ targetPort: fc.constant(8080), publishedPort: fc.constantFrom(80, 8080) }), { maxLength: 2 }),
}).map(({ containerSpec, networksAdvanceds, ports }) => ({ taskSpec: { containerSpec, networksAdvanceds }, endpointSpec: { ports } }));

const dockerfile = fc.constantFrom(
    "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n",
    "FROM node:22\nRUN apt-get install -y build-essential\nENV API_TOKEN=abc\n",
);
const imageBuildProps = (type: string) =>
    dockerfile.map(inline =>
        type === "docker-build:index:Image"
            ? { dockerfile: { inline }, context: { location: "." }, push: false }
            : { name: "registry.local/app:1", build: { context: ".", dockerfile: "Dockerfile", args: { API_TOKEN: "abc" } } },
    );

/** A well-formed resource of the given type, with random (often insecure) settings. */
function resourceOf(type: string): fc.Arbitrary<any> {
    if (type === dockerContainer) {
        return dockerContainerProps;
    }
    if (type === dockerService) {
        return dockerServiceProps;
    }
    if (imageBuildTypes.includes(type)) {
        return imageBuildProps(type);
    }
    return podSpec.map(spec => kubernetesResource(type, spec));
}

/** Every path into a JSON value, the root included. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
    const paths = [prefix];
    if (Array.isArray(value)) {
        value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
    } else if (value && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            paths.push(...pathsOf(item, [...prefix, key]));
        }
    }
    return paths;
}

function setAt(root: any, path: Array<string | number>, value: unknown): any {
    if (path.length === 0) {
        return value;
    }
    const copy = structuredClone(root);
    let holder = copy;
    for (const key of path.slice(0, -1)) {
        holder = holder[key];
    }
    holder[path[path.length - 1]] = value;
    return copy;
}

const deeplyNested = (() => {
    let value: any = { readOnlyRootFilesystem: true };
    for (let i = 0; i < 500; i++) {
        value = i % 2 ? { nested: value } : [value];
    }
    return value;
})();

/** Values of the wrong shape that real programs and broken providers produce. */
const malformed = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.constantFrom(null, "", "true", 0, 1, -1, [], {}, [null], [[]], "x".repeat(100_000), deeplyNested),
);

/** A resource of a random type, with one random node replaced by a malformed value. */
const mangledResource = fc
    .constantFrom(...allTypes)
    .chain(type => resourceOf(type).map(props => ({ type, props })))
    .chain(({ type, props }) =>
        fc.tuple(fc.constantFrom(...pathsOf(props)), malformed).map(([path, value]) => ({ type, props: setAt(props, path, value) ?? {}, path })),
    );

/** The messages, or the not-applicable reason (which the SDK reports instead of violations). */
function judge(policy: ResourceValidationPolicy, type: string, props: object, options?: RunOptions): string[] {
    try {
        return validate(policy, type, props, options);
    } catch (e) {
        if (e instanceof NotApplicable) {
            return [`not applicable: ${e.reason}`];
        }
        throw e;
    }
}

/** `policy: location` of each violation, where location is the property path it names. */
function verdicts(policy: ResourceValidationPolicy, type: string, props: object): string[] {
    return judge(policy, type, props).map(m => `${policy.name}: ${/^[^:]*: (\S+)/.exec(m)?.[1] ?? m}`);
}

describe(`robustness (${runs} runs per property and policy)`, function () {
    this.timeout(600_000);

    for (const policy of policies) {
        describe(policy.name, () => {
            it("never throws on malformed props, for any supported type, and gives the same verdict twice", () => {
                fc.assert(
                    fc.property(mangledResource, ({ type, props }) => {
                        const first = judge(policy, type, props);
                        assert.deepStrictEqual(judge(policy, type, props), first);
                        for (const message of first) {
                            assert.ok(typeof message === "string" && message.length > 0);
                        }
                        if (policy.remediateResource && !first[0]?.startsWith("not applicable")) {
                            const fixed = remediate(policy, type, props);
                            assert.deepStrictEqual(remediate(policy, type, props), fixed);
                            if (fixed !== undefined) {
                                judge(policy, type, fixed);
                            }
                        }
                    }),
                    { numRuns: runs },
                );
            });

            it("gives no new violation when a value becomes unknown, and still judges the other containers", () => {
                fc.assert(
                    fc.property(
                        fc.constantFrom(...allTypes).chain(type => resourceOf(type).map(props => ({ type, props }))),
                        fc.nat(),
                        ({ type, props }, pick) => {
                            const paths = pathsOf(props).filter(p => p.length > 0);
                            const path = paths[pick % paths.length];
                            const before = verdicts(policy, type, props);
                            const after = verdicts(policy, type, setAt(props, path, UNKNOWN_STRING));
                            for (const verdict of after) {
                                assert.ok(before.includes(verdict), `unknown at ${path.join(".")} created "${verdict}"`);
                            }
                            // An unknown inside one container leaves the verdicts on the others as they were.
                            const containerPath = containerPathOf(path);
                            if (containerPath) {
                                const elsewhere = (v: string) => !v.includes(`: ${containerPath}.`) && !v.endsWith(`: ${containerPath}`);
                                assert.deepStrictEqual(after.filter(elsewhere), before.filter(elsewhere), `unknown at ${path.join(".")}`);
                            }
                        },
                    ),
                    { numRuns: runs },
                );
            });
        });
    }

    it("counts a malformed required setting as not set (a violation), never as set", () => {
        const required: Array<[string, (value: unknown) => object, string]> = [
            ["container-read-only-root-filesystem", v => ({ readOnlyRootFilesystem: v, capabilities: { drop: ["ALL"] } }), "readOnlyRootFilesystem"],
            ["container-drop-capabilities", v => ({ readOnlyRootFilesystem: true, capabilities: { drop: v } }), "capabilities.drop"],
        ];
        for (const [name, securityContext, field] of required) {
            const policy = policies.find(p => p.name === name)!;
            fc.assert(
                // JSON (and so the engine's wire format) carries no NaN or Infinity: those arrive as null.
                fc.property(malformed.filter(v => typeof v !== "boolean" && !Array.isArray(v) && v !== null && v !== undefined && !(typeof v === "number" && !Number.isFinite(v))), value => {
                    const type = "kubernetes:apps/v1:Deployment";
                    const messages = validate(policy, type, kubernetesResource(type, { containers: [{ name: "a", securityContext: securityContext(value) }] }));
                    assert.strictEqual(messages.length, 1, `${name} passed ${field} = ${JSON.stringify(value)?.slice(0, 80)}`);
                    assert.match(messages[0], new RegExp(`securityContext\\.${field.replace(".", "\\.")} can't be read \\(expected a`));
                }),
                { numRuns: runs },
            );
        }
    });
});

/** `["spec", "containers", 1, "env"]` -> `spec.containers[1].env`. */
function renderPath(path: Array<string | number>): string {
    return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${key}`)).join("");
}

/** The container a path lies strictly inside (`spec.template.spec.containers[1]`); undefined otherwise. */
function containerPathOf(path: Array<string | number>): string | undefined {
    const at = path.findIndex((key, i) => ["containers", "initContainers", "ephemeralContainers"].includes(String(key)) && typeof path[i + 1] === "number");
    return at >= 0 && path.length > at + 2 ? renderPath(path.slice(0, at + 2)) : undefined;
}

describe("hostile strings: matching stays linear", () => {
    let sink = 0;
    /** CPU time of a plain linear pass over the input, measured here: bounds scale with this machine. */
    function linearPassMs(input: string): number {
        return cpuMs(() => {
            for (let i = 0; i < input.length; i++) {
                sink += input.charCodeAt(i) & 1;
            }
        });
    }

    it("globs run in time proportional to subject × pattern on adversarial 100 KB subjects", () => {
        const subjects = ["a".repeat(100_000), "a/".repeat(50_000), `${"-system".repeat(12_500)}x`, "[".repeat(100_000)];
        const patterns = ["*a*a*a*a*a*a*a*b", "**/**/**/**/b", "*-system/*", "a?a?a?a?a?a?c", "[a-z]*[a-z]*[a-z]*!"];
        for (const source of patterns) {
            const glob = compileGlob(source);
            for (const subject of subjects) {
                const baseline = linearPassMs(subject);
                const elapsed = cpuMs(() => glob.matches(subject));
                // subject × pattern steps: allow 20 linear passes per pattern character, with a floor of 500 ms of CPU.
                const bound = Math.max(500, baseline * source.length * 20);
                assert.ok(elapsed < bound, `${source} on a ${subject.length}-character subject took ${elapsed.toFixed(1)} ms of CPU`);
            }
        }
    });

    it("every policy judges resources full of 100 KB adversarial strings in bounded time", () => {
        const hostile = ["a".repeat(100_000), `${"PASSWORD_".repeat(11_000)}=`, `${"$(".repeat(50_000)}`, `-----BEGIN ${"A".repeat(100_000)}`, `${"ey".repeat(50_000)}.`, `http://${"a:".repeat(50_000)}@`];
        for (const value of hostile) {
            const type = "kubernetes:apps/v1:Deployment";
            const props = kubernetesResource(type, {
                containers: [{ name: value, image: value, env: [{ name: value, value }, { name: "DB_PASSWORD", value }], securityContext: { capabilities: { add: [value], drop: [value] } } }],
            });
            const docker = { image: value, envs: [`${value}=${value}`, `API_TOKEN=${value}`], capabilities: { adds: [value] }, labels: [{ label: value, value }] };
            const build = { dockerfile: { inline: `FROM ${value}\nRUN ${value}\nENV ${value}=${value}\n` }, buildArgs: { [value]: value } };
            for (const policy of policies) {
                for (const [t, p] of [[type, props], [dockerContainer, docker], ["docker-build:index:Image", build]] as const) {
                    const baseline = linearPassMs(value);
                    const elapsed = cpuMs(() => judge(policy, t, p, { config: { exclude: ["*a*a*a*a*b"], exemptImages: ["**a**a**b"] } }));
                    // Catastrophic backtracking on 100 KB takes minutes; linear work takes milliseconds.
                    const bound = Math.max(5000, baseline * 2000);
                    assert.ok(elapsed < bound, `${policy.name} on ${t} took ${elapsed.toFixed(1)} ms of CPU`);
                }
            }
        }
    });
});

describe("config schemas", () => {
    const ajv = new Ajv({ strict: true, strictTypes: true, useDefaults: false, allErrors: true });

    for (const policy of policies) {
        it(`${policy.name}: a valid draft-7 schema whose defaults validate against it`, () => {
            const schema = { $schema: "http://json-schema.org/draft-07/schema#", type: "object", ...policy.configSchema };
            const validateConfig = ajv.compile(schema);
            const defaults = Object.fromEntries(Object.entries(policy.configSchema!.properties).map(([k, v]) => [k, (v as any).default]));
            for (const [key, value] of Object.entries(defaults)) {
                assert.notStrictEqual(value, undefined, `${key} has no default`);
            }
            assert.ok(validateConfig(defaults), ajv.errorsText(validateConfig.errors));
        });

        it(`${policy.name}: a config of the wrong shape is rejected naming the policy and key`, () => {
            for (const [key, property] of Object.entries(policy.configSchema!.properties)) {
                const wrong = (property as any).type === "array" ? "not-a-list" : (property as any).type === "integer" ? "12" : 42;
                const [type, props] = policy.name === "image-multi-stage-build"
                    ? ["docker-build:index:Image", { dockerfile: { inline: "FROM scratch\n" } }]
                    : ["kubernetes:core/v1:Pod", { spec: { containers: [{ name: "a", image: "x" }] } }];
                assert.throws(() => validate(policy, type, props, { config: { [key]: wrong } }), new RegExp(`policy "${policy.name}", config key "${key}"`));
            }
        });
    }
});
