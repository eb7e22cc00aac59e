/*
 * One simulated run for `compare` and `capture` (see commands.h): the
 * firmware is built like `run` builds it and runs with a private dump
 * folder.  Unlike `run`, the firmware's PASS/FAIL does not decide
 * anything here (a simulated faulty board or a layer-count limit makes
 * the vendor check fail on purpose); what must hold is that the run
 * ended normally or in the vendor's spin after FAIL and left its files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "m78host/faultspec.h"
#include "max78sim/net.h"

int m78cli_is_option(const char *arg, const char *name)
{
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

const char *m78cli_option_value(const char *cmd, int argc, char **argv, int *i, const char *name)
{
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (arg[n] == '=')
    return arg + n + 1;
  if (*i + 1 >= argc) {
    m78u_error("%s: option %s needs a value", cmd, name);
    return NULL;
  }
  return argv[++*i];
}

int m78cli_add_fault_spec(const char *cmd, const char *spec, char **faults)
{
  struct m78_fault f;
  char err[256];
  if (m78_fault_parse(spec, &f, err, sizeof err) != 0) {
    m78u_error("%s: --fault: %s", cmd, err);
    return -1;
  }
  int n = 1;
  for (const char *p = *faults; p && *p; p++)
    n += *p == ';';
  if (n > M78_MAX_FAULTS) {
    m78u_error("%s: --fault: at most %d faults", cmd, M78_MAX_FAULTS);
    return -1;
  }
  char canon[128];
  m78_fault_format(&f, canon, sizeof canon);
  char *joined = *faults ? m78u_xasprintf("%s;%s", *faults, canon) : m78u_xstrdup(canon);
  free(*faults);
  *faults = joined;
  return 0;
}

void m78cli_simrun_free(struct m78cli_simrun *r)
{
  if (r->tmpdir)
    m78u_remove_tree(r->tmpdir);
  free(r->tmpdir);
  free(r->dump);
  free(r->fwdir);
  cJSON_Delete(r->report);
  m78fw_run_result_free(&r->res);
  m78u_buf_free(&r->console);
  memset(r, 0, sizeof *r);
}

int m78cli_simulate(const struct m78cli_simrun_opts *o, struct m78cli_simrun *r)
{
  memset(r, 0, sizeof *r);
  struct m78fw_paths paths;
  struct m78fw_model model;
  m78fw_paths_init(&paths);
  int rc = -1;
  char *report_path = NULL, *input_env = NULL;
  struct m78net *net = NULL;
  void *packed = NULL;
  size_t packed_len = 0;
  int same = 0;
  if (!(r->fwdir = m78cli_locate_firmware(&paths, o->dir, &model)))
    goto out;
  if (o->input && m78cli_input_pack(o->cmd, o->input, o->in, r->fwdir, &packed, &packed_len, &same) != 0)
    goto out;
  if (!(net = m78fw_open(o->dir, o->rebuild)))
    goto out;
  if (!(r->tmpdir = m78u_make_temp_dir("max78sim-cmp-"))) {
    m78u_error("cannot create a temporary folder: %s", strerror(errno));
    goto out;
  }
  r->dump = m78u_path_join(r->tmpdir, "dump");
  report_path = m78u_path_join(r->tmpdir, "report.json");
  if (m78u_mkdir_p(r->dump) != 0) {
    m78u_error("%s: %s", r->dump, strerror(errno));
    goto out;
  }
  if (packed && !(input_env = m78cli_input_write(r->tmpdir, packed, packed_len)))
    goto out;
  const char *env[] = {input_env, NULL};
  struct m78fw_run_opts ro = {.net = net,
                              .x = {.env = env,
                                    .report_path = report_path,
                                    .dump_dir = r->dump,
                                    .max_cycles = o->max_cycles,
                                    .timeout_s = o->timeout_s,
                                    .faults = o->faults,
                                    .has_layer_limit = o->layer_limit >= 0,
                                    .layer_limit = o->layer_limit},
                              .quiet = !o->show_console,
                              .console = &r->console};
  if (m78fw_run(&ro, &r->res) != 0)
    goto out;
  fflush(stdout);
  const struct m78net_exec_result *res = &r->res.x;
  if (res->interrupted) {
    m78u_error("%s: interrupted", o->dir);
    goto out;
  }
  /* 0: main returned; 4: the vendor's spin after *** FAIL *** */
  int ended = res->exited && (res->exit_code == 0 || (res->exit_code == 4 && res->saw_fail));
  if (!ended) {
    if (o->show_console == 0 && r->res.held_stderr.len)
      fwrite(r->res.held_stderr.data, 1, r->res.held_stderr.len, stderr);
    if (res->timed_out)
      m78u_error("%s: stopped at the wall-clock limit of %g s", o->dir, o->timeout_s);
    else if (!res->exited)
      m78u_error("%s: firmware crashed (signal %d)", o->dir, res->signal);
    else if (res->exit_code == 3)
      m78u_error("%s: firmware did not finish within %llu CNN cycles", o->dir, (unsigned long long)o->max_cycles);
    else if (res->exit_code == 4)
      m78u_error("%s: firmware hangs (it stopped accessing the hardware)", o->dir);
    else
      m78u_error("%s: firmware exited with status %d", o->dir, res->exit_code);
    goto out;
  }
  size_t n = 0;
  char *text = m78u_read_file(report_path, &n);
  r->report = text ? cJSON_ParseWithLength(text, n) : NULL;
  free(text);
  const char *need[] = {"layers.json", "sram.bin", "footprint.bin"};
  for (size_t i = 0; i < 3; i++) {
    char *p = m78u_path_join(r->dump, need[i]);
    int ok = m78u_is_file(p);
    free(p);
    if (!ok) {
      m78u_error("%s: the simulation left no %s", o->dir, need[i]);
      goto out;
    }
  }
  if (!cJSON_IsObject(r->report) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r->report, "layers"))) {
    m78u_error("%s: the simulation left no valid report", o->dir);
    goto out;
  }
  rc = 0;
out:
  free(packed);
  free(input_env);
  m78net_close(net);
  free(report_path);
  m78fw_model_free(&model);
  m78fw_paths_free(&paths);
  return rc;
}

int m78cli_unload_parts(const char *fwdir, struct m78cli_unload_part *parts)
{
  char *p = m78u_path_join(fwdir, "cnn.c");
  char *text = m78u_read_file(p, NULL);
  free(p);
  int n = 0;
  static const char key[] = "Custom unload for this network, ";
  for (char *s = text ? strstr(text, key) : NULL; s; s = strstr(s + 1, key)) {
    struct m78cli_unload_part u;
    const char *t = s + strlen(key);
    if (strncmp(t, "unload sequence", 15) == 0) {
      n = -1;
      break;
    }
    if (n < M78CLI_MAX_UNLOAD_PARTS &&
        sscanf(t, "layer %d: %d-bit data, shape: (%d, %d, %d)", &u.layer, &u.bits, &u.c, &u.h, &u.w) == 5) {
      parts[n++] = u;
    } else if (n < M78CLI_MAX_UNLOAD_PARTS &&
               sscanf(t, "layer %d: %d-bit data, shape: (%d, %d)", &u.layer, &u.bits, &u.c, &u.h) == 4) {
      u.w = 1; /* 1-D */
      parts[n++] = u;
    }
  }
  free(text);
  return n;
}
