/*
 * UART (UART0 0x4004_2000, UART1 0x4004_3000, UART2 0x4004_4000): the
 * register block at its silicon layout and the fields the BSP's console
 * uses.  The transmitter is a FIFO written through `fifo`; STATUS tells
 * whether it is full (TX_FULL) and how many bytes wait (TX_LVL).
 */
#ifndef M78_BSP_UART_REGS_H
#define M78_BSP_UART_REGS_H

#include <stdint.h>
#include "mxc_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  __IO uint32_t ctrl;   /* 0x00 */
  __I uint32_t status;  /* 0x04 */
  __IO uint32_t int_en; /* 0x08 */
  __IO uint32_t int_fl; /* 0x0C */
  __IO uint32_t clkdiv; /* 0x10: bit clock = source / clkdiv */
  __IO uint32_t osr;    /* 0x14: oversampling rate */
  __I uint32_t txpeek;  /* 0x18 */
  __IO uint32_t pnr;    /* 0x1C */
  __IO uint32_t fifo;   /* 0x20: write: TX FIFO, read: RX FIFO */
  __R uint32_t rsv_0x24_0x2f[3];
  __IO uint32_t dma;  /* 0x30 */
  __IO uint32_t wken; /* 0x34 */
  __IO uint32_t wkfl; /* 0x38 */
} mxc_uart_regs_t;

#define MXC_F_UART_CTRL_RX_THD_VAL_POS 0
#define MXC_F_UART_CTRL_RX_THD_VAL ((uint32_t)(0xFUL << MXC_F_UART_CTRL_RX_THD_VAL_POS))
#define MXC_F_UART_CTRL_PAR_EN ((uint32_t)(0x1UL << 4))
#define MXC_F_UART_CTRL_TX_FLUSH ((uint32_t)(0x1UL << 8))
#define MXC_F_UART_CTRL_RX_FLUSH ((uint32_t)(0x1UL << 9))
#define MXC_F_UART_CTRL_CHAR_SIZE_POS 10
#define MXC_F_UART_CTRL_CHAR_SIZE ((uint32_t)(0x3UL << MXC_F_UART_CTRL_CHAR_SIZE_POS))
#define MXC_S_UART_CTRL_CHAR_SIZE_8BITS ((uint32_t)(0x3UL << MXC_F_UART_CTRL_CHAR_SIZE_POS))
#define MXC_F_UART_CTRL_STOPBITS ((uint32_t)(0x1UL << 12))
#define MXC_F_UART_CTRL_HFC_EN ((uint32_t)(0x1UL << 13))
#define MXC_F_UART_CTRL_BCLKEN ((uint32_t)(0x1UL << 15))
#define MXC_F_UART_CTRL_BCLKSRC_POS 16
#define MXC_F_UART_CTRL_BCLKSRC ((uint32_t)(0x3UL << MXC_F_UART_CTRL_BCLKSRC_POS))
#define MXC_S_UART_CTRL_BCLKSRC_PERIPHERAL_CLOCK ((uint32_t)(0x0UL << MXC_F_UART_CTRL_BCLKSRC_POS))
#define MXC_F_UART_CTRL_BCLKRDY ((uint32_t)(0x1UL << 19))

#define MXC_F_UART_STATUS_TX_BUSY ((uint32_t)(0x1UL << 0))
#define MXC_F_UART_STATUS_RX_EM ((uint32_t)(0x1UL << 4))
#define MXC_F_UART_STATUS_TX_EM ((uint32_t)(0x1UL << 6))
#define MXC_F_UART_STATUS_TX_FULL ((uint32_t)(0x1UL << 7))
#define MXC_F_UART_STATUS_TX_LVL_POS 12
#define MXC_F_UART_STATUS_TX_LVL ((uint32_t)(0xFUL << MXC_F_UART_STATUS_TX_LVL_POS))

#define MXC_BASE_UART0 ((uint32_t)0x40042000UL)
#define MXC_UART0 ((mxc_uart_regs_t *)(uintptr_t)MXC_BASE_UART0)

#ifdef __cplusplus
}
#endif

#endif
