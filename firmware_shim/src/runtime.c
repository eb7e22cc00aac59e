/*
 * Start-up and shut-down of a firmware process.
 *
 * The vendor's main() is left alone: a constructor brings the simulated
 * SoC up and installs the fault bridge before main runs, and the end of
 * the run (main returning, the cycle budget, a hang, a crash) goes
 * through m78soc_finish(), which writes the report and layer dumps the
 * max78sim command asked for (docs/report-schema.md).
 *
 * Hang detection: a firmware that spins in plain C code (the vendor's
 * fail() ends in `while (1);`) never touches the hardware again, so a
 * watchdog thread stops the process when the activity counter has not
 * moved for M78SIM_HANG_MS of host time while the firmware is outside
 * the shim.  This is the only use of host time, and it only decides when
 * a dead process is stopped, never a simulated result.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bridge.h"
#include "capture.h"
#include "report.h"
#include "soc.h"

/* all run-control state lives in the fixed-address SoC state */
#define rt (m78soc.rt)

#define MAX_GUEST_MSGS 20

static void on_guest_error(void *ctx, enum m78_status st, uint32_t addr, const char *msg)
{
  (void)ctx;
  (void)st;
  (void)addr;
  if (rt.guest_msgs++ < MAX_GUEST_MSGS)
    fprintf(stderr, "max78sim: guest error: %s\n", msg);
  else if (rt.guest_msgs == MAX_GUEST_MSGS + 1)
    fprintf(stderr, "max78sim: further guest errors are counted, not printed\n");
}

static void on_access(void *ctx, const struct m78_access *a)
{
  (void)ctx;
  if (rt.capture)
    m78_capture_access(rt.capture, a);
}

static void write_report(const char *path, const char *reason, const char *detail, int exit_code);

/* live mode: one small file, replaced atomically */
static void live_write(const char *name, const char *text)
{
  char path[4096], err[512];
  snprintf(path, sizeof path, "%s/%s", rt.live_dir, name);
  if (m78_write_file_atomic(path, text, strlen(text), err, sizeof err) != 0)
    fprintf(stderr, "max78sim: live mode: %s\n", err);
}

static void live_publish(const char *progress)
{
  char err[512], path[4096];
  snprintf(path, sizeof path, "%s/report.json", rt.live_dir);
  write_report(path, "running", "", 0);
  if (m78_dump_layers(m78soc.sim, rt.live_dir, err, sizeof err) != 0 ||
      (rt.capture && m78_capture_write(rt.capture, rt.live_dir, err, sizeof err) != 0))
    fprintf(stderr, "max78sim: live mode: cannot write layer dumps: %s\n", err);
  live_write("progress", progress);
}

/* Blocks until the viewer allows layer `next` to run. */
static void live_wait(int next)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/step", rt.live_dir);
  m78soc.in_shim++; /* waiting for a person is not a hang */
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
  m78soc.in_shim--;
}

static void on_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  (void)ctx;
  (void)cycle;
  if (ev == M78_EV_START && rt.capture)
    m78_capture_start(rt.capture);
  if (ev == M78_EV_START && rt.live_dir)
    live_publish("start\n");
  if (ev == M78_EV_LAYER_START) {
    m78soc.sim_layer_hint = layer;
    if (layer == 0 && rt.capture)
      m78_capture_layer0(rt.capture, m78soc.sim);
  }
  if (ev == M78_EV_LAYER_DONE && rt.live_dir) {
    char text[32];
    snprintf(text, sizeof text, "%d\n", layer);
    live_publish(text);
    if (layer + 1 < m78_sim_layer_count(m78soc.sim))
      live_wait(layer + 1);
  }
  if (ev == M78_EV_DONE && rt.live_dir)
    live_write("progress", "done\n");
}

void m78soc_report_unmapped(uint32_t addr, unsigned width, int write)
{
  if (rt.guest_msgs++ < MAX_GUEST_MSGS)
    fprintf(stderr, "max78sim: guest error: %d-bit %s unmodelled address 0x%08x\n", 8 * (int)width,
            write ? "write to" : "read from", (unsigned)addr);
}

static const char *stop_name(enum m78soc_stop s)
{
  switch (s) {
  case M78SOC_STOP_MAX_CYCLES: return "max-cycles";
  case M78SOC_STOP_HANG: return "hang";
  case M78SOC_STOP_FAULT: return "fault";
  default: return "exit";
  }
}

static void write_report(const char *path, const char *reason, const char *detail, int exit_code)
{
  char err[512];
  const char *source;
  int divider;
  m78soc_cnn_clock(&source, &divider);
  struct m78_run_info info = {
      .stop_reason = reason,
      .exit_code = exit_code,
      .stop_detail = detail,
      .cnn_hz = m78soc_cnn_hz(),
      .clock_source = source,
      .divider = divider,
  };
  cJSON *doc = m78_report_build(m78soc.sim, &info);
  if (!doc || m78_json_write_file(doc, path, err, sizeof err) != 0)
    fprintf(stderr, "max78sim: cannot write the report: %s\n", doc ? err : "out of memory");
  cJSON_Delete(doc);
}

static void write_outputs(enum m78soc_stop why, const char *detail, int exit_code)
{
  char err[512];
  if (rt.report_path)
    write_report(rt.report_path, stop_name(why), detail, exit_code);
  if (rt.dump_dir && (m78_dump_layers(m78soc.sim, rt.dump_dir, err, sizeof err) != 0 ||
                      (rt.capture && m78_capture_write(rt.capture, rt.dump_dir, err, sizeof err) != 0)))
    fprintf(stderr, "max78sim: cannot write layer dumps: %s\n", err);
  if (rt.live_dir)
    live_write("progress", "done\n");
}

