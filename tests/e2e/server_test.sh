#!/usr/bin/env bash
# vigil-agent -> vigil-server -> forward -> the real Prometheus 2.42: the server holds the
# node's series and forwards the same series on. Then the server is SIGKILLed and restarted
# (it must come back with every series), and Prometheus goes away for 15 s and comes back (the
# forward must fill the gap from the server's WAL).
#   server_test.sh AGENT SERVER
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
agent=$1 server=$2
head_series() {  # head_series BASE: numSeries of /api/v1/status/tsdb
  curl -fs "$1/api/v1/status/tsdb" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["headStats"]["numSeries"])'
}

prom=$(free_port) vs=$(free_port) agent_port=$(free_port)
printf 'global:\n  scrape_interval: 15s\n' > "$work/prom.yml"
start_prom() {
  prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
    --web.enable-remote-write-receiver >> "$work/prom.log" 2>&1 &
  prom_pid=$!; pids+=($prom_pid)
}
start_prom
cat > "$work/server.ini" <<INI
[server]
listen = 127.0.0.1:$vs
data_dir = $work/server
[remote_write.prometheus]
url = http://127.0.0.1:$prom/api/v1/write
batch_send_deadline = 1s
max_backoff = 2s
INI
cat > "$work/agent.ini" <<INI
[agent]
node_name = e2e-node
interval = 1s
data_dir = $work/agent
[http]
listen = 127.0.0.1:$agent_port
[remote_write.central]
url = http://127.0.0.1:$vs/api/v1/write
batch_send_deadline = 1s
max_backoff = 2s
INI
start_server() { "$server" --config "$work/server.ini" 2>> "$work/server.log" & server_pid=$!; pids+=($server_pid); }
wait_http "http://127.0.0.1:$prom/-/ready" 30 || { echo "Prometheus did not start"; cat "$work/prom.log"; exit 1; }
start_server
check "server ready" wait_http "http://127.0.0.1:$vs/-/ready" 10
"$agent" --config "$work/agent.ini" 2>> "$work/agent.log" & pids+=($!)
check "agent ready" wait_http "http://127.0.0.1:$agent_port/-/ready" 10

# The same series in both: every series the server holds reaches Prometheus.
same_series() {
  for _ in $(seq 1 60); do
    local v p
    v=$(head_series "http://127.0.0.1:$vs") p=$(query "http://127.0.0.1:$prom" 'count({__name__=~".+"})')
    [ -n "$v" ] && [ -n "$p" ] && [ "$v" -gt 100 ] && [ "$v" = "$p" ] && { echo "  $v series in both"; return 0; }
    sleep 0.5
  done
  echo "  server: $v series, Prometheus: $p"; return 1
}
check "agent -> server -> Prometheus: the same series" same_series
# The agent's own process, pushed with the node's series as a Prometheus agent pushes the
# exporter's: dashboards' exporter rows query it by job and instance.
agent_process_series() {
  [ -n "$(query "http://127.0.0.1:$vs" 'process_resident_memory_bytes{job="node",instance="e2e-node"} > 1e6')" ]
}
check "the agent's process_* series arrive with job and instance" agent_process_series
node='node_load1{job="node",instance="e2e-node"}'
check "node series with job and instance forwarded" test -n "$(query "http://127.0.0.1:$prom" "$node")"
# A string literal's answer, escapes and timestamp included, parsed the same from both.
string_answer() {
  curl -fs "$1/api/v1/query" --data-urlencode 'query="a\"b"' --data-urlencode time=1700000000.5 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])'
}
same_string_answer() {
  local v p
  v=$(string_answer "http://127.0.0.1:$vs") p=$(string_answer "http://127.0.0.1:$prom")
  echo "  server: $v, Prometheus: $p"
  [ -n "$v" ] && [ "$v" = "$p" ]
}
check "a string query answers as Prometheus does" same_string_answer

# SIGKILL and restart: the WAL brings every series back.
before=$(head_series "http://127.0.0.1:$vs")
kill -KILL "$server_pid"; wait "$server_pid" 2>/dev/null
start_server
check "server ready after SIGKILL" wait_http "http://127.0.0.1:$vs/-/ready" 20
after=$(head_series "http://127.0.0.1:$vs")
check "every series replayed ($before before, $after after)" test "$after" -ge "$before"
check "replay time reported" grep -q 'msg="WAL replayed"' "$work/server.log"

# The forward destination goes away for 15 s: nothing is lost, the backlog is sent after.
sleep 3
kill -TERM "$prom_pid"; wait "$prom_pid" 2>/dev/null
outage_start=$(date +%s)
sleep 15
start_prom
wait_http "http://127.0.0.1:$prom/-/ready" 30
sleep 8
# One sample a second from the agent: over a 30 s window spanning the whole outage, the largest
# step between forwarded samples must be the agent's own interval (with slack for a loaded CI
# machine), not the outage's 15 s.
at=$((outage_start + 22))
max_gap=$(curl -fs "http://127.0.0.1:$prom/api/v1/query" --data-urlencode "query=$node[30s]" --data-urlencode "time=$at" |
  python3 -c 'import json,sys; v=[float(x[0]) for x in json.load(sys.stdin)["data"]["result"][0]["values"]]; print(max(b-a for a,b in zip(v,v[1:])) if len(v)>20 else 99)')
check "no gap after the forward destination's outage (largest step ${max_gap}s)" \
  python3 -c "import sys; sys.exit(0 if float('${max_gap:-99}') <= 3 else 1)"

echo "passed: $passed failed: $failed"
[ "$failed" -eq 0 ] || { tail -20 "$work/server.log"; exit 1; }
