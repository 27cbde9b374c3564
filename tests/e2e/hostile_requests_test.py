"""Requests anyone can send, against a running vigil-server: queries that nest without end,
snappy bodies that lie about their size or expand past the configured bound, and the limits
server.ini sets. Each must be refused with its status and message while the server keeps
answering /-/ready within a second and gives the memory back.

  python3 hostile_requests_test.py VIGIL_SERVER
"""
import http.client
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from loopback import free_port

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok: " + name)
    else:
        failed += 1
        print("FAIL: " + name + (" -- " + detail if detail else ""))


class Server:
    def __init__(self, binary, work, name, extra=""):
        self.binary = binary
        self.port = free_port()
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "server.ini")
        with open(self.conf, "w") as f:
            # Not storing its own metrics: the memory checks measure what requests leave behind,
            # and a head taking samples every 15 s grows by design.
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s/data\nself_metrics_interval = 0s\n%s"
                    % (self.port, self.dir, extra))
        self.log = open(os.path.join(self.dir, "server.log"), "a")
        self.start()

    def start(self):
        # One malloc arena: with one per pool thread, which threads happened to parse a round's
        # queries decides how many arenas hold freed memory, and a second round could add an
        # arena's worth to RSS while keeping nothing (measured: +4.7 MB with arenas, +0.9 MB
        # with one).
        self.proc = subprocess.Popen([self.binary, "--config", self.conf], stderr=self.log,
                                     env=dict(os.environ, MALLOC_ARENA_MAX="1"))
        for _ in range(100):
            if self.ready(1.0):
                return
            time.sleep(0.1)
        raise RuntimeError("vigil-server did not start")

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, body); status 0 and the error when no answer came (the server died)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            return 0, "no answer: %r" % e
        finally:
            c.close()

    def query(self, params, path="/api/v1/query"):
        return self.request("POST", path, urllib.parse.urlencode(params),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def ready(self, within):
        try:
            return self.request("GET", "/-/ready", timeout=within)[0] == 200
        except OSError:
            return False

    def rss_mb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return -1

    def alive_and_ready(self, name):
        alive = self.proc.poll() is None
        check(name + ": the server is running and answers /-/ready within 1 s", alive and self.ready(1.0),
              "" if alive else "it exited with %s" % self.proc.returncode)
        if not alive:  # so that the next case is tried on its own
            self.start()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, payload):  # a length-delimited protobuf field
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def write_request(name, value, ts_ms, padding=0):
    """A WriteRequest of one series and one sample; `padding` zero bytes in an unknown field,
    which a receiver must skip."""
    labels = field(1, field(1, b"__name__") + field(2, name.encode()))
    sample = b"\x09" + struct.pack("<d", value) + b"\x10" + varint(ts_ms)
    message = field(1, labels + field(2, sample))
    if padding:
        message += varint(15 << 3 | 2) + varint(padding)
    return message, padding


