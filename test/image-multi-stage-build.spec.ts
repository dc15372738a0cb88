import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { multiStageBuild, runtimeImageFor } from "../policies/image-multi-stage-build";
import { compileGlob } from "../policies/lib/glob";
import { expandVariables } from "../policies/lib/dockerfile/expand";
import { dockerfileCap } from "../policies/lib/dockerfile/lines";
import { isMinimalImage } from "../policies/lib/dockerfile/stages";
import { isToolchainPackage, splitShellCommands } from "../policies/lib/dockerfile/toolchains";
import { expandEnv, programDirectory } from "../policies/lib/program-directory";
import { UNKNOWN } from "../policies/lib/values";
import { cpuMs, RunOptions, UNKNOWN_ARRAY, UNKNOWN_OBJECT, UNKNOWN_STRING, validate } from "./helpers";

const repoRoot = path.resolve(__dirname, "..", "..");
const fixtures = path.join(repoRoot, "test", "fixtures", "dockerfiles");
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

const dockerImage = "docker:index/image:Image";
const remoteImage = "docker:index/remoteImage:RemoteImage";
const registryImage = "docker:index/registryImage:RegistryImage";
const dockerBuild = "docker-build:index:Image";

interface Message {
    text: string;
    /** Reported in the diagnostic-object form at level advisory, whatever the policy's level. */
    advisory: boolean;
}

const advisoryPrefix = "[advisory] ";

function check(type: string, props: object, options: RunOptions = {}): Message[] {
    return validate(multiStageBuild, type, props, options).map(m =>
        m.startsWith(advisoryPrefix) ? { text: m.slice(advisoryPrefix.length), advisory: true } : { text: m, advisory: false },
    );
}

type Verdict = "single" | "noCopy" | "base" | "toolchain" | "couldNotCheck";

const problems: Array<[Verdict, string]> = [
    ["single", "the build has a single stage"],
    ["noCopy", "takes nothing from a build stage"],
    ["base", "not a minimal image"],
    ["toolchain", "installs the build toolchain"],
];

/** The problems the messages name (a message names every problem of its line), sorted. */
function verdicts(messages: Message[]): Verdict[] {
    return messages
        .flatMap((m): Verdict[] => {
            if (m.advisory) {
                return ["couldNotCheck"];
            }
            const named = problems.filter(([, text]) => m.text.split("\n", 1)[0].includes(text)).map(([verdict]) => verdict);
            assert.ok(named.length > 0, m.text);
            return named;
        })
        .sort();
}

/** The Dockerfile line each finding is on: one finding per line. */
function findingLines(messages: Message[]): number[] {
    return messages.filter(m => !m.advisory).map(m => Number(/ line (\d+), stage /.exec(m.text)![1]));
}

/** Every fixture and what the shipped stage gets. */
const expected: Record<string, Verdict[]> = {
    "go-distroless.Dockerfile": [],
    "node-alpine.Dockerfile": [],
    "python-slim.Dockerfile": [],
    "scratch-lowercase.Dockerfile": [],
    "arg-runtime-image.Dockerfile": [],
    "chainguard.Dockerfile": [],
    "heredocs.Dockerfile": [],
    "ubi-micro.Dockerfile": [],
    "apk-virtual-removed.Dockerfile": [],
    "busybox.Dockerfile": [],
    "copy-from-index.Dockerfile": [],
    "run-mount-from.Dockerfile": [],
    "dotnet-chiseled.Dockerfile": [],
    "target-debug-last.Dockerfile": ["base", "noCopy", "toolchain", "toolchain"],
    "named-context-base.Dockerfile": ["base"],
    "single-stage-node.Dockerfile": ["base", "single", "toolchain"],
    "single-stage-alpine.Dockerfile": ["single", "toolchain"],
    "no-copy-from-stage.Dockerfile": ["noCopy"],
    "full-base.Dockerfile": ["base"],
    "toolchain-continuations.Dockerfile": ["toolchain"],
    "escape-backtick.Dockerfile": ["toolchain"],
    "ubi-minimal-toolchain.Dockerfile": ["toolchain"],
    "dnf-group-single.Dockerfile": ["base", "single", "toolchain"],
    "arg-default-full-base.Dockerfile": ["base"],
    "from-build-stage.Dockerfile": ["base", "noCopy", "toolchain"],
    "exec-form-sh-c.Dockerfile": ["toolchain"],
    "custom-frontend.Dockerfile": ["couldNotCheck"],
    "no-from.Dockerfile": ["couldNotCheck"],
    "unresolved-base.Dockerfile": ["couldNotCheck"],
    "static-site-alpine.Dockerfile": [],
    "nginx-config.Dockerfile": ["base"],
};

