/*
 * The layer decoder: register file -> struct m78_layer
 * (../shared/spec/registers.md 3, the recipe of 3.19 and the worked
 * mnist example of 9.1-9.3), and the combinations it rejects, each
 * naming the register (struct m78_decode_error).
 */
#include <stdio.h>
#include "sim_test_util.h"

static m78_sim *sim;
static void setup(void)
{
  sim = m78_sim_new();
  cr_assert_not_null(sim);
}
static void teardown(void)
{
  m78_sim_free(sim);
}

TestSuite(decode, .init = setup, .fini = teardown);

static struct m78_layer decode_ok(int index)
{
  struct m78_layer l;
  struct m78_decode_error err = {0};
  int rc = m78_layer_decode(sim, index, &l, &err);
  cr_assert_eq(rc, 0, "layer %d rejected: %s: %s", index, err.reg ? err.reg : "-", err.msg);
  cr_expect_eq(l.index, index);
  return l;
}

static void expect_describe(const struct m78_layer *l, const char *want)
{
  char buf[200];
  m78_layer_describe(l, buf, sizeof buf);
  cr_expect_str_eq(buf, want);
}

/* ------------------------------------------------------------------ */
/* mnist layer 1, written exactly as table 9.1 lists it                 */

Test(decode, mnist_layer1_table_9_1)
{
  for (uint32_t q = 0; q < 4; q++) {
    const uint32_t o = q * 0x400000;                                /* "Quadrant q's copies are at +q 0x40_0000" */
    tu_wr32(sim, 0x50100014 + o, 0x0002001F);                       /* RCNT */
    tu_wr32(sim, 0x50100094 + o, 0x0002001F);                       /* CCNT */
    tu_wr32(sim, 0x50100194 + o, 0x00000001);                       /* PRCNT */
    tu_wr32(sim, 0x50100214 + o, 0x00000001);                       /* PCCNT */
    tu_wr32(sim, 0x50100294 + o, 0x00000001);                       /* STRIDE */
    tu_wr32(sim, 0x50100314 + o, 0x00002000);                       /* WPTR_BASE */
    tu_wr32(sim, 0x50100414 + o, 0x00002000);                       /* WPTR_MOFF */
    tu_wr32(sim, 0x50100514 + o, 0x00000800);                       /* RPTR_BASE */
    tu_wr32(sim, 0x50100594 + o, q == 0 ? 0x0000EBA0 : 0x00000BA0); /* LCTRL0 */
    tu_wr32(sim, 0x50100A14 + o, 0x0001D800);                       /* LCTRL1 */
    tu_wr32(sim, 0x50100614 + o, 0x000001D8);                       /* MCNT */
    tu_wr32(sim, 0x50100694 + o, 0x0000000F);                       /* TPTR */
    tu_wr32(sim, 0x50100794 + o, 0x00024000);                       /* POST */
    tu_wr32(sim, 0x50100714 + o, q == 0 ? 0xFFF0FFF0 : 0xFFFFFFFF); /* EN */
  }
  struct m78_layer l = decode_ok(1);

  /* EN: Q0 0xFFF0 -> processors 4-15, Q1-Q3 0xFFFF -> 16-63; mask = pro */
  cr_expect_eq(l.kind, M78_LAYER_CONV2D_3X3, "ONED = 0, deconv_en = 0: 3x3");
  cr_expect_eq(l.in_procs, 0xFFFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.mask_procs, 0xFFFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.chw, 0, "LCTRL0 bit 6 = 0: HWC");
  cr_expect_eq(l.rptr, 0x800u);
  /* LCTRL1 0x1_D800: inpchexp 0 -> NE 1; wptr_inc 0; xpch_max 0x1D8 = 472 = 59*8 */
  cr_expect_eq(l.ne, 1);
  cr_expect_eq(l.ops, 1);
  cr_expect_eq(l.flatten, 0);
  cr_expect_eq(l.wptr_inc, 0);
  /* RCNT/CCNT 0x2_001F: pad 2, 31 + 1 - 2*2 = 28 */
  cr_expect_eq(l.h, 28);
  cr_expect_eq(l.w, 28);
  cr_expect_eq(l.pad_r, 2);
  cr_expect_eq(l.pad_c, 2);
  /* LCTRL0 0xEBA0: pool_en (7), maxpl_en (8); PRCNT = PCCNT = 1 -> 2x2; STRIDE 1 -> 2 */
  cr_expect_eq(l.pool_en, 1);
  cr_expect_eq(l.pool_max, 1);
  cr_expect_eq(l.pool_h, 2);
  cr_expect_eq(l.pool_w, 2);
  cr_expect_eq(l.stride, 2);
  cr_expect_eq(l.pool_round, 0);
  /* (28 - 2)/2 + 1 = 14; padded 18; 3x3 -> 16 */
  cr_expect_eq(l.hp, 14);
  cr_expect_eq(l.wp, 14);
  cr_expect_eq(l.kh, 3);
  cr_expect_eq(l.kw, 3);
  cr_expect_eq(l.ho, 16);
  cr_expect_eq(l.wo, 16);
  /* POST 0x2_4000: mask_size 0 -> 8 bit; scale 2 with bit 17 -> shift -2; no bias */
  cr_expect_eq(l.qbits, 8);
  cr_expect_eq(l.kwidth, 9);
  cr_expect_eq(l.shift, -2);
  cr_expect_eq(l.abs_act, 0);
  cr_expect_eq(l.relu, 1, "LCTRL0 bit 9");
  cr_expect_eq(l.out32, 0);
  for (int g = 0; g < 4; g++)
    cr_expect_eq(l.bias_en[g], 0, "no bias in quadrant %d", g);
  /* MCNT 0x1D8: SAD 0, MAX 472 -> (472 - 0)/8 + 1 = 60 uses = 60 slots x NE 1 */
  cr_expect_eq(l.mcnt_sad, 0u);
  cr_expect_eq(l.mcnt_max, 472u);
  cr_expect_eq(l.oned_sad, 0);
  cr_expect_eq(l.kern_uses, 60);
  cr_expect_eq(l.slots, 60);
  cr_expect_eq(l.slots_per_pass, 60, "472/8 + 1");
  cr_expect_eq(l.out_passes, 1);
  /* cnnsi 0xE in quadrant 0 -> quadrants 0-3 summed */
  cr_expect_eq(l.quads_summed, 0xF);
  /* WPTR_BASE 0x2000 = instance 1, word 0; MOFF one instance per 4 slots */
  for (int g = 0; g < 4; g++)
    cr_expect_eq(l.wptr[g], 0x2000u, "quadrant %d WPTR_BASE", g);
  cr_expect_eq(l.wptr_moff, 0x2000u);
  cr_expect_eq(l.wptr_toff, 0u);
  cr_expect_eq(l.wptr_choff, 0u);
  cr_expect_eq(l.tptr, 0xFu, "tram_max 16 = output width");
  cr_expect_eq(l.streaming, 0);
  cr_expect_eq(l.in_channels, 60);
  cr_expect_eq(l.out_channels, 60);
  cr_expect_eq(l.macs, 8294400ull, "60*9*60*16*16 (compute.md 8)");
  cr_expect_str_eq(m78_layer_opname(&l), "conv2d");
  /* izer's own summary of this layer, in the simulator's wording (layer.h) */
  expect_describe(&l, "60x28x28, max pool 2x2 with stride 2/2, conv2d 3x3, pad 2/2, ReLU, 60x16x16 output");
}

