/*
 * Clock-divider test firmware: loads a 4-channel 64x64 pattern, max-pools
 * it on the CNN at the clock of cnn.h, checks the result against the same
 * pooling done by the CPU, and prints the timer's inference time.
 */
#include <stdio.h>
#include <stdint.h>
#include "mxc.h"
#include "cnn.h"

#define SRAM0 ((volatile uint32_t *)(uintptr_t)0x50400000u)

static uint8_t pixel(int c, int r, int k) { return (uint8_t)((r * 37 + k * 11 + c * 71 + (r ^ k) * 5) & 0xff); }

int main(void)
{
  MXC_ICC_Enable(MXC_ICC0);
  MXC_SYS_Clock_Select(MXC_SYS_CLOCK_IPO);
  SystemCoreClockUpdate();
  cnn_enable(TEST_CNN_CLKSEL, TEST_CNN_CLKDIV);
  cnn_init();
  cnn_configure();
  for (int r = 0; r < TEST_H; r++)
    for (int k = 0; k < TEST_W; k++) {
      uint32_t w = 0;
      for (int c = 0; c < 4; c++)
        w |= (uint32_t)pixel(c, r, k) << (8 * c);
      SRAM0[r * TEST_W + k] = w;
    }
  cnn_start();
  while (cnn_time == 0)
    MXC_LP_EnterSleepMode();

  int bad = 0;
  for (int r = 0; r < TEST_H / 2 && !bad; r++)
    for (int k = 0; k < TEST_W / 2 && !bad; k++) {
      uint32_t got = SRAM0[TEST_OUT_WORD + r * (TEST_W / 2) + k];
      for (int c = 0; c < 4; c++) {
        int m = -128;
        for (int dr = 0; dr < 2; dr++)
          for (int dk = 0; dk < 2; dk++) {
            int v = (int8_t)pixel(c, 2 * r + dr, 2 * k + dk);
            m = v > m ? v : m;
          }
        if ((uint8_t)(got >> (8 * c)) != (uint8_t)m) {
          printf("mismatch at row %d column %d channel %d: 0x%02x, expected 0x%02x\n", r, k, c,
                 (unsigned)(uint8_t)(got >> (8 * c)), (unsigned)(uint8_t)m);
          bad = 1;
        }
      }
    }
  printf("\n*** %s ***\n\n", bad ? "FAIL" : "PASS");
  printf("Approximate inference time: %u us\n", (unsigned)cnn_time);
  cnn_disable();
  return 0;
}
