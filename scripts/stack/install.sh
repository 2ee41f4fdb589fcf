# shellcheck shell=bash
# scripts/stack/install.sh: `scripts/stack.sh install`, which builds or installs the four binaries, cached.
#
#   - Prometheus, promtool and Alertmanager: Debian packages (apt-get), their own services kept from starting
#   - the collector: the OpenTelemetry Collector Builder with collector/builder-config.yaml, at COLLECTOR_VERSION
#   - Jaeger v2: go install of a pseudo-version, or a generated wrapper module when the module proxy lacks it
#   - deploy-check: go build of scripts/stack/deploy-check (the offline check of the Kubernetes manifests and compose)
#
# Versions come from collector/versions.env. Binaries are cached in $CACHE_DIR under a key of their recipe (the
# manifest, the versions, the Go version, RECIPE_REV) and linked into .stack/bin; a tree whose .stack/bin holds the
# binaries of the current keys is left as it is. Sourced by scripts/stack.sh after scripts/stack/common.sh.

go_env_ok() {
  have go || die "Go is required to build the collector and Jaeger (go 1.24 or newer): not found on PATH"
  local v
  v=$(go env GOVERSION)
  [[ $v =~ ^go1\.([0-9]+) ]] || die "cannot read the Go version ('$v')"
  (( BASH_REMATCH[1] >= 24 )) || die "Go 1.24 or newer is required, found $v"
  GO_VERSION=$v
}

sha() { sha256sum | cut -c1-16; }

# The key hashes collector/builder-config.yaml byte for byte: any edit of it, comments included, rebuilds the collector.
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
    for c in otlp memory_limiter batch tail_sampling otlp_grpc prometheus file span_metrics health_check file_storage load_balancing; do
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

# deploy-check (scripts/stack/deploy-check): validates the Kubernetes manifests and the compose profiles offline; its
# key hashes its sources, so an edit rebuilds it.
deploy_check_key() {
  { cat "$ROOT/scripts/stack/deploy-check/go.mod" "$ROOT/scripts/stack/deploy-check/go.sum" "$ROOT"/scripts/stack/deploy-check/*.go
    echo "go=$GO_VERSION recipe=$RECIPE_REV"; } | sha
}

build_deploy_check() {
  local key dir bin t0
  key=$(deploy_check_key)
  dir="$CACHE_DIR/deploy-check-$key"
  bin="$dir/deploy-check"
  if [[ -x $BIN_DIR/deploy-check && $(cat "$BIN_DIR/deploy-check.key" 2>/dev/null) == "$key" ]]; then
    log "deploy-check: up to date in .stack/bin (key $key)"
    return
  fi
  if [[ ! -x $bin ]]; then
    t0=$(now)
    mkdir -p "$dir"
    if ! (cd "$ROOT/scripts/stack/deploy-check" && GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .) \
        >"$dir/build.log" 2>&1; then
      tail -n 40 "$dir/build.log" >&2
      die "deploy-check build failed; full log: $dir/build.log"
    fi
    mv -f "$bin.tmp" "$bin"
    log "deploy-check: built in $(elapsed "$t0")s -> $bin"
  fi
  link_bin "$bin" "$BIN_DIR/deploy-check"
  echo "$key" >"$BIN_DIR/deploy-check.key"
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
  build_deploy_check
  {
    echo "otelcol-genai $COLLECTOR_VERSION ($(cat "$BIN_DIR/otelcol-genai.key"))"
    echo "$(cat "$BIN_DIR/jaeger.version" 2>/dev/null || echo jaeger) ($(cat "$BIN_DIR/jaeger.key"))"
    prometheus --version 2>&1 | head -1
    (prometheus-alertmanager --version 2>&1 || alertmanager --version 2>&1) | head -1
  } >"$BIN_DIR/VERSIONS"
  log "install done in $(elapsed "$t0")s:"
  sed 's/^/  /' "$BIN_DIR/VERSIONS" >&2
}
