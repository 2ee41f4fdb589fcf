# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings and paths set here are used by install.sh, run.sh and check.sh
# scripts/stack/common.sh: what every part of scripts/stack.sh shares. Sourced, never run.
#
#   - paths (repository, .stack/, the build cache) and the pinned versions, from collector/versions.env
#   - the settings (STACK_* variables, port defaults from collector/ports.txt), read and validated by load_settings
#   - the components and what is known of each: binary, ports, health and public URLs, running pid
#   - small helpers: log, die, have, now, elapsed
#
# The caller (scripts/stack.sh) sets `set -euo pipefail` first.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COLLECTOR_DIR="$ROOT/collector"
STACK_DIR="$ROOT/.stack"
BIN_DIR="$STACK_DIR/bin"
CACHE_DIR=${STACK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/genai-otel-stack}

COMPONENTS=(prometheus alertmanager jaeger collector)

# ---------------------------------------------------------------- helpers
log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- pinned versions
# COLLECTOR_VERSION, COLLECTOR_STABLE_VERSION, JAEGER_VERSION, JAEGER_PSEUDO_VERSION, JAEGER_MODULE_VERSION,
# JAEGER_MODULE_LABEL and the compose-only image versions.
# shellcheck source-path=SCRIPTDIR/../../collector source=versions.env
source "$COLLECTOR_DIR/versions.env"
for _v in COLLECTOR_VERSION JAEGER_VERSION JAEGER_PSEUDO_VERSION JAEGER_MODULE_VERSION JAEGER_MODULE_LABEL; do
  [[ -n ${!_v:-} ]] || die "collector/versions.env does not set $_v"
done
unset _v
JAEGER_PSEUDO_LABEL=v$JAEGER_VERSION
# Bump when the build recipe (scripts/stack/install.sh) changes, to invalidate the caches.
RECIPE_REV=1

