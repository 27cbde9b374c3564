#!/usr/bin/env bash
# Remote read beside the real Prometheus 2.42, three ways:
#  1. A Prometheus with no data of its own reads vigil-server through remote_read
#     (read_recent: true) and answers the queries of remote_read_queries.txt, instant and range,
#     as vigil-server answers them directly (promql_compare.py). Prometheus 2.42's client asks
#     for SAMPLES; both Prometheus and vigil carry external_labels region=eu, so it also sends
#     region="eu" and strips the label from what it gets back.
#  2. Our own client (remote-read-client, protobuf's generated classes) sends the same
#     ReadRequests to vigil-server and to a reference Prometheus that holds the same pushed
#     data: the SAMPLES answers and the streamed ones (STREAMED_XOR_CHUNKS, which no 2.42
#     client asks for) must hold the same series and samples, and every XOR chunk Prometheus
#     sends must be the bytes Vigil's encoder makes of its samples.
#  3. Malformed requests get 400 from both and change nothing; auth guards the endpoint.
#   remote_read_test.sh VIGIL_SERVER PROMQL_DIFF_DATA REMOTE_READ_CLIENT
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
server=$1 data_bin=$2 client=$3
ref=$(free_port) vs=$(free_port) reader=$(free_port) guarded=$(free_port)

printf 'global:\n  external_labels: {region: eu}\n' > "$work/ref.yml"
prometheus --config.file="$work/ref.yml" --storage.tsdb.path="$work/ref" --web.enable-remote-write-receiver \
  --web.listen-address=127.0.0.1:$ref > "$work/ref.log" 2>&1 & pids+=($!)
# Frames of at most 1KB, so that series are streamed over several.
cat > "$work/server.ini" <<INI
[server]
listen = 127.0.0.1:$vs
data_dir = $work/vigil
remote_read_max_bytes_in_frame = 1KB
[global]
external_labels = region=eu
[rules]
; Prometheus's default evaluation_interval: the step of subqueries written without one.
evaluation_interval = 1m
INI
"$server" --config "$work/server.ini" 2> "$work/server.log" & pids+=($!)
cat > "$work/reader.yml" <<YML
global:
  external_labels: {region: eu}
remote_read:
  - url: http://127.0.0.1:$vs/api/v1/read
    read_recent: true
YML
prometheus --config.file="$work/reader.yml" --storage.tsdb.path="$work/reader" \
  --web.listen-address=127.0.0.1:$reader > "$work/reader.log" 2>&1 & pids+=($!)
printf 'token-for-the-test\n' > "$work/token"
printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n[auth]\nbearer_token_file = %s\n' \
  "$guarded" "$work/guarded" "$work/token" > "$work/guarded.ini"
