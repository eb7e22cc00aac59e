/*
 * The board: the MAX78000 EvKit's two LEDs (P0.2 and P0.3, lit when the
 * pin is driven high) and its console on UART0.
 *
 * The console follows the MSDK's UART driver: clock on, reset, 8 data
 * bits, no parity, one stop bit, oversampling 5, divider PCLK / baud
 * rounded to nearest, bit clock enabled and awaited (BCLKRDY).  A byte is
 * written once the TX FIFO has room (STATUS.TX_FULL clear).  Newlines are
 * sent as they are, without an added carriage return, so the console
 * reads like the host shim's.
 */
#include "bsp.h"
#include "uart_regs.h"

static const struct {
  mxc_gpio_regs_t *port;
  uint32_t mask;
} leds[] = {
    {MXC_GPIO0, MXC_GPIO_PIN_2},
    {MXC_GPIO0, MXC_GPIO_PIN_3},
};
#define NUM_LEDS (sizeof leds / sizeof leds[0])

int LED_Init(void)
{
  for (unsigned int i = 0; i < NUM_LEDS; i++) {
    mxc_gpio_cfg_t cfg = {leds[i].port,      leds[i].mask,          MXC_GPIO_FUNC_OUT,
                          MXC_GPIO_PAD_NONE, MXC_GPIO_VSSEL_VDDIOH, MXC_GPIO_DRVSTR_0};
    int err = MXC_GPIO_Config(&cfg);
    if (err != E_NO_ERROR)
      return err;
    LED_Off(i);
  }
  return E_NO_ERROR;
}

void LED_On(unsigned int idx)
{
  if (idx < NUM_LEDS)
    MXC_GPIO_OutSet(leds[idx].port, leds[idx].mask);
}

void LED_Off(unsigned int idx)
{
  if (idx < NUM_LEDS)
    MXC_GPIO_OutClr(leds[idx].port, leds[idx].mask);
}

void LED_Toggle(unsigned int idx)
{
  if (idx < NUM_LEDS) {
    if (leds[idx].port->out & leds[idx].mask)
      LED_Off(idx);
    else
      LED_On(idx);
  }
}

int Console_Init(void)
{
  mxc_uart_regs_t *u = MXC_UART0;
  uint32_t pclk = PeripheralClock;
  uint32_t div = pclk / M78BSP_CONSOLE_BAUD;

  if (div == 0 || pclk % M78BSP_CONSOLE_BAUD > M78BSP_CONSOLE_BAUD / 2)
    div++;
  MXC_SYS_Reset_Periph(M78BSP_RESET_UART0);
  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_UART0);
  u->ctrl = (u->ctrl & ~(MXC_F_UART_CTRL_CHAR_SIZE | MXC_F_UART_CTRL_PAR_EN | MXC_F_UART_CTRL_STOPBITS |
                         MXC_F_UART_CTRL_RX_THD_VAL | MXC_F_UART_CTRL_BCLKSRC)) |
            MXC_S_UART_CTRL_CHAR_SIZE_8BITS | (1U << MXC_F_UART_CTRL_RX_THD_VAL_POS) |
            MXC_S_UART_CTRL_BCLKSRC_PERIPHERAL_CLOCK;
  u->osr = 5;
  u->clkdiv = div;
  u->ctrl |= MXC_F_UART_CTRL_BCLKEN;
  while (!(u->ctrl & MXC_F_UART_CTRL_BCLKRDY)) {
  }
  return E_NO_ERROR;
}

void m78bsp_console_write(const char *buf, int len)
{
  mxc_uart_regs_t *u = MXC_UART0;

  for (int i = 0; i < len; i++) {
    while (u->status & MXC_F_UART_STATUS_TX_FULL) {
    }
    u->fifo = (uint8_t)buf[i];
  }
}
