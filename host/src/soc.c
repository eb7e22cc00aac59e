/*
 * The simulated MAX78000 around the CNN: peripherals the synthesized
 * firmware touches, a virtual CPU clock, the CNN interrupt, the CPU's
 * phases and the power monitor's energy counter.
 *
 * The firmware runs natively, so the host's own execution time means
 * nothing; virtual time advances only by what the model charges: bus
 * accesses (accesses to the CNN are paced by the CNN clock), MSDK
 * calls, delays, interrupt entry/exit, and sleeping until the next CNN
 * event.  The CNN simulator is synchronised to virtual time before every
 * access that could observe it.
 *
 * The cost constants and their sources are listed in docs/timing-model.md;
 * in short (CPU cycles at 100 MHz, CNN cycles at the programmed clock):
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/soc.h"

enum {
  /* APB peripheral access (GCR, GCFR, TMR, GPIO, ...): an APB transfer
   * takes a setup and an access cycle of PCLK (AMBA APB protocol), PCLK
   * is half the CPU clock, plus one cycle in the AHB-to-APB bridge. */
  COST_PERIPH_CPU = 5,
  /* Access to the CNN window, CPU side.  The firmware's own instructions
   * around an access run natively and are invisible here, so this
   * carries the vendor loops' share: the loaders (one flash load, one
   * store, pointer steps, loop branch per word) and the bridge.  Source:
   * anchors, weight loading 3.18 ms at /1 and 18.73 ms at /16 for the
   * CIFAR-10 layers 0-4 weights (42,688 bytes, ~10,800 words): the part
   * that does not grow with the divider is 2.14 ms, 19.8 CPU cycles a
   * word. */
  COST_CNN_CPU = 20,
  /* Access to the CNN window, CNN side: the crossing into the CNN clock
   * domain and the memory or register access, in CNN cycles.  Source:
   * same anchor, the part that grows with the divider: (18.73 - 3.18) /
   * 15 ms = 1.04 ms per divider step, 4.8 CNN cycles a word at 50 MHz. */
  COST_CNN_CLK = 5,
  /* Cortex-M4 exception entry with zero-wait-state memory (Cortex-M4
   * TRM, "exception entry latency 12 cycles"). */
  COST_IRQ_ENTRY_CPU = 12,
  /* From the CNN's done to the ISR's first instruction when the CPU
   * sleeps: synchronising the interrupt into the CPU clock domain,
   * leaving SLEEP, fetching the vector and the ISR and driver code that
   * run for the first time in the timed window.  Calibrated: the residual
   * that makes the modelled inference-timer overhead equal the anchors'
   * measured-minus-izer mean of 6.6 us (printed), see docs. */
  COST_IRQ_WAKE_CPU = 260,
  /* Exception return (Cortex-M4 TRM: 10 cycles without tail-chaining). */
  COST_IRQ_EXIT_CPU = 10,
  /* Emulated CPU: an APB peripheral access beyond the load or store
   * instruction's own cycles (counted by the emulator's CPI model): the
   * same 5-cycle APB transfer as above, less the 2 cycles of an LDR. */
  COST_PERIPH_WAIT_ARM = 3,
  /* Emulated CPU: a CNN-window access, CPU side, beyond the instruction
   * and the COST_CNN_CLK crossing.  Calibrated on the same anchor as
   * COST_CNN_CPU: its 19.8 CPU cycles a word that do not grow with the
   * divider, less the 10.3 the vendor loader's executed instructions and
   * flash reads cost under the CPI model (mnist, docs/arm.md); without it
   * the emulated loader ran at 19.7 MB/s against the board's ~14. */
  COST_CNN_WAIT_ARM = 10,
  /* Host: the vendor's FIFO loader (load_input of every FIFO-fed
   * synthesized firmware: for each word, per FIFO k, poll FIFO_STAT until
   * bit k clears, then write the next word of input_k to FIFO k),
   * derived from the Cortex-M4 CPI model the Arm path executes (docs/arm.md,
   * "One CPU-time model"); GCC 12 -O2 compiles each FIFO's step to
   *   ldr r2,[r3,#4]; lsls r2,r2,#(31-k); bmi <poll>; ldr.w r2,[rk],#4; str r2,[r3,#8+4k]
   * and the iteration ends with cmp; bne.  Cycles from the previous CNN
   * access to this one, the COST_CNN_CLK crossing apart:
   * - FIFO_STAT after the write to the last enabled FIFO (cmp 1, bne 1 +
   *   refill 2, ldr 2) or after a FIFO_STAT read (a full FIFO polled
   *   again: lsls 1, bmi 1 + refill 2, ldr 2): 6 + COST_CNN_WAIT_ARM;
   * - FIFO_STAT after the write to another FIFO (ldr 1, pipelined after
   *   the store): 1 + COST_CNN_WAIT_ARM;
   * - a FIFO write (lsls 1, bmi 1, ldr.w from flash 2, str 1): 5 +
   *   COST_CNN_WAIT_ARM + the flash data read's wait states: with one
   *   FIFO the input is read in order, one flash line (16 bytes) per 4
   *   words; with several, each read is from another stream's line. */
  COST_FIFO_POLL = 6 + COST_CNN_WAIT_ARM,
  COST_FIFO_POLL_NEXT = 1 + COST_CNN_WAIT_ARM,
  COST_FIFO_WRITE = 5 + COST_CNN_WAIT_ARM
};

