#!/usr/bin/env bash
# Previews one of examples/ with the real Pulumi CLI and this policy pack, offline, in a
# throwaway workspace with the stand-in provider plugins the engine tests use.
#
#   scripts/preview-example.sh insecure
#   scripts/preview-example.sh insecure --config examples/policy-config/all-mandatory.json
#   scripts/preview-example.sh compliant --pack /path/to/another/pack -- --diff
#
# The pack (default: this repository) must be built: npm run build.
exec node "$(dirname "$0")/../test/e2e/harness.js" "$@"
