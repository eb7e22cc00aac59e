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
#include "faultspec.h"
#include "report.h"
#include "soc.h"
#include "sramdump.h"

/* Vendor unloaders may write past the end of their output buffer (the
 * t-conv1d-dilation11 unloader fills whole words of a buffer sized for
 * fewer bytes).  On the board that lands in whatever SRAM follows; here it
 * must not run off the end of the process image.  The shim library is
 * linked after the vendor objects, so this follows their .bss. */
__attribute__((used, section(".bss.m78slack"))) static char m78_bss_slack[1 << 20];

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

static void on_event(void *ctx, enum m78_event ev, int layer, uint64_t cycle)
{
  (void)ctx;
  (void)cycle;
  if (ev == M78_EV_LAYER_START)
    m78soc.sim_layer_hint = layer;
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

static void write_outputs(enum m78soc_stop why, const char *detail, int exit_code)
{
  char err[512];
  const char *source;
  int divider;
  m78soc_cnn_clock(&source, &divider);
  struct m78_run_info info = {
      .stop_reason = stop_name(why),
      .exit_code = exit_code,
      .stop_detail = detail,
      .cnn_hz = m78soc_cnn_hz(),
      .clock_source = source,
      .divider = divider,
  };
  if (rt.report_path) {
    cJSON *doc = m78_report_build(m78soc.sim, &info);
    if (!doc || m78_json_write_file(doc, rt.report_path, err, sizeof err) != 0)
      fprintf(stderr, "max78sim: cannot write the report: %s\n", doc ? err : "out of memory");
    cJSON_Delete(doc);
  }
  if (rt.dump_dir && (m78_dump_layers(m78soc.sim, rt.dump_dir, err, sizeof err) != 0 ||
                      m78_dump_sram(m78soc.sim, rt.dump_dir, err, sizeof err) != 0))
    fprintf(stderr, "max78sim: cannot write layer dumps: %s\n", err);
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
  m78_sim_keep_outputs(m78soc.sim, 1); /* the report carries the final output */

  /* a simulated faulty board (max78sim --fault), and the layer count
   * limit of max78sim compare --stop-after (the capture firmware's) */
  const char *faults = getenv("M78SIM_FAULTS");
  if (faults && *faults) {
    struct m78_fault f[M78_MAX_FAULTS];
    int n = m78_fault_parse_list(faults, f, M78_MAX_FAULTS, err, sizeof err);
    if (n < 0) {
      fprintf(stderr, "max78sim: M78SIM_FAULTS: %s\n", err);
      _exit(6);
    }
    for (int i = 0; i < n; i++)
      m78_sim_add_fault(m78soc.sim, &f[i]);
  }
  const char *limit = getenv("M78SIM_LAYER_LIMIT");
  rt.layer_limit = limit && *limit ? (int)env_ull("M78SIM_LAYER_LIMIT", 0) : -1;

  struct m78_hooks hooks = {.ctx = NULL, .on_guest_error = on_guest_error, .on_event = on_event};
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
