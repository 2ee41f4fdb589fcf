#!/usr/bin/env bash
# genai-otel local backend: the bundled OpenTelemetry Collector, Jaeger v2,
# Prometheus and Alertmanager, run as plain processes (no Docker), bound to
# 127.0.0.1, with the same collector/config.yaml as docker-compose.yml.
#
# Usage: scripts/stack.sh <command> [args]
#   install              build/install the binaries (cached; safe to re-run)
#   up [COMPONENT...]    start everything (or the named components), wait until healthy
#   down [--purge] [COMPONENT...]
#                        stop everything (or the named components); --purge also
#                        deletes the run folder (data, logs, queue)
#   status               show each component's pid, health and address (exit 3 if not all healthy)
#   logs [-f] [-n N] [COMPONENT...]
#                        print (or follow) the components' logs
#   urls                 print the endpoints as KEY=VALUE lines
#   check                validate every config with the installed binaries (collector, Jaeger,
#                        promtool config + rule unit tests, amtool, compose YAML, dashboard JSON)
# Components: prometheus alertmanager jaeger collector
#
# Environment (defaults in brackets):
#   STACK_HOST [127.0.0.1]             address every component binds
#   STACK_OTLP_GRPC_PORT [4317]        collector OTLP/gRPC (point your app here)
#   STACK_OTLP_HTTP_PORT [4318]        collector OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318)
#   STACK_JAEGER_UI_PORT [16686]       Jaeger UI and HTTP API (/api/v3/...)
#   STACK_PROMETHEUS_PORT [9090]       Prometheus
#   STACK_ALERTMANAGER_PORT [9093]     Alertmanager
#   STACK_COLLECTOR_PROM_PORT [8889]   collector's prometheus exporter (scraped by Prometheus)
#   internal ports: STACK_COLLECTOR_HEALTH_PORT [13133], STACK_COLLECTOR_METRICS_PORT [8888],
#     STACK_JAEGER_OTLP_PORT [14317], STACK_JAEGER_OTLP_HTTP_PORT [14318],
#     STACK_JAEGER_GRPC_PORT [16685], STACK_JAEGER_HEALTH_PORT [13134], STACK_JAEGER_METRICS_PORT [14269]
#   STACK_RUN_DIR [<repo>/.stack/run]  data, logs, pids and rendered configs
#   STACK_PROMETHEUS_RETENTION [15d]   Prometheus --storage.tsdb.retention.time
#   STACK_JAEGER_STORAGE [badger]      badger: traces kept on disk in <run folder>/jaeger/badger, across
#                                      restarts; memory: kept in memory, lost when Jaeger stops
#   STACK_JAEGER_RETENTION [168h]      how long Badger keeps a trace (a Go duration: 72h, 720h)
#   STACK_JAEGER_MAX_TRACES [100000]   traces kept by the memory store (STACK_JAEGER_STORAGE=memory)
#   STACK_SCRAPE_INTERVAL [15s]        Prometheus scrape and rule evaluation interval
#   STACK_TAIL_SAMPLING [0]            1: add collector/tail-sampling.yaml to the collector
#   STACK_UP_TIMEOUT [90]              seconds "up" waits for the components to be healthy
#   STACK_CACHE_DIR [${XDG_CACHE_HOME:-$HOME/.cache}/genai-otel-stack]  shared build cache
#   GENAI_OTEL_COST_BUDGET_USD_PER_HOUR [5]   budget of the GenAICostBudgetExceeded alert
#   ALERT_* (see collector/alertmanager.yml)  Slack / e-mail / webhook notifications
#   STACK_ALERT_FOR                    replaces every alert's "for:" duration (tests use 0s)
#   Any OTELCOL_* variable of collector/config.yaml that is not an address or folder
#   (e.g. OTELCOL_SPANMETRICS_FLUSH_INTERVAL, OTELCOL_LOGS_ROTATE_MB) and JAEGER_LOG_LEVEL
#   are passed through to the processes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COLLECTOR_DIR="$ROOT/collector"
STACK_DIR="$ROOT/.stack"
BIN_DIR="$STACK_DIR/bin"
CACHE_DIR=${STACK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/genai-otel-stack}

# ---- pinned versions (keep in step with collector/builder-config.yaml and docker-compose.yml)
COLLECTOR_VERSION=0.161.0
# Jaeger v2 is tagged v2.x in a module without a /v2 path, which Go refuses. First try a
# pseudo-version of the v2.20.0 commit; when the module proxy does not serve it, build
# Jaeger v2.13.0 (= module tag v1.76.0) through a generated wrapper module.
JAEGER_PSEUDO_VERSION=v1.76.1-0.20260720033334-798e4b0fcf22
JAEGER_PSEUDO_LABEL=v2.20.0
JAEGER_MODULE_VERSION=v1.76.0
JAEGER_MODULE_LABEL=v2.13.0
# Bump when the build recipe below changes, to invalidate the caches.
RECIPE_REV=1

