/*
 * The energy model (sim/src/energy.c): activity counts worked by hand for
 * a small layer, energy = constants x activity + leakage x time, and the
 * control bits the firmware writes (SRAM register, AON power-down,
 * quadrant power) changing the result.
 *
 * Layer: 1 channel 8x8 on processor 0, 3x3, pad 1, 4 outputs (492
 * cycles, see test_sim_stream.c), quadrant 0 only (the only one clocked).
 *   quadrant-cycles  = 1 x 492
 *   processor-cycles = 1 x 492
 *   kernel reads     = 1 mask x 64 output pixels x 4 slots x 1 pass = 256
 *   SRAM reads       = 1 four-processor group x 64 pixels = 64
 *   TRAM writes      = 1 processor x (8+2) x (8+2) padded pixels = 100
 *   SRAM writes      = 64 output pixels x ceil(4 slots / 4) = 64
 */
#include <math.h>
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

TestSuite(energy, .init = setup, .fini = teardown);

static void program(uint32_t sram_ctrl)
{
  tu_init(sim, 1, 1, 0);
  tu_wr32(sim, tu_greg_addr(0, 0x004), sram_ctrl);
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
}

static const struct m78_layer_result *run(uint32_t sram_ctrl)
{
  program(sram_ctrl);
  tu_start_and_run(sim, 1, 0);
  const struct m78_layer_result *r = m78_sim_layer_result(sim, 0);
  cr_assert_not_null(r);
  cr_assert_eq(r->cycles, 492u);
  return r;
}

Test(energy, activity_by_hand)
{
  const struct m78_activity *a = &run(0x40E)->activity;
  cr_expect_eq(a->busy_cycles, 492u);
  cr_expect_eq(a->proc_cycles[0], 492u);
  cr_expect_eq(a->proc_cycles[1] + a->proc_cycles[2] + a->proc_cycles[3], 0u);
  cr_expect_eq(a->macs, 1u * 9 * 4 * 64);
  cr_expect_eq(a->kernel_reads[0], 256u);
  cr_expect_eq(a->sram_reads[0], 64u);
  cr_expect_eq(a->tram_writes[0], 100u);
  cr_expect_eq(a->sram_writes[0], 64u);
}

Test(energy, energy_is_constants_times_activity_plus_leakage)
{
  const struct m78_energy_consts *k = &m78_energy_consts;
  const struct m78_energy *e = &run(0x40E)->energy;
  double dyn = 492 * k->quad_cycle_pj + 492 * k->proc_cycle_pj + 2304 * k->mac_pj + 256 * k->kernel_read_pj +
               64 * k->sram_word_pj + 64 * k->sram_word_pj + 100 * k->tram_word_pj;
  cr_expect(fabs(e->dynamic_pj - dyn) < 1e-6, "dynamic %.6f pJ, by hand %.6f pJ", e->dynamic_pj, dyn);
  /* all four quadrants powered (reset state), 492 cycles at 50 MHz */
  double leak_mw = k->leak_q0_mw + 3 * k->leak_qx_mw;
  double stat = leak_mw * 1e9 * 492 / 50e6;
  cr_expect(fabs(e->static_pj - stat) < 1e-6, "static %.6f pJ, by hand %.6f pJ", e->static_pj, stat);
  cr_expect(fabs(e->total_pj - dyn - stat) < 1e-6);
  /* the datasheet's leakage: 790.4 uA at 1.1 V with all quadrants */
  cr_expect(fabs(leak_mw - 0.7904 * 1.1) < 1e-9);
}

Test(energy, read_margin_and_assist_raise_memory_energy)
{
  double base = run(0x40E)->energy.mem_pj;
  m78_sim_reset(sim);
  /* read assist 1 (bits 7:6), rmargin 3 kept */
  double assist = run(0x40E | (1u << 6))->energy.mem_pj;
  cr_expect_gt(assist, base);
  /* slower read margins (0 = slowest) cost more, each step less than the one before */
  double prev = base, step = 1e300;
  for (unsigned rm = 3; rm-- > 0;) {
    m78_sim_reset(sim);
    double e = run((0x40E & ~(0xFu << 2)) | (rm << 2))->energy.mem_pj;
    cr_expect_gt(e, prev, "rmargin %u costs more than rmargin %u", rm, rm + 1);
    cr_expect_lt(e - prev, step, "rmargin %u: a smaller step than the one before", rm);
    step = e - prev;
    prev = e;
  }
  const struct m78_energy_consts *k = &m78_energy_consts;
  double g = k->rmargin_gain, r = k->rmargin_ratio;
  cr_expect(fabs(m78_energy_read_factor(0x40A) - (1 + g)) < 1e-12);
  cr_expect(fabs(m78_energy_read_factor(0x402) - (1 + g * (1 + r + r * r))) < 1e-12);
  cr_expect_eq(m78_energy_read_factor(0x40E & ~0x2u), 1.0, "rmargin_en = 0: the hardware's (fastest) default");
  cr_expect_eq(m78_energy_read_factor((0x40E & ~(0xFu << 2)) | (7u << 2)), 1.0, "reserved values: no change");
  cr_expect_eq(m78_energy_read_factor(0x40E), 1.0, "izer's default is the calibration point");
  cr_expect_eq(m78_energy_write_factor(0x40E), 1.0);
}

