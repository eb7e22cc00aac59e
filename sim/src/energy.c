/*
 * Energy model (see max78sim/energy.h and docs/energy-model.md).
 *
 * The activity counts follow the hardware walk that the cycle model
 * accounts: every busy cycle each enabled processor is clocked; every
 * output channel of every output pixel of every pass reads one kernel
 * word in each processor with a mask; every input pixel of every pass
 * and operand is read from data SRAM once per group of four processors
 * (one 32-bit word feeds four processors in HWC; CHW packs four pixels
 * of one channel per word) and written into the TRAM of each enabled
 * processor; every output pixel writes its slots, four per word.
 *
 * The constants come in three kinds (docs/energy-model.md section 4):
 * fitted on the fitting set of the public measurements (per clocked
 * quadrant-cycle, per processor-cycle, per MAC on CIFAR-10 layers 0-2;
 * the CPU's sleep saving and the ISO clock's power on the slopes of
 * energy over time under the CNN clock dividers; the read-margin factor
 * on two of its settings), taken from the datasheet (leakage), and
 * estimates that no measurement separates (per-word memory energies,
 * the other SRAM control bits).
 */
#include "max78sim/energy.h"
#include "max78sim/regs.h"
#include "max78sim/sim.h"

/* Fitted by `max78sim bench-energy --fit` (it checks that these are its
 * solution). */
#define QUAD_CYCLE_PJ 8.047
#define PROC_CYCLE_PJ 14.003
#define MAC_PJ 1.1128
#define CPU_SLEEP_DELTA_MW -2.0314
#define ISO_CLOCK_MW 0.4581
#define RMARGIN_GAIN 0.8480
#define RMARGIN_RATIO 0.7117

const struct m78_energy_consts m78_energy_consts = {
    .quad_cycle_pj = QUAD_CYCLE_PJ,
    .proc_cycle_pj = PROC_CYCLE_PJ,
    .mac_pj = MAC_PJ,
    .kernel_read_pj = 7.2,
    .sram_word_pj = 3.2,
    .tram_word_pj = 1.6,
    .mram_write_pj = 3.2,
    .bias_write_pj = 0.8,
    .reg_write_pj = 1.0,
    .leak_q0_mw = 0.264 * 1.1,
    .leak_qx_mw = (0.7904 - 0.264) / 3.0 * 1.1,
    .mem_leak_share = 0.6,
    .cpu_sleep_delta_mw = CPU_SLEEP_DELTA_MW,
    .iso_clock_mw = ISO_CLOCK_MW,
    .rmargin_gain = RMARGIN_GAIN,
    .rmargin_ratio = RMARGIN_RATIO,
};

/* Capacity share of each memory in a quadrant (bits): data SRAM 4 x 8192
 * x 32, kernel memory 16 x 768 x 72, TRAM 16 x 3072 x 16, bias 512 x 8. */
#define BITS_DATA (4.0 * 8192 * 32)
#define BITS_MASK (16.0 * 768 * 72)
#define BITS_TRAM (16.0 * 3072 * 16)
#define BITS_BIAS (512.0 * 8)
#define BITS_ALL (BITS_DATA + BITS_MASK + BITS_TRAM + BITS_BIAS)

static unsigned popc16(uint64_t procs, int g)
{
  return (unsigned)__builtin_popcountll((procs >> (16 * g)) & 0xFFFF);
}

/* four-processor groups (data SRAM instances) with an enabled processor */
static unsigned groups(uint64_t procs, int g)
{
  unsigned n = 0;
  for (int i = 0; i < 4; i++)
    n += ((procs >> (16 * g + 4 * i)) & 0xF) != 0;
  return n;
}