Test(decode, mnist_layer1_through_poke_is_the_same)
{
  /* tools may build the register file with poke: same decode */
  for (unsigned i = 0; i < sizeof tu_mnist_l1 / sizeof tu_mnist_l1[0]; i++)
    for (int q = 0; q < 4; q++)
      cr_assert_eq(m78_poke(sim, tu_lreg_addr(q, tu_mnist_l1[i].array, 1), 4, tu_mnist_l1[i].v[q]), M78_OK);
  struct m78_layer l = decode_ok(1);
  cr_expect_eq(l.in_procs, 0xFFFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.ho, 16);
  cr_expect_eq(l.slots, 60);
  cr_expect_eq(l.shift, -2);
  cr_expect_eq(l.quads_summed, 0xF);
}

/* ------------------------------------------------------------------ */
/* mnist layers 0, 2, 3, 4 (table 9.3)                                  */

Test(decode, mnist_layer0)
{
  TU_WRITE_LREGS(sim, 0, tu_mnist_l0);
  struct m78_layer l = decode_ok(0);
  /* 1 channel CHW on processor 0 (EN Q0 0x0001_0001; LCTRL0 0x0B60 bit 6) */
  cr_expect_eq(l.kind, M78_LAYER_CONV2D_3X3);
  cr_expect_eq(l.in_procs, 0x1ull);
  cr_expect_eq(l.mask_procs, 0x1ull);
  cr_expect_eq(l.chw, 1);
  cr_expect_eq(l.rptr, 0u);
  cr_expect_eq(l.ne, 1);
  /* RCNT 0x1_001D: 29 + 1 - 2 = 28, pad 1 */
  cr_expect_eq(l.h, 28);
  cr_expect_eq(l.w, 28);
  cr_expect_eq(l.pad_r, 1);
  cr_expect_eq(l.pad_c, 1);
  cr_expect_eq(l.pool_en, 0);
  cr_expect_eq(l.pool_h, 1);
  cr_expect_eq(l.pool_w, 1);
  cr_expect_eq(l.stride, 1);
  cr_expect_eq(l.hp, 28);
  cr_expect_eq(l.ho, 28);
  cr_expect_eq(l.wo, 28);
  /* MCNT 0x1D8 -> 60 columns 0-59; LCTRL1 0x1_D800 -> 60 slots per pass */
  cr_expect_eq(l.slots, 60);
  cr_expect_eq(l.slots_per_pass, 60);
  cr_expect_eq(l.qbits, 8);
  /* POST 0x2_2000: scale 1, right -> -1 */
  cr_expect_eq(l.shift, -1);
  cr_expect_eq(l.relu, 1);
  cr_expect_eq(l.quads_summed, 0x1, "no cnnsi bits");
  cr_expect_eq(l.wptr[0], 0x2800u, "instance 1, word 0x800 = offset 0x2000");
  cr_expect_eq(l.tptr, 0x1Bu);
  cr_expect_eq(l.in_channels, 1);
  cr_expect_eq(l.macs, 423360ull, "1*9*60*28*28 (compute.md 8)");
  expect_describe(&l, "1x28x28, no pooling, conv2d 3x3, pad 1/1, ReLU, 60x28x28 output");
}

