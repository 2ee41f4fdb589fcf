#!/usr/bin/env bash
# genai-otel local backend: the bundled OpenTelemetry Collector, Jaeger v2,
# Prometheus and Alertmanager, run as plain processes (no Docker), bound to
# 127.0.0.1, with the same collector/config.yaml as docker-compose.yml.
#
# Usage: scripts/stack.sh <command> [args] [--profile single|scale]
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
# --profile scale: the scale-out stack (README "Scaling out"; scripts/stack/scale.sh) with install, up, down,
# status, logs, urls, check and
#   pool [GATEWAY...]    show (or set) the gateways the agent's DNS lists
#   drain GATEWAY        send on what a gateway stopped for good left in its persistent queue, then stop
#                        (STACK_DRAIN_TIMEOUT [600] seconds at most; what is left stays on disk)
# Components: victoriametrics jaeger prometheus gateway1 gateway2 agent (jaeger: the trace tier of
# scripts/stack/scale-traces.sh instead when that file exists). The agent takes STACK_OTLP_GRPC_PORT and
# STACK_OTLP_HTTP_PORT; its run folder is <repo>/.stack/run-scale unless STACK_RUN_DIR is set.
#   STACK_SCALE_GATEWAYS [127.0.0.2 127.0.0.3]   one gateway per address (loopback aliases need no setup on Linux)
#   STACK_SCALE_GATEWAY_HOSTNAME [otel-gateway]  the name the agent resolves (its private /etc/hosts)
#   STACK_SCALE_DNS_INTERVAL [5s]      how often the agent resolves it again
#   STACK_SCALE_GATEWAY_OVERLAY        one more --config file for the gateways (tests add file exporters)
#   STACK_SCALE_TRACES                 badger: the single-node Jaeger even when scale-traces.sh exists
#   STACK_AGENT_HEALTH_PORT [13137], STACK_AGENT_METRICS_PORT [8890]
#   STACK_GATEWAY_OTLP_PORT [4417], STACK_GATEWAY_HEALTH_PORT [13138], STACK_GATEWAY_PROM_PORT [8891],
#   STACK_GATEWAY_METRICS_PORT [8892]  the same ports on every gateway address
#   STACK_VICTORIAMETRICS_PORT [8428]  VictoriaMetrics (PromQL API: genai-otel report --prometheus <its URL>)
#   STACK_VM_RETENTION [1]             VictoriaMetrics -retentionPeriod (months, or 30d, 1y ...)
#   STACK_VM_LATENCY_OFFSET [10s]      VictoriaMetrics -search.latencyOffset (newest data hidden from queries)
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
#   trace tier of the scale profile (scripts/stack/scale-traces.sh): STACK_OPENSEARCH_PORT [9200],
#     STACK_OPENSEARCH_NODE2_PORT [9201], STACK_OPENSEARCH_NODE3_PORT [9202], STACK_OPENSEARCH_TRANSPORT_PORT [9300],
#     STACK_OPENSEARCH_NODE2_TRANSPORT_PORT [9301], STACK_OPENSEARCH_NODE3_TRANSPORT_PORT [9302],
#     STACK_KAFKA_PORT [9092], STACK_KAFKA_CONTROLLER_PORT [9094], STACK_JAEGER_QUERY_HEALTH_PORT [13135],
#     STACK_JAEGER_QUERY_METRICS_PORT [14270], STACK_JAEGER_INGESTER_HEALTH_PORT [13136],
#     STACK_JAEGER_INGESTER_METRICS_PORT [14271]
#   STACK_SCALE_KAFKA [0]              scale profile: 1 puts Kafka between the Jaeger collector and an ingester
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

# This file only dispatches (the usage text above is its `help`); the work is done in scripts/stack/:
# common.sh (settings, components, helpers), install.sh, run.sh (up, down, status, logs, urls) and check.sh.
# Pinned versions: collector/versions.env; default ports: collector/ports.txt.
STACK_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stack"
# shellcheck source-path=SCRIPTDIR source=stack/common.sh
source "$STACK_LIB/common.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# shellcheck source-path=SCRIPTDIR/stack
main() {
  local profile=single args=()
  while (( $# )); do
    case "$1" in
      --profile) profile=${2:-}; shift 2 || shift ;;
      --profile=*) profile=${1#*=}; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  set -- "${args[@]}"
  case "$profile" in
    single) ;;
    scale) main_scale "$@"; return ;;
    *) usage >&2; die "unknown profile '$profile' (expected single or scale)" ;;
  esac
  local sub=${1:-}
  if (( $# )); then shift; fi
  case "$sub" in
    install) source "$STACK_LIB/install.sh"; load_settings; cmd_install "$@" ;;
    up) source "$STACK_LIB/run.sh"; load_settings; cmd_up "$@" ;;
    down|stop) source "$STACK_LIB/run.sh"; load_settings; cmd_down "$@" ;;
    status) source "$STACK_LIB/run.sh"; load_settings; cmd_status ;;
    logs) source "$STACK_LIB/run.sh"; load_settings; cmd_logs "$@" ;;
    urls) source "$STACK_LIB/run.sh"; load_settings; cmd_urls ;;
    check) source "$STACK_LIB/check.sh"; load_settings; cmd_check ;;
    -h|--help|help) usage ;;
    "") usage >&2; exit 2 ;;
    *) usage >&2; die "unknown command '$sub'" ;;
  esac
}

# shellcheck source-path=SCRIPTDIR/stack
main_scale() {
  local sub=${1:-}
  if (( $# )); then shift; fi
  source "$STACK_LIB/run.sh"
  source "$STACK_LIB/scale.sh"
  load_settings
  scale_load_settings
  case "$sub" in
    install) source "$STACK_LIB/install.sh"; scale_install "$@" ;;
    up) scale_up "$@" ;;
    down|stop) scale_down "$@" ;;
    status) scale_status ;;
    logs) cmd_logs "$@" ;;
    urls) scale_urls ;;
    pool) scale_pool "$@" ;;
    drain) scale_drain "$@" ;;
    # The same checks: they validate the scale profile's configs too.
    check) source "$STACK_LIB/check.sh"; cmd_check ;;
    -h|--help|help) usage ;;
    *) usage >&2; die "unknown command '$sub' for --profile scale" ;;
  esac
}

main "$@"
