/*
 * The known-answer runner: runs corpus cases through `max78sim run` and
 * compares every layer the synthesizer logged with the simulator's dump.
 *
 *   kat_runner [--corpus DIR] [--max78sim PATH] [--jobs N] [--keep] [--via-input] [CASE...]
 *
 * A case (../shared/corpus/README.md) passes when the firmware's own
 * check prints *** PASS *** (max78sim exits 0) and every layer with an
 * "output" entry in expected.json matches byte for byte.  The first
 * mismatching layer is reported with the channel, row and column of its
 * first differing value, since later layers inherit the error.  It
 * also checks the output footprint the run wrote (footprint.bin, what
 * `max78sim compare` maps device data with): every data memory byte a
 * layer wrote last must hold that layer's output value.
 *
 * Cases run in forked workers (--jobs); each worker writes its lines to
 * a file, and the parent prints them in case order as soon as every
 * earlier case has finished, so the output does not depend on timing.
 * A missing corpus is a skip (exit 77, CTest SKIP_RETURN_CODE), not a
 * failure: the corpus lives outside the repository.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include "m78host/report.h"
#include "m78host/sramdump.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "m78_config.h"

#ifndef M78_KAT_MAX78SIM
#define M78_KAT_MAX78SIM "max78sim"
#endif
#define DEFAULT_CORPUS M78_CFG_SOURCE_DIR "/../shared/corpus"
#define EXIT_SKIP 77
#define LOG_TAIL_LINES 10

struct options {
  const char *corpus;
  const char *max78sim;
  long jobs;
  int keep;
  int via_input; /* --via-input: export the sample, run it back with --input */
};

struct kase {
  char *name; /* as printed */
  char *dir;
};

static void usage(FILE *out)
{
  fprintf(out,
          "usage: kat_runner [--corpus DIR] [--max78sim PATH] [--jobs N] [--keep] [--via-input] [CASE...]\n"
          "\n"
          "Runs known-answer cases (default: every folder of the corpus with expected.json\n"
          "and firmware/) and compares each layer's output with the expected data.\n"
          "\n"
          "  --corpus DIR     corpus folder (default %s)\n"
          "  --max78sim PATH  the max78sim command (default %s)\n"
          "  --jobs N         run N cases at once (default 1)\n"
          "  --keep           keep each case's temporary folder and print its path\n"
          "  --via-input      round trip: 'max78sim input export' the baked sample to a .npy\n"
          "                   and run it with --input (the firmware's own arrays rewritten)\n"
          "\n"
          "Exit status: 0 all cases passed, 1 some failed, 2 bad usage, 77 no corpus.\n",
          DEFAULT_CORPUS, M78_KAT_MAX78SIM);
}

/* ---- one layer ---- */

/* The simulator dumps every hardware output slot of the layer as the
 * hardware computed it; izer's log holds the logical tensor.  They differ:
 *  - when the output map has dummy slots or holes, a multi-pass layer
 *    rounds its passes up to whole memory instances, or an element-wise
 *    layer with more than 64 channels runs as one pass over H x passes
 *    rows (izer EMULATE_ELTWISE_MP): m78_dump_map places every logical
 *    value with the slot layout in layers.json;
 *  - a dilated Conv1d that izer runs on 3x3 Conv2d hardware (spec
 *    compute.md 2.4.2) writes a ceil(L/d) x d image; the logical signal
 *    is that image read row by row, from position d for k = 3 (the first
 *    d outputs are the ones izer writes below out_offset), else from 0.
 *    k is the logical kernel length, macc / (C_in * C_out * L_out).
 * `entry` is the dump's layers.json entry (the layer's, or its
 * "combined" object).  Returns 1 (and replaces *got when the layouts
 * differ) on success. */
