/*
 * The class a model predicts, from a run report's final output: shared by
 * 'run' (model given by name) and 'replay' (a trace recorded from such a run).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "m78host/inmap.h"
#include "m78host/report.h"
#include "max78sim/sim.h"

/* printf to OUT, or nothing when OUT is NULL (a quiet replay) */
__attribute__((format(printf, 2, 3))) static void say(FILE *out, const char *fmt, ...)
{
  if (!out)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
}

/* The class a model's firmware predicts, from the report's "output"
 * (the last layer's hardware slots): one logit per class, confidence
 * = softmax(logit / logit_scale).  Prints a line and returns the JSON
 * for the report, or NULL (with a note) when the output does not fit. */
cJSON *m78cli_predict(const struct m78fw_model *m, const cJSON *report, FILE *out)
{
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(report, "output");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(o, "shape_chw");
  const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "values");
  const cJSON *spp = cJSON_GetObjectItemCaseSensitive(o, "slots_per_pass");
  const cJSON *passes = cJSON_GetObjectItemCaseSensitive(o, "out_passes");
  const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(o, "gap_slots");
  if (!m->nclasses)
    return NULL;
  if (cJSON_GetArraySize(shape) != 3 || !cJSON_IsArray(vals) || !cJSON_IsNumber(spp) || !cJSON_IsNumber(passes)) {
    say(out, "prediction: not available (the report holds no final output)\n");
    return NULL;
  }
  int slots = cJSON_GetArrayItem(shape, 0)->valueint;
  int pix = cJSON_GetArrayItem(shape, 1)->valueint * cJSON_GetArrayItem(shape, 2)->valueint;
  if (pix != 1 || slots < m->nclasses || cJSON_GetArraySize(vals) != slots) {
    say(out, "prediction: not available (the last layer's output, %d x %d values, is not one logit per class)\n", slots,
        pix);
    return NULL;
  }
  double *logit = m78u_xmalloc((size_t)m->nclasses * sizeof *logit);
  double *raw = m78u_xmalloc((size_t)m->nclasses * sizeof *raw);
  uint64_t g = cJSON_IsString(gaps) ? strtoull(gaps->valuestring, NULL, 16) : 0;
  int best = 0;
  for (int c = 0; c < m->nclasses; c++) {
    int s = slots == m->nclasses ? c : m78_channel_slot(m->nclasses, slots, spp->valueint, passes->valueint, g, c);
    if (s < 0) {
      say(out, "prediction: not available (cannot map %d classes onto %d output slots)\n", m->nclasses, slots);
      free(logit);
      free(raw);
      return NULL;
    }
    raw[c] = cJSON_GetArrayItem(vals, s)->valuedouble;
    logit[c] = raw[c] / m->logit_scale;
    if (logit[c] > logit[best])
      best = c;
  }
  double sum = 0;
  for (int c = 0; c < m->nclasses; c++)
    sum += exp(logit[c] - logit[best]);
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "class", m->classes[best]);
  cJSON_AddNumberToObject(j, "index", best);
  cJSON_AddNumberToObject(j, "confidence", 1.0 / sum);
  cJSON *arr = cJSON_AddArrayToObject(j, "outputs");
  say(out, "prediction: %s (%.1f%%)   outputs:", m->classes[best], 100.0 / sum);
  for (int c = 0; c < m->nclasses; c++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "class", m->classes[c]);
    cJSON_AddNumberToObject(e, "value", raw[c]);
    cJSON_AddNumberToObject(e, "probability", exp(logit[c] - logit[best]) / sum);
    cJSON_AddItemToArray(arr, e);
    say(out, "%s %s %.0f", c ? "," : "", m->classes[c], raw[c]);
  }
  say(out, " (softmax of value / %g)\n", m->logit_scale);
  if (m->prediction_note)
    say(out, "note: %s\n", m->prediction_note);
  free(logit);
  free(raw);
  return j;
}

/* Class indices for a firmware without a manifest: CNN_NUM_OUTPUTS of
 * its cnn.h classes named "0".."N-1", logits scaled as the vendor's
 * softmax reads them (Q17.14 for a 32-bit output, value / 128 for int8).
 * Returns 0, or -1 when cnn.h names no output count. */
int m78cli_index_model(const char *fwdir, const cJSON *report, struct m78fw_model *m)
{
  int n = m78inmap_num_outputs(fwdir);
  if (n <= 0)
    return -1;
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(report, "output");
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "dtype");
  memset(m, 0, sizeof *m);
  m->nclasses = n;
  m->classes = m78u_xmalloc((size_t)n * sizeof *m->classes);
  for (int c = 0; c < n; c++)
    m->classes[c] = m78u_xasprintf("%d", c);
  m->logit_scale = cJSON_IsString(dt) && strcmp(dt->valuestring, "int32") == 0 ? 16384.0 : 128.0;
  return 0;
}