def snappy(prefix, zeros):
    """Snappy's block format written by hand: `prefix` as literals, then `zeros` zero bytes as
    one literal zero and copies of 64 bytes at offset 1, the densest encoding there is."""
    out = bytearray(varint(len(prefix) + zeros))
    for i in range(0, len(prefix), 60):
        chunk = prefix[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
    if zeros:
        out += b"\x00\x00"  # a literal of one zero byte
        left = zeros - 1
        while left:
            n = min(64, left)
            out += bytes([((n - 1) << 2) | 2]) + struct.pack("<H", 1)
            left -= n
    return bytes(out)


REMOTE_WRITE = {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                "X-Prometheus-Remote-Write-Version": "0.1.0"}
DEEP = "expression nests more than 1000 levels deep"


def deep_queries(s):
    # GET, as the attacker sent it: parentheses need no escaping in a query string.
    status, body = s.request("GET", "/api/v1/query?query=" + "(" * 20000 + "1" + ")" * 20000)
    check("20,000 nested parentheses (GET): 400 parse error", status == 400 and DEEP in body, body[:200])
    s.alive_and_ready("nested parentheses")
    cases = [
        ("50,000 nested abs( (250 KB)", "abs(" * 50000 + "1" + ")" * 50000),
        ("100,000 unary minus", "-" * 100000 + "1"),
        ("1 followed by ^1 100,000 times", "1" + "^1" * 100000),
        ("1 followed by +1 10,000 times", "1" + "+1" * 10000),
        ("1 followed by +1 100,000 times (200 KB)", "1" + "+1" * 100000),
        ("a range query of 10,000 nested sum(", "sum(" * 10000 + "up" + ")" * 10000),
    ]
    for name, q in cases:
        params = {"query": q}
        path = "/api/v1/query"
        if name.startswith("a range query"):
            params.update(start="0", end="3600", step="15")
            path = "/api/v1/query_range"
        t = time.time()
        status, body = s.query(params, path)
        check("%s: 400 parse error (%.3f s)" % (name, time.time() - t),
              status == 400 and '"errorType":"bad_data"' in body and DEEP in body, body[:200])
        s.alive_and_ready(name)
    status, body = s.query({"query": "(" * 20000 + "1" + ")" * 20000}, "/api/v1/format_query")
    check("format_query of 20,000 parentheses: 400 parse error", status == 400 and DEEP in body, body[:200])
    status, body = s.query({"match[]": "(" * 20000 + "up" + ")" * 20000}, "/api/v1/series")
    check("a series selector of 20,000 parentheses: 400", status == 400 and DEEP in body, body[:200])
    # The deepest accepted evaluates (a worker's stack holds it).
    status, body = s.query({"query": "1" + "+1" * 999})
    check("1 followed by +1 999 times evaluates to 1000", status == 200 and '"1000"' in body, body[:200])


def deep_queries_twice(s):
    """The deep queries, then again: what parsing them takes stays in the pool threads' malloc
    arenas for their next queries (bounded by [query] max_length: a token is ~40 bytes), but a
    second round must not add to it: nothing is kept per request."""
    before = s.rss_mb()
    deep_queries(s)
    first = s.rss_mb()
    check("RSS after the deep queries %.1f MB, within 64 MB of before (%.1f MB)" % (first, before),
          first < before + 64)
    deep_queries(s)
    second = s.rss_mb()
    check("RSS after them again %.1f MB, within 4 MB of after the first round" % second, second < first + 4)


def wide_query_keeps_the_loop_free(s):
    # A megabyte is refused before it is parsed: [query] max_length (256 KB by default).
    big = "{__name__=\"none\"" + "".join(',l%d="%d"' % (i, i) for i in range(60000)) + "}"
    t = time.time()
    status, body = s.query({"query": big})
    check("a %d KB query: 400 naming [query] max_length (%.3f s)" % (len(big) >> 10, time.time() - t),
          status == 400 and "max_length" in body, body[:200])
    # 250 KB of matchers: valid, wide, not deep. Its parsing runs off the loop, so /-/ready
    # answers within a second while it is under way.
    q = "{__name__=\"none\"" + "".join(',l%d="%d"' % (i, i) for i in range(17000)) + "}"
    answer = {}

    def run():
        t = time.time()
        answer["status"], answer["body"] = s.query({"query": q})
        answer["seconds"] = time.time() - t

    worker = threading.Thread(target=run)
    worker.start()
    ready_times = []
    while worker.is_alive() and len(ready_times) < 50:
        t = time.time()
        ok = s.ready(1.0)
        ready_times.append(time.time() - t if ok else 99)
    worker.join(60)
    check("a %d KB query answers (%s, %.3f s)" % (len(q) >> 10, answer.get("status"), answer.get("seconds", -1)),
          answer.get("status") == 200, answer.get("body", "")[:200])
    check("/-/ready answered within 1 s while it ran (slowest %.3f s of %d)" %
          (max(ready_times or [0]), len(ready_times)), all(t < 1.0 for t in ready_times))


def lying_snappy_headers(s):
    before = s.rss_mb()
    # 21 bytes whose length header claims 120 MB, four at once.
    body = varint(120_000_000) + b"\x00" * 17
    assert len(body) == 21
    results = []

    def send():
        results.append(s.request("POST", "/api/v1/write", body, REMOTE_WRITE))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check("4 bodies of 21 bytes claiming 120 MB: each 400 naming the claim",
          len(results) == 4 and all(st == 400 and "claims 120000000 bytes" in b for st, b in results),
          str(results)[:300])
    after = s.rss_mb()
    check("RSS after them %.1f MB, within 16 MB of before (%.1f MB)" % (after, before), after < before + 16)
    s.alive_and_ready("lying snappy headers")


def expansion_bound(s):
    before = s.rss_mb()
    prefix, zeros = write_request("bomb", 1.0, int(time.time() * 1000), padding=40 << 20)
    body = snappy(prefix, zeros)
    status, text = s.request("POST", "/api/v1/write", body, REMOTE_WRITE)
    check("a %.2f MB body expanding to 40 MB, over the 8 MB bound: 400" % (len(body) / 1048576.0),
          status == 400 and "over the limit of 8388608" in text, "%d %s" % (status, text[:200]))
    status, text = s.query({"query": "count(bomb)"})
    check("nothing of it was stored", status == 200 and '"result":[]' in text, text[:200])
    after = s.rss_mb()
    check("RSS after it %.1f MB, within 16 MB of before (%.1f MB)" % (after, before), after < before + 16)
    s.alive_and_ready("expansion bound")
    # The same series within the bound is taken: the refusal was the size, nothing else.
    prefix, zeros = write_request("bomb", 1.0, int(time.time() * 1000), padding=4 << 20)
    status, text = s.request("POST", "/api/v1/write", snappy(prefix, zeros), REMOTE_WRITE)
    check("the same series expanding to 4 MB: 204", status == 204, "%d %s" % (status, text[:200]))
    status, text = s.query({"query": "count(bomb)"})
    check("and it is stored", status == 200 and '"value":[' in text and '"1"]' in text, text[:200])


def configured_limits(s):
    headers = {"X-Extra-%d" % i: "x" for i in range(25)}
    status, text = s.request("GET", "/-/ready", headers=headers)
    check("25 header fields over max_header_count = 20: 431", status == 431, "%d %s" % (status, text[:100]))
    status, text = s.request("GET", "/-/ready", headers={"X-Big": "x" * 9000})
    check("a 9 KB header over max_header_size = 8KB: 431", status == 431, "%d %s" % (status, text[:100]))
    status, text = s.query({"query": "1", "start": "0", "end": "1000", "step": "1"}, "/api/v1/query_range")
    check("1000 points over max_points_per_series = 500: 400",
          status == 400 and "exceeded maximum resolution of 500 points per timeseries" in text, text[:200])
    status, text = s.query({"query": "1", "timeout": "0s"})
    check("a query past its timeout parameter: 503 timeout",
          status == 503 and '"errorType":"timeout"' in text, "%d %s" % (status, text[:200]))
    status, text = s.request("GET", "/api/v1/status/flags")
    check("/api/v1/status/flags shows [query] as set", '"query.lookback-delta":"1m"' in text and
          '"query.max-samples":"1000000"' in text and '"query.timeout":"20s"' in text, text[:300])
    # read_timeout = 1s: a request that never finishes gets 408.
    c = socket.create_connection(("127.0.0.1", s.port))
    c.settimeout(10)
    c.sendall(b"GET /-/ready HTTP/1.1\r\nHost: x\r\n")
    t = time.time()
    reply = c.recv(4096)
    c.close()
    check("a request unfinished after read_timeout = 1s: 408 (after %.1f s)" % (time.time() - t),
          reply.startswith(b"HTTP/1.1 408") and time.time() - t < 5, reply[:80])
    # max_connections = 8: a ninth connection is closed at once, and the server serves again
    # when the others go.
    held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(8)]
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", s.port))
    extra.settimeout(5)
    try:
        extra.sendall(b"GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = extra.recv(4096) == b""
    except OSError:
        refused = True
    extra.close()
    check("a ninth connection over max_connections = 8 is closed", refused)
    for h in held:
        h.close()
    time.sleep(0.3)
    s.alive_and_ready("connection limit")


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp()
    servers = []
    try:
        defaults = Server(binary, work, "defaults")
        servers.append(defaults)
        deep_queries_twice(defaults)
        wide_query_keeps_the_loop_free(defaults)
        lying_snappy_headers(defaults)
        tight = Server(binary, work, "tight", "max_request_size = 2MB\nmax_header_count = 20\n"
                       "max_header_size = 8KB\nread_timeout = 1s\nmax_connections = 8\n"
                       "[query]\nmax_points_per_series = 500\ntimeout = 20s\nmax_samples = 1000000\n"
                       "lookback_delta = 1m\n")
        servers.append(tight)
        expansion_bound(tight)
        configured_limits(tight)
    finally:
        for s in servers:
            s.stop()
        if failed:
            for s in servers:
                with open(os.path.join(s.dir, "server.log")) as f:
                    print("--- %s log, last lines:" % s.dir)
                    print("".join(f.readlines()[-15:]))
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
