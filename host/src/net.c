/*
 * libmax78sim (see max78sim/net.h): the client side of the firmware fork
 * server (m78host/serve_proto.h).
 *
 * A network holds the firmware process (its pid and socket), the input
 * map of its project (m78host/inmap.h: where each input element lives
 * in the firmware's arrays) and a private folder (in /dev/shm when there
 * is one) where each request's child writes report.json, its layer dumps
 * and console.txt; they are read back into a result and removed.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "m78host/fileio.h"
#include "m78host/inmap.h"
#include "max78sim/net.h"
#include "max78sim/sim.h"
#include "m78host/report.h"
#include "m78host/serve_proto.h"
#include "max78sim/env.h"
#include "net_internal.h"

extern char **environ;

struct m78net_result {
  uint64_t cycles;
  double time_us, energy_uj;
  char *console, *report;
  double *outputs;
  int noutputs, best;
  struct m78net_layer *layers;
  char **ops;
  void **data;
  int nlayers;
};

enum m78net_status m78neti_fail(struct m78net_error *err, enum m78net_status code, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}
#define fail m78neti_fail

/* ---- input values ---- */

int8_t m78net_from_u8(unsigned p)
{
  double t = nearbyint(((double)p / 255.0 - 0.5) * 256.0);
  return (int8_t)(t > 127 ? 127 : t < -128 ? -128 : t);
}

int8_t m78net_from_float(double x)
{
  double t = nearbyint(x * 128.0);
  return (int8_t)(t > 127 ? 127 : t < -128 ? -128 : t);
}

enum m78net_status m78net_convert(const m78net *net, const void *data, enum m78net_dtype t, int ndim,
                                  const size_t *shape, int8_t *out, struct m78net_error *err)
{
  int c = net->map.c, h = net->map.h, w = net->map.w;
  const size_t *d = shape;
  int nd = ndim, ok = 0;
  if (nd == 4 && d[0] == 1) {
    d++;
    nd = 3;
  }
  if (nd == 3)
    ok = d[0] == (size_t)c && d[1] == (size_t)h && d[2] == (size_t)w;
  else if (nd == 2)
    ok = (c == 1 && d[0] == (size_t)h && d[1] == (size_t)w) || (w == 1 && d[0] == (size_t)c && d[1] == (size_t)h);
  if (!ok) {
    char got[96] = "";
    for (int i = 0; i < ndim && i < 6; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), i ? "x%zu" : "%zu", shape[i]);
    return fail(err, M78NET_ESHAPE, "input of shape %s; layer 0 reads %dx%dx%d (C x H x W)", ndim ? got : "()", c, h,
                w);
  }
  size_t n = (size_t)c * (size_t)h * (size_t)w;
  for (size_t i = 0; i < n; i++) {
    double v;
    switch (t) {
    case M78NET_INT8: out[i] = ((const int8_t *)data)[i]; continue;
    case M78NET_UINT8: out[i] = m78net_from_u8(((const uint8_t *)data)[i]); continue;
    case M78NET_FLOAT32: v = ((const float *)data)[i]; break;
    case M78NET_FLOAT64: v = ((const double *)data)[i]; break;
    case M78NET_INT16: v = ((const int16_t *)data)[i]; break;
    case M78NET_INT32: v = ((const int32_t *)data)[i]; break;
    case M78NET_INT64: v = (double)((const int64_t *)data)[i]; break;
    default: return fail(err, M78NET_EDTYPE, "unknown input element type %d", (int)t);
    }
    if (t == M78NET_FLOAT32 || t == M78NET_FLOAT64) {
      if (!isfinite(v))
        return fail(err, M78NET_EDTYPE, "element %zu is not a finite number", i);
      out[i] = m78net_from_float(v);
    } else {
      if (v < -128 || v > 127)
        return fail(err, M78NET_EDTYPE,
                    "element %zu is %.0f; integer inputs hold the hardware's values, -128..127 (uint8 images and "
                    "[-1, 1) floats are converted)",
                    i, v);
      out[i] = (int8_t)v;
    }
  }
  return M78NET_OK;
}

/* ---- files ---- */

/* m78_read_file_max reports instead of exiting, as this library must. */
char *m78neti_read_all(const char *path, size_t *len, size_t limit)
{
  char err[64];
  return m78_read_file_max(path, limit, len, err, sizeof err);
}