void m78_energy_activity(const struct m78_layer *l, uint64_t busy, uint64_t stall, struct m78_activity *a)
{
  *a = (struct m78_activity){0};
  a->busy_cycles = busy;
  a->stall_cycles = stall;
  a->macs = l->macs;
  unsigned nproc = (unsigned)__builtin_popcountll(l->in_procs);
  uint64_t in_px = (uint64_t)l->h * (uint64_t)l->w;
  uint64_t out_px = (uint64_t)l->ho * (uint64_t)l->wo;
  uint64_t tram_px = (uint64_t)(l->hp + 2 * l->pad_r) * (uint64_t)(l->wp + 2 * l->pad_c);
  uint64_t passes = (uint64_t)(l->ne > 0 ? l->ne : 1) * (uint64_t)(l->ops > 0 ? l->ops : 1);
  uint64_t out_words;
  if (l->kind == M78_LAYER_PASSTHROUGH)
    out_words = out_px * (uint64_t)((l->out_channels + 3) / 4);
  else
    out_words = out_px * (uint64_t)((l->slots + 3) / 4) * (l->out32 ? 4u : 1u);
  for (int g = 0; g < 4; g++) {
    unsigned np = popc16(l->in_procs, g), nm = popc16(l->mask_procs, g);
    if (!np)
      continue;
    a->proc_cycles[g] = (uint64_t)np * busy;
    if (l->kind != M78_LAYER_PASSTHROUGH)
      a->kernel_reads[g] = (uint64_t)nm * out_px * (uint64_t)l->slots * (uint64_t)l->ne;
    if (l->chw)
      a->sram_reads[g] = (uint64_t)np * ((in_px + 3) / 4);
    else
      a->sram_reads[g] = (uint64_t)groups(l->in_procs, g) * in_px * passes;
    a->tram_writes[g] = (uint64_t)np * tram_px * passes;
    a->sram_writes[g] = nproc ? out_words * np / nproc : 0;
  }
}

double m78_energy_read_factor(uint32_t s)
{
  /* Read margin: a slower SRAM access (rmargin below izer's 3) keeps the
   * word line and sense amplifiers on longer; the first step costs
   * rmargin_gain of the read energy, each further one rmargin_ratio times
   * the step before (fitted on two settings, section 4).  rmargin_en = 0
   * leaves the access time to the hardware (its reset default, 3) and
   * values 4-15 are reserved: factor 1.  Read assist (word-line
   * underdrive): +10 % per step, an estimate no measurement checks. */
  const struct m78_energy_consts *k = &m78_energy_consts;
  double f = 1.0;
  unsigned rm = M78_GET(s, SRAM, RMARGIN);
  if (M78_GET(s, SRAM, RMARGIN_EN) && rm < 3) {
    double step = k->rmargin_gain;
    for (unsigned i = rm; i < 3; i++, step *= k->rmargin_ratio)
      f += step;
  }
  f += 0.10 * (double)M78_GET(s, SRAM, RA);
  return f;
}

double m78_energy_write_factor(uint32_t s)
{
  /* Negative bit-line write assist: +5 % per voltage step (estimate);
   * write pulse width: +3 % per step (estimate). */
  double f = 1.0;
  if (M78_GET(s, SRAM, WNEG_EN))
    f += 0.05 * (double)M78_GET(s, SRAM, WNEG_VOL);
  f += 0.03 * (double)M78_GET(s, SRAM, WPULSE);
  return f;
}

