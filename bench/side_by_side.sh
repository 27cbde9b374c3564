#!/usr/bin/env bash
# vigil-agent beside node_exporter + vmagent doing the same job on the same machine in the
# same run: collect the node every second and push it to the real Prometheus by remote-write.
# vigil-agent uses its own collectors; vmagent scrapes node_exporter. Prints RSS (now and
# peak) and CPU seconds over the measured window for each process, and the ratios.
#   bench/side_by_side.sh [SECONDS]   (default 60; needs a release build in build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
agent=${VIGIL_AGENT:-$(pwd)/build/release/agent/vigil-agent}
[ -x "$agent" ] || scripts/build.sh release > /dev/null
source bench/lib.sh
ne=$(free_port) prom=$(free_port) ap=$(free_port) vp=$(free_port)

prometheus-node-exporter --web.listen-address=127.0.0.1:$ne > "$work/ne.log" 2>&1 & ne_pid=$!; pids+=($!)
printf 'global:\n  scrape_interval: 15s\n' > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & pids+=($!)
sleep 2
cat > "$work/agent.ini" <<INI
[agent]
node_name = bench
interval = 1s
data_dir = $work/agent
[http]
listen = 127.0.0.1:$ap
[remote_write.prometheus]
url = http://127.0.0.1:$prom/api/v1/write
batch_send_deadline = 1s
INI
"$agent" --config "$work/agent.ini" 2> "$work/agent.log" & agent_pid=$!; pids+=($!)
cat > "$work/vmagent.yml" <<YML
scrape_configs:
  - job_name: node-vmagent
    scrape_interval: 1s
    static_configs:
      - targets: ["127.0.0.1:$ne"]
YML
vmagent -promscrape.config="$work/vmagent.yml" -remoteWrite.url=http://127.0.0.1:$prom/api/v1/write \
  -remoteWrite.tmpDataPath="$work/vmagent" -httpListenAddr=127.0.0.1:$vp > "$work/vmagent.log" 2>&1 & vm_pid=$!; pids+=($!)

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
sleep 5  # warm up: first scrapes, connections, WAL segment
declare -A c0
for p in $agent_pid $vm_pid $ne_pid; do c0[$p]=$(cpu $p); done
sleep "$seconds"
tck=$(getconf CLK_TCK)
row() {  # row NAME PID
  local used=$(( $(cpu $2) - ${c0[$2]} ))
  awk -v n="$1" -v r="$(rss $2)" -v h="$(hwm $2)" -v u="$used" -v t="$tck" -v s="$seconds" \
    'BEGIN { printf "%-28s %8d KB %8d KB %8.2f s %7.2f%%\n", n, r, h, u / t, 100 * u / t / s }'
}
echo "collect the node every 1 s and remote-write to Prometheus, measured over ${seconds} s"
printf "%-28s %11s %11s %10s %8s\n" process RSS "peak RSS" CPU "CPU/s"
row vigil-agent $agent_pid
row vmagent $vm_pid
row node_exporter $ne_pid
awk -v ar="$(rss $agent_pid)" -v vr="$(rss $vm_pid)" -v nr="$(rss $ne_pid)" \
    -v ac=$(( $(cpu $agent_pid) - ${c0[$agent_pid]} )) -v vc=$(( $(cpu $vm_pid) - ${c0[$vm_pid]} )) \
    -v nc=$(( $(cpu $ne_pid) - ${c0[$ne_pid]} )) \
    'BEGIN { printf "vigil-agent / (node_exporter + vmagent): RSS %.2fx, CPU %.2fx\n", ar / (vr + nr), ac / (vc + nc) }'
sent=$(curl -fs "http://127.0.0.1:$ap/metrics" | sed -n 's/^vigil_remote_samples_sent_total{destination="prometheus"} //p')
echo "vigil-agent samples acknowledged by Prometheus: $sent"
