/*
 * Output footprints (m78_layer_footprint) and fault injection.
 *
 * Footprints are checked two ways: the addresses of small layers worked
 * out by hand from ../shared/spec/registers.md 6.4/6.5, and a whole
 * network (the mnist register image with pseudo-random kernels, bias and
 * input) where every byte a layer was the last to write must hold that
 * layer's output value in the data SRAM the engine left behind.
 */
#include "sim_test_util.h"

static m78_sim *sim;
static void setup(void)
{
  sim = m78_sim_new();
  cr_assert_not_null(sim);
  m78_sim_keep_outputs(sim, 1);
}
static void teardown(void)
{
  m78_sim_free(sim);
}

TestSuite(footprint, .init = setup, .fini = teardown);
TestSuite(fault, .init = setup, .fini = teardown);

#define MAXE 200000
static struct m78_footprint_entry ent[MAXE];
static long nent;

static void collect(void *ctx, const struct m78_footprint_entry *e)
{
  (void)ctx;
  cr_assert_lt(nent, MAXE);
  ent[nent++] = *e;
}

static long footprint(int layer)
{
  nent = 0;
  long n = m78_layer_footprint(sim, layer, collect, NULL);
  cr_assert_eq(n, nent, "returned count %ld, %ld entries seen", n, nent);
  return n;
}

static void expect_entry(long i, int inst, unsigned word, unsigned lanes, int ch, int pix)
{
  cr_assert_lt(i, nent);
  const struct m78_footprint_entry *e = &ent[i];
  cr_expect(e->inst == inst && e->word == word && e->lanes == lanes && e->channel == ch && e->pixel == pix,
            "entry %ld: instance %d word 0x%x lanes 0x%x channel %d pixel %d; want %d 0x%x 0x%x %d %d", i, e->inst,
            e->word, e->lanes, e->channel, e->pixel, inst, word, lanes, ch, pix);
}

static void put_hwc(int p, uint32_t rptr, int h, int w, const int *img)
{
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      tu_sram_put8(sim, p / 4, rptr + (uint32_t)(r * w + c), p % 4, img[r * w + c]);
}

/* ---- by hand ---- */

Test(footprint, not_available_before_a_run)
{
  cr_expect_eq(m78_layer_footprint(sim, 0, NULL, NULL), -1);
}

Test(footprint, output_32_bit_fills_whole_words)
{
  /* 3x4 input, pad 0 -> 1x2 output, 2 slots, WPTR instance 1 word 0x100:
   * slot s, pixel pix at word 0x100 + 4*pix + s (registers.md 6.4). */
  static const int8_t k[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  int img[12] = {0};
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, k);
  tu_kernel3x3(sim, 0, 1, k);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(4, 0),
                    .lctrl0 = LC0_CONV | LC0_BIGDWRT,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 8),
                    .lctrl1 = LCTRL1(0, 0, 8),
                    .wptr = DPTR(1, 0x100),
                    .moff = 0x2000};
  tu_program(sim, 0, 0, &r);
  put_hwc(0, 0, 3, 4, img);
  tu_start_and_run(sim, 1, 0);
  cr_assert_eq(footprint(0), 4);
  expect_entry(0, 1, 0x100, 0xF, 0, 0);
  expect_entry(1, 1, 0x104, 0xF, 0, 1);
  expect_entry(2, 1, 0x101, 0xF, 1, 0);
  expect_entry(3, 1, 0x105, 0xF, 1, 1);
}

