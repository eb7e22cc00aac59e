/*
 * The max78sim command: subcommand dispatch and `max78sim run`.
 *
 * Subcommands live in one table {name, function, summary}; each function
 * gets argv starting at its own name and returns the exit code.  A new
 * subcommand (build, view, compare, replay, trace, bench, capture) is a file of
 * its own with an `int m78cli_cmd_<name>(int argc, char **argv)` that is
 * declared below and added to the table.
 *
 * `run` validates the firmware folder, builds it (fwbuild.c), runs it
 * with a private report file and dump folder, and turns the firmware's
 * PASS/FAIL line, its exit code and its report into our exit code
 * (0 PASS, 1 FAIL, 2 anything else) and the per-layer table.
 *
 * `build` (armbuild.c) compiles a firmware folder for the Cortex-M4 into an
 * ELF with the project's board-support layer (arm/bsp).
 *
 * `view` is `run` with the viewer (view_cmd.c) opened over the run's
 * dumps afterwards, or during the run in live mode; it also opens a
 * folder of dumps that an earlier run wrote.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "armbuild.h"
#include "fwbuild.h"
#include "m78host/inmap.h"
#include "input.h"
#include "m78host/elf.h"
#include "m78host/layercsv.h"
#include "m78host/sock.h"
#include "m78host/report.h"
#include "m78_config.h"
#include "m78host/trace.h"
#include "view_cmd.h"
#include "max78sim/env.h"

#define DEFAULT_MAX_CYCLES 2000000000ull
#define DEFAULT_TIMEOUT_S 600.0

static int cmd_run(int argc, char **argv);
static int cmd_view(int argc, char **argv);
static int cmd_prepare(int argc, char **argv);
int m78cli_cmd_bench_energy(int argc, char **argv);
int m78cli_cmd_replay(int argc, char **argv);
int m78cli_cmd_trace(int argc, char **argv);
int m78cli_cmd_test(int argc, char **argv);

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "build a synthesized firmware folder and run it on the simulator"},
    {"build", m78cli_cmd_build, "compile a synthesized firmware folder into a MAX78000 Arm ELF (board-support layer)"},
    {"view", cmd_view, "run a firmware and look at every layer in the SDL2 viewer"},
    {"bench-energy", m78cli_cmd_bench_energy, "compare the energy model with every public board measurement"},
    {"replay", m78cli_cmd_replay, "replay a register trace on the simulator, without firmware"},
    {"trace", m78cli_cmd_trace, "show a register trace decoded, or diff two traces"},
    {"compare", m78cli_cmd_compare, "compare a board's data (SRAM dumps, console log, output) with the simulation"},
    {"capture", m78cli_cmd_capture, "write a firmware that prints one layer's data memory on the board"},
    {"bench", m78cli_cmd_bench, "time the simulator's inference on networks against the chip's"},
    {"prepare", cmd_prepare, "build a firmware for the host API (libmax78sim) and print where it is, as JSON"},
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

/* ---- run: options ---- */

struct run_opts {
  const char *dir;
  const char *elf;   /* --elf FILE: run this Cortex-M4 ELF on max78sim-arm */
  int arch_arm;      /* --arch arm: build DIR for the Cortex-M4, then as --elf */
  const char *bridge; /* --bridge inst|trap, or NULL: $M78SIM_BRIDGE */
  const char *gdb;   /* --gdb PORT: wait for a debugger (Arm runs only) */
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
  int view_cmd;                /* `view` rather than `run` */
  const char *cmd;             /* "run" or "view", for messages */
  struct m78cli_view_opts v;
};

