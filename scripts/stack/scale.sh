# shellcheck shell=bash
# scripts/stack/scale.sh: the scale-out profile, `scripts/stack.sh <command> --profile scale`.
#
#   apps -> agent (127.0.0.1:4317/4318, collector/scale/agent.yaml: redaction, load balancing by trace id)
#        -> gateways (127.0.0.2, 127.0.0.3 ...: collector/scale/gateway.yaml: span metrics, tail sampling)
#        -> trace tier (scripts/stack/scale-traces.sh when present and STACK_SCALE_TRACES is not badger; else the
#           single-node Jaeger with Badger)
#   Prometheus (collector/scale/prometheus.yml) scrapes the gateways, evaluates the alert rules (firing alerts go to
#   Alertmanager, collector/alertmanager.yml as in the single-node stack) and remote-writes to VictoriaMetrics (8428).
#
# The agent finds the gateways by DNS, as in Kubernetes: it runs in a mount namespace of its own (unshare --mount)
# whose /etc/hosts is <run folder>/agent/hosts, listing every gateway address under STACK_SCALE_GATEWAY_HOSTNAME.
# `pool` rewrites that file in place (the bind mount holds its inode: never replace the file, write into it).
# Root runs unshare directly; another user gets a user namespace (--map-root-user), which needs
# kernel.unprivileged_userns_clone (or user.max_user_namespaces > 0).
#
# Sourced by scripts/stack.sh after common.sh and run.sh (whose start_component runs Prometheus and Jaeger).

SCALE_DIR="$COLLECTOR_DIR/scale"

