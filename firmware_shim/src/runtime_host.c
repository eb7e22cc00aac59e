/*
 * The host firmware process's own start-up (runtime.h has the shared
 * part): the constructor that brings the SoC up before the vendor's main,
 * the bridge from the firmware's accesses at MAX78000 addresses to the
 * SoC model (inst.h for instrumented firmware, the fault bridge for the
 * rest), and the hang detector.
 *
 * Hang detection: a firmware that spins in plain C code (the vendor's
 * fail() ends in `while (1);`) never touches the hardware again, so a
 * watchdog thread stops the process when the activity counter has not
 * moved for M78SIM_HANG_MS (run --hang-ms) of the firmware thread's own
 * CPU time while the firmware is outside the shim.  Native code cannot
 * count its instructions, so this is a guess made with host time, and the
 * message says so; but it is CPU time, not wall time, so a loaded host
 * (the firmware not scheduled, or sleeping) never turns into a hang.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "bridge.h"
#include "inst.h"
#include "m78host/bench.h"
#include "m78host/runtime.h"
#include "m78host/soc.h"
#include "serve.h"
#include "userinput.h"

/* Vendor unloaders may write past the end of their output buffer (the
 * t-conv1d-dilation11 unloader fills whole words of a buffer sized for
 * fewer bytes).  On the board that lands in whatever SRAM follows; here it
 * must not run off the end of the process image.  The shim library is
 * linked after the vendor objects, so this follows their .bss. */
__attribute__((used, section(".bss.m78slack"))) static char m78_bss_slack[1 << 20];

static void bridge_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why)
{
  (void)ctx; /* NULL under the bench's probe: the process's SoC */
  char d[256];
  snprintf(d, sizeof d, "firmware crashed: %s at address 0x%llx (instruction at 0x%llx)", why,
           (unsigned long long)fault_addr, (unsigned long long)rip);
  m78soc_finish(m78rt_soc(), M78SOC_STOP_FAULT, d, 5);
}

/* The bridge's callbacks: ctx is the process's SoC. */
static int bridge_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value)
{
  struct m78soc_state *s = ctx;
  s->in_shim++;
  int rc = m78soc_read(s, addr, width, value);
  s->in_shim--;
  return rc;
}

static int bridge_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  struct m78soc_state *s = ctx;
  s->in_shim++;
  int rc = m78soc_write(s, addr, width, value);
  s->in_shim--;
  return rc;
}

static int bridge_peek(void *ctx, uint32_t addr, uint32_t *value)
{
  struct m78soc_state *s = ctx;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END)
    return m78_peek(s->sim, addr, 4, value) == M78_OK ? 0 : -1;
  *value = 0;
  return 0;
}

/* The firmware's thread: the one that ran the constructor (or, in a fork
 * server's child, the one that forked). */
static clockid_t fw_clock;
static int fw_clock_ok;

static void watch_this_thread(void)
{
  fw_clock_ok = pthread_getcpuclockid(pthread_self(), &fw_clock) == 0;
}