static void run_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim run DIR|MODEL [options]\n"
          "       max78sim run --elf FILE.elf [options]\n"
          "       max78sim run DIR|MODEL --arch arm [options]\n"
          "\n"
          "Builds the synthesized firmware folder DIR (cnn.c, main.c, cnn.h, weights.h,\n"
          "...) against the simulator, runs it, and prints a table of the inference layer\n"
          "by layer; a model with class names also gets its predicted class.\n"
          "\n"
          M78CLI_TARGET_HELP
          "\n"
          "With --elf the firmware is a Cortex-M4 ELF (built by 'max78sim build' or with\n"
          "the MSDK), run instruction by instruction on an emulated MAX78000 (max78sim-arm,\n"
          "docs/arm.md); --arch arm builds DIR with 'max78sim build' first and runs that.\n"
          "\n"
          "options:\n"
          "  --elf FILE            run the Arm ELF FILE instead of building DIR for the host\n"
          "  --arch host|arm       build DIR for the host (default) or for the Cortex-M4\n"
          "  --bridge inst|trap    how the host firmware's accesses to the MAX78000 reach\n"
          "                        the simulator: inst (default) compiles the vendor\n"
          "                        sources with access instrumentation, trap lets every\n"
          "                        access fault and decodes it (slower: one signal per\n"
          "                        access); the results are the same bytes. Overrides\n"
          "                        $M78SIM_BRIDGE\n"
          "  --gdb PORT            Arm runs: wait for gdb on 127.0.0.1:PORT (0: a free port,\n"
          "                        printed) before the first instruction; no --timeout\n"
          "                        unless one is given (docs/arm.md, \"Debugging with gdb\")\n"
          "  --json FILE           write the run report (JSON, docs/report-schema.md)\n"
          "  --csv FILE            write the per-layer table as CSV: layer, name, op, input,\n"
          "                        output, macs, cycles, time_us, energy_uj, macs_per_cycle;\n"
          "                        one row per layer and a total row (tools/lib/layercsv.h)\n"
          "  --dump-layers OUTDIR  write each layer's output as OUTDIR/Lnn.i8 or Lnn.i32\n"
          "                        and OUTDIR/layers.json (OUTDIR is created if missing)\n"
          "  --timeline FILE       write a Chrome/Perfetto trace (trace-event JSON): CNN\n"
          "                        layers per quadrant, streaming layers and their FIFO\n"
          "                        stalls, the interrupt, the CPU's phases, LED triggers\n"
          "  --record FILE         write the register trace of the run (traces/FORMAT.md);\n"
          "                        'max78sim replay FILE' reproduces the run without firmware\n"
          "  --input FILE          run on FILE instead of the sample baked into sampledata.h:\n"
          "                        a .npy (C x H x W; int8 as is, uint8 and images normalized\n"
          "                        as ai8x-training does, floats in [-1, 1) times 128), a PNG,\n"
          "                        JPEG or BMP image, or raw int8 bytes with --input-shape.\n"
          "                        The firmware's own load_input() carries it (its input\n"
          "                        arrays are replaced in memory); the run ends after the\n"
          "                        inference, since the firmware's check against\n"
          "                        sampleoutput.h holds only for the baked sample\n"
          "  --input-shape CxHxW   the shape of a raw --input file\n"
          "  --resize              scale an image --input to layer 0's rows and columns\n"
          "  --max-cycles N        budget of simulated CNN cycles (default %llu)\n"
          "  --hang-ms MS          stop a firmware that has not accessed the hardware for MS\n"
          "                        ms of its own CPU time as hanging (default 1000; a guess\n"
          "                        from host CPU time: native code has no instruction count)\n"
          "  --timeout SEC         wall-clock safety limit in seconds (default %.0f, 0: none)\n"
          "  --threads N           host threads of the simulator's engine (default 1, at\n"
          "                        most 16; results are identical for any count)\n"
          "  -q, --quiet           do not show the firmware's console, only the table\n"
          "                        (its error output is still shown if the run fails)\n"
          "  --no-table            do not print the table\n"
          "  --rebuild             build the firmware even if a cached build exists\n"
          "  --view                open the viewer after the run (or during it with --live);\n"
          "                        the viewer options of 'max78sim view --help' apply\n"
          "  --fault SPEC          simulate a faulty board (repeatable, at most %d):\n"
          "      sram:inst=I,bit=B,value=V[,word=W][,layer=L]\n"
          "                        bit B (0-31) of data memory instance I (0-15) stuck at\n"
          "                        V (0/1) in every word (or word W); with layer=L only in\n"
          "                        the words layer L writes, else always (input too)\n"
          "      kernel:proc=P,col=C,byte=K,xor=X\n"
          "                        kernel memory of processor P (0-63), column C (0-767):\n"
          "                        byte K (0-8; byte k is bits 8k+7..8k of the 72-bit word)\n"
          "                        reads XORed with X (1-255) during the inference\n"
          "      shift:layer=L,delta=D\n"
          "                        layer L's output shift changed by D (-15..15)\n"
          "  -h, --help            show this help\n"
          "\n"
          "With --dump-layers the folder also gets sram.bin (the final data memory, four\n"
          "quadrants of 128 KiB in address order) and footprint.bin (which data memory\n"
          "bytes each layer wrote; tools/lib/sramdump.h).\n"
          "\n"
          "Exit status: 0 the firmware printed *** PASS *** (or, for a 'max78sim capture'\n"
          "project, *** CAPTURE DONE ***; with --input: the inference finished), 1 it\n"
          "printed *** FAIL *** (or a layer could not be simulated), 2 anything else (bad\n"
          "usage or input, firmware does not compile, cycle budget exhausted, firmware\n"
          "hangs or crashes, no valid report, the viewer failed).\n"
          "\n"
          "Environment: M78SIM_CACHE (folder of cached firmware builds), M78SIM_CC\n"
          "(compiler), M78SIM_BRIDGE (inst or trap, as --bridge; also for compare and\n"
          "capture), M78SIM_HANG_MS and M78SIM_KERNEL (avx512-vnni, avx2, sse2 or generic:\n"
          "the engine's kernels, all giving the same results) are passed on to the\n"
          "firmware.\n",
          (unsigned long long)DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT_S, M78_MAX_FAULTS);
}

static void view_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim view DIR|MODEL [options]\n"
          "       max78sim view DUMPDIR [--report FILE] [options]\n"
          "\n"
          "Runs the firmware like 'max78sim run' (DIR|MODEL: any form below), then opens a\n"
          "window with\n"
          "every layer: the layer list (operation, shapes, cycles, time, energy when the\n"
          "report has it), each channel's output as a tile in heat colours (symmetric around\n"
          "zero), conv1d outputs as strips, linear outputs as bars, the captured input\n"
          "(3 channels also as an RGB picture), and a clickable timeline of the layers.\n"
          "The viewer works whether the firmware's check passes or fails.\n"
          "\n"
          "DUMPDIR is a folder that 'max78sim run --dump-layers DUMPDIR' wrote; the run\n"
          "report is --report FILE or DUMPDIR/report.json when present.\n"
          "\n"
          M78CLI_TARGET_HELP
          "\n"
          "run options:\n"
          "  --json FILE, --csv FILE, --dump-layers OUTDIR, --timeline FILE, --record FILE,\n"
          "  --fault SPEC, --max-cycles N, --timeout SEC, --rebuild, --bridge inst|trap,\n"
          "  --input FILE, --input-shape CxHxW, --resize\n"
          "                        as for 'max78sim run'\n"
          "  --report FILE         (DUMPDIR only) the run report written by 'run --json'\n");
  m78cli_view_help(out);
  fprintf(out,
          "\n"
          "Exit status: 0 the window was closed (or the screenshot written), whatever the\n"
          "firmware's check said (a note on stderr tells a FAIL); 2 bad usage or input, no\n"
          "display, the firmware could not be built or run to any layer output, an output\n"
          "file (--json, --dump-layers, --record) could not be written.\n");
}

