/*
 * TMR (timers 0-3 at 0x4001_0000 + n*0x1000, 4-5 in the low-power
 * domain): the register block.  The shim models TMR0 as a stopwatch only
 * (MXC_TMR_SW_Start/Stop); no field macros are needed by the firmware.
 */
#ifndef M78_SHIM_TMR_REGS_H
#define M78_SHIM_TMR_REGS_H

#include <stdint.h>
#include "mxc_io.h"
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The register block at its silicon layout, from the SoC register map
 * (m78host/socregs.def; m78host/socregs_struct.h). */
typedef union {
#define M78SOC_PICK_TMR(x) x
#include "m78host/socregs_struct.h"
#undef M78SOC_PICK_TMR
} mxc_tmr_regs_t;

#define MXC_R_TMR_CNT ((uint32_t)M78SOC_TMR_CNT)
#define MXC_R_TMR_CMP ((uint32_t)M78SOC_TMR_CMP)
#define MXC_R_TMR_PWM ((uint32_t)M78SOC_TMR_PWM)
#define MXC_R_TMR_INTFL ((uint32_t)M78SOC_TMR_INTFL)
#define MXC_R_TMR_CTRL0 ((uint32_t)M78SOC_TMR_CTRL0)
#define MXC_R_TMR_NOLCMP ((uint32_t)M78SOC_TMR_NOLCMP)
#define MXC_R_TMR_CTRL1 ((uint32_t)M78SOC_TMR_CTRL1)
#define MXC_R_TMR_WKFL ((uint32_t)M78SOC_TMR_WKFL)

#ifdef __cplusplus
}
#endif

#endif
