/*
 * Start-up and shut-down of a firmware process.
 *
 * Shared by the host firmware process (runtime_host.c: a constructor
 * calls m78rt_init before the vendor's main and installs the fault
 * bridge) and the Arm emulator max78sim-arm.  The end of the run (main
 * returning, the cycle budget, a hang, a crash) goes through
 * m78soc_finish(), which writes the report and layer dumps the max78sim
 * command asked for (docs/report-schema.md).
 *
 * Recording (M78SIM_RECORD=path): every bus access the simulator serves,
 * every power/clock change the SoC model makes, and the simulator's time
 * at the end go into a trace (traces/FORMAT.md), stamped with the
 * simulator's CNN cycle, so a replay feeds a fresh simulator exactly
 * what this one saw.
 *
 * Live mode (M78SIM_LIVE_DIR=dir, the viewer's `--live`): after every
 * layer the report so far and the layer dumps go into dir, and the run
 * waits until the viewer's dir/step file allows the next layer.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "m78host/bench.h"
#include "m78host/faultspec.h"
#include "m78host/inputcap.h"
#include "m78host/report.h"
#include "m78host/runtime.h"
#include "m78host/soc.h"
#include "m78host/trace.h"
#include "m78host/sramdump.h"
#include "max78sim/env.h"

/* The process's SoC and run control, in one mapping at a fixed address
 * (runtime.h says why). */
#define STATE_ADDR 0x3F000000u
struct proc {
  struct m78soc_state soc;
  struct m78rt rt;
};
static struct proc *proc __attribute__((section(".data.m78shim")));

struct m78soc_state *m78rt_soc(void)
{
  return &proc->soc;
}

struct m78rt *m78rt_get(void)
{
  return &proc->rt;
}

#define MAX_GUEST_MSGS 20

static void on_guest_error(void *ctx, enum m78_status st, uint32_t addr, const char *msg)
{
  struct m78rt *rt = &proc->rt;
  (void)ctx;
  (void)st;
  (void)addr;
  if (rt->guest_msgs++ < MAX_GUEST_MSGS)
    fprintf(stderr, "max78sim: guest error: %s\n", msg);
  else if (rt->guest_msgs == MAX_GUEST_MSGS + 1)
    fprintf(stderr, "max78sim: further guest errors are counted, not printed\n");
}

static void live_publish(const char *progress);
static void live_write(const char *name, const char *text);
static void live_wait(int next);

static void on_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  (void)ctx;
  m78soc_cnn_event(s, ev, layer, cycle);
  m78bench_event(ev);
  if (ev == M78_EV_START && rt->capture)
    m78_inputcap_start(rt->capture);
  if (ev == M78_EV_START && rt->live_dir)
    live_publish("start\n");
  if (ev == M78_EV_LAYER_START && layer == 0 && rt->capture)
    m78_inputcap_layer0(rt->capture, s->sim);
  if (ev == M78_EV_LAYER_DONE && rt->live_dir) {
    char text[32];
    snprintf(text, sizeof text, "%d\n", layer);
    live_publish(text);
    if (layer + 1 < m78_sim_layer_count(s->sim))
      live_wait(layer + 1);
  }
  if (ev == M78_EV_DONE && rt->live_dir)
    live_write("progress", "done\n");
}

void m78soc_report_unmapped(struct m78soc_state *s, uint32_t addr, unsigned width, int write)
{
  (void)s; /* counted there already; the messages are the run's */
  struct m78rt *rt = &proc->rt;
  if (rt->guest_msgs++ < MAX_GUEST_MSGS)
    fprintf(stderr, "max78sim: guest error: %d-bit %s unmodelled address 0x%08x\n", 8 * (int)width,
            write ? "write to" : "read from", (unsigned)addr);
}

/* ---- recording ---- */

static struct m78_trace *recorder(void)
{
  return (struct m78_trace *)proc->soc.trace_ctx;
}

