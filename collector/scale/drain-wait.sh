#!/bin/sh
# genai-otel scale-out profile: the end of a gateway drain. Waits until a collector started on a stopped gateway's
# storage (the gateway's own configs, its receiver on loopback) has sent on everything its persistent queue held,
# then exits 0; whoever started the collector then stops it (scripts/stack.sh drain, the Kubernetes drain Job of
# collector/k8s/drain, the compose `drain` profile).
#
# Why it is needed: at SIGTERM the collector stops an exporter whose sending queue is persistent (file_storage)
# without draining it: what was not yet sent stays on disk and goes out only when a collector starts again on that
# storage. A gateway that comes back (a rolling restart) does that itself; a gateway removed for good (a scale-down)
# needs this drain. The collector never exits by itself, so this script watches its own queue metric:
# otelcol_exporter_queue_size counts the batches stored AND those being sent (exporterhelper's persistent queue
# keeps a batch until its export succeeded), so 0 once the collector is ready means nothing is left to send.
#
# POSIX sh with wget (busybox) or curl. Settings (environment):
#   DRAIN_HEALTH_URL    http://127.0.0.1:13133/          the collector's health_check: ready once its queue is loaded
#   DRAIN_METRICS_URL   http://127.0.0.1:8888/metrics    the collector's own metrics
#   DRAIN_EXPORTER      otlp_grpc/jaeger                 the exporter whose queue is drained (gateway.yaml's)
#   DRAIN_INTERVAL_S    2                                seconds between two readings
#   DRAIN_TIMEOUT_S     0                                give up (exit 1) after this many seconds; 0 = never (a
#                                                        Kubernetes Job bounds it with activeDeadlineSeconds)
# Exit status: 0 drained, 1 timed out (the queue stays on disk: nothing is lost, run the drain again later), 2 no
# wget or curl.
set -u

health=${DRAIN_HEALTH_URL:-http://127.0.0.1:13133/}
metrics=${DRAIN_METRICS_URL:-http://127.0.0.1:8888/metrics}
exporter=${DRAIN_EXPORTER:-otlp_grpc/jaeger}
interval=${DRAIN_INTERVAL_S:-2}
timeout=${DRAIN_TIMEOUT_S:-0}
started=$(date +%s)

if ! command -v wget >/dev/null 2>&1 && ! command -v curl >/dev/null 2>&1; then
  echo "drain-wait: needs wget or curl" >&2
  exit 2
fi

fetch() {
  if command -v wget >/dev/null 2>&1; then wget -q -T 5 -O - "$1" 2>/dev/null; else curl -fsS -m 5 "$1" 2>/dev/null; fi
}

# The exporter's queue size summed over its signals; empty when the collector does not report it (yet).
queue_size() {
  fetch "$metrics" | awk -v want="exporter=\"$exporter\"" '
    index($0, "otelcol_exporter_queue_size{") == 1 && index($0, want) > 0 { sum += $NF; seen = 1 }
    END { if (seen) printf "%d\n", sum }'
}

give_up_if_late() {
  if [ "$timeout" -gt 0 ] && [ $(($(date +%s) - started)) -ge "$timeout" ]; then
    echo "drain-wait: $1 after ${timeout}s; what is left stays on disk" >&2
    exit 1
  fi
}

until fetch "$health" >/dev/null; do
  give_up_if_late "the collector was not ready at $health"
  sleep "$interval"
done
last=
while :; do
  size=$(queue_size)
  if [ "$size" = 0 ]; then
    echo "drain-wait: the $exporter queue is empty after $(($(date +%s) - started))s"
    exit 0
  fi
  if [ "$size" != "$last" ]; then
    echo "drain-wait: ${size:-no reading of otelcol_exporter_queue_size for $exporter} (batches left)"
    last=$size
  fi
  give_up_if_late "the $exporter queue still held ${size:-an unknown number of} batches"
  sleep "$interval"
done
