import * as assert from "assert";
import * as path from "path";
import { noHostDevices as policy } from "../policies/container-no-host-devices";
import { ConfigError } from "../policies/lib/config";
import { dockerContainer, dockerService, kubernetesResource, NotApplicable, representativeKubernetesTypes, UNKNOWN_ARRAY, UNKNOWN_OBJECT, UNKNOWN_STRING, validate } from "./helpers";
import { scanFindings } from "./policy-runs";

const compose = "compose:service";
const firstLines = (messages: string[]) => messages.map(m => m.split("\n")[0]);

describe("container-no-host-devices", () => {
    describe("docker.Container", () => {
        it("flags each mapped device, whatever its permissions, with a fix that takes it out", () => {
            const messages = validate(policy, dockerContainer, {
                image: "x",
                devices: [{ hostPath: "/dev/sda", containerPath: "/dev/xvda", permissions: "r" }, { hostPath: "/dev/fuse" }],
            });
            assert.deepStrictEqual(firstLines(messages), [
                'docker.Container web: devices[0].hostPath maps the host device "/dev/sda" into the container.',
                'docker.Container web: devices[1].hostPath maps the host device "/dev/fuse" into the container.',
            ]);
            assert.match(messages[0], /\nWhy: a mapped device gives the container raw access to host hardware/);
            assert.ok(messages[1].endsWith(
                '\nFix: new docker.Container("web", { ...args, devices: devices.filter(d => d.hostPath !== "/dev/fuse") }) // if the app needs it, exempt the container with the container-guard/exempt label and say why in container-guard/exempt-reason',
            ), messages[1]);
        });

        it("flags each device cgroup rule", () => {
            const [message, ...rest] = validate(policy, dockerContainer, { image: "x", deviceCgroupRules: ["c 189:* rmw"] });
            assert.deepStrictEqual(rest, []);
            assert.ok(message.startsWith('docker.Container web: deviceCgroupRules[0] is "c 189:* rmw", which lets the container use the host devices it matches.\n'), message);
            assert.match(message, /\nWhy: a device cgroup rule lets the container use every host device of that type and number that it creates \(mknod is a default capability\)/);
            assert.match(message, /\nFix: new docker\.Container\("web", \{ \.\.\.args, deviceCgroupRules: deviceCgroupRules\.filter\(d => d !== "c 189:\* rmw"\) \}\)/);
        });

        it("passes no devices, and gives no violation on unknown ones", () => {
            for (const props of [{}, { devices: [] }, { devices: UNKNOWN_ARRAY }, { devices: [UNKNOWN_OBJECT] }, { devices: [{ hostPath: UNKNOWN_STRING }] }, { deviceCgroupRules: [UNKNOWN_STRING] }]) {
                assert.deepStrictEqual(validate(policy, dockerContainer, { image: "x", ...props }), [], JSON.stringify(props));
            }
            assert.strictEqual(validate(policy, dockerContainer, { image: UNKNOWN_STRING, devices: [{ hostPath: "/dev/kvm" }] }).length, 1, "the image isn't read");
        });

        it("reports entries it can't read", () => {
            assert.deepStrictEqual(firstLines(validate(policy, dockerContainer, { image: "x", devices: [{ containerPath: "/dev/x" }, 7], deviceCgroupRules: "c 1:3 r" })), [
                "docker.Container web: devices[0].hostPath is not set, so the device it maps can't be checked.",
                "docker.Container web: devices[1] can't be read (expected a device path, found a number), so the device it maps can't be checked.",
                "docker.Container web: deviceCgroupRules can't be read (expected a list, found a string), so the devices it allows can't be checked.",
            ]);
        });

        it("honours the exemption label, exemptImages and exclude; it has no remediation", () => {
            const props = { image: "registry.example.com/iot/bridge:1", devices: [{ hostPath: "/dev/ttyUSB0" }] };
            const labelled = { ...props, labels: [{ label: "container-guard/exempt", value: "container-no-host-devices" }, { label: "container-guard/exempt-reason", value: "USB modem" }] };
            assert.deepStrictEqual(validate(policy, dockerContainer, labelled), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, props, { config: { exemptImages: ["registry.example.com/iot/*"] } }), []);
            assert.deepStrictEqual(validate(policy, dockerContainer, props, { config: { exclude: ["web"] } }), []);
            assert.strictEqual(policy.remediateResource, undefined);
        });
    });

    describe("Compose services", () => {
        it("flags devices in the short and long syntax and device_cgroup_rules, with Compose fixes", () => {
            const messages = validate(policy, compose, { image: "x", devices: ["/dev/ttyUSB0:/dev/ttyUSB0:rwm", { source: "/dev/kvm", target: "/dev/kvm" }], device_cgroup_rules: ["c 188:* rmw"] }, { name: "modem" });
            assert.deepStrictEqual(messages.map(m => [m.split("\n")[0], m.split("\n")[2].replace(/ # if the app needs it, exempt the container with the container-guard\/exempt label .*/, "")]), [
                ['Compose service modem: devices[0] maps the host device "/dev/ttyUSB0" into the container.', "Fix: remove services.modem.devices[0]"],
                ['Compose service modem: devices[1].source maps the host device "/dev/kvm" into the container.', "Fix: remove services.modem.devices[1]"],
                ['Compose service modem: device_cgroup_rules[0] is "c 188:* rmw", which lets the container use the host devices it matches.', "Fix: remove services.modem.device_cgroup_rules[0]"],
            ]);
        });

        it("reports each finding at its line in a scanned Compose file", () => {
            const file = path.join("test", "fixtures", "scan", "container-no-host-devices", "compose.yaml");
            assert.deepStrictEqual(scanFindings(file, policy.name), [
                `${file}:6 Compose service modem: devices[0] maps the host device "/dev/ttyUSB0" into the container.`,
                `${file}:7 Compose service modem: devices[1].source maps the host device "/dev/kvm" into the container.`,
                `${file}:10 Compose service modem: device_cgroup_rules[0] is "c 188:* rmw", which lets the container use the host devices it matches.`,
            ]);
        });
    });

    describe("resources without a device mapping", () => {
        const notApplicable = (type: string, props: object, reason: RegExp) =>
            assert.throws(() => validate(policy, type, props), (e: Error) => e instanceof NotApplicable && reason.test(e.reason!));

        for (const type of representativeKubernetesTypes) {
            it(`${type}: not applicable, saying what Kubernetes does instead`, () => {
                notApplicable(type, kubernetesResource(type, { containers: [{ name: "a", image: "x" }] }), /a Kubernetes pod spec has no device mapping: devices reach pods through device plugins .*a hostPath volume of \/dev is container-restricted-volumes' to judge/);
            });
        }

        it("docker.Service: not applicable, the provider has no device mapping for Swarm tasks", () => {
            notApplicable(dockerService, { taskSpec: { containerSpec: { image: "x" } } }, /^docker\.Service has no device mapping in the Docker provider/);
        });

        it("still rejects a wrong config there, naming the policy and key", () => {
            const type = "kubernetes:core/v1:Pod";
            assert.throws(() => validate(policy, type, { spec: { containers: [] } }, { config: { exclude: "web" } }), (e: Error) => e instanceof ConfigError && /"container-no-host-devices", config key "exclude"/.test(e.message));
        });
    });
});
