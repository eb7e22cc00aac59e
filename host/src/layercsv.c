/*
 * Per-layer CSV of a run report and layer names from the synthesizer's
 * comments (layercsv.h).  Numbers go out with %.15g, or %.17g when that
 * does not read back as the same double (as cJSON prints them), so a
 * CSV cell and the JSON number are the same value; totals with %.15g.
 */
#define _GNU_SOURCE
#include "m78host/layercsv.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* EXACT: the report's own number (read back bit for bit); else a sum,
 * whose last bits are rounding noise of the addition. */
static void put_num(FILE *f, double v, int exact)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (exact && strtod(buf, NULL) != v)
    snprintf(buf, sizeof buf, "%.17g", v);
  fputs(buf, f);
}

static void put_number(FILE *f, double v)
{
  put_num(f, v, 1);
}

static void put_text(FILE *f, const char *s)
{
  if (!s)
    return;
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void put_shape(FILE *f, const cJSON *shape)
{
  if (cJSON_GetArraySize(shape) != 3)
    return;
  for (int i = 0; i < 3; i++)
    fprintf(f, "%s%d", i ? "x" : "", cJSON_GetArrayItem(shape, i)->valueint);
}

static const char *const summed[] = {"macs", "cycles", "time_us", "energy_uj"};
#define NSUMMED (sizeof summed / sizeof summed[0])

char *m78_csv_from_report(const cJSON *report, char *const *names, int nnames)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  fputs("layer,name,op,input,output,macs,cycles,time_us,energy_uj,macs_per_cycle\n", f);
  double total[NSUMMED] = {0};
  int have[NSUMMED] = {0};
  const cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(report, "layers"))
  {
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(l, "index");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(l, "op");
    int i = cJSON_IsNumber(idx) ? idx->valueint : -1;
    if (cJSON_IsNumber(idx))
      put_number(f, idx->valuedouble);
    fputc(',', f);
    if (names && i >= 0 && i < nnames)
      put_text(f, names[i]);
    fputc(',', f);
    put_text(f, cJSON_IsString(op) ? op->valuestring : NULL);
    fputc(',', f);
    put_shape(f, cJSON_GetObjectItemCaseSensitive(l, "input"));
    fputc(',', f);
    put_shape(f, cJSON_GetObjectItemCaseSensitive(l, "output"));
    for (size_t k = 0; k < NSUMMED; k++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(l, summed[k]);
      fputc(',', f);
      if (cJSON_IsNumber(v)) {
        put_number(f, v->valuedouble);
        total[k] += v->valuedouble;
        have[k] = 1;
      }
    }
    const cJSON *mpc = cJSON_GetObjectItemCaseSensitive(l, "macs_per_cycle");
    fputc(',', f);
    if (cJSON_IsNumber(mpc))
      put_number(f, mpc->valuedouble);
    fputc('\n', f);
  }
  fputs("total,,,,", f);
  for (size_t k = 0; k < NSUMMED; k++) {
    fputc(',', f);
    if (have[k])
      put_num(f, total[k], 0);
  }
  fputc(',', f);
  if (have[0] && have[1] && total[1] > 0)
    put_num(f, total[0] / total[1], 0);
  fputc('\n', f);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

int m78_csv_write_file(const char *path, const cJSON *report, char *const *names, int nnames, char *err, size_t errlen)
{
  char *text = m78_csv_from_report(report, names, nnames);
  if (!text) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  size_t n = strlen(text);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  int ok = f && fwrite(text, 1, n, f) == n;
  int e = errno;
  if (f && fclose(f) != 0 && ok) {
    ok = 0;
    e = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = 0;
    e = errno;
  }
  if (!ok) {
    unlink(tmp);
    snprintf(err, errlen, "%s: %s", path, strerror(e));
  }
  free(text);
  return ok ? 0 : -1;
}

void m78_layer_names_free(char **names, int n)
{
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* Adds the "Layer N (NAME):" comments of one file. */
static void scan_file(const char *path, char ***names, int *n)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *p = strstr(line, "Layer ");
    if (!p)
      continue;
    char *end;
    long idx = strtol(p + 6, &end, 10);
    if (end == p + 6 || idx < 0 || idx > 1024 || strncmp(end, " (", 2) != 0)
      continue;
    char *name = end + 2, *close = strchr(name, ')');
    if (!close || close == name || close[1] != ':')
      continue;
    int ok = 1;
    for (char *c = name; c < close; c++)
      ok &= isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '-';
    if (!ok)
      continue;
    if (idx >= *n) {
      char **grown = realloc(*names, (size_t)(idx + 1) * sizeof *grown);
      if (!grown)
        break;
      for (long i = *n; i <= idx; i++)
        grown[i] = NULL;
      *names = grown;
      *n = (int)idx + 1;
    }
    if (!(*names)[idx])
      (*names)[idx] = strndup(name, (size_t)(close - name));
  }
  fclose(f);
}

int m78_layer_names(const char *fwdir, char ***names)
{
  static const char *const files[] = {"main.c", "cnn.c"};
  int n = 0;
  *names = NULL;
  if (!fwdir)
    return 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fwdir, files[i]);
    scan_file(path, names, &n);
  }
  return n;
}
