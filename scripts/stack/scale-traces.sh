# shellcheck shell=bash
# scripts/stack/scale-traces.sh: the trace storage tier of the scale profile (`scripts/stack.sh ... --profile scale`).
# Sourced, never run, after scripts/stack/common.sh and load_settings; it defines
#
#   scale_traces_install            Java harness jars (OpenSearch, Kafka) from Maven Central, cached; the JDK and
#                                   Maven from Debian when absent
#   scale_traces_up [PROCESS...]    starts what is not running, in order, and waits for each to be healthy
#   scale_traces_down [PROCESS...]  stops (TERM, then KILL after 20 s), last started first
#   scale_traces_status             one line per process; returns 3 when one is not healthy
#
# Processes (pids in <run folder>/pids, logs in <run folder>/logs, data in <run folder>/scale-traces/<process>):
#   opensearch-1, opensearch-2   OpenSearch data nodes (HTTP 9200, 9201); Jaeger's indices have 1 replica, so either
#                                node can die without losing a trace or a write
#   opensearch-3                 a cluster-manager-only node (HTTP 9202, no data): with two master-eligible nodes
#                                the voting configuration holds one of them, and losing that one stops all writes;
#                                three keep a majority when any one dies
#   kafka                        Kafka in KRaft mode, one node (9092; controller 9094), only with STACK_SCALE_KAFKA=1
#   jaeger-collector             Jaeger v2, collector role: OTLP in (14317 gRPC, 14318 HTTP) -> OpenSearch, or ->
#                                Kafka with STACK_SCALE_KAFKA=1 (collector/scale/jaeger-collector*.yaml)
#   jaeger-ingester              Jaeger v2, ingester role: Kafka -> OpenSearch, only with STACK_SCALE_KAFKA=1
#   jaeger-query                 Jaeger v2, query role: UI and HTTP API on 16686, reading OpenSearch
#
# OpenSearch and Kafka run as TEST HARNESSES: their jars from Maven Central in a plain JVM (OpenSearch through
# scripts/stack/harness/OpenSearchTestNode.java), without the official distributions' bootstrap checks, security
# or tuning. Users run the official distributions or managed services; collector/scale/jaeger-*.yaml work with both.
#
# Settings (besides the ports of collector/ports.txt, components opensearch, kafka, jaeger, jaegerquery,
# jaegeringester):
#   STACK_SCALE_KAFKA [0]          1: Kafka between the Jaeger collector and an ingester
#   STACK_OPENSEARCH_HEAP [384m]   heap of each OpenSearch data node (the cluster-manager-only node gets 256m)
#   STACK_KAFKA_HEAP [256m]        heap of Kafka
#   STACK_UP_TIMEOUT [90]          seconds each process may take to become healthy (OpenSearch: the cluster green)

# Pinned here rather than in collector/versions.env: only this test harness uses them (users run their own).
SCALE_TRACES_OPENSEARCH_VERSION=2.19.6
# log4j-core must be the version of the log4j-api the OpenSearch release depends on (install checks it).
SCALE_TRACES_LOG4J_VERSION=2.25.4
SCALE_TRACES_KAFKA_VERSION=4.4.0
# Kafka logs through SLF4J 1: the log4j binding of the log4j-api version Kafka depends on.
SCALE_TRACES_KAFKA_LOG4J_VERSION=2.25.5
# Bump when the recipe below changes, to invalidate the cached jars and classes.
SCALE_TRACES_RECIPE_REV=1

# The component column of this tier's own ports in collector/ports.txt (its Jaeger collector and query roles also
# listen on the single-node profile's jaeger ports).
# shellcheck disable=SC2034 # read by test/unit/stack/stack-facts.test.ts
SCALE_TRACES_COMPONENTS=(opensearch kafka jaegerquery jaegeringester)
SCALE_TRACES_PROCESSES=(opensearch-1 opensearch-2 opensearch-3 kafka jaeger-collector jaeger-ingester jaeger-query)

