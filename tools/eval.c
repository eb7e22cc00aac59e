/*
 * `max78sim eval DIR|MODEL --inputs PATH [--labels FILE]`: many inputs
 * through one loaded network (the host API, host/include/max78sim/net.h:
 * the weights are loaded once, every inference is the firmware's own
 * load_input and interrupt on that input).  Inputs: a folder of images
 * and .npy files (in name order), or one .npy of N samples.  Labels: a
 * CSV of `file,label` lines or a .npy of N integers; a label is a class
 * index or a class name.  Per-input results go to --csv / --json
 * (written to a temporary name and renamed at the end); the summary
 * (accuracy, confusion matrix, misclassified inputs, cycles, energy,
 * inferences per second) to stdout.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "input.h"
#include "max78sim/net.h"
#include "m78host/npy.h"
#include "m78host/layercsv.h"
#include "m78host/report.h"

struct eval_opts {
  const char *dir, *inputs, *labels, *csv, *json, *layer_csv;
  int jobs, quiet, resize, threads;
};

static void eval_help(FILE *out)
{
  fprintf(out, "usage: max78sim eval DIR|MODEL --inputs PATH [--labels FILE] [options]\n"
               "\n"
               "Runs many inputs through one loaded network: the firmware loads its weights\n"
               "once, then every input goes through its own load_input() and the CNN, as\n"
               "'max78sim run --input' would (see docs/eval.md).\n"
               "\n"
               "  --inputs PATH   a folder of .npy files and images (.png .jpg .jpeg .bmp), in\n"
               "                  name order, or one .npy of N samples (N x C x H x W, or N x H x W\n"
               "                  for one channel); values converted as for 'run --input'\n"
               "  --labels FILE   a CSV of 'file,label' lines (a folder's file names) or a .npy\n"
               "                  of N integers; a label is a class index or a class name\n"
               "  --jobs N        inferences at once (default 1); results are identical for any N\n"
               "  --threads N     engine threads per inference (default 1)\n"
               "  --csv FILE      per-input results: input, class, index, one score per class,\n"
               "                  cycles, time_us, energy_uj (and label, correct)\n"
               "  --json FILE     the same, with the summary, as JSON\n"
               "  --layer-csv FILE  the per-layer table of the first input, as 'run --csv'\n"
               "                  writes it (layer, name, op, shapes, MACs, cycles, time,\n"
               "                  energy, MAC/cycle, totals)\n"
               "  --resize        scale images to layer 0's rows and columns\n"
               "  -q, --quiet     no progress bar (it is shown only on a terminal anyway)\n"
               "\n"
               "Exit status: 0 every input ran, 2 bad usage or input (one line naming the file;\n"
               "no partial --csv or --json left behind), 1 an inference failed.\n");
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
  size_t n = strlen(s), k = strlen(suf);
  return n > k && strcasecmp(s + n - k, suf) == 0;
}

/* Reads every input into one buffer of count * elems values. */
static int read_inputs(m78net *net, const char *path, int c, int h, int w, int resize, int8_t **data, char ***names,
                       size_t *count)
{
  size_t elems = (size_t)c * (size_t)h * (size_t)w;
  struct m78inmap shape;
  memset(&shape, 0, sizeof shape);
  shape.c = c;
  shape.h = h;
  shape.w = w;
  struct stat st;
  if (stat(path, &st) != 0) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  *data = NULL;
  *names = NULL;
  *count = 0;
  if (!S_ISDIR(st.st_mode)) {
    char err[512];
    struct m78npy a;
    if (!has_suffix(path, ".npy")) {
      m78u_error("%s: --inputs takes a folder or one .npy of samples", path);
      return -1;
    }
    if (m78npy_read(path, &a, err, sizeof err) != 0) {
      m78u_error("%s", err);
      return -1;
    }
    size_t n = a.ndim > 0 ? a.shape[0] : 0;
    int ok = (a.ndim == 4 && a.shape[1] == (size_t)c && a.shape[2] == (size_t)h && a.shape[3] == (size_t)w) ||
             (a.ndim == 3 && c == 1 && a.shape[1] == (size_t)h && a.shape[2] == (size_t)w) ||
             (a.ndim == 3 && w == 1 && a.shape[1] == (size_t)c && a.shape[2] == (size_t)h);
    if (!ok || n == 0) {
      m78u_error("%s: %s; layer 0 reads %dx%dx%d, so N x %d x %d x %d samples are expected", path,
                 n == 0 ? "no samples" : "wrong shape", c, h, w, c, h, w);
      m78npy_free(&a);
      return -1;
    }
    int8_t *d = malloc(n * elems);
    char **nm = calloc(n, sizeof *nm);
    if (!d || !nm) {
      m78u_error("%s: out of memory", path);
      free(d);
      free(nm);
      m78npy_free(&a);
      return -1;
    }
    /* the conversions of run --input and the C API, one sample at a time */
    static const enum m78net_dtype types[] = {
        [M78NPY_I8] = M78NET_INT8,    [M78NPY_U8] = M78NET_UINT8,  [M78NPY_I16] = M78NET_INT16,
        [M78NPY_I32] = M78NET_INT32,  [M78NPY_I64] = M78NET_INT64, [M78NPY_F32] = M78NET_FLOAT32,
        [M78NPY_F64] = M78NET_FLOAT64};
    for (size_t i = 0; i < n; i++) {
      struct m78net_error e;
      if (m78net_convert(net, (const char *)a.data + i * elems * a.esize, types[a.dtype], a.ndim - 1, a.shape + 1,
                         d + i * elems, &e) != M78NET_OK) {
        m78u_error("%s: sample %zu: %s", path, i, e.msg);
        free(d);
        free(nm);
        m78npy_free(&a);
        return -1;
      }
    }
    for (size_t i = 0; i < n; i++)
      nm[i] = m78u_xasprintf("%zu", i);
    m78npy_free(&a);
    *data = d;
    *names = nm;
    *count = n;
    return 0;
  }
  DIR *dir = opendir(path);
  if (!dir) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  size_t n = 0, cap = 64;
  char **files = m78u_xmalloc(cap * sizeof *files);
  struct dirent *e;
  while ((e = readdir(dir))) {
    const char *f = e->d_name;
    if (f[0] == '.' || !(has_suffix(f, ".npy") || has_suffix(f, ".png") || has_suffix(f, ".jpg") ||
                         has_suffix(f, ".jpeg") || has_suffix(f, ".bmp")))
      continue;
    if (n == cap)
      files = realloc(files, (cap *= 2) * sizeof *files);
    files[n++] = m78u_xstrdup(f);
  }
  closedir(dir);
  if (n == 0) {
    m78u_error("%s: the folder holds no .npy or image files", path);
    free(files);
    return -1;
  }
  qsort(files, n, sizeof *files, cmp_str);
  int8_t *d = malloc(n * elems);
  if (!d) {
    m78u_error("%s: out of memory", path);
    return -1;
  }
  struct m78cli_input_opts io = {.shape = NULL, .resize = resize};
  for (size_t i = 0; i < n; i++) {
    char *p = m78u_path_join(path, files[i]);
    int8_t *t = NULL;
    int rc = m78cli_input_read(p, &io, &shape, &t);
    free(p);
    if (rc != 0) {
      for (size_t k = 0; k < n; k++)
        free(files[k]);
      free(files);
      free(d);
      return -1;
    }
    memcpy(d + i * elems, t, elems);
    free(t);
  }
  *data = d;
  *names = files;
  *count = n;
  return 0;
}

