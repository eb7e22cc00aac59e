/*
 * The datapath: one layer at a time, in bulk
 * (../shared/spec/compute.md 2.8 and registers.md 6.2-6.5).
 *
 * 1. Fetch: every enabled processor reads its own instance (HWC: its byte
 *    lane; CHW: four pixels per word) for each pass and operand.
 * 2. Element-wise combine and pooling (in either order), then optional
 *    zero-stuffing (transposed convolution) and zero padding.  The result
 *    is one padded int16 plane per (processor, pass): "channel" below.
 * 3. Convolution: per output slot, an exact int32 accumulator over every
 *    mask-enabled processor of the summed quadrants, all passes and taps,
 *    plus 128 x bias of every summed quadrant that enables it.
 * 4. Requantize (shift, round half up, clamp, ReLU/Abs) or keep 32 bits,
 *    and scatter the slots to data SRAM exactly where the hardware writes.
 *
 * The accumulator cannot overflow int32 on this device (compute.md 1.4).
 * Weight fetch follows the mask-address model of registers.md 4.2.
 */
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

static inline int clamp8(int64_t v) { return v > 127 ? 127 : v < -128 ? -128 : (int)v; }

/* Input data source of the layer, with streaming circular buffers. */
struct fetcher {
  const m78_sim *sim;
  const struct m78_layer *l;
  const struct m78_stream *st; /* unwrapped streaming input, or NULL */
};

static inline int fetch(const struct fetcher *f, int p, int e, int k, int r, int c)
{
  const struct m78_layer *l = f->l;
  uint32_t idx, word;
  int byte;
  if (l->chw) {
    uint32_t pix = (uint32_t)(r * l->w + c);
    idx = pix / 4;
    byte = (int)(pix % 4);
  } else {
    idx = ((uint32_t)((r * l->w + c) * l->ne + e)) * (uint32_t)l->ops + (uint32_t)k;
    byte = p % 4;
  }
  if (f->st) {
    if (idx >= f->st->len)
      return 0;
    word = f->st->w[(size_t)(p / 4) * f->st->len + idx];
    return (int8_t)(word >> (8 * byte));
  }
  if (l->streaming && l->fbuf)
    idx %= l->fbuf;
  word = l->rptr + idx;
  if (word >= M78_SRAM_WORDS)
    return 0;
  return (int8_t)(f->sim->sram[p / 4][word] >> (8 * byte));
}

static int combine(int func, int a, int b)
{
  switch (func) {
  case M78_ELT_SUB: return a - b;
  case M78_ELT_ADD: return a + b;
  case M78_ELT_OR: return a | b;
  default: return a ^ b;
  }
}

/* Pools plane `src` (h x w) into `dst` (hp x wp). */
static void pool_plane(const struct m78_layer *l, const int16_t *src, int h, int w, int16_t *dst, int hp, int wp)
{
  int n = l->pool_h * l->pool_w;
  for (int r = 0; r < hp; r++) {
    for (int c = 0; c < wp; c++) {
      const int16_t *s = src + (r * l->stride) * w + c * (w == 1 ? 1 : l->stride);
      int v;
      if (!l->pool_en) {
        v = s[0];
      } else if (l->pool_max) {
        v = -32768;
        for (int i = 0; i < l->pool_h; i++)
          for (int j = 0; j < l->pool_w; j++)
            if (s[i * w + j] > v)
              v = s[i * w + j];
      } else {
        int sum = 0;
        for (int i = 0; i < l->pool_h; i++)
          for (int j = 0; j < l->pool_w; j++)
            sum += s[i * w + j];
        /* truncate toward zero, or round half away from zero (poolrnd);
         * 1-D pooling always truncates (izer compute.py: pool1d) */
        if (l->pool_round && l->kind != M78_LAYER_CONV1D)
          v = sum >= 0 ? (2 * sum + n) / (2 * n) : -((-2 * sum + n) / (2 * n));
        else
          v = sum / n;
      }
      dst[r * wp + c] = (int16_t)v;
    }
  }
  (void)h;
}

/* Builds the pooled (not yet padded) plane of processor p, pass e.
 * `comb`, if not NULL, receives the combined operands before pooling. */