Test(decode, mnist_layer2)
{
  TU_WRITE_LREGS(sim, 2, tu_mnist_l2);
  struct m78_layer l = decode_ok(2);
  cr_expect_eq(l.kind, M78_LAYER_CONV2D_3X3);
  cr_expect_eq(l.in_procs, 0xFFFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.rptr, 0u);
  /* RCNT 0x1_0011: 17 + 1 - 2 = 16, pad 1; pool 2x2/2 -> 8; 8 + 2 - 2 = 8 */
  cr_expect_eq(l.h, 16);
  cr_expect_eq(l.pad_r, 1);
  cr_expect_eq(l.pool_max, 1);
  cr_expect_eq(l.hp, 8);
  cr_expect_eq(l.ho, 8);
  cr_expect_eq(l.wo, 8);
  /* MCNT 0x01E0_0398: SAD 480 = column 60, MAX 920: (920-480)/8 + 1 = 56 */
  cr_expect_eq(l.mcnt_sad, 480u);
  cr_expect_eq(l.mcnt_max, 920u);
  cr_expect_eq(l.slots, 56);
  /* LCTRL1 0x1_B800: xpch_max 0x1B8 = 440 = 55*8 -> 56 per pass */
  cr_expect_eq(l.slots_per_pass, 56);
  cr_expect_eq(l.shift, -2);
  cr_expect_eq(l.relu, 1);
  cr_expect_eq(l.wptr[0], 0x2800u);
  cr_expect_eq(l.tptr, 7u);
  cr_expect_eq(l.macs, 1935360ull, "60*9*56*8*8");
  expect_describe(&l, "60x16x16, max pool 2x2 with stride 2/2, conv2d 3x3, pad 1/1, ReLU, 56x8x8 output");
}

