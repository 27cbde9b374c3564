"""Rules beside the real Prometheus 2.42, both given the same rule file and evaluating it every
second: /api/v1/rules and /api/v1/alerts answer the same rules, health, errors, alerts and
states in the same shape; ALERTS, ALERTS_FOR_STATE and recorded series hold the same label
sets; and a reload (POST /-/reload, SIGHUP) behaves the same: a bad file keeps the rules that
were running and says so, a good one is applied and an unchanged rule keeps its alerts.

  python3 rules_api_test.py VIGIL_SERVER
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from loopback import Checks, free_port, get, wait

RULES = """
groups:
- name: api
  interval: 1s
  rules:
  - record: job:answer
    expr: vector(42)
    labels: {team: a}
  - record: job:nothing
    expr: vector(1) unless vector(1)
  - alert: Firing
    expr: job:answer > 1
    labels: {severity: page, team: "{{ $labels.team }}"}
    annotations:
      summary: "the answer is {{ $value }}"
      description: '{{ with $labels.team }}team {{ . | toUpper }}{{ end }}'
  - alert: Pending
    expr: vector(7)
    for: 1h
- name: limited
  interval: 1s
  limit: 1
  rules:
  - record: job:two
    expr: vector(1) or label_replace(vector(2), "x", "y", "", "")
"""
ADDED = """
  - record: job:added
    expr: vector(3)
