# shellcheck shell=bash
# scripts/stack/check.sh: `scripts/stack.sh check`, which validates every config of the bundled backend with the
# installed binaries, without starting anything: the collector's config and its overlays (otelcol-genai validate),
# Jaeger's (jaeger validate, Badger and memory), Prometheus's with its rules (promtool check config, promtool test
# rules), what collector/render.sh renders (cost budget, Alertmanager with no channel and every channel; amtool
# check-config when amtool is there), docker-compose.yml (docker compose config, or a YAML parse) and the Grafana
# dashboards (JSON). Prints one line per check and fails when any failed. Sourced by scripts/stack.sh after
# scripts/stack/common.sh.

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
  run_check "collector/privacy.yaml + collector/config.yaml (otelcol-genai validate)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/privacy.yaml" --config "$COLLECTOR_DIR/config.yaml"
  run_check "collector/config.yaml + tail-sampling.yaml" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/privacy.yaml" --config "$COLLECTOR_DIR/config.yaml" --config "$COLLECTOR_DIR/tail-sampling.yaml"
  # The elasticsearch exporter cannot be built here (see builder-config.yaml): validate the overlay's processors and
  # pipeline with a file exporter standing in for it.
  sed -e 's#^  elasticsearch/llm_records:#  file/elasticsearch_stand_in:#' -e 's#elasticsearch/llm_records\]#file/elasticsearch_stand_in]#' \
      -e 's#^    endpoint: .*#    path: /tmp/genai-otel-es-stand-in.jsonl#' -e '/^    logs_index:/d' -e '/^    mapping:/,/^      mode:/d' \
      -e '/^    sending_queue:/,/^      storage:/d' "$COLLECTOR_DIR/elasticsearch.yaml" >"$tmp/elasticsearch-stand-in.yaml"
  run_check "collector/config.yaml + elasticsearch.yaml (exporter stood in for)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/privacy.yaml" --config "$COLLECTOR_DIR/config.yaml" --config "$tmp/elasticsearch-stand-in.yaml"
  run_check "collector/privacy.yaml + scale/agent.yaml (the scale-out agent)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/privacy.yaml" --config "$COLLECTOR_DIR/scale/agent.yaml"
  run_check "collector/tail-sampling.yaml + scale/gateway.yaml (a scale-out gateway)" \
    "$BIN_DIR/otelcol-genai" validate --config "$COLLECTOR_DIR/tail-sampling.yaml" --config "$COLLECTOR_DIR/scale/gateway.yaml"
  # Prometheus cannot expand variables: check the file as the scale profile renders it.
  cp "$COLLECTOR_DIR/scale/prometheus.yml" "$COLLECTOR_DIR/alert-rules.yml" "$COLLECTOR_DIR/cost-budget.rules.yml" "$tmp/"
  run_check "collector/scale/prometheus.yml with the alert rules (promtool check config)" \
    promtool check config "$tmp/prometheus.yml"
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
  [[ -x $BIN_DIR/deploy-check ]] || die "deploy-check is not installed: run 'scripts/stack.sh install' first"
  # The Kubernetes manifests: rendered by kustomize, every object decoded strictly, references and containers checked;
  # then the collector and Jaeger configurations exactly as the ConfigMaps carry them, validated with the binaries.
  run_check "collector/kustomization.yaml + k8s/drain (deploy-check k8s: kustomize build, strict API types, references)" \
    "$BIN_DIR/deploy-check" k8s "$COLLECTOR_DIR" "$COLLECTOR_DIR/k8s/drain" --write-configmaps "$tmp/k8s"
  run_check "Kubernetes agent config: privacy.yaml + agent.yaml + the k8s resolver (otelcol-genai validate)" \
    sh -c 'd=$(echo "$1"/otel-agent-config-*) && "$2" validate --config "$d/privacy.yaml" --config "$d/agent.yaml" --config "$d/agent-k8s.yaml"' \
    _ "$tmp/k8s" "$BIN_DIR/otelcol-genai"
  run_check "Kubernetes gateway config: tail-sampling.yaml + gateway.yaml (otelcol-genai validate)" \
    sh -c 'd=$(echo "$1"/otel-gateway-config-*) && "$2" validate --config "$d/tail-sampling.yaml" --config "$d/gateway.yaml"' \
    _ "$tmp/k8s" "$BIN_DIR/otelcol-genai"
  run_check "Kubernetes gateway drain config: otel-gateway-drain's files (otelcol-genai validate)" \
    sh -c 'd="$1"/otel-gateway-drain && "$2" validate --config "$d/tail-sampling.yaml" --config "$d/gateway.yaml" && sh -n "$d/drain-wait.sh"' \
    _ "$tmp/k8s" "$BIN_DIR/otelcol-genai"
  local role
  for role in collector query; do
    run_check "Kubernetes jaeger-$role config + jaeger-opensearch.yaml (jaeger validate)" \
      sh -c 'd=$(echo "$1"/jaeger-config-*) && JAEGER_OPENSEARCH_URLS="[https://opensearch-cluster-master:9200]" "$2" validate --config "$d/jaeger-$3.yaml" --config "$d/jaeger-opensearch.yaml"' \
      _ "$tmp/k8s" "$BIN_DIR/jaeger" "$role"
  done
  # docker-compose.yml with the Compose specification's own loader and schema (compose-go, as docker compose uses).
  run_check "docker-compose.yml, default services (deploy-check compose)" \
    "$BIN_DIR/deploy-check" compose "$ROOT/docker-compose.yml" --profile default \
    --expect volume-init,otel-collector,jaeger,prometheus,alertmanager
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
