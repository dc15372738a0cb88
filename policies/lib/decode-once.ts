// @pulumi/policy decodes an Analyze request's properties once per policy (server.js,
// makeAnalyzeRpcFun: `deserializeProperties(req.getProperties())` inside the loop over policies),
// and the decoding step, google-protobuf's Struct.toJavaScript(), is slow: about 180 µs of CPU
// for a Deployment with three containers, against under 100 µs for all of this pack's policies
// together. With eight policies that is most of what the pack costs per resource
// (docs/performance.md). This decodes each request's properties once, and freezes the result:
// the SDK only reads it, building each policy's props as new objects (deserialize.js,
// deserializeProperty), so every policy still receives objects of its own, as before.
import * as path from "path";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Struct {
    toJavaScript(): { [key: string]: Json };
}

function deepFreeze<T extends Json>(value: T): T {
    if (value !== null && typeof value === "object") {
        for (const item of Object.values(value)) {
            deepFreeze(item);
        }
        Object.freeze(value);
    }
    return value;
}

/** The AnalyzeRequest class @pulumi/policy's server decodes requests into (its own @pulumi/pulumi). */
const policySdk = path.dirname(require.resolve("@pulumi/policy/package.json"));
const analyzeRequest: { prototype: { getProperties(): Struct | undefined } } =
    require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [policySdk] })).AnalyzeRequest;

const getProperties = analyzeRequest.prototype.getProperties;
analyzeRequest.prototype.getProperties = function (this: unknown): Struct | undefined {
    const struct = getProperties.call(this);
    if (struct && !Object.prototype.hasOwnProperty.call(struct, "toJavaScript")) {
        const decoded = deepFreeze(struct.toJavaScript());
        // An own property of this request's Struct only: no other Struct changes behaviour.
        struct.toJavaScript = () => decoded;
    }
    return struct;
};
