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

typedef struct {
  __I uint32_t info; /* 0x000 */
  __I uint32_t sz;   /* 0x004 */
  __R uint32_t rsv_0x8_0xff[62];
  __IO uint32_t ctrl; /* 0x100 */
  __R uint32_t rsv_0x104_0x6ff[383];
  __IO uint32_t invalidate; /* 0x700 */
} mxc_icc_regs_t;

#define MXC_R_ICC_INFO ((uint32_t)M78SOC_ICC_INFO)
#define MXC_R_ICC_SZ ((uint32_t)M78SOC_ICC_SZ)
#define MXC_R_ICC_CTRL ((uint32_t)M78SOC_ICC_CTRL)
#define MXC_R_ICC_INVALIDATE ((uint32_t)M78SOC_ICC_INVALIDATE)

#define MXC_F_ICC_CTRL_EN_POS M78SOC_ICC_CTRL_EN_POS
#define MXC_F_ICC_CTRL_EN ((uint32_t)(0x1UL << MXC_F_ICC_CTRL_EN_POS))
#define MXC_F_ICC_CTRL_RDY_POS M78SOC_ICC_CTRL_RDY_POS
#define MXC_F_ICC_CTRL_RDY ((uint32_t)(0x1UL << MXC_F_ICC_CTRL_RDY_POS))

#ifdef __cplusplus
}
#endif

#endif
