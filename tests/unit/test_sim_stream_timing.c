/*
 * The stream scheduler (sim/src/stream_timing.c): streaming layers take
 * izer's non-streaming cycles of work (not its x1.5 guess), wait for FIFO
 * words that have not arrived, interleave with the layer they feed, and
 * the FIFO reports full while the network has not taken the words.
 *
 * The test layer: 1 channel 8x8 (processor 0), 3x3, pad 1, 4 outputs.
 * compute.md 7.3 with M = E = 1, Pr = Pc = 1, Cout = 4:
 *   a = 2, b = 2;  PadRow = 2*3 + 8*3 = 30;  NoConvRow = 6 + 8*3 = 30
 *   ConvRow = 3 + 1*3 + 7*2 + 2 = 22;  BottomRow = 3 + 3 + 7*2 + 2 = 22
 *   OutRow = 1*8*4 = 32
 *   L = 30 + 30 + (22 + 32)*7 + (22 + 32) = 492   (izer's estimate: 738)
 * The consumer in the two-layer test: 4 channels (processors 4-7), same
 * geometry, 2 outputs: OutRow = 16, L = 60 + 38*7 + 38 = 364.
 */
#include "sim_test_util.h"

#define CTRL_STREAM (1u << 14)
#define CTRL_FIFO (1u << 15)
#define CTRL_LILBUF (1u << 19)
#define FIFO_STAT 0x50000004u
#define FIFO_WR0 0x50000008u

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

TestSuite(stream_timing, .init = setup, .fini = teardown);

