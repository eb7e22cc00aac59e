/*
 * Run reports and layer dumps, built from a simulator instance.
 *
 * Used by the firmware process (at the end of a run) and by the CLI
 * (replay, viewer), so that both produce the same bytes for the same
 * simulation.  Schema: docs/report-schema.md.
 */
#ifndef M78_REPORT_H
#define M78_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "max78sim/sim.h"
#include "m78host/fileio.h" /* m78_json_write_file and friends, which the report writers use */

/* CPU work on the CNN by phase (firmware process). */
struct m78_phase_info {
  const char *name; /* "weights", "bias", "input", "configure", "unload" */
  double time_us;   /* all segments together */
  double energy_uj; /* power-monitor view (see energy.h) */
  uint64_t accesses, bytes, segments;
};

/* What the EVKit power monitor shows for firmware built with --energy:
 * per repetition (the kit divides the windows by 100), energy above the
 * idle baseline, E = (A - I) * T (MAX7800x Power Monitor guide). */
struct m78_monitor_stage {
  const char *name; /* weights | input | input+inference | inference */
  double time_us, energy_uj;
};
struct m78_monitor_info {
  int valid;
  int repetitions;
  double idle_mw, idle_time_us;
  int n;
  struct m78_monitor_stage stages[4];
};

/* The emulated Cortex-M4 of an Arm run (max78sim-arm); absent otherwise. */
struct m78_cpu_info {
  uint64_t instructions;   /* executed and fast-forwarded polling iterations */
  uint64_t cycles;         /* CPU cycles charged by the CPI model */
  uint64_t guest_errors;   /* accesses to unmodelled peripherals, flash writes, ... */
  const char *first_error; /* the first of them, "" if none */
};

struct m78_run_info {
  const char *stop_reason; /* exit | max-cycles | hang | fault */
  int exit_code;
  const char *stop_detail;
  uint64_t cnn_hz;
  const char *clock_source; /* "PCLK" or "ISO" */
  int divider;
  /* firmware process only (n_phases 0 / monitor NULL elsewhere) */
  const struct m78_phase_info *phases;
  int n_phases;
  const struct m78_monitor_info *monitor;
  double inference_monitor_uj;    /* last inference, power-monitor view (0: unknown) */
  double inference_wall_us;       /* last inference, master enable to the end of the ISR */
  const struct m78_cpu_info *cpu; /* Arm runs only: the report gets a "cpu" object */
};

/* Builds the report document (caller frees with cJSON_Delete). */
cJSON *m78_report_build(const m78_sim *sim, const struct m78_run_info *info);

/* Writes every executed layer's output as Lnn.i8 / Lnn.i32 (C order:
 * channel, row, column) and layers.json into `dir` (which must exist).
 * Returns 0, or -1 with a message in err. */
int m78_dump_layers(const m78_sim *sim, const char *dir, char *err, size_t errlen);

/* Outputs up to this many values appear in the report's "output". */
#define M78_REPORT_MAX_OUTPUT_VALUES 4096

/* Hardware output slot that holds logical output channel c of a layer
 * with `channels` logical channels (izer's allocation; `gaps` marks the
 * slots of a pass that fall in holes of the output map), or -1 when the
 * layout cannot be explained that way. */
int m78_channel_slot(int channels, int slots, int slots_per_pass, int out_passes, uint64_t gaps, int c);

/* The layout of one layer dump as layers.json records it (an entry of
 * "layers", or its "combined" object): slots x h x w values, hardware
 * slot o holding pass o / slots_per_pass; gaps as m78_channel_slot. */
struct m78_dump_geom {
  int slots, h, w;
  int slots_per_pass, out_passes;
  uint64_t gaps;
  int operands;
};
/* Reads an entry (fields missing in older dumps take the identity
 * layout).  Returns 0, or -1 when it has no usable shape_chw. */
int m78_dump_geom_read(const cJSON *entry, struct m78_dump_geom *g);
/* Where every value of a logical C x H x W output is in the dump: idx[c *
 * H * W + pixel] = its index in the dump's C order.  Channels go to their
 * slots (m78_channel_slot); an element-wise layer that the synthesizer
 * runs as one pass over H x passes rows (more than 64 channels) holds
 * pixel p of pass e at row-major position p * passes + e of its planes.
 * Returns 0, or -1 when the dump cannot hold that shape. */
int m78_dump_map(const struct m78_dump_geom *g, int channels, int h, int w, size_t *idx);

#endif