/* A label: a class index, or a class name of the network. */
static int parse_label(const char *s, m78net *net, int *out)
{
  char *end;
  long v = strtol(s, &end, 10);
  int n = m78net_class_count(net);
  if (*s && !*end && v >= 0 && (n == 0 || v < n)) {
    *out = (int)v;
    return 0;
  }
  for (int c = 0; c < n; c++)
    if (m78net_class_name(net, c) && strcmp(m78net_class_name(net, c), s) == 0) {
      *out = c;
      return 0;
    }
  return -1;
}

static int read_labels(const char *path, m78net *net, char **names, size_t count, int *labels)
{
  char err[512];
  if (has_suffix(path, ".npy")) {
    struct m78npy a;
    if (m78npy_read(path, &a, err, sizeof err) != 0) {
      m78u_error("%s", err);
      return -1;
    }
    if (a.ndim != 1 || a.shape[0] != count || a.dtype == M78NPY_F32 || a.dtype == M78NPY_F64) {
      m78u_error("%s: expected %zu integer labels (a 1-D .npy), got %s of %zu", path, count, m78npy_dtype_name(a.dtype),
                 a.ndim ? a.shape[0] : 0);
      m78npy_free(&a);
      return -1;
    }
    for (size_t i = 0; i < count; i++) {
      double v = m78npy_get(&a, i);
      int n = m78net_class_count(net);
      if (v < 0 || (n && v >= n)) {
        m78u_error("%s: label %zu is %.0f, not a class index (0..%d)", path, i, v, n - 1);
        m78npy_free(&a);
        return -1;
      }
      labels[i] = (int)v;
    }
    m78npy_free(&a);
    return 0;
  }
  size_t len = 0;
  char *text = m78u_read_file(path, &len);
  if (!text) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  for (size_t i = 0; i < count; i++)
    labels[i] = -1;
  int line = 0, rc = 0;
  for (char *p = text, *next; p && *p && rc == 0; p = next) {
    next = strchr(p, '\n');
    if (next)
      *next++ = 0;
    line++;
    size_t l = strlen(p);
    if (l && p[l - 1] == '\r')
      p[--l] = 0;
    if (!l)
      continue;
    char *comma = strrchr(p, ',');
    if (!comma) {
      m78u_error("%s:%d: not 'file,label': %s", path, line, p);
      rc = -1;
      break;
    }
    *comma = 0;
    const char *file = p, *lab = comma + 1;
    if (line == 1 && strcmp(file, "file") == 0)
      continue;
    size_t k;
    for (k = 0; k < count && strcmp(names[k], file) != 0; k++)
      ;
    if (k == count) {
      m78u_error("%s:%d: %s is not one of the inputs", path, line, file);
      rc = -1;
    } else if (parse_label(lab, net, &labels[k]) != 0) {
      m78u_error("%s:%d: '%s' is neither a class index nor a class name", path, line, lab);
      rc = -1;
    }
  }
  for (size_t i = 0; rc == 0 && i < count; i++)
    if (labels[i] < 0) {
      m78u_error("%s: no label for %s", path, names[i]);
      rc = -1;
    }
  free(text);
  return rc;
}

