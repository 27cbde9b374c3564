#!/usr/bin/env bash
# vigil-agent pushing over HTTPS to the real Prometheus 2.42, which requires a client
# certificate (mTLS), with certificates made here by openssl. A second destination trusts
# another CA: it must be refused and send nothing.
#   remote_write_tls_test.sh AGENT
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
agent=$(realpath "$1")

cd "$work"
ec() { openssl req "$@" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 > /dev/null 2>&1; }
ec -x509 -subj /CN=test-ca -keyout ca.key -out ca.crt
ec -x509 -subj /CN=other-ca -keyout other.key -out other.crt
ec -subj /CN=prometheus -keyout server.key -out server.csr
ec -subj /CN=edge-01 -keyout client.key -out client.csr
echo "subjectAltName=IP:127.0.0.1" > server.ext
echo "extendedKeyUsage=clientAuth" > client.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2> /dev/null
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.crt 2> /dev/null

prom=$(free_port) agent_port=$(free_port)
cat > web.yml <<YML
tls_server_config:
  cert_file: $work/server.crt
  key_file: $work/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $work/ca.crt
YML
printf 'global:\n  scrape_interval: 15s\n' > prom.yml
prometheus --config.file=prom.yml --storage.tsdb.path=prom --web.listen-address=127.0.0.1:$prom \
  --web.enable-remote-write-receiver --web.config.file=web.yml > prom.log 2>&1 & pids+=($!)
pcurl() { curl -fs --cacert ca.crt --cert client.crt --key client.key "$@"; }
for _ in $(seq 1 100); do pcurl "https://127.0.0.1:$prom/-/ready" > /dev/null && break; sleep 0.1; done

cat > agent.ini <<INI
[agent]
node_name = tls-node
interval = 1s
data_dir = $work/agent
[http]
listen = 127.0.0.1:$agent_port
[scrape.self]
url = http://127.0.0.1:$agent_port/metrics
interval = 1s
[remote_write.secure]
url = https://127.0.0.1:$prom/api/v1/write
tls_ca_file = $work/ca.crt
tls_cert_file = $work/client.crt
tls_key_file = $work/client.key
batch_send_deadline = 1s
[remote_write.wrong_ca]
url = https://127.0.0.1:$prom/api/v1/write
tls_ca_file = $work/other.crt
batch_send_deadline = 1s
max_backoff = 1s
INI
"$agent" --config agent.ini 2> agent.log & pids+=($!)

arrived() {
  for _ in $(seq 1 100); do
    n=$(pcurl "https://127.0.0.1:$prom/api/v1/query" --data-urlencode 'query=count({job="self"})' |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    [ "${n:-0}" -gt 10 ] && return 0
    sleep 0.2
  done
  return 1
}
check "samples arrive over HTTPS with a client certificate" arrived
metric() { curl -fs "http://127.0.0.1:$agent_port/metrics" | sed -n "s/^$1 //p"; }
check "the destination with the wrong CA sent nothing" [ "$(metric 'vigil_remote_samples_sent_total{destination="wrong_ca"}')" = "0" ]
check "its failures are counted" [ "$(metric 'vigil_remote_samples_failed_total{destination="wrong_ca"}')" != "0" ]
check "and logged as a certificate failure" grep -q 'destination=wrong_ca.*certificate verify failed' agent.log
check "plain HTTP to the TLS port is refused" bash -c "! curl -fs http://127.0.0.1:$prom/-/ready"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { tail -20 agent.log; exit 1; }
