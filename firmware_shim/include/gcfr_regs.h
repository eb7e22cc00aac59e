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

typedef struct {
  __IO uint32_t reg0; /* 0x00: quadrant power enable (bit g) */
  __IO uint32_t reg1; /* 0x04: quadrant memory enable ("mask memory") */
  __IO uint32_t reg2; /* 0x08: quadrant isolation */
  __IO uint32_t reg3; /* 0x0C: quadrant reset */
} mxc_gcfr_regs_t;

#define MXC_R_GCFR_REG0 ((uint32_t)M78SOC_GCFR_REG0)
#define MXC_R_GCFR_REG1 ((uint32_t)M78SOC_GCFR_REG1)
#define MXC_R_GCFR_REG2 ((uint32_t)M78SOC_GCFR_REG2)
#define MXC_R_GCFR_REG3 ((uint32_t)M78SOC_GCFR_REG3)

#ifdef __cplusplus
}
#endif

#endif
