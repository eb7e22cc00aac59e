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
#include <sys/mman.h>
#include "soc.h"

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
static inline __attribute__((always_inline)) unsigned host_cnn_cost(uint32_t addr, int write)
{
  unsigned prev = m78soc.fifo_prev;
  m78soc.fifo_prev = 0;
  if (!write && addr == FIFO_STAT) {
    m78soc.fifo_prev = 1;
    uint32_t ctrl = m78_sim_fifo_ctrl(m78soc.sim);
    unsigned en = (ctrl >> 12) & 0xF, last = en ? 31 - (unsigned)__builtin_clz(en) : 0;
    return prev >= 2 && prev - 2 != last ? COST_FIFO_POLL_NEXT : COST_FIFO_POLL;
  }
  if (write && addr >= FIFO_DATA && addr < FIFO_DATA + 4 * M78_FIFOS) {
    unsigned k = (addr - FIFO_DATA) / 4;
    m78soc.fifo_prev = 2 + k;
    uint32_t ctrl = m78_sim_fifo_ctrl(m78soc.sim);
    static const unsigned char bits4[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    int streams = bits4[(ctrl >> 12) & 0xF];
    unsigned ws = streams > 1 || m78soc.fifo_words[k] % 4 == 0 ? M78SOC_FWS_ASSUMED : 0;
    m78soc.fifo_words[k]++;
    return COST_FIFO_WRITE + ws;
  }
  return COST_CNN_CPU;
}

#define TICKS_PER_CPU (M78SOC_TICK_HZ / M78SOC_CPU_HZ)
#define PCLK_HZ (M78SOC_CPU_HZ / 2)
#define TICKS_PER_PCLK (M78SOC_TICK_HZ / PCLK_HZ)

void m78soc_cnn_clock(const char **source, int *divider)
{
  static const int divs[8] = {2, 4, 8, 16, 1, 1, 1, 1};
  uint32_t pclkdiv = m78soc.gcr[M78SOC_GCR_PCLKDIV];
  int iso = (pclkdiv >> M78SOC_PCLKDIV_CNNSEL_SHIFT) & 1;
  if (source)
    *source = iso ? "ISO" : "PCLK";
  if (divider)
    *divider = divs[(pclkdiv >> M78SOC_PCLKDIV_CNNDIV_SHIFT) & 7];
}

/* 1 when the CNN clock's source is the ISO (60 MHz), 0 for PCLK */
static int cnn_clock_iso(void) { return (m78soc.gcr[M78SOC_GCR_PCLKDIV] >> M78SOC_PCLKDIV_CNNSEL_SHIFT) & 1; }

static uint64_t cnn_ticks_from_gcr(void)
{
  int div;
  m78soc_cnn_clock(NULL, &div);
  uint64_t base = cnn_clock_iso() ? M78SOC_TICK_HZ / 60000000ull : M78SOC_TICK_HZ / 50000000ull;
  return base * (uint64_t)div;
}

uint64_t m78soc_cnn_now(void) { return m78soc.cnn_epoch_cycle + m78soc.cnn_q; }

/* Moves virtual time on by `ticks`; returns the CNN cycles that passed. */
static inline uint64_t step_tick(uint64_t ticks)
{
  uint64_t tpc = m78soc.cnn_ticks_per_cycle, r = m78soc.cnn_r + ticks, d = 0;
  m78soc.tick += ticks;
  if (r >= tpc) {
    /* below 2^16 ticks the reciprocal gives the exact quotient (its error
     * is under r / 2^32, less than the 1 / tpc a fraction falls short of
     * the next integer by); a 64-bit division costs tens of cycles */
    d = r < (1u << 16) ? (r * m78soc.cnn_recip) >> 32 : r / tpc;
    r -= d * tpc;
  }
  m78soc.cnn_q += d;
  m78soc.cnn_r = r;
  return d;
}

uint64_t m78soc_cnn_hz(void) { return M78SOC_TICK_HZ / m78soc.cnn_ticks_per_cycle; }

double m78soc_time_us(void) { return (double)m78soc.tick * 1e6 / (double)M78SOC_TICK_HZ; }

uint64_t m78soc_cycle_tick(uint64_t cycle)
{
  if (cycle < m78soc.cnn_epoch_cycle)
    return m78soc.cnn_epoch_tick;
  return m78soc.cnn_epoch_tick + (cycle - m78soc.cnn_epoch_cycle) * m78soc.cnn_ticks_per_cycle;
}

static void reclock(void)
{
  uint64_t now = m78soc_cnn_now();
  m78soc.cnn_epoch_cycle = now;
  m78soc.cnn_epoch_tick = m78soc.tick;
  m78soc.cnn_q = m78soc.cnn_r = 0;
  m78soc.cnn_ticks_per_cycle = cnn_ticks_from_gcr();
  m78soc.cnn_recip = (1ull << 32) / m78soc.cnn_ticks_per_cycle + 1;
  m78_sim_set_clock_hz(m78soc.sim, m78soc_cnn_hz());
}

int m78soc_init(void)
{
  size_t len = (sizeof(struct m78soc_state) + 4095) & ~(size_t)4095;
  void *p = mmap((void *)(uintptr_t)M78SOC_STATE_ADDR, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)(uintptr_t)M78SOC_STATE_ADDR)
    return -1;
  memset(&m78soc, 0, sizeof m78soc);
  m78soc.sim = m78_sim_new();
  if (!m78soc.sim)
    return -1;
  m78soc.gen_ref = m78_sim_energy_gen_ref(m78soc.sim);
  /* Reset values: CNN clock PCLK/1 is what every synthesized main selects;
   * peripheral clocks start disabled as on silicon. */
  m78soc.gcr[M78SOC_GCR_PCLKDIV] = 4u << M78SOC_PCLKDIV_CNNDIV_SHIFT;
  m78soc.gcr[M78SOC_GCR_PCLKDIS0] = 0xFFFFFFFFu;
  m78soc.gcr[M78SOC_GCR_PCLKDIS1] = 0xFFFFFFFFu;
  m78soc.gcfr[0] = 0xF;
  m78soc.gcfr[1] = 0xF;
  m78_sim_set_clock_enabled(m78soc.sim, 0);
  m78soc.cnn_ticks_per_cycle = cnn_ticks_from_gcr();
  m78soc.cnn_recip = (1ull << 32) / m78soc.cnn_ticks_per_cycle + 1;
  m78_sim_set_clock_hz(m78soc.sim, m78soc_cnn_hz());
  m78soc.phase = -1;
  m78soc.fifo_ai_ok = m78_addr_decode(FIFO_STAT, &m78soc.fifo_ai[0]) == 0;
  for (int k = 0; k < M78_FIFOS; k++)
    m78soc.fifo_ai_ok &= m78_addr_decode(FIFO_DATA + 4u * (unsigned)k, &m78soc.fifo_ai[1 + k]) == 0;
  return 0;
}