static void record(const struct m78_trace_item *it)
{
  struct m78rt *rt = &proc->rt;
  if (!rt->record_oom && m78_trace_add(recorder(), it) != 0)
    rt->record_oom = 1;
}

static void record_access(void *ctx, const struct m78_access *a)
{
  struct m78soc_state *s = &proc->soc;
  (void)ctx;
  struct m78_trace_item it = {.t = m78_sim_now(s->sim),
                              .a = a->addr,
                              .v = a->value,
                              .kind = a->write ? M78_TRACE_WRITE : M78_TRACE_READ,
                              .width = a->width,
                              .status = a->status,
                              .known = 1};
  record(&it);
}

/* Every bus access: the trace recorder and layer 0's input capture. */
static void on_access(void *ctx, const struct m78_access *a)
{
  struct m78rt *rt = &proc->rt;
  m78bench_access(a);
  if (rt->record_path)
    record_access(ctx, a);
  if (rt->capture)
    m78_inputcap_access(rt->capture, a);
}

static void record_power(void *ctx, unsigned on, unsigned reset)
{
  struct m78soc_state *s = &proc->soc;
  (void)ctx;
  struct m78_trace_item it = {.t = m78_sim_now(s->sim), .a = on, .v = reset, .kind = M78_TRACE_POWER};
  record(&it);
}

static void record_clock(void *ctx, int enabled)
{
  struct m78soc_state *s = &proc->soc;
  (void)ctx;
  struct m78_trace_item it = {.t = m78_sim_now(s->sim), .a = enabled != 0, .kind = M78_TRACE_CLOCK};
  record(&it);
}

static int start_recording(void)
{
  struct m78soc_state *s = &proc->soc;
  /* the trace head lives outside the firmware's .bss, like the SoC state */
  void *p = mmap(NULL, sizeof(struct m78_trace), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return -1;
  m78_trace_init(p);
  s->trace_ctx = p;
  s->trace_power = record_power;
  s->trace_clock = record_clock;
  /* the state m78soc_init left the CNN in, for a simulator fresh from
   * m78_sim_new() */
  record_clock(NULL, !M78SOC_FGET(GCR, PCLKDIS0, CNN, s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIS0)]));
  record_power(NULL, s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG0)] & ~s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG2)],
               s->gcfr[M78SOC_WORD(M78SOC_GCFR_REG3)]);
  return 0;
}

static void write_trace(const struct m78_run_info *info)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  char err[512];
  struct m78_trace *t = recorder();
  struct m78_trace_item end = {.t = m78_sim_now(s->sim), .kind = M78_TRACE_END};
  record(&end);
  if (rt->record_oom) {
    fprintf(stderr, "max78sim: cannot record the trace: out of memory\n");
    return;
  }
  t->cnn_hz = info->cnn_hz;
  snprintf(t->clock_source, sizeof t->clock_source, "%s", info->clock_source);
  t->divider = info->divider;
  /* the max78sim command fills in the firmware's name and its check */
  m78_trace_set_run(t, "", "unknown", info->stop_reason, info->exit_code, info->stop_detail);
  m78_trace_set_cpu(t, info);
  if (m78_trace_write(t, rt->record_path, err, sizeof err) != 0)
    fprintf(stderr, "max78sim: cannot write the trace: %s\n", err);
}

static const char *stop_name(enum m78soc_stop s)
{
  switch (s) {
  case M78SOC_STOP_MAX_CYCLES: return "max-cycles";
  case M78SOC_STOP_HANG: return "hang";
  case M78SOC_STOP_FAULT: return "fault";
  case M78SOC_STOP_INFERENCE: return "inference-done";
  default: return "exit";
  }
}

static double ticks_us(uint64_t t)
{
  return (double)t * 1e6 / (double)M78SOC_TICK_HZ;
}