enum { FIFO_STAT = M78_FIFO_BASE + 4, FIFO_DATA = M78_FIFO_BASE + 8 };

/* CPU cycles of a CNN-window access on the host: the FIFO loader's
 * accesses as the Cortex-M4 runs them, anything else COST_CNN_CPU. */
static unsigned host_cnn_cost(struct m78soc_state *s, uint32_t addr, int write)
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

#define TICKS_PER_CPU (M78SOC_TICK_HZ / M78SOC_CPU_HZ)
#define PCLK_HZ (M78SOC_CPU_HZ / 2)
#define TICKS_PER_PCLK (M78SOC_TICK_HZ / PCLK_HZ)

void m78soc_cnn_clock(struct m78soc_state *s, const char **source, int *divider)
{
  static const int divs[8] = {2, 4, 8, 16, 1, 1, 1, 1};
  uint32_t pclkdiv = s->gcr[M78SOC_GCR_PCLKDIV];
  int iso = (pclkdiv >> M78SOC_PCLKDIV_CNNSEL_SHIFT) & 1;
  if (source)
    *source = iso ? "ISO" : "PCLK";
  if (divider)
    *divider = divs[(pclkdiv >> M78SOC_PCLKDIV_CNNDIV_SHIFT) & 7];
}

/* 1 when the CNN clock's source is the ISO (60 MHz), 0 for PCLK */
static int cnn_clock_iso(struct m78soc_state *s) { return (s->gcr[M78SOC_GCR_PCLKDIV] >> M78SOC_PCLKDIV_CNNSEL_SHIFT) & 1; }

static uint64_t cnn_ticks_from_gcr(struct m78soc_state *s)
{
  int div;
  m78soc_cnn_clock(s, NULL, &div);
  uint64_t base = cnn_clock_iso(s) ? M78SOC_TICK_HZ / 60000000ull : M78SOC_TICK_HZ / 50000000ull;
  return base * (uint64_t)div;
}

uint64_t m78soc_cnn_now(struct m78soc_state *s) { return s->cnn_epoch_cycle + s->cnn_q; }

/* Moves virtual time on by `ticks`; returns the CNN cycles that passed. */
static inline uint64_t step_tick(struct m78soc_state *s, uint64_t ticks)
{
  uint64_t tpc = s->cnn_ticks_per_cycle, r = s->cnn_r + ticks, d = 0;
  s->tick += ticks;
  if (r >= tpc) {
    /* below 2^16 ticks the reciprocal gives the exact quotient (its error
     * is under r / 2^32, less than the 1 / tpc a fraction falls short of
     * the next integer by); a 64-bit division costs tens of cycles */
    d = r < (1u << 16) ? (r * s->cnn_recip) >> 32 : r / tpc;
    r -= d * tpc;
  }
  s->cnn_q += d;
  s->cnn_r = r;
  return d;
}

uint64_t m78soc_cnn_hz(struct m78soc_state *s) { return M78SOC_TICK_HZ / s->cnn_ticks_per_cycle; }

double m78soc_time_us(struct m78soc_state *s) { return (double)s->tick * 1e6 / (double)M78SOC_TICK_HZ; }

uint64_t m78soc_cycle_tick(struct m78soc_state *s, uint64_t cycle)
{
  if (cycle < s->cnn_epoch_cycle)
    return s->cnn_epoch_tick;
  return s->cnn_epoch_tick + (cycle - s->cnn_epoch_cycle) * s->cnn_ticks_per_cycle;
}

static void reclock(struct m78soc_state *s)
{
  uint64_t now = m78soc_cnn_now(s);
  s->cnn_epoch_cycle = now;
  s->cnn_epoch_tick = s->tick;
  s->cnn_q = s->cnn_r = 0;
  s->cnn_ticks_per_cycle = cnn_ticks_from_gcr(s);
  s->cnn_recip = (1ull << 32) / s->cnn_ticks_per_cycle + 1;
  m78_sim_set_clock_hz(s->sim, m78soc_cnn_hz(s));
}

