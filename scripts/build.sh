#!/usr/bin/env bash
# Configures and builds one flavour of the tree: release (default), asan, static or fuzz.
#   scripts/build.sh [release|asan|static|fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
target=()
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # Debug keeps stack traces readable; benchmarks mean nothing under sanitizers.
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON -DVIGIL_BUILD_BENCH=OFF) ;;
  # The binaries as shipped: fully static and stripped; no tests or benchmarks.
  static) flags=(-DCMAKE_BUILD_TYPE=Release -DVIGIL_STATIC=ON -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF) ;;
  # The libFuzzer targets (fuzz/) with ASan and UBSan, built by Debian's clang; only they are
  # built, not the binaries or the test suites. A build type of its own: assertions stay on
  # (no NDEBUG); -O1 with line tables only keeps it to about 5 minutes on 2 cores.
  fuzz) flags=(-DCMAKE_BUILD_TYPE=Fuzz "-DCMAKE_C_FLAGS=-O1 -gline-tables-only"
               "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DVIGIL_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF
               -DVIGIL_BUILD_BENCH=OFF -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14)
        target=(--target vigil_fuzz) ;;
  *) echo "usage: $0 [release|asan|static|fuzz]" >&2; exit 2 ;;
esac
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
cmake -S . -B "build/$flavour" -G Ninja -DVIGIL_WERROR=$werror "${flags[@]}" > /dev/null
cmake --build "build/$flavour" "${target[@]}"
