#!/usr/bin/env bash
# /federate beside the real Prometheus 2.42: both take the same series by remote-write (an
# external label region=eu each) and answer the same selectors; their pages must hold the same
# lines (a family's lines may come in another order in Prometheus's, whose sort is unstable),
# but for the timestamps: the load generator sends to one and then the other, at its own
# "now". Vigil's timestamps must be those of the newest samples, as its query API says. A bad
# selector is refused by both.
#   federate_test.sh SERVER LOADGEN
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server=$1 loadgen=$2
prom=$(free_port) vs=$(free_port)
printf 'global:\n  external_labels: {region: eu}\n' > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" --web.enable-remote-write-receiver \
  --web.listen-address=127.0.0.1:$prom > "$work/prom.log" 2>&1 & pids+=($!)
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n[global]\nexternal_labels = region=eu\n' "$vs" "$work/vigil" \
  > "$work/server.ini"
"$server" --config "$work/server.ini" 2> "$work/server.log" & pids+=($!)
for url in "http://127.0.0.1:$prom/-/ready" "http://127.0.0.1:$vs/-/ready"; do
  wait_http "$url" 30 || { echo "did not start: $url"; cat "$work"/*.log; exit 1; }
done
for port in $prom $vs; do
  "$loadgen" --url "http://127.0.0.1:$port/api/v1/write" --agents 2 --series 30 --metrics 3 \
    --backfill 2m --duration 0s --interval 15s > "$work/load.$port" 2>&1 || { cat "$work/load.$port"; exit 1; }
done

page() {  # page PORT SELECTOR...: the federation page's lines without timestamps, sorted
  local args=()
  for s in "${@:2}"; do args+=(--data-urlencode "match[]=$s"); done
  curl -fsG "http://127.0.0.1:$1/federate" "${args[@]}" | sed -E 's/^([^#].*) [0-9]+$/\1/' | sort
}
same_page() {
  page "$prom" "$@" > "$work/p.txt"; page "$vs" "$@" > "$work/v.txt"
  [ -s "$work/p.txt" ] || { echo "  Prometheus answered nothing"; return 1; }
  diff "$work/p.txt" "$work/v.txt" > "$work/diff" || { head -20 "$work/diff"; return 1; }
}
check "one family, the same lines" same_page 'load_metric_0'
check "two selectors overlapping: each series once" same_page '{__name__=~"load_metric_[01]"}' 'load_metric_1{instance="agent-0"}'
newest_timestamps() {  # vigil's page's timestamps are the newest samples' (in ms)
  want=$(query "http://127.0.0.1:$vs" 'max(timestamp(load_metric_0))')
  got=$(curl -fsG "http://127.0.0.1:$vs/federate" --data-urlencode 'match[]=load_metric_0' | awk '!/^#/ {print $NF}' | sort -u)
  [ "$got" = "$(python3 -c "print(round($want * 1000))")" ] || { echo "  page: $got, query: $want"; return 1; }
}
check "the timestamps are the newest samples'" newest_timestamps
check "a selector that selects nothing" bash -c "[ -z \"\$(curl -fsG http://127.0.0.1:$vs/federate --data-urlencode 'match[]=nothing_here')\" ]"
code() { curl -s -o /dev/null -w '%{http_code}' -G "http://127.0.0.1:$1/federate" --data-urlencode 'match[]=up{'; }
check "a bad selector is refused by both (Prometheus $(code $prom), vigil $(code $vs))" \
  bash -c "[ $(code $prom) = 400 ] && [ $(code $vs) = 400 ]"
check "the page is the text format" bash -c \
  "curl -fsI -G http://127.0.0.1:$vs/federate --data-urlencode 'match[]=load_metric_0' | grep -qi 'content-type: text/plain; version=0.0.4'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
