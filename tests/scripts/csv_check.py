#!/usr/bin/env python3
"""A --csv file against the JSON report of the same run (issue 21).

usage: csv_check.py REPORT.json TABLE.csv [NAME0 NAME1 ...]

Every layer of the report is one row, in order, with the same index, op,
shapes (CxHxW), macs, cycles, time_us, energy_uj and macs_per_cycle (as
the same doubles); then a total row whose sums equal the report's sums
(to 1e-9 relative) and whose macs_per_cycle is macs / cycles.  Given
NAMEs, the name column must hold them.  Python standard library only.
"""
import csv
import json
import sys

import checklib

HEADER = ["layer", "name", "op", "input", "output", "macs", "cycles", "time_us", "energy_uj", "macs_per_cycle"]


def shape(a):
    return "x".join(str(int(v)) for v in a) if isinstance(a, list) and len(a) == 3 else ""


def main(argv):
    rep = json.load(open(argv[1]))
    rows = list(csv.reader(open(argv[2], newline="")))
    names = argv[3:]
    errs = []
    if rows[0] != HEADER:
        errs.append(f"header {rows[0]}")
    layers = rep["layers"]
    body, total = rows[1:-1], rows[-1]
    if len(body) != len(layers):
        errs.append(f"{len(body)} layer rows, the report has {len(layers)} layers")
    for i, (row, l) in enumerate(zip(body, layers)):
        want = [str(l["index"]), names[i] if i < len(names) else row[1], l["op"], shape(l["input"]), shape(l["output"])]
        if row[:5] != want:
            errs.append(f"row {i}: {row[:5]} != {want}")
        for col in HEADER[5:]:
            got = float(row[HEADER.index(col)])
            if got != float(l[col]):
                errs.append(f"row {i}: {col} {got!r} != report {l[col]!r}")
    if total[:5] != ["total", "", "", "", ""]:
        errs.append(f"total row starts {total[:5]}")
    sums = {}
    for col in ["macs", "cycles", "time_us", "energy_uj"]:
        s = sum(float(l[col]) for l in layers)
        sums[col] = s
        got = float(total[HEADER.index(col)])
        if abs(got - s) > 1e-9 * max(1.0, abs(s)):
            errs.append(f"total {col} {got!r} != sum {s!r}")
    mpc = float(total[HEADER.index("macs_per_cycle")])
    if sums["cycles"] and abs(mpc - sums["macs"] / sums["cycles"]) > 1e-9 * mpc:
        errs.append(f"total macs_per_cycle {mpc!r} != macs / cycles")
    return checklib.verdict(argv[2], errs, f"{len(body)} layers and the total agree with {argv[1]}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
