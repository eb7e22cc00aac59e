/*
 * `max78sim capture DIR --stop-after N -o OUTDIR`: a firmware project for
 * the board that runs the user's own synthesized code with the layer
 * count limited to N and prints the data memory layer N wrote, in the
 * console-log format `max78sim compare` reads.  Bisecting over N on the
 * board finds the first layer that differs.  `--unload` instead prints
 * the output buffer cnn_unload() returns after the whole network.
 *
 * The vendor files are copied byte for byte; main.c is copied to
 * vendor_main.inc and included by a new main.c that renames main,
 * cnn_start and MXC_LP_EnterSleepMode (all three only defined or called
 * in main.c) to wrappers: the cnn_start wrapper writes N into the layer
 * count register (LCNT_MAX, 0x50x0_0008) of every quadrant cnn.c sets;
 * the sleep wrapper, once cnn_time is set, prints and leaves the vendor
 * main through longjmp.  Which words layer N writes comes from a run of
 * the same firmware on the simulator with the same limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "m78host/sramdump.h"

#define DEFAULT_MAX_CYCLES 2000000000ull

struct cap_opts {
  const char *dir, *out;
  int stop_after; /* -1 with --unload */
  int unload, rebuild, verbose, help;
};

static void capture_help(FILE *out)
{
  fprintf(out, "usage: max78sim capture DIR|MODEL --stop-after N -o OUTDIR\n"
               "       max78sim capture DIR|MODEL --unload -o OUTDIR\n"
               "\n" M78CLI_TARGET_HELP "\n"
               "Writes a firmware project OUTDIR to run on the board. It is the synthesized\n"
               "project DIR (or a model's), every file copied unchanged, with one new main.c that\n"
               "includes the original main.c (copied to vendor_main.inc) and\n"
               "  --stop-after N  limits the CNN's layer count register to N, so the inference\n"
               "                  stops after layer N, then prints the data memory words layer N\n"
               "                  wrote as '0x50400000: 0000abcd ...' lines;\n"
               "  --unload        lets the whole network run and prints the output buffer that\n"
               "                  the firmware's cnn_unload() returns, as hex words.\n"
               "The program ends after printing *** CAPTURE DONE ***. Save the console output and\n"
               "give it to 'max78sim compare DIR --device LOG'. Bisect over N to find the first\n"
               "layer that differs on the board. 'max78sim run OUTDIR' runs the project on the\n"
               "simulator (exit 0 when the capture completed).\n"
               "\n"
               "options:\n"
               "  -o, --output OUTDIR  the new project folder (must not exist, or be empty)\n"
               "  -v, --verbose        show the firmware's console while it is simulated\n"
               "  --rebuild            build the firmware even if a cached build exists\n"
               "  -h, --help           show this help\n"
               "\n"
               "Exit status: 0 project written, 2 bad usage or input (no such layer, a main.c or\n"
               "cnn.c that is not the synthesizer's, OUTDIR not empty, simulation failed).\n");
}

static int parse_capture(int argc, char **argv, struct cap_opts *o)
{
  memset(o, 0, sizeof *o);
  o->stop_after = -1;
  int have_n = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (a[0] != '-') {
      if (o->dir) {
        m78u_error("capture: unexpected argument %s (one DIR only)", a);
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
    } else if (!strcmp(a, "--unload")) {
      o->unload = 1;
    } else if (!strcmp(a, "-o") || m78cli_is_option(a, "--output")) {
      if (!(o->out = m78cli_option_value("capture", argc, argv, &i, !strcmp(a, "-o") ? "-o" : "--output")))
        return -1;
    } else if (m78cli_is_option(a, "--stop-after")) {
      uint64_t n;
      if (!(v = m78cli_option_value("capture", argc, argv, &i, "--stop-after")))
        return -1;
      if (m78u_parse_u64(v, &n) != 0 || n >= M78_MAX_LAYERS) {
        m78u_error("capture: --stop-after: not a layer number 0..%d: %s", M78_MAX_LAYERS - 1, v);
        return -1;
      }
      o->stop_after = (int)n;
      have_n = 1;
    } else {
      m78u_error("capture: unknown option %s (see 'max78sim capture --help')", a);
      return -1;
    }
  }
  if (!o->dir) {
    m78u_error("capture: missing DIR (see 'max78sim capture --help')");
    return -1;
  }
  if (have_n == o->unload) {
    m78u_error("capture: give either --stop-after N or --unload");
    return -1;
  }
  if (!o->out || !*o->out) {
    m78u_error("capture: missing -o OUTDIR");
    return -1;
  }
  return 0;
}

