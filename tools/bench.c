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
 * bit for bit.  The same process times the live inference, the weight
 * load through the bridge and the bridge alone (stores and loads with
 * callbacks that do nothing).  Then N + 1 ordinary runs are timed from
 * start to exit (the whole run).  All of it for each bridge mechanism
 * (inst and trap by default), side by side.  Every figure printed is the
 * median of the N runs.
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

#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "max78sim/env.h"
#include "max78sim/net.h"

#define DEFAULT_RUNS 5
/* served inferences of the baked sample for the eval column; the first
 * (a new worker's: its pages, the stream schedule) is not counted */
#define EVAL_INFERENCES 41
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
  int modes[2], nmodes; /* bridge mechanisms, in table order */
  int rebuild, help;
};

/* One network under one bridge: per-run figures, then medians. */
struct mode_runs {
  int mode; /* enum m78fw_bridge */
  double *sim_ms, *cpu_ms, *live_ms, *w_ms, *w_aps, *w_bytes, *w_acc, *store_ns, *load_ns, *run_ms, *rec_acc, *warm_ms,
      *w_caps, *live_cpu;
  double *in_ms, *in_cpu; /* load_input()'s host time in the ordinary runs, -1 if it has none */
  double ev_ms, ev_cpu;   /* the same per served inference, as eval runs them (-1: none) */
  int ev_n;
  double *layer_ms; /* [run][layer] */
};

struct net {
  const char *name;
  char *fwdir;
  double macs, layer_cycles, inference_cycles, cnn_hz;
  int nlayers;
  char kernel[32];
  struct mode_runs m[2];
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
          "              (also pays the bridge for the firmware's accesses, e.g. the FIFO\n"
          "              pushes of a streamed input)\n"
          "  weights     kernel bytes written, host time from the first to the last\n"
          "              kernel-memory write, and the bridge's accesses per second then\n"
          "  cpu ns/acc  CPU time per access of the weight load (sampled every 4096\n"
          "              kernel-memory writes): bridge, SoC model and simulator together\n"
          "  bridge ns   the bridge alone: one 32-bit store to a CNN register with bus\n"
          "              callbacks that do nothing, as the firmware's code makes it\n"
          "  run ms      an ordinary run of the firmware process, start to exit\n"
          "  input ms    host time of the firmware's load_input() in that run (for a\n"
          "              streamed input: every FIFO push and status poll, each a bus\n"
          "              access through the bridge and the SoC model), '-' without one\n"
          "  eval in ms  CPU time of load_input() per inference as eval runs it: the\n"
          "              firmware served (weights loaded once, every inference rolled\n"
          "              back into load_input), the sample %d times, the median of all\n"
          "              but the first\n"
          "\n"
          "Each network is measured with each bridge mechanism (inst: the instrumented\n"
          "build, trap: the fault bridge; see 'max78sim run --help'), one row each, and\n"
          "a line per network gives trap/inst ratios.\n"
          "\n"
          "options:\n"
          "  --runs N      timed runs per network (default %d)\n"
          "  --bridge B    inst, trap or both (default both)\n"
          "  --threads N   host threads of the simulator's engine (default 1, at most 16)\n"
          "  --kernel K    the engine's convolution kernels: avx512-vnni, avx2, sse2\n"
          "                or generic (default: the fastest this CPU runs)\n"
          "  --json FILE   also write the results as JSON\n"
          "  --rebuild     build the firmware even if a cached build exists\n"
          "  -h, --help    show this help\n"
          "\n" M78CLI_TARGET_HELP "\n"
          "Exit status: 0 done, 2 bad usage, a network that cannot be built or run, a\n"
          "firmware that does not print *** PASS ***, or a replay that differs.\n",
          default_networks[0], default_networks[1], default_networks[2], default_networks[3], EVAL_INFERENCES,
          DEFAULT_RUNS);
}

static int parse_count(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
  if (!v)
    return -1;
  if (m78u_parse_u64(v, out) != 0 || *out < 1 || *out > max) {
    m78u_error("bench: %s: not an integer from 1 to %llu: %s", opt, (unsigned long long)max, v);
    return -1;
  }
  return 0;
}

