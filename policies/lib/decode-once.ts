// @pulumi/policy decodes an Analyze request's properties once per policy (server.js,
// makeAnalyzeRpcFun: `deserializeProperties(req.getProperties(), false)` inside the loop over
// policies; the same in makeAnalyzeStackRpcFun), and decoding is slow: google-protobuf's
// Struct.toJavaScript() then a copy, about 200 µs of CPU for a Deployment with three containers,
// more than all of this pack's policies together (docs/performance.md). This decodes each
// request's properties once and hands every policy the same object, which also lets the policies
// share what they derive from it (per-resource.ts). The pack's policies only read their props
// (remediation, which changes them, works on a copy and is decoded by the SDK as before);
// test/decode-once.spec.ts checks both.
//
// The module patched is internal to the SDK, and a published pack gets the newest @pulumi/policy
// in range, so the patch applies only when the SDK is laid out and used as it expects: server.js
// next to the SDK's main module, loaded by it; server.js reaching `./deserialize` only through
// calls `<module>.<function>(...)` (so a replaced export is what it calls) and calling
// deserializeProperties(<request>.getProperties(), true | false); the export a writable function.
// Anything else leaves the SDK's own decoding in place, silently (the engine shows a pack's stderr
// on every preview), with the same verdicts, only slower; `decodeOnce` says which, for the tests
// (test/engine/sdk-layout.engine.spec.ts).
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";

type DeserializeProperties = (struct: object | undefined, proxySecrets: boolean) => Record<string, unknown>;

export type DecodeOnce = { applied: true } | { applied: false; reason: string };

/** `require("./deserialize")` bound to a name, as TypeScript compiles `import * as x from "./deserialize"`. */
const binding = /([A-Za-z_$][\w$]*)\s*=\s*require\(\s*["']\.\/deserialize["']\s*\)/g;

/** Why the server's use of `./deserialize` is not what the patch expects, or undefined when it is. */
function unexpectedUse(source: string): string | undefined {
    const bindings = [...source.matchAll(binding)];
    if (bindings.length !== 1) {
        return `server.js binds require("./deserialize") ${bindings.length} times, not once`;
    }
    const local = bindings[0][1];
    const name = local.replace(/\$/g, "\\$");
    // Every other mention calls an export: `m.f(` as TypeScript 3 compiles a call, `(0, m.f)(` as 4.4 and later do.
    const mentions = [...source.matchAll(new RegExp(`(?<![\\w$.])${name}(?![\\w$])(\\.[\\w$]+\\)?\\s*\\()?`, "g"))];
    if (mentions.some(mention => mention.index !== bindings[0].index && !mention[1])) {
        return "server.js uses the ./deserialize module other than by calling its exports";
    }
    const decodes = source.split(`${local}.deserializeProperties`).length - 1;
    const expected = [...source.matchAll(new RegExp(`${name}\\.deserializeProperties\\)?\\s*\\(\\s*[\\w$]+\\.getProperties\\(\\)\\s*,\\s*(true|false)\\s*\\)`, "g"))];
    if (expected.length !== decodes || !expected.some(call => call[1] === "false")) {
        return "server.js doesn't call deserializeProperties(<request>.getProperties(), false | true) only";
    }
    return undefined;
}

/** Replaces the SDK's deserializeProperties with one decoding each request once; why not, when it can't. */
function patch(): string | undefined {
    let main: string;
    try {
        main = require.resolve("@pulumi/policy");
        require(main);
    } catch (e) {
        return `@pulumi/policy doesn't load: ${(e as Error).message}`;
    }
    const server = path.join(path.dirname(main), "server.js");
    if (!require.cache[server]) {
        return `@pulumi/policy did not load ${server}`;
    }
    const problem = unexpectedUse(fs.readFileSync(server, "utf8"));
    if (problem) {
        return problem;
    }
    let deserialize: { deserializeProperties?: unknown };
    try {
        deserialize = createRequire(server)("./deserialize");
    } catch (e) {
        return `server.js's ./deserialize doesn't load: ${(e as Error).message}`;
    }
    const deserializeEach = deserialize.deserializeProperties;
    if (typeof deserializeEach !== "function") {
        return "./deserialize has no function deserializeProperties";
    }
    const decoded = new WeakMap<object, Record<string, unknown>>();
    const deserializeOnce: DeserializeProperties = (struct, proxySecrets) => {
        if (proxySecrets || !struct) {
            return deserializeEach(struct, proxySecrets);
        }
        let props = decoded.get(struct);
        if (!props) {
            props = deserializeEach(struct, proxySecrets) as Record<string, unknown>;
            decoded.set(struct, props);
        }
        return props;
    };
    try {
        deserialize.deserializeProperties = deserializeOnce;
    } catch {
        // A getter-only export (a re-export) throws here; a read-only one may not.
    }
    return deserialize.deserializeProperties === deserializeOnce ? undefined : "./deserialize's deserializeProperties can't be replaced";
}

const reason = patch();
/** Whether the SDK now decodes each request's properties once, and if not, why. */
export const decodeOnce: DecodeOnce = reason === undefined ? { applied: true } : { applied: false, reason };
