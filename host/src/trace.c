/*
 * Register traces (see trace.h and traces/FORMAT.md).
 *
 * Writing compacts: at every position the writer looks for a pattern of
 * 1..MAX_PATTERN accesses that repeats with every address moved by the
 * same stride (a memcpy is a pattern of one write with stride 4; a FIFO
 * push loop is "read FIFO_STAT, write FIFO_WR0" with stride 0) and keeps
 * the longest cover.  Register writes never go into blocks, so every
 * configuration write stays a line of its own.  Values that change go
 * into the block's base64 payload; values that repeat stay in the
 * pattern; the cycle stamps are kept exactly (a constant step, or the
 * list of differences).  Loading checks every entry and expands blocks
 * back into single accesses.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/report.h"
#include "m78host/trace.h"

#define MAX_PATTERN 8
#define MIN_BLOCK 4                      /* fewer accesses stay single entries */
#define MAX_ITEMS M78_TRACE_MAX_ACCESSES /* bound on an expanded trace */
#define MAX_EXACT_INT 9007199254740992.0 /* 2^53: integers JSON numbers hold exactly */

/* ---- items ---- */

void m78_trace_init(struct m78_trace *t)
{
  memset(t, 0, sizeof *t);
  snprintf(t->tool, sizeof t->tool, "max78sim %s", M78_VERSION_STRING);
  t->cnn_hz = 50000000;
  snprintf(t->clock_source, sizeof t->clock_source, "PCLK");
  t->divider = 1;
}

void m78_trace_free(struct m78_trace *t)
{
  free(t->items);
  free(t->firmware);
  free(t->stop_detail);
  memset(t, 0, sizeof *t);
}

int m78_trace_add(struct m78_trace *t, const struct m78_trace_item *it)
{
  if (t->n == t->cap) {
    /* start large: big blocks come from malloc's mmap, away from a
     * firmware's .bss overruns */
    size_t cap = t->cap ? t->cap * 2 : 65536;
    if (cap > MAX_ITEMS)
      return -1;
    void *p = realloc(t->items, cap * sizeof *t->items);
    if (!p)
      return -1;
    t->items = p;
    t->cap = cap;
  }
  t->items[t->n++] = *it;
  return 0;
}

static char *dup_or_null(const char *s)
{
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}

void m78_trace_set_run(struct m78_trace *t, const char *firmware, const char *kat, const char *stop_reason,
                       int exit_code, const char *stop_detail)
{
  /* copy first: the arguments may be the trace's own strings */
  char *fw = dup_or_null(firmware ? firmware : "");
  char *detail = dup_or_null(stop_detail ? stop_detail : "");
  char k[sizeof t->kat], reason[sizeof t->stop_reason];
  snprintf(k, sizeof k, "%s", kat ? kat : "unknown");
  snprintf(reason, sizeof reason, "%s", stop_reason ? stop_reason : "exit");
  free(t->firmware);
  free(t->stop_detail);
  t->has_run = 1;
  t->firmware = fw;
  t->stop_detail = detail;
  memcpy(t->kat, k, sizeof k);
  memcpy(t->stop_reason, reason, sizeof reason);
  t->exit_code = exit_code;
}

void m78_trace_set_cpu(struct m78_trace *t, const struct m78_run_info *info)
{
  t->has_cpu = 1;
  t->n_phases = info->n_phases < 8 ? info->n_phases : 8;
  for (int i = 0; i < t->n_phases; i++) {
    t->phases[i] = info->phases[i];
    snprintf(t->phase_names[i], sizeof t->phase_names[i], "%s", info->phases[i].name ? info->phases[i].name : "");
    t->phases[i].name = t->phase_names[i];
  }
  if (info->monitor)
    t->monitor = *info->monitor;
  else
    memset(&t->monitor, 0, sizeof t->monitor);
  for (int i = 0; i < t->monitor.n && i < 4; i++) {
    snprintf(t->stage_names[i], sizeof t->stage_names[i], "%s",
             t->monitor.stages[i].name ? t->monitor.stages[i].name : "");
    t->monitor.stages[i].name = t->stage_names[i];
  }
  t->inference_monitor_uj = info->inference_monitor_uj;
  t->inference_wall_us = info->inference_wall_us;
  t->has_emu = info->cpu != NULL;
  if (info->cpu) {
    t->emu = *info->cpu;
    snprintf(t->emu_first_error, sizeof t->emu_first_error, "%s", info->cpu->first_error ? info->cpu->first_error : "");
    t->emu.first_error = t->emu_first_error;
  }
}

void m78_trace_run_info(const struct m78_trace *t, struct m78_run_info *info)
{
  memset(info, 0, sizeof *info);
  if (t->has_cpu) {
    info->phases = t->phases;
    info->n_phases = t->n_phases;
    info->monitor = &t->monitor;
    info->inference_monitor_uj = t->inference_monitor_uj;
    info->inference_wall_us = t->inference_wall_us;
    info->cpu = t->has_emu ? &t->emu : NULL;
  }
  info->stop_reason = t->has_run ? t->stop_reason : "exit";
  info->exit_code = t->has_run ? t->exit_code : 0;
  info->stop_detail = t->has_run && t->stop_detail ? t->stop_detail : "";
  info->cnn_hz = t->cnn_hz;
  info->clock_source = t->clock_source;
  info->divider = t->divider;
}

/* ---- status names ---- */

static const char *const status_names[] = {"ok", "unmapped", "readonly", "width", "align", "power", "busy"};
#define NSTATUS (sizeof status_names / sizeof status_names[0])

const char *m78_trace_status_name(unsigned status)
{
  return status < NSTATUS ? status_names[status] : NULL;
}

