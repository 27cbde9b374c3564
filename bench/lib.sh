# Shared by the bench scripts, sourced from the repository root: a work directory and the
# processes started (append their pids to `pids`), both gone at exit; loopback and /proc helpers.
work=$(mktemp -d)
pids=()
trap '{ kill -TERM "${pids[@]}"; wait; } 2>/dev/null; rm -rf "$work"' EXIT
# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until URL answers 2xx, at most SECONDS.
wait_http() {  # wait_http URL SECONDS
  for _ in $(seq 1 $(($2 * 10))); do curl -fs "$1" > /dev/null && return 0; sleep 0.1; done
  return 1
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of PID, in clock ticks
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }  # of PID, in KB
