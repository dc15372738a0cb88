import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyRunner } from "../bench/in-process";
import { categoryOf, dockerfileOnDisk, previewStack, workload, workloadKinds } from "../bench/resources";
import { kubernetesWorkloadKinds } from "../policies/lib/workloads";
import { policies } from "../policies";

// The program of the bench's preview figure (bench/preview.ts) is what the issue asks for: per
// 1,000 resources, 400 Kubernetes workloads of every kind, as written and hardened, 100 Docker
// containers and services, 20 image builds with their Dockerfiles, 480 resources without containers.
describe("bench: the preview figure's stack", () => {
    const contexts = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-stack-"));
    after(() => fs.rmSync(contexts, { recursive: true, force: true }));
    const run = policyRunner(policies);

    it("has the issue's proportions at each size", () => {
        for (const size of [100, 1000, 3000]) {
            const stack = previewStack(size, contexts);
            const count = (category: string) => stack.filter(resource => categoryOf(resource) === category).length;
            assert.deepStrictEqual(
                [count("Kubernetes workloads"), count("Docker containers and services"), count("image builds"), count("resources without containers")],
                [0.4, 0.1, 0.02, 0.48].map(share => share * size),
                `${size} resources`,
            );
            assert.strictEqual(new Set(stack.map(resource => resource.name)).size, size, "names are unique");
        }
    });

    it("declares every workload kind the pack knows, and a patch", () => {
        const kinds = new Set(previewStack(1000, contexts).map(resource => resource.type.split(":")[2]).filter(kind => kubernetesWorkloadKinds[kind.replace(/Patch$/, "")]));
        assert.deepStrictEqual([...kinds].sort(), [...Object.keys(kubernetesWorkloadKinds), "DeploymentPatch"].sort());
        assert.deepStrictEqual([...kinds].sort(), [...workloadKinds].sort());
    });

    it("writes each workload as written, with findings, and hardened, with none", () => {
        for (const kind of workloadKinds) {
            assert.ok(run(workload(kind, 7)) > 0, `${kind} as written has findings`);
            assert.strictEqual(run(workload(kind, 7, true)), 0, `${kind} hardened has none`);
        }
    });

    it("gives every image build a Dockerfile, on disk where the kind reads one", () => {
        const builds = previewStack(1000, contexts).filter(resource => categoryOf(resource) === "image builds");
        assert.deepStrictEqual([...new Set(builds.map(build => build.type))].sort(), ["docker-build:index:Image", "docker:index/image:Image", "docker:index/remoteImage:RemoteImage"]);
        for (const build of builds) {
            const file = dockerfileOnDisk(build);
            const text = file ? fs.readFileSync(file, "utf8") : (build.props.dockerfile as { inline: string }).inline;
            assert.match(text, /^FROM /m, build.name);
        }
    });
});