int m78_trace_status_parse(const char *name)
{
  for (unsigned i = 0; i < NSTATUS; i++)
    if (strcmp(name, status_names[i]) == 0)
      return (int)i;
  return -1;
}

/* ---- base64 and LEB128 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *m78_base64_encode(const void *data, size_t n)
{
  const uint8_t *p = data;
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64[v & 63] : '=';
  }
  out[o] = '\0';
  return out;
}

static int b64_value(char c)
{
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

uint8_t *m78_base64_decode(const char *s, size_t *n)
{
  size_t len = strlen(s);
  if (len % 4)
    return NULL;
  uint8_t *out = malloc(len / 4 * 3 + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      if (s[i + k] == '=' && i + 4 == len && k >= 2) {
        v[k] = 0;
        pad++;
      } else if (pad || (v[k] = b64_value(s[i + k])) < 0) {
        free(out);
        return NULL;
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    out[o++] = (uint8_t)(w >> 16);
    if (pad < 2)
      out[o++] = (uint8_t)(w >> 8);
    if (pad < 1)
      out[o++] = (uint8_t)w;
  }
  *n = o;
  return out;
}

/* ---- a growable text buffer ---- */

struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_json(struct sbuf *b, const cJSON *item)
{
  char *s = item ? cJSON_PrintUnformatted(item) : NULL;
  if (!s) {
    b->oom = 1;
    return;
  }
  sb_str(b, s);
  cJSON_free(s);
}

/* ---- writing ---- */

static void hex_item(cJSON *o, const char *key, uint32_t v, int digits)
{
  char s[16];
  snprintf(s, sizeof s, "0x%0*x", digits, (unsigned)v);
  cJSON_AddStringToObject(o, key, s);
}

static int value_digits(unsigned width) { return width == 1 ? 2 : width == 2 ? 4 : 8; }

static void access_fields(cJSON *o, const struct m78_trace_item *it, int with_value)
{
  char name[64];
  cJSON_AddStringToObject(o, "op", it->kind == M78_TRACE_READ ? "r" : "w");
  hex_item(o, "addr", it->a, 8);
  cJSON_AddNumberToObject(o, "width", it->width);
  if (with_value)
    hex_item(o, "value", it->v, value_digits(it->width));
  m78_addr_name(it->a, name, sizeof name);
  cJSON_AddStringToObject(o, "name", name);
}

/* May this access be part of a block?  Register writes stay single
 * entries (they are what people read in a trace); FIFO pushes do not. */
static int blockable(const struct m78_trace_item *it)
{
  if (it->status != M78_OK)
    return 0;
  if (it->kind == M78_TRACE_READ)
    return it->known;
  if (it->kind != M78_TRACE_WRITE)
    return 0;
  struct m78_addr_info a;
  if (m78_addr_decode(it->a, &a) != 0)
    return 0;
  if (a.region->kind == M78_REG_QREGS || a.region->kind == M78_REG_AON)
    return 0;
  if (a.region->kind == M78_REG_FIFO && a.index < 2)
    return 0;
  return 1;
}

/* Repetitions of the K items at i (addresses moving by one stride). */
static size_t repeats(const struct m78_trace_item *it, size_t n, size_t i, size_t k, int64_t *stride)
{
  if (i + 2 * k > n)
    return 0;
  for (size_t j = 0; j < 2 * k; j++)
    if (!blockable(&it[i + j]))
      return 0;
  *stride = (int64_t)it[i + k].a - (int64_t)it[i].a;
  size_t r = 1;
  while (i + (r + 1) * k <= n) {
    for (size_t j = 0; j < k; j++) {
      const struct m78_trace_item *a = &it[i + j], *b = &it[i + r * k + j];
      if (!blockable(b) || b->kind != a->kind || b->width != a->width ||
          (int64_t)b->a != (int64_t)a->a + (int64_t)r * *stride)
        return r;
    }
    r++;
  }
  return r;
}

static void put_leb128(struct sbuf *b, uint64_t v)
{
  char byte[10];
  size_t n = 0;
  do {
    byte[n] = (char)(v & 0x7F);
    v >>= 7;
    if (v)
      byte[n] |= (char)0x80;
    n++;
  } while (v);
  sb_add(b, byte, n);
}

static cJSON *block_entry(const struct m78_trace_item *it, size_t k, size_t reps, int64_t stride, int *oom)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "t", (double)it[0].t);
  cJSON_AddStringToObject(o, "op", "block");
  cJSON_AddNumberToObject(o, "count", (double)reps);
  cJSON_AddNumberToObject(o, "stride", (double)stride);
  cJSON *pat = cJSON_AddArrayToObject(o, "pattern");
  int constant[MAX_PATTERN];
  size_t varying_bytes = 0;
  for (size_t j = 0; j < k; j++) {
    constant[j] = 1;
    for (size_t r = 1; r < reps && constant[j]; r++)
      constant[j] = it[r * k + j].v == it[j].v;
    if (!constant[j])
      varying_bytes += it[j].width;
    cJSON *p = cJSON_CreateObject();
    access_fields(p, &it[j], constant[j]);
    cJSON_AddItemToArray(pat, p);
  }
  if (varying_bytes) {
    size_t n = varying_bytes * reps, o2 = 0;
    uint8_t *data = malloc(n);
    if (!data) {
      *oom = 1;
      return o;
    }
    for (size_t r = 0; r < reps; r++)
      for (size_t j = 0; j < k; j++) {
        if (constant[j])
          continue;
        uint32_t v = it[r * k + j].v;
        for (unsigned b = 0; b < it[j].width; b++)
          data[o2++] = (uint8_t)(v >> (8 * b));
      }
    char *s = m78_base64_encode(data, n);
    free(data);
    if (!s) {
      *oom = 1;
      return o;
    }
    cJSON_AddStringToObject(o, "data", s);
    free(s);
  }
  size_t total = k * reps;
  uint64_t step = it[1].t - it[0].t;
  int uniform = 1;
  for (size_t m = 1; m + 1 < total && uniform; m++)
    uniform = it[m + 1].t - it[m].t == step;
  if (uniform) {
    cJSON_AddNumberToObject(o, "step", (double)step);
  } else {
    struct sbuf d = {0};
    for (size_t m = 0; m + 1 < total; m++)
      put_leb128(&d, it[m + 1].t - it[m].t);
    char *s = d.oom ? NULL : m78_base64_encode(d.p, d.len);
    free(d.p);
    if (!s) {
      *oom = 1;
      return o;
    }
    cJSON_AddStringToObject(o, "dt", s);
    free(s);
  }
  return o;
}

