/*
 * The datapath, end to end through the bus: small layers programmed from
 * scratch (registers, kernels, bias, input in data SRAM), started with
 * quadrant 0's CTRL.cnn_en 0->1 after arming, and checked where the
 * hardware writes its output (../shared/spec/registers.md 6.2-6.5) and
 * against hand-worked arithmetic (../shared/spec/compute.md 1.5, 1.6,
 * 2.1, 2.2, 2.5, 3 and the worked example of 9).
 *
 * Shift convention: s = total shift; 8-bit output
 *   y = clamp((acc + 2^(6-s)) >> (7-s))   for s < 7,   clamp(acc << (s-7)) else.
 * s = 7 is the identity, which many tests use to read accumulators back.
 */
#include "engine_test.h"

/* ------------------------------------------------------------------ */
/* a 3x3 convolution, worked by hand (sobel_layer: engine_test.h)       */

Test(engine, conv3x3_hwc_by_hand)
{
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  /* slot 0 -> instance 2, lane 0, word 0x10 + pix */
  expect_bytes(2, 0x10, 0, 1, sobel_out, 9, "sobel");
  cr_expect_eq(tu_rd(sim, 0x50100000, 4) & CTRL_CNN_IRQ, CTRL_CNN_IRQ, "CTRL.cnn_irq of quadrant 0");
  const struct m78_layer_result *res = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(res);
  cr_expect_eq(res->executed, 1);
  cr_expect_eq(res->out_c, 1);
  cr_expect_eq(res->out_h, 3);
  cr_expect_eq(res->out_w, 3);
  cr_expect_eq(res->out_elem_bytes, 1);
  cr_assert_not_null(res->output);
  for (int i = 0; i < 9; i++)
    cr_expect_eq(((const int8_t *)res->output)[i], sobel_out[i], "logical output %d", i);
}

Test(engine, conv3x3_chw_input)
{
  /* CHW (LCTRL0 bit 6): pixel idx in word idx/4, byte idx%4 of instance 0 */
  sobel_layer(1);
  for (int i = 0; i < 9; i++)
    tu_sram_put8(sim, 0, (uint32_t)(i / 4), i % 4, sobel_in[i]);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(2, 0x10, 0, 1, sobel_out, 9, "sobel CHW");
}

/* ------------------------------------------------------------------ */
/* requantisation: rounding, clamping, activation, bias, shifts         */

Test(engine, round_half_up_mnist_corners)
{
  /* compute.md 9 (b): mnist layer 0 channel 0 kernel on an all -128 image,
   * pad 1, s = -1: y = (acc + 128) >> 8, no activation.
   * kernel  51  17   4       sums of the taps that see the image:
   *         41 -10 -22       (0,0) lower-right 2x2: -10-22-12-9 = -53
   *         44 -12  -9       (0,2) lower-left 2x2: 41-10+44-12 = 63
   * acc = -128 * sum:
   *  (0,0)  6784 -> 6912>>8 = 27 (26.5 rounds up)   (0,1) rows 1-2: 32 -> -4096 -> -16
   *  (0,2) -8064 -> -7936>>8 = -31 (not -32)        (1,0) cols 1-2: -32 -> 4096 -> 16
   *  (1,1) all 104 -> -13312 -> -13184>>8 = -52    (1,2) cols 0-1: 131 -> -16768 -> -65 (-65.5)
   *  (2,0) rows 0-1 cols 1-2: -11 -> 1408 -> 6 (5.5)
   *  (2,1) rows 0-1: 81 -> -10368 -> -40 (-40.5)   (2,2) rows 0-1 cols 0-1: 99 -> -12672 -> -49 (-49.5) */
  static const int8_t k[9] = {51, 17, 4, 41, -10, -22, 44, -12, -9};
  static const int img[9] = {-128, -128, -128, -128, -128, -128, -128, -128, -128};
  static const int want[9] = {27, -16, -31, 16, -52, -65, 6, -40, -49};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k);
  struct lregs r = {.rcnt = XCNT(3, 1),
                    .ccnt = XCNT(3, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(-1),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 3, img);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0, 0, 1, want, 9, "round half up");
}