"$server" --config "$work/guarded.ini" 2> "$work/guarded.log" & pids+=($!)
for url in "http://127.0.0.1:$ref/-/ready" "http://127.0.0.1:$vs/-/ready" "http://127.0.0.1:$reader/-/ready" \
    "http://127.0.0.1:$guarded/-/ready"; do
  wait_http "$url" 30 || { echo "did not start: $url"; cat "$work"/*.log; exit 1; }
done

# An hour of data ending on a whole minute a little in the past, the same bytes to both.
end_ms=$(( ($(date +%s) / 60 - 1) * 60000 ))
mkdir "$work/batches"
"$data_bin" "$work/batches" "$end_ms" > /dev/null
push() {  # push URL FILE
  curl -fsS -o /dev/null -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: snappy' \
    -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary "@$2" "$1"
}
for f in "$work"/batches/*.bin; do
  push "http://127.0.0.1:$ref/api/v1/write" "$f" && push "http://127.0.0.1:$vs/api/v1/write" "$f" ||
    { echo "push failed"; exit 1; }
done

# 1. Prometheus reading through remote_read answers as vigil-server does.
check "queries through Prometheus's remote_read agree with vigil-server's own answers" \
  python3 "$here/promql_compare.py" "http://127.0.0.1:$reader" "http://127.0.0.1:$vs" \
  "$here/remote_read_queries.txt" "$(( end_ms / 1000 ))"
check "vigil-server counted the reads it answered" bash -c \
  "curl -fs http://127.0.0.1:$vs/metrics | grep -Eq '^vigil_remote_read_requests_total\\{code=\"200\"\\} [1-9]'"

# 2. The same ReadRequests to vigil-server and to the reference Prometheus.
start_ms=$(( end_ms - 3600000 ))
queries=(--query "$start_ms" "$end_ms" __name__=diff_requests_total
         --query "$(( end_ms - 1800000 ))" "$(( end_ms - 600000 ))" '__name__=~diff_latency_seconds_.*' job=api
         --query "$start_ms" "$end_ms" __name__=diff_gappy region=eu
         --query "$start_ms" "$end_ms" __name__=diff_temperature 'instance!~a|b'
         --query "$start_ms" "$end_ms" __name__=diff_temperature region=us)
read_answer() {  # read_answer PORT NAME [CLIENT OPTION...]: sorted lines into $work/NAME
  "$client" "${@:3}" "http://127.0.0.1:$1/api/v1/read" "${queries[@]}" 2> "$work/$2.err" | sort > "$work/$2" &&
    [ "${PIPESTATUS[0]}" = 0 ]
}
same_answers() {  # same_answers A B: non-empty and the same
  [ -s "$work/$1" ] || { echo "  $1 is empty"; cat "$work/$1.err"; return 1; }
  diff "$work/$1" "$work/$2" > "$work/diff" || { head -c 1500 "$work/diff"; echo; return 1; }
}
read_answer "$ref" ref.samples || cat "$work/ref.samples.err"
read_answer "$vs" vigil.samples || cat "$work/vigil.samples.err"
check "SAMPLES: vigil-server's answer is Prometheus's ($(wc -l < "$work/ref.samples") series)" \
  same_answers ref.samples vigil.samples
check "SAMPLES: the answers hold every series of the first query (4) and external labels" bash -c \
  "[ \$(grep -c '^q0 .*region=\"eu\"' $work/vigil.samples) = 4 ] && ! grep -q '^q4' $work/vigil.samples"
read_answer "$ref" ref.streamed --streamed --check-chunks || cat "$work/ref.streamed.err"
read_answer "$vs" vigil.streamed --streamed --check-chunks --max-frame 1024 || cat "$work/vigil.streamed.err"
check "STREAMED_XOR_CHUNKS: vigil-server streams what Prometheus streams" same_answers ref.streamed vigil.streamed
check "STREAMED_XOR_CHUNKS: the same samples as the SAMPLES answer" same_answers vigil.samples vigil.streamed
check "STREAMED_XOR_CHUNKS: vigil-server's content type (its frames were read with a 1KB bound)" bash -c \
  "grep -qx 'Content-Type: application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse' $work/vigil.streamed.err"
prom_chunks() { sed -n 's/^chunks: \([0-9]*\), re-encoded byte for byte: \([0-9]*\)$/\1 \2/p' "$work/$1.err"; }
echo "  Prometheus's chunks / re-encoded byte for byte: $(prom_chunks ref.streamed); vigil's: $(prom_chunks vigil.streamed)"
check "every XOR chunk Prometheus sent is what Vigil's encoder makes of its samples" bash -c \
  "read n same <<< \"$(prom_chunks ref.streamed)\"; [ \"\${n:-0}\" -gt 0 ] && [ \"\$n\" = \"\$same\" ] ||
   { grep -A2 '^chunk of' $work/ref.streamed.err | head -c 3000; false; }"

# 3. Malformed requests: 400 from both, and nothing changed.
code() {  # code PORT BODY_FILE
  curl -s -o "$work/code.body" -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
    -H 'Content-Encoding: snappy' --data-binary "@$2" "http://127.0.0.1:$1/api/v1/read"
}
printf 'this is not snappy' > "$work/garbage"
# Snappy of three bytes (0a 03 08): a ReadRequest cut inside its first query.
printf '\x03\x08\x0a\x03\x08' > "$work/truncated"
for bad in garbage:snappy truncated:protobuf; do
  file=${bad%%:*} why=${bad#*:}
  check "a $file request is 400 from both (Prometheus $(code $ref "$work/$file"), vigil $(code $vs "$work/$file")), saying $why" \
    bash -c "[ $(code $ref "$work/$file") = 400 ] && [ $(code $vs "$work/$file") = 400 ] && grep -q $why $work/code.body"
done
check "a regex that does not compile is 400" bash -c \
  "! '$client' http://127.0.0.1:$vs/api/v1/read --query 0 1 '__name__=~diff_(' 2> $work/regex.err &&
   grep -q 'HTTP 400' $work/regex.err"
read_answer "$vs" vigil.after
check "after the refused requests vigil-server reads the same" same_answers vigil.samples vigil.after

# Auth: the read endpoint wants the API's credentials.
check "without the bearer token: 401" bash -c "[ $(code $guarded "$work/garbage") = 401 ]"
check "with it: 200" "$client" --bearer token-for-the-test "http://127.0.0.1:$guarded/api/v1/read" \
  --query 0 1 __name__=up
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
