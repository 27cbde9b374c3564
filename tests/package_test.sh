#!/usr/bin/env bash
# The Debian packages of scripts/package.sh, for each ARCH given (default: this machine's):
#   tests/package_test.sh [amd64|arm64|armhf]...
# Every architecture: lintian finds no error (warnings are printed), the control fields,
# conffiles and contents are as intended, and the packed binaries print their version (under
# qemu-user for ARM). This machine's architecture, as root, also on the machine itself:
# install an older build, edit the configuration, upgrade over it (the edit is kept), run
# both binaries as their system users, remove (configuration and data stay), purge (nothing
# of the packages is left). That part changes the machine and is undone before the test ends;
# it is skipped, saying so, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(dpkg --print-architecture)
archs=("$@")
[ ${#archs[@]} -eq 0 ] && archs=("$host")
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
  # Whatever happened, the machine is left without the packages.
  if [ "$(id -u)" -eq 0 ]; then
    for p in vigil-agent vigil-server; do
      if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv "not-installed"; then
        dpkg --purge "$p" > /dev/null 2>&1 || echo "package_test: could not purge $p" >&2
      fi
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
field() { dpkg-deb -f "$1" "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
version=$(sed -n 's/^project(vigil VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || fail "no project version in CMakeLists.txt"

# The package's files, beside which nothing else may be packed.
expected_files() {
  local p=$1 conf=$2
  printf '%s\n' "./usr/bin/$p" "./etc/vigil/$conf" "./etc/default/$p" "./lib/systemd/system/$p.service" \
    "./usr/share/doc/$p/README.Debian" "./usr/share/doc/$p/changelog.gz" "./usr/share/doc/$p/copyright" \
    "./usr/share/lintian/overrides/$p"
  if [ "$p" = vigil-server ]; then
    for r in conf/rules/*.yml; do echo "./etc/vigil/rules/$(basename "$r")"; done
  fi
}

check_package() {
  local deb=$1 p=$2 arch=$3 conf=$4
  echo "-- $(basename "$deb")"
  [ "$(field "$deb" Package)" = "$p" ] || fail "$deb: Package"
  [ "$(field "$deb" Version)" = "$version" ] || fail "$deb: Version $(field "$deb" Version), not $version"
  [ "$(field "$deb" Architecture)" = "$arch" ] || fail "$deb: Architecture $(field "$deb" Architecture)"
  # Static binaries: adduser (for the postinst) is the one dependency, no shared libraries.
  [ "$(field "$deb" Depends)" = "adduser" ] || fail "$deb: Depends: $(field "$deb" Depends)"
  diff <(expected_files "$p" "$conf" | sort) \
       <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sort) || fail "$deb: contents differ (above)"
  if dpkg-deb -c "$deb" | awk '{print $2}' | grep -vqx 'root/root'; then fail "$deb: a file not owned by root"; fi
  diff <(expected_files "$p" "$conf" | sed -n 's|^\./etc/|/etc/|p' | sort) \
       <(dpkg-deb -I "$deb" conffiles | sort) || fail "$deb: conffiles differ (above)"
  for s in postinst prerm postrm; do dpkg-deb -I "$deb" "$s" | sh -n || fail "$deb: $s"; done
  # The binary runs and is this version (ARM ones under qemu-user).
  mkdir -p "$work/x/$arch"
  dpkg-deb -x "$deb" "$work/x/$arch"
  local run=()
  case "$arch" in
    "$host") ;;
    arm64) run=(qemu-aarch64-static) ;;
    armhf) run=(qemu-arm-static) ;;
  esac
  local says
  says=$("${run[@]}" "$work/x/$arch/usr/bin/$p" --version)
  echo "   $says"
  [[ "$says" == "$p, version $version "* ]] || fail "$p --version: $says"
  # lintian: errors fail the test; warnings and the rest are shown.
  lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1 | sed '/root privileges is not recommended/d; s/^/   lintian: /' || fail "lintian: errors in $deb"
}

for arch in "${archs[@]}"; do
  echo "== packages for $arch"
  scripts/package.sh "$arch" "$work/$arch" > /dev/null
  check_package "$work/$arch/vigil-agent_${version}_$arch.deb" vigil-agent "$arch" agent.ini
  check_package "$work/$arch/vigil-server_${version}_$arch.deb" vigil-server "$arch" server.ini
done

[[ " ${archs[*]} " == *" $host "* ]] || exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "package_test: SKIPPED: installing, upgrading, running and purging the $host packages (not root: they change the machine)"
  exit 0
fi
for p in vigil-agent vigil-server; do
  if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv "not-installed"; then
    trap - EXIT
    rm -rf "$work"
    fail "$p is installed on this machine; the test would replace and purge it"
  fi
done

echo "== $host: install an older build, edit, upgrade, run, remove, purge"
old_version="$version~test1"
VIGIL_PACKAGE_VERSION=$old_version scripts/package.sh "$host" "$work/old" > /dev/null
# The older server.ini differs from the newer, as it will between releases: the upgrade then
# meets a conffile changed on both sides, which is where dpkg would ask.
dpkg-deb -R "$work/old/vigil-server_${old_version}_$host.deb" "$work/old/server"
echo "; as shipped by the older package" >> "$work/old/server/etc/vigil/server.ini"
(cd "$work/old/server" && find etc usr lib -type f -exec md5sum {} + | sort -k2 > DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$work/old/server" "$work/old/vigil-server_${old_version}_$host.deb" > /dev/null

dpkg -i "$work/old/vigil-agent_${old_version}_$host.deb" "$work/old/vigil-server_${old_version}_$host.deb" > "$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log"; fail "installing the older packages"; }
for p in vigil-agent vigil-server; do
  id "$p" > /dev/null || fail "no user $p"
  [ "$(stat -c %U:%G:%a "/var/lib/$p")" = "$p:$p:750" ] || fail "/var/lib/$p: $(stat -c %U:%G:%a "/var/lib/$p")"
  # Enabled as debhelper does everywhere; started only where systemd runs (not here).
  [ -L "/etc/systemd/system/multi-user.target.wants/$p.service" ] || fail "$p.service not enabled"
  if [ ! -d /run/systemd/system ] && pgrep -u "$p" > /dev/null; then fail "$p started without systemd"; fi
done

server_port=$(free_port)
agent_port=$(free_port)
sed -i "s|^listen = 127.0.0.1:9090|listen = 127.0.0.1:$server_port|" /etc/vigil/server.ini
sed -i -e "s|^listen = 127.0.0.1:9101|listen = 127.0.0.1:$agent_port|" \
  -e "s|^url = http://127.0.0.1:9090/|url = http://127.0.0.1:$server_port/|" \
  -e "s|^;node_name = edge-01|node_name = package-test|" /etc/vigil/agent.ini

dpkg -i --force-confold "$work/$host/vigil-agent_${version}_$host.deb" "$work/$host/vigil-server_${version}_$host.deb" \
  < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "upgrading"; }
for p in vigil-agent vigil-server; do
  [ "$(dpkg-query -W -f='${Version}' "$p")" = "$version" ] || fail "$p not upgraded"
done
grep -qx "listen = 127.0.0.1:$server_port" /etc/vigil/server.ini || fail "server.ini: the edit is lost"
grep -qx "node_name = package-test" /etc/vigil/agent.ini || fail "agent.ini: the edit is lost"
[ -f /etc/vigil/server.ini.dpkg-dist ] || fail "no server.ini.dpkg-dist beside the kept server.ini"
echo "   upgraded $old_version -> $version; edited agent.ini and server.ini kept (server.ini.dpkg-dist beside)"

for p in vigil-agent vigil-server; do
  "/usr/bin/$p" --help | grep -q "^Signals:" || fail "$p --help has no Signals section"
  setpriv --reuid="$p" --regid="$p" --init-groups -- "/usr/bin/$p" --check-config --config "/etc/vigil/${p#vigil-}.ini" > /dev/null \
    || fail "$p --check-config of the installed configuration"
done
# No systemd here: started as the unit would, as its user (setpriv execs: the pid is the binary's).
setpriv --reuid=vigil-server --regid=vigil-server --init-groups --no-new-privs -- \
  /usr/bin/vigil-server --config /etc/vigil/server.ini > /dev/null 2> "$work/server.log" &
pids+=($!)
setpriv --reuid=vigil-agent --regid=vigil-agent --init-groups --no-new-privs -- \
  /usr/bin/vigil-agent --config /etc/vigil/agent.ini > /dev/null 2> "$work/agent.log" &
pids+=($!)
ready=0
for _ in $(seq 1 100); do
  if curl -fs "http://127.0.0.1:$server_port/-/ready" > /dev/null &&
     curl -fs "http://127.0.0.1:$agent_port/metrics" -o "$work/metrics" && grep -q '^node_load1 ' "$work/metrics"; then
    ready=1
    break
  fi
  sleep 0.1
done
[ $ready = 1 ] || { cat "$work/server.log" "$work/agent.log"; fail "the server not ready or the agent without node_ series"; }
i=0
for p in vigil-server vigil-agent; do
  [ "$(ps -o uid= -p "${pids[$i]}" | tr -d ' ')" = "$(id -u "$p")" ] || fail "$p does not run as $p"
  i=$((i + 1))
  [ -z "$(find "/var/lib/$p" ! -user "$p")" ] || fail "files in /var/lib/$p not owned by $p"
done
# The units' ExecReload: both reload their unchanged configuration and stay up.
kill -HUP "${pids[@]}"
sleep 0.5
curl -fs "http://127.0.0.1:$server_port/-/ready" > /dev/null || fail "the server is gone after SIGHUP"
curl -fs "http://127.0.0.1:$agent_port/-/healthy" > /dev/null || fail "the agent is gone after SIGHUP"
echo "   running as their users: the server ready, the agent serving $(grep -c '^node_' "$work/metrics") node_ samples"
kill -TERM "${pids[@]}"
wait "${pids[@]}" || fail "a clean stop (logs in $work)"
pids=()
[ -n "$(ls -A /var/lib/vigil-server)" ] || fail "the server wrote nothing to its data directory"

dpkg -L vigil-agent vigil-server | sort -u > "$work/files"
dpkg -r vigil-agent vigil-server > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "removing"; }
for f in /etc/vigil/agent.ini /etc/vigil/server.ini /var/lib/vigil-agent /var/lib/vigil-server; do
  [ -e "$f" ] || fail "remove deleted $f"
done
dpkg --purge vigil-agent vigil-server > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "purging"; }
left=()
while read -r f; do
  # Directories the packages share with the system stay; everything of theirs goes.
  if [ -e "$f" ] && { [ ! -d "$f" ] || [[ "$f" == *vigil* ]]; }; then left+=("$f"); fi
done < "$work/files"
for f in /var/lib/vigil-agent /var/lib/vigil-server /etc/vigil /etc/systemd/system/multi-user.target.wants/vigil-agent.service \
         /etc/systemd/system/multi-user.target.wants/vigil-server.service; do
  if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
done
# deb-systemd-helper's record of what it enabled goes with the purge too.
for f in /var/lib/systemd/deb-systemd-helper-enabled/*vigil* /var/lib/systemd/deb-systemd-helper-enabled/*/*vigil*; do
  if [ -e "$f" ]; then left+=("$f"); fi
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
echo "   removed (configuration and data kept), purged: nothing left of $(wc -l < "$work/files") paths (the users vigil-agent and vigil-server stay, as Debian's prometheus user does)"
echo "package_test: ok (${archs[*]})"
