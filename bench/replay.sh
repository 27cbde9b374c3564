#!/usr/bin/env bash
# How long vigil-server takes to replay its WAL after a SIGKILL: AGENTS x SERIES series get
# BACKFILL of history at INTERVAL (all in the head: the backfill stays under the 3 h that
# starts a block cut), the server is killed, started again, and its "WAL replayed" line read.
#   bench/replay.sh [AGENTS SERIES BACKFILL INTERVAL]   (default 20 10000 2h 30s)
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-20} series=${2:-10000} backfill=${3:-2h} interval=${4:-30s}
server=$(pwd)/build/release/server/vigil-server loadgen=$(pwd)/build/release/bench/vigil-loadgen
[ -x "$server" ] && [ -x "$loadgen" ] || scripts/build.sh release > /dev/null
source bench/lib.sh
port=$(free_port)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n' "$port" "$work/data" > "$work/server.ini"
start() {
  "$server" --config "$work/server.ini" 2>> "$work/server.log" & pid=$!; pids+=($!)
  wait_http "http://127.0.0.1:$port/-/ready" 300 && return
  echo "server not ready" >&2; cat "$work/server.log" >&2; exit 1
}
start
"$loadgen" --url "http://127.0.0.1:$port/api/v1/write" --agents "$agents" --series "$series" \
  --backfill "$backfill" --interval "$interval" --duration 0s
kill -KILL $pid; wait $pid 2> /dev/null || true
wal=$(du -sb "$work/data/wal" | cut -f1)
start
rss=$(rss $pid)
line=$(grep 'WAL replayed' "$work/server.log" | tail -1)
echo "$line"
echo "$line" | sed -n 's/.*samples=\([0-9]*\).*series=\([0-9]*\).*seconds=\([0-9.]*\).*/\1 \2 \3/p' |
  awk -v wal="$wal" -v rss="$rss" '{ printf "replayed %d samples of %d series from %.1f MB of WAL in %.2f s: %.2f M samples/s; RSS after %.0f MB\n", $1, $2, wal / 1e6, $3, $1 / $3 / 1e6, rss / 1024 }'