static uint64_t fw_cpu_ms(void)
{
  struct timespec ts;
  if (!fw_clock_ok || clock_gettime(fw_clock, &ts) != 0)
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *watchdog(void *arg)
{
  (void)arg;
  struct m78soc_state *s = m78rt_soc();
  const struct m78rt *rt = m78rt_get();
  uint64_t last = s->activity, since = fw_cpu_ms();
  for (;;) {
    struct timespec ts = {0, 20L * 1000000L};
    nanosleep(&ts, NULL);
    uint64_t now = s->activity, cpu = fw_cpu_ms();
    if (now != last || s->in_shim) {
      last = now;
      since = cpu;
      continue;
    }
    if (cpu - since >= rt->hang_ms) {
      char d[300];
      snprintf(d, sizeof d,
               "the firmware has not accessed the hardware for %u ms of its CPU time: it spins in C code (a guess "
               "from host CPU time, as native code has no instruction count; raise it with --hang-ms)",
               rt->hang_ms);
      m78soc_finish(s, M78SOC_STOP_HANG, d, 4);
    }
  }
  return NULL;
}

void m78rt_host_restart_watchdog(void);
int m78rt_host_worker_watchdog(void *stack, size_t size);

/* A fork-server worker's watchdog runs on `stack` (memory its roll-backs
 * leave alone, serve.c).  0, or -1 when the thread cannot start. */
int m78rt_host_worker_watchdog(void *stack, size_t size)
{
  pthread_attr_t a;
  pthread_t th;
  watch_this_thread();
  if (pthread_attr_init(&a) != 0)
    return -1;
  int rc = pthread_attr_setstack(&a, stack, size) == 0 && pthread_create(&th, &a, watchdog, NULL) == 0 ? 0 : -1;
  pthread_attr_destroy(&a);
  if (rc == 0)
    pthread_detach(th);
  return rc;
}

/* A forked child of the fork server (serve.c) has no watchdog thread. */
void m78rt_host_restart_watchdog(void)
{
  watch_this_thread();
  pthread_t th;
  if (pthread_create(&th, NULL, watchdog, NULL) == 0)
    pthread_detach(th);
}

/* The bench's count of bridged accesses: the bridge's own. */
static uint64_t bridge_accesses(void)
{
  struct m78_bridge_stats st;
  m78_bridge_get_stats(&st);
  return st.reads + st.writes;
}

/* The bridge alone for max78sim bench: PROBE_N 32-bit stores and loads at
 * a CNN register with callbacks that do nothing, made as the firmware
 * makes them (a faulting instruction, or an instrumented access). */
#define PROBE_N 20000
#define PROBE_ADDR 0x50100000u /* the first quadrant's CTRL register */

static int null_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value)
{
  (void)ctx;
  (void)addr;
  (void)width;
  *value = 0;
  return 0;
}

static int null_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  (void)ctx;
  (void)addr;
  (void)width;
  (void)value;
  return 0;
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void probe_bridge(const char **mechanism, double *store_ns, double *load_ns)
{
  volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)PROBE_ADDR;
  int inst = m78inst_instrumented();
  struct m78_bridge_ops saved, null_ops = {null_read, null_write, NULL, bridge_crash, NULL};
  struct m78soc_state *s = m78rt_soc();
  m78soc_flush(s);
  s->in_shim++;
  m78_bridge_set_ops(&null_ops, &saved);
  double t0 = now_ns();
  if (inst)
    m78inst_probe(reg, PROBE_N, 1);
  else
    for (unsigned i = 0; i < PROBE_N; i++)
      *reg = i;
  double t1 = now_ns();
  if (inst)
    m78inst_probe(reg, PROBE_N, 0);
  else
    for (unsigned i = 0; i < PROBE_N; i++)
      (void)*reg;
  double t2 = now_ns();
  m78_bridge_set_ops(&saved, NULL);
  s->in_shim--;
  *mechanism = inst ? "inst" : "trap";
  *store_ns = (t1 - t0) / PROBE_N;
  *load_ns = (t2 - t1) / PROBE_N;
}

__attribute__((constructor)) static void m78_runtime_start(void)
{
  char err[256];
  struct m78soc_state *s = m78rt_init();
  m78bench_set_access_count(bridge_accesses);
  const char *input = getenv(M78UI_ENV);
  if (input && *input && m78ui_apply(input, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: --input: %s\n", err);
    _exit(6);
  }
  const char *serve = getenv(M78SERVE_ENV);
  if (serve && *serve && m78serve_init(atoi(serve), err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: serve: %s\n", err);
    _exit(6);
  }
  static const struct m78_bridge_range ranges[] = {
      {M78SOC_APB_BASE, M78SOC_APB_END},
      {M78_CNN_BASE, M78_CNN_END},
  };
  const struct m78_bridge_ops ops = {bridge_read, bridge_write, bridge_peek, bridge_crash, s};
  /* instrumented firmware (its constructors called __tsan_init before
   * this one) is served by inst.c over ordinary memory, the rest by
   * faults */
  int inst = m78inst_instrumented();
  if ((inst ? m78_bridge_install_shadow : m78_bridge_install)(ranges, 2, &ops, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: cannot map the MAX78000 address space: %s\n", err);
    _exit(6);
  }
  if (inst) {
    m78inst_enable(ranges, 2);
    s->flush_pending = m78inst_pending();
    s->flush = m78inst_flush;
  }
  m78bench_set_bridge_probe(probe_bridge);
  atexit(m78rt_at_exit);
  watch_this_thread();
  pthread_t th;
  if (pthread_create(&th, NULL, watchdog, NULL) == 0)
    pthread_detach(th);
}