Test(decode, mnist_layer3_average_pool)
{
  TU_WRITE_LREGS(sim, 3, tu_mnist_l3);
  struct m78_layer l = decode_ok(3);
  /* EN: Q0 4-15, Q1/Q2 all, Q3 0x0FFF -> 48-59: 56 processors 4-59 */
  cr_expect_eq(l.in_procs, 0x0FFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.mask_procs, 0x0FFFFFFFFFFFFFF0ull);
  cr_expect_eq(l.rptr, 0x800u);
  /* RCNT 0x1_0009: 9 + 1 - 2 = 8; LCTRL0 0xEAA0 without bit 8: average */
  cr_expect_eq(l.h, 8);
  cr_expect_eq(l.pool_en, 1);
  cr_expect_eq(l.pool_max, 0);
  cr_expect_eq(l.hp, 4);
  cr_expect_eq(l.ho, 4);
  /* MCNT 0x03A0_03F8: SAD 928 = column 116, (1016 - 928)/8 + 1 = 12 */
  cr_expect_eq(l.mcnt_sad, 928u);
  cr_expect_eq(l.slots, 12);
  cr_expect_eq(l.slots_per_pass, 12, "LCTRL1 0x5800: 0x58 = 88 = 11*8");
  cr_expect_eq(l.shift, -1);
  cr_expect_eq(l.relu, 1);
  cr_expect_eq(l.quads_summed, 0xF);
  cr_expect_eq(l.wptr[0], 0u, "WPTR 0 (not written)");
  cr_expect_eq(l.macs, 96768ull, "56*9*12*4*4 (compute.md 8)");
  expect_describe(&l, "56x8x8, avg pool 2x2 with stride 2/2, conv2d 3x3, pad 1/1, ReLU, 12x4x4 output");
}

Test(decode, mnist_layer4_linear)
{
  TU_WRITE_LREGS(sim, 4, tu_mnist_l4);
  struct m78_layer l = decode_ok(4);
  /* ONED 0x100: width 1 without oned_en -> 1x1; RCNT = CCNT = 0 -> 1x1 image */
  cr_expect_eq(l.kind, M78_LAYER_CONV2D_1X1);
  cr_expect_eq(l.in_procs, 0x0FFFull, "EN Q0 0x0FFF_0FFF: processors 0-11");
  cr_expect_eq(l.h, 1);
  cr_expect_eq(l.w, 1);
  cr_expect_eq(l.pad_r, 0);
  cr_expect_eq(l.ho, 1);
  cr_expect_eq(l.wo, 1);
  cr_expect_eq(l.kh, 1);
  cr_expect_eq(l.kwidth, 1);
  /* LCTRL1 0x480F: inpchexp 15 -> 16 passes; xpch_max 0x48 = 72 -> 10 per pass */
  cr_expect_eq(l.ne, 16);
  cr_expect_eq(l.slots_per_pass, 10);
  /* MCNT 0x2400_28F8: (10488 - 9216)/8 + 1 = 160 uses = 10 slots x 16 passes;
   * first slot 0x2400 >> 3 = 1152 = 9*128 -> column 128 */
  cr_expect_eq(l.mcnt_sad, 0x2400u);
  cr_expect_eq(l.mcnt_max, 0x28F8u);
  cr_expect_eq(l.kern_uses, 160);
  cr_expect_eq(l.slots, 10);
  cr_expect_eq(l.out_passes, 1);
  /* LCTRL0 0x1_0920: bigdwrt, no ReLU; POST 0x1000: bias at quadrant-0 entry 0 */
  cr_expect_eq(l.out32, 1);
  cr_expect_eq(l.relu, 0);
  cr_expect_eq(l.bias_en[0], 1);
  cr_expect_eq(l.bias_sad[0], 0);
  cr_expect_eq(l.bias_en[1] | l.bias_en[2] | l.bias_en[3], 0);
  cr_expect_eq(l.quads_summed, 0x1);
  cr_expect_eq(l.wptr[0], 0x400u, "offset 0x1000 in instance 0");
  cr_expect_eq(l.wptr_toff, 1u);
  cr_expect_eq(l.in_channels, 192, "12 processors x 16 passes");
  cr_expect_eq(l.out_channels, 10);
  cr_expect_eq(l.macs, 1920ull, "192*10 (compute.md 8)");
  cr_expect_str_eq(m78_layer_opname(&l), "linear");
}

