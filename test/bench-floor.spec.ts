import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyRunner, replayRunner } from "../bench/in-process";
import { deployment, mixedResource, writeBuildContexts } from "../bench/resources";
import { policies } from "../policies";

// The bench's floor (bench/run.ts, section 3) is only a floor if the replay reports what the
// policies reported, and evaluates nothing.
describe("bench: the replay floor", () => {
    const contexts = fs.mkdtempSync(path.join(os.tmpdir(), "container-guard-floor-"));
    after(() => fs.rmSync(contexts, { recursive: true, force: true }));

    it("reports, resource by resource, as many violations as the policies", () => {
        writeBuildContexts(contexts, 40);
        const resources = Array.from({ length: 40 }, (_, i) => mixedResource(i, contexts));
        const [run, replay] = [policyRunner(policies), replayRunner(policies, resources)];
        const counts = resources.map(run);
        assert.deepStrictEqual(resources.map(replay), counts);
        assert.ok(counts.some(count => count > 5), "the mix has resources with several findings");
    });

    it("replays what it recorded, not the props it is given now", () => {
        const web = deployment(1, 2, false);
        const replay = replayRunner(policies, [web]);
        const recorded = replay(web);
        web.props.spec = { template: { spec: { containers: [] } } };
        assert.strictEqual(policyRunner(policies)(web), 0);
        assert.strictEqual(replay(web), recorded);
        assert.ok(recorded > 0);
    });
});
