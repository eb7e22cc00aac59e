/*
 * timeline_check FILE [--layers N]: validates a trace written by
 * `max78sim run --timeline` against the trace-event format (JSON Object
 * Format of the Chrome trace-event specification, which Perfetto's
 * importer follows) and counts its layers.
 *
 * Checked: the document is an object with a "traceEvents" array; every
 * event is an object with a known "ph", a string "name", integer "pid"
 * and "tid", and a non-negative numeric "ts" (except metadata); complete
 * events ("X") have a non-negative "dur"; instant events have a valid
 * scope; metadata events name a process or thread or give a sort index
 * with the matching argument; "args" is an object; on every (pid, tid)
 * the complete events nest (no partial overlap), which trace viewers
 * require of slices on one track.  With --layers N: the "layer" events
 * of the last inference name exactly the layers 0..N-1, and the four
 * quadrant tracks, the CPU track and the interrupt are present.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/util.h"

struct slice {
  int pid, tid;
  double t0, t1;
  int index;
};

static int by_track(const void *a, const void *b)
{
  const struct slice *x = a, *y = b;
  if (x->pid != y->pid)
    return x->pid < y->pid ? -1 : 1;
  if (x->tid != y->tid)
    return x->tid < y->tid ? -1 : 1;
  if (x->t0 != y->t0)
    return x->t0 < y->t0 ? -1 : 1;
  if (x->t1 != y->t1)
    return x->t1 > y->t1 ? -1 : 1; /* the longer one encloses */
  return x->index - y->index;
}

static int errors;
static void bad(int i, const char *what)
{
  if (errors++ < 20)
    printf("event %d: %s\n", i, what);
}

static int is_int(const cJSON *v)
{
  return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble);
}