/* The EVKit power monitor's stage table (firmware built with --energy):
 * LED 0 brackets the idle baseline, then LED 1 brackets 100 weight
 * loads, 100 input loads and 100 input loads + inferences.  The kit
 * reports E = (A - I) * T per window and divides by the 100 repetitions;
 * inference = (input + inference) - input (MAX7800x Power Monitor guide). */
static void monitor_stages(struct m78_monitor_info *m)
{
  struct m78soc_state *s = &proc->soc;
  static const char *const names[3] = {"weights", "input", "input+inference"};
  const int reps = 100;
  double idle_t = 0, idle_e = 0;
  double t[3], e[3];
  int n = 0;
  memset(m, 0, sizeof *m);
  for (int i = 0; i < s->n_led_events; i++) {
    const struct m78soc_led_event *a = &s->led_events[i];
    if (!a->on)
      continue;
    for (int j = i + 1; j < s->n_led_events; j++) {
      const struct m78soc_led_event *b = &s->led_events[j];
      if (b->led != a->led || b->on)
        continue;
      if (a->led == 0 && idle_t == 0) {
        idle_t = ticks_us(b->tick - a->tick);
        idle_e = (b->mon_pj - a->mon_pj) * 1e-6;
      } else if (a->led == 1 && n < 3 && idle_t > 0) {
        t[n] = ticks_us(b->tick - a->tick);
        e[n] = (b->mon_pj - a->mon_pj) * 1e-6;
        n++;
      }
      break;
    }
  }
  if (n < 3)
    return;
  m->valid = 1;
  m->repetitions = reps;
  m->idle_time_us = idle_t;
  m->idle_mw = idle_t > 0 ? idle_e / idle_t * 1e3 : 0.0; /* uJ/us = W */
  for (int k = 0; k < 3; k++) {
    m->stages[k].name = names[k];
    m->stages[k].time_us = t[k] / reps;
    m->stages[k].energy_uj = (e[k] - m->idle_mw * 1e-3 * t[k]) / reps;
  }
  m->stages[3].name = "inference";
  m->stages[3].time_us = m->stages[2].time_us - m->stages[1].time_us;
  m->stages[3].energy_uj = m->stages[2].energy_uj - m->stages[1].energy_uj;
  m->n = 4;
}

/* The CPU side of a report (loading phases, power monitor) lives here
 * while a run_info points at it. */
struct run_info_buf {
  struct m78_phase_info phases[M78_TL_PHASES];
  struct m78_monitor_info mon;
  struct m78_cpu_info cpu;
};

/* The run info for the report and the trace.  At the end of the run
 * call m78soc_phase_close() first; live reports mid-run leave the open
 * phase alone, so watching a run does not change its accounting. */
static void fill_info(struct m78_run_info *info, struct run_info_buf *b, const char *reason, const char *detail,
                      int exit_code)
{
  struct m78soc_state *s = &proc->soc;
  const char *source;
  int divider;
  m78soc_cnn_clock(s, &source, &divider);
  static const char *const phase_names[M78_TL_PHASES] = {"configure", "weights", "bias", "input", "unload"};
  for (int p = 0; p < M78_TL_PHASES; p++) {
    const struct m78soc_phase_total *t = &s->phases[p];
    b->phases[p] = (struct m78_phase_info){phase_names[p], ticks_us(t->ticks), t->pj * 1e-6,
                                           t->accesses,    t->bytes,           t->segments};
  }
  monitor_stages(&b->mon);
  *info = (struct m78_run_info){
      .stop_reason = reason,
      .exit_code = exit_code,
      .stop_detail = detail,
      .cnn_hz = m78soc_cnn_hz(s),
      .clock_source = source,
      .divider = divider,
      .phases = b->phases,
      .n_phases = M78_TL_PHASES,
      .monitor = &b->mon,
      .inference_monitor_uj = s->inf_pj * 1e-6,
      .inference_wall_us = ticks_us(s->inf_wall_ticks),
  };
  if (s->cpu_emulated) {
    b->cpu = (struct m78_cpu_info){s->cpu_insns, s->cpu_cycles, s->cpu_guest_errors, s->cpu_first_error};
    info->cpu = &b->cpu;
  }
}

