/*
 * The DIR|MODEL resolver (resolve.h).  The order of the forms is the
 * order of the checks; every failure is one line naming what was tried.
 */
#define _GNU_SOURCE
#include "resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"

const char *m78cli_form_name(enum m78cli_form f)
{
  switch (f) {
  case M78CLI_FORM_FIRMWARE_DIR: return "firmware folder";
  case M78CLI_FORM_CASE_DIR: return "corpus case folder";
  case M78CLI_FORM_MODEL: return "model";
  case M78CLI_FORM_CASE_NAME: return "corpus case";
  }
  return "?";
}

void m78cli_target_free(struct m78cli_target *t)
{
  free(t->fwdir);
  free(t->case_dir);
  m78fw_model_free(&t->model);
  memset(t, 0, sizeof *t);
}

/* DIR is a firmware folder (form 1) or holds one in firmware/ (form 2). */
static int from_folder(const char *arg, const char *dir, struct m78cli_target *t, enum m78cli_form case_form)
{
  if (!m78fw_missing_file(dir)) {
    t->form = M78CLI_FORM_FIRMWARE_DIR;
    t->fwdir = m78u_xstrdup(dir);
    return 0;
  }
  char *sub = m78u_path_join(dir, "firmware");
  if (m78u_is_dir(sub) && !m78fw_missing_file(sub)) {
    t->form = case_form;
    t->fwdir = sub;
    t->case_dir = m78u_xstrdup(dir);
    return 0;
  }
  const char *missing = m78fw_missing_file(m78u_is_dir(sub) ? sub : dir);
  m78u_error("%s: not a synthesized project (no %s in %s), nor a corpus case folder holding one in firmware/", arg,
             missing, m78u_is_dir(sub) ? sub : dir);
  free(sub);
  return -1;
}

int m78cli_resolve(const struct m78fw_paths *paths, const char *arg, struct m78cli_target *t)
{
  memset(t, 0, sizeof *t);
  struct stat st;
  if (!*arg) {
    m78u_error("empty firmware folder or model name");
    return -1;
  }
  if (stat(arg, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      m78u_error("%s: not a directory (a firmware folder, corpus case folder, model or corpus case name)", arg);
      return -1;
    }
    return from_folder(arg, arg, t, M78CLI_FORM_CASE_DIR);
  }
  int e = errno;
  if (e != ENOENT && e != ENOTDIR) {
    m78u_error("%s: %s", arg, strerror(e));
    return -1;
  }
  int m = m78fw_load_model(paths, arg, &t->model);
  if (m < 0)
    return -1;
  if (m == 1) {
    t->form = M78CLI_FORM_MODEL;
    t->fwdir = m78u_xstrdup(t->model.firmware);
    /* a model's firmware may sit in a case folder: keep its expected data */
    char *parent = m78u_dirname(t->fwdir);
    char *exp = m78u_path_join(parent, "expected.json");
    if (strcmp(m78u_basename(t->fwdir), "firmware") == 0 && m78u_is_file(exp))
      t->case_dir = parent;
    else
      free(parent);
    free(exp);
    if (m78fw_missing_file(t->fwdir)) {
      m78u_error("%s: model %s: %s is not a synthesized project (no %s)", arg, arg, t->fwdir,
                 m78fw_missing_file(t->fwdir));
      m78cli_target_free(t);
      return -1;
    }
    return 0;
  }
  char *corpus = m78fw_corpus_dir();
  if (!strchr(arg, '/') && strcmp(arg, ".") && strcmp(arg, "..")) {
    char *c = m78u_path_join(corpus, arg);
    if (m78u_is_dir(c)) {
      int rc = from_folder(arg, c, t, M78CLI_FORM_CASE_NAME);
      if (rc == 0)
        t->form = M78CLI_FORM_CASE_NAME;
      free(c);
      free(corpus);
      return rc;
    }
    free(c);
    m78u_error("%s: no such firmware folder, model (models/%s) or corpus case (%s/%s; set the corpus with "
               "--corpus DIR or %s)",
               arg, arg, corpus, arg, M78FW_CORPUS_ENV);
  } else {
    m78u_error("%s: no such firmware folder", arg);
  }
  free(corpus);
  return -1;
}

/* The older interface of the commands that want the folder only. */
char *m78cli_locate_firmware(const struct m78fw_paths *paths, const char *dir, struct m78fw_model *model)
{
  struct m78cli_target t;
  memset(model, 0, sizeof *model);
  if (m78cli_resolve(paths, dir, &t) != 0)
    return NULL;
  char *fw = t.fwdir;
  *model = t.model;
  memset(&t.model, 0, sizeof t.model);
  t.fwdir = NULL;
  m78cli_target_free(&t);
  return fw;
}
