/*
 * Self-made test program for max78sim register traces: loads a 4-channel
 * 8x8 image (a fixed pseudo-random pattern), runs the pooling layer that
 * cnn.c configures, reads the output back and compares it with the max
 * pooling computed here, then prints *** PASS *** or *** FAIL ***.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mxc.h"
#include "cnn.h"

static uint32_t image[IN_ROWS * IN_COLS]; /* pixel: channel k in byte lane k */

static int8_t pixel(int r, int c, int ch) { return (int8_t)(image[r * IN_COLS + c] >> (8 * ch)); }

int main(void)
{
  uint32_t x = 12345;
  for (int i = 0; i < IN_ROWS * IN_COLS; i++) {
    x = x * 1103515245u + 12345u;
    image[i] = x;
  }
  cnn_enable();
  cnn_configure();
  memcpy((void *)(uintptr_t)IN_ADDR, image, sizeof image);
  cnn_start();
  while (!cnn_done)
    MXC_LP_EnterSleepMode();

  int errors = 0;
  volatile uint32_t *out = (volatile uint32_t *)(uintptr_t)OUT_ADDR;
  for (int r = 0; r < OUT_ROWS; r++)
    for (int c = 0; c < OUT_COLS; c++) {
      uint32_t word = out[r * OUT_COLS + c];
      for (int ch = 0; ch < 4; ch++) {
        int best = -128;
        for (int i = 0; i < POOL; i++)
          for (int j = 0; j < POOL; j++)
            if (pixel(r * STRIDE + i, c * STRIDE + j, ch) > best)
              best = pixel(r * STRIDE + i, c * STRIDE + j, ch);
        if ((int8_t)(word >> (8 * ch)) != best) {
          if (errors++ < 5)
            printf("output (%d, %d) channel %d: %d, expected %d\n", r, c, ch, (int8_t)(word >> (8 * ch)), best);
        }
      }
    }
  cnn_disable();
  printf("\n*** %s ***\n", errors ? "FAIL" : "PASS");
  return 0;
}
