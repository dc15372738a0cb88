#!/usr/bin/env bash
# Prints the path of a directory that holds a `pulumi` CLI binary (and, when it
# could be had, the `pulumi-language-nodejs` language host next to it).
#
#   1. `pulumi` on PATH            -> its directory
#   2. a cached build              -> $CACHE/pulumi-<version>/bin
#   3. otherwise builds one from the Go module proxy into that cache dir.
#
# The Pulumi CLI can't be downloaded here (no get.pulumi.com), but it is a Go module.
# `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX` fails because pkg's go.mod
# has replace directives, so we generate a tiny wrapper module that requires pkg/v3 and
# sdk/v3 at the same tag (copying the non-local replace directive) and `go build`s it.
#
# Environment:
#   PULUMI_CLI_VERSION   tag to build (default v3.248.0, matching the locked @pulumi/pulumi)
#   CONTAINER_GUARD_CACHE cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/container-guard)
#   PULUMI_CLI_NO_PATH=1 ignore a `pulumi` on PATH (always use/build the cached one)
#
# Offline settings callers should export (see `scripts/pulumi-env.sh`, which
# `source`s into a shell and sets all of them):
#   PULUMI_BACKEND_URL=file://<tmpdir>            local file state backend, no login
#   PULUMI_CONFIG_PASSPHRASE=<anything>           passphrase secrets provider
#   PULUMI_HOME=<tmpdir>                          no ~/.pulumi side effects, no cached plugins
#   PULUMI_SKIP_UPDATE_CHECK=true                 no version check against pulumi.com
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true  never download plugins
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true, PULUMI_SKIP_CONFIRMATIONS=true
#
# Logs go to stderr; stdout carries only the directory.
set -euo pipefail

VERSION="${PULUMI_CLI_VERSION:-v3.248.0}"
CACHE_ROOT="${CONTAINER_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-guard}"
DEST="$CACHE_ROOT/pulumi-$VERSION"
BIN="$DEST/bin"

log() { echo "pulumi-cli: $*" >&2; }

if [[ "${PULUMI_CLI_NO_PATH:-}" != 1 ]] && command -v pulumi >/dev/null 2>&1; then
  dirname "$(readlink -f "$(command -v pulumi)")"
  exit 0
fi

if [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "no pulumi on PATH, no cached build and no Go toolchain"; exit 1; }

mkdir -p "$DEST"
# One builder at a time (CI and a developer may race on the same cache).
exec 9>"$DEST/.lock"
flock 9
if [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" ]]; then echo "$BIN"; exit 0; fi

export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
SRC="$DEST/src"
mkdir -p "$SRC" "$BIN.tmp"
start=$SECONDS

# --- the CLI ---------------------------------------------------------------
if [[ ! -x "$BIN.tmp/pulumi" ]]; then
  mkdir -p "$SRC/cli"
  cat > "$SRC/cli/go.mod" <<GOMOD
module container-guard/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

// copied from pkg/go.mod (its "sdk => ../sdk" replace is replaced by the require above)
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
  log "building pulumi $VERSION (cold build takes several minutes) ..."
  (cd "$SRC/cli" && go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${VERSION}" \
      -o "$BIN.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
fi

# --- the Node.js language host (needed to run a TypeScript/JS program) ------
if [[ ! -x "$BIN.tmp/pulumi-language-nodejs" ]]; then
  LANGHOST_STEP_PLACEHOLDER=1
fi

rm -rf "$BIN"
mv "$BIN.tmp" "$BIN"
log "built in $((SECONDS - start))s: $BIN"
echo "$BIN"
