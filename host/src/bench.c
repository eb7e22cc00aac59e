/*
 * Benchmark mode of a firmware process (M78SIM_BENCH=R, `max78sim bench`).
 *
 * What is timed must be the simulator's own work for one inference, from
 * the start bit to the interrupt with the weights already loaded, without
 * the host cost of running the firmware around it.  So the run is
 * recorded and replayed in-process:
 *
 *  - after every write to a CTRL register while no inference runs, the
 *    simulator's hardware state is copied (a snapshot: weights, bias,
 *    registers, input already in SRAM); the master enable that starts the
 *    first inference always follows such a write (cnn_start() arms the
 *    quadrants first);
 *  - every CNN access after the snapshot is recorded with the CNN cycle
 *    it happened at (the start bit, then FIFO pushes, polls) until the
 *    inference is done;
 *  - at the end, a replay instance is loaded with the snapshot and the
 *    accesses before the start bit (untimed), then the clock runs while
 *    the rest are applied at their cycles, up to the interrupt.  One replay warms up,
 *    then R are timed.  Each replay must end at the live run's cycle with
 *    every layer's output identical to the live run's, and read back every
 *    recorded value, or the bench reports an error instead of times.
 *
 * The live run is timed as well (start bit to interrupt, which includes
 * the bridge's cost for the firmware's own accesses in between), and the
 * weight load: the span from the first to the last kernel-memory write,
 * with the bridge's access count over it.  Last, the bridge alone: stores
 * and loads at a CNN address with callbacks that do nothing.
 *
 * Host time is measured here only, never fed back into the simulation.
 */
#define _GNU_SOURCE
#include "m78host/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "m78host/runtime.h"
#include "m78host/soc.h"
#include "max78sim/env.h"

struct rec {
  uint64_t cycle;
  uint32_t addr, value;
  uint8_t width, write;
};

#define W_CPU_EVERY 4096

struct bench {
  int replays;
  int threads;
  m78_sim *snap;    /* state after the last CTRL write before the start */
  int armed;        /* snap holds such a state */
  int started;      /* the recorded inference started */
  size_t start_idx; /* rec[start_idx] is the start bit's write */
  m78_sim *at_irq;  /* state when the live run raised its interrupt */
  int nlayers;      /* layers of the recorded inference, and their outputs */
  struct {
    void *out, *comb;
    size_t out_bytes, comb_bytes;
  } layers[M78_MAX_LAYERS];
  int done; /* the recorded inference is over */
  struct rec *rec;
  size_t n, cap;
  int overflow;
  double t_start, t_live_end; /* live run: start bit, interrupt */
  double c_start, c_live_end; /* the same in process CPU time */

  /* weight load */
  uint64_t w_writes, w_bytes;
  double w_first, w_last;
  uint64_t w_acc_first, w_acc_last;
  /* CPU time of the weight load: reading it costs microseconds here, so
   * it is sampled at the first kernel-memory write and every
   * W_CPU_EVERY-th one after it */
  double wc_first, wc_last;
  uint64_t wc_acc_first, wc_acc_last;

  /* replay layer timing */
  double layer_t0;
  double layer_ms[M78_MAX_LAYERS];
};

/* Outside the firmware's .bss, like the bridge state (see m78host/runtime.h). */
static struct bench *bench __attribute__((section(".data.m78shim")));

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* CPU time of the whole process (all engine threads): unlike wall time,
 * it does not grow when other programs share the cores. */
static double cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The firmware's bridged accesses so far (the front-end's counter). */
static uint64_t (*access_count)(void) __attribute__((section(".data.m78shim")));

void m78bench_set_access_count(uint64_t (*count)(void))
{
  access_count = count;
}

static uint64_t bridge_accesses(void)
{
  return access_count ? access_count() : 0;
}

static void record(const struct rec *r)
{
  struct bench *b = bench;
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 4096;
    struct rec *p = realloc(b->rec, cap * sizeof *p);
    if (!p) {
      b->overflow = 1;
      return;
    }
    b->rec = p;
    b->cap = cap;
  }
  b->rec[b->n++] = *r;
}

