#!/usr/bin/env bash
# vigil-agent against the real receivers from Debian: it scrapes the real node_exporter every
# second and pushes to Prometheus 2.42 and VictoriaMetrics 1.79 at once. Then VictoriaMetrics
# goes away for a minute, the agent is SIGKILLed in the middle of that and started again, and
# VictoriaMetrics comes back: its copy of the series must have no gap beyond the agent's own
# downtime, and must hold what Prometheus holds.
#   remote_write_test.sh AGENT
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
agent=$1

ne=$(free_port) prom=$(free_port) vm=$(free_port) agent_port=$(free_port)
prometheus-node-exporter --web.listen-address=127.0.0.1:$ne > "$work/ne.log" 2>&1 & pids+=($!)
printf 'global:\n  scrape_interval: 15s\n' > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & pids+=($!)
start_vm() {
  victoria-metrics -httpListenAddr=127.0.0.1:$vm -storageDataPath="$work/vm" -search.latencyOffset=0s \
    -search.disableCache -retentionPeriod=100y > "$work/vm.log" 2>&1 &
  vm_pid=$!; pids+=($vm_pid)
}
start_vm
cat > "$work/agent.ini" <<INI
[agent]
node_name = e2e-node
interval = 1s
data_dir = $work/agent
[http]
listen = 127.0.0.1:$agent_port
[labels]
region = e2e
[scrape.node]
url = http://127.0.0.1:$ne/metrics
interval = 1s
[remote_write.prometheus]
url = http://127.0.0.1:$prom/api/v1/write
batch_send_deadline = 1s
[remote_write.victoria]
url = http://127.0.0.1:$vm/api/v1/write
batch_send_deadline = 1s
max_backoff = 2s
INI
start_agent() { "$agent" --config "$work/agent.ini" 2>> "$work/agent.log" & agent_pid=$!; pids+=($agent_pid); }
for url in "http://127.0.0.1:$ne/metrics" "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vm/health"; do
  wait_http "$url" 30 || { echo "peer did not start: $url"; cat "$work"/*.log; exit 1; }
done
start_agent
check "agent ready" wait_http "http://127.0.0.1:$agent_port/-/ready" 10

series='{job="node",instance="127.0.0.1:'$ne'",region="e2e"}'
has_node_series() {  # has_node_series BASE
  for _ in $(seq 1 60); do
    n=$(query "$1" "count($series)")
    [ -n "$n" ] && [ "$n" -gt 100 ] && return 0
    sleep 0.5
  done
  return 1
}
check "Prometheus holds the scraped series with job and instance" has_node_series "http://127.0.0.1:$prom"
check "VictoriaMetrics holds the scraped series with job and instance" has_node_series "http://127.0.0.1:$vm"
# And the agent's own collection of the node, as node_exporter would name it.
series='{job="node",instance="e2e-node",region="e2e"}'
check "Prometheus holds the agent's own node series" has_node_series "http://127.0.0.1:$prom"
check "VictoriaMetrics holds the agent's own node series" has_node_series "http://127.0.0.1:$vm"
check "node_memory_MemTotal_bytes arrived" bash -c "[ -n \"\$(curl -fs http://127.0.0.1:$prom/api/v1/query --data-urlencode 'query=node_memory_MemTotal_bytes{instance=\"e2e-node\"}' | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"data\"][\"result\"]; print(r[0][\"value\"][1] if r else \"\")')\" ]"
check "up is 1 in Prometheus" bash -c "[ \"\$(curl -fs http://127.0.0.1:$prom/api/v1/query --data-urlencode 'query=up{job=\"node\",instance=\"127.0.0.1:$ne\"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"data\"][\"result\"][0][\"value\"][1])')\" = 1 ]"

# The outage: VictoriaMetrics stops for a minute; the agent is killed in the middle of it.
t0=$(date +%s)
kill -TERM $vm_pid; wait $vm_pid 2>/dev/null
sleep 25
kill -KILL $agent_pid; wait $agent_pid 2>/dev/null
killed_at=$(date +%s.%N)
sleep 3
start_agent
wait_http "http://127.0.0.1:$agent_port/-/healthy" 10
restarted_at=$(date +%s.%N)
sleep 32
start_vm
wait_http "http://127.0.0.1:$vm/health" 30
drained() {
  for _ in $(seq 1 120); do
    pending=$(curl -fs "http://127.0.0.1:$agent_port/metrics" | sed -n 's/^vigil_wal_pending_bytes{destination="victoria"} //p')
    inflight=$(curl -fs "http://127.0.0.1:$agent_port/metrics" | sed -n 's/^vigil_remote_samples_in_flight{destination="victoria"} //p')
    [ "$pending" = "0" ] && [ "$inflight" = "0" ] && return 0
    sleep 0.5
  done
  return 1
}
check "the agent drained its backlog to VictoriaMetrics" drained
sleep 2
t1=$(date +%s)

# Raw samples of up for the target, from both receivers, over the whole outage.
fetch_prom() {
  curl -fs "http://127.0.0.1:$prom/api/v1/query" --data-urlencode "query=up{job=\"node\",instance=\"127.0.0.1:$ne\"}[$(( t1 - t0 + 30 ))s]" \
    --data-urlencode "time=$t1" | python3 -c 'import json,sys; print(" ".join(str(int(float(v[0])*1000)) for v in json.load(sys.stdin)["data"]["result"][0]["values"]))'
}
fetch_vm() {
  curl -fs "http://127.0.0.1:$vm/api/v1/export" --data-urlencode "match[]=up{job=\"node\",instance=\"127.0.0.1:$ne\"}" \
    --data-urlencode "start=$(( t0 - 30 ))" --data-urlencode "end=$t1" | python3 -c 'import json,sys; print(" ".join(str(t) for t in json.loads(sys.stdin.readline())["timestamps"]))'
}
prom_ts=$(fetch_prom) vm_ts=$(fetch_vm)
downtime=$(python3 -c "print($restarted_at - $killed_at)")
gap_ok() {
  python3 - "$1" "$downtime" "$t0" <<'PY'
import sys
ts = sorted(int(x) for x in sys.argv[1].split())
downtime, t0 = float(sys.argv[2]), int(sys.argv[3]) * 1000
ts = [t for t in ts if t >= t0 - 5000]
gaps = [b - a for a, b in zip(ts, ts[1:])]
worst = max(gaps) / 1000
print(f"  {len(ts)} samples from the outage on, largest gap {worst:.1f}s, agent down {downtime:.1f}s")
sys.exit(0 if worst <= downtime + 3 else 1)
PY
}
check "VictoriaMetrics has no gap beyond the agent's downtime" gap_ok "$vm_ts"
check "Prometheus has no gap beyond the agent's downtime" gap_ok "$prom_ts"
same() {
  python3 - "$prom_ts" "$vm_ts" "$t0" "$t1" <<'PY'
import sys
lo, hi = int(sys.argv[3]) * 1000 - 5000, int(sys.argv[4]) * 1000 - 5000
p = {int(x) for x in sys.argv[1].split() if lo <= int(x) <= hi}
v = {int(x) for x in sys.argv[2].split() if lo <= int(x) <= hi}
print(f"  Prometheus {len(p)} samples, VictoriaMetrics {len(v)}, only in one: {len(p ^ v)}")
sys.exit(0 if p == v and p else 1)
PY
}
check "both receivers hold the same samples" same
check "no sample was dropped" bash -c "! curl -fs http://127.0.0.1:$agent_port/metrics | grep -E '^vigil_(wal_dropped|remote_samples_dropped)' | grep -vq ' 0$'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { tail -20 "$work/agent.log"; exit 1; }
