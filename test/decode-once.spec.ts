import * as assert from "assert";
import * as path from "path";
import "../policies/lib/decode-once";
import { UNKNOWN_STRING } from "./helpers";

// The classes @pulumi/policy's server uses: its own @pulumi/pulumi, and that one's google-protobuf.
const policySdk = path.dirname(require.resolve("@pulumi/policy/package.json"));
const analyzerPbPath = require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [policySdk] });
const analyzerProto = require(analyzerPbPath);
const structProto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [path.dirname(analyzerPbPath)] }));
const { deserializeProperties } = require("@pulumi/policy/deserialize");

const props = {
    metadata: { name: "web", labels: { app: "web" } },
    spec: { containers: [{ name: "api", image: UNKNOWN_STRING, env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80 }] }], hostPID: null },
    secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t" },
};

/** A request as the server receives it: decoded from the wire. */
function receivedRequest(): any {
    const request = new analyzerProto.AnalyzeRequest();
    request.setType("kubernetes:apps/v1:Deployment");
    request.setProperties(structProto.Struct.fromJavaScript(props));
    return analyzerProto.AnalyzeRequest.deserializeBinary(request.serializeBinary());
}

describe("decode-once (Analyze request properties decoded once per request)", () => {
    it("patches the AnalyzeRequest class that @pulumi/policy's server decodes requests into", () => {
        require("@pulumi/policy/server");
        const used = require.cache[require.resolve("@pulumi/policy/server")]!.children.find(m => m.filename === analyzerPbPath);
        assert.ok(used, "server.js loads the analyzer_pb this module patches");
        assert.strictEqual(used.exports.AnalyzeRequest, analyzerProto.AnalyzeRequest);
        assert.ok(Object.prototype.hasOwnProperty.call(receivedRequest().getProperties(), "toJavaScript"));
    });

    it("decodes a request's properties once, whatever the number of policies", () => {
        const request = receivedRequest();
        let decodes = 0;
        let depth = 0; // a decode calls toJavaScript() again for each nested object
        const original = structProto.Struct.prototype.toJavaScript;
        structProto.Struct.prototype.toJavaScript = function (this: unknown) {
            decodes += depth === 0 ? 1 : 0;
            depth++;
            try {
                return original.call(this);
            } finally {
                depth--;
            }
        };
        try {
            for (let policy = 0; policy < 8; policy++) {
                deserializeProperties(request.getProperties(), false);
            }
        } finally {
            structProto.Struct.prototype.toJavaScript = original;
        }
        assert.strictEqual(decodes, 1);
    });

    it("gives every policy its own objects, equal to what the SDK built before", () => {
        const request = receivedRequest();
        const first = deserializeProperties(request.getProperties(), false);
        const second = deserializeProperties(request.getProperties(), false);
        const expected = { ...props, secret: "s3cr3t" };
        assert.deepStrictEqual(first, expected);
        assert.deepStrictEqual(second, expected);
        (first as any).spec.containers[0].name = "changed";
        (first as any).metadata.labels.extra = "x";
        assert.deepStrictEqual(second, expected);
        assert.deepStrictEqual(deserializeProperties(request.getProperties(), false), expected);
    });

    it("keeps a request's decoded value from being changed through toJavaScript()", () => {
        const decoded = receivedRequest().getProperties().toJavaScript();
        assert.throws(() => (decoded.metadata.name = "other"), TypeError); // modules are strict: writing a frozen property throws
    });
});
