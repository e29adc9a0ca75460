#!/usr/bin/env python3
"""Groups PostgreSQL auto_explain entries of a server log by statement text.

Prints, for each distinct statement: how often it ran, its mean and largest execution time, and
the scan nodes of its plan (a "Seq Scan" on a large table is what to look for); then the plan of
each statement's slowest run.
"""
import re
import sys
from collections import defaultdict

ENTRY = re.compile(r"LOG:\s+duration: ([0-9.]+) ms\s+plan:\n(.*?)(?=\n\S[^\n]*LOG:|\Z)", re.S)
SCAN = re.compile(r"((?:Parallel )?(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)"
                  r"(?: using \S+)? on \S+)")


def main(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    runs = defaultdict(list)
    for match in ENTRY.finditer(text):
        duration = float(match.group(1))
        body = match.group(2)
        query = re.search(r"Query Text: (.*?)\n\s*(?:[A-Z][a-zA-Z ]+(?:\(| on | using )|->|Result|Insert|Update|Delete|"
                          r"Aggregate|Limit|Sort|Nested|Hash|Merge|Unique|Lock|LockRows|Trigger)", body, re.S)
        statement = " ".join((query.group(1) if query else body.splitlines()[0]).split())
        runs[statement].append((duration, body))
    if not runs:
        print("no auto_explain entries in", path)
        return 1
    total = sum(d for r in runs.values() for d, _ in r)
    print(f"{len(runs)} distinct statements, {sum(len(r) for r in runs.values())} runs, {total:.0f} ms in all\n")
    ordered = sorted(runs.items(), key=lambda kv: -sum(d for d, _ in kv[1]))
    print("| statement | runs | mean ms | max ms | share | scans |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for statement, r in ordered:
        durations = [d for d, _ in r]
        # The scans of every run, with how many runs planned them so (a plan may change with the
        # parameters: the calendar's first full read against a booking's three days).
        shapes = defaultdict(int)
        for _, body in r:
            shapes["; ".join(sorted(set(SCAN.findall(body)))) or "-"] += 1
        scans = " / ".join(f"{shape} ({count})" if len(shapes) > 1 else shape
                           for shape, count in sorted(shapes.items(), key=lambda kv: -kv[1]))
        print(f"| `{statement[:110]}` | {len(r)} | {sum(durations) / len(r):.3f} | {max(durations):.3f} | "
              f"{100 * sum(durations) / total:.0f}% | {scans} |")
    print()
    for statement, r in ordered:
        ranked = sorted(r, key=lambda run: run[0])
        picks = [("median", ranked[len(ranked) // 2])]
        if len(ranked) > 1:
            picks.append(("slowest", ranked[-1]))
        for label, (duration, body) in picks:
            print(f"--- {label} of {len(r)}, {duration:.3f} ms: {statement[:200]}")
            print(body.rstrip())
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