/* ---- checks of the vendor sources ---- */

static char *read_in(const char *dir, const char *name)
{
  char *p = m78u_path_join(dir, name);
  char *t = m78u_read_file(p, NULL);
  free(p);
  return t;
}

/* The quadrants whose LCNT_MAX cnn.c writes: bit q. */
static unsigned lcnt_quadrants(const char *cnn_c)
{
  static const char *const addr[4] = {"0x50100008", "0x50500008", "0x50900008", "0x50d00008"};
  unsigned m = 0;
  for (int q = 0; q < 4; q++)
    if (strcasestr(cnn_c, addr[q]))
      m |= 1u << q;
  return m;
}

/* ---- copying ---- */

static int copy_file(const char *from, const char *to)
{
  size_t n = 0;
  char *data = m78u_read_file(from, &n);
  if (!data) {
    m78u_error("%s: %s", from, strerror(errno));
    return -1;
  }
  struct stat st;
  int rc = m78u_write_file_atomic(to, data, n);
  if (rc != 0)
    m78u_error("%s: %s", to, strerror(errno));
  else if (stat(from, &st) == 0)
    chmod(to, st.st_mode & 0777);
  free(data);
  return rc;
}

/* Copies a folder's files and subfolders; main.c at the top becomes
 * vendor_main.inc. */
static int copy_tree(const char *from, const char *to, int top)
{
  size_t n = 0;
  char **names = m78u_list_dir(from, &n);
  if (!names) {
    m78u_error("%s: %s", from, strerror(errno));
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char *src = m78u_path_join(from, names[i]);
    const char *dname = top && strcmp(names[i], "main.c") == 0 ? "vendor_main.inc" : names[i];
    char *dst = m78u_path_join(to, dname);
    if (top && (strcmp(names[i], "vendor_main.inc") == 0)) {
      m78u_error("%s: the project already has a vendor_main.inc (is it a capture project?)", src);
      rc = -1;
    } else if (m78u_is_dir(src)) {
      if (mkdir(dst, 0777) != 0) {
        m78u_error("%s: %s", dst, strerror(errno));
        rc = -1;
      } else {
        rc = copy_tree(src, dst, 0);
      }
    } else if (m78u_is_file(src)) {
      rc = copy_file(src, dst);
    }
    free(src);
    free(dst);
  }
  m78u_free_list(names, n);
  return rc;
}

/* ---- the new main.c ---- */