Test(engine, clamp_to_127_and_minus_128)
{
  /* compute.md 9 (c): window and kernel of channel 1, row 10, col 18:
   * acc = 14514 + 1428 + 3429 + 1104 + 13696 - 3488 - 768 - 945 + 8190 = 37160
   * s = -1: (37160 + 128) >> 8 = 145 -> 127.
   * Slot 1: -128 where the window is positive, 127 where negative:
   *  -128*(123+102+127+109+126) + 127*(-69-107-128-45) = -75136 - 44323 = -119459
   *  (-119459 + 128) >> 8 = -467 -> -128. */
  static const int win[9] = {123, 102, 127, -69, -107, 109, -128, -45, 126};
  static const int8_t k0[9] = {118, 14, 27, -16, -128, -32, 6, 21, 65};
  static const int8_t k1[9] = {-128, -128, -128, 127, 127, -128, 127, 127, -128};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k0);
  tu_kernel3x3(sim, 0, 1, k1);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(3, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 8),
                    .lctrl1 = LCTRL1(0, 0, 8), /* 2 slots in one pass */
                    .post = POST_SHIFT(-1),
                    .wptr = DPTR(3, 7),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 3, win);
  tu_start_and_run(sim, 1, 0);
  /* slot s -> lane s of instance 3 word 7 */
  cr_expect_eq(tu_sram_s8(sim, 3, 7, 0), 127);
  cr_expect_eq(tu_sram_s8(sim, 3, 7, 1), -128);
}

/* Identity layer: 3x3 kernel with only the centre tap = 1, pad 1, so the
 * accumulator of each output pixel is the input pixel. */
static void identity_layer(uint32_t lctrl0_extra, uint32_t post)
{
  static const int8_t k[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k);
  struct lregs r = {.rcnt = XCNT(2, 1),
                    .ccnt = XCNT(3, 1),
                    .lctrl0 = LC0_CONV | lctrl0_extra,
                    .en = 0x00010001,
                    .post = post,
                    .wptr = DPTR(1, 0x20),
                    .moff = 0x2000};
  program(0, 0, &r);
}

static const int act_in[6] = {-128, -31, -1, 0, 27, 127};

Test(engine, no_activation)
{
  identity_layer(0, POST_SHIFT(7));
  put_hwc(0, 0, 2, 3, act_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x20, 0, 1, act_in, 6, "identity");
}

Test(engine, relu)
{
  static const int want[6] = {0, 0, 0, 0, 27, 127}; /* max(0, y) */
  identity_layer(LC0_RELU, POST_SHIFT(7));
  put_hwc(0, 0, 2, 3, act_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x20, 0, 1, want, 6, "ReLU");
}

Test(engine, abs_of_minus_128_is_127)
{
  static const int want[6] = {127, 31, 1, 0, 27, 127}; /* min(127, |y|) */
  identity_layer(0, POST_SHIFT(7) | POST_ABS);
  put_hwc(0, 0, 2, 3, act_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x20, 0, 1, want, 6, "Abs");
}

Test(engine, abs_has_priority_over_relu)
{
  static const int want[6] = {127, 31, 1, 0, 27, 127};
  identity_layer(LC0_RELU, POST_SHIFT(7) | POST_ABS);
  put_hwc(0, 0, 2, 3, act_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x20, 0, 1, want, 6, "Abs + ReLU");
}

Test(engine, left_shift)
{
  /* s = 9: y = clamp(acc << 2) */
  static const int in[6] = {20, -20, 31, 32, -32, -33};
  static const int want[6] = {80, -80, 124, 127 /* 128 */, -128, -128 /* -132 */};
  identity_layer(0, POST_SHIFT(9));
  put_hwc(0, 0, 2, 3, in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x20, 0, 1, want, 6, "s = 9");
}

Test(engine, shift_zero_rounds_acc_over_128)
{
  /* s = 0: y = (acc + 64) >> 7; with a centre weight of 127:
   * x = 1: 127 -> 191>>7 = 1;  x = -1: -127 -> -63>>7 = -1;
   * x = 64: 8128 -> 8192>>7 = 64 (63.5 rounds up); x = -64: -8128 -> -8064>>7 = -63 (-63.5 -> -63) */
  static const int8_t k[9] = {0, 0, 0, 0, 127, 0, 0, 0, 0};
  static const int in[4] = {1, -1, 64, -64};
  static const int want[4] = {1, -1, 64, -63};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k);
  struct lregs r = {.rcnt = XCNT(1, 1),
                    .ccnt = XCNT(4, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(0),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 1, 4, in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0, 0, 1, want, 4, "s = 0");
}

