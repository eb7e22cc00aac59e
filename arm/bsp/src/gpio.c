/*
 * GPIO (gpio.h) at register level: the port's clock, the function select
 * (en0: GPIO, en1/en2: alternate function), the output enable and the
 * pull configuration, written through the *_set/*_clr registers as the
 * MSDK does.  cfg->vssel and cfg->drvstr are left alone: the synthesized
 * firmware never initialises them, and applying stack contents would make
 * the run depend on them (the host shim makes the same choice).
 */
#include "bsp.h"

static int port_index(mxc_gpio_regs_t *port)
{
  switch ((uint32_t)(uintptr_t)port) {
  case MXC_BASE_GPIO0: return 0;
  case MXC_BASE_GPIO1: return 1;
  case MXC_BASE_GPIO2: return 2;
  case MXC_BASE_GPIO3: return 3;
  }
  return -1;
}

int MXC_GPIO_Config(const mxc_gpio_cfg_t *cfg)
{
  mxc_gpio_regs_t *g;
  uint32_t mask;

  if (cfg == NULL)
    return E_NULL_PTR;
  g = cfg->port;
  mask = cfg->mask;
  switch (port_index(g)) {
  case 0: MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO0); break;
  case 1: MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO1); break;
  case 2: MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO2); break;
  case 3: break; /* always-on domain */
  default: return E_BAD_PARAM;
  }

  switch (cfg->func) {
  case MXC_GPIO_FUNC_IN:
    g->outen_clr = mask;
    g->en0_set = mask;
    g->en1_clr = mask;
    g->en2_clr = mask;
    break;
  case MXC_GPIO_FUNC_OUT:
    g->outen_set = mask;
    g->en0_set = mask;
    g->en1_clr = mask;
    g->en2_clr = mask;
    break;
  case MXC_GPIO_FUNC_ALT1:
    g->en0_clr = mask;
    g->en1_clr = mask;
    g->en2_clr = mask;
    break;
  case MXC_GPIO_FUNC_ALT2:
    g->en0_clr = mask;
    g->en1_set = mask;
    g->en2_clr = mask;
    break;
  case MXC_GPIO_FUNC_ALT3:
    g->en0_clr = mask;
    g->en1_clr = mask;
    g->en2_set = mask;
    break;
  case MXC_GPIO_FUNC_ALT4:
    g->en0_clr = mask;
    g->en1_set = mask;
    g->en2_set = mask;
    break;
  default: return E_BAD_PARAM;
  }

  /* padctrl0: pull enable, padctrl1: pull down, ps: strong pull. */
  switch (cfg->pad) {
  case MXC_GPIO_PAD_NONE:
    g->padctrl0 &= ~mask;
    g->padctrl1 &= ~mask;
    break;
  case MXC_GPIO_PAD_WEAK_PULL_UP:
    g->padctrl0 |= mask;
    g->padctrl1 &= ~mask;
    g->ps &= ~mask;
    break;
  case MXC_GPIO_PAD_PULL_UP:
    g->padctrl0 |= mask;
    g->padctrl1 &= ~mask;
    g->ps |= mask;
    break;
  case MXC_GPIO_PAD_WEAK_PULL_DOWN:
    g->padctrl0 &= ~mask;
    g->padctrl1 |= mask;
    g->ps &= ~mask;
    break;
  case MXC_GPIO_PAD_PULL_DOWN:
    g->padctrl0 &= ~mask;
    g->padctrl1 |= mask;
    g->ps |= mask;
    break;
  default: return E_BAD_PARAM;
  }
  return E_NO_ERROR;
}

void MXC_GPIO_OutSet(mxc_gpio_regs_t *port, uint32_t mask)
{
  port->out_set = mask;
}

void MXC_GPIO_OutClr(mxc_gpio_regs_t *port, uint32_t mask)
{
  port->out_clr = mask;
}