Test(decode, whole_mnist_register_image)
{
  tu_mnist_registers(sim);
  static const int ho[5] = {28, 16, 8, 4, 1}, slots[5] = {60, 60, 56, 12, 10};
  for (int i = 0; i < 5; i++) {
    struct m78_layer l = decode_ok(i);
    cr_expect_eq(l.ho, ho[i], "layer %d", i);
    cr_expect_eq(l.slots, slots[i], "layer %d", i);
  }
}

/* ------------------------------------------------------------------ */
/* rejected combinations                                                */

/* A valid base layer at index 5: processor 0, 4x4 HWC, pad 1, 3x3, one
 * 8-bit output, shift 0, no bias. */
#define BASE_L 5
static void base_layer(void)
{
  tu_lreg(sim, 0, M78_LREG_ARRAY_RCNT, BASE_L, XCNT(4, 1));
  tu_lreg(sim, 0, M78_LREG_ARRAY_CCNT, BASE_L, XCNT(4, 1));
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC);
  tu_lreg(sim, 0, M78_LREG_ARRAY_EN, BASE_L, 0x00010001);
  tu_lreg(sim, 0, M78_LREG_ARRAY_WPTR_MOFF, BASE_L, 0x2000);
  struct m78_layer l = decode_ok(BASE_L);
  cr_assert_eq(l.ho, 4);
  cr_assert_eq(l.slots, 1);
}

static void expect_reject(const char *reg, int quad)
{
  struct m78_layer l;
  struct m78_decode_error err;
  memset(&err, 0, sizeof err);
  cr_expect_eq(m78_layer_decode(sim, BASE_L, &l, &err), -1, "should be rejected (%s)", reg);
  cr_expect_eq(err.layer, BASE_L);
  cr_assert_not_null(err.reg, "the error names no register (want %s): %s", reg, err.msg);
  cr_expect_str_eq(err.reg, reg, "msg: %s", err.msg);
  cr_expect_neq(err.msg[0], '\0', "the error explains itself");
  if (quad >= -1)
    cr_expect_eq(err.quadrant, quad, "quadrant in %s error", reg);
}

Test(decode, base_layer_is_valid)
{
  base_layer();
}

Test(decode, reject_row_padding_3)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_RCNT, BASE_L, XCNT(4, 3)); /* 0x3_0009 */
  expect_reject("RCNT", -2);
}

Test(decode, reject_column_padding_3)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_CCNT, BASE_L, XCNT(4, 3));
  expect_reject("CCNT", -2);
}

Test(decode, reject_pool_rows_larger_than_input)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC | LC0_POOL);
  tu_lreg(sim, 0, M78_LREG_ARRAY_PRCNT, BASE_L, 4); /* 5 rows on a 4-row input */
  tu_lreg(sim, 0, M78_LREG_ARRAY_PCCNT, BASE_L, 1);
  expect_reject("PRCNT", -2);
}

Test(decode, reject_pool_columns_larger_than_input)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC | LC0_POOL);
  tu_lreg(sim, 0, M78_LREG_ARRAY_PRCNT, BASE_L, 1);
  tu_lreg(sim, 0, M78_LREG_ARRAY_PCCNT, BASE_L, 4); /* 5 columns on a 4-column input */
  expect_reject("PCCNT", -2);
}

Test(decode, reject_mcnt_range_not_a_multiple_of_q)
{
  base_layer();
  /* 4-bit weights: uses advance by 4; 6 - 0 is not a multiple */
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_Q4);
  tu_lreg(sim, 0, M78_LREG_ARRAY_MCNT, BASE_L, MCNT(0, 6));
  expect_reject("MCNT", -2);
}

