/*
 * The Cortex-M4 core for the Arm build (CMSIS names, written for
 * max78sim): the intrinsics as inline assembly, and the System Control
 * Space blocks the firmware and the BSP touch, at their architectural
 * addresses (ARMv7-M ARM, B3.2): SysTick 0xE000E010, NVIC 0xE000E100,
 * SCB 0xE000ED00.  This header replaces the host shim's core_cm4.h when
 * arm/bsp/include comes first on the include path.
 */
#include "max78000.h" /* IRQn_Type; it includes this file back */

#ifndef M78_BSP_CORE_CM4_H
#define M78_BSP_CORE_CM4_H

#include <stdint.h>
#include "mxc_io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define __CM4_REV 0x0001U
#define __MPU_PRESENT 1U
#define __FPU_PRESENT 1U
#define __NVIC_PRIO_BITS 3U /* MAX78000: eight priority levels */

#ifndef __ASM
#define __ASM __asm
#endif
#ifndef __INLINE
#define __INLINE inline
#endif
#ifndef __STATIC_INLINE
#define __STATIC_INLINE static inline
#endif
#ifndef __STATIC_FORCEINLINE
#define __STATIC_FORCEINLINE __attribute__((always_inline)) static inline
#endif
#ifndef __WEAK
#define __WEAK __attribute__((weak))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
#ifndef __PACKED
#define __PACKED __attribute__((packed))
#endif
#ifndef __ALIGNED
#define __ALIGNED(x) __attribute__((aligned(x)))
#endif
#ifndef __NO_RETURN
#define __NO_RETURN __attribute__((__noreturn__))
#endif
#ifndef __USED
#define __USED __attribute__((used))
#endif

/* ---- intrinsics ---- */

__STATIC_FORCEINLINE void __NOP(void)
{
  __ASM volatile("nop");
}
__STATIC_FORCEINLINE void __WFI(void)
{
  __ASM volatile("wfi" ::: "memory");
}
__STATIC_FORCEINLINE void __WFE(void)
{
  __ASM volatile("wfe" ::: "memory");
}
__STATIC_FORCEINLINE void __SEV(void)
{
  __ASM volatile("sev");
}
__STATIC_FORCEINLINE void __ISB(void)
{
  __ASM volatile("isb 0xF" ::: "memory");
}
__STATIC_FORCEINLINE void __DSB(void)
{
  __ASM volatile("dsb 0xF" ::: "memory");
}
__STATIC_FORCEINLINE void __DMB(void)
{
  __ASM volatile("dmb 0xF" ::: "memory");
}
__STATIC_FORCEINLINE void __enable_irq(void)
{
  __ASM volatile("cpsie i" ::: "memory");
}
__STATIC_FORCEINLINE void __disable_irq(void)
{
  __ASM volatile("cpsid i" ::: "memory");
}
__STATIC_FORCEINLINE void __enable_fault_irq(void)
{
  __ASM volatile("cpsie f" ::: "memory");
}
__STATIC_FORCEINLINE void __disable_fault_irq(void)
{
  __ASM volatile("cpsid f" ::: "memory");
}

__STATIC_FORCEINLINE uint32_t __get_PRIMASK(void)
{
  uint32_t r;
  __ASM volatile("mrs %0, primask" : "=r"(r)::"memory");
  return r;
}

__STATIC_FORCEINLINE void __set_PRIMASK(uint32_t v)
{
  __ASM volatile("msr primask, %0" ::"r"(v) : "memory");
}

__STATIC_FORCEINLINE uint32_t __get_IPSR(void)
{
  uint32_t r;
  __ASM volatile("mrs %0, ipsr" : "=r"(r));
  return r;
}

__STATIC_FORCEINLINE uint32_t __get_MSP(void)
{
  uint32_t r;
  __ASM volatile("mrs %0, msp" : "=r"(r));
  return r;
}

