#!/usr/bin/env bash
# Configures and builds one flavour of the tree: release (default) or asan.
#   scripts/build.sh [release|asan|static]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # Debug keeps stack traces readable; benchmarks mean nothing under sanitizers.
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON -DVIGIL_BUILD_BENCH=OFF) ;;
  # The binaries as shipped: fully static and stripped; no tests or benchmarks.
  static) flags=(-DCMAKE_BUILD_TYPE=Release -DVIGIL_STATIC=ON -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|asan|static]" >&2; exit 2 ;;
esac
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
cmake -S . -B "build/$flavour" -G Ninja -DVIGIL_WERROR=$werror "${flags[@]}" > /dev/null
cmake --build "build/$flavour"
