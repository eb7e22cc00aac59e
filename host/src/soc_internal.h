/*
 * What the SoC model's files (soc_time.c, soc_cnn.c, soc_periph.c,
 * soc_irq.c) share: the cost constants of the accesses and interrupts,
 * the clock ratios, and the small helpers every path through the model
 * runs (advancing virtual time, the leakage energy over it, the budget
 * check, bringing the CNN up to date).  They are inline because they run
 * on every bus access.
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
#ifndef M78_SOC_INTERNAL_H
#define M78_SOC_INTERNAL_H

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

#define TICKS_PER_CPU (M78SOC_TICK_HZ / M78SOC_CPU_HZ)
#define PCLK_HZ (M78SOC_CPU_HZ / 2)
#define TICKS_PER_PCLK (M78SOC_TICK_HZ / PCLK_HZ)

/* soc_time.c: the CNN clock as GCR programs it now (after a PCLKDIV
 * write); the budget's end of the run; the leakage power of now */
void m78soc_reclock(struct m78soc_state *s);
__attribute__((noinline)) void m78soc_budget_exceeded(struct m78soc_state *s);
__attribute__((noinline)) void m78soc_leak_update(struct m78soc_state *s);
/* soc_periph.c: an access outside the CNN window; -1 if unmapped */
int m78soc_periph_access(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value, int write);

/* 1 when the CNN clock's source is the ISO (60 MHz), 0 for PCLK */
/* m78soc_cnn_now, inline for the access path */
static inline uint64_t cnn_now(const struct m78soc_state *s)
{
  return s->cnn_epoch_cycle + s->cnn_q;
}

static inline int cnn_clock_iso(struct m78soc_state *s)
{
  return M78SOC_FGET(GCR, PCLKDIV, CNNCLKSEL, s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIV)]) ==
         M78SOC_GCR_PCLKDIV_CNNCLKSEL_ISO;
}

/* 1 while PCLKDIS0 lets the CNN clock run */
static inline int cnn_clock_on(const struct m78soc_state *s)
{
  return !M78SOC_FGET(GCR, PCLKDIS0, CNN, s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIS0)]);
}

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

/* Budget check after any advance of time. */
static inline void check_budget(struct m78soc_state *s)
{
  if (__builtin_expect(s->max_cnn_cycles && s->budget_cycles > s->max_cnn_cycles, 0))
    m78soc_budget_exceeded(s);
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
static inline int iso_clocks_cnn(struct m78soc_state *s)
{
  return cnn_clock_iso(s) && cnn_clock_on(s);
}

static inline void leak_refresh(struct m78soc_state *s)
{
  /* the simulator's generation also moves when it starts or stops
   * running, so an unchanged one means an unchanged `busy` */
  if (__builtin_expect(!s->leak.valid || *s->gen_ref != s->leak.gen || iso_clocks_cnn(s) != s->leak.iso ||
                           !s->ectl_valid || s->ectl_gen != s->leak.gen,
                       0))
    m78soc_leak_update(s);
}

/* The monitor's energy over `ticks` at the power leak_refresh found. */
static inline double leak_pj(struct m78soc_state *s, uint64_t ticks)
{
  int k = s->cpu_sleeping != 0;
  struct m78soc_leak_inc *e = &s->leak.inc[k][(ticks >> 2) & 7];
  if (__builtin_expect(e->ticks != ticks || e->seq != s->leak.seq, 0)) {
    /* the same operations as always, so the sum stays the same; ticks
     * stay below 2^63: the signed conversion is the same value, in one
     * instruction */
    e->ticks = ticks;
    e->seq = s->leak.seq;
    e->pj = s->leak.pw[k] * (double)(int64_t)ticks / (double)M78SOC_TICK_HZ;
  }
  return e->pj;
}

static inline void add_leak(struct m78soc_state *s, uint64_t ticks)
{
  s->mon_pj += leak_pj(s, ticks);
}

static inline void advance_ticks(struct m78soc_state *s, uint64_t ticks, int counts_for_budget)
{
  m78soc_flush(s);
  leak_refresh(s);
  add_leak(s, ticks);
  uint64_t d = step_tick(s, ticks);
  if (counts_for_budget)
    s->budget_cycles += d;
  check_budget(s);
}

static inline void sync_cnn(struct m78soc_state *s)
{
  m78soc_flush(s);
  /* the catch-up can take host seconds: tell the hang detector */
  s->in_shim++;
  m78_sim_run_until(s->sim, cnn_now(s));
  s->in_shim--;
  s->activity++;
}

#endif
