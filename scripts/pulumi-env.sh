# Source this (bash): puts the Pulumi CLI from scripts/pulumi-cli.sh on PATH and sets up
# an offline, throwaway Pulumi environment in a temp directory.
#
#   source scripts/pulumi-env.sh
#   pulumi version
#
# It does not install provider plugins: scripts/preview-example.sh (test/e2e/harness.js)
# does that, with the stand-ins the engine tests use.
_cg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_cg_dir="$("$_cg_root/scripts/pulumi-cli.sh")" || return 1
export PATH="$_cg_dir:$PATH"
CG_PULUMI_TMP="$(mktemp -d "${TMPDIR:-/tmp}/container-guard-pulumi-XXXXXX")"
mkdir -p "$CG_PULUMI_TMP/home" "$CG_PULUMI_TMP/state"
export CG_PULUMI_TMP
export PULUMI_HOME="$CG_PULUMI_TMP/home"
export PULUMI_BACKEND_URL="file://$CG_PULUMI_TMP/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-container-guard}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
unset _cg_root _cg_dir