int m78soc_init(struct m78soc_state *s)
{
  memset(s, 0, sizeof *s);
  s->sim = m78_sim_new();
  if (!s->sim)
    return -1;
  s->gen_ref = m78_sim_energy_gen_ref(s->sim);
  /* Reset values: CNN clock PCLK/1 is what every synthesized main selects;
   * peripheral clocks start disabled as on silicon. */
  s->gcr[M78SOC_GCR_PCLKDIV] = 4u << M78SOC_PCLKDIV_CNNDIV_SHIFT;
  s->gcr[M78SOC_GCR_PCLKDIS0] = 0xFFFFFFFFu;
  s->gcr[M78SOC_GCR_PCLKDIS1] = 0xFFFFFFFFu;
  s->gcfr[0] = 0xF;
  s->gcfr[1] = 0xF;
  m78_sim_set_clock_enabled(s->sim, 0);
  s->cnn_ticks_per_cycle = cnn_ticks_from_gcr(s);
  s->cnn_recip = (1ull << 32) / s->cnn_ticks_per_cycle + 1;
  m78_sim_set_clock_hz(s->sim, m78soc_cnn_hz(s));
  s->phase = -1;
  s->layer_limit = -1;
  return 0;
}

/* Budget check after any advance of time. */
static void budget_exceeded(struct m78soc_state *s);
static inline void check_budget(struct m78soc_state *s)
{
  if (__builtin_expect(s->max_cnn_cycles && s->budget_cycles > s->max_cnn_cycles, 0))
    budget_exceeded(s);
}

static __attribute__((noinline)) void budget_exceeded(struct m78soc_state *s)
{
  char d[200];
  uint32_t frame = 0, pushed[M78_FIFOS], fctrl = 0;
  m78_peek(s->sim, M78_FIFO_BASE, 4, &fctrl);
  unsigned starved = m78_sim_fifo_starved(s->sim, &frame, pushed);
  if (starved) {
    int n = __builtin_ctz(starved);
    snprintf(d, sizeof d,
             "layer 0 was still waiting for its input: FIFO %d received %u of the %u words of a frame "
             "(FIFO_CTRL enables FIFOs 0x%x)",
             n, (unsigned)pushed[n], (unsigned)frame, (unsigned)(fctrl >> 12) & 0xF);
  } else if (m78_sim_busy(s->sim))
    snprintf(d, sizeof d, "the CNN was still running layer %d", s->sim_layer_hint);
  else if (!m78_sim_runs(s->sim))
    snprintf(d, sizeof d, "the CNN had not been started yet (%llu hardware accesses so far)",
             (unsigned long long)(s->apb_reads + s->apb_writes));
  else if (s->last_poll_addr)
    snprintf(d, sizeof d, "the firmware kept polling 0x%08x", (unsigned)s->last_poll_addr);
  else
    snprintf(d, sizeof d, "the firmware waits for an interrupt that never comes");
  m78soc_finish(s, M78SOC_STOP_MAX_CYCLES, d, 3);
}

/* The power monitor's view of VCOREA over `ticks`: CNN leakage while
 * powered, the CPU's saving while it sleeps, and the ISO's power while it
 * clocks the CNN (docs/energy-model.md). */
/* The simulator's power-relevant state, read again only when it says
 * that state changed (m78_sim_energy_gen): it is needed three times per
 * bus access. */
static inline const struct m78_energy_ctl *energy_ctl(struct m78soc_state *s)
{
  uint64_t gen = *s->gen_ref;
  if (__builtin_expect(!s->ectl_valid || gen != s->ectl_gen, 0)) {
    m78_sim_energy_ctl(s->sim, &s->ectl);
    s->ectl_gen = gen;
    s->ectl_valid = 1;
  }
  return &s->ectl;
}

/* Makes leak.pw the power now.  The leakage depends on a few register
 * fields only; computed again when they change (twice per bus access
 * otherwise: the CPU's and the CNN's part of the access). */
static void leak_update(struct m78soc_state *s);
static inline int iso_clocks_cnn(struct m78soc_state *s)
{
  return cnn_clock_iso(s) && !((s->gcr[M78SOC_GCR_PCLKDIS0] >> M78SOC_PCLKDIS0_CNN_BIT) & 1);
}

