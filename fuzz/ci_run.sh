#!/usr/bin/env bash
# CI's use of one fuzz target: replay the checked-in corpus (every input must pass, so a fixed
# crash stays fixed), then fuzz for a short fixed time from it. New inputs go to a scratch
# directory, never into the source tree.
#   fuzz/ci_run.sh FUZZER CORPUS_DIR [SECONDS]
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=${3:-${VIGIL_FUZZ_SECONDS:-6}}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# -timeout: an input that takes seconds is a hang; -rss_limit_mb: one that takes gigabytes is
# a finding too, not a slow CI machine.
common=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$scratch/" -print_final_stats=1)
"$fuzzer" "${common[@]}" -runs=0 "$corpus"
mkdir "$scratch/new"
if ! "$fuzzer" "${common[@]}" -max_total_time="$seconds" "$scratch/new" "$corpus"; then
  for f in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
    [ -e "$f" ] || continue
    echo "finding: $f ($(basename "$fuzzer")); base64 of the input:"
    base64 -w0 "$f"; echo
  done
  exit 1
fi