Test(decode, reject_mcnt_max_below_sad)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_MCNT, BASE_L, MCNT(16, 8));
  expect_reject("MCNT", -2);
}

Test(decode, reject_mcnt_uses_not_divisible_by_passes)
{
  base_layer();
  /* 3 uses (0, 8, 16) with NE = 2 */
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL1, BASE_L, LCTRL1(1, 0, 0));
  tu_lreg(sim, 0, M78_LREG_ARRAY_MCNT, BASE_L, MCNT(0, 16));
  expect_reject("MCNT", -2);
}

static void make_passthrough(void)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_RCNT, BASE_L, XCNT(4, 0));
  tu_lreg(sim, 0, M78_LREG_ARRAY_CCNT, BASE_L, XCNT(4, 0));
  tu_lreg(sim, 0, M78_LREG_ARRAY_EN, BASE_L, 0x00000001); /* pro_en without mask_en */
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_TS_EN | POST_ONEXONE);
  struct m78_layer l = decode_ok(BASE_L);
  cr_assert_eq(l.kind, M78_LAYER_PASSTHROUGH);
}

Test(decode, reject_relu_on_passthrough)
{
  make_passthrough();
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC | LC0_RELU);
  expect_reject("LCTRL0", -2);
}

Test(decode, reject_abs_on_passthrough)
{
  make_passthrough();
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_TS_EN | POST_ONEXONE | POST_ABS);
  expect_reject("POST", -2);
}

Test(decode, reject_shift_on_passthrough)
{
  make_passthrough();
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_TS_EN | POST_ONEXONE | POST_SHIFT(-1));
  expect_reject("POST", -2);
}

Test(decode, reject_padding_on_passthrough)
{
  make_passthrough();
  tu_lreg(sim, 0, M78_LREG_ARRAY_RCNT, BASE_L, XCNT(4, 1));
  expect_reject("RCNT", -2);
}

Test(decode, reject_32_bit_passthrough)
{
  make_passthrough();
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC | LC0_BIGDWRT);
  expect_reject("LCTRL0", -2);
}

Test(decode, bias_range_up_to_512_is_fine_beyond_is_rejected)
{
  base_layer();
  /* 20 slots: MCNT 0..19*8, xpch_max 19*8 */
  tu_lreg(sim, 0, M78_LREG_ARRAY_MCNT, BASE_L, MCNT(0, 152));
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL1, BASE_L, LCTRL1(0, 0, 152));
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_BIAS(492)); /* entries 492..511 */
  struct m78_layer l = decode_ok(BASE_L);
  cr_expect_eq(l.slots, 20);
  cr_expect_eq(l.bias_en[0], 1);
  cr_expect_eq(l.bias_sad[0], 492);
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_BIAS(493)); /* 493..512 */
  expect_reject("POST", 0);
}

Test(decode, reject_bias_range_in_another_quadrant)
{
  base_layer();
  /* bias held by quadrant 2 (no processors there), selected by cnnsi bit 14 */
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL0, BASE_L, LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC | LC0_CNNSI(2));
  tu_lreg(sim, 0, M78_LREG_ARRAY_MCNT, BASE_L, MCNT(0, 152));
  tu_lreg(sim, 0, M78_LREG_ARRAY_LCTRL1, BASE_L, LCTRL1(0, 0, 152));
  tu_lreg(sim, 2, M78_LREG_ARRAY_POST, BASE_L, POST_BIAS(100));
  struct m78_layer l = decode_ok(BASE_L);
  cr_expect_eq(l.quads_summed, 0x5);
  cr_expect_eq(l.bias_en[2], 1);
  cr_expect_eq(l.bias_en[0], 0);
  tu_lreg(sim, 2, M78_LREG_ARRAY_POST, BASE_L, POST_BIAS(500));
  expect_reject("POST", 2);
}

