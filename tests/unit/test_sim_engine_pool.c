/*
 * The datapath, end to end through the bus (see test_sim_engine.c for
 * the method and the shift convention): pooling, element-wise layers,
 * layers chained through data memory, re-runs with new kernels and
 * threads, passthrough placement and the Conv1d tap order.
 */
#include "engine_test.h"

/* ------------------------------------------------------------------ */
/* pooling (passthrough layers)                                         */

static void pool_layer(int procs, int h, int w, int pool, int stride, int maxpool)
{
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(h, 0),
                    .ccnt = XCNT(w, 0),
                    .oned = 0x100,
                    .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL | (maxpool ? LC0_MAXPL : 0),
                    .prcnt = (uint32_t)(pool - 1),
                    .pccnt = (uint32_t)(pool - 1),
                    .stride = (uint32_t)(stride - 1),
                    .en = (1u << procs) - 1, /* processors only, no mask: passthrough */
                    .post = POST_TS_EN | POST_ONEXONE,
                    .wptr = DPTR(1, 0x40),
                    .toff = 0x800};
  program(0, 0, &r);
}

Test(engine, max_pool_2x2_stride_2)
{
  /*  1   -5 |  7   0        max of each 2x2 block:
   *  3    2 | -8  -9          3   7
   * --------+-------         -1  11
   * -1   -2 | 10   4
   * -3 -128 |  4  11
   * k-th processor -> lane k, word WPTR + pix (registers.md 6.5) */
  static const int img[16] = {1, -5, 7, 0, 3, 2, -8, -9, -1, -2, 10, 4, -3, -128, 4, 11};
  static const int want[4] = {3, 7, -1, 11};
  pool_layer(1, 4, 4, 2, 2, 1);
  put_hwc(0, 0, 4, 4, img);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0x40, 0, 1, want, 4, "max pool");
}

/* Four channels on processors 0-3 (lanes 0-3), 2x2 each, pooled to 1x1:
 *  ch0 [33 -49; -128 38] sum -106: -26.5 -> trunc -26, half away -27 (compute.md 9)
 *  ch1 [1 2; 3 5]        sum 11:     2.75 -> 2, 3
 *  ch2 [-1 -1; 0 0]      sum -2:    -0.5  -> 0, -1
 *  ch3 [-2 -3; -2 -3]    sum -10:   -2.5  -> -2, -3 */
static const int avg_in[4][4] = {{33, -49, -128, 38}, {1, 2, 3, 5}, {-1, -1, 0, 0}, {-2, -3, -2, -3}};

static void avg_pool_run(uint32_t ctrl)
{
  pool_layer(4, 2, 2, 2, 2, 0);
  for (int ch = 0; ch < 4; ch++)
    put_hwc(ch, 0, 2, 2, avg_in[ch]);
  tu_start_and_run(sim, 1, ctrl);
}

Test(engine, avg_pool_truncates_toward_zero)
{
  static const int want[4] = {-26, 2, 0, -2};
  avg_pool_run(0);
  for (int ch = 0; ch < 4; ch++)
    cr_expect_eq(tu_sram_s8(sim, 1, 0x40, ch), want[ch], "channel %d", ch);
}

Test(engine, avg_pool_rounds_half_away_with_poolrnd)
{
  static const int want[4] = {-27, 3, -1, -3};
  avg_pool_run(CTRL_POOLRND);
  for (int ch = 0; ch < 4; ch++)
    cr_expect_eq(tu_sram_s8(sim, 1, 0x40, ch), want[ch], "channel %d", ch);
}

Test(engine, avg_pool_in_a_convolution)
{
  /* mnist layer 3 style: average pool 2x2/2, then a 3x3 identity conv, s = 7.
   * 2x2 input [33 -49; -128 38] -> -26, pad 1 -> 1x1 output -26. */
  static const int8_t k[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k);
  struct lregs r = {.rcnt = XCNT(2, 1),
                    .ccnt = XCNT(2, 1),
                    .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL,
                    .prcnt = 1,
                    .pccnt = 1,
                    .stride = 1,
                    .en = 0x00010001,
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 2, 2, avg_in[0]);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(tu_sram_s8(sim, 1, 0, 0), -26);
}

/* ------------------------------------------------------------------ */
/* element-wise                                                         */

