#!/usr/bin/env bash
# The PromQL differential test: the same data pushed by remote-write into Prometheus 2.42 and
# vigil-server, the queries of promql_queries.txt run on both as instant and range queries,
# every answer compared (promql_compare.py). Also promtool against vigil-server.
#   promql_diff_test.sh VIGIL_SERVER PROMQL_DIFF_DATA
set -euo pipefail
server_bin=$1 data_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

prom_port=$(free_port) vigil_port=$(free_port)
prometheus --config.file=/dev/null --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom_port \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 &
pids+=($!)
cat > "$work/server.ini" <<INI
[server]
listen = 127.0.0.1:$vigil_port
data_dir = $work/vigil
[rules]
; Prometheus's default evaluation_interval: the step of subqueries written without one.
evaluation_interval = 1m
INI
"$server_bin" --config "$work/server.ini" > "$work/vigil.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || { cat "$work/prom.log"; exit 1; }
wait_http "http://127.0.0.1:$vigil_port/-/ready" 30 || { cat "$work/vigil.log"; exit 1; }

# The data ends on a whole minute a little in the past.
end_ms=$(( ($(date +%s) / 60 - 1) * 60000 ))
mkdir "$work/batches"
"$data_bin" "$work/batches" "$end_ms" > /dev/null
push() {  # push URL FILE
  curl -fsS -o /dev/null -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: snappy' \
    -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary "@$2" "$1"
}
for f in "$work"/batches/*.bin; do
  push "http://127.0.0.1:$prom_port/api/v1/write" "$f"
  push "http://127.0.0.1:$vigil_port/api/v1/write" "$f"
done

end_s=$(( end_ms / 1000 ))
check "queries agree with Prometheus 2.42" \
  python3 "$here/promql_compare.py" "http://127.0.0.1:$prom_port" "http://127.0.0.1:$vigil_port" \
  "$here/promql_queries.txt" "$end_s"

vigil=http://127.0.0.1:$vigil_port
check "promtool query instant" bash -c \
  "promtool query instant --time=$end_s $vigil 'count(diff_requests_total)' | grep -q '=> 4 @'"
check "promtool query range" bash -c \
  "[ \$(promtool query range --start=$((end_s - 600)) --end=$end_s --step=60s $vigil 'sum(diff_temperature)' | grep -c '@\[') -eq 11 ]"
check "promtool query series" bash -c \
  "[ \$(promtool query series --match=diff_requests_total $vigil | wc -l) -eq 4 ]"
check "promtool query labels" bash -c \
  "[ \"\$(promtool query labels $vigil job | tr '\n' ' ')\" = 'api db ' ]"
echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
