/*
 * System start: the clock variable the MSDK keeps (SystemCoreClock),
 * SystemCoreClockUpdate, and SystemInit, which the start-up code calls
 * before main.  SystemInit does what the MSDK's does for the MAX78000:
 * vector table base, instruction cache, FPU access (CP10/CP11 full
 * access, because the BSP compiles with -mfloat-abi=softfp and newlib's
 * softfp library may use FPU instructions), the 100 MHz IPO as system
 * clock, then Board_Init (console and LEDs).
 */
#include "bsp.h"

extern const void *const __isr_vector[];

/* The reset value of the MSDK's variable; SystemInit refreshes it. */
uint32_t SystemCoreClock = IPO_FREQ;

void SystemCoreClockUpdate(void)
{
  uint32_t ctrl = MXC_GCR->clkctrl;
  uint32_t base;

  switch ((ctrl & MXC_F_GCR_CLKCTRL_SYSCLK_SEL) >> MXC_F_GCR_CLKCTRL_SYSCLK_SEL_POS) {
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_ISO: base = ISO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_INRO: base = INRO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_IPO: base = IPO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_IBRO: base = IBRO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_ERTCO: base = ERTCO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_EXTCLK: base = EXTCLK_FREQ; break;
  default: return; /* reserved code: keep the last value */
  }
  SystemCoreClock = base >> ((ctrl & MXC_F_GCR_CLKCTRL_SYSCLK_DIV) >> MXC_F_GCR_CLKCTRL_SYSCLK_DIV_POS);
}

__attribute__((weak)) int Board_Init(void)
{
  int err;

  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO0);
  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO1);
  if ((err = Console_Init()) != E_NO_ERROR)
    return err;
  return LED_Init();
}

__attribute__((weak)) void SystemInit(void)
{
  SCB->VTOR = (uint32_t)(uintptr_t)__isr_vector;
  MXC_ICC_Enable(MXC_ICC0);
  SCB->CPACR |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
  __DSB();
  __ISB();
  MXC_SYS_Clock_Select(MXC_SYS_CLOCK_IPO);
  SystemCoreClockUpdate();
  Board_Init();
}