/** The same Dockerfile through each resource type, inline and on disk. */
function throughEveryType(name: string): Array<[string, Message[]]> {
    const absolute = path.join(fixtures, name);
    const fromFixtures = { config: { programDirectory: repoRoot } };
    return [
        ["docker-build inline", check(dockerBuild, { push: false, dockerfile: { inline: fixture(name) } })],
        ["docker-build location", check(dockerBuild, { push: false, dockerfile: { location: absolute }, context: { location: fixtures } })],
        ["docker.Image absolute dockerfile", check(dockerImage, { imageName: "shop/web:1", build: { context: fixtures, dockerfile: absolute } })],
        ["docker.Image relative dockerfile", check(dockerImage, { imageName: "shop/web:1", build: { context: ".", dockerfile: `test/fixtures/dockerfiles/${name}` } }, fromFixtures)],
        ["docker.RemoteImage", check(remoteImage, { name: "shop/web:1", build: { context: fixtures, dockerfile: name } })],
        ["docker.RemoteImage relative context", check(remoteImage, { name: "shop/web:1", build: { context: "test/fixtures/dockerfiles", dockerfile: name } }, fromFixtures)],
        ["docker.RegistryImage", check(registryImage, { name: "shop/web:1", build: { context: fixtures, dockerfile: name } })],
    ];
}

const tempDirs: string[] = [];

