/*
 * Run reports on the terminal (see cli_util.h): the per-layer table, the
 * total, the inference line, counters and layer errors of a report, and
 * the report with the command's additions ("firmware", "kat").
 *
 * The report table is driven by one column table (layer_columns): a
 * column either formats a cell with its own function or shows a numeric
 * field of the layer object, summed in the total row.  A new measurement
 * in the report (energy, ...) is one more row there.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"

/* ---- run reports ---- */

void m78cli_format_shape(const cJSON *shape, char *buf, size_t len)
{
  int n = cJSON_IsArray(shape) ? cJSON_GetArraySize(shape) : 0;
  if (n == 0) {
    snprintf(buf, len, "?");
    return;
  }
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < n; i++) {
    const cJSON *v = cJSON_GetArrayItem(shape, i);
    if (!cJSON_IsNumber(v)) {
      snprintf(buf, len, "?");
      return;
    }
    int w = snprintf(buf + used, used < len ? len - used : 0, "%s%.0f", i ? "x" : "", v->valuedouble);
    if (w < 0 || used + (size_t)w >= len)
      return; /* truncated */
    used += (size_t)w;
  }
}

static void cell_index(const cJSON *layer, char *buf, size_t len)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(layer, "index");
  snprintf(buf, len, cJSON_IsNumber(v) ? "%.0f" : "?", cJSON_IsNumber(v) ? v->valuedouble : 0.0);
}

static void cell_op(const cJSON *layer, char *buf, size_t len)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(layer, "op");
  snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "?");
}

static void cell_input(const cJSON *layer, char *buf, size_t len)
{
  m78cli_format_shape(cJSON_GetObjectItemCaseSensitive(layer, "input"), buf, len);
}

static void cell_output(const cJSON *layer, char *buf, size_t len)
{
  m78cli_format_shape(cJSON_GetObjectItemCaseSensitive(layer, "output"), buf, len);
}

struct layer_column {
  const char *header;
  enum m78cli_align align;
  void (*cell)(const cJSON *layer, char *buf, size_t len); /* or: */
  const char *key;                                         /* numeric field, summed in the total row */
  int decimals;
};

static const struct layer_column layer_columns[] = {
    {"layer", M78CLI_RIGHT, cell_index, NULL, 0},
    {"op", M78CLI_LEFT, cell_op, NULL, 0},
    {"input", M78CLI_LEFT, cell_input, NULL, 0},
    {"output", M78CLI_LEFT, cell_output, NULL, 0},
    {"MACs", M78CLI_RIGHT, NULL, "macs", 0},
    {"cycles", M78CLI_RIGHT, NULL, "cycles", 0},
    {"time us", M78CLI_RIGHT, NULL, "time_us", 2},
    {"energy uJ", M78CLI_RIGHT, NULL, "energy_uj", 3},
    {"MAC/cycle", M78CLI_RIGHT, NULL, "macs_per_cycle", 1},
};
#define LAYER_COLUMNS ((int)(sizeof layer_columns / sizeof layer_columns[0]))

static double number_or(const cJSON *obj, const char *key, double dflt)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *string_or(const cJSON *obj, const char *key, const char *dflt)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

/* "50", "7.5", "0.390625": a frequency in MHz without useless zeros. */
static void format_mhz(double hz, char *buf, size_t len)
{
  snprintf(buf, len, "%.6f", hz / 1e6);
  char *dot = strchr(buf, '.');
  if (!dot)
    return;
  char *end = buf + strlen(buf);
  while (end > dot + 1 && end[-1] == '0')
    *--end = '\0';
  if (end == dot + 1)
    *dot = '\0';
}