static inline void leak_refresh(struct m78soc_state *s)
{
  /* the simulator's generation also moves when it starts or stops
   * running, so an unchanged one means an unchanged `busy` */
  if (__builtin_expect(!s->leak.valid || *s->gen_ref != s->leak.gen || iso_clocks_cnn(s) != s->leak.iso ||
                           !s->ectl_valid || s->ectl_gen != s->leak.gen, 0))
    leak_update(s);
}

static __attribute__((noinline)) void leak_update(struct m78soc_state *s)
{
  const struct m78_energy_ctl *c = energy_ctl(s);
  int busy = m78_sim_busy(s->sim);
  int iso = iso_clocks_cnn(s);
  /* the simulator's state unchanged since the last comparison: it would
   * agree again */
  int same = s->leak.valid && s->leak.gen == s->ectl_gen;
  s->leak.gen = s->ectl_gen;
  if (!s->leak.valid || busy != s->leak.busy || iso != s->leak.iso ||
      (!same && (c->powered_quads != s->leak.ctl.powered_quads ||
                 memcmp(c->sram_ctrl, s->leak.ctl.sram_ctrl, sizeof c->sram_ctrl) != 0))) {
    struct m78_energy_ctl ctl = *c;
    s->leak.valid = 1;
    s->leak.busy = busy;
    s->leak.iso = iso;
    s->leak.ctl = ctl;
    double mw = m78_energy_static_mw(&ctl, busy);
    double asleep = mw + m78_energy_consts.cpu_sleep_delta_mw;
    /* the first product of the sum below, awake and asleep, with the ISO's
     * power while it clocks the CNN: the same operations in the same order
     * as computing it each time */
    if (iso) {
      mw += m78_energy_consts.iso_clock_mw;
      asleep += m78_energy_consts.iso_clock_mw;
    }
    s->leak.pw[0] = mw * 1e9;
    s->leak.pw[1] = asleep * 1e9;
  }
}

/* The monitor's energy over `ticks` at the power leak_refresh found. */
static inline void add_leak(struct m78soc_state *s, uint64_t ticks)
{
  /* ticks stay below 2^63: the signed conversion is the same value, in
   * one instruction */
  s->mon_pj += s->leak.pw[s->cpu_sleeping != 0] * (double)(int64_t)ticks / (double)M78SOC_TICK_HZ;
}

static void advance_ticks(struct m78soc_state *s, uint64_t ticks, int counts_for_budget)
{
  m78soc_flush(s);
  leak_refresh(s);
  add_leak(s, ticks);
  uint64_t d = step_tick(s, ticks);
  if (counts_for_budget)
    s->budget_cycles += d;
  check_budget(s);
}

/* The time of a CNN-window access, its CPU part then its crossing into
 * the CNN clock: advance_ticks twice, with the power looked up once
 * (nothing between the two parts can change it: the pending store was
 * sent at the access's entry). */
static void access_time(struct m78soc_state *s, uint64_t cpu_cycles)
{
  leak_refresh(s);
  add_leak(s, cpu_cycles * TICKS_PER_CPU);
  s->budget_cycles += step_tick(s, cpu_cycles * TICKS_PER_CPU);
  check_budget(s);
  uint64_t clk = COST_CNN_CLK * s->cnn_ticks_per_cycle;
  add_leak(s, clk);
  s->budget_cycles += step_tick(s, clk);
  check_budget(s);
}

void m78soc_cpu_cycles(struct m78soc_state *s, uint64_t cpu_cycles) { advance_ticks(s, cpu_cycles * TICKS_PER_CPU, 1); }

void m78soc_delay_us(struct m78soc_state *s, uint64_t us) { advance_ticks(s, us * (M78SOC_TICK_HZ / 1000000ull), 0); }