struct progress {
  int show;
  struct timespec t0;
};

static double since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void on_progress(void *ctx, size_t done, size_t total)
{
  struct progress *p = ctx;
  if (!p->show)
    return;
  int width = 30, fill = (int)(width * done / total);
  double s = since(&p->t0);
  fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.1f inferences/s", fill, "##############################", width - fill, "",
          done, total, s > 0 ? (double)done / s : 0);
  if (done == total)
    fputc('\n', stderr);
}

static const char *class_label(m78net *net, int c, char *buf, size_t len)
{
  const char *n = m78net_class_name(net, c);
  if (n)
    return n;
  snprintf(buf, len, "%d", c);
  return buf;
}

/* The options into *o; 1 after --help (printed), -1 after an error. */
static int parse_eval(int argc, char **argv, struct eval_opts *o)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    uint64_t u;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      eval_help(stdout);
      return 1;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      o->quiet = 1;
    } else if (strcmp(a, "--resize") == 0) {
      o->resize = 1;
    } else if (m78cli_is_option(a, "--inputs")) {
      if (!(o->inputs = m78cli_option_value("eval", argc, argv, &i, "--inputs")))
        return -1;
    } else if (m78cli_is_option(a, "--labels")) {
      if (!(o->labels = m78cli_option_value("eval", argc, argv, &i, "--labels")))
        return -1;
    } else if (m78cli_is_option(a, "--csv")) {
      if (!(o->csv = m78cli_option_value("eval", argc, argv, &i, "--csv")))
        return -1;
    } else if (m78cli_is_option(a, "--layer-csv")) {
      if (!(o->layer_csv = m78cli_option_value("eval", argc, argv, &i, "--layer-csv")))
        return -1;
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value("eval", argc, argv, &i, "--json")))
        return -1;
    } else if (m78cli_is_option(a, "--jobs") || m78cli_is_option(a, "--threads")) {
      int jobs = m78cli_is_option(a, "--jobs");
      if (!(v = m78cli_option_value("eval", argc, argv, &i, jobs ? "--jobs" : "--threads")))
        return -1;
      if (m78u_parse_u64(v, &u) != 0 || u < 1 || u > (jobs ? 64 : 16)) {
        m78u_error("eval: %s: not an integer from 1 to %d: %s", jobs ? "--jobs" : "--threads", jobs ? 64 : 16, v);
        return -1;
      }
      if (jobs)
        o->jobs = (int)u;
      else
        o->threads = (int)u;
    } else if (a[0] == '-') {
      m78u_error("eval: unknown option %s (see 'max78sim eval --help')", a);
      return -1;
    } else if (o->dir) {
      m78u_error("eval: unexpected argument %s (one DIR only)", a);
      return -1;
    } else {
      o->dir = a;
    }
  }
  return 0;
}

