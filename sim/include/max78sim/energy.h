/*
 * Energy model of the CNN accelerator (VCOREA rail).
 *
 * Energy of a layer = static power of the powered quadrants over the
 * layer's time + dynamic energy of the activity the simulator accounts:
 * clocked quadrants x cycles, active processors x busy cycles,
 * multiply-accumulates, kernel-memory reads, data-SRAM reads and writes,
 * TRAM writes.  Loading weights, bias
 * and input costs one memory write per bus access plus the static power
 * over the loading time (integrated by the host, which owns time).  The
 * firmware's power-relevant control bits (per-quadrant SRAM register:
 * read margin, read assist, write assist, light sleep, deep sleep and
 * power down; quadrant power and AON power-down) scale the result.
 *
 * Every constant, its value and its source (fit to the anchors,
 * datasheet, or a stated estimate) is listed in docs/energy-model.md;
 * `max78sim bench-energy` prints every public measurement of the fitting
 * and held-out sets against the model.  Units: picojoules, milliwatts, hertz.
 */
#ifndef MAX78SIM_ENERGY_H
#define MAX78SIM_ENERGY_H

#include <stdint.h>
#include "max78sim/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The constants (see docs/energy-model.md for the source of each). */
struct m78_energy_consts {
  double quad_cycle_pj;      /* per clocked quadrant (CTRL clk_en) per CNN cycle, stalls included */
  double proc_cycle_pj;      /* per enabled processor per busy CNN cycle */
  double mac_pj;             /* per multiply-accumulate */
  double kernel_read_pj;     /* per 72-bit kernel word read by a processor */
  double sram_word_pj;       /* per 32-bit data-SRAM read or write */
  double tram_word_pj;       /* per 16-bit TRAM write */
  double mram_write_pj;      /* per bus write into kernel memory */
  double bias_write_pj;      /* per bus write into bias memory */
  double reg_write_pj;       /* per bus access to a CNN register */
  double leak_q0_mw;         /* leakage of quadrant 0 with the shared logic */
  double leak_qx_mw;         /* leakage of each further powered quadrant */
  double mem_leak_share;     /* share of a quadrant's leakage in its memories */
  double cpu_sleep_delta_mw; /* CPU asleep minus CPU busy (power-monitor view) */
  double iso_clock_mw;       /* CNN clocked from the ISO instead of PCLK (power-monitor view) */
  /* SRAM read margin (register field rmargin, 3 = fastest = izer's value):
   * slowing the access by one step from 3 raises the memory read energy
   * by rmargin_gain; each further step adds rmargin_ratio times the
   * previous step. */
  double rmargin_gain, rmargin_ratio;
};
extern const struct m78_energy_consts m78_energy_consts;

/* Power-relevant state, sampled from the registers when a run starts. */
struct m78_energy_ctl {
  unsigned powered_quads; /* bit g: quadrant g powered (GCFR) and not powered down (AON) */
  unsigned clocked_quads; /* bit g: powered, CNN clock on and quadrant g's CTRL clk_en set */
  uint32_t sram_ctrl[4];  /* per-quadrant SRAM register */
  uint64_t cnn_hz;        /* CNN clock */
};

/* Activity of one layer, per quadrant where it matters. */
struct m78_activity {
  uint64_t busy_cycles, stall_cycles;
  uint64_t proc_cycles[4]; /* enabled processors x busy cycles, per quadrant */
  uint64_t macs;
  uint64_t kernel_reads[4]; /* per quadrant */
  uint64_t sram_reads[4], sram_writes[4];
  uint64_t tram_writes[4];
};

struct m78_energy {
  double proc_pj, mac_pj, mem_pj; /* dynamic parts; proc_pj includes the quadrants' clocking */
  double dynamic_pj;
  double static_pj;
  double total_pj;
};

/* Activity of a decoded layer that took `busy` + `stall` cycles. */
void m78_energy_activity(const struct m78_layer *l, uint64_t busy, uint64_t stall, struct m78_activity *a);
/* Energy of that activity under `ctl`. */
void m78_energy_layer(const struct m78_activity *a, const struct m78_energy_ctl *ctl, struct m78_energy *out);
/* Static (leakage) power of the CNN in milliwatts; `running` selects
 * whether light-sleep bits can act (memories idle). */
double m78_energy_static_mw(const struct m78_energy_ctl *ctl, int running);
/* Dynamic energy of one bus access by the CPU to the CNN window. */
double m78_energy_access_pj(uint32_t addr, int write, const struct m78_energy_ctl *ctl);
/* The same for an address already decoded (m78_addr_decode returned 0
 * into *ai; NULL: it did not). */
struct m78_addr_info;
double m78_energy_access_pj_decoded(const struct m78_addr_info *ai, int write, const struct m78_energy_ctl *ctl);
/* Read and write energy factors of quadrant g's memories (1.0 at the
 * synthesizer's default SRAM register value 0x40E). */
double m78_energy_read_factor(uint32_t sram_ctrl);
double m78_energy_write_factor(uint32_t sram_ctrl);

#ifdef __cplusplus
}
#endif
#endif
