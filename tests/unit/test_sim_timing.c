/*
 * The cycle model: per-layer cycles from izer's latency equation
 * (../shared/spec/compute.md 7.3), worked by hand for small layers and
 * checked against the mnist figures of 7.4; and when the interrupt rises:
 * run_start + 1 (izer's "Startup") + the sum of the layers' cycles (7.1).
 *
 * Kernels are left zero: timing does not depend on weight values.
 */
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

TestSuite(timing, .init = setup, .fini = teardown);

static uint64_t cycles_of(int layer)
{
  const struct m78_layer_result *r = m78_sim_layer_result(sim, layer);
  cr_assert_not_null(r, "no result for layer %d", layer);
  cr_expect_eq(r->executed, 1, "layer %d: %s", layer, r->error);
  cr_expect_eq(r->end_cycle - r->start_cycle, r->cycles, "layer %d end - start", layer);
  return r->cycles;
}

static void expect_run_total(int nlayers)
{
  uint64_t sum = 0;
  for (int l = 0; l < nlayers; l++)
    sum += cycles_of(l);
  cr_expect_eq(m78_sim_run_end(sim), m78_sim_run_start(sim) + 1 + sum, "interrupt at start + 1 + %llu",
               (unsigned long long)sum);
}

/* ------------------------------------------------------------------ */
/* single layers                                                        */

Test(timing, mnist_layer0_48956)
{
  /* compute.md 7.4: C = 1, 28x28, no pooling, pad 1, 3x3, 60 outputs, M = E = 1
   *  a = 2*M*E = 2;  b = M*E*(1*1 + 1) = 2;  m = 1
   *  PadRow    = 2*pc*(a+1) + m*Wp*(a+1)                      = 6 + 84          = 90
   *  NoConvRow = 2*pc*(a+1) + m*Wp*(b+1)                      = 6 + 84          = 90
   *  ConvRow   = pc*(a+1) + (Kc-1-pc)*(b+1) + (Wo-pc)*b + pc*a = 3 + 3 + 54 + 2 = 62
   *  BottomRow = pc*(a+1) + (Kc-1-pc)*(a+1) + (Wo-pc)*a + pc*a = 3 + 3 + 54 + 2 = 62
   *  OutRow    = M*Wo*Cout                                    = 28*60           = 1680
   *  L = pr*PadRow + (Kr-1-pr)*NoConvRow + (ConvRow+OutRow)*(Hp-(Kr-1-pr)) + pr*(BottomRow+OutRow)
   *    = 90 + 90 + 1742*27 + 1742 = 48956 */
  tu_init(sim, 1, 1, 0);
  TU_WRITE_LREGS(sim, 0, tu_mnist_l0);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 48956u);
  const struct m78_layer_result *r = m78_sim_layer_result(sim, 0);
  cr_expect_eq(r->start_cycle, m78_sim_run_start(sim) + 1, "layer 0 starts one cycle after the enable");
  cr_expect_eq(m78_sim_run_end(sim), m78_sim_run_start(sim) + 1 + 48956);
}