static double quad_leak_mw(const struct m78_energy_ctl *ctl, int g, int running)
{
  const struct m78_energy_consts *k = &m78_energy_consts;
  if (!((ctl->powered_quads >> g) & 1))
    return 0.0;
  double p = g == 0 ? k->leak_q0_mw : k->leak_qx_mw;
  double mem = p * k->mem_leak_share, logic = p - mem;
  uint32_t s = ctl->sram_ctrl[g];
  double d = mem * BITS_DATA / BITS_ALL, m = mem * BITS_MASK / BITS_ALL, t = mem * BITS_TRAM / BITS_ALL,
         b = mem * BITS_BIAS / BITS_ALL;
  if (M78_GET(s, SRAM, PD))
    d = 0.0; /* data SRAM powered down */
  if (M78_GET(s, SRAM, DS)) {
    d *= 0.1; /* deep sleep keeps the contents at about a tenth of the leakage (estimate) */
    m *= 0.1;
    t *= 0.1;
    b *= 0.1;
  }
  if (!running) { /* light sleep acts on idle memories: half the leakage (estimate) */
    if (M78_GET(s, SRAM, LS_DATA))
      d *= 0.5;
    if (M78_GET(s, SRAM, LS_MASK))
      m *= 0.5;
    if (M78_GET(s, SRAM, LS_TRAM))
      t *= 0.5;
    if (M78_GET(s, SRAM, LS_BIAS))
      b *= 0.5;
  }
  return logic + d + m + t + b;
}

double m78_energy_static_mw(const struct m78_energy_ctl *ctl, int running)
{
  double p = 0.0;
  for (int g = 0; g < 4; g++)
    p += quad_leak_mw(ctl, g, running);
  return p;
}

void m78_energy_layer(const struct m78_activity *a, const struct m78_energy_ctl *ctl, struct m78_energy *out)
{
  const struct m78_energy_consts *k = &m78_energy_consts;
  *out = (struct m78_energy){0};
  out->proc_pj = (double)__builtin_popcount(ctl->clocked_quads & 0xFu) * (double)(a->busy_cycles + a->stall_cycles) *
                 k->quad_cycle_pj;
  for (int g = 0; g < 4; g++) {
    double rf = m78_energy_read_factor(ctl->sram_ctrl[g]), wf = m78_energy_write_factor(ctl->sram_ctrl[g]);
    out->proc_pj += (double)a->proc_cycles[g] * k->proc_cycle_pj;
    out->mem_pj += rf * ((double)a->kernel_reads[g] * k->kernel_read_pj + (double)a->sram_reads[g] * k->sram_word_pj) +
                   wf * ((double)a->sram_writes[g] * k->sram_word_pj + (double)a->tram_writes[g] * k->tram_word_pj);
  }
  out->mac_pj = (double)a->macs * k->mac_pj;
  out->dynamic_pj = out->proc_pj + out->mac_pj + out->mem_pj;
  if (ctl->cnn_hz)
    out->static_pj = m78_energy_static_mw(ctl, 1) * 1e9 * (double)(a->busy_cycles + a->stall_cycles) /
                     (double)ctl->cnn_hz;
  out->total_pj = out->dynamic_pj + out->static_pj;
}

double m78_energy_access_pj(uint32_t addr, int write, const struct m78_energy_ctl *ctl)
{
  struct m78_addr_info ai;
  return m78_energy_access_pj_decoded(m78_addr_decode(addr, &ai) == 0 ? &ai : NULL, write, ctl);
}

double m78_energy_access_pj_decoded(const struct m78_addr_info *info, int write, const struct m78_energy_ctl *ctl)
{
  const struct m78_energy_consts *k = &m78_energy_consts;
  if (!info)
    return 0.0;
  const struct m78_addr_info ai = *info;
  int g = ai.quad < 0 ? 0 : ai.quad;
  uint32_t s = ctl ? ctl->sram_ctrl[g] : 0x40E;
  double f = write ? m78_energy_write_factor(s) : m78_energy_read_factor(s);
  switch (ai.region->kind) {
  case M78_REG_MRAM: return write ? f * k->mram_write_pj : f * k->kernel_read_pj;
  case M78_REG_SRAM: return f * k->sram_word_pj;
  case M78_REG_TRAM: return f * k->tram_word_pj;
  case M78_REG_BIAS: return f * k->bias_write_pj;
  case M78_REG_FIFO: return k->reg_write_pj + (write && ai.index >= 2 ? f * k->sram_word_pj : 0.0);
  case M78_REG_AON:
  case M78_REG_QREGS: return k->reg_write_pj;
  }
  return 0.0;
}
