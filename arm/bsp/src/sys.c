/*
 * System control (mxc_sys.h) at register level: peripheral clock gates in
 * GCR.pclkdis0/1 and LPGCR.pclkdis (1 = clock stopped), oscillator enables
 * and the system clock select in GCR.clkctrl, peripheral resets in
 * GCR.rst0/1.  As in the MSDK, every oscillator switch waits for the
 * hardware's ready flag (clkctrl *_RDY, SYSCLK_RDY) and every reset for
 * its bit to clear.
 */
#include "bsp.h"

static volatile uint32_t *gate_register(mxc_sys_periph_clock_t clock, uint32_t *bit)
{
  uint32_t c = (uint32_t)clock;
  if (c >= 64) {
    *bit = 1UL << (c - 64);
    return &MXC_LPGCR->pclkdis;
  }
  if (c >= 32) {
    *bit = 1UL << (c - 32);
    return &MXC_GCR->pclkdis1;
  }
  *bit = 1UL << c;
  return &MXC_GCR->pclkdis0;
}

void MXC_SYS_ClockEnable(mxc_sys_periph_clock_t clock)
{
  uint32_t bit;
  volatile uint32_t *reg = gate_register(clock, &bit);
  *reg &= ~bit;
}

void MXC_SYS_ClockDisable(mxc_sys_periph_clock_t clock)
{
  uint32_t bit;
  volatile uint32_t *reg = gate_register(clock, &bit);
  *reg |= bit;
}

/* clkctrl enable and ready bits of an oscillator; 0 for the always-on
 * INRO and the external clock. */
static int oscillator_bits(mxc_sys_system_clock_t clock, uint32_t *en, uint32_t *rdy)
{
  switch (clock) {
  case MXC_SYS_CLOCK_IPO:
    *en = MXC_F_GCR_CLKCTRL_IPO_EN;
    *rdy = MXC_F_GCR_CLKCTRL_IPO_RDY;
    return 0;
  case MXC_SYS_CLOCK_ISO:
    *en = MXC_F_GCR_CLKCTRL_ISO_EN;
    *rdy = MXC_F_GCR_CLKCTRL_ISO_RDY;
    return 0;
  case MXC_SYS_CLOCK_IBRO:
    *en = MXC_F_GCR_CLKCTRL_IBRO_EN;
    *rdy = MXC_F_GCR_CLKCTRL_IBRO_RDY;
    return 0;
  case MXC_SYS_CLOCK_ERTCO:
    *en = MXC_F_GCR_CLKCTRL_ERTCO_EN;
    *rdy = MXC_F_GCR_CLKCTRL_ERTCO_RDY;
    return 0;
  case MXC_SYS_CLOCK_INRO:
    *en = 0;
    *rdy = MXC_F_GCR_CLKCTRL_INRO_RDY;
    return 0;
  case MXC_SYS_CLOCK_EXTCLK:
    *en = 0;
    *rdy = 0;
    return 0;
  }
  return E_BAD_PARAM;
}

int MXC_SYS_ClockSourceEnable(mxc_sys_system_clock_t clock)
{
  uint32_t en, rdy;

  if (oscillator_bits(clock, &en, &rdy) != 0)
    return E_BAD_PARAM;
  if (en != 0 && !(MXC_GCR->clkctrl & en)) {
    MXC_GCR->clkctrl |= en;
    while (!(MXC_GCR->clkctrl & rdy)) {
    }
  }
  return E_NO_ERROR;
}

int MXC_SYS_Clock_Select(mxc_sys_system_clock_t clock)
{
  int err = MXC_SYS_ClockSourceEnable(clock);

  if (err != E_NO_ERROR)
    return err;
  MXC_GCR->clkctrl = (MXC_GCR->clkctrl & ~MXC_F_GCR_CLKCTRL_SYSCLK_SEL) |
                     (((uint32_t)clock << MXC_F_GCR_CLKCTRL_SYSCLK_SEL_POS) & MXC_F_GCR_CLKCTRL_SYSCLK_SEL);
  while (!(MXC_GCR->clkctrl & MXC_F_GCR_CLKCTRL_SYSCLK_RDY)) {
  }
  SystemCoreClockUpdate();
  return E_NO_ERROR;
}

void MXC_SYS_Reset_Periph(uint32_t reset)
{
  volatile uint32_t *reg = reset >= 32 ? &MXC_GCR->rst1 : &MXC_GCR->rst0;
  uint32_t bit = 1UL << (reset & 31U);

  *reg = bit;
  while (*reg & bit) {
  }
}
