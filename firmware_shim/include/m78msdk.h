/*
 * What the shim's MSDK functions counted during a run, for the run
 * report: calls that the simulation does not model faithfully (stubs)
 * and interrupt vectors installed for interrupts it never raises.
 */
#ifndef M78_SHIM_M78MSDK_H
#define M78_SHIM_M78MSDK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct m78msdk_stats {
  uint64_t calls;         /* MSDK / CMSIS functions called */
  uint64_t stubs;         /* of which approximated or ignored */
  uint64_t other_vectors; /* MXC_NVIC_SetVector for an IRQ other than CNN_IRQn */
  uint64_t sleeps;        /* sleep entries (MXC_LP_* and __WFI) */
  const char *last_stub;  /* name of the last stubbed function, or NULL */
};

const struct m78msdk_stats *m78msdk_get_stats(void);

#ifdef __cplusplus
}
#endif

#endif