/* Every CNN bus access, after it took effect (runtime.c's hook). */
void m78bench_access(const struct m78_access *acc)
{
  struct bench *b = bench;
  m78_sim *sim = m78rt_soc()->sim;
  if (!b || b->done)
    return;
  if (b->started) {
    if (!m78_sim_busy(sim)) {
      b->done = 1;
      return;
    }
    struct rec r = {m78_sim_now(sim), acc->addr, acc->value, acc->width, acc->write};
    record(&r);
    return;
  }
  struct m78_addr_info a;
  int ctrl = 0;
  /* kernel memory without a full decode: this runs for every access of
   * the weight load it times */
  uint32_t mrel = acc->addr - M78_MRAM_BASE;
  int mram = mrel < M78_QUADS * M78_QUAD_STRIDE && mrel % M78_QUAD_STRIDE < M78_PROCS_PER_QUAD * M78_PROC_WINDOW;
  if (acc->write && mram) {
    double t = now_ms();
    uint64_t n = bridge_accesses();
    if (!b->w_writes) {
      b->w_first = t;
      b->w_acc_first = n;
    }
    b->w_last = t;
    b->w_acc_last = n;
    if (b->w_writes % W_CPU_EVERY == 0) {
      double c = cpu_ms();
      if (!b->w_writes) {
        b->wc_first = c;
        b->wc_acc_first = n;
      }
      b->wc_last = c;
      b->wc_acc_last = n;
    }
    b->w_writes++;
    b->w_bytes += acc->width;
  } else if (acc->write && m78_addr_decode(acc->addr, &a) == 0) {
    ctrl = a.region->kind == M78_REG_QREGS && a.greg == M78_GREG_CTRL;
  }
  if (ctrl && !m78_sim_busy(sim)) {
    if (!b->snap)
      b->snap = m78_sim_new();
    b->armed = b->snap && m78_sim_copy_state(b->snap, sim) == 0;
    b->n = 0;
    return;
  }
  if (b->armed) {
    struct rec r = {m78_sim_now(sim), acc->addr, acc->value, acc->width, acc->write};
    record(&r);
  }
}

int m78bench_active(void)
{
  return bench != NULL;
}

int m78bench_init(void)
{
  const char *v = getenv(M78ENV_BENCH);
  if (!v || !*v)
    return 0;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || *end || n < 1 || n > 1000) {
    fprintf(stderr, "max78sim: M78SIM_BENCH=%s is not a replay count (1..1000)\n", v);
    return -1;
  }
  bench = calloc(1, sizeof *bench);
  if (!bench) {
    fprintf(stderr, "max78sim: out of memory for the benchmark\n");
    return -1;
  }
  bench->replays = (int)n;
  bench->threads = m78_sim_threads(m78rt_soc()->sim);
  return 0;
}

static void *copy_of(const void *p, size_t n)
{
  void *c = n ? malloc(n) : NULL;
  if (c)
    memcpy(c, p, n);
  return c;
}

/* The interrupt of the recorded inference: keep what a replay must
 * reproduce (later inferences replace the live results). */
void m78bench_event(enum m78_event ev)
{
  struct bench *b = bench;
  if (!b || b->done)
    return;
  if (ev == M78_EV_START && !b->started && b->armed) {
    /* inside the master-enable write; its access is recorded next */
    b->started = 1;
    b->start_idx = b->n;
    b->t_start = now_ms();
    b->c_start = cpu_ms();
    return;
  }
  if (ev != M78_EV_DONE || !b->started || b->at_irq)
    return;
  b->t_live_end = now_ms();
  b->c_live_end = cpu_ms();
  const m78_sim *sim = m78rt_soc()->sim;
  b->at_irq = m78_sim_clone(sim);
  b->nlayers = m78_sim_layer_count(sim);
  for (int i = 0; i < b->nlayers; i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    b->layers[i].out = copy_of(r->output, r->output_bytes);
    b->layers[i].comb = copy_of(r->combined, r->combined_bytes);
    b->layers[i].out_bytes = b->layers[i].out || !r->output_bytes ? r->output_bytes : (size_t)-1;
    b->layers[i].comb_bytes = b->layers[i].comb || !r->combined_bytes ? r->combined_bytes : (size_t)-1;
  }
}

static void replay_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  struct bench *b = ctx;
  (void)cycle;
  if (layer < 0 || layer >= M78_MAX_LAYERS)
    return;
  if (ev == M78_EV_LAYER_START)
    b->layer_t0 = now_ms();
  else if (ev == M78_EV_LAYER_DONE)
    b->layer_ms[layer] += now_ms() - b->layer_t0;
}

/* Every layer's output of the replay equals the recorded inference's, and
 * so does data SRAM at the interrupt. */
