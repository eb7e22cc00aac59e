#!/usr/bin/python3
"""Known answers for inputs nobody baked in (issue 15).

For each corpus network and each of N random inputs:
  1. copy the project's firmware folder to a temporary folder and replace
     every SAMPLE_INPUT_n of its sampledata.h by random 32-bit words (all
     byte lanes random, so a byte the input map misses changes the answer);
  2. recompute the network from that copy with the independent reference
     model (../shared/spec/reference-model/refsim.py, numpy), keeping the
     data memory after every layer;
  3. `max78sim input export COPY -o x.npy` turns the copy's words into the
     C x H x W tensor layer 0 reads, and `max78sim run ORIGINAL --input
     x.npy --dump-layers D` runs the unmodified firmware on it;
  4. every value of every layer in D, at the data-memory bytes D's
     footprint.bin says the layer wrote, must equal the reference model's
     memory after that layer, byte for byte.

Usage: refmodel_random.py --max78sim PATH [--corpus DIR] [--inputs N]
                          [--seed S] CASE...
Prints one line per case and a final 'N passed, M failed' line; exit 0
only when every input of every case matched.  A missing corpus or
reference model exits 77 (skip).
"""
import argparse
import collections
import contextlib
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("refmodel_random: python3-numpy is not installed (apt-get install python3-numpy)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def load_refsim(spec_dir):
    sys.path.insert(0, spec_dir)
    import refsim  # noqa: E402  (the reference model of ../shared/spec)
    return refsim


def sample_defines(text):
    """{n: word count} of every SAMPLE_INPUT_n in sampledata.h."""
    out = {}
    for m in re.finditer(r"#define SAMPLE_INPUT_(\d+) \{(.*?)\}", text, re.S):
        out[int(m.group(1))] = len(re.findall(r"0x[0-9a-fA-F]+|\b\d+\b", m.group(2)))
    return out


def write_sampledata(path, words_by_n):
    with open(path, "w") as f:
        f.write("// random input written by tests/scripts/refmodel_random.py\n\n")
        for n, words in sorted(words_by_n.items()):
            f.write(f"#define SAMPLE_INPUT_{n} {{ \\\n")
            for i in range(0, len(words), 8):
                f.write("  " + ", ".join(f"0x{int(w):08x}" for w in words[i:i + 8]) + ", \\\n")
            f.write("}\n\n")


class Snapshots(collections.defaultdict):
    """The per-layer registers refsim indexes at the start of each layer:
    the first access of layer l > 0 means layer l-1 is done, so the memory
    is copied then."""

    def __init__(self, items, ctx):
        super().__init__(items.default_factory, items)
        self.ctx = ctx

    def __getitem__(self, i):
        if isinstance(i, int) and i > 0 and i not in self.ctx["before"] and self.ctx["mem"] is not None:
            self.ctx["before"][i] = self.ctx["mem"].w.copy()
        return super().__getitem__(i)


def reference_layers(refsim, fwdir):
    """Data memory (16 x 8192 uint32) after each layer, from refsim."""
    ctx = {"mem": None, "before": {}}
    orig_parse, orig_mem = refsim.parse, refsim.Mem

    class Mem(orig_mem):
        def __init__(self):
            super().__init__()
            ctx["mem"] = self

    def parse(path):
        ctl, lay, rest = orig_parse(path)
        return ctl, Snapshots(lay, ctx), rest

    refsim.parse, refsim.Mem = parse, Mem
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            refsim.run(fwdir)
    finally:
        refsim.parse, refsim.Mem = orig_parse, orig_mem
    after = {l - 1: m for l, m in ctx["before"].items()}
    nlayers = max(after) + 2 if after else 1
    after[nlayers - 1] = ctx["mem"].w.copy()
    return after


def footprints(path):
    """{layer: (executed, out_c, out_h, out_w, elem_bytes, runs)} from footprint.bin."""
    b = open(path, "rb").read()
    assert b[:8] == b"M78FOOT1", path
    n, = struct.unpack_from("<I", b, 8)
    off, out = 12, {}
    for _ in range(n):
        idx, executed, c, h, w, eb, nruns = struct.unpack_from("<7I", b, off)
        off += 28
        runs = []
        for _ in range(nruns):
            runs.append(struct.unpack_from("<BBHIiiiI", b, off))
            off += 24
        out[idx] = (executed, c, h, w, eb, runs)
    return out


def compare_layers(dump_dir, ref_after):
    """Returns (layers compared, values compared, first mismatch or None)."""
    fp = footprints(os.path.join(dump_dir, "footprint.bin"))
    nlay = nval = 0
    for idx in sorted(fp):
        executed, c, h, w, eb, runs = fp[idx]
        if not executed:
            continue
        if idx not in ref_after:
            return nlay, nval, f"layer {idx}: the reference model ran no such layer"
        ext = "i32" if eb == 4 else "i8"
        data = np.fromfile(os.path.join(dump_dir, f"L{idx:02d}.{ext}"), dtype=np.int32 if eb == 4 else np.int8)
        data = data.reshape(c, h * w)
        mem = ref_after[idx]
        for inst, lanes, _, word0, step, ch, pix0, count in runs:
            k = np.arange(count)
            words = mem[inst, word0 + k * step].astype(np.uint32)
            ours = data[ch, pix0 + k]
            if eb == 4:
                ref = words.view(np.int32)
            else:
                lane = (lanes & -lanes).bit_length() - 1
                ref = ((words >> np.uint32(8 * lane)) & np.uint32(0xFF)).astype(np.uint8).view(np.int8)
            bad = np.nonzero(ref != ours)[0]
            if len(bad):
                j = int(bad[0])
                return nlay, nval, (f"layer {idx}, channel {ch}, pixel {pix0 + j} (instance {inst}, word "
                                    f"{word0 + j * step}): max78sim {int(ours[j])}, reference {int(ref[j])}")
            nval += count
        nlay += 1
    return nlay, nval, None


def run_case(args, refsim, case, rng):
    src = os.path.join(args.corpus, case, "firmware")
    if not os.path.isdir(src):
        src = os.path.join(args.corpus, case)
    defines = sample_defines(open(os.path.join(src, "sampledata.h")).read())
    checked_layers = checked_values = 0
    with tempfile.TemporaryDirectory(prefix="m78-refmodel-") as tmp:
        copy = os.path.join(tmp, "fw")
        shutil.copytree(src, copy)
        for i in range(args.inputs):
            words = {n: rng.integers(0, 2**32, size=cnt, dtype=np.uint64).astype(np.uint32)
                     for n, cnt in defines.items()}
            write_sampledata(os.path.join(copy, "sampledata.h"), words)
            ref_after = reference_layers(refsim, copy)
            npy = os.path.join(tmp, "x.npy")
            dump = os.path.join(tmp, f"d{i}")
            r = subprocess.run([args.max78sim, "input", "export", copy, "-o", npy], capture_output=True, text=True)
            if r.returncode != 0:
                return False, f"input {i}: input export exited {r.returncode}: {r.stderr.strip()}"
            r = subprocess.run([args.max78sim, "run", src, "--input", npy, "-q", "--no-table",
                                "--dump-layers", dump], capture_output=True, text=True)
            if r.returncode != 0:
                return False, f"input {i}: run --input exited {r.returncode}: {r.stderr.strip()[-300:]}"
            nl, nv, bad = compare_layers(dump, ref_after)
            if bad:
                return False, f"input {i}: {bad}"
            checked_layers += nl
            checked_values += nv
            shutil.rmtree(dump)
    return True, f"{args.inputs} random inputs, {checked_layers} layer outputs, {checked_values} values equal"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max78sim", required=True)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--spec", default=None, help="reference model folder (default CORPUS/../spec/reference-model)")
    ap.add_argument("--inputs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    spec = args.spec or os.path.join(args.corpus, "..", "spec", "reference-model")
    if not os.path.isdir(args.corpus) or not os.path.exists(os.path.join(spec, "refsim.py")):
        print(f"refmodel_random: no corpus at {args.corpus} or no reference model at {spec}: skipped")
        return 77
    refsim = load_refsim(spec)
    rng = np.random.default_rng(args.seed)
    passed = failed = 0
    for case in args.cases:
        ok, msg = run_case(args, refsim, case, rng)
        print(f"{'PASS' if ok else 'FAIL'} {case}: {msg}", flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
