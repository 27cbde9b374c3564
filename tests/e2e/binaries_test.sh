#!/usr/bin/env bash
# The binaries as a user meets them: flags, --check-config, start on loopback, answer
# /-/ready and /metrics, stop on SIGTERM, and refuse to start with a clear reason.
#   binaries_test.sh AGENT SERVER CONF_DIR
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
agent=$1 server=$2 conf=$3

# Starts a binary with a config; sets $port from its "listening" log line.
start() {  # start BINARY CONFIG LOG
  "$1" --config "$2" 2> "$3" &
  pids+=($!)
  last_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*msg=listening addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$3")
    [ -n "$port" ] && return 0
    kill -0 "$last_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

stops_cleanly() {  # stops_cleanly PID LOG
  kill -TERM "$1"
  local rc
  for _ in $(seq 1 100); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"; rc=$?
      [ "$rc" -eq 0 ] && grep -q "msg=stopped" "$2"
      return
    fi
    sleep 0.05
  done
  echo "did not stop within 5s"; return 1
}

for bin in "$agent" "$server"; do
  name=$(basename "$bin")
  check "$name --version" bash -c "'$bin' --version | grep -q '^$name, version [0-9]'"
  check "$name bad flag exits 2" bash -c "'$bin' --nope 2>/dev/null; [ \$? -eq 2 ]"
done
check "conf/agent.ini is valid" "$agent" --check-config --config "$conf/agent.ini"
check "conf/server.ini is valid" "$server" --check-config --config "$conf/server.ini"

printf '[agent]\ninterval = 5x\nnode_nme = a\n[labels]\n__x = 1\n[remote_write.c]\n[bogus]\n' > "$work/bad.ini"
"$agent" --check-config --config "$work/bad.ini" > "$work/out" 2> "$work/err"; rc=$?
check "bad agent.ini exits 1" [ "$rc" -eq 1 ]
check "every problem is printed with its line" bash -c "
  grep -q 'bad.ini:2: \[agent\] interval: invalid duration' '$work/err' &&
  grep -q 'bad.ini:3: \[agent\] node_nme: unknown key' '$work/err' &&
  grep -q 'bad.ini:5: \[labels\] __x: not a valid label name' '$work/err' &&
  grep -q 'bad.ini:6: \[remote_write.c\] url: missing required key' '$work/err' &&
  grep -q 'bad.ini:7: unknown section \[bogus\]' '$work/err' && [ \$(wc -l < '$work/err') -eq 5 ]"
check "a missing config file is named" bash -c "'$server' --check-config --config '$work/none.ini' 2>&1 | grep -q 'none.ini'"

cat > "$work/server.ini" <<INI
[server]
listen = 127.0.0.1:0
data_dir = $work/server-data
INI
cat > "$work/agent.ini" <<INI
[agent]
node_name = e2e
data_dir = $work/agent-data
[http]
listen = 127.0.0.1:0
INI
for which in server agent; do
  bin=$server; [ "$which" = agent ] && bin=$agent
  if start "$bin" "$work/$which.ini" "$work/$which.log"; then
    check "$which /-/ready" bash -c "curl -fs http://127.0.0.1:$port/-/ready | grep -q 'is Ready'"
    check "$which /-/healthy" bash -c "curl -fs http://127.0.0.1:$port/-/healthy | grep -q 'is Healthy'"
    check "$which /metrics" bash -c "curl -fs http://127.0.0.1:$port/metrics | grep -q '^vigil_build_info{program=\"vigil-$which\"'"
    check "$which counts requests by code" bash -c "curl -s http://127.0.0.1:$port/x >/dev/null;
      curl -fs http://127.0.0.1:$port/metrics | grep -q 'vigil_http_requests_total{handler=\"other\",code=\"404\"} 1'"
    check "$which made its data_dir" [ -d "$work/$which-data" ]
    check "$which stops on SIGTERM" stops_cleanly "$last_pid" "$work/$which.log"
  else
    check "$which starts" false
    cat "$work/$which.log"
  fi
done

# Refusals: a data_dir that cannot be made, a port that is taken.
mkdir -p "$work/ro"; touch "$work/ro/file"
sed "s#^data_dir = .*#data_dir = $work/ro/file/sub#" "$work/server.ini" > "$work/server-bad.ini"
"$server" --config "$work/server-bad.ini" 2> "$work/bad.log"; rc=$?
check "unusable data_dir exits 1" [ "$rc" -eq 1 ]
check "unusable data_dir is named" grep -q "cannot start.*data_dir.*ro/file/sub" "$work/bad.log"
if start "$server" "$work/server.ini" "$work/first.log"; then
  sed "s#^listen = .*#listen = 127.0.0.1:$port#" "$work/agent.ini" > "$work/agent-clash.ini"
  "$agent" --config "$work/agent-clash.ini" 2> "$work/clash.log"; rc=$?
  check "a taken port exits 1" [ "$rc" -eq 1 ]
  check "a taken port is named" grep -q "listen on 127.0.0.1:$port.*address already in use" "$work/clash.log"
  check "the first server still stops cleanly" stops_cleanly "$last_pid" "$work/first.log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
