import * as assert from "assert";
import { parseCpuTicks } from "../bench/stats";

// The bench prints the share of CPU time the host stole during each section: read right, it says
// how far that run's wall times can be trusted.
describe("bench: CPU time stolen by the host", () => {
    it("reads all ticks and the stolen ones from /proc/stat's first line, guest time not counted twice", () => {
        assert.deepStrictEqual(parseCpuTicks("cpu  1057607 0 128458 1015164 1800 0 17707 144706 900 0\n"), {
            total: 1057607 + 128458 + 1015164 + 1800 + 17707 + 144706,
            stolen: 144706,
        });
    });

    it("says nothing rather than a wrong share where the line has no steal field or isn't the total", () => {
        assert.strictEqual(parseCpuTicks("cpu  1057607 0 128458 1015164 1800 0 17707"), undefined);
        assert.strictEqual(parseCpuTicks("cpu0 528803 0 64229 507582 900 0 8853 72353 0 0"), undefined);
        assert.strictEqual(parseCpuTicks(""), undefined);
    });
});
