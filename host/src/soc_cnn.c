/*
 * The CPU's accesses to the CNN window, the SoC model's hot path: what
 * each access costs in virtual time (the vendor FIFO loader's cycles as
 * the Cortex-M4 runs them, or the flat CNN-window cost), which CPU phase
 * it belongs to (configure, weights, bias, input, unload), the energy it
 * adds to the monitor's counter, and the access itself on the CNN bus.
 * Accesses outside the window go to the peripherals (soc_periph.c).
 *
 * An address is decoded once per access, for the phase and the energy:
 * the last few decodes are remembered (dcache), and a store into the
 * kernel or data memory block the last memory access went to is decoded
 * by moving the block's decode along (dstream: a weight load writes
 * every address once, so the cache alone would never hit).
 */
#include <string.h>
#include "soc_internal.h"

enum { FIFO_STAT = M78_FIFO_STAT, FIFO_DATA = M78_FIFO_DATA(0) };

/* CPU cycles of a CNN-window access on the host: the FIFO loader's
 * accesses as the Cortex-M4 runs them, anything else COST_CNN_CPU. */
static inline __attribute__((always_inline)) unsigned host_cnn_cost(struct m78soc_state *s, uint32_t addr, int write)
{
  unsigned prev = s->fifo_prev;
  s->fifo_prev = 0;
  if (!write && addr == FIFO_STAT) {
    s->fifo_prev = 1;
    uint32_t ctrl = m78_sim_fifo_ctrl(s->sim);
    unsigned en = (ctrl >> 12) & 0xF, last = en ? 31 - (unsigned)__builtin_clz(en) : 0;
    return prev >= 2 && prev - 2 != last ? COST_FIFO_POLL_NEXT : COST_FIFO_POLL;
  }
  if (write && addr >= FIFO_DATA && addr < FIFO_DATA + 4 * M78_FIFOS) {
    unsigned k = (addr - FIFO_DATA) / 4;
    s->fifo_prev = 2 + k;
    uint32_t ctrl = m78_sim_fifo_ctrl(s->sim);
    static const unsigned char bits4[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    int streams = bits4[(ctrl >> 12) & 0xF];
    unsigned ws = streams > 1 || s->fifo_words[k] % 4 == 0 ? M78SOC_FWS_ASSUMED : 0;
    s->fifo_words[k]++;
    return COST_FIFO_WRITE + ws;
  }
  return COST_CNN_CPU;
}

/* The time of a CNN-window access, its CPU part then its crossing into
 * the CNN clock: advance_ticks twice, with the power looked up once
 * (nothing between the two parts can change it: the pending store was
 * sent at the access's entry). */
static inline __attribute__((always_inline)) void access_time(struct m78soc_state *s, uint64_t cpu_cycles)
{
  leak_refresh(s);
  uint64_t clk = COST_CNN_CLK * s->cnn_ticks_per_cycle;
  /* both parts' energy looked up first, then added in the usual order
   * (the sum in a register between them: an access is short, and the
   * monitor's total is a chain through every one) */
  double e1 = leak_pj(s, cpu_cycles * TICKS_PER_CPU), e2 = leak_pj(s, clk);
  double pj = s->mon_pj + e1;
  s->mon_pj = pj;
  s->budget_cycles += step_tick(s, cpu_cycles * TICKS_PER_CPU);
  check_budget(s);
  s->mon_pj = pj + e2;
  s->budget_cycles += step_tick(s, clk);
  check_budget(s);
}

/* ---- CPU phases ---------------------------------------------------- */

void m78soc_phase_close(struct m78soc_state *s)
{
  m78soc_flush(s);
  int p = s->phase;
  if (p < 0)
    return;
  struct m78soc_phase_total *t = &s->phases[p];
  t->ticks += s->phase_t1 - s->phase_t0;
  t->pj += s->mon_pj - s->phase_pj0;
  t->segments++;
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_CPU_PHASE, p, 0, s->phase_t0, s->phase_t1, NULL);
  s->phase = -1;
}

/* What a CNN-window access is part of: the phase, or -1 (ISR).  ai is
 * the decoded address, NULL if it does not decode. */
static int classify(struct m78soc_state *s, const struct m78_addr_info *ai, int write)
{
  if (s->in_isr || !ai)
    return -1;
  switch (ai->region->kind) {
  case M78_REG_MRAM: return write ? M78_TL_WEIGHTS : M78_TL_CONFIGURE;
  case M78_REG_BIAS: return write ? M78_TL_BIAS : M78_TL_CONFIGURE;
  case M78_REG_SRAM: return write ? M78_TL_INPUT : M78_TL_UNLOAD;
  case M78_REG_FIFO: return ai->index == 0 ? M78_TL_CONFIGURE : M78_TL_INPUT;
  case M78_REG_QREGS: return ai->greg == M78_GREG_MLAT ? M78_TL_UNLOAD : M78_TL_CONFIGURE;
  default: return M78_TL_CONFIGURE;
  }
}