static void sync_cnn(struct m78soc_state *s)
{
  m78soc_flush(s);
  /* the catch-up can take host seconds: tell the hang detector */
  s->in_shim++;
  m78_sim_run_until(s->sim, m78soc_cnn_now(s));
  s->in_shim--;
  s->activity++;
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
static void phase_account(struct m78soc_state *s, unsigned width, int write)
{
  if (s->phase < 0)
    return;
  struct m78soc_phase_total *t = &s->phases[s->phase];
  t->accesses++;
  if (write || s->phase == M78_TL_UNLOAD)
    t->bytes += width;
  s->phase_t1 = s->tick;
}

/* ---- CNN events (from the simulator's hook) ------------------------ */

static void record_run(struct m78soc_state *s)
{
  m78_sim *sim = s->sim;
  int n = m78_sim_layer_count(sim);
  int run = (int)m78_sim_runs(sim);
  uint64_t t0 = m78soc_cycle_tick(s, m78_sim_run_start(sim)), t1 = m78soc_cycle_tick(s, m78_sim_run_end(sim));
  s->last_run_start_tick = t0;
  s->last_run_end_tick = t1;
  struct m78_timeline *tl = s->timeline;
  if (!tl)
    return;
  int streaming = m78_sim_streaming_layers(sim);
  for (int i = 0; i < n; i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    const struct m78_layer *l = &r->layer;
    struct m78_tl_layer d = {0};
    snprintf(d.op, sizeof d.op, "%s", r->error[0] ? "?" : m78_layer_opname(l));
    for (int g = 0; g < 4; g++)
      if ((l->in_procs >> (16 * g)) & 0xFFFF)
        d.quads |= (uint8_t)(1u << g);
    d.streaming = i < streaming;
    d.passes = (int16_t)l->ne;
    d.operands = (int16_t)l->ops;
    d.out_passes = (int16_t)(l->kind == M78_LAYER_PASSTHROUGH ? 1 : l->out_passes);
    d.cycles = r->cycles;
    d.stall_cycles = r->stall_cycles;
    d.macs = l->macs;
    d.energy_pj = r->energy.total_pj;
    m78_tl_add(tl, M78_TL_LAYER, i, run, m78soc_cycle_tick(s, r->start_cycle), m78soc_cycle_tick(s, r->end_cycle), &d);
  }
  size_t ns = m78_sim_stall_count(sim);
  for (size_t k = 0; k < ns; k++) {
    uint64_t a, b;
    m78_sim_stall_get(sim, k, &a, &b);
    m78_tl_add(tl, M78_TL_STALL, 0, run, m78soc_cycle_tick(s, a), m78soc_cycle_tick(s, b), NULL);
  }
  m78_tl_add(tl, M78_TL_RUN, run, 0, t0, t1, NULL);
  m78_tl_add(tl, M78_TL_IRQ, run, 0, t1, t1, NULL);
}

void m78soc_cnn_event(struct m78soc_state *s, enum m78_event ev, int layer, uint64_t cycle)
{
  (void)cycle;
  if (ev == M78_EV_LAYER_START)
    s->sim_layer_hint = layer;
  else if (ev == M78_EV_LAYER_DONE) {
    const struct m78_layer_result *r = m78_sim_layer_result(s->sim, layer);
    if (r) {
      s->mon_pj += r->energy.dynamic_pj;
      s->layer_dyn_pj += r->energy.dynamic_pj;
    }
  } else if (ev == M78_EV_DONE)
    record_run(s);
  else if (ev == M78_EV_START) {
    s->run_t0 = s->tick;
    s->run_pj0 = s->mon_pj;
  }
}

/* ---- interrupts ----------------------------------------------------- */

void m78soc_isr_enter(struct m78soc_state *s, int woke)
{
  m78soc_flush(s);
  m78soc_phase_close(s);
  s->isr_t0 = s->tick;
  s->isr_calls++;
  if (!s->cpu_emulated) {
    if (woke)
      m78soc_cpu_cycles(s, COST_IRQ_WAKE_CPU);
    m78soc_cpu_cycles(s, COST_IRQ_ENTRY_CPU);
  }
  s->in_isr = 1;
}

void m78soc_isr_exit(struct m78soc_state *s)
{
  m78soc_flush(s);
  if (!s->cpu_emulated)
    m78soc_cpu_cycles(s, COST_IRQ_EXIT_CPU);
  s->in_isr = 0;
  if (!m78_sim_busy(s->sim) && m78_sim_runs(s->sim)) {
    s->inf_wall_ticks = s->tick - s->run_t0;
    s->inf_pj = s->mon_pj - s->run_pj0;
  }
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_ISR, 0, 0, s->isr_t0, s->tick, NULL);
}

static void take_interrupt(struct m78soc_state *s, int woke)
{
  if (s->in_isr || !s->cnn_isr || !m78_sim_irq(s->sim))
    return;
  m78soc_isr_enter(s, woke);
  s->cnn_isr();
  m78soc_isr_exit(s);
  /* a user's input: the firmware's own check would compare it with the
   * baked sample's answer, so the run ends with the inference */
  if (s->end_at_inference && !m78_sim_busy(s->sim))
    m78soc_finish(s, M78SOC_STOP_INFERENCE, "the inference on the user's input is done", 0);
}

void m78soc_poll_interrupt(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  take_interrupt(s, 0);
}