static int parse_bench(int argc, char **argv, struct bench_opts *o)
{
  memset(o, 0, sizeof *o);
  o->runs = DEFAULT_RUNS;
  o->threads = 1;
  o->modes[0] = M78FW_BRIDGE_INST;
  o->modes[1] = M78FW_BRIDGE_TRAP;
  o->nmodes = 2;
  o->nets = m78u_xmalloc(((size_t)argc + NDEFAULT) * sizeof *o->nets);
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
        m78u_error("bench: --kernel: not avx512-vnni, avx2, sse2 or generic: %s", o->kernel);
        return -1;
      }
    } else if (m78cli_is_option(a, "--bridge")) {
      const char *v = m78cli_option_value("bench", argc, argv, &i, "--bridge");
      if (!v)
        return -1;
      int mode = m78fw_bridge_parse(v);
      if (strcmp(v, "both") == 0) {
        o->nmodes = 2;
      } else if (mode >= 0) {
        o->modes[0] = mode;
        o->nmodes = 1;
      } else {
        m78u_error("bench: --bridge: not inst, trap or both: %s", v);
        return -1;
      }
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value("bench", argc, argv, &i, "--json")))
        return -1;
      if (!*o->json) {
        m78u_error("bench: empty file name");
        return -1;
      }
    } else {
      m78u_error("bench: unknown option %s (see 'max78sim bench --help')", a);
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

/* Reads run `r`'s figures from its report into MR; -1 after printing an
 * error. */
static int take_report(struct net *n, struct mode_runs *mr, int r, const char *path, int runs)
{
  size_t len = 0;
  char *text = m78u_read_file(path, &len);
  cJSON *rep = text ? cJSON_ParseWithLength(text, len) : NULL;
  free(text);
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(rep, "bench");
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(b, "error");
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(b, "replay_ms");
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(b, "replay_cpu_ms");
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(rep, "layers");
  const cJSON *br = cJSON_GetObjectItemCaseSensitive(b, "bridge");
  const cJSON *mech = cJSON_GetObjectItemCaseSensitive(br, "mechanism");
  int rc = -1;
  if (!rep || !cJSON_IsObject(b)) {
    m78u_error("%s: the firmware wrote no benchmark report", n->name);
  } else if (cJSON_IsString(err)) {
    m78u_error("%s: benchmark failed: %s", n->name, err->valuestring);
  } else if (cJSON_GetArraySize(ms) != 1 || cJSON_GetArraySize(cpu) != 1 || !cJSON_IsArray(layers) ||
             !cJSON_IsString(mech)) {
    m78u_error("%s: malformed benchmark report", n->name);
  } else if (strcmp(mech->valuestring, m78fw_bridge_name(mr->mode)) != 0) {
    m78u_error("%s: built for the %s bridge, the firmware ran with %s", n->name, m78fw_bridge_name(mr->mode),
               mech->valuestring);
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
    mr->sim_ms[r] = cJSON_GetArrayItem(ms, 0)->valuedouble;
    mr->cpu_ms[r] = cJSON_GetArrayItem(cpu, 0)->valuedouble;
    mr->live_ms[r] = num(b, "live_ms");
    mr->rec_acc[r] = num(b, "recorded_accesses");
    mr->warm_ms[r] = num(b, "warmup_replay_ms");
    mr->w_caps[r] = num(w, "cpu_accesses_per_s");
    mr->live_cpu[r] = num(b, "live_cpu_ms");
    mr->w_ms[r] = num(w, "ms");
    mr->w_aps[r] = num(w, "accesses_per_s");
    mr->w_bytes[r] = num(w, "bytes");
    mr->w_acc[r] = num(w, "bridge_accesses");
    mr->store_ns[r] = num(br, "store_ns");
    mr->load_ns[r] = num(br, "load_ns");
    if (!mr->layer_ms)
      mr->layer_ms = calloc((size_t)runs * (size_t)(n->nlayers ? n->nlayers : 1), sizeof *mr->layer_ms);
    const cJSON *lm = cJSON_GetObjectItemCaseSensitive(b, "layer_ms");
    for (int i = 0; i < n->nlayers && mr->layer_ms; i++) {
      const cJSON *v = cJSON_GetArrayItem(lm, i);
      mr->layer_ms[(size_t)r * (size_t)n->nlayers + (size_t)i] = cJSON_IsNumber(v) ? v->valuedouble : 0;
    }
    rc = n->cnn_hz > 0 && n->macs >= 0 ? 0 : -1;
    if (rc)
      m78u_error("%s: the report lacks the clock or the layers", n->name);
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
  double *s = m78u_xmalloc((size_t)n * sizeof *s);
  for (int i = 0; i < n; i++)
    s[i] = v[(size_t)i * (size_t)stride];
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free(s);
  return m;
}

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The lines "WALL_MS CPU_MS" of PATH (M78SIM_INPUT_TIMES), up to max;
 * lines beyond replace the last one, so the file's last line is always
 * the last one read.  Returns how many were kept. */
static int read_times(const char *path, double *wall, double *cpu, int max)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  int n = 0;
  double w, c;
  while (fscanf(f, "%lf %lf", &w, &c) == 2) {
    int k = n < max ? n++ : max - 1;
    wall[k] = w;
    cpu[k] = c;
  }
  fclose(f);
  return n;
}

/* The last line "WALL_MS CPU_MS" the firmware appended to PATH (its last
 * load_input() call; an ordinary run makes one); -1 and -1 if there is
 * none. */
static void input_times(const char *path, double *wall, double *cpu)
{
  double w, c;
  int n = read_times(path, &w, &c, 1);
  *wall = n ? w : -1;
  *cpu = n ? c : -1;
}

/* Runs one firmware process, in benchmark mode or (BENCH 0) as an
 * ordinary run timed from start to exit into mr->run_ms[r]; -1 after
 * printing an error.  r < 0: a warm-up, nothing kept. */
static int run_once(struct net *n, struct mode_runs *mr, const char *exe, int r, int runs, uint64_t threads,
                    const char *kernel, int bench)
{
  char *tmp = m78u_make_temp_dir("max78sim-bench-");
  if (!tmp) {
    m78u_error("cannot create a temporary folder: %s", strerror(errno));
    return -1;
  }
  char *report = m78u_path_join(tmp, "report.json");
  char *threads_env = m78u_xasprintf(M78ENV_THREADS "=%llu", (unsigned long long)threads);
  char *kernel_env = kernel ? m78u_xasprintf(M78ENV_KERNEL "=%s", kernel) : m78u_xstrdup(M78ENV_KERNEL);
  char *times = m78u_path_join(tmp, "input-times.txt");
  char *times_env = bench ? m78u_xstrdup(M78ENV_INPUT_TIMES) : m78u_xasprintf(M78ENV_INPUT_TIMES "=%s", times);
  const char *env[] = {bench ? M78ENV_BENCH "=1" : M78ENV_BENCH, threads_env, kernel_env, times_env, NULL};
  struct m78fw_run_opts ro = {
      .x = {.exe = exe, .report_path = report, .max_cycles = 2000000000ull, .timeout_s = BENCH_TIMEOUT_S, .env = env},
      .quiet = 1};
  struct m78fw_run_result res;
  double t0 = now_ms();
  int rc = m78fw_run(&ro, &res);
  double t1 = now_ms();
  if (rc == 0 && (!res.x.exited || res.x.exit_code != 0 || !res.x.saw_pass)) {
    if (res.held_stderr.len)
      fwrite(res.held_stderr.data, 1, res.held_stderr.len, stderr);
    m78u_error("%s: the firmware did not run to *** PASS *** (%s %d)", n->name, res.x.exited ? "exit status" : "signal",
               res.x.exited ? res.x.exit_code : res.x.signal);
    rc = -1;
  }
  if (rc == 0 && r >= 0) {
    if (bench)
      rc = take_report(n, mr, r, report, runs);
    else {
      mr->run_ms[r] = t1 - t0;
      input_times(times, &mr->in_ms[r], &mr->in_cpu[r]);
    }
  }
  m78fw_run_result_free(&res);
  m78u_remove_tree(tmp);
  free(threads_env);
  free(kernel_env);
  free(times_env);
  free(times);
  free(report);
  free(tmp);
  return rc;
}

static char *fmt_si(double v)
{
  const char *u = "";
  if (v == 0)
    return m78u_xstrdup("0");
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
  return m78u_xasprintf("%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, u);
}

static void set_owned(struct m78cli_table *t, int row, int col, char *text)
{
  m78cli_table_set(t, row, col, text);
  free(text);
}

#define NCOLS_PER_MODE 16
/* The per-run arrays of MR, to allocate and free them together. */
static void mode_columns(struct mode_runs *mr, double **cols[NCOLS_PER_MODE])
{
  double **c[NCOLS_PER_MODE] = {&mr->sim_ms, &mr->cpu_ms,   &mr->live_ms, &mr->w_ms,   &mr->w_aps,   &mr->w_bytes,
                                &mr->w_acc,  &mr->store_ns, &mr->load_ns, &mr->run_ms, &mr->rec_acc, &mr->warm_ms,
                                &mr->w_caps, &mr->live_cpu, &mr->in_ms,   &mr->in_cpu};
  memcpy(cols, c, sizeof c);
}

/* load_input()'s host time per inference as eval runs it (the host API,
 * the baked sample EVAL_INFERENCES times, one job) into mr->ev_*; -1
 * when the firmware has no load_input().  -1 after printing an error. */
static int eval_input(struct net *n, struct mode_runs *mr, uint64_t threads)
{
  mr->ev_ms = mr->ev_cpu = -1;
  mr->ev_n = 0;
  char *tmp = m78u_make_temp_dir("max78sim-bench-");
  if (!tmp) {
    m78u_error("cannot create a temporary folder: %s", strerror(errno));
    return -1;
  }
  char *times = m78u_path_join(tmp, "eval-input-times.txt");
  /* for the build (prepare) and the served firmware: this bridge, and the
   * file to append the times to */
  char *times_env = m78u_xasprintf(M78ENV_INPUT_TIMES "=%s", times);
  char *bridge_env = m78u_xasprintf(M78ENV_BRIDGE "=%s", m78fw_bridge_name(mr->mode));
  const char *env[] = {times_env, bridge_env, NULL};
  struct m78net_options no = {.threads = (int)threads, .env = env};
  struct m78net_error err;
  m78net *net = NULL;
  m78net_result **res = NULL;
  int8_t *in = NULL;
  int rc = 0;
  if (m78net_open(&net, n->fwdir, &no, &err) != M78NET_OK) {
    m78u_error("%s: %s", n->name, err.msg);
    rc = -1;
  } else {
    int c, h, w;
    m78net_input_shape(net, &c, &h, &w);
    size_t len = (size_t)c * (size_t)h * (size_t)w;
    in = malloc(len * EVAL_INFERENCES);
    res = calloc(EVAL_INFERENCES, sizeof *res);
    if (!in || !res) {
      m78u_error("out of memory");
      rc = -1;
    } else {
      for (int i = 0; i < EVAL_INFERENCES; i++)
        memcpy(in + (size_t)i * len, m78net_sample(net), len);
      if (m78net_run_many(net, in, EVAL_INFERENCES, 1, 0, res, NULL, NULL, &err) != M78NET_OK) {
        m78u_error("%s: %s", n->name, err.msg);
        rc = -1;
        free(res);
        res = NULL;
      }
    }
  }
  if (res)
    for (int i = 0; i < EVAL_INFERENCES; i++)
      m78net_result_free(res[i]);
  m78net_close(net);
  free(times_env);
  free(bridge_env);
  double wall[EVAL_INFERENCES + 1], cpu[EVAL_INFERENCES + 1];
  int k = rc == 0 ? read_times(times, wall, cpu, EVAL_INFERENCES + 1) : 0;
  if (k > 1) {
    mr->ev_n = k - 1;
    mr->ev_ms = median(wall + 1, k - 1, 1);
    mr->ev_cpu = median(cpu + 1, k - 1, 1);
  }
  free(res);
  free(in);
  m78u_remove_tree(tmp);
  free(times);
  free(tmp);
  return rc;
}

/* Measures network N with the bridge of MR; -1 after printing an error. */
static int bench_mode(const struct m78fw_paths *paths, const struct bench_opts *o, struct net *n, struct mode_runs *mr)
{
  int runs = (int)o->runs, rc;
  char *exe = m78fw_build_bridge(paths, n->fwdir, n->name, o->rebuild, (enum m78fw_bridge)mr->mode);
  if (!exe)
    return -1;
  double **cols[NCOLS_PER_MODE];
  mode_columns(mr, cols);
  for (size_t c = 0; c < NCOLS_PER_MODE; c++)
    *cols[c] = calloc((size_t)runs, sizeof(double));
  fprintf(stderr, "bench: %s, %s bridge ...\n", n->name, m78fw_bridge_name(mr->mode));
  rc = run_once(n, mr, exe, -1, runs, o->threads, o->kernel, 1); /* warm-up */
  for (int r = 0; r < runs && rc == 0; r++)
    rc = run_once(n, mr, exe, r, runs, o->threads, o->kernel, 1);
  if (rc == 0)
    rc = run_once(n, mr, exe, -1, runs, o->threads, o->kernel, 0); /* warm-up */
  for (int r = 0; r < runs && rc == 0; r++)
    rc = run_once(n, mr, exe, r, runs, o->threads, o->kernel, 0);
  if (rc == 0)
    rc = eval_input(n, mr, o->threads);
  free(exe);
  return rc;
}

static double ratio(double a, double b)
{
  return b > 0 ? a / b : 0;
}

/* One network in one bridge mode, for --json. */
static cJSON *mode_json(const struct net *n, const struct mode_runs *mr, int runs)
{
  double sim = median(mr->sim_ms, runs, 1), live = median(mr->live_ms, runs, 1);
  double wms = median(mr->w_ms, runs, 1), waps = median(mr->w_aps, runs, 1);
  double wbytes = median(mr->w_bytes, runs, 1), wacc = median(mr->w_acc, runs, 1);
  double store = median(mr->store_ns, runs, 1), load = median(mr->load_ns, runs, 1);
  double run = median(mr->run_ms, runs, 1);
  double chip = n->layer_cycles / n->cnn_hz * 1e3, chip_inf = n->inference_cycles / n->cnn_hz * 1e3;
  double macps = sim > 0 ? n->macs / (sim * 1e-3) : 0;
  double caps = median(mr->w_caps, runs, 1);
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "network", n->name);
  cJSON_AddStringToObject(j, "bridge", m78fw_bridge_name(mr->mode));
  cJSON_AddStringToObject(j, "firmware", n->fwdir);
  cJSON_AddNumberToObject(j, "macs", n->macs);
  cJSON_AddNumberToObject(j, "sim_ms", sim);
  cJSON_AddNumberToObject(j, "sim_cpu_ms", median(mr->cpu_ms, runs, 1));
  cJSON_AddNumberToObject(j, "mac_per_s", macps);
  cJSON_AddNumberToObject(j, "cnn_hz", n->cnn_hz);
  cJSON_AddNumberToObject(j, "layer_cycles", n->layer_cycles);
  cJSON_AddNumberToObject(j, "chip_ms", chip);
  cJSON_AddNumberToObject(j, "sim_over_chip", chip > 0 ? sim / chip : 0);
  cJSON_AddNumberToObject(j, "inference_cycles", n->inference_cycles);
  cJSON_AddNumberToObject(j, "chip_inference_ms", chip_inf);
  cJSON_AddNumberToObject(j, "fw_ms", live);
  cJSON_AddNumberToObject(j, "inference_accesses", median(mr->rec_acc, runs, 1));
  cJSON_AddNumberToObject(j, "warmup_replay_ms", median(mr->warm_ms, runs, 1));
  double lcpu = median(mr->live_cpu, runs, 1), rcpu = median(mr->cpu_ms, runs, 1);
  cJSON_AddNumberToObject(j, "fw_cpu_ms", lcpu);
  /* CPU the live inference spends beyond the engine's replay: the
   * firmware side of its accesses (bridge, SoC model), plus what a
   * first inference pays (weight layouts, first-touch pages) */
  cJSON_AddNumberToObject(j, "fw_cpu_minus_replay_cpu_ms", lcpu - rcpu);
  cJSON *w = cJSON_AddObjectToObject(j, "weights");
  cJSON_AddNumberToObject(w, "bytes", wbytes);
  cJSON_AddNumberToObject(w, "ms", wms);
  cJSON_AddNumberToObject(w, "bridge_accesses", wacc);
  cJSON_AddNumberToObject(w, "accesses_per_s", waps);
  cJSON_AddNumberToObject(w, "ns_per_access", waps > 0 ? 1e9 / waps : 0);
  cJSON_AddNumberToObject(w, "mb_per_s", wms > 0 ? wbytes / (wms * 1e3) : 0);
  cJSON_AddNumberToObject(w, "cpu_accesses_per_s", caps);
  cJSON_AddNumberToObject(w, "cpu_ns_per_access", caps > 0 ? 1e9 / caps : 0);
  /* bytes per access as over the whole load */
  cJSON_AddNumberToObject(w, "cpu_mb_per_s", wacc > 0 ? caps * (wbytes / wacc) * 1e-6 : 0);
  cJSON *bj = cJSON_AddObjectToObject(j, "bridge_alone");
  cJSON_AddNumberToObject(bj, "store_ns", store);
  cJSON_AddNumberToObject(bj, "load_ns", load);
  cJSON_AddNumberToObject(j, "run_ms", run);
  double in_ms = median(mr->in_ms, runs, 1), in_cpu = median(mr->in_cpu, runs, 1);
  if (in_ms >= 0) {
    cJSON *ij = cJSON_AddObjectToObject(j, "load_input");
    cJSON_AddNumberToObject(ij, "ms", in_ms);
    cJSON_AddNumberToObject(ij, "cpu_ms", in_cpu);
    if (mr->ev_n > 0) {
      cJSON_AddNumberToObject(ij, "eval_ms", mr->ev_ms);
      cJSON_AddNumberToObject(ij, "eval_cpu_ms", mr->ev_cpu);
      cJSON_AddNumberToObject(ij, "eval_inferences", mr->ev_n);
    }
  }
  cJSON *runs_a = cJSON_AddArrayToObject(j, "sim_ms_runs");
  for (int r = 0; r < runs; r++)
    cJSON_AddItemToArray(runs_a, cJSON_CreateNumber(mr->sim_ms[r]));
  runs_a = cJSON_AddArrayToObject(j, "run_ms_runs");
  for (int r = 0; r < runs; r++)
    cJSON_AddItemToArray(runs_a, cJSON_CreateNumber(mr->run_ms[r]));
  cJSON *lm = cJSON_AddArrayToObject(j, "layer_ms");
  for (int l = 0; l < n->nlayers && mr->layer_ms; l++)
    cJSON_AddItemToArray(lm, cJSON_CreateNumber(median(mr->layer_ms + l, runs, n->nlayers)));
  return j;
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
    char *parent = m78u_dirname(o.json);
    int ok = m78u_is_dir(parent) && !m78u_is_dir(o.json);
    if (!ok)
      m78u_error("%s: %s", o.json, m78u_is_dir(o.json) ? "is a directory" : "its folder does not exist");
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
    for (int k = 0; k < o.nmodes && rc == 0; k++) {
      n->m[k].mode = o.modes[k];
      rc = bench_mode(&paths, &o, n, &n->m[k]);
    }
  }

  if (rc == 0) {
    static const char *hdr[] = {"network",   "bridge", "MACs",     "sim ms",    "MAC/s",      "chip ms",
                                "sim/chip",  "fw ms",  "weights",  "load ms",   "accesses/s", "cpu ns/acc",
                                "bridge ns", "run ms", "input ms", "eval in ms"};
    enum { NCOL = sizeof hdr / sizeof hdr[0] };
    enum m78cli_align al[NCOL];
    al[0] = al[1] = M78CLI_LEFT;
    for (int c = 2; c < NCOL; c++)
      al[c] = M78CLI_RIGHT;
    struct m78cli_table t;
    m78cli_table_init(&t, NCOL, hdr, al);
    struct m78u_buf ratios = {0};
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "runs", runs);
    cJSON_AddNumberToObject(doc, "threads", (double)o.threads);
    cJSON_AddStringToObject(doc, "kernel", nets[0].kernel);
    cJSON *arr = cJSON_AddArrayToObject(doc, "networks");
    for (int i = 0; i < o.nnets; i++) {
      struct net *n = &nets[i];
      double waps_by[2] = {0}, run_by[2] = {0}, store_by[2] = {0}, input_by[2] = {0}, input_ms_by[2] = {0}, acc_by = 0;
      double eval_by[2] = {-1, -1};
      for (int k = 0; k < o.nmodes; k++) {
        struct mode_runs *mr = &n->m[k];
        double sim = median(mr->sim_ms, runs, 1), live = median(mr->live_ms, runs, 1);
        double wms = median(mr->w_ms, runs, 1), waps = median(mr->w_aps, runs, 1);
        double wbytes = median(mr->w_bytes, runs, 1);
        double store = median(mr->store_ns, runs, 1);
        double run = median(mr->run_ms, runs, 1);
        double chip = n->layer_cycles / n->cnn_hz * 1e3;
        double macps = sim > 0 ? n->macs / (sim * 1e-3) : 0;
        waps_by[mr->mode] = waps;
        acc_by = median(mr->rec_acc, runs, 1);
        run_by[mr->mode] = run;
        store_by[mr->mode] = store;
        input_by[mr->mode] = median(mr->live_cpu, runs, 1) - median(mr->cpu_ms, runs, 1);
        int row = m78cli_table_add_row(&t, 0);
        m78cli_table_set(&t, row, 0, n->name);
        m78cli_table_set(&t, row, 1, m78fw_bridge_name(mr->mode));
        set_owned(&t, row, 2, fmt_si(n->macs));
        set_owned(&t, row, 3, m78u_xasprintf("%.3f", sim));
        set_owned(&t, row, 4, fmt_si(macps));
        set_owned(&t, row, 5, m78u_xasprintf("%.3f", chip));
        set_owned(&t, row, 6, m78u_xasprintf("%.3f", chip > 0 ? sim / chip : 0));
        set_owned(&t, row, 7, m78u_xasprintf("%.1f", live));
        set_owned(&t, row, 8, m78u_xasprintf("%.1f KB", wbytes / 1024));
        set_owned(&t, row, 9, m78u_xasprintf("%.1f", wms));
        set_owned(&t, row, 10, fmt_si(waps));
        double caps = median(mr->w_caps, runs, 1);
        set_owned(&t, row, 11, m78u_xasprintf("%.0f", caps > 0 ? 1e9 / caps : 0));
        set_owned(&t, row, 12, m78u_xasprintf("%.0f", store));
        set_owned(&t, row, 13, m78u_xasprintf("%.0f", run));
        double in_ms = median(mr->in_ms, runs, 1);
        input_ms_by[mr->mode] = in_ms;
        set_owned(&t, row, 14, in_ms >= 0 ? m78u_xasprintf("%.2f", in_ms) : m78u_xstrdup("-"));
        set_owned(&t, row, 15, in_ms >= 0 && mr->ev_n > 0 ? m78u_xasprintf("%.2f", mr->ev_cpu) : m78u_xstrdup("-"));
        eval_by[mr->mode] = in_ms >= 0 && mr->ev_n > 0 ? mr->ev_cpu : -1;

        cJSON_AddItemToArray(arr, mode_json(n, mr, runs));
      }
      if (o.nmodes == 2) {
        const int I = M78FW_BRIDGE_INST, T = M78FW_BRIDGE_TRAP;
        m78u_buf_printf(&ratios,
                        "%s: inst against trap: weight load %.1fx the accesses/s, whole run %.1fx faster "
                        "(%.0f against %.0f ms), bridge store %.0fx cheaper (%.0f against %.0f ns), "
                        "the live inference's CPU time beyond the replay's (its %.0f CNN accesses and the first "
                        "inference's set-up) %.1f against %.1f ms, load_input() %.2f against %.2f ms",
                        n->name, ratio(waps_by[I], waps_by[T]), ratio(run_by[T], run_by[I]), run_by[I], run_by[T],
                        ratio(store_by[T], store_by[I]), store_by[I], store_by[T], acc_by, input_by[I], input_by[T],
                        input_ms_by[I], input_ms_by[T]);
        if (eval_by[I] >= 0 && eval_by[T] >= 0)
          m78u_buf_printf(&ratios, " (per eval inference %.2f against %.2f ms)", eval_by[I], eval_by[T]);
        m78u_buf_printf(&ratios, "\n");
      }
    }
    printf("max78sim bench: medians of %d runs after a warm-up, %llu thread%s, %s kernel\n", runs,
           (unsigned long long)o.threads, o.threads == 1 ? "" : "s", nets[0].kernel);
    m78cli_table_print(&t, stdout);
    if (ratios.len)
      fwrite(ratios.data, 1, ratios.len, stdout);
    fflush(stdout);
    m78cli_table_free(&t);
    m78u_buf_free(&ratios);
    if (o.json) {
      if (m78u_write_json(o.json, doc) != 0) {
        m78u_error("%s: %s", o.json, strerror(errno));
        rc = -1;
      }
    }
    cJSON_Delete(doc);
  }
  for (int i = 0; i < o.nnets; i++) {
    struct net *n = &nets[i];
    free(n->fwdir);
    for (int k = 0; k < 2; k++) {
      double **cols[NCOLS_PER_MODE];
      mode_columns(&n->m[k], cols);
      for (size_t c = 0; c < NCOLS_PER_MODE; c++)
        free(*cols[c]);
      free(n->m[k].layer_ms);
    }
  }
  free(nets);
  free(o.nets);
  m78fw_paths_free(&paths);
  return rc == 0 ? 0 : M78CLI_EXIT_ERROR;
}