/* Slices on one track must nest. */
static void check_nesting(struct slice *sl, int nsl)
{
  qsort(sl, (size_t)nsl, sizeof *sl, by_track);
  struct slice *stack = calloc((size_t)nsl + 1, sizeof *stack);
  int depth = 0;
  const double eps = 1e-6;
  for (int k = 0; k < nsl; k++) {
    if (k == 0 || sl[k].pid != sl[k - 1].pid || sl[k].tid != sl[k - 1].tid)
      depth = 0;
    while (depth > 0 && stack[depth - 1].t1 <= sl[k].t0 + eps)
      depth--;
    if (depth > 0 && sl[k].t1 > stack[depth - 1].t1 + eps) {
      char msg[160];
      snprintf(msg, sizeof msg, "overlaps event %d on track %d/%d without nesting", stack[depth - 1].index, sl[k].pid,
               sl[k].tid);
      bad(sl[k].index, msg);
    }
    stack[depth++] = sl[k];
  }
  free(stack);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: timeline_check FILE [--layers N]\n");
    return 2;
  }
  int want_layers = -1;
  if (argc == 4 && strcmp(argv[2], "--layers") == 0)
    want_layers = atoi(argv[3]);
  char *text = m78u_read_file(argv[1], NULL);
  cJSON *doc = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!cJSON_IsObject(doc)) {
    printf("%s: not a JSON object\n", argv[1]);
    return 1;
  }
  const cJSON *evs = cJSON_GetObjectItemCaseSensitive(doc, "traceEvents");
  if (!cJSON_IsArray(evs)) {
    printf("no traceEvents array\n");
    return 1;
  }
  int n = cJSON_GetArraySize(evs);
  struct slice *sl = calloc((size_t)n + 1, sizeof *sl);
  int nsl = 0, last_run = 0, quad_tracks = 0, cpu_track = 0, irq = 0, layer_events = 0;
  static const char phases[] = "BEXiIMCbenstfPOND";
  unsigned char *seen = calloc(4096, 1);
  const cJSON *e;
  int i = 0;
  /* first pass: the last inference */
  cJSON_ArrayForEach(e, evs)
  {
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(e, "cat");
    if (cJSON_IsString(cat) && strcmp(cat->valuestring, "layer") == 0) {
      const cJSON *run = cJSON_GetObjectItemCaseSensitive(args, "run");
      if (is_int(run) && run->valueint > last_run)
        last_run = run->valueint;
    }
  }
  cJSON_ArrayForEach(e, evs)
  {
    if (!cJSON_IsObject(e)) {
      bad(i++, "not an object");
      continue;
    }
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(e, "pid");
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(e, "tid");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "ts");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(e, "cat");
    if (!cJSON_IsString(ph) || strlen(ph->valuestring) != 1 || !strchr(phases, ph->valuestring[0]))
      bad(i, "missing or unknown \"ph\"");
    else if (!cJSON_IsString(name))
      bad(i, "missing \"name\"");
    else if (!is_int(pid) || !is_int(tid))
      bad(i, "\"pid\"/\"tid\" are not integers");
    else if (args && !cJSON_IsObject(args))
      bad(i, "\"args\" is not an object");
    else if (cat && !cJSON_IsString(cat))
      bad(i, "\"cat\" is not a string");
    else if (ph->valuestring[0] == 'M') {
      const char *nm = name->valuestring;
      if (strcmp(nm, "process_name") == 0 || strcmp(nm, "thread_name") == 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, "name");
        if (!cJSON_IsString(a))
          bad(i, "name metadata without args.name");
        else if (strcmp(nm, "thread_name") == 0 && strncmp(a->valuestring, "quadrant ", 9) == 0)
          quad_tracks++;
        else if (strcmp(nm, "thread_name") == 0 && strcmp(a->valuestring, "CPU") == 0)
          cpu_track = 1;
      } else if (strcmp(nm, "process_sort_index") == 0 || strcmp(nm, "thread_sort_index") == 0) {
        if (!is_int(cJSON_GetObjectItemCaseSensitive(args, "sort_index")))
          bad(i, "sort metadata without an integer args.sort_index");
      } else {
        bad(i, "unknown metadata event");
      }
    } else if (!cJSON_IsNumber(ts) || ts->valuedouble < 0) {
      bad(i, "missing or negative \"ts\"");
    } else if (ph->valuestring[0] == 'X') {
      const cJSON *dur = cJSON_GetObjectItemCaseSensitive(e, "dur");
      if (!cJSON_IsNumber(dur) || dur->valuedouble < 0)
        bad(i, "complete event without a non-negative \"dur\"");
      else
        sl[nsl++] = (struct slice){pid->valueint, tid->valueint, ts->valuedouble, ts->valuedouble + dur->valuedouble,
                                   i};
      if (cJSON_IsString(cat) && strcmp(cat->valuestring, "layer") == 0) {
        const cJSON *layer = cJSON_GetObjectItemCaseSensitive(args, "layer");
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(args, "run");
        if (!is_int(layer) || layer->valueint < 0 || layer->valueint >= 4096 || !is_int(run))
          bad(i, "layer event without args.layer and args.run");
        else if (run->valueint == last_run) {
          seen[layer->valueint] = 1;
          layer_events++;
        }
      }
    } else if (ph->valuestring[0] == 'i' || ph->valuestring[0] == 'I') {
      const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "s");
      if (s && (!cJSON_IsString(s) || !strchr("gpt", s->valuestring[0]) || strlen(s->valuestring) != 1))
        bad(i, "instant event with a bad scope");
      if (cJSON_IsString(cat) && strcmp(cat->valuestring, "interrupt") == 0)
        irq = 1;
    }
    i++;
  }
  check_nesting(sl, nsl);
  int distinct = 0, contiguous = 1;
  for (int k = 0; k < 4096; k++)
    if (seen[k]) {
      if (k != distinct)
        contiguous = 0;
      distinct++;
    }
  printf("%d events, %d slices; last inference %d: %d layer events naming %d layers\n", n, nsl, last_run, layer_events,
         distinct);
  if (want_layers >= 0) {
    if (distinct != want_layers || !contiguous) {
      printf("expected layers 0..%d\n", want_layers - 1);
      errors++;
    }
    if (quad_tracks != 4 || !cpu_track || !irq) {
      printf("missing tracks: %d quadrant tracks, CPU track %s, interrupt %s\n", quad_tracks, cpu_track ? "yes" : "no",
             irq ? "yes" : "no");
      errors++;
    }
  }
  free(sl);
  free(seen);
  cJSON_Delete(doc);
  printf("%s\n", errors ? "INVALID" : "valid trace-event JSON");
  return errors ? 1 : 0;
}
