/*
 * `max78sim run` and `max78sim view`: the run (options in run_opts.c).
 *
 * `run` validates the firmware folder, builds it (fwbuild.c), runs it
 * with a private report file and dump folder, and turns the firmware's
 * PASS/FAIL line, its exit code and its report into our exit code
 * (0 PASS, 1 FAIL, 2 anything else) and the per-layer table.  With
 * --elf or --arch arm the firmware process is max78sim-arm running a
 * Cortex-M4 ELF (`build`, armbuild.c, makes one).
 *
 * `view` is `run` with the viewer (view_cmd.c) opened over the run's
 * dumps afterwards, or during the run in live mode; it also opens a
 * folder of dumps that an earlier run wrote.
 *
 * A run is four steps over one struct run_state: run_setup (build, the
 * private folders, the input, the gdb socket), the firmware process
 * (m78fw_run or the live viewer), run_outputs (table, prediction,
 * --json, --csv) and the verdict (judge); run_free removes and frees
 * what the run made.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "run_cmd.h"
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
#include "max78sim/net.h"

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

static int judge(const struct run_opts *o, const struct m78net_exec_result *r, const cJSON *report, const char *why,
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
    m = m78u_xasprintf("%s: firmware did not finish within %llu CNN cycles%s", dir, (unsigned long long)o->max_cycles,
                       detail);
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

/* What a run holds between its steps; run_free releases it. */
struct run_state {
  struct m78fw_paths paths;
  char *fwdir, *exe, *elf; /* the firmware folder, the Arm emulator, the Arm ELF */
  struct m78net *net;      /* the host firmware (the host API) */
  char *tmpdir, *report_path, *trace_path;
  char *dump_tmp, *dump_made, *view_dir; /* dumps: written into, made for --dump-layers, for the viewer */
  char *threads_env, *gdb_env, *input_path, *input_env;
  void *packed; /* the --input, packed for the firmware */
  size_t packed_len;
  int input_is_sample;
  int gdb_fd, dumps_moved;
  cJSON *report, *prediction;
  struct m78fw_model model;
  struct m78fw_run_result res;
};

/* Everything before the firmware process starts: the firmware found and
 * built (or the ELF checked), the private folder, the dump folders, the
 * input file, the gdb socket.  -1 after an error. */
static int run_setup(struct run_opts *o, struct run_state *st)
{
  if (o->elf) {
    if (check_outputs(o) != 0 || check_elf(o->elf) != 0 || !(st->exe = arm_emulator()))
      return -1;
    st->elf = m78u_xstrdup(o->elf);
  } else {
    if (!(st->fwdir = m78cli_locate_firmware(&st->paths, o->dir, &st->model)) || check_outputs(o) != 0)
      return -1;
    if (o->input &&
        m78cli_input_pack(o->cmd, o->input, &o->in, st->fwdir, &st->packed, &st->packed_len, &st->input_is_sample) != 0)
      return -1;
    if (o->bridge)
      setenv(M78FW_BRIDGE_ENV, o->bridge, 1);
    if (!o->arch_arm && !(st->net = m78fw_open(o->dir, o->rebuild)))
      return -1;
  }
  if (!(st->tmpdir = m78u_make_temp_dir("max78sim-run-"))) {
    m78u_error("cannot create a temporary folder: %s", strerror(errno));
    return -1;
  }
  if (o->arch_arm) {
    st->elf = m78u_path_join(st->tmpdir, "firmware.elf");
    char *bargv[] = {"build", st->fwdir, "-o", st->elf, "-q", NULL};
    if (m78cli_cmd_build(o->quiet ? 5 : 4, bargv) != 0 || check_elf(st->elf) != 0 || !(st->exe = arm_emulator()))
      return -1;
  }
  st->report_path = m78u_path_join(st->tmpdir, "report.json");
  if (o->record)
    st->trace_path = m78u_path_join(st->tmpdir, "trace.json");
  if (o->dump) {
    int made_ok;
    st->dump_made = make_dump_dir(o->dump, &made_ok);
    if (!made_ok)
      return -1;
    st->dump_tmp = m78u_xasprintf("%s/.max78sim-dump-XXXXXX", o->dump);
    if (!mkdtemp(st->dump_tmp)) {
      m78u_error("%s: cannot create a folder: %s", o->dump, strerror(errno));
      free(st->dump_tmp);
      st->dump_tmp = NULL;
      return -1;
    }
  } else if (o->v.view) {
    /* the viewer needs dumps even when the user keeps none */
    st->view_dir = m78u_path_join(st->tmpdir, "layers");
    if (m78u_mkdir_p(st->view_dir) != 0) {
      m78u_error("%s: cannot create: %s", st->view_dir, strerror(errno));
      return -1;
    }
  }

  if (st->packed && !(st->input_env = m78cli_input_write(st->tmpdir, st->packed, st->packed_len)))
    return -1;
  st->threads_env = m78u_xasprintf(M78ENV_THREADS "=%llu", (unsigned long long)o->threads);
  if (o->gdb) {
    /* bound here, so a busy port is one clear error before anything runs;
     * max78sim-arm inherits the socket */
    char nerr[300];
    unsigned bound = 0;
    st->gdb_fd = m78sock_listen_local((unsigned)strtoul(o->gdb, NULL, 10), &bound, nerr, sizeof nerr);
    if (st->gdb_fd < 0) {
      m78u_error("%s: --gdb: %s", o->cmd, nerr);
      return -1;
    }
    st->gdb_env = m78u_xasprintf(M78ENV_GDB_FD "=%d", st->gdb_fd);
    fprintf(stderr, "max78sim: gdb: waiting for a debugger on 127.0.0.1:%u (target remote :%u)\n", bound, bound);
    fflush(stderr);
    if (!o->timeout_given)
      o->timeout_s = 0; /* a person decides how long this takes */
  }
  return 0;
}

