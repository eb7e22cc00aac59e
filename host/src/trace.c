/*
 * Register traces (see trace.h and traces/FORMAT.md): the trace in
 * memory, status names, base64, and the replay of a trace on a core.
 * Writing is trace_write.c, reading trace_read.c.
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
#include "trace_internal.h"

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