function tempProgram(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cg-program-"));
    tempDirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("image-multi-stage-build", () => {
    after(() => tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

    it("has at least 25 fixture Dockerfiles, each with an expected verdict", () => {
        const onDisk = fs.readdirSync(fixtures).filter(f => f.endsWith("Dockerfile")).sort();
        assert.deepStrictEqual(onDisk, Object.keys(expected).sort());
        assert.ok(onDisk.length >= 25);
    });

    describe("gives every fixture the same verdict through every resource type, inline and on disk", () => {
        for (const [name, verdict] of Object.entries(expected)) {
            it(name, () => {
                for (const [how, messages] of throughEveryType(name)) {
                    assert.deepStrictEqual(verdicts(messages), verdict, `${how}:\n${messages.map(m => m.text).join("\n")}`);
                    const lines = findingLines(messages);
                    assert.deepStrictEqual(lines, [...new Set(lines)], `${how}: one finding per line`);
                }
            });
        }
    });

    describe("messages", () => {
        it("name the resource, the Dockerfile, the line and the stage, with why and a Dockerfile + Pulumi fix", () => {
            const [message] = check(dockerImage, { imageName: "shop/web", build: { dockerfile: path.join(fixtures, "toolchain-continuations.Dockerfile") } }).map(m => m.text);
            assert.match(message, /^docker\.Image web, Dockerfile \S+toolchain-continuations\.Dockerfile \(build\.dockerfile\) line 6, stage "runtime": apt-get installs the build toolchain gcc, g\+\+-12, libssl-dev into the shipped image\.\n/);
            assert.match(message, /\nWhy: .+\nFix: install build tools in a build stage/);
            assert.match(message, /\n {4}FROM golang:1\.22 AS build\n {4}RUN apt-get install gcc g\+\+-12 libssl-dev/);
            assert.match(message, /\n {4}FROM gcr\.io\/distroless\/static-debian13 AS runtime\n {4}COPY --from=build \/out\/ \/app\/\n/);
            assert.match(message, /and ship that stage: new docker\.Image\("web", \{ \.\.\.args, build: \{ \.\.\.args\.build, target: "runtime" \} \}\)$/);
        });

        it("say which stage the shipped one inherits from, and where each toolchain comes in", () => {
            const texts = check(dockerBuild, { dockerfile: { inline: fixture("target-debug-last.Dockerfile") } }).map(m => m.text);
            assert.ok(texts.some(t => t.startsWith(
                'docker_build.Image web, dockerfile.inline line 9, stage "debug": the shipped stage takes nothing from a build stage (no COPY --from=<stage>) ' +
                    '(it starts FROM stage "build", so it ships all that stage holds); and the shipped stage is based on golang:1.22 (through stage "build", line 1), not a minimal image.\n',
            )));
            assert.ok(texts.some(t => t.includes('line 2, stage "build": apt-get installs the build toolchain gcc into the shipped image (the shipped stage "debug" starts FROM this stage)')));
            assert.ok(texts.some(t => t.includes('line 10, stage "debug": apt-get installs the build toolchain make')), "gdb is a debugger, make is a toolchain");
            assert.ok(texts.every(t => t.includes('new docker_build.Image("web", { ...args, target: "debug" })')));
        });

        it("name unnamed stages by index and suggest a runtime of the build's language and release", () => {
            const texts = check(remoteImage, { name: "shop/web", build: { context: fixtures, dockerfile: "single-stage-node.Dockerfile" } }).map(m => m.text);
            assert.ok(texts.every(t => t.includes("stage #0")));
            assert.ok(texts.every(t => t.includes("\n    FROM node:20 AS build\n") && t.includes("\n    FROM node:20-slim AS runtime\n")), "distroless publishes no Node.js 20 runtime");
            assert.ok(texts.every(t => t.includes('new docker.RemoteImage("web", { ...args, build: { ...args.build, target: "runtime" } })')));
        });

        it("give each Dockerfile line one finding: a single-stage FROM on a full base names both problems, with one fix", () => {
            const messages = check(dockerBuild, { dockerfile: { inline: fixture("single-stage-node.Dockerfile") } }).map(m => m.text);
            assert.strictEqual(messages.length, 2);
            assert.ok(messages[0].startsWith(
                "docker_build.Image web, dockerfile.inline line 1, stage #0: the build has a single stage, so the image ships everything its build needed; " +
                    "and the shipped stage is based on node:20, not a minimal image.\nWhy: without a separate build stage",
            ), messages[0]);
            assert.match(messages[0], /\. And a full distribution base ships a shell/);
            assert.strictEqual(messages[0].split("Fix:").length, 2, "one fix");
            assert.match(messages[1], /line 2, stage #0: apt-get installs the build toolchain build-essential, python3-dev/);
        });

        it("suggest the runtime of the build stage's release and a stage name the Dockerfile doesn't use", () => {
            const fixOf = (dockerfile: string) => check(dockerBuild, { dockerfile: { inline: dockerfile } }).map(m => m.text.slice(m.text.indexOf("\nFix: ")));
            // Node 17 (the app): distroless publishes no Node 17 runtime.
            const [node17] = fixOf('FROM node:17\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD ["node", "dist/server.js"]\n');
            assert.match(node17, /\n {4}FROM node:17 AS build\n {4}# \.\.\. build steps \.\.\.\n {4}FROM node:17-slim AS runtime\n {4}COPY --from=build \/out\/ \/app\/\n/);
            // A single stage already named "build": the new build stage takes another name.
            const [named] = fixOf("FROM node:22 AS build\nRUN npm ci && npm run build\n");
            assert.match(named, /\n {4}FROM node:22 AS build-2\n {4}# \.\.\. build steps \.\.\.\n {4}FROM gcr\.io\/distroless\/nodejs22-debian13 AS build\n {4}COPY --from=build-2 /);
            // An unnamed shipped stage, a build stage called "runtime": the shipped stage's new name is not "runtime".
            const [unnamed] = fixOf("FROM golang:1.22 AS runtime\nRUN go build -o /out/app .\nFROM ubuntu:24.04\nCOPY --from=runtime /out/app /app\n");
            assert.match(unnamed, /\n {4}FROM gcr\.io\/distroless\/static-debian13 AS runtime-2\n {4}COPY --from=runtime \/out\/ \/app\/\n {2}and ship that stage: new docker_build\.Image\("web", \{ \.\.\.args, target: "runtime-2" \}\)$/);
            // The shipped stage FROM a build stage: the fix copies from that stage, not from the earlier runtime stage.
            const debug = fixOf(fixture("target-debug-last.Dockerfile"));
            assert.ok(debug.every(fix => fix.includes("COPY --from=build /out/ /app/") && !fix.includes("--from=runtime")), debug.join("\n"));
        });

        it("pick runtime images distroless really publishes, else the -slim or -alpine variant of the same release", () => {
            const cases: Array<[string, string]> = [
                ["node:17", "node:17-slim"], ["node:20.11.1-bookworm", "node:20.11.1-slim"], ["node:22", "gcr.io/distroless/nodejs22-debian13"],
                ["node:24-bookworm", "gcr.io/distroless/nodejs24-debian13"], ["node:26", "gcr.io/distroless/nodejs26-debian13"], ["node:22-alpine3.20", "node:22-alpine"],
                ["node", "node:slim"], ["node:lts", "node:lts-slim"], ["mirror.gcr.io/library/node:18", "mirror.gcr.io/library/node:18-slim"],
                ["python:3.13", "gcr.io/distroless/python3-debian13"], ["python:3.13.1-bookworm", "gcr.io/distroless/python3-debian13"], ["python:3.12", "python:3.12-slim"],
                ["python:3.11-alpine", "python:3.11-alpine"], ["python:3.10", "python:3.10-slim"],
                ["eclipse-temurin:21-jdk", "gcr.io/distroless/java21-debian13"], ["maven:3.9.6-eclipse-temurin-17", "gcr.io/distroless/java17-debian13"],
                ["gradle:8.10-jdk25", "gcr.io/distroless/java25-debian13"], ["openjdk:11", "eclipse-temurin:11-jre-alpine"], ["amazoncorretto:8", "eclipse-temurin:8-jre-alpine"],
                ["maven:3-amazoncorretto-21-alpine", "eclipse-temurin:21-jre-alpine"], ["maven:latest", "eclipse-temurin:<the build's Java major version>-jre-alpine"],
                ["nginx:1.27", "nginx:1.27-alpine"], ["httpd", "httpd:alpine"], ["ruby:3.3", "ruby:3.3-slim"], ["golang:1.22", "gcr.io/distroless/static-debian13"], ["rust:1.80", "gcr.io/distroless/cc-debian13"], ["ubuntu:24.04", "gcr.io/distroless/static-debian13"],
            ];
            for (const [build, runtime] of cases) {
                assert.strictEqual(runtimeImageFor(build), runtime, build);
                assert.ok(runtime.includes("<") || isMinimalImage(runtime, []), `${runtime} counts as minimal`);
            }
        });
    });

    describe("the shipped stage", () => {
        it("is the target, not always the last stage, matched case-insensitively", () => {
            const props = (target?: string) => ({ dockerfile: { inline: fixture("target-debug-last.Dockerfile") }, target });
            assert.deepStrictEqual(check(dockerBuild, props("runtime")), []);
            assert.deepStrictEqual(check(dockerBuild, props("RUNTIME")), []);
            assert.deepStrictEqual(verdicts(check(dockerBuild, props("build"))), ["base", "noCopy", "toolchain"]);
            const image = check(dockerImage, { build: { dockerfile: path.join(fixtures, "target-debug-last.Dockerfile"), target: "runtime" } });
            assert.deepStrictEqual(image, []);
        });

        it("that no stage has gives an advisory could-not-check diagnostic", () => {
            const [message, ...rest] = check(dockerBuild, { dockerfile: { inline: fixture("go-distroless.Dockerfile") }, target: "prod" });
            assert.deepStrictEqual(rest, []);
            assert.ok(message.advisory);
            assert.match(message.text, /target is "prod", which names none of its stages \(build, runtime\)/);
        });

        it("takes build args over ARG defaults, for declared ARGs only", () => {
            const props = (buildArgs: object) => ({ dockerfile: { inline: fixture("arg-runtime-image.Dockerfile") }, buildArgs });
            assert.deepStrictEqual(verdicts(check(dockerBuild, props({ RUNTIME_IMAGE: "ubuntu:24.04" }))), ["base"]);
            assert.deepStrictEqual(check(dockerBuild, props({ UNDECLARED: "ubuntu:24.04" })), []);
            const image = check(dockerImage, { build: { dockerfile: path.join(fixtures, "arg-default-full-base.Dockerfile"), args: { RUNTIME: "python:3.12-slim" } } });
            assert.deepStrictEqual(image, []);
            const remote = check(remoteImage, { name: "x", build: { context: fixtures, dockerfile: "arg-runtime-image.Dockerfile", buildArgs: { RUNTIME_IMAGE: "debian:12" } } });
            assert.deepStrictEqual(verdicts(remote), ["base"]);
        });

        it("follows docker-build named contexts given as docker-image://", () => {
            const props = (location: string) => ({
                dockerfile: { inline: fixture("named-context-base.Dockerfile") },
                context: { location: ".", named: { base: { location } } },
            });
            assert.deepStrictEqual(check(dockerBuild, props("docker-image://gcr.io/distroless/static-debian12")), []);
            assert.deepStrictEqual(verdicts(check(dockerBuild, props("docker-image://debian:12"))), ["base"]);
            assert.deepStrictEqual(verdicts(check(dockerBuild, props("./base-rootfs"))), ["couldNotCheck"]);
        });

        it("accepts bases allowed by allowedFinalBaseImages globs", () => {
            const props = { dockerfile: { inline: fixture("full-base.Dockerfile") } };
            assert.deepStrictEqual(check(dockerBuild, props, { config: { allowedFinalBaseImages: ["ubuntu:2?.04"] } }), []);
            assert.deepStrictEqual(verdicts(check(dockerBuild, props, { config: { allowedFinalBaseImages: ["registry.example.com/**"] } })), ["base"]);
            assert.throws(() => check(dockerBuild, props, { config: { allowedFinalBaseImages: ["[z-a]"] } }), /"allowedFinalBaseImages\[0\]": bad glob/);
        });
    });

    describe("finding the Dockerfile", () => {
        let program: string;
        before(() => {
            // The program directory is not the pack directory (this repository) nor the test's cwd.
            program = tempProgram({
                "Pulumi.yaml": "name: shop\nruntime: nodejs\n",
                "app/Dockerfile": fixture("full-base.Dockerfile"),
                "Dockerfile": fixture("go-distroless.Dockerfile"),
                "docker/web.Dockerfile": fixture("single-stage-alpine.Dockerfile"),
            });
        });
        const inProgram = () => ({ config: { programDirectory: program } });

        it("resolves relative paths from the program directory, as each provider does", () => {
            // docker.Image: build.dockerfile is relative to the program, defaulting to <context>/Dockerfile.
            assert.deepStrictEqual(verdicts(check(dockerImage, { build: { context: "app" } }, inProgram())), ["base"]);
            assert.deepStrictEqual(check(dockerImage, { build: { context: "app", dockerfile: "Dockerfile" } }, inProgram()), []);
            assert.deepStrictEqual(verdicts(check(dockerImage, {}, inProgram())), [], "no build: ./Dockerfile of the program");
            // docker.RemoteImage: build.dockerfile is relative to build.context.
            assert.deepStrictEqual(verdicts(check(remoteImage, { name: "x", build: { context: "app" } }, inProgram())), ["base"]);
            assert.deepStrictEqual(verdicts(check(remoteImage, { name: "x", build: { context: "app", dockerfile: "Dockerfile" } }, inProgram())), ["base"]);
            // docker-build: dockerfile.location is relative to the program, defaulting to <context.location>/Dockerfile.
            assert.deepStrictEqual(verdicts(check(dockerBuild, { context: { location: "app" } }, inProgram())), ["base"]);
            assert.deepStrictEqual(verdicts(check(dockerBuild, { context: { location: "app" }, dockerfile: { location: "docker/web.Dockerfile" } }, inProgram())), ["single", "toolchain"]);
            assert.deepStrictEqual(verdicts(check(dockerBuild, {}, inProgram())), []);
        });

        it("expands ${VAR} in programDirectory", () => {
            process.env.CG_TEST_PROGRAM = program;
            try {
                assert.deepStrictEqual(verdicts(check(dockerImage, { build: { context: "app" } }, { config: { programDirectory: "${CG_TEST_PROGRAM}" } })), ["base"]);
            } finally {
                delete process.env.CG_TEST_PROGRAM;
            }
        });

        it("says a missing file could not be checked, and where it looked", () => {
            for (const [type, props] of [
                [dockerImage, { build: { context: "nowhere" } }],
                [remoteImage, { name: "x", build: { context: "app", dockerfile: "Missing.Dockerfile" } }],
                [dockerBuild, { dockerfile: { location: "missing/Dockerfile" } }],
            ] as const) {
                const messages = check(type, props, inProgram());
                assert.strictEqual(messages.length, 1, type);
                assert.ok(messages[0].advisory);
                assert.match(messages[0].text, /could not be checked for a multi-stage build: there is no file at \S+ \(relative paths start at \S+, the policy's programDirectory config\)\.\nFix: /);
            }
        });

        it("says a relative path can't be resolved when the program directory is unknown", () => {
            const [message] = check(dockerImage, { build: { context: "app" } }, { config: { programDirectory: path.join(program, "no-such-dir") } });
            assert.ok(message.advisory);
            assert.match(message.text, /the path is relative to the Pulumi program's directory, which the engine doesn't tell policies .*no-such-dir.* is not a directory\.\nFix: set the policy's programDirectory config/s);
        });

        it("reads absolute paths as they are, whatever the program directory", () => {
            const messages = check(dockerImage, { build: { dockerfile: path.join(program, "app", "Dockerfile") } }, { config: { programDirectory: "/nonexistent" } });
            assert.deepStrictEqual(verdicts(messages), ["base"]);
        });

        it("caps what it reads, and says so", () => {
            const big = path.join(program, "big.Dockerfile");
            fs.writeFileSync(big, "FROM alpine\n" + "# padding\n".repeat(dockerfileCap / 10 + 1));
            const [onDisk] = check(dockerBuild, { dockerfile: { location: big } });
            assert.ok(onDisk.advisory);
            assert.match(onDisk.text, /bytes, more than the 256 KiB the policy reads/);
            const [inline] = check(dockerBuild, { dockerfile: { inline: "FROM alpine\n" + " ".repeat(dockerfileCap) } });
            assert.match(inline.text, /characters long, more than the 256 KiB the policy reads/);
        });

        it("says a directory, a remote Dockerfile or a remote context can't be checked", () => {
            const cases: Array<[string, object, RegExp]> = [
                [dockerImage, { build: { dockerfile: program } }, /is not a regular file/],
                [dockerBuild, { dockerfile: { location: "https://example.com/Dockerfile" } }, /it is remote, so the policy can't read it/],
                [dockerBuild, { context: { location: "https://github.com/shop/web.git" } }, /it comes from the remote context/],
                [remoteImage, { name: "x", build: { context: ".", remoteContext: "https://example.com/ctx.tar.gz" } }, /build\.remoteContext is "https:\/\/example\.com\/ctx\.tar\.gz"/],
                [dockerImage, { build: { dockerfile: 42 } }, /build\.dockerfile can't be read \(expected a string, found a number\)/],
                [dockerImage, { build: "app" }, /build can't be read \(expected an object, found a string\)/],
                [dockerBuild, { target: 7, dockerfile: { inline: "FROM alpine" } }, /target can't be read/],
            ];
            for (const [type, props, pattern] of cases) {
                const messages = check(type, props, inProgram());
                assert.strictEqual(messages.length, 1, JSON.stringify(props));
                assert.ok(messages[0].advisory);
                assert.match(messages[0].text, pattern);
            }
        });

        it("gives a FROM that names no image one could-not-check diagnostic, and no finding", () => {
            for (const dockerfile of ["FROM\nRUN make\n", "FROM --platform=linux/amd64\nRUN make\n", "FROM golang:1.22 AS build\nRUN make\nFROM\nCOPY --from=build /out /app\n"]) {
                const messages = check(dockerBuild, { dockerfile: { inline: dockerfile } });
                assert.strictEqual(messages.length, 1, `${JSON.stringify(dockerfile)}: ${messages.map(m => m.text).join("\n")}`);
                assert.ok(messages[0].advisory);
                assert.match(messages[0].text, /dockerfile\.inline could not be checked for a multi-stage build: its FROM instruction on line \d names no image, so BuildKit rejects the Dockerfile\.\nFix: name the base image/);
            }
        });

        it("doesn't call a single stage that runs nothing single-stage, and still judges its base", () => {
            const [base, ...rest] = check(dockerBuild, { dockerfile: { inline: fixture("nginx-config.Dockerfile") } });
            assert.deepStrictEqual(rest, []);
            assert.match(base.text, /^docker_build\.Image web, dockerfile\.inline line 2, stage #0: the shipped stage is based on nginx:1\.27, not a minimal image\.\n/);
            assert.match(base.text, /\nFix: base the shipped stage on a minimal image \([^)]*\):\n {4}FROM nginx:1\.27-alpine AS runtime\n {2}and ship that stage: /, "no build stage to copy from");
            assert.deepStrictEqual(check(dockerBuild, { dockerfile: { inline: fixture("static-site-alpine.Dockerfile") } }), []);
            // One RUN is enough to build something: then the single stage counts.
            assert.deepStrictEqual(verdicts(check(dockerBuild, { dockerfile: { inline: "FROM nginx:1.27-alpine\nRUN apk add --no-cache curl\nCOPY site/ /usr/share/nginx/html/\n" } })), ["single"]);
        });

        it("says a FIFO at the Dockerfile's path can't be checked, without waiting for a writer", function () {
            if (process.platform === "win32") {
                this.skip(); // no mkfifo
            }
            const fifo = path.join(tempProgram({}), "Dockerfile");
            execFileSync("mkfifo", [fifo]);
            // A blocking open can't be timed out in-process: should the policy ever wait for a writer,
            // this writer comes after 3 s and lets it go, so that the test fails instead of hanging.
            const writer = spawn("sh", ["-c", 'sleep 3; exec 3>"$0"', fifo], { stdio: "ignore" });
            try {
                const start = Date.now();
                const [message] = check(dockerBuild, { dockerfile: { location: fifo } });
                assert.ok(Date.now() - start < 2000, "the policy waited for a writer to open the FIFO");
                assert.ok(message.advisory);
                assert.match(message.text, /is not a regular file/);
            } finally {
                writer.kill("SIGKILL");
            }
        });

        it("ignores a RemoteImage that pulls or a RegistryImage that pushes rather than builds, and other resource types", () => {
            assert.deepStrictEqual(check(remoteImage, { name: "nginx:1.27" }), []);
            assert.deepStrictEqual(check(registryImage, { name: "registry.example.com/shop/web:1" }), []);
            assert.deepStrictEqual(check("docker:index/container:Container", { image: "nginx" }), []);
        });
    });

    describe("the program directory from the environment", () => {
        it("finds the running project's Pulumi.yaml from $PWD, walking up as the CLI does, and honours main", () => {
            const dir = tempProgram({ "Pulumi.yaml": "name: 'shop'  # the project\nmain: src/\nruntime: nodejs\n", "src/index.ts": "", "src/deep/x": "" });
            const found = programDirectory(undefined, { PWD: path.join(dir, "src", "deep"), PULUMI_PROJECT: "shop" }, repoRoot);
            assert.deepStrictEqual(found, { found: true, dir: path.join(dir, "src"), how: 'the Pulumi.yaml of project "shop" found from $PWD' });
            const nodejsHost = programDirectory(undefined, { PWD: dir, PULUMI_NODEJS_PROJECT: "shop" }, repoRoot);
            assert.ok(nodejsHost.found && nodejsHost.dir === path.join(dir, "src"));
        });

        it("finds the project a few levels under a CI workspace when $PWD is elsewhere", () => {
            const dir = tempProgram({ "infra/web/Pulumi.yaml": 'name: "shop"\n', "other/Pulumi.yaml": "name: billing\n" });
            const found = programDirectory(undefined, { PWD: os.tmpdir(), GITHUB_WORKSPACE: dir, PULUMI_PROJECT: "shop" }, repoRoot);
            assert.deepStrictEqual(found, { found: true, dir: path.join(dir, "infra", "web"), how: 'the Pulumi.yaml of project "shop" found under $GITHUB_WORKSPACE' });
        });

        it("doesn't take another project's directory, nor guess between several", () => {
            const other = tempProgram({ "Pulumi.yaml": "name: billing\n" });
            const wrong = programDirectory(undefined, { PWD: other, PULUMI_PROJECT: "shop" }, repoRoot);
            assert.strictEqual(wrong.found, false);
            const twice = tempProgram({ "a/Pulumi.yaml": "name: shop\n", "b/Pulumi.yaml": "name: shop\n" });
            const ambiguous = programDirectory(undefined, { CI_PROJECT_DIR: twice, PULUMI_PROJECT: "shop" }, repoRoot);
            assert.ok(!ambiguous.found && ambiguous.tried.some(t => t.includes("has 2 copies of the Pulumi.yaml of project \"shop\"")), JSON.stringify(ambiguous));
            assert.deepStrictEqual(programDirectory(undefined, {}, repoRoot), { found: false, tried: ["neither $PWD nor a CI workspace variable is set"] });
        });

        it("prefers the programDirectory config, relative to the pack directory", () => {
            const found = programDirectory("test/fixtures", { PWD: "/" }, repoRoot);
            assert.deepStrictEqual(found, { found: true, dir: path.join(repoRoot, "test", "fixtures"), how: "the policy's programDirectory config" });
            assert.strictEqual(expandEnv("${A}/x/${B}${", { A: "/a" }), "/a/x/${");
        });
    });

    describe("preview values and scope", () => {
        it("gives no false violation for unknown values it needs", () => {
            assert.deepStrictEqual(check(dockerBuild, { dockerfile: { inline: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(check(dockerBuild, { dockerfile: UNKNOWN_OBJECT }), []);
            assert.deepStrictEqual(check(dockerBuild, { context: { location: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(check(dockerImage, { build: { context: ".", dockerfile: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(check(dockerImage, { build: UNKNOWN_OBJECT }), []);
            assert.deepStrictEqual(check(remoteImage, { name: "x", build: { context: UNKNOWN_STRING } }), []);
            // An unknown target: the shipped stage is known at `pulumi up` (unless there is only one).
            assert.deepStrictEqual(check(dockerBuild, { dockerfile: { inline: fixture("target-debug-last.Dockerfile") }, target: UNKNOWN_STRING }), []);
            assert.deepStrictEqual(verdicts(check(dockerBuild, { dockerfile: { inline: fixture("single-stage-alpine.Dockerfile") }, target: UNKNOWN_STRING })), ["single", "toolchain"]);
            // Unknown build args leave the base unjudged but not the rest.
            const args = { dockerfile: { inline: fixture("arg-default-full-base.Dockerfile") } };
            assert.deepStrictEqual(check(dockerBuild, { ...args, buildArgs: UNKNOWN_OBJECT }), []);
            assert.deepStrictEqual(check(dockerBuild, { ...args, buildArgs: { RUNTIME: UNKNOWN_STRING } }), []);
            assert.deepStrictEqual(check(dockerBuild, { dockerfile: { inline: "FROM golang AS b\nFROM alpine-${TARGETARCH}\nCOPY --from=b / /" } }), []);
            const [empty] = check(dockerBuild, { dockerfile: { inline: "FROM golang AS b\nFROM ${UNDECLARED}\nCOPY --from=b / /" } });
            assert.ok(empty.advisory && empty.text.includes("FROM ${UNDECLARED}, line 2) can't be resolved"), empty.text);
            // Fields it doesn't need may be unknown.
            assert.deepStrictEqual(verdicts(check(dockerBuild, { tags: UNKNOWN_ARRAY, push: UNKNOWN_STRING, dockerfile: { inline: fixture("full-base.Dockerfile") } })), ["base"]);
        });

        it("skips excluded resources and exempt images", () => {
            const props = { imageName: "registry.example.com/shop/web:1", build: { dockerfile: path.join(fixtures, "full-base.Dockerfile") } };
            assert.deepStrictEqual(check(dockerImage, props, { config: { exclude: ["web"] } }), []);
            assert.deepStrictEqual(check(dockerImage, props, { config: { exclude: ["urn:pulumi:dev::shop::docker:index/image:Image::*"] } }), []);
            assert.deepStrictEqual(check(dockerImage, props, { config: { exemptImages: ["registry.example.com/shop/*"] } }), []);
            assert.deepStrictEqual(verdicts(check(dockerImage, props, { config: { exclude: ["api"], exemptImages: ["other/*"] } })), ["base"]);
            const tagged = { tags: ["registry.example.com/shop/web:1"], dockerfile: { inline: fixture("full-base.Dockerfile") } };
            assert.deepStrictEqual(check(dockerBuild, tagged, { config: { exemptImages: ["registry.example.com/shop/*"] } }), []);
            assert.deepStrictEqual(check(dockerBuild, { ...tagged, tags: UNKNOWN_ARRAY }, { config: { exemptImages: ["registry.example.com/shop/*"] } }), []);
            const remote = { name: "shop/web:1", build: { context: fixtures, dockerfile: "full-base.Dockerfile", tags: ["mirror.example.com/web:1"] } };
            assert.deepStrictEqual(check(remoteImage, remote, { config: { exemptImages: ["mirror.example.com/*"] } }), []);
        });
    });

    describe("Dockerfile semantics", () => {
        it("classifies minimal base images", () => {
            const minimal = [
                "scratch", "gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/java21-debian12@sha256:abc", "alpine", "alpine:3.20",
                "node:20-alpine3.19", "python:3.12-slim", "debian:bookworm-slim", "cgr.dev/chainguard/static:latest", "chainguard/wolfi-base",
                "cgr.dev/chainguard/wolfi-base", "registry.access.redhat.com/ubi9/ubi-micro:9.4", "registry.access.redhat.com/ubi8/ubi-minimal",
                "busybox:1.36-musl", "docker.io/library/busybox", "mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled",
                "mcr.microsoft.com/dotnet/runtime:8.0-azurelinux3.0-distroless",
            ];
            const full = ["ubuntu:22.04", "node:20", "python:3.12", "golang:1.22", "registry.access.redhat.com/ubi9/ubi", "debian:12", "localhost:5000/app", "rockylinux:9"];
            for (const ref of minimal) {
                assert.ok(isMinimalImage(ref, []), ref);
            }
            for (const ref of full) {
                assert.ok(!isMinimalImage(ref, []), ref);
            }
            assert.ok(isMinimalImage("localhost:5000/app", [compileGlob("localhost:5000/*")]));
        });

        it("recognises build toolchain packages, with versions, architectures and pins", () => {
            const toolchain = ["gcc", "g++-12", "gcc-c++", "gcc-11.3.1-4.el9", "clang-16", "llvm15", "make", "cmake", "build-essential", "build-base", "libssl-dev", "python3-devel", "openjdk-17-jdk", "openjdk-17-jdk-headless", "dotnet-sdk-8.0", "golang-1.22-go", "development-tools", "linux-headers"];
            const runtime = ["libpq5", "ca-certificates", "curl", "tzdata", "openjdk-17-jre-headless", "gcc-12-base", "libgcc-s1", "udev", "python3", "makedepend-not"];
            for (const name of toolchain) {
                assert.ok(isToolchainPackage(name), name);
            }
            for (const name of runtime) {
                assert.ok(!isToolchainPackage(name), name);
            }
        });

        it("expands ARG references in FROM as BuildKit does", () => {
            const scope = new Map<string, string | typeof UNKNOWN>([["A", "alpine"], ["EMPTY", ""], ["U", UNKNOWN]]);
            const cases: Array<[string, unknown]> = [
                ["$A:3", "alpine:3"], ["${A}:3", "alpine:3"], ["${MISSING}x", "x"], ["${MISSING:-debian}", "debian"], ["${EMPTY:-debian}", "debian"],
                ["${EMPTY-debian}", ""], ["${A:+set}", "set"], ["${MISSING+set}", ""], ["${MISSING:-${A}}", "alpine"], ["\\$A", "$A"],
                ["${U}", UNKNOWN], ["${U:-x}", UNKNOWN], ["${A%:*}", undefined], ["${A", undefined], ["$", "$"],
            ];
            for (const [text, want] of cases) {
                assert.strictEqual(expandVariables(text, scope), want, text);
            }
        });

        it("splits shell scripts into commands: quotes, continuations, comments, redirections, heredocs", () => {
            const script = "set -eux; DEBIAN_FRONTEND=noninteractive apt-get install -y 'gcc' \"make\" 2>&1 >/dev/null # comment gcc\n" + "echo \"a; b\" | tee x && (cd /src && make) \\\n  || true\n<<EOT bash\nEOT";
            assert.deepStrictEqual(splitShellCommands(script), [
                ["set", "-eux"],
                ["DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "gcc", "make"],
                ["echo", "a; b"],
                ["tee", "x"],
                ["cd", "/src"],
                ["make"],
                ["true"],
                ["bash"],
                ["EOT"],
            ]);
        });

        it("stays linear on adversarial 100 KB lines", function () {
            this.timeout(120_000);
            const n = 100 * 1024;
            const lines = [
                "${".repeat(n / 2), "$".repeat(n), "${A:-".repeat(n / 5), "\\".repeat(n), "\"'".repeat(n / 2), "<".repeat(n), "#".repeat(n),
                "a ".repeat(n / 2), "apt-get install " + "x-dev ".repeat(n / 6), "sh -c ".repeat(n / 6), "{".repeat(n / 2) + "}".repeat(n / 2),
                "--a=".repeat(n / 4), "<<A ".repeat(n / 4), "[" + '"a",'.repeat(n / 4),
            ];
            const timed = (what: string, limitMs: number, run: () => void) => {
                const ms = cpuMs(run);
                assert.ok(ms < limitMs, `${what}: ${ms} ms`);
            };
            const placements = [
                (line: string) => `ARG A=${line}\nFROM golang AS build\nFROM alpine\nCOPY --from=build / /\n`,
                (line: string) => `FROM ${line} AS build\nFROM alpine\nCOPY --from=build / /\n`,
                (line: string) => `FROM golang AS build\nFROM alpine\nCOPY --from=build / /\nRUN ${line}\n`,
                (line: string) => `FROM golang AS build\nFROM alpine\nCOPY --from=${line} / /\n`,
            ];
            for (const line of lines) {
                timed(`${line.slice(0, 12)}... in the scanners`, 500, () => {
                    expandVariables(line, new Map([["A", "a"]]));
                    splitShellCommands(line);
                });
                placements.forEach((place, i) => timed(`${line.slice(0, 12)}... in placement ${i}`, 8_000, () => check(dockerBuild, { dockerfile: { inline: place(line) } })));
            }
        });
    });

    it("never loads dockerfile-ast, not even to judge an image build: the pack reads Dockerfiles itself", () => {
        const dockerfile = JSON.stringify("FROM golang AS build\nRUN <<EOF\ngo build\nEOF\nFROM alpine\nCOPY --from=build /out /app\n");
        const probe =
            "require('./bin/policies/index.js');" +
            "const { multiStageBuild } = require('./bin/policies/image-multi-stage-build');" +
            `multiStageBuild.validateResource({ type: 'docker-build:index:Image', name: 'w', urn: 'u', props: { dockerfile: { inline: ${dockerfile} } }, getConfig: () => ({}) }, () => {});` +
            "process.stdout.write(JSON.stringify(Object.keys(require.cache).filter(k => k.includes('dockerfile-ast'))));";
        const output = execFileSync(process.execPath, ["-e", probe], { cwd: repoRoot }).toString();
        assert.deepStrictEqual(JSON.parse(output), []);
    });
});
