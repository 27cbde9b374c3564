#!/usr/bin/env bash
# Runs every fuzz target (or those named) one after another, each from its checked-in corpus,
# for SECONDS each or N executions each (default: 10 million), and prints per target the
# executions, coverage (libFuzzer's cov: edges, ft: features) and findings. Findings are kept in
# build/fuzz/findings/TARGET/; new corpus inputs in build/fuzz/corpus/TARGET/.
#   fuzz/run.sh [SECONDS_PER_TARGET | --runs N] [TARGET...]
# One target at a time on purpose: the machine is shared, and figures per target stay comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=(-runs=10000000)
if [ "${1:-}" = "--runs" ]; then budget=(-runs="$2"); shift 2
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then budget=(-max_total_time="$1"); shift; fi
bin=build/fuzz/fuzz
[ -d "$bin" ] || { echo "build them first: scripts/build.sh fuzz" >&2; exit 2; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
printf '%-16s %12s %8s %8s %9s %s\n' target executions cov ft seconds findings
status=0
for t in "${targets[@]}"; do
  findings=build/fuzz/findings/$t corpus=build/fuzz/corpus/$t
  mkdir -p "$findings" "$corpus"
  log=$(mktemp)
  start=$(date +%s)
  # -fork=1 -ignore_crashes etc. would hide a finding's effect on coverage; a finding ends the
  # target's run instead, and is reported.
  "$bin/fuzz_$t" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" "fuzz/corpus/$t" > "$log" 2>&1 || status=1
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  found=$(grep -cE '^(==[0-9]+== ?ERROR|SUMMARY: |fuzz check failed)' "$log" || true)
  printf '%-16s %12s %8s %8s %9s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$seconds" \
    "$([ "$found" = 0 ] && echo none || echo "$(ls "$findings" | tr '\n' ' ')(log: $log)")"
  [ "$found" = 0 ] && rm -f "$log"
done
exit $status
