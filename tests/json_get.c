/*
 * json_get FILE PATH...: prints the value at each dotted PATH of a JSON
 * document ("inference.time_us", "layers.0.cycles"), one a line; numbers
 * with full precision.  For the shell tests.  Exit 1 when a path is
 * missing, 2 on bad usage or input.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/util.h"

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: json_get FILE PATH...\n");
    return 2;
  }
  char *text = m78u_read_file(argv[1], NULL);
  cJSON *doc = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!doc) {
    fprintf(stderr, "json_get: %s: cannot read or parse\n", argv[1]);
    return 2;
  }
  int rc = 0;
  for (int i = 2; i < argc; i++) {
    char *path = strdup(argv[i]);
    const cJSON *v = doc;
    for (char *tok = strtok(path, "."); tok && v; tok = strtok(NULL, ".")) {
      char *end;
      long idx = strtol(tok, &end, 10);
      v = (cJSON_IsArray(v) && *end == '\0') ? cJSON_GetArrayItem(v, (int)idx)
                                             : cJSON_GetObjectItemCaseSensitive(v, tok);
    }
    if (!v) {
      fprintf(stderr, "json_get: %s: no %s\n", argv[1], argv[i]);
      rc = 1;
    } else if (cJSON_IsNumber(v)) {
      printf("%.15g\n", v->valuedouble);
    } else if (cJSON_IsString(v)) {
      printf("%s\n", v->valuestring);
    } else {
      char *s = cJSON_PrintUnformatted(v);
      printf("%s\n", s);
      cJSON_free(s);
    }
    free(path);
  }
  cJSON_Delete(doc);
  return rc;
}