static int is_flag(const char *arg, const char *name)
{
  return strcmp(arg, name) == 0;
}

static int parse_run(int argc, char **argv, struct run_opts *o, int view_cmd)
{
  memset(o, 0, sizeof *o);
  o->max_cycles = DEFAULT_MAX_CYCLES;
  o->threads = 1;
  o->timeout_s = DEFAULT_TIMEOUT_S;
  o->view_cmd = view_cmd;
  o->cmd = view_cmd ? "view" : "run";
  m78cli_view_opts_init(&o->v);
  if (view_cmd)
    o->quiet = o->no_table = o->v.view = 1;
  const char *cmd = o->cmd;
  int only_args = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    int vo;
    if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->dir) {
        m78u_error("%s: unexpected argument %s (one DIR only)", cmd, a);
        return -1;
      }
      o->dir = a;
    } else if (is_flag(a, "--")) {
      only_args = 1;
    } else if (is_flag(a, "-h") || is_flag(a, "--help")) {
      o->help = 1;
    } else if (is_flag(a, "-q") || is_flag(a, "--quiet")) {
      o->quiet = 1;
    } else if (is_flag(a, "--no-table")) {
      o->no_table = 1;
    } else if (is_flag(a, "--rebuild")) {
      o->rebuild = 1;
    } else if (!view_cmd && m78cli_is_option(a, "--elf")) {
      if (!(o->elf = m78cli_option_value(o->cmd, argc, argv, &i, "--elf")))
        return -1;
    } else if (!view_cmd && m78cli_is_option(a, "--gdb")) {
      if (!(o->gdb = m78cli_option_value(o->cmd, argc, argv, &i, "--gdb")))
        return -1;
      uint64_t port;
      if (m78u_parse_u64(o->gdb, &port) != 0 || port > 65535) {
        m78u_error("%s: --gdb: not a TCP port (0-65535): %s", cmd, o->gdb);
        return -1;
      }
    } else if (!view_cmd && m78cli_is_option(a, "--arch")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--arch")))
        return -1;
      if (strcmp(v, "arm") == 0)
        o->arch_arm = 1;
      else if (strcmp(v, "host") != 0) {
        m78u_error("%s: --arch: host or arm, not %s", cmd, v);
        return -1;
      }
    } else if (m78cli_is_option(a, "--bridge")) {
      if (!(o->bridge = m78cli_option_value(o->cmd, argc, argv, &i, "--bridge")))
        return -1;
      if (m78fw_bridge_parse(o->bridge) < 0) {
        m78u_error("%s: --bridge: inst or trap, not %s", cmd, o->bridge);
        return -1;
      }
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value(o->cmd, argc, argv, &i, "--json")))
        return -1;
    } else if (m78cli_is_option(a, "--csv")) {
      if (!(o->csv = m78cli_option_value(o->cmd, argc, argv, &i, "--csv")))
        return -1;
    } else if (m78cli_is_option(a, "--timeline")) {
      if (!(o->timeline = m78cli_option_value(o->cmd, argc, argv, &i, "--timeline")))
        return -1;
    } else if (m78cli_is_option(a, "--fault")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--fault")) || m78cli_add_fault_spec(cmd, v, &o->faults) != 0)
        return -1;
    } else if (m78cli_is_option(a, "--dump-layers")) {
      if (!(o->dump = m78cli_option_value(o->cmd, argc, argv, &i, "--dump-layers")))
        return -1;
    } else if (m78cli_is_option(a, "--input")) {
      if (!(o->input = m78cli_option_value(o->cmd, argc, argv, &i, "--input")))
        return -1;
    } else if (m78cli_is_option(a, "--input-shape")) {
      if (!(o->in.shape = m78cli_option_value(o->cmd, argc, argv, &i, "--input-shape")))
        return -1;
    } else if (is_flag(a, "--resize")) {
      o->in.resize = 1;
    } else if (m78cli_is_option(a, "--record")) {
      if (!(o->record = m78cli_option_value(o->cmd, argc, argv, &i, "--record")))
        return -1;
    } else if (m78cli_is_option(a, "--max-cycles")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--max-cycles")))
        return -1;
      if (m78u_parse_u64(v, &o->max_cycles) != 0 || o->max_cycles == 0) {
        m78u_error("%s: --max-cycles: not a positive integer: %s", cmd, v);
        return -1;
      }
    } else if (m78cli_is_option(a, "--threads")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--threads")))
        return -1;
      if (m78u_parse_u64(v, &o->threads) != 0 || o->threads < 1 || o->threads > 16) {
        m78u_error("run: --threads: not an integer from 1 to 16: %s", v);
        return -1;
      }
    } else if (m78cli_is_option(a, "--hang-ms")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--hang-ms")))
        return -1;
      char *end;
      errno = 0;
      unsigned long long ms = strtoull(v, &end, 10);
      if (!*v || *end || errno || ms < 1 || ms > 86400000ull || *v == '-') {
        m78u_error("%s: --hang-ms: not a number of milliseconds from 1 to 86400000: %s", cmd, v);
        return -1;
      }
      setenv(M78ENV_HANG_MS, v, 1); /* the firmware process's watchdog */
    } else if (m78cli_is_option(a, "--timeout")) {
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--timeout")))
        return -1;
      char *end;
      errno = 0;
      o->timeout_s = strtod(v, &end);
      o->timeout_given = 1;
      if (!*v || *end || errno || !isfinite(o->timeout_s) || o->timeout_s < 0) {
        m78u_error("%s: --timeout: not a number of seconds: %s", cmd, v);
        return -1;
      }
    } else if ((vo = m78cli_view_option(argc, argv, &i, &o->v, cmd)) != 0) {
      if (vo < 0)
        return -1;
    } else {
      m78u_error("%s: unknown option %s (see 'max78sim %s --help')", cmd, a, cmd);
      return -1;
    }
    if (o->help)
      return 0;
  }
  if (o->bridge && (o->elf || o->arch_arm)) {
    m78u_error("%s: --bridge is for host firmware, not with --elf or --arch arm", cmd);
    return -1;
  }
  if (o->gdb && !o->elf && !o->arch_arm) {
    m78u_error("%s: --gdb debugs the Cortex-M4: use it with --elf FILE or --arch arm", cmd);
    return -1;
  }
  if (o->gdb && o->v.view) {
    m78u_error("%s: --gdb and the viewer cannot share the run", cmd);
    return -1;
  }
  if (o->elf && (o->dir || o->arch_arm)) {
    m78u_error("%s: --elf runs an ELF: give no DIR and no --arch", cmd);
    return -1;
  }
  if (o->elf) {
    if (!*o->elf) {
      m78u_error("%s: empty file name", cmd);
      return -1;
    }
    o->dir = o->elf;
  }
  if (!o->dir) {
    m78u_error("%s: missing DIR (see 'max78sim %s --help')", cmd, cmd);
    return -1;
  }
  if ((o->json && !*o->json) || (o->csv && !*o->csv) || (o->dump && !*o->dump) || (o->timeline && !*o->timeline) ||
      (o->record && !*o->record)) {
    m78u_error("%s: empty file name", cmd);
    return -1;
  }
  if (o->input && (o->elf || o->arch_arm)) {
    m78u_error("%s: --input works with host runs; the Arm path (--elf, --arch arm) runs the ELF's own data", cmd);
    return -1;
  }
  if (o->input && !*o->input) {
    m78u_error("%s: --input: empty file name", cmd);
    return -1;
  }
  if ((o->in.shape || o->in.resize) && !o->input) {
    m78u_error("%s: --input-shape and --resize go with --input", cmd);
    return -1;
  }
  if (o->v.live)
    o->v.view = 1;
  if (!view_cmd && o->v.any && !o->v.view) {
    m78u_error("run: viewer options need --view");
    return -1;
  }
  if (o->v.report && !(view_cmd && m78cli_view_is_dump_dir(o->dir))) {
    m78u_error("%s: --report goes with a folder of layer dumps, not with a firmware", cmd);
    return -1;
  }
  if (o->v.view && (m78cli_view_check(&o->v, cmd) != 0 || !m78cli_view_available()))
    return -1;
  return 0;
}