static void gather_plane(const struct fetcher *f, int p, int e, int16_t *raw, int16_t *tmp, int16_t *out,
                         int8_t *comb)
{
  const struct m78_layer *l = f->l;
  int h = l->h, w = l->w;
  int hp = l->kind == M78_LAYER_CONVT2D ? l->hp / 2 : l->hp;
  int wp = l->kind == M78_LAYER_CONVT2D ? l->wp / 2 : l->wp;
  if (l->ops == 1) {
    for (int r = 0; r < h; r++)
      for (int c = 0; c < w; c++)
        raw[r * w + c] = (int16_t)fetch(f, p, e, 0, r, c);
    pool_plane(l, raw, h, w, out, hp, wp);
    return;
  }
  if (l->prepool) {
    for (int k = 0; k < l->ops; k++) {
      for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
          raw[r * w + c] = (int16_t)fetch(f, p, e, k, r, c);
      pool_plane(l, raw, h, w, k ? tmp : out, hp, wp);
      if (k)
        for (int i = 0; i < hp * wp; i++)
          out[i] = (int16_t)combine(l->elt_func, out[i], tmp[i]);
    }
    for (int i = 0; i < hp * wp; i++)
      out[i] = (int16_t)clamp8(out[i]);
    return;
  }
  for (int r = 0; r < h; r++) {
    for (int c = 0; c < w; c++) {
      int v = fetch(f, p, e, 0, r, c);
      for (int k = 1; k < l->ops; k++)
        v = combine(l->elt_func, v, fetch(f, p, e, k, r, c));
      raw[r * w + c] = (int16_t)clamp8(v);
    }
  }
  if (comb)
    for (int i = 0; i < h * w; i++)
      comb[i] = (int8_t)raw[i];
  pool_plane(l, raw, h, w, out, hp, wp);
}

/* Weight of processor p for kernel use k (= slot * ne + pass), tap t. */
static inline int weight(const m78_sim *sim, const struct m78_layer *l, int p, int k, int t)
{
  uint32_t C = l->mcnt_sad + (uint32_t)k * (uint32_t)l->qbits;
  uint32_t K = C >> 3, bo = C & 7;
  uint32_t s = K * (uint32_t)l->kwidth + (uint32_t)l->oned_sad + (uint32_t)(l->kwidth - 1 - t);
  uint32_t col = s / 9;
  if (col >= M78_MRAM_WORDS)
    return 0;
  unsigned byte = sim->mram[p][col][8 - s % 9];
  if (l->qbits == 8)
    return (int8_t)byte;
  unsigned v = (byte >> bo) & ((1u << l->qbits) - 1);
  return v >= (1u << (l->qbits - 1)) ? (int)v - (1 << l->qbits) : (int)v;
}

static void write_byte(m78_sim *sim, const struct m78_layer *l, uint32_t inst, uint32_t word, int lane, int v)
{
  if (m78i_stream_write(sim, l->index + 1, inst, word, (uint32_t)(v & 0xFF) << (8 * lane), 0xFFu << (8 * lane)))
    return;
  if (inst >= M78_SRAM_INSTANCES || word >= M78_SRAM_WORDS) {
    m78i_guest_error(sim, M78_E_UNMAPPED, M78_SRAM_BASE, "layer output lands outside data memory (instance %u word %u)",
                     (unsigned)inst, (unsigned)word);
    return;
  }
  uint32_t *w = &sim->sram[inst][word];
  *w = (*w & ~(0xFFu << (8 * lane))) | ((uint32_t)(v & 0xFF) << (8 * lane));
}

static void write_word(m78_sim *sim, const struct m78_layer *l, uint32_t inst, uint32_t word, uint32_t v)
{
  if (m78i_stream_write(sim, l->index + 1, inst, word, v, 0xFFFFFFFFu))
    return;
  if (inst >= M78_SRAM_INSTANCES || word >= M78_SRAM_WORDS) {
    m78i_guest_error(sim, M78_E_UNMAPPED, M78_SRAM_BASE, "layer output lands outside data memory (instance %u word %u)",
                     (unsigned)inst, (unsigned)word);
    return;
  }
  sim->sram[inst][word] = v;
}

static void *alloc_output(struct m78_layer_result *res, int c, int h, int w, int elem)
{
  size_t n = (size_t)c * (size_t)h * (size_t)w * (size_t)elem;
  free(res->output);
  res->output = calloc(1, n ? n : 1);
  if (!res->output)
    return NULL;
  res->output_bytes = n;
  res->out_c = c;
  res->out_h = h;
  res->out_w = w;
  res->out_elem_bytes = elem;
  return res->output;
}

