/*
 * GPIO driver (shim subset): pin masks, the configuration record and the
 * calls the synthesized firmware makes for the --boost pin.  Field names
 * and order of mxc_gpio_cfg_t follow the MSDK so designated and member
 * assignments compile unchanged.
 */
#ifndef M78_SHIM_GPIO_H
#define M78_SHIM_GPIO_H

#include <stdint.h>
#include "mxc_device.h"
#include "gpio_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MXC_GPIO_PORT_0 ((uint32_t)(1UL << 0))
#define MXC_GPIO_PORT_1 ((uint32_t)(1UL << 1))
#define MXC_GPIO_PORT_2 ((uint32_t)(1UL << 2))
#define MXC_GPIO_PORT_3 ((uint32_t)(1UL << 3))

#define MXC_GPIO_PIN_0 ((uint32_t)(1UL << 0))
#define MXC_GPIO_PIN_1 ((uint32_t)(1UL << 1))
#define MXC_GPIO_PIN_2 ((uint32_t)(1UL << 2))
#define MXC_GPIO_PIN_3 ((uint32_t)(1UL << 3))
#define MXC_GPIO_PIN_4 ((uint32_t)(1UL << 4))
#define MXC_GPIO_PIN_5 ((uint32_t)(1UL << 5))
#define MXC_GPIO_PIN_6 ((uint32_t)(1UL << 6))
#define MXC_GPIO_PIN_7 ((uint32_t)(1UL << 7))
#define MXC_GPIO_PIN_8 ((uint32_t)(1UL << 8))
#define MXC_GPIO_PIN_9 ((uint32_t)(1UL << 9))
#define MXC_GPIO_PIN_10 ((uint32_t)(1UL << 10))
#define MXC_GPIO_PIN_11 ((uint32_t)(1UL << 11))
#define MXC_GPIO_PIN_12 ((uint32_t)(1UL << 12))
#define MXC_GPIO_PIN_13 ((uint32_t)(1UL << 13))
#define MXC_GPIO_PIN_14 ((uint32_t)(1UL << 14))
#define MXC_GPIO_PIN_15 ((uint32_t)(1UL << 15))
#define MXC_GPIO_PIN_16 ((uint32_t)(1UL << 16))
#define MXC_GPIO_PIN_17 ((uint32_t)(1UL << 17))
#define MXC_GPIO_PIN_18 ((uint32_t)(1UL << 18))
#define MXC_GPIO_PIN_19 ((uint32_t)(1UL << 19))
#define MXC_GPIO_PIN_20 ((uint32_t)(1UL << 20))
#define MXC_GPIO_PIN_21 ((uint32_t)(1UL << 21))
#define MXC_GPIO_PIN_22 ((uint32_t)(1UL << 22))
#define MXC_GPIO_PIN_23 ((uint32_t)(1UL << 23))
#define MXC_GPIO_PIN_24 ((uint32_t)(1UL << 24))
#define MXC_GPIO_PIN_25 ((uint32_t)(1UL << 25))
#define MXC_GPIO_PIN_26 ((uint32_t)(1UL << 26))
#define MXC_GPIO_PIN_27 ((uint32_t)(1UL << 27))
#define MXC_GPIO_PIN_28 ((uint32_t)(1UL << 28))
#define MXC_GPIO_PIN_29 ((uint32_t)(1UL << 29))
#define MXC_GPIO_PIN_30 ((uint32_t)(1UL << 30))
#define MXC_GPIO_PIN_31 ((uint32_t)(1UL << 31))

typedef enum {
  MXC_GPIO_FUNC_IN,
  MXC_GPIO_FUNC_OUT,
  MXC_GPIO_FUNC_ALT1,
  MXC_GPIO_FUNC_ALT2,
  MXC_GPIO_FUNC_ALT3,
  MXC_GPIO_FUNC_ALT4
} mxc_gpio_func_t;

typedef enum { MXC_GPIO_VSSEL_VDDIO, MXC_GPIO_VSSEL_VDDIOH } mxc_gpio_vssel_t;

typedef enum { MXC_GPIO_DRVSTR_0, MXC_GPIO_DRVSTR_1, MXC_GPIO_DRVSTR_2, MXC_GPIO_DRVSTR_3 } mxc_gpio_drvstr_t;

typedef enum {
  MXC_GPIO_PAD_NONE,
  MXC_GPIO_PAD_PULL_UP,
  MXC_GPIO_PAD_PULL_DOWN,
  MXC_GPIO_PAD_WEAK_PULL_UP,
  MXC_GPIO_PAD_WEAK_PULL_DOWN
} mxc_gpio_pad_t;

typedef struct {
  mxc_gpio_regs_t *port; /* port register block */
  uint32_t mask;         /* pins (MXC_GPIO_PIN_n, may be several) */
  mxc_gpio_func_t func;
  mxc_gpio_pad_t pad;
  mxc_gpio_vssel_t vssel;
  mxc_gpio_drvstr_t drvstr;
} mxc_gpio_cfg_t;

/* Configures the pins of cfg->mask; E_NO_ERROR or E_BAD_PARAM. */
int MXC_GPIO_Config(const mxc_gpio_cfg_t *cfg);
/* Drives the pins of `mask` high / low. */
void MXC_GPIO_OutSet(mxc_gpio_regs_t *port, uint32_t mask);
void MXC_GPIO_OutClr(mxc_gpio_regs_t *port, uint32_t mask);

#ifdef __cplusplus
}
#endif

#endif
