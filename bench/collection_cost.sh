#!/usr/bin/env bash
# What one collection of the node costs: vigil's collectors (bench/collect_bench, CPU time per
# full collection) beside node_exporter 1.5 (its CPU time per scrape over many scrapes), and
# the agent's RSS with every collector on, collecting every second.
#   bench/collection_cost.sh [SCRAPES]   (default 200; VIGIL_AGENT=build/static/agent/vigil-agent
#   measures the static build that ships)
set -euo pipefail
cd "$(dirname "$0")/.."
scrapes=${1:-200}
[ -x build/release/bench/collect_bench ] || scripts/build.sh release > /dev/null
source bench/lib.sh
tck=$(getconf CLK_TCK)

echo "== vigil collectors, one full collection"
build/release/bench/collect_bench --benchmark_min_time=2 2>/dev/null | grep BM_

echo "== node_exporter 1.5, CPU per scrape over $scrapes scrapes"
ne=$(free_port)
prometheus-node-exporter --web.listen-address=127.0.0.1:$ne > /dev/null 2>&1 & ne_pid=$!; pids+=($!)
until curl -fs "http://127.0.0.1:$ne/metrics" -o /dev/null; do sleep 0.1; done
c0=$(cpu $ne_pid)
for _ in $(seq 1 "$scrapes"); do curl -fs "http://127.0.0.1:$ne/metrics" -o /dev/null; done
awk -v u=$(( $(cpu $ne_pid) - c0 )) -v t="$tck" -v n="$scrapes" 'BEGIN { printf "node_exporter: %.2f ms CPU per scrape\n", 1000 * u / t / n }'

echo "== vigil-agent RSS, every collector every second, 20 s"
ap=$(free_port)
printf '[agent]\ninterval = 1s\ndata_dir = %s\n[http]\nlisten = 127.0.0.1:%s\n' "$work/agent" "$ap" > "$work/agent.ini"
"${VIGIL_AGENT:-build/release/agent/vigil-agent}" --config "$work/agent.ini" 2> /dev/null & agent_pid=$!; pids+=($!)
sleep 20
echo "vigil-agent: RSS $(awk '/^VmRSS/ {print $2}' /proc/$agent_pid/status) KB, peak $(awk '/^VmHWM/ {print $2}' /proc/$agent_pid/status) KB, anonymous $(awk '/^Anonymous/ {print $2}' /proc/$agent_pid/smaps_rollup) KB"