/* ---- run: input checks ---- */

/* An output file's folder must exist and the name must not be a folder. */
static int check_file_output(const char *path)
{
  char *parent = m78u_dirname(path);
  int ok = m78u_is_dir(parent);
  if (!ok)
    m78u_error("%s: folder %s does not exist", path, parent);
  free(parent);
  if (!ok)
    return -1;
  if (m78u_is_dir(path)) {
    m78u_error("%s: is a directory", path);
    return -1;
  }
  return 0;
}

static int check_outputs(const struct run_opts *o)
{
  if (o->json && check_file_output(o->json) != 0)
    return -1;
  if (o->csv && check_file_output(o->csv) != 0)
    return -1;
  if (o->timeline && check_file_output(o->timeline) != 0)
    return -1;
  if (o->record && check_file_output(o->record) != 0)
    return -1;
  if (o->dump) {
    struct stat st;
    if (stat(o->dump, &st) == 0 && !S_ISDIR(st.st_mode)) {
      m78u_error("%s: exists and is not a directory", o->dump);
      return -1;
    }
  }
  return 0;
}

/* Creates the --dump-layers folder only once the firmware is built, and
 * returns the topmost folder it created (NULL if it existed), which a
 * failed run removes again: a failure leaves no empty or partial folder. */
static char *make_dump_dir(const char *dump, int *ok)
{
  char *top = NULL;
  *ok = 1;
  if (m78u_is_dir(dump))
    return NULL;
  for (char *p = m78u_xstrdup(dump);;) {
    char *parent = m78u_dirname(p);
    free(top);
    top = p;
    if (m78u_is_dir(parent) || strcmp(parent, p) == 0) {
      free(parent);
      break;
    }
    p = parent;
  }
  if (m78u_mkdir_p(dump) != 0) {
    m78u_error("%s: cannot create: %s", dump, strerror(errno));
    *ok = 0;
  }
  return top;
}

/* ---- run: after the child ---- */

