// lib/image-builds.ts: image builds read in one place for every policy, and the reader of the user
// an image build's shipped stage runs as (for container-run-as-non-root, issue 16).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { noPlaintextSecrets } from "../policies/container-no-plaintext-secrets";
import { multiStageBuild } from "../policies/image-multi-stage-build";
import { BuildResource, effectiveUser, EffectiveUser } from "../policies/lib/image-builds";
import { JsonObject } from "../policies/lib/values";
import { UNKNOWN_OBJECT, UNKNOWN_STRING, unknownCheckingProxy, validationArgs } from "./helpers";

const dockerBuild = "docker-build:index:Image";
const dockerImage = "docker:index/image:Image";
const remoteImage = "docker:index/remoteImage:RemoteImage";
const asker = "container-run-as-non-root";

/** The user of an inline Dockerfile's build, as docker_build.Image `web` builds it. */
function userOf(dockerfile: string, props: JsonObject = {}): EffectiveUser | undefined {
    const resource: BuildResource = { type: dockerBuild, name: "web", props: { dockerfile: { inline: dockerfile }, ...props } };
    return effectiveUser(resource, asker);
}

describe("image builds", () => {
    let program: string;
    before(() => {
        program = fs.mkdtempSync(path.join(os.tmpdir(), "cg-image-builds-"));
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
        fs.mkdirSync(path.join(program, "app"));
        fs.writeFileSync(path.join(program, "app", "Dockerfile"), 'FROM ubuntu:24.04\nENV API_TOKEN="Zx2Vb7QmR4"\nRUN apt-get update\nUSER 10001\n');
    });
    after(() => fs.rmSync(program, { recursive: true, force: true }));

    describe("one reading for every policy", () => {
        it("reads a build's Dockerfile once for rule 2 and the secrets rule, from the same program directory", () => {
            const config = { programDirectory: program };
            const props = unknownCheckingProxy({ imageName: "shop/web", build: { context: "app" } });
            const opened: string[] = [];
            // The fs module itself (the policies' namespace import reads through to it), to count what they open.
            const nodeFs: typeof fs = require("fs");
            const openSync = nodeFs.openSync;
            nodeFs.openSync = ((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
                opened.push(String(file));
                return openSync(file, flags, mode);
            }) as typeof fs.openSync;
            const messages: string[] = [];
            try {
                // As the SDK runs a pack: the same props object for every policy of one resource.
                for (const policy of [multiStageBuild, noPlaintextSecrets]) {
                    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
                    for (const validation of validations) {
                        validation(validationArgs(dockerImage, { config }, props), (m: unknown) => messages.push(String(m)));
                    }
                }
            } finally {
                nodeFs.openSync = openSync;
            }
            assert.deepStrictEqual(opened, [path.join(program, "app", "Dockerfile")]);
            const dockerfile = `Dockerfile app/Dockerfile (the default of build.dockerfile)`;
            assert.ok(messages.some(m => m.startsWith(`docker.Image web, ${dockerfile} line 1, stage #0: the build has a single stage`)), messages.join("\n"));
            assert.ok(messages.some(m => m.startsWith(`docker.Image web, ${dockerfile} line 2: ENV API_TOKEN puts a secret into the image`)), messages.join("\n"));
        });
    });

    describe("the user the shipped stage runs as", () => {
        it("is the last USER of the shipped stage, with its line and stage", () => {
            assert.deepStrictEqual(userOf("FROM golang:1.22 AS build\nUSER root\nRUN go build\nFROM gcr.io/distroless/static-debian13 AS runtime\nUSER nonroot\nCOPY --from=build /out /app\nUSER 65532:65532\n"), {
                state: "set", user: "65532:65532", line: 7, stage: 'stage "runtime"', shown: "dockerfile.inline",
            });
        });

        it("follows FROM <stage> up the lineage, and the target", () => {
            const dockerfile = "FROM node:22 AS base\nUSER node\nFROM base AS app\nCOPY . /app\nFROM base AS debug\nUSER root\n";
            assert.deepStrictEqual(userOf(dockerfile, { target: "app" }), { state: "set", user: "node", line: 2, stage: 'stage "base"', shown: "dockerfile.inline" });
            assert.deepStrictEqual(userOf(dockerfile), { state: "set", user: "root", line: 6, stage: 'stage "debug"', shown: "dockerfile.inline" });
            assert.deepStrictEqual(userOf(dockerfile, { target: "DEBUG" }), userOf(dockerfile));
        });

        it("says there is none, with the base image whose user then runs", () => {
            assert.deepStrictEqual(userOf("FROM golang:1.22 AS build\nUSER builder\nFROM alpine:3.20\nCOPY --from=build /out /app\n"), { state: "none", base: { state: "image", ref: "alpine:3.20" }, shown: "dockerfile.inline", line: 3, stage: "stage #1" });
            assert.deepStrictEqual(userOf("ARG BASE=gcr.io/distroless/static-debian13:nonroot\nFROM ${BASE}\n"), { state: "none", base: { state: "image", ref: "gcr.io/distroless/static-debian13:nonroot" }, shown: "dockerfile.inline", line: 2, stage: "stage #0" });
        });

        it("expands ARG and ENV as BuildKit does: build args over defaults, a global ARG redeclared, ENV over ARG, ENV inherited, quotes", () => {
            const user = (dockerfile: string, props?: JsonObject) => {
                const found = userOf(dockerfile, props);
                return found?.state === "set" ? found.user : found?.state;
            };
            assert.strictEqual(user("ARG UID=10001\nFROM alpine\nARG UID\nUSER ${UID}:${UID}\n"), "10001:10001");
            assert.strictEqual(user("ARG UID=10001\nFROM alpine\nARG UID\nUSER ${UID}:${UID}\n", { buildArgs: { UID: "2000" } }), "2000:2000");
            assert.strictEqual(user("FROM alpine\nARG APP_USER=app\nUSER $APP_USER\n"), "app");
            assert.strictEqual(user("FROM alpine\nARG U=from-arg\nENV U=from-env\nARG U=again\nUSER $U\n"), "from-env");
            assert.strictEqual(user('FROM alpine AS base\nENV APP_HOME=/srv APP_USER="app user"\nFROM base\nUSER "$APP_USER"\n'), "app user");
            assert.strictEqual(user("FROM alpine\nENV UID=1000 GID=${UID}\nUSER ${UID}:${GID:-0}\n"), "1000:1000");
            assert.strictEqual(user("FROM alpine\nUSER '$NOT_EXPANDED'\n"), "$NOT_EXPANDED");
            assert.strictEqual(user("FROM scratch AS base\nARG U=app\nFROM base\nUSER ${U:-nobody}\n"), "nobody", "ARGs don't carry over into a child stage");
            assert.strictEqual(user("# escape=`\nFROM scratch\nENV U=app\nUSER `$U-${U}\n"), "$U-app");
        });

        it("is unknown where the Dockerfile doesn't decide it: the base image's ENV, a build arg not known yet, a form not evaluated, the target", () => {
            assert.deepStrictEqual(userOf("FROM node:22\nUSER $APP_UID\n"), {
                state: "unknown",
                reason: "USER $APP_UID (line 2, stage #0) depends on a value not known here: a build argument not known yet, a platform ARG or the base image's ENV",
                line: 2,
            });
            assert.strictEqual(userOf("FROM alpine AS base\nARG U=app\nFROM base\nUSER $U\n")?.state, "unknown", "alpine's own ENV may set U");
            assert.strictEqual(userOf("FROM scratch\nARG UID=1\nUSER $UID\n", { buildArgs: UNKNOWN_OBJECT })?.state, "unknown");
            assert.strictEqual(userOf("FROM scratch\nARG UID=1\nUSER $UID\n", { buildArgs: { UID: UNKNOWN_STRING } })?.state, "unknown");
            assert.strictEqual(userOf("FROM scratch\nARG TARGETARCH\nUSER app-$TARGETARCH\n")?.state, "unknown");
            assert.strictEqual(userOf("FROM scratch\nENV U=app:app\nUSER ${U%%:*}\n")?.state, "unknown");
            assert.deepStrictEqual(userOf("FROM a AS one\nUSER x\nFROM b AS two\n", { target: UNKNOWN_STRING }), { state: "unknown", reason: "target is not known yet (preview), so neither is the stage that ships" });
            assert.deepStrictEqual(effectiveUser({ type: dockerBuild, name: "web", props: { dockerfile: { inline: UNKNOWN_STRING } } }, asker), { state: "unknown", reason: "the Dockerfile is not known yet (preview)" });
        });

        it("says when the Dockerfile can't be read, and why", () => {
            const missing = effectiveUser({ type: dockerImage, name: "web", props: { build: { dockerfile: path.join(program, "Missing.Dockerfile") } } }, asker);
            assert.deepStrictEqual(missing, {
                state: "unreadable",
                shown: `Dockerfile ${path.join(program, "Missing.Dockerfile")} (build.dockerfile)`,
                reason: `there is no file at ${path.join(program, "Missing.Dockerfile")}`,
                fix: "point the resource at the Dockerfile",
            });
            assert.deepStrictEqual(effectiveUser({ type: dockerImage, name: "web", props: { build: { context: "app" } } }, asker, program), {
                state: "set", user: "10001", line: 4, stage: "stage #0", shown: "Dockerfile app/Dockerfile (the default of build.dockerfile)",
            });
            assert.match((userOf("# syntax=example/frontend\nFROM a\nUSER x\n") as { reason: string }).reason, /selects another BuildKit frontend/);
            assert.match((userOf("FROM\nUSER x\n") as { reason: string }).reason, /names no image/);
            assert.match((userOf("FROM a AS one\n", { target: "two" }) as { reason: string }).reason, /target is "two", which names none of its stages \(one\)/);
            assert.strictEqual(userOf("FROM a\n" + "# padding\n".repeat(30_000))?.state, "unreadable");
        });

        it("is undefined for a resource that builds nothing", () => {
            assert.strictEqual(effectiveUser({ type: remoteImage, name: "nginx", props: { name: "nginx:1.27" } }, asker), undefined);
            assert.strictEqual(effectiveUser({ type: "docker:index/container:Container", name: "web", props: { image: "nginx" } }, asker), undefined);
        });
    });
});