COMPONENTS=(prometheus alertmanager jaeger collector)

# ---------------------------------------------------------------- helpers
log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

load_settings() {
  HOST=${STACK_HOST:-127.0.0.1}
  OTLP_GRPC_PORT=${STACK_OTLP_GRPC_PORT:-4317}
  OTLP_HTTP_PORT=${STACK_OTLP_HTTP_PORT:-4318}
  JAEGER_UI_PORT=${STACK_JAEGER_UI_PORT:-16686}
  PROMETHEUS_PORT=${STACK_PROMETHEUS_PORT:-9090}
  ALERTMANAGER_PORT=${STACK_ALERTMANAGER_PORT:-9093}
  COLLECTOR_PROM_PORT=${STACK_COLLECTOR_PROM_PORT:-8889}
  COLLECTOR_HEALTH_PORT=${STACK_COLLECTOR_HEALTH_PORT:-13133}
  COLLECTOR_METRICS_PORT=${STACK_COLLECTOR_METRICS_PORT:-8888}
  JAEGER_OTLP_PORT=${STACK_JAEGER_OTLP_PORT:-14317}
  JAEGER_OTLP_HTTP_PORT=${STACK_JAEGER_OTLP_HTTP_PORT:-14318}
  JAEGER_GRPC_PORT=${STACK_JAEGER_GRPC_PORT:-16685}
  JAEGER_HEALTH_PORT=${STACK_JAEGER_HEALTH_PORT:-13134}
  JAEGER_METRICS_PORT=${STACK_JAEGER_METRICS_PORT:-14269}
  RUN_DIR=${STACK_RUN_DIR:-$STACK_DIR/run}
  PROM_RETENTION=${STACK_PROMETHEUS_RETENTION:-15d}
  JAEGER_STORAGE=${STACK_JAEGER_STORAGE:-badger}
  JAEGER_RETENTION=${STACK_JAEGER_RETENTION:-168h}
  JAEGER_MAX_TRACES=${STACK_JAEGER_MAX_TRACES:-100000}
  SCRAPE_INTERVAL=${STACK_SCRAPE_INTERVAL:-15s}
  TAIL_SAMPLING=${STACK_TAIL_SAMPLING:-0}
  UP_TIMEOUT=${STACK_UP_TIMEOUT:-90}
  local p
  for p in OTLP_GRPC_PORT OTLP_HTTP_PORT JAEGER_UI_PORT PROMETHEUS_PORT ALERTMANAGER_PORT \
           COLLECTOR_PROM_PORT COLLECTOR_HEALTH_PORT COLLECTOR_METRICS_PORT JAEGER_OTLP_PORT \
           JAEGER_OTLP_HTTP_PORT JAEGER_GRPC_PORT JAEGER_HEALTH_PORT JAEGER_METRICS_PORT; do
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

# The settings that must not change while any component runs.
settings_fingerprint() {
  printf '%s\n' "HOST=$HOST" "OTLP_GRPC_PORT=$OTLP_GRPC_PORT" "OTLP_HTTP_PORT=$OTLP_HTTP_PORT" \
    "JAEGER_UI_PORT=$JAEGER_UI_PORT" "PROMETHEUS_PORT=$PROMETHEUS_PORT" "ALERTMANAGER_PORT=$ALERTMANAGER_PORT" \
    "COLLECTOR_PROM_PORT=$COLLECTOR_PROM_PORT" "COLLECTOR_HEALTH_PORT=$COLLECTOR_HEALTH_PORT" \
    "COLLECTOR_METRICS_PORT=$COLLECTOR_METRICS_PORT" "JAEGER_OTLP_PORT=$JAEGER_OTLP_PORT" \
    "JAEGER_OTLP_HTTP_PORT=$JAEGER_OTLP_HTTP_PORT" "JAEGER_GRPC_PORT=$JAEGER_GRPC_PORT" \
    "JAEGER_HEALTH_PORT=$JAEGER_HEALTH_PORT" "JAEGER_METRICS_PORT=$JAEGER_METRICS_PORT" \
    "TAIL_SAMPLING=$TAIL_SAMPLING"
}

component_bin() {
  case "$1" in
    prometheus) command -v prometheus || true ;;
    alertmanager) command -v prometheus-alertmanager || command -v alertmanager || true ;;
    jaeger) echo "$BIN_DIR/jaeger" ;;
    collector) echo "$BIN_DIR/otelcol-genai" ;;
  esac
}

component_ports() {
  case "$1" in
    prometheus) echo "$PROMETHEUS_PORT" ;;
    alertmanager) echo "$ALERTMANAGER_PORT" ;;
    jaeger) echo "$JAEGER_OTLP_PORT $JAEGER_OTLP_HTTP_PORT $JAEGER_UI_PORT $JAEGER_GRPC_PORT $JAEGER_HEALTH_PORT $JAEGER_METRICS_PORT" ;;
    collector) echo "$OTLP_GRPC_PORT $OTLP_HTTP_PORT $COLLECTOR_PROM_PORT $COLLECTOR_HEALTH_PORT $COLLECTOR_METRICS_PORT" ;;
  esac
}