static void write_report(const char *path, const struct m78_run_info *info, int final)
{
  struct m78soc_state *s = &proc->soc;
  char err[512];
  cJSON *doc = m78_report_build(s->sim, info);
  if (doc && final)
    m78bench_report(doc);
  if (!doc || m78_json_write_file(doc, path, err, sizeof err) != 0)
    fprintf(stderr, "max78sim: cannot write the report: %s\n", doc ? err : "out of memory");
  cJSON_Delete(doc);
}

/* live mode: one small file, replaced atomically */
static void live_write(const char *name, const char *text)
{
  struct m78rt *rt = &proc->rt;
  char path[4096], err[512];
  snprintf(path, sizeof path, "%s/%s", rt->live_dir, name);
  if (m78_write_file_atomic(path, text, strlen(text), err, sizeof err) != 0)
    fprintf(stderr, "max78sim: live mode: %s\n", err);
}

static void live_publish(const char *progress)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  char err[512], path[4096];
  struct m78_run_info info;
  struct run_info_buf b;
  fill_info(&info, &b, "running", "", 0);
  snprintf(path, sizeof path, "%s/report.json", rt->live_dir);
  write_report(path, &info, 0);
  if (m78_dump_layers(s->sim, rt->live_dir, err, sizeof err) != 0 ||
      (rt->capture && m78_inputcap_write(rt->capture, rt->live_dir, err, sizeof err) != 0))
    fprintf(stderr, "max78sim: live mode: cannot write layer dumps: %s\n", err);
  live_write("progress", progress);
}

/* Blocks until the viewer allows layer `next` to run. */
static void live_wait(int next)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  char path[4096];
  snprintf(path, sizeof path, "%s/step", rt->live_dir);
  s->in_shim++; /* waiting for a person is not a hang */
  for (;;) {
    FILE *f = fopen(path, "r");
    long allowed = -1;
    if (f) {
      if (fscanf(f, "%ld", &allowed) != 1)
        allowed = -1;
      fclose(f);
    }
    if (allowed >= next)
      break;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  s->in_shim--;
}

static void write_outputs(enum m78soc_stop why, const char *detail, int exit_code)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  char err[512];
  m78soc_phase_close(s);
  if (rt->count_fifo_lane)
    fprintf(stderr, "max78sim: FIFO lane: %llu accesses\n", (unsigned long long)s->fifo_lane_hits);
  struct m78_run_info info;
  struct run_info_buf b;
  fill_info(&info, &b, stop_name(why), detail, exit_code);
  if (rt->timeline_path && s->timeline && m78_timeline_write(s->timeline, rt->timeline_path, err, sizeof err) != 0)
    fprintf(stderr, "max78sim: cannot write the timeline: %s\n", err);
  if (rt->report_path)
    write_report(rt->report_path, &info, 1);
  if (rt->dump_dir && (m78_dump_layers(s->sim, rt->dump_dir, err, sizeof err) != 0 ||
                       m78_dump_sram(s->sim, rt->dump_dir, err, sizeof err) != 0 ||
                       (rt->capture && m78_inputcap_write(rt->capture, rt->dump_dir, err, sizeof err) != 0)))
    fprintf(stderr, "max78sim: cannot write layer dumps: %s\n", err);
  if (rt->record_path)
    write_trace(&info);
  if (rt->live_dir)
    live_write("progress", "done\n");
}

static void (*finish_hook)(int exit_code);

void m78rt_set_finish_hook(void (*fn)(int exit_code))
{
  finish_hook = fn;
}

