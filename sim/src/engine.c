/*
 * The datapath: one layer at a time, in bulk
 * (../shared/spec/compute.md 2.8 and registers.md 6.2-6.5).
 *
 * 1. Fetch: every enabled processor reads its own instance (HWC: its byte
 *    lane; CHW: four pixels per word) for each pass and operand.
 * 2. Element-wise combine and pooling (in either order), then optional
 *    zero-stuffing (transposed convolution) and zero padding.  The result
 *    is one padded plane per (processor, pass): "channel" below.  The
 *    channels a convolution sums are laid out once per layer as int16
 *    pairs for the dot-product kernels (kernels.h).
 * 3. Convolution: per output slot, an exact int32 accumulator over every
 *    mask-enabled processor of the summed quadrants, all passes and taps,
 *    plus 128 x bias of every summed quadrant that enables it.  The
 *    kernels sum a tile of output positions for four slots at a time; the
 *    weights are laid out for them once and kept between inferences while
 *    they are unchanged (see m78i_engine_weights()).
 * 4. Requantize (shift, round half up, clamp, ReLU/Abs) or keep 32 bits,
 *    per tile as soon as it is summed, and scatter the slots to data SRAM
 *    exactly where the hardware writes.
 *
 * Steps 2-4 (except the scatter) are cut into independent units that may
 * run on several threads (workers.c); each output value is computed by
 * one unit in a fixed order, so the results do not depend on the thread
 * count.  The scatter and everything else with an observable order runs
 * on the calling thread, slot by slot, pixel by pixel.
 *
 * The accumulator cannot overflow int32 on this device (compute.md 1.4);
 * the kernels' sums wrap like the C reference in any case.
 * Weight fetch follows the mask-address model of registers.md 4.2.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "kernels.h"
#include "sim_internal.h"

/* Loops the compiler vectorizes get an AVX2 copy too, chosen at load time
 * (GCC's ifunc dispatch) on CPUs that have it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

static inline int clamp8(int64_t v)
{
  return v > 127 ? 127 : v < -128 ? -128 : (int)v;
}

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

/* The h x w values processor p reads for pass e, operand k: fetch() for
 * every pixel, as one strided sweep when every index is in range and no
 * wrap applies. */
