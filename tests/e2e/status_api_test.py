"""The status and discovery endpoints that clients probe, beside the real Prometheus 2.42: each
answers with the same status and the same shape (the data's type and, for objects, its keys),
so Grafana, promtool and dashboards that look at them do not fail on vigil-server.

  python3 status_api_test.py VIGIL_SERVER
"""
import os
import shutil
import subprocess
import sys
import tempfile

from loopback import free_port, get, wait

# Endpoint, and whether the data's keys must be the same: runtimeinfo's may have more, and
# flags' are each one's own settings (only their shape, an object of strings, is compared).
ENDPOINTS = [
    ("/api/v1/status/buildinfo", True),
    ("/api/v1/status/runtimeinfo", False),
    ("/api/v1/status/flags", None),
    ("/api/v1/status/config", True),
    ("/api/v1/status/tsdb", True),
    ("/api/v1/targets", True),
    ("/api/v1/targets/metadata", True),
    ("/api/v1/alertmanagers", True),
    ("/api/v1/labels", True),
    ("/api/v1/metadata", True),
    ("/api/v1/query_exemplars?query=up", True),
    ("/api/v1/query?query=1&stats=1", True),
]
# Keys Prometheus has that Vigil answers without, each for a reason.
RUNTIMEINFO_NOT_GO = {"GOMEMLIMIT"}  # a Go runtime setting; the others are answered as defaults


def shape(value):
    return type(value).__name__


def main():
    work = tempfile.mkdtemp()
    procs = []
    passed = failed = 0
    try:
        prom_port, vigil_port = free_port(), free_port()
        with open(os.path.join(work, "prom.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 15s\n")
        procs.append(subprocess.Popen(
            ["prometheus", "--config.file=" + os.path.join(work, "prom.yml"),
             "--storage.tsdb.path=" + os.path.join(work, "prom"),
             "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(os.path.join(work, "server.ini"), "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s\n" % (vigil_port, os.path.join(work, "vigil")))
        procs.append(subprocess.Popen([sys.argv[1], "--config", os.path.join(work, "server.ini")],
                                      stderr=subprocess.DEVNULL))
        prom, vigil = "http://127.0.0.1:%d" % prom_port, "http://127.0.0.1:%d" % vigil_port
        if not (wait(prom) and wait(vigil)):
            print("FAIL: the servers did not start")
            sys.exit(1)
        for path, same_keys in ENDPOINTS:
            ps, pb = get(prom, path)
            vs, vb = get(vigil, path)
            problems = []
            if ps != vs or pb.get("status") != vb.get("status"):
                problems.append("status %s %s, vigil %s %s" % (ps, pb.get("status"), vs, vb.get("status")))
            pd, vd = pb.get("data"), vb.get("data")
            if shape(pd) != shape(vd):
                problems.append("data is %s, vigil's %s" % (shape(pd), shape(vd)))
            elif same_keys is None:
                if not all(isinstance(v, str) for v in vd.values()):
                    problems.append("values that are not strings")
            elif isinstance(pd, dict):
                missing = set(pd) - set(vd) - (RUNTIMEINFO_NOT_GO if path.endswith("runtimeinfo") else set())
                extra = set(vd) - set(pd)
                if missing or (same_keys and extra):
                    problems.append("keys missing %s, extra %s" % (sorted(missing), sorted(extra)))
                for k in set(pd) & set(vd):
                    if shape(pd[k]) != shape(vd[k]):
                        problems.append("%s is %s, vigil's %s" % (k, shape(pd[k]), shape(vd[k])))
                # The query stats, one level further down: the console shows them.
                for part in ("timings", "samples"):
                    pk, vk = set(pd.get("stats", {}).get(part, {})), set(vd.get("stats", {}).get(part, {}))
                    if pk != vk:
                        problems.append("stats.%s keys %s, vigil's %s" % (part, sorted(pk), sorted(vk)))
            if problems:
                failed += 1
                print("FAIL: %s: %s" % (path, "; ".join(problems)))
            else:
                passed += 1
                print("ok: %s answers in Prometheus's shape" % path)
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
