/*
 * Register file -> validated layer description
 * (../shared/spec/registers.md 3.19, the decoding recipe).
 *
 * Fields that izer writes identically into every quadrant are read from
 * quadrant 0 (the master); per-quadrant fields (EN, POST bias, WPTR_BASE
 * of passthrough layers) are read from each quadrant.  Every rejection
 * names the layer and the register so a user can find the YAML line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sim_internal.h"

static int fail(struct m78_decode_error *err, int layer, int quad, const char *reg, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct m78_decode_error *err, int layer, int quad, const char *reg, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    err->layer = layer;
    err->quadrant = quad;
    err->reg = reg;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return -1;
}

#define LR(g, id) m78i_lreg(sim, (g), M78_LREG_ARRAY_##id, index)

/* The master quadrant's registers every part of the decode reads, and
 * what the kind decode finds for the later parts. */
struct master_regs {
  uint32_t ctrl, lc0, lc1, post, oned, rcnt, ccnt;
  int conv;  /* a convolution (some mask enabled) */
  int width; /* ONED.width: the 1-D kernel width (in 2-D: 1 for 1x1, 0 for 3x3) */
};

/* Processors, unsupported modes, the kind of layer, passes and operands. */
static int decode_kind(const m78_sim *sim, int index, struct master_regs *r, struct m78_layer *o,
                       struct m78_decode_error *err)
{
  for (int g = 0; g < M78_QUADS; g++) {
    uint32_t en = LR(g, EN);
    o->in_procs |= (uint64_t)M78_GET(en, EN, PRO) << (16 * g);
    o->mask_procs |= (uint64_t)M78_GET(en, EN, MASK) << (16 * g);
    if (M78_GET(LR(g, LCTRL0), LCTRL0, AI87) || M78_GET(LR(g, POST), POST, AI87))
      return fail(err, index, g, M78_GET(LR(g, POST), POST, AI87) ? "POST" : "LCTRL0",
                  "bits used only by the MAX78002 are set");
  }
  if (!o->in_procs)
    return fail(err, index, -1, "EN", "no processor is enabled");
  if (o->mask_procs & ~o->in_procs)
    return fail(err, index, -1, "EN", "mask enable without processor enable (mask 0x%016llx, processors 0x%016llx)",
                (unsigned long long)o->mask_procs, (unsigned long long)o->in_procs);
  if (M78_GET(r->lc0, LCTRL0, SSLAVE) || M78_GET(r->lc0, LCTRL0, MSLAVE))
    return fail(err, index, 0, "LCTRL0", "receptive-field sharing (sslave/mslave) is not supported");
  if (M78_GET(r->lc0, LCTRL0, CPAD_ONLY))
    return fail(err, index, 0, "LCTRL0", "cpad_only is not supported");
  if (!M78_GET(r->lc0, LCTRL0, SRAMLSRC))
    return fail(err, index, 0, "LCTRL0", "local-source writes (sramlsrc = 0) are not supported");

  r->conv = o->mask_procs != 0;
  int oned_en = (int)M78_GET(r->oned, ONED, EN);
  r->width = (int)M78_GET(r->oned, ONED, WIDTH);
  if (!r->conv)
    o->kind = M78_LAYER_PASSTHROUGH;
  else if (oned_en) {
    if (r->width == 0)
      return fail(err, index, 0, "ONED", "1-D layer with kernel width 0");
    o->kind = M78_LAYER_CONV1D;
  } else if (M78_GET(r->post, POST, DECONV))
    o->kind = M78_LAYER_CONVT2D;
  else if (r->width == 1)
    o->kind = M78_LAYER_CONV2D_1X1;
  else if (r->width == 0)
    o->kind = M78_LAYER_CONV2D_3X3;
  else
    return fail(err, index, 0, "ONED", "kernel width %d without 1-D mode", r->width);

