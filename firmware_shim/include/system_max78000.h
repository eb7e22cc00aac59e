/*
 * System clock: the oscillator frequencies and SystemCoreClock, the CPU
 * clock in Hz as last computed by SystemCoreClockUpdate() from
 * GCR.clkctrl.  It starts at the IPO frequency, where the MSDK start-up
 * code leaves the part.
 */
#ifndef M78_SHIM_SYSTEM_MAX78000_H
#define M78_SHIM_SYSTEM_MAX78000_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EXTCLK_FREQ
#define EXTCLK_FREQ 75000000
#endif
#ifndef INRO_FREQ
#define INRO_FREQ 30000
#endif
#ifndef IPO_FREQ
#define IPO_FREQ 100000000
#endif
#ifndef ISO_FREQ
#define ISO_FREQ 60000000
#endif
#ifndef IBRO_FREQ
#define IBRO_FREQ 7372800
#endif
#ifndef ERTCO_FREQ
#define ERTCO_FREQ 32768
#endif

extern uint32_t SystemCoreClock;

void SystemCoreClockUpdate(void);

#ifdef __cplusplus
}
#endif

#endif
