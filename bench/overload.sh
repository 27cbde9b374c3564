#!/usr/bin/env bash
# Overload: one vigil-server on loopback, for DURATION seconds (default 60), under
#   - AGENTS agents (default 200) pushing SERIES series each (default 200) every second, one
#     request per agent and second, spread over the second as agents at their own phases
#     (vigil-loadgen --spread 1; at most 32 at once; a refused request waits its Retry-After
#     while the other agents go on), after 5 minutes of history sent first;
#   - QUERIERS clients (default 50) each running a heavy range query in a loop;
#   - SLOW connections (default 500): half slowloris (a header one byte a second, again after
#     each 408), half sending a request a second and never reading the answers.
# Before that, ALONE seconds (default 15) of the agents alone give the figures to compare with.
# Then it prints the accepted samples/s, remote-write and query latencies, what was refused
# and how, the accounting of acknowledged against stored samples, and the RSS peak beside the
# memory bound that the configured limits add up to. Not part of CI: about 3 minutes.
#   bench/overload.sh            (from the repository root, after a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
server=${VIGIL_SERVER:-$(pwd)/build/release/server/vigil-server}
loadgen=$(pwd)/build/release/bench/vigil-loadgen
[ -x "$server" ] && [ -x "$loadgen" ] || { echo "build vigil-server and vigil-loadgen first" >&2; exit 1; }
duration=${DURATION:-60} alone=${ALONE:-15} agents=${AGENTS:-200} series=${SERIES:-200} queriers=${QUERIERS:-50} slow=${SLOW:-500}
metrics=100  # load_metric_0..99: each series_id's samples go to one of them
# 11 of the 100 metric names: a tenth of all series, five minutes of them per query.
heavy='sum by (instance) (rate({__name__=~"load_metric_1.*"}[1m]))'