/* Four output slots on a 1x1 image (pad 1: only the centre tap sees data),
 * centre weight 1, input x = 100, s = -1: y = (100 + 128 b + 128) >> 8.
 *   b =    3:   484 ->   612>>8 =   2   (bias after the shift would give 3)
 *   b =   -3:  -284 ->  -156>>8 =  -1   (-3)
 *   b =    2:   356 ->   484>>8 =   1   (2)
 *   b = -128: -16284 -> -16156>>8 = -64 (-128)
 * Without bias every slot is (100 + 128) >> 8 = 0. */
static const int bias_vals[4] = {3, -3, 2, -128};
static const int bias_want[4] = {2, -1, 1, -64};

static void bias_layer(int bias_quad, int cnnsi)
{
  static const int8_t k[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  static const int x[1] = {100};
  unsigned qmask = 1u | (1u << bias_quad);
  tu_init(sim, qmask, 1, 0);
  for (int s = 0; s < 4; s++) {
    tu_kernel3x3(sim, 0, s, k);
    tu_bias(sim, bias_quad, 10 + s, bias_vals[s]); /* entries 10..13 */
  }
  for (int q = 0; q < 4; q++) {
    if (!((qmask >> q) & 1))
      continue;
    struct lregs r = {.rcnt = XCNT(1, 1),
                      .ccnt = XCNT(1, 1),
                      .lctrl0 = LC0_CONV | (q == 0 && cnnsi && bias_quad ? LC0_CNNSI(bias_quad) : 0),
                      .en = q == 0 ? 0x00010001 : 0,
                      .mcnt = MCNT(0, 24),
                      .lctrl1 = LCTRL1(0, 0, 24), /* 4 slots */
                      .post = POST_SHIFT(-1) | (q == bias_quad ? POST_BIAS(10) : 0),
                      .wptr = DPTR(2, 0x30),
                      .moff = 0x2000};
    program(q, 0, &r);
  }
  put_hwc(0, 0, 1, 1, x);
  tu_start_and_run(sim, qmask, 0);
}

Test(engine, bias_times_128_before_the_shift)
{
  bias_layer(0, 0);
  for (int s = 0; s < 4; s++)
    cr_expect_eq(tu_sram_s8(sim, 2, 0x30, s), bias_want[s], "slot %d", s);
}

Test(engine, bias_from_a_quadrant_without_processors)
{
  /* registers.md 5: quadrant 2 holds the bias, cnnsi bit 14 adds its sum */
  bias_layer(2, 1);
  for (int s = 0; s < 4; s++)
    cr_expect_eq(tu_sram_s8(sim, 2, 0x30, s), bias_want[s], "slot %d", s);
}

Test(engine, bias_of_an_unsummed_quadrant_is_discarded)
{
  bias_layer(2, 0);
  for (int s = 0; s < 4; s++)
    cr_expect_eq(tu_sram_s8(sim, 2, 0x30, s), 0, "slot %d", s);
}

Test(engine, partial_sums_of_two_quadrants)
{
  /* processor 0 (x = 10, centre weight 3) and processor 16 (x = 20, weight -1);
   * s = 7.  cnnsi bit 13 in quadrant 0: 30 - 20 = 10; without it: 30. */
  static const int8_t k0[9] = {0, 0, 0, 0, 3, 0, 0, 0, 0}, k16[9] = {0, 0, 0, 0, -1, 0, 0, 0, 0};
  static const int x0[1] = {10}, x16[1] = {20};
  for (int run = 0; run < 2; run++) {
    m78_sim_reset(sim);
    tu_init(sim, 0x3, 1, 0);
    tu_kernel3x3(sim, 0, 0, k0);
    tu_kernel3x3(sim, 16, 0, k16);
    for (int q = 0; q < 2; q++) {
      struct lregs r = {.rcnt = XCNT(1, 1),
                        .ccnt = XCNT(1, 1),
                        .lctrl0 = LC0_CONV | (q == 0 && run == 0 ? LC0_CNNSI(1) : 0),
                        .en = 0x00010001,
                        .post = POST_SHIFT(7),
                        .wptr = DPTR(3, 0),
                        .moff = 0x2000};
      program(q, 0, &r);
    }
    put_hwc(0, 0, 1, 1, x0);
    put_hwc(16, 0, 1, 1, x16);
    tu_start_and_run(sim, 0x3, 0);
    cr_expect_eq(tu_sram_s8(sim, 3, 0, 0), run == 0 ? 10 : 30, "run %d", run);
  }
}

/* ------------------------------------------------------------------ */
/* 32-bit output                                                        */

Test(engine, output_32_bit_is_the_raw_accumulator)
{
  /* 3x4 input of 127, pad 0 -> 1x2 output, 2 slots; POST says s = -5 and
   * bigdwrt ignores it (compute.md 1.6):
   *  slot 0: 9*127*127 + 128*(-128) = 145161 - 16384 = 128777 = 0x0001F709
   *  slot 1: 9*127*(-128) + 128*5 = -146304 + 640 = -145664 = 0xFFFDC700
   * word = WPTR + 4*pix*(wptr_inc+1) + lane (registers.md 6.4) */
  static const int8_t k0[9] = {127, 127, 127, 127, 127, 127, 127, 127, 127};
  static const int8_t k1[9] = {-128, -128, -128, -128, -128, -128, -128, -128, -128};
  int img[12];
  for (int i = 0; i < 12; i++)
    img[i] = 127;
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k0);
  tu_kernel3x3(sim, 0, 1, k1);
  tu_bias(sim, 0, 0, -128);
  tu_bias(sim, 0, 1, 5);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(4, 0),
                    .lctrl0 = LC0_CONV | LC0_BIGDWRT,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 8),
                    .lctrl1 = LCTRL1(0, 0, 8),
                    .post = POST_SHIFT(-5) | POST_BIAS(0),
                    .wptr = DPTR(1, 0x100),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 4, img);
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(tu_rd(sim, tu_sram_addr(1, 0x100), 4), 0x0001F709u, "pixel 0 slot 0");
  cr_expect_eq(tu_rd(sim, tu_sram_addr(1, 0x101), 4), 0xFFFDC700u, "pixel 0 slot 1");
  cr_expect_eq(tu_rd(sim, tu_sram_addr(1, 0x102), 4), 0u, "lanes 2-3 hold no slot");
  cr_expect_eq(tu_rd(sim, tu_sram_addr(1, 0x104), 4), 0x0001F709u, "pixel 1 slot 0");
  cr_expect_eq(tu_rd(sim, tu_sram_addr(1, 0x105), 4), 0xFFFDC700u, "pixel 1 slot 1");
  const struct m78_layer_result *res = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(res);
  cr_expect_eq(res->out_elem_bytes, 4);
  cr_assert_not_null(res->output);
  const int32_t *o = res->output; /* [slot][row][col] */
  cr_expect_eq(o[0], 128777);
  cr_expect_eq(o[1], 128777);
  cr_expect_eq(o[2], -145664);
  cr_expect_eq(o[3], -145664);
}

