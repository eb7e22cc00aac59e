/*
 * `max78sim compare DIR|MODEL --device FILE...`: which layer of a board's
 * inference went wrong.
 *
 * The firmware runs on the simulator (optionally with faults, or with the
 * layer count a capture firmware set); its dump folder holds every
 * layer's output, the final data SRAM and every layer's footprint.  The
 * footprints give the owner of each data SRAM byte: the last layer that
 * wrote it, with the output channel and pixel.  Each device observation
 * (a byte at an address, a Data mismatch word, an output-buffer value)
 * becomes a value of a layer, channel and pixel, compared with what the
 * simulator computed for it.  The earliest layer with a differing value
 * is the first diverging layer: later layers inherit its error.
 *
 * The work is in three files (compare.h): this one parses the options,
 * runs the simulation and drives the rest; compare_obs.c places the
 * device values; compare_report.c finds and reports the divergence.
 *
 * Values compared are a layer's own outputs, not the final SRAM: an
 * owned byte's expected value is read from the layer's output, and the
 * simulator's SRAM at that address is checked to agree (a disagreement
 * is an internal error of the footprint, reported, never hidden).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

#define DEFAULT_MAX_CYCLES 2000000000ull
#define DEFAULT_TIMEOUT_S 600.0

static void compare_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim compare DIR|MODEL --device FILE [--device FILE...] [options]\n"
          "\n" M78CLI_TARGET_HELP "\n"
          "Runs the synthesized firmware DIR (or a model name) on the simulator and\n"
          "compares what a board produced with it, value by value: every device value is\n"
          "mapped to the layer, output channel and pixel the hardware stored there, and the\n"
          "earliest layer that differs is reported with its first differing channel, row and\n"
          "column, the expected and device values, the number and pattern of mismatches\n"
          "(one channel? one memory instance? one row? one bit?) and the largest difference.\n"
          "\n"
          "Device files (the format is detected from the contents):\n"
          "  binary data SRAM dump   512 KiB (the four quadrants in address order), or\n"
          "                          128 KiB of one quadrant with its base address in the\n"
          "                          file name (sram_50800000.bin), or FILE@ADDR for a dump\n"
          "                          taken at ADDR (any whole number of words), e.g. OpenOCD\n"
          "                            dump_image sram_50400000.bin 0x50400000 0x20000\n"
          "                            dump_image sram_50800000.bin 0x50800000 0x20000\n"
          "                            dump_image sram_50c00000.bin 0x50c00000 0x20000\n"
          "                            dump_image sram_51000000.bin 0x51000000 0x20000\n"
          "  console log             the firmware's 'Data mismatch ... at address 0x..:\n"
          "                          Expected 0x.., read 0x..' lines, hex dumps of the form\n"
          "                          '0x50400000: 0000abcd 12345678 ...' (OpenOCD mdw), and\n"
          "                          what a 'max78sim capture' firmware prints (a log\n"
          "                          with none of them, e.g. a passing run's, is an error)\n"
          "  output buffer           the last layer's output as the firmware's cnn_unload()\n"
          "                          returns it (ml_data): hex words, or CSV of decimal\n"
          "                          values (int32 for 32-bit outputs, else one int8 each)\n"
          "\n"
          "options:\n"
          "  --device FILE[@ADDR]  device data (repeatable; files are combined), at most\n"
          "                        %zu MiB a file (checked before reading)\n"
          "  --stop-after N        the board ran layers 0..N only (the layer count that\n"
          "                        'max78sim capture --stop-after N' firmware sets); read\n"
          "                        from a capture log when not given\n"
          "  --fault SPEC          simulate with a fault (repeatable; see 'max78sim run --help')\n"
          "  --input FILE          the board ran on this input instead of the baked sample\n"
          "                        (as 'max78sim run --input'); --input-shape, --resize too\n"
          "  --json FILE           write the comparison as JSON\n"
          "  --max-cycles N        budget of simulated CNN cycles (default %llu)\n"
          "  -v, --verbose         show the firmware's console\n"
          "  --rebuild             build the firmware even if a cached build exists\n"
          "  -h, --help            show this help\n"
          "\n"
          "Exit status: 0 every device value matches, 1 some differ, 2 bad usage or input\n"
          "(unreadable, truncated or wrongly sized device data, nothing to compare) or the\n"
          "simulation failed.\n",
          M78DEV_MAX_BYTES >> 20, (unsigned long long)DEFAULT_MAX_CYCLES);
}

static int parse_compare(int argc, char **argv, struct cmp_opts *o)
{
  memset(o, 0, sizeof *o);
  o->stop_after = -1;
  o->max_cycles = DEFAULT_MAX_CYCLES;
  o->devices = m78u_xmalloc((size_t)argc * sizeof *o->devices);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->dir) {
        m78u_error("compare: unexpected argument %s (one DIR only)", a);
        return -1;
      }
      o->dir = a;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      o->help = 1;
      return 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o->verbose = 1;
    } else if (!strcmp(a, "--rebuild")) {
      o->rebuild = 1;
    } else if (m78cli_is_option(a, "--device")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--device")))
        return -1;
      o->devices[o->ndevices++] = v;
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value("compare", argc, argv, &i, "--json")))
        return -1;
      if (!*o->json) {
        m78u_error("compare: empty file name");
        return -1;
      }
    } else if (m78cli_is_option(a, "--input")) {
      if (!(o->input = m78cli_option_value("compare", argc, argv, &i, "--input")))
        return -1;
    } else if (m78cli_is_option(a, "--input-shape")) {
      if (!(o->in.shape = m78cli_option_value("compare", argc, argv, &i, "--input-shape")))
        return -1;
    } else if (strcmp(a, "--resize") == 0) {
      o->in.resize = 1;
    } else if (m78cli_is_option(a, "--fault")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--fault")) ||
          m78cli_add_fault_spec("compare", v, &o->faults) != 0)
        return -1;
    } else if (m78cli_is_option(a, "--stop-after")) {
      uint64_t n;
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--stop-after")))
        return -1;
      if (m78u_parse_u64(v, &n) != 0 || n >= M78_MAX_LAYERS) {
        m78u_error("compare: --stop-after: not a layer number 0..%d: %s", M78_MAX_LAYERS - 1, v);
        return -1;
      }
      o->stop_after = (int)n;
    } else if (m78cli_is_option(a, "--max-cycles")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--max-cycles")))
        return -1;
      if (m78u_parse_u64(v, &o->max_cycles) != 0 || o->max_cycles == 0) {
        m78u_error("compare: --max-cycles: not a positive integer: %s", v);
        return -1;
      }
    } else {
      m78u_error("compare: unknown option %s (see 'max78sim compare --help')", a);
      return -1;
    }
  }
  if (!o->dir) {
    m78u_error("compare: missing DIR (see 'max78sim compare --help')");
    return -1;
  }
  if (!o->ndevices) {
    m78u_error("compare: no --device FILE given");
    return -1;
  }
  return 0;
}

static int run_compare(const struct cmp_opts *o, struct m78cli_simrun *run, struct m78dev_data *dev)
{
  struct sim_side s;
  char err[512];
  int rc = M78CLI_EXIT_ERROR;
  struct cmp_result r = {{0}, 0, 0, {0, -1, 0, 0}};
  int limit = o->stop_after >= 0 ? o->stop_after : dev->stop_after;
  if (m78cmp_load_sim_side(run, limit, &s) != 0)
    goto out;
  if (m78cmp_mismatch_observations(dev, &s, run->fwdir) != 0)
    goto out;
  if (dev->bits)
    m78cmp_image_observations(dev, &s, &r.list, &r.unowned, &r.unowned_differ, &r.in);
  if (dev->has_output && m78cmp_output_observations(dev, &s, run->fwdir, &r.list, err, sizeof err) != 0) {
    m78u_error("%s", err);
    goto out;
  }
  if (r.list.n == 0) {
    m78u_error("compare: no device value lands in a layer's output (%ld bytes observed outside every output: "
               "input data or unused memory); nothing to compare",
               r.unowned);
    goto out;
  }
  if (r.in.bad)
    m78u_error("internal error: at %ld byte(s) the simulator's data memory disagrees with the layer output the "
               "footprint says is there (first at 0x%08x: memory %lld, output %lld); please report this",
               r.in.bad, (unsigned)m78_sram_image_addr((size_t)r.in.first_off), (long long)r.in.sim_val,
               (long long)r.in.out_val);
  rc = m78cmp_report(o, dev, &s, &r, limit);
  if (r.in.bad)
    rc = M78CLI_EXIT_ERROR;
out:
  free(r.list.v);
  m78cmp_free_sim_side(&s);
  return rc;
}

int m78cli_cmd_compare(int argc, char **argv)
{
  struct cmp_opts o;
  int rc = M78CLI_EXIT_ERROR;
  struct m78dev_data dev;
  m78dev_init(&dev);
  struct m78cli_simrun run;
  memset(&run, 0, sizeof run);
  if (parse_compare(argc, argv, &o) != 0)
    goto out;
  if (o.help) {
    compare_help(stdout);
    rc = 0;
    goto out;
  }
  if (o.json) {
    char *parent = m78u_dirname(o.json);
    int ok = m78u_is_dir(parent) && !m78u_is_dir(o.json);
    if (!ok)
      m78u_error("%s: %s", o.json, m78u_is_dir(parent) ? "is a directory" : "its folder does not exist");
    free(parent);
    if (!ok)
      goto out;
  }
  /* device data first: a bad file fails at once, before any simulation */
  char err[600];
  for (int i = 0; i < o.ndevices; i++)
    if (m78dev_load(&dev, o.devices[i], err, sizeof err) != 0) {
      m78u_error("%s", err);
      goto out;
    }
  int limit = o.stop_after >= 0 ? o.stop_after : dev.stop_after;
  struct m78cli_simrun_opts so = {.cmd = "compare",
                                  .dir = o.dir,
                                  .faults = o.faults,
                                  .layer_limit = limit,
                                  .show_console = o.verbose,
                                  .rebuild = o.rebuild,
                                  .max_cycles = o.max_cycles,
                                  .timeout_s = DEFAULT_TIMEOUT_S,
                                  .input = o.input,
                                  .in = &o.in};
  if (m78cli_simulate(&so, &run) != 0)
    goto out;
  if (limit >= 0) {
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run.report, "layers"));
    if (n != limit + 1) {
      m78u_error("compare: --stop-after %d: the network has %d layers (0..%d)", limit, n, n - 1);
      goto out;
    }
  }
  rc = run_compare(&o, &run, &dev);
out:
  m78cli_simrun_free(&run);
  m78dev_free(&dev);
  free(o.devices);
  free(o.faults);
  return rc;
}
