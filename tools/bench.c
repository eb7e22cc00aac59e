/*
 * `max78sim bench`: how fast the simulator runs an inference, against
 * how long the chip takes.
 *
 * Each network's firmware is built (cached) and run N + 1 times as an
 * ordinary firmware process with M78SIM_BENCH=1; the first run is a
 * warm-up and is discarded.  In each process the shim records the first
 * inference and replays it in-process, once to warm up and once timed,
 * from the start bit to the interrupt with the weights already loaded
 * (firmware_shim/src/bench.c); the replay must reproduce the live run
 * bit for bit.  The same process times the live inference and the weight
 * load through the fault bridge.  Every figure printed is the median of
 * the N runs.
 *
 * The chip's time is the sum of the layers' CNN cycles at the configured
 * CNN clock (the accelerator's compute time; a FIFO-fed network's start
 * bit to interrupt also includes the CPU feeding its input, which the
 * JSON gives as chip_inference_ms).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"

#define DEFAULT_RUNS 5
#define BENCH_TIMEOUT_S 600.0

static const char *const default_networks[] = {"animal-yolo-pico", "mnist", "cifar-10", "kws20_v3"};
#define NDEFAULT (sizeof default_networks / sizeof default_networks[0])

struct bench_opts {
  const char **nets;
  int nnets;
  uint64_t runs;
  uint64_t threads;
  const char *kernel;
  const char *json;
  int rebuild, help;
};

/* One network: per-run figures, then medians. */
struct net {
  const char *name;
  char *fwdir;
  double macs, layer_cycles, inference_cycles, cnn_hz;
  int nlayers;
  char kernel[32];
  double *sim_ms, *cpu_ms, *live_ms, *w_ms, *w_aps, *w_bytes, *w_acc;
  double *layer_ms; /* [run][layer] */
};

static void bench_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim bench [NETWORK...] [options]\n"
          "\n"
          "Times the simulator on each NETWORK (any DIR|MODEL form below; default:\n"
          "%s %s %s %s) and compares\n"
          "it with the chip. Each network's firmware runs N+1 times (the first is a\n"
          "warm-up and is discarded); each run records its inference and replays it\n"
          "in-process from the start bit to the interrupt, weights already loaded, once\n"
          "to warm up and once timed, and checks that the replay reproduces the run's\n"
          "outputs exactly. Every figure is the median of the N runs:\n"
          "\n"
          "  MACs        multiply-accumulates of the network's layers\n"
          "  sim ms      host time of the replayed inference (start bit to interrupt)\n"
          "  MAC/s       MACs / sim ms\n"
          "  chip ms     the layers' CNN cycles at the configured CNN clock\n"
          "  sim/chip    sim ms / chip ms (below 1: faster than the chip)\n"
          "  fw ms       host time from start bit to interrupt in the firmware run itself\n"
          "              (also pays the fault bridge for the firmware's accesses)\n"
          "  weights     kernel bytes written, host time from the first to the last\n"
          "              kernel-memory write, and the bridge's accesses per second then\n"
          "\n"
          "options:\n"
          "  --runs N      timed runs per network (default %d)\n"
          "  --threads N   host threads of the simulator's engine (default 1, at most 16)\n"
          "  --kernel K    the engine's convolution kernels: avx512-vnni, avx2, sse2\n"
          "                or generic (default: the fastest this CPU runs)\n"
          "  --json FILE   also write the results as JSON\n"
          "  --rebuild     build the firmware even if a cached build exists\n"
          "  -h, --help    show this help\n"
          "\n"
          M78CLI_TARGET_HELP
          "\n"
          "Exit status: 0 done, 2 bad usage, a network that cannot be built or run, a\n"
          "firmware that does not print *** PASS ***, or a replay that differs.\n",
          default_networks[0], default_networks[1], default_networks[2], default_networks[3], DEFAULT_RUNS);
}