  o->chw = (int)M78_GET(r->lc0, LCTRL0, PARALLEL);
  o->rptr = M78_PTR_WORD(M78_GET(LR(0, RPTR_BASE), RPTR_BASE, WORD));
  o->flatten = (int)M78_GET(r->post, POST, FLATTEN);
  o->ne = (int)M78_GET(r->lc1, LCTRL1, INPCHEXP) + 1 + (o->flatten ? 16 * (int)M78_GET(r->post, POST, XPMP_CNT) : 0);
  o->ops = M78_GET(r->oned, ONED, EWISE_EN) ? (int)M78_GET(r->oned, ONED, EWISE_CNT) + 1 : 1;
  o->elt_func = (int)M78_GET(r->oned, ONED, EWISE_FUNC);
  o->prepool = (int)M78_GET(r->oned, ONED, PREPOOL);
  if (o->chw && (o->ne > 1 || o->ops > 1))
    return fail(err, index, 0, "LCTRL0", "CHW input with %d passes and %d operands is not possible", o->ne, o->ops);
  return 0;
}

/* Padding, input size, pooling, stride, kernel and output size. */
static int decode_geometry(const m78_sim *sim, int index, const struct master_regs *r, struct m78_layer *o,
                           struct m78_decode_error *err)
{
  int rpad = (int)M78_GET(r->rcnt, RCNT, PAD), cpad = (int)M78_GET(r->ccnt, CCNT, PAD);
  if (rpad > 2 || cpad > 2)
    return fail(err, index, 0, rpad > 2 ? "RCNT" : "CCNT", "padding %d is larger than 2", rpad > 2 ? rpad : cpad);
  int rows = (int)M78_GET(r->rcnt, RCNT, MAX) + 1 - 2 * rpad;
  int cols = (int)M78_GET(r->ccnt, CCNT, MAX) + 1 - 2 * cpad;
  if (o->kind == M78_LAYER_CONVT2D) {
    if (rows % 2 || cols % 2)
      return fail(err, index, 0, "RCNT", "transposed convolution with an odd stuffed size %dx%d", rows, cols);
    rows /= 2;
    cols /= 2;
  }
  if (rows < 1 || cols < 1)
    return fail(err, index, 0, rows < 1 ? "RCNT" : "CCNT", "input size %dx%d after removing padding", rows, cols);
  o->h = rows;
  o->w = cols;
  o->pad_r = rpad;
  o->pad_c = cpad;

  o->pool_en = (int)M78_GET(r->lc0, LCTRL0, POOL_EN);
  o->pool_max = (int)M78_GET(r->lc0, LCTRL0, MAXPL_EN);
  o->pool_h = o->pool_en ? (int)M78_GET(LR(0, PRCNT), PRCNT, MAX) + 1 : 1;
  o->pool_w = o->pool_en ? (int)M78_GET(LR(0, PCCNT), PCCNT, MAX) + 1 : 1;
  if (o->kind == M78_LAYER_CONV1D || o->w == 1)
    o->pool_w = o->pool_w > o->w ? 1 : o->pool_w;
  o->stride = (int)M78_GET(LR(0, STRIDE), STRIDE, MAX) + 1;
  o->pool_round = (int)M78_GET(r->ctrl, CTRL, POOLRND);
  if (o->pool_h > o->h || o->pool_w > o->w)
    return fail(err, index, 0, o->pool_h > o->h ? "PRCNT" : "PCCNT", "pool %dx%d larger than the input %dx%d",
                o->pool_h, o->pool_w, o->h, o->w);
  /* Stride applies to both dimensions, except along a 1-wide column. */
  o->hp = (o->h - o->pool_h) / o->stride + 1;
  o->wp = o->w == 1 ? 1 : (o->w - o->pool_w) / o->stride + 1;
  if (o->kind == M78_LAYER_CONVT2D) {
    o->hp *= 2;
    o->wp *= 2;
  }