/* Opens the segment of phase p at the current time (closing another). */
static void phase_enter(struct m78soc_state *s, int p)
{
  if (p == s->phase)
    return;
  m78soc_phase_close(s);
  if (p < 0)
    return;
  s->phase = p;
  s->phase_t0 = s->phase_t1 = s->tick;
  s->phase_pj0 = s->mon_pj;
}

/* The end of an access that belongs to the open phase.  Bytes count the
 * data moved: writes, and reads only when unloading (a load's reads are
 * status polls). */
static inline void phase_account(struct m78soc_state *s, unsigned width, int write)
{
  if (s->phase < 0)
    return;
  struct m78soc_phase_total *t = &s->phases[s->phase];
  t->accesses++;
  if (write || s->phase == M78_TL_UNLOAD)
    t->bytes += width;
  s->phase_t1 = s->tick;
}

/* The energy of an access depends on its region, quadrant, FIFO index
 * class and that quadrant's SRAM register: the last value for reads and
 * for writes is kept (FIFO loops alternate a status read and a push). */
static inline __attribute__((always_inline)) void access_energy(struct m78soc_state *s, uint32_t addr,
                                                                const struct m78_addr_info *ai, int write)
{
  const struct m78_energy_ctl *ctl = energy_ctl(s);
  if (!ctl->powered_quads)
    return;
  if (!ai) {
    s->mon_pj += m78_energy_access_pj_decoded(NULL, write, ctl);
    return;
  }
  struct m78soc_access_pj *c = &s->access_pj[write != 0];
  /* the same address at the same generation is the same class (its
   * quadrant's SRAM register cannot have changed) */
  if (c->valid && c->addr == addr && c->gen == s->ectl_gen) {
    s->mon_pj += c->pj;
    return;
  }
  int g = ai->quad < 0 ? 0 : ai->quad;
  int hi = ai->region->kind == M78_REG_FIFO && ai->index >= 2;
  if (!c->valid || c->region != ai->region || c->quad != ai->quad || c->hi != hi || c->sram != ctl->sram_ctrl[g]) {
    *c = (struct m78soc_access_pj){
        1, ai->region, ai->quad, hi, ctl->sram_ctrl[g], m78_energy_access_pj_decoded(ai, write, ctl), 0, 0};
  }
  c->addr = addr;
  c->gen = s->ectl_gen;
  s->mon_pj += c->pj;
}

/* m78_addr_decode(addr), remembered for the last few addresses (a
 * decode depends on nothing but the address); NULL if it does not
 * decode. */
static void stream_learn(struct m78soc_state *s, uint32_t addr, const struct m78_addr_info *ai);

static const struct m78_addr_info *decode(struct m78soc_state *s, uint32_t addr)
{
  struct m78soc_decoded *d = &s->dcache[(addr >> 2) & 15];
  if (d->state && d->addr == addr)
    return d->state == 1 ? &d->info : NULL;
  /* a store into the kernel or data memory block the last memory access
   * went to: the same decode but for the offset (a weight load writes
   * every address once, so the cache above would never hit) */
  struct m78soc_dstream *st = &s->dstream;
  uint32_t rel = addr - st->lo;
  if (st->span && rel < st->span) {
    st->info.index = st->index0 + (st->info.region->kind == M78_REG_MRAM ? rel : rel / 4);
    st->info.offset = st->offset0 + rel;
    return &st->info;
  }
  d->addr = addr;
  d->state = m78_addr_decode(addr, &d->info) == 0 ? 1 : 2;
  if (d->state == 1)
    stream_learn(s, addr, &d->info);
  return d->state == 1 ? &d->info : NULL;
}

/* Remembers the block of kernel memory (one processor's window) or data
 * memory (one instance) around addr, if the decoder sees it as one: its
 * last byte decodes to the same unit. */
static void stream_learn(struct m78soc_state *s, uint32_t addr, const struct m78_addr_info *ai)
{
  struct m78soc_dstream *st = &s->dstream;
  uint32_t into, span;
  if (ai->region->kind == M78_REG_MRAM) {
    into = ai->index; /* byte offset in the processor's window */
    span = M78_PROC_WINDOW;
  } else if (ai->region->kind == M78_REG_SRAM) {
    into = ai->offset % M78_SRAM_INST_BYTES;
    span = M78_SRAM_INST_BYTES;
  } else
    return;
  uint32_t lo = addr - into;
  struct m78_addr_info last, first;
  if (m78_addr_decode(lo + span - 1, &last) != 0 || last.region != ai->region || last.proc != ai->proc ||
      last.instance != ai->instance || last.quad != ai->quad || m78_addr_decode(lo, &first) != 0 ||
      first.region != ai->region || first.proc != ai->proc || first.instance != ai->instance)
    return;
  st->span = 0;
  st->info = first;
  st->lo = lo;
  st->index0 = first.index;
  st->offset0 = first.offset;
  st->span = span;
}

