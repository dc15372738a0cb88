import * as assert from "assert";
import * as path from "path";
import { resolveConfig } from "../cli/config";
import { noHostPorts as policy } from "../policies/container-no-host-ports";
import { ConfigError } from "../policies/lib/config";
import { dockerContainer, dockerService, kubernetesResource, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_BOOL, UNKNOWN_OBJECT, validate } from "./helpers";
import { scanFindings } from "./policy-runs";
import { ownedCheckDisagreements } from "./psa-fixtures";

const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
const compose = "compose:service";
const app = (ports: unknown, extra: object = {}) => ({ name: "app", image: "registry.example.com/shop/app:1", ports, ...extra });
const firstLines = (messages: string[]) => messages.map(m => m.split("\n")[0]);

describe("container-no-host-ports", () => {
    describe("Kubernetes: hostPort", () => {
        for (const type of representativeKubernetesTypes) {
            it(`${type}: flags every nonzero hostPort of every container list, and passes 0 and unset`, () => {
                const props = kubernetesResource(type, {
                    containers: [app([{ containerPort: 80 }, { containerPort: 80, hostPort: 0 }, { containerPort: 8443, hostPort: 8443 }])],
                    initContainers: [app([{ containerPort: 9000, hostPort: 9000 }], { name: "init" })],
                    ephemeralContainers: [app([{ containerPort: 7000, hostPort: 7000 }], { name: "debug" })],
                });
                const messages = validate(policy, type, props);
                assert.strictEqual(messages.length, 3, messages.join("\n"));
                assert.match(messages[0], /container "app": \S*containers\[0\]\.ports\[2\]\.hostPort is 8443, so port 8443 of the node forwards to the container\.\n/);
                assert.match(messages[0], /\nWhy: a hostPort opens the port on the addresses of the node the pod runs on/);
                assert.ok(messages[0].endsWith("\nFix: containers[0].ports[2].hostPort = undefined // reach the container through a Service; or add 8443 to allowedHostPorts"), messages[0]);
                assert.match(messages[1], /container "init": \S*initContainers\[0\]\.ports\[0\]\.hostPort is 9000/);
                assert.match(messages[2], /container "debug": \S*ephemeralContainers\[0\]\.ports\[0\]\.hostPort is 7000/);
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [app([{ containerPort: 80 }, { containerPort: 81, hostPort: 0 }])] })), []);
            });
        }

        const type = "kubernetes:apps/v1:DaemonSet";

        it("allows the hostPorts in allowedHostPorts, whatever their number", () => {
            const props = kubernetesResource(type, { containers: [app([{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 443 }, { containerPort: 10254, hostPort: 10254 }])] });
            assert.deepStrictEqual(validate(policy, type, props, { config: { allowedHostPorts: [80, 443, 10254] } }), []);
            assert.deepStrictEqual(firstLines(validate(policy, type, props, { config: { allowedHostPorts: [80, 443] } })), [
                'DaemonSet shop/web, container "app": spec.template.spec.containers[0].ports[2].hostPort is 10254, so port 10254 of the node forwards to the container.',
            ]);
        });

        it("judges the containerPorts of a pod with hostNetwork: true, which the API server makes hostPorts", () => {
            const props = (hostNetwork: unknown) => kubernetesResource(type, { hostNetwork, containers: [app([{ containerPort: 9100 }, { containerPort: 9101, hostPort: 9101 }])] });
            const messages = validate(policy, type, props(true));
            assert.deepStrictEqual(firstLines(messages), [
                'DaemonSet shop/web, container "app": spec.template.spec.containers[0].ports[0].containerPort is 9100 in a pod with hostNetwork: true, so the API server makes it the hostPort: port 9100 of the node is the container\'s.',
                'DaemonSet shop/web, container "app": spec.template.spec.containers[0].ports[1].hostPort is 9101, so port 9101 of the node forwards to the container.',
            ]);
            assert.ok(messages[0].endsWith("\nFix: spec.template.spec.hostNetwork = false // then the port is the pod's own; or add 9100 to allowedHostPorts"), messages[0]);
            assert.deepStrictEqual(validate(policy, type, props(true), { config: { allowedHostPorts: [9100, 9101] } }), []);
            for (const hostNetwork of [false, undefined, UNKNOWN_BOOL]) {
                assert.strictEqual(validate(policy, type, props(hostNetwork)).length, 1, String(hostNetwork));
            }
        });

        it("reports ports of the wrong shape as unreadable, and gives no violation on unknown ones", () => {
            const cases: Array<[unknown, RegExp]> = [
                ["8080:80", /containers\[0\]\.ports can't be read \(expected a list, found a string\), so the host port it publishes can't be checked\./],
                [[8080], /containers\[0\]\.ports\[0\] can't be read \(expected an object, found a number\)/],
                [[{ containerPort: 80, hostPort: "http" }], /containers\[0\]\.ports\[0\]\.hostPort can't be read \(expected a port number, found "http"\)/],
                [[{ containerPort: 80, hostPort: 80.5 }], /hostPort can't be read \(expected a port number, found a number\)/],
            ];
            for (const [ports, expected] of cases) {
                const messages = validate(policy, type, kubernetesResource(type, { containers: [app(ports)] }));
                assert.strictEqual(messages.length, 1, JSON.stringify(ports));
                assert.match(messages[0], expected);
                assert.match(messages[0], /\nFix: containers\[0\]\.ports = \[\{ containerPort: 8080 \}\] \/\/ port objects with numbers; no hostPort$/);
            }
            for (const ports of [UNKNOWN_ARRAY, [UNKNOWN_OBJECT], [{ containerPort: 80, hostPort: UNKNOWN_NUMBER }]]) {
                assert.deepStrictEqual(validate(policy, type, kubernetesResource(type, { containers: [app(ports)] })), [], JSON.stringify(ports));
            }
            const mixed = kubernetesResource(type, { containers: [app([{ hostPort: UNKNOWN_NUMBER }, { hostPort: 81 }])] });
            assert.strictEqual(validate(policy, type, mixed).length, 1, "a known hostPort next to an unknown one is still judged");
        });

        it("judges a patch on the ports it sets", () => {
            const patch = "kubernetes:apps/v1:DeploymentPatch";
            assert.strictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", ports: [{ hostPort: 80 }] }] })).length, 1);
            assert.deepStrictEqual(validate(policy, patch, kubernetesResource(patch, { containers: [{ name: "a", image: "x" }] })), []);
        });

        it("honours exemption annotations, exemptImages and exclude", () => {
            const props = (annotations?: object) => kubernetesResource(type, { containers: [app([{ hostPort: 80 }])] }, { name: "ingress", namespace: "edge", annotations });
            assert.deepStrictEqual(validate(policy, type, props({ "container-guard/exempt": "container-no-host-ports", "container-guard/exempt-reason": "ingress controller" })), []);
            assert.strictEqual(validate(policy, type, props({ "container-guard/exempt": "container-no-host-namespaces" })).length, 1);
            assert.deepStrictEqual(validate(policy, type, props(), { config: { exemptImages: ["registry.example.com/**"] } }), []);
            assert.deepStrictEqual(validate(policy, type, props(), { config: { exclude: ["edge/*"] } }), []);
        });

        it("has no remediation: which port replaces a host port changes how clients reach the workload", () => {
            assert.strictEqual(policy.remediateResource, undefined);
        });
    });

    describe("docker.Container: privileged host ports", () => {
        it("flags an external port below 1024, with a fix that moves it above", () => {
            const messages = validate(policy, dockerContainer, { image: "nginx:1.27", ports: [{ internal: 8080, external: 80 }, { internal: 8443, external: 8443 }, { internal: 9000 }] });
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.ok(messages[0].startsWith("docker.Container web: ports[0].external is 80, which publishes the host's privileged port 80 (below 1024).\n"), messages[0]);
            assert.match(messages[0], /\nWhy: ports below 1024 are the host's privileged ports, which only root may bind/);
            assert.ok(messages[0].endsWith(
                '\nFix: new docker.Container("web", { ...args, ports: [...otherPorts, { ...ports[0], external: 8080 }] }) // or no external port: Docker picks a free one; or list 80 in allowedHostPorts',
            ), messages[0]);
        });

        it("passes ports from 1024 up, a random host port, and privileged ports in allowedHostPorts", () => {
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ports: [{ internal: 80, external: 1024 }, { internal: 22 }] }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ports: [{ internal: 80, external: 80 }, { internal: 443, external: 443 }] }, { config: { allowedHostPorts: [80, 443] } }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ports: [{ internal: 80, external: UNKNOWN_NUMBER }] }), []);
        });

        it("reports an external port of the wrong type", () => {
            assert.match(validate(policy, dockerContainer, { image: "x", ports: [{ internal: 80, external: "eighty" }] })[0], /^docker\.Container web: ports\[0\]\.external can't be read \(expected a port number, found "eighty"\)/);
        });
    });

    describe("docker.Service: privileged published ports", () => {
        const service = (ports: unknown) => ({ taskSpec: { containerSpec: { image: "x" } }, endpointSpec: { ports } });

        it("flags a publishedPort below 1024, from the resource's root", () => {
            const messages = validate(policy, dockerService, service([{ targetPort: 8443, publishedPort: 443, publishMode: "host" }, { targetPort: 8080, publishedPort: 8080 }]), { name: "api" });
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.ok(messages[0].startsWith("docker.Service api: endpointSpec.ports[0].publishedPort is 443, which publishes the host's privileged port 443 (below 1024).\n"), messages[0]);
            assert.ok(messages[0].endsWith(
                '\nFix: new docker.Service("api", { ...args, endpointSpec: { ...args.endpointSpec, ports: [...otherPorts, { ...ports[0], publishedPort: 8443 }] } }) // or no publishedPort: Swarm picks one; or list 443 in allowedHostPorts',
            ), messages[0]);
        });

        it("passes unpublished and unprivileged ports, and reports an endpoint of the wrong shape", () => {
            assert.deepStrictEqual(validate(policy, dockerService, service([{ targetPort: 80 }, { targetPort: 81, publishedPort: 30081 }])), []);
            assert.deepStrictEqual(validate(policy, dockerService, { taskSpec: { containerSpec: { image: "x" } } }), []);
            const [message] = validate(policy, dockerService, service({ targetPort: 80 }), { name: "api" });
            assert.match(message, /^docker\.Service api: endpointSpec\.ports can't be read \(expected a list, found an object\), so the host port it publishes can't be checked\./);
        });
    });

    describe("Compose services", () => {
        it("reads the short syntax (IPv4 and IPv6 host addresses, ranges, protocols) and the long syntax", () => {
            const ports = ["3000", 3001, "8080:80", "127.0.0.1:25:2525", "127.0.0.1::53", "[::1]:80-81:8080-8081/udp", "1000-1030:1000-1030", { target: 53, published: 53, protocol: "udp" }, { target: 80 }];
            const messages = validate(policy, compose, { image: "x", ports }, { name: "edge" });
            assert.deepStrictEqual(messages.map(m => [m.split("\n")[0], m.split("\n")[2]]), [
                ['Compose service edge: ports[3] is "127.0.0.1:25:2525", which publishes the host\'s privileged port 25 (below 1024).', 'Fix: services.edge.ports[3]: "127.0.0.1:8025:2525" # or list 25 in allowedHostPorts'],
                ['Compose service edge: ports[5] is "[::1]:80-81:8080-8081/udp", which publishes the host\'s privileged ports 80-81 (below 1024).', 'Fix: services.edge.ports[5]: "[::1]:8080-8081:8080-8081/udp" # or list 80 to 81 in allowedHostPorts'],
                ['Compose service edge: ports[6] is "1000-1030:1000-1030", which publishes the host\'s privileged ports 1000-1023 (below 1024).', 'Fix: services.edge.ports[6]: "9000-9030:1000-1030" # or list 1000 to 1023 in allowedHostPorts'],
                ["Compose service edge: ports[7].published is 53, which publishes the host's privileged port 53 (below 1024).", "Fix: services.edge.ports[7].published: 8053 # or list 53 in allowedHostPorts"],
            ]);
        });

        it("passes a range only when every privileged port of it is allowed", () => {
            const range = { image: "x", ports: ["80-82:80-82"] };
            assert.strictEqual(validate(policy, compose, range, { config: { allowedHostPorts: [80, 82] } }).length, 1);
            assert.deepStrictEqual(validate(policy, compose, range, { config: { allowedHostPorts: [80, 81, 82] } }), []);
        });

        it("reports an interpolation left unresolved as unreadable", () => {
            assert.match(validate(policy, compose, { image: "x", ports: ["${HTTP_PORT}:80"] })[0], /ports\[0\] can't be read \(expected a port number, found "\$\{HTTP_PORT\}"\)/);
        });

        it("reports each finding at its line in a scanned Compose file", () => {
            const file = path.join("test", "fixtures", "scan", "container-no-host-ports", "compose.yaml");
            assert.deepStrictEqual(scanFindings(file, policy.name), [
                `${file}:6 Compose service mail: ports[0] is "127.0.0.1:25:2525", which publishes the host's privileged port 25 (below 1024).`,
                `${file}:9 Compose service mail: ports[2].published is 53, which publishes the host's privileged port 53 (below 1024).`,
                `${file}:16 Compose service web: ports[2] is "80-81:8080-8081", which publishes the host's privileged ports 80-81 (below 1024).`,
            ]);
        });
    });

    describe("config", () => {
        it("takes allowedHostPorts as a list of port numbers, naming the key when it is wrong", () => {
            const props = { image: "x", ports: [{ internal: 80, external: 80 }] };
            const rejects = (allowedHostPorts: unknown, expected: RegExp) =>
                assert.throws(() => validate(policy, dockerContainer, props, { config: { allowedHostPorts } }), (e: Error) => e instanceof ConfigError && expected.test(e.message));
            rejects("80", /policy "container-no-host-ports", config key "allowedHostPorts": expected a list of integers, found a string/);
            rejects(["80"], /config key "allowedHostPorts": item 0 expected an integer, found a string/);
            rejects([0], /config key "allowedHostPorts": item 0 must be at least 1, found 0/);
            rejects([80, 65536], /config key "allowedHostPorts": item 1 must be at most 65535, found 65536/);
            assert.deepStrictEqual((policy.configSchema!.properties as any).allowedHostPorts.default, []);
        });
    });

    it("passes other resources silently", () => {
        assert.deepStrictEqual(validate(policy, "kubernetes:core/v1:Service", { spec: { ports: [{ port: 80, nodePort: 30080 }] } }), []);
    });

    describe("Pod Security Admission's fixtures", () => {
        for (const level of ["baseline", "restricted"] as const) {
            it(`at ${level} (mandatory): a violation exactly on the fail/ files of hostports, as a Pod, a Deployment and a CronJob`, function () {
                this.timeout(120_000);
                const { owned, wrong } = ownedCheckDisagreements([policy], resolveConfig([policy], { [policy.name]: "mandatory" }, "test"), level, ["hostports"]);
                assert.strictEqual(owned, 6, "hostports0-2.yaml at v1.37 and v1.25");
                assert.deepStrictEqual(wrong, []);
            });
        }
    });
});
