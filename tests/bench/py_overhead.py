#!/usr/bin/python3
"""Per-inference overhead of the Python module over the C API (issue 16).

    PYTHONPATH=build/python /usr/bin/python3 tests/bench/py_overhead.py \
        --net-bench build/bin/net_bench [--project ../shared/corpus/mnist/firmware] [--runs 200] [--rounds 5]

Alternates, ROUNDS times, RUNS inferences of the baked sample through the C
API (net_bench, m78net_run) and through max78sim.Network.run, both keeping
every layer's output, and prints the medians per inference and the
overhead in percent of the C API's time.  A benchmark, not a test: it
asserts nothing about time.
"""
import argparse
import statistics
import subprocess
import time

import max78sim

ap = argparse.ArgumentParser()
ap.add_argument("--net-bench", required=True)
ap.add_argument("--project", default="../shared/corpus/mnist/firmware")
ap.add_argument("--runs", type=int, default=200)
ap.add_argument("--rounds", type=int, default=5)
a = ap.parse_args()

net = max78sim.load(a.project)
x = net.sample
for _ in range(10):
    net.run(x)
c_times, py_times = [], []
for _ in range(a.rounds):
    out = subprocess.run([a.net_bench, a.project, str(a.runs), "1"], check=True, capture_output=True, text=True)
    c_times.append(float(out.stdout.strip()))
    t0 = time.perf_counter()
    for _ in range(a.runs):
        net.run(x)
    py_times.append((time.perf_counter() - t0) / a.runs)
net.close()
c, p = statistics.median(c_times), statistics.median(py_times)
print(f"{a.project}: {a.rounds} rounds of {a.runs} inferences (every layer kept)")
print(f"C API (m78net_run):     {c * 1e3:8.3f} ms per inference (median; rounds {', '.join(f'{t*1e3:.3f}' for t in c_times)})")
print(f"Python (Network.run):   {p * 1e3:8.3f} ms per inference (median; rounds {', '.join(f'{t*1e3:.3f}' for t in py_times)})")
print(f"overhead of Python over the C API: {100 * (p - c) / c:+.1f}% of the C API's per-inference time")