Test(energy, clocked_quadrants_follow_clk_en_and_the_cnn_clock)
{
  struct m78_energy_ctl ctl;
  tu_init(sim, 0x5, 1, 0); /* CTRL clk_en in quadrants 0 and 2 */
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.clocked_quads, 0x5u);
  m78_sim_set_power(sim, 0x1, 0);
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.clocked_quads, 0x1u, "an unpowered quadrant is not clocked");
  m78_sim_set_clock_enabled(sim, 0);
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.clocked_quads, 0u, "CNN clock off in the GCR");
}

Test(energy, power_bits_change_the_leakage)
{
  struct m78_energy_ctl ctl = {.powered_quads = 0xF, .sram_ctrl = {0x40E, 0x40E, 0x40E, 0x40E}, .cnn_hz = 50000000};
  double all = m78_energy_static_mw(&ctl, 0);
  ctl.powered_quads = 0x1;
  double q0 = m78_energy_static_mw(&ctl, 0);
  cr_expect(fabs(q0 - m78_energy_consts.leak_q0_mw) < 1e-12, "quadrant 0 only: the datasheet's 264 uA");
  cr_expect_lt(q0, all);
  ctl.powered_quads = 0xF;
  for (int g = 0; g < 4; g++)
    ctl.sram_ctrl[g] = 0x40E | (0xFu << 19); /* light sleep on every memory */
  cr_expect_lt(m78_energy_static_mw(&ctl, 0), all, "light sleep lowers idle leakage");
  cr_expect(fabs(m78_energy_static_mw(&ctl, 1) - all) < 1e-12, "no light sleep while running");
  for (int g = 0; g < 4; g++)
    ctl.sram_ctrl[g] = 0x40E | (1u << 16); /* data SRAM powered down */
  cr_expect_lt(m78_energy_static_mw(&ctl, 1), all);
  ctl.powered_quads = 0;
  cr_expect_eq(m78_energy_static_mw(&ctl, 0), 0.0);
}

Test(energy, aon_power_down_and_gcfr_power_reach_the_model)
{
  struct m78_energy_ctl ctl;
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.powered_quads, 0xFu);
  tu_wr32(sim, M78_AON_BASE, 0xEu << 12); /* power down quadrants 1-3 */
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.powered_quads, 0x1u);
  tu_wr32(sim, M78_AON_BASE, 0);
  m78_sim_set_power(sim, 0x3, 0);
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.powered_quads, 0x3u);
  m78_sim_set_clock_hz(sim, 12500000);
  m78_sim_energy_ctl(sim, &ctl);
  cr_expect_eq(ctl.cnn_hz, 12500000u);
}

Test(energy, slower_clock_more_leakage_same_dynamic)
{
  const struct m78_layer_result *r = run(0x40E);
  double dyn = r->energy.dynamic_pj, stat = r->energy.static_pj;
  m78_sim_reset(sim);
  m78_sim_set_clock_hz(sim, 50000000 / 4);
  r = run(0x40E);
  cr_expect(fabs(r->energy.dynamic_pj - dyn) < 1e-9, "dynamic energy does not depend on the clock");
  cr_expect(fabs(r->energy.static_pj - 4 * stat) < 1e-6, "leakage over four times the time");
}

Test(energy, access_energy_by_region)
{
  struct m78_energy_ctl ctl = {.powered_quads = 0xF, .sram_ctrl = {0x40E, 0x40E, 0x40E, 0x40E}, .cnn_hz = 50000000};
  const struct m78_energy_consts *k = &m78_energy_consts;
  cr_expect_eq(m78_energy_access_pj(tu_proc_base(0), 1, &ctl), k->mram_write_pj);
  cr_expect_eq(m78_energy_access_pj(tu_sram_addr(0, 5), 1, &ctl), k->sram_word_pj);
  cr_expect_eq(m78_energy_access_pj(tu_bias_addr(0, 3), 1, &ctl), k->bias_write_pj);
  cr_expect_eq(m78_energy_access_pj(tu_greg_addr(0, 0), 1, &ctl), k->reg_write_pj);
  cr_expect_eq(m78_energy_access_pj(0x40000000u, 1, &ctl), 0.0, "not a CNN address");
}
