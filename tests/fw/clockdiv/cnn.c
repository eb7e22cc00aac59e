/*
 * Register program of the clock-divider test (see cnn.h).  Addresses are
 * the MAX78000's: quadrant 0 registers at 0x5010_0000, per-layer arrays
 * at 0x5010_0010 + 0x80 * array + 4 * layer, data memory at 0x5040_0000.
 */
#include "cnn.h"
#include "weights.h"

#define REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define Q0 0x50100000u
#define LAYER(array) (Q0 + 0x10u + 0x80u * (array)) /* layer 0 */

volatile uint32_t cnn_time;

static void isr(void)
{
  REG(Q0) &= ~((1u << 12) | 1u); /* clear cnn_irq and the master enable */
  cnn_time = MXC_TMR_SW_Stop(MXC_TMR0);
  if (cnn_time == 0)
    cnn_time = 1;
}

void cnn_enable(uint32_t clock_source, uint32_t clock_divider)
{
  MXC_GCFR->reg3 = 0xf; /* reset the quadrants */
  MXC_GCFR->reg1 = 0xf; /* mask memory on */
  MXC_GCFR->reg0 = 0xf; /* power on */
  MXC_GCFR->reg2 = 0x0; /* no isolation */
  MXC_GCFR->reg3 = 0x0; /* out of reset */
  MXC_GCR->pclkdiv = (MXC_GCR->pclkdiv & ~(MXC_F_GCR_PCLKDIV_CNNCLKDIV | MXC_F_GCR_PCLKDIV_CNNCLKSEL)) |
                     clock_divider | clock_source;
  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_CNN);
  MXC_NVIC_SetVector(CNN_IRQn, isr);
}

void cnn_init(void)
{
  REG(0x50001000u) = 0;          /* AON control */
  REG(Q0 + 0x000) = 1u << 3;     /* CTRL: clock on, stopped */
  REG(Q0 + 0x004) = 0x40e;       /* SRAM control */
  REG(Q0 + 0x008) = 0;           /* one layer */
}

void cnn_configure(void)
{
  REG(LAYER(0)) = TEST_H - 1;                 /* RCNT: rows, no padding */
  REG(LAYER(1)) = TEST_W - 1;                 /* CCNT: columns */
  REG(LAYER(3)) = 1;                          /* PRCNT: pool 2 rows */
  REG(LAYER(4)) = 1;                          /* PCCNT: pool 2 columns */
  REG(LAYER(5)) = 1;                          /* STRIDE: 2 */
  REG(LAYER(6)) = TEST_OUT_WORD;              /* WPTR_BASE: instance 0 */
  REG(LAYER(8)) = 0x2000;                     /* WPTR_MOFF */
  REG(LAYER(10)) = 0;                         /* RPTR_BASE */
  /* LCTRL0: global-bus writes (11), max pooling (8), pooling (7), master (5) */
  REG(LAYER(11)) = (1u << 11) | (1u << 8) | (1u << 7) | (1u << 5);
  REG(LAYER(14)) = 0xf;                       /* EN: processors 0-3, no masks */
}

void cnn_start(void)
{
  cnn_time = 0;
  MXC_TMR_SW_Start(MXC_TMR0);
  REG(Q0) = (1u << 3) | 1u; /* master enable */
}

void cnn_disable(void)
{
  MXC_SYS_ClockDisable(MXC_SYS_PERIPH_CLOCK_CNN);
  MXC_GCFR->reg3 = 0xf;
  MXC_GCFR->reg2 |= 0xf;
  MXC_GCFR->reg0 = 0x0;
  MXC_GCFR->reg1 = 0x0;
  MXC_GCFR->reg3 = 0x0;
}