/* Reads the report; on failure *why says what is wrong with it. */
static cJSON *load_report(const char *path, char *why, size_t len)
{
  size_t n = 0;
  char *text = m78u_read_file(path, &n);
  if (!text) {
    snprintf(why, len, "%s", errno == ENOENT ? "the firmware wrote none" : strerror(errno));
    return NULL;
  }
  cJSON *j = cJSON_ParseWithLength(text, n);
  free(text);
  if (!cJSON_IsObject(j)) {
    snprintf(why, len, "not a JSON object");
    cJSON_Delete(j);
    return NULL;
  }
  const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
  if (!cJSON_IsNumber(schema) || schema->valuedouble != 1) {
    snprintf(why, len, "schema %s, expected 1", cJSON_IsNumber(schema) ? "unsupported" : "missing");
    cJSON_Delete(j);
    return NULL;
  }
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(j, "layers");
  if (!cJSON_IsArray(layers)) {
    snprintf(why, len, "no \"layers\" array");
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

/* Completes the child's trace with what only the command knows (the
 * name the firmware was given by, the outcome of its own check) and
 * writes it to OUT atomically. */
static int finish_trace(const char *child_trace, const char *out, const char *firmware, const char *kat)
{
  struct m78_trace t;
  char err[512];
  if (!m78u_is_file(child_trace)) {
    m78u_error("%s: the firmware process wrote no trace (see its error output)", out);
    return -1;
  }
  if (m78_trace_load(child_trace, &t, err, sizeof err) != 0) {
    m78u_error("%s: the recorded trace is invalid: %s", out, err);
    return -1;
  }
  m78_trace_set_run(&t, firmware, kat, t.stop_reason, t.exit_code, t.stop_detail);
  int rc = m78_trace_write(&t, out, err, sizeof err);
  if (rc != 0)
    m78u_error("%s", err);
  m78_trace_free(&t);
  return rc;
}

static const char *stop_detail(const cJSON *report)
{
  const cJSON *stop = cJSON_GetObjectItemCaseSensitive(report, "stop");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(stop, "detail");
  return cJSON_IsString(d) && d->valuestring && *d->valuestring ? d->valuestring : NULL;
}

static int stop_is(const cJSON *report, const char *reason)
{
  const cJSON *stop = cJSON_GetObjectItemCaseSensitive(report, "stop");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(stop, "reason");
  return cJSON_IsString(r) && strcmp(r->valuestring, reason) == 0;
}

/* " (detail)" or "". */
static char *paren(const char *detail)
{
  return detail ? m78u_xasprintf(" (%s)", detail) : m78u_xstrdup("");
}

/* Turns how the child ended into our exit code and, for anything but a
 * PASS, one message (*msg, malloc'd).  REPORT may be NULL (WHY then says
 * why). */
/* Layers the report marks as not executable; *first (if not NULL) gets
 * "layer N: reason" of the first one (static storage). */
static int layer_errors(const cJSON *report, const char **first)
{
  static char buf[300];
  int n = 0;
  const cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(report, "layers"))
  {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(l, "error");
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(l, "index");
    if (cJSON_IsString(e) && e->valuestring[0]) {
      if (n++ == 0 && first) {
        snprintf(buf, sizeof buf, "layer %d: %s", cJSON_IsNumber(i) ? i->valueint : -1, e->valuestring);
        *first = buf;
      }
    }
  }
  return n;
}

static int judge(const struct run_opts *o, const struct m78fw_run_result *r, const cJSON *report, const char *why,
                 char **msg)
{
  const char *dir = o->dir;
  char *detail = paren(stop_detail(report));
  int rc = M78CLI_EXIT_ERROR;
  char *m = NULL;
  const char *first_error = NULL;
  if (r->interrupted) {
    m = m78u_xasprintf("%s: interrupted (%s)", dir, strsignal(r->interrupted));
  } else if (r->timed_out) {
    m = m78u_xasprintf("%s: stopped at the wall-clock limit of %g s (--timeout): the firmware neither finished "
                         "nor used up its cycle budget",
                         dir, o->timeout_s);
  } else if (!r->exited) {
    m = m78u_xasprintf("%s: firmware crashed (signal %d, %s)", dir, r->signal, strsignal(r->signal));
  } else if (r->exit_code == 3) {
    m = m78u_xasprintf("%s: firmware did not finish within %llu CNN cycles%s", dir,
                         (unsigned long long)o->max_cycles, detail);
  } else if (r->exit_code == 5) {
    m = m78u_xasprintf("%s: firmware crashed%s", dir, *detail ? detail : " (see its error output above)");
  } else if (r->exit_code == 6) {
    m = m78u_xasprintf("%s: the firmware shim could not start%s", dir,
                         *detail ? detail : " (address space not available)");
  } else if (r->saw_fail && (r->exit_code == 0 || r->exit_code == 4)) {
    /* The vendor main() spins after FAIL; the shim's hang detector ends it. */
    if (report && layer_errors(report, &first_error) > 0) {
      m = m78u_xasprintf("%s: the firmware's output check failed (*** FAIL ***); %d layer(s) could not be "
                           "simulated (first: %s)",
                           dir, layer_errors(report, NULL), first_error);
      rc = M78CLI_EXIT_FAIL;
    } else if (report) {
      m = m78u_xasprintf("%s: the firmware's output check failed (*** FAIL ***)", dir);
      rc = M78CLI_EXIT_FAIL;
    } else {
      m = m78u_xasprintf("%s: *** FAIL ***, and no valid run report (%s)", dir, why);
    }
  } else if (r->exit_code == 4) {
    m = m78u_xasprintf("%s: firmware hangs%s%s", dir, r->saw_pass ? " after *** PASS ***" : "",
                         *detail ? detail : " (it stopped accessing the hardware)");
  } else if (r->exit_code == 1 && report && stop_is(report, "hang")) {
    /* a finding: max78sim-arm saw a WFI nothing can end */
    m = m78u_xasprintf("%s: %s", dir, stop_detail(report) ? stop_detail(report) : "the firmware sleeps forever");
    rc = M78CLI_EXIT_FAIL;
  } else if (r->exit_code != 0) {
    m = m78u_xasprintf("%s: firmware exited with status %d%s", dir, r->exit_code, detail);
  } else if (r->saw_capture && !r->saw_pass) {
    rc = M78CLI_EXIT_PASS; /* a capture project: it prints data, no verdict */
  } else if (o->input && report && stop_is(report, "inference-done")) {
    /* the user's input: no known answer to check; layers must all run */
    if (layer_errors(report, &first_error) > 0) {
      m = m78u_xasprintf("%s: %d layer(s) could not be simulated (first: %s)", dir, layer_errors(report, NULL),
                           first_error);
      rc = M78CLI_EXIT_FAIL;
    } else {
      rc = M78CLI_EXIT_PASS;
    }
  } else if (!r->saw_pass) {
    m = m78u_xasprintf("%s: firmware exited without printing *** PASS *** or *** FAIL ***", dir);
  } else if (!report) {
    m = m78u_xasprintf("%s: no valid run report (%s)", dir, why);
  } else if (layer_errors(report, &first_error) > 0) {
    /* The firmware's check may not cover a layer the simulator could
     * not execute: never let that pass silently. */
    m = m78u_xasprintf("%s: %d layer(s) could not be simulated (first: %s); the firmware printed *** PASS *** "
                         "but its result is not trustworthy",
                         dir, layer_errors(report, NULL), first_error);
    rc = M78CLI_EXIT_FAIL;
  } else {
    rc = M78CLI_EXIT_PASS;
  }
  free(detail);
  *msg = m;
  return rc;
}

/* ---- run --elf ---- */

/* The ELF must load into the MAX78000's flash and SRAM and its vector
 * table must point into them: say what is wrong here, with the address,
 * rather than through a failed child. */
static int check_elf(const char *path)
{
  char err[600];
  uint8_t *flash = m78u_xmalloc(M78ELF_FLASH_SIZE), *sram = m78u_xmalloc(M78ELF_SRAM_SIZE);
  memset(flash, 0xFF, M78ELF_FLASH_SIZE);
  struct m78elf_region r[2] = {{"flash", M78ELF_FLASH_BASE, M78ELF_FLASH_SIZE, flash},
                               {"SRAM", M78ELF_SRAM_BASE, M78ELF_SRAM_SIZE, sram}};
  struct m78elf_info info;
  int rc = m78elf_load_file(path, r, 2, &info, err, sizeof err);
  if (rc != 0)
    m78u_error("%s", err);
  else if ((rc = m78elf_check_vectors(flash, err, sizeof err)) != 0)
    m78u_error("%s: %s", path, err);
  free(flash);
  free(sram);
  return rc;
}

/* max78sim-arm beside this executable (build tree and installed alike). */
static char *arm_emulator(void)
{
  char *self = m78u_self_exe();
  if (self) {
    char *dir = m78u_dirname(self);
    char *exe = m78u_path_join(dir, "max78sim-arm");
    free(dir);
    free(self);
    if (access(exe, X_OK) == 0)
      return exe;
    free(exe);
  }
  m78u_error("max78sim-arm not found beside max78sim: this max78sim was built without BUILD_ARM "
               "(needs libunicorn-dev and gcc-arm-none-eabi)");
  return NULL;
}

/* `view DUMPDIR`: the files of an earlier run. */
static int view_dump_dir(const struct run_opts *o)
{
  char *report = NULL;
  if (o->v.report) {
    report = m78u_xstrdup(o->v.report);
  } else {
    report = m78u_path_join(o->dir, "report.json");
    if (!m78u_is_file(report)) {
      free(report);
      report = NULL;
    }
  }
  int rc = m78cli_view_show(&o->v, o->dir, report, o->dir);
  free(report);
  return rc;
}

static int run_main(int argc, char **argv, int view_cmd)
{
  struct run_opts o;
  if (parse_run(argc, argv, &o, view_cmd) != 0) {
    free(o.faults);
    return M78CLI_EXIT_ERROR;
  }
  if (o.help) {
    if (view_cmd)
      view_help(stdout);
    else
      run_help(stdout);
    free(o.faults);
    return 0;
  }
  if (view_cmd && m78u_is_dir(o.dir) && m78cli_view_is_dump_dir(o.dir)) {
    int vrc;
    if (o.json || o.csv || o.dump || o.timeline || o.record || o.faults || o.rebuild) {
      m78u_error("view: --json, --dump-layers, --timeline, --record, --fault and --rebuild go with a firmware, "
                   "not with a folder of layer dumps");
      vrc = M78CLI_EXIT_ERROR;
    } else {
      vrc = view_dump_dir(&o);
    }
    free(o.faults);
    return vrc;
  }

  struct m78fw_paths paths;
  m78fw_paths_init(&paths);
  int rc = M78CLI_EXIT_ERROR;
  char *fwdir = NULL, *exe = NULL, *tmpdir = NULL, *report_path = NULL, *dump_tmp = NULL, *trace_path = NULL;
  char *threads_env = NULL, *gdb_env = NULL, *dump_made = NULL;
  int gdb_fd = -1, dumps_moved = 0;
  char *view_dir = NULL;
  cJSON *report = NULL, *prediction = NULL;
  struct m78fw_model model;
  memset(&model, 0, sizeof model);
  struct m78fw_run_result res;
  memset(&res, 0, sizeof res);

  char *elf = NULL, *input_path = NULL, *input_env = NULL;
  void *packed = NULL;
  size_t packed_len = 0;
  int input_is_sample = 0;
  if (o.elf) {
    if (check_outputs(&o) != 0 || check_elf(o.elf) != 0 || !(exe = arm_emulator()))
      goto out;
    elf = m78u_xstrdup(o.elf);
  } else {
    if (!(fwdir = m78cli_locate_firmware(&paths, o.dir, &model)) || check_outputs(&o) != 0)
      goto out;
    if (o.input && m78cli_input_pack(o.cmd, o.input, &o.in, fwdir, &packed, &packed_len, &input_is_sample) != 0)
      goto out;
    if (o.bridge)
      setenv(M78FW_BRIDGE_ENV, o.bridge, 1);
    if (!o.arch_arm && !(exe = m78fw_build(&paths, fwdir, o.dir, o.rebuild)))
      goto out;
  }
  if (!(tmpdir = m78u_make_temp_dir("max78sim-run-"))) {
    m78u_error("cannot create a temporary folder: %s", strerror(errno));
    goto out;
  }
  if (o.arch_arm) {
    elf = m78u_path_join(tmpdir, "firmware.elf");
    char *bargv[] = {"build", fwdir, "-o", elf, "-q", NULL};
    if (m78cli_cmd_build(o.quiet ? 5 : 4, bargv) != 0 || check_elf(elf) != 0 || !(exe = arm_emulator()))
      goto out;
  }
  report_path = m78u_path_join(tmpdir, "report.json");
  if (o.record)
    trace_path = m78u_path_join(tmpdir, "trace.json");
  if (o.dump) {
    int made_ok;
    dump_made = make_dump_dir(o.dump, &made_ok);
    if (!made_ok)
      goto out;
    dump_tmp = m78u_xasprintf("%s/.max78sim-dump-XXXXXX", o.dump);
    if (!mkdtemp(dump_tmp)) {
      m78u_error("%s: cannot create a folder: %s", o.dump, strerror(errno));
      free(dump_tmp);
      dump_tmp = NULL;
      goto out;
    }
  } else if (o.v.view) {
    /* the viewer needs dumps even when the user keeps none */
    view_dir = m78u_path_join(tmpdir, "layers");
    if (m78u_mkdir_p(view_dir) != 0) {
      m78u_error("%s: cannot create: %s", view_dir, strerror(errno));
      goto out;
    }
  }
  const char *child_dumps = dump_tmp ? dump_tmp : view_dir;

  if (packed && !(input_env = m78cli_input_write(tmpdir, packed, packed_len)))
    goto out;
  threads_env = m78u_xasprintf(M78ENV_THREADS "=%llu", (unsigned long long)o.threads);
  if (o.gdb) {
    /* bound here, so a busy port is one clear error before anything runs;
     * max78sim-arm inherits the socket */
    char nerr[300];
    unsigned bound = 0;
    gdb_fd = m78sock_listen_local((unsigned)strtoul(o.gdb, NULL, 10), &bound, nerr, sizeof nerr);
    if (gdb_fd < 0) {
      m78u_error("%s: --gdb: %s", o.cmd, nerr);
      goto out;
    }
    gdb_env = m78u_xasprintf(M78ENV_GDB_FD "=%d", gdb_fd);
    fprintf(stderr, "max78sim: gdb: waiting for a debugger on 127.0.0.1:%u (target remote :%u)\n", bound, bound);
    fflush(stderr);
    if (!o.timeout_given)
      o.timeout_s = 0; /* a person decides how long this takes */
  }
  const char *env[] = {threads_env, M78ENV_BENCH, gdb_env ? gdb_env : M78ENV_GDB_FD, input_env, NULL};
  struct m78fw_run_opts ro = {.exe = exe,
                              .arg = elf,
                              .report_path = report_path,
                              .dump_dir = child_dumps,
                              .timeline = o.timeline,
                              .record_path = trace_path,
                              .max_cycles = o.max_cycles,
                              .timeout_s = o.timeout_s,
                              .quiet = o.quiet,
                              .faults = o.faults,
                              .env = env};
  int viewed = 0, view_rc = 0;
  o.v.fwdir = fwdir; /* the viewer's layer names */
  if (o.v.live) {
    int run_rc;
    ro.live_dir = child_dumps;
    view_rc = m78cli_view_live(&o.v, &ro, &res, &run_rc, o.dir);
    viewed = 1;
    if (run_rc != 0)
      goto out;
  } else if (m78fw_run(&ro, &res) != 0) {
    goto out;
  }
  fflush(stdout);

  int dumps_ok = 1;
  char why[256] = "";
  report = load_report(report_path, why, sizeof why);
  const char *kat = res.saw_fail ? "fail" : res.saw_pass ? "pass" : "unknown";

  if (report && !o.no_table) {
    if (!o.quiet)
      putchar('\n');
    m78cli_report_print(report, stdout);
    fflush(stdout);
  }
  if (o.input && report && stop_is(report, "inference-done"))
    printf("input: %s; the run ended after the inference: the firmware's own check compares with the answer "
           "for its baked-in sample (sampleoutput.h), which does not apply to this input\n",
           o.input);
  else if (o.input && input_is_sample)
    printf("input: %s equals the firmware's baked-in sample, so its own check against sampleoutput.h ran\n",
           o.input);
  if (report && !model.nclasses && o.input && fwdir && m78cli_index_model(fwdir, report, &model) != 0)
    model.nclasses = 0;
  if (report && model.nclasses) {
    prediction = m78cli_predict(&model, report, stdout);
    fflush(stdout);
  }
  int json_ok = 1;
  const char *shown_report = NULL;
  if (report && (o.json || o.v.view)) {
    cJSON *full = m78cli_report_with_run(report, o.dir, kat);
    if (prediction)
      cJSON_AddItemToObject(full, "prediction", cJSON_Duplicate(prediction, 1));
    /* the viewer reads the report with "kat" from the temporary folder */
    if (o.v.view && m78u_write_json(report_path, full) == 0)
      shown_report = report_path;
    if (o.json && m78u_write_json(o.json, full) != 0) {
      m78u_error("%s: %s", o.json, strerror(errno));
      json_ok = 0;
    }
    cJSON_Delete(full);
  }
  if (report && o.csv) {
    char **names = NULL, err[600];
    int nnames = m78_layer_names(fwdir, &names);
    if (m78_csv_write_file(o.csv, report, names, nnames, err, sizeof err) != 0) {
      m78u_error("%s", err);
      json_ok = 0;
    }
    m78_layer_names_free(names, nnames);
  }
  int trace_ok = 1;
  if (o.record && !res.interrupted)
    trace_ok = finish_trace(trace_path, o.record, o.dir, kat) == 0;

  char *msg = NULL;
  rc = judge(&o, &res, report, why, &msg);
  if (res.cancelled) {
    free(msg);
    msg = m78u_xasprintf("%s: stopped: the viewer was closed before the run finished", o.dir);
    rc = M78CLI_EXIT_ERROR;
  }
  /* In quiet mode the firmware's error output was held back: it matters
   * only when something went wrong. */
  if (o.quiet && rc == M78CLI_EXIT_ERROR && res.held_stderr.len > 0 && !res.cancelled) {
    fwrite(res.held_stderr.data, 1, res.held_stderr.len, stderr);
    fflush(stderr);
  }
  if (msg)
    m78u_error("%s", msg);
  free(msg);
  /* dumps come with a report (a run stopped at the cycle budget still
   * describes what it simulated); without one they may be partial */
  if (dump_tmp && report && !res.interrupted && !res.cancelled) {
    dumps_ok = m78u_move_files(dump_tmp, o.dump) == 0;
    dumps_moved = 1;
  }
  if (rc != M78CLI_EXIT_ERROR && (!dumps_ok || !json_ok || !trace_ok))
    rc = M78CLI_EXIT_ERROR;
  if (res.interrupted)
    rc = 128 + res.interrupted;

  if (o.v.view && !viewed && !res.interrupted) {
    const char *dir = o.dump ? o.dump : view_dir;
    if (!report && !m78cli_view_is_dump_dir(dir)) {
      m78u_error("%s: nothing to show: the run wrote neither a report nor layer dumps", o.dir);
      rc = M78CLI_EXIT_ERROR;
    } else {
      view_rc = m78cli_view_show(&o.v, dir, shown_report, o.dir);
      viewed = 1;
    }
  }
  if (view_cmd && viewed && !res.interrupted)
    rc = view_rc == 0 && dumps_ok && json_ok && trace_ok ? 0 : M78CLI_EXIT_ERROR; /* verdict reported above */
  else if (viewed && view_rc != 0)
    rc = M78CLI_EXIT_ERROR;

out:
  free(packed);
  free(input_path);
  free(input_env);
  if (dump_tmp)
    m78u_remove_tree(dump_tmp);
  if (dump_made && rc == M78CLI_EXIT_ERROR && !dumps_moved)
    m78u_remove_tree(dump_made);
  free(dump_made);
  if (tmpdir)
    m78u_remove_tree(tmpdir);
  cJSON_Delete(report);
  cJSON_Delete(prediction);
  m78fw_model_free(&model);
  m78fw_run_result_free(&res);
  free(dump_tmp);
  free(view_dir);
  free(report_path);
  free(trace_path);
  free(threads_env);
  free(gdb_env);
  if (gdb_fd >= 0)
    close(gdb_fd);
  free(tmpdir);
  free(exe);
  free(elf);
  free(fwdir);
  free(o.faults);
  m78fw_paths_free(&paths);
  return rc;
}

static int cmd_run(int argc, char **argv) { return run_main(argc, argv, 0); }

static int cmd_view(int argc, char **argv) { return run_main(argc, argv, 1); }

/* `max78sim prepare DIR|MODEL [--rebuild]`: what the host API (host/net.c)
 * asks the command for, so that building stays in one place: one JSON
 * object on stdout {"firmware", "executable", "model", "classes",
 * "logit_scale"}; errors as usual (one line on stderr, exit 2). */
static int cmd_prepare(int argc, char **argv)
{
  const char *dir = NULL;
  int rebuild = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      printf("usage: max78sim prepare DIR|MODEL [--rebuild]\n\n"
             "Builds DIR (as 'max78sim run' does, cached) and prints one JSON object: the\n"
             "firmware folder, the host executable, and the model's classes when DIR names a\n"
             "model.  The C API (libmax78sim, host/include/max78sim/net.h) and the Python\n"
             "module call it.  Exit status: 0 built, 2 bad input or the build failed.\n");
      return 0;
    } else if (strcmp(argv[i], "--rebuild") == 0) {
      rebuild = 1;
    } else if (argv[i][0] == '-' || dir) {
      m78u_error("prepare: unexpected argument %s (see 'max78sim prepare --help')", argv[i]);
      return M78CLI_EXIT_ERROR;
    } else {
      dir = argv[i];
    }
  }
  if (!dir) {
    m78u_error("prepare: missing DIR (see 'max78sim prepare --help')");
    return M78CLI_EXIT_ERROR;
  }
  struct m78fw_paths paths;
  m78fw_paths_init(&paths);
  struct m78fw_model model;
  int rc = M78CLI_EXIT_ERROR;
  char *exe = NULL, *fw = m78cli_locate_firmware(&paths, dir, &model);
  if (fw && (exe = m78fw_build(&paths, fw, dir, rebuild))) {
    cJSON *j = cJSON_CreateObject();
    char *absfw = realpath(fw, NULL);
    cJSON_AddStringToObject(j, "firmware", absfw ? absfw : fw);
    free(absfw);
    cJSON_AddStringToObject(j, "executable", exe);
    if (model.name)
      cJSON_AddStringToObject(j, "model", model.name);
    else
      cJSON_AddNullToObject(j, "model");
    cJSON *cl = cJSON_AddArrayToObject(j, "classes");
    for (int c = 0; c < model.nclasses; c++)
      cJSON_AddItemToArray(cl, cJSON_CreateString(model.classes[c]));
    cJSON_AddNumberToObject(j, "logit_scale", model.nclasses ? model.logit_scale : 0);
    char *text = cJSON_PrintUnformatted(j);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(j);
    rc = 0;
  }
  free(exe);
  free(fw);
  m78fw_model_free(&model);
  m78fw_paths_free(&paths);
  return rc;
}
