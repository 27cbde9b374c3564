"""What the Python end-to-end tests share (the shell ones source scripts/lib/loopback.sh)."""
import json
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port():
    """A free TCP port on loopback."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(base, path, method="GET"):
    """(HTTP status, the JSON answer); an answer that is not JSON is {"status": "not JSON"}."""
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, method=method), timeout=10) as r:
            code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    try:
        return code, json.loads(body)
    except ValueError:
        return code, {"status": "not JSON: %r" % body[:60]}


def wait(base):
    """True once BASE/-/ready answers, within 20 s."""
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/-/ready", timeout=1)
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Checks:
    """Each check printed as it passes or fails; finish() prints the tally and exits 1 on any
    failure."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
            print("ok: " + what)
        else:
            self.failed += 1
            print("FAIL: " + what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
