#!/usr/bin/env python3
"""Self-made test firmware for max78sim: many independent layers per
program, written from the register description (../shared/spec/registers.md,
sim/include/max78sim/regs.def), not by the synthesizer.

One program holds layers of every kind this generator can express for one
channel count C: passthrough, max and average pooling, element-wise
add/sub/or/xor with 2..16 operands (no pooling, pooling before the
combination, pooling after it), element-wise fused with a 3x3 or 1x1
convolution, and single-operand 3x3, 1x1 and 32-bit 1x1 convolutions,
one with its output map starting off a word boundary (dummy slots).
Channels sit on the processors izer would give them (channel c of a
layer with `thresh` processors per pass on processor start + c % thresh in
pass c // thresh; thresh rounded up to whole memory instances above 64
channels), so the larger counts spread over all four quadrants; multi-pass
element-wise layers that the hardware cannot fuse are run the way izer
emulates them (EMULATE_ELTWISE_MP: the passes as extra rows).

Every layer reads its own input words and writes its own output words, so
the layers do not depend on each other.  The expected outputs are computed
here, from the layer descriptions (numpy, compute.md), never by the
simulator; the program's own check (sampleoutput.h) compares every real
output byte, and the files use izer's layout (cnn.c register stores,
weights.h KERNELS/BIAS_n, main.c memcpy32 of sampledata.h), so the
reference model in ../shared/spec/reference-model recomputes the same
network from the register writes alone.

Besides the firmware the folder gets expected.json and layers/Lnn.i8|i32:
every layer's logical output (C x H x W, int8, or int32 little-endian), in
the corpus case format.

usage: mkfw.py OUTDIR C [C ...]      writes OUTDIR/cNNN/{firmware,layers,expected.json}
"""
import json
import os
import sys

import numpy as np

MAX_PROC = 64
SRAM_WORDS = 8192
FUNCS = {"sub": 0, "add": 1, "or": 2, "xor": 3}

# register arrays (registers.md 1.2)
RCNT, CCNT, ONED, PRCNT, PCCNT, STRIDE, WPTR_BASE, WPTR_TOFF, WPTR_MOFF, WPTR_CHOFF = range(10)
RPTR_BASE, LCTRL0, MCNT, TPTR, EN, POST, LCTRL1 = 10, 11, 12, 13, 14, 15, 20
REG_NAMES = {RCNT: "rows", CCNT: "columns", ONED: "1D / element-wise", PRCNT: "pool rows", PCCNT: "pool columns",
             STRIDE: "stride", WPTR_BASE: "SRAM write ptr", WPTR_TOFF: "write ptr time slot offs",
             WPTR_MOFF: "write ptr mask offs", WPTR_CHOFF: "write ptr pass offs", RPTR_BASE: "SRAM read ptr",
             LCTRL0: "layer control", MCNT: "mask start and end", TPTR: "TRAM ptr max", EN: "processor and mask enables",
             POST: "post processing", LCTRL1: "layer control 2"}


def qbase(g):
    return 0x50100000 + g * 0x400000


def lreg(g, array, layer):
    return qbase(g) + 0x10 + 0x80 * array + 4 * layer


