#!/usr/bin/env bash
# Installs the tools `npm run bench` measures `container-guard scan` against, into a cache outside
# the repository (CONTAINER_GUARD_CACHE, default ~/.cache/container-guard):
#   kube-linter  -> $cache/kube-linter/kube-linter   (Go: `go install` through the module proxy)
#   Checkov      -> $cache/checkov/bin/checkov        (Python: a venv with checkov from PyPI)
# Each is optional: the bench says which peer is missing and skips it. Run again to reinstall.
#
#   scripts/peers.sh                                   # both
#
# kube-linter's module path is golang.stackrox.io/kube-linter. Where the module proxy doesn't serve
# it (it refuses it on the build machines here), the bench reports kube-linter as skipped; a
# kube-linter already on PATH, or placed at $cache/kube-linter/kube-linter, is used as it is.
set -uo pipefail

cache="${CONTAINER_GUARD_CACHE:-$HOME/.cache/container-guard}"
kube_linter_version="${KUBE_LINTER_VERSION:-v0.7.21}"
checkov_version="${CHECKOV_VERSION:-3.3.30}"
status=0

install_kube_linter() {
    if ! command -v go >/dev/null; then
        echo "kube-linter: no Go toolchain; not installed"
        return 1
    fi
    mkdir -p "$cache/kube-linter"
    GOBIN="$cache/kube-linter" go install "golang.stackrox.io/kube-linter/cmd/kube-linter@$kube_linter_version" || {
        echo "kube-linter: not installed (see the comment at the top of $0)"
        return 1
    }
    echo "kube-linter: $("$cache/kube-linter/kube-linter" version) in $cache/kube-linter"
}

install_checkov() {
    if ! python3 -m venv "$cache/checkov" || ! "$cache/checkov/bin/pip" install --quiet --disable-pip-version-check "checkov==$checkov_version"; then
        echo "checkov: not installed"
        return 1
    fi
    echo "checkov: $("$cache/checkov/bin/checkov" --version) in $cache/checkov"
}

install_kube_linter || status=1
install_checkov || status=1
exit $status
