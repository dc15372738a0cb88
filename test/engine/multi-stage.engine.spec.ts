// image-multi-stage-build over the engine protocol: the built pack, started as the engine starts it,
// in its own directory, with the program somewhere else.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ciWorkspaceVariables } from "../../policies/lib/program-directory";
import { Diagnostic, packUnderTest, repoRoot, RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const policyName = "image-multi-stage-build";
const dockerImage = "docker:index/image:Image";
const remoteImage = "docker:index/remoteImage:RemoteImage";
const dockerBuild = "docker-build:index:Image";
const fixtures = path.join(repoRoot, "test", "fixtures", "dockerfiles");
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");
const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** No CI workspace leaks in from the machine running the tests. */
const noCiWorkspace = Object.fromEntries(ciWorkspaceVariables.map(name => [name, ""]));

/** A Pulumi program (project "shop") outside the pack directory. */
function makeProgram(): string {
    const program = fs.mkdtempSync(path.join(os.tmpdir(), "cg-engine-program-"));
    const files: Record<string, string> = {
        "Pulumi.yaml": "name: shop\nruntime: nodejs\n",
        "app/Dockerfile": fixture("full-base.Dockerfile"),
        "Dockerfile": fixture("go-distroless.Dockerfile"),
        "docker/web.Dockerfile": fixture("single-stage-alpine.Dockerfile"),
    };
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(program, name)), { recursive: true });
        fs.writeFileSync(path.join(program, name), content);
    }
    return program;
}

/** The problems the diagnostics name (a finding names every problem of its Dockerfile line), sorted. */
function kinds(diagnostics: Diagnostic[]): string[] {
    const problems: Array<[string, string]> = [
        ["single", "has a single stage"],
        ["noCopy", "takes nothing from a build stage"],
        ["base", "not a minimal image"],
        ["toolchain", "installs the build toolchain"],
    ];
    return diagnostics
        .flatMap(d => {
            if (d.message.includes("could not be checked")) {
                return ["couldNotCheck"];
            }
            const named = problems.filter(([, text]) => d.message.includes(text)).map(([kind]) => kind);
            return named.length > 0 ? named : [`other: ${d.message}`];
        })
        .sort();
}