static cJSON *single_entry(const struct m78_trace_item *it)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "t", (double)it->t);
  char s[16];
  switch (it->kind) {
  case M78_TRACE_READ:
  case M78_TRACE_WRITE:
    access_fields(o, it, it->kind == M78_TRACE_WRITE || it->known);
    if (it->status != M78_OK) {
      const char *sn = m78_trace_status_name(it->status);
      cJSON_AddStringToObject(o, "status", sn ? sn : "unmapped");
    }
    break;
  case M78_TRACE_POWER:
    cJSON_AddStringToObject(o, "op", "power");
    snprintf(s, sizeof s, "0x%x", (unsigned)it->a);
    cJSON_AddStringToObject(o, "on", s);
    snprintf(s, sizeof s, "0x%x", (unsigned)it->v);
    cJSON_AddStringToObject(o, "reset", s);
    break;
  case M78_TRACE_CLOCK:
    cJSON_AddStringToObject(o, "op", "clock");
    cJSON_AddBoolToObject(o, "enabled", it->a != 0);
    break;
  default: cJSON_AddStringToObject(o, "op", "end"); break;
  }
  return o;
}

char *m78_trace_format(const struct m78_trace *t)
{
  struct sbuf b = {0};
  cJSON *h = cJSON_CreateObject();
  cJSON_AddStringToObject(h, "format", M78_TRACE_FORMAT);
  cJSON_AddNumberToObject(h, "version", M78_TRACE_VERSION);
  cJSON_AddStringToObject(h, "device", M78_TRACE_DEVICE);
  cJSON_AddStringToObject(h, "tool", t->tool);
  cJSON_AddStringToObject(h, "time_unit", "cnn_cycle");
  cJSON *clk = cJSON_AddObjectToObject(h, "clock");
  cJSON_AddNumberToObject(clk, "cnn_hz", (double)t->cnn_hz);
  cJSON_AddStringToObject(clk, "source", t->clock_source);
  cJSON_AddNumberToObject(clk, "divider", t->divider);
  if (t->has_run) {
    cJSON *run = cJSON_AddObjectToObject(h, "run");
    cJSON_AddStringToObject(run, "firmware", t->firmware ? t->firmware : "");
    cJSON_AddStringToObject(run, "kat", t->kat);
    cJSON *stop = cJSON_AddObjectToObject(run, "stop");
    cJSON_AddStringToObject(stop, "reason", t->stop_reason);
    cJSON_AddNumberToObject(stop, "exit_code", t->exit_code);
    cJSON_AddStringToObject(stop, "detail", t->stop_detail ? t->stop_detail : "");
  }
  if (t->has_cpu) {
    cJSON *cpu = cJSON_AddObjectToObject(h, "cpu");
    cJSON_AddNumberToObject(cpu, "inference_wall_us", t->inference_wall_us);
    cJSON_AddNumberToObject(cpu, "inference_monitor_uj", t->inference_monitor_uj);
    if (t->has_emu) {
      cJSON *e = cJSON_AddObjectToObject(cpu, "emulated");
      cJSON_AddNumberToObject(e, "instructions", (double)t->emu.instructions);
      cJSON_AddNumberToObject(e, "cycles", (double)t->emu.cycles);
      cJSON_AddNumberToObject(e, "guest_errors", (double)t->emu.guest_errors);
      cJSON_AddStringToObject(e, "first_error", t->emu_first_error);
    }
    cJSON *ph = cJSON_AddArrayToObject(cpu, "phases");
    for (int i = 0; i < t->n_phases; i++) {
      const struct m78_phase_info *p = &t->phases[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", t->phase_names[i]);
      cJSON_AddNumberToObject(o, "time_us", p->time_us);
      cJSON_AddNumberToObject(o, "energy_uj", p->energy_uj);
      cJSON_AddNumberToObject(o, "accesses", (double)p->accesses);
      cJSON_AddNumberToObject(o, "bytes", (double)p->bytes);
      cJSON_AddNumberToObject(o, "segments", (double)p->segments);
      cJSON_AddItemToArray(ph, o);
    }
    const struct m78_monitor_info *m = &t->monitor;
    cJSON *mon = cJSON_AddObjectToObject(cpu, "monitor");
    cJSON_AddNumberToObject(mon, "valid", m->valid);
    cJSON_AddNumberToObject(mon, "repetitions", m->repetitions);
    cJSON_AddNumberToObject(mon, "idle_mw", m->idle_mw);
    cJSON_AddNumberToObject(mon, "idle_time_us", m->idle_time_us);
    cJSON *st = cJSON_AddArrayToObject(mon, "stages");
    for (int i = 0; i < m->n && i < 4; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", m->stages[i].name);
      cJSON_AddNumberToObject(o, "time_us", m->stages[i].time_us);
      cJSON_AddNumberToObject(o, "energy_uj", m->stages[i].energy_uj);
      cJSON_AddItemToArray(st, o);
    }
  }
  sb_str(&b, "{\n");
  const cJSON *field;
  cJSON_ArrayForEach(field, h)
  {
    sb_str(&b, "  \"");
    sb_str(&b, field->string);
    sb_str(&b, "\": ");
    sb_json(&b, field);
    sb_str(&b, ",\n");
  }
  cJSON_Delete(h);
  sb_str(&b, "  \"entries\": [");

  size_t i = 0, nent = 0;
  while (i < t->n && !b.oom) {
    size_t best_k = 0, best_r = 0;
    int64_t best_stride = 0;
    for (size_t k = 1; k <= MAX_PATTERN; k++) {
      int64_t stride;
      size_t r = repeats(t->items, t->n, i, k, &stride);
      if (r >= 2 && r * k > best_r * best_k) {
        best_k = k;
        best_r = r;
        best_stride = stride;
      }
    }
    cJSON *e;
    int oom = 0;
    if (best_r * best_k >= MIN_BLOCK) {
      e = block_entry(&t->items[i], best_k, best_r, best_stride, &oom);
      i += best_k * best_r;
    } else {
      e = single_entry(&t->items[i]);
      i++;
    }
    sb_str(&b, nent++ ? ",\n    " : "\n    ");
    sb_json(&b, e);
    cJSON_Delete(e);
    if (oom)
      b.oom = 1;
  }
  sb_str(&b, nent ? "\n  ]\n}\n" : "]\n}\n");
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

int m78_trace_write(const struct m78_trace *t, const char *path, char *err, size_t errlen)
{
  char *text = m78_trace_format(t);
  if (!text) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  int rc = m78_write_file_atomic(path, text, strlen(text), err, errlen);
  free(text);
  return rc;
}

/* ---- loading ---- */

struct loader {
  struct m78_trace *t;
  char *err;
  size_t errlen;
  size_t entry;
  int failed;
};

static int fail(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *L, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (L->entry != (size_t)-1)
    snprintf(L->err, L->errlen, "entries[%zu]: %s", L->entry, msg);
  else
    snprintf(L->err, L->errlen, "%s", msg);
  L->failed = 1;
  return -1;
}

/* A non-negative integer that a JSON number holds exactly. */
static int get_uint(struct loader *L, const cJSON *o, const char *key, uint64_t max, uint64_t *out, int required)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!v) {
    if (required)
      return fail(L, "missing \"%s\"", key);
    return 1;
  }
  double d = v->valuedouble;
  if (!cJSON_IsNumber(v) || !(d >= 0) || d != floor(d) || d >= MAX_EXACT_INT || d > (double)max)
    return fail(L, "\"%s\" is not an integer from 0 to %llu", key, (unsigned long long)max);
  *out = (uint64_t)d;
  return 0;
}