static void emit_head(struct m78u_buf *b, const struct cap_opts *o)
{
  char how[32];
  if (o->unload)
    snprintf(how, sizeof how, "--unload");
  else
    snprintf(how, sizeof how, "--stop-after %d", o->stop_after);
  m78u_buf_printf(b,
                  "/*\n"
                  " * max78sim capture of %s: %s\n"
                  " * Generated by `max78sim capture %s %s`.\n"
                  " *\n"
                  " * The synthesized main.c is vendor_main.inc, unchanged, and every other file\n"
                  " * is a copy.  This file renames three names before including it:\n"
                  " *  - main: the vendor's main() becomes m78cap_vendor_main(), called below;\n"
                  " *  - cnn_start:%s\n"
                  " *  - MXC_LP_EnterSleepMode: once the CNN is done (cnn_time != 0) the wrapper\n"
                  " *    prints %s and leaves the vendor's main.\n"
                  " * Save the console output and run: max78sim compare DIR --device LOG\n"
                  " */\n"
                  "#include <setjmp.h>\n"
                  "#include <stdint.h>\n"
                  "#include <stdio.h>\n"
                  "#include \"mxc.h\"\n"
                  "#include \"cnn.h\"\n\n",
                  o->dir, o->unload ? "the output buffer (cnn_unload)" : "the data memory of one layer", o->dir, how,
                  o->unload ? " unchanged (the whole network runs);"
                            : " the wrapper first sets the layer count (LCNT_MAX) of\n"
                              " *    every quadrant cnn.c uses, so the CNN stops after the captured layer;",
                  o->unload ? "the output buffer cnn_unload() fills" : "the data memory words that layer wrote");
}

static void emit_tail(struct m78u_buf *b, int wrap_start)
{
  m78u_buf_printf(b,
                  "static jmp_buf m78cap_done;\n\n"
                  "static void m78cap_sleep(void)\n"
                  "{\n"
                  "  MXC_LP_EnterSleepMode();\n"
                  "  if (cnn_time != 0) {\n"
                  "    m78cap_print();\n"
                  "    printf(\"max78sim capture: end\\n*** CAPTURE DONE ***\\n\");\n"
                  "    fflush(stdout);\n"
                  "    longjmp(m78cap_done, 1);\n"
                  "  }\n"
                  "}\n\n"
                  "#define main m78cap_vendor_main\n"
                  "%s"
                  "#define MXC_LP_EnterSleepMode m78cap_sleep\n"
                  "#include \"vendor_main.inc\"\n"
                  "#undef main\n"
                  "%s"
                  "#undef MXC_LP_EnterSleepMode\n\n"
                  "int main(void)\n"
                  "{\n"
                  "  if (setjmp(m78cap_done) == 0) {\n"
                  "    m78cap_vendor_main();\n"
                  "    printf(\"max78sim capture: the firmware ended before the CNN finished\\n\");\n"
                  "    return 1;\n"
                  "  }\n"
                  "  return 0;\n"
                  "}\n",
                  wrap_start ? "#define cnn_start m78cap_cnn_start\n" : "", wrap_start ? "#undef cnn_start\n" : "");
}

