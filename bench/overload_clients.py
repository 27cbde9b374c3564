"""The readers and the slow clients of bench/overload.sh, against one vigil-server for a
bounded time: QUERIERS threads running a heavy range query in a loop, and SLOW connections,
half of them slowloris (a request's header one byte a second, again after each 408) and half
clients that send requests and never read the answers. Prints one JSON object of counts and
latencies at the end.

  python3 overload_clients.py BASE_URL SECONDS QUERIERS SLOW QUERY
"""
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[int(q * (len(values) - 1))]


def querier(host, port, end, expr, out, lock):
    """Range queries over the last five minutes, one after another, on one connection."""
    conn = None
    while time.monotonic() < end:
        now = time.time()
        params = urllib.parse.urlencode({"query": expr, "start": now - 300, "end": now, "step": "5s"})
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=180)
            conn.request("POST", "/api/v1/query_range", params,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            body = r.read()
            status = r.status
            kind = "%d" % status
            if status == 503:
                kind = "503 " + json.loads(body).get("errorType", "?")
            elif status != 200:
                kind = "%d %s" % (status, body[:120].decode("utf-8", "replace"))
        except (OSError, http.client.HTTPException, ValueError) as e:
            kind = "no answer: %s" % type(e).__name__
            conn = None
        elapsed = time.monotonic() - started
        with lock:
            out["answers"][kind] = out["answers"].get(kind, 0) + 1
            if kind == "200":
                out["latency_ok"].append(elapsed)
            elif kind.startswith("503"):
                out["latency_refused"].append(elapsed)
        if kind.startswith("503 unavailable"):
            time.sleep(1)  # as a dashboard would, rather than spin on a full queue


class SlowClients:
    """Non-blocking sockets, visited once a second: slowloris and never-reading clients."""

    def __init__(self, host, port, count, end):
        self.host, self.port, self.end = host, port, end
        self.stats = {"slowloris_connections": 0, "slowloris_408": 0, "slowloris_other_answer": 0,
                      "slowloris_closed_without_answer": 0, "unread_connections": 0,
                      "unread_requests_sent": 0, "connect_refused": 0}
        self.slowloris = []  # [socket, bytes of the header left, answer so far]
        self.unread = []
        self.header = (b"GET /api/v1/status/buildinfo HTTP/1.1\r\nHost: vigil\r\n" +
                       b"X-Padding: " + b"a" * 4000 + b"\r\n\r\n")
        for i in range(count):
            if i % 2 == 0:
                self.open_slowloris()
            else:
                self.open_unread()

    def connect(self):
        s = socket.socket()
        # A small receive window: what a client does not read stays in the server sooner.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.connect((self.host, self.port))
        except OSError:
            self.stats["connect_refused"] += 1
            s.close()
            return None
        s.setblocking(False)
        return s

    def open_slowloris(self):
        s = self.connect()
        if s is not None:
            self.stats["slowloris_connections"] += 1
            self.slowloris.append([s, self.header, b""])

    def open_unread(self):
        s = self.connect()
        if s is not None:
            self.stats["unread_connections"] += 1
            self.unread.append(s)

    def tick(self):
        """Once a second: one more byte from each slowloris, one more request on each
        never-reading connection; reads only what slowloris clients are answered."""
        for c in list(self.slowloris):
            s, left, answer = c
            try:
                chunk = s.recv(65536)
                if chunk:
                    c[2] = answer = answer + chunk
                    continue
                # Closed by the server: with an answer (408 expected) or without.
                self.slowloris.remove(c)
                s.close()
                if answer.startswith(b"HTTP/1.1 408"):
                    self.stats["slowloris_408"] += 1
                elif answer:
                    self.stats["slowloris_other_answer"] += 1
                else:
                    self.stats["slowloris_closed_without_answer"] += 1
                self.open_slowloris()
                continue
            except BlockingIOError:
                pass
            except OSError:
                self.slowloris.remove(c)
                s.close()
                self.stats["slowloris_closed_without_answer"] += 1
                self.open_slowloris()
                continue
            if left:
                try:
                    s.send(left[:1])
                    c[1] = left[1:]
                except OSError:
                    pass
        for s in self.unread:
            try:
                s.send(b"GET /metrics HTTP/1.1\r\nHost: vigil\r\n\r\n")
                self.stats["unread_requests_sent"] += 1
            except OSError:
                pass  # the server stopped reading from us (or closed): it is its choice

    def run(self):
        while time.monotonic() < self.end:
            self.tick()
            time.sleep(1)
        for c in self.slowloris:
            c[0].close()
        for s in self.unread:
            s.close()


def main():
    base, seconds, queriers, slow, expr = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    url = urllib.parse.urlparse(base)
    end = time.monotonic() + seconds
    out = {"answers": {}, "latency_ok": [], "latency_refused": []}
    lock = threading.Lock()
    threads = [threading.Thread(target=querier, args=(url.hostname, url.port, end, expr, out, lock))
               for _ in range(queriers)]
    for t in threads:
        t.start()
    slow_clients = SlowClients(url.hostname, url.port, slow, end)
    slow_clients.run()
    for t in threads:
        t.join()
    print(json.dumps({
        "query_answers": out["answers"],
        "query_ok_p50_s": percentile(out["latency_ok"], 0.5),
        "query_ok_p99_s": percentile(out["latency_ok"], 0.99),
        "query_refused_p50_s": percentile(out["latency_refused"], 0.5),
        "slow": slow_clients.stats,
    }))


if __name__ == "__main__":
    main()