# The limits that bound memory, chosen for a small machine; the defaults are larger.
max_connections=1024 max_request_size_mb=1 max_decompressed_mb=4 max_concurrent_writes=16
max_header_kb=64 max_concurrency=8 max_queued=100 max_length_kb=256 max_samples=5000000
port=$(free_port)
cat > "$work/server.ini" <<EOF
[server]
listen = 127.0.0.1:$port
data_dir = $work/data
self_metrics_interval = 0s
max_connections = $max_connections
max_request_size = ${max_request_size_mb}MB
max_decompressed_request_size = ${max_decompressed_mb}MB
max_concurrent_writes = $max_concurrent_writes
max_header_size = ${max_header_kb}KB
read_timeout = 20s
idle_timeout = 30s
[query]
timeout = 30s
max_concurrency = $max_concurrency
max_queued = $max_queued
max_length = ${max_length_kb}KB
max_samples = $max_samples
EOF
"$server" --config "$work/server.ini" 2> "$work/server.log" & vs_pid=$!; pids+=($!)
wait_http "http://127.0.0.1:$port/-/ready" 20
url="http://127.0.0.1:$port/api/v1/write"
metric() { curl -fs "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }

# Five minutes of history first, so that the queries have something to chew from the start.
"$loadgen" --url "$url" --agents "$agents" --series "$series" --metrics $metrics --interval 1s \
  --backfill 5m --duration 0s --concurrency 16 --batch "$series" > "$work/backfill.load"
echo "backfill: $(head -1 "$work/backfill.load")"

"$loadgen" --url "$url" --agents "$agents" --series "$series" --metrics $metrics --interval 1s \
  --duration "${alone}s" --concurrency 32 --batch "$series" --spread 1 > "$work/alone.load" 2>&1 || true
baseline_kb=$(rss $vs_pid)

cpu0=$(cpu $vs_pid)
"$loadgen" --url "$url" --agents "$agents" --series "$series" --metrics $metrics --interval 1s \
  --duration "${duration}s" --concurrency 32 --batch "$series" --spread 1 > "$work/live.load" 2>&1 & load_pid=$!; pids+=($!)
python3 bench/overload_clients.py "http://127.0.0.1:$port" "$duration" "$queriers" "$slow" "$heavy" \
  > "$work/clients.json" & clients_pid=$!; pids+=($!)
rss_peak=0
while kill -0 $load_pid 2> /dev/null || kill -0 $clients_pid 2> /dev/null; do
  r=$(rss $vs_pid); [ "$r" -gt "$rss_peak" ] && rss_peak=$r
  sleep 0.5
done
wait $load_pid || true
wait $clients_pid
cpu_used=$(( $(cpu $vs_pid) - cpu0 ))
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$vs_pid/status")

acked=0
for f in backfill alone live; do acked=$((acked + $(sed -n 's/.*acknowledged \([0-9]*\).*/\1/p' "$work/$f.load"))); done
# What storage holds, counted by PromQL one metric name at a time (each well under max_samples).
stored=0
for k in $(seq 0 $((metrics - 1))); do
  n=$(curl -fs "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=sum(count_over_time(load_metric_$k[1h]))" |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  stored=$((stored + n))
done
appended=$(metric vigil_tsdb_head_samples_appended_total)

python3 - "$work/alone.load" "$work/live.load" "$work/clients.json" "$duration" "$acked" "$stored" "${appended:-0}" \
  "$baseline_kb" "$hwm_kb" "$rss_peak" "$cpu_used" "$(getconf CLK_TCK)" \
  "$max_connections" "$max_request_size_mb" "$max_decompressed_mb" "$max_concurrent_writes" "$max_header_kb" \
  "$max_concurrency" "$max_queued" "$max_length_kb" "$max_samples" "$agents" "$series" "$queriers" "$slow" <<'PY'
import json, re, sys
(alone, live, clients, duration, acked, stored, appended, base_kb, hwm_kb, peak_kb, cpu, tck, conns, req_mb, dec_mb,
 writes, header_kb, conc, queued, length_kb, max_samples, agents, series, queriers, slow) = sys.argv[1:]
duration, acked, stored, appended = float(duration), int(acked), int(stored), float(appended)
c = json.load(open(clients))


def loadgen_figures(path):
    text = open(path).read()
    first = re.search(r"acknowledged (\d+).*?([\d.]+) s ", text)
    answers = re.search(r"answers: 2xx (\d+)  429/503 (\d+)  other 4xx (\d+)  other 5xx (\d+)  none (\d+)  "
                        r"accepted latency p50 ([\d.]+) ms  p99 ([\d.]+) ms  max ([\d.]+) ms", text)
    return first, answers


first, answers = loadgen_figures(alone)
print(f"{agents} agents x {series} series every 1 s alone: {int(first.group(1)) / float(first.group(2)):.0f} samples/s "
      f"accepted, latency p50 {answers.group(6)} ms, p99 {answers.group(7)} ms; 429/503 {answers.group(2)}")
first, answers = loadgen_figures(live)
print(f"then with {queriers} query clients and {slow} slow connections, {duration:.0f} s:")
print(f"remote-write: {int(first.group(1)) / float(first.group(2)):.0f} samples/s accepted "
      f"(offered {int(agents) * int(series)}/s); requests 2xx {answers.group(1)}, "
      f"429/503 {answers.group(2)} (retried after Retry-After), other 4xx {answers.group(3)}, "
      f"other 5xx {answers.group(4)}, unanswered {answers.group(5)}")
print(f"remote-write latency (accepted): p50 {answers.group(6)} ms, p99 {answers.group(7)} ms, max {answers.group(8)} ms")
qa = c["query_answers"]
ok = qa.get("200", 0)
fmt = lambda s: "n/a" if s is None else f"{s:.2f} s"
print(f"queries: {sum(qa.values())} answered: {ok} ok, p50 {fmt(c['query_ok_p50_s'])}, p99 {fmt(c['query_ok_p99_s'])}; "
      f"refused/timed out: " + ", ".join(f"{k}: {v}" for k, v in sorted(qa.items()) if k != "200"))
bad = {k: v for k, v in qa.items() if k != "200" and not k.startswith("503")}
print("every refused query answered 503: " + ("yes" if not bad else f"NO: {bad}"))
s = c["slow"]
print(f"slow clients: slowloris {s['slowloris_connections']} connections, {s['slowloris_408']} answered 408, "
      f"{s['slowloris_other_answer']} other answers, {s['slowloris_closed_without_answer']} closed unanswered; "
      f"never-reading {s['unread_connections']} connections, {s['unread_requests_sent']} requests sent; "
      f"connections refused {s['connect_refused']}")
wrote_bad = int(answers.group(3)) + int(answers.group(4)) + int(answers.group(5))
print("every refused write answered 429/503: " + ("yes" if wrote_bad == 0 else f"NO: {wrote_bad} others"))
print(f"accounting: acknowledged {acked}, stored (count_over_time) {stored}, head appended {appended:.0f}; "
      + ("nothing acknowledged was lost" if stored >= acked else f"LOST {acked - stored}"))
MB = 1024 * 1024
# What the limits let requests hold at once, on top of what the server held before the load.
writes_b = int(writes) * (int(req_mb) + int(dec_mb)) * MB * 2  # body, expanded body, decoded view
reading_b = int(conns) * (int(header_kb) * 1024 + int(req_mb) * MB)  # each connection mid-request
queries_b = int(conc) * int(max_samples) * 16 * 2 + int(queued) * int(length_kb) * 1024  # samples, answer
stacks_b = (int(conc) + 4) * 8 * MB  # query threads and libuv's pool, were every stack grown whole
bound_kb = int(base_kb) + (writes_b + reading_b + queries_b + stacks_b) / 1024
peak = max(int(hwm_kb), int(peak_kb))
print(f"memory: before the load {int(base_kb) / 1024:.0f} MB; RSS peak {peak / 1024:.0f} MB; bound {bound_kb / 1024:.0f} MB = "
      f"that + writes {writes_b / MB:.0f} MB + requests being read {reading_b / MB:.0f} MB + queries {queries_b / MB:.0f} MB "
      f"+ stacks {stacks_b / MB:.0f} MB; "
      f"peak {'within' if peak <= 1.1 * bound_kb else 'NOT within'} 10% of the bound ({100 * peak / bound_kb:.0f}% of it)")
print(f"server CPU: {int(cpu) / int(tck):.0f} s over the run")
PY
