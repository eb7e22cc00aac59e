/*
 * `max78sim run` and `max78sim view`: their options (see run_cmd.h), the
 * help texts and the parser.  One loop over argv takes every option; the
 * checks after it (check_run_opts) are the rules between options.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "fwbuild.h"
#include "run_cmd.h"
#include "max78sim/env.h"
#include "max78sim/sim.h"

void m78run_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim run DIR|MODEL [options]\n"
          "       max78sim run --elf FILE.elf [options]\n"
          "       max78sim run DIR|MODEL --arch arm [options]\n"
          "\n"
          "Builds the synthesized firmware folder DIR (cnn.c, main.c, cnn.h, weights.h,\n"
          "...) against the simulator, runs it, and prints a table of the inference layer\n"
          "by layer; a model with class names also gets its predicted class.  It builds\n"
          "and runs through the host API (libmax78sim, max78sim/net.h: m78net_open with\n"
          "no_serve, m78net_exec), the way eval and the Python module run a network.\n"
          "\n" M78CLI_TARGET_HELP "\n"
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
          "                        one row per layer and a total row (m78host/layercsv.h)\n"
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
          "bytes each layer wrote; m78host/sramdump.h).\n"
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

void m78run_view_help(FILE *out)
{
  fprintf(out, "usage: max78sim view DIR|MODEL [options]\n"
               "       max78sim view DUMPDIR [--report FILE] [options]\n"
               "\n"
               "Runs the firmware like 'max78sim run' (DIR|MODEL: any form below; the host API's\n"
               "m78net_exec; with --live in a thread beside the window), then opens a window\n"
               "with every layer: the layer list (operation, shapes, cycles, time, energy when\n"
               "the report has it), each channel's output as a tile in heat colours (symmetric\n"
               "around zero), conv1d outputs as strips, linear outputs as bars, the captured\n"
               "input (3 channels also as an RGB picture), and a clickable timeline of the\n"
               "layers.\n"
               "The viewer works whether the firmware's check passes or fails.\n"
               "\n"
               "DUMPDIR is a folder that 'max78sim run --dump-layers DUMPDIR' wrote; the run\n"
               "report is --report FILE or DUMPDIR/report.json when present.\n"
               "\n" M78CLI_TARGET_HELP "\n"
               "run options:\n"
               "  --json FILE, --csv FILE, --dump-layers OUTDIR, --timeline FILE, --record FILE,\n"
               "  --fault SPEC, --max-cycles N, --timeout SEC, --rebuild, --bridge inst|trap,\n"
               "  --input FILE, --input-shape CxHxW, --resize\n"
               "                        as for 'max78sim run'\n"
               "  --report FILE         (DUMPDIR only) the run report written by 'run --json'\n");
  m78cli_view_help(out);
  fprintf(out, "\n"
               "Exit status: 0 the window was closed (or the screenshot written), whatever the\n"
               "firmware's check said (a note on stderr tells a FAIL); 2 bad usage or input, no\n"
               "display, the firmware could not be built or run to any layer output, an output\n"
               "file (--json, --dump-layers, --record) could not be written.\n");
}

static int is_flag(const char *arg, const char *name)
{
  return strcmp(arg, name) == 0;
}

/* The options together: what excludes what, what needs what. */
static int check_run_opts(struct run_opts *o, int view_cmd)
{
  const char *cmd = o->cmd;
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

int m78run_parse(int argc, char **argv, struct run_opts *o, int view_cmd)
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
      if (!(v = m78cli_option_value(o->cmd, argc, argv, &i, "--fault")) ||
          m78cli_add_fault_spec(cmd, v, &o->faults) != 0)
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
  return check_run_opts(o, view_cmd);
}