/* A finite number (a missing or non-numeric field is an error, not a NaN
 * that later becomes an integer). */
static int get_num(struct loader *L, const cJSON *o, const char *key, double *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return v ? fail(L, "\"%s\" is not a finite number", key) : fail(L, "missing \"%s\"", key);
  *out = v->valuedouble;
  return 0;
}

static int get_hex(struct loader *L, const cJSON *o, const char *key, uint32_t *out, int required)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!v) {
    if (required)
      return fail(L, "missing \"%s\"", key);
    return 1;
  }
  const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2] || strlen(s) > 10)
    return fail(L, "\"%s\" is not a hexadecimal string such as \"0x50100000\"", key);
  uint32_t x = 0;
  for (const char *p = s + 2; *p; p++) {
    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
    if (d < 0)
      return fail(L, "\"%s\" is not a hexadecimal string such as \"0x50100000\"", key);
    x = x << 4 | (uint32_t)d;
  }
  *out = x;
  return 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks an access the way the recording would have seen it: an address
 * the CNN does not decode, or a misaligned one, is only acceptable as a
 * recorded guest error. */
static int check_access(struct loader *L, const struct m78_trace_item *it, const char *where)
{
  if (it->a < M78_CNN_BASE || it->a >= M78_CNN_END)
    return fail(L, "%saddress 0x%08x is outside the CNN's address map (0x%08x-0x%08x)", where, (unsigned)it->a,
                (unsigned)M78_CNN_BASE, (unsigned)(M78_CNN_END - 1));
  if (it->width != 1 && it->width != 2 && it->width != 4)
    return fail(L, "%s\"width\" must be 1, 2 or 4", where);
  if (it->width < 4 && it->v >> (8 * it->width))
    return fail(L, "%svalue 0x%x does not fit in %u bytes", where, (unsigned)it->v, (unsigned)it->width);
  struct m78_addr_info info;
  if (m78_addr_decode(it->a, &info) != 0 && it->status != M78_E_UNMAPPED)
    return fail(L, "%saddress 0x%08x is outside the CNN's address map (no register or memory there)", where,
                (unsigned)it->a);
  if ((it->a & (it->width - 1u)) && it->status != M78_E_ALIGN)
    return fail(L, "%saddress 0x%08x is not aligned to its width %u", where, (unsigned)it->a, (unsigned)it->width);
  return 0;
}

static int add_item(struct loader *L, struct m78_trace_item *it)
{
  struct m78_trace *t = L->t;
  if (t->n && it->t < t->items[t->n - 1].t)
    return fail(L, "time goes backwards (t=%llu after t=%llu)", (unsigned long long)it->t,
                (unsigned long long)t->items[t->n - 1].t);
  it->entry = (uint32_t)L->entry;
  if (m78_trace_add(t, it) != 0)
    return fail(L, "out of memory (or more than %llu accesses)", (unsigned long long)MAX_ITEMS);
  return 0;
}

static int parse_op(const char *s)
{
  return strcmp(s, "r") == 0 ? M78_TRACE_READ : strcmp(s, "w") == 0 ? M78_TRACE_WRITE : -1;
}

