/*
 * Board support (shim subset): the LED names of the MAX78000 EvKit and
 * FTHR boards.  The synthesized firmware drives LEDs 0 and 1 as triggers
 * for the power monitor (SYS_START/SYS_COMPLETE, CNN_START/CNN_COMPLETE).
 */
#ifndef M78_SHIM_BOARD_H
#define M78_SHIM_BOARD_H

#ifdef __cplusplus
extern "C" {
#endif

#define LED1 0
#define LED2 1
#define LED_GREEN LED1
#define LED_RED LED2

#ifdef __cplusplus
}
#endif

#endif