static int remap_slots(const cJSON *entry, const cJSON *layer, const long dims[3], size_t elsize, unsigned char **got,
                       size_t *got_len)
{
  struct m78_dump_geom g;
  int have = entry && m78_dump_geom_read(entry, &g) == 0;
  size_t plane = (size_t)dims[1] * (size_t)dims[2] * elsize;
  if ((!have || (g.slots == dims[0] && g.h == dims[1] && g.w == dims[2])) && *got_len == (size_t)dims[0] * plane)
    return 1; /* same layout (or none recorded) */
  size_t hw_plane = have ? (size_t)g.h * (size_t)g.w * elsize : 0;
  if (!have || *got_len != (size_t)g.slots * hw_plane)
    return 0;
  size_t n = (size_t)dims[0] * (size_t)dims[1] * (size_t)dims[2];
  size_t *idx = malloc(n * sizeof *idx);
  unsigned char *out = malloc(n * elsize);
  int ok = idx && out;
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(layer, "op");
  if (ok && hw_plane != plane && cJSON_IsString(op) && strcmp(op->valuestring, "CONV1D") == 0) {
    const cJSON *macc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(layer, "ops"), "macc");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(layer, "input_shape_chw");
    ok = dims[2] == 1 && g.w >= 2 && cJSON_IsNumber(macc) && cJSON_GetArraySize(in) >= 1;
    double k = 0;
    if (ok) {
      double cin = cJSON_GetArrayItem(in, 0)->valuedouble;
      k = macc->valuedouble / (cin * (double)dims[0] * (double)dims[1]);
    }
    long offset = k > 2.5 ? g.w : 0;
    ok = ok && (size_t)(offset + dims[1]) * elsize <= hw_plane;
    for (long c = 0; ok && c < dims[0]; c++) {
      int slot = m78_channel_slot((int)dims[0], g.slots, g.slots_per_pass, g.out_passes, g.gaps, (int)c);
      ok = slot >= 0;
      for (long i = 0; ok && i < dims[1]; i++)
        idx[(size_t)c * (size_t)dims[1] + (size_t)i] = (size_t)slot * (size_t)g.h * (size_t)g.w + (size_t)(offset + i);
    }
  } else if (ok) {
    ok = m78_dump_map(&g, (int)dims[0], (int)dims[1], (int)dims[2], idx) == 0;
  }
  for (size_t i = 0; ok && i < n; i++)
    memcpy(out + i * elsize, *got + idx[i] * elsize, elsize);
  free(idx);
  if (!ok) {
    free(out);
    return 0;
  }
  free(*got);
  *got = out;
  *got_len = n * elsize;
  return 1;
}

/* The layers.json entry of layer `index` (inside `doc`), or NULL. */
static const cJSON *dump_entry(const cJSON *doc, int index)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(doc, "layers"))
  {
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(l, "index");
    if (cJSON_IsNumber(i) && i->valueint == index)
      return l;
  }
  return NULL;
}

/* izer logs a layer that combines operands and then pools at the
 * combination, before pooling; the simulator dumps that stage as
 * Lnn.combined.i8 (layers.json "combined").  Returns 1 and replaces *got
 * with its logical values when the expected planes are that stage's. */
static int use_combined(const char *dump_dir, const cJSON *entry, const cJSON *layer, const long dims[3],
                        unsigned char **got, size_t *got_len)
{
  const cJSON *comb = cJSON_GetObjectItemCaseSensitive(entry, "combined");
  const cJSON *file = cJSON_GetObjectItemCaseSensitive(comb, "file");
  struct m78_dump_geom main, g;
  if (!cJSON_IsString(file) || m78_dump_geom_read(entry, &main) != 0 || m78_dump_geom_read(comb, &g) != 0 ||
      (main.h == dims[1] && main.w == dims[2]) || g.h != dims[1] || g.w != dims[2])
    return 0;
  char *path = m78u_path_join(dump_dir, file->valuestring);
  size_t n = 0;
  unsigned char *data = (unsigned char *)m78u_read_file(path, &n);
  free(path);
  if (!data || !remap_slots(comb, layer, dims, 1, &data, &n)) {
    free(data);
    return 0;
  }
  free(*got);
  *got = data;
  *got_len = n;
  return 1;
}