st_harness_dir() { echo "$ROOT/scripts/stack/harness"; }
st_kafka_on() { [[ ${STACK_SCALE_KAFKA:-0} == 1 || ${STACK_SCALE_KAFKA:-0} == true ]]; }
st_data_dir() { echo "$RUN_DIR/scale-traces/$1"; }

st_opensearch_key() {
  {
    echo "opensearch=$SCALE_TRACES_OPENSEARCH_VERSION log4j=$SCALE_TRACES_LOG4J_VERSION recipe=$SCALE_TRACES_RECIPE_REV"
    javac -version 2>&1
    cat "$(st_harness_dir)/OpenSearchTestNode.java"
  } | sha256sum | cut -c1-16
}
st_kafka_key() {
  echo "kafka=$SCALE_TRACES_KAFKA_VERSION log4j=$SCALE_TRACES_KAFKA_LOG4J_VERSION recipe=$SCALE_TRACES_RECIPE_REV" | sha256sum | cut -c1-16
}
st_opensearch_home() { echo "$CACHE_DIR/opensearch-harness-$(st_opensearch_key)"; }
st_kafka_home() { echo "$CACHE_DIR/kafka-harness-$(st_kafka_key)"; }

# ---------------------------------------------------------------- install

st_install_jdk() {
  if have java && have javac && have mvn; then
    local v
    v=$(javac -version 2>&1 | awk '{print $2}')
    if ! [[ ${v%%.*} =~ ^[0-9]+$ ]] || (( ${v%%.*} < 17 )); then
      die "OpenSearch 2.19 needs JDK 17 or newer; javac is $v"
    fi
    return
  fi
  have apt-get || die "java, javac and mvn (JDK 17+, Maven 3) are needed for the scale profile's trace tier: install them"
  local sudo=()
  if (( EUID != 0 )); then
    have sudo || die "installing Debian packages needs root (or sudo): apt-get install openjdk-17-jdk-headless maven"
    sudo=(sudo)
  fi
  log "installing Debian packages openjdk-17-jdk-headless maven"
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless maven >/dev/null || die "apt-get install openjdk-17-jdk-headless maven failed"
}

# Copies the runtime jars of the given Maven coordinates (group:artifact:version ...) into $1/lib, through a
# generated pom and the dependency plugin; Maven's downloads are cached in $CACHE_DIR/m2.
st_maven_jars() {
  local home=$1 work=$1.build dep g a v
  shift
  rm -rf "$work"
  mkdir -p "$work"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo '<groupId>local.genai-otel</groupId><artifactId>stack-harness</artifactId><version>0</version><dependencies>'
    for dep in "$@"; do
      IFS=: read -r g a v <<<"$dep"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
    done
    echo '</dependencies></project>'
  } >"$work/pom.xml"
  if ! (cd "$work" && mvn -B -q -Dmaven.repo.local="$CACHE_DIR/m2" dependency:copy-dependencies \
          -DoutputDirectory="$work/lib" -DincludeScope=runtime) >"$work/mvn.log" 2>&1; then
    tail -n 30 "$work/mvn.log" >&2
    die "mvn dependency:copy-dependencies failed for $*; full log: $work/mvn.log"
  fi
}