static int load_access(struct loader *L, const cJSON *e, struct m78_trace_item *it, const char *op)
{
  uint64_t w = 0;
  it->kind = (uint8_t)parse_op(op);
  if (get_hex(L, e, "addr", &it->a, 1) < 0 || get_uint(L, e, "width", 4, &w, 1) < 0)
    return -1;
  it->width = (uint8_t)w;
  int r = get_hex(L, e, "value", &it->v, it->kind == M78_TRACE_WRITE);
  if (r < 0)
    return -1;
  it->known = r == 0;
  it->status = M78_OK;
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
  if (st) {
    int s = cJSON_IsString(st) ? m78_trace_status_parse(st->valuestring) : -1;
    if (s < 0)
      return fail(L, "unknown \"status\" (ok, unmapped, readonly, width, align, power or busy)");
    it->status = (uint8_t)s;
  }
  return 0;
}

static int load_block(struct loader *L, const cJSON *e, uint64_t t0)
{
  uint64_t count = 0;
  if (get_uint(L, e, "count", MAX_ITEMS, &count, 1) < 0)
    return -1;
  if (count == 0)
    return fail(L, "\"count\" must be at least 1");
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(e, "stride");
  double sd = sv ? sv->valuedouble : 0;
  if (!cJSON_IsNumber(sv) || sd != floor(sd) || fabs(sd) > 4294967295.0)
    return fail(L, "\"stride\" is not an integer (bytes added to every address per repetition)");
  int64_t stride = (int64_t)sd;
  const cJSON *pat = cJSON_GetObjectItemCaseSensitive(e, "pattern");
  int k = cJSON_IsArray(pat) ? cJSON_GetArraySize(pat) : 0;
  if (k < 1 || k > 16)
    return fail(L, "\"pattern\" must be an array of 1 to 16 accesses");
  if (count * (uint64_t)k > MAX_ITEMS)
    return fail(L, "block too large (%llu accesses)", (unsigned long long)(count * (uint64_t)k));
  struct m78_trace_item tmpl[16];
  size_t data_per_rep = 0;
  for (int j = 0; j < k; j++) {
    const cJSON *p = cJSON_GetArrayItem(pat, j);
    const char *op = cJSON_IsObject(p) ? get_str(p, "op") : NULL;
    if (!op || parse_op(op) < 0)
      return fail(L, "pattern[%d]: \"op\" must be \"r\" or \"w\"", j);
    memset(&tmpl[j], 0, sizeof tmpl[j]);
    uint64_t w = 0;
    if (get_hex(L, p, "addr", &tmpl[j].a, 1) < 0 || get_uint(L, p, "width", 4, &w, 1) < 0)
      return -1;
    tmpl[j].kind = (uint8_t)parse_op(op);
    tmpl[j].width = (uint8_t)w;
    int r = get_hex(L, p, "value", &tmpl[j].v, 0);
    if (r < 0)
      return -1;
    tmpl[j].known = r == 0; /* 1: constant value, 0: from the payload */
    if (w != 1 && w != 2 && w != 4)
      return fail(L, "pattern[%d]: \"width\" must be 1, 2 or 4", j);
    if (!tmpl[j].known)
      data_per_rep += w;
  }
  uint8_t *data = NULL;
  size_t dlen = 0;
  const char *ds = get_str(e, "data");
  if (data_per_rep) {
    if (!ds)
      return fail(L, "missing \"data\" (base64 values of the pattern accesses without a \"value\")");
    if (!(data = m78_base64_decode(ds, &dlen)))
      return fail(L, "\"data\" is not valid base64");
    if (dlen != data_per_rep * count) {
      free(data);
      return fail(L, "\"data\" holds %zu bytes, the pattern needs %llu", dlen,
                  (unsigned long long)(data_per_rep * count));
    }
  } else if (ds && *ds) {
    return fail(L, "\"data\" given but every pattern access has a \"value\"");
  }
  uint64_t total = count * (uint64_t)k, step = 0;
  uint8_t *dt = NULL;
  size_t dtlen = 0, dtpos = 0;
  const char *dts = get_str(e, "dt");
  int r = get_uint(L, e, "step", (uint64_t)MAX_EXACT_INT - 1, &step, 0);
  if (r < 0 || (r == 1 && !dts) || (r == 0 && dts)) {
    free(data);
    return r < 0 ? -1 : fail(L, "a block needs exactly one of \"step\" and \"dt\"");
  }
  if (dts && !(dt = m78_base64_decode(dts, &dtlen))) {
    free(data);
    return fail(L, "\"dt\" is not valid base64");
  }
  size_t dpos = 0;
  uint64_t tt = t0;
  int rc = 0;
  for (uint64_t m = 0; m < total && rc == 0; m++) {
    uint64_t rep = m / (uint64_t)k;
    int j = (int)(m % (uint64_t)k);
    if (m > 0) {
      uint64_t d = step;
      if (dt) {
        d = 0;
        for (int sh = 0;; sh += 7) {
          if (dtpos >= dtlen || sh > 56) {
            rc = fail(L, "\"dt\" ends after %llu of the %llu time differences", (unsigned long long)(m - 1),
                      (unsigned long long)(total - 1));
            break;
          }
          uint8_t byte = dt[dtpos++];
          d |= (uint64_t)(byte & 0x7F) << sh;
          if (!(byte & 0x80))
            break;
        }
        if (rc)
          break;
      }
      tt += d;
      if ((double)tt >= MAX_EXACT_INT) {
        rc = fail(L, "time out of range");
        break;
      }
    }
    struct m78_trace_item it = tmpl[j];
    int64_t addr = (int64_t)tmpl[j].a + (int64_t)rep * stride;
    it.t = tt;
    it.status = M78_OK;
    if (addr < 0 || addr > UINT32_MAX) {
      rc = fail(L, "access %llu of the block: address out of range", (unsigned long long)m);
      break;
    }
    it.a = (uint32_t)addr;
    if (!tmpl[j].known) {
      it.v = 0;
      for (unsigned b = 0; b < it.width; b++)
        it.v |= (uint32_t)data[dpos++] << (8 * b);
    }
    it.known = 1;
    char where[64];
    snprintf(where, sizeof where, "access %llu of the block: ", (unsigned long long)m);
    if (check_access(L, &it, where) < 0 || add_item(L, &it) < 0)
      rc = -1;
  }
  if (rc == 0 && dt && dtpos != dtlen)
    rc = fail(L, "\"dt\" holds more time differences than the block has accesses");
  free(data);
  free(dt);
  return rc;
}

