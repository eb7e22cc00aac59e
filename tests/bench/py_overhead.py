#!/usr/bin/python3
"""Per-inference overhead of the Python module over the C API (issue 16).

    PYTHONPATH=build/python /usr/bin/python3 tests/bench/py_overhead.py \
        --net-bench build/bin/net_bench [--project ../shared/corpus/mnist/firmware] [--runs 200] [--rounds 5]

Alternates, ROUNDS times, RUNS inferences of the baked sample through the C
API (net_bench, m78net_run) and through max78sim.Network.run, both keeping
every layer's output.  The inference itself runs in the firmware process;
the calling process's own CPU time is what the API costs it.  Prints the
medians per inference of the wall time and of the caller's CPU time, and
the Python call's extra CPU time in percent of the C API's wall time per
inference (the wall times themselves vary by more than that between rounds
on a shared host).  A benchmark, not a test: it asserts nothing about time.
"""
import argparse
import statistics
import subprocess
import resource
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
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


c_times, py_times, c_cpu, py_cpu = [], [], [], []
for _ in range(a.rounds):
    out = subprocess.run([a.net_bench, a.project, str(a.runs), "1"], check=True, capture_output=True, text=True)
    w, u = map(float, out.stdout.split())
    c_times.append(w)
    c_cpu.append(u)
    t0, u0 = time.perf_counter(), cpu()
    for _ in range(a.runs):
        net.run(x)
    py_times.append((time.perf_counter() - t0) / a.runs)
    py_cpu.append((cpu() - u0) / a.runs)
net.close()
med = statistics.median
c, p, cc, pc = med(c_times), med(py_times), med(c_cpu), med(py_cpu)
ms = lambda v: ", ".join(f"{t * 1e3:.3f}" for t in v)
print(f"{a.project}: {a.rounds} rounds of {a.runs} inferences (every layer kept)")
print(f"C API (m78net_run):   {c * 1e3:8.3f} ms wall, {cc * 1e3:7.3f} ms caller CPU per inference (wall rounds {ms(c_times)})")
print(f"Python (Network.run): {p * 1e3:8.3f} ms wall, {pc * 1e3:7.3f} ms caller CPU per inference (wall rounds {ms(py_times)})")
print(f"overhead of the Python call over the C API: {(pc - cc) * 1e3:.3f} ms of CPU per inference = "
      f"{100 * (pc - cc) / c:.1f}% of the C API's {c * 1e3:.3f} ms inference")