/* Accuracy, the confusion matrix and the misclassified inputs, printed
 * and into the JSON summary. */
static void print_accuracy(m78net *net, m78net_result **res, char **names, const int *labels, size_t count,
                           size_t correct, const int *conf, int ncls, cJSON *sum)
{
  char lb[32], lb2[32];
  printf("accuracy: %zu of %zu (%.2f%%)\n", correct, count, 100.0 * (double)correct / (double)count);
  cJSON_AddNumberToObject(sum, "correct", (double)correct);
  cJSON_AddNumberToObject(sum, "accuracy", (double)correct / (double)count);
  if (conf) {
    printf("confusion matrix (rows: label, columns: predicted):\n%12s", "");
    for (int k = 0; k < ncls; k++)
      printf(" %8.8s", class_label(net, k, lb, sizeof lb));
    printf("\n");
    cJSON *cm = cJSON_AddArrayToObject(sum, "confusion");
    for (int r = 0; r < ncls; r++) {
      printf("%12.12s", class_label(net, r, lb, sizeof lb));
      cJSON *row = cJSON_CreateIntArray(conf + r * ncls, ncls);
      cJSON_AddItemToArray(cm, row);
      for (int k = 0; k < ncls; k++)
        printf(" %8d", conf[r * ncls + k]);
      printf("\n");
    }
  }
  cJSON *mis = cJSON_AddArrayToObject(sum, "misclassified");
  size_t shown = 0;
  for (size_t i = 0; i < count; i++) {
    int best = m78net_result_class(res[i]);
    if (labels[i] == best)
      continue;
    cJSON_AddItemToArray(mis, cJSON_CreateString(names[i]));
    if (shown++ < 20)
      printf("misclassified: %s: %s, label %s\n", names[i], class_label(net, best, lb, sizeof lb),
             class_label(net, labels[i], lb2, sizeof lb2));
  }
  if (shown > 20)
    printf("... and %zu more misclassified (all in --csv / --json)\n", shown - 20);
}

/* --layer-csv: the first input's per-layer table.  0, or -1 with a
 * message printed. */