__STATIC_FORCEINLINE void __set_MSP(uint32_t v)
{
  __ASM volatile("msr msp, %0" ::"r"(v) :);
}

__STATIC_FORCEINLINE uint32_t __REV(uint32_t v)
{
  return __builtin_bswap32(v);
}
__STATIC_FORCEINLINE uint32_t __CLZ(uint32_t v)
{
  return v ? (uint32_t)__builtin_clz(v) : 32U;
}
#define __BKPT(value) __ASM volatile("bkpt " #value)

/* ---- System Control Space blocks ---- */

typedef struct {
  __I uint32_t CPUID;   /* 0x00 */
  __IO uint32_t ICSR;   /* 0x04 */
  __IO uint32_t VTOR;   /* 0x08: vector table offset */
  __IO uint32_t AIRCR;  /* 0x0C */
  __IO uint32_t SCR;    /* 0x10: sleep control */
  __IO uint32_t CCR;    /* 0x14 */
  __IO uint8_t SHP[12]; /* 0x18: system handler priorities */
  __IO uint32_t SHCSR;  /* 0x24 */
  __IO uint32_t CFSR;   /* 0x28: configurable fault status */
  __IO uint32_t HFSR;   /* 0x2C */
  __IO uint32_t DFSR;   /* 0x30 */
  __IO uint32_t MMFAR;  /* 0x34 */
  __IO uint32_t BFAR;   /* 0x38 */
  __IO uint32_t AFSR;   /* 0x3C */
  __I uint32_t PFR[2];  /* 0x40 */
  __I uint32_t DFR;     /* 0x48 */
  __I uint32_t ADR;     /* 0x4C */
  __I uint32_t MMFR[4]; /* 0x50 */
  __I uint32_t ISAR[5]; /* 0x60 */
  uint32_t RESERVED0[5];
  __IO uint32_t CPACR; /* 0x88: coprocessor access (FPU: CP10, CP11) */
} SCB_Type;

typedef struct {
  __IO uint32_t CTRL; /* 0x00 */
  __IO uint32_t LOAD; /* 0x04 */
  __IO uint32_t VAL;  /* 0x08 */
  __I uint32_t CALIB; /* 0x0C */
} SysTick_Type;

typedef struct {
  __IO uint32_t ISER[8]; /* 0x000: set enable */
  uint32_t RESERVED0[24];
  __IO uint32_t ICER[8]; /* 0x080: clear enable */
  uint32_t RESERVED1[24];
  __IO uint32_t ISPR[8]; /* 0x100: set pending */
  uint32_t RESERVED2[24];
  __IO uint32_t ICPR[8]; /* 0x180: clear pending */
  uint32_t RESERVED3[24];
  __IO uint32_t IABR[8]; /* 0x200: active */
  uint32_t RESERVED4[56];
  __IO uint8_t IP[240]; /* 0x300: priorities, one byte each */
  uint32_t RESERVED5[644];
  __O uint32_t STIR; /* 0xE00 */
} NVIC_Type;

#define SCS_BASE (0xE000E000UL)
#define SysTick_BASE (SCS_BASE + 0x0010UL)
#define NVIC_BASE (SCS_BASE + 0x0100UL)
#define SCB_BASE (SCS_BASE + 0x0D00UL)
#define SCB ((SCB_Type *)SCB_BASE)
#define SysTick ((SysTick_Type *)SysTick_BASE)
#define NVIC ((NVIC_Type *)NVIC_BASE)

#define SCB_SCR_SLEEPDEEP_Pos 2U
#define SCB_SCR_SLEEPDEEP_Msk (1UL << SCB_SCR_SLEEPDEEP_Pos)
#define SCB_SCR_SLEEPONEXIT_Pos 1U
#define SCB_SCR_SLEEPONEXIT_Msk (1UL << SCB_SCR_SLEEPONEXIT_Pos)
#define SCB_CPACR_CP10_Pos 20U
#define SCB_CPACR_CP10_Msk (3UL << SCB_CPACR_CP10_Pos)
#define SCB_CPACR_CP11_Pos 22U
#define SCB_CPACR_CP11_Msk (3UL << SCB_CPACR_CP11_Pos)
#define SCB_AIRCR_VECTKEY_Pos 16U
#define SCB_AIRCR_SYSRESETREQ_Msk (1UL << 2U)

