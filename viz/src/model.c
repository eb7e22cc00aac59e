/*
 * The viewer's data (see model.h).
 */
#define _GNU_SOURCE
#include "model.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m78host/dumps.h"
#include "m78host/util.h"
#include "m78host/report.h"

static void seterr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
}

static cJSON *read_json(const char *path)
{
  size_t n = 0;
  char *text = m78u_read_file(path, &n);
  if (!text)
    return NULL;
  cJSON *j = cJSON_ParseWithLength(text, n);
  free(text);
  return j;
}

static double num(const cJSON *obj, const char *key, double dflt)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *str(const cJSON *obj, const char *key, const char *dflt)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

/* [C, H, W] of at least 1 each; returns 0 or -1. */
static int shape3(const cJSON *a, int out[3])
{
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3)
    return -1;
  for (int i = 0; i < 3; i++) {
    const cJSON *d = cJSON_GetArrayItem(a, i);
    if (!cJSON_IsNumber(d) || d->valuedouble < 1 || d->valuedouble > 1e7)
      return -1;
    out[i] = (int)d->valuedouble;
  }
  return 0;
}

static void tensor_free(struct m78v_tensor *t)
{
  free(t->v);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

static void tensor_maxabs(struct m78v_tensor *t)
{
  int64_t m = 1;
  size_t n = (size_t)t->c * (size_t)t->h * (size_t)t->w;
  for (size_t i = 0; i < n; i++) {
    int64_t a = t->v[i] < 0 ? -(int64_t)t->v[i] : t->v[i];
    if (a > m)
      m = a;
  }
  t->maxabs = m > INT32_MAX ? INT32_MAX : (int32_t)m;
}

/* Reads a raw dump of shape c x h x w into t.  Returns 0, or -1 (err). */
static int tensor_read(struct m78v_tensor *t, const char *path, int c, int h, int w, int elsize, char *err,
                       size_t errlen)
{
  size_t len = 0;
  unsigned char *data = (unsigned char *)m78u_read_file(path, &len);
  size_t n = (size_t)c * (size_t)h * (size_t)w;
  if (!data) {
    seterr(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  if (len != n * (size_t)elsize) {
    seterr(err, errlen, "%s: %zu bytes, but %dx%dx%d values of %d byte%s need %zu", path, len, c, h, w, elsize,
           elsize == 1 ? "" : "s", n * (size_t)elsize);
    free(data);
    return -1;
  }
  memset(t, 0, sizeof *t);
  t->v = malloc((n ? n : 1) * sizeof *t->v);
  if (!t->v) {
    free(data);
    seterr(err, errlen, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    t->v[i] = (int32_t)m78dump_value(data, i, elsize);
  free(data);
  t->c = c;
  t->h = h;
  t->w = w;
  t->elsize = elsize;
  tensor_maxabs(t);
  return 0;
}

static void layer_free(struct m78v_layer *l)
{
  tensor_free(&l->t);
  free(l->expected);
  free(l->mismatch);
}

void m78v_run_free(struct m78v_run *run)
{
  for (int i = 0; i < run->n; i++)
    layer_free(&run->layers[i]);
  free(run->layers);
  memset(run, 0, sizeof *run);
}

int m78v_find_layer(const struct m78v_run *run, int index)
{
  for (int i = 0; i < run->n; i++)
    if (run->layers[i].index == index)
      return i;
  return -1;
}

static struct m78v_layer *add_layer(struct m78v_run *run, int index)
{
  run->layers = m78u_xrealloc(run->layers, (size_t)(run->n + 1) * sizeof *run->layers);
  struct m78v_layer *l = &run->layers[run->n++];
  memset(l, 0, sizeof *l);
  l->index = index;
  l->energy_uj = -1;
  l->first_mismatch = -1;
  return l;
}

/* Energy of a layer or of the inference ("energy_uj", dynamic + static,
 * docs/report-schema.md); -1 when the report has none. */
static double energy_of(const cJSON *obj)
{
  return num(obj, "energy_uj", -1);
}

static void load_report(struct m78v_run *run, const cJSON *rep)
{
  snprintf(run->kat, sizeof run->kat, "%s", str(rep, "kat", ""));
  snprintf(run->stop, sizeof run->stop, "%s", str(cJSON_GetObjectItemCaseSensitive(rep, "stop"), "reason", ""));
  run->cnn_hz = num(cJSON_GetObjectItemCaseSensitive(rep, "clock"), "cnn_hz", 0);
  const cJSON *inf = cJSON_GetObjectItemCaseSensitive(rep, "inference");
  run->inference_cycles = num(inf, "cycles", 0);
  run->inference_us = num(inf, "time_us", 0);
  run->energy_uj = energy_of(inf);
  const cJSON *pred = cJSON_GetObjectItemCaseSensitive(rep, "prediction");
  const cJSON *outs = cJSON_GetObjectItemCaseSensitive(pred, "outputs");
  if (cJSON_IsObject(pred) && cJSON_IsArray(outs) && cJSON_GetArraySize(outs) <= M78V_MAX_CLASSES) {
    snprintf(run->pred_class, sizeof run->pred_class, "%s", str(pred, "class", "?"));
    run->pred_confidence = num(pred, "confidence", 0);
    const cJSON *o;
    run->n_classes = 0;
    cJSON_ArrayForEach(o, outs)
    {
      snprintf(run->class_name[run->n_classes], sizeof run->class_name[0], "%s", str(o, "class", "?"));
      run->class_value[run->n_classes++] = num(o, "value", 0);
    }
  }
  const cJSON *fw = cJSON_GetObjectItemCaseSensitive(rep, "firmware");
  if (cJSON_IsString(fw) && !run->title[0])
    snprintf(run->title, sizeof run->title, "%s", fw->valuestring);
  const cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rep, "layers"))
  {
    int index = (int)num(l, "index", -1);
    if (index < 0 || index > 1000 || m78v_find_layer(run, index) >= 0)
      continue;
    struct m78v_layer *x = add_layer(run, index);
    snprintf(x->op, sizeof x->op, "%s", str(l, "op", "?"));
    snprintf(x->name, sizeof x->name, "%s", str(l, "name", ""));
    snprintf(x->desc, sizeof x->desc, "%s", str(l, "description", ""));
    if (shape3(cJSON_GetObjectItemCaseSensitive(l, "input"), x->in) != 0)
      memset(x->in, 0, sizeof x->in);
    if (shape3(cJSON_GetObjectItemCaseSensitive(l, "output"), x->out) != 0)
      memset(x->out, 0, sizeof x->out);
    x->cycles = num(l, "cycles", 0);
    x->time_us = num(l, "time_us", 0);
    x->stall_cycles = num(l, "stall_cycles", 0);
    x->energy_uj = energy_of(l);
    x->executed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "executed"));
    snprintf(x->error, sizeof x->error, "%s", str(l, "error", ""));
  }
}

static int cmp_layers(const void *a, const void *b)
{
  const struct m78v_layer *x = a, *y = b;
  return (x->index > y->index) - (x->index < y->index);
}

int m78v_run_load(struct m78v_run *run, const char *dump_dir, const char *report, char *err, size_t errlen)
{
  memset(run, 0, sizeof *run);
  run->first_mismatch_layer = -1;
  run->energy_uj = -1;
  if (report) {
    cJSON *rep = read_json(report);
    if (rep) {
      load_report(run, rep);
      cJSON_Delete(rep);
    } else if (errno != ENOENT) {
      seterr(err, errlen, "%s: not a readable run report", report);
      m78v_run_free(run);
      return -1;
    }
  }
  char *idx_path = m78u_path_join(dump_dir, "layers.json");
  cJSON *idx = read_json(idx_path);
  free(idx_path);
  const cJSON *l;
  cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(idx, "layers"))
  {
    int index = (int)num(l, "index", -1);
    int shape[3];
    int elsize = m78dump_dtype_size(str(l, "dtype", ""));
    const char *file = str(l, "file", NULL);
    if (index < 0 || index > 1000 || !file || strchr(file, '/') || elsize == 0 ||
        shape3(cJSON_GetObjectItemCaseSensitive(l, "shape_chw"), shape) != 0)
      continue;
    int k = m78v_find_layer(run, index);
    struct m78v_layer *x = k >= 0 ? &run->layers[k] : NULL;
    if (!x) {
      x = add_layer(run, index);
      snprintf(x->op, sizeof x->op, "?");
      memcpy(x->out, shape, sizeof shape);
      x->executed = 1;
    }
    char *path = m78u_path_join(dump_dir, file);
    char e2[512];
    if (tensor_read(&x->t, path, shape[0], shape[1], shape[2], elsize, e2, sizeof e2) == 0)
      x->has_data = 1;
    else
      snprintf(x->error, sizeof x->error, "%s", e2);
    free(path);
  }
  int had_index = idx != NULL;
  cJSON_Delete(idx);
  if (!had_index && run->n == 0) {
    seterr(err, errlen, "%s: no layers.json and no run report: not a folder of layer dumps", dump_dir);
    m78v_run_free(run);
    return -1;
  }
  qsort(run->layers, (size_t)run->n, sizeof *run->layers, cmp_layers);

  /* the captured input goes first */
  char *in_json = m78u_path_join(dump_dir, "input.json");
  cJSON *in = read_json(in_json);
  free(in_json);
  int shape[3];
  const char *file = str(in, "file", NULL);
  if (in && file && !strchr(file, '/') && m78dump_dtype_size(str(in, "dtype", "")) == 1 &&
      shape3(cJSON_GetObjectItemCaseSensitive(in, "shape_chw"), shape) == 0) {
    struct m78v_tensor t;
    char *path = m78u_path_join(dump_dir, file);
    char e2[512];
    if (tensor_read(&t, path, shape[0], shape[1], shape[2], 1, e2, sizeof e2) == 0) {
      add_layer(run, -1);
      memmove(run->layers + 1, run->layers, (size_t)(run->n - 1) * sizeof *run->layers);
      struct m78v_layer *x = &run->layers[0];
      memset(x, 0, sizeof *x);
      x->index = -1;
      x->energy_uj = -1;
      x->first_mismatch = -1;
      snprintf(x->op, sizeof x->op, "input");
      snprintf(x->desc, sizeof x->desc, "layer 0's input as the accelerator read it (from %s)",
               strcmp(str(in, "source", ""), "fifo") == 0 ? "the input FIFOs" : "data memory");
      memcpy(x->out, shape, sizeof shape);
      x->executed = 1;
      x->has_data = 1;
      x->t = t;
      run->has_input = 1;
    }
    free(path);
  }
  cJSON_Delete(in);
  return 0;
}

