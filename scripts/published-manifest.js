// The package.json that `npm pack` ships, and so `pulumi policy publish` (which runs `npm pack`).
// Pulumi installs a published pack with `npm install` in the unpacked tarball, devDependencies
// included (README, "What a published pack installs"), so the shipped manifest leaves out what
// only a checkout uses: devDependencies (TypeScript, mocha, the provider SDKs the tests and docs
// use) and the scripts (the build is in the tarball; nothing runs on install).
//
//   node scripts/published-manifest.js write     (prepack) builds, then writes the published manifest
//   node scripts/published-manifest.js restore   (postpack) puts the checkout's manifest back
//
// The checkout's manifest waits in package.json.checkout between the two. A pack that fails after
// `write` leaves it there; the next `write` starts from it, and `restore` puts it back by hand.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const manifest = path.join(root, "package.json");
const checkout = path.join(root, "package.json.checkout");

/** The manifest as published: the checkout's without what only a checkout uses. */
function published(text) {
    const { scripts, devDependencies, ...kept } = JSON.parse(text);
    return `${JSON.stringify(kept, null, 2)}\n`;
}

function restore() {
    if (fs.existsSync(checkout)) {
        fs.renameSync(checkout, manifest);
    }
}

const command = process.argv[2];
if (command === "write") {
    restore();
    // Build before the manifest changes, so that a failing build leaves the checkout as it was.
    execFileSync(process.execPath, [path.join(__dirname, "prepare.js")], { stdio: ["ignore", "inherit", "inherit"] });
    const text = fs.readFileSync(manifest, "utf8");
    fs.copyFileSync(manifest, checkout);
    fs.writeFileSync(`${manifest}.tmp`, published(text));
    fs.renameSync(`${manifest}.tmp`, manifest);
} else if (command === "restore") {
    restore();
} else {
    console.error("usage: node scripts/published-manifest.js write|restore");
    process.exit(2);
}