/* The table, the input notes, the prediction, --json and --csv, from the
 * report; *shown_report is the report file the viewer should read.
 * Returns 1, or 0 when --json or --csv could not be written. */
static int run_outputs(const struct run_opts *o, struct run_state *st, const char *kat, const char **shown_report)
{
  if (st->report && !o->no_table) {
    if (!o->quiet)
      putchar('\n');
    m78cli_report_print(st->report, stdout);
    fflush(stdout);
  }
  if (o->input && st->report && stop_is(st->report, "inference-done"))
    printf("input: %s; the run ended after the inference: the firmware's own check compares with the answer "
           "for its baked-in sample (sampleoutput.h), which does not apply to this input\n",
           o->input);
  else if (o->input && st->input_is_sample)
    printf("input: %s equals the firmware's baked-in sample, so its own check against sampleoutput.h ran\n", o->input);
  if (st->report && !st->model.nclasses && o->input && st->fwdir &&
      m78cli_index_model(st->fwdir, st->report, &st->model) != 0)
    st->model.nclasses = 0;
  if (st->report && st->model.nclasses) {
    st->prediction = m78cli_predict(&st->model, st->report, stdout);
    fflush(stdout);
  }
  int json_ok = 1;
  if (st->report && (o->json || o->v.view)) {
    cJSON *full = m78cli_report_with_run(st->report, o->dir, kat);
    if (st->prediction)
      cJSON_AddItemToObject(full, "prediction", cJSON_Duplicate(st->prediction, 1));
    /* the viewer reads the report with "kat" from the temporary folder */
    if (o->v.view && m78u_write_json(st->report_path, full) == 0)
      *shown_report = st->report_path;
    if (o->json && m78u_write_json(o->json, full) != 0) {
      m78u_error("%s: %s", o->json, strerror(errno));
      json_ok = 0;
    }
    cJSON_Delete(full);
  }
  if (st->report && o->csv) {
    char **names = NULL, err[600];
    int nnames = m78_layer_names(st->fwdir, &names);
    if (m78_csv_write_file(o->csv, st->report, names, nnames, err, sizeof err) != 0) {
      m78u_error("%s", err);
      json_ok = 0;
    }
    m78_layer_names_free(names, nnames);
  }
  return json_ok;
}

/* Removes the private folders (and a --dump-layers folder this run made,
 * when it failed) and frees the run's state. */
static void run_free(struct run_state *st, int rc)
{
  free(st->packed);
  free(st->input_path);
  free(st->input_env);
  if (st->dump_tmp)
    m78u_remove_tree(st->dump_tmp);
  if (st->dump_made && rc == M78CLI_EXIT_ERROR && !st->dumps_moved)
    m78u_remove_tree(st->dump_made);
  free(st->dump_made);
  if (st->tmpdir)
    m78u_remove_tree(st->tmpdir);
  cJSON_Delete(st->report);
  cJSON_Delete(st->prediction);
  m78fw_model_free(&st->model);
  m78fw_run_result_free(&st->res);
  free(st->dump_tmp);
  free(st->view_dir);
  free(st->report_path);
  free(st->trace_path);
  free(st->threads_env);
  free(st->gdb_env);
  if (st->gdb_fd >= 0)
    close(st->gdb_fd);
  free(st->tmpdir);
  free(st->exe);
  m78net_close(st->net);
  free(st->elf);
  free(st->fwdir);
  m78fw_paths_free(&st->paths);
}