/* ---- compare ---- */

/* Where the expected output of a layer is, and its shape. */
struct expect {
  char *path;
  int shape[3]; /* 0: unknown, decide from the file size */
  int elsize;
};

static void compare_layer(struct m78v_layer *x, const struct expect *e, const cJSON *our_idx)
{
  size_t len = 0;
  unsigned char *data = (unsigned char *)m78u_read_file(e->path, &len);
  x->has_expected = 1;
  if (!data) {
    snprintf(x->cmp_note, sizeof x->cmp_note, "cannot read %s", m78u_basename(e->path));
    return;
  }
  if (!x->has_data) {
    snprintf(x->cmp_note, sizeof x->cmp_note, "the simulator wrote no output for this layer");
    free(data);
    return;
  }
  struct m78v_tensor *t = &x->t;
  size_t plane = (size_t)t->h * (size_t)t->w;
  int c = e->shape[0], h = e->shape[1], w = e->shape[2];
  if (c == 0) { /* a bare Lnn file: as many channels as the size says */
    if (plane == 0 || len % (plane * (size_t)e->elsize)) {
      snprintf(x->cmp_note, sizeof x->cmp_note, "%zu bytes do not fit %dx%d planes", len, t->h, t->w);
      free(data);
      return;
    }
    c = (int)(len / (plane * (size_t)e->elsize));
    h = t->h;
    w = t->w;
  } else if (len != (size_t)c * (size_t)h * (size_t)w * (size_t)e->elsize) {
    snprintf(x->cmp_note, sizeof x->cmp_note, "expected %dx%dx%d, but the file holds %zu bytes", c, h, w, len);
    free(data);
    return;
  }
  if (e->elsize != t->elsize) {
    snprintf(x->cmp_note, sizeof x->cmp_note, "expected %d-bit values, simulated %d-bit", 8 * e->elsize, 8 * t->elsize);
    free(data);
    return;
  }
  /* Another shape than the dump's slots: gather the logical values
   * (m78_dump_map, with the slot layout our layers.json records). */
  if (c != t->c || h != t->h || w != t->w) {
    struct m78_dump_geom g = {t->c, t->h, t->w, t->c, 1, 0, 1};
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(our_idx, "layers"))
    {
      struct m78_dump_geom r;
      if ((int)num(l, "index", -1) == x->index && m78_dump_geom_read(l, &r) == 0 && r.slots == t->c && r.h == t->h &&
          r.w == t->w)
        g = r;
    }
    size_t n = (size_t)c * (size_t)h * (size_t)w, lplane = (size_t)h * (size_t)w;
    size_t *idx = m78u_xmalloc((n ? n : 1) * sizeof *idx);
    if (m78_dump_map(&g, c, h, w, idx) != 0) {
      snprintf(x->cmp_note, sizeof x->cmp_note, "expected %dx%dx%d, which the %dx%dx%d output slots cannot hold", c, h,
               w, t->c, t->h, t->w);
      free(idx);
      free(data);
      return;
    }
    int32_t *v = m78u_xmalloc((n ? n : 1) * sizeof *v);
    int *slot = m78u_xmalloc((size_t)c * sizeof *slot);
    for (size_t k = 0; k < n; k++)
      v[k] = t->v[idx[k]];
    for (int k = 0; k < c; k++)
      slot[k] = (int)(idx[(size_t)k * lplane] / plane);
    free(idx);
    free(t->v);
    free(t->slot);
    t->v = v;
    t->c = c;
    t->h = h;
    t->w = w;
    t->slot = slot;
    tensor_maxabs(t);
    plane = lplane;
  }
  size_t n = (size_t)c * plane;
  x->expected = m78u_xmalloc((n ? n : 1) * sizeof *x->expected);
  x->mismatch = m78u_xmalloc(n ? n : 1);
  x->n_compared = n;
  for (size_t i = 0; i < n; i++) {
    x->expected[i] = (int32_t)m78dump_value(data, i, e->elsize);
    x->mismatch[i] = x->expected[i] != t->v[i];
    if (x->mismatch[i] && x->n_mismatch++ == 0)
      x->first_mismatch = (long)i;
  }
  x->comparable = 1;
  free(data);
}

