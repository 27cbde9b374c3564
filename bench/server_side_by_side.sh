#!/usr/bin/env bash
# vigil-server beside the real Prometheus 2.42 and VictoriaMetrics 1.79, each receiving the same
# fake fleet (bench/load_generator.cc) by remote-write in the same run: AGENTS x SERIES series,
# BACKFILL of history sent as fast as taken, then live at INTERVAL for the rest of DURATION.
# Prints per system: CPU seconds per million samples, RSS per million active series and
# bytes per sample on disk once the history is in blocks (Prometheus and vigil cut a block when
# their head spans 3 h; VictoriaMetrics is flushed).
#   bench/server_side_by_side.sh [AGENTS SERIES BACKFILL DURATION INTERVAL]
#   (default 5 10000 4h 90s 30s; needs a release build in build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-5} series=${2:-10000} backfill=${3:-4h} duration=${4:-90s} interval=${5:-30s}
server=$(pwd)/build/release/server/vigil-server loadgen=$(pwd)/build/release/bench/vigil-loadgen
[ -x "$server" ] && [ -x "$loadgen" ] || scripts/build.sh release > /dev/null
source bench/lib.sh
prom=$(free_port) vm=$(free_port) vs=$(free_port)

printf 'global:\n  scrape_interval: 15s\n' > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & prom_pid=$!; pids+=($!)
victoria-metrics -httpListenAddr=127.0.0.1:$vm -storageDataPath="$work/vm" -retentionPeriod=100y \
  > "$work/vm.log" 2>&1 & vm_pid=$!; pids+=($!)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n' "$vs" "$work/vigil" > "$work/server.ini"
"$server" --config "$work/server.ini" 2> "$work/server.log" & vs_pid=$!; pids+=($!)
for url in "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vm/health" "http://127.0.0.1:$vs/-/ready"; do wait_http "$url" 20 || true; done

declare -A c0
for p in $prom_pid $vm_pid $vs_pid; do c0[$p]=$(cpu $p); done
load() { "$loadgen" --url "$1" --agents "$agents" --series "$series" --backfill "$backfill" \
           --duration "$duration" --interval "$interval" > "$work/$2.load" 2>&1; }
load "http://127.0.0.1:$prom/api/v1/write" prom & l1=$!
load "http://127.0.0.1:$vm/api/v1/write" vm & l2=$!
load "http://127.0.0.1:$vs/api/v1/write" vigil & l3=$!
wait $l1 $l2 $l3 || { cat "$work"/*.load; exit 1; }
declare -A used mem
for p in $prom_pid $vm_pid $vs_pid; do used[$p]=$(( $(cpu $p) - ${c0[$p]} )); mem[$p]=$(rss $p); done
acked() { sed -n 's/.*acknowledged \([0-9]*\).*/\1/p' "$work/$1.load"; }

# Blocks: Prometheus compacts its head once a minute, vigil-server maintains every 30 s.
sleep 75
curl -fs "http://127.0.0.1:$vm/internal/force_flush" > /dev/null || true
sleep 5
prom_disk=$(python3 - "$work/prom" <<'PY'
import json, os, sys
size = samples = 0
for d in os.listdir(sys.argv[1]):
    meta = os.path.join(sys.argv[1], d, "meta.json")
    if not os.path.exists(meta): continue
    samples += json.load(open(meta))["stats"]["numSamples"]
    for root, _, files in os.walk(os.path.join(sys.argv[1], d)):
        size += sum(os.path.getsize(os.path.join(root, f)) for f in files if f != "meta.json")
print(f"{size / samples:.3f}" if samples else "n/a")
PY
)
vigil_disk=$(python3 - "$work/vigil/blocks" <<'PY'
import os, sys
size = samples = 0
for d in os.listdir(sys.argv[1]):
    meta = os.path.join(sys.argv[1], d, "meta")
    if not os.path.exists(meta): continue
    samples += int([l.split()[1] for l in open(meta) if l.startswith("samples ")][0])
    size += sum(os.path.getsize(os.path.join(sys.argv[1], d, f)) for f in ("index", "chunks"))
print(f"{size / samples:.3f}" if samples else "n/a")
PY
)
vm_disk=$(curl -fs "http://127.0.0.1:$vm/metrics" | awk '
  /^vm_data_size_bytes\{type="(storage|indexdb)/ { b += $2 } /^vm_rows\{type="storage/ { r += $2 }
  END { if (r > 0) printf "%.3f", b / r; else print "n/a" }')

tck=$(getconf CLK_TCK)
total=$((agents * series))
echo "$agents agents x $series series = $total series; $backfill of history at $interval, then live for the rest of $duration"
printf "%-18s %14s %14s %16s %14s\n" system samples "CPU s/M samp" "RSS MB/M series" "bytes/sample"
row() {  # row NAME PID SAMPLES DISK
  awk -v n="$1" -v u="${used[$2]}" -v t="$tck" -v s="$3" -v r="${mem[$2]}" -v series="$total" -v d="$4" \
    'BEGIN { printf "%-18s %14d %14.2f %16.0f %14s\n", n, s, u / t / (s / 1e6), r / 1024 / (series / 1e6), d }'
}
row "Prometheus 2.42" $prom_pid "$(acked prom)" "$prom_disk"
row "VictoriaMetrics" $vm_pid "$(acked vm)" "$vm_disk"
row "vigil-server" $vs_pid "$(acked vigil)" "$vigil_disk"
awk -v vu="${used[$vs_pid]}" -v pu="${used[$prom_pid]}" -v vs="$(acked vigil)" -v ps="$(acked prom)" \
    -v vr="${mem[$vs_pid]}" -v pr="${mem[$prom_pid]}" \
    'BEGIN { printf "vigil-server / Prometheus: CPU per sample %.2fx, RSS %.2fx\n", (vu / vs) / (pu / ps), vr / pr }'
