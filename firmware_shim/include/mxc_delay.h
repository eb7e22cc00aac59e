/*
 * Blocking delays in microseconds of simulated time, and the macros that
 * express a delay in seconds or milliseconds.
 */
#ifndef M78_SHIM_MXC_DELAY_H
#define M78_SHIM_MXC_DELAY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MXC_DELAY_SEC(s) (((uint32_t)(s)) * 1000000UL)
#define MXC_DELAY_MSEC(ms) ((ms)*1000UL)
#define MXC_DELAY_USEC(us) (us)

#ifndef SEC
#define SEC(s) MXC_DELAY_SEC(s)
#endif
#ifndef MSEC
#define MSEC(ms) MXC_DELAY_MSEC(ms)
#endif
#ifndef USEC
#define USEC(us) MXC_DELAY_USEC(us)
#endif

/* Returns E_NO_ERROR after `us` microseconds. */
int MXC_Delay(uint32_t us);

#ifdef __cplusplus
}
#endif

#endif
