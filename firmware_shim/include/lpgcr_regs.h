/*
 * LPGCR (low-power global control, 0x4008_0000): resets and clock
 * disables of the peripherals in the low-power domain (GPIO2, WDT1,
 * TMR4/5, UART3, LPCMP).
 */
#ifndef M78_SHIM_LPGCR_REGS_H
#define M78_SHIM_LPGCR_REGS_H

#include <stdint.h>
#include "mxc_io.h"
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The register block at its silicon layout, from the SoC register map
 * (m78host/socregs.def; m78host/socregs_struct.h). */
typedef union {
#define M78SOC_PICK_LPGCR(x) x
#include "m78host/socregs_struct.h"
#undef M78SOC_PICK_LPGCR
} mxc_lpgcr_regs_t;

#define MXC_R_LPGCR_RST ((uint32_t)M78SOC_LPGCR_RST)
#define MXC_R_LPGCR_PCLKDIS ((uint32_t)M78SOC_LPGCR_PCLKDIS)

#define MXC_F_LPGCR_PCLKDIS_GPIO2_POS M78SOC_LPGCR_PCLKDIS_GPIO2_POS
#define MXC_F_LPGCR_PCLKDIS_WDT1_POS M78SOC_LPGCR_PCLKDIS_WDT1_POS
#define MXC_F_LPGCR_PCLKDIS_TMR4_POS M78SOC_LPGCR_PCLKDIS_TMR4_POS
#define MXC_F_LPGCR_PCLKDIS_TMR5_POS M78SOC_LPGCR_PCLKDIS_TMR5_POS
#define MXC_F_LPGCR_PCLKDIS_UART3_POS M78SOC_LPGCR_PCLKDIS_UART3_POS
#define MXC_F_LPGCR_PCLKDIS_LPCOMP_POS M78SOC_LPGCR_PCLKDIS_LPCOMP_POS

#ifdef __cplusplus
}
#endif

#endif