static char *layer_main(const struct cap_opts *o, unsigned quads, const struct m78_fp_layer *F, long *nwords,
                        long *nranges)
{
  unsigned char *used = calloc(M78_SRAM_INSTANCES * M78_SRAM_WORDS, 1);
  if (!used)
    return NULL;
  for (size_t k = 0; k < F->nruns; k++)
    for (uint32_t i = 0; i < F->runs[k].count; i++)
      used[(size_t)F->runs[k].inst * M78_SRAM_WORDS + F->runs[k].word0 + (uint32_t)((int32_t)i * F->runs[k].step)] = 1;
  struct m78u_buf b = {0};
  emit_head(&b, o);
  m78u_buf_printf(&b,
                  "#define M78CAP_LAYER %d\n\n/* LCNT_MAX of the quadrants cnn.c uses */\n"
                  "static volatile uint32_t *const m78cap_lcnt[] = {",
                  o->stop_after);
  int first = 1;
  for (int q = 0; q < 4; q++)
    if ((quads >> q) & 1) {
      m78u_buf_printf(&b, "%s\n    (volatile uint32_t *) 0x%08x", first ? "" : ",",
                      (unsigned)(M78_QREG_BASE + 0x008u + (unsigned)q * M78_QUAD_STRIDE));
      first = 0;
    }
  m78u_buf_printf(&b,
                  "\n};\n\n/* the data memory words layer %d writes: address, count */\n"
                  "static const uint32_t m78cap_ranges[][2] = {\n",
                  o->stop_after);
  *nwords = *nranges = 0;
  for (size_t i = 0; i < (size_t)M78_SRAM_INSTANCES * M78_SRAM_WORDS;) {
    if (!used[i]) {
      i++;
      continue;
    }
    size_t j = i;
    /* instances of a quadrant are adjacent in the address space */
    while (j < (size_t)M78_SRAM_INSTANCES * M78_SRAM_WORDS && used[j] && (j == i || (j % (4 * M78_SRAM_WORDS)) != 0))
      j++;
    m78u_buf_printf(&b, "    {0x%08xu, %zuu},\n", (unsigned)m78_sram_image_addr(i * 4), j - i);
    *nwords += (long)(j - i);
    (*nranges)++;
    i = j;
  }
  free(used);
  m78u_buf_printf(&b, "};\n\n"
                      "static int m78cap_cnn_start(void)\n"
                      "{\n"
                      "  for (unsigned i = 0; i < sizeof m78cap_lcnt / sizeof m78cap_lcnt[0]; i++)\n"
                      "    *m78cap_lcnt[i] = M78CAP_LAYER; /* last layer to run */\n"
                      "  return cnn_start();\n"
                      "}\n\n"
                      "static void m78cap_print(void)\n"
                      "{\n"
                      "  unsigned long total = 0;\n"
                      "  for (unsigned r = 0; r < sizeof m78cap_ranges / sizeof m78cap_ranges[0]; r++)\n"
                      "    total += m78cap_ranges[r][1];\n"
                      "  printf(\"\\nmax78sim capture: layer %%d, stop-after %%d, %%lu words\\n\", M78CAP_LAYER, "
                      "M78CAP_LAYER, total);\n"
                      "  for (unsigned r = 0; r < sizeof m78cap_ranges / sizeof m78cap_ranges[0]; r++) {\n"
                      "    for (uint32_t k = 0; k < m78cap_ranges[r][1]; k++) {\n"
                      "      uint32_t a = m78cap_ranges[r][0] + 4 * k;\n"
                      "      if (k %% 8 == 0)\n"
                      "        printf(\"0x%%08x:\", (unsigned int) a);\n"
                      "      printf(\" %%08x\", (unsigned int) *((volatile uint32_t *) a));\n"
                      "      if (k %% 8 == 7 || k + 1 == m78cap_ranges[r][1])\n"
                      "        printf(\"\\n\");\n"
                      "    }\n"
                      "  }\n"
                      "}\n\n");
  emit_tail(&b, 1);
  return b.data;
}

static char *unload_main(const struct cap_opts *o, int elem, long words)
{
  char count[64];
  if (words > 0)
    snprintf(count, sizeof count, "%ld", words);
  else
    snprintf(count, sizeof count, "%s", elem == 4 ? "(CNN_NUM_OUTPUTS)" : "((CNN_NUM_OUTPUTS + 3) / 4)");
  struct m78u_buf b = {0};
  emit_head(&b, o);
  m78u_buf_printf(
      &b,
      "/* the output buffer: %s */\n"
      "#define M78CAP_WORDS %s\n"
      "/* slack: some unloaders write whole words past the end */\n"
      "static uint32_t m78cap_buf[M78CAP_WORDS + 1024];\n\n"
      "static void m78cap_print(void)\n"
      "{\n"
      "  cnn_unload(m78cap_buf);\n"
      "  printf(\"\\nmax78sim capture: output buffer (cnn_unload), %%d words\\n\", (int) M78CAP_WORDS);\n"
      "  for (int k = 0; k < M78CAP_WORDS; k++)\n"
      "    printf(\"%%08x%%s\", (unsigned int) m78cap_buf[k], k %% 8 == 7 || k + 1 == M78CAP_WORDS ? \"\\n\" "
      ": \" \");\n"
      "}\n\n",
      elem == 4 ? "32-bit values" : "8-bit values, four to a word", count);
  emit_tail(&b, 0);
  return b.data;
}