describe("engine protocol: image-multi-stage-build", function () {
    this.timeout(60_000);
    let program: string;
    let elsewhere: string;
    before(() => {
        program = makeProgram();
        elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "cg-elsewhere-"));
    });
    after(() => [program, elsewhere].forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

    async function ours(pack: RunningPack, type: string, props: object): Promise<Diagnostic[]> {
        const { diagnostics } = await pack.analyze(type, props);
        return diagnostics.filter(d => d.policyName === policyName);
    }

    describe("a pack started from a shell in the program's subdirectory ($PWD, PULUMI_PROJECT)", () => {
        let pack: RunningPack;
        startPackForSuite(started => (pack = started), () => RunningPack.start(packUnderTest, process.execPath, { ...noCiWorkspace, PWD: path.join(program, "app"), PULUMI_PROJECT: "shop" }));
        beforeEach(() => pack.configure());

        it("is listed, advisory by default, with its config keys", async () => {
            const policy = (await pack.policies()).find(p => p.name === policyName)!;
            assert.strictEqual(policy.enforcementLevel, "advisory");
            assert.deepStrictEqual(policy.configSchema.allowedFinalBaseImages.default, []);
            assert.deepStrictEqual({ ...policy.configSchema.programDirectory, description: undefined }, { type: "string", default: "", description: undefined });
        });

        it("resolves relative Dockerfile paths from the program directory for all three resource types", async () => {
            const cases: Array<[string, object, string[]]> = [
                [dockerImage, { imageName: "shop/web", build: { context: "app" } }, ["base"]],
                [dockerImage, { imageName: "shop/web", build: { context: "app", dockerfile: "Dockerfile" } }, []],
                [remoteImage, { name: "shop/web", build: { context: "docker", dockerfile: "web.Dockerfile" } }, ["single", "toolchain"]],
                [remoteImage, { name: "shop/web", build: { context: "app" } }, ["base"]],
                [dockerBuild, { push: false, context: { location: "app" } }, ["base"]],
                [dockerBuild, { push: false, context: { location: "." }, dockerfile: { location: "docker/web.Dockerfile" } }, ["single", "toolchain"]],
            ];
            for (const [type, props, expected] of cases) {
                const diagnostics = await ours(pack, type, props);
                assert.deepStrictEqual(kinds(diagnostics), expected, `${type} ${JSON.stringify(props)}:\n${diagnostics.map(d => d.message).join("\n")}`);
                assert.ok(diagnostics.every(d => d.enforcementLevel === "advisory"));
            }
            const [base] = await ours(pack, dockerImage, { imageName: "shop/web", build: { context: "app" } });
            assert.match(base.message, /docker\.Image web, Dockerfile app\/Dockerfile \(the default of build\.dockerfile\) line 4, stage #1: the shipped stage is based on ubuntu:22\.04, not a minimal image\./);
        });

        it("judges inline and absolute on-disk Dockerfiles", async () => {
            const cases: Array<[string, object, string[]]> = [
                [dockerBuild, { dockerfile: { inline: fixture("go-distroless.Dockerfile") } }, []],
                [dockerBuild, { dockerfile: { inline: fixture("target-debug-last.Dockerfile") } }, ["base", "noCopy", "toolchain", "toolchain"]],
                [dockerBuild, { dockerfile: { inline: fixture("target-debug-last.Dockerfile") }, target: "runtime" }, []],
                [dockerImage, { imageName: "x", build: { dockerfile: path.join(fixtures, "from-build-stage.Dockerfile") } }, ["base", "noCopy", "toolchain"]],
                [remoteImage, { name: "x", build: { context: fixtures, dockerfile: "heredocs.Dockerfile" } }, []],
                [dockerBuild, { dockerfile: { location: path.join(fixtures, "exec-form-sh-c.Dockerfile") } }, ["toolchain"]],
            ];
            for (const [type, props, expected] of cases) {
                assert.deepStrictEqual(kinds(await ours(pack, type, props)), expected, `${type} ${JSON.stringify(props).slice(0, 200)}`);
            }
        });

        it("says a missing file could not be checked, advisory even when the policy is mandatory", async () => {
            await pack.configure({ [policyName]: "mandatory" });
            for (const [type, props] of [
                [dockerImage, { imageName: "x", build: { context: "nowhere" } }],
                [remoteImage, { name: "x", build: { context: "app", dockerfile: "Missing.Dockerfile" } }],
                [dockerBuild, { dockerfile: { location: "missing/Dockerfile" } }],
            ] as const) {
                const [diagnostic, ...rest] = await ours(pack, type, props);
                assert.deepStrictEqual(rest, []);
                assert.strictEqual(diagnostic.enforcementLevel, "advisory");
                assert.match(diagnostic.message, /could not be checked for a multi-stage build: there is no file at \S+ \(relative paths start at \S+, the Pulumi\.yaml of project "shop" found from \$PWD\)/);
            }
            const [finding] = await ours(pack, dockerImage, { imageName: "x", build: { context: "app" } });
            assert.strictEqual(finding.enforcementLevel, "mandatory");
        });

        it("gives no verdict on values unknown during preview", async () => {
            assert.deepStrictEqual(await ours(pack, dockerBuild, { dockerfile: { location: unknown } }), []);
            assert.deepStrictEqual(await ours(pack, dockerImage, { imageName: "x", build: { context: "app", dockerfile: unknown } }), []);
            assert.deepStrictEqual(await ours(pack, dockerBuild, { dockerfile: { inline: fixture("target-debug-last.Dockerfile") }, target: unknown }), []);
        });
    });

    describe("a pack with no hint of the program's location", () => {
        let pack: RunningPack;
        startPackForSuite(started => (pack = started), () => RunningPack.start(packUnderTest, process.execPath, { ...noCiWorkspace, PWD: elsewhere, PULUMI_PROJECT: "shop" }));

        it("says a relative path could not be resolved, and takes the programDirectory config", async () => {
            await pack.configure();
            const [diagnostic, ...rest] = await ours(pack, dockerImage, { imageName: "x", build: { context: "app" } });
            assert.deepStrictEqual(rest, []);
            assert.strictEqual(diagnostic.enforcementLevel, "advisory");
            assert.match(diagnostic.message, /the path is relative to the Pulumi program's directory, which the engine doesn't tell policies/);
            assert.match(diagnostic.message, /Fix: set the policy's programDirectory config/);
            await pack.configure({ [policyName]: { programDirectory: program } });
            assert.deepStrictEqual(kinds(await ours(pack, dockerImage, { imageName: "x", build: { context: "app" } })), ["base"]);
        });
    });
});
