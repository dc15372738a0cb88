// `npm install` builds the pack. An install of the published package (`npm install --omit=dev`,
// as Pulumi Cloud does) has no TypeScript, but the package already ships its build in bin/.
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
