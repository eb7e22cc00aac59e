/*
 * GPIO port register block (GPIO0 0x4000_8000, GPIO1 0x4000_9000, GPIO2
 * 0x4008_0400 in the low-power domain).  Each register holds one bit per
 * pin; the *_set / *_clr registers change only the bits written as 1.
 */
#ifndef M78_SHIM_GPIO_REGS_H
#define M78_SHIM_GPIO_REGS_H

#include <stdint.h>
#include "mxc_io.h"
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The register block at its silicon layout, from the SoC register map
 * (m78host/socregs.def; m78host/socregs_struct.h). */
typedef union {
#define M78SOC_PICK_GPIO(x) x
#include "m78host/socregs_struct.h"
#undef M78SOC_PICK_GPIO
} mxc_gpio_regs_t;

#ifdef __cplusplus
}
#endif

#endif
