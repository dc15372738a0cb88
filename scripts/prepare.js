// `npm install` in a checkout builds the pack (and `npm pack` through scripts/published-manifest.js).
// The published package.json has no scripts, so an install of the published pack runs nothing; a
// tarball packed with --ignore-scripts keeps this one and ships no tsconfig.json, so it builds
// nothing either. Without TypeScript (`npm install --omit=dev`) the build in bin/ must be there.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
let tsc;
try {
    tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
    if (!fs.existsSync(path.join(root, "bin", "index.js"))) {
        console.error("container-guard: TypeScript is not installed and bin/index.js is missing; run `npm install` with dev dependencies.");
        process.exit(1);
    }
    process.exit(0);
}
if (fs.existsSync(path.join(root, "tsconfig.json"))) {
    execFileSync(process.execPath, [tsc, "-p", root], { stdio: "inherit" });
}
