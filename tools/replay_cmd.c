/*
 * `max78sim replay FILE`: a register trace (traces/FORMAT.md) replayed
 * on a fresh simulator, without any firmware.
 *
 * replay drives the simulator with the trace's accesses and builds the
 * report and layer dumps with the same library calls the firmware
 * process uses, so a replay of a recorded run writes the same bytes.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "m78host/inputcap.h"
#include "m78_config.h"
#include "m78host/layercsv.h"
#include "m78host/report.h"
#include "m78host/trace.h"
#include "m78host/sramdump.h"

/* ---- replay ---- */

static void replay_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim replay FILE [options]\n"
          "\n"
          "Replays the register trace FILE (traces/FORMAT.md; 'max78sim run --record' writes\n"
          "one) against a fresh simulator, without any firmware: every access at the CNN cycle\n"
          "it was made, so FIFO writes interleave with the CNN's progress as they did.  Prints\n"
          "the per-layer table of the run.  The report's \"firmware\", \"kat\", \"stop\" and\n"
          "\"clock\" come from the trace; everything else is measured by this replay.\n"
          "A trace is at most %zu MiB (checked before reading) and %llu accesses once its\n"
          "blocks are expanded.\n"
          "\n"
          "options:\n"
          "  --json FILE           write the run report (as 'run --json' does)\n"
          "  --dump-layers OUTDIR  write each layer's output, the data memory image, the\n"
          "                        footprints and layer 0's input (as 'run --dump-layers' does)\n"
          "  --csv FILE            write the per-layer table as CSV (as 'run --csv' does)\n"
          "  --model DIR|MODEL     the network the trace ran, for the predicted class (default:\n"
          "                        the trace's run.firmware when that names a model); any\n"
          "                        form below, but only a model has class names\n"
          "  --no-table            do not print the table\n"
          "  -q, --quiet           print nothing but errors\n"
          "  -h, --help            show this help\n"
          "\n" M78CLI_TARGET_HELP "\n"
          "Exit status: 0 the replay matched the recording (every recorded read returned the\n"
          "recorded value, every access had the recorded status), 1 it diverged (the first\n"
          "difference is printed), 2 bad usage, an unreadable or invalid trace (the message\n"
          "names the entry at fault), or an output that cannot be written.\n",
          M78_TRACE_MAX_BYTES >> 20, (unsigned long long)M78_TRACE_MAX_ACCESSES);
}

static int check_out_file(const char *path)
{
  char *parent = m78u_dirname(path);
  int ok = m78u_is_dir(parent);
  if (!ok)
    m78u_error("%s: folder %s does not exist", path, parent);
  free(parent);
  if (ok && m78u_is_dir(path)) {
    m78u_error("%s: is a directory", path);
    ok = 0;
  }
  return ok ? 0 : -1;
}

/* Layer 0's input, captured from the replayed accesses as the firmware
 * process captures it (input.i8 in the dumps). */
struct replay_cap {
  struct m78_inputcap cap;
  const m78_sim *sim;
};

static void replay_access(void *ctx, const struct m78_access *a)
{
  m78_inputcap_access(&((struct replay_cap *)ctx)->cap, a);
}

static void replay_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  (void)cycle;
  struct replay_cap *rc = ctx;
  if (ev == M78_EV_START)
    m78_inputcap_start(&rc->cap);
  else if (ev == M78_EV_LAYER_START && layer == 0)
    m78_inputcap_layer0(&rc->cap, rc->sim);
}

