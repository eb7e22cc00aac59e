/*
 * The MAX78000 device header (shim subset): interrupt numbers, the CMSIS
 * core subset, and the peripheral base addresses with their instance
 * pointers.  The instances are the real silicon addresses, as in the
 * MSDK: on the host those pages are reserved and every access to them
 * traps into the fault bridge, which forwards it to the SoC model.
 */
#ifndef M78_SHIM_MAX78000_H
#define M78_SHIM_MAX78000_H

#include <stdint.h>
#include "m78host/socregs.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TARGET_NUM
#define TARGET_NUM 78000
#endif

/* Arm Cortex-M4 interrupt numbers: core exceptions are negative, device
 * interrupts count from 0 (vector table entry 16).  Reserved entries are
 * left out; every listed value is the silicon one. */
typedef enum {
  NonMaskableInt_IRQn = -14,
  HardFault_IRQn = -13,
  MemoryManagement_IRQn = -12,
  BusFault_IRQn = -11,
  UsageFault_IRQn = -10,
  SVCall_IRQn = -5,
  DebugMonitor_IRQn = -4,
  PendSV_IRQn = -2,
  SysTick_IRQn = -1,
  PF_IRQn = 0,
  WDT0_IRQn = 1,
  RTC_IRQn = 3,
  TRNG_IRQn = 4,
  TMR0_IRQn = 5,
  TMR1_IRQn = 6,
  TMR2_IRQn = 7,
  TMR3_IRQn = 8,
  TMR4_IRQn = 9,
  TMR5_IRQn = 10,
  I2C0_IRQn = 13,
  UART0_IRQn = 14,
  UART1_IRQn = 15,
  SPI1_IRQn = 16,
  ADC_IRQn = 20,
  FLC0_IRQn = 23,
  GPIO0_IRQn = 24,
  GPIO1_IRQn = 25,
  GPIO2_IRQn = 26,
  DMA0_IRQn = 28,
  DMA1_IRQn = 29,
  DMA2_IRQn = 30,
  DMA3_IRQn = 31,
  UART2_IRQn = 34,
  I2C1_IRQn = 36,
  WUT_IRQn = 53,
  GPIOWAKE_IRQn = 54,
  SPI0_IRQn = 56,
  WDT1_IRQn = 57,
  PT_IRQn = 59,
  I2C2_IRQn = 62,
  RISCV_IRQn = 63,
  OWM_IRQn = 67,
  ECC_IRQn = 82,
  DVS_IRQn = 83,
  SIMO_IRQn = 84,
  UART3_IRQn = 88,
  PCIF_IRQn = 91,
  AES_IRQn = 97,
  I2S_IRQn = 99,
  CNN_FIFO_IRQn = 100,
  CNN_IRQn = 101,
  LPCMP_IRQn = 103,
  MXC_IRQ_EXT_COUNT = 104
} IRQn_Type;

#define MXC_IRQ_COUNT (MXC_IRQ_EXT_COUNT + 16)

#ifdef __cplusplus
}
#endif

/* Angle brackets: the include path chooses the core header, the host
 * shim's (functions of the shim) or the Arm BSP's (arm/bsp/include: real
 * CMSIS intrinsics and NVIC/SCB/SysTick registers), which comes first. */
#include <core_cm4.h>
#include "system_max78000.h"

/* Peripheral base addresses (uint32_t, as the MSDK; the values are the
 * SoC register map's, m78host/socregs.def) and instances.  The detour
 * through uintptr_t keeps a 64-bit host compiler quiet. */
#define MXC_BASE_GCR ((uint32_t)M78SOC_GCR_BASE)
#define MXC_GCR ((mxc_gcr_regs_t *)(uintptr_t)MXC_BASE_GCR)

#define MXC_BASE_GCFR ((uint32_t)M78SOC_GCFR_BASE)
#define MXC_GCFR ((mxc_gcfr_regs_t *)(uintptr_t)MXC_BASE_GCFR)
#define MXC_BBFC MXC_GCFR

#define MXC_CFG_GPIO_INSTANCES (4)
#define MXC_CFG_GPIO_PINS_PORT (32)
#define MXC_BASE_GPIO0 ((uint32_t)M78SOC_GPIO0_BASE)
#define MXC_GPIO0 ((mxc_gpio_regs_t *)(uintptr_t)MXC_BASE_GPIO0)
#define MXC_BASE_GPIO1 ((uint32_t)M78SOC_GPIO1_BASE)
#define MXC_GPIO1 ((mxc_gpio_regs_t *)(uintptr_t)MXC_BASE_GPIO1)
#define MXC_BASE_GPIO2 ((uint32_t)M78SOC_GPIO2_BASE)
#define MXC_GPIO2 ((mxc_gpio_regs_t *)(uintptr_t)MXC_BASE_GPIO2)
#define MXC_BASE_GPIO3 ((uint32_t)M78SOC_GPIO3_BASE)
#define MXC_GPIO3 ((mxc_gpio_regs_t *)(uintptr_t)MXC_BASE_GPIO3)
#define MXC_GPIO_GET_IDX(p)                                                                                            \
  ((p) == MXC_GPIO0 ? 0 : (p) == MXC_GPIO1 ? 1 : (p) == MXC_GPIO2 ? 2 : (p) == MXC_GPIO3 ? 3 : -1)

#define MXC_CFG_TMR_INSTANCES (6)
#define MXC_BASE_TMR0 ((uint32_t)M78SOC_TMR0_BASE)
#define MXC_TMR0 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR0)
#define MXC_BASE_TMR1 ((uint32_t)M78SOC_TMR1_BASE)
#define MXC_TMR1 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR1)
#define MXC_BASE_TMR2 ((uint32_t)M78SOC_TMR2_BASE)
#define MXC_TMR2 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR2)
#define MXC_BASE_TMR3 ((uint32_t)M78SOC_TMR3_BASE)
#define MXC_TMR3 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR3)
#define MXC_BASE_TMR4 ((uint32_t)M78SOC_TMR4_BASE)
#define MXC_TMR4 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR4)
#define MXC_BASE_TMR5 ((uint32_t)M78SOC_TMR5_BASE)
#define MXC_TMR5 ((mxc_tmr_regs_t *)(uintptr_t)MXC_BASE_TMR5)

#define MXC_BASE_ICC0 ((uint32_t)M78SOC_ICC0_BASE)
#define MXC_ICC0 ((mxc_icc_regs_t *)(uintptr_t)MXC_BASE_ICC0)
#define MXC_BASE_ICC1 ((uint32_t)M78SOC_ICC1_BASE)
#define MXC_ICC1 ((mxc_icc_regs_t *)(uintptr_t)MXC_BASE_ICC1)
#define MXC_ICC MXC_ICC0

#define MXC_BASE_LPGCR ((uint32_t)M78SOC_LPGCR_BASE)
#define MXC_LPGCR ((mxc_lpgcr_regs_t *)(uintptr_t)MXC_BASE_LPGCR)

#endif