/* Compares one layer's dump; returns 0 when it matches, 1 when it does
 * not (message in *msg), 2 when the simulator wrote no file for it. */
static int compare_layer(const char *label, const char *case_dir, const char *dump_dir, const cJSON *layer, char **msg)
{
  const cJSON *jindex = cJSON_GetObjectItemCaseSensitive(layer, "index");
  const cJSON *jop = cJSON_GetObjectItemCaseSensitive(layer, "op");
  const cJSON *out = cJSON_GetObjectItemCaseSensitive(layer, "output");
  const cJSON *file = cJSON_GetObjectItemCaseSensitive(out, "file");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(out, "shape_chw");
  const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(out, "dtype");
  int index = cJSON_IsNumber(jindex) ? jindex->valueint : -1;
  char *who = m78u_xasprintf("%s: layer %d (%s)", label, index, cJSON_IsString(jop) ? jop->valuestring : "?");
  int elsize = cJSON_IsString(dtype) ? m78dump_dtype_size(dtype->valuestring) : 0;
  long dims[3] = {0, 0, 0};
  int shape_ok = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == 3;
  for (int i = 0; shape_ok && i < 3; i++) {
    const cJSON *d = cJSON_GetArrayItem(shape, i);
    shape_ok = cJSON_IsNumber(d) && d->valuedouble >= 1;
    dims[i] = shape_ok ? (long)d->valuedouble : 0;
  }
  char shape_text[64];
  m78cli_format_shape(shape, shape_text, sizeof shape_text);
  if (index < 0 || !cJSON_IsString(file) || !shape_ok || elsize == 0) {
    *msg = m78u_xasprintf("%s: malformed \"output\" entry in expected.json", who);
    free(who);
    return 1;
  }
  size_t want = (size_t)dims[0] * (size_t)dims[1] * (size_t)dims[2] * (size_t)elsize;

  int rc = 1;
  char *idx_path = m78u_path_join(dump_dir, "layers.json");
  char *idx_text = m78u_read_file(idx_path, NULL);
  cJSON *idx_doc = idx_text ? cJSON_Parse(idx_text) : NULL;
  free(idx_text);
  free(idx_path);
  char *exp_path = m78u_path_join(case_dir, file->valuestring);
  char *got_name = m78u_xasprintf("L%02d.%s", index, elsize == 1 ? "i8" : "i32");
  char *got_path = m78u_path_join(dump_dir, got_name);
  size_t exp_len = 0, got_len = 0;
  unsigned char *exp = (unsigned char *)m78u_read_file(exp_path, &exp_len);
  unsigned char *got = NULL;
  if (!exp) {
    *msg = m78u_xasprintf("%s: cannot read the expected output %s: %s", who, file->valuestring, strerror(errno));
  } else if (exp_len != want) {
    *msg = m78u_xasprintf("%s: the expected output %s has %zu bytes, but %s %s needs %zu", who, file->valuestring,
                          exp_len, shape_text, dtype->valuestring, want);
  } else if (!(got = (unsigned char *)m78u_read_file(got_path, &got_len))) {
    char *other = m78u_xasprintf("%s/L%02d.%s", dump_dir, index, elsize == 1 ? "i32" : "i8");
    *msg = m78u_xasprintf("%s: the simulator wrote no %s%s", who, got_name,
                          m78u_is_file(other) ? elsize == 1 ? " (it wrote a 32-bit output instead)"
                                                            : " (it wrote an 8-bit output instead)"
                                              : "");
    free(other);
    rc = 2;
  } else if (!use_combined(dump_dir, dump_entry(idx_doc, index), layer, dims, &got, &got_len) &&
             !remap_slots(dump_entry(idx_doc, index), layer, dims, (size_t)elsize, &got, &got_len)) {
    *msg = m78u_xasprintf("%s: %s has %zu bytes, expected %zu (%s %s), and its hardware slots cannot be "
                          "mapped to the channels",
                          who, got_name, got_len, exp_len, shape_text, dtype->valuestring);
  } else {
    struct m78dump_diff d;
    m78dump_compare(exp, got, exp_len, elsize, &d);
    if (d.differ == 0) {
      rc = 0;
    } else {
      long c, r, w;
      m78dump_chw_index(dims, d.first, &c, &r, &w);
      *msg = m78u_xasprintf("%s: first mismatch at channel %ld, row %ld, col %ld: expected %lld, got %lld "
                            "(%zu of %zu values differ)",
                            who, c, r, w, (long long)d.expected, (long long)d.got, d.differ, d.values);
    }
  }
  cJSON_Delete(idx_doc);
  free(exp);
  free(got);
  free(exp_path);
  free(got_name);
  free(got_path);
  free(who);
  return rc;
}