st_install_opensearch() {
  local home t0
  home=$(st_opensearch_home)
  if [[ -f $home/READY ]]; then
    log "opensearch harness: reusing $home"
    return
  fi
  t0=$(now)
  log "opensearch harness: OpenSearch $SCALE_TRACES_OPENSEARCH_VERSION jars from Maven Central (a minute or two on a cold cache)"
  st_maven_jars "$home" "org.opensearch:opensearch:$SCALE_TRACES_OPENSEARCH_VERSION" \
    "org.opensearch.plugin:transport-netty4-client:$SCALE_TRACES_OPENSEARCH_VERSION" \
    "org.opensearch.plugin:analysis-common:$SCALE_TRACES_OPENSEARCH_VERSION" \
    "org.apache.logging.log4j:log4j-core:$SCALE_TRACES_LOG4J_VERSION"
  local work=$home.build api
  api=$(cd "$work/lib" && ls log4j-api-*.jar)
  [[ $api == "log4j-api-$SCALE_TRACES_LOG4J_VERSION.jar" ]] \
    || die "OpenSearch $SCALE_TRACES_OPENSEARCH_VERSION brings $api: set SCALE_TRACES_LOG4J_VERSION in scripts/stack/scale-traces.sh to its version"
  mkdir -p "$work/classes"
  javac -d "$work/classes" -cp "$work/lib/*" "$(st_harness_dir)/OpenSearchTestNode.java" >"$work/javac.log" 2>&1 \
    || { cat "$work/javac.log" >&2; die "javac OpenSearchTestNode.java failed"; }
  rm -rf "$home"
  mkdir -p "$home"
  mv "$work/lib" "$work/classes" "$home/"
  echo "opensearch $SCALE_TRACES_OPENSEARCH_VERSION (test harness)" >"$home/READY"
  rm -rf "$work"
  log "opensearch harness: ready in $(elapsed "$t0")s -> $home"
}

st_install_kafka() {
  local home t0
  home=$(st_kafka_home)
  if [[ -f $home/READY ]]; then
    log "kafka harness: reusing $home"
    return
  fi
  t0=$(now)
  log "kafka harness: Kafka $SCALE_TRACES_KAFKA_VERSION jars from Maven Central"
  st_maven_jars "$home" "org.apache.kafka:kafka_2.13:$SCALE_TRACES_KAFKA_VERSION" \
    "org.apache.kafka:kafka-tools:$SCALE_TRACES_KAFKA_VERSION" \
    "org.apache.logging.log4j:log4j-slf4j-impl:$SCALE_TRACES_KAFKA_LOG4J_VERSION"
  rm -rf "$home"
  mkdir -p "$home"
  mv "$home.build/lib" "$home/"
  echo "kafka $SCALE_TRACES_KAFKA_VERSION (test harness)" >"$home/READY"
  rm -rf "$home.build"
  log "kafka harness: ready in $(elapsed "$t0")s -> $home"
}

# Says what `scale_traces_install` still has to do (nothing printed and status 0 when all is installed).
scale_traces_installed() {
  local missing=()
  [[ -x $BIN_DIR/jaeger ]] || missing+=("$BIN_DIR/jaeger (scripts/stack.sh install)")
  have java || missing+=("java (JDK 17+)")
  [[ -f $(st_opensearch_home)/READY ]] 2>/dev/null || missing+=("the OpenSearch harness")
  [[ -f $(st_kafka_home)/READY ]] || missing+=("the Kafka harness")
  (( ${#missing[@]} == 0 )) && return 0
  echo "${missing[*]}"
  return 1
}

scale_traces_install() {
  [[ -x $BIN_DIR/jaeger ]] || die "the Jaeger binary is not installed: run 'scripts/stack.sh install' first"
  st_install_jdk
  mkdir -p "$CACHE_DIR"
  st_install_opensearch
  st_install_kafka
}

# ---------------------------------------------------------------- processes

# The ports a process listens on (settings of collector/ports.txt, read by load_settings).
st_ports() {
  case "$1" in
    opensearch-1) echo "$OPENSEARCH_PORT $OPENSEARCH_TRANSPORT_PORT" ;;
    opensearch-2) echo "$OPENSEARCH_NODE2_PORT $OPENSEARCH_NODE2_TRANSPORT_PORT" ;;
    opensearch-3) echo "$OPENSEARCH_NODE3_PORT $OPENSEARCH_NODE3_TRANSPORT_PORT" ;;
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    jaeger-collector) echo "$JAEGER_OTLP_PORT $JAEGER_OTLP_HTTP_PORT $JAEGER_HEALTH_PORT $JAEGER_METRICS_PORT" ;;
    jaeger-ingester) echo "$JAEGER_INGESTER_HEALTH_PORT $JAEGER_INGESTER_METRICS_PORT" ;;
    jaeger-query) echo "$JAEGER_UI_PORT $JAEGER_GRPC_PORT $JAEGER_QUERY_HEALTH_PORT $JAEGER_QUERY_METRICS_PORT" ;;
  esac
}

