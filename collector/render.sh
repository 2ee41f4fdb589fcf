#!/bin/sh
# Renders the genai-otel stack's configuration files that cannot read the
# environment themselves. POSIX sh + awk only: it runs in the busybox shells of
# the prom/prometheus and prom/alertmanager images as well as in scripts/stack.sh.
#
#   render.sh alertmanager TEMPLATE OUT   collector/alertmanager.yml -> OUT
#       Keeps a line ending in "#@if VAR" only when VAR is set and not empty
#       (and drops that marker), then replaces '${VAR}' / '${VAR:-default}'
#       with the value, doubling single quotes. OUT is written with mode 600.
#   render.sh budget RULES OUT            collector/cost-budget.rules.yml -> OUT
#       Replaces the number in "vector(N) # budget" with
#       GENAI_OTEL_COST_BUDGET_USD_PER_HOUR when that is set (a non-negative number).
set -eu

usage() {
  echo "usage: render.sh alertmanager TEMPLATE OUT | render.sh budget RULES OUT" >&2
  exit 2
}

[ $# -eq 3 ] || usage
kind=$1 in=$2 out=$3
[ -r "$in" ] || { echo "render.sh: cannot read $in" >&2; exit 1; }
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

case "$kind" in
  alertmanager)
    umask 077
    awk '
      function subst(line,    out, start, body, name, def, val, p, q) {
        out = ""
        while ((start = index(line, "${")) > 0) {
          q = index(substr(line, start + 2), "}")
          if (q == 0) break
          body = substr(line, start + 2, q - 1)
          p = index(body, ":-")
          if (p > 0) { name = substr(body, 1, p - 1); def = substr(body, p + 2) }
          else { name = body; def = "" }
          val = (name in ENVIRON && ENVIRON[name] != "") ? ENVIRON[name] : def
          gsub(/\047/, "\047\047", val)
          out = out substr(line, 1, start - 1) val
          line = substr(line, start + 2 + q)
        }
        return out line
      }
      {
        line = $0
        if (match(line, /[ \t]*#@if [A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
          cond = substr(line, RSTART, RLENGTH)
          sub(/^[ \t]*#@if /, "", cond); sub(/[ \t]*$/, "", cond)
          if (!(cond in ENVIRON) || ENVIRON[cond] == "") next
          line = substr(line, 1, RSTART - 1)
        }
        print subst(line)
      }
    ' "$in" > "$tmp"
    ;;
  budget)
    budget=${GENAI_OTEL_COST_BUDGET_USD_PER_HOUR:-}
    if [ -n "$budget" ]; then
      if ! printf '%s\n' "$budget" | grep -Eq '^[0-9]+(\.[0-9]+)?$'; then
        echo "render.sh: GENAI_OTEL_COST_BUDGET_USD_PER_HOUR must be a number of USD, got '$budget'" >&2
        exit 1
      fi
      sed -E "s/vector\([0-9.]+\)([[:space:]]*# budget)/vector($budget)\1/" "$in" > "$tmp"
      grep -q "vector($budget)" "$tmp" || { echo "render.sh: no 'vector(N) # budget' line in $in" >&2; exit 1; }
    else
      cat "$in" > "$tmp"
    fi
    ;;
  *) usage ;;
esac
mv "$tmp" "$out"
trap - EXIT
