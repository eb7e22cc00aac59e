/*
 * The fixture of the datapath tests (test_sim_engine.c,
 * test_sim_engine_pool.c): one simulator per test in the suite "engine",
 * a layer programmed through tu_program, HWC images put into data SRAM
 * and output bytes checked where the hardware writes them.
 */
#ifndef M78_ENGINE_TEST_H
#define M78_ENGINE_TEST_H

#include "sim_test_util.h"

static m78_sim *sim;
static inline void setup(void)
{
  sim = m78_sim_new();
  cr_assert_not_null(sim);
}
static inline void teardown(void)
{
  m78_sim_free(sim);
}

TestSuite(engine, .init = setup, .fini = teardown);

static inline void program(int q, int layer, const struct lregs *r)
{
  tu_program(sim, q, layer, r);
}

/* HWC image of one channel on processor p (instance p/4, lane p%4), word
 * rptr + r*w + c. */
static inline void put_hwc(int p, uint32_t rptr, int h, int w, const int *img)
{
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      tu_sram_put8(sim, p / 4, rptr + (uint32_t)(r * w + c), p % 4, img[r * w + c]);
}

static inline void expect_bytes(int inst, uint32_t word0, int lane, int stride, const int *want, int n,
                                const char *what)
{
  for (int i = 0; i < n; i++) {
    int got = tu_sram_s8(sim, inst, word0 + (uint32_t)(i * stride), lane);
    cr_expect_eq(got, want[i], "%s [%d]: instance %d word 0x%x lane %d = %d, want %d", what, i, inst,
                 (unsigned)(word0 + (uint32_t)(i * stride)), lane, got, want[i]);
  }
}

/* ------------------------------------------------------------------ */
/* a 3x3 convolution, worked by hand                                    */

/* input 3x3            kernel (Sobel-x)       padded by 1, s = 7 (identity)
 *  1 2 3                1 0 -1
 *  4 5 6                2 0 -2
 *  7 8 9                1 0 -1
 * acc(r,c) = sum_ij k[i][j] x[r+i-1][c+j-1], e.g.
 *  (0,0): window [0 0 0; 0 1 2; 0 4 5]  -> -2*2 - 5          = -9
 *  (0,1): window [0 0 0; 1 2 3; 4 5 6]  -> 2 - 6 + 4 - 6     = -6
 *  (0,2): window [0 0 0; 2 3 0; 5 6 0]  -> 4 + 5             =  9
 *  (1,0): window [0 1 2; 0 4 5; 0 7 8]  -> -2 - 10 - 8       = -20
 *  (1,1): 1 - 3 + 8 - 12 + 7 - 9                             = -8
 *  (1,2): window [2 3 0; 5 6 0; 8 9 0]  -> 2 + 10 + 8        = 20
 *  (2,0): window [0 4 5; 0 7 8; 0 0 0]  -> -5 - 16           = -21
 *  (2,1): window [4 5 6; 7 8 9; 0 0 0]  -> 4 - 6 + 14 - 18   = -6
 *  (2,2): window [5 6 0; 8 9 0; 0 0 0]  -> 5 + 16            = 21 */
static const int sobel_in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const int8_t sobel_k[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
static const int sobel_out[9] = {-9, -6, 9, -20, -8, 20, -21, -6, 21};

static inline void sobel_layer(int chw)
{
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, sobel_k);
  struct lregs r = {
      .rcnt = XCNT(3, 1),
      .ccnt = XCNT(3, 1), /* 0x1_0004 */
      .lctrl0 = LC0_CONV | (chw ? LC0_CHW : 0),
      .en = 0x00010001,   /* processor 0, mask 0 */
      .mcnt = MCNT(0, 0), /* one kernel: column 0 */
      .post = POST_SHIFT(7),
      .wptr = DPTR(2, 0x10),
      .moff = 0x2000, /* instance 2, word 0x10 */
  };
  program(0, 0, &r);
}

#endif
