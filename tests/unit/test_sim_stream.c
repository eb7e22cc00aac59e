/*
 * Streaming, the input FIFOs and the element-wise stages, through the bus.
 *
 * What this file documents (every expected value is worked out by hand
 * in the comments, from ../shared/spec):
 *  - FIFO input (registers.md 2.4, 2.5 steps 6-7, 6.7): the k-th word
 *    pushed to FIFO_WRn lands in data word RPTR_BASE(L0) + k of instance
 *    4n, wrapping at FBUF when layer 0 streams; a FIFO-fed layer 0 waits
 *    for IFRM words from every enabled FIFO (m78_sim_fifo_starved).
 *  - Streaming circular buffers (registers.md 3.17, 6.7 "Streaming";
 *    compute.md 5): the producer's writes wrap at the consumer's
 *    RPTR_BASE + FBUF, so data SRAM ends up holding the last FBUF words
 *    at their wrapped positions, while the computed values are those of
 *    the whole logical image ("computed values do not change").  Without
 *    CTRL.lilbuf, FBUF is not used (registers.md 2.1).
 *  - Bias of a streaming layer 0 (compute.md 5 item 3, registers.md 5
 *    "Quirk"): output o reads entry bptr_sad + 1 + o; other layers read
 *    bptr_sad + o.
 *  - Output maps with a hole: the slot that lands in a hole of the next
 *    layer's input map takes no bias entry (izer stores bias in channel
 *    order, registers.md 5 "izer allocation"; the gap_slots field of
 *    struct m78_layer).
 *  - Element-wise layers that pool after combining keep the combined,
 *    pre-pool stage in m78_layer_result.combined (compute.md 2.1, 2.8).
 *  - Element-wise operands are consecutive words of one pixel
 *    (registers.md 6.2, 6.3).
 *
 * Shift convention as in test_sim_engine.c: s = total shift; 8-bit output
 *   y = clamp((acc + 2^(6-s)) >> (7-s))  for s < 7;  s = 7 is the identity.
 * With a centre weight of 16 and s = 3, y = (16x + 128b + 8) >> 4 = x + 8b,
 * which several bias tests below use.
 */
#include "sim_test_util.h"

/* CTRL bits used by streaming / FIFO networks (registers.md 2.1) */
#define CTRL_STREAM_EN (1u << 14)
#define CTRL_FIFO_EN (1u << 15)
#define CTRL_LILBUF (1u << 19)
#define CTRL_STREAMING (CTRL_FIFO_EN | CTRL_STREAM_EN | CTRL_LILBUF)

/* ONED element-wise fields (registers.md 3.3) */
#define ONED_EWISE(func, ops) ((1u << 13) | ((uint32_t)(func) << 14) | ((uint32_t)((ops)-1) << 18))
#define ONED_PREPOOL (1u << 16)

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

TestSuite(stream, .init = setup, .fini = teardown);
TestSuite(features, .init = setup, .fini = teardown);

static void program(int q, int layer, const struct lregs *r)
{
  tu_program(sim, q, layer, r);
}

/* ---- FIFO block and stream registers (registers.md 2.3, 2.4, 3.17) ---- */

/* FIFO_CTRL as izer writes it: 0x908 | enables << 12. */
static void fifo_ctrl(unsigned enables)
{
  tu_wr32(sim, M78_FIFO_BASE, 0x908u | (enables << 12));
}

static void fifo_push(int n, uint32_t v)
{
  tu_wr32(sim, M78_FIFO_BASE + 8u + 4u * (uint32_t)n, v);
}

/* IFRM (quadrant offset 0x990) in every quadrant of qmask */
static void set_ifrm(unsigned qmask, uint32_t words)
{
  for (int q = 0; q < M78_QUADS; q++)
    if ((qmask >> q) & 1)
      tu_wr32(sim, tu_greg_addr(q, 0x990), words);
}

static void set_stream(int q, int layer, uint32_t strm0, uint32_t strm1, uint32_t fbuf)
{
  if (strm0)
    tu_lreg(sim, q, M78_LREG_ARRAY_STRM0, layer, strm0);
  if (strm1)
    tu_lreg(sim, q, M78_LREG_ARRAY_STRM1, layer, strm1);
  if (fbuf)
    tu_lreg(sim, q, M78_LREG_ARRAY_FBUF, layer, fbuf);
}

/* The rest of tu_start_and_run(), for runs whose input arrives after the
 * master enable. */
static void run_to_end(void)
{
  uint64_t now = m78_sim_now(sim);
  m78_sim_run_until(sim, now + (UINT64_MAX - now) / 2);
  cr_assert_eq(m78_sim_busy(sim), 0, "the inference did not finish");
  cr_assert_eq(m78_sim_irq(sim), 1, "no interrupt after the last layer");
}

