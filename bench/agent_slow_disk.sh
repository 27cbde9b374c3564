#!/usr/bin/env bash
# The agent's event loop while its disk is slow: the agent (collecting every second, pushing
# to a vigil-server) runs in a blkio cgroup that allows WRITE_IOPS writes a second to the
# disk under its data_dir, and a client asks its /-/healthy every 20 ms over one kept-alive
# connection, for SECONDS. /-/healthy is answered on the loop, so the answer times are the
# loop's lag as any client sees it: printed as p50, p99 and max, with the samples the server
# received. Needs root (cgroup v1's blkio controller) and a data_dir on a real block device.
#   bench/agent_slow_disk.sh [AGENT] [SERVER] [WRITE_IOPS] [SECONDS]   (default 20 60)
set -euo pipefail
cd "$(dirname "$0")/.."
agent=$(realpath "${1:-build/release/agent/vigil-agent}")
server=$(realpath "${2:-build/release/server/vigil-server}")
iops=${3:-20} seconds=${4:-60}
source bench/lib.sh
cg=/sys/fs/cgroup/blkio/vigil-slow-disk-$$
data=$(mktemp -d /var/tmp/vigil-slow-disk.XXXXXX)
dev=$(mountpoint -d "$(df --output=target "$data" | tail -1)")
if [ "$(id -u)" != 0 ] || ! mkdir "$cg" 2> /dev/null; then
  echo "needs root and cgroup v1's blkio controller at /sys/fs/cgroup/blkio" >&2
  exit 1
fi
trap 'kill -KILL "${pids[@]}" 2> /dev/null; wait 2> /dev/null; rmdir "$cg"; rm -rf "$data" "$work"' EXIT
# Partitions count against their disk: the throttle is set on the whole device.
disk=$(lsblk -no PKNAME "/dev/block/$dev" 2> /dev/null | head -1 || true)
if [ -n "$disk" ]; then dev=$(lsblk -dno MAJ:MIN "/dev/$disk" | tr -d ' '); fi
echo "$dev $iops" > "$cg/blkio.throttle.write_iops_device"

sp=$(free_port) ap=$(free_port)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\nself_metrics_interval = 0s\n' "$sp" "$work/server" > "$work/server.ini"
"$server" --config "$work/server.ini" 2> "$work/server.log" & pids+=($!)
wait_http "http://127.0.0.1:$sp/-/ready" 30
cat > "$work/agent.ini" <<INI
[agent]
node_name = slow-disk
interval = 1s
data_dir = $data
[http]
listen = 127.0.0.1:$ap
[remote_write.central]
url = http://127.0.0.1:$sp/api/v1/write
batch_send_deadline = 1s
INI
"$agent" --config "$work/agent.ini" 2> "$work/agent.log" & agent_pid=$!; pids+=($!)
echo "$agent_pid" > "$cg/cgroup.procs"
wait_http "http://127.0.0.1:$ap/-/healthy" 30
echo "agent in a cgroup writing at most $iops times a second to device $dev; asking /-/healthy for $seconds s"
python3 - "$ap" "$seconds" <<'PY'
import http.client, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
lat, end = [], time.monotonic() + seconds
while time.monotonic() < end:
    t = time.monotonic()
    conn.request("GET", "/-/healthy")
    conn.getresponse().read()
    lat.append((time.monotonic() - t) * 1000)
    time.sleep(0.02)
lat.sort()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("/-/healthy, %d answers: p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (len(lat), pick(0.5), pick(0.99), lat[-1]))
PY
echo "samples the server received: $(curl -fs "http://127.0.0.1:$sp/metrics" | awk '/^vigil_receiver_samples_total/ {print $2}')"
echo "agent's WAL syncs: last took $(curl -fs "http://127.0.0.1:$ap/metrics" | awk '/^vigil_wal_last_sync_duration_seconds/ {print $2}') s"
