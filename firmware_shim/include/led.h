/*
 * Board LEDs.  In the simulation an LED change is recorded with its
 * simulated time; the run report turns LED on/off pairs into the
 * power-monitor stages.
 */
#ifndef M78_SHIM_LED_H
#define M78_SHIM_LED_H

#include "board.h"

#ifdef __cplusplus
extern "C" {
#endif

void LED_On(unsigned int idx);
void LED_Off(unsigned int idx);
void LED_Toggle(unsigned int idx);

#ifdef __cplusplus
}
#endif

#endif
