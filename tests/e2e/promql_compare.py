"""Runs every query of a list against two Prometheus-compatible APIs (Prometheus 2.42, the
reference, and vigil-server) as instant queries at several times and as range queries, and
reports where the answers differ. Values agree when both are NaN or they are within 1e-9
relative; the order of elements counts only after sort() and sort_desc().

  python3 promql_compare.py REFERENCE_URL VIGIL_URL QUERIES END_SECONDS
"""
import json
import math
import sys
import urllib.parse
import urllib.request


def fetch(base, path, params):
    data = urllib.parse.urlencode(params).encode()
    try:
        with urllib.request.urlopen(base + path, data=data, timeout=60) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def close(a, b):
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if fa == fb:
        return True
    return abs(fa - fb) <= 1e-9 * max(abs(fa), abs(fb))


def normalize(answer, ordered):
    if answer.get("status") != "success":
        return ("error", answer.get("errorType"))
    data = answer["data"]
    kind, result = data["resultType"], data["result"]
    if kind in ("scalar", "string"):
        return (kind, [result])
    items = []
    for el in result:
        key = json.dumps(el["metric"], sort_keys=True)
        points = el.get("values") or [el["value"]]
        items.append((key, points))
    if not ordered:
        items.sort()
    return (kind, items)


def same(ref, got):
    if ref[0] != got[0] or len(ref[1]) != len(got[1]):
        return False
    if ref[0] == "error":
        return ref == got
    for a, b in zip(ref[1], got[1]):
        if ref[0] in ("scalar", "string"):
            a, b = ("", [a]), ("", [b])
        if a[0] != b[0] or len(a[1]) != len(b[1]):
            return False
        for (ta, va), (tb, vb) in zip(a[1], b[1]):
            if float(ta) != float(tb):
                return False
            if ref[0] == "string":
                if va != vb:
                    return False
            elif not close(va, vb):
                return False
    return True


def main():
    ref_url, vigil_url, queries_file, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    queries = [q.strip() for q in open(queries_file) if q.strip() and not q.startswith("#")]
    # Instant queries at times on and between samples; range queries with steps that are
    # and are not multiples of the interval.
    instants = [end, end - 601.25, end - 1800, end - 2405, end - 3300]
    ranges = [(end - 3000, end, 60), (end - 1500, end - 100, 37), (end - 400, end - 390, 1)]
    checked = failed = answered = 0
    for q in queries:
        ordered = q.startswith("sort")
        cases = [("/api/v1/query", {"query": q, "time": t}) for t in instants]
        cases += [("/api/v1/query_range", {"query": q, "start": s, "end": e, "step": st}) for s, e, st in ranges]
        for path, params in cases:
            ref = normalize(fetch(ref_url, path, params), ordered)
            got = normalize(fetch(vigil_url, path, params), ordered)
            checked += 1
            answered += ref[0] != "error" and len(ref[1]) > 0
            if not same(ref, got):
                failed += 1
                print("DIFFER %s %s\n  prometheus: %s\n  vigil:      %s" % (path, params, str(ref)[:600], str(got)[:600]))
    print("%d queries, %d evaluations (%d with data), %d differ" % (len(queries), checked, answered, failed))
    # Agreeing on empty answers proves little: most evaluations must have found data.
    if answered < checked * 0.8:
        print("too few evaluations found data: was the data pushed?")
        sys.exit(1)
    sys.exit(1 if failed else 0)


main()
