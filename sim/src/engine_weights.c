/*
 * The datapath's weights (see engine.h): every slot's kernels laid out as
 * int16 pairs for the dot-product kernels (kernels.h), read from kernel
 * memory as the hardware's mask-address model reads them (registers.md
 * 4.2), and kept between inferences while they are unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"

/* Weights of slot block sb as kernel pairs, zero for padding.  Kernel use
 * k = slot * ne + pass of processor p starts at mask bit C = MCNT_SAD + k *
 * qbits: byte K = C / 8 of every kernel, bits C % 8 up; tap t is kernel
 * byte s = K * kwidth + ONED_SAD + kwidth - 1 - t, stored in column s / 9,
 * byte 8 - s % 9 (b0..b8); columns past the memory read as 0. */
static inline int kernel_weight(const uint8_t *mram, int32_t at, unsigned bo, int qbits)
{
  if (at < 0)
    return 0;
  unsigned byte = mram[at];
  if (qbits == 8)
    return (int8_t)byte;
  unsigned u = (byte >> bo) & ((1u << qbits) - 1);
  return u >= (1u << (qbits - 1)) ? (int)u - (1 << qbits) : (int)u;
}

static void weights_unit(void *ctx, int sb, int tid)
{
  struct layer_job *j = ctx;
  const struct m78_layer *l = j->l;
  const m78_sim *sim = j->sim;
  const int taps = j->kc.taps, ncp = j->kc.ncp, ne = l->ne, qbits = l->qbits, kc = j->ncontrib * ne;
  int32_t *w = (int32_t *)(uintptr_t)j->kc.w + (size_t)sb * (size_t)ncp * (size_t)taps * M78K_SB;
  int32_t *at = j->at[tid]; /* [s][e][t]: byte offset in a processor's memory, -1 past its end */
  uint8_t *bo = (uint8_t *)(at + M78K_SB * ne * taps); /* [s][e]: first bit */
  M78_ASSERT(taps <= 9);
  for (int s = 0; s < M78K_SB; s++) {
    int o = sb * M78K_SB + s;
    for (int e = 0; e < ne; e++) {
      int32_t *a = at + (s * ne + e) * taps;
      if (o >= l->slots) { /* padding slot: weight 0 */
        for (int t = 0; t < taps; t++)
          a[t] = -1;
        continue;
      }
      uint32_t C = l->mcnt_sad + (uint32_t)(o * ne + e) * (uint32_t)qbits;
      uint32_t K = C >> 3;
      bo[s * ne + e] = (uint8_t)(C & 7);
      uint32_t s0 = K * (uint32_t)l->kwidth + (uint32_t)l->oned_sad + (uint32_t)(l->kwidth - 1);
      for (int t = 0; t < taps; t++) {
        uint32_t st = s0 - (uint32_t)t, col = st / 9;
        a[t] = col < M78_MRAM_WORDS ? (int32_t)(col * 9 + 8 - st % 9) : -1;
      }
    }
  }
  /* both channels of a pair at once: one store per weight pair */
  for (int cp = 0; cp < ncp; cp++) {
    int pi0 = j->qplane[2 * cp], pi1 = 2 * cp + 1 < kc ? j->qplane[2 * cp + 1] : -1;
    int e0 = pi0 % ne, e1 = pi1 < 0 ? 0 : pi1 % ne;
    const uint8_t *m0 = &sim->mram[j->procs[pi0 / ne]][0][0];
    const uint8_t *m1 = pi1 < 0 ? NULL : &sim->mram[j->procs[pi1 / ne]][0][0];
    int32_t *d = w + (size_t)cp * (size_t)taps * M78K_SB;
    for (int t = 0; t < taps; t++) {
      for (int s = 0; s < M78K_SB; s++) {
        int lo = kernel_weight(m0, at[(s * ne + e0) * taps + t], bo[s * ne + e0], qbits);
        int hi = m1 ? kernel_weight(m1, at[(s * ne + e1) * taps + t], bo[s * ne + e1], qbits) : 0;
        d[t * M78K_SB + s] = (int32_t)((uint32_t)(uint16_t)(int16_t)lo | (uint32_t)(uint16_t)(int16_t)hi << 16);
      }
    }
  }
}

/*
 * Weight layouts kept between inferences.  A layer's layout depends on its
 * weight registers and on the kernel-memory columns it reads; both are
 * kept with the layout and compared (the columns byte for byte) before it
 * is used again, so a change through any path, snapshots included, is
 * seen.  The comparison reads the columns in order, far cheaper than
 * laying them out again.
 */
