/*
 * Fault injection: what a faulty board would do, for testing the tools
 * that diagnose one (max78sim compare).  The fault table is part of the
 * instance (struct m78_sim faults[]) and survives a reset, like a defect
 * of the chip would.
 *
 *  - SRAM stuck bit: bit `bit` of every word of instance `unit` (or only
 *    word `index`) holds `value`.  With layer = -1 the cell is stuck all
 *    the time: it is forced after every bus write and around every
 *    layer's datapath (so input loads and FIFO data are affected too).
 *    With layer = L only the words layer L writes are affected (a bad
 *    write path while that layer runs): they are forced right after L.
 *  - kernel word: kernel memory byte `bit` of column `index` of
 *    processor `unit` reads XORed with `value` while an inference runs
 *    (byte k is bits 8k+7..8k of the 72-bit column).
 *  - shift: layer `layer` runs with `value` added to its output shift.
 * The kernel flip is applied at the start of a run and undone at its
 * end, so the firmware's read-back and a second run see the same memory.
 */
#include "sim_internal.h"

int m78i_fault_valid(const struct m78_fault *f)
{
  switch (f->kind) {
  case M78_FAULT_SRAM_STUCK_BIT:
    return f->unit >= 0 && f->unit < M78_SRAM_INSTANCES && f->bit >= 0 && f->bit < 32 &&
           (f->value == 0 || f->value == 1) && (f->index == M78_FAULT_ALL_WORDS || f->index < M78_SRAM_WORDS) &&
           f->layer >= -1 && f->layer < M78_MAX_LAYERS;
  case M78_FAULT_KERNEL_WORD:
    return f->unit >= 0 && f->unit < M78_PROCS && f->index < M78_MRAM_WORDS && f->bit >= 0 && f->bit < 9 &&
           f->value > 0 && f->value < 256;
  case M78_FAULT_SHIFT:
    return f->layer >= 0 && f->layer < M78_MAX_LAYERS && f->value != 0 && f->value >= -31 && f->value <= 31;
  default: return 0;
  }
}

static inline uint32_t force(uint32_t w, const struct m78_fault *f)
{
  uint32_t m = 1u << f->bit;
  return f->value ? w | m : w & ~m;
}

/* Forces a stuck bit in every word it covers, in SRAM and in the
 * unwrapped copies of streaming inputs (the consumers read those). */
static void force_instance(m78_sim *sim, const struct m78_fault *f)
{
  uint32_t *mem = sim->sram[f->unit];
  if (f->index != M78_FAULT_ALL_WORDS) {
    mem[f->index] = force(mem[f->index], f);
    return;
  }
  for (uint32_t w = 0; w < M78_SRAM_WORDS; w++)
    mem[w] = force(mem[w], f);
  for (int i = 0; i < M78_MAX_STREAM_LAYERS; i++) {
    struct m78_stream *st = &sim->streams[i];
    if (st->active && st->w)
      for (uint32_t k = 0; k < st->len; k++)
        st->w[(size_t)f->unit * st->len + k] = force(st->w[(size_t)f->unit * st->len + k], f);
  }
}

static void always_stuck(m78_sim *sim)
{
  for (int i = 0; i < sim->n_faults; i++)
    if (sim->faults[i].kind == M78_FAULT_SRAM_STUCK_BIT && sim->faults[i].layer < 0)
      force_instance(sim, &sim->faults[i]);
}

static void flip_kernels(m78_sim *sim)
{
  for (int i = 0; i < sim->n_faults; i++) {
    const struct m78_fault *f = &sim->faults[i];
    if (f->kind == M78_FAULT_KERNEL_WORD)
      sim->mram[f->unit][f->index][8 - f->bit] ^= (uint8_t)f->value;
  }
}

void m78i_faults_run_start(m78_sim *sim)
{
  if (sim->kernel_faults_applied)
    flip_kernels(sim); /* a previous run was aborted: undo first */
  sim->kernel_faults_applied = 0;
  for (int i = 0; i < sim->n_faults; i++) {
    const struct m78_fault *f = &sim->faults[i];
    if (f->kind == M78_FAULT_SHIFT && f->layer < sim->n_layers && !sim->results[f->layer].error[0])
      sim->results[f->layer].layer.shift += f->value;
    if (f->kind == M78_FAULT_KERNEL_WORD)
      sim->kernel_faults_applied = 1;
  }
  if (sim->kernel_faults_applied)
    flip_kernels(sim);
  always_stuck(sim);
}

void m78i_faults_run_end(m78_sim *sim)
{
  if (sim->kernel_faults_applied)
    flip_kernels(sim);
  sim->kernel_faults_applied = 0;
}

void m78i_faults_before_layer(m78_sim *sim, int layer)
{
  (void)layer;
  if (sim->n_faults)
    always_stuck(sim);
}

struct layer_force {
  m78_sim *sim;
  const struct m78_fault *f;
};

static void force_entry(void *ctx, const struct m78_footprint_entry *e)
{
  struct layer_force *lf = ctx;
  const struct m78_fault *f = lf->f;
  if (e->inst != f->unit || (f->index != M78_FAULT_ALL_WORDS && e->word != f->index))
    return;
  /* only the byte lanes this write covers: other layers' data in the
   * same word went through a good write path */
  if (!((e->lanes >> (f->bit / 8)) & 1))
    return;
  uint32_t *w = &lf->sim->sram[e->inst][e->word];
  *w = force(*w, f);
}

void m78i_faults_after_layer(m78_sim *sim, int layer)
{
  if (!sim->n_faults)
    return;
  for (int i = 0; i < sim->n_faults; i++) {
    const struct m78_fault *f = &sim->faults[i];
    if (f->kind != M78_FAULT_SRAM_STUCK_BIT || f->layer != layer)
      continue;
    struct layer_force lf = {sim, f};
    m78_layer_footprint(sim, layer, force_entry, &lf);
    /* a streaming consumer reads the producer's words from its copy */
    int c = layer + 1;
    if (c < M78_MAX_STREAM_LAYERS && c < sim->n_layers && sim->streams[c].active) {
      struct m78_stream *st = &sim->streams[c];
      for (uint32_t k = 0; k < st->len; k++)
        if (f->index == M78_FAULT_ALL_WORDS || st->rptr + k % st->fbuf == f->index)
          st->w[(size_t)f->unit * st->len + k] = force(st->w[(size_t)f->unit * st->len + k], f);
    }
  }
  always_stuck(sim);
}

void m78i_faults_sram_write(m78_sim *sim, int inst, uint32_t word)
{
  for (int i = 0; i < sim->n_faults; i++) {
    const struct m78_fault *f = &sim->faults[i];
    if (f->kind == M78_FAULT_SRAM_STUCK_BIT && f->layer < 0 && f->unit == inst &&
        (f->index == M78_FAULT_ALL_WORDS || f->index == word))
      sim->sram[inst][word] = force(sim->sram[inst][word], f);
  }
}