/* Budget check after any advance of time. */
static void budget_exceeded(void);
static inline void check_budget(void)
{
  if (__builtin_expect(m78soc.max_cnn_cycles && m78soc.budget_cycles > m78soc.max_cnn_cycles, 0))
    budget_exceeded();
}

static __attribute__((noinline)) void budget_exceeded(void)
{
  char d[200];
  uint32_t frame = 0, pushed[M78_FIFOS], fctrl = 0;
  m78_peek(m78soc.sim, M78_FIFO_BASE, 4, &fctrl);
  unsigned starved = m78_sim_fifo_starved(m78soc.sim, &frame, pushed);
  if (starved) {
    int n = __builtin_ctz(starved);
    snprintf(d, sizeof d,
             "layer 0 was still waiting for its input: FIFO %d received %u of the %u words of a frame "
             "(FIFO_CTRL enables FIFOs 0x%x)",
             n, (unsigned)pushed[n], (unsigned)frame, (unsigned)(fctrl >> 12) & 0xF);
  } else if (m78_sim_busy(m78soc.sim))
    snprintf(d, sizeof d, "the CNN was still running layer %d", m78soc.sim_layer_hint);
  else if (!m78_sim_runs(m78soc.sim))
    snprintf(d, sizeof d, "the CNN had not been started yet (%llu hardware accesses so far)",
             (unsigned long long)(m78soc.apb_reads + m78soc.apb_writes));
  else if (m78soc.last_poll_addr)
    snprintf(d, sizeof d, "the firmware kept polling 0x%08x", (unsigned)m78soc.last_poll_addr);
  else
    snprintf(d, sizeof d, "the firmware waits for an interrupt that never comes");
  m78soc_finish(M78SOC_STOP_MAX_CYCLES, d, 3);
}

/* The power monitor's view of VCOREA over `ticks`: CNN leakage while
 * powered, the CPU's saving while it sleeps, and the ISO's power while it
 * clocks the CNN (docs/energy-model.md). */
/* The simulator's power-relevant state, read again only when it says
 * that state changed (m78_sim_energy_gen): it is needed three times per
 * bus access. */
static inline const struct m78_energy_ctl *energy_ctl(void)
{
  uint64_t gen = *m78soc.gen_ref;
  if (__builtin_expect(!m78soc.ectl_valid || gen != m78soc.ectl_gen, 0)) {
    m78_sim_energy_ctl(m78soc.sim, &m78soc.ectl);
    m78soc.ectl_gen = gen;
    m78soc.ectl_valid = 1;
  }
  return &m78soc.ectl;
}