Test(timing, conv3x3_pad1_one_output_78)
{
  /* 1 channel 3x3, pad 1, one output (Cout = 1, M = 1: OutRow gets + Cout)
   *  a = 2, b = 2
   *  PadRow = 2*3 + 3*3 = 15;  NoConvRow = 2*3 + 3*3 = 15
   *  ConvRow = 3 + 1*3 + 2*2 + 2 = 12;  BottomRow = 3 + 3 + 2*2 + 2 = 12
   *  OutRow = 1*3*1 + 1 = 4
   *  L = 15 + 1*15 + (12+4)*(3-1) + 1*(12+4) = 15 + 15 + 32 + 16 = 78 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(3, 1),
                    .ccnt = XCNT(3, 1),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 78u);
  expect_run_total(1);
}

Test(timing, conv3x3_pad0_one_output_28)
{
  /* 3x3 input, pad 0 -> 1x1: a = 2, b = 2
   *  NoConvRow = 0 + 3*(2+1) = 9;  ConvRow = 0 + (3-1-0)*3 + (1-0)*2 + 0 = 8
   *  OutRow = 1*1*1 + 1 = 2
   *  L = (3-1)*9 + (8+2)*(3-2) = 18 + 10 = 28 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(3, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .post = POST_SHIFT(7),
                    .wptr = DPTR(1, 0),
                    .moff = 0x2000};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 28u);
}

Test(timing, two_input_passes_66)
{
  /* 2 passes (M = 2), 3x4 input, pad 0, 2 outputs (Cout = 2), pool_first:
   *  a = 2*M*E = 4;  b = M*E*(1+1) = 4;  m = 1;  Wo = 2
   *  NoConvRow = 0 + 1*4*(b+1) = 20
   *  ConvRow   = 0 + (3-1-0)*(b+1) + (2-0)*b + 0 = 10 + 8 = 18
   *  OutRow    = M*Wo*Cout = 2*2*2 = 8
   *  L = (3-1)*20 + (18+8)*(3-2) = 40 + 26 = 66 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(3, 0),
                    .ccnt = XCNT(4, 0),
                    .lctrl0 = LC0_CONV,
                    .en = 0x00010001,
                    .lctrl1 = LCTRL1(1, 1, 0),
                    .mcnt = MCNT(0, 24),
                    .post = POST_SHIFT(3),
                    .wptr = DPTR(2, 0),
                    .moff = 0x2000,
                    .choff = 1};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 66u);
}

Test(timing, passthrough_max_pool_150)
{
  /* compute.md 7.5 test-passthrough-pool: 3 channels 11x11, max 2x2/2 -> 5x5
   *  b = M*E*(Pr*Pc + 1) = 5;  T = ceil(3 processors / 4) = 1
   *  L = Hp*Wp*(b + M*T) = 25*6 = 150 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(11, 0),
                    .ccnt = XCNT(11, 0),
                    .oned = 0x100,
                    .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL | LC0_MAXPL,
                    .prcnt = 1,
                    .pccnt = 1,
                    .stride = 1,
                    .en = 0x7,
                    .post = POST_TS_EN | POST_ONEXONE,
                    .wptr = DPTR(1, 0),
                    .toff = 0x800};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 150u);
}

Test(timing, eltwise_add_passthrough_720)
{
  /* compute.md 7.5 test-eltwiseadd: 4 channels 12x12, 2 operands, no pooling
   *  b = M*E*(1+1) = 1*2*2 = 4;  T = 1;  L = 144*(4 + 1) = 720 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(12, 0),
                    .ccnt = XCNT(12, 0),
                    .oned = (1u << 13) | (1u << 14) | (1u << 18),
                    .lctrl0 = LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC,
                    .en = 0xF,
                    .post = POST_TS_EN,
                    .wptr = DPTR(1, 0),
                    .toff = 0x800};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 720u);
}

Test(timing, eltwise_add_then_avg_pool_704)
{
  /* compute.md 7.5 test-eltwiseadd-poolafter-avg: 8 channels 17x17, 2 operands,
   * combined before pooling (prepool = 0), avg 2x2/2 -> 8x8
   *  pool_first = 0: b = M*(E*Pr*Pc + 1) = 2*4 + 1 = 9;  T = ceil(8/4) = 2
   *  L = 64*(9 + 2) = 704 */
  tu_init(sim, 1, 1, 0);
  struct lregs r = {.rcnt = XCNT(17, 0),
                    .ccnt = XCNT(17, 0),
                    .oned = (1u << 13) | (1u << 14) | (1u << 18),
                    .lctrl0 = LC0_MASTER | LC0_SRAMLSRC | LC0_POOL,
                    .prcnt = 1,
                    .pccnt = 1,
                    .stride = 1,
                    .en = 0xFF,
                    .post = POST_TS_EN,
                    .wptr = DPTR(1, 0),
                    .toff = 0x2000};
  tu_program(sim, 0, 0, &r);
  tu_start_and_run(sim, 1, 0);
  cr_expect_eq(cycles_of(0), 704u);
}

