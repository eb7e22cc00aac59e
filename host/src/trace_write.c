/*
 * Register traces, the writer (see trace.c for the compaction into
 * blocks, traces/FORMAT.md for the format): m78_trace_format builds the
 * text one entry at a time into a growable buffer, m78_trace_write
 * writes it atomically.
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
#include "trace_internal.h"

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

static void sb_str(struct sbuf *b, const char *s)
{
  sb_add(b, s, strlen(s));
}

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

static int value_digits(unsigned width)
{
  return width == 1 ? 2 : width == 2 ? 4 : 8;
}

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
