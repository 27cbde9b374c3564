"""Alerts from vigil-server to the real Alertmanager 0.25: an alert with `for` goes pending, fires
and arrives with its annotations rendered, the external labels added and a link back; an
Alertmanager that was down (and lost everything it held) gets every firing alert again once
it is back; a changed rule file loaded by SIGHUP resolves the alert and Alertmanager hears it
resolved. Times are shortened (evaluation every second, resend every 2 s).

  python3 alertmanager_test.py VIGIL_SERVER
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from loopback import Checks, free_port, get, wait

RULES = """
groups:
- name: am
  interval: 1s
  rules:
  - alert: DiskAlmostFull
    expr: label_replace(vector(93.5), "instance", "node-1", "", "")
    for: 3s
    labels: {severity: page}
    annotations:
      summary: "disk on {{ $labels.instance }} is {{ $value }}% full"
      dashboard: "{{ $externalURL }}/d/node?region={{ $externalLabels.region }}"
"""
check = Checks()


def eventually(fn, seconds):
    """fn()'s first truthy value within `seconds`, else its last value."""
    end = time.time() + seconds
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.2)


def am_alerts(am):
    code, body = get(am, "/api/v2/alerts")
    return body if code == 200 and isinstance(body, list) else []


def received(am, status):
    # Alertmanager 0.25 labels it {status="...",version="v1"|"v2"}: summed over the versions.
    text = urllib.request.urlopen(am + "/metrics", timeout=5).read().decode()
    prefix = 'alertmanager_alerts_received_total{status="%s",' % status
    return sum(float(line.split()[1]) for line in text.splitlines() if line.startswith(prefix))


def main():
    work = tempfile.mkdtemp()
    procs = {}
    try:
        am_port, vigil_port = free_port(), free_port()
        am, vigil = "http://127.0.0.1:%d" % am_port, "http://127.0.0.1:%d" % vigil_port
        with open(os.path.join(work, "am.yml"), "w") as f:
            f.write("route: {receiver: 'null', group_wait: 1s}\nreceivers: [{name: 'null'}]\n")

        def start_am(storage):
            procs["am"] = subprocess.Popen(
                ["prometheus-alertmanager", "--config.file=" + os.path.join(work, "am.yml"),
                 "--storage.path=" + os.path.join(work, storage), "--cluster.listen-address=",
                 "--web.listen-address=127.0.0.1:%d" % am_port],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        start_am("am1")
        rules = os.path.join(work, "rules.yml")
        with open(rules, "w") as f:
            f.write(RULES)
        with open(os.path.join(work, "server.ini"), "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s\nexternal_url = http://vigil.example:9090\n"
                    "[global]\nexternal_labels = region=eu, severity=ignored\n"
                    "[rules]\nfiles = %s\nresend_delay = 2s\n[alertmanager]\nurl = %s\ntimeout = 2s\n"
                    % (vigil_port, os.path.join(work, "vigil"), rules, am))
        procs["vigil"] = subprocess.Popen([sys.argv[1], "--config", os.path.join(work, "server.ini")],
                                          stderr=open(os.path.join(work, "vigil.log"), "w"))
        if not (wait(am) and wait(vigil)):
            print("FAIL: the servers did not start")
            sys.exit(1)

        state = eventually(lambda: [a["state"] for a in get(vigil, "/api/v1/alerts")[1]["data"]["alerts"]], 5)
        check(state == ["pending"], "the alert is pending first (%s)" % state)
        check(am_alerts(am) == [], "a pending alert is not sent")
        got = eventually(lambda: am_alerts(am), 10)
        check(len(got) == 1, "the alert reaches Alertmanager once it fires (%d alerts)" % len(got))
        if got:
            a = got[0]
            check(a["labels"] == {"alertname": "DiskAlmostFull", "instance": "node-1", "severity": "page",
                                  "region": "eu"},
                  "with its labels and the external labels, its own severity winning (%s)" % a["labels"])
            check(a["annotations"] == {"summary": "disk on node-1 is 93.5% full",
                                       "dashboard": "http://vigil.example:9090/d/node?region=eu"},
                  "with its annotations rendered (%s)" % a["annotations"])
            check(a["generatorURL"].startswith("http://vigil.example:9090/graph?g0.expr="),
                  "with a link back to the server (%s)" % a["generatorURL"])

        procs["am"].terminate()
        procs["am"].wait(20)
        time.sleep(6)  # vigil's sends fail meanwhile
        start_am("am2")  # an Alertmanager that lost all it held
        check(wait(am), "Alertmanager is back")
        got = eventually(lambda: am_alerts(am), 10)
        check([a["labels"]["alertname"] for a in got] == ["DiskAlmostFull"],
              "the firing alert is sent again to the Alertmanager that was down")
        text = urllib.request.urlopen(vigil + "/metrics", timeout=5).read().decode()
        errors = [l for l in text.splitlines() if l.startswith("vigil_notifications_errors_total")]
        check(errors and float(errors[0].split()[-1]) > 0, "the failed sends were counted (%s)" % errors)

        with open(rules, "w") as f:
            f.write(RULES.replace("vector(93.5)", "vector(93.5) < 90"))
        procs["vigil"].send_signal(signal.SIGHUP)
        resolved = eventually(lambda: received(am, "resolved") > 0, 10)
        check(resolved, "after SIGHUP with the changed rule, Alertmanager hears the alert resolved")
        check(eventually(lambda: am_alerts(am) == [], 10), "and no longer shows it")
        check(get(vigil, "/api/v1/alerts")[1]["data"]["alerts"] == [], "vigil has no active alert")
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(20)
        shutil.rmtree(work, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
