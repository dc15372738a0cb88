// @pulumi/policy decodes an Analyze request's properties once per policy (server.js,
// makeAnalyzeRpcFun: `deserializeProperties(req.getProperties(), false)` inside the loop over
// policies; the same in makeAnalyzeStackRpcFun), and decoding is slow: google-protobuf's
// Struct.toJavaScript() then a copy, about 200 µs of CPU for a Deployment with three containers,
// more than all of this pack's policies together (docs/performance.md). This decodes each
// request's properties once and hands every policy the same object, which also lets the policies
// share what they derive from it (per-resource.ts). The pack's policies only read their props
// (remediation, which changes them, works on a copy and is decoded by the SDK as before);
// test/decode-once.spec.ts checks both.
import * as path from "path";

interface Deserialize {
    deserializeProperties(struct: object | undefined, proxySecrets: boolean): Record<string, unknown>;
}

/** The module @pulumi/policy's server decodes properties with (server.js: `require("./deserialize")`). */
const deserialize: Deserialize = require(path.join(path.dirname(require.resolve("@pulumi/policy/package.json")), "deserialize"));

const deserializeEach = deserialize.deserializeProperties;
const decoded = new WeakMap<object, Record<string, unknown>>();
deserialize.deserializeProperties = (struct, proxySecrets) => {
    if (proxySecrets || !struct) {
        return deserializeEach(struct, proxySecrets);
    }
    let props = decoded.get(struct);
    if (!props) {
        props = deserializeEach(struct, proxySecrets);
        decoded.set(struct, props);
    }
    return props;
};
