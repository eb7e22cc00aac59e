/*
 * Subcommands of the max78sim command beyond `run`, and what they share
 * with it: finding the firmware of DIR|MODEL, option parsing, and one
 * simulated run of a firmware into a private folder (report, layer
 * dumps, data SRAM image and footprints).
 */
#ifndef M78_COMMANDS_H
#define M78_COMMANDS_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include "cli_util.h"
#include "fwbuild.h"
#include "input.h"
#include "resolve.h"

int m78cli_cmd_run(int argc, char **argv);     /* run_cmd.c */
int m78cli_cmd_view(int argc, char **argv);    /* run_cmd.c */
int m78cli_cmd_prepare(int argc, char **argv); /* prepare.c */
int m78cli_cmd_bench_energy(int argc, char **argv);
int m78cli_cmd_replay(int argc, char **argv); /* replay_cmd.c */
int m78cli_cmd_trace(int argc, char **argv);  /* trace_cmd.c */
int m78cli_cmd_test(int argc, char **argv);   /* test_cmd.c */
/* Loads the trace at PATH (trace_cmd.c); -1 after printing an error. */
struct m78_trace;
int m78cli_load_trace(const char *path, struct m78_trace *t);
int m78cli_cmd_compare(int argc, char **argv);
int m78cli_cmd_bench(int argc, char **argv);
int m78cli_cmd_capture(int argc, char **argv);
int m78cli_cmd_build(int argc, char **argv);
int m78cli_cmd_eval(int argc, char **argv);

/* Prints "prediction: ..." for model m from a run report and returns the
 * report's "prediction" object, or NULL (with a note) when the output does
 * not fit the model's classes (tools/predict.c). */
cJSON *m78cli_predict(const struct m78fw_model *m, const cJSON *report, FILE *out);
/* A model whose classes are the output indices (cnn.h's CNN_NUM_OUTPUTS),
 * for a firmware without a manifest.  Returns 0, or -1. */
int m78cli_index_model(const char *fwdir, const cJSON *report, struct m78fw_model *m);

/* The firmware folder DIR|MODEL names, by m78cli_resolve (resolve.h):
 * *model is filled for a model name, else left empty.  NULL after
 * printing an error. */
char *m78cli_locate_firmware(const struct m78fw_paths *paths, const char *dir, struct m78fw_model *model);

/* Option parsing: ARG is NAME or NAME=value; the value of NAME (from
 * "=value" or the next argument), NULL after an error naming CMD. */
int m78cli_is_option(const char *arg, const char *name);
const char *m78cli_option_value(const char *cmd, int argc, char **argv, int *i, const char *name);

/* Checks a --fault SPEC (message names CMD) and appends it to the
 * ';'-separated list *faults.  Returns -1 after printing an error. */
int m78cli_add_fault_spec(const char *cmd, const char *spec, char **faults);

/* One simulated run for compare and capture. */
struct m78cli_simrun {
  char *fwdir;  /* resolved firmware folder */
  char *tmpdir; /* private folder, removed by m78cli_simrun_free */
  char *dump;   /* tmpdir/dump: Lnn files, layers.json, sram.bin, footprint.bin */
  cJSON *report;
  struct m78fw_run_result res;
  struct m78u_buf console; /* the firmware's stdout */
};

struct m78cli_simrun_opts {
  const char *cmd;    /* for messages */
  const char *dir;    /* DIR|MODEL */
  const char *faults; /* or NULL */
  int layer_limit;    /* -1: none (else M78SIM_LAYER_LIMIT) */
  int show_console;
  int rebuild;
  uint64_t max_cycles;
  double timeout_s;
  const char *input;                  /* --input FILE, or NULL */
  const struct m78cli_input_opts *in; /* its --input-shape, --resize */
};

/* Builds and runs; 0 when the run left a valid report and dumps (the
 * firmware's own verdict does not matter), else -1 after an error. */
int m78cli_simulate(const struct m78cli_simrun_opts *o, struct m78cli_simrun *r);
void m78cli_simrun_free(struct m78cli_simrun *r);

/* One layer of the buffer cnn_unload() fills, in its order. */
struct m78cli_unload_part {
  int layer, bits, c, h, w; /* logical shape, as the synthesizer wrote it */
};
#define M78CLI_MAX_UNLOAD_PARTS 16

/* The layers cnn_unload() writes, from the synthesizer's comments in
 * FWDIR/cnn.c ("Custom unload for this network, layer 12: 8-bit data,
 * shape: (16, 18, 18)").  Returns the count, 0 if there are none, -1 for
 * a YAML-defined unload sequence. */
int m78cli_unload_parts(const char *fwdir, struct m78cli_unload_part *parts);

#endif
