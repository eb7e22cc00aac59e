/* Self-made test program for max78sim register traces: see main.c. */
#ifndef POOL_TEST_CNN_H
#define POOL_TEST_CNN_H
#include <stdint.h>

/* The geometry this program configures. */
#define IN_ROWS 8
#define IN_COLS 8
#define POOL 2
#ifndef STRIDE /* pool-max-s1 builds this program with stride 1 */
#define STRIDE 2
#endif
#define OUT_ROWS ((IN_ROWS - POOL) / STRIDE + 1)
#define OUT_COLS ((IN_COLS - POOL) / STRIDE + 1)
#define IN_ADDR 0x50400000u  /* instance 0, word 0: processors 0-3 read here */
#define OUT_ADDR 0x50402000u /* instance 0, word 0x800 */

extern volatile int cnn_done;

void cnn_enable(void);
void cnn_configure(void);
void cnn_start(void);
void cnn_disable(void);
void CNN_ISR(void);
#endif
