/*
 * GCFR (general control function registers, 0x4000_5800): power, memory
 * enable, isolation and reset of the four CNN quadrants, one bit per
 * quadrant in each register.  cnn_enable()/cnn_disable() write them.
 */
#ifndef M78_SHIM_GCFR_REGS_H
#define M78_SHIM_GCFR_REGS_H

#include <stdint.h>
#include "mxc_io.h"
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The register block at its silicon layout, from the SoC register map
 * (m78host/socregs.def; m78host/socregs_struct.h). */
typedef union {
#define M78SOC_PICK_GCFR(x) x
#include "m78host/socregs_struct.h"
#undef M78SOC_PICK_GCFR
} mxc_gcfr_regs_t;

#define MXC_R_GCFR_REG0 ((uint32_t)M78SOC_GCFR_REG0)
#define MXC_R_GCFR_REG1 ((uint32_t)M78SOC_GCFR_REG1)
#define MXC_R_GCFR_REG2 ((uint32_t)M78SOC_GCFR_REG2)
#define MXC_R_GCFR_REG3 ((uint32_t)M78SOC_GCFR_REG3)

#ifdef __cplusplus
}
#endif

#endif