def sram_addr(inst, word):
    return 0x50400000 + (inst // 4) * 0x400000 + (inst % 4) * 0x8000 + 4 * word


def mram_base(p):
    return 0x50180000 + (p // 16) * 0x400000 + (p % 16) * 0x4000


def bias_base(g):
    return 0x50108000 + g * 0x400000


def ceil_div(a, b):
    return -(-a // b)


def pass_split(c):
    """izer's passes and processors per pass for c channels."""
    ne = ceil_div(c, MAX_PROC)
    thresh = ceil_div(c, ne)
    if c > MAX_PROC:
        thresh = min((thresh + 3) & ~3, MAX_PROC)
    return ne, thresh


# ---- the arithmetic (compute.md 2.1, 2.2, 1.5) ----

def clamp8(a):
    return np.clip(a, -128, 127)


def combine(ops, func):
    out = ops[0].astype(np.int64)
    for x in ops[1:]:
        x = x.astype(np.int64)
        if func == "add":
            out = out + x
        elif func == "sub":
            out = out - x
        elif func == "or":
            out = out | x
        else:
            out = out ^ x
    return clamp8(out)


def pool2d(a, ph, pw, st, is_max):
    """a: (..., H, W) -> (..., Hp, Wp); average truncates toward zero."""
    h, w = a.shape[-2:]
    hp, wp = (h - ph) // st + 1, (w - pw) // st + 1
    out = np.zeros(a.shape[:-2] + (hp, wp), dtype=np.int64)
    for r in range(hp):
        for c in range(wp):
            win = a[..., r * st:r * st + ph, c * st:c * st + pw].astype(np.int64)
            if is_max:
                out[..., r, c] = win.max(axis=(-1, -2))
            else:
                s = win.sum(axis=(-1, -2))
                n = ph * pw
                out[..., r, c] = np.sign(s) * (np.abs(s) // n)
    return out


def requant(acc, shift):
    """round half up of acc * 2^shift / 128, then clamp (integer form)."""
    if shift < 7:
        k = 7 - shift
        t = (acc + (1 << (k - 1))) >> k
    else:
        t = acc << (shift - 7)
    return clamp8(t)


def conv(x, w, bias, k, pad):
    """x: (Cin, H, W), w: (Cout, Cin, k, k) -> int64 accumulators (Cout, Ho, Wo)."""
    cin, h, wd = x.shape
    xp = np.pad(x.astype(np.int64), ((0, 0), (pad, pad), (pad, pad)))
    ho, wo = h + 2 * pad - k + 1, wd + 2 * pad - k + 1
    acc = np.zeros((w.shape[0], ho, wo), dtype=np.int64)
    for ky in range(k):
        for kx in range(k):
            patch = xp[:, ky:ky + ho, kx:kx + wo]
            acc += np.einsum("oi,irc->orc", w[:, :, ky, kx].astype(np.int64), patch)
    if bias is not None:
        acc += 128 * bias.astype(np.int64)[:, None, None]
    return acc


# ---- one program ----

class Program:
    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.layers = []
        self.regs = []             # (layer, quadrant, array, value)
        self.next_word = 0         # the same word range in every instance
        self.next_col = 0          # the same kernel columns in every processor
        self.bias_used = [0, 0, 0, 0]
        self.bias = [[] for _ in range(4)]
        self.mram = {}             # processor -> {slot: byte}
        self.inputs = {}           # (layer, instance) -> (word, [words])
        self.expect = {}           # (instance, word) -> [value, mask]
        self.summaries = []
        self.placement = []        # per layer: {(channel, pixel): (instance, word, lane)}
        self.slots = []            # per layer: {(channel, pixel): (hardware slot, hardware pixel)}

    def words(self, n):
        w = self.next_word
        self.next_word += n
        assert self.next_word <= SRAM_WORDS, "the layers do not fit the data memory"
        return w

    def reg(self, layer, g, array, value):
        if value:
            self.regs.append((layer, g, array, value & 0xFFFFFFFF))

    def expect_byte(self, inst, word, lane, value):
        e = self.expect.setdefault((inst, word), [0, 0])
        assert not e[1] & (0xFF << (8 * lane)), "two outputs in one byte"
        e[0] |= (int(value) & 0xFF) << (8 * lane)
        e[1] |= 0xFF << (8 * lane)

    def expect_word(self, inst, word, value):
        e = self.expect.setdefault((inst, word), [0, 0])
        assert not e[1], "two outputs in one word"
        e[0], e[1] = int(value) & 0xFFFFFFFF, 0xFFFFFFFF

    def add_layer(self, kind, c, h, w, ops=1, func="add", pool=None, prepool=True, conv_k=0, cout=0,
                  bias=False, relu=False, out32=False, start=0, out_start=0, label=""):
        """kind: 'pass' (no convolution: passthrough, pooling, element-wise) or 'conv'.
        pool: (ph, pw, stride, is_max) or None."""
        L = len(self.layers)
        ne, thresh = pass_split(c)
        assert start % 4 == 0 or kind == "conv"
        assert start + thresh <= MAX_PROC
        emulate = ops > 1 and ne > 1 and ne * ops != ne + ops
        assert not (emulate and (pool or kind == "conv")), "izer runs such a layer only as a plain passthrough"
        procs = list(range(start, start + thresh))
        rng = self.rng
        place, hw = {}, {}

        # the input: ops x C x H x W, operand k of channel c in word (pix*ne + e)*ops + k
        x = rng.integers(-128, 128, size=(ops, c, h, w)).astype(np.int64)
        in_off = self.words(h * w * ne * ops)
        mem = {}
        for ch in range(c):
            e, i = divmod(ch, thresh)
            p = procs[i]
            for k in range(ops):
                for pix in range(h * w):
                    word = in_off + (pix * ne + e) * ops + k
                    key = (p // 4, word)
                    mem[key] = mem.get(key, 0) | (int(x[k, ch, pix // w, pix % w]) & 0xFF) << (8 * (p % 4))
        for inst in sorted({p // 4 for p in procs}):
            self.inputs[(L, inst)] = (in_off, [mem.get((inst, in_off + j), 0) for j in range(h * w * ne * ops)])

        # the layer's logical computation
        combined = None
        if ops > 1:
            if pool and prepool:
                a = combine([pool2d(x[k], *pool) for k in range(ops)], func)
            elif pool:
                combined = combine([x[k] for k in range(ops)], func)
                a = pool2d(combined, *pool)
            else:
                a = combine([x[k] for k in range(ops)], func)
        else:
            a = pool2d(x[0], *pool) if pool else x[0]
        hp, wp = a.shape[1:]

        hw_h, hw_ne = (h * ne, 1) if emulate else (h, ne)
        pad = 1 if conv_k == 3 else 0
        regs = {}
        if kind == "conv":
            o_ne, o_thresh = pass_split(cout)
            if o_ne > 1:
                assert out_start == 0
            lead = out_start % 4
            spp = lead + o_thresh                   # slots per output pass (fls - (ffs & ~3) + 1)
            nslots = spp * o_ne                     # izer's kern_count / input passes
            wk = rng.integers(-128, 128, size=(cout, c, conv_k, conv_k)).astype(np.int64)
            bv = rng.integers(-128, 128, size=cout).astype(np.int64) if bias else None
            acc = conv(a, wk, bv, conv_k, pad)
            shift = 0 if out32 else -int(np.ceil(np.log2(c * conv_k * conv_k))) // 2 - 1
            y = acc if out32 else requant(acc, shift)
            if relu and not out32:
                y = np.maximum(y, 0)
            ho, wo = y.shape[1:]
            out_words = ho * wo * o_ne * (4 if out32 else 1)
            out_off = self.words(out_words)
            # kernels: use k = o*ne + e of processor i (input channel e*thresh + i)
            uses = nslots * hw_ne
            col0 = (self.next_col + 3) & ~3
            if conv_k == 3:
                ncols = uses
                sad = 8 * col0
            else:
                ncols = ceil_div(uses, 9)
                sad = 72 * col0
            self.next_col = col0 + ncols
            assert self.next_col <= 768, "kernel memory is full"
            for i, p in enumerate(procs):
                slots = self.mram.setdefault(p, {})
                for o in range(nslots):
                    ep, s = divmod(o, spp)
                    oc = ep * o_thresh + s - lead if s >= lead else -1
                    for e in range(hw_ne):
                        ic = e * thresh + i
                        kern = wk[oc, ic] if 0 <= oc < cout and ic < c else np.zeros((conv_k, conv_k), np.int64)
                        u = o * hw_ne + e
                        if conv_k == 3:
                            for t in range(9):
                                slots[9 * (col0 + u) + 8 - t] = int(kern[t // 3, t % 3]) & 0xFF
                        else:
                            slots[9 * col0 + u] = int(kern[0, 0]) & 0xFF
            # bias: one entry per slot, in the first quadrant with room
            bq, bsad = -1, 0
            if bias:
                for g in range(4):
                    if self.bias_used[g] + nslots <= 512:
                        bq, bsad = g, self.bias_used[g]
                        break
                assert bq >= 0, "bias memory is full"
                for o in range(nslots):
                    ep, s = divmod(o, spp)
                    oc = ep * o_thresh + s - lead if s >= lead else -1
                    self.bias[bq].append(int(bv[oc]) & 0xFF if 0 <= oc < cout else 0)
                self.bias_used[bq] += nslots
            # output placement: slot o -> instance base + s//4, lane s%4
            base_inst = (out_start & ~3) // 4
            winc = o_ne - 1
            for oc in range(cout):
                ep, j = divmod(oc, o_thresh)
                s = lead + j
                inst = base_inst + s // 4
                for pix in range(ho * wo):
                    v = int(y[oc, pix // wo, pix % wo])
                    if out32:
                        word = out_off + 4 * pix * (winc + 1) + ep * 4 + s % 4
                        self.expect_word(inst, word, v)
                        place[(oc, pix)] = (inst, word, 0)
                    else:
                        word = out_off + pix * (winc + 1) + ep
                        self.expect_byte(inst, word, s % 4, v)
                        place[(oc, pix)] = (inst, word, s % 4)
                    hw[(oc, pix)] = (ep * spp + s, pix)
            quads = {p // 16 for p in procs} | ({bq} if bq >= 0 else set())
            cnnsi = sum(1 << (12 + g) for g in quads if g)
            oned = (1 << 8 if conv_k == 1 else 0)
            if ops > 1:
                oned |= 1 << 13 | FUNCS[func] << 14 | (1 << 16 if pool and prepool else 0) | 1 << 17 | (ops - 1) << 18
            lc0 = 1 << 5 | (1 << 7 if pool else 0) | (0 if pool and not pool[3] else 1 << 8) | \
                (1 << 9 if relu else 0) | 1 << 11 | (1 << 16 if out32 else 0)
            lc1 = (hw_ne - 1) | winc << 4 | ((spp - 1) * 8) << 8
            tram = wp + 2 * pad - conv_k + 1
            post = (abs(shift) << 13) | (1 << 17 if shift < 0 else 0)
            common = {RCNT: (hw_h - 1 + 2 * pad) | pad << 16, CCNT: (w - 1 + 2 * pad) | pad << 16, ONED: oned,
                      WPTR_BASE: base_inst << 13 | out_off, WPTR_TOFF: 1 if conv_k == 1 else 0, WPTR_MOFF: 0x2000,
                      WPTR_CHOFF: (4 if out32 else 1) if o_ne > 1 else 0, RPTR_BASE: in_off, LCTRL1: lc1,
                      MCNT: sad << 16 | (sad + (uses - 1) * 8), TPTR: tram - 1 if conv_k == 3 else 0}
            for g in range(4):
                r = dict(common)
                r[LCTRL0] = lc0 | (cnnsi if g == 0 else 0)
                en = sum(1 << (p % 16) for p in procs if p // 16 == g)
                r[EN] = en | en << 16
                r[POST] = post | (bsad | 1 << 12 if g == bq else 0)
                regs[g] = r
            out_shape, dtype = (cout, ho, wo), ("int32le" if out32 else "int8")
            logical = y
            opname = ("%d-element %s, " % (ops, func) if ops > 1 else "") + "conv2d %dx%d" % (conv_k, conv_k)
        else:
            out_off = self.words(hp * wp * ne)
            # each quadrant packs its processors: k-th -> time slot k//4, lane k%4
            per_q = {}
            for p in procs:
                per_q.setdefault(p // 16, []).append(p)
            for ch in range(c):
                e, i = divmod(ch, thresh)
                p = procs[i]
                k = per_q[p // 16].index(p)
                inst = per_q[p // 16][0] // 4 + k // 4
                for pix in range(hp * wp):
                    self.expect_byte(inst, out_off + pix * ne + e, k % 4, a[ch, pix // wp, pix % wp])
                    place[(ch, pix)] = (inst, out_off + pix * ne + e, k % 4)
                    # the dump's slot (pass-major, processors in order) and pixel; the
                    # emulated layer's passes are rows of one pass
                    hw[(ch, pix)] = (i, pix * ne + e) if emulate else (e * thresh + i, pix)
            tscnt = max((len(v) - 1) // 4 for v in per_q.values())
            oned = tscnt
            if ops > 1:
                oned |= 1 << 13 | FUNCS[func] << 14 | (1 << 16 if pool and prepool else 0) | (ops - 1) << 18
            else:
                oned |= 1 << 8
            lc0 = 1 << 5 | (1 << 7 if pool else 0) | (0 if pool and not pool[3] else 1 << 8) | 1 << 11
            for g in range(4):
                r = {RCNT: hw_h - 1, CCNT: w - 1, ONED: oned,
                     WPTR_TOFF: 0x2000 if len(procs) > 4 or (ops > 1 and ne > 1) else 0x800,
                     WPTR_CHOFF: 1 if ne > 1 else 0, RPTR_BASE: in_off, LCTRL0: lc0, LCTRL1: hw_ne - 1,
                     MCNT: 0 if emulate else (ne - 1) * 8, POST: (1 << 24) if ops > 1 else (3 << 24)}
                if g in per_q:
                    r[WPTR_BASE] = (per_q[g][0] // 4) << 13 | out_off
                    r[EN] = sum(1 << (p % 16) for p in per_q[g])
                regs[g] = r
            out_shape, dtype = (c, hp, wp), "int8"
            logical = a
            opname = "%d-element %s" % (ops, func) if ops > 1 else ("pool" if pool else "passthrough")
        if pool:
            regs_pool = {PRCNT: pool[0] - 1, PCCNT: pool[1] - 1, STRIDE: pool[2] - 1}
            for g in range(4):
                regs[g].update(regs_pool)
        for g in range(4):
            for array in sorted(regs[g]):
                self.reg(L, g, array, regs[g][array])
        self.placement.append(place)
        self.slots.append(hw)
        pooltxt = ("%s pool %dx%d with stride %d" % ("max" if pool[3] else "avg", pool[0], pool[1], pool[2])
                   if pool else "no pooling")
        izer_op = ("CONV2D" if kind == "conv" else "PASSTHROUGH") + (", %d OPERANDS" % ops if ops > 1 else "")
        self.layers.append({"index": L, "label": label, "op": izer_op, "description": opname, "channels": c,
                            "operands": ops,
                            "passes": ne, "emulated": emulate, "processors": "%d-%d" % (procs[0], procs[-1]),
                            "pool": pooltxt, "prepool": bool(pool and prepool and ops > 1),
                            "input_shape": [c, h, w], "shape": list(out_shape), "dtype": dtype,
                            "data": np.asarray(logical, dtype=np.int64), "combined": combined})
        self.summaries.append("Layer %d (%s): %s%dx%dx%d, %s, %s, %dx%dx%d output" % (
            L, label or "l%d" % L, "%dx" % ops if ops > 1 else "", c, h, w, pooltxt, opname, *out_shape))

    # ---- files ----

    def write(self, case_dir):
        fw = os.path.join(case_dir, "firmware")
        lay = os.path.join(case_dir, "layers")
        os.makedirs(fw, exist_ok=True)
        os.makedirs(lay, exist_ok=True)
        self._write_cnn_c(fw)
        self._write_cnn_h(fw)
        self._write_weights_h(fw)
        self._write_sampledata_h(fw)
        self._write_sampleoutput_h(fw)
        self._write_main_c(fw)
        layers = []
        for l in self.layers:
            ext = "i32" if l["dtype"] == "int32le" else "i8"
            fname = "layers/L%02d.%s" % (l["index"], ext)
            arr = l["data"].astype("<i4" if ext == "i32" else np.int8)
            with open(os.path.join(case_dir, fname), "wb") as f:
                f.write(arr.tobytes())
            d = {k: v for k, v in l.items() if k not in ("data", "combined")}
            d["output"] = {"file": fname, "shape_chw": l["shape"], "dtype": l["dtype"]}
            if l["combined"] is not None:
                # the element-wise result before pooling (what izer logs for such a layer)
                cname = "layers/L%02d.combined.i8" % l["index"]
                with open(os.path.join(case_dir, cname), "wb") as f:
                    f.write(l["combined"].astype(np.int8).tobytes())
                d["combined"] = {"file": cname, "shape_chw": list(l["combined"].shape), "dtype": "int8"}
            layers.append(d)
        with open(os.path.join(case_dir, "expected.json"), "w") as f:
            json.dump({"name": self.name, "device": "MAX78000",
                       "description": "self-made test firmware (tests/fw/gen/mkfw.py)", "layers": layers}, f, indent=1)

    @staticmethod
    def _define(name, values, per_line=8):
        lines = ["#define %s { \\" % name]
        vals = ["0x%08x" % v for v in values] or ["0x00000000"]
        for i in range(0, len(vals), per_line):
            lines.append("  " + ", ".join(vals[i:i + per_line]) + ", \\")
        lines[-1] = lines[-1][:-3] + " \\"
        lines.append("}")
        return "\n".join(lines) + "\n"

    def unload_layers(self):
        return [l for l in self.layers if l["dtype"] == "int8"]

    def unload_values(self):
        """What cnn_unload() writes: every 8-bit layer's logical output, C x H x W, in layer order."""
        return np.concatenate([l["data"].reshape(-1) for l in self.unload_layers()]).astype(np.int64)

    def _write_cnn_c(self, fw):
        n = len(self.layers)
        out = ["/* %s: self-made test firmware written by tests/fw/gen/mkfw.py (not by the" % self.name,
               " * synthesizer); register values from ../shared/spec/registers.md. */",
               "#include <stdint.h>", "#include <string.h>", '#include "mxc.h"', '#include "gcfr_regs.h"',
               '#include "cnn.h"', '#include "weights.h"', ""]
        out += ["// " + s for s in self.summaries]
        out += ["", "volatile int cnn_done;", "", "void CNN_ISR(void)", "{"]
        for g in range(4):
            out.append("  *((volatile uint32_t *) 0x%08x) &= ~((1u << 12) | 1u); // clear cnn_irq, cnn_en" % qbase(g))
        out += ["  cnn_done = 1;", "}", "",
                "void memcpy32(uint32_t *dst, const uint32_t *src, int n)", "{",
                "  while (n-- > 0)", "    *dst++ = *src++;", "}", "",
                "/* one byte per 32-bit store: the bias memories hold 8 bits in each word */",
                "static void memcpy_8to32(uint32_t *dst, const uint8_t *src, int n)", "{",
                "  while (n-- > 0)", "    *dst++ = *src++;", "}", "",
                "static const uint32_t kernels[] = KERNELS;", "",
                "int cnn_load_weights(void)", "{",
                "  const uint32_t *ptr = kernels;", "  volatile uint32_t *addr;",
                "  while ((addr = (volatile uint32_t *) (uintptr_t) *ptr++) != 0) {",
                "    uint32_t len = *ptr++;",
                "    *((volatile uint8_t *) ((uintptr_t) addr | 1)) = 0x01; // Set address (packed loading)",
                "    while (len-- > 0)", "      *addr++ = *ptr++;", "  }", "  return CNN_OK;", "}", ""]
        for g in range(4):
            if self.bias[g]:
                out.append("static const uint8_t bias_%d[] = BIAS_%d;" % (g, g))
        out += ["", "int cnn_load_bias(void)", "{"]
        for g in range(4):
            if self.bias[g]:
                out.append("  memcpy_8to32((uint32_t *) 0x%08x, bias_%d, sizeof(uint8_t) * %d);" %
                           (bias_base(g), g, len(self.bias[g])))
        out += ["  return CNN_OK;", "}", "", "int cnn_init(void)", "{",
                "  *((volatile uint32_t *) 0x50001000) = 0x00000000; // AON control"]
        for g in range(4):
            out.append("  *((volatile uint32_t *) 0x%08x) = 0x00100008; // quadrant %d: stopped, clocks, packed kernels"
                       % (qbase(g), g))
            out.append("  *((volatile uint32_t *) 0x%08x) = 0x0000040e; // SRAM control" % (qbase(g) + 4))
            if n > 1:
                out.append("  *((volatile uint32_t *) 0x%08x) = 0x%08x; // last layer" % (qbase(g) + 8, n - 1))
        out += ["  return CNN_OK;", "}", "", "int cnn_configure(void)", "{"]
        last = None
        for (L, g, array, value) in self.regs:
            if (L, g) != last:
                out.append("  // Layer %d quadrant %d" % (L, g))
                last = (L, g)
            out.append("  *((volatile uint32_t *) 0x%08x) = 0x%08x; // %s" % (lreg(g, array, L), value, REG_NAMES[array]))
        out += ["  return CNN_OK;", "}", ""]
        # cnn_unload(): channel c, pixel p of an 8-bit layer from (word address, word step, lane) of c
        out += ["/* per channel: address of pixel 0, words from one pixel to the next, byte lane */"]
        for l in self.unload_layers():
            n = l["index"]
            C, H, W = l["shape"]
            vals = []
            for ch in range(C):
                inst, word, lane = self.placement[n][(ch, 0)]
                step = self.placement[n][(ch, 1)][1] - word if H * W > 1 else 0
                vals += [sram_addr(inst, word), step << 8 | lane]
            out.append(self._define("UNLOAD_%d" % n, vals).rstrip())
            out.append("static const uint32_t unload_%d[] = UNLOAD_%d;" % (n, n))
        out += ["", "static uint8_t *unload_part(uint8_t *out, const uint32_t *map, int channels, int pixels)", "{",
                "  for (int c = 0; c < channels; c++, map += 2) {",
                "    volatile uint32_t *addr = (volatile uint32_t *) (uintptr_t) map[0];",
                "    for (int p = 0; p < pixels; p++, addr += map[1] >> 8)",
                "      *out++ = (uint8_t) (*addr >> (8 * (map[1] & 3)));", "  }", "  return out;", "}", "",
                "int cnn_unload(uint32_t *out_buf32)", "{", "  uint8_t *out = (uint8_t *) out_buf32;"]
        for l in self.unload_layers():
            C, H, W = l["shape"]
            out.append("  // Custom unload for this network, layer %d: 8-bit data, shape: (%d, %d, %d)" % (l["index"], C, H, W))
            out.append("  out = unload_part(out, unload_%d, %d, %d);" % (l["index"], C, H * W))
        out += ["  return CNN_OK;", "}", ""]
        out += ["int cnn_start(void)", "{", "  cnn_done = 0;"]
        for g in (1, 2, 3):
            out.append("  *((volatile uint32_t *) 0x%08x) = 0x00100809; // arm quadrant %d" % (qbase(g), g))
        out += ["  *((volatile uint32_t *) 0x50100000) = 0x00100808; // quadrant 0",
                "  *((volatile uint32_t *) 0x50100000) = 0x00100009; // master enable: start",
                "  return CNN_OK;", "}", "",
                "int cnn_enable(void)", "{",
                "  MXC_GCFR->reg3 = 0xf; // reset all quadrants", "  MXC_GCFR->reg1 = 0xf; // memories",
                "  MXC_GCFR->reg0 = 0xf; // power", "  MXC_GCFR->reg2 = 0x0; // no isolation",
                "  MXC_GCFR->reg3 = 0x0; // release reset",
                "  MXC_GCR->pclkdiv = (MXC_GCR->pclkdiv & ~(MXC_F_GCR_PCLKDIV_CNNCLKDIV | MXC_F_GCR_PCLKDIV_CNNCLKSEL)) |",
                "                     MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV1 | MXC_S_GCR_PCLKDIV_CNNCLKSEL_PCLK;",
                "  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_CNN);",
                "  MXC_NVIC_SetVector(CNN_IRQn, CNN_ISR);", "  return CNN_OK;", "}", "",
                "int cnn_disable(void)", "{",
                "  MXC_SYS_ClockDisable(MXC_SYS_PERIPH_CLOCK_CNN);",
                "  MXC_GCFR->reg3 = 0xf;", "  MXC_GCFR->reg2 |= 0xf;", "  MXC_GCFR->reg0 = 0x0;",
                "  MXC_GCFR->reg1 = 0x0;", "  MXC_GCFR->reg3 = 0x0;", "  return CNN_OK;", "}", ""]
        with open(os.path.join(fw, "cnn.c"), "w") as f:
            f.write("\n".join(out))

    def _write_cnn_h(self, fw):
        text = """/* %s: self-made test firmware (tests/fw/gen/mkfw.py). */
#ifndef MKFW_CNN_H
#define MKFW_CNN_H
#include <stdint.h>
#define CNN_FAIL 0
#define CNN_OK 1
extern volatile int cnn_done;
void memcpy32(uint32_t *dst, const uint32_t *src, int n);
int cnn_enable(void);
int cnn_disable(void);
int cnn_init(void);
int cnn_configure(void);
int cnn_load_weights(void);
int cnn_load_bias(void);
int cnn_start(void);
int cnn_unload(uint32_t *out_buf);
void CNN_ISR(void);
/* cnn_unload() writes this many 8-bit values */
#define CNN_NUM_OUTPUTS %d
#endif
""" % (self.name, len(self.unload_values()))
        with open(os.path.join(fw, "cnn.h"), "w") as f:
            f.write(text)

    def _write_weights_h(self, fw):
        recs = []
        for p in sorted(self.mram):
            slots = self.mram[p]
            cols = sorted({s // 9 for s in slots})
            # runs of consecutive columns, one record each
            runs, cur = [], [cols[0]]
            for col in cols[1:]:
                if col == cur[-1] + 1:
                    cur.append(col)
                else:
                    runs.append(cur)
                    cur = [col]
            runs.append(cur)
            for run in runs:
                stream = []
                for col in run:
                    v = 0
                    for j in range(9):
                        v |= slots.get(9 * col + j, 0) << (8 * j)
                    stream += [(v >> (8 * (8 - j))) & 0xFF for j in range(9)]  # b0 (bits 71:64) first
                while len(stream) % 4:
                    stream.append(0)
                words = [stream[i] << 24 | stream[i + 1] << 16 | stream[i + 2] << 8 | stream[i + 3]
                         for i in range(0, len(stream), 4)]
                recs += [mram_base(p) + 4 * run[0], len(words)] + words
        text = "/* %s: kernels (packed-loading records: address, length, words) and biases */\n" % self.name
        text += self._define("KERNELS", recs + [0])
        for g in range(4):
            if self.bias[g]:
                text += self._define("BIAS_%d" % g, self.bias[g])
        with open(os.path.join(fw, "weights.h"), "w") as f:
            f.write(text)

    def _write_sampledata_h(self, fw):
        text = "/* %s: each layer's input, one array per layer and memory instance */\n" % self.name
        for (L, inst), (word, vals) in sorted(self.inputs.items()):
            text += self._define("SAMPLE_INPUT_%d" % (100 * L + inst), vals)
        with open(os.path.join(fw, "sampledata.h"), "w") as f:
            f.write(text)

    def _write_sampleoutput_h(self, fw):
        # records of consecutive words with one mask: address, mask, count, values; 0 ends
        recs, keys = [], sorted(self.expect)
        i = 0
        while i < len(keys):
            inst, word = keys[i]
            mask = self.expect[keys[i]][1]
            j = i + 1
            while j < len(keys) and keys[j] == (inst, word + j - i) and self.expect[keys[j]][1] == mask:
                j += 1
            recs += [sram_addr(inst, word), mask, j - i] + [self.expect[keys[k]][0] for k in range(i, j)]
            i = j
        text = "/* %s: every real output byte of every layer */\n" % self.name
        text += self._define("SAMPLE_OUTPUT", recs + [0])
        with open(os.path.join(fw, "sampleoutput.h"), "w") as f:
            f.write(text)

    def unload_hash(self):
        h = 2166136261
        for v in self.unload_values().tolist():
            h = ((h ^ (v & 0xFF)) * 16777619) & 0xFFFFFFFF
        return h

    def _write_main_c(self, fw):
        out = ["/* %s: self-made test firmware (tests/fw/gen/mkfw.py): loads every layer's" % self.name,
               " * input, runs the network, compares every real output byte with sampleoutput.h",
               " * and prints *** PASS *** or *** FAIL ***. */",
               "#include <stdint.h>", "#include <stdio.h>", '#include "mxc.h"', '#include "cnn.h"',
               '#include "sampledata.h"', '#include "sampleoutput.h"', ""]
        for (L, inst) in sorted(self.inputs):
            n = 100 * L + inst
            out.append("static const uint32_t input_%d[] = SAMPLE_INPUT_%d;" % (n, n))
        out += ["", "void load_input(void)", "{"]
        for (L, inst), (word, vals) in sorted(self.inputs.items()):
            out.append("  memcpy32((uint32_t *) 0x%08x, input_%d, %d);" % (sram_addr(inst, word), 100 * L + inst, len(vals)))
        out += ["}", "", "static const uint32_t sample_output[] = SAMPLE_OUTPUT;", "",
                "static int check_output(void)", "{",
                "  const uint32_t *ptr = sample_output;", "  volatile uint32_t *addr;", "  int bad = 0;",
                "  while ((addr = (volatile uint32_t *) (uintptr_t) *ptr++) != 0) {",
                "    uint32_t mask = *ptr++, len = *ptr++;",
                "    for (uint32_t i = 0; i < len; i++, addr++, ptr++)",
                "      if ((*addr & mask) != *ptr && bad++ < 10)",
                "        printf(\"Data mismatch (%u/%u) at address 0x%08x: Expected 0x%08x, read 0x%08x.\\n\",",
                "               (unsigned) i + 1, (unsigned) len, (unsigned) (uintptr_t) addr, (unsigned) *ptr,",
                "               (unsigned) (*addr & mask));", "  }",
                "  return bad ? CNN_FAIL : CNN_OK;", "}", "",
                "static uint32_t ml_data[(CNN_NUM_OUTPUTS + 3) / 4];", "",
                "/* FNV-1a of what cnn_unload() wrote, against the generator's logical outputs */",
                "static int check_unload(void)", "{",
                "  const uint8_t *b = (const uint8_t *) ml_data;", "  uint32_t h = 2166136261u;",
                "  for (int i = 0; i < CNN_NUM_OUTPUTS; i++)", "    h = (h ^ b[i]) * 16777619u;",
                "  if (h != 0x%08xu)" % self.unload_hash(),
                "    printf(\"cnn_unload(): checksum 0x%%08x, expected 0x%%08x\\n\", (unsigned) h, 0x%08xu);" % self.unload_hash(),
                "  return h == 0x%08xu ? CNN_OK : CNN_FAIL;" % self.unload_hash(), "}", "",
                "int main(void)", "{",
                "  cnn_enable();", "  cnn_init();", "  cnn_load_weights();", "  cnn_load_bias();",
                "  cnn_configure();", "  load_input();", "  cnn_start();",
                "  while (!cnn_done)", "    MXC_LP_EnterSleepMode();",
                "  int ok = check_output() == CNN_OK;", "  cnn_unload(ml_data);", "  ok &= check_unload() == CNN_OK;",
                "  cnn_disable();",
                "  printf(\"\\n*** %s ***\\n\", ok ? \"PASS\" : \"FAIL\");", "  return 0;", "}", ""]
        with open(os.path.join(fw, "main.c"), "w") as f:
            f.write("\n".join(out))


def plan(c, seed=None):
    """The layers of the program for channel count c."""
    p = Program("c%03d" % c, seed if seed is not None else 1000 + c)
    ne, thresh = pass_split(c)
    funcs = ["add", "sub", "or", "xor"]
    h, w = 4, 5
    big = c > MAX_PROC
    hi = 16 if thresh + 16 <= MAX_PROC else 0          # a map that starts in quadrant 1
    p.add_layer("pass", c, h, w, label="pass")
    p.add_layer("pass", c, 5, 6, pool=(2, 2, 2, True), start=hi, label="maxpool")
    p.add_layer("pass", c, 4, 6, pool=(2, 2, 1, False), label="avgpool")
    p.add_layer("pass", c, h, w, ops=2, func="add", start=hi, label="add2")
    nops = 2 + c % 15 if not big else 3 + c % 3
    p.add_layer("pass", c, 3, w, ops=nops, func=funcs[c % 4], label="elt%d" % nops)
    p.add_layer("pass", c, h, w, ops=2, func=funcs[(c + 1) % 4], label="elt2b")
    if ne <= 2:  # izer fuses pooling or a convolution only up to 2 passes of 2 operands
        p.add_layer("pass", c, 4, 6, ops=2 if big else 3, func=funcs[(c + 2) % 4], pool=(2, 2, 2, True),
                    label="elt-prepool")
        p.add_layer("pass", c, 4, 6, ops=2, func=funcs[(c + 3) % 4], pool=(2, 2, 2, False), prepool=False,
                    label="elt-postpool")
        k = 3 if not big else 1  # 128 channels: 3x3 kernels of four layers would not fit the 768 columns
        p.add_layer("conv", c, 4, 6, ops=2, func=funcs[c % 4], pool=(2, 2, 2, False), prepool=False, conv_k=k,
                    cout=c, bias=True, label="elt-postpool-conv%dx%d" % (k, k))
        p.add_layer("conv", c, h, w, ops=2, func="add", conv_k=3, cout=c, bias=True, label="elt-conv3x3")
        p.add_layer("conv", c, 4, 6, ops=2, func="xor", pool=(2, 2, 2, True), conv_k=1, cout=c, relu=True,
                    label="elt-pool-conv1x1")
    p.add_layer("conv", c, h, w, conv_k=3, cout=c, bias=True, relu=True, label="conv3x3")
    lead = 1 + c % 3
    p.add_layer("conv", c, h, w, conv_k=1, cout=c, bias=True, out_start=lead if c + lead <= MAX_PROC else 0,
                label="conv1x1-offset")
    p.add_layer("conv", c, 3, 3, conv_k=1, cout=c, bias=True, out32=True, label="conv1x1-32bit")
    return p


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    root = argv[1]
    for a in argv[2:]:
        c = int(a)
        p = plan(c)
        p.write(os.path.join(root, "c%03d" % c))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