  switch (o->kind) {
  case M78_LAYER_CONV2D_3X3:
  case M78_LAYER_CONVT2D:
    o->kh = o->kw = 3;
    o->kwidth = 9;
    break;
  case M78_LAYER_CONV2D_1X1:
    o->kh = o->kw = 1;
    o->kwidth = 1;
    break;
  case M78_LAYER_CONV1D:
    o->kh = r->width;
    o->kw = 1;
    o->kwidth = r->width;
    break;
  case M78_LAYER_PASSTHROUGH:
    o->kh = o->kw = 1;
    o->kwidth = 0;
    break;
  }
  if (r->conv) {
    if (o->kind == M78_LAYER_CONV1D && o->pad_c)
      return fail(err, index, 0, "CCNT", "column padding on a 1-D layer");
    o->ho = o->hp + 2 * o->pad_r - o->kh + 1;
    o->wo = o->wp + 2 * o->pad_c - o->kw + 1;
    if (o->ho < 1 || o->wo < 1)
      return fail(err, index, 0, "RCNT", "kernel %dx%d does not fit the padded input %dx%d", o->kh, o->kw,
                  o->hp + 2 * o->pad_r, o->wp + 2 * o->pad_c);
  } else {
    if (o->pad_r || o->pad_c)
      return fail(err, index, 0, "RCNT", "padding on a layer without convolution");
    o->ho = o->hp;
    o->wo = o->wp;
  }
  return 0;
}

/* Weights and output slots of a convolution, or what a passthrough
 * layer may not have. */
static int decode_weights(const m78_sim *sim, int index, const struct master_regs *r, struct m78_layer *o,
                          struct m78_decode_error *err)
{
  o->out32 = (int)M78_GET(r->lc0, LCTRL0, BIGDWRT);
  o->relu = (int)M78_GET(r->lc0, LCTRL0, ACT_EN);
  o->abs_act = (int)M78_GET(r->post, POST, OUT_ABS);
  o->shift = (int)M78_GET(r->post, POST, SCALE) * (M78_GET(r->post, POST, SCALE_SHFT) ? -1 : 1);
  o->wptr_inc = (int)M78_GET(r->lc1, LCTRL1, WPTR_INC);
  o->wptr_toff = M78_GET(LR(0, WPTR_TOFF), WPTR_TOFF, OFFS);
  o->wptr_moff = M78_GET(LR(0, WPTR_MOFF), WPTR_MOFF, OFFS);
  o->wptr_choff = M78_GET(LR(0, WPTR_CHOFF), WPTR_CHOFF, OFFS);
  for (int g = 0; g < M78_QUADS; g++)
    o->wptr[g] = LR(g, WPTR_BASE) & M78_PTR_MASK;
  o->tptr = LR(0, TPTR);