/* Makes leak.pw the power now.  The leakage depends on a few register
 * fields only; computed again when they change (twice per bus access
 * otherwise: the CPU's and the CNN's part of the access). */
static void leak_update(void);
static inline int iso_clocks_cnn(void)
{
  return cnn_clock_iso() && !((m78soc.gcr[M78SOC_GCR_PCLKDIS0] >> M78SOC_PCLKDIS0_CNN_BIT) & 1);
}

static inline void leak_refresh(void)
{
  /* the simulator's generation also moves when it starts or stops
   * running, so an unchanged one means an unchanged `busy` */
  if (__builtin_expect(!m78soc.leak.valid || *m78soc.gen_ref != m78soc.leak.gen || iso_clocks_cnn() != m78soc.leak.iso ||
                           !m78soc.ectl_valid || m78soc.ectl_gen != m78soc.leak.gen, 0))
    leak_update();
}

static __attribute__((noinline)) void leak_update(void)
{
  const struct m78_energy_ctl *c = energy_ctl();
  int busy = m78_sim_busy(m78soc.sim);
  int iso = iso_clocks_cnn();
  /* the simulator's state unchanged since the last comparison: it would
   * agree again */
  int same = m78soc.leak.valid && m78soc.leak.gen == m78soc.ectl_gen;
  m78soc.leak.gen = m78soc.ectl_gen;
  if (!m78soc.leak.valid || busy != m78soc.leak.busy || iso != m78soc.leak.iso ||
      (!same && (c->powered_quads != m78soc.leak.ctl.powered_quads ||
                 memcmp(c->sram_ctrl, m78soc.leak.ctl.sram_ctrl, sizeof c->sram_ctrl) != 0))) {
    struct m78_energy_ctl ctl = *c;
    m78soc.leak.valid = 1;
    m78soc.leak.busy = busy;
    m78soc.leak.iso = iso;
    m78soc.leak.ctl = ctl;
    double mw = m78_energy_static_mw(&ctl, busy);
    double asleep = mw + m78_energy_consts.cpu_sleep_delta_mw;
    /* the first product of the sum below, awake and asleep, with the ISO's
     * power while it clocks the CNN: the same operations in the same order
     * as computing it each time */
    if (iso) {
      mw += m78_energy_consts.iso_clock_mw;
      asleep += m78_energy_consts.iso_clock_mw;
    }
    m78soc.leak.pw[0] = mw * 1e9;
    m78soc.leak.pw[1] = asleep * 1e9;
    m78soc.leak.seq++; /* from 1: the zeroed cache entries never match */
  }
}

/* The monitor's energy over `ticks` at the power leak_refresh found. */
static inline double leak_pj(uint64_t ticks)
{
  /* ticks stay below 2^63: the signed conversion is the same value, in
   * one instruction */
  int s = m78soc.cpu_sleeping != 0;
  struct m78soc_leak_inc *e = &m78soc.leak.inc[s][(ticks >> 2) & 7];
  if (__builtin_expect(e->ticks != ticks || e->seq != m78soc.leak.seq, 0)) {
    /* the same operations as always, so the sum stays the same */
    e->ticks = ticks;
    e->seq = m78soc.leak.seq;
    e->pj = m78soc.leak.pw[s] * (double)(int64_t)ticks / (double)M78SOC_TICK_HZ;
  }
  return e->pj;
}

static inline void add_leak(uint64_t ticks) { m78soc.mon_pj += leak_pj(ticks); }

static void advance_ticks(uint64_t ticks, int counts_for_budget)
{
  m78soc_flush();
  leak_refresh();
  add_leak(ticks);
  uint64_t d = step_tick(ticks);
  if (counts_for_budget)
    m78soc.budget_cycles += d;
  check_budget();
}

/* The time of a CNN-window access, its CPU part then its crossing into
 * the CNN clock: advance_ticks twice, with the power looked up once
 * (nothing between the two parts can change it: the pending store was
 * sent at the access's entry). */
static inline __attribute__((always_inline)) void access_time(uint64_t cpu_cycles)
{
  leak_refresh();
  uint64_t clk = COST_CNN_CLK * m78soc.cnn_ticks_per_cycle;
  /* both parts' energy looked up first, then added in the usual order
   * (the sum in a register between them: an access is short, and the
   * monitor's total is a chain through every one) */
  double e1 = leak_pj(cpu_cycles * TICKS_PER_CPU), e2 = leak_pj(clk);
  double pj = m78soc.mon_pj + e1;
  m78soc.mon_pj = pj;
  m78soc.budget_cycles += step_tick(cpu_cycles * TICKS_PER_CPU);
  check_budget();
  m78soc.mon_pj = pj + e2;
  m78soc.budget_cycles += step_tick(clk);
  check_budget();
}

