#!/usr/bin/env bash
# Remote read from vigil-server beside the real Prometheus 2.42, both holding the same fake fleet
# (bench/load_generator.cc: AGENTS x SERIES series, BACKFILL of history at 15 s): one read of
# every series over the whole backfill, as a SAMPLES answer and as streamed XOR chunks
# (tests/e2e/remote_read_client.cc, which decodes and prints every sample). Prints per system and
# answer type: wall seconds of the read, the server's CPU seconds, the body's size and the
# samples read.
#   bench/remote_read_side_by_side.sh [AGENTS SERIES BACKFILL]
#   (default 5 2000 1h; needs a release build in build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-5} series=${2:-2000} backfill=${3:-1h}
build=$(pwd)/build/release
server=$build/server/vigil-server loadgen=$build/bench/vigil-loadgen client=$build/tests/remote-read-client
[ -x "$server" ] && [ -x "$loadgen" ] && [ -x "$client" ] ||
  cmake --build "$build" --target vigil-server vigil-loadgen remote-read-client > /dev/null
source bench/lib.sh
prom=$(free_port) vs=$(free_port)

printf 'global:\n  scrape_interval: 15s\n' > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & prom_pid=$!; pids+=($!)
# No sample limit: the read takes everything, as the streamed one does.
# Without its own metrics stored, it holds what was pushed and nothing else, as Prometheus does.
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\nremote_read_sample_limit = 0\nself_metrics_interval = 0s\n' \
  "$vs" "$work/vigil" > "$work/server.ini"
"$server" --config "$work/server.ini" 2> "$work/server.log" & vs_pid=$!; pids+=($!)
for url in "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vs/-/ready"; do wait_http "$url" 20; done
now_ms=$(( $(date +%s) * 1000 ))
for port in $prom $vs; do
  "$loadgen" --url "http://127.0.0.1:$port/api/v1/write" --agents "$agents" --series "$series" \
    --backfill "$backfill" --duration 0s --interval 15s > "$work/load.$port" 2>&1 || { cat "$work/load.$port"; exit 1; }
done
# Prometheus's sample limit (5e7 by default) is not reached by the defaults.
tck=$(getconf CLK_TCK)
echo "$agents agents x $series series = $((agents * series)) series, $backfill at 15 s"
printf "%-16s %-9s %9s %12s %10s %12s %12s\n" system answer "wall s" "server CPU s" "body MB" samples pushed
for sys in "Prometheus 2.42:$prom:$prom_pid" "vigil-server:$vs:$vs_pid"; do
  IFS=: read -r name port pid <<< "$sys"
  for mode in samples streamed; do
    opt=(); [ "$mode" = streamed ] && opt=(--streamed)
    c0=$(cpu "$pid") t0=$(date +%s.%N)
    "$client" "${opt[@]}" "http://127.0.0.1:$port/api/v1/read" \
      --query $(( now_ms - 48 * 3600000 )) $(( now_ms + 3600000 )) '__name__=~.+' > "$work/out" 2> "$work/err" ||
      { cat "$work/err"; exit 1; }
    t1=$(date +%s.%N) c1=$(cpu "$pid")
    bytes=$(sed -n 's/^body: \([0-9]*\) bytes$/\1/p' "$work/err")
    # The "t:v" tokens after each line's label set.
    samples=$(awk '{ n += split(substr($0, index($0, "} ") + 2), f, " ") } END { print n + 0 }' "$work/out")
    awk -v n="$name" -v m="$mode" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
      -v c=$((c1 - c0)) -v t="$tck" -v b="$bytes" \
      -v s="$samples" -v p="$(sed -n 's/.*acknowledged \([0-9]*\).*/\1/p' "$work/load.$port")" \
      'BEGIN { printf "%-16s %-9s %9.2f %12.2f %10.1f %12d %12d\n", n, m, w, c / t, b / 1e6, s, p }'
  done
done