  if (r->conv) {
    static const int qmap[4] = {8, 1, 2, 4};
    o->qbits = qmap[M78_GET(r->post, POST, MASK_SIZE)];
    o->mcnt_sad = M78_GET(LR(0, MCNT), MCNT, SAD);
    o->mcnt_max = M78_GET(LR(0, MCNT), MCNT, MAX);
    o->oned_sad = (int)M78_GET(r->oned, ONED, SAD);
    if (o->mcnt_max < o->mcnt_sad || (o->mcnt_max - o->mcnt_sad) % (uint32_t)o->qbits)
      return fail(err, index, 0, "MCNT", "mask range 0x%x..0x%x is not a whole number of %d-bit kernels",
                  (unsigned)o->mcnt_sad, (unsigned)o->mcnt_max, o->qbits);
    o->kern_uses = (int)((o->mcnt_max - o->mcnt_sad) / (uint32_t)o->qbits) + 1;
    if (o->kern_uses % o->ne)
      return fail(err, index, 0, "MCNT", "%d kernel uses do not divide into %d input passes", o->kern_uses, o->ne);
    o->slots = o->kern_uses / o->ne;
    o->slots_per_pass = (int)M78_GET(r->lc1, LCTRL1, XPCH_MAX) / o->qbits + 1;
    o->out_passes = (o->slots + o->slots_per_pass - 1) / o->slots_per_pass;
    /* the last tap of the last kernel must lie inside the 768 columns */
    uint32_t last_slot = (o->mcnt_max >> 3) * (uint32_t)o->kwidth + (uint32_t)o->oned_sad + (uint32_t)o->kwidth - 1;
    if (last_slot / 9 >= M78_MRAM_WORDS)
      return fail(err, index, 0, "MCNT", "kernels reach column %u of %d", (unsigned)(last_slot / 9), M78_MRAM_WORDS);
    o->quads_summed = (uint8_t)(1u | (M78_GET(r->lc0, LCTRL0, CNNSI_EN) & 0xE));
    for (int g = 0; g < M78_QUADS; g++) {
      uint32_t pg = LR(g, POST);
      o->bias_en[g] = (int)M78_GET(pg, POST, BPTR_EN) && ((o->quads_summed >> g) & 1);
      o->bias_sad[g] = (int)M78_GET(pg, POST, BPTR_SAD);
      if (o->bias_en[g] && o->bias_sad[g] + o->slots > M78_BIAS_ENTRIES)
        return fail(err, index, g, "POST", "bias entries %d..%d beyond %d", o->bias_sad[g],
                    o->bias_sad[g] + o->slots - 1, M78_BIAS_ENTRIES);
    }
    if (o->shift > 15 || o->shift < -15)
      return fail(err, index, 0, "POST", "shift %d out of range", o->shift);
    o->in_channels = __builtin_popcountll(o->mask_procs) * o->ne;
    o->out_channels = o->slots;
    o->macs = (uint64_t)o->in_channels * (uint64_t)(o->kh * o->kw) * (uint64_t)o->slots * (uint64_t)(o->ho * o->wo);
  } else {
    if (o->relu || o->abs_act || o->shift)
      return fail(err, index, 0, o->relu ? "LCTRL0" : "POST", "activation or shift on a layer without convolution");
    if (o->out32)
      return fail(err, index, 0, "LCTRL0", "32-bit output on a layer without convolution");
    o->tscnt = (int)M78_GET(r->oned, ONED, TSCNT);
    for (int g = 0; g < M78_QUADS; g++)
      if ((o->in_procs >> (16 * g)) & 0xFFFF)
        o->pt_quads |= (uint8_t)(1u << g);
    o->in_channels = __builtin_popcountll(o->in_procs) * o->ne;
    o->out_channels = o->in_channels;
  }
  return 0;
}

/* Streaming, and the input's place in its instances. */
static int decode_stream(const m78_sim *sim, int index, const struct master_regs *r, struct m78_layer *o,
                         struct m78_decode_error *err)
{
  if (M78_GET(r->ctrl, CTRL, STREAM_EN) && index < M78_MAX_STREAM_LAYERS) {
    o->strm0 = LR(0, STRM0);
    o->strm1 = LR(0, STRM1);
    /* FBUF makes the input circular only with CTRL.lilbuf (spec 2.1) */
    o->fbuf = M78_GET(r->ctrl, CTRL, LILBUF) ? LR(0, FBUF) : 0;
    o->streaming = o->strm0 != 0 || o->fbuf != 0;
  }

  /* input must lie inside the readers' instances (circular when streaming) */
  if (!o->streaming) {
    uint64_t words = o->chw ? (uint64_t)(o->h * o->w + 3) / 4
                            : (uint64_t)o->h * (uint64_t)o->w * (uint64_t)o->ne * (uint64_t)o->ops;
    if (o->rptr + words > M78_SRAM_WORDS)
      return fail(err, index, 0, "RPTR_BASE", "input words 0x%x..0x%llx exceed the data memory instance",
                  (unsigned)o->rptr, (unsigned long long)(o->rptr + words - 1));
  }
  return 0;
}