/* The vendor sources of the project (main.c, cnn.c, cnn.h), checked to
 * be the synthesizer's: a wrong project fails before any run.  -1 after
 * an error. */
static int read_vendor_sources(const struct cap_opts *o, char **main_c, char **cnn_c, char **cnn_h)
{
  struct m78fw_paths paths;
  struct m78fw_model model;
  m78fw_paths_init(&paths);
  char *fwdir = m78cli_locate_firmware(&paths, o->dir, &model);
  if (fwdir) {
    *main_c = read_in(fwdir, "main.c");
    *cnn_c = read_in(fwdir, "cnn.c");
    *cnn_h = read_in(fwdir, "cnn.h");
  }
  m78fw_model_free(&model);
  m78fw_paths_free(&paths);
  if (!fwdir)
    return -1;
  if (!*main_c || !*cnn_c || !*cnn_h) {
    m78u_error("%s: cannot read main.c, cnn.c or cnn.h", fwdir);
    free(fwdir);
    return -1;
  }
  if (!strstr(*main_c, "cnn_start()") || !strstr(*main_c, "MXC_LP_EnterSleepMode()") || !strstr(*main_c, "cnn_time")) {
    m78u_error("%s/main.c: not the synthesizer's main (it must call cnn_start() and wait with "
               "MXC_LP_EnterSleepMode() until cnn_time is set)",
               fwdir);
    free(fwdir);
    return -1;
  }
  if (!o->unload && !lcnt_quadrants(*cnn_c)) {
    m78u_error("%s/cnn.c: it never sets the layer count (LCNT_MAX at 0x50100008): not a synthesized cnn.c?", fwdir);
    free(fwdir);
    return -1;
  }
  if (o->unload && (!strstr(*cnn_h, "CNN_NUM_OUTPUTS") || !strstr(*cnn_c, "int cnn_unload("))) {
    m78u_error("%s: cnn.c defines no cnn_unload() or cnn.h no CNN_NUM_OUTPUTS (synthesized with --no-unload?); "
               "compare a data memory dump instead",
               fwdir);
    free(fwdir);
    return -1;
  }
  free(fwdir);
  return 0;
}

