// Starts a built policy pack the way the Pulumi engine does and talks to it over gRPC
// (DESIGN.md, "How the engine talks to the pack").
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";

const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const structProto = require("google-protobuf/google/protobuf/struct_pb");
const emptyProto = require("google-protobuf/google/protobuf/empty_pb");

export const repoRoot = path.resolve(__dirname, "..", "..", "..");
/**
 * The pack the engine specs start: this repo's build, or the folder named by
 * CONTAINER_GUARD_PACK_DIR (scripts/compat.sh points it at the packed pack installed with the
 * newest dependencies in range, as Pulumi Cloud installs it).
 */
export const packUnderTest = path.resolve(process.env.CONTAINER_GUARD_PACK_DIR || repoRoot);

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";
const levelNames: Level[] = ["advisory", "mandatory", "disabled", "remediate"];
const levelCodes: Record<Level, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

export interface Diagnostic {
    policyName: string;
    message: string;
    enforcementLevel: Level;
    urn: string;
}

export interface PolicyInfo {
    name: string;
    displayName: string;
    enforcementLevel: Level;
    severity: number;
    configSchema: Record<string, any>;
    tags: string[];
    url: string;
    remediationSteps: string;
}

/** The Struct wire form of a secret, as the engine sends it. */
export function wireSecret(value: unknown): object {
    return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

export class RunningPack {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
        private readonly output: { laterStdout: string[]; stderr: string },
    ) {}

    /** Spawns `run-policy-pack` in `packDir` and connects once it prints its port; `env` is added to this process's environment. */
    static async start(packDir: string = packUnderTest, nodePath: string = process.execPath, env: NodeJS.ProcessEnv = {}): Promise<RunningPack> {
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
        const child = spawn(nodePath, [path.dirname(runner), "ignored-engine-address", "."], {
            cwd: packDir,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const output = { laterStdout: [] as string[], stderr: "" };
        child.stderr!.on("data", d => (output.stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            const lines = readline.createInterface({ input: child.stdout! });
            lines.once("line", line => {
                resolve(line.trim());
                lines.on("line", later => output.laterStdout.push(later));
            });
            child.once("exit", code => reject(new Error(`pack exited with ${code} before printing its port: ${output.stderr}`)));
        });
        if (!/^\d+$/.test(port)) {
            child.kill();
            throw new Error(`the pack's first stdout line is not a port: ${JSON.stringify(port)}`);
        }
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new RunningPack(child, client, output);
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
    }

    async policies(): Promise<PolicyInfo[]> {
        const info = await this.call<any>("getAnalyzerInfo", new emptyProto.Empty());
        return info.getPoliciesList().map((p: any) => ({
            name: p.getName(),
            displayName: p.getDisplayname(),
            enforcementLevel: levelNames[p.getEnforcementlevel()],
            severity: p.getSeverity(),
            configSchema: p.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
            tags: p.getTagsList(),
            url: p.getUrl(),
            remediationSteps: p.getRemediationSteps(),
        }));
    }

    /**
     * Sends a config as the CLI does for `--policy-pack-config`: every policy, with its schema
     * defaults and default level, the user's `all` and per-policy settings on top.
     */
    async configure(userConfig: Record<string, any> = {}): Promise<void> {
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        const map = request.getPolicyconfigMap();
        for (const policy of await this.policies()) {
            const user = userConfig[policy.name];
            const userProps = typeof user === "object" ? { ...user } : {};
            delete userProps.enforcementLevel;
            const level: Level = (typeof user === "string" ? user : user?.enforcementLevel) ?? userConfig.all ?? policy.enforcementLevel;
            const defaults: Record<string, unknown> = {};
            for (const [key, schema] of Object.entries(policy.configSchema)) {
                if ((schema as any).default !== undefined) {
                    defaults[key] = (schema as any).default;
                }
            }
            const config = new analyzerProto.PolicyConfig();
            config.setEnforcementlevel(levelCodes[level]);
            config.setProperties(structProto.Struct.fromJavaScript({ ...defaults, ...userProps }));
            map.set(policy.name, config);
        }
        await this.call("configure", request);
    }

    /** Sends the stack's tags, as the engine does before it analyzes a stack's resources (the SDK hands them to every validation as `stackTags`). */
    async configureStack(tags: Record<string, string>): Promise<void> {
        const request = new analyzerProto.AnalyzerStackConfigureRequest();
        request.setStack("dev");
        request.setProject("shop");
        for (const [key, value] of Object.entries(tags)) {
            request.getTagsMap().set(key, value);
        }
        await this.call("configureStack", request);
    }

    /** Sends a raw `PolicyConfig` map (no defaults merged), for testing bad configs. */
    async configureRaw(config: Record<string, { level: Level; properties: object }>): Promise<void> {
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        for (const [name, { level, properties }] of Object.entries(config)) {
            const policyConfig = new analyzerProto.PolicyConfig();
            policyConfig.setEnforcementlevel(levelCodes[level]);
            policyConfig.setProperties(structProto.Struct.fromJavaScript(properties));
            request.getPolicyconfigMap().set(name, policyConfig);
        }
        await this.call("configure", request);
    }

    /** Analyze and Remediate both take an AnalyzeRequest. */
    private request(type: string, props: object, name: string) {
        const request = new analyzerProto.AnalyzeRequest();
        request.setType(type);
        request.setName(name);
        request.setUrn(`urn:pulumi:dev::shop::${type}::${name}`);
        request.setProperties(structProto.Struct.fromJavaScript(props));
        const options = new analyzerProto.AnalyzerResourceOptions();
        request.setOptions(options);
        return request;
    }

    async analyze(type: string, props: object, name = "web"): Promise<{ diagnostics: Diagnostic[]; notApplicable: Array<{ policyName: string; reason: string }> }> {
        const response = await this.call<any>("analyze", this.request(type, props, name));
        return {
            diagnostics: response.getDiagnosticsList().map((d: any) => ({
                policyName: d.getPolicyname(),
                message: d.getMessage(),
                enforcementLevel: levelNames[d.getEnforcementlevel()],
                urn: d.getUrn(),
            })),
            notApplicable: response.getNotApplicableList().map((n: any) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
        };
    }

    /** The messages one policy reports for a resource. */
    async messagesOf(policyName: string, type: string, props: object): Promise<string[]> {
        const { diagnostics } = await this.analyze(type, props);
        return diagnostics.filter(d => d.policyName === policyName).map(d => d.message);
    }

    /** An Analyze request encoded once, to replay with `analyzeEncoded` (load tests, the bench). */
    encodeAnalyze(type: string, props: object, name = "web"): Buffer {
        return Buffer.from(this.request(type, props, name).serializeBinary());
    }

    /** Sends an encoded Analyze request; like the engine's Go client, this side spends next to nothing per call. */
    analyzeEncoded(request: Buffer): Promise<void> {
        const bytes = (b: Buffer) => b;
        return new Promise((resolve, reject) =>
            this.client.makeUnaryRequest("/pulumirpc.Analyzer/Analyze", bytes, bytes, request, (err: Error | null) => (err ? reject(err) : resolve())),
        );
    }

    /** The props after every remediating policy has run, or undefined when none changed them. */
    async remediate(type: string, props: object, name = "web"): Promise<{ props: any; policies: string[] }> {
        const response = await this.call<any>("remediate", this.request(type, props, name));
        let result: any;
        const policies: string[] = [];
        for (const remediation of response.getRemediationsList()) {
            policies.push(remediation.getPolicyname());
            result = remediation.getProperties()?.toJavaScript() ?? result;
        }
        return { props: result, policies };
    }

    /** What the pack has written so far besides its port: stdout lines after the first, and stderr (the engine shows both to the user). */
    chatter(): { stdout: string[]; stderr: string } {
        return { stdout: [...this.output.laterStdout], stderr: this.output.stderr };
    }

    /** Resident set size of the pack process, in bytes (Linux). */
    rss(): number {
        const status = require("fs").readFileSync(`/proc/${this.child.pid}/status`, "utf8") as string;
        return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
    }

    /** CPU time (user + system) the pack process has used so far, in seconds (Linux). */
    cpuSeconds(): number {
        const stat = require("fs").readFileSync(`/proc/${this.child.pid}/stat`, "utf8") as string;
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }
}
