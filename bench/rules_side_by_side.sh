#!/usr/bin/env bash
# Rule evaluation cost of vigil-server beside the real Prometheus 2.42 in the same run: both
# hold SERIES series (10 metric names) with an hour of samples at 15 s, sent by remote-write,
# and evaluate the same RULES rules (10 groups; recording rules over rate() and aggregations,
# alerting rules of which some fire) every 15 s. Prints each one's summed group evaluation
# time (prometheus_rule_group_last_duration_seconds and vigil_rule_group_last_duration_seconds,
# the median of SAMPLES readings 15 s apart) and the CPU each process used over that time.
#   bench/rules_side_by_side.sh [SERIES RULES SAMPLES]   (default 10000 1000 8; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-10000} rules=${2:-1000} samples=${3:-8}
server=${VIGIL_SERVER:-$(pwd)/build/release/server/vigil-server} loadgen=$(pwd)/build/release/bench/vigil-loadgen
[ -x "$server" ] && [ -x "$loadgen" ] || scripts/build.sh release > /dev/null
source bench/lib.sh
prom=$(free_port) vs=$(free_port)

python3 - "$rules" > "$work/rules.yml" <<'PY'
import sys
rules = int(sys.argv[1])
groups = 10
print("groups:")
for g in range(groups):
    print(f"- name: bench{g}\n  rules:")
    for i in range(g, rules, groups):
        k = i % 10
        kind = i % 10
        if kind < 4:
            print(f"  - record: bench:load_rate5m:r{i}\n    expr: sum by (series_id) (rate(load_metric_{k}[5m]))")
        elif kind < 7:
            print(f"  - record: bench:load_avg:r{i}\n    expr: avg without (series_id) (load_metric_{k})")
        elif kind < 9:
            print(f"  - alert: BenchNever{i}\n    expr: load_metric_{k} > 1e12\n    for: 1m"
                  f"\n    labels: {{severity: info}}\n    annotations: {{summary: 'never'}}")
        else:
            print(f"  - alert: BenchFiring{i}\n    expr: max by (instance) (load_metric_{k}) > -1e12"
                  f"\n    labels: {{severity: page}}\n    annotations: {{summary: 'load {{{{ $value }}}} on {{{{ $labels.instance }}}}'}}")
PY
promtool check rules "$work/rules.yml" > /dev/null
printf 'global:\n  evaluation_interval: 15s\nrule_files: [%s]\n' "$work/rules.yml" > "$work/prometheus.yml"
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n[rules]\nfiles = %s\nevaluation_interval = 15s\n' \
  "$vs" "$work/vigil" "$work/rules.yml" > "$work/server.ini"

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address=127.0.0.1:$prom --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 & prom_pid=$!; pids+=($prom_pid)
"$server" --config "$work/server.ini" 2> "$work/server.log" & vigil_pid=$!; pids+=($vigil_pid)
for url in "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vs/-/ready"; do wait_http "$url" 30 || true; done
for port in $prom $vs; do
  "$loadgen" --url "http://127.0.0.1:$port/api/v1/write" --agents 1 --series "$series" \
    --metrics 10 --backfill 1h --duration 0s --interval 15s > "$work/$port.load" 2>&1
done
sleep 20  # every group has evaluated with the data in

cpu_prom0=$(cpu $prom_pid) cpu_vigil0=$(cpu $vigil_pid) t0=$(date +%s.%N)
python3 - "http://127.0.0.1:$prom" "http://127.0.0.1:$vs" "$samples" <<'PY'
import re, statistics, sys, time, urllib.request
prom, vigil, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
def summed(base, name):
    text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
    values = [float(m.group(1)) for m in re.finditer(r"^" + name + r"\{[^}]*\} (\S+)$", text, re.M)]
    return sum(values), len(values)
p, v = [], []
for i in range(samples):
    if i: time.sleep(15)
    ps, pn = summed(prom, "prometheus_rule_group_last_duration_seconds")
    vs, vn = summed(vigil, "vigil_rule_group_last_duration_seconds")
    p.append(ps); v.append(vs)
pm, vm = statistics.median(p), statistics.median(v)
print(f"groups: prometheus {pn}, vigil {vn}")
print(f"summed group evaluation time, median of {samples}: prometheus {pm*1000:.1f} ms, vigil {vm*1000:.1f} ms, vigil/prometheus {vm/pm:.2f}")
PY
t1=$(date +%s.%N)
tick=$(getconf CLK_TCK)
awk -v a="$cpu_prom0" -v b="$(cpu $prom_pid)" -v c="$cpu_vigil0" -v d="$(cpu $vigil_pid)" -v t="$tick" -v s="$t0" -v e="$t1" \
  'BEGIN { p = (b - a) / t; v = (d - c) / t; printf "CPU over %.0f s: prometheus %.2f s, vigil %.2f s, vigil/prometheus %.2f\n", e - s, p, v, (p > 0 ? v / p : 0) }'
echo "ALERTS firing: prometheus $(curl -s "http://127.0.0.1:$prom/api/v1/query?query=count(ALERTS%7Balertstate%3D%22firing%22%7D)" | grep -o '"[0-9]*"\]' | tr -d '"]'), vigil $(curl -s "http://127.0.0.1:$vs/api/v1/query?query=count(ALERTS%7Balertstate%3D%22firing%22%7D)" | grep -o '"[0-9]*"\]' | tr -d '"]')"
echo "vigil-server RSS: $(( $(rss $vigil_pid) / 1024 )) MB, prometheus RSS: $(( $(rss $prom_pid) / 1024 )) MB"