scale_load_settings() {
  # Its own run folder by default: the single-node stack's data stays where it is.
  if [[ -z ${STACK_RUN_DIR:-} ]]; then
    RUN_DIR="$STACK_DIR/run-scale"
    PID_DIR="$RUN_DIR/pids"
    LOG_DIR="$RUN_DIR/logs"
    CONF_DIR="$RUN_DIR/config"
  fi
  read -r -a GATEWAY_ADDRS <<<"${STACK_SCALE_GATEWAYS:-127.0.0.2 127.0.0.3}"
  (( ${#GATEWAY_ADDRS[@]} >= 1 )) || die "STACK_SCALE_GATEWAYS lists no gateway address"
  local a
  for a in "${GATEWAY_ADDRS[@]}"; do
    [[ $a =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "STACK_SCALE_GATEWAYS must list IPv4 addresses, got '$a'"
  done
  GATEWAY_HOSTNAME=${STACK_SCALE_GATEWAY_HOSTNAME:-otel-gateway}
  [[ $GATEWAY_HOSTNAME =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] \
    || die "STACK_SCALE_GATEWAY_HOSTNAME must be a host name, got '$GATEWAY_HOSTNAME'"
  DNS_INTERVAL=${STACK_SCALE_DNS_INTERVAL:-5s}
  [[ $DNS_INTERVAL =~ ^([0-9]+(ms|s|m))+$ ]] || die "STACK_SCALE_DNS_INTERVAL must be a Go duration such as 5s, got '$DNS_INTERVAL'"
  VM_RETENTION=${STACK_VM_RETENTION:-1}
  # VictoriaMetrics hides samples younger than this from queries (its default, 30s, is for agents that deliver
  # late). Prometheus remote-writes each scrape within its 5 s batch_send_deadline: 10s keeps the newest point
  # complete, where 30s kept the Monitor tab and the report half a minute behind (with 15 s scrapes and span-metric
  # flushes, a 1-minute rate showed its first point after 68 s instead of 47 s).
  VM_LATENCY_OFFSET=${STACK_VM_LATENCY_OFFSET:-10s}
  GATEWAY_OVERLAY=${STACK_SCALE_GATEWAY_OVERLAY:-}
  [[ -z $GATEWAY_OVERLAY || -r $GATEWAY_OVERLAY ]] || die "STACK_SCALE_GATEWAY_OVERLAY: cannot read '$GATEWAY_OVERLAY'"
  GATEWAYS=()
  local i
  for ((i = 1; i <= ${#GATEWAY_ADDRS[@]}; i++)); do GATEWAYS+=("gateway$i"); done
  SCALE_TRACES=0
  if [[ -f $STACK_LIB/scale-traces.sh && ${STACK_SCALE_TRACES:-} != badger ]]; then
    # shellcheck source=/dev/null # written by the trace tier's owner; absent until then
    source "$STACK_LIB/scale-traces.sh"
    SCALE_TRACES=1
  fi
  # Start order; stopped in reverse. The trace tier is not a component of ours when scale-traces.sh runs it.
  COMPONENTS=(victoriametrics)
  (( SCALE_TRACES )) || COMPONENTS+=(jaeger)
  # Alertmanager before Prometheus, which sends it the alerts from its first rule evaluation.
  COMPONENTS+=(alertmanager prometheus "${GATEWAYS[@]}" agent)
  # Jaeger's Monitor tab reads the long-term store (run.sh's start_component passes it to Jaeger).
  # shellcheck disable=SC2034
  JAEGER_METRICS_STORE_URL="http://$HOST:$VICTORIAMETRICS_PORT"
}

# gateway2 -> 127.0.0.3 (its address of STACK_SCALE_GATEWAYS).
gateway_addr() {
  local n=${1#gateway}
  echo "${GATEWAY_ADDRS[n - 1]}"
}

scale_settings_fingerprint() {
  settings_fingerprint
  printf '%s\n' "PROFILE=scale" "GATEWAYS=${GATEWAY_ADDRS[*]}" "GATEWAY_HOSTNAME=$GATEWAY_HOSTNAME"
}

# ---------------------------------------------------------------- install

scale_install() {
  cmd_install
  install_victoriametrics
  if (( SCALE_TRACES )); then scale_traces_install; fi
}

# VictoriaMetrics from Debian's package, unpacked into the cache without installing it (no service, no root needed
# for dpkg -x; apt-get download needs only the package lists).
install_victoriametrics() {
  if [[ -x $BIN_DIR/victoria-metrics && -f $BIN_DIR/victoria-metrics.version ]]; then
    log "victoria-metrics: present in .stack/bin"
    cat "$BIN_DIR/victoria-metrics.version" >>"$BIN_DIR/VERSIONS"
    return
  fi
  if ! have apt-get || ! have dpkg; then die "VictoriaMetrics comes from Debian's package here (apt-get download + dpkg -x): install victoria-metrics yourself and link it as $BIN_DIR/victoria-metrics"; fi
  local work="$CACHE_DIR/build/victoria-metrics.$$" deb version dir
  rm -rf "$work"
  mkdir -p "$work"
  log "victoria-metrics: apt-get download victoria-metrics"
  (cd "$work" && apt-get download victoria-metrics) >"$work/download.log" 2>&1 \
    || { cat "$work/download.log" >&2; die "apt-get download victoria-metrics failed (run apt-get update?)"; }
  deb=$(ls "$work"/victoria-metrics_*.deb)
  version=$(dpkg-deb -f "$deb" Version)
  dir="$CACHE_DIR/victoria-metrics-$version"
  if [[ ! -x $dir/victoria-metrics ]]; then
    dpkg -x "$deb" "$work/x"
    mkdir -p "$dir"
    mv -f "$work/x/usr/bin/victoria-metrics" "$dir/victoria-metrics"
  fi
  rm -rf "$work"
  link_bin "$dir/victoria-metrics" "$BIN_DIR/victoria-metrics"
  echo "victoria-metrics $version (Debian package)" >"$BIN_DIR/victoria-metrics.version"
  cat "$BIN_DIR/victoria-metrics.version" >>"$BIN_DIR/VERSIONS"
  log "victoria-metrics: $version -> $BIN_DIR/victoria-metrics"
}

# ---------------------------------------------------------------- the agent's DNS

hosts_file() { echo "$RUN_DIR/agent/hosts"; }

# Writes the agent's /etc/hosts: the machine's own lines, then one line per gateway address given. Written into the
# existing file (truncated, same inode): the agent's bind mount keeps seeing it.
write_pool() {
  local file tmp a
  file=$(hosts_file)
  tmp="$file.new"
  mkdir -p "$(dirname "$file")"
  {
    grep -v -E "[[:space:]]${GATEWAY_HOSTNAME//./\\.}([[:space:]]|$)" /etc/hosts 2>/dev/null || true
    for a in "$@"; do printf '%s %s\n' "$a" "$GATEWAY_HOSTNAME"; done
  } >"$tmp"
  if [[ -f $file ]]; then cat "$tmp" >"$file"; rm -f "$tmp"; else mv "$tmp" "$file"; fi
}

# The gateway addresses the agent's hosts file lists now.
pool_addrs() {
  awk -v h="$GATEWAY_HOSTNAME" '{ for (i = 2; i <= NF; i++) if ($i == h) print $1 }' "$(hosts_file)" 2>/dev/null
}

# unshare with what this user needs for a private mount namespace.
unshare_cmd() {
  if (( EUID == 0 )); then
    echo "unshare --mount --propagation private"
  else
    echo "unshare --mount --propagation private --map-root-user"
  fi
}

check_unshare() {
  have unshare || die "the agent needs unshare (util-linux) for its own /etc/hosts"
  local probe
  probe=$(mktemp)
  # shellcheck disable=SC2046,SC2016 # the command words; $1 is the inner shell's
  if ! $(unshare_cmd) sh -c 'mount --bind "$1" /etc/hosts' sh "$probe" 2>"$probe.err"; then
    local why
    why=$(cat "$probe.err")
    rm -f "$probe" "$probe.err"
    die "cannot give the agent its own /etc/hosts ($(unshare_cmd): $why). As root this needs CAP_SYS_ADMIN; as another user, unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1). Or run the profile as root."
  fi
  rm -f "$probe" "$probe.err"
}

# ---------------------------------------------------------------- start, stop

addr_port_in_use() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# The ports a component of the profile listens on (the agent also takes the single-node collector's OTLP ports;
# every gateway listens on the same ports, each on its own address).
scale_component_ports() {
  case "$1" in
    agent) echo "$OTLP_GRPC_PORT $OTLP_HTTP_PORT $(component_ports agent)" ;;
    gateway[0-9]*) component_ports gateway ;;
    *) component_ports "$1" ;;
  esac
}

# The environment of gateway $1 (one VAR=value a line) on its own storage, its OTLP receiver on $2 and its
# Prometheus exporter on $3; health and own metrics on its address, where `drain` reads them too.
gateway_env() {
  local g=$1 addr
  addr=$(gateway_addr "$g")
  printf '%s\n' "OTELCOL_GATEWAY_ID=$g" "OTELCOL_OTLP_GRPC_ENDPOINT=$2" \
    "OTELCOL_HEALTH_ENDPOINT=$addr:$GATEWAY_HEALTH_PORT" "OTELCOL_PROMETHEUS_ENDPOINT=$3" \
    "OTELCOL_METRICS_HOST=$addr" "OTELCOL_METRICS_PORT=$GATEWAY_METRICS_PORT" \
    "OTELCOL_JAEGER_ENDPOINT=$HOST:$JAEGER_OTLP_PORT" \
    "OTELCOL_STORAGE_DIR=$RUN_DIR/$g/queue" "OTELCOL_LOGS_PATH=$RUN_DIR/$g/logs/genai-logs.jsonl"
}

scale_start_component() {
  local c=$1 bin log addr port
  bin=$(component_bin "$c")
  log="$LOG_DIR/$c.log"
  local -a env=() cmd=()
  case "$c" in
    agent|victoriametrics) addr=$HOST ;;
    gateway*) addr=$(gateway_addr "$c") ;;
    *) start_component "$c"; return ;;
  esac
  for port in $(scale_component_ports "$c"); do
    if addr_port_in_use "$addr" "$port"; then
      describe_port "$port" >&2 || true
      die "$c: port $addr:$port is already in use; set the STACK_*_PORT variables or stop what uses it"
    fi
  done
  mkdir -p "$RUN_DIR/$c"
  printf '\n==== %s starting %s\n' "$(date -u +%FT%TZ)" "$c" >>"$log"
  case "$c" in
    victoriametrics)
      cmd=("$bin" "-httpListenAddr=$HOST:$VICTORIAMETRICS_PORT" "-storageDataPath=$RUN_DIR/victoriametrics/data"
           "-retentionPeriod=$VM_RETENTION" "-search.latencyOffset=$VM_LATENCY_OFFSET")
      ;;
    gateway*)
      mapfile -t env < <(gateway_env "$c" "$addr:$GATEWAY_OTLP_PORT" "$addr:$GATEWAY_PROM_PORT")
      cmd=("$bin" "--config" "$COLLECTOR_DIR/tail-sampling.yaml" "--config" "$SCALE_DIR/gateway.yaml")
      [[ -n $GATEWAY_OVERLAY ]] && cmd+=("--config" "$GATEWAY_OVERLAY")
      mkdir -p "$RUN_DIR/$c/queue" "$RUN_DIR/$c/logs"
      ;;
    agent)
      env=("OTELCOL_OTLP_GRPC_ENDPOINT=$HOST:$OTLP_GRPC_PORT" "OTELCOL_OTLP_HTTP_ENDPOINT=$HOST:$OTLP_HTTP_PORT"
           "OTELCOL_HEALTH_ENDPOINT=$HOST:$AGENT_HEALTH_PORT"
           "OTELCOL_METRICS_HOST=$HOST" "OTELCOL_METRICS_PORT=$AGENT_METRICS_PORT"
           "OTELCOL_GATEWAY_HOSTNAME=$GATEWAY_HOSTNAME" "OTELCOL_GATEWAY_PORT=$GATEWAY_OTLP_PORT"
           "OTELCOL_GATEWAY_DNS_INTERVAL=$DNS_INTERVAL" "OTELCOL_STORAGE_DIR=$RUN_DIR/agent/queue")
      mkdir -p "$RUN_DIR/agent/queue"
      # The pool starts with every gateway on a full `up`; `pool` changes it while the agent runs, and `up agent`
      # alone keeps what `pool` set.
      if [[ ! -f $(hosts_file) || $SCALE_FULL_UP == 1 ]]; then write_pool "${GATEWAY_ADDRS[@]}"; fi
      # shellcheck disable=SC2207,SC2016 # the command words; $1 and $@ are the inner shell's
      cmd=($(unshare_cmd) sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' agent-hosts "$(hosts_file)"
           "$bin" "--config" "$COLLECTOR_DIR/privacy.yaml" "--config" "$SCALE_DIR/agent.yaml")
      ;;
  esac
  (cd "$RUN_DIR/$c" && exec env "${env[@]}" setsid "${cmd[@]}" </dev/null >>"$log" 2>&1) &
  echo $! >"$PID_DIR/$c.pid"
}

scale_up() {
  local t0 c started=() deadline
  t0=$(now)
  SCALE_FULL_UP=$(( $# == 0 ))
  select_components "$@"
  check_installed "${SELECTED[@]}"
  if [[ " ${SELECTED[*]} " == *" agent "* ]]; then check_unshare; fi
  mkdir -p "$PID_DIR" "$LOG_DIR" "$CONF_DIR"
  local fp
  fp=$(scale_settings_fingerprint)
  if any_running && [[ -f $RUN_DIR/stack.env ]] && [[ $(<"$RUN_DIR/stack.env") != "$fp" ]]; then
    die "a stack with other settings is running from $RUN_DIR: run 'scripts/stack.sh down --profile scale' first"
  fi
  echo "$fp" >"$RUN_DIR/stack.env"
  render_scale_configs
  deadline=$(( $(date +%s) + UP_TIMEOUT ))
  for c in "${SELECTED[@]}"; do
    if pid_of "$c" >/dev/null; then
      log "$c: already running (pid $(pid_of "$c"))"
    else
      scale_start_component "$c"
      started+=("$c")
    fi
    # One at a time: each tier is ready before the one that sends to it.
    wait_healthy "$c" "$deadline"
    log "$c: healthy (pid $(pid_of "$c")) $(component_url "$c")"
    if [[ $c == victoriametrics ]] && (( SCALE_TRACES )) && (( $# == 0 )); then scale_traces_up; fi
  done
  log "up in $(elapsed "$t0")s (started: ${started[*]:-none}); run folder $RUN_DIR"
}

scale_down() {
  local purge=0 args=() c i
  for c in "$@"; do
    case "$c" in --purge) purge=1 ;; *) args+=("$c") ;; esac
  done
  select_components "${args[@]}"
  for ((i = ${#SELECTED[@]} - 1; i >= 0; i--)); do
    stop_component "${SELECTED[i]}"
    if [[ ${SELECTED[i]} == victoriametrics ]] && (( SCALE_TRACES )) && (( ${#args[@]} == 0 )); then scale_traces_down; fi
  done
  if (( purge )); then
    any_running && die "not purging $RUN_DIR: some components still run"
    rm -rf "$RUN_DIR"
    log "removed $RUN_DIR"
  fi
}

scale_status() {
  local all_ok=0
  print_component_table 16 || all_ok=3
  echo
  echo "gateway pool ($GATEWAY_HOSTNAME in $(hosts_file)): $(pool_addrs | tr '\n' ' ')"
  if (( SCALE_TRACES )); then
    echo
    scale_traces_status || all_ok=3
  fi
  [[ -f $BIN_DIR/VERSIONS ]] && { echo; sed 's/^/  /' "$BIN_DIR/VERSIONS"; }
  return $all_ok
}

# pool [GATEWAY...]: without arguments, prints the gateways the agent resolves; with names (gateway1 ...), makes
# them the whole pool (the agent notices within STACK_SCALE_DNS_INTERVAL).
scale_pool() {
  local g addrs=()
  if (( $# )); then
    for g in "$@"; do
      [[ $g =~ ^gateway[0-9]+$ && -n $(gateway_addr "$g") ]] || die "unknown gateway '$g' (expected one of: ${GATEWAYS[*]})"
      addrs+=("$(gateway_addr "$g")")
    done
    write_pool "${addrs[@]}"
  fi
  local a
  for g in "${GATEWAYS[@]}"; do
    a=$(gateway_addr "$g")
    if pool_addrs | grep -qxF "$a"; then echo "$g $a in"; else echo "$g $a out"; fi
  done
}

# drain GATEWAY: sends on what a gateway stopped for good left in its persistent queue. At SIGTERM the collector
# leaves a persistent queue on disk instead of draining it (a gateway that comes back sends it itself); this runs
# the gateway's own configs on its storage, with its receiver and Prometheus exporter on a loopback port nobody
# knows (no new traffic), until collector/scale/drain-wait.sh sees its queue empty, then stops it. The same
# procedure as the Kubernetes drain Job (collector/k8s/drain) and the compose `drain` profile.
scale_drain() {
  if ! (( $# == 1 )) || ! [[ $1 =~ ^gateway[0-9]+$ && -n $(gateway_addr "$1") ]]; then
    die "usage: scripts/stack.sh drain GATEWAY --profile scale (one of: ${GATEWAYS[*]})"
  fi
  local g=$1 addr bin log pid waiter status=0 t0
  t0=$(now)
  addr=$(gateway_addr "$g")
  check_installed "$g"
  if pid=$(pid_of "$g"); then die "$g runs (pid $pid): a running gateway sends its own queue; drain one that is stopped for good"; fi
  [[ -d $RUN_DIR/$g/queue ]] || die "$g has no storage in $RUN_DIR/$g/queue: nothing to drain"
  bin=$(component_bin "$g")
  log="$LOG_DIR/$g-drain.log"
  mkdir -p "$LOG_DIR"
  printf '\n==== %s draining %s\n' "$(date -u +%FT%TZ)" "$g" >>"$log"
  local -a env=()
  mapfile -t env < <(gateway_env "$g" "127.0.0.1:0" "127.0.0.1:0")
  env+=("OTELCOL_GATEWAY_ID=$g-drain") # env(1): the last assignment of a name wins
  (cd "$RUN_DIR/$g" && exec env "${env[@]}" setsid "$bin" --config "$COLLECTOR_DIR/tail-sampling.yaml" \
    --config "$SCALE_DIR/gateway.yaml" </dev/null >>"$log" 2>&1) &
  pid=$!
  DRAIN_HEALTH_URL="http://$addr:$GATEWAY_HEALTH_PORT/" DRAIN_METRICS_URL="http://$addr:$GATEWAY_METRICS_PORT/metrics" \
    DRAIN_INTERVAL_S=1 DRAIN_TIMEOUT_S=${STACK_DRAIN_TIMEOUT:-600} sh "$SCALE_DIR/drain-wait.sh" >>"$log" 2>&1 &
  waiter=$!
  # Whichever ends first: the waiter (drained, or timed out) or the collector (it could not start on the storage).
  while [[ -d /proc/$waiter ]] && [[ -d /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
    sleep 0.2
  done
  if [[ -d /proc/$waiter ]]; then
    kill "$waiter" 2>/dev/null
    wait "$waiter" 2>/dev/null
    wait "$pid" || status=$?
    tail -n 20 "$log" >&2
    die "$g: the drain collector exited (status $status) before its queue was empty; log: $log"
  fi
  wait "$waiter" || status=$?
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  if (( status != 0 )); then
    tail -n 5 "$log" >&2
    die "$g: its queue was not sent on within ${STACK_DRAIN_TIMEOUT:-600}s (is trace storage up?); it stays in $RUN_DIR/$g/queue: run drain again"
  fi
  log "$g: queue sent on in $(elapsed "$t0")s; log: $log"
}

scale_urls() {
  cmd_urls | grep -v -e '^COLLECTOR_METRICS_URL='
  local g
  for g in "${GATEWAYS[@]}"; do
    echo "${g^^}_METRICS_URL=http://$(gateway_addr "$g"):$GATEWAY_PROM_PORT/metrics"
  done
  echo "VICTORIAMETRICS_URL=http://$HOST:$VICTORIAMETRICS_PORT"
}

render_scale_configs() {
  render_configs
  local g targets=() own=()
  for g in "${GATEWAYS[@]}"; do
    targets+=("'$(gateway_addr "$g"):$GATEWAY_PROM_PORT'")
    own+=("'$(gateway_addr "$g"):$GATEWAY_METRICS_PORT'")
  done
  local IFS=,
  sed -e "s#\\['otel-gateway-1:8889', 'otel-gateway-2:8889'\\]#[${targets[*]}]#" \
      -e "s#\\['otel-gateway-1:8888', 'otel-gateway-2:8888'\\]#[${own[*]}]#" \
      -e "s#'otel-agent:8888'#'$HOST:$AGENT_METRICS_PORT'#" \
      -e "s#'jaeger:8888'#'$HOST:$JAEGER_METRICS_PORT'#" \
      -e "s#'localhost:9090'#'$HOST:$PROMETHEUS_PORT'#" \
      -e "s#'alertmanager:9093'#'$HOST:$ALERTMANAGER_PORT'#" \
      -e "s#'http://victoriametrics:8428/api/v1/write'#'http://$HOST:$VICTORIAMETRICS_PORT/api/v1/write'#" \
      -e "s#^\([[:space:]]*scrape_interval:\) 15s#\\1 $SCRAPE_INTERVAL#" \
      -e "s#^\([[:space:]]*evaluation_interval:\) 15s#\\1 $SCRAPE_INTERVAL#" \
      "$SCALE_DIR/prometheus.yml" >"$CONF_DIR/prometheus.yml"
  unset IFS
  grep -q -e "'otel-gateway-[0-9]" -e "'otel-agent:" -e "'jaeger:" -e "'alertmanager:" -e 'victoriametrics:' "$CONF_DIR/prometheus.yml" \
    && die "collector/scale/prometheus.yml: a target was not rendered (keep its 'host:port' strings as they are)"
  if have promtool; then
    promtool check config "$CONF_DIR/prometheus.yml" >"$CONF_DIR/promtool.log" 2>&1 \
      || { cat "$CONF_DIR/promtool.log" >&2; die "rendered Prometheus config is invalid: $CONF_DIR/prometheus.yml"; }
  fi
}
