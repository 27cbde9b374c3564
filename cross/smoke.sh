#!/usr/bin/env bash
# A cross-built agent under qemu-user: --version, then one collection over the fixture tree
# served at /metrics, then a clean stop.
#   cross/smoke.sh ARCH BINDIR          ARCH: aarch64 | armhf
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$1 bin=$(realpath "$2")
case "$arch" in
  aarch64) qemu=qemu-aarch64-static ;;
  armhf) qemu=qemu-arm-static ;;
  *) echo "ARCH must be aarch64 or armhf" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$qemu" "$bin/vigil-agent" --version
"$qemu" "$bin/vigil-server" --version
fixtures=$(pwd)/tests/fixtures/node
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/agent.ini" <<INI
[agent]
node_name = smoke
data_dir = $work/data
[http]
listen = 127.0.0.1:$port
[collectors]
procfs = $fixtures/proc
sysfs = $fixtures/sys
rootfs = $fixtures/rootfs
cgroupfs = $fixtures/cgroup
INI
"$qemu" "$bin/vigil-agent" --config "$work/agent.ini" 2> "$work/agent.log" &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/metrics" -o "$work/metrics" 2> /dev/null && grep -q '^node_load1 ' "$work/metrics" && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
for line in 'node_load1 0.52' 'node_thermal_zone_temp{type="cpu-thermal",zone="0"} 61.845' \
            'node_scrape_collector_success{collector="netclass"} 1'; do
  grep -qF "$line" "$work/metrics" || { echo "smoke: missing: $line"; cat "$work/agent.log"; exit 1; }
done
echo "smoke ($arch): --version, one collection over the fixtures, clean stop: ok"
