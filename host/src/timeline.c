/*
 * Timeline record and its trace-event JSON (see timeline.h).
 *
 * Track layout, chosen so that slices on one track always nest (the
 * format's rule for "X" events on one thread): the quadrant tracks carry
 * the non-streaming layers one after the other plus one slice that spans
 * the streaming part; each streaming layer, whose span overlaps its
 * neighbours', gets a track of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "m78host/report.h"
#include "m78host/timeline.h"

#define MAX_EVENTS 4000000u

enum { PID_CNN = 1, PID_CPU = 2 };
enum { TID_RUN = 8, TID_STALL = 9, TID_STREAM0 = 10, TID_CPU = 0, TID_LED = 1 };

const char *m78_tl_phase_name(int phase)
{
  static const char *const names[M78_TL_PHASES] = {"configure", "load weights", "load bias", "load input", "unload"};
  return phase >= 0 && phase < M78_TL_PHASES ? names[phase] : "?";
}

int m78_tl_add(struct m78_timeline *tl, int kind, int arg, int arg2, uint64_t t0, uint64_t t1,
               const struct m78_tl_layer *layer)
{
  if (tl->n >= MAX_EVENTS) {
    tl->dropped++;
    return -1;
  }
  if (tl->n == tl->cap) {
    size_t cap = tl->cap ? 2 * tl->cap : 1024;
    struct m78_tl_event *v = realloc(tl->ev, cap * sizeof *v);
    if (!v) {
      tl->dropped++;
      return -1;
    }
    tl->ev = v;
    tl->cap = cap;
  }
  struct m78_tl_event *e = &tl->ev[tl->n];
  *e = (struct m78_tl_event){(uint8_t)kind, arg, arg2, t0, t1 < t0 ? t0 : t1, NULL};
  if (layer) {
    e->layer = malloc(sizeof *layer);
    if (!e->layer) {
      tl->dropped++;
      return -1;
    }
    *e->layer = *layer;
  }
  tl->n++;
  return 0;
}

void m78_tl_free(struct m78_timeline *tl)
{
  for (size_t i = 0; i < tl->n; i++)
    free(tl->ev[i].layer);
  free(tl->ev);
  memset(tl, 0, sizeof *tl);
}

static double us(const struct m78_timeline *tl, uint64_t ticks)
{
  return (double)ticks * 1e6 / (double)tl->tick_hz;
}

static cJSON *event(const char *name, const char *cat, const char *ph, int pid, int tid, double ts)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", name);
  if (cat)
    cJSON_AddStringToObject(o, "cat", cat);
  cJSON_AddStringToObject(o, "ph", ph);
  cJSON_AddNumberToObject(o, "ts", ts);
  cJSON_AddNumberToObject(o, "pid", pid);
  cJSON_AddNumberToObject(o, "tid", tid);
  return o;
}

static cJSON *slice(const struct m78_timeline *tl, cJSON *arr, const char *name, const char *cat, int pid, int tid,
                    uint64_t t0, uint64_t t1)
{
  cJSON *o = event(name, cat, "X", pid, tid, us(tl, t0));
  cJSON_AddNumberToObject(o, "dur", us(tl, t1) - us(tl, t0));
  cJSON_AddItemToArray(arr, o);
  return o;
}

static void instant(const struct m78_timeline *tl, cJSON *arr, const char *name, const char *cat, int pid, int tid,
                    uint64_t t)
{
  cJSON *o = event(name, cat, "i", pid, tid, us(tl, t));
  cJSON_AddStringToObject(o, "s", "t");
  cJSON_AddItemToArray(arr, o);
}

static void meta(cJSON *arr, const char *what, int pid, int tid, const char *name, int sort)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", what);
  cJSON_AddStringToObject(o, "ph", "M");
  cJSON_AddNumberToObject(o, "pid", pid);
  cJSON_AddNumberToObject(o, "tid", tid);
  cJSON *args = cJSON_AddObjectToObject(o, "args");
  cJSON_AddStringToObject(args, "name", name);
  cJSON_AddItemToArray(arr, o);
  if (sort >= 0) {
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(
        o, "name", pid && tid >= 0 && strcmp(what, "thread_name") == 0 ? "thread_sort_index" : "process_sort_index");
    cJSON_AddStringToObject(o, "ph", "M");
    cJSON_AddNumberToObject(o, "pid", pid);
    cJSON_AddNumberToObject(o, "tid", tid);
    args = cJSON_AddObjectToObject(o, "args");
    cJSON_AddNumberToObject(args, "sort_index", sort);
    cJSON_AddItemToArray(arr, o);
  }
}

static void layer_args(cJSON *o, const struct m78_tl_event *e)
{
  const struct m78_tl_layer *l = e->layer;
  cJSON *a = cJSON_AddObjectToObject(o, "args");
  cJSON_AddNumberToObject(a, "layer", e->arg);
  cJSON_AddNumberToObject(a, "run", e->arg2);
  cJSON_AddStringToObject(a, "op", l->op);
  cJSON_AddNumberToObject(a, "cycles", (double)l->cycles);
  cJSON_AddNumberToObject(a, "stall_cycles", (double)l->stall_cycles);
  /* input passes run interleaved per output column (compute.md 7.3) */
  cJSON_AddNumberToObject(a, "input_passes", l->passes);
  cJSON_AddNumberToObject(a, "output_passes", l->out_passes);
  cJSON_AddNumberToObject(a, "operands", l->operands);
  cJSON_AddNumberToObject(a, "macs", (double)l->macs);
  cJSON_AddNumberToObject(a, "energy_uj", l->energy_pj * 1e-6);
  cJSON_AddBoolToObject(a, "streaming", l->streaming);
}