static int load_entry(struct loader *L, const cJSON *e, int *ended)
{
  if (!cJSON_IsObject(e))
    return fail(L, "not a JSON object");
  if (*ended)
    return fail(L, "entry after the \"end\" entry");
  const char *op = get_str(e, "op");
  if (!op)
    return fail(L, "missing \"op\"");
  struct m78_trace_item it;
  memset(&it, 0, sizeof it);
  if (get_uint(L, e, "t", (uint64_t)MAX_EXACT_INT, &it.t, 1) < 0)
    return -1;
  if (strcmp(op, "r") == 0 || strcmp(op, "w") == 0) {
    if (load_access(L, e, &it, op) < 0 || check_access(L, &it, "") < 0)
      return -1;
    return add_item(L, &it);
  }
  if (strcmp(op, "block") == 0)
    return load_block(L, e, it.t);
  if (strcmp(op, "power") == 0) {
    it.kind = M78_TRACE_POWER;
    if (get_hex(L, e, "on", &it.a, 1) < 0 || get_hex(L, e, "reset", &it.v, 1) < 0)
      return -1;
    if (it.a > 0xF || it.v > 0xF)
      return fail(L, "\"on\" and \"reset\" are masks of the four quadrants (0x0-0xf)");
    return add_item(L, &it);
  }
  if (strcmp(op, "clock") == 0) {
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "enabled");
    if (!cJSON_IsBool(en))
      return fail(L, "\"enabled\" must be true or false");
    it.kind = M78_TRACE_CLOCK;
    it.a = cJSON_IsTrue(en) ? 1 : 0;
    return add_item(L, &it);
  }
  if (strcmp(op, "end") == 0) {
    it.kind = M78_TRACE_END;
    *ended = 1;
    return add_item(L, &it);
  }
  return fail(L, "unknown \"op\" \"%s\" (r, w, block, power, clock or end)", op);
}

