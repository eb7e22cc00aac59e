/*
 * `max78sim compare`, private to its files: compare.c (options, the run,
 * the command), compare_obs.c (the simulated side and the observations),
 * compare_report.c (the analysis, the text and JSON reports).
 *
 * The simulated side is the run's dump folder read back: every layer's
 * output, the final data SRAM, the footprints and the owner of every
 * data SRAM byte.  An observation is one device value placed at a layer,
 * channel and pixel, with the simulator's value for it.
 */
#ifndef M78_COMPARE_H
#define M78_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "commands.h"
#include "devdata.h"
#include "m78host/sramdump.h"

struct cmp_opts {
  const char *dir;
  const char **devices;
  int ndevices;
  const char *json;
  char *faults;
  int stop_after; /* -1: from the device data, else the option */
  int verbose, rebuild, help;
  uint64_t max_cycles;
  const char *input; /* --input: the board ran on this input */
  struct m78cli_input_opts in;
};

/* ---- the simulated side ---- */

struct layer {
  int present;
  int c, h, w, elem;
  int spp, passes;
  uint64_t gaps;
  int operands;
  unsigned char *out;
  size_t out_len;
  char op[32], desc[256];
  long compared, differ;
  int64_t maxdiff;
};

struct sim_side {
  int nlayers;
  struct layer *layers;
  struct m78_footprints fp;
  struct m78_owner *own;
  unsigned char *sram; /* M78_SRAM_IMAGE_BYTES */
  int last;            /* last layer with an output */
};

/* Reads the run's dump folder (layers up to LIMIT, -1: all); -1 with a
 * message printed. */
int m78cmp_load_sim_side(const struct m78cli_simrun *run, int limit, struct sim_side *s);
void m78cmp_free_sim_side(struct sim_side *s);

/* ---- observations ---- */

struct obs {
  int layer, channel, pixel, elem;
  int64_t expected, device;
  uint32_t diff_bits; /* differing bits, at their positions in the data word */
  uint32_t dev_bits;  /* the device's word bits at those positions */
  long off;           /* image offset of the data word, -1 if unknown */
  int lane;           /* byte lane of an 8-bit value */
  int file, line;
};

struct obs_list {
  struct obs *v;
  size_t n, cap;
};

struct internal {
  long bad;
  long first_off;
  int64_t sim_val, out_val;
};

/* What the observations found, for the report. */
struct cmp_result {
  struct obs_list list;
  long unowned, unowned_differ; /* observed bytes no layer owns, and those that differ */
  struct internal in;           /* footprint disagreements (internal errors) */
};

/* The firmware's Data mismatch lines into DEV's image; -1 with a message printed. */
int m78cmp_mismatch_observations(struct m78dev_data *dev, const struct sim_side *s, const char *fwdir);
/* Data SRAM observations: one per 8-bit value, one per int32. */
void m78cmp_image_observations(const struct m78dev_data *d, const struct sim_side *s, struct obs_list *list,
                               long *unowned, long *unowned_differ, struct internal *in);
/* Output-buffer observations, mapped through the firmware's cnn_unload();
 * -1 with a message in err. */
int m78cmp_output_observations(const struct m78dev_data *d, const struct sim_side *s, const char *fwdir,
                               struct obs_list *list, char *err, size_t errlen);

/* ---- report ---- */

/* Analyses the observations, prints the text report and writes --json.
 * Returns 0 (identical), 1 (a layer diverges) or M78CLI_EXIT_ERROR. */
int m78cmp_report(const struct cmp_opts *o, const struct m78dev_data *dev, struct sim_side *s,
                  const struct cmp_result *r, int limit);

#endif
