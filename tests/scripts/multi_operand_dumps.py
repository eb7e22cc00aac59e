#!/usr/bin/python3
"""Issue 18, finding 8: the layer dumps of multi-operand (and every other)
layer kind place every logical value, for every channel count.

For each channel count (1..64 and some above) tests/fw/gen/mkfw.py writes
one self-made firmware with one layer of every kind it can express
(passthrough, pooling, element-wise with 2..16 operands before, after and
without pooling, element-wise fused with 3x3 and 1x1 convolutions, 3x3,
1x1 and 32-bit convolutions, an output map off a word boundary), and the
logical output of every layer, computed by the generator (not by the
simulator).  Then, per firmware:

  1. the reference model of ../shared/spec (refsim.py) recomputes the
     network from the register writes and must find every expected output
     word (sampleoutput.h) in its data memory;
  2. `max78sim run FW --dump-layers D` must pass the firmware's own check
     (every real output byte against sampleoutput.h);
  3. every layer dump, mapped with D/layers.json (shape_chw, slots,
     slots_per_pass, out_passes, gap_slots, operands: the rule of
     docs/report-schema.md, "Layer dumps"), must give exactly C x H x W
     values, each equal to the expected output; so must the combined stage
     (Lnn.combined.i8) of a layer that pools after combining;
  4. the viewer (`max78sim view D --compare CASE --screenshot`, its model
     viz/src/model.c) must compare every layer and find no mismatch;
  5. `max78sim compare FW --device F` with F the reference model's data
     memory, then with cnn_unload()'s buffer (the generator's logical
     outputs), one value of one layer changed in each: exactly one value
     must differ, in that layer, at the slot, row and column the hardware
     wrote it to;
  6. (--kat-runner) the known-answer runner must pass every case.

usage: multi_operand_dumps.py --max78sim M --work DIR [--kat-runner K] [--corpus DIR]
                              [--jobs N] [--counts 1-64,65,...] [--no-viewer] [--keep]
Prints one line per channel count and a summary; exit 0 when every check
passed, 1 otherwise, 77 when numpy or the reference model is missing.
"""
import argparse
import concurrent.futures
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

try:
    import numpy as np
except ImportError:
    print("multi_operand_dumps: python3-numpy is not installed: skipped")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "fw", "gen"))
import mkfw  # noqa: E402

DEFAULT_COUNTS = "1-64,65,96,100,128,130"


