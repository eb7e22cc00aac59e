/*
 * What the BSP's own files share: the peripheral clock, the console, the
 * semihosting exit and the peripheral-reset helper.  Not part of the
 * firmware's view (the firmware sees only the MSDK-named headers).
 */
#ifndef M78_BSP_BSP_H
#define M78_BSP_BSP_H

#include <stdint.h>
#include "mxc.h"

/* The APB clock the timers and UARTs count: half the system clock. */
#define PeripheralClock (SystemCoreClock / 2U)

/* Console on UART0 at this rate (the EvKit's). */
#define M78BSP_CONSOLE_BAUD 115200U

/* GCR.rst0/rst1 bit of a peripheral: values below 32 are rst0 bits,
 * 32 and up rst1 bits (value - 32). */
#define M78BSP_RESET_TMR0 5U
#define M78BSP_RESET_UART0 11U

/* Exit statuses of the default exception handlers: 0x100 + the
 * exception number (HardFault 3 -> 0x103, device IRQ n -> 0x110 + n). */
#define M78BSP_EXIT_EXCEPTION 0x100

void MXC_SYS_Reset_Periph(uint32_t reset);
int Console_Init(void);
int LED_Init(void);
void m78bsp_console_write(const char *buf, int len);
/* Ends the program through semihosting (docs/arm.md); never returns. */
void m78bsp_exit(int status) __attribute__((noreturn));

#endif
