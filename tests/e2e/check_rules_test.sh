#!/usr/bin/env bash
# `vigil-server --check-rules` beside `promtool check rules` (Prometheus 2.42): the same verdict
# on every rule file of the tests and of conf/; then --check-config and a start that read the
# rule files [rules] files names, refusing a bad one.
#   check_rules_test.sh SERVER
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server=$(realpath "$1")
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
same_verdict() {  # same_verdict FILE
  promtool check rules "$1" > /dev/null 2>&1; local p=$?
  "$server" --check-rules "$1" > "$work/out" 2>&1; local v=$?
  [ "$p" = "$v" ] || { echo "  promtool exit $p, vigil-server exit $v:"; cat "$work/out"; return 1; }
}
for f in "$top"/tests/server/rules/testdata/*.yml "$top"/conf/rules/*.yml; do
  check "the same verdict as promtool on ${f#$top/}" same_verdict "$f"
done
check "several files: each reported, exit 1 when one fails" bash -c \
  "\"$server\" --check-rules $top/conf/rules/node.yml $top/tests/server/rules/testdata/bad_yaml.yml > $work/several 2>&1; \
   [ \$? = 1 ] && grep -q 'SUCCESS: 18 rules found' $work/several && grep -q 'bad_yaml.yml:4:7: yaml' $work/several"

port=$(free_port)
config() {  # config RULE_GLOB
  printf '[server]\nlisten = 127.0.0.1:%s\ndata_dir = %s\n[rules]\nfiles = %s\n' "$port" "$work/data" "$1" > "$work/server.ini"
}
config "$top/conf/rules/*.yml"
check "--check-config reads the rule files: good" "$server" --check-config --config "$work/server.ini"
config "$top/tests/server/rules/testdata/bad_*.yml"
check "--check-config reads the rule files: a bad one fails it" \
  bash -c "! \"$server\" --check-config --config $work/server.ini 2> $work/check.log && grep -q 'bad_rules.yml:6:15' $work/check.log"
check "a bad rule file stops the start, naming the problem" \
  bash -c "! timeout 10 \"$server\" --config $work/server.ini 2> $work/start.log && grep -q 'is repeated in the same file' $work/start.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