int m78v_run_compare(struct m78v_run *run, const char *dir, const char *dump_dir, char *err, size_t errlen)
{
  char *p = m78u_path_join(dir, "expected.json");
  cJSON *exp = read_json(p);
  free(p);
  p = m78u_path_join(dir, "layers.json");
  cJSON *dev = exp ? NULL : read_json(p);
  free(p);
  p = m78u_path_join(dump_dir, "layers.json");
  cJSON *ours = read_json(p);
  free(p);
  int found = 0;
  const cJSON *l;
  if (exp) { /* a corpus case */
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(exp, "layers"))
    {
      const cJSON *out = cJSON_GetObjectItemCaseSensitive(l, "output");
      const char *file = str(out, "file", NULL);
      int k = m78v_find_layer(run, (int)num(l, "index", -1));
      struct expect e = {0};
      e.elsize = m78dump_dtype_size(str(out, "dtype", ""));
      if (!file || k < 0 || e.elsize == 0 || shape3(cJSON_GetObjectItemCaseSensitive(out, "shape_chw"), e.shape))
        continue;
      const char *name = str(l, "name", NULL);
      if (name && !run->layers[k].name[0])
        snprintf(run->layers[k].name, sizeof run->layers[k].name, "%s", name);
      e.path = m78u_path_join(dir, file);
      compare_layer(&run->layers[k], &e, ours);
      free(e.path);
      found++;
    }
  } else {
    for (int k = 0; k < run->n; k++) {
      struct m78v_layer *x = &run->layers[k];
      if (x->index < 0)
        continue;
      struct expect e = {0};
      const char *file = NULL;
      cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(dev, "layers"))
      {
        if ((int)num(l, "index", -1) == x->index && (e.elsize = m78dump_dtype_size(str(l, "dtype", ""))) &&
            shape3(cJSON_GetObjectItemCaseSensitive(l, "shape_chw"), e.shape) == 0)
          file = str(l, "file", NULL);
      }
      char name[32];
      if (!file || strchr(file, '/')) {
        /* no index: Lnn.i8 or Lnn.i32 */
        memset(e.shape, 0, sizeof e.shape);
        snprintf(name, sizeof name, "L%02d.i8", x->index);
        e.elsize = 1;
        p = m78u_path_join(dir, name);
        if (!m78u_is_file(p)) {
          free(p);
          snprintf(name, sizeof name, "L%02d.i32", x->index);
          e.elsize = 4;
          p = m78u_path_join(dir, name);
        }
        if (!m78u_is_file(p)) {
          free(p);
          continue;
        }
        e.path = p;
      } else {
        e.path = m78u_path_join(dir, file);
      }
      compare_layer(x, &e, ours);
      free(e.path);
      found++;
    }
  }
  cJSON_Delete(exp);
  cJSON_Delete(dev);
  cJSON_Delete(ours);
  if (!found) {
    seterr(err, errlen, "%s: no expected layer data (expected.json, layers.json or Lnn.i8/Lnn.i32 files)", dir);
    return -1;
  }
  run->compare = 1;
  run->first_mismatch_layer = -1;
  for (int k = 0; k < run->n; k++)
    if (run->layers[k].n_mismatch && run->first_mismatch_layer < 0)
      run->first_mismatch_layer = k;
  return 0;
}