/* ------------------------------------------------------------------ */
/* sub-byte weights                                                     */

Test(engine, weights_4_bit)
{
  /* 2 slots share column 0: slot 0 in bits 3:0, slot 1 in bits 7:4 of each
   * byte (registers.md 4.2), sign-extended from 4 bits:
   *  b0 = 0x1F: slot 0 -1, slot 1 +1      input x[0][0] = 10
   *  b4 = 0x78: slot 0 -8, slot 1 +7            x[1][1] = 5
   *  b8 = 0x87: slot 0 +7, slot 1 -8            x[2][2] = -3, others 100 (weight 0)
   * s = 7: slot 0 = -10 - 40 - 21 = -71; slot 1 = 10 + 35 + 24 = 69 */
  static const uint8_t col0[9] = {0x1F, 0, 0, 0, 0x78, 0, 0, 0, 0x87};
  static const int img[9] = {10, 100, 100, 100, 5, 100, 100, 100, -3};
  tu_init(sim, 1, 1, 0);
  tu_kernel_bytes(sim, 0, 0, col0);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(3, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 4),        /* (4 - 0)/4 + 1 = 2 uses */
                    .lctrl1 = LCTRL1(0, 0, 4), /* xpch_max 1*q -> 2 slots per pass */
                    .post = POST_Q4 | POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 3, img);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(tu_sram_s8(sim, 1, 0, 0), -71);
  cr_expect_eq(tu_sram_s8(sim, 1, 0, 1), 69);
}