static int run_main(int argc, char **argv, int view_cmd)
{
  struct run_opts o;
  if (m78run_parse(argc, argv, &o, view_cmd) != 0) {
    free(o.faults);
    return M78CLI_EXIT_ERROR;
  }
  if (o.help) {
    if (view_cmd)
      m78run_view_help(stdout);
    else
      m78run_help(stdout);
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

  struct run_state st;
  memset(&st, 0, sizeof st);
  st.gdb_fd = -1;
  m78fw_paths_init(&st.paths);
  int rc = M78CLI_EXIT_ERROR;
  if (run_setup(&o, &st) != 0)
    goto out;
  const char *child_dumps = st.dump_tmp ? st.dump_tmp : st.view_dir;
  const char *env[] = {st.threads_env, M78ENV_BENCH, st.gdb_env ? st.gdb_env : M78ENV_GDB_FD, st.input_env, NULL};
  struct m78fw_run_opts ro = {.net = st.net,
                              .x = {.exe = st.exe,
                                    .arg = st.elf,
                                    .report_path = st.report_path,
                                    .dump_dir = child_dumps,
                                    .timeline = o.timeline,
                                    .record_path = st.trace_path,
                                    .max_cycles = o.max_cycles,
                                    .timeout_s = o.timeout_s,
                                    .faults = o.faults,
                                    .env = env},
                              .quiet = o.quiet};
  int viewed = 0, view_rc = 0;
  o.v.fwdir = st.fwdir; /* the viewer's layer names */
  if (o.v.live) {
    int run_rc;
    ro.x.live_dir = child_dumps;
    view_rc = m78cli_view_live(&o.v, &ro, &st.res, &run_rc, o.dir);
    viewed = 1;
    if (run_rc != 0)
      goto out;
  } else if (m78fw_run(&ro, &st.res) != 0) {
    goto out;
  }
  fflush(stdout);

  int dumps_ok = 1;
  char why[256] = "";
  st.report = load_report(st.report_path, why, sizeof why);
  const char *kat = st.res.x.saw_fail ? "fail" : st.res.x.saw_pass ? "pass" : "unknown";
  const char *shown_report = NULL;
  int json_ok = run_outputs(&o, &st, kat, &shown_report);
  int trace_ok = 1;
  if (o.record && !st.res.x.interrupted)
    trace_ok = finish_trace(st.trace_path, o.record, o.dir, kat) == 0;

  char *msg = NULL;
  rc = judge(&o, &st.res.x, st.report, why, &msg);
  if (st.res.x.cancelled) {
    free(msg);
    msg = m78u_xasprintf("%s: stopped: the viewer was closed before the run finished", o.dir);
    rc = M78CLI_EXIT_ERROR;
  }
  /* In quiet mode the firmware's error output was held back: it matters
   * only when something went wrong. */
  if (o.quiet && rc == M78CLI_EXIT_ERROR && st.res.held_stderr.len > 0 && !st.res.x.cancelled) {
    fwrite(st.res.held_stderr.data, 1, st.res.held_stderr.len, stderr);
    fflush(stderr);
  }
  if (msg)
    m78u_error("%s", msg);
  free(msg);
  /* dumps come with a report (a run stopped at the cycle budget still
   * describes what it simulated); without one they may be partial */
  if (st.dump_tmp && st.report && !st.res.x.interrupted && !st.res.x.cancelled) {
    dumps_ok = m78u_move_files(st.dump_tmp, o.dump) == 0;
    st.dumps_moved = 1;
  }
  if (rc != M78CLI_EXIT_ERROR && (!dumps_ok || !json_ok || !trace_ok))
    rc = M78CLI_EXIT_ERROR;
  if (st.res.x.interrupted)
    rc = 128 + st.res.x.interrupted;

  if (o.v.view && !viewed && !st.res.x.interrupted) {
    const char *dir = o.dump ? o.dump : st.view_dir;
    if (!st.report && !m78cli_view_is_dump_dir(dir)) {
      m78u_error("%s: nothing to show: the run wrote neither a report nor layer dumps", o.dir);
      rc = M78CLI_EXIT_ERROR;
    } else {
      view_rc = m78cli_view_show(&o.v, dir, shown_report, o.dir);
      viewed = 1;
    }
  }
  if (view_cmd && viewed && !st.res.x.interrupted)
    rc = view_rc == 0 && dumps_ok && json_ok && trace_ok ? 0 : M78CLI_EXIT_ERROR; /* verdict reported above */
  else if (viewed && view_rc != 0)
    rc = M78CLI_EXIT_ERROR;

out:
  run_free(&st, rc);
  free(o.faults);
  return rc;
}

int m78cli_cmd_run(int argc, char **argv)
{
  return run_main(argc, argv, 0);
}

int m78cli_cmd_view(int argc, char **argv)
{
  return run_main(argc, argv, 1);
}