/* HWC image of one channel on processor p (instance p/4, lane p%4) */
static void put_hwc(int p, uint32_t rptr, int h, int w, const int *img)
{
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      tu_sram_put8(sim, p / 4, rptr + (uint32_t)(r * w + c), p % 4, img[r * w + c]);
}

static void expect_bytes(int inst, uint32_t word0, int lane, const int *want, int n, const char *what)
{
  for (int i = 0; i < n; i++) {
    int got = tu_sram_s8(sim, inst, word0 + (uint32_t)i, lane);
    cr_expect_eq(got, want[i], "%s [%d]: instance %d word 0x%x lane %d = %d, want %d", what, i, inst,
                 (unsigned)(word0 + (uint32_t)i), lane, got, want[i]);
  }
}

static uint32_t sram_word(int inst, uint32_t word)
{
  return tu_rd(sim, tu_sram_addr(inst, word), 4);
}

/* ------------------------------------------------------------------ */
/* the 4x4 image and the two kernels of the streaming tests             */

/* x[r][c] = 4r + c + 1:
 *   1  2  3  4
 *   5  6  7  8
 *   9 10 11 12
 *  13 14 15 16
 * Layer A kernel (pad 1, s = 7): top-left 1, centre 2, bottom-right -1:
 *   y(r,c) = x(r-1,c-1) + 2 x(r,c) - x(r+1,c+1), zero outside the image.
 *  row 0: (0,0) 2 - 6 = -4      (0,1) 4 - 7 = -3      (0,2) 6 - 8 = -2     (0,3) 8 (br outside)
 *  row 1: (1,0) 10 - 10 = 0     (1,1) 1 + 12 - 11 = 2 (1,2) 2 + 14 - 12 = 4 (1,3) 3 + 16 = 19
 *  row 2: (2,0) 18 - 14 = 4     (2,1) 5 + 20 - 15 = 10 (2,2) 6 + 22 - 16 = 12 (2,3) 7 + 24 = 31
 *  row 3: (3,0) 26              (3,1) 9 + 28 = 37     (3,2) 10 + 30 = 40   (3,3) 11 + 32 = 43 */
