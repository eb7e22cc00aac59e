/*
 * PWRSEQ (power sequencer, 0x4000_6800): low-power control and the wake-up
 * status flags that MXC_LP_* clear before the core sleeps.
 */
#ifndef M78_BSP_PWRSEQ_REGS_H
#define M78_BSP_PWRSEQ_REGS_H

#include <stdint.h>
#include "mxc_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  __IO uint32_t lpcn;    /* 0x00 */
  __IO uint32_t lpwkst0; /* 0x04: GPIO0 wake-up status (write 1 to clear) */
  __IO uint32_t lpwken0; /* 0x08 */
  __IO uint32_t lpwkst1; /* 0x0C */
  __IO uint32_t lpwken1; /* 0x10 */
  __IO uint32_t lpwkst2; /* 0x14 */
  __IO uint32_t lpwken2; /* 0x18 */
  __IO uint32_t lpwkst3; /* 0x1C */
  __IO uint32_t lpwken3; /* 0x20 */
  __R uint32_t rsv_0x24_0x2f[3];
  __IO uint32_t lppwst; /* 0x30: peripheral wake-up status */
  __IO uint32_t lppwen; /* 0x34 */
  __R uint32_t rsv_0x38_0x47[4];
  __IO uint32_t gp0; /* 0x48 */
  __IO uint32_t gp1; /* 0x4C */
} mxc_pwrseq_regs_t;

#define MXC_BASE_PWRSEQ ((uint32_t)0x40006800UL)
#define MXC_PWRSEQ ((mxc_pwrseq_regs_t *)(uintptr_t)MXC_BASE_PWRSEQ)

#ifdef __cplusplus
}
#endif

#endif
