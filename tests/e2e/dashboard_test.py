"""The panels of the node dashboards everyone imports, against vigil-server fed by vigil-agent
and against the real Prometheus 2.42 scraping the real node_exporter 1.5 on the same machine.
A user who changes only the data source's URL must get the same series: for every query the
same label sets, and for the quantities that do not move while the test runs (memory and
filesystem sizes, CPU count, boot time, uname) the same values. Also compared: `up` and the
scrape series of the node job, the exporter's own process_* series, and the metadata both
servers answer for the node families.

The agent's node_name is node_exporter's address, so that both give the same `instance`.

  python3 dashboard_test.py VIGIL_SERVER VIGIL_AGENT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

from loopback import Checks, free_port, get, wait

# (query, whether the values must agree too). Ranges of 30s: both sides have a sample a second.
PANELS = [
    # CPU
    ('sum by (instance, mode) (rate(node_cpu_seconds_total{job="node"}[30s]))', False),
    ('count by (instance) (count by (instance, cpu) (node_cpu_seconds_total{job="node"}))', True),
    ('1 - avg by (instance) (rate(node_cpu_seconds_total{job="node", mode="idle"}[30s]))', False),
    # memory
    ('node_memory_MemTotal_bytes{job="node"}', True),
    ('node_memory_SwapTotal_bytes{job="node"}', True),
    ('node_memory_MemAvailable_bytes{job="node"}', False),
    ('1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}', False),
    ('node_memory_Buffers_bytes{job="node"} + node_memory_Cached_bytes{job="node"}', False),
    # load and processes
    ('node_load1{job="node"}', False),
    ('node_load15{job="node"}', False),
    ('node_procs_running{job="node"}', False),
    ('rate(node_context_switches_total{job="node"}[30s])', False),
    # disks
    ('rate(node_disk_read_bytes_total{job="node"}[30s])', False),
    ('rate(node_disk_written_bytes_total{job="node"}[30s])', False),
    ('rate(node_disk_io_time_seconds_total{job="node"}[30s])', False),
    # filesystems, as the dashboards filter them
    ('node_filesystem_size_bytes{job="node", fstype!~"tmpfs|ramfs|overlay"}', True),
    ('node_filesystem_avail_bytes{job="node", fstype!~"tmpfs|ramfs"}', False),
    ('1 - node_filesystem_avail_bytes{job="node"} / node_filesystem_size_bytes{job="node"}', False),
    ('node_filesystem_files{job="node"}', False),
    ('node_filesystem_readonly{job="node"}', True),
    # network
    ('rate(node_network_receive_bytes_total{job="node", device!="lo"}[30s])', False),
    ('rate(node_network_transmit_bytes_total{job="node"}[30s])', False),
    ('rate(node_network_receive_errs_total{job="node"}[30s])', False),
    ('node_network_up{job="node"}', True),
    ('node_network_info{job="node"}', True),
    # system
    ('node_boot_time_seconds{job="node"}', True),
    ('node_uname_info{job="node"}', True),
    ('node_os_info{job="node"}', True),
    ('node_filefd_maximum{job="node"}', True),
    ('node_time_seconds{job="node"} - node_boot_time_seconds{job="node"}', False),
    # the exporter's own process, as its client library exposes it
    ('process_resident_memory_bytes{job="node"}', False),
    ('process_virtual_memory_bytes{job="node"}', False),
    ('process_virtual_memory_max_bytes{job="node"}', True),
    ('rate(process_cpu_seconds_total{job="node"}[30s])', False),
    ('process_open_fds{job="node"}', False),
    ('process_max_fds{job="node"}', True),
    ('process_start_time_seconds{job="node"}', False),
    # what a scraping Prometheus (or Prometheus agent) writes for each target
    ('up{job="node"}', True),
    ('scrape_duration_seconds{job="node"}', False),
    ('scrape_samples_scraped{job="node"}', False),
    ('scrape_samples_post_metric_relabeling{job="node"}', False),
    ('scrape_series_added{job="node"}', False),
]
UPSTREAM_MOUNT_POINTS_EXCLUDE = "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
METADATA = ["node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_load1", "node_network_receive_bytes_total",
            "node_filesystem_avail_bytes", "node_disk_io_time_seconds_total", "node_boot_time_seconds",
            "node_uname_info", "process_cpu_seconds_total", "process_resident_memory_bytes"]


def instant(base, query, at):
    code, answer = get(base, "/api/v1/query?" + urllib.parse.urlencode({"query": query, "time": "%.3f" % at}))
    if code != 200 or answer.get("status") != "success":
        return None
    return {json.dumps(r["metric"], sort_keys=True): r["value"][1] for r in answer["data"]["result"]}


def main():
    vigil_server, agent = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    procs = []
    check = Checks()
    try:
        ne, prom_port, vigil_port, agent_port = free_port(), free_port(), free_port(), free_port()
        target = "127.0.0.1:%d" % ne
        # Debian's node_exporter changes two of upstream 1.5's defaults (it leaves out lo and
        # mounts under /run, /mnt and /media); the agent keeps upstream's, so it is compared
        # with node_exporter running with those.
        procs.append(subprocess.Popen(["prometheus-node-exporter", "--web.listen-address=" + target,
                                       "--collector.netdev.device-exclude=^$",
                                       "--collector.filesystem.mount-points-exclude=" + UPSTREAM_MOUNT_POINTS_EXCLUDE],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(os.path.join(work, "prom.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: node\n"
                    "  static_configs: [{targets: ['%s']}]\n" % target)
        procs.append(subprocess.Popen(
            ["prometheus", "--config.file=" + os.path.join(work, "prom.yml"),
             "--storage.tsdb.path=" + os.path.join(work, "prom"), "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(os.path.join(work, "server.ini"), "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s\nself_metrics_interval = 0s\n"
                    % (vigil_port, os.path.join(work, "vigil")))
        procs.append(subprocess.Popen([vigil_server, "--config", os.path.join(work, "server.ini")],
                                      stderr=open(os.path.join(work, "server.log"), "w")))
        with open(os.path.join(work, "agent.ini"), "w") as f:
            f.write("[agent]\nnode_name = %s\ninterval = 1s\ndata_dir = %s\npush_self_metrics = false\n"
                    "[http]\nlisten = 127.0.0.1:%d\n[remote_write.central]\nurl = http://127.0.0.1:%d/api/v1/write\n"
                    "batch_send_deadline = 1s\n" % (target, os.path.join(work, "agent"), agent_port, vigil_port))
        procs.append(subprocess.Popen([agent, "--config", os.path.join(work, "agent.ini")],
                                      stderr=open(os.path.join(work, "agent.log"), "w")))
        prom, vigil = "http://127.0.0.1:%d" % prom_port, "http://127.0.0.1:%d" % vigil_port
        if not (wait(prom) and wait(vigil)):
            print("FAIL: the servers did not start")
            sys.exit(1)
        # Both sides collect every second; 35 s fill the 30 s windows. Queried at one instant a
        # couple of seconds back, so that both have received what was collected before it.
        time.sleep(35)
        at = time.time() - 3
        for query, values_too in PANELS:
            p, v = instant(prom, query, at), instant(vigil, query, at)
            if p is None or v is None or not p:
                check(False, "%s: prometheus %s, vigil %s" % (query, "error" if p is None else "%d series" % len(p),
                                                              "error" if v is None else "%d series" % len(v)))
                continue
            same_series = sorted(p) == sorted(v)
            detail = "" if same_series else " (only prometheus: %s; only vigil: %s)" % (
                sorted(set(p) - set(v))[:3], sorted(set(v) - set(p))[:3])
            check(same_series, "%s: the same %d series%s" % (query, len(p), detail))
            if values_too and same_series:
                differ = [k for k in p if float(p[k]) != float(v[k])]
                check(not differ, "%s: the same values%s" % (
                    query, "" if not differ else " (differ: %s prometheus %s vigil %s)" % (differ[0], p[differ[0]], v[differ[0]])))
        for metric in METADATA:
            _, pm = get(prom, "/api/v1/metadata?metric=" + metric)
            _, vm = get(vigil, "/api/v1/metadata?metric=" + metric)
            p_entry = (pm.get("data") or {}).get(metric, [{}])[0]
            v_entry = (vm.get("data") or {}).get(metric, [{}])[0]
            check(p_entry and (p_entry.get("type"), p_entry.get("help")) == (v_entry.get("type"), v_entry.get("help")),
                  "metadata of %s: prometheus %s, vigil %s" % (metric, p_entry, v_entry))
    finally:
        for p in procs:
            p.kill()
            p.wait()
        if check.failed:
            for name in ("server.log", "agent.log"):
                path = os.path.join(work, name)
                if os.path.exists(path):
                    print("--- %s (last lines)\n%s" % (name, "".join(open(path).readlines()[-10:])))
        shutil.rmtree(work, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
