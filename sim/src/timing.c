/*
 * Cycles the CNN state machine spends on one layer.
 *
 * The hardware fetches every input pixel of every pass and operand
 * (pooling reads plus one TRAM write each), pads rows and columns, and
 * then writes one output channel per cycle per pass for every output
 * column.  This is the closed form of that walk, the equation izer's
 * latency.py uses (../shared/spec/compute.md 7.3), evaluated on the
 * layer as decoded from the registers.  It is exact for non-streaming
 * layers.  Streaming layers get izer's factor here (its estimate, kept
 * for reference); their real timing comes from the stream scheduler
 * (stream_timing.c), which walks the same per-column costs.
 */
#include "sim_internal.h"

int64_t m78i_lat_formula(const struct m78_lat_in *x)
{
  int64_t a, b, m, pre = 0;
  if (x->pool_first) {
    a = 2 * x->M * x->E;
    b = x->M * x->E * (x->Pr * x->Pc + 1);
    m = 1;
  } else {
    a = 2 * x->M;
    b = x->M * (x->E * x->Pr * x->Pc + 1);
    m = x->M;
    if (x->M > 1 || x->E > 1)
      pre = ((x->Hp + 2 * x->pr - x->Kc + 1) * x->pc + (x->Wp + 2 * x->pc - x->Kr + 1) * x->pr - x->pr * x->pc) *
            x->kern_offs;
  }
  int64_t L;
  if (x->passthrough) {
    L = x->Hp * x->Wp * (b + x->M * x->T);
  } else {
    int64_t pad_row = 2 * x->pc * (a + 1) + m * x->Wp * (a + 1);
    int64_t noconv_row = 2 * x->pc * (a + 1) + m * x->Wp * (b + 1);
    int64_t conv_row = x->pc * (a + 1) + m * (x->Kc - 1 - x->pc) * (b + 1) + m * (x->Wo - x->pc) * b + x->pc * a;
    int64_t bottom_row = x->pc * (a + 1) + m * (x->Kc - 1 - x->pc) * (a + 1) + m * (x->Wo - x->pc) * a + x->pc * a;
    int64_t out_row = x->M * x->Wo * x->Cout + ((x->Cout == 1 && x->M == 1) ? x->Cout : 0);
    L = x->F + pre + x->pr * pad_row + (x->Kr - 1 - x->pr) * noconv_row +
        (conv_row + out_row) * (x->Hp - (x->Kr - 1 - x->pr)) + x->pr * (bottom_row + out_row);
  }
  if (x->streaming)
    L = (15 * L + 9) / 10;
  return L < 0 ? 0 : L;
}

void m78i_lat_params(const m78_sim *sim, const struct m78_layer *l, struct m78_lat_in *out)
{
  struct m78_lat_in x = {0};
  x.E = l->ops;
  x.Pr = l->pool_en ? l->pool_h : 1;
  x.Pc = l->pool_en ? l->pool_w : 1;
  x.Hp = l->hp;
  x.Wp = l->wp;
  x.Kr = l->kh;
  x.Kc = l->kw;
  x.pr = l->pad_r;
  x.pc = l->pad_c;
  x.Ho = l->ho;
  x.Wo = l->wo;
  x.Cout = l->slots;
  x.passthrough = l->kind == M78_LAYER_PASSTHROUGH;
  x.pool_first = !(l->ops > 1 && l->pool_en && !l->prepool);
  x.streaming = l->streaming;
  x.M = l->ne;
  if (l->kind != M78_LAYER_PASSTHROUGH)
    x.kern_offs = (int64_t)(((l->mcnt_sad >> 3) * (uint32_t)l->kwidth + (uint32_t)l->oned_sad) / 9);

  if (x.passthrough) {
    int nq = 0;
    for (int g = 0; g < M78_QUADS; g++) {
      int n = __builtin_popcount((unsigned)((l->in_procs >> (16 * g)) & 0xFFFF));
      if (n > nq)
        nq = n;
    }
    x.T = (nq + 3) / 4;
    if (l->pool_en && l->ne > 1)
      x.M = 2 * l->ne - 1; /* REQUIRE_2X_MP_PASSTHROUGH */
  }

  if (l->ne > 1 && l->h == 1 && l->w == 1 && l->kind == M78_LAYER_CONV2D_1X1) {
    /* A flattened linear layer: izer counts the flattened pixels as rows
     * and columns (M = input passes of the source data).  The split only
     * matters for the Cout == 1 term; take it from the producing layer. */
    int64_t hf = 1, wf = l->ne, M = 1;
    const struct m78_layer *prev = l->index > 0 ? &sim->results[l->index - 1].layer : NULL;
    if (prev && prev->ho > 0 && prev->wo > 0) {
      int64_t pm = (prev->out_channels + 63) / 64;
      if (pm > 0 && (int64_t)prev->ho * prev->wo * pm == l->ne) {
        hf = prev->ho;
        wf = prev->wo;
        M = pm;
      }
    }
    x.M = M;
    x.Hp = hf;
    x.Wp = wf;
    x.Wo = wf;
    x.F = l->flatten;
    x.flat = 1;
  }
  *out = x;
}

uint64_t m78i_layer_cycles(const m78_sim *sim, const struct m78_layer *l)
{
  struct m78_lat_in x;
  m78i_lat_params(sim, l, &x);
  return (uint64_t)m78i_lat_formula(&x);
}