#define SysTick_CTRL_ENABLE_Pos 0U
#define SysTick_CTRL_ENABLE_Msk (1UL << SysTick_CTRL_ENABLE_Pos)
#define SysTick_CTRL_TICKINT_Pos 1U
#define SysTick_CTRL_TICKINT_Msk (1UL << SysTick_CTRL_TICKINT_Pos)
#define SysTick_CTRL_CLKSOURCE_Pos 2U
#define SysTick_CTRL_CLKSOURCE_Msk (1UL << SysTick_CTRL_CLKSOURCE_Pos)
#define SysTick_CTRL_COUNTFLAG_Pos 16U
#define SysTick_CTRL_COUNTFLAG_Msk (1UL << SysTick_CTRL_COUNTFLAG_Pos)
#define SysTick_LOAD_RELOAD_Msk (0xFFFFFFUL)
#define SysTick_VAL_CURRENT_Msk (0xFFFFFFUL)

/* ---- NVIC functions (device interrupts only: IRQn >= 0) ---- */

__STATIC_INLINE void NVIC_EnableIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn >= 0) {
    __ASM volatile("" ::: "memory");
    NVIC->ISER[(uint32_t)irqn >> 5] = 1UL << ((uint32_t)irqn & 0x1FUL);
    __ASM volatile("" ::: "memory");
  }
}

__STATIC_INLINE void NVIC_DisableIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn >= 0) {
    NVIC->ICER[(uint32_t)irqn >> 5] = 1UL << ((uint32_t)irqn & 0x1FUL);
    __DSB();
    __ISB();
  }
}

__STATIC_INLINE uint32_t NVIC_GetEnableIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn < 0)
    return 0;
  return (NVIC->ISER[(uint32_t)irqn >> 5] >> ((uint32_t)irqn & 0x1FUL)) & 1UL;
}

__STATIC_INLINE uint32_t NVIC_GetPendingIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn < 0)
    return 0;
  return (NVIC->ISPR[(uint32_t)irqn >> 5] >> ((uint32_t)irqn & 0x1FUL)) & 1UL;
}

__STATIC_INLINE void NVIC_SetPendingIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn >= 0)
    NVIC->ISPR[(uint32_t)irqn >> 5] = 1UL << ((uint32_t)irqn & 0x1FUL);
}

__STATIC_INLINE void NVIC_ClearPendingIRQ(IRQn_Type irqn)
{
  if ((int32_t)irqn >= 0)
    NVIC->ICPR[(uint32_t)irqn >> 5] = 1UL << ((uint32_t)irqn & 0x1FUL);
}

/* Priorities live in the top __NVIC_PRIO_BITS of each byte. */
__STATIC_INLINE void NVIC_SetPriority(IRQn_Type irqn, uint32_t priority)
{
  uint8_t v = (uint8_t)((priority << (8U - __NVIC_PRIO_BITS)) & 0xFFUL);
  if ((int32_t)irqn >= 0)
    NVIC->IP[(uint32_t)irqn] = v;
  else
    SCB->SHP[((uint32_t)irqn & 0xFUL) - 4UL] = v;
}

__STATIC_INLINE void NVIC_SystemReset(void)
{
  __DSB();
  SCB->AIRCR = (0x5FAUL << SCB_AIRCR_VECTKEY_Pos) | SCB_AIRCR_SYSRESETREQ_Msk;
  __DSB();
  for (;;)
    __NOP();
}

#ifdef __cplusplus
}
#endif

#endif