"""
check = Checks()


def keys_by_kind(rules_data):
    """The keys of groups and of each kind of rule and of alerts, as sets."""
    out = {}
    for g in rules_data["groups"]:
        out.setdefault("group", set()).update(g)
        for r in g["rules"]:
            out.setdefault(r["type"], set()).update(r)
            for a in r.get("alerts", []):
                out.setdefault("alert", set()).update(a)
    return out


def comparable(rules_data):
    """What both must agree on, without times and durations."""
    groups = []
    for g in rules_data["groups"]:
        rules = []
        for r in g["rules"]:
            alerts = sorted((sorted(a["labels"].items()), sorted(a["annotations"].items()), a["state"], a["value"])
                            for a in r.get("alerts", []))
            rules.append((r["name"], r["query"], r["type"], r["health"], r.get("lastError", ""), r.get("state"),
                          r.get("duration"), sorted(r.get("labels", {}).items()),
                          sorted(r.get("annotations", {}).items()), alerts))
        groups.append((g["name"], g["interval"], g["limit"], rules))
    return groups


def label_sets(base, query):
    code, body = get(base, "/api/v1/query?" + urllib.parse.urlencode({"query": query}))
    if code != 200:
        return "HTTP %d" % code
    return sorted(sorted(r["metric"].items()) for r in body["data"]["result"])


def pending_active_at(base):
    _, body = get(base, "/api/v1/alerts")
    return [a["activeAt"] for a in body["data"]["alerts"] if a["labels"]["alertname"] == "Pending"]


def reload_ok_metric(base, name):
    """A self-metric's value from BASE/metrics (None when it is not there)."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def main():
    work = tempfile.mkdtemp()
    procs = []
    try:
        rules = os.path.join(work, "rules.yml")
        with open(rules, "w") as f:
            f.write(RULES)
        prom_port, vigil_port = free_port(), free_port()
        with open(os.path.join(work, "prom.yml"), "w") as f:
            f.write("global:\n  evaluation_interval: 1s\nrule_files: [%s]\n" % rules)
        procs.append(subprocess.Popen(
            ["prometheus", "--config.file=" + os.path.join(work, "prom.yml"),
             "--storage.tsdb.path=" + os.path.join(work, "prom"), "--web.enable-lifecycle",
             "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(os.path.join(work, "server.ini"), "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\ndata_dir = %s\n[rules]\nfiles = %s\nevaluation_interval = 1s\n"
                    % (vigil_port, os.path.join(work, "vigil"), rules))
        procs.append(subprocess.Popen([sys.argv[1], "--config", os.path.join(work, "server.ini")],
                                      stderr=subprocess.DEVNULL))
        prom, vigil = "http://127.0.0.1:%d" % prom_port, "http://127.0.0.1:%d" % vigil_port
        if not (wait(prom) and wait(vigil)):
            print("FAIL: the servers did not start")
            sys.exit(1)
        time.sleep(4)  # a few evaluations; Prometheus writes ALERTS from its second

        _, p = get(prom, "/api/v1/rules")
        _, v = get(vigil, "/api/v1/rules")
        pk, vk = keys_by_kind(p["data"]), keys_by_kind(v["data"])
        for kind in sorted(pk):
            missing, extra = pk[kind] - vk.get(kind, set()), vk.get(kind, set()) - pk[kind]
            # keepFiringFor and keepFiringSince are Prometheus 2.44's, which Vigil also has.
            extra -= {"keepFiringFor", "keepFiringSince"}
            check(not missing and not extra, "/api/v1/rules %s keys as Prometheus's (missing %s, extra %s)"
                  % (kind, sorted(missing), sorted(extra)))
        pc, vc = comparable(p["data"]), comparable(v["data"])
        check(pc == vc, "/api/v1/rules answers the same rules, health, errors and alerts\n  prometheus %s\n  vigil      %s"
              % (pc, vc))
        for t in ("alert", "record"):
            _, p = get(prom, "/api/v1/rules?type=" + t)
            _, v = get(vigil, "/api/v1/rules?type=" + t)
            check(comparable(p["data"]) == comparable(v["data"]), "/api/v1/rules?type=%s filters the same" % t)
        pc, vc = get(prom, "/api/v1/rules?type=bogus"), get(vigil, "/api/v1/rules?type=bogus")
        check(pc[0] == vc[0] and pc[1].get("errorType") == vc[1].get("errorType"),
              "an unknown type is refused the same (%s %s, vigil %s %s)"
              % (pc[0], pc[1].get("errorType"), vc[0], vc[1].get("errorType")))

        _, p = get(prom, "/api/v1/alerts")
        _, v = get(vigil, "/api/v1/alerts")
        strip = lambda d: sorted((sorted(a["labels"].items()), sorted(a["annotations"].items()), a["state"], a["value"])
                                 for a in d["data"]["alerts"])
        check(strip(p) == strip(v), "/api/v1/alerts answers the same alerts\n  prometheus %s\n  vigil      %s"
              % (strip(p), strip(v)))
        for q in ("ALERTS", "ALERTS_FOR_STATE", "job:answer", "job:nothing", "job:two"):
            pl, vl = label_sets(prom, q), label_sets(vigil, q)
            check(pl == vl, "%s holds the same series (prometheus %s, vigil %s)" % (q, pl, vl))

        before = {b: pending_active_at(b) for b in (prom, vigil)}
        with open(rules, "w") as f:
            f.write("groups: [\n")
        for name, base in (("prometheus", prom), ("vigil", vigil)):
            code, _ = get(base, "/-/reload", method="POST")
            check(code == 500, "%s refuses a reload with a bad rule file (HTTP %d)" % (name, code))
        _, v = get(vigil, "/api/v1/rules")
        check(len(v["data"]["groups"]) == 2, "vigil keeps the running rules after a bad reload")
        check(reload_ok_metric(vigil, "vigil_rules_last_reload_successful") == 0,
              "vigil_rules_last_reload_successful says the reload failed")
        check(reload_ok_metric(prom, "prometheus_config_last_reload_successful") == 0,
              "(Prometheus's prometheus_config_last_reload_successful says so too)")

        with open(rules, "w") as f:
            f.write(RULES.replace("  - alert: Pending", ADDED.strip("\n") + "\n  - alert: Pending"))
        for name, base in (("prometheus", prom), ("vigil", vigil)):
            code, _ = get(base, "/-/reload", method="POST")
            check(code == 200, "%s takes a good reload (HTTP %d)" % (name, code))
        time.sleep(3)
        for name, base in (("prometheus", prom), ("vigil", vigil)):
            _, r = get(base, "/api/v1/rules")
            names = [x["name"] for g in r["data"]["groups"] for x in g["rules"]]
            check("job:added" in names, "%s runs the added rule after the reload" % name)
            check(pending_active_at(base) == before[base] and before[base],
                  "%s's unchanged rule keeps its pending alert's activeAt (%s, then %s)"
                  % (name, before[base], pending_active_at(base)))
        check(label_sets(vigil, "job:added") == [[("__name__", "job:added")]], "vigil records the added rule")
        check(reload_ok_metric(vigil, "vigil_rules_last_reload_successful") == 1,
              "vigil_rules_last_reload_successful says the reload succeeded")

        with open(rules, "w") as f:
            f.write(RULES)
        procs[1].send_signal(signal.SIGHUP)
        time.sleep(3)
        _, r = get(vigil, "/api/v1/rules")
        names = [x["name"] for g in r["data"]["groups"] for x in g["rules"]]
        check("job:added" not in names, "SIGHUP reloads vigil's rules: the added rule is gone")
        pl = label_sets(vigil, "job:added")
        check(pl == [], "the removed rule's series is marked stale at once (vigil answers %s)" % pl)
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        shutil.rmtree(work, ignore_errors=True)
    check.finish()


if __name__ == "__main__":
    main()