Test(footprint, two_output_passes_use_the_channel_offset)
{
  /* 2 slots, 1 per pass: pass e at word WPTR + pix*(inc+1) + e*CHOFF,
   * inc 1, CHOFF 1, instance 2 lane 0 (engine test two_pass_layer). */
  static const int8_t k[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
  tu_init(sim, 1, 1, 0);
  for (int c = 0; c < 4; c++)
    tu_kernel3x3(sim, 0, c, k);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(4, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .lctrl1 = LCTRL1(1, 1, 0),
                    .mcnt = MCNT(0, 24),
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(2, 0),
                    .moff = 0x2000,
                    .choff = 1};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_assert_eq(footprint(0), 4);
  expect_entry(0, 2, 0, 0x1, 0, 0);
  expect_entry(1, 2, 2, 0x1, 0, 1);
  expect_entry(2, 2, 1, 0x1, 1, 0);
  expect_entry(3, 2, 3, 0x1, 1, 1);
}

Test(footprint, passthrough_packs_per_quadrant)
{
  /* registers.md 6.5, engine test passthrough_packs_processors_per_quadrant:
   * quadrant 0 processors 1, 2, 3, 5, 6 -> instance 2 lanes 0-3, then
   * instance 3 (TOFF one instance) lane 0; quadrant 1 processor 17 ->
   * instance 6 word 0x60.  Channels count the enabled processors. */
  tu_init(sim, 0x3, 1, 0);
  for (int q = 0; q < 2; q++) {
    struct lregs r = {.rcnt = XCNT(1, 0),
                      .ccnt = XCNT(2, 0),
                      .oned = 0x100 | 1u,
                      .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                      .en = q == 0 ? 0x6Eu : 0x2u,
                      .post = POST_TS_EN | POST_ONEXONE,
                      .wptr = q == 0 ? DPTR(2, 0x50) : DPTR(6, 0x60),
                      .toff = 0x2000};
    tu_program(sim, q, 0, &r);
  }
  tu_start_and_run(sim, 0x3, 0);
  cr_assert_eq(footprint(0), 12);
  for (int k = 0; k < 4; k++)
    for (int pix = 0; pix < 2; pix++)
      expect_entry(2 * k + pix, 2, 0x50u + (unsigned)pix, 1u << k, k, pix);
  expect_entry(8, 3, 0x50, 1, 4, 0);
  expect_entry(9, 3, 0x51, 1, 4, 1);
  expect_entry(10, 6, 0x60, 1, 5, 0);
  expect_entry(11, 6, 0x61, 1, 5, 1);
}

/* ---- a whole network against the engine ---- */

static uint32_t lcg = 12345;
static uint32_t rnd(void)
{
  lcg = lcg * 1103515245u + 12345u;
  return lcg >> 8;
}

/* Every byte whose last writer is layer L holds L's output value. */
static void check_against_sram(int nlayers)
{
  static int16_t owner[M78_SRAM_INSTANCES][M78_SRAM_WORDS][4];
  static int32_t och[M78_SRAM_INSTANCES][M78_SRAM_WORDS][4], opix[M78_SRAM_INSTANCES][M78_SRAM_WORDS][4];
  memset(owner, 0xFF, sizeof owner);
  for (int l = 0; l < nlayers; l++) {
    long n = footprint(l);
    const struct m78_layer_result *res = m78_sim_layer_result(sim, l);
    cr_assert_not_null(res->output);
    cr_expect_eq(n, (long)res->out_c * res->out_h * res->out_w, "layer %d: one write per output value", l);
    /* the data must vary, or equal bytes would prove nothing */
    long distinct = 0;
    int seen[256] = {0};
    for (size_t k = 0; k < res->output_bytes; k++)
      if (!seen[((const uint8_t *)res->output)[k]]++)
        distinct++;
    cr_expect_gt(distinct, res->output_bytes < 64 ? (long)res->output_bytes / 4 : 16,
                 "layer %d: only %ld distinct output bytes", l, distinct);
    for (long i = 0; i < n; i++)
      for (int b = 0; b < 4; b++)
        if ((ent[i].lanes >> b) & 1) {
          owner[ent[i].inst][ent[i].word][b] = (int16_t)l;
          och[ent[i].inst][ent[i].word][b] = ent[i].channel;
          opix[ent[i].inst][ent[i].word][b] = ent[i].pixel;
        }
  }
  long checked[M78_MAX_LAYERS] = {0};
  for (int i = 0; i < M78_SRAM_INSTANCES; i++) {
    const uint32_t *mem = m78_sram_view(sim, i);
    for (int w = 0; w < M78_SRAM_WORDS; w++)
      for (int b = 0; b < 4; b++) {
        int l = owner[i][w][b];
        if (l < 0)
          continue;
        const struct m78_layer_result *res = m78_sim_layer_result(sim, l);
        size_t k = (size_t)och[i][w][b] * (size_t)(res->out_h * res->out_w) + (size_t)opix[i][w][b];
        uint8_t want = res->out_elem_bytes == 4 ? (uint8_t)(((const int32_t *)res->output)[k] >> (8 * b))
                                                : (uint8_t)((const int8_t *)res->output)[k];
        uint8_t got = (uint8_t)(mem[w] >> (8 * b));
        cr_assert_eq(got, want, "layer %d instance %d word 0x%x lane %d: SRAM 0x%02x, output 0x%02x", l, i, w, b, got,
                     want);
        checked[l]++;
      }
  }
  /* the last layer is never overwritten: all of it survives */
  const struct m78_layer_result *last = m78_sim_layer_result(sim, nlayers - 1);
  cr_expect_eq(checked[nlayers - 1], (long)last->out_c * last->out_h * last->out_w * last->out_elem_bytes);
}

static void mnist_random(void)
{
  tu_init(sim, 0xF, 5, 0);
  tu_mnist_registers(sim);
  for (int p = 0; p < M78_PROCS; p++)
    for (int c = 0; c < M78_MRAM_WORDS; c++)
      for (int word = 0; word < 3; word++) {
        uint32_t v = 0; /* signed weights of this size keep every layer varied */
        for (int b = 0; b < 4; b++)
          v |= (uint32_t)(uint8_t)((int)(rnd() % 128) - 64) << (8 * b);
        cr_assert_eq(m78_poke(sim, tu_proc_base(p) + 16u * (uint32_t)c + 4u * (uint32_t)word, 4, v), M78_OK);
      }
  for (int k = 0; k < 10; k++)
    tu_bias(sim, 0, k, (int)(rnd() & 0xFF) - 128);
  for (uint32_t w = 0; w < 196; w++)
    tu_wr32(sim, tu_sram_addr(0, w), rnd() & 0x7F7F7F7Fu);
}

Test(footprint, mnist_every_surviving_byte_matches_the_engine)
{
  mnist_random();
  tu_start_and_run(sim, 0xF, 0);
  cr_assert_eq(m78_sim_layer_count(sim), 5);
  check_against_sram(5);
}

/* ---- faults ---- */

Test(fault, invalid_faults_are_rejected)
{
  struct m78_fault bad_inst = {M78_FAULT_SRAM_STUCK_BIT, -1, 16, M78_FAULT_ALL_WORDS, 0, 1};
  struct m78_fault bad_val = {M78_FAULT_SRAM_STUCK_BIT, -1, 0, M78_FAULT_ALL_WORDS, 0, 2};
  struct m78_fault bad_byte = {M78_FAULT_KERNEL_WORD, -1, 0, 0, 9, 1};
  struct m78_fault bad_col = {M78_FAULT_KERNEL_WORD, -1, 0, 768, 0, 1};
  struct m78_fault no_shift = {M78_FAULT_SHIFT, 0, 0, 0, 0, 0};
  cr_expect_eq(m78_sim_add_fault(sim, &bad_inst), -1);
  cr_expect_eq(m78_sim_add_fault(sim, &bad_val), -1);
  cr_expect_eq(m78_sim_add_fault(sim, &bad_byte), -1);
  cr_expect_eq(m78_sim_add_fault(sim, &bad_col), -1);
  cr_expect_eq(m78_sim_add_fault(sim, &no_shift), -1);
  struct m78_fault ok = {M78_FAULT_SHIFT, 0, 0, 0, 0, 1};
  for (int i = 0; i < M78_MAX_FAULTS; i++)
    cr_expect_eq(m78_sim_add_fault(sim, &ok), 0);
  cr_expect_eq(m78_sim_add_fault(sim, &ok), -1, "the table holds M78_MAX_FAULTS");
}

/* Sobel 3x3 on processor 0 -> instance 2 lane 0 words 0x10.. (values
 * -9 -6 9 -20 -8 20 -21 -6 21, engine test conv3x3_hwc_by_hand). */
static const int sobel_in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const int8_t sobel_k[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
static const int sobel_out[9] = {-9, -6, 9, -20, -8, 20, -21, -6, 21};

static void sobel(int shift)
{
  tu_init(sim, 1, 1, 0);
  tu_kernel3x3(sim, 0, 0, sobel_k);
  struct lregs r = {.rcnt = XCNT(3, 1),
                    .ccnt = XCNT(3, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(shift),
                    .wptr = DPTR(2, 0x10),
                    .moff = 0x2000};
  tu_program(sim, 0, 0, &r);
  put_hwc(0, 0, 3, 3, sobel_in);
}

Test(fault, shift_doubles_the_output)
{
  struct m78_fault f = {M78_FAULT_SHIFT, 0, 0, 0, 0, 1};
  cr_assert_eq(m78_sim_add_fault(sim, &f), 0);
  sobel(7);
  tu_start_and_run(sim, 1, 0);
  for (int i = 0; i < 9; i++)
    cr_expect_eq(tu_sram_s8(sim, 2, 0x10u + (uint32_t)i, 0), 2 * sobel_out[i], "pixel %d", i);
}

Test(fault, kernel_byte_flips_one_tap_during_the_run_only)
{
  /* tap 0 (b0 = bits 71:64, byte 8) 1 -> 1 ^ 2 = 3: the output grows by
   * 2 x the top-left neighbour: pixel 4 (centre) sees x = 1 -> -8 + 2 = -6,
   * pixel 8 sees 5 -> 21 + 10 = 31; pixel 0 sees padding -> unchanged. */
  struct m78_fault f = {M78_FAULT_KERNEL_WORD, -1, 0, 0, 8, 0x02};
  cr_assert_eq(m78_sim_add_fault(sim, &f), 0);
  sobel(7);
  uint8_t before[9];
  memcpy(before, m78_mram_view(sim, 0), 9);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(tu_sram_s8(sim, 2, 0x10, 0), -9);
  cr_expect_eq(tu_sram_s8(sim, 2, 0x14, 0), -6);
  cr_expect_eq(tu_sram_s8(sim, 2, 0x18, 0), 31);
  cr_expect_eq(memcmp(before, m78_mram_view(sim, 0), 9), 0, "kernel memory is restored after the run");
}

Test(fault, stuck_bit_of_a_layer_hits_only_its_writes)
{
  /* bit 6 (lane 0) of instance 2 stuck at 1 while layer 0 writes: its
   * nine bytes get bit 6 set; a word layer 0 does not write keeps its
   * value, and so does lane 1 of the words it writes. */
  struct m78_fault f = {M78_FAULT_SRAM_STUCK_BIT, 0, 2, M78_FAULT_ALL_WORDS, 6, 1};
  cr_assert_eq(m78_sim_add_fault(sim, &f), 0);
  sobel(7);
  tu_sram_put8(sim, 2, 0x40, 0, 0x05);
  tu_sram_put8(sim, 2, 0x10, 1, 0x11);
  tu_start_and_run(sim, 1, 0);
  for (int i = 0; i < 9; i++)
    cr_expect_eq(tu_sram_s8(sim, 2, 0x10u + (uint32_t)i, 0), (int8_t)(sobel_out[i] | 0x40), "pixel %d", i);
  cr_expect_eq(tu_sram_s8(sim, 2, 0x40, 0), 0x05);
  cr_expect_eq(tu_sram_s8(sim, 2, 0x10, 1), 0x11);
}

Test(fault, stuck_cell_affects_input_loads_and_survives_reset)
{
  /* instance 0 word 0 bit 1 stuck at 0 from power-on: input pixel 0
   * (lane 0 of word 0, value 3 here) reads as 1. */
  struct m78_fault f = {M78_FAULT_SRAM_STUCK_BIT, -1, 0, 0, 1, 0};
  cr_assert_eq(m78_sim_add_fault(sim, &f), 0);
  m78_sim_reset(sim);
  m78_sim_keep_outputs(sim, 1);
  tu_sram_put8(sim, 0, 0, 0, 3);
  cr_expect_eq(tu_sram_s8(sim, 0, 0, 0), 1);
  tu_sram_put8(sim, 0, 1, 0, 3);
  cr_expect_eq(tu_sram_s8(sim, 0, 1, 0), 3, "other words are good");
}
