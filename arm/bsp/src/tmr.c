/*
 * Timers (tmr.h) at register level, as the MSDK drives TMR0-3 (register
 * layout "rev B": ctrl0 holds mode, prescaler and enables of the two
 * 16-bit halves A and B; ctrl1 their clock source, status and the
 * CASCADE bit that joins them into one 32-bit timer).
 *
 * The stopwatch is the MSDK's: MXC_TMR_SW_Start arms a one-shot timeout
 * of 0xFFFFFFFF us on the APB clock, whose tick count needs the smallest
 * power-of-two prescaler that fits 32 bits (at 50 MHz: /64, one tick per
 * 1.28 us); MXC_TMR_SW_Stop converts the count back to microseconds with
 * the same integer arithmetic, so the printed time has the board's
 * rounding.  The count starts at 1, as the MSDK writes it.
 */
#include "bsp.h"

#define CTRL0_MODE_A ((uint32_t)0xFUL)
#define CTRL0_CLKDIV_A_POS 4
#define CTRL0_CLKDIV_A ((uint32_t)(0xFUL << CTRL0_CLKDIV_A_POS))
#define CTRL0_POL_A ((uint32_t)(1UL << 8))
#define CTRL0_CLKEN_A ((uint32_t)(1UL << 14))
#define CTRL0_EN_A ((uint32_t)(1UL << 15))
#define CTRL1_CLKSEL_A ((uint32_t)(0x3UL << 0))
#define CTRL1_CLKEN_A ((uint32_t)(1UL << 2))
#define CTRL1_CLKRDY_A ((uint32_t)(1UL << 3))
#define CTRL1_OUTEN_A ((uint32_t)(1UL << 13))
#define CTRL1_CASCADE ((uint32_t)(1UL << 31))
#define INTFL_IRQ_A ((uint32_t)(1UL << 0))
#define INTFL_WRDONE_A ((uint32_t)(1UL << 8))
#define INTFL_IRQ_B ((uint32_t)(1UL << 16))
#define MODE_ONESHOT 0U

/* Clock of each timer as its last start configured it (the MSDK keeps
 * the same per-instance record). */
static uint32_t source_hz[MXC_CFG_TMR_INSTANCES];

static int tmr_index(mxc_tmr_regs_t *tmr)
{
  switch ((uint32_t)(uintptr_t)tmr) {
  case MXC_BASE_TMR0: return 0;
  case MXC_BASE_TMR1: return 1;
  case MXC_BASE_TMR2: return 2;
  case MXC_BASE_TMR3: return 3;
  case MXC_BASE_TMR4: return 4;
  case MXC_BASE_TMR5: return 5;
  }
  return -1;
}

static void tmr_stop(mxc_tmr_regs_t *tmr)
{
  tmr->ctrl0 &= ~CTRL0_EN_A;
}

static void clear_flags(mxc_tmr_regs_t *tmr)
{
  tmr->intfl |= INTFL_IRQ_A | INTFL_IRQ_B;
}

/* One-shot, 32-bit, APB clock, prescaler 2^shift, counting from 1 up to
 * `ticks`; started at the end. */
static void start_oneshot(mxc_tmr_regs_t *tmr, int idx, uint32_t shift, uint32_t ticks)
{
  tmr_stop(tmr);
  source_hz[idx] = PeripheralClock;
  if (idx < 4) {
    MXC_SYS_Reset_Periph(M78BSP_RESET_TMR0 + (uint32_t)idx);
    MXC_SYS_ClockEnable((mxc_sys_periph_clock_t)(MXC_SYS_PERIPH_CLOCK_TMR0 + idx));
  }
  tmr->ctrl1 |= CTRL1_CASCADE;
  clear_flags(tmr);
  tmr->ctrl0 |= shift << CTRL0_CLKDIV_A_POS;
  tmr->ctrl1 &= ~CTRL1_CLKSEL_A; /* clock 0: APB */

  tmr->ctrl0 |= CTRL0_CLKEN_A;
  while (!(tmr->ctrl1 & CTRL1_CLKRDY_A)) {
  }
  tmr->ctrl0 |= MODE_ONESHOT;
  tmr->cnt = 1;
  while (!(tmr->intfl & INTFL_WRDONE_A)) {
  }
  tmr->cmp = ticks;
  tmr->ctrl1 &= ~CTRL1_OUTEN_A;

  tmr->ctrl1 |= CTRL1_CASCADE;
  clear_flags(tmr);
  tmr->ctrl0 |= CTRL0_EN_A;
  while (!(tmr->ctrl1 & CTRL1_CLKEN_A)) {
  }
}

static void timeout_start(mxc_tmr_regs_t *tmr, uint32_t us)
{
  int idx = tmr_index(tmr);
  uint64_t ticks;
  uint32_t shift = 0;

  if (idx < 0 || us == 0)
    return;
  ticks = (uint64_t)us * PeripheralClock / 1000000U;
  while (ticks > 0xFFFFFFFFULL) {
    ticks >>= 1;
    shift++;
  }
  start_oneshot(tmr, idx, shift, (uint32_t)ticks);
}

/* Microseconds for `ticks` at the timer's prescaler: nanoseconds while
 * they fit 32 bits, then coarser units, each truncated as the MSDK's
 * MXC_TMR_GetTime does. */
static uint32_t ticks_to_us(mxc_tmr_regs_t *tmr, uint32_t ticks)
{
  int idx = tmr_index(tmr);
  uint32_t clk = idx >= 0 ? source_hz[idx] : 0;
  uint32_t prescale = (tmr->ctrl0 & CTRL0_CLKDIV_A) >> CTRL0_CLKDIV_A_POS;
  uint64_t scaled = (uint64_t)ticks * 1000U * (1U << (prescale & 0xFU));
  uint64_t t;

  if (clk < 1000000U)
    return 0;
  t = scaled / (clk / 1000000U);
  if (!(t >> 32))
    return (uint32_t)t / 1000U;
  t = scaled / (clk / 1000U);
  if (!(t >> 32))
    return (uint32_t)t;
  t = scaled / clk;
  if (!(t >> 32))
    return (uint32_t)t * 1000U;
  return (uint32_t)((uint64_t)ticks * (1U << (prescale & 0xFU)) / clk) * 1000000U;
}

void MXC_TMR_SW_Start(mxc_tmr_regs_t *tmr)
{
  timeout_start(tmr, 0xFFFFFFFFU);
}

unsigned int MXC_TMR_SW_Stop(mxc_tmr_regs_t *tmr)
{
  unsigned int elapsed = ticks_to_us(tmr, tmr->cnt);

  tmr_stop(tmr);
  tmr->cnt = 0;
  while (!(tmr->intfl & INTFL_WRDONE_A)) {
  }
  return elapsed;
}

void MXC_TMR_Delay(mxc_tmr_regs_t *tmr, unsigned long us)
{
  if (us == 0 || tmr_index(tmr) < 0)
    return;
  timeout_start(tmr, (uint32_t)us);
  while (!(tmr->intfl & (INTFL_IRQ_A | INTFL_IRQ_B))) {
  }
  tmr_stop(tmr);
  tmr->cnt = 0;
  while (!(tmr->intfl & INTFL_WRDONE_A)) {
  }
}