/* ---- one case ---- */

/* The last line of the log that starts with "max78sim: ", without it. */
static char *last_tool_message(const char *log)
{
  const char *found = NULL;
  for (const char *p = log; p && *p;) {
    if (strncmp(p, "max78sim: ", 10) == 0)
      found = p + 10;
    const char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : NULL;
  }
  if (!found)
    return NULL;
  size_t n = strcspn(found, "\n");
  return strndup(found, n);
}

/* The last lines of the log, indented, leaving out build notices and
 * the line the FAIL summary already quotes. */
static void add_log_tail(struct m78u_buf *out, const char *log, const char *quoted)
{
  const char *lines[LOG_TAIL_LINES];
  size_t lens[LOG_TAIL_LINES];
  int n = 0;
  for (const char *p = log; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    int skip = len == 0 || strncmp(p, "building ", 9) == 0 ||
               (quoted && len == strlen(quoted) + 10 && strncmp(p + 10, quoted, len - 10) == 0);
    if (!skip) {
      if (n == LOG_TAIL_LINES) {
        memmove(lines, lines + 1, sizeof lines[0] * (LOG_TAIL_LINES - 1));
        memmove(lens, lens + 1, sizeof lens[0] * (LOG_TAIL_LINES - 1));
        n--;
      }
      lines[n] = p;
      lens[n++] = len;
    }
    p = nl ? nl + 1 : NULL;
  }
  for (int i = 0; i < n; i++)
    m78u_buf_printf(out, "  %.*s\n", (int)lens[i], lines[i]);
}

static int spawn_logged(const struct options *o, char **argv, const char *log, int append, char **why);

/* Runs max78sim; returns its exit code, or -1 with *why set. */
static int run_tool(const struct options *o, const char *fwdir, const char *tmp, char **why)
{
  char *report = m78u_path_join(tmp, "report.json");
  char *layers = m78u_path_join(tmp, "layers");
  char *log = m78u_path_join(tmp, "max78sim.log");
  char *npy = m78u_path_join(tmp, "input.npy");
  int rc = 0;
  *why = NULL;
  if (o->via_input) {
    char *eargv[] = {(char *)o->max78sim, "input", "export", (char *)fwdir, "-o", npy, NULL};
    rc = spawn_logged(o, eargv, log, 0, why);
    if (rc > 0 && !*why)
      *why = m78u_xasprintf("max78sim input export exited %d", rc);
  }
  if (rc == 0) {
    char *argv[] = {(char *)o->max78sim,
                    "run",
                    (char *)fwdir,
                    "--quiet",
                    "--no-table",
                    "--json",
                    report,
                    "--dump-layers",
                    layers,
                    o->via_input ? "--input" : NULL,
                    npy,
                    NULL};
    rc = spawn_logged(o, argv, log, o->via_input, why);
  }
  free(report);
  free(layers);
  free(log);
  free(npy);
  return *why ? -1 : rc;
}

