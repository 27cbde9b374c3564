#!/usr/bin/env bash
# Cross-builds static, stripped vigil-agent and vigil-server for ARM:
#   cross/build.sh ARCH OUTDIR          ARCH: aarch64 | armhf
# Installs Debian's cross compiler and qemu-user-static, makes a sysroot from Debian's
# ARCH -dev packages (downloaded with a private package list and unpacked with dpkg -x: the
# system never gets the foreign architecture), runs protoc on the host, and builds.
# VIGIL_CROSS_TESTS=1 also builds the unit tests (run them with ctest under qemu).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: cross/build.sh aarch64|armhf OUTDIR}
out=${2:?usage: cross/build.sh aarch64|armhf OUTDIR}
case "$arch" in
  aarch64) debarch=arm64 triple=aarch64-linux-gnu compiler=g++-aarch64-linux-gnu ;;
  armhf) debarch=armhf triple=arm-linux-gnueabihf compiler=g++-arm-linux-gnueabihf ;;
  *) echo "ARCH must be aarch64 or armhf" >&2; exit 2 ;;
esac

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
for p in "$compiler" qemu-user-static protobuf-compiler cmake ninja-build pkgconf; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
      "$compiler" qemu-user-static protobuf-compiler cmake ninja-build pkgconf
    break
  fi
done

# The sysroot, kept between runs: the packages it is made of are listed here.
cache=${VIGIL_CROSS_CACHE:-$(pwd)/.cache/cross}/$debarch
packages=(libuv1-dev libprotobuf-dev libsnappy-dev libmbedtls-dev libinih-dev libre2-dev libyaml-cpp-dev
          libgtest-dev libgmock-dev)
stamp="$cache/root/.packages"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${packages[*]}" ]; then
  rm -rf "$cache"
  mkdir -p "$cache/lists/partial" "$cache/archives/partial" "$cache/debs" "$cache/root"
  apt_opts=(-o "APT::Architecture=$debarch" -o "APT::Architectures=$debarch"
            -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache::Archives=$cache/archives"
            -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
  # A mirror in the middle of a sync refuses one index now and then: try again, and let the
  # downloads below decide whether what arrived is enough.
  for attempt in 1 2 3; do
    apt-get "${apt_opts[@]}" update -qq && break
    echo "cross: package lists incomplete (attempt $attempt)" >&2
    sleep 5
  done
  (cd "$cache/debs" && apt-get "${apt_opts[@]}" download -qq "${packages[@]}" 2>&1 | grep -v "unsandboxed" || true)
  for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache/root"; done
  echo "${packages[*]}" > "$stamp"
fi

# pkg-config reads the target's .pc files, with paths inside the sysroot.
export PKG_CONFIG_SYSROOT_DIR="$cache/root"
export PKG_CONFIG_LIBDIR="$cache/root/usr/lib/$triple/pkgconfig:$cache/root/usr/share/pkgconfig"

tests=OFF
[ "${VIGIL_CROSS_TESTS:-}" = "1" ] && tests=ON
build=build/cross-$arch
cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$(pwd)/cross/$arch.cmake" -DVIGIL_SYSROOT="$cache/root" \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DVIGIL_STATIC=ON -DVIGIL_BUILD_TESTS=$tests -DVIGIL_BUILD_BENCH=OFF > /dev/null
cmake --build "$build"
mkdir -p "$out"
cp "$build/agent/vigil-agent" "$build/server/vigil-server" "$out/"
ls -l "$out/vigil-agent" "$out/vigil-server"