static int load_header(struct loader *L, const cJSON *root)
{
  struct m78_trace *t = L->t;
  const char *dev = get_str(root, "device");
  if (!dev)
    return fail(L, "missing \"device\"");
  if (strcmp(dev, M78_TRACE_DEVICE) != 0)
    return fail(L, "device \"%s\" is not supported (only %s)", dev, M78_TRACE_DEVICE);
  const char *tool = get_str(root, "tool");
  snprintf(t->tool, sizeof t->tool, "%s", tool ? tool : "");
  const char *unit = get_str(root, "time_unit");
  if (cJSON_GetObjectItemCaseSensitive(root, "time_unit") && (!unit || strcmp(unit, "cnn_cycle") != 0))
    return fail(L, "\"time_unit\" must be \"cnn_cycle\"");
  const cJSON *clk = cJSON_GetObjectItemCaseSensitive(root, "clock");
  if (!cJSON_IsObject(clk))
    return fail(L, "missing \"clock\" object");
  uint64_t hz = 0, div = 0;
  if (get_uint(L, clk, "cnn_hz", 1000000000, &hz, 1) < 0 || get_uint(L, clk, "divider", 16, &div, 1) < 0)
    return -1;
  const char *src = get_str(clk, "source");
  if (!src || (strcmp(src, "PCLK") != 0 && strcmp(src, "ISO") != 0))
    return fail(L, "\"clock\": \"source\" must be \"PCLK\" or \"ISO\"");
  if (hz == 0 || (div != 1 && div != 2 && div != 4 && div != 8 && div != 16))
    return fail(L, "\"clock\": \"cnn_hz\" must be positive and \"divider\" 1, 2, 4, 8 or 16");
  t->cnn_hz = hz;
  t->divider = (int)div;
  snprintf(t->clock_source, sizeof t->clock_source, "%s", src);
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");
  if (run) {
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(run, "stop");
    const char *fw = get_str(run, "firmware"), *kat = get_str(run, "kat");
    const char *reason = get_str(stop, "reason"), *detail = get_str(stop, "detail");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(stop, "exit_code");
    if (!cJSON_IsObject(run) || !fw || !kat || !reason || !detail || !cJSON_IsNumber(code) ||
        code->valuedouble != floor(code->valuedouble) || fabs(code->valuedouble) > 255)
      return fail(L, "\"run\" must hold \"firmware\", \"kat\" and \"stop\" {\"reason\", \"exit_code\", \"detail\"}");
    m78_trace_set_run(t, fw, kat, reason, (int)code->valuedouble, detail);
  }
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(root, "cpu");
  if (cpu) {
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(cpu, "phases");
    const cJSON *mon = cJSON_GetObjectItemCaseSensitive(cpu, "monitor");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(mon, "stages");
    if (!cJSON_IsObject(cpu) || !cJSON_IsArray(ph) || cJSON_GetArraySize(ph) > 8 || !cJSON_IsObject(mon) ||
        !cJSON_IsArray(st) || cJSON_GetArraySize(st) > 4)
      return fail(L, "\"cpu\" must hold \"phases\" (at most 8) and \"monitor\" with \"stages\" (at most 4)");
    t->has_cpu = 1;
    if (get_num(L, cpu, "inference_wall_us", &t->inference_wall_us) < 0 ||
        get_num(L, cpu, "inference_monitor_uj", &t->inference_monitor_uj) < 0)
      return -1;
    const cJSON *emu = cJSON_GetObjectItemCaseSensitive(cpu, "emulated");
    if (emu) {
      const char *fe = get_str(emu, "first_error");
      if (!cJSON_IsObject(emu) || !fe)
        return fail(L, "\"cpu\".\"emulated\" must hold \"instructions\", \"cycles\", \"guest_errors\" (numbers, "
                       "not negative) and \"first_error\" (a string)");
      uint64_t mx = (uint64_t)MAX_EXACT_INT - 1;
      if (get_uint(L, emu, "instructions", mx, &t->emu.instructions, 1) < 0 ||
          get_uint(L, emu, "cycles", mx, &t->emu.cycles, 1) < 0 ||
          get_uint(L, emu, "guest_errors", mx, &t->emu.guest_errors, 1) < 0)
        return -1;
      t->has_emu = 1;
      snprintf(t->emu_first_error, sizeof t->emu_first_error, "%s", fe);
      t->emu.first_error = t->emu_first_error;
    }
    const cJSON *o;
    t->n_phases = 0;
    cJSON_ArrayForEach(o, ph)
    {
      struct m78_phase_info *p = &t->phases[t->n_phases];
      const char *nm = get_str(o, "name");
      if (!cJSON_IsObject(o) || !nm)
        return fail(L, "\"cpu\".\"phases\"[%d] must be an object with a \"name\"", t->n_phases);
      snprintf(t->phase_names[t->n_phases], sizeof t->phase_names[0], "%s", nm);
      p->name = t->phase_names[t->n_phases];
      uint64_t mx = (uint64_t)MAX_EXACT_INT - 1;
      if (get_num(L, o, "time_us", &p->time_us) < 0 || get_num(L, o, "energy_uj", &p->energy_uj) < 0 ||
          get_uint(L, o, "accesses", mx, &p->accesses, 1) < 0 || get_uint(L, o, "bytes", mx, &p->bytes, 1) < 0 ||
          get_uint(L, o, "segments", mx, &p->segments, 1) < 0)
        return -1;
      t->n_phases++;
    }
    struct m78_monitor_info *m = &t->monitor;
    memset(m, 0, sizeof *m);
    uint64_t valid = 0, reps = 0;
    if (get_uint(L, mon, "valid", 1, &valid, 1) < 0 || get_uint(L, mon, "repetitions", 1000000000, &reps, 1) < 0 ||
        get_num(L, mon, "idle_mw", &m->idle_mw) < 0 || get_num(L, mon, "idle_time_us", &m->idle_time_us) < 0)
      return -1;
    m->valid = (int)valid;
    m->repetitions = (int)reps;
    cJSON_ArrayForEach(o, st)
    {
      const char *nm = get_str(o, "name");
      if (!cJSON_IsObject(o) || !nm)
        return fail(L, "\"cpu\".\"monitor\".\"stages\"[%d] must be an object with a \"name\"", m->n);
      snprintf(t->stage_names[m->n], sizeof t->stage_names[0], "%s", nm);
      m->stages[m->n].name = t->stage_names[m->n];
      if (get_num(L, o, "time_us", &m->stages[m->n].time_us) < 0 ||
          get_num(L, o, "energy_uj", &m->stages[m->n].energy_uj) < 0)
        return -1;
      m->n++;
    }
  }
  return 0;
}

/* The parse never holds the whole file as a JSON tree (about eight times
 * the text): the header keys become one small tree, the "entries" array is
 * skipped on the first pass and then read one entry at a time, so the
 * memory is the text plus the expanded accesses. */
static const char *skip_ws(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* One value at p without building it; NULL when it does not end (the
 * second pass checks the entries themselves). */
static const char *skip_value(const char *p, const char *end)
{
  int depth = 0;
  while (p < end) {
    char c = *p;
    if (c == '"') {
      for (p++; p < end && *p != '"'; p++)
        if (*p == '\\')
          p++;
      if (p >= end)
        return NULL;
    } else if (c == '[' || c == '{') {
      depth++;
    } else if (c == ']' || c == '}') {
      if (--depth < 0)
        return NULL;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      return p;
    }
    p++;
    if (depth == 0)
      return p;
  }
  return depth == 0 ? p : NULL;
}

static cJSON *parse_at(const char **p, const char *end)
{
  const char *stop = NULL;
  cJSON *v = cJSON_ParseWithLengthOpts(*p, (size_t)(end - *p), &stop, 0);
  if (v)
    *p = stop;
  else if (stop && stop >= *p && stop <= end)
    *p = stop; /* where the JSON breaks */
  return v;
}

static int bad_json(struct loader *L, const char *text, const char *at)
{
  size_t line = 1;
  for (const char *q = text; q < at; q++)
    line += *q == '\n';
  size_t entry = L->entry;
  L->entry = (size_t)-1;
  fail(L, "not valid JSON (error near line %zu)", line);
  L->entry = entry;
  return -1;
}

/* The top-level object without its entries; *entries points at the
 * entries array (NULL if there is none). */
static cJSON *parse_top(struct loader *L, const char *text, const char *end, const char **entries)
{
  const char *p = skip_ws(text, end);
  *entries = NULL;
  if (p >= end || *p != '{') {
    const char *q = p < end ? skip_value(p, end) : NULL;
    if (q && skip_ws(q, end) == end)
      return cJSON_CreateArray(); /* JSON, but not an object: not a trace */
    bad_json(L, text, p);
    return NULL;
  }
  cJSON *root = cJSON_CreateObject();
  int closed = 0;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') {
    p++;
    closed = 1;
  }
  while (!closed) {
    cJSON *key = parse_at(&p, end);
    int ok = cJSON_IsString(key);
    if (ok) {
      p = skip_ws(p, end);
      ok = p < end && *p == ':';
    }
    if (ok) {
      p = skip_ws(p + 1, end);
      if (strcmp(key->valuestring, "entries") == 0 && !*entries) {
        *entries = p;
        const char *q = skip_value(p, end);
        ok = q != NULL;
        if (ok)
          p = q;
      } else {
        cJSON *v = parse_at(&p, end);
        ok = v != NULL;
        if (v && !cJSON_GetObjectItemCaseSensitive(root, key->valuestring))
          cJSON_AddItemToObject(root, key->valuestring, v);
        else
          cJSON_Delete(v); /* the first of duplicate keys counts, as cJSON reads them */
      }
    }
    cJSON_Delete(key);
    if (!ok)
      break;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
    } else if (p < end && *p == '}') {
      p++;
      closed = 1;
    } else {
      break;
    }
  }
  if (closed && skip_ws(p, end) == end)
    return root;
  cJSON_Delete(root);
  bad_json(L, text, p < end ? p : end);
  return NULL;
}

