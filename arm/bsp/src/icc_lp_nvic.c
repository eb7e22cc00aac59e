/*
 * Instruction cache (icc.h), low-power entry (lp.h) and the RAM vector
 * table (nvic_table.h).
 *
 * MXC_ICC_Enable invalidates, waits for READY, enables and waits again.
 * MXC_LP_EnterSleepMode clears the wake-up flags, selects SLEEP (not deep
 * sleep) in SCB.SCR and executes WFI: the core stops until an enabled
 * interrupt is pending.  The deeper modes need the power sequencer's
 * wake-up sources; they are given SLEEP's behaviour here (documented in
 * docs/arm.md).
 *
 * MXC_NVIC_SetVector copies the flash vector table to SRAM on first use,
 * points SCB.VTOR at the copy, installs the handler and enables the IRQ.
 * The copy is aligned to 512 bytes: VTOR needs the table size rounded up
 * to a power of two (120 entries, 480 bytes).
 */
#include "bsp.h"
#include "pwrseq_regs.h"

void MXC_ICC_Enable(mxc_icc_regs_t *icc)
{
  icc->invalidate = 1;
  while (!(icc->ctrl & MXC_F_ICC_CTRL_RDY)) {
  }
  icc->ctrl |= MXC_F_ICC_CTRL_EN;
  while (!(icc->ctrl & MXC_F_ICC_CTRL_RDY)) {
  }
}

void MXC_ICC_Disable(mxc_icc_regs_t *icc)
{
  icc->ctrl &= ~MXC_F_ICC_CTRL_EN;
}

static void clear_wake_status(void)
{
  MXC_PWRSEQ->lpwkst0 = 0xFFFFFFFFU;
  MXC_PWRSEQ->lpwkst1 = 0xFFFFFFFFU;
  MXC_PWRSEQ->lpwkst2 = 0xFFFFFFFFU;
  MXC_PWRSEQ->lpwkst3 = 0xFFFFFFFFU;
  MXC_PWRSEQ->lppwst = 0xFFFFFFFFU;
}

void MXC_LP_EnterSleepMode(void)
{
  clear_wake_status();
  SCB->SCR &= ~SCB_SCR_SLEEPDEEP_Msk;
  __WFI();
}

void MXC_LP_EnterLowPowerMode(void)
{
  MXC_LP_EnterSleepMode();
}

void MXC_LP_EnterMicroPowerMode(void)
{
  MXC_LP_EnterSleepMode();
}

void MXC_LP_EnterStandbyMode(void)
{
  MXC_LP_EnterSleepMode();
}

static void (*ram_vectors[MXC_IRQ_COUNT])(void) __attribute__((aligned(512)));

void MXC_NVIC_SetVector(IRQn_Type irqn, void (*irq_callback)(void))
{
  int index = (int)irqn + 16;

  if (index < 0 || index >= MXC_IRQ_COUNT)
    return;
  if (SCB->VTOR != (uint32_t)(uintptr_t)ram_vectors) {
    const uint32_t *from = (const uint32_t *)(uintptr_t)SCB->VTOR;
    for (int i = 0; i < MXC_IRQ_COUNT; i++)
      ram_vectors[i] = (void (*)(void))(uintptr_t)from[i];
    __DSB();
    SCB->VTOR = (uint32_t)(uintptr_t)ram_vectors;
    __DSB();
    __ISB();
  }
  ram_vectors[index] = irq_callback;
  __DSB();
  NVIC_EnableIRQ(irqn);
}