static void eltwise_layer(int ops, int func)
{
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(1, 0),
                    .ccnt = XCNT(3, 0),
                    .oned = (1u << 13) | ((uint32_t)func << 14) | ((uint32_t)(ops - 1) << 18),
                    .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                    .en = 0x1,
                    .post = POST_TS_EN,
                    .wptr = DPTR(3, 0),
                    .toff = 0x800};
  program(0, 0, &r);
}

/* operand k of pixel pix at word pix*OPS + k (registers.md 6.2, NE = 1) */
static void put_operands(int ops, const int *v, int npix)
{
  for (int i = 0; i < ops * npix; i++)
    tu_sram_put8(sim, 0, (uint32_t)i, 0, v[i]);
}

Test(engine, eltwise_add_clamps)
{
  /* 100 + 100 = 200 -> 127; -100 + -100 = -200 -> -128; 5 + -3 = 2 */
  static const int v[6] = {100, 100, -100, -100, 5, -3};
  static const int want[3] = {127, -128, 2};
  eltwise_layer(2, M78_ELT_ADD);
  put_operands(2, v, 3);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(3, 0, 0, 1, want, 3, "add");
}

Test(engine, eltwise_sub_clamps)
{
  /* 100 - -100 = 200 -> 127; -100 - 100 -> -128; 5 - -3 = 8 */
  static const int v[6] = {100, -100, -100, 100, 5, -3};
  static const int want[3] = {127, -128, 8};
  eltwise_layer(2, M78_ELT_SUB);
  put_operands(2, v, 3);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(3, 0, 0, 1, want, 3, "sub");
}

Test(engine, eltwise_three_operands_clamp_once)
{
  /* exact sum, one clamp at the end (compute.md 2.1):
   * 100 + 100 - 100 = 100 (not 27); -128 - 128 + 127 = -129 -> -128; 1 + 2 + 3 = 6 */
  static const int v[9] = {100, 100, -100, -128, -128, 127, 1, 2, 3};
  static const int want[3] = {100, -128, 6};
  eltwise_layer(3, M78_ELT_ADD);
  put_operands(3, v, 3);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(3, 0, 0, 1, want, 3, "add3");
}

Test(engine, eltwise_xor_and_or)
{
  /* on the bytes: 0x0F ^ 0x3C = 0x33 = 51; 0x80 ^ 0x01 = 0x81 = -127; -1 ^ 5 = 0xFA = -6 */
  static const int v[6] = {0x0F, 0x3C, -128, 1, -1, 5};
  static const int want_xor[3] = {0x33, -127, -6};
  eltwise_layer(2, M78_ELT_XOR);
  put_operands(2, v, 3);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(3, 0, 0, 1, want_xor, 3, "xor");
  /* 0x0F | 0x3C = 0x3F = 63; 0x80 | 0x01 = -127; -1 | 5 = -1 */
  static const int want_or[3] = {63, -127, -1};
  m78_sim_reset(sim);
  eltwise_layer(2, M78_ELT_OR);
  put_operands(2, v, 3);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(3, 0, 0, 1, want_or, 3, "or");
}

/* ------------------------------------------------------------------ */
/* layers chained through data memory; interrupt and re-run             */