static int same_outputs(const struct bench *b, const m78_sim *rep, char *why, size_t len)
{
  if (b->nlayers != m78_sim_layer_count(rep)) {
    snprintf(why, len, "%d layers instead of %d", m78_sim_layer_count(rep), b->nlayers);
    return 0;
  }
  for (int i = 0; i < b->nlayers; i++) {
    const struct m78_layer_result *y = m78_sim_layer_result(rep, i);
    if (b->layers[i].out_bytes != y->output_bytes || b->layers[i].comb_bytes != y->combined_bytes ||
        (y->output_bytes && memcmp(b->layers[i].out, y->output, y->output_bytes) != 0) ||
        (y->combined_bytes && memcmp(b->layers[i].comb, y->combined, y->combined_bytes) != 0)) {
      snprintf(why, len, "layer %d's output differs from the live run's", i);
      return 0;
    }
  }
  for (int i = 0; i < M78_SRAM_INSTANCES; i++)
    if (memcmp(m78_sram_view(b->at_irq, i), m78_sram_view(rep, i), M78_SRAM_WORDS * 4) != 0) {
      snprintf(why, len, "data SRAM instance %d differs from the live run's", i);
      return 0;
    }
  return 1;
}

/* One replay into `rep`; returns its wall time in ms (*cpu: CPU time),
 * or -1 with why. */
