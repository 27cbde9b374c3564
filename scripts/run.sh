#!/usr/bin/env bash
# Sets everything up, builds, and runs vigil-server and vigil-agent on this machine with the
# conf/ defaults, the agent pushing to the server. Data and logs go under .run/; Ctrl-C stops
# both.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/setup.sh
scripts/build.sh release

run=$top/.run
mkdir -p "$run"
# The conf/ files as they are, but with data kept under .run/ so no root is needed.
sed -e "s#^data_dir = .*#data_dir = $run/server-data#" \
    -e "s#^files = .*#files = $top/conf/rules/*.yml#" conf/server.ini > "$run/server.ini"
sed -e "s#^data_dir = .*#data_dir = $run/agent-data#" conf/agent.ini > "$run/agent.ini"

build/release/server/vigil-server --config "$run/server.ini" 2> "$run/server.log" &
server_pid=$!
build/release/agent/vigil-agent --config "$run/agent.ini" 2> "$run/agent.log" &
agent_pid=$!
stop() {
  trap - EXIT INT TERM
  kill -TERM "$agent_pid" "$server_pid" 2>/dev/null
  wait "$agent_pid" "$server_pid" 2>/dev/null || true
  echo "stopped"
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

server_url=http://$(sed -n 's/^listen = //p' "$run/server.ini")
agent_url=http://$(sed -n 's/^listen = //p' "$run/agent.ini")
for _ in $(seq 1 50); do
  if curl -fs "$server_url/-/ready" > /dev/null && curl -fs "$agent_url/-/ready" > /dev/null; then
    break
  fi
  sleep 0.1
done
curl -fs "$server_url/-/ready" > /dev/null || { echo "vigil-server did not start:"; cat "$run/server.log"; exit 1; }
curl -fs "$agent_url/-/ready" > /dev/null || { echo "vigil-agent did not start:"; cat "$run/agent.log"; exit 1; }

cat <<MSG
Vigil is running.
  vigil-server  $server_url       (config $run/server.ini, log $run/server.log)
                $server_url/-/ready   $server_url/metrics
                $server_url/   (the console: queries, alerts, rules, status, the fleet)
  vigil-agent   $agent_url       (config $run/agent.ini, log $run/agent.log)
                $agent_url/-/ready   $agent_url/metrics
Ctrl-C stops both.
MSG
# Returns when either stops by itself, or when a signal's trap has stopped both.
wait -n "$server_pid" "$agent_pid" || true
