"""[query] max_concurrency and max_queued against a running vigil-server: slow queries past the
bound wait and still succeed, a query whose timeout passes in the queue gets Prometheus's
"query timed out in query queue", past the queue every read endpoint answers 503 at once, and
all the while remote-write is stored and rules are evaluated, because queries have threads of
their own. Every check is an order of events, never a duration.

  python3 query_concurrency_test.py VIGIL_SERVER
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from loopback import Checks, free_port, wait

CONCURRENCY = 4  # as many as libuv's default pool: were queries on it, nothing else would run
QUEUED = 3
# About 2 s of one core per query in a release build, in 25 MB: long enough that every check
# below happens while the slow queries hold their threads.
SLOW = "count_over_time((vector(1) + vector(1) * vector(1))[16d:1s])"
SLOW_ANSWER = str(16 * 86400)

check = Checks()


def request(base, path, data=None, headers=None, timeout=120):
    """(status, body as text, headers)."""
    req = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def query(base, expr, **params):
    params["query"] = expr
    return request(base, "/api/v1/query", urllib.parse.urlencode(params).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})


def metrics(base):
    """{name with labels: value} from /metrics."""
    out = {}
    for line in request(base, "/metrics")[1].splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def until(predicate, what, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    print("gave up waiting for " + what)
    return False


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def length_delimited(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def remote_write_body(name, value, ts_ms):
    """One series, one sample, snappy-framed as literals only (valid, if not compressed)."""
    labels = length_delimited(1, length_delimited(1, b"__name__") + length_delimited(2, name.encode()))
    sample = b"\x09" + struct.pack("<d", value) + b"\x10" + varint(ts_ms)
    raw = length_delimited(1, labels + length_delimited(2, sample))
    out = bytearray(varint(len(raw)))
    for i in range(0, len(raw), 60):
        chunk = raw[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
    return bytes(out)


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="vigil-query-concurrency-")
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    with open(os.path.join(work, "rules.yml"), "w") as f:
        f.write("groups:\n- name: heartbeat\n  interval: 1s\n  rules:\n"
                "  - record: overload_test:one\n    expr: vector(1)\n")
    conf = os.path.join(work, "server.ini")
    with open(conf, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s/data\nself_metrics_interval = 0s\n"
                "[query]\nmax_concurrency = %d\nmax_queued = %d\n[rules]\nfiles = %s/rules.yml\n"
                % (port, work, CONCURRENCY, QUEUED, work))
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([binary, "--config", conf], stderr=log)
    try:
        check(wait(base), "the server starts")
        m = metrics(base)
        check(m.get("vigil_engine_queries_concurrent_max") == CONCURRENCY,
              "vigil_engine_queries_concurrent_max is [query] max_concurrency")

        # Running queries (queries - waiting) and the rule group's evaluations, sampled all along.
        rule_runs = 'vigil_rule_group_iterations_total{rule_group="%s/rules.yml;heartbeat"}' % work
        running_seen, rule_runs_seen = [], []
        stop_watching = threading.Event()

        def watch():
            while not stop_watching.is_set():
                m = metrics(base)
                running_seen.append(m.get("vigil_engine_queries", 0) - m.get("vigil_engine_queries_waiting", 0))
                rule_runs_seen.append(m.get(rule_runs, -1))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()

        # Six slow queries: four run, two wait.
        slow_answers = [None] * (CONCURRENCY + 2)
        answered = []

        def slow(i):
            slow_answers[i] = query(base, SLOW)
            answered.append(i)

        slow_threads = [threading.Thread(target=slow, args=(i,)) for i in range(len(slow_answers))]
        for t in slow_threads:
            t.start()
        full = until(lambda: metrics(base).get("vigil_engine_queries_waiting") == 2, "two queries waiting")
        m = metrics(base)
        check(full and m.get("vigil_engine_queries") == 6 and not answered,
              "six slow queries: %d running, %d waiting, none answered yet"
              % (m.get("vigil_engine_queries", 0) - m.get("vigil_engine_queries_waiting", 0),
                 m.get("vigil_engine_queries_waiting", 0)))

        # Ingestion goes on while every query thread is taken.
        now_ms = int(time.time() * 1000)
        status, body, _ = request(base, "/api/v1/write", remote_write_body("overload_test_written", 42, now_ms),
                                  {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                                   "X-Prometheus-Remote-Write-Version": "0.1.0"})
        check(status == 204 and not answered,
              "remote-write is answered 204 while the slow queries still run (%d %s, %d answered)"
              % (status, body.strip(), len(answered)))
        check(request(base, "/-/ready", timeout=1)[0] == 200 and not answered, "/-/ready answers meanwhile")

        # One more waits in the last place and times out there.
        timed_out = {}

        def short():
            timed_out["answer"] = query(base, "1", timeout="0.5")

        short_thread = threading.Thread(target=short)
        short_thread.start()
        until(lambda: metrics(base).get("vigil_engine_queries_waiting") == 3, "three queries waiting")

        # The queue is full: every read endpoint is turned away at once.
        status, body, _ = query(base, "1")
        answer = json.loads(body)
        check(status == 503 and answer.get("errorType") == "unavailable" and "max_queued" in answer.get("error", ""),
              "past the queue an instant query is answered 503 unavailable: %d %s" % (status, body))
        status, body, _ = request(base, "/api/v1/series?match[]=up")
        check(status == 503 and json.loads(body).get("errorType") == "unavailable",
              "so is /api/v1/series: %d %s" % (status, body))
        status, body, _ = request(base, "/federate?match[]=up")
        check(status == 503 and "max_queued" in body, "so is /federate, as text: %d %s" % (status, body.strip()))
        check(not answered, "all this while the slow queries still ran")

        short_thread.join()
        status, body, _ = timed_out["answer"]
        answer = json.loads(body)
        check(status == 503 and answer.get("errorType") == "timeout"
              and answer.get("error") == "query timed out in query queue",
              "a query whose timeout passes in the queue gets Prometheus's answer: %d %s" % (status, body))

        for t in slow_threads:
            t.join()
        stop_watching.set()
        watcher.join()
        good = [a for a in slow_answers if a and a[0] == 200 and SLOW_ANSWER in a[1]]
        check(len(good) == len(slow_answers),
              "every slow query, those that waited too, is answered 200 with its value (%d of %d)"
              % (len(good), len(slow_answers)))
        # The samples taken while all four threads were busy: did the group's count move then?
        busy = [runs for running, runs in zip(running_seen, rule_runs_seen) if running == CONCURRENCY]
        check(len(busy) > 1 and busy[-1] > busy[0],
              "the rule group was evaluated while every query thread was taken (%s -> %s)"
              % (busy[0] if busy else None, busy[-1] if busy else None))
        check(running_seen and max(running_seen) == CONCURRENCY,
              "no more than %d ever ran at once (most seen: %s, in %d samples)"
              % (CONCURRENCY, max(running_seen) if running_seen else None, len(running_seen)))

        m = metrics(base)
        check(m.get("vigil_engine_queries") == 0 and m.get("vigil_engine_queries_waiting") == 0,
              "nothing is left running or waiting")
        check(m.get('vigil_engine_queries_refused_total{reason="queue_full"}') == 3
              and m.get('vigil_engine_queries_refused_total{reason="timeout"}') == 1,
              "the refusals are counted by reason")
        check(m.get('vigil_rule_group_iterations_missed_total{rule_group="%s/rules.yml;heartbeat"}' % work) == 0,
              "no rule evaluation was missed")
        status, body, _ = query(base, "overload_test_written")
        check(status == 200 and '"42"' in body, "the sample written meanwhile is there: %s" % body)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if check.failed:
            print("server log kept in " + work)
        else:
            shutil.rmtree(work)
    check.finish()


if __name__ == "__main__":
    main()