static double replay(m78_sim *rep, double *cpu, char *why, size_t len)
{
  struct bench *b = bench;
  uint64_t start = m78_sim_run_start(b->at_irq), end = m78_sim_run_end(b->at_irq);
  m78_sim_copy_state(rep, b->snap);
  memset(b->layer_ms, 0, sizeof b->layer_ms);
  uint64_t mismatches = 0;
  double c0 = 0, t0 = 0;
  for (size_t i = 0; i < b->n; i++) {
    const struct rec *r = &b->rec[i];
    if (i == b->start_idx) {
      c0 = cpu_ms();
      t0 = now_ms();
    }
    m78_sim_run_until(rep, r->cycle);
    if (r->write) {
      m78_bus_write(rep, r->addr, r->width, r->value);
    } else {
      uint32_t v;
      m78_bus_read(rep, r->addr, r->width, &v);
      mismatches += v != r->value;
    }
  }
  /* The live run finished at its next sync after the last recorded
   * access (a streaming schedule may place the end before that access);
   * step through the pending events as that sync would. */
  m78_sim_run_until(rep, end);
  while (m78_sim_busy(rep)) {
    uint64_t next = m78_sim_next_event(rep), now = m78_sim_now(rep);
    if (next == UINT64_MAX)
      break;
    m78_sim_run_until(rep, next > now ? next : now);
  }
  double t1 = now_ms();
  *cpu = cpu_ms() - c0;
  if (mismatches) {
    snprintf(why, len, "%llu replayed reads returned other values than in the live run",
             (unsigned long long)mismatches);
    return -1;
  }
  if (m78_sim_busy(rep) || !m78_sim_irq(rep) || m78_sim_run_end(rep) != end || m78_sim_run_start(rep) != start) {
    snprintf(why, len, "the replay did not end at the live run's interrupt (cycle %llu)", (unsigned long long)end);
    return -1;
  }
  if (!same_outputs(b, rep, why, len))
    return -1;
  return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void add_weights(cJSON *j)
{
  struct bench *b = bench;
  cJSON *w = cJSON_AddObjectToObject(j, "weights");
  double ms = b->w_writes > 1 ? b->w_last - b->w_first : 0;
  uint64_t acc = b->w_writes ? b->w_acc_last - b->w_acc_first + 1 : 0;
  cJSON_AddNumberToObject(w, "writes", (double)b->w_writes);
  cJSON_AddNumberToObject(w, "bytes", (double)b->w_bytes);
  cJSON_AddNumberToObject(w, "ms", ms);
  cJSON_AddNumberToObject(w, "bridge_accesses", (double)acc);
  cJSON_AddNumberToObject(w, "accesses_per_s", ms > 0 ? (double)acc / (ms * 1e-3) : 0);
  double cms = b->wc_last - b->wc_first;
  uint64_t cacc = b->wc_acc_last - b->wc_acc_first;
  cJSON_AddNumberToObject(w, "cpu_ms_sampled", cms);
  cJSON_AddNumberToObject(w, "cpu_accesses_sampled", (double)cacc);
  cJSON_AddNumberToObject(w, "cpu_accesses_per_s", cms > 0 ? (double)cacc / (cms * 1e-3) : 0);
}

/* The bridge alone, measured by the host runtime (runtime_host.c). */
static void (*bridge_probe)(const char **mechanism, double *store_ns, double *load_ns)
    __attribute__((section(".data.m78shim")));

void m78bench_set_bridge_probe(void (*probe)(const char **mechanism, double *store_ns, double *load_ns))
{
  bridge_probe = probe;
}

static void add_bridge(cJSON *j)
{
  const char *mech = "";
  double store = 0, load = 0;
  if (!bridge_probe)
    return;
  bridge_probe(&mech, &store, &load);
  cJSON *br = cJSON_AddObjectToObject(j, "bridge");
  cJSON_AddStringToObject(br, "mechanism", mech);
  cJSON_AddNumberToObject(br, "store_ns", store);
  cJSON_AddNumberToObject(br, "load_ns", load);
}

void m78bench_report(cJSON *doc)
{
  struct bench *b = bench;
  if (!b)
    return;
  b->done = 1; /* nothing more to record */
  cJSON *j = cJSON_AddObjectToObject(doc, "bench");
  cJSON_AddNumberToObject(j, "threads", b->threads);
  cJSON_AddStringToObject(j, "kernel", m78_sim_kernel(m78rt_soc()->sim));
  add_weights(j);
  m78rt_soc()->in_shim++;
  add_bridge(j);
  m78rt_soc()->in_shim--;
  char why[200] = "";
  if (!b->started)
    snprintf(why, sizeof why, "the firmware never started an inference");
  else if (b->overflow)
    snprintf(why, sizeof why, "out of memory while recording the run");
  else if (!b->at_irq || b->start_idx >= b->n)
    snprintf(why, sizeof why, "the inference did not finish");
  if (why[0]) {
    cJSON_AddStringToObject(j, "error", why);
    return;
  }
  cJSON_AddNumberToObject(j, "live_ms", b->t_live_end - b->t_start);
  cJSON_AddNumberToObject(j, "live_cpu_ms", b->c_live_end - b->c_start);
  cJSON_AddNumberToObject(j, "recorded_accesses", (double)b->n);

  /* the hang detector must not count the replays as a stuck firmware */
  m78rt_soc()->in_shim++;
  m78_sim *rep = m78_sim_new();
  double *ms = calloc((size_t)b->replays, sizeof *ms), *cpu = calloc((size_t)b->replays, sizeof *cpu), warm_cpu;
  double warm = -1;
  double *lms = calloc((size_t)b->replays * M78_MAX_LAYERS, sizeof *lms);
  if (!rep || !ms || !cpu || !lms) {
    snprintf(why, sizeof why, "out of memory for the replay");
  } else {
    m78_sim_set_threads(rep, b->threads);
    m78_sim_set_kernel(rep, getenv(M78ENV_KERNEL)); /* validated by runtime.c */
    const char *split = getenv(M78ENV_SPLIT_MIN);   /* validated by runtime.c */
    if (split && *split)
      m78_sim_set_split_min(rep, strtoull(split, NULL, 0));
    m78_sim_keep_outputs(rep, 1);
    struct m78_hooks hooks = {.ctx = b, .on_event = replay_event};
    m78_sim_set_hooks(rep, &hooks);
    warm = replay(rep, &warm_cpu, why, sizeof why);
    for (int i = 0; i < b->replays && warm >= 0 && !why[0]; i++) {
      if ((ms[i] = replay(rep, &cpu[i], why, sizeof why)) < 0)
        break;
      memcpy(lms + (size_t)i * M78_MAX_LAYERS, b->layer_ms, sizeof b->layer_ms);
    }
  }
  m78rt_soc()->in_shim--;
  if (why[0]) {
    cJSON_AddStringToObject(j, "error", why);
  } else {
    /* the first replay into a fresh instance pays what the live run's
     * first inference pays (weight layouts, first-touch of the engine's
     * buffers); the live run's excess over it is the firmware side of
     * its accesses: bridge and SoC model */
    cJSON_AddNumberToObject(j, "warmup_replay_ms", warm);
    cJSON *arr = cJSON_AddArrayToObject(j, "replay_ms");
    for (int i = 0; i < b->replays; i++)
      cJSON_AddItemToArray(arr, cJSON_CreateNumber(ms[i]));
    arr = cJSON_AddArrayToObject(j, "replay_cpu_ms");
    for (int i = 0; i < b->replays; i++)
      cJSON_AddItemToArray(arr, cJSON_CreateNumber(cpu[i]));
    /* where the engine spends its time: median per layer */
    cJSON *lay = cJSON_AddArrayToObject(j, "layer_ms");
    for (int i = 0; i < m78_sim_layer_count(rep); i++) {
      for (int r = 0; r < b->replays; r++)
        ms[r] = lms[(size_t)r * M78_MAX_LAYERS + (size_t)i];
      qsort(ms, (size_t)b->replays, sizeof *ms, cmp_double);
      cJSON_AddItemToArray(lay, cJSON_CreateNumber(b->replays % 2 ? ms[b->replays / 2]
                                                                  : (ms[b->replays / 2 - 1] + ms[b->replays / 2]) / 2));
    }
  }
  free(lms);
  free(ms);
  free(cpu);
  m78_sim_free(rep);
}