static void run_passthrough(m78_sim *sim, const struct m78_layer *l, struct m78_layer_result *res,
                            int16_t *const *plane, const int *procs, int nprocs)
{
  int npix = l->hp * l->wp;
  int8_t *out = sim->keep_outputs ? alloc_output(res, nprocs * l->ne, l->hp, l->wp, 1) : NULL;
  for (int g = 0; g < M78_QUADS; g++) {
    int k = 0;
    for (int i = 0; i < nprocs; i++) {
      int p = procs[i];
      if (p / 16 != g)
        continue;
      int t = k / 4, lane = k % 4;
      for (int e = 0; e < l->ne; e++) {
        const int16_t *src = plane[i * l->ne + e];
        for (int pix = 0; pix < npix; pix++) {
          uint32_t base = l->wptr[g] + (uint32_t)t * l->wptr_toff;
          uint32_t word = (base & 0x1FFF) + (uint32_t)(pix * l->ne + e) * (uint32_t)(l->wptr_inc + 1);
          uint32_t inst = (base >> 13) & 0xF;
          if (!m78i_stream_write(sim, l->index + 1, inst, word, (uint32_t)(src[pix] & 0xFF) << (8 * lane),
                                 0xFFu << (8 * lane)))
            write_byte(sim, l, (inst + word / M78_SRAM_WORDS) & 0xF, word % M78_SRAM_WORDS, lane, src[pix]);
          if (out)
            out[(size_t)(e * nprocs + i) * (size_t)npix + (size_t)pix] = (int8_t)src[pix];
        }
      }
      k++;
    }
  }
  res->sram_writes += (uint64_t)npix * (uint64_t)l->ne * (uint64_t)((nprocs + 3) / 4);
}

