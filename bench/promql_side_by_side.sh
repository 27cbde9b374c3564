#!/usr/bin/env bash
# Range-query latency of vigil-server beside the real Prometheus 2.42 holding the same data,
# in the same run: SERIES series (1000 a metric name) with an hour of samples at 15 s, sent by
# remote-write to both; then every query below as a range query over that hour at STEP,
# REPEAT times each. Prints the median latency per query and system, and vigil/Prometheus.
#   bench/promql_side_by_side.sh [SERIES STEP REPEAT]   (default 10000 15 5; release build)
# It also prints vigil-server's RSS once the data is in and its peak while the queries ran.
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-10000} step=${2:-15} repeat=${3:-5}
# VIGIL_SERVER picks another build of the server (an older one, to compare).
server=${VIGIL_SERVER:-$(pwd)/build/release/server/vigil-server} loadgen=$(pwd)/build/release/bench/vigil-loadgen
[ -x "$server" ] && [ -x "$loadgen" ] || scripts/build.sh release > /dev/null
source bench/lib.sh
prom=$(free_port) vs=$(free_port)

prometheus --config.file=/dev/null --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & pids+=($!)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n' "$vs" "$work/vigil" > "$work/server.ini"
"$server" --config "$work/server.ini" 2> "$work/server.log" & vigil_pid=$!; pids+=($vigil_pid)
for url in "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vs/-/ready"; do wait_http "$url" 20 || true; done
for port in $prom $vs; do
  "$loadgen" --url "http://127.0.0.1:$port/api/v1/write" --agents 1 --series "$series" \
    --metrics $(( (series + 999) / 1000 )) --backfill 1h --duration 0s --interval 15s > "$work/$port.load" 2>&1
done

rss_loaded=$(rss $vigil_pid)
echo 5 > "/proc/$vigil_pid/clear_refs" 2>/dev/null || true  # peak RSS from here on (owner or root)
python3 - "http://127.0.0.1:$prom" "http://127.0.0.1:$vs" "$step" "$repeat" <<'PY'
import json, statistics, sys, time, urllib.parse, urllib.request
prom, vigil, step, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
end = time.time() - 30
queries = [
    'load_metric_0',
    'rate(load_metric_0[5m])',
    'sum(rate({__name__=~"load_metric_.*"}[5m]))',
    'sum by (series_id) (rate({__name__=~"load_metric_.*"}[5m]))',
    'max_over_time(load_metric_0[10m])',
    'load_metric_0 / on(series_id) load_metric_1',
    'topk(5, load_metric_0)',
    'histogram_quantile(0.9, sum by (le) (rate(load_metric_0[5m])))',
]
def run(base, q):
    data = urllib.parse.urlencode({"query": q, "start": end - 3600, "end": end, "step": step}).encode()
    t0 = time.perf_counter()
    with urllib.request.urlopen(base + "/api/v1/query_range", data=data, timeout=600) as r:
        raw = r.read()
    took = time.perf_counter() - t0  # the answer only: parsing it here is the client's time
    body = json.loads(raw)
    assert body["status"] == "success", body
    return took, len(body["data"]["result"])
print(f"{'query':60} {'series':>7} {'prometheus':>11} {'vigil':>9} {'ratio':>6}")
ratios = []
for q in queries:
    p = [run(prom, q) for _ in range(repeat)]
    v = [run(vigil, q) for _ in range(repeat)]
    pm, vm = statistics.median(x[0] for x in p), statistics.median(x[0] for x in v)
    ratios.append(vm / pm)
    print(f"{q[:60]:60} {v[0][1]:>7} {pm*1000:>9.1f}ms {vm*1000:>7.1f}ms {vm/pm:>6.2f}")
print(f"geometric mean of vigil/prometheus: {statistics.geometric_mean(ratios):.2f}")
PY
# What the queries cost vigil in memory: its peak beyond what holding the data took.
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$vigil_pid/status")
echo "vigil-server RSS with the data loaded: $((rss_loaded / 1024)) MB; peak while querying: $((peak / 1024)) MB"