VECTOR_CLONES static void fetch_plane(const struct fetcher *f, int p, int e, int k, int16_t *dst)
{
  const struct m78_layer *l = f->l;
  uint32_t n = (uint32_t)l->h * (uint32_t)l->w;
  const uint32_t *src;
  uint32_t avail;
  if (f->st) {
    src = f->st->w + (size_t)(p / 4) * f->st->len;
    avail = f->st->len;
  } else if (!(l->streaming && l->fbuf) && l->rptr < M78_SRAM_WORDS) {
    src = f->sim->sram[p / 4] + l->rptr;
    avail = M78_SRAM_WORDS - l->rptr;
  } else {
    src = NULL;
    avail = 0;
  }
  if (l->chw) {
    if (src && n && (n - 1) / 4 < avail) {
      for (uint32_t i = 0; i < n; i++)
        dst[i] = (int8_t)(src[i / 4] >> (8 * (i % 4)));
      return;
    }
  } else {
    uint32_t step = (uint32_t)l->ne * (uint32_t)l->ops;
    uint32_t first = (uint32_t)e * (uint32_t)l->ops + (uint32_t)k;
    if (src && n && (uint64_t)(n - 1) * step + first < avail) {
      int sh = 8 * (p % 4);
      const uint32_t *s = src + first;
      for (uint32_t i = 0; i < n; i++)
        dst[i] = (int8_t)(s[(size_t)i * step] >> sh);
      return;
    }
  }
  for (int r = 0; r < l->h; r++)
    for (int c = 0; c < l->w; c++)
      dst[r * l->w + c] = (int16_t)fetch(f, p, e, k, r, c);
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
VECTOR_CLONES static void pool_plane(const struct m78_layer *l, const int16_t *src, int h, int w, int16_t *dst, int hp,
                                     int wp)
{
  int n = l->pool_h * l->pool_w;
  int cs = w == 1 ? 1 : l->stride;
  (void)h;
  if (!l->pool_en && hp == h && wp == w) {
    memcpy(dst, src, (size_t)hp * (size_t)wp * sizeof *dst);
    return;
  }
  if (!l->pool_en) {
    for (int r = 0; r < hp; r++) {
      const int16_t *s = src + (r * l->stride) * w;
      for (int c = 0; c < wp; c++)
        dst[r * wp + c] = s[c * cs];
    }
    return;
  }
  if (l->pool_max && l->pool_h == 2 && l->pool_w == 2 && w > 1) {
    for (int r = 0; r < hp; r++) {
      const int16_t *s0 = src + (r * l->stride) * w, *s1 = s0 + w;
      for (int c = 0; c < wp; c++) {
        int i = c * cs;
        int16_t a = s0[i] > s0[i + 1] ? s0[i] : s0[i + 1], b = s1[i] > s1[i + 1] ? s1[i] : s1[i + 1];
        dst[r * wp + c] = a > b ? a : b;
      }
    }
    return;
  }
  if (l->pool_max) {
    for (int r = 0; r < hp; r++) {
      for (int c = 0; c < wp; c++) {
        const int16_t *s = src + (r * l->stride) * w + c * cs;
        int v = -32768;
        for (int i = 0; i < l->pool_h; i++)
          for (int j = 0; j < l->pool_w; j++)
            v = s[i * w + j] > v ? s[i * w + j] : v;
        dst[r * wp + c] = (int16_t)v;
      }
    }
    return;
  }
  /* truncate toward zero, or round half away from zero (poolrnd);
   * 1-D pooling always truncates (izer compute.py: pool1d) */
  int round = l->pool_round && l->kind != M78_LAYER_CONV1D;
  for (int r = 0; r < hp; r++) {
    for (int c = 0; c < wp; c++) {
      const int16_t *s = src + (r * l->stride) * w + c * cs;
      int sum = 0;
      for (int i = 0; i < l->pool_h; i++)
        for (int j = 0; j < l->pool_w; j++)
          sum += s[i * w + j];
      int v;
      if (round)
        v = sum >= 0 ? (2 * sum + n) / (2 * n) : -((-2 * sum + n) / (2 * n));
      else
        v = sum / n;
      dst[r * wp + c] = (int16_t)v;
    }
  }
}

/* Builds the pooled (not yet padded) plane of processor p, pass e.
 * `comb`, if not NULL, receives the combined operands before pooling. */
static void gather_plane(const struct fetcher *f, int p, int e, int16_t *raw, int16_t *tmp, int16_t *out, int8_t *comb)
{
  const struct m78_layer *l = f->l;
  int h = l->h, w = l->w, n = h * w;
  int hp = l->kind == M78_LAYER_CONVT2D ? l->hp / 2 : l->hp;
  int wp = l->kind == M78_LAYER_CONVT2D ? l->wp / 2 : l->wp;
  if (l->ops == 1) {
    fetch_plane(f, p, e, 0, raw);
    pool_plane(l, raw, h, w, out, hp, wp);
    return;
  }
  if (l->prepool) {
    for (int k = 0; k < l->ops; k++) {
      fetch_plane(f, p, e, k, raw);
      pool_plane(l, raw, h, w, k ? tmp : out, hp, wp);
      if (k)
        for (int i = 0; i < hp * wp; i++)
          out[i] = (int16_t)combine(l->elt_func, out[i], tmp[i]);
    }
    for (int i = 0; i < hp * wp; i++)
      out[i] = (int16_t)clamp8(out[i]);
    return;
  }
  /* tmp holds h x w values here (see the scratch sizes) */
  fetch_plane(f, p, e, 0, raw);
  for (int k = 1; k < l->ops; k++) {
    fetch_plane(f, p, e, k, tmp);
    for (int i = 0; i < n; i++)
      raw[i] = (int16_t)combine(l->elt_func, raw[i], tmp[i]);
  }
  for (int i = 0; i < n; i++)
    raw[i] = (int16_t)clamp8(raw[i]);
  if (comb)
    for (int i = 0; i < n; i++)
      comb[i] = (int8_t)raw[i];
  pool_plane(l, raw, h, w, out, hp, wp);
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

/* The unwrapped input of the layer that reads this one's output, when it
 * streams: m78i_stream_write() takes every write to it. */
static const struct m78_stream *consumer_stream(const m78_sim *sim, const struct m78_layer *l)
{
  int c = l->index + 1;
  return c >= 0 && c < M78_MAX_STREAM_LAYERS && c < sim->n_layers && sim->streams[c].active ? &sim->streams[c] : NULL;
}

static void run_passthrough(m78_sim *sim, const struct m78_layer *l, struct m78_layer_result *res,
                            const int16_t *planes, size_t plane_n, const int *procs, int nprocs)
{
  int npix = l->hp * l->wp;
  int8_t *out = sim->keep_outputs ? alloc_output(res, nprocs * l->ne, l->hp, l->wp, 1) : NULL;
  int streams = consumer_stream(sim, l) != NULL;
  for (int g = 0; g < M78_QUADS; g++) {
    int k = 0;
    for (int i = 0; i < nprocs; i++) {
      int p = procs[i];
      if (p / 16 != g)
        continue;
      int t = k / 4, lane = k % 4;
      for (int e = 0; e < l->ne; e++) {
        const int16_t *src = planes + (size_t)(i * l->ne + e) * plane_n;
        for (int pix = 0; pix < npix; pix++) {
          uint32_t base = l->wptr[g] + (uint32_t)t * l->wptr_toff;
          uint32_t word = M78_PTR_WORD(base) + (uint32_t)(pix * l->ne + e) * (uint32_t)(l->wptr_inc + 1);
          uint32_t inst = M78_PTR_INST(base);
          if (!streams) {
            /* what write_byte() does at an address that is always mapped */
            uint32_t *m = &sim->sram[(inst + word / M78_SRAM_WORDS) & 0xF][word % M78_SRAM_WORDS];
            *m = (*m & ~(0xFFu << (8 * lane))) | ((uint32_t)(src[pix] & 0xFF) << (8 * lane));
          } else if (!m78i_stream_write(sim, l->index + 1, inst, word, (uint32_t)(src[pix] & 0xFF) << (8 * lane),
                                        0xFFu << (8 * lane))) {
            write_byte(sim, l, (inst + word / M78_SRAM_WORDS) & 0xF, word % M78_SRAM_WORDS, lane, src[pix]);
          }
          if (out)
            out[(size_t)(e * nprocs + i) * (size_t)npix + (size_t)pix] = (int8_t)src[pix];
        }
      }
      k++;
    }
  }
  res->sram_writes += (uint64_t)npix * (uint64_t)l->ne * (uint64_t)((nprocs + 3) / 4);
}

/* ------------------------------------------------------------------ */
/* One layer                                                            */

/* Passthrough: plane pi, unpadded. */
static void gather_unit(void *ctx, int pi, int tid)
{
  struct layer_job *j = ctx;
  const struct m78_layer *l = j->l;
  int i = pi / l->ne, e = pi % l->ne;
  int8_t *comb = j->comb ? j->comb + (size_t)(e * j->nprocs + i) * j->raw_n : NULL;
  gather_plane(&j->f, j->procs[i], e, j->scratch[tid][0], j->scratch[tid][1], j->planes + (size_t)pi * j->plane_n,
               comb);
}

/* Convolution: unit u < ncp builds channel pair u of the kernels' input,
 * the two planes side by side in the padded (and stuffed) layout; the
 * others gather a plane that only the combined-stage dump needs. */
VECTOR_CLONES static void gather_pair_unit(void *ctx, int u, int tid)
{
  struct layer_job *j = ctx;
  const struct m78_layer *l = j->l;
  int16_t *pooled[2] = {NULL, NULL};
  int kc = j->ncontrib * l->ne;
  for (int h = 0; h < 2; h++) {
    int q = 2 * u + h, pi;
    if (u >= j->kc.ncp)
      pi = h ? -1 : j->extra[u - j->kc.ncp];
    else
      pi = q < kc ? j->qplane[q] : -1;
    if (pi < 0)
      continue;
    int i = pi / l->ne, e = pi % l->ne;
    int8_t *comb = j->comb ? j->comb + (size_t)(e * j->nprocs + i) * j->raw_n : NULL;
    pooled[h] = j->scratch[tid][2 + h];
    gather_plane(&j->f, j->procs[i], e, j->scratch[tid][0], j->scratch[tid][1], pooled[h], comb);
  }
  if (u >= j->kc.ncp)
    return;
  /* zeros around the plane (and in an unused half) stay from the clear */
  int16_t *x = (int16_t *)(uintptr_t)j->kc.x + (size_t)u * j->kc.xstride * 2;
  int sr = j->stuffed ? 2 : 1;
  for (int r = 0; r < j->hp0; r++) {
    int16_t *row = x + (size_t)((r * sr + l->pad_r) * j->pw + l->pad_c) * 2;
    const int16_t *a = pooled[0] + r * j->wp0;
    if (sr == 1 && pooled[1]) {
      const int16_t *b = pooled[1] + r * j->wp0;
      for (int c = 0; c < j->wp0; c++) {
        row[2 * c] = a[c];
        row[2 * c + 1] = b[c];
      }
      continue;
    }
    for (int c = 0; c < j->wp0; c++)
      row[2 * c * sr] = a[c];
    if (pooled[1])
      for (int c = 0; c < j->wp0; c++)
        row[2 * c * sr + 1] = pooled[1][r * j->wp0 + c];
  }
}

/* Sums of one tile of positions for one slot block, then the output stage
 * while they are in L1. */
static void conv_unit(void *ctx, int u, int tid)
{
  struct layer_job *j = ctx;
  int tile = u / j->nsb, sb = u % j->nsb;
  int b0 = tile * M78K_TILE, b1 = b0 + M78K_TILE < j->nb_pad ? b0 + M78K_TILE : j->nb_pad;
  int32_t *sums = j->tile[tid];
  j->kern.conv(&j->kc, sb, b0, b1, sums);
  for (int s = 0; s < M78K_SB; s++) {
    int o = sb * M78K_SB + s;
    if (o >= j->l->slots)
      break;
    j->kern.quant(sums + s * M78K_TILE, b1 - b0, j->bias[o], &j->quant,
                  j->outp + ((size_t)o * (size_t)j->nb_pad + (size_t)b0) * (size_t)j->elem);
  }
}

/* 128 x bias of every summed quadrant that enables it, for slot o.  A
 * streaming layer 0 consumes one bias entry before its first output
 * (izer stores a 0 there: kbias.py, "problem on AI85"). */
static int32_t slot_bias(const m78_sim *sim, const struct m78_layer *l, int o, int bskip)
{
  int ps = o % l->slots_per_pass, pe = o / l->slots_per_pass;
  int gap = ps < 64 && ((l->gap_slots >> ps) & 1);
  int bidx = o - pe * __builtin_popcountll(l->gap_slots) -
             __builtin_popcountll(l->gap_slots & (ps < 64 ? (1ull << ps) - 1 : ~0ull));
  int32_t bias = 0;
  for (int g = 0; g < M78_QUADS; g++)
    if (l->bias_en[g] && !gap)
      bias += 128 * (int8_t)sim->q[g].bias[(l->bias_sad[g] + bskip + bidx) % M78_BIAS_ENTRIES];
  return bias;
}

/* Step 4's writes, in the hardware's order: slot by slot, pixel by pixel.
 * Four slots that fill the four byte lanes of the same words go as whole
 * words when no write can fail: every byte then sees the same writes in
 * the same order, and nothing else is observable.  `words` has room for
 * one slot's pixels. */
static void scatter(m78_sim *sim, const struct m78_layer *l, const void *out, uint32_t *words)
{
  int npix = l->ho * l->wo;
  int consumer = l->index + 1;
  const struct m78_stream *st = consumer_stream(sim, l);
  uint32_t base_inst = M78_PTR_INST(l->wptr[0]), base_word = M78_PTR_WORD(l->wptr[0]);
  uint32_t step = (uint32_t)(l->wptr_inc + 1);
  for (int o = 0; o < l->slots; o++) {
    int e = o / l->slots_per_pass, s = o % l->slots_per_pass;
    uint32_t inst = base_inst + (uint32_t)(s / 4) * (l->wptr_moff >> M78_PTR_INST_SHIFT);
    int lane = s % 4;
    if (l->out32) {
      const int32_t *src = (const int32_t *)out + (size_t)o * (size_t)npix;
      uint32_t word = base_word + (uint32_t)e * l->wptr_choff + (uint32_t)lane;
      for (int pix = 0; pix < npix; pix++, word += 4 * step)
        write_word(sim, l, inst, word, (uint32_t)src[pix]);
      continue;
    }
    const int8_t *src = (const int8_t *)out + (size_t)o * (size_t)npix;
    uint32_t word = base_word + (uint32_t)e * l->wptr_choff;
    uint64_t last = (uint64_t)word + (uint64_t)(npix - 1) * step;
    int group = lane == 0 && s + 3 < l->slots_per_pass && o + 3 < l->slots && inst < M78_SRAM_INSTANCES &&
                (st ? word >= st->rptr && (uint64_t)st->rptr + st->fbuf <= M78_SRAM_WORDS : last < M78_SRAM_WORDS);
    if (group) {
      const uint8_t *b0 = (const uint8_t *)src, *b1 = b0 + npix, *b2 = b1 + npix, *b3 = b2 + npix;
      for (int pix = 0; pix < npix; pix++)
        words[pix] = (uint32_t)b0[pix] | (uint32_t)b1[pix] << 8 | (uint32_t)b2[pix] << 16 | (uint32_t)b3[pix] << 24;
      if (st) {
        m78i_stream_write_run(sim, consumer, inst, word, step, npix, words, 0xFFFFFFFFu);
      } else {
        uint32_t *mem = sim->sram[inst];
        for (int pix = 0; pix < npix; pix++, word += step)
          mem[word] = words[pix];
      }
      o += 3;
      continue;
    }
    if (st && word >= st->rptr && inst < M78_SRAM_INSTANCES) {
      for (int pix = 0; pix < npix; pix++)
        words[pix] = (uint32_t)(uint8_t)src[pix] << (8 * lane);
      m78i_stream_write_run(sim, consumer, inst, word, step, npix, words, 0xFFu << (8 * lane));
      continue;
    }
    if (st || inst >= M78_SRAM_INSTANCES || last >= M78_SRAM_WORDS) {
      for (int pix = 0; pix < npix; pix++, word += step)
        write_byte(sim, l, inst, word, lane, src[pix]);
      continue;
    }
    uint32_t *mem = sim->sram[inst];
    uint32_t keep = ~(0xFFu << (8 * lane));
    for (int pix = 0; pix < npix; pix++, word += step)
      mem[word] = (mem[word] & keep) | ((uint32_t)(uint8_t)src[pix] << (8 * lane));
  }
}

static void out_of_memory(m78_sim *sim, const struct m78_layer *l)
{
  m78i_guest_error(sim, M78_E_UNMAPPED, 0, "layer %d: out of host memory", l->index);
}

static void run_conv(struct layer_job *j, struct m78_layer_result *res)
{
  m78_sim *sim = j->sim;
  const struct m78_layer *l = j->l;
  int taps = l->kh * l->kw, kc = j->ncontrib * l->ne, ncp = (kc + 1) / 2;
  int ho = l->ho, wo = l->wo, npix = ho * wo;
  j->nsb = (l->slots + M78K_SB - 1) / M78K_SB;
  j->elem = l->out32 ? 4 : 1;

  size_t wbytes = (size_t)j->nsb * (size_t)(ncp ? ncp : 1) * (size_t)taps * M78K_SB * 4;
  j->outp = m78i_scratch(sim, SC_OUTP, (size_t)l->slots * (size_t)j->nb_pad * (size_t)j->elem);
  int32_t *off = m78i_scratch(sim, SC_OFF, (size_t)taps * 4);
  j->bias = m78i_scratch(sim, SC_BIAS, (size_t)l->slots * 4);
  uint32_t *words = m78i_scratch(sim, SC_WORDS, (size_t)npix * 4);
  size_t out_bytes = (size_t)l->slots * (size_t)npix * (size_t)j->elem;
  uint8_t *out = sim->keep_outputs ? alloc_output(res, l->slots, ho, wo, j->elem) : NULL;
  if (!out)
    out = m78i_scratch(sim, SC_OUT, out_bytes);
  uint64_t work = (uint64_t)j->nsb * M78K_SB * (uint64_t)ncp * 2 * (uint64_t)taps * (uint64_t)j->nb_pad;
  int par = work >= m78i_split_min(sim);
  int nthreads = par ? m78i_threads(sim) : 1;
  for (int t = 0; t < nthreads; t++)
    if (!(j->tile[t] = m78i_scratch(sim, THREAD_SLOT(t, TS_TILE), M78K_SB * M78K_TILE * 4)) ||
        !(j->at[t] = m78i_scratch(sim, THREAD_SLOT(t, TS_AT),
                                  (size_t)M78K_SB * (size_t)l->ne * ((size_t)taps * 4 + 1))))
      out = NULL;
  if (!j->outp || !off || !j->bias || !words || !out) {
    out_of_memory(sim, l);
    return;
  }
  for (int t = 0; t < taps; t++)
    off[t] = (t / l->kw) * j->pw + t % l->kw;
  j->kc.ncp = ncp;
  j->kc.taps = taps;
  j->kc.off = off;
  m78i_kernels(sim, &j->kern);
  m78k_quant_init(&j->quant, l->out32, l->shift, l->relu, l->abs_act);
  int bskip = (l->index == 0 && j->f.st) ? 1 : 0;
  for (int o = 0; o < l->slots; o++)
    j->bias[o] = slot_bias(sim, l, o, bskip);

  if (m78i_engine_weights(j, par, wbytes) != 0) {
    out_of_memory(sim, l);
    return;
  }
  m78i_par_for(sim, (j->nb_pad + M78K_TILE - 1) / M78K_TILE * j->nsb, par, conv_unit, j);
  /* the logical output: rows of wo out of rows of pw positions */
  size_t row = (size_t)wo * (size_t)j->elem;
  if (j->pw == wo) /* no positions between rows (1x1, conv1d): whole slots */
    for (int o = 0; o < l->slots; o++)
      memcpy(out + (size_t)o * (size_t)npix * (size_t)j->elem,
             j->outp + (size_t)o * (size_t)j->nb_pad * (size_t)j->elem, (size_t)npix * (size_t)j->elem);
  else
    for (int o = 0; o < l->slots; o++)
      for (int y = 0; y < ho; y++)
        memcpy(out + ((size_t)o * (size_t)npix + (size_t)y * (size_t)wo) * (size_t)j->elem,
               j->outp + ((size_t)o * (size_t)j->nb_pad + (size_t)y * (size_t)j->pw) * (size_t)j->elem, row);
  scatter(sim, l, out, words);

  res->mram_reads += (uint64_t)l->slots * (uint64_t)j->ncontrib * (uint64_t)l->ne;
  res->sram_writes += (uint64_t)npix * (uint64_t)((l->slots + 3) / 4);
}

void m78i_engine_run_layer(m78_sim *sim, const struct m78_layer *l, struct m78_layer_result *res)
{
  struct layer_job job, *j = &job;
  memset(j, 0, sizeof *j);
  j->sim = sim;
  j->l = l;
  j->f = (struct fetcher){sim, l, NULL};
  if (l->index >= 0 && l->index < M78_MAX_STREAM_LAYERS && sim->streams[l->index].active)
    j->f.st = &sim->streams[l->index];
  for (int p = 0; p < M78_PROCS; p++) {
    if (!((l->in_procs >> p) & 1))
      continue;
    int i = j->nprocs++;
    j->procs[i] = p;
    j->crank[i] = ((l->mask_procs >> p) & 1) && ((l->quads_summed >> (p / 16)) & 1) ? j->ncontrib++ : -1;
  }

  j->conv = l->kind != M78_LAYER_PASSTHROUGH;
  j->stuffed = l->kind == M78_LAYER_CONVT2D;
  j->hp0 = j->stuffed ? l->hp / 2 : l->hp;
  j->wp0 = j->stuffed ? l->wp / 2 : l->wp;
  j->ph = l->hp + 2 * l->pad_r;
  j->pw = l->wp + 2 * l->pad_c;
  j->raw_n = (size_t)l->h * (size_t)l->w;
  int nplanes = j->nprocs * l->ne;
  size_t pooled_n = (size_t)j->hp0 * (size_t)j->wp0;

  /* keep the combined operands when pooling follows the combination */
  if (sim->keep_outputs && l->ops > 1 && !l->prepool && (l->pool_en || l->stride > 1)) {
    free(res->combined);
    res->combined_bytes = (size_t)nplanes * j->raw_n;
    res->combined = calloc(1, res->combined_bytes ? res->combined_bytes : 1);
    j->comb = res->combined;
    res->comb_c = nplanes;
    res->comb_h = l->h;
    res->comb_w = l->w;
  }

  int par = (uint64_t)nplanes * (uint64_t)j->raw_n * (uint64_t)l->ops * GATHER_COST >= m78i_split_min(sim);
  int nthreads = par ? m78i_threads(sim) : 1;
  size_t tmp_n = j->raw_n > pooled_n ? j->raw_n : pooled_n;
  for (int t = 0; t < nthreads; t++) {
    j->scratch[t][0] = m78i_scratch(sim, THREAD_SLOT(t, TS_RAW), j->raw_n * 2);
    j->scratch[t][1] = m78i_scratch(sim, THREAD_SLOT(t, TS_TMP), tmp_n * 2);
    j->scratch[t][2] = m78i_scratch(sim, THREAD_SLOT(t, TS_POOLED0), pooled_n * 2);
    j->scratch[t][3] = m78i_scratch(sim, THREAD_SLOT(t, TS_POOLED1), pooled_n * 2);
    if (!j->scratch[t][0] || !j->scratch[t][1] || !j->scratch[t][2] || !j->scratch[t][3]) {
      out_of_memory(sim, l);
      goto out;
    }
  }

  /* 1+2: fetch, combine, pool, stuff, pad */
  if (j->conv) {
    int ncp = (j->ncontrib * l->ne + 1) / 2;
    int maxoff = (l->kh - 1) * j->pw + l->kw - 1;
    int nb = (l->ho - 1) * j->pw + l->wo;
    /* the output stage takes 32 positions at a time */
    j->nb_pad = (nb + 31) / 32 * 32;
    size_t reach = (size_t)j->nb_pad + (size_t)maxoff;
    j->kc.xstride = (reach + M78K_CHUNK - 1) / M78K_CHUNK * M78K_CHUNK;
    size_t xbytes = (size_t)ncp * j->kc.xstride * 4;
    int16_t *x = m78i_scratch(sim, SC_X, xbytes);
    j->qplane = m78i_scratch(sim, SC_QMAP, (size_t)nplanes * 2 * sizeof(int));
    if (!x || !j->qplane) {
      out_of_memory(sim, l);
      goto out;
    }
    memset(x, 0, xbytes);
    j->kc.x = x;
    j->kc.ncp = ncp;
    j->extra = j->qplane + nplanes;
    for (int i = 0; i < j->nprocs; i++)
      for (int e = 0; e < l->ne; e++) {
        if (j->crank[i] >= 0)
          j->qplane[j->crank[i] * l->ne + e] = i * l->ne + e;
        else if (j->comb)
          j->extra[j->nextra++] = i * l->ne + e;
      }
  } else {
    j->plane_n = (size_t)l->hp * (size_t)l->wp;
    j->planes = m78i_scratch(sim, SC_PLANES, (size_t)nplanes * j->plane_n * 2);
    if (!j->planes) {
      out_of_memory(sim, l);
      goto out;
    }
  }
  if (j->conv)
    m78i_par_for(sim, j->kc.ncp + j->nextra, par, gather_pair_unit, j);
  else
    m78i_par_for(sim, nplanes, par, gather_unit, j);
  res->sram_reads += (uint64_t)j->raw_n * (uint64_t)l->ne * (uint64_t)l->ops * (uint64_t)((j->nprocs + 3) / 4);

  if (j->conv)
    run_conv(j, res);
  else
    /* passthrough planes are unpadded (padding is rejected by the decoder) */
    run_passthrough(sim, l, res, j->planes, j->plane_n, j->procs, j->nprocs);

out:
  res->executed = 1;
}