/* ---- colours and layout ---- */

static uint8_t ch(double x)
{
  return (uint8_t)(x <= 0 ? 0 : x >= 1 ? 255 : lround(x * 255.0));
}

void m78v_heat(int32_t v, int32_t maxabs, uint8_t rgb[3])
{
  double t = maxabs > 0 ? (double)v / (double)maxabs : 0;
  if (t > 1)
    t = 1;
  if (t < -1)
    t = -1;
  double a = fabs(t);
  /* three ramps: the first channel rises over [0,1/3], the second over
   * [1/3,2/3], the third over [2/3,1]; only black and white are grey */
  uint8_t x = ch(3 * a), y = ch(3 * a - 1), z = ch(3 * a - 2);
  if (t >= 0) {
    rgb[0] = x, rgb[1] = y, rgb[2] = z;
  } else {
    rgb[0] = z, rgb[1] = y, rgb[2] = x;
  }
}

void m78v_grid_fit(int n, int tw, int th, int aw, int ah, double zoom, struct m78v_grid *g)
{
  memset(g, 0, sizeof *g);
  if (n < 1)
    n = 1;
  if (tw < 1)
    tw = 1;
  if (th < 1)
    th = 1;
  double best = -1;
  int best_cols = 1;
  for (int cols = 1; cols <= n; cols++) {
    int rows = (n + cols - 1) / cols;
    double sw = ((double)aw / cols - M78V_GAP - 2) / tw;
    double sh = ((double)ah / rows - M78V_GAP - 2 - M78V_LABEL_H) / th;
    double s = sw < sh ? sw : sh;
    if (s >= 1)
      s = floor(s);
    if (s > best + 1e-9) {
      best = s;
      best_cols = cols;
    }
  }
  if (best < 0.05)
    best = 0.05;
  double s = best * zoom;
  if (s >= 1)
    s = floor(s);
  if (s < 0.02)
    s = 0.02;
  g->scale = s;
  g->cols = best_cols;
  g->rows = (n + best_cols - 1) / best_cols;
  g->tile_w = (int)ceil(tw * s);
  g->tile_h = (int)ceil(th * s);
  g->cell_w = g->tile_w + 2 + M78V_GAP;
  g->cell_h = g->tile_h + 2 + M78V_LABEL_H + M78V_GAP;
  /* Not zoomed in: spread the cells over the area instead of leaving its
   * right or bottom part empty (the scale is what limits the tiles; the
   * gaps between them can take the rest).  Rows spread by at most half a
   * tile, so a few rows of wide tiles do not drift apart. */
  if (zoom <= 1) {
    if (g->cols * g->cell_w < aw)
      g->cell_w = aw / g->cols;
    if (g->rows * g->cell_h < ah) {
      int h = ah / g->rows, max = g->cell_h + g->tile_h / 2;
      g->cell_h = h < max ? h : max;
    }
    g->pad_x = (g->cell_w - (g->tile_w + 2 + M78V_GAP)) / 2;
    g->pad_y = (g->cell_h - (g->tile_h + 2 + M78V_LABEL_H + M78V_GAP)) / 2;
  }
}
