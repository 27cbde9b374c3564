"""The rule engine beside Prometheus 2.42's own, over an hour of synthetic data: one promtool
unit-test file (rules, input series with gaps and stale markers, and a promql_expr_test per
minute for ALERTS, ALERTS_FOR_STATE and every recorded series) is run by `promtool test rules`
and by `vigil-server test-rules`. Its expectations are left empty, so both fail every case and
print what they got; the two must have got the same series with the same values at every
minute. Values agree within 1e-9 of each other, as in promql_compare.py: an aggregation adds
its series in the order storage hands them over (Prometheus's head: the order the series were
created; Vigil's: label order), and floats added in another order may differ in the last
digit.

  python3 rules_diff_test.py VIGIL_SERVER
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

RULES = """
groups:
- name: recorded
  rules:
  - record: instance:load:sum
    expr: sum by (instance) (load)
  - record: job:load:rate2m
    expr: sum(rate(requests_total[2m]))
  - record: instance:load:max_over_5m
    expr: max_over_time(load[5m])
  - record: job:requests:absent
    expr: absent(requests_total{instance="gone"})
- name: alerts
  rules:
  - alert: LoadHigh
    expr: instance:load:sum > 8
    for: 3m
    labels: {severity: warning}
  - alert: LoadVeryHigh
    expr: load > 10
    labels: {severity: page, level: "{{ if gt $value 11.0 }}extreme{{ else }}high{{ end }}"}
  - alert: RequestsStalled
    expr: rate(requests_total[3m]) == 0
    for: 2m
  - alert: NoData
    expr: absent(load{instance="b"})
    for: 1m
  - alert: RecordedRateLow
    expr: job:load:rate2m < 0.5
    for: 5m
"""
INSTANCES = ["a", "b", "c"]
LEVELS = [9, 6, 3]  # where each instance's load wanders and how busy it is
MINUTES = 60
QUERIES = ["ALERTS", "ALERTS_FOR_STATE", "instance:load:sum", "job:load:rate2m", "instance:load:max_over_5m",
           "job:requests:absent"]


def series_values(rng, kind, level):
    """A point a minute for an hour: a gauge wandering around `level`, or a counter that stalls
    for minutes at a time and is reset now and then; with gaps (_) and stale markers."""
    out, v, stalled = [], level, 0
    for m in range(MINUTES + 1):
        r = rng.random()
        if r < 0.04:
            out.append("_")
            continue
        if r < 0.06:
            out.append("stale")
            continue
        if kind == "gauge":
            v = max(0.0, v + rng.uniform(-2.5, 2.5) + (level - v) * 0.2)
            out.append("%.2f" % v)
            continue
        if stalled == 0 and rng.random() < 0.08:
            stalled = rng.randint(3, 8)
        if stalled:
            stalled -= 1
        elif rng.random() < 0.03:
            v = 0  # a restart
        else:
            v += rng.randint(0, int(level * 10))
        out.append(str(v))
    return " ".join(out)


def test_file(rules_path):
    rng = random.Random(16)
    # Without group_eval_order promtool takes the groups from a Go map, in an order that changes
    # from run to run; the alerts read what the recording group wrote in the same evaluation.
    lines = ["rule_files: [%s]" % rules_path, "evaluation_interval: 1m", "group_eval_order: [recorded, alerts]",
             "tests:", "- interval: 1m",
             "  input_series:"]
    for inst, level in zip(INSTANCES, LEVELS):
        lines.append('  - series: load{instance="%s"}' % inst)
        lines.append('    values: "%s"' % series_values(rng, "gauge", level))
        lines.append('  - series: requests_total{instance="%s"}' % inst)
        lines.append('    values: "%s"' % series_values(rng, "counter", level))
    lines.append("  promql_expr_test:")
    for m in range(MINUTES + 1):
        for q in QUERIES:
            lines += ["  - expr: %s" % q, "    eval_time: %dm" % m, "    exp_samples: []"]
    return "\n".join(lines) + "\n"


GOT = re.compile(r'expr: "(.*)", time: (\S+),\s*\n\s*exp: .*\n\s*got: (.*)')
SAMPLE = re.compile(r'(\{[^}]*\}) (\S+)(?:, |$)')


def results(output):
    """(expr, time) -> sorted [(labels, value)] from the failures a test run printed."""
    out = {}
    for expr, time, got in GOT.findall(output):
        samples = [(labels, float(value)) for labels, value in SAMPLE.findall(got.strip())]
        out[(expr, time.rstrip(","))] = sorted(samples)
    return out


def same(a, b):
    """The same series with values within 1e-9 of each other (or both NaN)."""
    if [labels for labels, _ in a] != [labels for labels, _ in b]:
        return False
    for (_, x), (_, y) in zip(a, b):
        if not (x == y or (x != x and y != y) or abs(x - y) <= 1e-9 * max(abs(x), abs(y))):
            return False
    return True


def main():
    work = tempfile.mkdtemp()
    try:
        rules = os.path.join(work, "rules.yml")
        with open(rules, "w") as f:
            f.write(RULES)
        test = os.path.join(work, "rules_test.yml")
        with open(test, "w") as f:
            f.write(test_file(rules))
        prom = subprocess.run(["promtool", "test", "rules", test], capture_output=True, text=True)
        vigil = subprocess.run([sys.argv[1], "test-rules", test], capture_output=True, text=True)
        p, v = results(prom.stdout + prom.stderr), results(vigil.stdout + vigil.stderr)
        cases = len(QUERIES) * (MINUTES + 1)
        # A case that got nothing passes (its expectation is empty) and is not printed.
        if len(p) < cases // 2:
            print("FAIL: promtool reported %d of %d cases; its output:\n%s" % (len(p), cases, prom.stdout[-2000:]))
            sys.exit(1)
        differ = sorted(k for k in set(p) | set(v) if not same(p.get(k, []), v.get(k, [])))
        series = sum(len(s) for s in p.values())
        for k in differ[:10]:
            print("FAIL: %s at %s\n  prometheus %s\n  vigil      %s" % (k[0], k[1], p.get(k, []), v.get(k, [])))
        print("%d of %d cases agree (%d samples from Prometheus, %d firing or pending ALERTS samples)"
              % (cases - len(differ), cases, series, sum(len(p[k]) for k in p if k[0] == "ALERTS")))
        sys.exit(1 if differ else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