void m78soc_cpu_cycles(uint64_t cpu_cycles) { advance_ticks(cpu_cycles * TICKS_PER_CPU, 1); }

void m78soc_delay_us(uint64_t us) { advance_ticks(us * (M78SOC_TICK_HZ / 1000000ull), 0); }

static void sync_cnn(void)
{
  m78soc_flush();
  /* the catch-up can take host seconds: tell the hang detector */
  m78soc.in_shim++;
  m78_sim_run_until(m78soc.sim, m78soc_cnn_now());
  m78soc.in_shim--;
  m78soc.activity++;
}

/* ---- CPU phases ---------------------------------------------------- */

void m78soc_phase_close(void)
{
  m78soc_flush();
  int p = m78soc.phase;
  if (p < 0)
    return;
  struct m78soc_phase_total *t = &m78soc.phases[p];
  t->ticks += m78soc.phase_t1 - m78soc.phase_t0;
  t->pj += m78soc.mon_pj - m78soc.phase_pj0;
  t->segments++;
  if (m78soc.timeline)
    m78_tl_add(m78soc.timeline, M78_TL_CPU_PHASE, p, 0, m78soc.phase_t0, m78soc.phase_t1, NULL);
  m78soc.phase = -1;
}

/* What a CNN-window access is part of: the phase, or -1 (ISR).  ai is
 * the decoded address, NULL if it does not decode. */
static int classify(const struct m78_addr_info *ai, int write)
{
  if (m78soc.in_isr || !ai)
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
static void phase_enter(int p)
{
  if (p == m78soc.phase)
    return;
  m78soc_phase_close();
  if (p < 0)
    return;
  m78soc.phase = p;
  m78soc.phase_t0 = m78soc.phase_t1 = m78soc.tick;
  m78soc.phase_pj0 = m78soc.mon_pj;
}

/* The end of an access that belongs to the open phase.  Bytes count the
 * data moved: writes, and reads only when unloading (a load's reads are
 * status polls). */
static inline void phase_account(unsigned width, int write)
{
  if (m78soc.phase < 0)
    return;
  struct m78soc_phase_total *t = &m78soc.phases[m78soc.phase];
  t->accesses++;
  if (write || m78soc.phase == M78_TL_UNLOAD)
    t->bytes += width;
  m78soc.phase_t1 = m78soc.tick;
}

/* ---- CNN events (from the simulator's hook) ------------------------ */

static void record_run(void)
{
  m78_sim *sim = m78soc.sim;
  int n = m78_sim_layer_count(sim);
  int run = (int)m78_sim_runs(sim);
  uint64_t t0 = m78soc_cycle_tick(m78_sim_run_start(sim)), t1 = m78soc_cycle_tick(m78_sim_run_end(sim));
  m78soc.last_run_start_tick = t0;
  m78soc.last_run_end_tick = t1;
  struct m78_timeline *tl = m78soc.timeline;
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
    m78_tl_add(tl, M78_TL_LAYER, i, run, m78soc_cycle_tick(r->start_cycle), m78soc_cycle_tick(r->end_cycle), &d);
  }
  size_t ns = m78_sim_stall_count(sim);
  for (size_t k = 0; k < ns; k++) {
    uint64_t a, b;
    m78_sim_stall_get(sim, k, &a, &b);
    m78_tl_add(tl, M78_TL_STALL, 0, run, m78soc_cycle_tick(a), m78soc_cycle_tick(b), NULL);
  }
  m78_tl_add(tl, M78_TL_RUN, run, 0, t0, t1, NULL);
  m78_tl_add(tl, M78_TL_IRQ, run, 0, t1, t1, NULL);
}

void m78soc_cnn_event(enum m78_event ev, int layer, uint64_t cycle)
{
  (void)cycle;
  if (ev == M78_EV_LAYER_START)
    m78soc.sim_layer_hint = layer;
  else if (ev == M78_EV_LAYER_DONE) {
    const struct m78_layer_result *r = m78_sim_layer_result(m78soc.sim, layer);
    if (r) {
      m78soc.mon_pj += r->energy.dynamic_pj;
      m78soc.layer_dyn_pj += r->energy.dynamic_pj;
    }
  } else if (ev == M78_EV_DONE)
    record_run();
  else if (ev == M78_EV_START) {
    m78soc.run_t0 = m78soc.tick;
    m78soc.run_pj0 = m78soc.mon_pj;
  }
}

/* ---- interrupts ----------------------------------------------------- */