static void print_layer_table(const cJSON *layers, FILE *out)
{
  const char *headers[LAYER_COLUMNS];
  enum m78cli_align align[LAYER_COLUMNS];
  double total[LAYER_COLUMNS] = {0};
  int have_total[LAYER_COLUMNS] = {0};
  for (int c = 0; c < LAYER_COLUMNS; c++) {
    headers[c] = layer_columns[c].header;
    align[c] = layer_columns[c].align;
  }
  struct m78cli_table t;
  m78cli_table_init(&t, LAYER_COLUMNS, headers, align);
  char cell[256];
  const cJSON *layer;
  cJSON_ArrayForEach(layer, layers)
  {
    int row = m78cli_table_add_row(&t, 0);
    for (int c = 0; c < LAYER_COLUMNS; c++) {
      const struct layer_column *col = &layer_columns[c];
      if (col->cell) {
        col->cell(layer, cell, sizeof cell);
      } else {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(layer, col->key);
        if (cJSON_IsNumber(v)) {
          snprintf(cell, sizeof cell, "%.*f", col->decimals, v->valuedouble);
          total[c] += v->valuedouble;
          have_total[c] = 1;
        } else {
          snprintf(cell, sizeof cell, "-");
        }
      }
      m78cli_table_set(&t, row, c, cell);
    }
  }
  int row = m78cli_table_add_row(&t, 1);
  m78cli_table_set(&t, row, 0, "total");
  double macs = 0, cycles = 0;
  for (int c = 1; c < LAYER_COLUMNS; c++) {
    if (layer_columns[c].key && strcmp(layer_columns[c].key, "macs") == 0)
      macs = total[c];
    if (layer_columns[c].key && strcmp(layer_columns[c].key, "cycles") == 0)
      cycles = total[c];
  }
  for (int c = 1; c < LAYER_COLUMNS; c++) {
    if (!have_total[c])
      continue;
    double v = total[c];
    if (strcmp(layer_columns[c].key, "macs_per_cycle") == 0) /* a rate: the whole network's */
      v = cycles > 0 ? macs / cycles : 0;
    snprintf(cell, sizeof cell, "%.*f", layer_columns[c].decimals, v);
    m78cli_table_set(&t, row, c, cell);
  }
  m78cli_table_print(&t, out);
  m78cli_table_free(&t);
}

/* How long the machine waited for input: streaming layers' stalls, and
 * a FIFO-fed layer 0 that is not streaming, which starts when its whole
 * frame has arrived (otherwise it starts one cycle after the enable). */
static void print_stalls(const cJSON *inf, const cJSON *layers, FILE *out)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, layers)
  {
    double stall = number_or(l, "stall_cycles", 0);
    if (stall > 0)
      fprintf(out, "layer %.0f (streaming) waited %.0f cycles for FIFO data\n", number_or(l, "index", -1), stall);
  }
  const cJSON *l0 = cJSON_GetArrayItem(layers, 0);
  double wait = number_or(l0, "start_cycle", 0) - number_or(inf, "start_cycle", 0) - 1;
  if (l0 && cJSON_IsObject(inf) && number_or(inf, "streaming_layers", 0) == 0 && wait > 0)
    fprintf(out, "layer 0 waited %.0f cycles for its input frame through the FIFOs before it started\n", wait);
}

static void print_loading(const cJSON *loading, FILE *out)
{
  static const struct {
    const char *key, *label;
  } rows[] = {{"weights", "weight load"}, {"bias", "bias load"}, {"input", "input load"}};
  if (!cJSON_IsObject(loading))
    return;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(loading, rows[i].key);
    if (!cJSON_IsObject(p) || number_or(p, "accesses", 0) == 0)
      continue;
    fprintf(out, "%s: %.2f us, %.3f uJ (%.0f bytes, %.1f MB/s", rows[i].label, number_or(p, "time_us", 0),
            number_or(p, "energy_uj", 0), number_or(p, "bytes", 0), number_or(p, "mb_per_s", 0));
    if (number_or(p, "segments", 1) > 1)
      fprintf(out, ", %.0f times", number_or(p, "segments", 1));
    fprintf(out, ")\n");
  }
}

static void print_monitor(const cJSON *mon, FILE *out)
{
  const cJSON *stages = cJSON_GetObjectItemCaseSensitive(mon, "stages");
  if (!cJSON_IsArray(stages))
    return;
  fprintf(out,
          "\npower monitor (EVKit, CNN power mode): per repetition of %.0f, energy above the idle baseline "
          "(%.3f mW)\n",
          number_or(mon, "repetitions", 100), number_or(mon, "idle_mw", 0));
  const char *headers[3] = {"stage", "time us", "energy uJ"};
  enum m78cli_align align[3] = {M78CLI_LEFT, M78CLI_RIGHT, M78CLI_RIGHT};
  struct m78cli_table t;
  m78cli_table_init(&t, 3, headers, align);
  const cJSON *st;
  char cell[64];
  cJSON_ArrayForEach(st, stages)
  {
    int row = m78cli_table_add_row(&t, strcmp(string_or(st, "name", ""), "inference") == 0);
    m78cli_table_set(&t, row, 0, string_or(st, "name", "?"));
    snprintf(cell, sizeof cell, "%.2f", number_or(st, "time_us", 0));
    m78cli_table_set(&t, row, 1, cell);
    snprintf(cell, sizeof cell, "%.3f", number_or(st, "energy_uj", 0));
    m78cli_table_set(&t, row, 2, cell);
  }
  m78cli_table_print(&t, out);
  m78cli_table_free(&t);
}

