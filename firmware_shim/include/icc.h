/*
 * Instruction cache driver (shim subset).  The host runs the firmware
 * natively, so the cache has no effect on results; the calls only leave
 * their register writes in the trace and charge CPU time.
 */
#ifndef M78_SHIM_ICC_H
#define M78_SHIM_ICC_H

#include "icc_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

void MXC_ICC_Enable(mxc_icc_regs_t *icc);
void MXC_ICC_Disable(mxc_icc_regs_t *icc);

#ifdef __cplusplus
}
#endif

#endif
