/*
 * GPIO port register block (GPIO0 0x4000_8000, GPIO1 0x4000_9000, GPIO2
 * 0x4008_0400 in the low-power domain).  Each register holds one bit per
 * pin; the *_set / *_clr registers change only the bits written as 1.
 */
#ifndef M78_SHIM_GPIO_REGS_H
#define M78_SHIM_GPIO_REGS_H

#include <stdint.h>
#include "mxc_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  __IO uint32_t en0;       /* 0x00: 1 = pin is GPIO, 0 = alternate function */
  __IO uint32_t en0_set;   /* 0x04 */
  __IO uint32_t en0_clr;   /* 0x08 */
  __IO uint32_t outen;     /* 0x0C: output enable */
  __IO uint32_t outen_set; /* 0x10 */
  __IO uint32_t outen_clr; /* 0x14 */
  __IO uint32_t out;       /* 0x18: output level */
  __O uint32_t out_set;    /* 0x1C */
  __O uint32_t out_clr;    /* 0x20 */
  __I uint32_t in;         /* 0x24 */
  __IO uint32_t intmode;   /* 0x28 */
  __IO uint32_t intpol;    /* 0x2C */
  __IO uint32_t inen;      /* 0x30 */
  __IO uint32_t inten;     /* 0x34 */
  __IO uint32_t inten_set; /* 0x38 */
  __IO uint32_t inten_clr; /* 0x3C */
  __I uint32_t intfl;      /* 0x40 */
  __R uint32_t rsv_0x44;
  __IO uint32_t intfl_clr; /* 0x48 */
  __IO uint32_t wken;      /* 0x4C */
  __IO uint32_t wken_set;  /* 0x50 */
  __IO uint32_t wken_clr;  /* 0x54 */
  __R uint32_t rsv_0x58;
  __IO uint32_t dualedge; /* 0x5C */
  __IO uint32_t padctrl0; /* 0x60: pull enable */
  __IO uint32_t padctrl1; /* 0x64: pull direction */
  __IO uint32_t en1;      /* 0x68: alternate function select, bit 0 */
  __IO uint32_t en1_set;  /* 0x6C */
  __IO uint32_t en1_clr;  /* 0x70 */
  __IO uint32_t en2;      /* 0x74: alternate function select, bit 1 */
  __IO uint32_t en2_set;  /* 0x78 */
  __IO uint32_t en2_clr;  /* 0x7C */
  __R uint32_t rsv_0x80_0xa7[10];
  __IO uint32_t hysen; /* 0xA8 */
  __IO uint32_t srsel; /* 0xAC */
  __IO uint32_t ds0;   /* 0xB0 */
  __IO uint32_t ds1;   /* 0xB4 */
  __IO uint32_t ps;    /* 0xB8: pull strength */
  __R uint32_t rsv_0xbc;
  __IO uint32_t vssel; /* 0xC0: 1 = VDDIOH */
} mxc_gpio_regs_t;

#ifdef __cplusplus
}
#endif

#endif