Test(engine, weights_2_bit)
{
  /* 4 slots per byte, 2 bits each, slot 0 in bits 1:0; range -2..1.
   * b4 = 0b01_10_11_00 = 0x6C: slot 0 0, slot 1 -1, slot 2 -2, slot 3 +1.
   * centre x = 9, s = 7: 0, -9, -18, 9 */
  static const uint8_t col0[9] = {0, 0, 0, 0, 0x6C, 0, 0, 0, 0};
  static const int img[9] = {50, 50, 50, 50, 9, 50, 50, 50, 50};
  tu_init(sim, 1, 1, 0);
  tu_kernel_bytes(sim, 0, 0, col0);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(3, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 6),
                    .lctrl1 = LCTRL1(0, 0, 6), /* 4 uses, 6/2 + 1 = 4 per pass */
                    .post = POST_Q2 | POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 3, img);
  tu_start_and_run(sim, 1, 0);
  static const int want[4] = {0, -9, -18, 9};
  for (int s = 0; s < 4; s++)
    cr_expect_eq(tu_sram_s8(sim, 1, 0, s), want[s], "slot %d", s);
}

Test(engine, weights_1_bit)
{
  /* 8 slots per byte, slot k in bit k; a set bit is -1, clear 0.
   *  b0 = 0x0F: slots 0-3 weight -1 on x[0][0] = 3
   *  b4 = 0xA5: slots 0, 2, 5, 7 weight -1 on x[1][1] = 50
   * s = 7: slot 0 -53, 1 -3, 2 -53, 3 -3, 4 0, 5 -50, 6 0, 7 -50
   * slots 0-3 -> instance 4 lanes 0-3; slots 4-7 -> instance 5 (MOFF) */
  static const uint8_t col0[9] = {0x0F, 0, 0, 0, 0xA5, 0, 0, 0, 0};
  static const int img[9] = {3, 77, 77, 77, 50, 77, 77, 77, 77};
  tu_init(sim, 1, 1, 0);
  tu_kernel_bytes(sim, 0, 0, col0);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(3, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 7),
                    .lctrl1 = LCTRL1(0, 0, 7), /* 8 uses, 7/1 + 1 = 8 per pass */
                    .post = POST_Q1 | POST_SHIFT(7),
                    .wptr = DPTR(4, 0x20),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 3, 3, img);
  tu_start_and_run(sim, 1, 0);
  static const int want[8] = {-53, -3, -53, -3, 0, -50, 0, -50};
  for (int s = 0; s < 8; s++)
    cr_expect_eq(tu_sram_s8(sim, 4 + s / 4, 0x20, s % 4), want[s], "slot %d", s);
}

/* ------------------------------------------------------------------ */
/* 1x1 kernels: nine per column                                         */