void m78soc_isr_enter(int woke)
{
  m78soc_flush();
  m78soc_phase_close();
  m78soc.isr_t0 = m78soc.tick;
  m78soc.isr_calls++;
  if (!m78soc.cpu_emulated) {
    if (woke)
      m78soc_cpu_cycles(COST_IRQ_WAKE_CPU);
    m78soc_cpu_cycles(COST_IRQ_ENTRY_CPU);
  }
  m78soc.in_isr = 1;
}

void m78soc_isr_exit(void)
{
  m78soc_flush();
  if (!m78soc.cpu_emulated)
    m78soc_cpu_cycles(COST_IRQ_EXIT_CPU);
  m78soc.in_isr = 0;
  if (!m78_sim_busy(m78soc.sim) && m78_sim_runs(m78soc.sim)) {
    m78soc.inf_wall_ticks = m78soc.tick - m78soc.run_t0;
    m78soc.inf_pj = m78soc.mon_pj - m78soc.run_pj0;
  }
  if (m78soc.timeline)
    m78_tl_add(m78soc.timeline, M78_TL_ISR, 0, 0, m78soc.isr_t0, m78soc.tick, NULL);
}

static void take_interrupt(int woke)
{
  if (m78soc.in_isr || !m78soc.cnn_isr || !m78_sim_irq(m78soc.sim))
    return;
  m78soc_isr_enter(woke);
  m78soc.cnn_isr();
  m78soc_isr_exit();
  /* a user's input: the firmware's own check would compare it with the
   * baked sample's answer, so the run ends with the inference */
  if (m78soc.rt.end_at_inference && !m78_sim_busy(m78soc.sim))
    m78soc_finish(M78SOC_STOP_INFERENCE, "the inference on the user's input is done", 0);
}

void m78soc_poll_interrupt(void)
{
  m78soc_flush();
  sync_cnn();
  take_interrupt(0);
}

