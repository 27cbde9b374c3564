#!/usr/bin/env bash
# Installs everything Vigil needs to build, test and run, from Debian's packages only.
# Idempotent and non-interactive: safe to run on every build, on a fresh Debian 12 or again.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkgconf git ca-certificates curl openssl python3
  libuv1-dev libprotobuf-dev protobuf-compiler libsnappy-dev libmbedtls-dev libinih-dev
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libre2-dev
  clang-14 libclang-rt-14-dev clang-format-14
)
# The console's browser test drives Debian's chromium (never a downloaded browser) through
# playwright-core; uPlot, embedded in vigil-server, comes from web/node_modules (npm ci below).
test_packages=(chromium)
# tests/package_test.sh checks the .deb files with Debian's own linter.
test_packages+=(lintian)
# npm comes with Debian's nodejs; a machine that already has node and npm (NodeSource's nodejs
# bundles npm and conflicts with Debian's npm package) keeps them.
if ! command -v npm > /dev/null; then test_packages+=(nodejs npm); fi
# The real peers that tests start on loopback: never mocked when they can be run.
peer_packages=(
  prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${build_packages[@]}" "${peer_packages[@]}" "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # policy-rc.d keeps Debian from starting the peers as system services: tests start their own.
  if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian enables the peers as services; Prometheus would then hold :9090 after a reboot.
  # Those installed here are for tests, which start their own, so they stay off.
  if command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
    for p in "${missing[@]}"; do
      case "$p" in
        prometheus | prometheus-node-exporter | prometheus-alertmanager | victoria-metrics)
          "${sudo_cmd[@]}" systemctl disable --now "$p" > /dev/null 2>&1 || true ;;
      esac
    done
  fi
fi
echo "setup: all packages present"

# The npm packages, exactly as web/package-lock.json pins them; again only when the lockfile
# changed since the last install (npm ci starts by deleting node_modules).
web_dir="$(dirname "$0")/../web"
if ! cmp -s "$web_dir/package-lock.json" "$web_dir/node_modules/.package-lock.json.installed"; then
  (cd "$web_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$web_dir/package-lock.json" "$web_dir/node_modules/.package-lock.json.installed"
fi
echo "setup: npm packages present"