static int parse_count(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
  if (!v)
    return -1;
  if (m78cli_parse_u64(v, out) != 0 || *out < 1 || *out > max) {
    m78cli_error("bench: %s: not an integer from 1 to %llu: %s", opt, (unsigned long long)max, v);
    return -1;
  }
  return 0;
}

static int parse_bench(int argc, char **argv, struct bench_opts *o)
{
  memset(o, 0, sizeof *o);
  o->runs = DEFAULT_RUNS;
  o->threads = 1;
  o->nets = m78cli_xmalloc(((size_t)argc + NDEFAULT) * sizeof *o->nets);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') {
      o->nets[o->nnets++] = a;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      o->help = 1;
      return 0;
    } else if (!strcmp(a, "--rebuild")) {
      o->rebuild = 1;
    } else if (m78cli_is_option(a, "--runs")) {
      if (parse_count("--runs", m78cli_option_value("bench", argc, argv, &i, "--runs"), 1000, &o->runs) != 0)
        return -1;
    } else if (m78cli_is_option(a, "--threads")) {
      if (parse_count("--threads", m78cli_option_value("bench", argc, argv, &i, "--threads"), 16, &o->threads) != 0)
        return -1;
    } else if (m78cli_is_option(a, "--kernel")) {
      if (!(o->kernel = m78cli_option_value("bench", argc, argv, &i, "--kernel")))
        return -1;
      if (strcmp(o->kernel, "avx512-vnni") && strcmp(o->kernel, "avx2") && strcmp(o->kernel, "sse2") &&
          strcmp(o->kernel, "generic")) {
        m78cli_error("bench: --kernel: not avx512-vnni, avx2, sse2 or generic: %s", o->kernel);
        return -1;
      }
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value("bench", argc, argv, &i, "--json")))
        return -1;
      if (!*o->json) {
        m78cli_error("bench: empty file name");
        return -1;
      }
    } else {
      m78cli_error("bench: unknown option %s (see 'max78sim bench --help')", a);
      return -1;
    }
  }
  if (!o->nnets)
    for (size_t i = 0; i < NDEFAULT; i++)
      o->nets[o->nnets++] = default_networks[i];
  return 0;
}

/* The firmware folder of NAME (m78cli_resolve: every form).  NULL after
 * printing an error. */
static char *find_firmware(const struct m78fw_paths *paths, const char *name)
{
  struct m78fw_model model;
  char *fw = m78cli_locate_firmware(paths, name, &model);
  m78fw_model_free(&model);
  return fw;
}