static const int img4[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int8_t diag_k[9] = {1, 0, 0, 0, 2, 0, 0, 0, -1};
static const int diag_out[16] = {-4, -3, -2, 8, 0, 2, 4, 19, 4, 10, 12, 31, 26, 37, 40, 43};

/* Layer B kernel (pad 1, s = 7): centre 1, top-centre -1: z(r,c) = y(r,c) - y(r-1,c).
 *  row 0: y itself: -4 -3 -2 8
 *  row 1: 0+4 = 4, 2+3 = 5, 4+2 = 6, 19-8 = 11
 *  row 2: 4-0 = 4, 10-2 = 8, 12-4 = 8, 31-19 = 12
 *  row 3: 26-4 = 22, 37-10 = 27, 40-12 = 28, 43-31 = 12 */
static const int8_t vdiff_k[9] = {0, -1, 0, 0, 1, 0, 0, 0, 0};
static const int vdiff_out[16] = {-4, -3, -2, 8, 4, 5, 6, 11, 4, 8, 8, 12, 22, 27, 28, 12};

/* The k-th FIFO word of the 4x4 frame: the pixel in lane 0 (processor 0),
 * a marker naming the word in lanes 1-3 (processors 1-3 are not enabled,
 * the layer ignores them), so every SRAM word says which push it is. */
static uint32_t frame_word(int k)
{
  return 0xC0DE0000u | ((uint32_t)k << 8) | ((uint32_t)img4[k] & 0xFF);
}

#define RPTR0 0x10u /* layer 0's circular input buffer: instance 0, words 0x10.. */
#define FBUF0 7u

/* Layer 0: FIFO-fed streaming 3x3 conv (kernel diag_k, column 0 of
 * processor 0) on the 4x4 HWC frame, writing slot 0 to `wptr`.
 * STRM0 = ((ph-1)W + pw)ph = 1 (registers.md 3.17, streaming layer 0);
 * FBUF = 7 < 16 frame words; IFRM = H*W = 16. */
static void streaming_layer0(int nlayers, uint32_t wptr)
{
  tu_init(sim, 1, nlayers, CTRL_STREAMING);
  tu_kernel3x3(sim, 0, 0, diag_k);
  struct lregs r = {.rcnt = XCNT(4, 1),
                    .ccnt = XCNT(4, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(7),
                    .rptr = RPTR0,
                    .wptr = wptr,
                    .moff = 0x2000};
  program(0, 0, &r);
  set_stream(0, 0, 1, 0, FBUF0);
  set_ifrm(1, 16);
  fifo_ctrl(0x1);
  /* words past the buffer must stay as they are */
  for (uint32_t k = FBUF0; k < 16; k++)
    tu_wr32(sim, tu_sram_addr(0, RPTR0 + k), 0x5A5A5A5Au);
}

static void push_frame_and_run(void)
{
  tu_start(sim, 1, CTRL_STREAMING);
  cr_assert_eq(m78_sim_busy(sim), 1, "the master enable did not start an inference");
  for (int k = 0; k < 16; k++)
    fifo_push(0, frame_word(k));
  run_to_end();
}

/* Words RPTR0..RPTR0+6 of instance 0: word k of the frame went to
 * RPTR0 + k mod 7, so the last writer of each position is
 *  +0: k = 0, 7, 14 -> 14     +1: 1, 8, 15 -> 15     +2: 2, 9 -> 9
 *  +3: 3, 10 -> 10            +4: 4, 11 -> 11        +5: 5, 12 -> 12
 *  +6: 6, 13 -> 13
 * and RPTR0+7..RPTR0+15 were never written. */
static void expect_fifo_buffer(void)
{
  static const int last[FBUF0] = {14, 15, 9, 10, 11, 12, 13};
  for (uint32_t i = 0; i < FBUF0; i++)
    cr_expect_eq(sram_word(0, RPTR0 + i), frame_word(last[i]), "buffer word +%u = 0x%08x, want frame word %d (0x%08x)",
                 (unsigned)i, (unsigned)sram_word(0, RPTR0 + i), last[i], (unsigned)frame_word(last[i]));
  for (uint32_t k = FBUF0; k < 16; k++)
    cr_expect_eq(sram_word(0, RPTR0 + k), 0x5A5A5A5Au, "word +%u beyond FBUF was written (0x%08x)", (unsigned)k,
                 (unsigned)sram_word(0, RPTR0 + k));
}

/* ------------------------------------------------------------------ */
/* 1. FIFO-fed streaming layer 0 with a circular input buffer           */

Test(stream, fifo_layer0_circular_buffer)
{
  /* CTRL = fifo_en | stream_en | lilbuf (izer's 0x0018_C809 without
   * mexpress, registers.md 2.1); FIFO_CTRL 0x1908 (FIFO 0). The frame is
   * pushed after the master enable (2.5 step 7). The convolution sees the
   * whole 4x4 image (diag_out above), slot 0 -> instance 2 lane 0, word
   * 0x20 + pix (registers.md 6.4), although only 7 of its 16 words are
   * still in data SRAM when the layer ends. */
  streaming_layer0(1, DPTR(2, 0x20));
  m78_sim_keep_outputs(sim, 1);
  push_frame_and_run();
  expect_bytes(2, 0x20, 0, diag_out, 16, "streaming conv");
  expect_fifo_buffer();
  cr_expect_eq(m78_sim_counters(sim)->fifo_words, 16u);
  const struct m78_layer_result *res = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(res);
  cr_expect_eq(res->executed, 1);
  cr_expect_eq(res->layer.streaming, 1);
  cr_expect_eq(res->layer.fbuf, FBUF0);
  cr_expect_eq(res->out_h, 4);
  cr_expect_eq(res->out_w, 4);
  cr_assert_not_null(res->output);
  for (int i = 0; i < 16; i++)
    cr_expect_eq(((const int8_t *)res->output)[i], diag_out[i], "logical output %d", i);
}

Test(stream, fbuf_unused_without_lilbuf)
{
  /* CTRL.lilbuf (bit 19) is what makes streaming circular buffers use
   * FBUF (registers.md 2.1; izer sets it only with --fifo, so a streaming
   * layer 0 under --allow-streaming runs with stream_en and FBUF but
   * without lilbuf). Here: stream_en, STRM0 = 1, FBUF = 7, lilbuf = 0,
   * no FIFO; the host loads the whole 4x4 image linearly at RPTR (6.7,
   * memory-mapped input). With FBUF unused the layer reads the image as
   * stored, and streaming does not change computed values (compute.md 5,
   * registers.md 6.7): the result is diag_out, as without streaming. */
  tu_init(sim, 1, 1, CTRL_STREAM_EN);
  tu_kernel3x3(sim, 0, 0, diag_k);
  struct lregs r = {.rcnt = XCNT(4, 1),
                    .ccnt = XCNT(4, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(7),
                    .rptr = RPTR0,
                    .wptr = DPTR(2, 0x20),
                    .moff = 0x2000};
  program(0, 0, &r);
  set_stream(0, 0, 1, 0, FBUF0);
  put_hwc(0, RPTR0, 4, 4, img4);
  tu_start_and_run(sim, 1, CTRL_STREAM_EN);
  expect_bytes(2, 0x20, 0, diag_out, 16, "stream_en without lilbuf");
}

/* ------------------------------------------------------------------ */
/* 2. two streaming layers chained                                      */

Test(stream, two_streaming_layers_chained)
{
  /* Layer 0 as above writes its 4x4 output (diag_out) to instance 1
   * word 0x40 + pix, lane 0 = processor 4's input. Layer 1 streams from
   * there with FBUF = 5 < 16: its input buffer is words 0x40..0x44 and
   * layer 0's write of pixel k goes to word 0x40 + k mod 5 (the consumer's
   * FBUF, registers.md 3.17 last paragraph). Layer 1 (vdiff_k, pad 1)
   * still computes on the whole logical image: vdiff_out, written to
   * instance 3 word 0x60 + pix, lane 0.
   * STRM0 of layer 1 = (prevW + 2 prevpad)(prevk_h - 1 + ph - 1) + prevk_w - 1 + pw + 2
   *                  = 6 * 2 + 2 + 1 + 2 = 17 (registers.md 3.17).
   * Final contents of layer 1's buffer (last writer of each position):
   *  +0: pixels 0, 5, 10, 15 -> y15 = 43     +1: 1, 6, 11 -> y11 = 31
   *  +2: 2, 7, 12 -> y12 = 26                +3: 3, 8, 13 -> y13 = 37
   *  +4: 4, 9, 14 -> y14 = 40                word 0x45 never written. */
  streaming_layer0(2, DPTR(1, 0x40));
  tu_kernel3x3(sim, 4, 0, vdiff_k);
  struct lregs l1 = {.rcnt = XCNT(4, 1),
                     .ccnt = XCNT(4, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00100010,
                     .post = POST_SHIFT(7),
                     .rptr = 0x40,
                     .wptr = DPTR(3, 0x60),
                     .moff = 0x2000};
  program(0, 1, &l1);
  set_stream(0, 1, 17, 0, 5);
  tu_wr32(sim, tu_sram_addr(1, 0x45), 0x77777777u);
  m78_sim_keep_outputs(sim, 1);
  push_frame_and_run();

  expect_bytes(3, 0x60, 0, vdiff_out, 16, "layer 1 on the whole image");
  static const int wrapped[5] = {43, 31, 26, 37, 40};
  expect_bytes(1, 0x40, 0, wrapped, 5, "layer 1's circular buffer");
  cr_expect_eq(sram_word(1, 0x45), 0x77777777u, "word past layer 1's FBUF was written");
  expect_fifo_buffer();

  const struct m78_layer_result *r0 = m78_sim_layer_result(sim, 0), *r1 = m78_sim_layer_result(sim, 1);
  cr_assert_not_null(r0);
  cr_assert_not_null(r1);
  cr_expect_eq(r1->layer.streaming, 1);
  cr_expect_eq(r1->layer.fbuf, 5u);
  cr_assert_not_null(r0->output);
  cr_assert_not_null(r1->output);
  for (int i = 0; i < 16; i++) {
    cr_expect_eq(((const int8_t *)r0->output)[i], diag_out[i], "layer 0 logical output %d", i);
    cr_expect_eq(((const int8_t *)r1->output)[i], vdiff_out[i], "layer 1 logical output %d", i);
  }
}

/* ------------------------------------------------------------------ */
/* 3. bias of a streaming layer 0                                       */

/* 2x2 image, pad 1, two output slots, centre weight 16 in both, s = 3:
 * y_o = x + 8 b_o. Bias memory of quadrant 0 from entry 10:
 *  entry 10 = 7   (where izer puts its extra 0; 7 makes a read visible)
 *  entry 11 = 2, entry 12 = -3, entry 13 = 5 */
static const int bias_x[4] = {1, -2, 3, -4};
static const int8_t centre16[9] = {0, 0, 0, 0, 16, 0, 0, 0, 0};

static void bias_layer0(int streaming, uint32_t wptr)
{
  tu_kernel3x3(sim, 0, 0, centre16);
  tu_kernel3x3(sim, 0, 1, centre16);
  tu_bias(sim, 0, 10, 7);
  tu_bias(sim, 0, 11, 2);
  tu_bias(sim, 0, 12, -3);
  tu_bias(sim, 0, 13, 5);
  struct lregs r = {.rcnt = XCNT(2, 1),
                    .ccnt = XCNT(2, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .mcnt = MCNT(0, 8),
                    .lctrl1 = LCTRL1(0, 0, 8), /* 2 slots */
                    .post = POST_SHIFT(3) | POST_BIAS(10),
                    .rptr = 0x10,
                    .wptr = wptr,
                    .moff = 0x2000};
  program(0, 0, &r);
  if (streaming) {
    set_stream(0, 0, 1, 0, 3); /* FBUF 3 < 4 frame words */
    set_ifrm(1, 4);
    fifo_ctrl(0x1);
  }
}

Test(stream, streaming_layer0_bias_starts_one_entry_later)
{
  /* compute.md 5 item 3 / registers.md 5 "Quirk": output o of a streaming
   * layer 0 reads entry bptr_sad + 1 + o = 11 + o:
   *  slot 0: b = 2  -> x + 16 = 17 14 19 12
   *  slot 1: b = -3 -> x - 24 = -23 -26 -21 -28
   * (reading 10 + o would give x + 56 and x + 16).
   * Layer 1, not streaming, reads bptr_sad + o: processor 4 = layer 0's
   * slot 0, centre 16, s = 3, bptr_sad 20: entry 20 = 1, entry 21 = 9
   *  -> z = y0 + 8 = 25 22 27 20 (entry 21 would give y0 + 72 -> clamp). */
  tu_init(sim, 1, 2, CTRL_STREAMING);
  bias_layer0(1, DPTR(1, 0x40));
  tu_kernel3x3(sim, 4, 0, centre16);
  tu_bias(sim, 0, 20, 1);
  tu_bias(sim, 0, 21, 9);
  struct lregs l1 = {.rcnt = XCNT(2, 1),
                     .ccnt = XCNT(2, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00100010,
                     .post = POST_SHIFT(3) | POST_BIAS(20),
                     .rptr = 0x40,
                     .wptr = DPTR(3, 0x50),
                     .moff = 0x2000};
  program(0, 1, &l1);
  tu_start(sim, 1, CTRL_STREAMING);
  cr_assert_eq(m78_sim_busy(sim), 1);
  for (int k = 0; k < 4; k++)
    fifo_push(0, (uint32_t)bias_x[k] & 0xFF);
  run_to_end();
  const struct m78_layer_result *r0 = m78_sim_layer_result(sim, 0), *r1 = m78_sim_layer_result(sim, 1);
  cr_assert_not_null(r0);
  cr_assert_not_null(r1);
  cr_expect_eq(r0->layer.streaming, 1, "layer 0 streams");
  cr_expect_eq(r1->layer.streaming, 0, "layer 1 does not stream");
  static const int want0[4] = {17, 14, 19, 12}, want1[4] = {-23, -26, -21, -28}, want_l1[4] = {25, 22, 27, 20};
  expect_bytes(1, 0x40, 0, want0, 4, "streaming layer 0, slot 0 (entry 11)");
  expect_bytes(1, 0x40, 1, want1, 4, "streaming layer 0, slot 1 (entry 12)");
  expect_bytes(3, 0x50, 0, want_l1, 4, "non-streaming layer 1 (entry 20)");
}

Test(stream, non_streaming_layer0_bias_starts_at_bptr_sad)
{
  /* The same layer 0 from data memory, no stream registers, no FIFO:
   * output o reads entry 10 + o (registers.md 5):
   *  slot 0: b = 7 -> x + 56 = 57 54 59 52
   *  slot 1: b = 2 -> x + 16 = 17 14 19 12 */
  tu_init(sim, 1, 1, 0);
  bias_layer0(0, DPTR(1, 0x40));
  put_hwc(0, 0x10, 2, 2, bias_x);
  tu_start_and_run(sim, 1, 0);
  static const int want0[4] = {57, 54, 59, 52}, want1[4] = {17, 14, 19, 12};
  expect_bytes(1, 0x40, 0, want0, 4, "slot 0 (entry 10)");
  expect_bytes(1, 0x40, 1, want1, 4, "slot 1 (entry 11)");
}

/* ------------------------------------------------------------------ */
/* 4. an output map with a hole                                         */

Test(features, output_map_hole_takes_no_bias_entry)
{
  /* Layer 0: 1x2 image x = 10 -7 on processor 0, pad 1, 3 slots with a
   * centre weight of 16, s = 3 (y = x + 8b), writing instance 0 word
   * 0x100 + pix, lanes 0-2 = processors 0-2 (registers.md 6.4).
   * Layer 1 reads processors 0 and 2 from word 0x100 (EN 0x5), so slot 1
   * lies in a hole of its input map: izer has 2 output channels and stores
   * their bias in channel order (registers.md 5 "izer allocation"), the
   * hole only consumes a kernel column (4.3). Bias entries 0 = 2, 1 = -3,
   * 2 = 5:
   *  slot 0 (channel 0): entry 0, b = 2  -> x + 16 = 26 9
   *  slot 1 (hole):      no bias         -> x      = 10 -7
   *  slot 2 (channel 1): entry 1, b = -3 -> x - 24 = -14 -31
   * (counting the hole, slot 1 would read -3 and slot 2 would read 5:
   * x - 24 = -14 -31 and x + 40 = 50 33. registers.md 5's general rule
   * "slot o reads bptr_sad + o, including dummy and gap slots" says
   * that; it cannot hold together with izer's channel-order storage
   * when the hole is inside the consumer's map, and this test follows
   * the storage, as the gap_slots model does.)
   * Layer 1 is a passthrough: processors 0 and 2 packed to lanes 0 and 1
   * of instance 2, word 0x200 + pix (registers.md 6.5). */
  static const int8_t k[9] = {0, 0, 0, 0, 16, 0, 0, 0, 0};
  static const int x[2] = {10, -7};
  tu_init(sim, 1, 2, 0);
  for (int col = 0; col < 3; col++)
    tu_kernel3x3(sim, 0, col, k);
  tu_bias(sim, 0, 0, 2);
  tu_bias(sim, 0, 1, -3);
  tu_bias(sim, 0, 2, 5);
  struct lregs l0 = {.rcnt = XCNT(1, 1),
                     .ccnt = XCNT(2, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00010001,
                     .mcnt = MCNT(0, 16),
                     .lctrl1 = LCTRL1(0, 0, 16), /* 3 slots */
                     .post = POST_SHIFT(3) | POST_BIAS(0),
                     .wptr = DPTR(0, 0x100),
                     .moff = 0x2000};
  struct lregs l1 = {.rcnt = XCNT(1, 0),
                     .ccnt = XCNT(2, 0),
                     .oned = 0x100,
                     .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                     .en = 0x5,
                     .rptr = 0x100,
                     .post = POST_TS_EN | POST_ONEXONE,
                     .wptr = DPTR(2, 0x200),
                     .toff = 0x800};
  program(0, 0, &l0);
  program(0, 1, &l1);
  put_hwc(0, 0, 1, 2, x);
  tu_start_and_run(sim, 1, 0);

  static const int s0[2] = {26, 9}, s1[2] = {10, -7}, s2[2] = {-14, -31};
  expect_bytes(0, 0x100, 0, s0, 2, "slot 0 (entry 0)");
  expect_bytes(0, 0x100, 1, s1, 2, "slot 1 (hole, no bias)");
  expect_bytes(0, 0x100, 2, s2, 2, "slot 2 (entry 1)");
  expect_bytes(2, 0x200, 0, s0, 2, "layer 1 lane 0 = processor 0");
  expect_bytes(2, 0x200, 1, s2, 2, "layer 1 lane 1 = processor 2");
  const struct m78_layer_result *res = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(res);
  cr_expect_eq(res->layer.slots, 3);
  cr_expect_eq(res->layer.gap_slots, 0x2u, "gap_slots = 0x%llx", (unsigned long long)res->layer.gap_slots);
  const struct m78_layer_result *res1 = m78_sim_layer_result(sim, 1);
  cr_assert_not_null(res1);
  cr_expect_eq(res1->layer.gap_slots, 0u, "the last layer has no consumer");
}

/* ------------------------------------------------------------------ */
/* 5. the combined (pre-pool) stage of an element-wise layer            */

/* Processors 0 and 1 (instance 0, lanes 0 and 1), 2x4 image, 2 operands;
 * operand k of pixel pix at word pix*2 + k (registers.md 6.2, NE = 1).
 *
 * processor 0:  a = 100  50 -100   1      b = -100 -60 -100  -2
 *                    20  30  -50 -60            -10   0   60 -70
 *   a + b, clamped:  0 -10 | -128  -1       (-200 -> -128)
 *                   10  30 |   10 -128      (-130 -> -128)
 * processor 1:  a = 60 70 -1 -2            b = 60 70  0 -1
 *                   80 90 -3 -4                80 90 -2  3
 *   a + b, clamped: 120 127 | -1 -3         (140 -> 127)
 *                   127 127 | -5 -1         (160, 180 -> 127)
 * Pool 2x2 stride 2 after combining -> 1x2:
 *   max:  p0: 30, 10          p1: 127, -1
 *   avg (truncating, compute.md 2.2):
 *         p0: 30/4 = 7.5 -> 7;  -247/4 = -61.75 -> -61
 *         p1: 501/4 = 125.25 -> 125;  -10/4 = -2.5 -> -2
 * Pooling each operand first (prepool, ONED bit 16), max:
 *         p0: max a + max b = 100 + 0 = 100;  1 + 60 = 61
 *         p1: 90 + 90 = 180 -> 127;  -1 + 3 = 2 */
static const int elt_a[2][8] = {{100, 50, -100, 1, 20, 30, -50, -60}, {60, 70, -1, -2, 80, 90, -3, -4}};
static const int elt_b[2][8] = {{-100, -60, -100, -2, -10, 0, 60, -70}, {60, 70, 0, -1, 80, 90, -2, 3}};
static const int elt_comb[2][8] = {{0, -10, -128, -1, 10, 30, 10, -128}, {120, 127, -1, -3, 127, 127, -5, -1}};

static const struct m78_layer_result *eltwise_pool_run(int maxpool, int prepool)
{
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(2, 0),
                    .ccnt = XCNT(4, 0),
                    .oned = ONED_EWISE(M78_ELT_ADD, 2) | (prepool ? ONED_PREPOOL : 0),
                    .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL | (maxpool ? LC0_MAXPL : 0),
                    .prcnt = 1,
                    .pccnt = 1,
                    .stride = 1,
                    .en = 0x3,
                    .post = POST_TS_EN,
                    .wptr = DPTR(3, 0),
                    .toff = 0x800};
  program(0, 0, &r);
  for (int p = 0; p < 2; p++)
    for (int pix = 0; pix < 8; pix++) {
      tu_sram_put8(sim, 0, (uint32_t)(2 * pix), p, elt_a[p][pix]);
      tu_sram_put8(sim, 0, (uint32_t)(2 * pix + 1), p, elt_b[p][pix]);
    }
  m78_sim_keep_outputs(sim, 1);
  tu_start_and_run(sim, 1, 0);
  const struct m78_layer_result *res = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(res);
  cr_assert_eq(res->executed, 1, "layer 0: %s", res->error);
  return res;
}

static void expect_combined(const struct m78_layer_result *res)
{
  cr_assert_not_null(res->combined, "no combined stage kept");
  cr_expect_eq(res->comb_c, 2);
  cr_expect_eq(res->comb_h, 2);
  cr_expect_eq(res->comb_w, 4);
  cr_expect_eq(res->combined_bytes, 16u);
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < 8; i++)
      cr_expect_eq(res->combined[p * 8 + i], elt_comb[p][i], "combined channel %d pixel %d = %d, want %d", p, i,
                   res->combined[p * 8 + i], elt_comb[p][i]);
}

Test(features, eltwise_max_pool_after_combining_keeps_combined)
{
  const struct m78_layer_result *res = eltwise_pool_run(1, 0);
  expect_combined(res);
  static const int p0[2] = {30, 10}, p1[2] = {127, -1};
  expect_bytes(3, 0, 0, p0, 2, "max pool, processor 0");
  expect_bytes(3, 0, 1, p1, 2, "max pool, processor 1");
  cr_expect_eq(res->out_c, 2);
  cr_expect_eq(res->out_h, 1);
  cr_expect_eq(res->out_w, 2);
}

Test(features, eltwise_avg_pool_after_combining_keeps_combined)
{
  const struct m78_layer_result *res = eltwise_pool_run(0, 0);
  expect_combined(res);
  static const int p0[2] = {7, -61}, p1[2] = {125, -2};
  expect_bytes(3, 0, 0, p0, 2, "avg pool, processor 0");
  expect_bytes(3, 0, 1, p1, 2, "avg pool, processor 1");
}

Test(features, eltwise_prepool_keeps_no_combined_stage)
{
  const struct m78_layer_result *res = eltwise_pool_run(1, 1);
  cr_expect_null(res->combined, "a layer that pools before combining has no pre-pool combined stage");
  cr_expect_eq(res->combined_bytes, 0u);
  cr_expect_eq(res->comb_c, 0);
  static const int p0[2] = {100, 61}, p1[2] = {127, 2};
  expect_bytes(3, 0, 0, p0, 2, "prepool max, processor 0");
  expect_bytes(3, 0, 1, p1, 2, "prepool max, processor 1");
}

/* ------------------------------------------------------------------ */
/* 6. m78_sim_fifo_starved                                              */

Test(stream, fifo_starved_until_every_enabled_fifo_has_its_frame)
{
  /* FIFO-fed (not streaming) passthrough layer 0 on processors 0 and 16,
   * FIFO_CTRL 0x3908 (FIFOs 0 and 1), IFRM = 2 (1x2 HWC image). FIFO n's
   * word k lands in instance 4n word RPTR + k = 8 + k (registers.md 6.7).
   * Each quadrant copies its processor to lane 0 of its own WPTR_BASE
   * (registers.md 6.5): quadrant 0 -> instance 1 word 0x10 + pix,
   * quadrant 1 -> instance 5 word 0x10 + pix. */
  const uint32_t ctrl = CTRL_FIFO_EN;
  tu_init(sim, 0x3, 1, ctrl);
  for (int q = 0; q < 2; q++) {
    struct lregs r = {.rcnt = XCNT(1, 0),
                      .ccnt = XCNT(2, 0),
                      .oned = 0x100,
                      .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                      .en = 0x1,
                      .rptr = 8,
                      .post = POST_TS_EN | POST_ONEXONE,
                      .wptr = q == 0 ? DPTR(1, 0x10) : DPTR(5, 0x10),
                      .toff = 0x800};
    program(q, 0, &r);
  }
  set_stream(0, 0, 2, 0, 0); /* STRM0 = H*W for a FIFO layer 0 that does not stream (3.17) */
  set_ifrm(0x3, 2);
  fifo_ctrl(0x3);
  tu_start(sim, 0x3, ctrl);
  cr_assert_eq(m78_sim_busy(sim), 1);

  uint32_t frame = 0, pushed[M78_FIFOS] = {99, 99, 99, 99};
  cr_expect_eq(m78_sim_fifo_starved(sim, &frame, pushed), 0x3u, "nothing pushed yet");
  cr_expect_eq(frame, 2u);
  cr_expect_eq(pushed[0], 0u);
  cr_expect_eq(pushed[1], 0u);

  fifo_push(0, 0x11);
  fifo_push(0, 0x22);
  cr_expect_eq(m78_sim_fifo_starved(sim, &frame, pushed), 0x2u, "FIFO 0 has its frame, FIFO 1 has nothing");
  cr_expect_eq(frame, 2u);
  cr_expect_eq(pushed[0], 2u);
  cr_expect_eq(pushed[1], 0u);
  cr_expect_eq(pushed[2], 0u);
  cr_expect_eq(pushed[3], 0u);
  /* the layer cannot run however long we wait */
  m78_sim_run_until(sim, m78_sim_now(sim) + 1000000);
  cr_expect_eq(m78_sim_busy(sim), 1, "layer 0 ran without FIFO 1's frame");
  cr_expect_eq(m78_sim_fifo_starved(sim, NULL, NULL), 0x2u);
  cr_expect_eq(tu_sram_s8(sim, 1, 0x10, 0), 0, "no output yet");

  fifo_push(1, 0x33);
  cr_expect_eq(m78_sim_fifo_starved(sim, NULL, pushed), 0x2u, "FIFO 1 has half its frame");
  cr_expect_eq(pushed[1], 1u);
  fifo_push(1, 0x44);
  cr_expect_eq(m78_sim_fifo_starved(sim, &frame, pushed), 0u, "both frames complete");
  cr_expect_eq(pushed[0], 2u);
  cr_expect_eq(pushed[1], 2u);
  run_to_end();
  cr_expect_eq(m78_sim_fifo_starved(sim, NULL, NULL), 0u, "nothing waits after the run");

  static const int q0[2] = {0x11, 0x22}, q1[2] = {0x33, 0x44};
  expect_bytes(1, 0x10, 0, q0, 2, "quadrant 0 copy of FIFO 0");
  expect_bytes(5, 0x10, 0, q1, 2, "quadrant 1 copy of FIFO 1");
  cr_expect_eq(sram_word(0, 8), 0x11u, "FIFO 0 word 0 at RPTR");
  cr_expect_eq(sram_word(4, 9), 0x44u, "FIFO 1 word 1 at RPTR + 1 of instance 4");
}

/* ------------------------------------------------------------------ */
/* 7. element-wise operands are consecutive words                       */

static void eltwise_add_1x2(void)
{
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(1, 0),
                    .ccnt = XCNT(2, 0),
                    .oned = ONED_EWISE(M78_ELT_ADD, 2),
                    .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                    .en = 0x1,
                    .rptr = 0x30,
                    .post = POST_TS_EN,
                    .wptr = DPTR(3, 0),
                    .toff = 0x800};
  program(0, 0, &r);
}

Test(features, eltwise_operands_are_consecutive_words)
{
  /* registers.md 6.2/6.3: operand k of pixel pix is word
   * RPTR + pix*OPS + k ("words of one pixel are consecutive").
   * A producer that stored operand A = [10 20] at words 0x30, 0x31 and
   * operand B = [1 2] at 0x32, 0x33 (one image after the other) does not
   * get A + B = [11 22]: the hardware adds neighbouring words,
   *  pixel 0 = w0x30 + w0x31 = 10 + 20 = 30,
   *  pixel 1 = w0x32 + w0x33 = 1 + 2 = 3,
   * whatever the producer meant. Interleaved (A0 B0 A1 B1) it gets 11 22. */
  eltwise_add_1x2();
  static const int planar[4] = {10, 20, 1, 2};
  put_hwc(0, 0x30, 1, 4, planar);
  tu_start_and_run(sim, 1, 0);
  static const int want_planar[2] = {30, 3};
  expect_bytes(3, 0, 0, want_planar, 2, "planar operands: neighbouring words added");

  m78_sim_reset(sim);
  eltwise_add_1x2();
  static const int inter[4] = {10, 1, 20, 2};
  put_hwc(0, 0x30, 1, 4, inter);
  tu_start_and_run(sim, 1, 0);
  static const int want_inter[2] = {11, 22};
  expect_bytes(3, 0, 0, want_inter, 2, "interleaved operands");
}