void m78soc_finish(struct m78soc_state *s, enum m78soc_stop why, const char *detail, int exit_code)
{
  struct m78rt *rt = &proc->rt;
  /* A second finish from the finishing thread means the report writer
   * itself crashed: leave at once instead of waiting on our own lock. */
  if (__atomic_exchange_n(&rt->finishing, 1, __ATOMIC_SEQ_CST)) {
    if (pthread_equal(rt->finisher, pthread_self()))
      _exit(exit_code);
    for (;;)
      pause();
  }
  rt->finisher = pthread_self();
  if (!rt->finished)
    m78soc_flush(s); /* a store the firmware made before it stopped */
  pthread_mutex_lock(&rt->lock);
  if (!rt->finished) {
    rt->finished = 1;
    s->stop = why;
    snprintf(s->stop_detail, sizeof s->stop_detail, "%s", detail ? detail : "");
    fflush(stdout);
    /* without a report to carry the reason, say it here */
    if (why != M78SOC_STOP_EXIT && !rt->report_path)
      fprintf(stderr, "max78sim: run stopped (%s): %s\n", stop_name(why), s->stop_detail);
    write_outputs(why, s->stop_detail, exit_code);
  }
  pthread_mutex_unlock(&rt->lock);
  fflush(stdout);
  fflush(stderr);
  if (finish_hook)
    finish_hook(exit_code);
  _exit(exit_code);
}

static unsigned long long env_ull(const char *name, unsigned long long def)
{
  const char *v = getenv(name);
  if (!v || !*v)
    return def;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v, &end, 0);
  if (errno || *end) {
    fprintf(stderr, "max78sim: %s=%s is not a number\n", name, v);
    _exit(6);
  }
  return x;
}

/* Everything the run allocated, once its outputs are written: the state
 * mapping at a fixed address is no root LeakSanitizer scans, so what only
 * it points to would be reported as leaked. */
static void release_all(void)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  if (s->trace_ctx) {
    m78_trace_free(s->trace_ctx);
    munmap(s->trace_ctx, sizeof(struct m78_trace));
    s->trace_ctx = NULL;
    s->trace_power = NULL;
    s->trace_clock = NULL;
  }
  if (s->timeline) {
    m78_tl_free(s->timeline);
    free(s->timeline);
    s->timeline = NULL;
  }
  if (rt->capture) {
    m78_inputcap_free(rt->capture);
    free(rt->capture);
    rt->capture = NULL;
  }
  m78_sim_free(s->sim);
  s->sim = NULL;
}

void m78rt_at_exit(void)
{
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  /* main returned: let the CNN finish anything it owes, then report.
   * Writing the outputs is the shim's work, not a firmware spinning: on a
   * loaded host it can take longer than the hang detector's limit, which
   * would then end the run with the hang status after a complete report. */
  m78soc_flush(s);
  s->in_shim++;
  pthread_mutex_lock(&rt->lock);
  if (!rt->finished) {
    rt->finished = 1;
    s->stop = M78SOC_STOP_EXIT;
    fflush(stdout);
    write_outputs(M78SOC_STOP_EXIT, "", 0);
    release_all();
    /* the simulator is gone: in_shim stays raised so that the watchdog
     * never stops the exiting process */
    pthread_mutex_unlock(&rt->lock);
    return;
  }
  pthread_mutex_unlock(&rt->lock);
  s->in_shim--;
}

