"""vigil-agent reloaded again and again while it pushes, every second, the node and two local
pages (one of them with 500 series) to vigil-server, and for a while to the real Prometheus 2.42
as a second destination. Reloads (POST /-/reload and SIGHUP) add the destination, change
[labels], remove a scrape target, are refused (a file with an error, a changed data_dir),
remove the destination, add it back and delete its cursor. Then, counted at the server:

- every page the kept target served is stored, once: its sequence numbers 1..N, whatever the
  labels were at the time, and each of its 500 series has N samples;
- the node's series have a sample every interval across all reloads (no gap of two);
- the removed target's series are stale (the instant query is empty well within the 5 m
  lookback), and the refused files changed nothing (vigil_config_last_reload_successful 0, the
  labels and targets of the running file went on);
- the added destination got the log from its oldest data, and after being removed and added
  back it resumed from its kept cursor: Prometheus has no gap either.

  python3 agent_reload_test.py VIGIL_AGENT VIGIL_SERVER
"""
import http.server
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from loopback import Checks, free_port, get, wait

LOAD_SERIES = 500
INTERVAL = 1.0
check = Checks()


class Pages:
    """/keep: a sequence number (one more each time it is served) and LOAD_SERIES series;
    /gone: one series. Counts what it served."""

    def __init__(self):
        self.served = 0
        self.lock = threading.Lock()
        pages = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/keep":
                    with pages.lock:
                        pages.served += 1
                        n = pages.served
                    lines = ["# TYPE reload_test_seq gauge", "reload_test_seq %d" % n]
                    lines += ['reload_test_load{i="%d"} %d' % (i, n) for i in range(LOAD_SERIES)]
                else:
                    lines = ["reload_test_gone 1"]
                body = ("\n".join(lines) + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.open = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        if self.open:
            self.open = False
            self.server.shutdown()
            self.server.server_close()


def agent_ini(work, ports, labels="", destinations=("central",), scrapes=("keep", "gone"), extra="",
              central=""):
    text = "[agent]\nnode_name = reload-node\ninterval = 1s\ndata_dir = %s\n%s" % (
        os.path.join(work, "agent"), extra)
    text += "[http]\nlisten = 127.0.0.1:%d\n" % ports["agent"]
    if labels:
        text += "[labels]\n" + labels + "\n"
    urls = {"central": ports["server"], "second": ports["prom"]}
    for d in destinations:
        text += ("[remote_write.%s]\nurl = http://127.0.0.1:%d/api/v1/write\nbatch_send_deadline = 200ms\n"
                 "max_backoff = 1s\n%s" % (d, urls[d], central if d == "central" else ""))
    for s in scrapes:
        text += "[scrape.%s]\nurl = http://127.0.0.1:%d/%s\ninterval = 1s\n" % (s, ports["pages"], s)
    return text


def metric(base, name, labels=""):
    """A self-metric's value from BASE/metrics, or None."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split()[1])
    return None


def post_reload(base):
    """(status, body) of POST /-/reload."""
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/-/reload", method="POST"), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def raw_samples(base, selector, at):
    """{labels without __name__ as a sorted tuple: [(t, value)]} of SELECTOR's samples in the
    10 minutes before AT, as stored (a range selector answers them unchanged)."""
    q = urllib.parse.urlencode({"query": "%s[10m]" % selector, "time": "%.3f" % at})
    code, body = get(base, "/api/v1/query?" + q)
    if code != 200:
        return {}
    out = {}
    for r in body["data"]["result"]:
        key = tuple(sorted((k, v) for k, v in r["metric"].items() if k != "__name__"))
        out[key] = [(float(t), float(v)) for t, v in r["values"]]
    return out


def largest_gap(samples_by_series):
    """The largest time between consecutive samples of all the series' samples together."""
    times = sorted(t for samples in samples_by_series.values() for t, _ in samples)
    return max((b - a for a, b in zip(times, times[1:])), default=None), times


def main():
    agent_bin, server_bin = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    procs = []
    pages = Pages()
    try:
        ports = {"agent": free_port(), "server": free_port(), "prom": free_port(), "pages": pages.port}
        with open(os.path.join(work, "server.ini"), "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s\n"
                    % (ports["server"], os.path.join(work, "server")))
        with open(os.path.join(work, "prom.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1m\n")
        procs.append(subprocess.Popen([server_bin, "--config", os.path.join(work, "server.ini")],
                                      stderr=open(os.path.join(work, "server.log"), "w")))
        procs.append(subprocess.Popen(
            ["prometheus", "--config.file=" + os.path.join(work, "prom.yml"),
             "--storage.tsdb.path=" + os.path.join(work, "prom"), "--web.enable-remote-write-receiver",
             "--web.listen-address=127.0.0.1:%d" % ports["prom"]],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        server, prom = "http://127.0.0.1:%d" % ports["server"], "http://127.0.0.1:%d" % ports["prom"]
        agent = "http://127.0.0.1:%d" % ports["agent"]
        ini = os.path.join(work, "agent.ini")

        def write(text):
            with open(ini, "w") as f:
                f.write(text)

        write(agent_ini(work, ports))
        agent_log = open(os.path.join(work, "agent.log"), "w")
        agent_proc = subprocess.Popen([agent_bin, "--config", ini], stderr=agent_log)
        procs.append(agent_proc)
        if not (wait(server) and wait(prom) and wait(agent)):
            print("FAIL: the processes did not start")
            sys.exit(1)
        check(metric(agent, "vigil_config_last_reload_successful") == 1,
              "at start vigil_config_last_reload_successful is 1")
        started_ok = metric(agent, "vigil_config_last_reload_success_timestamp_seconds")
        check(started_ok is not None and abs(started_ok - time.time()) < 60,
              "at start the success timestamp is the start (%s)" % started_ok)
        time.sleep(4)

        # 1. A destination added, by POST: it starts at the oldest data the log holds.
        write(agent_ini(work, ports, destinations=("central", "second")))
        added_at = time.time()
        code, body = post_reload(agent)
        check(code == 200 and body == "", "adding a destination: POST /-/reload answers 200 (%d %r)" % (code, body))
        last_ok = metric(agent, "vigil_config_last_reload_success_timestamp_seconds")
        check(last_ok is not None and last_ok > started_ok, "the success timestamp moved on")
        time.sleep(3)

        # 2. [labels] changed, by SIGHUP: every series takes the label at its next interval. The
        # central destination changes too: its new sender goes on from the old one's place.
        changed = "max_samples_per_send = 700\nshards = 2\n"
        write(agent_ini(work, ports, labels="region = b", destinations=("central", "second"), central=changed))
        agent_proc.send_signal(signal.SIGHUP)
        for _ in range(50):
            if metric(agent, "vigil_config_last_reload_success_timestamp_seconds") != last_ok:
                break
            time.sleep(0.1)
        relabeled = metric(agent, "vigil_config_last_reload_success_timestamp_seconds")
        check(relabeled != last_ok, "SIGHUP reloads: the success timestamp moved on")
        time.sleep(3)

        # 3. A scrape target removed.
        write(agent_ini(work, ports, labels="region = b", destinations=("central", "second"), scrapes=("keep",),
                        central=changed))
        code, _ = post_reload(agent)
        gone_at = time.time()
        check(code == 200, "removing [scrape.gone]: 200")
        last_good = metric(agent, "vigil_config_last_reload_success_timestamp_seconds")
        time.sleep(3)

        # 4. Refused: a file with an error (it also drops [scrape.keep] and the labels, which
        # must all stay), and a change to data_dir, which is read at start only.
        bad = agent_ini(work, ports, destinations=("central", "second"), scrapes=(), extra="intervall = 2s\n")
        write(bad)
        code, body = post_reload(agent)
        check(code == 500 and "intervall" in body,
              "a file with an unknown key is refused: 500 naming it (%d %r)" % (code, body.strip()))
        check(metric(agent, "vigil_config_last_reload_successful") == 0, "vigil_config_last_reload_successful is 0")
        check(metric(agent, "vigil_config_last_reload_success_timestamp_seconds") == last_good,
              "the success timestamp stays at the last good reload")
        agent_proc.send_signal(signal.SIGHUP)  # the same by signal: still refused, still running
        time.sleep(1)
        check(agent_proc.poll() is None and metric(agent, "vigil_config_last_reload_successful") == 0,
              "SIGHUP with the bad file: still running, still 0")
        moved = agent_ini(work, ports, labels="region = b", destinations=("central", "second"), scrapes=("keep",),
                          central=changed).replace(os.path.join(work, "agent"), os.path.join(work, "elsewhere"))
        write(moved)
        code, body = post_reload(agent)
        check(code == 500 and "[agent] data_dir" in body,
              "a changed data_dir is refused, naming the key (%d %r)" % (code, body.strip()))
        check(not os.path.exists(os.path.join(work, "elsewhere")), "and no second log was made")
        time.sleep(2)

        # 5. The second destination removed: its cursor stays, and adding it back resumes there.
        write(agent_ini(work, ports, labels="region = b", scrapes=("keep",), central=changed))
        code, _ = post_reload(agent)
        removed_at = time.time()
        check(code == 200 and metric(agent, "vigil_config_last_reload_successful") == 1,
              "removing the destination: 200, vigil_config_last_reload_successful back to 1")
        cursor_file = os.path.join(work, "agent", "wal", "cursors", "second")
        time.sleep(4)
        check(os.path.exists(cursor_file), "the removed destination's WAL cursor file remains")
        pending = metric(agent, "vigil_wal_pending_bytes", '{destination="second"}')
        check(pending is not None and pending > 0,
              "its cursor is still in the log, falling behind (vigil_wal_pending_bytes %s)" % pending)
        write(agent_ini(work, ports, labels="region = b", destinations=("central", "second"), scrapes=("keep",),
                        central=changed))
        code, _ = post_reload(agent)
        check(code == 200, "adding it back: 200")
        time.sleep(4)

        # 6. Removed again with its cursor deleted by [agent] delete_cursors.
        write(agent_ini(work, ports, labels="region = b", scrapes=("keep",), extra="delete_cursors = second\n",
                        central=changed))
        code, _ = post_reload(agent)
        check(code == 200, "removing it with delete_cursors = second: 200")
        for _ in range(50):  # deleted once its sender has settled its last window
            if not os.path.exists(cursor_file):
                break
            time.sleep(0.1)
        check(not os.path.exists(cursor_file), "its cursor file is gone")
        check(metric(agent, "vigil_wal_pending_bytes", '{destination="second"}') is None,
              "and the log no longer lists its cursor")
        time.sleep(2)

        # The end: the pages go first (closing waits for the pages being served), so that
        # every page served reached the agent; then the agent stops, pushing what is left.
        pages.close()
        served = pages.served
        time.sleep(2)
        agent_proc.send_signal(signal.SIGTERM)
        check(agent_proc.wait(30) == 0, "the agent stops cleanly")
        end = time.time()

        # Counted at the server.
        seq = raw_samples(server, 'reload_test_seq{job="keep"}', end)
        values = sorted(v for samples in seq.values() for _, v in samples)
        check(values == [float(n) for n in range(1, served + 1)],
              "every page the kept target served is stored once: %d of %d (%d label sets)"
              % (len(values), served, len(seq)))
        check(sorted(dict(k).get("region", "") for k in seq) == ["", "b"],
              "its series carry region=b from the change on, and not before")
        load = raw_samples(server, 'reload_test_load{job="keep"}', end)
        per_series = {}
        for key, samples in load.items():
            i = dict(key)["i"]
            per_series[i] = per_series.get(i, 0) + len(samples)
        check(len(per_series) == LOAD_SERIES and set(per_series.values()) == {served},
              "each of the %d load series has a sample from every page (%s)"
              % (LOAD_SERIES, sorted(set(per_series.values()))))
        for name in ('up{job="node"}', 'node_time_seconds{job="node"}', 'up{job="keep"}'):
            gap, times = largest_gap(raw_samples(server, name, end))
            check(gap is not None and len(times) > 20 and gap < 1.9 * INTERVAL,
                  "%s has a sample every interval across the reloads (%d samples, largest gap %.3fs)"
                  % (name, len(times), gap or -1))
        q = urllib.parse.urlencode({"query": 'up{job="gone"}', "time": "%.3f" % (gone_at + 5)})
        _, body = get(server, "/api/v1/query?" + q)
        gone = raw_samples(server, 'up{job="gone"}', gone_at + 5)
        check(gone and body["data"]["result"] == [],
              "the removed target's series went stale at once (%d samples before, none after)"
              % sum(len(s) for s in gone.values()))
        later = raw_samples(server, 'reload_test_gone', end)
        check(all(t < gone_at for samples in later.values() for t, _ in samples),
              "and nothing of it came after its removal")

        # The second destination: from the oldest data on, and no gap across its removal.
        pseq = raw_samples(prom, 'reload_test_seq{job="keep"}', end)
        ptimes = sorted(t for samples in pseq.values() for t, _ in samples)
        check(ptimes and ptimes[0] < added_at - 2,
              "Prometheus, added later, got the log from its oldest data (first sample %.1fs before the reload)"
              % (added_at - ptimes[0] if ptimes else 0))
        gap, _ = largest_gap({"": [(t, 0) for t in ptimes if t < removed_at + 4]})
        check(gap is not None and gap < 1.9 * INTERVAL,
              "and after it was removed and added back it resumed from its kept cursor (largest gap %.3fs)"
              % (gap or -1))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        pages.close()
        if check.failed:
            for log in ("agent.log", "server.log"):
                path = os.path.join(work, log)
                if os.path.exists(path):
                    print("--- %s (last 40 lines)" % log)
                    print("".join(open(path).readlines()[-40:]))
        shutil.rmtree(work, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
