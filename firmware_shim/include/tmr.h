/*
 * Timer driver (shim subset): the stopwatch the synthesized firmware uses
 * to time an inference (CNN_INFERENCE_TIMER = MXC_TMR0) and the blocking
 * delay.  Times are in microseconds of simulated time.
 */
#ifndef M78_SHIM_TMR_H
#define M78_SHIM_TMR_H

#include "mxc_device.h"
#include "tmr_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts (restarts) the stopwatch on `tmr`. */
void MXC_TMR_SW_Start(mxc_tmr_regs_t *tmr);
/* Stops the stopwatch; returns the microseconds since MXC_TMR_SW_Start. */
unsigned int MXC_TMR_SW_Stop(mxc_tmr_regs_t *tmr);
/* Busy-waits `us` microseconds using `tmr`. */
void MXC_TMR_Delay(mxc_tmr_regs_t *tmr, unsigned long us);

#ifdef __cplusplus
}
#endif

#endif
