#!/usr/bin/env bash
# A full disk under vigil-server and under vigil-agent, on small tmpfs mounts made here, while
# the agent pushes a collection a second. The server must answer 503 (so the agent keeps the
# data and retries), keep answering queries, recover by itself when room returns, and the
# backlog must arrive: node_load1 has a sample for every second of the run, none twice. A
# SIGKILL and restart afterwards replays the WAL with no damage and the same samples. The
# agent's full disk: it holds collections in memory and writes them when room returns.
# Mounting needs root: otherwise the test says why and ctest counts it as skipped (77).
#   full_disk_test.sh SERVER AGENT
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server=$(realpath "$1") agent=$(realpath "$2")
if [ "$(id -u)" != 0 ] || ! mkdir -p "$work/sdisk" "$work/adisk" ||
   ! mount -t tmpfs -o size=32m tmpfs "$work/sdisk" 2> /dev/null; then
  echo "SKIP: mounting a tmpfs needs root (this test fills a disk of its own, never the machine's)"
  exit 77
fi
mount -t tmpfs -o size=8m tmpfs "$work/adisk"
trap 'exec 2>/dev/null; kill -KILL "${pids[@]}"; wait; umount "$work/sdisk" "$work/adisk"; rm -rf "$work"' EXIT

sp=$(free_port) ap=$(free_port)
base=http://127.0.0.1:$sp
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\nself_metrics_interval = 0s\n' "$sp" "$work/sdisk/data" > "$work/server.ini"
cat > "$work/agent.ini" <<INI
[agent]
node_name = full-disk
interval = 1s
data_dir = $work/adisk/data
push_self_metrics = false
[http]
listen = 127.0.0.1:$ap
[remote_write.central]
url = $base/api/v1/write
batch_send_deadline = 1s
max_backoff = 1s
INI
start_server() {
  "$server" --config "$work/server.ini" 2>> "$work/server.log" & server_pid=$!; pids+=($!)
  wait_http "$base/-/ready" 30
}
metric() {  # metric URL NAME_WITH_LABELS: its value, 0 when absent
  curl -fs "$1/metrics" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}
dropped() {  # samples the agent gave up, whatever the reason
  curl -fs "http://127.0.0.1:$ap/metrics" | awk '/^vigil_remote_samples_dropped_total/ { s += $2 } END { print s + 0 }'
}
# The timestamps (s) of node_load1 over the last RANGE, one a line.
load_timestamps() {
  curl -fsg "$base/api/v1/query" --data-urlencode "query=node_load1{instance=\"full-disk\"}[$1]" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; [print(v[0]) for s in r for v in s["values"]]'
}
# Every second from the first sample to the last has one sample, at least MIN of them: gaps
# name where data was lost.
no_gaps() {  # no_gaps MIN
  load_timestamps 10m > "$work/ts"
  python3 - "$work/ts" "$1" <<'PY'
import sys
ts = [float(l) for l in open(sys.argv[1])]
gaps = [(a, b) for a, b in zip(ts, ts[1:]) if b - a > 1.5 or b - a < 0.5]
print("   %d samples over %.0f s; gaps: %s" % (len(ts), ts[-1] - ts[0] if ts else 0, gaps[:5]))
sys.exit(1 if gaps or len(ts) < int(sys.argv[2]) else 0)
PY
}
start_server
"$agent" --config "$work/agent.ini" 2> "$work/agent.log" & pids+=($!)
for _ in $(seq 1 100); do [ "$(metric "$base" 'vigil_receiver_requests_total{code="204"}')" -ge 3 ] && break; sleep 0.1; done

echo "== the server's disk fills"
dd if=/dev/zero of="$work/sdisk/filler" bs=1M count=64 2> /dev/null
for _ in $(seq 1 100); do [ "$(metric "$base" 'vigil_receiver_requests_total{code="503"}')" -ge 3 ] && break; sleep 0.1; done
check "writes are refused with 503 while the disk is full" [ "$(metric "$base" 'vigil_receiver_requests_total{code="503"}')" -ge 3 ]
check "every write was answered 204 or 503, nothing else" \
  [ -z "$(curl -fs "$base/metrics" | grep '^vigil_receiver_requests_total{' | grep -v 'code="204"\|code="503"')" ]
check "queries still answer" test -n "$(query "$base" 'count(node_load1)')"
check "the agent keeps what was refused (retries, drops nothing)" [ "$(dropped)" = 0 ]
sleep 3
rm "$work/sdisk/filler"
accepted=$(metric "$base" 'vigil_receiver_requests_total{code="204"}')
for _ in $(seq 1 150); do [ "$(metric "$base" 'vigil_receiver_requests_total{code="204"}')" -gt $((accepted + 3)) ] && break; sleep 0.1; done
check "writes are taken again once there is room, without a restart" \
  [ "$(metric "$base" 'vigil_receiver_requests_total{code="204"}')" -gt $((accepted + 3)) ]
sleep 3  # the backlog: sent at once, retried at most max_backoff apart
check "the backlog arrived: a sample for every second, none twice" no_gaps 8
cp "$work/ts" "$work/ts.before"

echo "== SIGKILL and restart: the WAL replays whole"
kill -KILL $server_pid; wait $server_pid 2> /dev/null
start_server
check "replay found no damage" grep -q 'msg="WAL replayed".* damaged=0 ' "$work/server.log"
load_timestamps 10m > "$work/ts.after"
check "every sample acknowledged before the kill is there after it" \
  python3 -c 'import sys; a=set(open(sys.argv[1])); b=set(open(sys.argv[2])); sys.exit(0 if a <= b else 1)' "$work/ts.before" "$work/ts.after"

echo "== the agent's disk fills"
dd if=/dev/zero of="$work/adisk/filler" bs=1M count=16 2> /dev/null
for _ in $(seq 1 100); do [ "$(metric "http://127.0.0.1:$ap" vigil_wal_buffered_samples)" -gt 0 ] && break; sleep 0.1; done
check "the agent holds collections in memory while its log refuses" \
  [ "$(metric "http://127.0.0.1:$ap" vigil_wal_buffered_samples)" -gt 0 ]
sleep 3
rm "$work/adisk/filler"
for _ in $(seq 1 100); do [ "$(metric "http://127.0.0.1:$ap" vigil_wal_buffered_samples)" = 0 ] && break; sleep 0.1; done
check "the held collections go into the log once there is room" [ "$(metric "http://127.0.0.1:$ap" vigil_wal_buffered_samples)" = 0 ]
check "and none was dropped" [ "$(metric "http://127.0.0.1:$ap" vigil_wal_buffer_dropped_samples_total)" = 0 ]
sleep 3
check "the server has a sample for every second of the whole run" no_gaps 20

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