static void layer0(uint32_t strm0, uint32_t fbuf)
{
  struct lregs r = {.rcnt = XCNT(8, 1),
                    .ccnt = XCNT(8, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .lctrl1 = LCTRL1(0, 0, 24),
                    .mcnt = MCNT(0, 24),
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  tu_program(sim, 0, 0, &r);
  tu_lreg(sim, 0, M78_LREG_ARRAY_STRM0, 0, strm0);
  tu_lreg(sim, 0, M78_LREG_ARRAY_FBUF, 0, fbuf);
}

static const struct m78_layer_result *result(int i)
{
  const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
  cr_assert_not_null(r);
  cr_assert_eq(r->error[0], '\0', "layer %d: %s", i, r->error);
  return r;
}

Test(stream_timing, preloaded_input_costs_the_non_streaming_cycles)
{
  tu_init(sim, 1, 1, CTRL_STREAM);
  layer0(1, 2);
  tu_start_and_run(sim, 1, CTRL_STREAM);
  cr_assert_eq(m78_sim_streaming_layers(sim), 1);
  const struct m78_layer_result *r = result(0);
  cr_expect_eq(r->cycles, 492u, "streaming layer: %llu cycles", (unsigned long long)r->cycles);
  cr_expect_eq(r->stall_cycles, 0u);
  cr_expect_eq(r->start_cycle, m78_sim_run_start(sim) + 1);
  cr_expect_eq(m78_sim_run_end(sim), m78_sim_run_start(sim) + 1 + 492);
}

/* Pushes the 64 input words into FIFO 0, one every `gap` cycles. */
static uint64_t push_frame(uint64_t gap)
{
  uint64_t last = 0;
  for (int k = 0; k < 64; k++) {
    if (gap)
      m78_sim_run_until(sim, m78_sim_now(sim) + gap);
    last = m78_sim_now(sim);
    tu_wr32(sim, FIFO_WR0, (uint32_t)k);
  }
  return last;
}

static void fifo_setup(void)
{
  tu_init(sim, 1, 1, CTRL_STREAM | CTRL_FIFO | CTRL_LILBUF);
  layer0(1, 2);
  tu_wr32(sim, tu_greg_addr(0, 0x990), 64); /* IFRM: words per frame */
  tu_start(sim, 1, CTRL_STREAM | CTRL_FIFO | CTRL_LILBUF);
  cr_assert_eq(m78_sim_busy(sim), 1);
}

Test(stream_timing, slow_fifo_sets_the_pace)
{
  fifo_setup();
  uint64_t last = push_frame(100); /* much slower than the 6-cycle columns */
  m78_sim_run_until(sim, m78_sim_now(sim) + 100000);
  cr_assert_eq(m78_sim_busy(sim), 0, "the inference did not finish");
  const struct m78_layer_result *r = result(0);
  cr_expect_eq(r->cycles - r->stall_cycles, 492u, "work: %llu", (unsigned long long)(r->cycles - r->stall_cycles));
  cr_expect_gt(r->stall_cycles, 5000u, "stall: %llu", (unsigned long long)r->stall_cycles);
  cr_expect_eq(r->end_cycle - r->start_cycle, r->cycles, "the machine idles only while it waits");
  /* after the last word: the rest of that row, the bottom row (22 + 32)
   * and the right-pad column: well under 100 cycles */
  cr_expect_geq(r->end_cycle, last);
  cr_expect_lt(r->end_cycle - last, 100u, "tail %llu", (unsigned long long)(r->end_cycle - last));
  cr_expect_gt(m78_sim_stall_count(sim), 10u);
  uint64_t total = 0, a, b;
  for (size_t i = 0; i < m78_sim_stall_count(sim); i++) {
    m78_sim_stall_get(sim, i, &a, &b);
    cr_expect_lt(a, b);
    total += b - a;
  }
  cr_expect_eq(total, r->stall_cycles, "stall intervals add up to the stall cycles");
}

Test(stream_timing, faster_fifo_finishes_sooner)
{
  fifo_setup();
  push_frame(20);
  m78_sim_run_until(sim, m78_sim_now(sim) + 100000);
  uint64_t fast = result(0)->cycles;
  m78_sim_reset(sim);
  fifo_setup();
  push_frame(100);
  m78_sim_run_until(sim, m78_sim_now(sim) + 100000);
  uint64_t slow = result(0)->cycles;
  cr_expect_lt(fast, slow, "20-cycle words %llu, 100-cycle words %llu", (unsigned long long)fast,
               (unsigned long long)slow);
  cr_expect_geq(fast, 492u);
}

Test(stream_timing, fifo_full_until_the_network_takes_words)
{
  fifo_setup();
  /* FBUF = 2 words of circular buffer behind the FIFO */
  for (int k = 0; k < M78_FIFO_DEPTH + 2; k++) {
    cr_expect_eq(tu_rd(sim, FIFO_STAT, 4) & 1, 0u, "full after %d words", k);
    tu_wr32(sim, FIFO_WR0, (uint32_t)k);
  }
  /* no simulated time has passed: the layer has fetched nothing yet */
  cr_expect_eq(tu_rd(sim, FIFO_STAT, 4) & 1, 1u, "not full after %d words", M78_FIFO_DEPTH + 2);
  m78_sim_run_until(sim, m78_sim_now(sim) + 200);
  cr_expect_eq(tu_rd(sim, FIFO_STAT, 4) & 1, 0u, "still full after 200 cycles");
}

Test(stream_timing, two_layers_interleave)
{
  tu_init(sim, 1, 2, CTRL_STREAM);
  layer0(1, 2);
  struct lregs r1 = {.rcnt = XCNT(8, 1),
                     .ccnt = XCNT(8, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00F000F0,
                     .lctrl1 = LCTRL1(0, 0, 8),
                     .mcnt = MCNT(0, 8),
                     .post = POST_SHIFT(7),
                     .wptr = DPTR(2, 0),
                     .moff = 0x2000};
  tu_program(sim, 0, 1, &r1);
  tu_lreg(sim, 0, M78_LREG_ARRAY_STRM0, 1, 20); /* start after 20 of layer 0's pixels */
  tu_lreg(sim, 0, M78_LREG_ARRAY_FBUF, 1, 30);
  tu_start_and_run(sim, 1, CTRL_STREAM);
  cr_assert_eq(m78_sim_streaming_layers(sim), 2);
  const struct m78_layer_result *a = result(0), *b = result(1);
  cr_expect_eq(a->cycles, 492u);
  cr_expect_eq(b->cycles, 364u);
  cr_expect_eq(a->stall_cycles + b->stall_cycles, 0u);
  cr_expect_gt(b->start_cycle, a->start_cycle + 30 + 30, "layer 1 waits for its start count");
  cr_expect_lt(b->start_cycle, a->end_cycle, "layer 1 starts while layer 0 runs");
  cr_expect_gt(b->end_cycle, a->end_cycle);
  cr_expect_eq(m78_sim_run_end(sim), b->end_cycle);
  cr_expect_eq(m78_sim_run_end(sim) - m78_sim_run_start(sim), 1u + 492 + 364, "one state machine, never idle");
}

/* One run's timing: every layer's cycles and stall, the run's end, and
 * the stall intervals. */
struct timing {
  uint64_t cycles[2], stall[2], start[2], end[2], run_len;
  size_t nstalls;
  uint64_t stalls[64][2];
};

static void take_timing(struct timing *t, int nl)
{
  memset(t, 0, sizeof *t);
  for (int i = 0; i < nl; i++) {
    const struct m78_layer_result *r = result(i);
    t->cycles[i] = r->cycles;
    t->stall[i] = r->stall_cycles;
    t->start[i] = r->start_cycle - m78_sim_run_start(sim);
    t->end[i] = r->end_cycle - m78_sim_run_start(sim);
  }
  t->run_len = m78_sim_run_end(sim) - m78_sim_run_start(sim);
  t->nstalls = m78_sim_stall_count(sim);
  for (size_t i = 0; i < t->nstalls && i < 64; i++) {
    m78_sim_stall_get(sim, i, &t->stalls[i][0], &t->stalls[i][1]);
    t->stalls[i][0] -= m78_sim_run_start(sim);
    t->stalls[i][1] -= m78_sim_run_start(sim);
  }
}

static void fifo_run(uint32_t strm0, uint32_t fbuf, uint64_t gap, struct timing *t)
{
  tu_init(sim, 1, 1, CTRL_STREAM | CTRL_FIFO | CTRL_LILBUF);
  layer0(strm0, fbuf);
  tu_wr32(sim, tu_greg_addr(0, 0x990), 64);
  tu_start(sim, 1, CTRL_STREAM | CTRL_FIFO | CTRL_LILBUF);
  cr_assert_eq(m78_sim_busy(sim), 1);
  push_frame(gap);
  m78_sim_run_until(sim, m78_sim_now(sim) + 100000);
  cr_assert_eq(m78_sim_busy(sim), 0, "the inference did not finish");
  take_timing(t, 1);
}

/* The step lists kept for the next inference (eval's) give the schedule
 * a fresh instance computes, and registers that change are not served
 * the old lists. */
Test(stream_timing, kept_step_lists_time_as_fresh_ones)
{
  struct timing first, again, other, fresh;
  fifo_run(1, 2, 30, &first);
  cr_expect_gt(first.nstalls, 1u, "the test wants waits to compare");
  fifo_run(1, 2, 30, &again); /* same registers: the kept lists */
  cr_expect(memcmp(&first, &again, sizeof first) == 0, "the second inference timed differently");
  fifo_run(9, 5, 30, &other); /* another start count and buffer: new lists */
  m78_sim_free(sim);
  sim = m78_sim_new();
  cr_assert_not_null(sim);
  fifo_run(9, 5, 30, &fresh);
  cr_expect(memcmp(&other, &fresh, sizeof other) == 0, "changed registers timed as by a fresh instance");
  cr_expect(memcmp(&other, &first, sizeof other) != 0, "the changed registers should change the timing");
}

/* The FIFO loader's calls (m78_sim_fifo_stat_at, m78_sim_fifo_push_at,
 * the host's lane) against m78_sim_run_until plus the bus: a loader
 * that polls before every push, at a pace that fills the FIFO and then
 * waits, gives the same answers, the same timing and the same memory. */
Test(stream_timing, fifo_calls_equal_the_bus)
{
  m78_sim *sims[2];
  uint32_t polls[2][400];
  int npolls[2] = {0, 0};
  for (int v = 0; v < 2; v++) {
    fifo_setup();
    sims[v] = sim;
    uint64_t t = m78_sim_now(sim);
    for (uint32_t k = 0; k < 64; k++) {
      uint32_t st;
      do {
        t += 2; /* faster than the layer's 6-cycle columns: the FIFO fills */
        if (v == 0) {
          m78_sim_run_until(sim, t);
          st = tu_rd(sim, FIFO_STAT, 4);
        } else
          cr_assert_eq(m78_sim_fifo_stat_at(sim, t, &st), M78_OK);
        cr_assert_lt(npolls[v], 400);
        polls[v][npolls[v]++] = st;
      } while (st & 1);
      t += 3;
      if (v == 0) {
        m78_sim_run_until(sim, t);
        tu_wr32(sim, FIFO_WR0, 0x01010101u * (k + 1));
      } else
        cr_assert_eq(m78_sim_fifo_push_at(sim, t, 0, 0x01010101u * (k + 1)), M78_OK);
    }
    m78_sim_run_until(sim, t + 100000);
    cr_assert_eq(m78_sim_busy(sim), 0, "the inference did not finish");
    if (v == 0)
      sim = m78_sim_new(); /* the second one; teardown frees it */
  }
  cr_assert_eq(npolls[0], npolls[1]);
  cr_expect_gt(npolls[0], 64, "the FIFO never filled: the test does not test the full answer");
  cr_assert_arr_eq(polls[0], polls[1], (size_t)npolls[0] * sizeof polls[0][0]);
  const struct m78_layer_result *a = m78_sim_layer_result(sims[0], 0), *b = m78_sim_layer_result(sims[1], 0);
  cr_expect_eq(a->cycles, b->cycles);
  cr_expect_eq(a->stall_cycles, b->stall_cycles);
  cr_expect_eq(a->start_cycle, b->start_cycle);
  cr_expect_eq(a->end_cycle, b->end_cycle);
  cr_expect_eq(m78_sim_stall_count(sims[0]), m78_sim_stall_count(sims[1]));
  cr_expect_eq(m78_sim_run_end(sims[0]), m78_sim_run_end(sims[1]));
  for (int i = 0; i < M78_SRAM_INSTANCES; i++)
    cr_expect_arr_eq(m78_sram_view(sims[0], i), m78_sram_view(sims[1], i), M78_SRAM_WORDS * 4, "instance %d", i);
  m78_sim_free(sims[0]);
}
