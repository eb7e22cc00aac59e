/*
 * Low-power modes (shim subset).  Every mode returns on the next
 * interrupt, which in the simulation is the CNN interrupt: the CPU is
 * idle in simulated time until the CNN raises it.  Only SLEEP is
 * modelled; the deeper modes behave like it and are counted as stubs.
 */
#ifndef M78_SHIM_LP_H
#define M78_SHIM_LP_H

#ifdef __cplusplus
extern "C" {
#endif

void MXC_LP_EnterSleepMode(void);
void MXC_LP_EnterLowPowerMode(void);
void MXC_LP_EnterMicroPowerMode(void);
void MXC_LP_EnterStandbyMode(void);

#ifdef __cplusplus
}
#endif

#endif
