#!/usr/bin/env bash
# Runs the scale profile's trace tier alone (scripts/stack/scale-traces.sh), for its end-to-end test and bench:
#   test/e2e/support/scale-traces.sh install|installed|up|down|status [PROCESS...]
# Same settings as scripts/stack.sh (STACK_* variables, ports of collector/ports.txt, STACK_SCALE_KAFKA).
set -euo pipefail
STACK_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/stack" && pwd)"
# shellcheck source-path=SCRIPTDIR/../../../scripts/stack source=../../../scripts/stack/common.sh
source "$STACK_LIB/common.sh"
# shellcheck source=../../../scripts/stack/scale-traces.sh
source "$STACK_LIB/scale-traces.sh"
load_settings
sub=${1:-}
(( $# )) && shift
case "$sub" in
  install) scale_traces_install ;;
  up) scale_traces_up "$@" ;;
  down) scale_traces_down "$@" ;;
  status) scale_traces_status ;;
  installed) scale_traces_installed ;;
  *) die "usage: $0 install|installed|up|down|status [PROCESS...]" ;;
esac
