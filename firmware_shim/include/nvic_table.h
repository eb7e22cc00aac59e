/*
 * Interrupt vector installation.  Only the CNN interrupt is delivered in
 * the simulation; vectors for other interrupts are accepted and counted.
 */
#ifndef M78_SHIM_NVIC_TABLE_H
#define M78_SHIM_NVIC_TABLE_H

#include "mxc_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Installs `irq_callback` for `irqn` and enables the interrupt. */
void MXC_NVIC_SetVector(IRQn_Type irqn, void (*irq_callback)(void));

#ifdef __cplusplus
}
#endif

#endif