Test(engine, two_layers_chain_through_sram)
{
  /* layer 0: the Sobel layer writing to instance 1 word 0 (processor 4's lane 0);
   * layer 1: passthrough max pool 3x3 on processor 4 -> max(sobel_out) = 21,
   * written by quadrant 0's first processor to lane 0 of instance 0 word 0x100. */
  tu_init(sim, 1, 2, 0);
  tu_kernel3x3(sim, 0, 0, sobel_k);
  struct lregs l0 = {.rcnt = XCNT(3, 1),
                     .ccnt = XCNT(3, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00010001,
                     .post = POST_SHIFT(7),
                     .wptr = DPTR(1, 0),
                     .moff = 0x2000};
  struct lregs l1 = {.rcnt = XCNT(3, 0),
                     .ccnt = XCNT(3, 0),
                     .oned = 0x100,
                     .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL | LC0_MAXPL,
                     .prcnt = 2,
                     .pccnt = 2,
                     .en = 1u << 4,
                     .post = POST_TS_EN | POST_ONEXONE,
                     .wptr = DPTR(0, 0x100),
                     .toff = 0x800};
  program(0, 0, &l0);
  program(0, 1, &l1);
  put_hwc(0, 0, 3, 3, sobel_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(1, 0, 0, 1, sobel_out, 9, "layer 0");
  cr_expect_eq(tu_sram_s8(sim, 0, 0x100, 0), 21);
  cr_expect_eq(m78_sim_layer_count(sim), 2);
}

Test(engine, acknowledge_and_run_again)
{
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(m78_sim_runs(sim), 1u);
  /* the ISR clears cnn_irq and cnn_en (registers.md 2.5 step 8) */
  uint32_t ctrl = tu_rd(sim, 0x50100000, 4);
  tu_wr32(sim, 0x50100000, ctrl & ~(CTRL_CNN_IRQ | CTRL_CNN_EN));
  cr_expect_eq(m78_sim_irq(sim), 0);
  /* new input, same network */
  static const int in2[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
  put_hwc(0, 0, 3, 3, in2);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(m78_sim_runs(sim), 2u);
  int want[9];
  for (int i = 0; i < 9; i++)
    want[i] = -sobel_out[i]; /* the convolution is linear */
  expect_bytes(2, 0x10, 0, 1, want, 9, "second run");
}

/* The engine keeps each layer's weights laid out between inferences; new
 * kernel memory, through the bus, poke or a snapshot, must be used. */

static void acknowledge(m78_sim *s)
{
  uint32_t ctrl = tu_rd(s, 0x50100000, 4);
  tu_wr32(s, 0x50100000, ctrl & ~(CTRL_CNN_IRQ | CTRL_CNN_EN));
}

static const int8_t sobel_neg[9] = {-1, 0, 1, -2, 0, 2, -1, 0, 1};

static void expect_negated_sobel(m78_sim *s, const char *what)
{
  const struct m78_layer_result *res = m78_sim_layer_result(s, 0);
  cr_assert_not_null(res);
  cr_assert_not_null(res->output);
  for (int i = 0; i < 9; i++)
    cr_expect_eq(((const int8_t *)res->output)[i], -sobel_out[i], "%s: output %d", what, i);
}

Test(engine, new_kernel_through_the_bus_between_runs)
{
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  acknowledge(sim);
  tu_kernel3x3(sim, 0, 0, sobel_neg);
  tu_start_and_run(sim, 1, 0);
  int want[9];
  for (int i = 0; i < 9; i++)
    want[i] = -sobel_out[i];
  expect_bytes(2, 0x10, 0, 1, want, 9, "new kernel");
}

Test(engine, new_kernel_through_poke_between_runs)
{
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  acknowledge(sim);
  /* tap 4 (the centre, 0 in Sobel-x) becomes 1: adds the input itself */
  uint8_t b[9];
  for (int i = 0; i < 9; i++)
    b[i] = (uint8_t)sobel_k[i];
  b[4] = 1;
  uint32_t a = tu_proc_base(0);
  cr_assert_eq(m78_poke(sim, a + 4, 4, (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]),
               M78_OK);
  tu_start_and_run(sim, 1, 0);
  int want[9];
  for (int i = 0; i < 9; i++)
    want[i] = sobel_out[i] + sobel_in[i];
  expect_bytes(2, 0x10, 0, 1, want, 9, "poked kernel");
}

Test(engine, kernel_memory_from_a_snapshot)
{
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  acknowledge(sim);
  m78_sim *other = m78_sim_clone(sim);
  cr_assert_not_null(other);
  tu_kernel3x3(other, 0, 0, sobel_neg);
  /* same registers and input, other weights: sim must not reuse its layout */
  cr_assert_eq(m78_sim_copy_state(sim, other), 0);
  m78_sim_free(other);
  tu_start_and_run(sim, 1, 0);
  expect_negated_sobel(sim, "snapshot");
}

Test(engine, two_threads_every_layer_split)
{
  cr_assert_eq(m78_sim_set_threads(sim, 2), 2);
  m78_sim_set_split_min(sim, 0);
  sobel_layer(0);
  put_hwc(0, 0, 3, 3, sobel_in);
  tu_start_and_run(sim, 1, 0);
  expect_bytes(2, 0x10, 0, 1, sobel_out, 9, "two threads");
}

/* ------------------------------------------------------------------ */
/* passthrough placement and Conv1d tap order                           */

Test(engine, passthrough_packs_processors_per_quadrant)
{
  /* registers.md 6.5: each quadrant packs its enabled processors in
   * ascending order, the k-th to time slot k/4, lane k%4, at
   * WPTR_BASE_g + t*TOFF + pix.  Quadrant 0: processors 1, 2, 3, 5, 6
   * (EN 0x6E) -> lanes 0-3 of slot 0 and lane 0 of slot 1 (TOFF = one
   * instance); quadrant 1: processor 17 -> lane 0 at its own WPTR_BASE.
   * Copy of a 1x2 image, value 4p + pix. */
  static const int procs[6] = {1, 2, 3, 5, 6, 17};
  tu_init(sim, 0x3, 1, 0);
  for (int q = 0; q < 2; q++) {
    struct lregs r = {.rcnt = XCNT(1, 0),
                      .ccnt = XCNT(2, 0),
                      .oned = 0x100 | 1u /* tscnt 1 */,
                      .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                      .en = q == 0 ? 0x6Eu : 0x2u,
                      .post = POST_TS_EN | POST_ONEXONE,
                      .wptr = q == 0 ? DPTR(2, 0x50) : DPTR(6, 0x60),
                      .toff = 0x2000};
    program(q, 0, &r);
  }
  for (int i = 0; i < 6; i++)
    for (int pix = 0; pix < 2; pix++)
      tu_sram_put8(sim, procs[i] / 4, (uint32_t)pix, procs[i] % 4, 4 * procs[i] + pix);
  tu_start_and_run(sim, 0x3, 0);
  for (int pix = 0; pix < 2; pix++) {
    for (int k = 0; k < 4; k++)
      cr_expect_eq(tu_sram_s8(sim, 2, 0x50 + (uint32_t)pix, k), 4 * procs[k] + pix, "quadrant 0 k %d pix %d", k, pix);
    cr_expect_eq(tu_sram_s8(sim, 3, 0x50 + (uint32_t)pix, 0), 4 * 6 + pix, "quadrant 0 k 4 (slot 1) pix %d", pix);
    cr_expect_eq(tu_sram_s8(sim, 6, 0x60 + (uint32_t)pix, 0), 4 * 17 + pix, "quadrant 1 pix %d", pix);
  }
}

Test(engine, conv1d_taps_and_packed_kernels)
{
  /* registers.md 4.2: 1-D kernels of KW = 3 taps packed back to back, slot
   * s = byte b[8 - s%9] of column s/9; kernel use k starts at slot 3k and
   * tap t uses slot 3k + 2 - t (tap 0 in the highest slot):
   *  k0 = [1 2 3]: t0 b6, t1 b7, t2 b8      k1 = [4 5 6]: b3 b4 b5
   *  k2 = [7 8 9]: b0 b1 b2                 k3 = [-1 -2 -3]: column 1 b6 b7 b8
   * x = [1 0 -1 2], pad 0 -> 2 outputs, y[t] = sum_k w[k] x[t+k], s = 7:
   *  k0: 1 - 3 = -2,  -2 + 6 = 4        k1: 4 - 6 = -2,  -5 + 12 = 7
   *  k2: 7 - 9 = -2,  -8 + 18 = 10      k3: -1 + 3 = 2,   2 - 6 = -4 */
  static const uint8_t col0[9] = {7, 8, 9, 4, 5, 6, 1, 2, 3};
  static const uint8_t col1[9] = {0, 0, 0, 0, 0, 0, (uint8_t)-1, (uint8_t)-2, (uint8_t)-3};
  static const int x[4] = {1, 0, -1, 2};
  tu_init(sim, 1, 1, 0);
  tu_kernel_bytes(sim, 0, 0, col0);
  tu_kernel_bytes(sim, 0, 1, col1);
  struct lregs r = {.rcnt = XCNT(4, 0),
                    .oned = (1u << 12) | (3u << 8),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 24),
                    .lctrl1 = LCTRL1(0, 0, 24),
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  program(0, 0, &r);
  put_hwc(0, 0, 4, 1, x);
  tu_start_and_run(sim, 1, 0);
  static const int want[4][2] = {{-2, 4}, {-2, 7}, {-2, 10}, {2, -4}};
  for (int o = 0; o < 4; o++)
    for (int t = 0; t < 2; t++)
      cr_expect_eq(tu_sram_s8(sim, 1, (uint32_t)t, o), want[o][t], "output %d position %d", o, t);
}