/* Not m78u_remove_tree: its list allocation exits the process when
 * memory runs out, which this library may not do. */
void m78neti_remove_tree(const char *dir)
{
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char p[PATH_MAX];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      struct stat st;
      if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
        m78neti_remove_tree(p);
      else
        unlink(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

void m78neti_last_line(const char *text, char *out, size_t len)
{
  out[0] = 0;
  const char *best = NULL;
  size_t blen = 0;
  for (const char *p = text; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n > 0) {
      best = p;
      blen = n;
    }
    p = nl ? nl + 1 : NULL;
  }
  if (!best)
    return;
  if (blen > 10 && strncmp(best, "max78sim: ", 10) == 0) {
    best += 10;
    blen -= 10;
  }
  snprintf(out, len, "%.*s", (int)blen, best);
}

/* ---- open / close ---- */

enum m78net_status m78net_open(m78net **out, const char *project, const struct m78net_options *opt,
                               struct m78net_error *err)
{
  if (err)
    err->code = M78NET_OK, err->msg[0] = 0;
  if (!out || !project || !*project)
    return fail(err, M78NET_EINVAL, "m78net_open: no project given");
  *out = NULL;
  m78net *net = calloc(1, sizeof *net);
  if (!net)
    return fail(err, M78NET_ENOMEM, "out of memory");
  net->pid = -1;
  net->fd = -1;
  enum m78net_status st = m78neti_prepare(net, project, opt, err);
  if (st != M78NET_OK || (opt && opt->no_serve))
    goto done;
  char merr[512];
  if (m78inmap_load(net->firmware, &net->map, merr, sizeof merr) != 0) {
    st = fail(err, M78NET_EBUILD, "%s", merr);
    goto done;
  }
  size_t ne = m78inmap_elems(&net->map);
  if (!(net->sample = malloc(ne))) {
    st = fail(err, M78NET_ENOMEM, "out of memory");
    goto done;
  }
  m78inmap_unpack(&net->map, net->sample);
  if (!net->named)
    net->nclasses = m78inmap_num_outputs(net->firmware);
  st = m78neti_start_server(net, opt, err);
done:
  if (st != M78NET_OK)
    m78net_close(net);
  else
    *out = net;
  return st;
}

void m78net_close(m78net *net)
{
  if (!net)
    return;
  if (net->fd >= 0)
    close(net->fd); /* the server finishes its children and exits */
  if (net->pid > 0) {
    int status;
    while (waitpid(net->pid, &status, 0) < 0 && errno == EINTR)
      ;
  }
  if (net->tmp) {
    m78neti_remove_tree(net->tmp);
    free(net->tmp);
  }
  for (int i = 0; net->named && i < net->nclasses; i++)
    free(net->classes[i]);
  free(net->classes);
  free(net->firmware);
  free(net->exe);
  for (char **e = net->env; e && *e; e++)
    free(*e);
  free(net->env);
  free(net->sample);
  m78inmap_free(&net->map);
  free(net);
}

void m78net_input_shape(const m78net *net, int *c, int *h, int *w)
{
  *c = net->map.c;
  *h = net->map.h;
  *w = net->map.w;
}

const int8_t *m78net_sample(const m78net *net)
{
  return net->sample;
}
int m78net_class_count(const m78net *net)
{
  return net->nclasses;
}
const char *m78net_class_name(const m78net *net, int i)
{
  return net->named && i >= 0 && i < net->nclasses ? net->classes[i] : NULL;
}
const char *m78net_firmware_dir(const m78net *net)
{
  return net->firmware;
}

/* ---- results ---- */

void m78net_result_free(m78net_result *r)
{
  if (!r)
    return;
  for (int i = 0; i < r->nlayers; i++) {
    free(r->ops[i]);
    free(r->data[i]);
  }
  free(r->ops);
  free(r->data);
  free(r->layers);
  free(r->outputs);
  free(r->console);
  free(r->report);
  free(r);
}

uint64_t m78net_result_cycles(const m78net_result *r)
{
  return r->cycles;
}
double m78net_result_time_us(const m78net_result *r)
{
  return r->time_us;
}
double m78net_result_energy_uj(const m78net_result *r)
{
  return r->energy_uj;
}
const char *m78net_result_console(const m78net_result *r)
{
  return r->console ? r->console : "";
}
const char *m78net_result_report(const m78net_result *r)
{
  return r->report;
}
int m78net_result_outputs(const m78net_result *r, const double **values)
{
  *values = r->outputs;
  return r->noutputs;
}
int m78net_result_class(const m78net_result *r)
{
  return r->best;
}
int m78net_result_layer_count(const m78net_result *r)
{
  return r->nlayers;
}
int m78net_result_layer(const m78net_result *r, int i, struct m78net_layer *out)
{
  if (i < 0 || i >= r->nlayers)
    return -1;
  *out = r->layers[i];
  return 0;
}

static double num(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The class values from the report's final output (hardware slots). */
static void read_outputs(const m78net *net, m78net_result *r, const cJSON *rep)
{
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(rep, "output");
  const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "values");
  const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(o, "gap_slots");
  int slots = cJSON_GetArraySize(vals);
  int n = net->nclasses > 0 && net->nclasses <= slots ? net->nclasses : slots;
  if (n <= 0 || !(r->outputs = calloc((size_t)n, sizeof *r->outputs)))
    return;
  uint64_t g = cJSON_IsString(gaps) ? strtoull(gaps->valuestring, NULL, 16) : 0;
  r->noutputs = n;
  for (int c = 0; c < n; c++) {
    int s = n == slots ? c : m78_channel_slot(n, slots, (int)num(o, "slots_per_pass"), (int)num(o, "out_passes"), g, c);
    r->outputs[c] = s >= 0 ? cJSON_GetArrayItem(vals, s)->valuedouble : 0;
    if (r->outputs[c] > r->outputs[r->best])
      r->best = c;
  }
}

static enum m78net_status read_result(const m78net *net, const char *dir, int32_t status, unsigned flags,
                                      m78net_result **out, struct m78net_error *err)
{
  char path[PATH_MAX];
  m78net_result *r = calloc(1, sizeof *r);
  if (!r)
    return fail(err, M78NET_ENOMEM, "out of memory");
  snprintf(path, sizeof path, "%s/console.txt", dir);
  r->console = m78neti_read_all(path, NULL, 16 << 20);
  snprintf(path, sizeof path, "%s/report.json", dir);
  r->report = m78neti_read_all(path, NULL, 256 << 20);
  cJSON *rep = r->report ? cJSON_Parse(r->report) : NULL;
  const cJSON *stop = cJSON_GetObjectItemCaseSensitive(rep, "stop");
  const cJSON *reason = cJSON_GetObjectItemCaseSensitive(stop, "reason");
  enum m78net_status st = M78NET_OK;
  if (status != 0 || !rep || !cJSON_IsString(reason) || strcmp(reason->valuestring, "inference-done") != 0) {
    char line[512] = "";
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(stop, "detail");
    if (cJSON_IsString(d) && *d->valuestring)
      snprintf(line, sizeof line, "%s", d->valuestring);
    else if (r->console)
      m78neti_last_line(r->console, line, sizeof line);
    st = fail(err, M78NET_ERUN, "the inference did not finish (%s %d)%s%s", status < 0 ? "signal" : "exit status",
              status < 0 ? -status : status, *line ? ": " : "", line);
    goto done;
  }
  const cJSON *inf = cJSON_GetObjectItemCaseSensitive(rep, "inference");
  r->cycles = (uint64_t)num(inf, "cycles");
  r->time_us = num(inf, "time_us");
  r->energy_uj = num(inf, "energy_uj");
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(rep, "layers");
  int n = cJSON_GetArraySize(layers);
  r->layers = calloc((size_t)(n ? n : 1), sizeof *r->layers);
  r->ops = calloc((size_t)(n ? n : 1), sizeof *r->ops);
  r->data = calloc((size_t)(n ? n : 1), sizeof *r->data);
  if (!r->layers || !r->ops || !r->data) {
    st = fail(err, M78NET_ENOMEM, "out of memory");
    goto done;
  }
  r->nlayers = n;
  cJSON *dumps = NULL;
  if (flags & M78NET_LAYERS) {
    snprintf(path, sizeof path, "%s/layers.json", dir);
    char *t = m78neti_read_all(path, NULL, 16 << 20);
    dumps = t ? cJSON_Parse(t) : NULL;
    free(t);
  }
  for (int i = 0; i < n; i++) {
    const cJSON *l = cJSON_GetArrayItem(layers, i);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(l, "error");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(l, "op");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(l, "output");
    if (cJSON_IsString(e)) {
      st = fail(err, M78NET_ERUN, "layer %d could not be simulated: %s", i, e->valuestring);
      cJSON_Delete(dumps);
      goto done;
    }
    struct m78net_layer *L = &r->layers[i];
    L->index = (int)num(l, "index");
    r->ops[i] = strdup(cJSON_IsString(op) ? op->valuestring : "?");
    L->op = r->ops[i];
    if (cJSON_GetArraySize(shape) == 3) {
      L->c = cJSON_GetArrayItem(shape, 0)->valueint;
      L->h = cJSON_GetArrayItem(shape, 1)->valueint;
      L->w = cJSON_GetArrayItem(shape, 2)->valueint;
    }
    L->cycles = (uint64_t)num(l, "cycles");
    L->time_us = num(l, "time_us");
    L->energy_uj = num(l, "energy_uj");
    L->elem_bytes = 1;
    const cJSON *dl = NULL, *all = cJSON_GetObjectItemCaseSensitive(dumps, "layers");
    for (int k = 0; k < cJSON_GetArraySize(all); k++)
      if ((int)num(cJSON_GetArrayItem(all, k), "index") == L->index)
        dl = cJSON_GetArrayItem(all, k);
    if (dl) {
      const cJSON *file = cJSON_GetObjectItemCaseSensitive(dl, "file");
      const cJSON *ds = cJSON_GetObjectItemCaseSensitive(dl, "shape_chw");
      const cJSON *dt = cJSON_GetObjectItemCaseSensitive(dl, "dtype");
      if (cJSON_IsString(file) && cJSON_GetArraySize(ds) == 3) {
        L->c = cJSON_GetArrayItem(ds, 0)->valueint;
        L->h = cJSON_GetArrayItem(ds, 1)->valueint;
        L->w = cJSON_GetArrayItem(ds, 2)->valueint;
        L->elem_bytes = cJSON_IsString(dt) && strncmp(dt->valuestring, "int32", 5) == 0 ? 4 : 1;
        size_t want = (size_t)L->c * (size_t)L->h * (size_t)L->w * (size_t)L->elem_bytes, got = 0;
        snprintf(path, sizeof path, "%s/%s", dir, file->valuestring);
        r->data[i] = m78neti_read_all(path, &got, 1u << 30);
        if (!r->data[i] || got != want) {
          st = fail(err, M78NET_EIO, "%s: %zu bytes, expected %zu", path, got, want);
          cJSON_Delete(dumps);
          goto done;
        }
        L->data = r->data[i];
      }
    }
  }
  cJSON_Delete(dumps);
  read_outputs(net, r, rep);
done:
  cJSON_Delete(rep);
  if (st != M78NET_OK) {
    m78net_result_free(r);
    r = NULL;
  }
  *out = r;
  return st;
}

/* ---- running ---- */

static enum m78net_status send_run(m78net *net, const int8_t *input, unsigned flags, uint32_t id,
                                   struct m78net_error *err)
{
  uint32_t *words[M78INMAP_MAX_ARRAYS] = {0};
  void *packed = NULL;
  size_t plen = 0;
  long bad = m78inmap_first_unloaded(&net->map, input);
  if (bad >= 0)
    return fail(err, M78NET_ESHAPE,
                "element %ld is %d, but the firmware's load_input() never loads it (%zu of layer 0's input "
                "elements lie outside its data and must be 0)",
                bad, input[bad], net->map.unloaded);
  if (m78inmap_pack(&net->map, input, words) != 0 || m78inmap_serialize(&net->map, words, &packed, &plen) != 0) {
    m78inmap_free_words(&net->map, words);
    return fail(err, M78NET_ENOMEM, "out of memory");
  }
  m78inmap_free_words(&net->map, words);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/r%u", net->tmp, id);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    free(packed);
    return fail(err, M78NET_EIO, "%s: %s", dir, strerror(errno));
  }
  uint32_t dlen = (uint32_t)strlen(dir), fl = (flags & M78NET_LAYERS) ? M78SERVE_DUMPS : 0;
  struct m78serve_hdr h = {M78SERVE_MAGIC, M78SERVE_RUN, id, (uint32_t)(8 + dlen + plen)};
  int ioerr = m78serve_io(net->fd, &h, sizeof h, 1) || m78serve_io(net->fd, &fl, 4, 1) ||
              m78serve_io(net->fd, &dlen, 4, 1) || m78serve_io(net->fd, dir, dlen, 1) ||
              m78serve_io(net->fd, packed, plen, 1);
  free(packed);
  return ioerr ? m78neti_server_gone(net, err, "while it was given an input") : M78NET_OK;
}

