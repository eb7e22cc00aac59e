/*
 * The SoC's clocks, virtual time and the power monitor's energy counter.
 *
 * Time is kept in ticks of 1/1.2 GHz (soc.h).  The CNN clock is GCR's
 * PCLKDIV (source and divider); when it changes, the CNN cycle count is
 * carried over at an epoch (cnn_epoch_tick/cycle) so the count never
 * jumps.  Between changes the CNN time is tick - epoch as a quotient and
 * remainder (cnn_q, cnn_r) that every advance keeps up to date, so
 * reading it does not divide.
 *
 * Energy is the EVKit power monitor's view of VCOREA, relative to its
 * idle baseline: the leakage over each advance (at the power the
 * inline helpers of soc_internal.h look up, recomputed here only when the
 * power-relevant state changed), the CNN layers' and accesses' dynamic
 * energy (soc_cnn.c, soc_irq.c).
 */
#include <stdio.h>
#include <string.h>
#include "soc_internal.h"

/* The CNN clock's source and divider as PCLKDIV's fields encode them
 * (socregs.def: the divider codes 5-7 select /1 like 4). */
static const char *const cnn_source_names[1 << M78SOC_GCR_PCLKDIV_CNNCLKSEL_WIDTH] = {
    [M78SOC_GCR_PCLKDIV_CNNCLKSEL_PCLK] = "PCLK",
    [M78SOC_GCR_PCLKDIV_CNNCLKSEL_ISO] = "ISO",
};
static const int cnn_dividers[1 << M78SOC_GCR_PCLKDIV_CNNCLKDIV_WIDTH] = {
    [M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV2] = 2,
    [M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV4] = 4,
    [M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV8] = 8,
    [M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV16] = 16,
    [M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV1] = 1,
    1,
    1,
    1,
};

void m78soc_cnn_clock(struct m78soc_state *s, const char **source, int *divider)
{
  uint32_t pclkdiv = s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIV)];
  if (source)
    *source = cnn_source_names[M78SOC_FGET(GCR, PCLKDIV, CNNCLKSEL, pclkdiv)];
  if (divider)
    *divider = cnn_dividers[M78SOC_FGET(GCR, PCLKDIV, CNNCLKDIV, pclkdiv)];
}

static uint64_t cnn_ticks_from_gcr(struct m78soc_state *s)
{
  int div;
  m78soc_cnn_clock(s, NULL, &div);
  uint64_t base = cnn_clock_iso(s) ? M78SOC_TICK_HZ / 60000000ull : M78SOC_TICK_HZ / 50000000ull;
  return base * (uint64_t)div;
}

uint64_t m78soc_cnn_now(struct m78soc_state *s)
{
  return cnn_now(s);
}

uint64_t m78soc_cnn_hz(struct m78soc_state *s)
{
  return M78SOC_TICK_HZ / s->cnn_ticks_per_cycle;
}

double m78soc_time_us(struct m78soc_state *s)
{
  return (double)s->tick * 1e6 / (double)M78SOC_TICK_HZ;
}

uint64_t m78soc_cycle_tick(struct m78soc_state *s, uint64_t cycle)
{
  if (cycle < s->cnn_epoch_cycle)
    return s->cnn_epoch_tick;
  return s->cnn_epoch_tick + (cycle - s->cnn_epoch_cycle) * s->cnn_ticks_per_cycle;
}

void m78soc_reclock(struct m78soc_state *s)
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
  s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIV)] = M78SOC_FSET(GCR, PCLKDIV, CNNCLKDIV, 0, M78SOC_GCR_PCLKDIV_CNNCLKDIV_DIV1);
  s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIS0)] = 0xFFFFFFFFu;
  s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIS1)] = 0xFFFFFFFFu;
  s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG0)] = 0xF;
  s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG1)] = 0xF;
  m78_sim_set_clock_enabled(s->sim, 0);
  s->cnn_ticks_per_cycle = cnn_ticks_from_gcr(s);
  s->cnn_recip = (1ull << 32) / s->cnn_ticks_per_cycle + 1;
  m78_sim_set_clock_hz(s->sim, m78soc_cnn_hz(s));
  s->phase = -1;
  s->layer_limit = -1;
  s->fifo_ai_ok = m78_addr_decode(M78_FIFO_STAT, &s->fifo_ai[0]) == 0;
  for (int k = 0; k < M78_FIFOS; k++)
    s->fifo_ai_ok &= m78_addr_decode(M78_FIFO_DATA(k), &s->fifo_ai[1 + k]) == 0;
  return 0;
}

__attribute__((noinline)) void m78soc_budget_exceeded(struct m78soc_state *s)
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

/* Makes leak.pw the power now (leak_refresh found it out of date). */
__attribute__((noinline)) void m78soc_leak_update(struct m78soc_state *s)
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
    s->leak.seq++; /* from 1: the zeroed cache entries never match */
  }
}

void m78soc_cpu_cycles(struct m78soc_state *s, uint64_t cpu_cycles)
{
  advance_ticks(s, cpu_cycles * TICKS_PER_CPU, 1);
}

void m78soc_delay_us(struct m78soc_state *s, uint64_t us)
{
  advance_ticks(s, us * (M78SOC_TICK_HZ / 1000000ull), 0);
}