static int write_dumps(const m78_sim *sim, const struct m78_inputcap *cap, const char *outdir)
{
  struct stat st;
  if (stat(outdir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    m78u_error("%s: exists and is not a directory", outdir);
    return -1;
  }
  if (m78u_mkdir_p(outdir) != 0) {
    m78u_error("%s: cannot create: %s", outdir, strerror(errno));
    return -1;
  }
  /* all files appear together or not at all, as with `run` */
  char *tmp = m78u_xasprintf("%s/.max78sim-dump-XXXXXX", outdir);
  if (!mkdtemp(tmp)) {
    m78u_error("%s: cannot create a folder: %s", outdir, strerror(errno));
    free(tmp);
    return -1;
  }
  char err[512];
  int rc = m78_dump_layers(sim, tmp, err, sizeof err);
  if (rc == 0)
    rc = m78_dump_sram(sim, tmp, err, sizeof err); /* as the firmware process writes them */
  if (rc == 0 && cap)
    rc = m78_inputcap_write(cap, tmp, err, sizeof err);
  if (rc != 0)
    m78u_error("cannot write layer dumps: %s", err);
  else
    rc = m78u_move_files(tmp, outdir);
  m78u_remove_tree(tmp);
  free(tmp);
  return rc;
}

static void describe_mismatch(const struct m78_replay_result *r, FILE *out)
{
  const struct m78_trace_item *it = &r->first;
  char name[64];
  m78_addr_name(it->a, name, sizeof name);
  fprintf(out, "%s: replay diverged from the recording in %llu of %llu accesses; first at entries[%u] (cycle %llu): ",
          m78u_prog(), (unsigned long long)r->mismatches, (unsigned long long)r->accesses, (unsigned)it->entry,
          (unsigned long long)it->t);
  if (r->first_got_status != it->status)
    fprintf(out, "%d-bit %s %s gave status %s, recorded %s\n", 8 * it->width,
            it->kind == M78_TRACE_READ ? "read from" : "write to", name, m78_trace_status_name(r->first_got_status),
            m78_trace_status_name(it->status));
  else
    fprintf(out, "read from %s returned 0x%08x, recorded 0x%08x\n", name, (unsigned)r->first_got, (unsigned)it->v);
}

/* A run started by model name predicts its class: so does its replay
 * (TARGET: the --model, else the model the trace's firmware names). */
static void replay_predict(const struct m78cli_target *target, const struct m78_trace *t, cJSON *full, int quiet)
{
  struct m78fw_model model;
  memset(&model, 0, sizeof model);
  struct stat st;
  if (target) {
    if (target->model.nclasses) {
      cJSON *p = m78cli_predict(&target->model, full, quiet ? NULL : stdout);
      if (p)
        cJSON_AddItemToObject(full, "prediction", p);
    }
  } else if (t->has_run && t->firmware && *t->firmware && stat(t->firmware, &st) != 0) {
    struct m78fw_paths paths;
    m78fw_paths_init(&paths);
    if (m78fw_load_model(&paths, t->firmware, &model) == 1 && model.nclasses) {
      cJSON *p = m78cli_predict(&model, full, quiet ? NULL : stdout);
      if (p)
        cJSON_AddItemToObject(full, "prediction", p);
    }
    m78fw_paths_free(&paths);
  }
  m78fw_model_free(&model);
}

/* --csv, with layer names from the firmware the trace names (or --model),
 * when it is still there.  0, or -1 with a message printed. */
static int replay_csv(const char *csv, const cJSON *full, const struct m78cli_target *target, const struct m78_trace *t)
{
  int rc = 0;
  /* layer names from the firmware the trace names, when it is still there */
  char **names = NULL, err[600];
  int nnames = 0;
  if (target) {
    nnames = m78_layer_names(target->fwdir, &names);
  } else if (t->has_run && t->firmware && *t->firmware) {
    struct m78fw_paths paths;
    struct m78cli_target tt;
    m78fw_paths_init(&paths);
    if (m78fw_missing_file(t->firmware) == NULL) {
      nnames = m78_layer_names(t->firmware, &names);
    } else if (m78fw_load_model(&paths, t->firmware, &tt.model) == 1) {
      nnames = m78_layer_names(tt.model.firmware, &names);
      m78fw_model_free(&tt.model);
    }
    m78fw_paths_free(&paths);
  }
  if (m78_csv_write_file(csv, full, names, nnames, err, sizeof err) != 0) {
    m78u_error("%s", err);
    rc = -1;
  }
  m78_layer_names_free(names, nnames);
  return rc;
}

int m78cli_cmd_replay(int argc, char **argv)
{
  const char *file = NULL, *json = NULL, *dump = NULL, *csv = NULL, *model_arg = NULL;
  int no_table = 0, quiet = 0, only_args = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
      if (file) {
        m78u_error("replay: unexpected argument %s (one FILE only)", a);
        return M78CLI_EXIT_ERROR;
      }
      file = a;
    } else if (strcmp(a, "--") == 0) {
      only_args = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      replay_help(stdout);
      return 0;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      quiet = 1;
    } else if (strcmp(a, "--no-table") == 0) {
      no_table = 1;
    } else if (m78cli_is_option(a, "--json")) {
      if (!(json = m78cli_option_value("replay", argc, argv, &i, "--json")))
        return M78CLI_EXIT_ERROR;
    } else if (m78cli_is_option(a, "--dump-layers")) {
      if (!(dump = m78cli_option_value("replay", argc, argv, &i, "--dump-layers")))
        return M78CLI_EXIT_ERROR;
    } else if (m78cli_is_option(a, "--csv")) {
      if (!(csv = m78cli_option_value("replay", argc, argv, &i, "--csv")))
        return M78CLI_EXIT_ERROR;
    } else if (m78cli_is_option(a, "--model")) {
      if (!(model_arg = m78cli_option_value("replay", argc, argv, &i, "--model")))
        return M78CLI_EXIT_ERROR;
    } else {
      m78u_error("replay: unknown option %s (see 'max78sim replay --help')", a);
      return M78CLI_EXIT_ERROR;
    }
  }
  if (!file) {
    m78u_error("replay: missing FILE (see 'max78sim replay --help')");
    return M78CLI_EXIT_ERROR;
  }
  if ((json && !*json) || (dump && !*dump) || (csv && !*csv)) {
    m78u_error("replay: empty file name");
    return M78CLI_EXIT_ERROR;
  }
  if ((json && check_out_file(json) != 0) || (csv && check_out_file(csv) != 0))
    return M78CLI_EXIT_ERROR;
  /* --model is resolved before the replay, so a wrong name costs nothing */
  struct m78cli_target target;
  memset(&target, 0, sizeof target);
  if (model_arg) {
    struct m78fw_paths paths;
    m78fw_paths_init(&paths);
    int r = m78cli_resolve(&paths, model_arg, &target);
    m78fw_paths_free(&paths);
    if (r != 0)
      return M78CLI_EXIT_ERROR;
  }

  struct m78_trace t;
  if (m78cli_load_trace(file, &t) != 0)
    return M78CLI_EXIT_ERROR;
  m78_sim *sim = m78_sim_new();
  if (!sim) {
    m78u_error("out of memory");
    m78_trace_free(&t);
    return M78CLI_EXIT_ERROR;
  }
  m78_sim_keep_outputs(sim, 1);        /* as the firmware process: the report carries the final output */
  m78_sim_set_clock_hz(sim, t.cnn_hz); /* the energy model's time base, as the firmware programmed it */
  struct replay_cap cap = {.sim = sim};
  m78_inputcap_init(&cap.cap);
  if (dump) {
    struct m78_hooks hooks = {.ctx = &cap, .on_access = replay_access, .on_event = replay_event};
    m78_sim_set_hooks(sim, &hooks);
  }
  struct m78_replay_result res;
  m78_trace_replay(sim, &t, &res);

  struct m78_run_info info;
  m78_trace_run_info(&t, &info);
  cJSON *report = m78_report_build(sim, &info);
  cJSON *full = m78cli_report_with_run(report, t.has_run ? t.firmware : file, t.has_run ? t.kat : "unknown");
  int rc = res.mismatches ? M78CLI_EXIT_FAIL : M78CLI_EXIT_PASS;
  if (!quiet && !no_table) {
    m78cli_report_print(full, stdout);
    fflush(stdout);
  }
  replay_predict(model_arg ? &target : NULL, &t, full, quiet);
  if (json && m78u_write_json(json, full) != 0) {
    m78u_error("%s: %s", json, strerror(errno));
    rc = M78CLI_EXIT_ERROR;
  }
  if (csv && replay_csv(csv, full, model_arg ? &target : NULL, &t) != 0)
    rc = M78CLI_EXIT_ERROR;
  m78cli_target_free(&target);
  if (dump && write_dumps(sim, &cap.cap, dump) != 0)
    rc = M78CLI_EXIT_ERROR;
  if (res.mismatches)
    describe_mismatch(&res, stderr);
  else if (!quiet)
    printf("replay: %llu accesses, %llu recorded reads checked, all as recorded\n", (unsigned long long)res.accesses,
           (unsigned long long)res.reads_checked);
  cJSON_Delete(full);
  cJSON_Delete(report);
  m78_inputcap_free(&cap.cap);
  m78_sim_free(sim);
  m78_trace_free(&t);
  return rc;
}