component_health_url() {
  case "$1" in
    prometheus) echo "http://$HOST:$PROMETHEUS_PORT/-/ready" ;;
    alertmanager) echo "http://$HOST:$ALERTMANAGER_PORT/-/ready" ;;
    jaeger) echo "http://$HOST:$JAEGER_HEALTH_PORT/status" ;;
    collector) echo "http://$HOST:$COLLECTOR_HEALTH_PORT/" ;;
  esac
}

component_url() {
  case "$1" in
    prometheus) echo "http://$HOST:$PROMETHEUS_PORT" ;;
    alertmanager) echo "http://$HOST:$ALERTMANAGER_PORT" ;;
    jaeger) echo "http://$HOST:$JAEGER_UI_PORT" ;;
    collector) echo "grpc://$HOST:$OTLP_GRPC_PORT http://$HOST:$OTLP_HTTP_PORT" ;;
  esac
}

check_component_name() {
  local c
  for c in "${COMPONENTS[@]}"; do [[ $c == "$1" ]] && return 0; done
  die "unknown component '$1' (expected one of: ${COMPONENTS[*]})"
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

is_healthy() {
  curl -fsS -o /dev/null --max-time 2 "$(component_health_url "$1")" 2>/dev/null
}

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

describe_port() {
  if have ss; then ss -Hltnp "sport = :$1" 2>/dev/null | head -3; fi
}

# ---------------------------------------------------------------- install
go_env_ok() {
  have go || die "Go is required to build the collector and Jaeger (go 1.24 or newer): not found on PATH"
  local v
  v=$(go env GOVERSION)
  [[ $v =~ ^go1\.([0-9]+) ]] || die "cannot read the Go version ('$v')"
  (( BASH_REMATCH[1] >= 24 )) || die "Go 1.24 or newer is required, found $v"
  GO_VERSION=$v
}

sha() { sha256sum | cut -c1-16; }

collector_key() {
  { cat "$COLLECTOR_DIR/builder-config.yaml"; echo "collector=$COLLECTOR_VERSION go=$GO_VERSION recipe=$RECIPE_REV"; } | sha
}

jaeger_key() {
  echo "jaeger pseudo=$JAEGER_PSEUDO_VERSION module=$JAEGER_MODULE_VERSION go=$GO_VERSION recipe=$RECIPE_REV" | sha
}

# Puts a cached binary into .stack/bin (hard link when possible).
link_bin() {
  local src=$1 dst=$2
  mkdir -p "$BIN_DIR"
  rm -f "$dst.tmp"
  ln "$src" "$dst.tmp" 2>/dev/null || cp "$src" "$dst.tmp"
  mv -f "$dst.tmp" "$dst"
}

install_debian_packages() {
  local missing=()
  have prometheus || missing+=(prometheus)
  have promtool || missing+=(prometheus)
  have prometheus-alertmanager || have alertmanager || missing+=(prometheus-alertmanager)
  if (( ${#missing[@]} == 0 )); then
    log "prometheus, promtool, alertmanager: present ($(prometheus --version 2>&1 | head -1 | awk '{print $3}'))"
    return
  fi
  have apt-get || die "prometheus/promtool/alertmanager not found and apt-get is not available: install Prometheus 2.x and Alertmanager yourself"
  local sudo=()
  if (( EUID != 0 )); then
    have sudo || die "installing Debian packages needs root (or sudo): apt-get install prometheus prometheus-alertmanager"
    sudo=(sudo)
  fi
  local t0 guard=""
  t0=$(now)
  log "installing Debian packages prometheus prometheus-alertmanager"
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  # Keep the packages' own services from starting (they would take ports 9090/9093):
  # the stack runs its own instances with its own configs and data folders.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  local rc=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus prometheus-alertmanager >/dev/null || rc=$?
  [[ -n $guard ]] && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
  (( rc == 0 )) || die "apt-get install prometheus prometheus-alertmanager failed (exit $rc)"
  log "Debian packages installed in $(elapsed "$t0")s"
}

install_builder() {
  BUILDER="$CACHE_DIR/tools/builder-v$COLLECTOR_VERSION"
  [[ -x $BUILDER ]] && return
  log "installing the OpenTelemetry Collector Builder v$COLLECTOR_VERSION"
  local tmp="$CACHE_DIR/tools/gobin.$$"
  mkdir -p "$tmp"
  GOBIN="$tmp" GOTOOLCHAIN=local go install "go.opentelemetry.io/collector/cmd/builder@v$COLLECTOR_VERSION" \
    || die "go install go.opentelemetry.io/collector/cmd/builder@v$COLLECTOR_VERSION failed"
  mv -f "$tmp/builder" "$BUILDER"
  rm -rf "$tmp"
}

build_collector() {
  local key dir bin t0
  key=$(collector_key)
  dir="$CACHE_DIR/otelcol-$key"
  bin="$dir/otelcol-genai"
  if [[ -x $BIN_DIR/otelcol-genai && $(cat "$BIN_DIR/otelcol-genai.key" 2>/dev/null) == "$key" ]]; then
    log "collector: up to date in .stack/bin (key $key)"
    return
  fi
  if [[ ! -x $bin ]]; then
    install_builder
    t0=$(now)
    log "collector: building otelcol-genai $COLLECTOR_VERSION from collector/builder-config.yaml (a few minutes on a cold cache)"
    local work="$CACHE_DIR/build/otelcol-$key"
    rm -rf "$work"
    mkdir -p "$work"
    sed -E "s#^([[:space:]]*output_path:).*#\\1 $work/out#" "$COLLECTOR_DIR/builder-config.yaml" >"$work/manifest.yaml"
    if ! (cd "$work" && GOTOOLCHAIN=local "$BUILDER" --config manifest.yaml) >"$work/build.log" 2>&1; then
      tail -n 40 "$work/build.log" >&2
      die "collector build failed; full log: $work/build.log"
    fi
    local c lacking=""
    for c in otlp memory_limiter batch tail_sampling otlp_grpc prometheus file span_metrics health_check file_storage; do
      "$work/out/otelcol-genai" components 2>/dev/null | grep -qE "name: $c\$" || lacking+=" $c"
    done
    [[ -z $lacking ]] || die "the built collector lacks components:$lacking"
    mkdir -p "$dir"
    mv -f "$work/out/otelcol-genai" "$bin.tmp" && mv -f "$bin.tmp" "$bin"
    echo "otelcol-genai $COLLECTOR_VERSION" >"$dir/VERSION"
    rm -rf "$work"
    log "collector: built in $(elapsed "$t0")s -> $bin"
  else
    log "collector: reusing $bin"
  fi
  link_bin "$bin" "$BIN_DIR/otelcol-genai"
  echo "$key" >"$BIN_DIR/otelcol-genai.key"
}

# Builds Jaeger through a wrapper module generated here: it requires the Jaeger
# module and repeats its go.mod (requirements and replace directives, which only
# apply in the main module) and go.sum, then builds cmd/jaeger.
build_jaeger_wrapper() {
  local work=$1 out=$2
  local info dir gomod sum gomodsum
  info=$(cd "$work" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION") \
    || die "go mod download github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION failed"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$info")
  gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' <<<"$info")
  sum=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",*$/\1/p' <<<"$info")
  gomodsum=$(sed -n 's/^[[:space:]]*"GoModSum": "\(.*\)",*$/\1/p' <<<"$info")
  [[ -n $dir && -f $gomod && -n $sum && -n $gomodsum ]] || die "unexpected output of go mod download: $info"
  mkdir -p "$work/wrapper"
  {
    echo "// Generated by scripts/stack.sh: builds github.com/jaegertracing/jaeger/cmd/jaeger $JAEGER_MODULE_VERSION."
    echo "module genai-otel.local/jaeger-build"
    echo
    echo "require github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION"
    echo
    grep -v -E '^module[[:space:]]' "$gomod"
  } >"$work/wrapper/go.mod"
  {
    cat "$dir/go.sum"
    echo "github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION $sum"
    echo "github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION/go.mod $gomodsum"
  } >"$work/wrapper/go.sum"
  (cd "$work/wrapper" && GOTOOLCHAIN=local go build -trimpath \
    -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_MODULE_LABEL" \
    -o "$out" github.com/jaegertracing/jaeger/cmd/jaeger)
}

build_jaeger() {
  local key dir bin t0 label
  key=$(jaeger_key)
  dir="$CACHE_DIR/jaeger-$key"
  bin="$dir/jaeger"
  if [[ -x $BIN_DIR/jaeger && $(cat "$BIN_DIR/jaeger.key" 2>/dev/null) == "$key" ]]; then
    log "jaeger: up to date in .stack/bin (key $key)"
    return
  fi
  if [[ ! -x $bin ]]; then
    t0=$(now)
    local work="$CACHE_DIR/build/jaeger-$key"
    rm -rf "$work"
    mkdir -p "$work/bin"
    log "jaeger: trying go install github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_PSEUDO_VERSION ($JAEGER_PSEUDO_LABEL)"
    if (cd "$work" && GOBIN="$work/bin" GOTOOLCHAIN=local GOFLAGS=-mod=mod go install -trimpath \
          -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_PSEUDO_LABEL" \
          "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_PSEUDO_VERSION") >"$work/install.log" 2>&1; then
      label=$JAEGER_PSEUDO_LABEL
    else
      log "jaeger: not available that way ($(grep -m1 -oE '(403|404|410)[^:]*' "$work/install.log" || echo 'see install.log')); building $JAEGER_MODULE_LABEL (module $JAEGER_MODULE_VERSION) through a wrapper module"
      if ! build_jaeger_wrapper "$work" "$work/bin/jaeger" >"$work/build.log" 2>&1; then
        tail -n 40 "$work/build.log" >&2
        die "jaeger build failed; full log: $work/build.log"
      fi
      label=$JAEGER_MODULE_LABEL
    fi
    mkdir -p "$dir"
    mv -f "$work/bin/jaeger" "$bin.tmp" && mv -f "$bin.tmp" "$bin"
    echo "jaeger $label" >"$dir/VERSION"
    rm -rf "$work"
    log "jaeger: built $label in $(elapsed "$t0")s -> $bin"
  else
    log "jaeger: reusing $bin ($(cat "$dir/VERSION" 2>/dev/null))"
  fi
  link_bin "$bin" "$BIN_DIR/jaeger"
  echo "$key" >"$BIN_DIR/jaeger.key"
  cp "$dir/VERSION" "$BIN_DIR/jaeger.version" 2>/dev/null || true
}

cmd_install() {
  local t0
  t0=$(now)
  have curl || die "curl is required"
  go_env_ok
  mkdir -p "$CACHE_DIR" "$BIN_DIR"
  # One install at a time per cache (a second one waits).
  exec 9>"$CACHE_DIR/.lock"
  if have flock; then flock 9; fi
  install_debian_packages
  build_collector
  build_jaeger
  {
    echo "otelcol-genai $COLLECTOR_VERSION ($(cat "$BIN_DIR/otelcol-genai.key"))"
    echo "$(cat "$BIN_DIR/jaeger.version" 2>/dev/null || echo jaeger) ($(cat "$BIN_DIR/jaeger.key"))"
    prometheus --version 2>&1 | head -1
    (prometheus-alertmanager --version 2>&1 || alertmanager --version 2>&1) | head -1
  } >"$BIN_DIR/VERSIONS"
  log "install done in $(elapsed "$t0")s:"
  sed 's/^/  /' "$BIN_DIR/VERSIONS" >&2
}

# ---------------------------------------------------------------- up / down
check_installed() {
  local c bin
  for c in "$@"; do
    bin=$(component_bin "$c")
    [[ -n $bin && -x $bin ]] || die "$c is not installed (expected ${bin:-its binary on PATH}): run 'scripts/stack.sh install' first"
  done
}

render_configs() {
  mkdir -p "$CONF_DIR"
  if [[ -n ${STACK_ALERT_FOR:-} ]]; then
    # Tests make alerts fire without their production "for:" delay.
    sed -e "s#^\([[:space:]]*for:\) .*#\1 $STACK_ALERT_FOR#" "$COLLECTOR_DIR/alert-rules.yml" >"$CONF_DIR/alert-rules.yml"
  else
    cp "$COLLECTOR_DIR/alert-rules.yml" "$CONF_DIR/alert-rules.yml"
  fi
  sh "$COLLECTOR_DIR/render.sh" budget "$COLLECTOR_DIR/cost-budget.rules.yml" "$CONF_DIR/cost-budget.rules.yml"
  sed -e "s#'otel-collector:8889'#'$HOST:$COLLECTOR_PROM_PORT'#" \
      -e "s#'otel-collector:8888'#'$HOST:$COLLECTOR_METRICS_PORT'#" \
      -e "s#'jaeger:8888'#'$HOST:$JAEGER_METRICS_PORT'#" \
      -e "s#'alertmanager:9093'#'$HOST:$ALERTMANAGER_PORT'#" \
      -e "s#'localhost:9090'#'$HOST:$PROMETHEUS_PORT'#" \
      -e "s#^\([[:space:]]*scrape_interval:\) 15s#\\1 $SCRAPE_INTERVAL#" \
      -e "s#^\([[:space:]]*evaluation_interval:\) 15s#\\1 $SCRAPE_INTERVAL#" \
      "$COLLECTOR_DIR/prometheus.yml" >"$CONF_DIR/prometheus.yml"
  if have promtool; then
    promtool check config "$CONF_DIR/prometheus.yml" >"$CONF_DIR/promtool.log" 2>&1 \
      || { cat "$CONF_DIR/promtool.log" >&2; die "rendered Prometheus config is invalid: $CONF_DIR/prometheus.yml"; }
  fi
  sh "$COLLECTOR_DIR/render.sh" alertmanager "$COLLECTOR_DIR/alertmanager.yml" "$CONF_DIR/alertmanager.yml"
}

start_component() {
  local c=$1 bin log port
  bin=$(component_bin "$c")
  log="$LOG_DIR/$c.log"
  for port in $(component_ports "$c"); do
    if port_in_use "$port"; then
      describe_port "$port" >&2 || true
      die "$c: port $HOST:$port is already in use (by another program, or a stack started with other settings); set the STACK_*_PORT variables or stop it"
    fi
  done
  mkdir -p "$RUN_DIR/$c"
  printf '\n==== %s starting %s\n' "$(date -u +%FT%TZ)" "$c" >>"$log"
  local -a cmd env=()
  case "$c" in
    prometheus)
      cmd=("$bin" "--config.file=$CONF_DIR/prometheus.yml" "--storage.tsdb.path=$RUN_DIR/prometheus/data"
           "--storage.tsdb.retention.time=$PROM_RETENTION" "--web.listen-address=$HOST:$PROMETHEUS_PORT")
      ;;
    alertmanager)
      cmd=("$bin" "--config.file=$CONF_DIR/alertmanager.yml" "--storage.path=$RUN_DIR/alertmanager/data"
           "--web.listen-address=$HOST:$ALERTMANAGER_PORT" "--cluster.listen-address=")
      ;;
    jaeger)
      env=("JAEGER_LISTEN_HOST=$HOST" "JAEGER_OTLP_GRPC_PORT=$JAEGER_OTLP_PORT" "JAEGER_OTLP_HTTP_PORT=$JAEGER_OTLP_HTTP_PORT"
           "JAEGER_QUERY_HTTP_PORT=$JAEGER_UI_PORT" "JAEGER_QUERY_GRPC_PORT=$JAEGER_GRPC_PORT"
           "JAEGER_HEALTH_PORT=$JAEGER_HEALTH_PORT" "JAEGER_METRICS_PORT=$JAEGER_METRICS_PORT"
           "JAEGER_STORAGE=$JAEGER_STORAGE" "JAEGER_BADGER_DIR=$RUN_DIR/jaeger/badger" "JAEGER_RETENTION=$JAEGER_RETENTION"
           "JAEGER_MAX_TRACES=$JAEGER_MAX_TRACES" "JAEGER_PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT")
      cmd=("$bin" "--config" "$COLLECTOR_DIR/jaeger.yaml")
      # Badger creates keys/ and values/ itself; the folder holding them is for this user only.
      mkdir -p -m 700 "$RUN_DIR/jaeger/badger"
      ;;
    collector)
      env=("OTELCOL_OTLP_GRPC_ENDPOINT=$HOST:$OTLP_GRPC_PORT" "OTELCOL_OTLP_HTTP_ENDPOINT=$HOST:$OTLP_HTTP_PORT"
           "OTELCOL_HEALTH_ENDPOINT=$HOST:$COLLECTOR_HEALTH_PORT" "OTELCOL_PROMETHEUS_ENDPOINT=$HOST:$COLLECTOR_PROM_PORT"
           "OTELCOL_METRICS_HOST=$HOST" "OTELCOL_METRICS_PORT=$COLLECTOR_METRICS_PORT"
           "OTELCOL_JAEGER_ENDPOINT=$HOST:$JAEGER_OTLP_PORT"
           "OTELCOL_STORAGE_DIR=$RUN_DIR/collector/queue" "OTELCOL_LOGS_PATH=$RUN_DIR/collector/logs/genai-logs.jsonl"
           "OTELCOL_LLM_RECORDS_PATH=$RUN_DIR/collector/logs/llm-records.jsonl")
      cmd=("$bin" "--config" "$COLLECTOR_DIR/config.yaml")
      [[ $TAIL_SAMPLING == 1 || $TAIL_SAMPLING == true ]] && cmd+=("--config" "$COLLECTOR_DIR/tail-sampling.yaml")
      mkdir -p "$RUN_DIR/collector/queue" "$RUN_DIR/collector/logs"
      ;;
  esac
  # setsid: own session, so the process outlives this script and a Ctrl-C in its terminal.
  (cd "$RUN_DIR/$c" && exec env "${env[@]}" setsid "${cmd[@]}" </dev/null >>"$log" 2>&1) &
  echo $! >"$PID_DIR/$c.pid"
}

# The pid written by start_component, while that process exists and is not a zombie
# (right after the start it may still be the shell that is about to exec the binary).
started_pid() {
  local pid
  pid=$(cat "$PID_DIR/$1.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}

wait_healthy() {
  local c=$1 deadline=$2 pid
  while :; do
    if ! pid=$(started_pid "$c"); then
      tail -n 30 "$LOG_DIR/$c.log" >&2 || true
      die "$c exited during start-up; log: $LOG_DIR/$c.log"
    fi
    is_healthy "$c" && return 0
    if (( $(date +%s) >= deadline )); then
      tail -n 30 "$LOG_DIR/$c.log" >&2 || true
      die "$c (pid $pid) not healthy after ${UP_TIMEOUT}s at $(component_health_url "$c"); log: $LOG_DIR/$c.log"
    fi
    sleep 0.2
  done
}

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

any_running() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && return 0; done
  return 1
}

cmd_up() {
  local t0 c started=() deadline
  t0=$(now)
  select_components "$@"
  check_installed "${SELECTED[@]}"
  mkdir -p "$PID_DIR" "$LOG_DIR" "$CONF_DIR"
  local fp
  fp=$(settings_fingerprint)
  if any_running && [[ -f $RUN_DIR/stack.env ]] && [[ $(<"$RUN_DIR/stack.env") != "$fp" ]]; then
    die "a stack with other settings is running from $RUN_DIR: run 'scripts/stack.sh down' first (or use another STACK_RUN_DIR)"
  fi
  echo "$fp" >"$RUN_DIR/stack.env"
  render_configs
  for c in "${SELECTED[@]}"; do
    if pid_of "$c" >/dev/null; then
      log "$c: already running (pid $(pid_of "$c"))"
    else
      start_component "$c"
      started+=("$c")
    fi
  done
  deadline=$(( $(date +%s) + UP_TIMEOUT ))
  for c in "${SELECTED[@]}"; do
    wait_healthy "$c" "$deadline"
    log "$c: healthy (pid $(pid_of "$c")) $(component_url "$c")"
  done
  log "up in $(elapsed "$t0")s (started: ${started[*]:-none}); run folder $RUN_DIR"
}

stop_component() {
  local c=$1 pid i
  if ! pid=$(pid_of "$c"); then
    rm -f "$PID_DIR/$c.pid"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    [[ -d /proc/$pid ]] || break
    # a zombie has finished too
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
    log "$c (pid $pid) did not stop within 15s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$c.pid"
  log "$c: stopped"
}

cmd_down() {
  local purge=0 args=() c i
  for c in "$@"; do
    case "$c" in --purge) purge=1 ;; *) args+=("$c") ;; esac
  done
  select_components "${args[@]}"
  for ((i = ${#SELECTED[@]} - 1; i >= 0; i--)); do
    stop_component "${SELECTED[i]}"
  done
  if (( purge )); then
    any_running && die "not purging $RUN_DIR: some components still run"
    rm -rf "$RUN_DIR"
    log "removed $RUN_DIR"
  fi
}

cmd_status() {
  local c pid state all_ok=0
  printf '%-13s %-8s %-9s %s\n' COMPONENT PID STATE ADDRESS
  for c in "${COMPONENTS[@]}"; do
    if pid=$(pid_of "$c"); then
      if is_healthy "$c"; then state=healthy; else state=unhealthy; all_ok=3; fi
    else
      pid=-; state=stopped; all_ok=3
    fi
    printf '%-13s %-8s %-9s %s\n' "$c" "$pid" "$state" "$(component_url "$c")"
  done
  [[ -f $BIN_DIR/VERSIONS ]] && { echo; sed 's/^/  /' "$BIN_DIR/VERSIONS"; }
  return $all_ok
}

cmd_logs() {
  local follow=0 lines=100 args=() c files=()
  while (( $# )); do
    case "$1" in
      -f|--follow) follow=1 ;;
      -n) shift; lines=${1:?-n needs a number} ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  select_components "${args[@]}"
  for c in "${SELECTED[@]}"; do [[ -f $LOG_DIR/$c.log ]] && files+=("$LOG_DIR/$c.log"); done
  (( ${#files[@]} )) || die "no logs in $LOG_DIR"
  if (( follow )); then exec tail -n "$lines" -F "${files[@]}"; else tail -n "$lines" "${files[@]}"; fi
}

cmd_urls() {
  cat <<EOF
OTEL_EXPORTER_OTLP_ENDPOINT=http://$HOST:$OTLP_HTTP_PORT
OTLP_GRPC_ENDPOINT=http://$HOST:$OTLP_GRPC_PORT
JAEGER_URL=http://$HOST:$JAEGER_UI_PORT
PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT
ALERTMANAGER_URL=http://$HOST:$ALERTMANAGER_PORT
COLLECTOR_METRICS_URL=http://$HOST:$COLLECTOR_PROM_PORT/metrics
EOF
}

cmd_check() {
  check_installed collector jaeger
  have promtool || die "promtool is not installed: run 'scripts/stack.sh install' first"
  local amtool_bin tmp fails=0
  amtool_bin=$(command -v amtool || true)
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  run_check() {
    local what=$1; shift
    if "$@" >"$tmp/out" 2>&1; then
      log "ok: $what"
    else
      sed 's/^/    /' "$tmp/out" >&2
      log "FAILED: $what"
      fails=$((fails + 1))
    fi
  }
  run_check "collector/config.yaml (otelcol-genai validate)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/config.yaml"
  run_check "collector/config.yaml + tail-sampling.yaml" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/config.yaml" --config "$COLLECTOR_DIR/tail-sampling.yaml"
  # The elasticsearch exporter cannot be built here (see builder-config.yaml): validate the overlay's processors and
  # pipeline with a file exporter standing in for it.
  sed -e 's#^  elasticsearch/llm_records:#  file/elasticsearch_stand_in:#' -e 's#elasticsearch/llm_records\]#file/elasticsearch_stand_in]#' \
      -e 's#^    endpoint: .*#    path: /tmp/genai-otel-es-stand-in.jsonl#' -e '/^    logs_index:/d' -e '/^    mapping:/,/^      mode:/d' \
      -e '/^    sending_queue:/,/^      storage:/d' "$COLLECTOR_DIR/elasticsearch.yaml" >"$tmp/elasticsearch-stand-in.yaml"
  run_check "collector/config.yaml + elasticsearch.yaml (exporter stood in for)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/config.yaml" --config "$tmp/elasticsearch-stand-in.yaml"
  run_check "collector/jaeger.yaml (jaeger validate)" "$BIN_DIR/jaeger" validate --config "$COLLECTOR_DIR/jaeger.yaml"
  run_check "collector/jaeger.yaml with JAEGER_STORAGE=memory (jaeger validate)" \
    env JAEGER_STORAGE=memory "$BIN_DIR/jaeger" validate --config "$COLLECTOR_DIR/jaeger.yaml"
  run_check "collector/prometheus.yml and its rule files (promtool check config)" \
    promtool check config "$COLLECTOR_DIR/prometheus.yml"
  run_check "collector/alert-rules.test.yml (promtool test rules)" \
    promtool test rules "$COLLECTOR_DIR/alert-rules.test.yml"
  run_check "render.sh budget with GENAI_OTEL_COST_BUDGET_USD_PER_HOUR=12.5" \
    env GENAI_OTEL_COST_BUDGET_USD_PER_HOUR=12.5 sh "$COLLECTOR_DIR/render.sh" budget "$COLLECTOR_DIR/cost-budget.rules.yml" "$tmp/budget.yml"
  run_check "rendered budget rules (promtool check rules)" \
    sh -c "promtool check rules '$tmp/budget.yml' && grep -q 'vector(12.5)' '$tmp/budget.yml'"
  run_check "render.sh alertmanager, no channel" \
    env -u ALERT_SLACK_WEBHOOK_URL -u ALERT_EMAIL_TO -u ALERT_WEBHOOK_URL \
    sh "$COLLECTOR_DIR/render.sh" alertmanager "$COLLECTOR_DIR/alertmanager.yml" "$tmp/am-none.yml"
  run_check "render.sh alertmanager, every channel" \
    env ALERT_SLACK_WEBHOOK_URL=https://hooks.example.invalid/T/B/x ALERT_EMAIL_TO=ops@example.invalid \
    ALERT_SMTP_USERNAME=u ALERT_SMTP_PASSWORD=p ALERT_WEBHOOK_URL=http://127.0.0.1:9/hook \
    sh "$COLLECTOR_DIR/render.sh" alertmanager "$COLLECTOR_DIR/alertmanager.yml" "$tmp/am-all.yml"
  if [[ -n $amtool_bin ]]; then
    run_check "rendered alertmanager.yml, no channel (amtool check-config)" "$amtool_bin" check-config "$tmp/am-none.yml"
    run_check "rendered alertmanager.yml, every channel (amtool check-config)" "$amtool_bin" check-config "$tmp/am-all.yml"
  fi
  if have docker && docker compose version >/dev/null 2>&1; then
    run_check "docker-compose.yml (docker compose config)" docker compose -f "$ROOT/docker-compose.yml" config -q
  elif have python3 && python3 -c 'import yaml' 2>/dev/null; then
    run_check "docker-compose.yml parses as YAML (no docker compose here)" \
      python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert set(d["services"]) >= {"otel-collector", "jaeger", "prometheus", "alertmanager", "grafana"}' \
      "$ROOT/docker-compose.yml"
  fi
  if have python3; then
    # shellcheck disable=SC2016 # $1 and $f belong to the inner sh
    run_check "collector/grafana/dashboards/*.json parse" \
      sh -c 'for f in "$1"/*.json; do python3 -m json.tool "$f" >/dev/null || exit 1; done' _ "$COLLECTOR_DIR/grafana/dashboards"
  fi
  (( fails == 0 )) || die "$fails check(s) failed"
  log "all checks passed"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
  local sub=${1:-}
  if (( $# )); then shift; fi
  case "$sub" in
    install) load_settings; cmd_install "$@" ;;
    up) load_settings; cmd_up "$@" ;;
    down|stop) load_settings; cmd_down "$@" ;;
    status) load_settings; cmd_status ;;
    logs) load_settings; cmd_logs "$@" ;;
    urls) load_settings; cmd_urls ;;
    check) load_settings; cmd_check ;;
    -h|--help|help) usage ;;
    "") usage >&2; exit 2 ;;
    *) usage >&2; die "unknown command '$sub'" ;;
  esac
}

main "$@"
