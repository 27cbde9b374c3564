#!/usr/bin/env bash
# `vigil-server test-rules` beside `promtool test rules` (Prometheus 2.42) on the rule unit
# tests that ship in conf/rules/tests/ and on the files of tests/e2e/testdata/test_rules/
# (pass_* pass in promtool, fail_* fail there): the same exit code for each file, and for the
# files below, whose reports hold no error message of either program's own parsers, the same
# report word for word (stdout and stderr); fail_templates_test.yml shows templates expanded.
#   test_rules_test.sh SERVER
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server=$(realpath "$1")
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=tests/e2e/testdata/test_rules
# Not fail_rule_error_test.yml: its error lists two series in the order promtool loaded them,
# which comes from a Go map and changes from run to run.
same_text=(pass_notation_test.yml fail_alerts_test.yml fail_promql_test.yml fail_missing_alertname_test.yml
           fail_group_order_test.yml fail_templates_test.yml)

# Both programs are run from the top of the tree on the same relative path, so that the
# "Unit Testing:  FILE" lines can be compared.
cd "$top" || exit 1
run_both() {  # run_both FILE: promtool's exit code, output in $work/p.*, vigil-server's in $work/v.*
  promtool test rules "$1" > "$work/p.out" 2> "$work/p.err"; p=$?
  "$server" test-rules "$1" > "$work/v.out" 2> "$work/v.err"; v=$?
}
same_verdict() {  # same_verdict FILE EXPECTED_PROMTOOL_EXIT
  run_both "$1"
  [ "$p" = "$2" ] || { echo "  promtool exited $p, not $2, on $1:"; cat "$work/p.err"; return 1; }
  [ "$p" = "$v" ] || { echo "  promtool exit $p, vigil-server exit $v:"; head -c 3000 "$work/v.err"; echo; return 1; }
}
same_report() {  # same_report FILE
  run_both "$1"
  diff -u "$work/p.out" "$work/v.out" > "$work/diff" && diff -u "$work/p.err" "$work/v.err" >> "$work/diff" ||
    { head -60 "$work/diff"; return 1; }
}

for f in conf/rules/tests/*_test.yml; do
  check "promtool's verdict on $f (it passes)" same_verdict "$f" 0
done
for f in "$data"/pass_*_test.yml; do
  check "promtool's verdict on $f (it passes)" same_verdict "$f" 0
done
for f in "$data"/fail_*_test.yml; do
  check "promtool's verdict on $f (it fails)" same_verdict "$f" 1
done
for f in "${same_text[@]}"; do
  check "promtool's report on $data/$f, word for word" same_report "$data/$f"
done
check "several files: each reported, exit 1 when one fails" bash -c \
  "\"$server\" test-rules $data/pass_notation_test.yml $data/fail_promql_test.yml > $work/several 2>&1; \
   [ \$? = 1 ] && [ \$(grep -c '^Unit Testing:  ' $work/several) = 2 ] && grep -q '^  SUCCESS' $work/several"
check "--test-rules is test-rules" bash -c "\"$server\" --test-rules $data/pass_notation_test.yml > /dev/null"
check "a file that does not exist: nothing runs, exit 1" bash -c \
  "! \"$server\" test-rules $data/pass_notation_test.yml $work/none.yml > $work/none 2>&1 && \
   grep -q \"path '$work/none.yml' does not exist\" $work/none && ! grep -q 'Unit Testing' $work/none"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
