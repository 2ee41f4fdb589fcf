# shellcheck shell=bash
# scripts/stack/run.sh: running the stack, the subcommands up, down (stop), status, logs and urls.
#
#   up      renders the configs that need it into <run folder>/config (Prometheus's addresses and intervals, the
#           alert rules, the cost budget, Alertmanager's channels), starts each component as a plain process in a
#           session of its own (setsid: it outlives this script), and waits until each answers its health check
#   down    stops components (TERM, then KILL after 15 s), last started first; --purge also deletes the run folder
#   status, logs, urls   report on what runs
#
# Every process binds $HOST on the ports of collector/ports.txt; its pid is kept in <run folder>/pids and checked
# against its binary (a recycled pid is not ours). Sourced by scripts/stack.sh after scripts/stack/common.sh.

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

describe_port() {
  if have ss; then ss -Hltnp "sport = :$1" 2>/dev/null | head -3; fi
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
           "JAEGER_MAX_TRACES=$JAEGER_MAX_TRACES" "JAEGER_PROMETHEUS_URL=${JAEGER_METRICS_STORE_URL:-http://$HOST:$PROMETHEUS_PORT}")
      cmd=("$bin" "--config" "$COLLECTOR_DIR/jaeger.yaml")
      # Badger creates keys/ and values/ itself; the folder holding them is for this user only.
      # shellcheck disable=SC2174 # only that folder needs the mode
      mkdir -p -m 700 "$RUN_DIR/jaeger/badger"
      ;;
    collector)
      env=("OTELCOL_OTLP_GRPC_ENDPOINT=$HOST:$OTLP_GRPC_PORT" "OTELCOL_OTLP_HTTP_ENDPOINT=$HOST:$OTLP_HTTP_PORT"
           "OTELCOL_HEALTH_ENDPOINT=$HOST:$COLLECTOR_HEALTH_PORT" "OTELCOL_PROMETHEUS_ENDPOINT=$HOST:$COLLECTOR_PROM_PORT"
           "OTELCOL_METRICS_HOST=$HOST" "OTELCOL_METRICS_PORT=$COLLECTOR_METRICS_PORT"
           "OTELCOL_JAEGER_ENDPOINT=$HOST:$JAEGER_OTLP_PORT"
           "OTELCOL_STORAGE_DIR=$RUN_DIR/collector/queue" "OTELCOL_LOGS_PATH=$RUN_DIR/collector/logs/genai-logs.jsonl"
           "OTELCOL_LLM_RECORDS_PATH=$RUN_DIR/collector/logs/llm-records.jsonl")
      cmd=("$bin" "--config" "$COLLECTOR_DIR/privacy.yaml" "--config" "$COLLECTOR_DIR/config.yaml")
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

# One line per component of COMPONENTS (pid, health, address), the first column WIDTH wide; returns 3 when one of
# them is not running and healthy. Used by `status` of both profiles.
print_component_table() {
  local width=$1 c pid state all_ok=0
  printf "%-${width}s %-8s %-9s %s\n" COMPONENT PID STATE ADDRESS
  for c in "${COMPONENTS[@]}"; do
    if pid=$(pid_of "$c"); then
      if is_healthy "$c"; then state=healthy; else state=unhealthy; all_ok=3; fi
    else
      pid=-; state=stopped; all_ok=3
    fi
    printf "%-${width}s %-8s %-9s %s\n" "$c" "$pid" "$state" "$(component_url "$c")"
  done
  return $all_ok
}

cmd_status() {
  local all_ok=0
  print_component_table 13 || all_ok=3
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