int m78cli_cmd_capture(int argc, char **argv)
{
  struct cap_opts o;
  int rc = M78CLI_EXIT_ERROR;
  struct m78cli_simrun run;
  struct m78_footprints fp;
  memset(&run, 0, sizeof run);
  memset(&fp, 0, sizeof fp);
  char *main_c = NULL, *cnn_c = NULL, *cnn_h = NULL, *tmp = NULL, *gen = NULL;
  if (parse_capture(argc, argv, &o) != 0)
    goto out;
  if (o.help) {
    capture_help(stdout);
    rc = 0;
    goto out;
  }
  struct stat st;
  if (stat(o.out, &st) == 0) {
    size_t n = 0;
    char **names = S_ISDIR(st.st_mode) ? m78u_list_dir(o.out, &n) : NULL;
    m78u_free_list(names, n);
    if (!S_ISDIR(st.st_mode) || n) {
      m78u_error("%s: %s", o.out, S_ISDIR(st.st_mode) ? "exists and is not empty" : "exists and is not a folder");
      goto out;
    }
  }
  /* the vendor sources first: a wrong project fails before any run */
  if (read_vendor_sources(&o, &main_c, &cnn_c, &cnn_h) != 0)
    goto out;
  struct m78cli_simrun_opts so = {.cmd = "capture",
                                  .dir = o.dir,
                                  .layer_limit = o.stop_after,
                                  .show_console = o.verbose,
                                  .rebuild = o.rebuild,
                                  .max_cycles = DEFAULT_MAX_CYCLES,
                                  .timeout_s = 600};
  if (m78cli_simulate(&so, &run) != 0)
    goto out;
  char err[512];
  char *p = m78u_path_join(run.dump, "footprint.bin");
  int lrc = m78_footprints_load(p, &fp, err, sizeof err);
  free(p);
  if (lrc != 0) {
    m78u_error("%s", err);
    goto out;
  }
  long nwords = 0, nranges = 0;
  int nlayers = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run.report, "layers"));
  if (!o.unload) {
    if (nlayers != o.stop_after + 1 || fp.nlayers != nlayers) {
      m78u_error("capture: --stop-after %d: the network has %d layers (0..%d)", o.stop_after,
                 fp.nlayers < nlayers ? fp.nlayers : nlayers, (fp.nlayers < nlayers ? fp.nlayers : nlayers) - 1);
      goto out;
    }
    unsigned quads = lcnt_quadrants(cnn_c);
    const struct m78_fp_layer *F = &fp.layers[o.stop_after];
    if (!F->executed || !F->nruns) {
      m78u_error("capture: layer %d could not be simulated, so which words it writes is unknown", o.stop_after);
      goto out;
    }
    gen = layer_main(&o, quads, F, &nwords, &nranges);
  } else {
    int last = fp.nlayers - 1;
    while (last >= 0 && !fp.layers[last].executed)
      last--;
    if (last < 0) {
      m78u_error("capture: no layer could be simulated");
      goto out;
    }
    /* the buffer's size: what the synthesizer's unload comments add up
     * to (CNN_NUM_OUTPUTS counts one output layer only) */
    struct m78cli_unload_part parts[M78CLI_MAX_UNLOAD_PARTS];
    int n = m78cli_unload_parts(run.fwdir, parts);
    if (n < 0) {
      m78u_error("%s/cnn.c: cnn_unload() follows a custom unload sequence, which compare cannot map", run.fwdir);
      goto out;
    }
    long bytes = 0;
    for (int i = 0; i < n; i++)
      bytes += (long)parts[i].c * parts[i].h * parts[i].w * (parts[i].bits / 8);
    gen = unload_main(&o, n ? parts[0].bits / 8 : fp.layers[last].elem_bytes, (bytes + 3) / 4);
  }
  if (!gen) {
    m78u_error("out of memory");
    goto out;
  }

  /* build the project beside OUTDIR, then move it in place */
  char *parent = m78u_dirname(o.out);
  tmp = m78u_xasprintf("%s/.max78sim-capture-XXXXXX", parent);
  free(parent);
  if (!mkdtemp(tmp)) {
    m78u_error("%s: cannot create a folder beside it: %s", o.out, strerror(errno));
    free(tmp);
    tmp = NULL;
    goto out;
  }
  char *mainp = m78u_path_join(tmp, "main.c");
  int ok = copy_tree(run.fwdir, tmp, 1) == 0;
  if (ok && m78u_write_file_atomic(mainp, gen, strlen(gen)) != 0) {
    m78u_error("%s: %s", mainp, strerror(errno));
    ok = 0;
  }
  free(mainp);
  if (ok && stat(o.out, &st) == 0)
    rmdir(o.out); /* empty (checked above) */
  if (ok && rename(tmp, o.out) != 0) {
    m78u_error("%s: %s", o.out, strerror(errno));
    ok = 0;
  }
  if (!ok)
    goto out;
  free(tmp);
  tmp = NULL;
  if (o.unload)
    printf("wrote %s: prints the output buffer of cnn_unload() after the inference\n", o.out);
  else
    printf("wrote %s: stops the CNN after layer %d and prints the %ld data memory words it wrote (%ld ranges)\n", o.out,
           o.stop_after, nwords, nranges);
  printf("build and run it on the board like the original project, save the console output as LOG, then:\n"
         "  max78sim compare %s --device LOG\n",
         o.dir);
  rc = 0;
out:
  if (tmp)
    m78u_remove_tree(tmp);
  free(tmp);
  free(gen);
  free(main_c);
  free(cnn_c);
  free(cnn_h);
  m78_footprints_free(&fp);
  m78cli_simrun_free(&run);
  return rc;
}
