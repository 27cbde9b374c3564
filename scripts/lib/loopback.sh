# Loopback helpers, sourced by bench/lib.sh and tests/e2e/lib.sh.
# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until URL answers 2xx, at most SECONDS.
wait_http() {  # wait_http URL SECONDS
  for _ in $(seq 1 $(($2 * 10))); do curl -fs "$1" > /dev/null && return 0; sleep 0.1; done
  return 1
}