struct wkey {
  int qbits, kwidth, oned_sad, ne, slots, kh, kw;
  uint32_t mcnt_sad;
  uint64_t in_procs, mask_procs;
  uint8_t quads_summed;
};

struct wentry {
  int valid;
  struct wkey key;
  uint32_t col0, ncols;
  uint8_t *cols; /* [contributing processor][ncols][9] */
  size_t cols_cap;
  int32_t *w; /* the layout (struct m78k_conv.w) */
  size_t w_cap;
};

struct m78_wcache {
  struct wentry e[M78_MAX_LAYERS];
};

void m78i_wcache_free(m78_sim *sim, struct m78_wcache *c)
{
  if (!c)
    return;
  for (int i = 0; i < M78_MAX_LAYERS; i++) {
    m78i_hfree(sim, c->e[i].cols);
    m78i_hfree(sim, c->e[i].w);
  }
  m78i_hfree(sim, c);
}

static void *grow(m78_sim *sim, void *p, size_t *cap, size_t bytes)
{
  if (*cap >= bytes)
    return p;
  m78i_hfree(sim, p);
  p = m78i_halloc(sim, bytes + 64);
  *cap = p ? bytes : 0;
  return p;
}

/* Columns [col0, col0 + ncols) hold every weight the layer reads. */
static void weight_columns(const struct m78_layer *l, uint32_t *col0, uint32_t *ncols)
{
  uint32_t kmin = l->mcnt_sad >> 3;
  uint32_t kmax = (l->mcnt_sad + (uint32_t)(l->slots * l->ne - 1) * (uint32_t)l->qbits) >> 3;
  uint32_t first = (kmin * (uint32_t)l->kwidth + (uint32_t)l->oned_sad) / 9;
  uint32_t last = (kmax * (uint32_t)l->kwidth + (uint32_t)l->oned_sad + (uint32_t)l->kwidth - 1) / 9;
  if (last >= M78_MRAM_WORDS)
    last = M78_MRAM_WORDS - 1;
  *col0 = first;
  *ncols = first <= last ? last - first + 1 : 0;
}

/* The layout for the layer in j->kc.w: kept, or laid out now.  Returns -1
 * when out of memory. */
int m78i_engine_weights(struct layer_job *j, int par, size_t wbytes)
{
  m78_sim *sim = j->sim;
  const struct m78_layer *l = j->l;
  struct m78_wcache **cp = m78i_wcache(sim);
  if (cp && !*cp && (*cp = m78i_halloc(sim, sizeof **cp)))
    memset(*cp, 0, sizeof **cp);
  struct wentry *c = cp && *cp && l->index >= 0 && l->index < M78_MAX_LAYERS ? &(*cp)->e[l->index] : NULL;
  if (!c) {
    if (!(j->kc.w = m78i_scratch(sim, SC_W, wbytes)))
      return -1;
    m78i_par_for(sim, j->nsb, par, weights_unit, j);
    return 0;
  }
  struct wkey key;
  memset(&key, 0, sizeof key);
  key.qbits = l->qbits;
  key.kwidth = l->kwidth;
  key.oned_sad = l->oned_sad;
  key.ne = l->ne;
  key.slots = l->slots;
  key.kh = l->kh;
  key.kw = l->kw;
  key.mcnt_sad = l->mcnt_sad;
  key.in_procs = l->in_procs;
  key.mask_procs = l->mask_procs;
  key.quads_summed = l->quads_summed;
  uint32_t col0, ncols;
  weight_columns(l, &col0, &ncols);
  size_t span = (size_t)ncols * 9;
  int same = c->valid && memcmp(&c->key, &key, sizeof key) == 0 && c->col0 == col0 && c->ncols == ncols;
  for (int i = 0, r = 0; same && span && i < j->nprocs; i++)
    if (j->crank[i] >= 0)
      same = memcmp(c->cols + (size_t)r++ * span, sim->mram[j->procs[i]][col0], span) == 0;
  if (same) {
    j->kc.w = c->w;
    return 0;
  }
  c->valid = 0;
  c->w = grow(sim, c->w, &c->w_cap, wbytes);
  c->cols = grow(sim, c->cols, &c->cols_cap, (size_t)j->ncontrib * span);
  if (!c->w || !c->cols)
    return -1;
  j->kc.w = c->w;
  m78i_par_for(sim, j->nsb, par, weights_unit, j);
  for (int i = 0, r = 0; span && i < j->nprocs; i++)
    if (j->crank[i] >= 0)
      memcpy(c->cols + (size_t)r++ * span, sim->mram[j->procs[i]][col0], span);
  c->key = key;
  c->col0 = col0;
  c->ncols = ncols;
  c->valid = 1;
  return 0;
}