void m78i_engine_run_layer(m78_sim *sim, const struct m78_layer *l, struct m78_layer_result *res)
{
  struct fetcher f = {sim, l, NULL};
  if (l->index >= 0 && l->index < M78_MAX_STREAM_LAYERS && sim->streams[l->index].active)
    f.st = &sim->streams[l->index];
  int procs[M78_PROCS], nprocs = 0;
  for (int p = 0; p < M78_PROCS; p++)
    if ((l->in_procs >> p) & 1)
      procs[nprocs++] = p;

  int conv = l->kind != M78_LAYER_PASSTHROUGH;
  int stuffed = l->kind == M78_LAYER_CONVT2D;
  int hp0 = stuffed ? l->hp / 2 : l->hp, wp0 = stuffed ? l->wp / 2 : l->wp;
  int ph = l->hp + 2 * l->pad_r, pw = l->wp + 2 * l->pad_c; /* padded plane */
  size_t raw_n = (size_t)l->h * (size_t)l->w;
  int nplanes = nprocs * l->ne;

  int16_t *raw = malloc(raw_n * sizeof(int16_t));
  int16_t *tmp = malloc((size_t)hp0 * (size_t)wp0 * sizeof(int16_t));
  int16_t *pooled = malloc((size_t)hp0 * (size_t)wp0 * sizeof(int16_t));
  int16_t *planes = calloc((size_t)nplanes * (size_t)ph * (size_t)pw, sizeof(int16_t));
  int16_t **plane = malloc((size_t)nplanes * sizeof *plane);
  if (!raw || !tmp || !pooled || !planes || !plane) {
    m78i_guest_error(sim, M78_E_UNMAPPED, 0, "layer %d: out of host memory", l->index);
    goto out;
  }

  /* keep the combined operands when pooling follows the combination */
  int8_t *comb = NULL;
  if (sim->keep_outputs && l->ops > 1 && !l->prepool && (l->pool_en || l->stride > 1)) {
    free(res->combined);
    res->combined_bytes = (size_t)nplanes * raw_n;
    res->combined = calloc(1, res->combined_bytes ? res->combined_bytes : 1);
    comb = res->combined;
    res->comb_c = nplanes;
    res->comb_h = l->h;
    res->comb_w = l->w;
  }

  /* 1+2: fetch, combine, pool, stuff, pad */
  for (int i = 0; i < nprocs; i++) {
    for (int e = 0; e < l->ne; e++) {
      int16_t *pl = planes + (size_t)(i * l->ne + e) * (size_t)ph * (size_t)pw;
      plane[i * l->ne + e] = pl;
      /* channel numbering as the layer's output: pass-major */
      gather_plane(&f, procs[i], e, raw, tmp, pooled, comb ? comb + (size_t)(e * nprocs + i) * raw_n : NULL);
      for (int r = 0; r < hp0; r++)
        for (int c = 0; c < wp0; c++) {
          int rr = stuffed ? 2 * r : r, cc = stuffed ? 2 * c : c;
          pl[(rr + l->pad_r) * pw + cc + l->pad_c] = pooled[r * wp0 + c];
        }
    }
  }
  res->sram_reads += (uint64_t)raw_n * (uint64_t)l->ne * (uint64_t)l->ops * (uint64_t)((nprocs + 3) / 4);

  if (!conv) {
    /* passthrough planes are unpadded (padding is rejected by the decoder) */
    run_passthrough(sim, l, res, plane, procs, nprocs);
    goto out;
  }

  /* 3: convolution */
  int ho = l->ho, wo = l->wo, npix = ho * wo, taps = l->kh * l->kw;
  int32_t *acc = malloc((size_t)npix * sizeof(int32_t));
  void *outbuf = sim->keep_outputs ? alloc_output(res, l->slots, ho, wo, l->out32 ? 4 : 1) : NULL;
  if (!acc) {
    m78i_guest_error(sim, M78_E_UNMAPPED, 0, "layer %d: out of host memory", l->index);
    goto out;
  }
  uint32_t base_inst = (l->wptr[0] >> 13) & 0xF, base_word = l->wptr[0] & 0x1FFF;
  for (int o = 0; o < l->slots; o++) {
    memset(acc, 0, (size_t)npix * sizeof(int32_t));
    for (int i = 0; i < nprocs; i++) {
      int p = procs[i];
      if (!((l->mask_procs >> p) & 1) || !((l->quads_summed >> (p / 16)) & 1))
        continue;
      for (int e = 0; e < l->ne; e++) {
        const int16_t *pl = plane[i * l->ne + e];
        int k = o * l->ne + e;
        for (int t = 0; t < taps; t++) {
          int wv = weight(sim, l, p, k, t);
          if (!wv)
            continue;
          int ti = t / l->kw, tj = t % l->kw;
          for (int y = 0; y < ho; y++) {
            const int16_t *src = pl + (y + ti) * pw + tj;
            int32_t *dst = acc + y * wo;
            for (int x = 0; x < wo; x++)
              dst[x] += wv * src[x];
          }
        }
      }
      res->mram_reads += (uint64_t)l->ne;
    }
    /* A streaming layer 0 consumes one bias entry before its first
     * output (izer stores a 0 there: kbias.py, "problem on AI85"). */
    int bskip = (l->index == 0 && f.st) ? 1 : 0;
    int ps = o % l->slots_per_pass, pe = o / l->slots_per_pass;
    int gap = ps < 64 && ((l->gap_slots >> ps) & 1);
    int bidx = o - pe * __builtin_popcountll(l->gap_slots) -
               __builtin_popcountll(l->gap_slots & (ps < 64 ? (1ull << ps) - 1 : ~0ull));
    int32_t bias = 0;
    for (int g = 0; g < M78_QUADS; g++)
      if (l->bias_en[g] && !gap)
        bias += 128 * (int8_t)sim->q[g].bias[(l->bias_sad[g] + bskip + bidx) % M78_BIAS_ENTRIES];

    /* 4: post-process and scatter */
    int e = o / l->slots_per_pass, s = o % l->slots_per_pass;
    uint32_t inst = base_inst + (uint32_t)(s / 4) * (l->wptr_moff >> 13);
    int lane = s % 4;
    for (int pix = 0; pix < npix; pix++) {
      int32_t a = acc[pix] + bias;
      if (l->out32) {
        uint32_t word = base_word + (uint32_t)(4 * pix * (l->wptr_inc + 1)) + (uint32_t)e * l->wptr_choff + (uint32_t)lane;
        write_word(sim, l, inst, word, (uint32_t)a);
        if (outbuf)
          ((int32_t *)outbuf)[(size_t)o * (size_t)npix + (size_t)pix] = a;
      } else {
        int v;
        int sh = l->shift;
        if (sh < 7) {
          int kk = 7 - sh;
          v = clamp8(((int64_t)a + (1ll << (kk - 1))) >> kk);
        } else {
          v = clamp8((int64_t)a * ((int64_t)1 << (sh - 7)));
        }
        if (l->abs_act)
          v = v < 0 ? (v == -128 ? 127 : -v) : v;
        else if (l->relu && v < 0)
          v = 0;
        uint32_t word = base_word + (uint32_t)(pix * (l->wptr_inc + 1)) + (uint32_t)e * l->wptr_choff;
        write_byte(sim, l, inst, word, lane, v);
        if (outbuf)
          ((int8_t *)outbuf)[(size_t)o * (size_t)npix + (size_t)pix] = (int8_t)v;
      }
    }
  }
  res->sram_writes += (uint64_t)npix * (uint64_t)((l->slots + 3) / 4);
  free(acc);

out:
  res->executed = 1;
  free(raw);
  free(tmp);
  free(pooled);
  free(planes);
  free(plane);
}
