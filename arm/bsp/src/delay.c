/*
 * MXC_Delay on SysTick, the way the MSDK counts it: SysTick free-running
 * from 0xFFFFFF on the core clock (started here if it is not running),
 * the delay split into full wraps (COUNTFLAG) and a final tick value.
 * The delay therefore takes emulated core cycles, not host time.
 */
#include "bsp.h"

int MXC_Delay(uint32_t us)
{
  uint32_t ctrl_save, start, reload, ticks, wraps, last, end;

  if (us == 0)
    return E_NO_ERROR;
  start = SysTick->VAL;
  ctrl_save = SysTick->CTRL & ~SysTick_CTRL_COUNTFLAG_Msk;
  if (!(ctrl_save & SysTick_CTRL_ENABLE_Msk)) {
    SysTick->LOAD = SysTick_LOAD_RELOAD_Msk;
    SysTick->VAL = SysTick_VAL_CURRENT_Msk;
    SysTick->CTRL = SysTick_CTRL_ENABLE_Msk | SysTick_CTRL_CLKSOURCE_Msk;
    start = SysTick_VAL_CURRENT_Msk;
    reload = SysTick_LOAD_RELOAD_Msk + 1U;
  } else {
    reload = SysTick->LOAD + 1U;
  }

  ticks = (uint32_t)((uint64_t)us * SystemCoreClock / 1000000U);
  wraps = ticks / reload;
  last = ticks % reload;
  /* The counter counts down: crossing zero from `start` is one more wrap. */
  if (last >= start) {
    wraps++;
    end = reload - (last - start);
  } else {
    end = start - last;
  }

  while (wraps > 0)
    if (SysTick->CTRL & SysTick_CTRL_COUNTFLAG_Msk)
      wraps--;
  while (SysTick->VAL > end) {
  }
  SysTick->CTRL = ctrl_save;
  return E_NO_ERROR;
}
