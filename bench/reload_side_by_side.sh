#!/usr/bin/env bash
# How long a configuration reload takes to be answered: vigil-agent (POST /-/reload, each
# reload changing [labels], so the node target and every scrape target change, and a
# destination's settings, so its sender restarts on its cursor) beside Prometheus 2.42
# (POST /-/reload with --web.enable-lifecycle, each reload changing external_labels and a
# remote_write queue's settings), both scraping the same pages every second and pushing to a
# vigil-server. Prints the median and the largest over RELOADS reloads each.
#   bench/reload_side_by_side.sh [RELOADS]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
reloads=${1:-50}
[ -x build/release/agent/vigil-agent ] && [ -x build/release/server/vigil-server ] ||
  scripts/build.sh release > /dev/null
source bench/lib.sh

vs=$(free_port) ap=$(free_port) pp=$(free_port)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n' "$vs" "$work/server" > "$work/server.ini"
build/release/server/vigil-server --config "$work/server.ini" 2> /dev/null & pids+=($!)
wait_http "http://127.0.0.1:$vs/-/ready" 10

agent_ini() {  # agent_ini REGION SHARDS
  printf '[agent]\ninterval = 1s\ndata_dir = %s\n[http]\nlisten = 127.0.0.1:%s\n[labels]\nregion = %s\n' \
    "$work/agent" "$ap" "$1"
  printf '[remote_write.central]\nurl = http://127.0.0.1:%s/api/v1/write\nshards = %s\n' "$vs" "$2"
  for i in 1 2 3; do printf '[scrape.s%s]\nurl = http://127.0.0.1:%s/metrics\ninterval = 1s\n' "$i" "$vs"; done
}
prom_yml() {  # prom_yml REGION SHARDS
  printf 'global:\n  scrape_interval: 1s\n  external_labels: {region: %s}\n' "$1"
  printf 'remote_write:\n- url: http://127.0.0.1:%s/api/v1/write\n  queue_config: {max_shards: %s}\n' "$vs" "$2"
  printf 'scrape_configs:\n'
  for i in 1 2 3; do printf -- '- job_name: s%s\n  static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$i" "$vs"; done
}
agent_ini a 4 > "$work/agent.ini"
prom_yml a 4 > "$work/prom.yml"
build/release/agent/vigil-agent --config "$work/agent.ini" 2> /dev/null & pids+=($!)
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.enable-lifecycle \
  --web.listen-address=127.0.0.1:$pp > /dev/null 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$ap/-/ready" 10
wait_http "http://127.0.0.1:$pp/-/ready" 30
sleep 3

# reload NAME BASE WRITE_CONFIG FILE: RELOADS timed POSTs, alternating two configurations.
reload() {
  local times=()
  for i in $(seq 1 "$reloads"); do
    if [ $((i % 2)) = 1 ]; then "$3" b 2 > "$4"; else "$3" a 4 > "$4"; fi
    local code t
    read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "$2/-/reload")
    [ "$code" = 200 ] || { echo "$1: reload $i answered $code"; exit 1; }
    times+=("$t")
    sleep 0.2
  done
  printf '%s\n' "${times[@]}" | sort -n |
    awk -v name="$1" '{ t[NR] = $1 } END { printf "%-12s %d reloads: median %.1f ms, max %.1f ms\n", name, NR, 1000 * t[int((NR + 1) / 2)], 1000 * t[NR] }'
}
reload vigil-agent "http://127.0.0.1:$ap" agent_ini "$work/agent.ini"
reload prometheus "http://127.0.0.1:$pp" prom_yml "$work/prom.yml"
