/*
 * max78sim-arm self test: UART text, SysTick counting and its interrupt
 * waking WFI, a software-pended device interrupt whose handler clobbers
 * the caller-saved registers (they must come back from the frame), the
 * stack's 8-byte alignment on entry, and the exit status by semihosting
 * (main's return value: 0 when every check passed, else the failed
 * check's number).
 */
#include "rt.h"

static volatile uint32_t systicks, irq5_calls, irq5_sp;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
  systicks++;
}

void IRQ5_Handler(void);
void IRQ5_Handler(void)
{
  uint32_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  irq5_sp = sp;
  irq5_calls++;
  /* clobber what the frame must restore */
  __asm__ volatile("mov r0, #0\n mov r1, #0\n mov r2, #0\n mov r3, #0\n mov r12, #0" ::: "r0", "r1", "r2", "r3", "r12");
}

static void Default_Handler(void)
{
  put("unexpected exception\n");
  sh_exit(99);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16 + 8])(void) = {(void (*)(void))STACK_TOP,
                                                                                         Reset_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         0,
                                                                                         0,
                                                                                         0,
                                                                                         0,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         0,
                                                                                         Default_Handler,
                                                                                         SysTick_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler,
                                                                                         IRQ5_Handler,
                                                                                         Default_Handler,
                                                                                         Default_Handler};

/* Pends IRQ 5 with known values in r0-r3 and r12 and reads them back
 * after the handler ran: 1 if all survived. */
static int regs_survive(void)
{
  uint32_t out[5];
  __asm__ volatile("ldr r0, =0x11111111\n"
                   "ldr r1, =0x22222222\n"
                   "ldr r2, =0x33333333\n"
                   "ldr r3, =0x44444444\n"
                   "ldr r12, =0x55555555\n"
                   "str %1, [%2]\n" /* NVIC_ISPR0 = 1 << 5: taken after this store */
                   "nop\n nop\n nop\n"
                   "str r0, [%0]\n"
                   "str r1, [%0, #4]\n"
                   "str r2, [%0, #8]\n"
                   "str r3, [%0, #12]\n"
                   "str r12, [%0, #16]\n"
                   :
                   : "r"(out), "r"(1u << 5), "r"(0xE000E200u)
                   : "r0", "r1", "r2", "r3", "r12", "memory");
  return out[0] == 0x11111111u && out[1] == 0x22222222u && out[2] == 0x33333333u && out[3] == 0x44444444u &&
         out[4] == 0x55555555u;
}

int main(void)
{
  put("selftest: uart ok\n");

  /* 1: SysTick counts down at the CPU clock and sets COUNTFLAG */
  SYST_RVR = 999;
  SYST_CVR = 0;
  SYST_CSR = 5; /* enable, core clock, no interrupt */
  uint32_t a = SYST_CVR, b = SYST_CVR;
  if (!(a > b)) {
    put("systick does not count down\n");
    return 1;
  }
  while (!(SYST_CSR & (1u << 16)))
    ;
  put("selftest: systick countflag ok\n");

  /* 2: SysTick interrupt wakes WFI */
  SYST_CSR = 7;
  uint32_t before = systicks;
  __asm__ volatile("wfi");
  if (systicks == before) {
    put("wfi returned without the systick interrupt\n");
    return 2;
  }
  SYST_CSR = 0;
  put("selftest: wfi woken by systick ok\n");

  /* 3: device interrupt, registers restored from the frame */
  NVIC_ISER(0) = 1u << 5;
  if (!regs_survive() || irq5_calls != 1) {
    put("irq 5: registers not preserved or handler not run\n");
    return 3;
  }
  /* 4: the handler ran on an 8-byte aligned stack */
  if (irq5_sp & 7) {
    put("handler stack not 8-byte aligned: ");
    put_hex(irq5_sp);
    put("\n");
    return 4;
  }
  put("selftest: exception entry/return ok\n");
  put("*** PASS ***\n");
  return 0;
}

DEFINE_RESET