void m78cli_report_print(const cJSON *report, FILE *out)
{
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(report, "layers");
  if (cJSON_GetArraySize(layers) > 0)
    print_layer_table(layers, out);

  const cJSON *inf = cJSON_GetObjectItemCaseSensitive(report, "inference");
  const cJSON *clock = cJSON_GetObjectItemCaseSensitive(report, "clock");
  char mhz[32];
  format_mhz(number_or(clock, "cnn_hz", 0), mhz, sizeof mhz);
  double runs = number_or(inf, "runs", 0);
  if (!cJSON_IsObject(inf) || runs < 1) {
    fprintf(out, "inference: not started\n");
  } else {
    fprintf(out, "inference: %.0f cycles, %.2f us at %s MHz (%s/%.0f)", number_or(inf, "cycles", 0),
            number_or(inf, "time_us", 0), mhz, string_or(clock, "source", "?"), number_or(clock, "divider", 1));
    if (cJSON_GetObjectItemCaseSensitive(inf, "energy_uj"))
      fprintf(out, ", %.3f uJ (dynamic %.3f, static %.3f)", number_or(inf, "energy_uj", 0),
              number_or(inf, "dynamic_uj", 0), number_or(inf, "static_uj", 0));
    if (runs > 1)
      fprintf(out, ", %.0f inferences started", runs);
    fputc('\n', out);
    if (cJSON_GetObjectItemCaseSensitive(inf, "wall_us"))
      fprintf(out,
              "inference as the CPU sees it (master enable to the end of the interrupt): %.2f us, %.3f uJ "
              "(power-monitor view)\n",
              number_or(inf, "wall_us", 0), number_or(inf, "monitor_uj", 0));
  }
  print_stalls(inf, layers, out);
  print_loading(cJSON_GetObjectItemCaseSensitive(report, "loading"), out);
  print_monitor(cJSON_GetObjectItemCaseSensitive(report, "power_monitor"), out);

  const cJSON *counters = cJSON_GetObjectItemCaseSensitive(report, "counters");
  static const struct {
    const char *key, *label;
  } counted[] = {
      {"guest_errors", "guest errors"}, {"stubs", "stubs (unimplemented hardware)"}, {"layer_errors", "layer errors"}};
  int any = 0;
  for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
    double n = number_or(counters, counted[i].key, 0);
    if (n != 0) {
      fprintf(out, "%s: %.0f\n", counted[i].label, n);
      any = 1;
    }
  }
  const char *last = string_or(counters, "last_error", "");
  if (any && *last)
    fprintf(out, "last error: %s\n", last);

  cJSON_ArrayForEach(inf, layers)
  {
    const cJSON *executed = cJSON_GetObjectItemCaseSensitive(inf, "executed");
    const char *err = string_or(inf, "error", NULL);
    double index = number_or(inf, "index", -1);
    if (cJSON_IsFalse(executed))
      fprintf(out, "layer %.0f not executed: %s\n", index, err ? err : "(no reason given)");
    else if (err)
      fprintf(out, "layer %.0f: %s\n", index, err);
  }
}

/* ---- run reports: the command's additions ---- */

cJSON *m78cli_report_with_run(const cJSON *report, const char *firmware, const char *kat)
{
  cJSON *out = cJSON_CreateObject();
  int added = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, report)
  {
    if (strcmp(item->string, "firmware") == 0 || strcmp(item->string, "kat") == 0)
      continue;
    cJSON_AddItemToObject(out, item->string, cJSON_Duplicate(item, 1));
    if (strcmp(item->string, "version") == 0) {
      cJSON_AddStringToObject(out, "firmware", firmware);
      cJSON_AddStringToObject(out, "kat", kat);
      added = 1;
    }
  }
  if (!added) {
    cJSON_AddStringToObject(out, "firmware", firmware);
    cJSON_AddStringToObject(out, "kat", kat);
  }
  return out;
}