Test(decode, bias_of_an_unsummed_quadrant_is_ignored)
{
  base_layer();
  tu_lreg(sim, 1, M78_LREG_ARRAY_POST, BASE_L, POST_BIAS(7)); /* no cnnsi bit 13 */
  struct m78_layer l = decode_ok(BASE_L);
  cr_expect_eq(l.quads_summed, 0x1);
  cr_expect_eq(l.bias_en[1], 0);
}

Test(decode, reject_no_processor)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_EN, BASE_L, 0);
  expect_reject("EN", -2);
}

Test(decode, reject_mask_enable_without_processor_enable)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_EN, BASE_L, 0x00030001); /* mask 0-1, processor 0 */
  expect_reject("EN", -2);
}

Test(decode, reject_max78002_bits)
{
  base_layer();
  tu_lreg(sim, 1, M78_LREG_ARRAY_POST, BASE_L, 1u << 30); /* depthwise, MAX78002 only */
  expect_reject("POST", 1);
}

Test(decode, reject_shift_out_of_range)
{
  /* registers can only hold -15..15 anyway; 15 is still valid */
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_SHIFT(15));
  struct m78_layer l = decode_ok(BASE_L);
  cr_expect_eq(l.shift, 15);
  tu_lreg(sim, 0, M78_LREG_ARRAY_POST, BASE_L, POST_SHIFT(-15));
  l = decode_ok(BASE_L);
  cr_expect_eq(l.shift, -15);
}

Test(decode, a_rejected_layer_is_reported_by_the_run)
{
  base_layer();
  tu_lreg(sim, 0, M78_LREG_ARRAY_RCNT, BASE_L, XCNT(4, 3));
  /* the run covers layers 0..5; layers 0-4 are empty (no processors) */
  tu_init(sim, 1, BASE_L + 1, 0);
  uint64_t le = m78_sim_counters(sim)->layer_errors;
  tu_start_and_run(sim, 1, 0);
  const struct m78_layer_result *r = m78_sim_layer_result(sim, BASE_L);
  cr_assert_not_null(r);
  cr_expect_eq(r->executed, 0);
  cr_expect_eq(strncmp(r->error, "RCNT", 4), 0, "error: %s", r->error);
  cr_expect_eq(m78_sim_counters(sim)->layer_errors, le + 6, "layers 0-4 have no processors, 5 bad padding");
}

/* m78_addr_decode scans the region table in any order: no two copies of
 * any regions may share an address. */
Test(decode, regions_do_not_overlap)
{
  for (unsigned i = 0; i < m78_region_count; i++)
    for (unsigned j = 0; j < m78_region_count; j++)
      for (int qi = 0; qi < (m78_regions[i].quad_stride ? M78_QUADS : 1); qi++)
        for (int qj = 0; qj < (m78_regions[j].quad_stride ? M78_QUADS : 1); qj++) {
          if (i == j && qi == qj)
            continue;
          uint64_t a0 = m78_regions[i].base + (uint64_t)qi * m78_regions[i].quad_stride, a1 = a0 + m78_regions[i].size;
          uint64_t b0 = m78_regions[j].base + (uint64_t)qj * m78_regions[j].quad_stride, b1 = b0 + m78_regions[j].size;
          cr_assert(a1 <= b0 || b1 <= a0, "%s[%d] and %s[%d] overlap", m78_regions[i].name, qi, m78_regions[j].name,
                    qj);
        }
  /* and every copy decodes as itself, at its first and last word */
  for (unsigned i = 0; i < m78_region_count; i++)
    for (int q = 0; q < (m78_regions[i].quad_stride ? M78_QUADS : 1); q++) {
      uint32_t lo = m78_regions[i].base + (uint32_t)q * m78_regions[i].quad_stride;
      struct m78_addr_info a;
      cr_assert_eq(m78_addr_decode(lo, &a), 0);
      cr_assert_eq(a.region, &m78_regions[i]);
      if (m78_regions[i].kind != M78_REG_QREGS && m78_regions[i].kind != M78_REG_TRAM) {
        cr_assert_eq(m78_addr_decode(lo + m78_regions[i].size - 4, &a), 0);
        cr_assert_eq(a.region, &m78_regions[i]);
      }
    }
}
