#!/usr/bin/env bash
# Every C++ file git knows of is as clang-format 14 writes it (.clang-format): a change that
# is not formatted fails here, with the files and the first differences named.
# Run `git ls-files '*.cc' '*.h' | xargs clang-format-14 -i` to format.
#   format_test.sh SOURCE_DIR
set -uo pipefail
cd "$1"
files=$(git ls-files '*.cc' '*.h')
if [ -z "$files" ]; then
  echo "FAIL: no C++ files found through git in $1"
  exit 1
fi
out=$(echo "$files" | xargs clang-format-14 --dry-run 2>&1)
if [ -n "$out" ]; then
  echo "$out" | grep 'warning:' | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  echo "$out" | head -40
  exit 1
fi
echo "ok: $(echo "$files" | wc -l) files formatted"
