# Shared by the end-to-end scripts: a work directory and the processes started, both gone at
# exit; pass/fail bookkeeping; loopback helpers.
work=$(mktemp -d)
pids=()
trap 'exec 2>/dev/null; kill -KILL "${pids[@]}"; wait; rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/loopback.sh"
# An instant PromQL query against a Prometheus-compatible API.
query() {  # query BASE PROMQL: the number in the first result, or empty
  curl -fs "$1/api/v1/query" --data-urlencode "query=$2" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
