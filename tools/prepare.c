/*
 * `max78sim prepare DIR|MODEL`: the build step of the host API.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"

/* `max78sim prepare DIR|MODEL [--rebuild]`: what the host API (host/net.c)
 * asks the command for, so that building stays in one place: one JSON
 * object on stdout {"firmware", "executable", "model", "classes",
 * "logit_scale"}; errors as usual (one line on stderr, exit 2). */
int m78cli_cmd_prepare(int argc, char **argv)
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