/* ------------------------------------------------------------------ */
/* the whole mnist network (registers.md 9, compute.md 7.4)             */

Test(timing, mnist_network_70157)
{
  /* layers 48956 + 16664 + 4012 + 332 + 192, plus 1 startup cycle = 70157 */
  tu_init(sim, 0xF, 5, 0);
  tu_mnist_registers(sim);
  tu_start_and_run(sim, 0xF, 0);
  cr_assert_eq(m78_sim_layer_count(sim), 5);
  static const uint64_t want[5] = {48956, 16664, 4012, 332, 192};
  for (int l = 0; l < 5; l++)
    cr_expect_eq(cycles_of(l), want[l], "layer %d: %llu", l, (unsigned long long)cycles_of(l));
  cr_expect_eq(m78_sim_run_end(sim) - m78_sim_run_start(sim), 70157u);
  expect_run_total(5);
  for (int l = 1; l < 5; l++)
    cr_expect_eq(m78_sim_layer_result(sim, l)->start_cycle, m78_sim_layer_result(sim, l - 1)->end_cycle,
                 "layer %d starts when layer %d ends", l, l - 1);
}

/* ------------------------------------------------------------------ */
/* the interrupt                                                        */

static void two_layer_net(void)
{
  /* layer 0: the 78-cycle conv; layer 1: the 28-cycle conv reading its output */
  tu_init(sim, 1, 2, 0);
  struct lregs l0 = {.rcnt = XCNT(3, 1),
                     .ccnt = XCNT(3, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00010001,
                     .post = POST_SHIFT(7),
                     .wptr = DPTR(0, 0x100),
                     .moff = 0x2000};
  struct lregs l1 = {.rcnt = XCNT(3, 0),
                     .ccnt = XCNT(3, 0),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00010001,
                     .rptr = 0x100,
                     .mcnt = MCNT(8, 8),
                     .post = POST_SHIFT(7),
                     .wptr = DPTR(1, 0),
                     .moff = 0x2000};
  tu_program(sim, 0, 0, &l0);
  tu_program(sim, 0, 1, &l1);
}

Test(timing, interrupt_rises_at_start_plus_1_plus_sum)
{
  two_layer_net();
  m78_sim_run_until(sim, 1000); /* idle time before the start */
  cr_expect_eq(m78_sim_now(sim), 1000u);
  tu_start(sim, 1, 0);
  cr_expect_eq(m78_sim_run_start(sim), 1000u, "the run starts at the cycle of the master enable");
  const uint64_t end = 1000 + 1 + 78 + 28;
  cr_expect_eq(m78_sim_next_event(sim), 1000u + 1 + 78, "first wake-up: end of layer 0");
  m78_sim_run_until(sim, end - 1);
  cr_expect_eq(m78_sim_irq(sim), 0, "no interrupt one cycle early");
  cr_expect_eq(m78_sim_busy(sim), 1);
  cr_expect_eq(tu_rd(sim, 0x50100000, 4) & CTRL_CNN_IRQ, 0u);
  cr_expect_eq(m78_sim_next_event(sim), end);
  m78_sim_run_until(sim, end);
  cr_expect_eq(m78_sim_irq(sim), 1);
  cr_expect_eq(m78_sim_busy(sim), 0);
  cr_expect_eq(tu_rd(sim, 0x50100000, 4) & CTRL_CNN_IRQ, CTRL_CNN_IRQ);
  cr_expect_eq(m78_sim_run_end(sim), end);
  cr_expect_eq(m78_sim_next_event(sim), UINT64_MAX, "nothing pending");
  cr_expect_eq(cycles_of(0), 78u);
  cr_expect_eq(cycles_of(1), 28u);
  expect_run_total(2);
}

Test(timing, catching_up_in_one_call)
{
  two_layer_net();
  tu_start(sim, 1, 0);
  uint64_t s = m78_sim_run_start(sim);
  m78_sim_run_until(sim, s + 10000);
  cr_expect_eq(m78_sim_irq(sim), 1);
  cr_expect_eq(m78_sim_run_end(sim), s + 1 + 78 + 28, "catch-up keeps the exact interrupt cycle");
  cr_expect_eq(m78_sim_now(sim), s + 10000);
}

Test(timing, armed_quadrants_all_get_cnn_irq)
{
  two_layer_net();
  for (int q = 1; q < 4; q++)
    tu_wr32(sim, tu_greg_addr(q, 0), CTRL_CLK_EN);
  tu_start_and_run(sim, 0x5, 0); /* quadrants 0 and 2 armed */
  cr_expect_eq(tu_rd(sim, tu_greg_addr(0, 0), 4) & CTRL_CNN_IRQ, CTRL_CNN_IRQ);
  cr_expect_eq(tu_rd(sim, tu_greg_addr(2, 0), 4) & CTRL_CNN_IRQ, CTRL_CNN_IRQ);
  cr_expect_eq(tu_rd(sim, tu_greg_addr(1, 0), 4) & CTRL_CNN_IRQ, 0u, "quadrant 1 took no part");
}

struct ev {
  enum m78_event ev;
  int layer;
  uint64_t cycle;
};
struct ev_log {
  int n;
  struct ev e[16];
};

static void on_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  struct ev_log *log = ctx;
  if (log->n < 16)
    log->e[log->n++] = (struct ev){ev, layer, cycle};
}

