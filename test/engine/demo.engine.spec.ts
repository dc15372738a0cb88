// `npm run demo` over examples/demo/resources.json: the report names each violation like
// `pulumi preview` does, leaves the compliant and exempted resources out, and fails only when a
// mandatory policy is violated.
import * as assert from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { DemoResource, runDemo } from "../../scripts/demo";
import { repoRoot, RunningPack } from "./harness";
import { startPackForSuite } from "./started-pack";

const read = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), "utf8"));
const resources: DemoResource[] = read("examples/demo/resources.json").resources;

/** `[level] policy (type: name)` of each entry of the report. */
const entries = (report: string) =>
    report
        .split("\n")
        .map(line => /^ {8}- \[(\w+)\](?: \[severity: \w+\])? {2}(\S+) {2}\((\S+): (\S+)\)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map(([, level, policy, , name]) => `${level} ${policy} ${name}`);

describe("engine protocol: npm run demo", function () {
    this.timeout(60000);
    let pack: RunningPack;
    startPackForSuite(started => (pack = started));

    it("at the default levels reports every insecure resource and fails", async () => {
        const { report, failed } = await runDemo(pack, resources, {});
        assert.ok(failed);
        assert.match(report, /^Policies:\n {4}❌ container-guard@v\d+\.\d+\.\d+ \(local: /);
        assert.match(report, /\nSummary: 9 resources, 7 with findings: \d+ mandatory, \d+ advisory, 0 remediated; the update would fail/);
        const found = entries(report);
        for (const expected of [
            "mandatory container-no-privileged web",
            "mandatory container-restrict-added-capabilities web",
            "mandatory container-no-plaintext-secrets web",
            "mandatory container-restrict-added-capabilities nightly-report",
            "advisory container-secrets-as-files nightly-report",
            "advisory container-pid-limit debug",
            "advisory container-no-host-namespaces node-exporter",
            "advisory container-no-host-ports node-exporter",
            "advisory container-restricted-volumes node-exporter",
            "mandatory container-restrict-added-capabilities search",
            "advisory container-read-only-root-filesystem cache",
            "advisory image-multi-stage-build api-image",
        ]) {
            assert.ok(found.includes(expected), `missing: ${expected}\n${report}`);
        }
        const names = new Set(found.map(e => e.split(" ")[2]));
        assert.ok(!names.has("checkout"), "the compliant Deployment is reported");
        assert.ok(!names.has("metrics-agent"), "the exempted DaemonSet is reported");
        assert.match(report, /Deployment shop\/web, container "proxy": spec\.template\.spec\.containers\[1\]\.securityContext\.privileged is true\.\n {10}Why: .*\n {10}Fix: /);
    });

    it("with the advisory preset warns and passes; with the Elasticsearch preset allows IPC_LOCK for search", async () => {
        const advisory = await runDemo(pack, resources, read("examples/config/advisory.json"));
        assert.ok(!advisory.failed);
        assert.ok(entries(advisory.report).every(e => e.startsWith("advisory ")));
        const elastic = await runDemo(pack, resources, read("examples/config/elasticsearch.json"));
        assert.ok(!entries(elastic.report).includes("mandatory container-restrict-added-capabilities search"));
    });

    it("with remediation on, reports what the pack fixed and judges the fixed inputs", async () => {
        const { report } = await runDemo(pack, resources, { "container-drop-capabilities": "remediate" });
        const found = entries(report);
        assert.ok(found.includes("remediate container-drop-capabilities web"));
        assert.ok(!found.some(e => e.startsWith("advisory container-drop-capabilities") || e.startsWith("mandatory container-drop-capabilities")));
    });
});
