#!/usr/bin/env bash
# Sets everything up and runs every test: the release build's whole suite (unit tests and
# end-to-end tests against real processes), the unit tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer, every fuzz target over its corpus and for a few seconds, and
# static cross builds for aarch64 and armhf whose unit tests run under qemu-user, with a smoke
# run of each agent; then the Debian packages of all three architectures
# (tests/package_test.sh: as root it installs, upgrades, runs and purges this machine's,
# leaving nothing behind; otherwise it says that part is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== release build"
scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j"$jobs"

echo "== ASan+UBSan build, unit tests"
scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -L unit --output-on-failure -j"$jobs"

echo "== fuzz targets: corpus replay and a short run each"
scripts/build.sh fuzz
ctest --test-dir build/fuzz -L fuzz --output-on-failure -j"$jobs"

for arch in aarch64 armhf; do
  echo "== $arch: static cross build, unit tests under qemu, smoke run"
  VIGIL_CROSS_TESTS=1 cross/build.sh "$arch" "build/dist/$arch"
  ctest --test-dir "build/cross-$arch" -L unit --output-on-failure -j"$jobs"
  cross/smoke.sh "$arch" "build/dist/$arch"
done

echo "== Debian packages: lintian, contents, --version (qemu for ARM); install, upgrade, run, purge"
host=$(dpkg --print-architecture)
archs=("$host")
for a in arm64 armhf; do
  if [ "$a" != "$host" ]; then archs+=("$a"); fi
done
# With VIGIL_CROSS_TESTS=1 as above, cross/build.sh finds the ARM builds as it left them.
VIGIL_CROSS_TESTS=1 tests/package_test.sh "${archs[@]}"
