#!/usr/bin/env node
// Stand-in resource provider plugin for the engine tests (`pulumi-resource-<name>`).
//
// The real kubernetes / docker / docker-build providers can't be downloaded here, and a
// preview doesn't need them to do anything: the engine only needs a plugin that answers
// GetPluginInfo / GetSchema / CheckConfig / Configure / Check / Diff / Create. This one
// passes inputs through (Check returns the inputs, Diff reports no changes, Create
// returns a fake id with the inputs as outputs), so what the policy pack sees is exactly
// what the program declared.
//
// Usage (the test writes a `pulumi-resource-<pkg>` wrapper onto PATH that runs):
//   node provider.js <kubernetes|docker|docker-build> <engine-address>
//
// The version it reports is the one the installed SDK package requests
// (`pulumi.version` in node_modules/@pulumi/<pkg>/package.json), so a program that pins
// it gets this plugin without a download; a fixed default otherwise.
"use strict";

const path = require("path");
const { schemaFor, versionFor, checkDefaults } = require("./schema");

const pkg = process.argv[2];
const engineArgs = process.argv.slice(3);
if (!pkg) {
    process.stderr.write("usage: provider.js <package> <engine-address>\n");
    process.exit(2);
}

// Resolve @pulumi/pulumi from the pack's node_modules (or NODE_PATH).
const providerApi = require(require.resolve("@pulumi/pulumi/provider", {
    paths: [process.env.CG_PULUMI_NODE_MODULES || path.resolve(__dirname, "../../../node_modules"), __dirname],
}));

const version = versionFor(pkg);
const schema = JSON.stringify(schemaFor(pkg, version));
let counter = 0;

const provider = {
    version,
    getSchema: async () => schema,
    check: async (urn, olds, news) => ({ inputs: checkDefaults(pkg, urn, news) }),
    diff: async () => ({ changes: false }),
    create: async (urn, inputs) => ({ id: `${pkg}-standin-${++counter}`, outs: inputs }),
    read: async (id, urn, props) => ({ id, props }),
    update: async (id, urn, olds, news) => ({ outs: news }),
    delete: async () => {},
};

providerApi.main(provider, engineArgs).catch((err) => {
    process.stderr.write(`stand-in provider ${pkg} failed: ${err && err.stack || err}\n`);
    process.exit(1);
});
