#!/usr/bin/env bash
# Compatibility check, run by .ci/run after the locked `npm ci && npm test` on the machine's Node:
#
#   locked  the whole test suite (`npm test`: build, unit specs, engine-protocol specs) on each
#           Node major in $CONTAINER_GUARD_NODE_MAJORS (default "22 24"), with the locked
#           node_modules (no native addons in them, so one install serves every Node). npm's
#           scripts run under the first `node` on PATH, and the engine specs spawn the pack with
#           the node running mocha, so the pack runs on that Node too.
#   fresh   the pack as Pulumi Cloud installs it: `npm pack` (which leaves the lockfile out),
#           unpacked into a clean folder, `npm install` there as the Node.js language host does
#           for a policy pack (no lockfile: the newest versions in range; devDependencies would
#           be included, but the published package.json has none), then the engine-protocol
#           specs against that folder (CONTAINER_GUARD_PACK_DIR), on the machine's Node and on
#           each of those majors. The install must have resolved every dependency, @pulumi/policy
#           and @pulumi/pulumi among them, to the newest version in range (`npm outdated`:
#           current = wanted), so that the specs, test/engine/sdk-layout.engine.spec.ts among
#           them, run against the SDK a newly installed pack gets.
#           --engine-strict makes the install fail if any package it picks refuses the Node it
#           runs on, so `engines` in package.json can't silently stop being true. Within a
#           range npm prefers the newest version whose `engines` accepts the running Node: on
#           Node 20 that is @pulumi/pulumi 3.248.x (3.249 and later need Node 22), which is
#           what a Node 20 user gets.
#
#   scripts/compat.sh                 both steps
#   scripts/compat.sh fresh           one of them
#   CONTAINER_GUARD_NODE_MAJORS="24 26" scripts/compat.sh
#
# Every leg runs even when an earlier one failed; the closing summary lists them all and the
# exit status is non-zero if any failed. Node binaries come from scripts/node-versions.sh
# (npm registry, cached outside the repo).
set -euo pipefail
cd "$(dirname "$0")/.."

steps=${*:-locked fresh}
majors=${CONTAINER_GUARD_NODE_MAJORS:-22 24}
# The fresh install's packages of interest, printed with the versions npm resolved.
watched=(@pulumi/pulumi @pulumi/policy @grpc/grpc-js google-protobuf dockerfile-ast @pulumi/kubernetes @pulumi/docker @pulumi/docker-build typescript)

for step in $steps; do
  [[ $step == locked || $step == fresh ]] || { echo "usage: $0 [locked] [fresh]" >&2; exit 2; }
done

start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
summary=()
failed=0

say() { printf '\n=== compat: %s\n' "$*"; }

# leg <label> <command...>: runs one leg, records its verdict and time for the summary.
leg() {
  local label=$1 leg_start=$SECONDS verdict=ok
  shift
  say "$label"
  if ! "$@"; then
    verdict=FAILED
    failed=1
  fi
  summary+=("$(printf '%-6s %-44s %4d s' "$verdict" "$label" $((SECONDS - leg_start)))")
  [[ $verdict == ok ]]
}

# install_fresh <node-dir> <tarball> <folder>: unpack, install, print what was resolved, check
# that it is the newest in range. --prefer-online revalidates npm's cached registry metadata, so
# a release of minutes ago counts.
install_fresh() {
  local dir=$1 tarball=$2 pack=$3
  mkdir -p "$pack" &&
    tar -xzf "$tarball" -C "$pack" --strip-components=1 &&
    (cd "$pack" && PATH="$dir:$PATH" npm install --engine-strict --prefer-online --no-audit --no-fund) &&
    (cd "$pack" && "$dir/node" -e '
      for (const name of process.argv.slice(1)) {
        let version = "(not installed)";
        try { version = require(`${name}/package.json`).version; } catch {}
        console.log(`  ${name.padEnd(22)} ${version}`);
      }' "${watched[@]}") &&
    (cd "$pack" && { PATH="$dir:$PATH" npm outdated --json --prefer-online || true; } | "$dir/node" -e '
      const outdated = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const stale = Object.entries(outdated).filter(([, v]) => v.current !== v.wanted);
      for (const [name, v] of stale) console.error(`  ${name} ${v.current} installed, ${v.wanted} is the newest in range`);
      process.exit(stale.length ? 1 : 0);')
}

node_dirs=$(scripts/node-versions.sh $majors)
mapfile -t node_dirs <<<"$node_dirs"
say "Node binaries ready after $((SECONDS - start)) s: ${node_dirs[*]}"

if [[ " $steps " == *" locked "* ]]; then
  for dir in "${node_dirs[@]}"; do
    leg "locked, npm test on Node $("$dir/node" --version)" env PATH="$dir:$PATH" npm test || true
  done
fi

if [[ " $steps " == *" fresh "* ]]; then
  # npm pack builds the pack (prepare) into the tarball; the compiled specs run from this repo.
  tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
  node_modules/.bin/tsc -p test
  # .mocharc.json with only the engine specs (a spec named on mocha's command line would be
  # added to the config's, not replace it).
  node -e 'const c = require("./.mocharc.json"); c.spec = ["build/test/engine/**/*.engine.spec.js"]; console.log(JSON.stringify(c))' >"$work/mocharc.json"
  for dir in "$(dirname "$(command -v node)")" "${node_dirs[@]}"; do
    version=$("$dir/node" --version)
    leg "fresh install on Node $version" install_fresh "$dir" "$tarball" "$work/$version" &&
      leg "fresh, engine specs on Node $version" env CONTAINER_GUARD_PACK_DIR="$work/$version" PATH="$dir:$PATH" \
        node_modules/.bin/mocha --config "$work/mocharc.json" || true
  done
fi

say "done in $((SECONDS - start)) s"
printf '  %s\n' "${summary[@]}"
exit $failed