void m78soc_wait_for_interrupt(void)
{
  m78soc_flush();
  sync_cnn();
  m78soc_phase_close();
  if (m78_sim_irq(m78soc.sim) && m78soc.cnn_isr && !m78soc.in_isr) {
    take_interrupt(0);
    return;
  }
  uint64_t next = m78_sim_next_event(m78soc.sim);
  uint32_t frame, pushed[M78_FIFOS];
  if (next == UINT64_MAX && m78_sim_fifo_starved(m78soc.sim, &frame, pushed)) {
    /* a stream waits for input the loader never pushes: say which FIFO */
    m78soc.last_poll_addr = 0;
    m78soc.budget_cycles = m78soc.max_cnn_cycles ? m78soc.max_cnn_cycles + 1 : UINT64_MAX;
    check_budget();
    m78soc_finish(M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (next == UINT64_MAX) {
    /* Nothing will ever wake the CPU: the finding max78sim-arm reports
     * too, without the PC the host shim cannot see. */
    m78soc_finish(M78SOC_STOP_HANG,
                  m78_sim_runs(m78soc.sim)
                      ? "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN is "
                        "idle, its interrupt already taken (the host shim has no PC: run the ELF, --arch arm)"
                      : "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN "
                        "was never started (the host shim has no PC: run the ELF, --arch arm)",
                  1);
  }
  uint64_t now = m78soc_cnn_now();
  int slept = 0;
  if (next > now) {
    uint64_t t0 = m78soc.tick;
    /* to the CNN clock edge of the event */
    uint64_t target = m78soc_cycle_tick(next);
    m78soc.cpu_sleeping = 1;
    advance_ticks(target > m78soc.tick ? target - m78soc.tick : 0, 1);
    m78soc.cpu_sleeping = 0;
    slept = 1;
    if (m78soc.timeline)
      m78_tl_add(m78soc.timeline, M78_TL_SLEEP, 0, 0, t0, m78soc.tick, NULL);
  }
  sync_cnn();
  take_interrupt(slept);
}

/* ---- peripherals ------------------------------------------------- */

/* TMR0 as a live counter (m78soc.tmr_live; TMR rev B registers as the
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
static void tmr_update(void)
{
  uint32_t *r = m78soc.tmr_regs;
  if (!(r[TMR_CTRL0] & TMR_CTRL0_EN)) {
    m78soc.tmr_base_tick = m78soc.tick;
    return;
  }
  uint64_t period = (uint64_t)TICKS_PER_PCLK << ((r[TMR_CTRL0] >> 4) & 0xF);
  uint64_t n = (m78soc.tick - m78soc.tmr_base_tick) / period;
  m78soc.tmr_base_tick += n * period;
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

static void tmr_access(uint32_t *reg, uint32_t mask, uint32_t off, uint32_t *value, int write)
{
  uint32_t *r = m78soc.tmr_regs;
  int idx = (int)(reg - r);
  tmr_update();
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
  m78soc.tmr_base_tick = m78soc.tick;
}

static int periph_access(uint32_t addr, unsigned width, uint32_t *value, int write)
{
  uint32_t *reg = NULL;
  uint32_t off;
  if (addr >= M78SOC_GCR_BASE && addr < M78SOC_GCR_BASE + sizeof m78soc.gcr)
    reg = &m78soc.gcr[(addr - M78SOC_GCR_BASE) / 4];
  else if (addr >= M78SOC_GCFR_BASE && addr < M78SOC_GCFR_BASE + sizeof m78soc.gcfr)
    reg = &m78soc.gcfr[(addr - M78SOC_GCFR_BASE) / 4];
  else if (addr >= M78SOC_TMR0_BASE && addr < M78SOC_TMR0_BASE + sizeof m78soc.tmr_regs)
    reg = &m78soc.tmr_regs[(addr - M78SOC_TMR0_BASE) / 4];
  else if (addr >= M78SOC_ICC0_BASE && addr < M78SOC_ICC0_BASE + sizeof m78soc.icc_regs)
    reg = &m78soc.icc_regs[(addr - M78SOC_ICC0_BASE) / 4];
  else if (addr >= M78SOC_APB_BASE && addr < M78SOC_APB_END) {
    /* Other peripherals (GPIO, power sequencer...) keep plain register
     * values so read-modify-write works; they are counted in the report. */
    m78soc.other_periph_accesses++;
    for (int i = 0; i < m78soc.n_other && !reg; i++)
      if (m78soc.other_addr[i] == (addr & ~3u))
        reg = &m78soc.other_val[i];
    if (!reg && m78soc.n_other < M78SOC_MAX_OTHER) {
      m78soc.other_addr[m78soc.n_other] = addr & ~3u;
      m78soc.other_val[m78soc.n_other] = 0;
      reg = &m78soc.other_val[m78soc.n_other++];
    }
  }
  if (!reg) {
    m78soc.unmapped++;
    return -1;
  }
  off = (addr & 3) * 8;
  uint32_t mask = width == 4 ? 0xFFFFFFFFu : ((1u << (8 * width)) - 1) << off;
  if (m78soc.tmr_live && reg >= &m78soc.tmr_regs[0] && reg <= &m78soc.tmr_regs[7]) {
    tmr_access(reg, mask, off, value, write);
    return 0;
  }
  if (!write) {
    *value = (*reg & mask) >> off;
    return 0;
  }
  uint32_t old = *reg;
  *reg = (old & ~mask) | ((*value << off) & mask);
  if (reg == &m78soc.gcr[M78SOC_GCR_PCLKDIV])
    reclock();
  else if (reg == &m78soc.gcr[M78SOC_GCR_PCLKDIS0]) {
    sync_cnn();
    int en = !((*reg >> M78SOC_PCLKDIS0_CNN_BIT) & 1);
    m78_sim_set_clock_enabled(m78soc.sim, en);
    if (m78soc.trace_clock)
      m78soc.trace_clock(m78soc.trace_ctx, en);
  } else if (reg >= &m78soc.gcfr[0] && reg <= &m78soc.gcfr[3]) {
    sync_cnn();
    unsigned on = m78soc.gcfr[0] & ~m78soc.gcfr[2], rst = m78soc.gcfr[3];
    m78_sim_set_power(m78soc.sim, on, rst);
    if (m78soc.trace_power)
      m78soc.trace_power(m78soc.trace_ctx, on, rst);
  }
  return 0;
}

/* The energy of an access depends on its region, quadrant, FIFO index
 * class and that quadrant's SRAM register: the last value for reads and
 * for writes is kept (FIFO loops alternate a status read and a push). */
static inline __attribute__((always_inline)) void access_energy(uint32_t addr, const struct m78_addr_info *ai,
                                                                  int write)
{
  const struct m78_energy_ctl *ctl = energy_ctl();
  if (!ctl->powered_quads)
    return;
  if (!ai) {
    m78soc.mon_pj += m78_energy_access_pj_decoded(NULL, write, ctl);
    return;
  }
  struct m78soc_access_pj *c = &m78soc.access_pj[write != 0];
  /* the same address at the same generation is the same class (its
   * quadrant's SRAM register cannot have changed) */
  if (c->valid && c->addr == addr && c->gen == m78soc.ectl_gen) {
    m78soc.mon_pj += c->pj;
    return;
  }
  int g = ai->quad < 0 ? 0 : ai->quad;
  int hi = ai->region->kind == M78_REG_FIFO && ai->index >= 2;
  if (!c->valid || c->region != ai->region || c->quad != ai->quad || c->hi != hi || c->sram != ctl->sram_ctrl[g]) {
    *c = (struct m78soc_access_pj){1, ai->region, ai->quad, hi, ctl->sram_ctrl[g],
                                   m78_energy_access_pj_decoded(ai, write, ctl), 0, 0};
  }
  c->addr = addr;
  c->gen = m78soc.ectl_gen;
  m78soc.mon_pj += c->pj;
}