Test(timing, events_carry_the_cycle_they_happen_at)
{
  struct ev_log log = {0};
  struct m78_hooks hooks = {.ctx = &log, .on_event = on_event};
  m78_sim_set_hooks(sim, &hooks);
  two_layer_net();
  m78_sim_run_until(sim, 500);
  tu_start_and_run(sim, 1, 0);
  /* start 500; layer 0 runs 501..579, layer 1 579..607; interrupt at 607 */
  static const struct ev want[6] = {
      {M78_EV_START, -1, 500},      {M78_EV_LAYER_START, 0, 501}, {M78_EV_LAYER_DONE, 0, 579},
      {M78_EV_LAYER_START, 1, 579}, {M78_EV_LAYER_DONE, 1, 607},  {M78_EV_DONE, -1, 607},
  };
  cr_assert_eq(log.n, 6, "%d events", log.n);
  for (int i = 0; i < 6; i++) {
    cr_expect_eq(log.e[i].ev, want[i].ev, "event %d kind", i);
    cr_expect_eq(log.e[i].layer, want[i].layer, "event %d layer", i);
    cr_expect_eq(log.e[i].cycle, want[i].cycle, "event %d (kind %d, layer %d) at %llu, want %llu", i, log.e[i].ev,
                 log.e[i].layer, (unsigned long long)log.e[i].cycle, (unsigned long long)want[i].cycle);
  }
}

Test(timing, no_start_without_the_master_edge)
{
  two_layer_net();
  /* arming quadrant 1 alone does nothing; the master must go 0 -> 1 */
  tu_wr32(sim, tu_greg_addr(1, 0), CTRL_CLK_EN | CTRL_CNN_EN);
  cr_expect_eq(m78_sim_busy(sim), 0);
  tu_start(sim, 1, 0);
  cr_expect_eq(m78_sim_busy(sim), 1);
  cr_expect_eq(m78_sim_runs(sim), 1u);
  /* writing cnn_en = 1 again while running is no new edge */
  tu_wr32(sim, tu_greg_addr(0, 0), CTRL_CLK_EN | CTRL_CNN_EN);
  cr_expect_eq(m78_sim_runs(sim), 1u);
}
