/*
 * Program end through Arm semihosting: `bkpt 0xAB` with the operation in
 * r0 and its argument in r1.  SYS_EXIT (0x18) takes the reason code
 * ADP_Stopped_ApplicationExit (0x20026) for a normal end; a non-zero
 * status needs SYS_EXIT_EXTENDED (0x20) and a two-word block {reason,
 * status}.  The emulator stops on it; a board without a debugger would
 * take a HardFault, so the loop behind it only keeps the compiler honest.
 */
#include "bsp.h"

#define SYS_EXIT 0x18U
#define SYS_EXIT_EXTENDED 0x20U
#define ADP_STOPPED_APPLICATION_EXIT 0x20026U

static void semihost_call(uint32_t op, uint32_t arg)
{
  register uint32_t r0 __asm__("r0") = op;
  register uint32_t r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

void m78bsp_exit(int status)
{
  /* Static: the block must stay valid while the debugger reads it. */
  static uint32_t block[2];

  __disable_irq();
  if (status == 0) {
    semihost_call(SYS_EXIT, ADP_STOPPED_APPLICATION_EXIT);
  } else {
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)status;
    semihost_call(SYS_EXIT_EXTENDED, (uint32_t)(uintptr_t)block);
  }
  for (;;)
    __WFI();
}
