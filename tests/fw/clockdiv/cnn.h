/*
 * Clock-divider test firmware (self-written for max78sim's tests, not
 * synthesized): one max-pooling passthrough layer, timed by the CNN
 * interrupt.  The CNN clock comes from TEST_CNN_CLKSEL / TEST_CNN_CLKDIV,
 * which the test script edits in a copy of this folder.
 */
#ifndef TEST_CNN_H
#define TEST_CNN_H

#include <stdint.h>
#include "mxc.h"

#define TEST_CNN_CLKSEL MXC_S_GCR_PCLKDIV_CNNCLKSEL_PCLK
#define TEST_CNN_CLKDIV MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV1

/* 4 channels (processors 0-3, HWC) of 64x64, max pool 2x2 stride 2 */
#define TEST_H 64
#define TEST_W 64
#define TEST_OUT_WORD 0x1000 /* output words in data instance 0 */

extern volatile uint32_t cnn_time;

void cnn_enable(uint32_t clock_source, uint32_t clock_divider);
void cnn_init(void);
void cnn_configure(void);
void cnn_start(void);
void cnn_disable(void);

#endif