static int spawn_logged(const struct options *o, char **argv, const char *log, int append, char **why)
{
  int fd = open(log, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int rc = -1;
  *why = NULL;
  if (fd < 0) {
    *why = m78u_xasprintf("%s: %s", log, strerror(errno));
  } else {
    struct m78proc_spawn_opts so = {.argv = argv, .fd_in = devnull, .fd_out = fd, .fd_err = fd, .die_with_parent = 1};
    pid_t pid = m78proc_spawn(&so);
    int status;
    if (pid < 0)
      *why = m78u_xasprintf("cannot run %s: %s", o->max78sim, strerror(errno));
    else if (m78proc_wait(pid, &status) != 0)
      *why = m78u_xasprintf("waiting for %s: %s", o->max78sim, strerror(errno));
    else if (WIFSIGNALED(status))
      *why = m78u_xasprintf("max78sim killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
      rc = WEXITSTATUS(status);
    close(fd);
  }
  if (devnull >= 0)
    close(devnull);
  return rc;
}

/* Checks the report max78sim wrote for a PASS. */
static int report_says_pass(const char *tmp)
{
  char *path = m78u_path_join(tmp, "report.json");
  char *text = m78u_read_file(path, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  const cJSON *kat = cJSON_GetObjectItemCaseSensitive(j, "kat");
  int ok = cJSON_IsString(kat) && strcmp(kat->valuestring, "pass") == 0;
  cJSON_Delete(j);
  free(text);
  free(path);
  return ok;
}

/* Runs one case, appending its lines to OUT.  Returns 1 when it passed. */
static int run_case(const struct options *o, const struct kase *k, struct m78u_buf *out)
{
  char *exp_path = m78u_path_join(k->dir, "expected.json");
  char *fwdir = m78u_path_join(k->dir, "firmware");
  char *text = m78u_read_file(exp_path, NULL);
  cJSON *expected = text ? cJSON_Parse(text) : NULL;
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(expected, "layers");
  char *tmp = NULL, *why = NULL, *tool_msg = NULL, *log = NULL, *first_msg = NULL;
  int passed = 0;

  if (!m78u_is_dir(k->dir)) {
    m78u_buf_printf(out, "FAIL %s: no such case (%s)\n", k->name, k->dir);
    goto out;
  }
  if (!text) {
    m78u_buf_printf(out, "FAIL %s: cannot read expected.json: %s\n", k->name, strerror(errno));
    goto out;
  }
  if (!cJSON_IsArray(layers)) {
    m78u_buf_printf(out, "FAIL %s: expected.json has no \"layers\" array\n", k->name);
    goto out;
  }
  char *prefix = m78u_xasprintf("kat-%s-", m78u_basename(k->dir));
  tmp = m78u_make_temp_dir(prefix);
  free(prefix);
  if (!tmp) {
    m78u_buf_printf(out, "FAIL %s: cannot create a temporary folder: %s\n", k->name, strerror(errno));
    goto out;
  }

  int rc = run_tool(o, fwdir, tmp, &why);
  char *log_path = m78u_path_join(tmp, "max78sim.log");
  log = m78u_read_file(log_path, NULL);
  free(log_path);
  tool_msg = log ? last_tool_message(log) : NULL;
  /* The message names the firmware folder; the case name says it. */
  const char *shown = tool_msg;
  if (shown && strncmp(shown, fwdir, strlen(fwdir)) == 0 && strncmp(shown + strlen(fwdir), ": ", 2) == 0)
    shown += strlen(fwdir) + 2;

  /* Compare the layers whenever there are dumps: after a FAIL they say
   * where the simulation went wrong. */
  char *dump_dir = m78u_path_join(tmp, "layers");
  int compared = 0, differ = 0, missing = 0, first_index = -1;
  if (rc == 0 || (rc > 0 && m78u_is_dir(dump_dir))) {
    const cJSON *layer;
    cJSON_ArrayForEach(layer, layers)
    {
      if (!cJSON_GetObjectItemCaseSensitive(layer, "output"))
        continue;
      char *msg = NULL;
      int c = compare_layer(k->name, k->dir, dump_dir, layer, &msg);
      compared++;
      /* After a failed run a missing dump is a layer never reached. */
      if (c == 2 && rc != 0) {
        missing++;
      } else if (c != 0) {
        if (differ++ == 0) {
          first_msg = msg;
          msg = NULL;
          const cJSON *ix = cJSON_GetObjectItemCaseSensitive(layer, "index");
          first_index = cJSON_IsNumber(ix) ? ix->valueint : -1;
        }
      }
      free(msg);
    }
  }
  /* The output footprint (what compare maps device data with) must put
   * every layer's values exactly where the engine left them. */
  int fp_bad = 0;
  if (rc == 0 && differ == 0) {
    char fmsg[512];
    long checked = 0;
    if (m78_footprint_check(dump_dir, &checked, fmsg, sizeof fmsg) != 0) {
      m78u_buf_printf(out, "%s: footprint: %s\n", k->name, fmsg);
      fp_bad = 1;
    }
  }
  free(dump_dir);

  struct m78u_buf layer_note = {0};
  if (differ)
    m78u_buf_printf(&layer_note, "%d of %d layers differ (first: layer %d)", differ, compared, first_index);
  else if (compared > missing && rc != 0)
    m78u_buf_printf(&layer_note, "the %d layer%s dumped match%s", compared - missing,
                    compared - missing == 1 ? "" : "s", compared - missing == 1 ? "es" : "");

  if (rc < 0 || rc >= 2)
    add_log_tail(out, log, tool_msg);
  if (first_msg)
    m78u_buf_printf(out, "%s\n", first_msg);
  if (rc < 0) {
    m78u_buf_printf(out, "FAIL %s: %s\n", k->name, why);
  } else if (fp_bad) {
    m78u_buf_printf(out, "FAIL %s: the output footprint disagrees with the simulated data memory\n", k->name);
  } else if (rc == 0 && differ == 0 && report_says_pass(tmp)) {
    m78u_buf_printf(out, "PASS %s (%d layer%s compared)\n", k->name, compared, compared == 1 ? "" : "s");
    passed = 1;
  } else if (rc == 0 && differ == 0) {
    m78u_buf_printf(out, "FAIL %s: max78sim wrote no report with \"kat\": \"pass\"\n", k->name);
  } else if (rc == 0) {
    m78u_buf_printf(out, "FAIL %s: the firmware check passed, but %s\n", k->name, layer_note.data);
  } else {
    const char *what = rc == 1 ? "the firmware check failed (*** FAIL ***)" : shown;
    if (what)
      m78u_buf_printf(out, "FAIL %s: %s", k->name, what);
    else
      m78u_buf_printf(out, "FAIL %s: max78sim exited with status %d", k->name, rc);
    m78u_buf_printf(out, "%s%s\n", layer_note.len ? "; " : "", layer_note.len ? layer_note.data : "");
  }
  m78u_buf_free(&layer_note);

out:
  if (tmp && o->keep)
    m78u_buf_printf(out, "  kept %s\n", tmp);
  else if (tmp)
    m78u_remove_tree(tmp);
  cJSON_Delete(expected);
  free(text);
  free(tmp);
  free(why);
  free(tool_msg);
  free(log);
  free(first_msg);
  free(exp_path);
  free(fwdir);
  return passed;
}

/* ---- cases and workers ---- */

static int is_case_dir(const char *dir)
{
  char *e = m78u_path_join(dir, "expected.json");
  char *f = m78u_path_join(dir, "firmware");
  int ok = m78u_is_file(e) && m78u_is_dir(f);
  free(e);
  free(f);
  return ok;
}

/* Runs the cases in up to o->jobs workers; prints in case order. */
static void run_all(const struct options *o, const struct kase *cases, size_t n, int *npass, int *nfail)
{
  char *rundir = NULL;
  if (o->jobs > 1 && !(rundir = m78u_make_temp_dir("kat-runner-"))) {
    m78u_error("cannot create a temporary folder (%s); running one case at a time", strerror(errno));
  }
  if (!rundir) {
    for (size_t i = 0; i < n; i++) {
      struct m78u_buf out = {0};
      int ok = run_case(o, &cases[i], &out);
      fputs(out.data ? out.data : "", stdout);
      fflush(stdout);
      m78u_buf_free(&out);
      *(ok ? npass : nfail) += 1;
    }
    return;
  }

  pid_t *pids = m78u_xmalloc(n * sizeof *pids);
  int *state = m78u_xmalloc(n * sizeof *state); /* 0 waiting, 1 running, 2 done */
  int *ok = m78u_xmalloc(n * sizeof *ok);
  size_t next = 0, printed = 0;
  long running = 0;
  memset(state, 0, n * sizeof *state);
  fflush(stdout);
  fflush(stderr);
  while (printed < n) {
    while (running < o->jobs && next < n) {
      pid_t pid = fork();
      if (pid == 0) {
        struct m78u_buf out = {0};
        int passed = run_case(o, &cases[next], &out);
        char *path = m78u_xasprintf("%s/%zu.out", rundir, next);
        int wrote = m78u_write_file_atomic(path, out.data ? out.data : "", out.len);
        _exit(wrote == 0 ? !passed : 3);
      }
      if (pid < 0) {
        /* Out of processes: run this one here. */
        struct m78u_buf out = {0};
        ok[next] = run_case(o, &cases[next], &out);
        char *path = m78u_xasprintf("%s/%zu.out", rundir, next);
        m78u_write_file_atomic(path, out.data ? out.data : "", out.len);
        free(path);
        m78u_buf_free(&out);
        state[next++] = 2;
        continue;
      }
      pids[next] = pid;
      state[next++] = 1;
      running++;
    }
    if (running > 0) {
      int status;
      pid_t pid = wait(&status);
      if (pid < 0) {
        if (errno == EINTR)
          continue;
        break;
      }
      for (size_t i = 0; i < n; i++) {
        if (state[i] == 1 && pids[i] == pid) {
          state[i] = 2;
          ok[i] = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          running--;
        }
      }
    }
    while (printed < n && state[printed] == 2) {
      char *path = m78u_xasprintf("%s/%zu.out", rundir, printed);
      char *text = m78u_read_file(path, NULL);
      if (text)
        fputs(text, stdout);
      else
        printf("FAIL %s: the worker wrote no result\n", cases[printed].name), ok[printed] = 0;
      fflush(stdout);
      free(text);
      free(path);
      *(ok[printed] ? npass : nfail) += 1;
      printed++;
    }
  }
  m78u_remove_tree(rundir);
  free(rundir);
  free(pids);
  free(state);
  free(ok);
}

/* Returns 0, 1 for --help, or -1 after an error message.  NAMES gets
 * the case arguments (room for argc entries). */
static int parse_args(int argc, char **argv, struct options *o, const char **names, size_t *nnames)
{
  int only_args = 0;
  *nnames = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_args || a[0] != '-') {
      names[(*nnames)++] = a;
    } else if (strcmp(a, "--") == 0) {
      only_args = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      return 1;
    } else if (strcmp(a, "--keep") == 0) {
      o->keep = 1;
    } else if (strcmp(a, "--via-input") == 0) {
      o->via_input = 1;
    } else if (strcmp(a, "--corpus") == 0 || strcmp(a, "--max78sim") == 0 || strcmp(a, "--jobs") == 0) {
      if (i + 1 >= argc) {
        m78u_error("option %s needs a value", a);
        return -1;
      }
      const char *v = argv[++i];
      if (strcmp(a, "--corpus") == 0) {
        o->corpus = v;
      } else if (strcmp(a, "--max78sim") == 0) {
        o->max78sim = v;
      } else {
        uint64_t j;
        if (m78u_parse_u64(v, &j) != 0 || j < 1 || j > 1024) {
          m78u_error("--jobs: not a number from 1 to 1024: %s", v);
          return -1;
        }
        o->jobs = (long)j;
      }
    } else {
      m78u_error("unknown option %s (see kat_runner --help)", a);
      return -1;
    }
  }
  return 0;
}

/* Prints the SKIP line and returns 0 if the corpus folder is unusable. */
static int corpus_usable(const char *corpus)
{
  struct stat st;
  if (stat(corpus, &st) != 0)
    printf("SKIP: corpus not found at %s (%s)\n", corpus, strerror(errno));
  else if (!S_ISDIR(st.st_mode))
    printf("SKIP: corpus not found at %s (not a directory)\n", corpus);
  else
    return 1;
  return 0;
}

/* The cases to run: the arguments, or every case folder of the corpus.
 * Returns NULL after printing the SKIP line. */
static struct kase *collect_cases(const struct options *o, const char **names, size_t nnames, size_t *ncases)
{
  struct kase *cases;
  *ncases = 0;
  if (nnames > 0) {
    cases = m78u_xmalloc(nnames * sizeof *cases);
    for (size_t i = 0; i < nnames; i++) {
      struct kase *k = &cases[(*ncases)++];
      if (strchr(names[i], '/')) {
        size_t len = strlen(names[i]);
        while (len > 1 && names[i][len - 1] == '/')
          len--;
        k->dir = strndup(names[i], len);
        k->name = m78u_xstrdup(m78u_basename(k->dir));
      } else {
        k->name = m78u_xstrdup(names[i]);
        k->dir = m78u_path_join(o->corpus, names[i]);
      }
    }
    return cases;
  }
  size_t n = 0;
  char **listing = m78u_list_dir(o->corpus, &n);
  if (!listing) {
    printf("SKIP: corpus not found at %s (%s)\n", o->corpus, strerror(errno));
    return NULL;
  }
  cases = m78u_xmalloc((n + 1) * sizeof *cases);
  for (size_t i = 0; i < n; i++) {
    char *dir = m78u_path_join(o->corpus, listing[i]);
    if (is_case_dir(dir)) {
      cases[*ncases].name = m78u_xstrdup(listing[i]);
      cases[(*ncases)++].dir = dir;
    } else {
      free(dir);
    }
  }
  m78u_free_list(listing, n);
  if (*ncases == 0) {
    printf("SKIP: corpus not found at %s (no case folder with expected.json and firmware/)\n", o->corpus);
    free(cases);
    return NULL;
  }
  return cases;
}

int main(int argc, char **argv)
{
  m78u_set_prog("kat_runner");
  struct options o = {DEFAULT_CORPUS, M78_KAT_MAX78SIM, 1, 0, 0};
  const char **names = m78u_xmalloc((size_t)argc * sizeof *names);
  size_t nnames = 0, ncases = 0;
  struct kase *cases = NULL;
  int rc = parse_args(argc, argv, &o, names, &nnames);
  if (rc != 0) {
    if (rc > 0)
      usage(stdout);
    free(names);
    return rc > 0 ? 0 : 2;
  }

  /* Cases given as paths (with a slash) do not need the corpus. */
  int need_corpus = nnames == 0;
  for (size_t i = 0; i < nnames; i++)
    if (!strchr(names[i], '/'))
      need_corpus = 1;
  if ((need_corpus && !corpus_usable(o.corpus)) || !(cases = collect_cases(&o, names, nnames, &ncases))) {
    free(names);
    return EXIT_SKIP;
  }

  int npass = 0, nfail = 0;
  run_all(&o, cases, ncases, &npass, &nfail);
  printf("%d passed, %d failed\n", npass, nfail);

  for (size_t i = 0; i < ncases; i++) {
    free(cases[i].name);
    free(cases[i].dir);
  }
  free(cases);
  free(names);
  return nfail == 0 ? 0 : 1;
}
