/*
 * The Cortex-M4 core functions (CMSIS names) the firmware may call.  On
 * the host they are ordinary functions of the shim: __WFI sleeps in
 * simulated time until the CNN interrupt; the interrupt mask and the NVIC
 * enables are not modelled (the CNN interrupt is always delivered) and
 * only counted.
 */
#ifndef M78_SHIM_CORE_CM4_H
#define M78_SHIM_CORE_CM4_H

#include "max78000.h" /* IRQn_Type; it includes this file back */
#include "mxc_io.h"

#ifdef __cplusplus
extern "C" {
#endif

void __WFI(void);
void __enable_irq(void);
void __disable_irq(void);
void NVIC_EnableIRQ(IRQn_Type irqn);
void NVIC_DisableIRQ(IRQn_Type irqn);

#ifdef __cplusplus
}
#endif

#endif
