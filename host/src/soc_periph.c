/*
 * The peripherals around the CNN as registers: GCR (clock gates, the CNN
 * clock), GCFR (CNN power and reset), TMR0 (a live counter for an
 * emulated CPU; the MSDK stopwatch for the host), ICC, the LEDs on GPIO,
 * and any other APB register as a plain value so that read-modify-write
 * works (counted in the report).  A write that changes what the CNN sees
 * (clock, power, reset) brings the CNN up to the current time first.
 */
#include <string.h>
#include "soc_internal.h"

/* TMR0 as a live counter (s->tmr_live; TMR rev B registers as the
 * MSDK's tmr_regs.h lays them out): CNT counts PCLK / 2^CLKDIV_A while
 * CTRL0.EN_A is set; one-shot mode stops at CMP with IRQ_A, continuous
 * mode restarts at 1.  Status bits the drivers wait on (clock ready,
 * write done) are ready at once. */
enum { /* word indices into tmr_regs[] */
       TMR_CNT = M78SOC_WORD(M78SOC_TMR_CNT),
       TMR_CMP = M78SOC_WORD(M78SOC_TMR_CMP),
       TMR_INTFL = M78SOC_WORD(M78SOC_TMR_INTFL),
       TMR_CTRL0 = M78SOC_WORD(M78SOC_TMR_CTRL0),
       TMR_CTRL1 = M78SOC_WORD(M78SOC_TMR_CTRL1),
       TMR_WKFL = M78SOC_WORD(M78SOC_TMR_WKFL)
};
#define TMR_CTRL0_EN M78SOC_FMASK(TMR, CTRL0, EN_A)
#define TMR_CTRL0_CLKEN M78SOC_FMASK(TMR, CTRL0, CLKEN_A)
#define TMR_CTRL1_CLKEN M78SOC_FMASK(TMR, CTRL1, CLKEN_A)
#define TMR_CTRL1_CLKRDY M78SOC_FMASK(TMR, CTRL1, CLKRDY_A)
#define TMR_INTFL_IRQ_A M78SOC_FMASK(TMR, INTFL, IRQ_A)
#define TMR_INTFL_WRDONE_A M78SOC_FMASK(TMR, INTFL, WRDONE_A)
#define TMR_INTFL_IRQ_B M78SOC_FMASK(TMR, INTFL, IRQ_B)

/* Brings CNT up to the current tick. */
static void tmr_update(struct m78soc_state *s)
{
  uint32_t *r = s->tmr_regs;
  if (!(r[TMR_CTRL0] & TMR_CTRL0_EN)) {
    s->tmr_base_tick = s->tick;
    return;
  }
  uint64_t period = (uint64_t)TICKS_PER_PCLK << M78SOC_FGET(TMR, CTRL0, CLKDIV_A, r[TMR_CTRL0]);
  uint64_t n = (s->tick - s->tmr_base_tick) / period;
  s->tmr_base_tick += n * period;
  uint64_t cnt = r[TMR_CNT] + n;
  uint32_t cmp = r[TMR_CMP];
  if (cmp && r[TMR_CNT] <= cmp && cnt >= cmp) {
    r[TMR_INTFL] |= TMR_INTFL_IRQ_A;
    if (M78SOC_FGET(TMR, CTRL0, MODE_A, r[TMR_CTRL0]) == M78SOC_TMR_CTRL0_MODE_A_ONESHOT) {
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

int m78soc_periph_access(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value, int write)
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
  if (s->tmr_live && reg >= &s->tmr_regs[TMR_CNT] && reg <= &s->tmr_regs[TMR_WKFL]) {
    tmr_access(s, reg, mask, off, value, write);
    return 0;
  }
  if (!write) {
    *value = (*reg & mask) >> off;
    return 0;
  }
  uint32_t old = *reg;
  *reg = (old & ~mask) | ((*value << off) & mask);
  if (reg == &s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIV)])
    m78soc_reclock(s);
  else if (reg == &s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIS0)]) {
    sync_cnn(s);
    int en = cnn_clock_on(s);
    m78_sim_set_clock_enabled(s->sim, en);
    if (s->trace_clock)
      s->trace_clock(s->trace_ctx, en);
  } else if (reg >= &s->gcfr[0] && reg <= &s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG3)]) {
    sync_cnn(s);
    /* powered and not isolated; in reset */
    unsigned on = s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG0)] & ~s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG2)],
             rst = s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG3)];
    m78_sim_set_power(s->sim, on, rst);
    if (s->trace_power)
      s->trace_power(s->trace_ctx, on, rst);
  }
  return 0;
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