/* m78_addr_decode(addr), remembered for the last few addresses (a
 * decode depends on nothing but the address); NULL if it does not
 * decode. */
static void stream_learn(uint32_t addr, const struct m78_addr_info *ai);

static const struct m78_addr_info *decode(uint32_t addr)
{
  struct m78soc_decoded *d = &m78soc.dcache[(addr >> 2) & 15];
  if (d->state && d->addr == addr)
    return d->state == 1 ? &d->info : NULL;
  /* a store into the kernel or data memory block the last memory access
   * went to: the same decode but for the offset (a weight load writes
   * every address once, so the cache above would never hit) */
  struct m78soc_dstream *st = &m78soc.dstream;
  uint32_t rel = addr - st->lo;
  if (st->span && rel < st->span) {
    st->info.index = st->index0 + (st->info.region->kind == M78_REG_MRAM ? rel : rel / 4);
    st->info.offset = st->offset0 + rel;
    return &st->info;
  }
  d->addr = addr;
  d->state = m78_addr_decode(addr, &d->info) == 0 ? 1 : 2;
  if (d->state == 1)
    stream_learn(addr, &d->info);
  return d->state == 1 ? &d->info : NULL;
}

/* Remembers the block of kernel memory (one processor's window) or data
 * memory (one instance) around addr, if the decoder sees it as one: its
 * last byte decodes to the same unit. */
static void stream_learn(uint32_t addr, const struct m78_addr_info *ai)
{
  struct m78soc_dstream *st = &m78soc.dstream;
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
static inline int fifo_lane(unsigned width)
{
  return width == 4 && m78soc.phase == M78_TL_INPUT && !m78soc.in_isr && !m78soc.cpu_emulated &&
         m78soc.fifo_ai_ok && !m78soc.no_fifo_lane;
}

static int fifo_stat_lane(uint32_t *value)
{
  m78soc_flush();
  m78soc.activity++;
  m78soc.apb_reads++;
  m78soc.fifo_lane_hits++;
  access_time(host_cnn_cost(FIFO_STAT, 0));
  m78soc_flush();
  m78soc.in_shim++;
  int st = m78_sim_fifo_stat_at(m78soc.sim, m78soc_cnn_now(), value);
  m78soc.in_shim--;
  m78soc.activity++;
  m78soc.last_poll_addr = FIFO_STAT;
  access_energy(FIFO_STAT, &m78soc.fifo_ai[0], 0);
  phase_account(4, 0);
  return st;
}

static int fifo_push_lane(uint32_t addr, uint32_t value)
{
  unsigned k = (addr - FIFO_DATA) / 4;
  m78soc_flush();
  m78soc.activity++;
  m78soc.apb_writes++;
  m78soc.fifo_lane_hits++;
  access_time(host_cnn_cost(addr, 1));
  m78soc_flush();
  m78soc.in_shim++;
  int st = m78_sim_fifo_push_at(m78soc.sim, m78soc_cnn_now(), (int)k, value);
  m78soc.in_shim--;
  m78soc.activity++;
  m78soc.last_poll_addr = 0;
  access_energy(addr, &m78soc.fifo_ai[1 + k], 1);
  phase_account(4, 1);
  return st;
}

int m78soc_read(uint32_t addr, unsigned width, uint32_t *value)
{
  if (addr == FIFO_STAT && fifo_lane(width))
    return fifo_stat_lane(value);
  m78soc_flush();
  m78soc.activity++;
  *value = 0;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    m78soc.apb_reads++;
    /* one decode for the phase and the energy */
    const struct m78_addr_info *ai = decode(addr);
    phase_enter(classify(ai, 0));
    access_time(m78soc.cpu_emulated ? COST_CNN_WAIT_ARM : host_cnn_cost(addr, 0));
    sync_cnn();
    m78soc.last_poll_addr = addr;
    int st = m78_bus_read_decoded(m78soc.sim, addr, width, value, ai);
    access_energy(addr, ai, 0);
    phase_account(width, 0);
    return st;
  }
  m78soc_cpu_cycles(m78soc.cpu_emulated ? COST_PERIPH_WAIT_ARM : COST_PERIPH_CPU);
  int st = periph_access(addr, width, value, 0);
  if (st)
    m78soc_report_unmapped(addr, width, 0);
  return st;
}