int m78_timeline_write(const struct m78_timeline *tl, const char *path, char *err, size_t errlen)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(doc, "traceEvents");
  cJSON_AddStringToObject(doc, "displayTimeUnit", "ns");
  meta(arr, "process_name", PID_CNN, 0, "CNN accelerator", 0);
  meta(arr, "process_name", PID_CPU, 0, "CPU (Cortex-M4)", 1);
  for (int g = 0; g < 4; g++) {
    char n[32];
    snprintf(n, sizeof n, "quadrant %d", g);
    meta(arr, "thread_name", PID_CNN, g, n, g);
  }
  meta(arr, "thread_name", PID_CNN, TID_RUN, "inference", 4);
  meta(arr, "thread_name", PID_CPU, TID_CPU, "CPU", 0);
  meta(arr, "thread_name", PID_CPU, TID_LED, "LEDs (power-monitor triggers)", 1);
  int stream_tracks = 0, stall_track = 0;

  /* streaming spans per run, for the quadrant tracks */
  for (size_t i = 0; i < tl->n; i++) {
    const struct m78_tl_event *e = &tl->ev[i];
    char name[96];
    switch (e->kind) {
    case M78_TL_CPU_PHASE: slice(tl, arr, m78_tl_phase_name(e->arg), "cpu", PID_CPU, TID_CPU, e->t0, e->t1); break;
    case M78_TL_SLEEP: slice(tl, arr, "sleep (WFI)", "cpu", PID_CPU, TID_CPU, e->t0, e->t1); break;
    case M78_TL_ISR: slice(tl, arr, "CNN_ISR", "interrupt", PID_CPU, TID_CPU, e->t0, e->t1); break;
    case M78_TL_IRQ: instant(tl, arr, "CNN interrupt", "interrupt", PID_CPU, TID_CPU, e->t0); break;
    case M78_TL_LED:
      snprintf(name, sizeof name, "LED %d %s", e->arg, e->arg2 ? "on" : "off");
      instant(tl, arr, name, "led", PID_CPU, TID_LED, e->t0);
      break;
    case M78_TL_RUN: {
      snprintf(name, sizeof name, "inference %d", e->arg);
      slice(tl, arr, name, "run", PID_CNN, TID_RUN, e->t0, e->t1);
      /* the streaming part of this run, on the quadrant tracks */
      uint64_t s0 = UINT64_MAX, s1 = 0;
      unsigned quads = 0;
      int first = -1, last = -1;
      for (size_t j = 0; j < tl->n; j++) {
        const struct m78_tl_event *f = &tl->ev[j];
        if (f->kind != M78_TL_LAYER || f->arg2 != e->arg || !f->layer->streaming)
          continue;
        s0 = f->t0 < s0 ? f->t0 : s0;
        s1 = f->t1 > s1 ? f->t1 : s1;
        quads |= f->layer->quads;
        first = first < 0 ? f->arg : first;
        last = f->arg;
      }
      if (first >= 0)
        for (int g = 0; g < 4; g++)
          if ((quads >> g) & 1) {
            snprintf(name, sizeof name, "streaming layers %d-%d", first, last);
            slice(tl, arr, name, "stream", PID_CNN, g, s0, s1);
          }
      break;
    }
    case M78_TL_LAYER: {
      const struct m78_tl_layer *l = e->layer;
      snprintf(name, sizeof name, "L%d %s", e->arg, l->op);
      if (l->streaming) {
        int tid = TID_STREAM0 + e->arg;
        if (e->arg + 1 > stream_tracks) {
          for (int k = stream_tracks; k <= e->arg; k++) {
            char n[40];
            snprintf(n, sizeof n, "streaming layer %d", k);
            meta(arr, "thread_name", PID_CNN, TID_STREAM0 + k, n, 10 + k);
          }
          stream_tracks = e->arg + 1;
        }
        layer_args(slice(tl, arr, name, "layer", PID_CNN, tid, e->t0, e->t1), e);
      } else {
        for (int g = 0; g < 4; g++)
          if ((l->quads >> g) & 1)
            layer_args(slice(tl, arr, name, "layer", PID_CNN, g, e->t0, e->t1), e);
      }
      break;
    }
    case M78_TL_STALL:
      if (!stall_track) {
        meta(arr, "thread_name", PID_CNN, TID_STALL, "FIFO wait (stall)", 9);
        stall_track = 1;
      }
      slice(tl, arr, "wait for FIFO data", "stall", PID_CNN, TID_STALL, e->t0, e->t1);
      break;
    }
  }
  if (tl->dropped) {
    cJSON *o = cJSON_AddObjectToObject(doc, "metadata");
    cJSON_AddNumberToObject(o, "dropped_events", (double)tl->dropped);
  }
  char *text = cJSON_PrintUnformatted(doc);
  cJSON_Delete(doc);
  if (!text) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n = strlen(text);
  text[n] = '\n';
  int rc = m78_write_file_atomic(path, text, n + 1, err, errlen);
  cJSON_free(text);
  return rc;
}