st_http_port() {
  case "$1" in
    opensearch-1) echo "$OPENSEARCH_PORT" ;;
    opensearch-2) echo "$OPENSEARCH_NODE2_PORT" ;;
    opensearch-3) echo "$OPENSEARCH_NODE3_PORT" ;;
  esac
}

st_health_url() {
  case "$1" in
    opensearch-*) echo "http://$HOST:$(st_http_port "$1")/" ;;
    kafka) echo "tcp://$HOST:$KAFKA_PORT" ;;
    jaeger-collector) echo "http://$HOST:$JAEGER_HEALTH_PORT/status" ;;
    jaeger-ingester) echo "http://$HOST:$JAEGER_INGESTER_HEALTH_PORT/status" ;;
    jaeger-query) echo "http://$HOST:$JAEGER_QUERY_HEALTH_PORT/status" ;;
  esac
}

st_url() {
  case "$1" in
    opensearch-*) echo "http://$HOST:$(st_http_port "$1")" ;;
    kafka) echo "$HOST:$KAFKA_PORT" ;;
    jaeger-collector) echo "grpc://$HOST:$JAEGER_OTLP_PORT http://$HOST:$JAEGER_OTLP_HTTP_PORT" ;;
    jaeger-ingester) echo "-" ;;
    jaeger-query) echo "http://$HOST:$JAEGER_UI_PORT" ;;
  esac
}

# The processes this configuration runs, in start order.
st_wanted() {
  local p
  for p in "${SCALE_TRACES_PROCESSES[@]}"; do
    if [[ $p == kafka || $p == jaeger-ingester ]] && ! st_kafka_on; then continue; fi
    echo "$p"
  done
}

# The config file a process was started with: its command line names it, which tells our process from a recycled pid.
st_marker() {
  case "$1" in
    opensearch-*) echo "$(st_data_dir "$1")/config/opensearch.yml" ;;
    kafka) echo "$(st_data_dir kafka)/server.properties" ;;
    jaeger-*) echo "$COLLECTOR_DIR/scale/$1.yaml" ;;
  esac
}

st_pid() {
  local f="$PID_DIR/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$(st_marker "$1")" || return 1
  echo "$pid"
}

st_port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

st_healthy() {
  case "$1" in
    kafka) st_port_in_use "$KAFKA_PORT" ;;
    *) curl -fsS -o /dev/null --max-time 2 "$(st_health_url "$1")" 2>/dev/null ;;
  esac
}

st_os_url() { echo "http://$HOST:$OPENSEARCH_PORT"; }