int m78soc_write(uint32_t addr, unsigned width, uint32_t value)
{
  if (addr - FIFO_DATA < 4 * M78_FIFOS && !(addr & 3) && fifo_lane(width))
    return fifo_push_lane(addr, value);
  m78soc_flush();
  m78soc.activity++;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    m78soc.apb_writes++;
    /* one decode for the phase and the energy */
    const struct m78_addr_info *ai = decode(addr);
    phase_enter(classify(ai, 1));
    access_time(m78soc.cpu_emulated ? COST_CNN_WAIT_ARM : host_cnn_cost(addr, 1));
    sync_cnn();
    m78soc.last_poll_addr = 0;
    /* max78sim compare --stop-after: the layer count a capture firmware
     * would set (LCNT_MAX of any quadrant) */
    if (m78soc.rt.layer_limit >= 0 && (addr & ~(3u * M78_QUAD_STRIDE)) == M78_QREG_BASE + M78_GREG_OFFS_LCNT_MAX &&
        value > (uint32_t)m78soc.rt.layer_limit)
      value = (uint32_t)m78soc.rt.layer_limit;
    int st = m78_bus_write_decoded(m78soc.sim, addr, width, value, ai);
    access_energy(addr, ai, 1);
    phase_account(width, 1);
    return st;
  }
  m78soc_cpu_cycles(m78soc.cpu_emulated ? COST_PERIPH_WAIT_ARM : COST_PERIPH_CPU);
  int st = periph_access(addr, width, &value, 1);
  if (st)
    m78soc_report_unmapped(addr, width, 1);
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

void m78soc_timer_start(void)
{
  m78soc_flush();
  m78soc.activity++;
  m78soc_cpu_cycles(COST_PERIPH_CPU); /* the enable write */
  m78soc.tmr_start_tick = m78soc.tick;
  m78soc.tmr_running = 1;
}

uint32_t m78soc_timer_stop(void)
{
  m78soc_flush();
  m78soc.activity++;
  m78soc_cpu_cycles(COST_PERIPH_CPU); /* the count read */
  if (!m78soc.tmr_running)
    return 0;
  m78soc.tmr_running = 0;
  uint32_t shift = tmr_prescale_shift();
  uint64_t pclk = (m78soc.tick - m78soc.tmr_start_tick) / TICKS_PER_PCLK;
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

void m78soc_led(int led, int on)
{
  m78soc_flush();
  m78soc.activity++;
  if (!m78soc.cpu_emulated)
    m78soc_cpu_cycles(COST_PERIPH_CPU); /* the GPIO output write */
  if (m78soc.n_led_events < (int)(sizeof m78soc.led_events / sizeof m78soc.led_events[0])) {
    struct m78soc_led_event *e = &m78soc.led_events[m78soc.n_led_events++];
    e->led = led;
    e->on = on;
    e->tick = m78soc.tick;
    e->mon_pj = m78soc.mon_pj;
  }
  if (m78soc.timeline)
    m78_tl_add(m78soc.timeline, M78_TL_LED, led, on, m78soc.tick, m78soc.tick, NULL);
}

/* ---- emulated CPU ------------------------------------------------ */

void m78soc_sync(void) { sync_cnn(); }

int m78soc_irq_line(void)
{
  m78soc_flush();
  sync_cnn();
  return m78_sim_irq(m78soc.sim) != 0;
}

uint64_t m78soc_next_event_tick(void)
{
  uint64_t next = m78_sim_next_event(m78soc.sim);
  return next == UINT64_MAX ? UINT64_MAX : m78soc_cycle_tick(next);
}

int m78soc_sleep(int cnn_wakes, uint64_t limit)
{
  m78soc_flush();
  sync_cnn();
  m78soc_phase_close();
  if (cnn_wakes && m78_sim_irq(m78soc.sim))
    return 0;
  uint64_t target = cnn_wakes ? m78soc_next_event_tick() : UINT64_MAX;
  if (limit < target)
    target = limit;
  if (target == UINT64_MAX) {
    m78soc.last_poll_addr = 0;
    m78soc.budget_cycles = m78soc.max_cnn_cycles ? m78soc.max_cnn_cycles + 1 : UINT64_MAX;
    check_budget();
    m78soc_finish(M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (target <= m78soc.tick)
    return 0;
  uint64_t t0 = m78soc.tick;
  m78soc.cpu_sleeping = 1;
  advance_ticks(target - m78soc.tick, 1);
  m78soc.cpu_sleeping = 0;
  if (m78soc.timeline)
    m78_tl_add(m78soc.timeline, M78_TL_SLEEP, 0, 0, t0, m78soc.tick, NULL);
  sync_cnn();
  return 1;
}
