/*
 * Streaming layers' inputs: each circular input buffer (FBUF words of
 * data memory) also kept unwrapped, in host memory, so that the layer's
 * datapath can run in bulk at its end on all of its input (sim.c).  The
 * writers (FIFO pushes, a producing layer's outputs) store through
 * m78i_stream_write, which puts a word in both places.
 */
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

void m78i_free_streams(m78_sim *sim)
{
  for (int i = 0; i < M78_MAX_STREAM_LAYERS; i++) {
    free(sim->streams[i].w);
    memset(&sim->streams[i], 0, sizeof sim->streams[i]);
  }
}

/* Allocates the unwrapped copy of every circular streaming input. */
void m78i_setup_streams(m78_sim *sim)
{
  int lilbuf = M78_GET(sim->q[0].greg[M78_GREG_CTRL], CTRL, LILBUF) != 0;
  for (int i = 0; i < sim->n_layers && i < M78_MAX_STREAM_LAYERS; i++) {
    const struct m78_layer *l = &sim->results[i].layer;
    struct m78_stream *st = &sim->streams[i];
    if (sim->results[i].error[0] || !l->streaming || !l->fbuf || !lilbuf)
      continue;
    uint64_t len = l->chw ? ((uint64_t)l->h * (uint64_t)l->w + 3) / 4
                          : (uint64_t)l->h * (uint64_t)l->w * (uint64_t)l->ne * (uint64_t)l->ops;
    st->w = calloc((size_t)len * M78_SRAM_INSTANCES, sizeof *st->w);
    if (!st->w) {
      m78i_guest_error(sim, M78_E_UNMAPPED, 0, "layer %d: out of host memory for its input stream", i);
      continue;
    }
    st->active = 1;
    st->rptr = l->rptr;
    st->fbuf = l->fbuf;
    st->len = (uint32_t)len;
  }
}

int m78i_stream_write(m78_sim *sim, int consumer, uint32_t inst, uint32_t word, uint32_t value, uint32_t lane_mask)
{
  if (consumer < 0 || consumer >= M78_MAX_STREAM_LAYERS || consumer >= sim->n_layers)
    return 0;
  struct m78_stream *st = &sim->streams[consumer];
  if (!st->active || word < st->rptr || inst >= M78_SRAM_INSTANCES)
    return 0;
  uint32_t lin = word - st->rptr;
  if (lin < st->len) {
    uint32_t *w = &st->w[(size_t)inst * st->len + lin];
    *w = (*w & ~lane_mask) | (value & lane_mask);
  }
  uint32_t a = st->rptr + lin % st->fbuf;
  if (a < M78_SRAM_WORDS) {
    uint32_t *w = &sim->sram[inst][a];
    *w = (*w & ~lane_mask) | (value & lane_mask);
  } else {
    m78i_guest_error(sim, M78_E_UNMAPPED, M78_SRAM_BASE, "layer %d's input stream wraps beyond data memory (word %u)",
                     consumer, (unsigned)a);
  }
  return 1;
}

/* m78i_stream_write(sim, consumer, inst, word0 + i * step, v[i], mask)
 * for i in [0, n): the same stores and errors in the same order, without a
 * division per word.  Returns 0 (nothing written) when word0 is not a
 * stream address. */
int m78i_stream_write_run(m78_sim *sim, int consumer, uint32_t inst, uint32_t word0, uint32_t step, int n,
                          const uint32_t *v, uint32_t mask)
{
  if (consumer < 0 || consumer >= M78_MAX_STREAM_LAYERS || consumer >= sim->n_layers)
    return 0;
  struct m78_stream *st = &sim->streams[consumer];
  if (!st->active || word0 < st->rptr || inst >= M78_SRAM_INSTANCES)
    return 0;
  uint32_t sstep = step % st->fbuf;
  uint32_t lin = word0 - st->rptr, wrapped = lin % st->fbuf;
  uint32_t *copy = st->w + (size_t)inst * st->len;
  for (int i = 0; i < n; i++) {
    uint32_t value = v[i] & mask;
    if (lin < st->len)
      copy[lin] = (copy[lin] & ~mask) | value;
    uint32_t a = st->rptr + wrapped;
    if (a < M78_SRAM_WORDS)
      sim->sram[inst][a] = (sim->sram[inst][a] & ~mask) | value;
    else
      m78i_guest_error(sim, M78_E_UNMAPPED, M78_SRAM_BASE, "layer %d's input stream wraps beyond data memory (word %u)",
                       consumer, (unsigned)a);
    lin += step;
    wrapped += sstep;
    if (wrapped >= st->fbuf)
      wrapped -= st->fbuf;
  }
  return 1;
}
