#!/usr/bin/env bash
# vigil-agent's /metrics beside the real node_exporter 1.5 on this machine: for the
# collectors Vigil has, every node_* family node_exporter exposes here must be in Vigil's
# output with the same label names and type, and so must the process_* families of the
# exporter's own process; MemTotal, boot time and filefd maximum agree.
#   node_exporter_test.sh AGENT
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
agent=$(realpath "$1")
ne=$(free_port) ap=$(free_port)
prometheus-node-exporter --web.listen-address=127.0.0.1:$ne > "$work/ne.log" 2>&1 & pids+=($!)
printf '[agent]\ndata_dir = %s\n[http]\nlisten = 127.0.0.1:%s\n' "$work/data" "$ap" > "$work/agent.ini"
"$agent" --config "$work/agent.ini" 2> "$work/agent.log" & pids+=($!)
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$ne/metrics" -o "$work/ne.txt" && curl -fs "http://127.0.0.1:$ap/metrics" -o "$work/vigil.txt" &&
    grep -q '^node_load1 ' "$work/vigil.txt" && break
  sleep 0.1
done
python3 - "$work/ne.txt" "$work/vigil.txt" <<'PY'
import re, sys
# The families of the collectors Vigil has, by the prefixes node_exporter gives them.
PREFIXES = ('node_cpu_', 'node_load', 'node_memory_', 'node_filefd_', 'node_entropy_', 'node_network_receive_',
            'node_network_transmit_', 'node_os_', 'node_boot_time', 'node_context_switches', 'node_forks',
            'node_intr', 'node_procs_', 'node_uname_', 'node_vmstat_', 'node_arp_', 'node_nf_conntrack_',
            'node_disk_', 'node_filesystem_', 'node_netstat_', 'node_pressure_', 'node_sockstat_', 'node_softnet_',
            'node_time_', 'node_timex_', 'node_udp_', 'node_network_', 'node_selinux_', 'node_textfile_',
            'process_')  # the exporter's own process, as every client library exposes it
def families(path):
    labels, types, values = {}, {}, {}
    for line in open(path):
        if line.startswith('# TYPE'):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line.strip() and not line.startswith('#'):
            m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)', line)
            labels.setdefault(m.group(1), set()).add(tuple(sorted(re.findall(r'([a-zA-Z_]+)="', m.group(3) or ''))))
            values[m.group(1)] = m.group(4)
    return labels, types, values
ne, ne_types, ne_values = families(sys.argv[1])
vi, vi_types, vi_values = families(sys.argv[2])
checked = [n for n in ne if n.startswith(PREFIXES)]
failed = 0
for name in checked:
    if name not in vi:
        print(f"FAIL: {name} is missing"); failed += 1
    elif ne[name] != vi[name] or ne_types.get(name) != vi_types.get(name):
        print(f"FAIL: {name}: node_exporter {ne_types.get(name)} {sorted(ne[name])}, vigil {vi_types.get(name)} {sorted(vi[name])}")
        failed += 1
for name in ('node_memory_MemTotal_bytes', 'node_boot_time_seconds', 'node_filefd_maximum'):
    if ne_values.get(name) != vi_values.get(name):
        print(f"FAIL: {name}: node_exporter {ne_values.get(name)}, vigil {vi_values.get(name)}"); failed += 1
print(f"{len(checked)} node_exporter families compared")
print(f"{len(checked) + 3 - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
