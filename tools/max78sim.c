/*
 * The max78sim command: subcommand dispatch.
 *
 * Subcommands live in one table {name, function, summary}; each function
 * gets argv starting at its own name and returns the exit code.  A new
 * subcommand is a file of its own with an `int m78cli_cmd_<name>(int
 * argc, char **argv)` declared in commands.h and added to the table:
 * run and view (run_cmd.c, run_opts.c), build (armbuild.c), prepare
 * (prepare.c), compare, capture, bench, bench-energy, replay and trace
 * (trace_cmd.c), eval, input, test (test_cmd.c).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "input.h"
#include "m78_config.h"

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"run", m78cli_cmd_run, "build a synthesized firmware folder and run it on the simulator"},
    {"build", m78cli_cmd_build, "compile a synthesized firmware folder into a MAX78000 Arm ELF (board-support layer)"},
    {"view", m78cli_cmd_view, "run a firmware and look at every layer in the SDL2 viewer"},
    {"bench-energy", m78cli_cmd_bench_energy, "compare the energy model with every public board measurement"},
    {"replay", m78cli_cmd_replay, "replay a register trace on the simulator, without firmware"},
    {"trace", m78cli_cmd_trace, "show a register trace decoded, or diff two traces"},
    {"compare", m78cli_cmd_compare, "compare a board's data (SRAM dumps, console log, output) with the simulation"},
    {"capture", m78cli_cmd_capture, "write a firmware that prints one layer's data memory on the board"},
    {"bench", m78cli_cmd_bench, "time the simulator's inference on networks against the chip's"},
    {"prepare", m78cli_cmd_prepare, "build a firmware for the host API (libmax78sim) and print where it is, as JSON"},
    {"eval", m78cli_cmd_eval, "run many inputs (a folder or a .npy) through one loaded network: classes, accuracy"},
    {"input", m78cli_cmd_input, "export a firmware's baked-in sample input as .npy, or show layer 0's input"},
    {"test", m78cli_cmd_test, "run many projects' firmware checks at once, with a JUnit XML report (CI)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* ---- top level ---- */

static void print_usage(FILE *out)
{
  fprintf(out, "usage: max78sim COMMAND [options]\n"
               "       max78sim --help | --version\n"
               "\n"
               "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'max78sim COMMAND --help' describes a command's options.  Every command also\n"
               "takes --corpus DIR: the known-answer corpus whose case names DIR|MODEL may give\n"
               "(default $" M78FW_CORPUS_ENV ", else ../shared/corpus beside the source tree).\n"
               "Files are size-checked before they are read: at most 256 MiB (device data 64 MiB,\n"
               "traces 256 MiB and 2^25 accesses); docs/reliability.md lists every limit.\n");
}

/* --corpus DIR / --corpus=DIR, wherever it stands before "--": taken out
 * of argv and put into the one variable every resolver reads (and the
 * firmware's model manifests expand), so all commands agree on it.
 * Returns -1 after an error. */
static int take_corpus_option(int *argc, char **argv)
{
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      while (i < *argc)
        argv[out++] = argv[i++];
      break;
    }
    if (m78cli_is_option(a, "--corpus")) {
      const char *v = m78cli_option_value(argv[0], *argc, argv, &i, "--corpus");
      if (!v)
        return -1;
      if (!m78u_is_dir(v)) {
        m78u_error("%s: --corpus %s: no such folder", argv[0], v);
        return -1;
      }
      setenv(M78FW_CORPUS_ENV, v, 1);
      continue;
    }
    argv[out++] = argv[i];
  }
  argv[out] = NULL;
  *argc = out;
  return 0;
}

int main(int argc, char **argv)
{
  m78u_set_prog("max78sim");
  /* A closed pipe on our stdout must not kill us before the child is
   * reaped and the temporary files are gone. */
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    print_usage(stderr);
    return M78CLI_EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("max78sim %s\n", M78_CFG_VERSION);
    return 0;
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      int n = argc - 1;
      if (take_corpus_option(&n, argv + 1) != 0)
        return M78CLI_EXIT_ERROR;
      return commands[i].fn(n, argv + 1);
    }
  if (cmd[0] == '-')
    m78u_error("unknown option %s (see 'max78sim --help')", cmd);
  else
    m78u_error("unknown command %s (see 'max78sim --help')", cmd);
  return M78CLI_EXIT_ERROR;
}
