import * as assert from "assert";
import * as path from "path";
import * as fs from "fs";
import * as os from "os";
import { deployment, mixedResource, writeBuildContexts } from "../bench/resources";
import { policies } from "../policies";
import "../policies/lib/decode-once";
import { NotApplicable, UNKNOWN_STRING, unknownCheckingProxy, validationArgs } from "./helpers";

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

/** Makes every object of a value read-only, so that a policy writing to its props throws (modules are strict). */
function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
    }
    return value;
}

describe("decode-once (Analyze request properties decoded once per request)", () => {
    it("patches the deserializeProperties that @pulumi/policy's server calls", () => {
        require("@pulumi/policy/server");
        const used = require.cache[require.resolve("@pulumi/policy/server")]!.children.find(m => m.filename === require.resolve("@pulumi/policy/deserialize"));
        assert.ok(used, "server.js loads the deserialize module this module patches");
        assert.strictEqual(used.exports.deserializeProperties, deserializeProperties);
        const request = receivedRequest();
        assert.strictEqual(deserializeProperties(request.getProperties(), false), deserializeProperties(request.getProperties(), false));
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

    it("gives every policy of a request the props the SDK built before, and each request props of its own", () => {
        const first = receivedRequest();
        const expected = { ...props, secret: "s3cr3t" };
        assert.deepStrictEqual(deserializeProperties(first.getProperties(), false), expected);
        const second = receivedRequest();
        assert.notStrictEqual(deserializeProperties(second.getProperties(), false), deserializeProperties(first.getProperties(), false));
        assert.deepStrictEqual(deserializeProperties(second.getProperties(), false), expected);
    });

    it("leaves remediation's decoding as it was: a copy of its own, secrets kept wrapped", () => {
        const request = receivedRequest();
        const copy = deserializeProperties(request.getProperties(), true);
        assert.notStrictEqual(copy, deserializeProperties(request.getProperties(), true));
        assert.notStrictEqual(copy, deserializeProperties(request.getProperties(), false));
    });

    it("no policy of the pack writes to the props it is given, which it shares with the others", () => {
        const contexts = writeBuildContexts(fs.mkdtempSync(path.join(os.tmpdir(), "decode-once-")), 40);
        const resources = [...Array.from({ length: 40 }, (_, i) => mixedResource(i, contexts)), deployment(1, 3, true)];
        for (const resource of resources) {
            const frozen = deepFreeze(JSON.parse(JSON.stringify(resource.props)));
            for (const policy of policies) {
                // validate() copies the props it is given; the frozen copy goes to the policy as the SDK would hand it.
                const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
                for (const validation of validations) {
                    try {
                        validation(validationArgs(resource.type, { name: resource.name }, unknownCheckingProxy(frozen)), () => undefined);
                    } catch (e) {
                        assert.ok(e instanceof NotApplicable, `${policy.name} on ${resource.type}: ${e}`);
                    }
                }
            }
        }
    });
});
