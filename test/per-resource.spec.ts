import * as assert from "assert";
import { derivedOnce } from "../policies/lib/per-resource";
import { declareNotApplicable } from "../policies/lib/policy";

describe("per-resource sharing (performance)", () => {
    it("derives once for the policies of one evaluation, and afresh for the next resource", () => {
        let derivations = 0;
        const derive = () => ++derivations;
        const resource = { type: "t", name: "n" };
        const props = {};
        assert.strictEqual(derivedOnce(resource, props, "a", "view", derive), 1);
        assert.strictEqual(derivedOnce(resource, props, "b", "view", derive), 1);
        assert.strictEqual(derivedOnce(resource, props, "b", "other", derive), 2);
        assert.strictEqual(derivedOnce(resource, {}, "a", "view", derive), 3);
        assert.strictEqual(derivedOnce(resource, {}, "a", "view", derive), 4);
    });

    it("derives afresh when a policy asks again for the same props (a new evaluation of props that may have changed)", () => {
        const props = { value: 1 };
        const resource = { type: "t", name: "n" };
        assert.strictEqual(derivedOnce(resource, props, "a", "value", () => props.value), 1);
        props.value = 2;
        assert.strictEqual(derivedOnce(resource, props, "a", "value", () => props.value), 2);
        assert.strictEqual(derivedOnce(resource, props, "b", "value", () => props.value), 2);
    });

    it("tells the same props apart under another type or name", () => {
        const props = {};
        assert.strictEqual(derivedOnce({ type: "t", name: "n" }, props, "a", "type", () => "first"), "first");
        assert.strictEqual(derivedOnce({ type: "u", name: "n" }, props, "b", "type", () => "second"), "second");
        assert.strictEqual(derivedOnce({ type: "u", name: "m" }, props, "c", "type", () => "third"), "third");
    });

    it("declares a policy not applicable through the SDK's throw, without a stack trace, and restores the limit", () => {
        const before = Error.stackTraceLimit;
        let thrown: Error | undefined;
        try {
            declareNotApplicable({ notApplicable: reason => { throw new Error(reason); } }, "why");
        } catch (e) {
            thrown = e as Error;
        }
        assert.strictEqual(thrown?.message, "why");
        assert.strictEqual(thrown?.stack, "Error: why");
        assert.strictEqual(Error.stackTraceLimit, before);
    });
});