void m78soc_finish(enum m78soc_stop why, const char *detail, int exit_code)
{
  /* A second finish from the finishing thread means the report writer
   * itself crashed: leave at once instead of waiting on our own lock. */
  if (__atomic_exchange_n(&rt.finishing, 1, __ATOMIC_SEQ_CST)) {
    if (pthread_equal(rt.finisher, pthread_self()))
      _exit(exit_code);
    for (;;)
      pause();
  }
  rt.finisher = pthread_self();
  pthread_mutex_lock(&rt.lock);
  if (!rt.finished) {
    rt.finished = 1;
    m78soc.stop = why;
    snprintf(m78soc.stop_detail, sizeof m78soc.stop_detail, "%s", detail ? detail : "");
    fflush(stdout);
    /* without a report to carry the reason, say it here */
    if (why != M78SOC_STOP_EXIT && !rt.report_path)
      fprintf(stderr, "max78sim: run stopped (%s): %s\n", stop_name(why), m78soc.stop_detail);
    write_outputs(why, m78soc.stop_detail, exit_code);
  }
  pthread_mutex_unlock(&rt.lock);
  fflush(stdout);
  fflush(stderr);
  _exit(exit_code);
}

static void at_exit(void)
{
  /* main returned: let the CNN finish anything it owes, then report */
  pthread_mutex_lock(&rt.lock);
  if (!rt.finished) {
    rt.finished = 1;
    m78soc.stop = M78SOC_STOP_EXIT;
    fflush(stdout);
    write_outputs(M78SOC_STOP_EXIT, "", 0);
  }
  pthread_mutex_unlock(&rt.lock);
}

static void bridge_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why)
{
  (void)ctx;
  char d[256];
  snprintf(d, sizeof d, "firmware crashed: %s at address 0x%llx (instruction at 0x%llx)", why,
           (unsigned long long)fault_addr, (unsigned long long)rip);
  m78soc_finish(M78SOC_STOP_FAULT, d, 5);
}

static int bridge_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value)
{
  (void)ctx;
  m78soc.in_shim++;
  int rc = m78soc_read(addr, width, value);
  m78soc.in_shim--;
  return rc;
}

static int bridge_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  (void)ctx;
  m78soc.in_shim++;
  int rc = m78soc_write(addr, width, value);
  m78soc.in_shim--;
  return rc;
}

static int bridge_peek(void *ctx, uint32_t addr, uint32_t *value)
{
  (void)ctx;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END)
    return m78_peek(m78soc.sim, addr, 4, value) == M78_OK ? 0 : -1;
  *value = 0;
  return 0;
}

static void *watchdog(void *arg)
{
  (void)arg;
  uint64_t last = m78soc.activity;
  unsigned idle_ms = 0;
  const unsigned step = 20;
  for (;;) {
    struct timespec ts = {0, (long)step * 1000000L};
    nanosleep(&ts, NULL);
    uint64_t now = m78soc.activity;
    if (now != last || m78soc.in_shim) {
      last = now;
      idle_ms = 0;
      continue;
    }
    idle_ms += step;
    if (idle_ms >= rt.hang_ms) {
      char d[160];
      snprintf(d, sizeof d, "the firmware has not accessed the hardware for %u ms of host time (it spins in C code)",
               rt.hang_ms);
      m78soc_finish(M78SOC_STOP_HANG, d, 4);
    }
  }
  return NULL;
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

__attribute__((constructor)) static void m78_runtime_start(void)
{
  char err[256];
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (m78soc_init() != 0) {
    fprintf(stderr, "max78sim: cannot allocate the simulator state at 0x%08x\n", M78SOC_STATE_ADDR);
    _exit(6);
  }
  rt.report_path = getenv("M78SIM_REPORT");
  rt.dump_dir = getenv("M78SIM_DUMP_DIR");
  rt.hang_ms = (unsigned)env_ull("M78SIM_HANG_MS", 1000);
  m78soc.max_cnn_cycles = env_ull("M78SIM_MAX_CYCLES", 2000000000ull);
  if (rt.report_path && !*rt.report_path)
    rt.report_path = NULL;
  if (rt.dump_dir && !*rt.dump_dir)
    rt.dump_dir = NULL;
  rt.live_dir = getenv("M78SIM_LIVE_DIR");
  if (rt.live_dir && !*rt.live_dir)
    rt.live_dir = NULL;
  m78_sim_keep_outputs(m78soc.sim, rt.dump_dir != NULL || rt.live_dir != NULL);
  if (rt.dump_dir || rt.live_dir) {
    rt.capture = calloc(1, sizeof *rt.capture);
    if (rt.capture)
      m78_capture_init(rt.capture);
  }

  struct m78_hooks hooks = {.ctx = NULL,
                            .on_access = rt.capture ? on_access : NULL,
                            .on_guest_error = on_guest_error,
                            .on_event = on_event};
  m78_sim_set_hooks(m78soc.sim, &hooks);

  static const struct m78_bridge_range ranges[] = {
      {M78SOC_APB_BASE, M78SOC_APB_END},
      {M78_CNN_BASE, M78_CNN_END},
  };
  static const struct m78_bridge_ops ops = {bridge_read, bridge_write, bridge_peek, bridge_crash, NULL};
  if (m78_bridge_install(ranges, 2, &ops, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: cannot map the MAX78000 address space: %s\n", err);
    _exit(6);
  }
  atexit(at_exit);
  pthread_t th;
  if (pthread_create(&th, NULL, watchdog, NULL) == 0)
    pthread_detach(th);
}