st_write_opensearch_config() {
  local p=$1 dir n
  dir=$(st_data_dir "$p")
  n=${p#opensearch-}
  # shellcheck disable=SC2174 # only the node's own folder needs the mode
  mkdir -p -m 700 "$dir"
  mkdir -p "$dir/config" "$dir/data" "$dir/logs"
  local transport http roles
  read -r http transport <<<"$(st_ports "$p")"
  # Node 3 only votes: the tie-breaker that lets the cluster keep a cluster manager when either data node dies.
  if [[ $n == 3 ]]; then roles='[cluster_manager]'; else roles='[cluster_manager, data, ingest]'; fi
  cat >"$dir/config/opensearch.yml" <<EOF
# Generated by scripts/stack/scale-traces.sh (test harness; users run the official distribution).
cluster.name: genai-otel-scale
node.name: opensearch-$n
node.roles: $roles
path.home: $dir
path.data: $dir/data
path.logs: $dir/logs
network.host: $HOST
http.port: $http
transport.port: $transport
http.type: netty4
transport.type: netty4
discovery.seed_hosts: ["$HOST:$OPENSEARCH_TRANSPORT_PORT", "$HOST:$OPENSEARCH_NODE2_TRANSPORT_PORT", "$HOST:$OPENSEARCH_NODE3_TRANSPORT_PORT"]
cluster.initial_cluster_manager_nodes: ["opensearch-1", "opensearch-2", "opensearch-3"]
# The harness shares a disk with everything else on the machine: the disk watermarks would stop allocation there.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

st_write_kafka_config() {
  local dir
  dir=$(st_data_dir kafka)
  # shellcheck disable=SC2174
  mkdir -p -m 700 "$dir"
  cat >"$dir/server.properties" <<EOF
# Generated by scripts/stack/scale-traces.sh (test harness: one KRaft node; users run the official distribution).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=2
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# The topic is a buffer, not the store: a day covers any ingester outage worth waiting for.
log.retention.hours=24
EOF
  cat >"$dir/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka.server.KafkaRaftServer
logger.kafka.level=INFO
EOF
}

# Creates the spans topic before any Jaeger process uses it: a consumer that subscribed before the producer's first
# write auto-created it would only see it at its next metadata refresh, minutes later.
st_create_topic() {
  local home dir
  home=$(st_kafka_home)
  dir=$(st_data_dir kafka)
  java -cp "$home/lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" --create --if-not-exists --topic "${JAEGER_KAFKA_TOPIC:-jaeger-spans}" \
    --partitions 2 --replication-factor 1 >>"$LOG_DIR/kafka.log" 2>&1 \
    || { tail -n 20 "$LOG_DIR/kafka.log" >&2; die "kafka: creating the topic failed; log: $LOG_DIR/kafka.log"; }
}

# JVM options common to the harness JVMs: a small fixed heap and the serial collector (2-core machines).
st_jvm() {
  echo "java -Xms$1 -Xmx$1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
}

st_start() {
  local p=$1 log port
  log="$LOG_DIR/$p.log"
  for port in $(st_ports "$p"); do
    if st_port_in_use "$port"; then
      die "$p: port $HOST:$port is already in use (by another program, or a stack started with other settings); set the STACK_*_PORT variables or stop it"
    fi
  done
  mkdir -p "$(st_data_dir "$p")"
  printf '\n==== %s starting %s\n' "$(date -u +%FT%TZ)" "$p" >>"$log"
  local -a cmd env=()
  case "$p" in
    opensearch-*)
      local home heap=${STACK_OPENSEARCH_HEAP:-384m}
      home=$(st_opensearch_home)
      [[ -f $home/READY ]] || die "the OpenSearch harness is not installed: run 'scripts/stack.sh install --profile scale'"
      [[ $p == opensearch-3 ]] && heap=256m
      st_write_opensearch_config "$p"
      # shellcheck disable=SC2207 # the JVM options are plain words
      cmd=($(st_jvm "$heap") -cp "$home/lib/*:$home/classes" OpenSearchTestNode "$(st_marker "$p")")
      ;;
    kafka)
      local home dir
      home=$(st_kafka_home)
      dir=$(st_data_dir kafka)
      [[ -f $home/READY ]] || die "the Kafka harness is not installed: run 'scripts/stack.sh install --profile scale'"
      st_write_kafka_config
      if [[ ! -f $dir/data/meta.properties ]]; then
        local id
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
        java -cp "$home/lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" kafka.tools.StorageTool \
          format -t "$id" -c "$dir/server.properties" >>"$log" 2>&1 \
          || { tail -n 20 "$log" >&2; die "kafka: formatting $dir/data failed; log: $log"; }
      fi
      # shellcheck disable=SC2207
      cmd=($(st_jvm "${STACK_KAFKA_HEAP:-256m}") -Dlog4j2.configurationFile="$dir/log4j2.properties"
           -cp "$home/lib/*" kafka.Kafka "$(st_marker kafka)")
      ;;
    jaeger-*)
      local urls="[http://$HOST:$OPENSEARCH_PORT,http://$HOST:$OPENSEARCH_NODE2_PORT]"
      env=("JAEGER_LISTEN_HOST=$HOST" "JAEGER_OPENSEARCH_URLS=$urls" "JAEGER_KAFKA_BROKERS=[$HOST:$KAFKA_PORT]")
      cmd=("$BIN_DIR/jaeger" "--config" "$(st_marker "$p")" "--config" "$COLLECTOR_DIR/scale/jaeger-opensearch.yaml")
      case "$p" in
        jaeger-collector)
          env+=("JAEGER_OTLP_GRPC_PORT=$JAEGER_OTLP_PORT" "JAEGER_OTLP_HTTP_PORT=$JAEGER_OTLP_HTTP_PORT"
                "JAEGER_HEALTH_PORT=$JAEGER_HEALTH_PORT" "JAEGER_METRICS_PORT=$JAEGER_METRICS_PORT")
          if st_kafka_on; then cmd+=("--config" "$COLLECTOR_DIR/scale/jaeger-collector-kafka.yaml"); fi
          ;;
        jaeger-ingester)
          env+=("JAEGER_HEALTH_PORT=$JAEGER_INGESTER_HEALTH_PORT" "JAEGER_METRICS_PORT=$JAEGER_INGESTER_METRICS_PORT")
          ;;
        jaeger-query)
          # The Monitor tab reads the span metrics where the scale profile keeps them (VictoriaMetrics).
          env+=("JAEGER_QUERY_HTTP_PORT=$JAEGER_UI_PORT" "JAEGER_QUERY_GRPC_PORT=$JAEGER_GRPC_PORT"
                "JAEGER_HEALTH_PORT=$JAEGER_QUERY_HEALTH_PORT" "JAEGER_METRICS_PORT=$JAEGER_QUERY_METRICS_PORT"
                "JAEGER_PROMETHEUS_URL=${JAEGER_METRICS_STORE_URL:-http://$HOST:${VICTORIAMETRICS_PORT:-8428}}")
          ;;
      esac
      ;;
  esac
  # setsid: own session, so the process outlives this script and a Ctrl-C in its terminal.
  (cd "$(st_data_dir "$p")" && exec env "${env[@]}" setsid "${cmd[@]}" </dev/null >>"$log" 2>&1) &
  echo $! >"$PID_DIR/$p.pid"
}

