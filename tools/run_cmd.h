/*
 * `max78sim run` and `max78sim view`, private to run_opts.c (options,
 * help) and run_cmd.c (the run).
 */
#ifndef M78_RUN_CMD_H
#define M78_RUN_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "commands.h"
#include "view_cmd.h"

#define DEFAULT_MAX_CYCLES 2000000000ull
#define DEFAULT_TIMEOUT_S 600.0

struct run_opts {
  const char *dir;
  const char *elf;    /* --elf FILE: run this Cortex-M4 ELF on max78sim-arm */
  int arch_arm;       /* --arch arm: build DIR for the Cortex-M4, then as --elf */
  const char *bridge; /* --bridge inst|trap, or NULL: $M78SIM_BRIDGE */
  const char *gdb;    /* --gdb PORT: wait for a debugger (Arm runs only) */
  int timeout_given;
  const char *json;
  const char *csv;
  const char *dump;
  const char *timeline;
  const char *record;
  const char *input;           /* --input FILE: the user's data instead of the baked sample */
  struct m78cli_input_opts in; /* --input-shape, --resize */
  uint64_t max_cycles;
  uint64_t threads;
  double timeout_s;
  char *faults; /* ';'-separated canonical specs, or NULL */
  int quiet, no_table, rebuild, help;
  int view_cmd;    /* `view` rather than `run` */
  const char *cmd; /* "run" or "view", for messages */
  struct m78cli_view_opts v;
};

void m78run_help(FILE *out);
void m78run_view_help(FILE *out);
/* Parses argv into *o (zeroed first; `view` when VIEW_CMD); -1 after an
 * error.  o->faults is allocated, also after an error. */
int m78run_parse(int argc, char **argv, struct run_opts *o, int view_cmd);

#endif
