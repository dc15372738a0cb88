import * as assert from "assert";
import { parseKubernetesType, workloadOf } from "../policies/lib/workloads";
import { rawProps } from "../policies/lib/values";
import { kubernetesResource, kubernetesTypeTokens, UNKNOWN_ARRAY, UNKNOWN_OBJECT, unknownCheckingProxy } from "./helpers";

const workloadKinds = ["Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

describe("workloads: the container view", () => {
    const tokens = kubernetesTypeTokens();

    it("reads every kind and API version of the workload kinds that @pulumi/kubernetes ships, and their patches", () => {
        const expected = tokens.filter(t => workloadKinds.some(k => t.endsWith(`:${k}`) || t.endsWith(`:${k}Patch`)));
        assert.ok(expected.length >= 40, `only ${expected.length} workload tokens found`);
        for (const token of expected) {
            assert.ok(parseKubernetesType(token), `${token} is not recognised`);
        }
    });

    it("recognises no other kind the provider ships except the workload Lists", () => {
        const others = tokens.filter(t => parseKubernetesType(t) && !workloadKinds.some(k => new RegExp(`:${k}(Patch|List)?$`).test(t)));
        assert.deepStrictEqual(others, []);
        for (const token of ["kubernetes:core/v1:Service", "kubernetes:core/v1:PodStatus", "kubernetes:apps/v1:ControllerRevision", "kubernetes:argoproj.io/v1alpha1:Deployment"]) {
            assert.strictEqual(parseKubernetesType(token), undefined, token);
        }
    });

    it("gives each container its exact path, across containers, initContainers and ephemeralContainers", () => {
        const podSpec = {
            containers: [{ name: "app", image: "a" }],
            initContainers: [{ name: "migrate", image: "m" }, { name: "seed", image: "s" }],
            ephemeralContainers: [{ name: "debug", image: "busybox" }],
        };
        const cron = workloadOf("kubernetes:batch/v1:CronJob", "nightly", kubernetesResource("kubernetes:batch/v1:CronJob", podSpec))!;
        assert.deepStrictEqual(cron.containers.map(c => c.path), [
            "spec.jobTemplate.spec.template.spec.containers[0]",
            "spec.jobTemplate.spec.template.spec.initContainers[0]",
            "spec.jobTemplate.spec.template.spec.initContainers[1]",
            "spec.jobTemplate.spec.template.spec.ephemeralContainers[0]",
        ]);
        assert.strictEqual(cron.label, "CronJob shop/web");
        const pod = workloadOf("kubernetes:core/v1:Pod", "p", kubernetesResource("kubernetes:core/v1:Pod", podSpec))!;
        assert.strictEqual(pod.containers[3].path, "spec.ephemeralContainers[0]");
        const template = workloadOf("kubernetes:core/v1:PodTemplate", "t", kubernetesResource("kubernetes:core/v1:PodTemplate", podSpec))!;
        assert.strictEqual(template.containers[0].path, "template.spec.containers[0]");
        const list = workloadOf("kubernetes:apps/v1:DeploymentList", "l", kubernetesResource("kubernetes:apps/v1:DeploymentList", podSpec))!;
        assert.strictEqual(list.containers[1].path, "items[0].spec.template.spec.initContainers[0]");
    });

    it("views docker.Container and docker.Service", () => {
        const container = workloadOf("docker:index/container:Container", "web", { image: "nginx", name: "web-1" })!;
        assert.strictEqual(container.containers.length, 1);
        assert.strictEqual(container.containers[0].name, "web-1");
        assert.strictEqual(container.containers[0].path, "");
        const service = workloadOf("docker:index/service:Service", "api", { taskSpec: { containerSpec: { image: "api:1" } } })!;
        assert.strictEqual(service.containers[0].path, "taskSpec.containerSpec");
        assert.strictEqual(service.containers[0].image, "api:1");
    });

    it("reads exemptions from workload and pod-template annotations, and Docker labels", () => {
        const props = kubernetesResource("kubernetes:apps/v1:Deployment", { containers: [{ name: "a" }] }, {
            name: "web", annotations: { "container-guard/exempt": "container-no-privileged, container-drop-capabilities" },
        });
        props.spec.template.metadata = { annotations: { "container-guard/exempt": "container-read-only-root-filesystem" } };
        const exemptions = workloadOf("kubernetes:apps/v1:Deployment", "web", props)!.containers[0].exemptions;
        assert.deepStrictEqual([...exemptions].sort(), ["container-drop-capabilities", "container-no-privileged", "container-read-only-root-filesystem"]);
        const docker = workloadOf("docker:index/container:Container", "web", { labels: [{ label: "container-guard/exempt", value: "*" }] })!;
        assert.deepStrictEqual([...docker.containers[0].exemptions], ["*"]);
    });

    it("sees through the SDK's proxy and records unknown container lists instead of throwing", () => {
        const props = kubernetesResource("kubernetes:apps/v1:Deployment", { containers: UNKNOWN_ARRAY, initContainers: [{ name: "i", image: UNKNOWN_OBJECT }] });
        const workload = workloadOf("kubernetes:apps/v1:Deployment", "web", rawProps(unknownCheckingProxy(props)))!;
        assert.deepStrictEqual(workload.unreadable, [{ path: "spec.template.spec.containers", reason: "unknown" }]);
        assert.strictEqual(workload.containers.length, 1);
        assert.strictEqual(typeof workload.containers[0].image, "symbol");
    });

    it("treats what may be an exemption or a Windows pod during preview as one, so it gives no false violation", () => {
        const type = "kubernetes:apps/v1:Deployment";
        const os = workloadOf(type, "w", rawProps(unknownCheckingProxy(kubernetesResource(type, { os: { name: UNKNOWN_OBJECT }, containers: [{ name: "a" }] }))))!;
        assert.strictEqual(os.pods[0].windows, true);
        const annotated = kubernetesResource(type, { containers: [{ name: "a" }] }, { name: "w", annotations: { "container-guard/exempt": UNKNOWN_OBJECT } });
        assert.deepStrictEqual([...workloadOf(type, "w", annotated)!.containers[0].exemptions], ["*"]);
        const labelled = { image: "x", labels: [{ label: UNKNOWN_OBJECT, value: "x" }] };
        assert.deepStrictEqual([...workloadOf("docker:index/container:Container", "w", labelled)!.containers[0].exemptions], ["*"]);
        const computedName = kubernetesResource(type, { containers: [{ name: "a" }] }, { name: UNKNOWN_OBJECT, namespace: "shop" });
        assert.strictEqual(typeof workloadOf(type, "w", computedName)!.namespacedName, "symbol");
    });

    it("records malformed pod specs, container lists and entries as unreadable, naming the path", () => {
        const cases: Array<[unknown, string[]]> = [
            [{ containers: "nginx" }, ["spec.containers: expected a list, found a string"]],
            [{ containers: [null, 3] }, ["spec.containers[0]: expected an object, found null", "spec.containers[1]: expected an object, found a number"]],
            [{ containers: {} }, ["spec.containers: expected a list, found an object"]],
            [5, ["spec: expected an object, found a number"]],
            [null, []],
        ];
        for (const [spec, expected] of cases) {
            const workload = workloadOf("kubernetes:core/v1:Pod", "p", { spec } as any)!;
            assert.strictEqual(workload.containers.length, 0);
            assert.deepStrictEqual(workload.unreadable.map(u => `${u.path}: ${u.reason}`), expected);
        }
    });
});