static double num(const cJSON *obj, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Reads run `r`'s figures from its report; -1 after printing an error. */
static int take_report(struct net *n, int r, const char *path, int runs)
{
  size_t len = 0;
  char *text = m78cli_read_file(path, &len);
  cJSON *rep = text ? cJSON_ParseWithLength(text, len) : NULL;
  free(text);
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(rep, "bench");
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(b, "error");
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(b, "replay_ms");
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(b, "replay_cpu_ms");
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(rep, "layers");
  int rc = -1;
  if (!rep || !cJSON_IsObject(b)) {
    m78cli_error("%s: the firmware wrote no benchmark report", n->name);
  } else if (cJSON_IsString(err)) {
    m78cli_error("%s: benchmark failed: %s", n->name, err->valuestring);
  } else if (cJSON_GetArraySize(ms) != 1 || cJSON_GetArraySize(cpu) != 1 || !cJSON_IsArray(layers)) {
    m78cli_error("%s: malformed benchmark report", n->name);
  } else {
    const cJSON *l;
    n->macs = n->layer_cycles = 0;
    n->nlayers = cJSON_GetArraySize(layers);
    cJSON_ArrayForEach(l, layers)
    {
      n->macs += num(l, "macs");
      n->layer_cycles += num(l, "cycles");
    }
    n->inference_cycles = num(cJSON_GetObjectItemCaseSensitive(rep, "inference"), "cycles");
    n->cnn_hz = num(cJSON_GetObjectItemCaseSensitive(rep, "clock"), "cnn_hz");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(b, "kernel");
    snprintf(n->kernel, sizeof n->kernel, "%s", cJSON_IsString(k) ? k->valuestring : "?");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(b, "weights");
    n->sim_ms[r] = cJSON_GetArrayItem(ms, 0)->valuedouble;
    n->cpu_ms[r] = cJSON_GetArrayItem(cpu, 0)->valuedouble;
    n->live_ms[r] = num(b, "live_ms");
    n->w_ms[r] = num(w, "ms");
    n->w_aps[r] = num(w, "accesses_per_s");
    n->w_bytes[r] = num(w, "bytes");
    n->w_acc[r] = num(w, "bridge_accesses");
    if (!n->layer_ms)
      n->layer_ms = calloc((size_t)runs * (size_t)(n->nlayers ? n->nlayers : 1), sizeof *n->layer_ms);
    const cJSON *lm = cJSON_GetObjectItemCaseSensitive(b, "layer_ms");
    for (int i = 0; i < n->nlayers && n->layer_ms; i++) {
      const cJSON *v = cJSON_GetArrayItem(lm, i);
      n->layer_ms[(size_t)r * (size_t)n->nlayers + (size_t)i] = cJSON_IsNumber(v) ? v->valuedouble : 0;
    }
    rc = n->cnn_hz > 0 && n->macs >= 0 ? 0 : -1;
    if (rc)
      m78cli_error("%s: the report lacks the clock or the layers", n->name);
  }
  cJSON_Delete(rep);
  return rc;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *v, int n, int stride)
{
  double *s = m78cli_xmalloc((size_t)n * sizeof *s);
  for (int i = 0; i < n; i++)
    s[i] = v[(size_t)i * (size_t)stride];
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free(s);
  return m;
}

/* Runs one firmware process; -1 after printing an error. */
static int run_once(struct net *n, const char *exe, int r, int runs, uint64_t threads, const char *kernel)
{
  char *tmp = m78cli_make_temp_dir("max78sim-bench-");
  if (!tmp) {
    m78cli_error("cannot create a temporary folder: %s", strerror(errno));
    return -1;
  }
  char *report = m78cli_path_join(tmp, "report.json");
  char *threads_env = m78cli_xasprintf("M78SIM_THREADS=%llu", (unsigned long long)threads);
  char *kernel_env = kernel ? m78cli_xasprintf("M78SIM_KERNEL=%s", kernel) : m78cli_xstrdup("M78SIM_KERNEL");
  const char *env[] = {"M78SIM_BENCH=1", threads_env, kernel_env, NULL};
  struct m78fw_run_opts ro = {.exe = exe,
                              .report_path = report,
                              .max_cycles = 2000000000ull,
                              .timeout_s = BENCH_TIMEOUT_S,
                              .quiet = 1,
                              .env = env};
  struct m78fw_run_result res;
  int rc = m78fw_run(&ro, &res);
  if (rc == 0 && (!res.exited || res.exit_code != 0 || !res.saw_pass)) {
    if (res.held_stderr.len)
      fwrite(res.held_stderr.data, 1, res.held_stderr.len, stderr);
    m78cli_error("%s: the firmware did not run to *** PASS *** (%s %d)", n->name,
                 res.exited ? "exit status" : "signal", res.exited ? res.exit_code : res.signal);
    rc = -1;
  }
  if (rc == 0 && r >= 0)
    rc = take_report(n, r, report, runs);
  m78fw_run_result_free(&res);
  m78cli_remove_tree(tmp);
  free(threads_env);
  free(kernel_env);
  free(report);
  free(tmp);
  return rc;
}

static char *fmt_si(double v)
{
  const char *u = "";
  if (v == 0)
    return m78cli_xstrdup("0");
  if (v >= 1e9) {
    v /= 1e9;
    u = "G";
  } else if (v >= 1e6) {
    v /= 1e6;
    u = "M";
  } else if (v >= 1e3) {
    v /= 1e3;
    u = "k";
  }
  return m78cli_xasprintf("%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, u);
}

static void set_owned(struct m78cli_table *t, int row, int col, char *text)
{
  m78cli_table_set(t, row, col, text);
  free(text);
}

int m78cli_cmd_bench(int argc, char **argv)
{
  struct bench_opts o;
  if (parse_bench(argc, argv, &o) != 0) {
    free(o.nets);
    return M78CLI_EXIT_ERROR;
  }
  if (o.help) {
    bench_help(stdout);
    free(o.nets);
    return 0;
  }
  if (o.json) {
    char *parent = m78cli_dirname(o.json);
    int ok = m78cli_is_dir(parent) && !m78cli_is_dir(o.json);
    if (!ok)
      m78cli_error("%s: %s", o.json, m78cli_is_dir(o.json) ? "is a directory" : "its folder does not exist");
    free(parent);
    if (!ok) {
      free(o.nets);
      return M78CLI_EXIT_ERROR;
    }
  }
  struct m78fw_paths paths;
  m78fw_paths_init(&paths);
  int runs = (int)o.runs, rc = 0;
  struct net *nets = calloc((size_t)o.nnets, sizeof *nets);
  for (int i = 0; i < o.nnets && rc == 0; i++) {
    struct net *n = &nets[i];
    n->name = o.nets[i];
    if (!(n->fwdir = find_firmware(&paths, n->name))) {
      rc = -1;
      break;
    }
    char *exe = m78fw_build(&paths, n->fwdir, n->name, o.rebuild);
    if (!exe) {
      rc = -1;
      break;
    }
    double **cols[] = {&n->sim_ms, &n->cpu_ms, &n->live_ms, &n->w_ms, &n->w_aps, &n->w_bytes, &n->w_acc};
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
      *cols[c] = calloc((size_t)runs, sizeof(double));
    fprintf(stderr, "bench: %s ...\n", n->name);
    rc = run_once(n, exe, -1, runs, o.threads, o.kernel); /* warm-up */
    for (int r = 0; r < runs && rc == 0; r++)
      rc = run_once(n, exe, r, runs, o.threads, o.kernel);
    free(exe);
  }

  if (rc == 0) {
    static const char *hdr[] = {"network", "MACs",  "sim ms", "MAC/s",      "chip ms",    "sim/chip",
                                "fw ms",   "weights", "load ms", "accesses/s"};
    static const enum m78cli_align al[] = {M78CLI_LEFT,  M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT,
                                           M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT};
    struct m78cli_table t;
    m78cli_table_init(&t, 10, hdr, al);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "runs", runs);
    cJSON_AddNumberToObject(doc, "threads", (double)o.threads);
    cJSON_AddStringToObject(doc, "kernel", nets[0].kernel);
    cJSON *arr = cJSON_AddArrayToObject(doc, "networks");
    for (int i = 0; i < o.nnets; i++) {
      struct net *n = &nets[i];
      double sim = median(n->sim_ms, runs, 1), live = median(n->live_ms, runs, 1);
      double wms = median(n->w_ms, runs, 1), waps = median(n->w_aps, runs, 1);
      double wbytes = median(n->w_bytes, runs, 1);
      double chip = n->layer_cycles / n->cnn_hz * 1e3, chip_inf = n->inference_cycles / n->cnn_hz * 1e3;
      double macps = sim > 0 ? n->macs / (sim * 1e-3) : 0;
      int row = m78cli_table_add_row(&t, 0);
      m78cli_table_set(&t, row, 0, n->name);
      set_owned(&t, row, 1, fmt_si(n->macs));
      set_owned(&t, row, 2, m78cli_xasprintf("%.3f", sim));
      set_owned(&t, row, 3, fmt_si(macps));
      set_owned(&t, row, 4, m78cli_xasprintf("%.3f", chip));
      set_owned(&t, row, 5, m78cli_xasprintf("%.3f", chip > 0 ? sim / chip : 0));
      set_owned(&t, row, 6, m78cli_xasprintf("%.1f", live));
      set_owned(&t, row, 7, m78cli_xasprintf("%.1f KB", wbytes / 1024));
      set_owned(&t, row, 8, m78cli_xasprintf("%.1f", wms));
      set_owned(&t, row, 9, fmt_si(waps));

      cJSON *j = cJSON_CreateObject();
      cJSON_AddStringToObject(j, "network", n->name);
      cJSON_AddStringToObject(j, "firmware", n->fwdir);
      cJSON_AddNumberToObject(j, "macs", n->macs);
      cJSON_AddNumberToObject(j, "sim_ms", sim);
      cJSON_AddNumberToObject(j, "sim_cpu_ms", median(n->cpu_ms, runs, 1));
      cJSON_AddNumberToObject(j, "mac_per_s", macps);
      cJSON_AddNumberToObject(j, "cnn_hz", n->cnn_hz);
      cJSON_AddNumberToObject(j, "layer_cycles", n->layer_cycles);
      cJSON_AddNumberToObject(j, "chip_ms", chip);
      cJSON_AddNumberToObject(j, "sim_over_chip", chip > 0 ? sim / chip : 0);
      cJSON_AddNumberToObject(j, "inference_cycles", n->inference_cycles);
      cJSON_AddNumberToObject(j, "chip_inference_ms", chip_inf);
      cJSON_AddNumberToObject(j, "fw_ms", live);
      cJSON *w = cJSON_AddObjectToObject(j, "weights");
      cJSON_AddNumberToObject(w, "bytes", wbytes);
      cJSON_AddNumberToObject(w, "ms", wms);
      cJSON_AddNumberToObject(w, "bridge_accesses", median(n->w_acc, runs, 1));
      cJSON_AddNumberToObject(w, "accesses_per_s", waps);
      cJSON *runs_a = cJSON_AddArrayToObject(j, "sim_ms_runs");
      for (int r = 0; r < runs; r++)
        cJSON_AddItemToArray(runs_a, cJSON_CreateNumber(n->sim_ms[r]));
      cJSON *lm = cJSON_AddArrayToObject(j, "layer_ms");
      for (int l = 0; l < n->nlayers && n->layer_ms; l++)
        cJSON_AddItemToArray(lm, cJSON_CreateNumber(median(n->layer_ms + l, runs, n->nlayers)));
      cJSON_AddItemToArray(arr, j);
    }
    printf("max78sim bench: medians of %d runs after a warm-up, %llu thread%s, %s kernel\n", runs,
           (unsigned long long)o.threads, o.threads == 1 ? "" : "s", nets[0].kernel);
    m78cli_table_print(&t, stdout);
    fflush(stdout);
    m78cli_table_free(&t);
    if (o.json) {
      char *text = cJSON_Print(doc);
      size_t len = strlen(text);
      text = m78cli_xrealloc(text, len + 2);
      memcpy(text + len, "\n", 2);
      if (m78cli_write_file_atomic(o.json, text, len + 1) != 0) {
        m78cli_error("%s: %s", o.json, strerror(errno));
        rc = -1;
      }
      free(text);
    }
    cJSON_Delete(doc);
  }
  for (int i = 0; i < o.nnets; i++) {
    struct net *n = &nets[i];
    free(n->fwdir);
    free(n->sim_ms);
    free(n->cpu_ms);
    free(n->live_ms);
    free(n->w_ms);
    free(n->w_aps);
    free(n->w_bytes);
    free(n->w_acc);
    free(n->layer_ms);
  }
  free(nets);
  free(o.nets);
  m78fw_paths_free(&paths);
  return rc == 0 ? 0 : M78CLI_EXIT_ERROR;
}
