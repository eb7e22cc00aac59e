/*
 * ICC (instruction cache controller, ICC0 0x4002_A000 for the Arm core,
 * ICC1 0x4002_A800 for the RISC-V core): the register block.
 */
#ifndef M78_SHIM_ICC_REGS_H
#define M78_SHIM_ICC_REGS_H

#include <stdint.h>
#include "mxc_io.h"
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The register block at its silicon layout, from the SoC register map
 * (m78host/socregs.def; m78host/socregs_struct.h). */
typedef union {
#define M78SOC_PICK_ICC(x) x
#include "m78host/socregs_struct.h"
#undef M78SOC_PICK_ICC
} mxc_icc_regs_t;

#define MXC_R_ICC_INFO ((uint32_t)M78SOC_ICC_INFO)
#define MXC_R_ICC_SZ ((uint32_t)M78SOC_ICC_SZ)
#define MXC_R_ICC_CTRL ((uint32_t)M78SOC_ICC_CTRL)
#define MXC_R_ICC_INVALIDATE ((uint32_t)M78SOC_ICC_INVALIDATE)

#define MXC_F_ICC_CTRL_EN_POS M78SOC_ICC_CTRL_EN_POS
#define MXC_F_ICC_CTRL_EN M78SOC_FMASK(ICC, CTRL, EN)
#define MXC_F_ICC_CTRL_RDY_POS M78SOC_ICC_CTRL_RDY_POS
#define MXC_F_ICC_CTRL_RDY M78SOC_FMASK(ICC, CTRL, RDY)

#ifdef __cplusplus
}
#endif

#endif