static int write_layer_csv(const char *path, m78net *net, const m78net_result *first)
{
  char werr[512];
  int rc = 0;
  cJSON *rep = cJSON_Parse(m78net_result_report(first));
  char **lnames = NULL;
  int nn = m78_layer_names(m78net_firmware_dir(net), &lnames);
  if (!rep || m78_csv_write_file(path, rep, lnames, nn, werr, sizeof werr) != 0) {
    m78u_error("%s", rep ? werr : "the first input's report is not JSON");
    rc = -1;
  }
  m78_layer_names_free(lnames, nn);
  cJSON_Delete(rep);
  return rc;
}

int m78cli_cmd_eval(int argc, char **argv)
{
  struct eval_opts o = {.jobs = 1, .threads = 1};
  int pr_rc = parse_eval(argc, argv, &o);
  if (pr_rc != 0)
    return pr_rc > 0 ? 0 : M78CLI_EXIT_ERROR;
  if (!o.dir || !o.inputs) {
    m78u_error("eval: missing %s (see 'max78sim eval --help')", o.dir ? "--inputs PATH" : "DIR");
    return M78CLI_EXIT_ERROR;
  }
  struct m78net_error err;
  struct m78net_options nopt = {.threads = o.threads};
  char self[4096];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl > 0) {
    self[sl] = 0;
    nopt.max78sim = self;
  }
  m78net *net = NULL;
  int rc = M78CLI_EXIT_ERROR;
  int8_t *data = NULL;
  char **names = NULL;
  size_t count = 0;
  int *labels = NULL;
  m78net_result **res = NULL;
  if (m78net_open(&net, o.dir, &nopt, &err) != M78NET_OK) {
    m78u_error("%s: %s", o.dir, err.msg);
    return M78CLI_EXIT_ERROR;
  }
  int c, h, w;
  m78net_input_shape(net, &c, &h, &w);
  if (read_inputs(net, o.inputs, c, h, w, o.resize, &data, &names, &count) != 0)
    goto out;
  if (o.labels) {
    labels = m78u_xmalloc(count * sizeof *labels);
    if (read_labels(o.labels, net, names, count, labels) != 0)
      goto out;
  }
  res = calloc(count, sizeof *res);
  struct progress pr = {.show = !o.quiet && isatty(2)};
  clock_gettime(CLOCK_MONOTONIC, &pr.t0);
  if (m78net_run_many(net, data, count, o.jobs, 0, res, on_progress, &pr, &err) != M78NET_OK) {
    m78u_error("%s: %s", o.dir, err.msg);
    rc = err.code == M78NET_ERUN ? M78CLI_EXIT_FAIL : M78CLI_EXIT_ERROR;
    goto out;
  }
  double secs = since(&pr.t0);

  /* results */
  int ncls = 0;
  for (size_t i = 0; i < count; i++) {
    const double *v;
    int n = m78net_result_outputs(res[i], &v);
    if (n > ncls)
      ncls = n;
  }
  char lb[32], lb2[32];
  struct m78u_buf csv = {0};
  cJSON *jdoc = cJSON_CreateObject(), *jin = cJSON_AddArrayToObject(jdoc, "inputs");
  m78u_buf_printf(&csv, "input,class,index");
  for (int k = 0; k < ncls; k++)
    m78u_buf_printf(&csv, ",score_%s", class_label(net, k, lb, sizeof lb));
  m78u_buf_printf(&csv, ",cycles,time_us,energy_uj%s\n", labels ? ",label,correct" : "");
  int *conf = labels && ncls ? calloc((size_t)ncls * (size_t)ncls, sizeof *conf) : NULL;
  size_t correct = 0;
  double cyc_min = 1e300, cyc_max = 0, e_sum = 0, cyc_sum = 0;
  for (size_t i = 0; i < count; i++) {
    const double *v;
    int n = m78net_result_outputs(res[i], &v), best = m78net_result_class(res[i]);
    uint64_t cy = m78net_result_cycles(res[i]);
    cyc_min = fmin(cyc_min, (double)cy);
    cyc_max = fmax(cyc_max, (double)cy);
    cyc_sum += (double)cy;
    e_sum += m78net_result_energy_uj(res[i]);
    m78u_buf_printf(&csv, "%s,%s,%d", names[i], class_label(net, best, lb, sizeof lb), best);
    for (int k = 0; k < ncls; k++)
      m78u_buf_printf(&csv, ",%.0f", k < n ? v[k] : 0);
    m78u_buf_printf(&csv, ",%llu,%.2f,%.4f", (unsigned long long)cy, m78net_result_time_us(res[i]),
                    m78net_result_energy_uj(res[i]));
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "input", names[i]);
    cJSON_AddStringToObject(e, "class", class_label(net, best, lb, sizeof lb));
    cJSON_AddNumberToObject(e, "index", best);
    cJSON *sc = cJSON_AddArrayToObject(e, "outputs");
    for (int k = 0; k < n; k++)
      cJSON_AddItemToArray(sc, cJSON_CreateNumber(v[k]));
    cJSON_AddNumberToObject(e, "cycles", (double)cy);
    cJSON_AddNumberToObject(e, "time_us", m78net_result_time_us(res[i]));
    cJSON_AddNumberToObject(e, "energy_uj", m78net_result_energy_uj(res[i]));
    if (labels) {
      int ok = labels[i] == best;
      correct += (size_t)ok;
      if (conf && labels[i] < ncls && best < ncls)
        conf[labels[i] * ncls + best]++;
      m78u_buf_printf(&csv, ",%s,%d", class_label(net, labels[i], lb2, sizeof lb2), ok);
      cJSON_AddStringToObject(e, "label", class_label(net, labels[i], lb2, sizeof lb2));
      cJSON_AddBoolToObject(e, "correct", ok);
    }
    m78u_buf_printf(&csv, "\n");
    cJSON_AddItemToArray(jin, e);
  }
  printf("%zu inputs of %s (%dx%dx%d), %d job%s: %.2f s, %.1f inferences/s\n", count, o.dir, c, h, w, o.jobs,
         o.jobs > 1 ? "s" : "", secs, secs > 0 ? (double)count / secs : 0);
  printf("cycles per inference: %.0f", cyc_min);
  if (cyc_max != cyc_min)
    printf("..%.0f (mean %.0f)", cyc_max, cyc_sum / (double)count);
  printf(", energy per inference: %.3f uJ (mean)\n", e_sum / (double)count);
  cJSON *sum = cJSON_AddObjectToObject(jdoc, "summary");
  cJSON_AddNumberToObject(sum, "inputs", (double)count);
  cJSON_AddNumberToObject(sum, "seconds", secs);
  cJSON_AddNumberToObject(sum, "inferences_per_second", secs > 0 ? (double)count / secs : 0);
  cJSON_AddNumberToObject(sum, "cycles_min", cyc_min);
  cJSON_AddNumberToObject(sum, "cycles_max", cyc_max);
  cJSON_AddNumberToObject(sum, "energy_uj_mean", e_sum / (double)count);
  if (labels)
    print_accuracy(net, res, names, labels, count, correct, conf, ncls, sum);
  free(conf);
  rc = 0;
  char werr[512];
  if (o.csv && m78_write_file_atomic(o.csv, csv.data ? csv.data : "", csv.len, werr, sizeof werr) != 0) {
    m78u_error("%s", werr);
    rc = M78CLI_EXIT_ERROR;
  }
  if (o.json && m78_json_write_file(jdoc, o.json, werr, sizeof werr) != 0) {
    m78u_error("%s", werr);
    rc = M78CLI_EXIT_ERROR;
  }
  if (o.layer_csv && write_layer_csv(o.layer_csv, net, res[0]) != 0)
    rc = M78CLI_EXIT_ERROR;
  free(csv.data);
  cJSON_Delete(jdoc);
out:
  for (size_t i = 0; res && i < count; i++)
    m78net_result_free(res[i]);
  free(res);
  for (size_t i = 0; names && i < count; i++)
    free(names[i]);
  free(names);
  free(labels);
  free(data);
  m78net_close(net);
  return rc;
}