enum m78net_status m78net_run_many(m78net *net, const int8_t *inputs, size_t count, int jobs, unsigned flags,
                                   m78net_result **results, void (*progress)(void *ctx, size_t done, size_t total),
                                   void *ctx, struct m78net_error *err)
{
  if (err)
    err->code = M78NET_OK, err->msg[0] = 0;
  if (!net || net->fd < 0 || !results || (!inputs && count))
    return fail(err, M78NET_EINVAL, "%s",
                !net          ? "the network is closed"
                : net->fd < 0 ? "the network was opened with no_serve: it runs through m78net_exec only"
                              : "no inputs given");
  if (jobs < 1)
    jobs = 1;
  if (jobs > M78SERVE_MAX_JOBS)
    jobs = M78SERVE_MAX_JOBS;
  size_t ne = m78inmap_elems(&net->map), sent = 0, done = 0;
  uint32_t base = net->next_id;
  enum m78net_status st = M78NET_OK;
  for (size_t i = 0; i < count; i++)
    results[i] = NULL;
  while (done < count && st == M78NET_OK) {
    while (sent < count && sent - done < (size_t)jobs && st == M78NET_OK)
      if ((st = send_run(net, inputs + sent * ne, flags, base + (uint32_t)sent, err)) == M78NET_OK)
        sent++;
    if (st != M78NET_OK)
      break;
    struct m78serve_hdr h;
    int32_t status;
    if (m78serve_io(net->fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_DONE ||
        h.len != 4 || m78serve_io(net->fd, &status, 4, 0) != 0) {
      st = m78neti_server_gone(net, err, "during an inference");
      break;
    }
    size_t idx = h.id - base;
    if (idx >= sent || results[idx]) {
      st = fail(err, M78NET_EIO, "the firmware process answered for an unknown request %u", h.id);
      break;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/r%u", net->tmp, h.id);
    st = read_result(net, dir, status, flags, &results[idx], err);
    if (st != M78NET_OK && count > 1) {
      char m[sizeof err->msg];
      snprintf(m, sizeof m, "input %zu: %s", idx, err->msg);
      snprintf(err->msg, sizeof err->msg, "%s", m);
    }
    m78neti_remove_tree(dir);
    done++;
    if (progress && st == M78NET_OK)
      progress(ctx, done, count);
  }
  net->next_id = base + (uint32_t)count;
  if (st != M78NET_OK) {
    /* collect the answers still owed, so the socket stays in step */
    while (done < sent) {
      struct m78serve_hdr h;
      int32_t status;
      if (m78serve_io(net->fd, &h, sizeof h, 0) != 0 || m78serve_io(net->fd, &status, 4, 0) != 0) {
        close(net->fd);
        net->fd = -1;
        break;
      }
      char dir[PATH_MAX];
      snprintf(dir, sizeof dir, "%s/r%u", net->tmp, h.id);
      m78neti_remove_tree(dir);
      done++;
    }
    for (size_t i = 0; i < count; i++) {
      m78net_result_free(results[i]);
      results[i] = NULL;
    }
  }
  return st;
}

enum m78net_status m78net_run(m78net *net, const int8_t *input, size_t n, unsigned flags, m78net_result **out,
                              struct m78net_error *err)
{
  if (!out)
    return fail(err, M78NET_EINVAL, "m78net_run: no result pointer");
  *out = NULL;
  if (!net || net->fd < 0)
    return m78net_run_many(net, input, 1, 1, flags, out, NULL, NULL, err); /* its message */
  if (!input || n != m78inmap_elems(&net->map))
    return fail(err, M78NET_ESHAPE, "the input has %zu values; layer 0 reads %dx%dx%d = %zu", input ? n : 0, net->map.c,
                net->map.h, net->map.w, m78inmap_elems(&net->map));
  return m78net_run_many(net, input, 1, 1, flags, out, NULL, NULL, err);
}
