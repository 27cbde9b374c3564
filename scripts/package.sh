#!/usr/bin/env bash
# Debian packages of the static builds, made with CPack's DEB generator (packaging/):
#   scripts/package.sh ARCH OUTDIR          ARCH: amd64 | arm64 | armhf
# leaves vigil-agent_VERSION_ARCH.deb and vigil-server_VERSION_ARCH.deb in OUTDIR. The
# machine's own architecture is built by scripts/build.sh static, the others by
# cross/build.sh. VERSION is the project's (CMakeLists.txt); VIGIL_PACKAGE_VERSION overrides
# it (the package test builds an older one to upgrade from).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/package.sh amd64|arm64|armhf OUTDIR"
arch=${1:?$usage}
out=${2:?$usage}
case "$arch" in
  amd64) cross=x86_64 machine="Advanced Micro Devices X86-64" ;;
  arm64) cross=aarch64 machine="AArch64" ;;
  armhf) cross=armhf machine="ARM" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac

if [ "$arch" = "$(dpkg --print-architecture)" ]; then
  scripts/build.sh static
  bin=build/static
  agent=$bin/agent/vigil-agent server=$bin/server/vigil-server
else
  [ "$arch" = amd64 ] && { echo "package: amd64 is built on an amd64 machine only" >&2; exit 2; }
  bin=build/dist/$cross
  cross/build.sh "$cross" "$bin"
  agent=$bin/vigil-agent server=$bin/vigil-server
fi
for b in "$agent" "$server"; do
  got=$(readelf -h "$b" | sed -n 's/^ *Machine: *//p')
  [ "$got" = "$machine" ] || { echo "package: $b is built for $got, not $arch" >&2; exit 1; }
done

build=build/package-$arch
rm -rf "$build"
cmake -S packaging -B "$build" -DVIGIL_DEB_ARCH="$arch" \
  -DVIGIL_AGENT_BINARY="$(realpath "$agent")" -DVIGIL_SERVER_BINARY="$(realpath "$server")" \
  -DVIGIL_PACKAGE_VERSION="${VIGIL_PACKAGE_VERSION:-}" \
  -DVIGIL_REVISION="$(git rev-parse --short=12 HEAD 2> /dev/null || echo unknown)" \
  -DVIGIL_SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2> /dev/null || echo 0)" > /dev/null
(cd "$build" && cpack -G DEB > cpack.log) || { cat "$build/cpack.log" >&2; exit 1; }
mkdir -p "$out"
for deb in "$build"/vigil-*.deb; do
  cp "$deb" "$out/"
  echo "$out/$(basename "$deb")"
done
