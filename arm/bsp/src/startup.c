/*
 * Start-up and vector table of the MAX78000's Cortex-M4.
 *
 * The table sits at the start of flash (section .isr_vector, placed at
 * 0x1000_0000 by max78000.ld): the initial stack pointer, the 15 core
 * exception vectors and the 104 device interrupts (entry 16 + IRQn; the
 * CNN is IRQ 101, entry 117).  Every handler is a weak alias of
 * Default_Handler, so the firmware can define any of them by name; the
 * MSDK-style way is MXC_NVIC_SetVector, which copies the table to SRAM.
 *
 * Reset_Handler: stack pointer from the linker script, .data copied from
 * its load image in flash, .bss cleared, SystemInit (clocks, FPU, cache,
 * console), static constructors, main, then exit(main's result): newlib
 * flushes stdio and _exit ends the program through semihosting.
 */
#include <stdint.h>
#include <stdlib.h>
#include "bsp.h"

extern uint32_t __StackTop;
extern uint32_t __etext_data; /* load address of .data in flash */
extern uint32_t __data_start__, __data_end__;
extern uint32_t __bss_start__, __bss_end__;

extern int main(void);
extern void SystemInit(void);
extern void __libc_init_array(void);

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);

/* An exception nobody handles ends the program with its number. */
void Default_Handler(void)
{
  m78bsp_exit(M78BSP_EXIT_EXCEPTION + (int)(__get_IPSR() & 0x1FFU));
}

#define WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))

WEAK_HANDLER(NMI_Handler);
WEAK_HANDLER(HardFault_Handler);
WEAK_HANDLER(MemManage_Handler);
WEAK_HANDLER(BusFault_Handler);
WEAK_HANDLER(UsageFault_Handler);
WEAK_HANDLER(SVC_Handler);
WEAK_HANDLER(DebugMon_Handler);
WEAK_HANDLER(PendSV_Handler);
WEAK_HANDLER(SysTick_Handler);

/* Device interrupts with a name in max78000.h's IRQn_Type (a list
 * clang-format does not settle on a layout for: kept as written). */
// clang-format off
#define DEVICE_IRQS(X)                                                                                  \
  X(0, PF) X(1, WDT0) X(3, RTC) X(4, TRNG) X(5, TMR0) X(6, TMR1) X(7, TMR2) X(8, TMR3) X(9, TMR4)      \
  X(10, TMR5) X(13, I2C0) X(14, UART0) X(15, UART1) X(16, SPI1) X(20, ADC) X(23, FLC0) X(24, GPIO0)    \
  X(25, GPIO1) X(26, GPIO2) X(28, DMA0) X(29, DMA1) X(30, DMA2) X(31, DMA3) X(34, UART2) X(36, I2C1)   \
  X(53, WUT) X(54, GPIOWAKE) X(56, SPI0) X(57, WDT1) X(59, PT) X(62, I2C2) X(63, RISCV) X(67, OWM)     \
  X(82, ECC) X(83, DVS) X(84, SIMO) X(88, UART3) X(91, PCIF) X(97, AES) X(99, I2S) X(100, CNN_FIFO)    \
  X(101, CNN) X(103, LPCMP)
// clang-format on

#define DECLARE_IRQ(n, name) WEAK_HANDLER(name##_IRQHandler);
DEVICE_IRQS(DECLARE_IRQ)

#define NUM_VECTORS (16 + MXC_IRQ_EXT_COUNT)

typedef void (*vector_t)(void);

/* Entry 0 is the initial stack pointer, stored as a vector-sized word.
 * The range initializer fills every entry; named handlers then override
 * theirs, which is what the diagnostic would warn about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".isr_vector"), used))
const vector_t __isr_vector[NUM_VECTORS] = {[0] = (vector_t)(uintptr_t)&__StackTop,
                                            [1] = Reset_Handler,
                                            [2] = NMI_Handler,
                                            [3] = HardFault_Handler,
                                            [4] = MemManage_Handler,
                                            [5] = BusFault_Handler,
                                            [6] = UsageFault_Handler,
                                            [7 ... 10] = Default_Handler, /* reserved */
                                            [11] = SVC_Handler,
                                            [12] = DebugMon_Handler,
                                            [13] = Default_Handler, /* reserved */
                                            [14] = PendSV_Handler,
                                            [15] = SysTick_Handler,
                                            [16 ...(NUM_VECTORS - 1)] = Default_Handler,
#define VECTOR_ENTRY(n, name) [16 + (n)] = name##_IRQHandler,
                                            DEVICE_IRQS(VECTOR_ENTRY)};
#pragma GCC diagnostic pop

/* Runs before .data and .bss exist: touches nothing but registers and
 * the linker's symbols. */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
  __asm__ volatile("ldr r0, =__StackTop\n\t"
                   "mov sp, r0\n\t"
                   "b m78bsp_start\n\t");
}

void m78bsp_start(void) __attribute__((noreturn, used));
void m78bsp_start(void)
{
  uint32_t *src = &__etext_data, *dst = &__data_start__;
  while (dst < &__data_end__)
    *dst++ = *src++;
  for (dst = &__bss_start__; dst < &__bss_end__;)
    *dst++ = 0;

  SystemInit();
  __libc_init_array();
  exit(main());
}

/* __libc_init_array calls _init and exit calls _fini; without the
 * toolchain's crti.o they are ours, and empty. */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}