static void load_entries(struct loader *L, const char *text, const char *p, const char *end)
{
  int ended = 0;
  p = skip_ws(p, end);
  if (p >= end || *p != '[') {
    fail(L, "missing \"entries\" array");
    return;
  }
  p = skip_ws(p + 1, end);
  L->entry = 0;
  if (p < end && *p == ']')
    return;
  for (;;) {
    cJSON *e = parse_at(&p, end);
    if (!e) {
      bad_json(L, text, p);
      return;
    }
    int rc = load_entry(L, e, &ended);
    cJSON_Delete(e);
    if (rc < 0)
      return;
    L->entry++;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == ']')
      return;
    bad_json(L, text, p);
    return;
  }
}

int m78_trace_parse(const char *text, size_t len, struct m78_trace *t, char *err, size_t errlen)
{
  struct loader L = {t, err, errlen, (size_t)-1, 0};
  m78_trace_init(t);
  t->tool[0] = '\0';
  const char *end = text + len, *entries = NULL;
  cJSON *root = parse_top(&L, text, end, &entries);
  if (!root)
    return -1;
  const char *fmt = get_str(root, "format");
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
  if (!cJSON_IsObject(root) || !fmt || strcmp(fmt, M78_TRACE_FORMAT) != 0) {
    fail(&L, "not a max78sim trace (no \"format\": \"%s\")", M78_TRACE_FORMAT);
  } else if (!cJSON_IsNumber(ver)) {
    fail(&L, "missing trace format \"version\"");
  } else if (ver->valuedouble != M78_TRACE_VERSION) {
    fail(&L, "unsupported trace format version %g (this max78sim reads version %d)", ver->valuedouble,
         M78_TRACE_VERSION);
  } else if (load_header(&L, root) == 0) {
    if (!entries) {
      fail(&L, "missing \"entries\" array");
    } else {
      load_entries(&L, text, entries, end);
      t->entries = L.entry;
    }
  }
  cJSON_Delete(root);
  if (L.failed) {
    m78_trace_free(t);
    return -1;
  }
  return 0;
}

int m78_trace_load(const char *path, struct m78_trace *t, char *err, size_t errlen)
{
  char msg[400];
  size_t n = 0;
  char *text = m78_read_file_max(path, M78_TRACE_MAX_BYTES, &n, msg, sizeof msg);
  if (!text) {
    /* the caller names the file */
    const char *m = strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':' ? msg + strlen(path) + 2 : msg;
    snprintf(err, errlen, "%s", m);
    return -1;
  }
  int rc = m78_trace_parse(text, n, t, err, errlen);
  free(text);
  return rc;
}

/* ---- replay ---- */

static void mismatch(struct m78_replay_result *r, const struct m78_trace_item *it, uint32_t got, enum m78_status st)
{
  if (r->mismatches++ == 0) {
    r->first = *it;
    r->first_got = got;
    r->first_got_status = (uint8_t)st;
  }
}

void m78_trace_replay(m78_sim *sim, const struct m78_trace *t, struct m78_replay_result *r)
{
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < t->n; i++) {
    const struct m78_trace_item *it = &t->items[i];
    m78_sim_run_until(sim, it->t);
    uint32_t v = 0;
    enum m78_status st;
    switch (it->kind) {
    case M78_TRACE_READ:
      r->accesses++;
      st = m78_bus_read(sim, it->a, it->width, &v);
      if (it->known)
        r->reads_checked++;
      if (st != it->status || (it->known && v != it->v))
        mismatch(r, it, v, st);
      break;
    case M78_TRACE_WRITE:
      r->accesses++;
      st = m78_bus_write(sim, it->a, it->width, it->v);
      if (st != it->status)
        mismatch(r, it, it->v, st);
      break;
    case M78_TRACE_POWER: m78_sim_set_power(sim, it->a, it->v); break;
    case M78_TRACE_CLOCK: m78_sim_set_clock_enabled(sim, (int)it->a); break;
    default: r->ended = 1; break;
    }
  }
  if (r->ended)
    return;
  /* A trace captured elsewhere may stop at its last access: let the CNN
   * finish what it was given. */
  while (m78_sim_busy(sim)) {
    uint64_t next = m78_sim_next_event(sim);
    if (next == UINT64_MAX)
      break;
    m78_sim_run_until(sim, next);
  }
}