Test(engine, conv1x1_nine_kernels_per_column)
{
  /* ONED 0x100 (width 1): kernel use k is slot SAD/8 + k = byte b[8 - k%9]
   * of column SAD/72 + k/9 -- the first kernel in bits 7:0 (b8).
   * SAD = 8 * 18 = 144 -> kernels start in column 2; 10 slots: MAX = 144 + 9*8.
   * column 2: b8 = w0 = 1, b7 = 2, ..., b0 = w8 = 9; column 3: b8 = w9 = -5.
   * x = 3, s = 7: y_s = 3 w_s. Slot s -> instance 8 + s/4, lane s%4. */
  static const uint8_t col2[9] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
  static const uint8_t col3[9] = {99, 99, 99, 99, 99, 99, 99, 99, (uint8_t)-5};
  static const uint8_t junk[9] = {55, 55, 55, 55, 55, 55, 55, 55, 55};
  static const int x[1] = {3};
  tu_init(sim, 1, 1, 0);
  tu_kernel_bytes(sim, 0, 1, junk);
  tu_kernel_bytes(sim, 0, 2, col2);
  tu_kernel_bytes(sim, 0, 3, col3);
  tu_kernel_bytes(sim, 0, 4, junk);
  struct lregs r = {.oned = 0x100,
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(144, 216),
                    .lctrl1 = LCTRL1(0, 0, 72), /* 10 slots */
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(8, 0x100),
                    .moff = 0x2000,
                    .toff = 1};
  program(0, 0, &r);
  put_hwc(0, 0, 1, 1, x);
  tu_start_and_run(sim, 1, 0);
  static const int want[10] = {3, 6, 9, 12, 15, 18, 21, 24, 27, -15};
  for (int s = 0; s < 10; s++)
    cr_expect_eq(tu_sram_s8(sim, 8 + s / 4, 0x100, s % 4), want[s], "slot %d", s);
}

/* ------------------------------------------------------------------ */
/* two input passes (and two output passes)                             */

Test(engine, two_pass_layer)
{
  /* 2 input channels on processor 0: pass e of pixel pix at word 2*pix + e.
   *  ch0 x0[r][c] = 4r + c + 1, ch1 = -x0, 3x4 image, pad 0 -> 1x2 output.
   * 2 outputs, 1 slot per pass -> 2 output passes; kernel use k = 2o + e = column k:
   *  col 0 (o0,e0) all 1:        pix0 1+2+3+5+6+7+9+10+11 = 54;  pix1 (cols 1-3) 63
   *  col 1 (o0,e1) centre 3:     3*x1[1][1] = -18;               3*x1[1][2] = -21
   *  col 2 (o1,e0) top-left 2:   2*x0[0][0] = 2;                 2*x0[0][1] = 4
   *  col 3 (o1,e1) bottom-right -1: -x1[2][2] = 11;             -x1[2][3] = 12
   * bias (once, not per pass): o0 -1 -> -128, o1 2 -> 256; s = 3: y = (acc + 8) >> 4
   *  o0: pix0 54 - 18 - 128 = -92 -> -84>>4 = -6;  pix1 63 - 21 - 128 = -86 -> -78>>4 = -5
   *  o1: pix0 2 + 11 + 256 = 269 -> 277>>4 = 17;   pix1 4 + 12 + 256 = 272 -> 280>>4 = 17
   * Output word = WPTR + pix*(wptr_inc+1) + e*CHOFF with wptr_inc 1, CHOFF 1. */
  static const int8_t ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  static const int8_t centre3[9] = {0, 0, 0, 0, 3, 0, 0, 0, 0};
  static const int8_t tl2[9] = {2, 0, 0, 0, 0, 0, 0, 0, 0};
  static const int8_t brm1[9] = {0, 0, 0, 0, 0, 0, 0, 0, -1};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, ones);
  tu_kernel3x3(sim, 0, 1, centre3);
  tu_kernel3x3(sim, 0, 2, tl2);
  tu_kernel3x3(sim, 0, 3, brm1);
  tu_bias(sim, 0, 0, -1);
  tu_bias(sim, 0, 1, 2);
  for (int pix = 0; pix < 12; pix++) {
    tu_sram_put8(sim, 0, (uint32_t)(2 * pix + 0), 0, pix + 1);
    tu_sram_put8(sim, 0, (uint32_t)(2 * pix + 1), 0, -(pix + 1));
  }
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(4, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .lctrl1 = LCTRL1(1, 1, 0), /* NE 2, wptr_inc 1, 1 slot per pass */
                    .mcnt = MCNT(0, 24),       /* 4 uses = 2 slots x 2 passes */
                    .post = POST_SHIFT(3) | POST_BIAS(0),
                    .wptr = DPTR(2, 0),
                    .moff = 0x2000,
                    .choff = 1};
  program(0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  static const int want[4] = {-6, 17, -5, 17}; /* words 0..3: (pix0,o0) (pix0,o1) (pix1,o0) (pix1,o1) */
  expect_bytes(2, 0, 0, 1, want, 4, "two passes");
}