def parse_counts(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


# ---- the dump-mapping rule of docs/report-schema.md ----

def channel_slot(channels, slots, spp, passes, gaps, c):
    """The hardware slot of logical channel c (izer's allocation), or -1."""
    if slots == channels:
        return c
    ngaps = bin(gaps & ((1 << 64) - 1)).count("1") if spp <= 64 else 0
    real = spp - ngaps
    thresh = -(-channels // passes)
    if passes > 1:
        thresh = (thresh + 3) & ~3
    lead = real - thresh
    if passes == 1 and slots > channels:
        lead = slots - ngaps - channels
    if lead < 0 or lead > 3:
        return -1
    e, k = divmod(c, thresh)
    k += lead
    s = 0
    while True:
        if s >= spp:
            return -1
        if not (s < 64 and (gaps >> s) & 1):
            if k == 0:
                break
            k -= 1
        s += 1
    slot = e * spp + s
    return slot if slot < slots else -1


def dump_index(entry, shape):
    """Index into the flat dump of every logical value (C, H, W order), or a
    string saying why the dump cannot hold this shape."""
    C, H, W = shape
    slots, h, w = entry["shape_chw"]
    if entry.get("slots", slots) != slots:
        return "layers.json: slots %s but shape_chw %s" % (entry.get("slots"), entry["shape_chw"])
    spp, passes = entry.get("slots_per_pass", slots), entry.get("out_passes", 1)
    gaps = int(entry.get("gap_slots", "0"), 16)
    idx = np.zeros((C, H * W), dtype=np.int64)
    if (h, w) == (H, W):
        for c in range(C):
            s = channel_slot(C, slots, spp, passes, gaps, c)
            if s < 0:
                return "channel %d of %d has no slot among %d (%d per pass, %d passes)" % (c, C, slots, spp, passes)
            idx[c] = s * h * w + np.arange(H * W)
        return idx
    # an element-wise layer run as one pass over H x passes rows: logical
    # pixel p of pass e is hardware pixel p * passes + e
    k = h // H if H and h % H == 0 else 0
    if entry.get("operands", 1) > 1 and passes == 1 and w == W and k > 1 and (C - 1) // spp < k and \
            mkfw.pass_split(C) == (k, spp):
        for c in range(C):
            e, i = divmod(c, spp)
            idx[c] = i * h * w + np.arange(H * W) * k + e
        return idx
    return "planes of %dx%d in the dump, %dx%d in the layer (%d slots, %d operands)" % (
        h, w, H, W, slots, entry.get("operands", 1))


# ---- the reference model ----

def reference_memory(spec, fwdir):
    """refsim's verdict line and its data memory after the whole network."""
    sys.path.insert(0, spec)
    import refsim  # noqa: E402  (the reference model of ../shared/spec)
    box = {}
    orig = refsim.Mem

    class Mem(orig):
        def __init__(self):
            super().__init__()
            box["mem"] = self

    refsim.Mem = Mem
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            refsim.run(fwdir)
    finally:
        refsim.Mem = orig
    return out.getvalue().strip().splitlines()[-1], box["mem"].w.copy()


# ---- one channel count ----

def timed(times, stage, fn, *a, **kw):
    t = time.monotonic()
    try:
        return fn(*a, **kw)
    finally:
        times[stage] = times.get(stage, 0.0) + time.monotonic() - t


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def check_case(args, c):
    msgs, bad, T = [], [], {}
    case = os.path.join(args.work, "c%03d" % c)
    shutil.rmtree(case, ignore_errors=True)
    prog = timed(T, "generate", mkfw.plan, c)
    timed(T, "generate", prog.write, case)
    fw = os.path.join(case, "firmware")
    exp = json.load(open(os.path.join(case, "expected.json")))

    # 1. the reference model agrees with the generator
    verdict, refmem = timed(T, "reference model", reference_memory, args.spec, fw)
    m = re.search(r"(\d+) KAT words checked, (\d+) mismatches", verdict)
    if not m or int(m.group(1)) == 0 or int(m.group(2)) != 0:
        bad.append("reference model: " + verdict)

    # 2. the firmware's own check on the simulator
    dump = os.path.join(case, "dump")
    r = timed(T, "build and run", run, [args.max78sim, "run", fw, "-q", "--no-table", "--dump-layers", dump])
    if r.returncode != 0:
        bad.append("max78sim run exited %d: %s" % (r.returncode, (r.stdout + r.stderr).strip()[-400:]))
        return c, bad, msgs, T
    index = {e["index"]: e for e in json.load(open(os.path.join(dump, "layers.json")))["layers"]}

    # 3. every dump, mapped with layers.json, holds the expected C x H x W values
    for L in exp["layers"]:
        n = L["index"]
        e = index.get(n)
        if e is None:
            bad.append("layer %d (%s): no dump" % (n, L["label"]))
            continue
        stages = [("output", L["output"], e, e["file"])]
        if "combined" in L:
            comb = e.get("combined")
            if comb is None:
                bad.append("layer %d (%s): no combined-stage dump" % (n, L["label"]))
            else:
                stages.append(("combined stage", L["combined"], dict(comb, operands=1), comb["file"]))
        for what, out, geom, fname in stages:
            dt = "<i4" if out["dtype"] == "int32le" else np.int8
            want = np.fromfile(os.path.join(case, out["file"]), dtype=dt).astype(np.int64)
            got = np.fromfile(os.path.join(dump, fname), dtype=dt).astype(np.int64)
            slots, h, w = geom["shape_chw"]
            where = "layer %d (%s) %s, %s" % (n, L["label"], what, "x".join(map(str, out["shape_chw"])))
            if len(got) != slots * h * w:
                bad.append("%s: %d values in the dump, layers.json says %s" % (where, len(got), geom["shape_chw"]))
                continue
            idx = dump_index(geom, out["shape_chw"])
            if isinstance(idx, str):
                bad.append("%s: %s" % (where, idx))
                continue
            flat = idx.reshape(-1)
            if len(np.unique(flat)) != len(flat) or len(flat) != len(want):
                bad.append("%s: %d mapped values (%d distinct) for %d expected" % (where, len(flat),
                                                                                len(np.unique(flat)), len(want)))
                continue
            diff = np.nonzero(got[flat] != want)[0]
            if len(diff):
                i = int(diff[0])
                C, H, W = out["shape_chw"]
                bad.append("%s: %d of %d values differ, first channel %d row %d col %d: dump %d, expected %d"
                           % (where, len(diff), len(want), i // (H * W), (i % (H * W)) // W, i % W,
                              got[flat][i], want[i]))
                continue

    # 4. the viewer's model places them too
    if not args.no_viewer:
        r = timed(T, "viewer", run, [args.max78sim, "view", dump, "--compare", case, "--screenshot", os.path.join(case, "view.png"),
                 "--size", "640x400"], env=dict(os.environ, SDL_VIDEODRIVER="offscreen"))
        text = r.stdout + r.stderr
        want = "compare: all %d compared layers match" % len(exp["layers"])
        if r.returncode != 0 or want not in text or "not compared" in text:
            bad.append("viewer: exit %d: %s" % (r.returncode, " | ".join(l for l in text.splitlines()
                                                                      if l.startswith("compare"))[:600]))

    # 5. compare: the reference model's data memory, and cnn_unload()'s
    # buffer, each with one value changed: exactly that value differs, and
    # compare names its layer and the slot and pixel the dump holds it at
    eight = [L["index"] for L in exp["layers"] if L["output"]["dtype"] == "int8"]
    nl = len(exp["layers"])
    for kind, n in (("data memory", c % nl), ("cnn_unload() buffer", eight[(3 * c + 1) % len(eight)])):
        L = exp["layers"][n]
        C, H, W = L["output"]["shape_chw"]
        ch, pix = (c * 5 + n) % C, (c * 7 + n) % (H * W)
        slot, hp = prog.slots[n][(ch, pix)]  # where the generator knows the hardware put it
        w = W
        want_val = int(np.fromfile(os.path.join(case, L["output"]["file"]),
                                   dtype="<i4" if L["output"]["dtype"] == "int32le" else np.int8)[ch * H * W + pix])
        if kind == "data memory":
            inst, word, lane = prog.placement[n][(ch, pix)]
            mem = refmem.copy()
            mem[inst, word] ^= np.uint32(0x5A << (8 * lane))
            dev = os.path.join(case, "ref-changed.bin")
            mem.astype("<u4").tofile(dev)
            word_v = int(mem[inst, word])
            dev_val = (word_v if L["output"]["dtype"] == "int32le" else (word_v >> (8 * lane)) & 0xFF)
            dev_val = dev_val - (1 << 32) if dev_val >= 1 << 31 else dev_val
            if L["output"]["dtype"] == "int8" and dev_val >= 128:
                dev_val -= 256
        else:
            vals = prog.unload_values()
            off = sum(int(np.prod(exp["layers"][k]["output"]["shape_chw"])) for k in eight if k < n)
            off += ch * H * W + pix
            v = ((int(vals[off]) & 0xFF) ^ 0x5A)
            vals[off] = dev_val = v - 256 if v >= 128 else v
            dev = os.path.join(case, "unload-changed.csv")
            with open(dev, "w") as f:
                for i in range(0, len(vals), 16):
                    f.write(",".join(str(int(x)) for x in vals[i:i + 16]) + "\n")
        js = os.path.join(case, "compare.json")
        r = timed(T, "compare", run, [args.max78sim, "compare", fw, "--device", dev, "--json", js])
        got = json.load(open(js)) if os.path.exists(js) else {}
        fd = got.get("first_diverging") or {}
        seen = (got.get("differ"), fd.get("layer"), fd.get("channel"), fd.get("row"), fd.get("column"),
                fd.get("expected"), fd.get("device"))
        expect = (1, n, slot, hp // w, hp % w, want_val, dev_val)
        if r.returncode != 1 or seen != expect:
            bad.append("compare, %s with layer %d (%s) channel %d row %d col %d changed: exit %d, "
                       "(differ, layer, channel, row, column, expected, device) = %s, expected %s %s"
                       % (kind, n, L["label"], ch, pix // W, pix % W, r.returncode, seen, expect,
                          r.stderr.strip()[-300:]))
        if os.path.exists(js):
            os.remove(js)
        os.remove(dev)
    for f in ("ref.bin", "view.png"):
        if os.path.exists(os.path.join(case, f)):
            os.remove(os.path.join(case, f))
    msgs.append("%d layers" % len(exp["layers"]))
    return c, bad, msgs, T


def check_case_safe(args, c):
    try:
        return check_case(args, c)
    except Exception as e:  # a broken generator or tool output: a failure, not a crash
        import traceback
        return c, ["%s: %s" % (type(e).__name__, traceback.format_exc().strip().splitlines()[-3:])], [], {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max78sim", required=True)
    ap.add_argument("--kat-runner", default=None, help="also run the known-answer runner on the generated cases")
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", default=os.environ.get("M78SIM_CORPUS") or os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--spec", default=None, help="reference model folder (default CORPUS/../spec/reference-model)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--counts", default=DEFAULT_COUNTS)
    ap.add_argument("--no-viewer", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated cases")
    args = ap.parse_args()
    args.spec = args.spec or os.path.join(args.corpus, "..", "spec", "reference-model")
    if not os.path.exists(os.path.join(args.spec, "refsim.py")):
        print("multi_operand_dumps: no reference model at %s: skipped" % args.spec)
        return 77
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    counts = parse_counts(args.counts)
    failed = []
    t0 = time.monotonic()
    times = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for c, bad, msgs, t in pool.map(check_case_safe, [args] * len(counts), counts):
            for k, v in t.items():
                times[k] = times.get(k, 0.0) + v
            if bad:
                failed.append(c)
                print("FAIL %3d channels: %s" % (c, "; ".join(bad)), flush=True)
            else:
                print("ok   %3d channels: %s" % (c, ", ".join(msgs)), flush=True)
    if args.kat_runner:
        cases = ["c%03d" % c for c in counts if os.path.isfile(os.path.join(args.work, "c%03d" % c, "expected.json"))]
        r = timed(times, "kat_runner", run, [args.kat_runner, "--corpus", args.work, "--max78sim", args.max78sim, "--jobs", str(args.jobs)] + cases)
        lines = [l for l in r.stdout.splitlines() if l.startswith(("PASS", "FAIL", "  "))]
        kat_bad = [l for l in lines if not l.startswith("PASS")]
        if r.returncode != 0:
            print("FAIL kat_runner (exit %d): %s" % (r.returncode, " | ".join(kat_bad)[:3000]))
            failed.append("kat_runner")
        else:
            print("ok   kat_runner: %s" % r.stdout.strip().splitlines()[-1])
    print("%d of %d channel counts passed%s" % (len(counts) - len([f for f in failed if f != "kat_runner"]),
                                               len(counts), "" if "kat_runner" not in failed else "; kat_runner failed"))
    print("time: %.0f s on %d jobs (%s)" % (time.monotonic() - t0, args.jobs,
                                             ", ".join("%s %.0f s" % kv for kv in times.items())))
    if not failed and not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