int m78_layer_decode(const m78_sim *sim, int index, struct m78_layer *o, struct m78_decode_error *err)
{
  memset(o, 0, sizeof *o);
  o->index = index;
  if (index < 0 || index >= M78_MAX_LAYERS)
    return fail(err, index, -1, NULL, "layer index out of range");

  struct master_regs r = {.ctrl = sim->q[0].greg[M78_GREG_CTRL],
                          .lc0 = LR(0, LCTRL0),
                          .lc1 = LR(0, LCTRL1),
                          .post = LR(0, POST),
                          .oned = LR(0, ONED),
                          .rcnt = LR(0, RCNT),
                          .ccnt = LR(0, CCNT)};
  if (decode_kind(sim, index, &r, o, err) != 0 || decode_geometry(sim, index, &r, o, err) != 0 ||
      decode_weights(sim, index, &r, o, err) != 0 || decode_stream(sim, index, &r, o, err) != 0)
    return -1;
  return 0;
}

const char *m78_layer_opname(const struct m78_layer *l)
{
  static const char *const elt[4] = {"sub", "add", "or", "xor"};
  switch (l->kind) {
  case M78_LAYER_CONV2D_3X3: return "conv2d";
  case M78_LAYER_CONV2D_1X1: return (l->h == 1 && l->w == 1) ? "linear" : "conv2d";
  case M78_LAYER_CONV1D: return "conv1d";
  case M78_LAYER_CONVT2D: return "convtranspose2d";
  case M78_LAYER_PASSTHROUGH:
    if (l->ops > 1)
      return elt[l->elt_func & 3];
    return (l->pool_en || l->stride > 1) ? "pool" : "passthrough";
  }
  return "?";
}

int m78_layer_describe(const struct m78_layer *l, char *buf, unsigned len)
{
  static const char *const elt[4] = {"sub", "add", "or", "xor"};
  char pool[96] = "no pooling", elts[48] = "", op[64], act[16] = "";
  int n1d = l->kind == M78_LAYER_CONV1D;
  if (l->pool_en)
    snprintf(pool, sizeof pool, n1d ? "%s pool %d with stride %d" : "%s pool %dx%d with stride %d/%d",
             l->pool_max ? "max" : "avg", l->pool_h, n1d ? l->stride : l->pool_w, l->stride, l->stride);
  else if (l->stride > 1)
    snprintf(pool, sizeof pool, "stride %d subsampling", l->stride);
  if (l->ops > 1)
    snprintf(elts, sizeof elts, "%s%d-operand %s, ", l->prepool ? "" : "(before pooling) ", l->ops,
             elt[l->elt_func & 3]);
  switch (l->kind) {
  case M78_LAYER_CONV2D_3X3:
  case M78_LAYER_CONV2D_1X1:
  case M78_LAYER_CONVT2D:
    snprintf(op, sizeof op, "%s %dx%d, pad %d/%d", l->kind == M78_LAYER_CONVT2D ? "convtranspose2d" : "conv2d", l->kh,
             l->kw, l->pad_r, l->pad_c);
    break;
  case M78_LAYER_CONV1D: snprintf(op, sizeof op, "conv1d %d, pad %d", l->kh, l->pad_r); break;
  case M78_LAYER_PASSTHROUGH: snprintf(op, sizeof op, "passthrough"); break;
  }
  if (l->relu)
    snprintf(act, sizeof act, ", ReLU");
  else if (l->abs_act)
    snprintf(act, sizeof act, ", Abs");
  if (n1d)
    return snprintf(buf, len, "%dx%d, %s%s, %s%s, %dx%d%s output", l->in_channels, l->h, elts, pool, op, act,
                    l->out_channels, l->ho, l->out32 ? " 32-bit" : "");
  return snprintf(buf, len, "%dx%dx%d, %s%s, %s%s, %dx%dx%d%s output", l->in_channels, l->h, l->w, elts, pool, op, act,
                  l->out_channels, l->ho, l->wo, l->out32 ? " 32-bit" : "");
}