void m78soc_wait_for_interrupt(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  m78soc_phase_close(s);
  if (m78_sim_irq(s->sim) && s->cnn_isr && !s->in_isr) {
    take_interrupt(s, 0);
    return;
  }
  uint64_t next = m78_sim_next_event(s->sim);
  uint32_t frame, pushed[M78_FIFOS];
  if (next == UINT64_MAX && m78_sim_fifo_starved(s->sim, &frame, pushed)) {
    /* a stream waits for input the loader never pushes: say which FIFO */
    s->last_poll_addr = 0;
    s->budget_cycles = s->max_cnn_cycles ? s->max_cnn_cycles + 1 : UINT64_MAX;
    check_budget(s);
    m78soc_finish(s, M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (next == UINT64_MAX) {
    /* Nothing will ever wake the CPU: the finding max78sim-arm reports
     * too, without the PC the host shim cannot see. */
    m78soc_finish(s, M78SOC_STOP_HANG,
                  m78_sim_runs(s->sim)
                      ? "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN is "
                        "idle, its interrupt already taken (the host shim has no PC: run the ELF, --arch arm)"
                      : "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN "
                        "was never started (the host shim has no PC: run the ELF, --arch arm)",
                  1);
  }
  uint64_t now = m78soc_cnn_now(s);
  int slept = 0;
  if (next > now) {
    uint64_t t0 = s->tick;
    /* to the CNN clock edge of the event */
    uint64_t target = m78soc_cycle_tick(s, next);
    s->cpu_sleeping = 1;
    advance_ticks(s, target > s->tick ? target - s->tick : 0, 1);
    s->cpu_sleeping = 0;
    slept = 1;
    if (s->timeline)
      m78_tl_add(s->timeline, M78_TL_SLEEP, 0, 0, t0, s->tick, NULL);
  }
  sync_cnn(s);
  take_interrupt(s, slept);
}

/* ---- peripherals ------------------------------------------------- */

/* TMR0 as a live counter (s->tmr_live; TMR rev B registers as the
 * MSDK's tmr_regs.h lays them out): CNT counts PCLK / 2^CLKDIV_A while
 * CTRL0.EN_A is set; one-shot mode stops at CMP with IRQ_A, continuous
 * mode restarts at 1.  Status bits the drivers wait on (clock ready,
 * write done) are ready at once. */
enum {
  TMR_CNT = 0, TMR_CMP = 1, TMR_INTFL = 3, TMR_CTRL0 = 4, TMR_CTRL1 = 6,
  TMR_CTRL0_EN = 1u << 15, TMR_CTRL0_CLKEN = 1u << 14,
  TMR_CTRL1_CLKEN = 1u << 2, TMR_CTRL1_CLKRDY = 1u << 3,
  TMR_INTFL_IRQ_A = 1u << 0, TMR_INTFL_WRDONE_A = 1u << 8, TMR_INTFL_IRQ_B = 1u << 16
};

/* Brings CNT up to the current tick. */
static void tmr_update(struct m78soc_state *s)
{
  uint32_t *r = s->tmr_regs;
  if (!(r[TMR_CTRL0] & TMR_CTRL0_EN)) {
    s->tmr_base_tick = s->tick;
    return;
  }
  uint64_t period = (uint64_t)TICKS_PER_PCLK << ((r[TMR_CTRL0] >> 4) & 0xF);
  uint64_t n = (s->tick - s->tmr_base_tick) / period;
  s->tmr_base_tick += n * period;
  uint64_t cnt = r[TMR_CNT] + n;
  uint32_t cmp = r[TMR_CMP];
  if (cmp && r[TMR_CNT] <= cmp && cnt >= cmp) {
    r[TMR_INTFL] |= TMR_INTFL_IRQ_A;
    if ((r[TMR_CTRL0] & 0xF) == 0) { /* one-shot */
      r[TMR_CTRL0] &= ~TMR_CTRL0_EN;
      cnt = 1;
    } else {
      cnt = 1 + (cnt - cmp) % cmp;
    }
  }
  r[TMR_CNT] = (uint32_t)cnt;
}

static void tmr_access(struct m78soc_state *s, uint32_t *reg, uint32_t mask, uint32_t off, uint32_t *value, int write)
{
  uint32_t *r = s->tmr_regs;
  int idx = (int)(reg - r);
  tmr_update(s);
  if (!write) {
    uint32_t v = *reg;
    if (idx == TMR_CTRL1)
      v = (v & ~(TMR_CTRL1_CLKEN | TMR_CTRL1_CLKRDY)) | (r[TMR_CTRL0] & TMR_CTRL0_EN ? TMR_CTRL1_CLKEN : 0) |
          (r[TMR_CTRL0] & TMR_CTRL0_CLKEN ? TMR_CTRL1_CLKRDY : 0);
    else if (idx == TMR_INTFL)
      v |= TMR_INTFL_WRDONE_A;
    *value = (v & mask) >> off;
    return;
  }
  uint32_t nv = (*value << off) & mask;
  if (idx == TMR_INTFL) /* interrupt flags: write 1 to clear */
    *reg &= ~(nv & (TMR_INTFL_IRQ_A | TMR_INTFL_IRQ_B));
  else
    *reg = (*reg & ~mask) | nv;
  s->tmr_base_tick = s->tick;
}

static int periph_access(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value, int write)
{
  uint32_t *reg = NULL;
  uint32_t off;
  if (addr >= M78SOC_GCR_BASE && addr < M78SOC_GCR_BASE + sizeof s->gcr)
    reg = &s->gcr[(addr - M78SOC_GCR_BASE) / 4];
  else if (addr >= M78SOC_GCFR_BASE && addr < M78SOC_GCFR_BASE + sizeof s->gcfr)
    reg = &s->gcfr[(addr - M78SOC_GCFR_BASE) / 4];
  else if (addr >= M78SOC_TMR0_BASE && addr < M78SOC_TMR0_BASE + sizeof s->tmr_regs)
    reg = &s->tmr_regs[(addr - M78SOC_TMR0_BASE) / 4];
  else if (addr >= M78SOC_ICC0_BASE && addr < M78SOC_ICC0_BASE + sizeof s->icc_regs)
    reg = &s->icc_regs[(addr - M78SOC_ICC0_BASE) / 4];
  else if (addr >= M78SOC_APB_BASE && addr < M78SOC_APB_END) {
    /* Other peripherals (GPIO, power sequencer...) keep plain register
     * values so read-modify-write works; they are counted in the report. */
    s->other_periph_accesses++;
    for (int i = 0; i < s->n_other && !reg; i++)
      if (s->other_addr[i] == (addr & ~3u))
        reg = &s->other_val[i];
    if (!reg && s->n_other < M78SOC_MAX_OTHER) {
      s->other_addr[s->n_other] = addr & ~3u;
      s->other_val[s->n_other] = 0;
      reg = &s->other_val[s->n_other++];
    }
  }
  if (!reg) {
    s->unmapped++;
    return -1;
  }
  off = (addr & 3) * 8;
  uint32_t mask = width == 4 ? 0xFFFFFFFFu : ((1u << (8 * width)) - 1) << off;
  if (s->tmr_live && reg >= &s->tmr_regs[0] && reg <= &s->tmr_regs[7]) {
    tmr_access(s, reg, mask, off, value, write);
    return 0;
  }
  if (!write) {
    *value = (*reg & mask) >> off;
    return 0;
  }
  uint32_t old = *reg;
  *reg = (old & ~mask) | ((*value << off) & mask);
  if (reg == &s->gcr[M78SOC_GCR_PCLKDIV])
    reclock(s);
  else if (reg == &s->gcr[M78SOC_GCR_PCLKDIS0]) {
    sync_cnn(s);
    int en = !((*reg >> M78SOC_PCLKDIS0_CNN_BIT) & 1);
    m78_sim_set_clock_enabled(s->sim, en);
    if (s->trace_clock)
      s->trace_clock(s->trace_ctx, en);
  } else if (reg >= &s->gcfr[0] && reg <= &s->gcfr[3]) {
    sync_cnn(s);
    unsigned on = s->gcfr[0] & ~s->gcfr[2], rst = s->gcfr[3];
    m78_sim_set_power(s->sim, on, rst);
    if (s->trace_power)
      s->trace_power(s->trace_ctx, on, rst);
  }
  return 0;
}

/* The energy of an access depends on its region, quadrant, FIFO index
 * class and that quadrant's SRAM register: the last value for reads and
 * for writes is kept (FIFO loops alternate a status read and a push). */
static void access_energy(struct m78soc_state *s, uint32_t addr, const struct m78_addr_info *ai, int write)
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
    *c = (struct m78soc_access_pj){1, ai->region, ai->quad, hi, ctl->sram_ctrl[g],
                                   m78_energy_access_pj_decoded(ai, write, ctl), 0, 0};
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

int m78soc_read(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value)
{
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
  int st = periph_access(s, addr, width, value, 0);
  if (st)
    m78soc_report_unmapped(s, addr, width, 0);
  return st;
}

int m78soc_write(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t value)
{
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
  int st = periph_access(s, addr, width, &value, 1);
  if (st)
    m78soc_report_unmapped(s, addr, width, 1);
  return st;
}

/* ---- timer, LEDs -------------------------------------------------- */

/* The stopwatch as the MSDK runs it on TMR0 (tmr_revb.c, tmr_common.c):
 * MXC_TMR_SW_Start starts a one-shot timeout of 0xFFFFFFFF us, for which
 * MXC_TMR_TO_Start picks the smallest power-of-two prescaler that fits
 * that many PCLK ticks into 32 bits (2^6 at 50 MHz: one count every
 * 1.28 us); MXC_TMR_Init leaves the count at 1.  MXC_TMR_SW_Stop reads
 * the count and converts it with MXC_TMR_GetTime (nanoseconds if they fit
 * 32 bits, then rounded down to microseconds).  The count starts with the
 * enable write, which ends MXC_TMR_TO_Start. */
static uint32_t tmr_prescale_shift(void)
{
  uint64_t ticks = (uint64_t)0xFFFFFFFFu * PCLK_HZ / 1000000u;
  uint32_t shift = 0;
  while (ticks > 0xFFFFFFFFu) {
    ticks >>= 1;
    shift++;
  }
  return shift;
}

void m78soc_timer_start(struct m78soc_state *s)
{
  m78soc_flush(s);
  s->activity++;
  m78soc_cpu_cycles(s, COST_PERIPH_CPU); /* the enable write */
  s->tmr_start_tick = s->tick;
  s->tmr_running = 1;
}

uint32_t m78soc_timer_stop(struct m78soc_state *s)
{
  m78soc_flush(s);
  s->activity++;
  m78soc_cpu_cycles(s, COST_PERIPH_CPU); /* the count read */
  if (!s->tmr_running)
    return 0;
  s->tmr_running = 0;
  uint32_t shift = tmr_prescale_shift();
  uint64_t pclk = (s->tick - s->tmr_start_tick) / TICKS_PER_PCLK;
  uint64_t count = 1 + (pclk >> shift);
  if (count > 0xFFFFFFFFu)
    count = 0xFFFFFFFFu;
  uint64_t t = count * 1000u * (1u << shift) / (PCLK_HZ / 1000000u);
  if (!(t >> 32))
    return (uint32_t)(t / 1000u); /* nanoseconds */
  t = count * 1000u * (1u << shift) / (PCLK_HZ / 1000u);
  if (!(t >> 32))
    return (uint32_t)t; /* microseconds */
  t = count * 1000u * (1u << shift) / PCLK_HZ;
  return (uint32_t)(t > 0xFFFFFFFFu / 1000u ? 0xFFFFFFFFu : t * 1000u); /* milliseconds */
}

void m78soc_led(struct m78soc_state *s, int led, int on)
{
  m78soc_flush(s);
  s->activity++;
  if (!s->cpu_emulated)
    m78soc_cpu_cycles(s, COST_PERIPH_CPU); /* the GPIO output write */
  if (s->n_led_events < (int)(sizeof s->led_events / sizeof s->led_events[0])) {
    struct m78soc_led_event *e = &s->led_events[s->n_led_events++];
    e->led = led;
    e->on = on;
    e->tick = s->tick;
    e->mon_pj = s->mon_pj;
  }
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_LED, led, on, s->tick, s->tick, NULL);
}

/* ---- emulated CPU ------------------------------------------------ */

void m78soc_sync(struct m78soc_state *s) { sync_cnn(s); }

int m78soc_irq_line(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  return m78_sim_irq(s->sim) != 0;
}

uint64_t m78soc_next_event_tick(struct m78soc_state *s)
{
  uint64_t next = m78_sim_next_event(s->sim);
  return next == UINT64_MAX ? UINT64_MAX : m78soc_cycle_tick(s, next);
}

int m78soc_sleep(struct m78soc_state *s, int cnn_wakes, uint64_t limit)
{
  m78soc_flush(s);
  sync_cnn(s);
  m78soc_phase_close(s);
  if (cnn_wakes && m78_sim_irq(s->sim))
    return 0;
  uint64_t target = cnn_wakes ? m78soc_next_event_tick(s) : UINT64_MAX;
  if (limit < target)
    target = limit;
  if (target == UINT64_MAX) {
    s->last_poll_addr = 0;
    s->budget_cycles = s->max_cnn_cycles ? s->max_cnn_cycles + 1 : UINT64_MAX;
    check_budget(s);
    m78soc_finish(s, M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (target <= s->tick)
    return 0;
  uint64_t t0 = s->tick;
  s->cpu_sleeping = 1;
  advance_ticks(s, target - s->tick, 1);
  s->cpu_sleeping = 0;
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_SLEEP, 0, 0, t0, s->tick, NULL);
  sync_cnn(s);
  return 1;
}
