import * as assert from "assert";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { main } from "../cli/main";
import { restrictedVolumes as policy } from "../policies/container-restricted-volumes";
import { ConfigError } from "../policies/lib/config";
import { normaliseHostPath, runtimeSocket } from "../policies/lib/host-paths";
import { workloadOf } from "../policies/lib/workloads";
import {
    dockerContainer,
    dockerService,
    kubernetesResource,
    representativeKubernetesTypes,
    UNKNOWN_ARRAY,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    validate,
} from "./helpers";
import { ownedCheckDisagreements } from "./psa-fixtures";

const deployment = "kubernetes:apps/v1:Deployment";
const app = { name: "app", image: "shop/app:1" };
const pod = (volumes: unknown, extra: object = {}) => kubernetesResource(deployment, { containers: [app], volumes, ...extra });
const restricted = { config: { profile: "restricted" } };
const hostPath = (name: string, path: unknown) => ({ name, hostPath: { path } });

describe("container-restricted-volumes", () => {
    describe("host paths as the runtime resolves them", () => {
        it("normalises separators, . and .., per kind of path", () => {
            const cases: Array<[string, string]> = [
                ["//var/run/../run/docker.sock", "/var/run/docker.sock"],
                ["/var/log/../../etc", "/etc"],
                ["/var/log/", "/var/log"],
                ["/../..", "/"],
                ["/", "/"],
                ["./data/./x/..", "./data"],
                ["data", "./data"],
                ["./a/../../shared", "../shared"],
                [".", "."],
                ["~", "~"],
                ["~/src//app/", "~/src/app"],
                ["C:\\data\\..\\logs", "C:/logs"],
                ["\\\\server\\share\\dir", "//server/share/dir"],
                ["\\\\.\\pipe\\docker_engine", "//./pipe/docker_engine"],
                ["//./pipe/docker_engine", "//./pipe/docker_engine"],
                ["/srv/odd\\name", "/srv/odd\\name"], // a POSIX name may hold a backslash
            ];
            for (const [written, expected] of cases) {
                assert.strictEqual(normaliseHostPath(written).path, expected, written);
            }
            assert.deepStrictEqual(normaliseHostPath("~/../etc"), { path: "~/../etc", climbsAboveHome: true });
            assert.strictEqual(normaliseHostPath("../x").climbsAboveHome, false);
        });

        it("knows the runtimes' sockets, wherever they are, and the system directories that hold them", () => {
            const socket = (written: string) => runtimeSocket(normaliseHostPath(written));
            assert.deepStrictEqual(socket("/var/run/docker.sock"), { runtime: "Docker" });
            assert.deepStrictEqual(socket("/run/user/1000/docker.sock"), { runtime: "Docker" });
            assert.deepStrictEqual(socket("/run/containerd/containerd.sock"), { runtime: "containerd" });
            assert.deepStrictEqual(socket("/run/k3s/containerd/containerd.sock"), { runtime: "containerd" });
            assert.deepStrictEqual(socket("/run/containerd/containerd.sock.ttrpc"), { runtime: "containerd" });
            assert.deepStrictEqual(socket("/var/run/crio/crio.sock"), { runtime: "CRI-O" });
            assert.deepStrictEqual(socket("/run/user/1000/podman/podman.sock"), { runtime: "Podman" });
            assert.deepStrictEqual(socket("\\\\.\\pipe\\docker_engine"), { runtime: "Docker" });
            assert.deepStrictEqual(socket("//./PIPE/Docker_Engine"), { runtime: "Docker" });
            assert.deepStrictEqual(socket("\\\\.\\pipe\\containerd-containerd"), { runtime: "containerd" });
            assert.deepStrictEqual(socket("/"), { runtime: "Docker", within: "/run/docker.sock" });
            assert.deepStrictEqual(socket("/var"), { runtime: "Docker", within: "/var/run/docker.sock" });
            assert.deepStrictEqual(socket("/var/run/"), { runtime: "Docker", within: "/var/run/docker.sock" });
            assert.deepStrictEqual(socket("/run/containerd"), { runtime: "containerd", within: "/run/containerd/containerd.sock" });
            for (const fine of ["/var/log", "/run/user/1000", "/srv/docker", "/var/lib/docker.socket", "./data", "\\\\.\\pipe\\my-app", "C:/data"]) {
                assert.strictEqual(socket(fine), undefined, fine);
            }
        });
    });

    describe("Kubernetes", () => {
        for (const type of representativeKubernetesTypes) {
            describe(type, () => {
                const podPath = workloadOf(type, "web", kubernetesResource(type, {}))!.pods[0].path;

                it("flags each hostPath volume once per pod, however many containers mount it", () => {
                    const props = kubernetesResource(type, {
                        containers: [app, { name: "sidecar", image: "s" }],
                        initContainers: [{ name: "init", image: "i" }],
                        volumes: [hostPath("logs", "/var/log"), { name: "scratch", emptyDir: {} }, hostPath("data", "/srv/data")],
                    });
                    const messages = validate(policy, type, props);
                    assert.strictEqual(messages.length, 2, messages.join("\n"));
                    assert.ok(messages[0].includes(`: ${podPath}.volumes[0].hostPath.path (volume "logs") mounts the node's "/var/log".\n`), messages[0]);
                    assert.match(messages[0], /\nWhy: a path of the node mounted into the pod hands it the node's files/);
                    assert.ok(messages[0].includes(`\nFix: ${podPath}.volumes[0] = { name: "logs", persistentVolumeClaim: { claimName: "logs" } } // or emptyDir: {} for scratch space; or add the path to allowedHostPaths`), messages[0]);
                    assert.ok(messages[1].includes(`${podPath}.volumes[2].hostPath.path (volume "data") mounts the node's "/srv/data"`), messages[1]);
                });

                it("passes volumes of every other type at baseline, and only the admitted ones at restricted", () => {
                    const props = kubernetesResource(type, { containers: [app], volumes: [{ name: "scratch", emptyDir: {} }, { name: "share", nfs: { server: "nfs", path: "/" } }] });
                    assert.deepStrictEqual(validate(policy, type, props), []);
                    const [message, ...rest] = validate(policy, type, props, restricted);
                    assert.deepStrictEqual(rest, []);
                    assert.ok(message.includes(`: ${podPath}.volumes[1].nfs makes volume "share" of type nfs, which the restricted profile doesn't allow.\n`), message);
                    assert.ok(message.includes(`Fix: ${podPath}.volumes[1] = { name: "share", persistentVolumeClaim: { claimName: "share" } } // a PersistentVolume holds the nfs details`), message);
                });
            });
        }

        it("never allows a container runtime's socket, however it is written and whatever allowedHostPaths says", () => {
            const everything = { config: { allowedHostPaths: ["**", "/**", "/"] } };
            const cases: Array<[string, RegExp]> = [
                ["/var/run/docker.sock", /mounts the node's "\/var\/run\/docker\.sock", the Docker socket\./],
                ["//var/run/../run/docker.sock", /mounts the node's "\/\/var\/run\/\.\.\/run\/docker\.sock" \(that is \/var\/run\/docker\.sock\), the Docker socket\./],
                ["/run/containerd/containerd.sock", /the containerd socket/],
                ["/var/run/crio/crio.sock", /the CRI-O socket/],
                ["/run/podman/podman.sock", /the Podman socket/],
                ["/var/run", /mounts the node's "\/var\/run", which holds the Docker socket \/var\/run\/docker\.sock\./],
                ["/", /mounts the node's "\/", which holds the Docker socket \/run\/docker\.sock\./],
            ];
            for (const [socketPath, expected] of cases) {
                for (const options of [{}, everything, { config: { ...everything.config, profile: "restricted" } }]) {
                    const messages = validate(policy, deployment, pod([hostPath("sock", socketPath)]), options);
                    assert.strictEqual(messages.length, 1, `${socketPath} ${JSON.stringify(options)}`);
                    assert.match(messages[0], expected);
                    assert.match(messages[0], /\nWhy: whoever reaches a container runtime's API socket can start a privileged container .* allowedHostPaths can never allow it\./);
                    assert.match(messages[0], /\nFix: spec\.template\.spec\.volumes = volumes\.filter\(v => v\.name !== "sock"\) \/\/ and its volumeMounts: build with a daemonless builder/);
                }
            }
            assert.deepStrictEqual(validate(policy, deployment, pod([hostPath("logs", "/var/log")]), everything), []);
        });

        it("matches allowedHostPaths against the normalised path, * within a segment and ** across", () => {
            const allowed = (globs: string[], written: string) => validate(policy, deployment, pod([hostPath("v", written)]), { config: { allowedHostPaths: globs } }).length === 0;
            assert.ok(allowed(["/var/log/**"], "/var/log/pods"));
            assert.ok(allowed(["/var/log/**"], "/var/log/pods/x/y"));
            assert.ok(!allowed(["/var/log/**"], "/var/log"), "** under a directory isn't the directory");
            assert.ok(allowed(["/var/log", "/var/log/**"], "/var/log/"));
            assert.ok(allowed(["/var/log/*"], "/var/log/pods"));
            assert.ok(!allowed(["/var/log/*"], "/var/log/pods/x"));
            assert.ok(!allowed(["/var/log/**"], "/var/log/../../etc"), "a .. can't climb out of an allowance");
            assert.ok(allowed(["/etc/app"], "/var/log/../../etc/app"));
            assert.ok(allowed(["/data"], "//data/./"));
            const [message] = validate(policy, deployment, pod([hostPath("etc", "/var/log/../../etc")]), { config: { allowedHostPaths: ["/var/log/**"] } });
            assert.match(message, /volumes\[0\]\.hostPath\.path \(volume "etc"\) mounts the node's "\/var\/log\/\.\.\/\.\.\/etc" \(that is \/etc\), which no allowedHostPaths glob matches\./);
        });

        describe("profile: restricted, as PSA's check_restrictedVolumes.go", () => {
            const admitted = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
            const rejected = [
                "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder",
                "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
            ];

            it("admits a volume that sets any admitted type, and one that sets none (an emptyDir, once the API server defaults it)", () => {
                const volumes = [...admitted.map((type, i) => ({ name: `v${i}`, [type]: {} })), { name: "implicit" }];
                assert.deepStrictEqual(validate(policy, deployment, pod(volumes), restricted), []);
                // PSA restricted passes a volume that also sets a restricted type: the API server rejects it anyway.
                assert.deepStrictEqual(validate(policy, deployment, pod([{ name: "two", configMap: { name: "c" }, hostPath: { path: "/etc" } }]), restricted), []);
                assert.strictEqual(validate(policy, deployment, pod([{ name: "two", configMap: { name: "c" }, hostPath: { path: "/etc" } }])).length, 1, "baseline's hostPathVolumes flags it");
            });

            it("names the type of each rejected volume, as PSA does, and counts keys it doesn't know as \"unknown\"", () => {
                const volumes = rejected.map((type, i) => ({ name: `v${i}`, [type]: type === "hostPath" ? { path: "/srv" } : {} }));
                const messages = validate(policy, deployment, pod(volumes), restricted);
                assert.strictEqual(messages.length, rejected.length);
                rejected.forEach((type, i) => {
                    const expected = type === "hostPath" ? `volumes[${i}].hostPath.path (volume "v${i}") mounts the node's "/srv"` : `volumes[${i}].${type} makes volume "v${i}" of type ${type}, which the restricted profile doesn't allow`;
                    assert.ok(messages[i].includes(expected), messages[i]);
                });
                const [unknown] = validate(policy, deployment, pod([{ name: "future", fancyNewVolume: { size: 1 } }]), restricted);
                assert.match(unknown, /: spec\.template\.spec\.volumes\[0\] \(volume "future"\) sets fancyNewVolume, none of them a volume type the restricted profile allows, so Pod Security counts its type as "unknown"\./);
                assert.deepStrictEqual(validate(policy, deployment, pod([{ name: "future", fancyNewVolume: { size: 1 } }])), [], "baseline has no opinion on it");
            });

            it("lets allowedHostPaths allow a hostPath at restricted too", () => {
                const volumes = [hostPath("logs", "/var/log/pods")];
                assert.deepStrictEqual(validate(policy, deployment, pod(volumes), { config: { profile: "restricted", allowedHostPaths: ["/var/log/**"] } }), []);
                assert.match(validate(policy, deployment, pod(volumes), { config: { profile: "restricted", allowedHostPaths: ["/opt/**"] } })[0], /mounts the node's "\/var\/log\/pods", which no allowedHostPaths glob matches/);
            });
        });

        it("gives no false violation on values unknown during preview, and judges the rest", () => {
            const allowing = { config: { allowedHostPaths: ["/var/log/**"] } };
            for (const volumes of [UNKNOWN_ARRAY, [UNKNOWN_OBJECT], [hostPath("x", UNKNOWN_STRING)], [{ name: "x", hostPath: UNKNOWN_OBJECT }]]) {
                assert.deepStrictEqual(validate(policy, deployment, pod(volumes), allowing), [], JSON.stringify(volumes));
            }
            // Without allowances no path could pass: the volume is a hostPath one whatever it will be.
            const [unknownPath] = validate(policy, deployment, pod([hostPath("x", UNKNOWN_STRING)]));
            assert.match(unknownPath, /volumes\[0\]\.hostPath\.path \(volume "x"\) mounts a path of the node that is known only at `pulumi up`; with no allowedHostPaths, no node path is allowed\./);
            assert.strictEqual(validate(policy, deployment, pod([{ name: "x", hostPath: UNKNOWN_OBJECT }])).length, 1);
            // A type whose settings are unknown is still that type; an unknown volume is judged at `up`.
            assert.deepStrictEqual(validate(policy, deployment, pod([{ name: "c", configMap: UNKNOWN_OBJECT }, UNKNOWN_OBJECT]), restricted), []);
            assert.strictEqual(validate(policy, deployment, pod([{ name: "s", nfs: UNKNOWN_OBJECT }]), restricted).length, 1);
            // Unknown containers or image don't stop the pod's volumes from being judged.
            assert.strictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: UNKNOWN_ARRAY, volumes: [hostPath("logs", "/var/log")] })).length, 1);
            assert.strictEqual(validate(policy, deployment, kubernetesResource(deployment, { containers: [{ name: "a", image: UNKNOWN_STRING }], volumes: [hostPath("logs", "/var/log")] })).length, 1);
        });

        it("reports what can't be read, never passing it", () => {
            const cases: Array<[unknown, RegExp]> = [
                ["logs", /: spec\.template\.spec\.volumes can't be read \(expected a list, found a string\), so what it mounts could not be checked\./],
                [[7], /: spec\.template\.spec\.volumes\[0\] can't be read \(expected an object, found a number\)/],
                [[hostPath("logs", 5)], /volumes\[0\]\.hostPath\.path \(volume "logs"\) can't be read \(expected a path, found a number\), so it can't be matched against allowedHostPaths\./],
                [[{ name: "logs", hostPath: {} }], /volumes\[0\]\.hostPath\.path \(volume "logs"\) is not set, so the path of the node this mounts can't be matched against allowedHostPaths\./],
            ];
            for (const [volumes, expected] of cases) {
                const messages = validate(policy, deployment, pod(volumes), { config: { allowedHostPaths: ["/**"] } });
                assert.strictEqual(messages.length, 1, JSON.stringify(volumes));
                assert.match(messages[0], expected);
            }
        });

        it("judges a patch on the volumes it sets", () => {
            const patch = "kubernetes:apps/v1:DeploymentPatch";
            assert.match(validate(policy, patch, kubernetesResource(patch, { volumes: [hostPath("logs", "/var/log")] }))[0], /^DeploymentPatch shop\/web: spec\.template\.spec\.volumes\[0\]\.hostPath\.path/);
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [app] }), restricted), []);
        });

        it("honours exemption annotations, exemptImages and exclude", () => {
            const volumes = [hostPath("logs", "/var/log")];
            const annotated = (value: string) => kubernetesResource(deployment, { containers: [app], volumes }, { name: "web", namespace: "shop", annotations: { "container-guard/exempt": value } });
            assert.deepStrictEqual(validate(policy, deployment, annotated("container-restricted-volumes")), []);
            assert.deepStrictEqual(validate(policy, deployment, annotated("*")), []);
            assert.strictEqual(validate(policy, deployment, annotated("container-no-privileged")).length, 1);
            assert.deepStrictEqual(validate(policy, deployment, pod(volumes), { config: { exemptImages: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, deployment, pod(volumes), { config: { exclude: ["shop/web"] } }), []);
            assert.strictEqual(validate(policy, deployment, pod(volumes), { config: { exclude: ["other/*"] } }).length, 1);
        });
    });

    describe("docker.Container", () => {
        it("flags host paths in volumes and bind mounts, keeping the target in the fix", () => {
            const messages = validate(policy, dockerContainer, {
                image: "postgres:17",
                volumes: [{ hostPath: "/srv/pg", containerPath: "/var/lib/postgresql/data" }, { volumeName: "cache", containerPath: "/cache" }],
                mounts: [{ type: "bind", source: "/etc/app", target: "/config" }, { type: "volume", source: "data", target: "/data" }, { type: "tmpfs", target: "/tmp" }],
            });
            assert.strictEqual(messages.length, 2, messages.join("\n"));
            assert.match(messages[0], /^docker\.Container web: volumes\[0\]\.hostPath mounts the host's "\/srv\/pg"\.\nWhy: a path of the host mounted into the container hands it the host's files/);
            assert.ok(messages[0].endsWith(`Fix: new docker.Container("web", { ...args, volumes: [...otherVolumes, { volumeName: "web-data", containerPath: "/var/lib/postgresql/data" }] }) // a named volume instead of the host's "/srv/pg"`), messages[0]);
            assert.match(messages[1], /^docker\.Container web: mounts\[0\]\.source mounts the host's "\/etc\/app"\./);
            assert.ok(messages[1].endsWith(`Fix: new docker.Container("web", { ...args, mounts: [...otherMounts, { type: "volume", source: "web-config", target: "/config" }] }) // a named volume instead of the host's "/etc/app"`), messages[1]);
        });

        it("never allows the Docker socket, nor the Windows engine pipe", () => {
            const everything = { config: { allowedHostPaths: ["**"] } };
            const [socket] = validate(policy, dockerContainer, { image: "x", volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] }, everything);
            assert.match(socket, /^docker\.Container web: volumes\[0\]\.hostPath mounts the host's "\/var\/run\/docker\.sock", the Docker socket\./);
            assert.match(socket, /Fix: new docker\.Container\("web", \{ \.\.\.args, volumes: volumes\.filter\(m => m\.hostPath !== "\/var\/run\/docker\.sock"\) \}\) \/\/ build with a daemonless builder/);
            const [pipe] = validate(policy, dockerContainer, { image: "x", mounts: [{ type: "npipe", source: "\\\\.\\pipe\\docker_engine", target: "\\\\.\\pipe\\docker_engine" }] }, everything);
            assert.match(pipe, /mounts\[0\]\.source mounts the host's "\\\\\\\\\.\\\\pipe\\\\docker_engine" \(that is \/\/\.\/pipe\/docker_engine\), the Docker socket\./);
        });

        it("judges the same under both profiles: Docker has no volume types to restrict", () => {
            const props = { image: "x", volumes: [{ hostPath: "/srv", containerPath: "/srv" }, { volumeName: "v", containerPath: "/v" }], mounts: [{ type: "tmpfs", target: "/tmp" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, props, restricted), validate(policy, dockerContainer, props));
            assert.strictEqual(validate(policy, dockerContainer, props).length, 1);
        });

        it("allows what allowedHostPaths allows", () => {
            const props = { image: "x", volumes: [{ hostPath: "/var/log/app", containerPath: "/logs" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, props, { config: { allowedHostPaths: ["/var/log/**"] } }), []);
            assert.match(validate(policy, dockerContainer, props, { config: { allowedHostPaths: ["/srv/**"] } })[0], /, which no allowedHostPaths glob matches\./);
        });

        it("gives no false violation on unknown values and reports what can't be read", () => {
            for (const props of [{ volumes: UNKNOWN_ARRAY }, { volumes: [{ hostPath: UNKNOWN_STRING, containerPath: "/x" }] }, { mounts: [{ type: UNKNOWN_STRING, source: "/etc", target: "/x" }] }, { mounts: [UNKNOWN_OBJECT] }]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ...props }), [], JSON.stringify(props));
            }
            const broken = validate(policy, dockerContainer, { image: "x", volumes: [{ hostPath: 5, containerPath: "/x" }], mounts: "bind" });
            assert.strictEqual(broken.length, 2);
            assert.match(broken[0], /volumes\[0\]\.hostPath can't be read \(expected a path, found a number\), so what it mounts could not be checked\./);
            assert.match(broken[1], /mounts can't be read \(expected a list, found a string\)/);
        });

        it("honours the exemption label, exemptImages and exclude; it has no remediation", () => {
            const props = (labels: object[] = []) => ({ image: "shop/agent:1", volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }], labels });
            assert.deepStrictEqual(validate(policy, dockerContainer, props([{ label: "container-guard/exempt", value: "container-restricted-volumes" }])), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, props(), { config: { exemptImages: ["shop/*"] } }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, props(), { config: { exclude: ["web"] } }), []);
            assert.strictEqual(policy.remediateResource, undefined);
            assert.match(policy.remediationSteps!, /There is no automatic remediation: where the data should live instead, and how it gets there, is a decision the pack can't make\./);
        });
    });

    describe("docker.Service", () => {
        it("flags bind mounts of its tasks, with a fix for the service", () => {
            const props = { taskSpec: { containerSpec: { image: "x", mounts: [{ type: "bind", source: "/srv/www", target: "/www" }, { type: "volume", source: "www", target: "/w" }] } } };
            const [message, ...rest] = validate(policy, dockerService, props);
            assert.deepStrictEqual(rest, []);
            assert.match(message, /^docker\.Service web: taskSpec\.containerSpec\.mounts\[0\]\.source mounts the host's "\/srv\/www"\./);
            assert.ok(message.endsWith(`Fix: new docker.Service("web", { ...args, taskSpec: { containerSpec: { ...containerSpec, mounts: [...otherMounts, { type: "volume", source: "web-www", target: "/www" }] } } }) // a named volume instead of the host's "/srv/www"`), message);
        });
    });

    describe("Compose services", () => {
        const compose = (volumes: unknown[], config: Record<string, unknown> = {}) => validate(policy, "compose:service", { image: "x", volumes }, { config });

        it("flags host paths in the short and long syntax, saying a relative path is the Compose file's", () => {
            const messages = compose(["./data:/data", "db:/var/lib/db", "/cache", { type: "bind", source: "/etc/app", target: "/config" }, { type: "volume", source: "v", target: "/v" }]);
            assert.strictEqual(messages.length, 2, messages.join("\n"));
            assert.match(messages[0], /^Compose service web: volumes\[0\] mounts the host's "\.\/data" \(relative to the Compose file\)\./);
            assert.ok(messages[0].endsWith(`Fix: services.web.volumes[0]: "web-data:/data" # and web-data: {} under the top-level volumes, instead of the host's "./data"`), messages[0]);
            assert.match(messages[1], /^Compose service web: volumes\[3\]\.source mounts the host's "\/etc\/app"\./);
            const [socket] = compose(["/var/run/docker.sock:/var/run/docker.sock:ro"], { allowedHostPaths: ["**"] });
            assert.match(socket, /volumes\[0\] mounts the host's "\/var\/run\/docker\.sock", the Docker socket\./);
            assert.match(socket, /Fix: remove services\.web\.volumes\[0\] # build with a daemonless builder/);
        });

        it("matches relative paths as written: ./** inside the project, ../ only when a glob says it, never above ~", () => {
            assert.deepStrictEqual(compose(["./data:/data", { type: "bind", source: "data/x", target: "/x" }], { allowedHostPaths: ["./data", "./data/**"] }), []);
            assert.strictEqual(compose(["./data/../../shared:/shared"], { allowedHostPaths: ["./**"] }).length, 1);
            assert.match(compose(["./data/../../shared:/shared"], { allowedHostPaths: ["./**"] })[0], /mounts the host's "\.\/data\/\.\.\/\.\.\/shared" \(that is \.\.\/shared\), which no allowedHostPaths glob matches/);
            assert.deepStrictEqual(compose(["../shared:/shared"], { allowedHostPaths: ["../shared"] }), []);
            assert.deepStrictEqual(compose(["~/src:/src"], { allowedHostPaths: ["~/src"] }), []);
            assert.match(compose(["~/src/../../../etc:/etc"], { allowedHostPaths: ["~/**"] })[0], /mounts the host's "~\/src\/\.\.\/\.\.\/\.\.\/etc" \(that is ~\/\.\.\/\.\.\/etc\), which climbs above the home directory, so no allowedHostPaths glob can allow it\./);
        });

        it("is reported by container-guard scan at the line of the mount", () => {
            const file = path.join("test", "fixtures", "scan", "container-restricted-volumes", "compose.yaml");
            let stdout = "";
            const code = main(["scan", file, "--format", "json"], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {}, stdin: () => [] });
            assert.strictEqual(code, 0, "the policy is advisory by default");
            const found = (JSON.parse(stdout).findings as Array<{ policy: string; line: number; message: string }>).filter(f => f.policy === policy.name);
            assert.deepStrictEqual(found.map(f => f.line), [9, 10, 13]);
            assert.match(found[0].message, /^Compose service agent: volumes\[0\] mounts the host's "\/var\/run\/docker\.sock", the Docker socket\./);
            assert.match(found[1].message, /^Compose service agent: volumes\[1\] mounts the host's "\.\/config" \(relative to the Compose file\)\./);
            assert.match(found[2].message, /^Compose service agent: volumes\[3\]\.source mounts the host's "\/etc"\./);
        });
    });

    describe("config", () => {
        it("checks profile and allowedHostPaths, naming the key", () => {
            const run = (config: Record<string, unknown>) => () => validate(policy, deployment, pod([]), { config });
            assert.throws(run({ profile: "strict" }), (e: Error) => e instanceof ConfigError && /policy "container-restricted-volumes", config key "profile": must be one of "baseline", "restricted", found "strict"/.test(e.message));
            assert.throws(run({ profile: 1 }), /config key "profile": expected a string, found a number/);
            assert.throws(run({ allowedHostPaths: "/var/log" }), /config key "allowedHostPaths": expected a list of strings, found a string/);
            assert.throws(run({ allowedHostPaths: ["/var/log/[a"] }), /config key "allowedHostPaths\[0\]": bad glob: "\/var\/log\/\[a" has an unclosed "\["/);
            assert.throws(run({ allowedHostPaths: [""] }), /config key "allowedHostPaths": item 0 is an empty string/);
            assert.deepStrictEqual({ ...policy.configSchema!.properties.profile, description: undefined }, { type: "string", enum: ["baseline", "restricted"], default: "baseline", description: undefined });
            assert.deepStrictEqual((policy.configSchema!.properties.allowedHostPaths as { default: unknown }).default, []);
        });
    });

    describe("Pod Security Admission's fixtures for hostPathVolumes and restrictedVolumes", () => {
        for (const level of ["baseline", "restricted"] as const) {
            it(`at ${level} (profile ${level}, mandatory): a violation exactly on the fail/ files of those checks, as a Pod, a Deployment and a CronJob`, function () {
                this.timeout(120_000);
                const config = resolveConfig([policy], { [policy.name]: { enforcementLevel: "mandatory", profile: level } }, "test");
                const { owned, wrong } = ownedCheckDisagreements([policy], config, level, ["hostpathvolumes", "restrictedvolumes"]);
                assert.strictEqual(owned, level === "baseline" ? 4 : 44, "hostpathvolumes0-1 at both versions, and restrictedvolumes0-19 at restricted");
                assert.deepStrictEqual(wrong, []);
            });
        }
    });

    it("passes other resources silently", () => {
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:ConfigMap", { data: {} }), []);
    });
});
