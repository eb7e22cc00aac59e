/*
 * Output footprint: where in data SRAM a layer's output values land.
 *
 * This walks a decoded layer's output exactly as the engine scatters it
 * (../shared/spec/registers.md 6.4/6.5, engine.c steps 4 and
 * run_passthrough) and reports one entry per write, in write order:
 *  - a convolution writes slot o, pixel pix to instance
 *    base + (s / 4) * moff in lane s % 4 (s = o mod slots-per-pass),
 *    word base + pix * (inc + 1) + pass * choff; a 32-bit output fills
 *    the whole word base + 4 * pix * (inc + 1) + pass * choff + lane;
 *  - a passthrough layer packs its processors per quadrant, four to a
 *    word (lane = k % 4, time slot t = k / 4 at t * toff), pixel-major
 *    with the passes interleaved, and carries into the next instance;
 *  - a write aimed at a streaming consumer's input wraps at its FBUF.
 * Writes the engine drops (beyond data memory) are not reported.  A later
 * entry at the same address overwrites an earlier one, as in the engine.
 *
 * The engine and this walk must agree; tests compare every entry with
 * the data SRAM a run leaves behind.
 */
#include "sim_internal.h"

struct walk {
  const m78_sim *sim;
  int consumer;
  m78_footprint_fn fn;
  void *ctx;
  long n;
};

static void emit(struct walk *w, uint32_t inst, uint32_t word, unsigned lanes, int channel, int pixel)
{
  struct m78_footprint_entry e = {(uint8_t)inst, (uint8_t)lanes, (uint16_t)word, channel, pixel};
  w->n++;
  if (w->fn)
    w->fn(w->ctx, &e);
}

/* Mirrors m78i_stream_write: 1 when the consumer's stream takes the
 * write (then *a is the wrapped word, or >= M78_SRAM_WORDS if dropped). */
static int stream_target(const struct walk *w, uint32_t inst, uint32_t word, uint32_t *a)
{
  const m78_sim *sim = w->sim;
  int c = w->consumer;
  if (c < 0 || c >= M78_MAX_STREAM_LAYERS || c >= sim->n_layers)
    return 0;
  const struct m78_stream *st = &sim->streams[c];
  if (!st->active || word < st->rptr || inst >= M78_SRAM_INSTANCES)
    return 0;
  *a = st->rptr + (word - st->rptr) % st->fbuf;
  return 1;
}

/* engine.c write_byte / write_word */
static void place(struct walk *w, uint32_t inst, uint32_t word, unsigned lanes, int channel, int pixel)
{
  uint32_t a;
  if (stream_target(w, inst, word, &a)) {
    if (a < M78_SRAM_WORDS)
      emit(w, inst, a, lanes, channel, pixel);
    return;
  }
  if (inst < M78_SRAM_INSTANCES && word < M78_SRAM_WORDS)
    emit(w, inst, word, lanes, channel, pixel);
}

static void walk_passthrough(struct walk *w, const struct m78_layer *l)
{
  int procs[M78_PROCS], nprocs = 0;
  for (int p = 0; p < M78_PROCS; p++)
    if ((l->in_procs >> p) & 1)
      procs[nprocs++] = p;
  int npix = l->hp * l->wp;
  for (int g = 0; g < M78_QUADS; g++) {
    int k = 0;
    for (int i = 0; i < nprocs; i++) {
      if (procs[i] / 16 != g)
        continue;
      int t = k / 4, lane = k % 4;
      for (int e = 0; e < l->ne; e++) {
        for (int pix = 0; pix < npix; pix++) {
          uint32_t base = l->wptr[g] + (uint32_t)t * l->wptr_toff;
          uint32_t word = M78_PTR_WORD(base) + (uint32_t)(pix * l->ne + e) * (uint32_t)(l->wptr_inc + 1);
          uint32_t inst = M78_PTR_INST(base), a;
          int ch = e * nprocs + i;
          if (stream_target(w, inst, word, &a)) {
            if (a < M78_SRAM_WORDS)
              emit(w, inst, a, 1u << lane, ch, pix);
          } else {
            place(w, (inst + word / M78_SRAM_WORDS) & 0xF, word % M78_SRAM_WORDS, 1u << lane, ch, pix);
          }
        }
      }
      k++;
    }
  }
}

static void walk_conv(struct walk *w, const struct m78_layer *l)
{
  int npix = l->ho * l->wo;
  uint32_t base_inst = M78_PTR_INST(l->wptr[0]), base_word = M78_PTR_WORD(l->wptr[0]);
  for (int o = 0; o < l->slots; o++) {
    int e = o / l->slots_per_pass, s = o % l->slots_per_pass;
    uint32_t inst = base_inst + (uint32_t)(s / 4) * (l->wptr_moff >> M78_PTR_INST_SHIFT);
    int lane = s % 4;
    for (int pix = 0; pix < npix; pix++) {
      if (l->out32) {
        uint32_t word = base_word + (uint32_t)(4 * pix * (l->wptr_inc + 1)) + (uint32_t)e * l->wptr_choff +
                        (uint32_t)lane;
        place(w, inst, word, 0xFu, o, pix);
      } else {
        uint32_t word = base_word + (uint32_t)(pix * (l->wptr_inc + 1)) + (uint32_t)e * l->wptr_choff;
        place(w, inst, word, 1u << lane, o, pix);
      }
    }
  }
}

long m78_layer_footprint(const m78_sim *sim, int layer, m78_footprint_fn fn, void *ctx)
{
  if (!sim->runs || layer < 0 || layer >= sim->n_layers || sim->results[layer].error[0])
    return -1;
  const struct m78_layer *l = &sim->results[layer].layer;
  struct walk w = {sim, layer + 1, fn, ctx, 0};
  if (l->kind == M78_LAYER_PASSTHROUGH)
    walk_passthrough(&w, l);
  else
    walk_conv(&w, l);
  return w.n;
}