# ---------------------------------------------------------------- ports
# PORT_SETTINGS: the settings of collector/ports.txt in its order (OTLP_GRPC_PORT, ...);
# PORT_DEFAULT[setting] and PORT_COMPONENT[setting]: its default and the component listening on it.
PORT_SETTINGS=()
declare -gA PORT_DEFAULT=() PORT_COMPONENT=()
read_ports_file() {
  local file="$COLLECTOR_DIR/ports.txt" line n=0
  [[ -r $file ]] || die "cannot read $file"
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%%#*}
    [[ -z ${line//[[:space:]]/} ]] && continue
    [[ $line =~ ^([A-Z][A-Z0-9_]*_PORT)[[:space:]]+([0-9]+)[[:space:]]+([a-z]+)([[:space:]]|$) ]] \
      || die "collector/ports.txt line $n: expected '<SETTING>_PORT <default> <component> <what>', got '$line'"
    PORT_SETTINGS+=("${BASH_REMATCH[1]}")
    PORT_DEFAULT[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    PORT_COMPONENT[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
  done <"$file"
}
read_ports_file

# ---------------------------------------------------------------- settings
load_settings() {
  HOST=${STACK_HOST:-127.0.0.1}
  local p var
  # OTLP_GRPC_PORT=${STACK_OTLP_GRPC_PORT:-4317} and so on, for every port of collector/ports.txt.
  for p in "${PORT_SETTINGS[@]}"; do
    var=STACK_$p
    printf -v "$p" '%s' "${!var:-${PORT_DEFAULT[$p]}}"
  done
  RUN_DIR=${STACK_RUN_DIR:-$STACK_DIR/run}
  PROM_RETENTION=${STACK_PROMETHEUS_RETENTION:-15d}
  JAEGER_STORAGE=${STACK_JAEGER_STORAGE:-badger}
  JAEGER_RETENTION=${STACK_JAEGER_RETENTION:-168h}
  JAEGER_MAX_TRACES=${STACK_JAEGER_MAX_TRACES:-100000}
  SCRAPE_INTERVAL=${STACK_SCRAPE_INTERVAL:-15s}
  TAIL_SAMPLING=${STACK_TAIL_SAMPLING:-0}
  UP_TIMEOUT=${STACK_UP_TIMEOUT:-90}
  for p in "${PORT_SETTINGS[@]}"; do
    if ! [[ ${!p} =~ ^[0-9]+$ ]] || (( ${!p} < 1 || ${!p} > 65535 )); then
      die "STACK_$p must be a port number, got '${!p}'"
    fi
  done
  [[ $UP_TIMEOUT =~ ^[0-9]+$ ]] || die "STACK_UP_TIMEOUT must be a number of seconds, got '$UP_TIMEOUT'"
  [[ $JAEGER_STORAGE == badger || $JAEGER_STORAGE == memory ]] \
    || die "STACK_JAEGER_STORAGE must be badger or memory, got '$JAEGER_STORAGE'"
  [[ $JAEGER_RETENTION =~ ^([0-9]+(ns|us|ms|s|m|h))+$ ]] \
    || die "STACK_JAEGER_RETENTION must be a Go duration such as 168h, got '$JAEGER_RETENTION'"
  case "$RUN_DIR" in /*) ;; *) RUN_DIR="$PWD/$RUN_DIR" ;; esac
  PID_DIR="$RUN_DIR/pids"
  LOG_DIR="$RUN_DIR/logs"
  CONF_DIR="$RUN_DIR/config"
}

# The settings that must not change while any component runs (kept in <run folder>/stack.env).
settings_fingerprint() {
  local p
  printf '%s\n' "HOST=$HOST"
  for p in "${PORT_SETTINGS[@]}"; do printf '%s\n' "$p=${!p}"; done
  printf '%s\n' "TAIL_SAMPLING=$TAIL_SAMPLING"
}

# ---------------------------------------------------------------- components
component_bin() {
  case "$1" in
    prometheus) command -v prometheus || true ;;
    alertmanager) command -v prometheus-alertmanager || command -v alertmanager || true ;;
    jaeger) echo "$BIN_DIR/jaeger" ;;
    collector|agent|gateway[0-9]*) echo "$BIN_DIR/otelcol-genai" ;;
    victoriametrics) echo "$BIN_DIR/victoria-metrics" ;;
  esac
}

# The ports a component listens on (collector/ports.txt's component column), space-separated.
component_ports() {
  local p ports=()
  for p in "${PORT_SETTINGS[@]}"; do
    [[ ${PORT_COMPONENT[$p]} == "$1" ]] && ports+=("${!p}")
  done
  echo "${ports[*]}"
}

component_health_url() {
  case "$1" in
    prometheus) echo "http://$HOST:$PROMETHEUS_PORT/-/ready" ;;
    alertmanager) echo "http://$HOST:$ALERTMANAGER_PORT/-/ready" ;;
    jaeger) echo "http://$HOST:$JAEGER_HEALTH_PORT/status" ;;
    collector) echo "http://$HOST:$COLLECTOR_HEALTH_PORT/" ;;
    # The scale profile (scripts/stack/scale.sh): gateway_addr gives a gateway's loopback address.
    agent) echo "http://$HOST:$AGENT_HEALTH_PORT/" ;;
    gateway[0-9]*) echo "http://$(gateway_addr "$1"):$GATEWAY_HEALTH_PORT/" ;;
    victoriametrics) echo "http://$HOST:$VICTORIAMETRICS_PORT/health" ;;
  esac
}

component_url() {
  case "$1" in
    prometheus) echo "http://$HOST:$PROMETHEUS_PORT" ;;
    alertmanager) echo "http://$HOST:$ALERTMANAGER_PORT" ;;
    jaeger) echo "http://$HOST:$JAEGER_UI_PORT" ;;
    collector|agent) echo "grpc://$HOST:$OTLP_GRPC_PORT http://$HOST:$OTLP_HTTP_PORT" ;;
    gateway[0-9]*) echo "grpc://$(gateway_addr "$1"):$GATEWAY_OTLP_PORT metrics http://$(gateway_addr "$1"):$GATEWAY_PROM_PORT/metrics" ;;
    victoriametrics) echo "http://$HOST:$VICTORIAMETRICS_PORT" ;;
  esac
}

check_component_name() {
  local c
  for c in "${COMPONENTS[@]}"; do [[ $c == "$1" ]] && return 0; done
  die "unknown component '$1' (expected one of: ${COMPONENTS[*]})"
}

# SELECTED: the named components (all when none is named), in start order.
select_components() {
  SELECTED=()
  local c want
  if (( $# == 0 )); then SELECTED=("${COMPONENTS[@]}"); return; fi
  for want in "$@"; do check_component_name "$want"; done
  for c in "${COMPONENTS[@]}"; do
    for want in "$@"; do
      if [[ $want == "$c" ]]; then SELECTED+=("$c"); fi
    done
  done
}

check_installed() {
  local c bin
  for c in "$@"; do
    bin=$(component_bin "$c")
    [[ -n $bin && -x $bin ]] || die "$c is not installed (expected ${bin:-its binary on PATH}): run 'scripts/stack.sh install' first"
  done
}

pid_of() {
  local f="$PID_DIR/$1.pid" pid bin
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  bin=$(component_bin "$1")
  # Guard against a recycled pid: the process must still be our binary.
  [[ $(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1) == "$bin" ]] || return 1
  echo "$pid"
}

any_running() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && return 0; done
  return 1
}

is_healthy() {
  curl -fsS -o /dev/null --max-time 2 "$(component_health_url "$1")" 2>/dev/null
}