/* ---- the FIFO loader's lane -------------------------------------- */

/* A streamed input is a status poll and a push per word and FIFO, tens
 * of thousands per inference.  While the loader runs (the input phase is
 * open, no ISR, the host's CPU model) those two accesses take this lane:
 * the steps of m78soc_read/m78soc_write below in the same order, with
 * the decode and phase lookups that cannot change answered in advance
 * and the catch-up and the bus access in one simulator call.  CTest
 * timing/fifo-lane runs the FIFO-fed corpus with M78SIM_FIFO_LANE=off
 * (the general way) and with it, and compares every output byte. */
static inline int fifo_lane(const struct m78soc_state *s, unsigned width)
{
  return width == 4 && s->phase == M78_TL_INPUT && !s->in_isr && !s->cpu_emulated && s->fifo_ai_ok && !s->no_fifo_lane;
}

static int fifo_stat_lane(struct m78soc_state *s, uint32_t *value)
{
  m78soc_flush(s);
  s->activity++;
  s->apb_reads++;
  s->fifo_lane_hits++;
  access_time(s, host_cnn_cost(s, FIFO_STAT, 0));
  m78soc_flush(s);
  s->in_shim++;
  int st = m78_sim_fifo_stat_at(s->sim, cnn_now(s), value);
  s->in_shim--;
  s->activity++;
  s->last_poll_addr = FIFO_STAT;
  access_energy(s, FIFO_STAT, &s->fifo_ai[0], 0);
  phase_account(s, 4, 0);
  return st;
}

static int fifo_push_lane(struct m78soc_state *s, uint32_t addr, uint32_t value)
{
  unsigned k = (addr - FIFO_DATA) / 4;
  m78soc_flush(s);
  s->activity++;
  s->apb_writes++;
  s->fifo_lane_hits++;
  access_time(s, host_cnn_cost(s, addr, 1));
  m78soc_flush(s);
  s->in_shim++;
  int st = m78_sim_fifo_push_at(s->sim, cnn_now(s), (int)k, value);
  s->in_shim--;
  s->activity++;
  s->last_poll_addr = 0;
  access_energy(s, addr, &s->fifo_ai[1 + k], 1);
  phase_account(s, 4, 1);
  return st;
}

int m78soc_read(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value)
{
  if (addr == FIFO_STAT && fifo_lane(s, width))
    return fifo_stat_lane(s, value);
  m78soc_flush(s);
  s->activity++;
  *value = 0;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    s->apb_reads++;
    /* one decode for the phase and the energy */
    const struct m78_addr_info *ai = decode(s, addr);
    phase_enter(s, classify(s, ai, 0));
    access_time(s, s->cpu_emulated ? COST_CNN_WAIT_ARM : host_cnn_cost(s, addr, 0));
    sync_cnn(s);
    s->last_poll_addr = addr;
    int st = m78_bus_read_decoded(s->sim, addr, width, value, ai);
    access_energy(s, addr, ai, 0);
    phase_account(s, width, 0);
    return st;
  }
  m78soc_cpu_cycles(s, s->cpu_emulated ? COST_PERIPH_WAIT_ARM : COST_PERIPH_CPU);
  int st = m78soc_periph_access(s, addr, width, value, 0);
  if (st)
    m78soc_report_unmapped(s, addr, width, 0);
  return st;
}

int m78soc_write(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t value)
{
  if (addr - FIFO_DATA < 4 * M78_FIFOS && !(addr & 3) && fifo_lane(s, width))
    return fifo_push_lane(s, addr, value);
  m78soc_flush(s);
  s->activity++;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    s->apb_writes++;
    /* one decode for the phase and the energy */
    const struct m78_addr_info *ai = decode(s, addr);
    phase_enter(s, classify(s, ai, 1));
    access_time(s, s->cpu_emulated ? COST_CNN_WAIT_ARM : host_cnn_cost(s, addr, 1));
    sync_cnn(s);
    s->last_poll_addr = 0;
    /* max78sim compare --stop-after: the layer count a capture firmware
     * would set (LCNT_MAX of any quadrant) */
    if (s->layer_limit >= 0 && (addr & ~(3u * M78_QUAD_STRIDE)) == M78_QREG_BASE + M78_GREG_OFFS_LCNT_MAX &&
        value > (uint32_t)s->layer_limit)
      value = (uint32_t)s->layer_limit;
    int st = m78_bus_write_decoded(s->sim, addr, width, value, ai);
    access_energy(s, addr, ai, 1);
    phase_account(s, width, 1);
    return st;
  }
  m78soc_cpu_cycles(s, s->cpu_emulated ? COST_PERIPH_WAIT_ARM : COST_PERIPH_CPU);
  int st = m78soc_periph_access(s, addr, width, &value, 1);
  if (st)
    m78soc_report_unmapped(s, addr, width, 1);
  return st;
}
