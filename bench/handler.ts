// @pulumi/policy's own Analyze handler (server.js, makeAnalyzeRpcFun) called in this process on
// encoded requests, with the response encoded as the server sends it: what a call costs the pack
// process without gRPC's transport. With decode-once.ts, as the pack loads it.
import * as path from "path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import "../policies/lib/decode-once";

const sdk = path.dirname(require.resolve("@pulumi/policy/package.json"));
const server = require(path.join(sdk, "server"));
/** The request class the SDK's server reads: its own @pulumi/pulumi's. */
const analyzeRequest = require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [sdk] })).AnalyzeRequest;

type Callback = (error: Error | null, response?: { serializeBinary(): Uint8Array }) => void;

/** A function that analyzes one encoded request as the pack's server would. */
export function analyzeHandler(policies: readonly ResourceValidationPolicy[]): (request: Uint8Array) => Promise<void> {
    const handle: (call: { request: unknown }, callback: Callback) => void = server.makeAnalyzeRpcFun("bench", "0.0.0", "advisory", policies);
    return request =>
        new Promise((resolve, reject) =>
            handle({ request: analyzeRequest.deserializeBinary(request) }, (error, response) => {
                if (error) {
                    reject(error);
                } else {
                    response!.serializeBinary();
                    resolve();
                }
            }),
        );
}