struct m78soc_state *m78rt_init(void)
{
  char err[256];
  setvbuf(stdout, NULL, _IOLBF, 0);
  size_t len = (sizeof(struct proc) + 4095) & ~(size_t)4095;
  void *p = mmap((void *)(uintptr_t)STATE_ADDR, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)(uintptr_t)STATE_ADDR || m78soc_init(&((struct proc *)p)->soc) != 0) {
    fprintf(stderr, "max78sim: cannot allocate the simulator state at 0x%08x\n", STATE_ADDR);
    _exit(6);
  }
  proc = p;
  struct m78soc_state *s = &proc->soc;
  struct m78rt *rt = &proc->rt;
  rt->report_path = getenv(M78ENV_REPORT);
  rt->dump_dir = getenv(M78ENV_DUMP_DIR);
  rt->timeline_path = getenv(M78ENV_TIMELINE);
  if (rt->timeline_path && *rt->timeline_path) {
    s->timeline = calloc(1, sizeof *s->timeline);
    if (s->timeline)
      s->timeline->tick_hz = M78SOC_TICK_HZ;
  } else {
    rt->timeline_path = NULL;
  }
  rt->record_path = getenv(M78ENV_RECORD);
  rt->hang_ms = (unsigned)env_ull(M78ENV_HANG_MS, 1000);
  s->max_cnn_cycles = env_ull(M78ENV_MAX_CYCLES, 2000000000ull);
  if (rt->report_path && !*rt->report_path)
    rt->report_path = NULL;
  if (rt->dump_dir && !*rt->dump_dir)
    rt->dump_dir = NULL;
  if (rt->record_path && !*rt->record_path)
    rt->record_path = NULL;
  rt->live_dir = getenv(M78ENV_LIVE_DIR);
  if (rt->live_dir && !*rt->live_dir)
    rt->live_dir = NULL;
  m78_sim_keep_outputs(s->sim, 1); /* the report carries the final output */
  if (rt->dump_dir || rt->live_dir) {
    rt->capture = calloc(1, sizeof *rt->capture);
    if (rt->capture)
      m78_inputcap_init(rt->capture);
  }

  /* a simulated faulty board (max78sim --fault), and the layer count
   * limit of max78sim compare --stop-after (the capture firmware's) */
  const char *faults = getenv(M78ENV_FAULTS);
  if (faults && *faults) {
    struct m78_fault f[M78_MAX_FAULTS];
    int n = m78_fault_parse_list(faults, f, M78_MAX_FAULTS, err, sizeof err);
    if (n < 0) {
      fprintf(stderr, "max78sim: M78SIM_FAULTS: %s\n", err);
      _exit(6);
    }
    for (int i = 0; i < n; i++)
      m78_sim_add_fault(s->sim, &f[i]);
  }
  /* the FIFO loader's lane (soc_cnn.c): off sends its accesses the
   * general way, count reports how many took it (CTest timing/fifo-lane) */
  const char *lane = getenv(M78ENV_FIFO_LANE);
  s->no_fifo_lane = lane && strcmp(lane, "off") == 0;
  rt->count_fifo_lane = lane && strcmp(lane, "count") == 0;
  const char *limit = getenv(M78ENV_LAYER_LIMIT);
  s->layer_limit = limit && *limit ? (int)env_ull(M78ENV_LAYER_LIMIT, 0) : -1;

  /* the engine's host resources; benchmark mode (max78sim bench) */
  unsigned long long threads = env_ull(M78ENV_THREADS, 1);
  m78_sim_set_threads(s->sim, threads > M78_MAX_THREADS ? M78_MAX_THREADS : (int)threads);
  m78_sim_set_split_min(s->sim, env_ull(M78ENV_SPLIT_MIN, M78_SPLIT_MIN_DEFAULT));
  const char *kernel = getenv(M78ENV_KERNEL);
  if (kernel && *kernel && m78_sim_set_kernel(s->sim, kernel) != 0) {
    fprintf(stderr,
            "max78sim: M78SIM_KERNEL=%s: no such engine kernel on this CPU (avx512-vnni, avx2, sse2, generic)\n",
            kernel);
    _exit(6);
  }
  if (m78bench_init() != 0)
    _exit(6);

  struct m78_hooks hooks = {.ctx = NULL, .on_guest_error = on_guest_error, .on_event = on_event};
  if (rt->record_path) {
    if (start_recording() != 0) {
      fprintf(stderr, "max78sim: cannot allocate the trace recorder\n");
      _exit(6);
    }
  }
  if (rt->record_path || rt->capture || m78bench_active())
    hooks.on_access = on_access;
  m78_sim_set_hooks(s->sim, &hooks);
  return s;
}