# The pid st_start wrote, while it exists and is not a zombie (right after the start it may still be the shell that
# is about to exec the process, whose command line does not name the config yet).
st_started_pid() {
  local pid
  pid=$(cat "$PID_DIR/$1.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}

st_wait() {
  local p=$1 deadline=$2
  while :; do
    if ! st_started_pid "$p" >/dev/null; then
      tail -n 30 "$LOG_DIR/$p.log" >&2 || true
      die "$p exited during start-up; log: $LOG_DIR/$p.log"
    fi
    st_healthy "$p" && return 0
    if (( $(date +%s) >= deadline )); then
      tail -n 30 "$LOG_DIR/$p.log" >&2 || true
      die "$p not healthy after ${UP_TIMEOUT}s at $(st_health_url "$p"); log: $LOG_DIR/$p.log"
    fi
    sleep 0.3
  done
}

# Waits until the OpenSearch nodes that run form one green cluster.
st_wait_cluster() {
  local nodes=$1 deadline=$2 body=""
  while (( $(date +%s) < deadline )); do
    body=$(curl -sS --max-time 5 "$(st_os_url)/_cluster/health?wait_for_status=green&wait_for_nodes=$nodes&timeout=3s" 2>&1) || true
    [[ $body == *'"status":"green"'* && $body == *"\"number_of_nodes\":$nodes,"* ]] && return 0
    sleep 0.5
  done
  die "the OpenSearch cluster is not green with $nodes nodes after ${UP_TIMEOUT}s: $body"
}

st_check_process_names() {
  local want p
  for want in "$@"; do
    for p in "${SCALE_TRACES_PROCESSES[@]}"; do [[ $p == "$want" ]] && continue 2; done
    die "unknown process '$want' (expected one of: ${SCALE_TRACES_PROCESSES[*]})"
  done
}

scale_traces_up() {
  local p t0 deadline started=() nodes=0 wanted=()
  t0=$(now)
  st_check_process_names "$@"
  [[ -x $BIN_DIR/jaeger ]] || die "the Jaeger binary is not installed: run 'scripts/stack.sh install' first"
  mkdir -p "$PID_DIR" "$LOG_DIR" "$RUN_DIR/scale-traces"
  mapfile -t wanted < <(if (( $# )); then printf '%s\n' "$@"; else st_wanted; fi)
  # OpenSearch nodes first, all at once (they find each other), then the rest in order once the cluster is green.
  for p in "${wanted[@]}"; do
    [[ $p == opensearch-* ]] || continue
    if st_pid "$p" >/dev/null; then continue; fi
    st_start "$p"
    started+=("$p")
  done
  deadline=$(( $(date +%s) + UP_TIMEOUT ))
  for p in "${wanted[@]}"; do
    [[ $p == opensearch-* ]] || continue
    st_wait "$p" "$deadline"
  done
  for p in opensearch-1 opensearch-2 opensearch-3; do st_pid "$p" >/dev/null && nodes=$((nodes + 1)); done
  if (( nodes == 3 )); then
    st_wait_cluster 3 "$deadline"
    log "opensearch: cluster green, 3 nodes $(st_os_url)"
  elif (( nodes > 0 )); then
    log "opensearch: $nodes of 3 nodes run"
  fi
  for p in "${wanted[@]}"; do
    [[ $p == opensearch-* ]] && continue
    if st_pid "$p" >/dev/null; then
      log "$p: already running (pid $(st_pid "$p"))"
      continue
    fi
    st_start "$p"
    started+=("$p")
    st_wait "$p" $(( $(date +%s) + UP_TIMEOUT ))
    if [[ $p == kafka ]]; then st_create_topic; fi
    log "$p: healthy (pid $(st_pid "$p")) $(st_url "$p")"
  done
  log "trace tier up in $(elapsed "$t0")s (started: ${started[*]:-none})"
}

st_stop() {
  local p=$1 pid i
  if ! pid=$(st_pid "$p"); then
    rm -f "$PID_DIR/$p.pid"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    [[ -d /proc/$pid ]] || break
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
    log "$p (pid $pid) did not stop within 20s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$p.pid"
  log "$p: stopped"
}

scale_traces_down() {
  local i list=()
  st_check_process_names "$@"
  if (( $# )); then list=("$@"); else list=("${SCALE_TRACES_PROCESSES[@]}"); fi
  # Last started first: the Jaeger processes flush into storage that still runs.
  for ((i = ${#SCALE_TRACES_PROCESSES[@]} - 1; i >= 0; i--)); do
    local p=${SCALE_TRACES_PROCESSES[i]} want
    for want in "${list[@]}"; do
      if [[ $want == "$p" ]]; then st_stop "$p"; fi
    done
  done
}

scale_traces_status() {
  local p pid state rc=0
  for p in $(st_wanted); do
    if pid=$(st_pid "$p"); then
      if st_healthy "$p"; then state=healthy; else state=unhealthy; rc=3; fi
    else
      pid=-; state=stopped; rc=3
    fi
    printf '%-17s %-8s %-9s %s\n' "$p" "$pid" "$state" "$(st_url "$p")"
  done
  local health
  if health=$(curl -fsS --max-time 2 "$(st_os_url)/_cluster/health" 2>/dev/null) \
    || health=$(curl -fsS --max-time 2 "http://$HOST:$OPENSEARCH_NODE2_PORT/_cluster/health" 2>/dev/null); then
    printf '%-17s %s\n' "opensearch" "cluster $(sed -n 's/.*"status":"\([a-z]*\)".*"number_of_nodes":\([0-9]*\).*/\1, \2 nodes/p' <<<"$health")"
  fi
  return $rc
}
