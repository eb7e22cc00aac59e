/*
 * Instrumented bridge tests (firmware_shim/src/inst.c): a window at
 * 0x50000000..0x50100000 in the bridge's shadow mode, backed by a fake bus
 * (1 MiB of bytes and a log of every callback access), and firmware-style
 * code compiled with the instrumentation as max78sim compiles vendor
 * sources (inst/inst_fw.c).  The tests check the exact sequence of bus
 * accesses (address, width, value, read/write) and when a store reaches
 * the bus, and the first-read watch.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "inst.h"
#include "inst/inst_fw.h"

#define WIN_BASE 0x50000000u
#define WIN_END 0x50100000u
#define POLL_ADDR 0x50000004u
#define FIFO_ADDR 0x50000008u
#define WIN(off) ((uintptr_t)WIN_BASE + (off))

/* the entry points the instrumented code calls, for the tests that call
 * them directly */
void __tsan_read_range(void *p, long n);

struct acc {
  uint32_t addr;
  unsigned width;
  uint32_t value;
  int write;
};

#define LOG_MAX 8192
static uint8_t bus_mem[WIN_END - WIN_BASE];
static struct acc acc_log[LOG_MAX];
static volatile int n_log, log_off;
static volatile int poll_busy; /* POLL_ADDR reads 1 this many times, then 0 */

static sigjmp_buf crash_env;
static const char *crash_why;

static void log_acc(uint32_t addr, unsigned width, uint32_t value, int write)
{
  if (log_off)
    return;
  cr_assert_lt(n_log, LOG_MAX, "access log overflow");
  acc_log[n_log++] = (struct acc){addr, width, value, write};
}

static uint32_t mem_rd(uint32_t addr, unsigned width)
{
  uint32_t v = 0;
  for (unsigned i = 0; i < width; i++)
    v |= (uint32_t)bus_mem[addr - WIN_BASE + i] << (8 * i);
  return v;
}

static void mem_wr(uint32_t addr, unsigned width, uint32_t v)
{
  for (unsigned i = 0; i < width; i++)
    bus_mem[addr - WIN_BASE + i] = (uint8_t)(v >> (8 * i));
}

static int fake_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value)
{
  (void)ctx;
  cr_assert(width == 1 || width == 2 || width == 4);
  cr_assert_eq(addr % width, 0, "unaligned read 0x%08x/%u", addr, width);
  cr_assert(addr >= WIN_BASE && addr + width <= WIN_END);
  if (addr == POLL_ADDR) {
    *value = poll_busy > 0;
    if (poll_busy > 0)
      poll_busy--;
  } else {
    *value = mem_rd(addr, width);
  }
  log_acc(addr, width, *value, 0);
  return 0;
}

static int fake_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  (void)ctx;
  cr_assert(width == 1 || width == 2 || width == 4);
  cr_assert_eq(addr % width, 0, "unaligned write 0x%08x/%u", addr, width);
  cr_assert(addr >= WIN_BASE && addr + width <= WIN_END);
  mem_wr(addr, width, value);
  log_acc(addr, width, value, 1);
  return 0;
}

static void fake_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why)
{
  (void)ctx;
  (void)fault_addr;
  (void)rip;
  crash_why = why;
  siglongjmp(crash_env, 1);
}

static const struct m78_bridge_ops fake_ops = {fake_read, fake_write, NULL, fake_crash, NULL};
static const struct m78_bridge_range window = {WIN_BASE, WIN_END};

static void setup(void)
{
  char err[200];
  memset(bus_mem, 0, sizeof bus_mem);
  n_log = 0;
  log_off = 0;
  poll_busy = 0;
  cr_assert_eq(m78_bridge_install_shadow(&window, 1, &fake_ops, err, sizeof err), 0, "install: %s", err);
  m78inst_enable(&window, 1);
}

static void teardown(void)
{
  m78inst_watch_clear();
  m78inst_flush();
  m78_bridge_uninstall();
}

TestSuite(inst, .init = setup, .fini = teardown);

#define R(a, w, v)                                                                                                     \
  {                                                                                                                    \
    (a), (w), (v), 0                                                                                                   \
  }
#define W(a, w, v)                                                                                                     \
  {                                                                                                                    \
    (a), (w), (v), 1                                                                                                   \
  }

static void expect_log(const struct acc *exp, int n, int line)
{
  for (int i = 0; i < n && i < n_log; i++) {
    const struct acc *g = &acc_log[i];
    cr_expect(
        g->addr == exp[i].addr && g->width == exp[i].width && g->value == exp[i].value && g->write == exp[i].write,
        "line %d, access %d: got %c 0x%08x/%u = 0x%08x, want %c 0x%08x/%u = 0x%08x", line, i, g->write ? 'W' : 'R',
        g->addr, g->width, g->value, exp[i].write ? 'W' : 'R', exp[i].addr, exp[i].width, exp[i].value);
  }
  cr_assert_eq(n_log, n, "line %d: %d accesses, want %d", line, n_log, n);
  n_log = 0;
}

#define EXPECT(...)                                                                                                    \
  do {                                                                                                                 \
    const struct acc exp_[] = {__VA_ARGS__};                                                                           \
    expect_log(exp_, (int)(sizeof exp_ / sizeof exp_[0]), __LINE__);                                                   \
  } while (0)
#define EXPECT_NONE() expect_log(NULL, 0, __LINE__)

/* ------------------------------------------------------------------ */

Test(inst, recognised)
{
  cr_expect(m78inst_instrumented(), "__tsan_init ran in inst_fw.c's constructor");
}

Test(inst, store_reaches_the_bus_at_the_next_window_access)
{
  mem_wr(WIN_BASE + 0x20, 4, 0x11112222);
  fw_store32((volatile uint32_t *)WIN(0x10), 0xabcd1234);
  EXPECT_NONE(); /* the value is in the shadow, the bus has not seen it */
  cr_expect_eq(fw_load32((volatile uint32_t *)WIN(0x20)), 0x11112222);
  EXPECT(W(0x50000010, 4, 0xabcd1234), R(0x50000020, 4, 0x11112222));
  m78inst_flush();
  EXPECT_NONE();
}

Test(inst, store_reaches_the_bus_before_the_next_store)
{
  fw_store32((volatile uint32_t *)WIN(0x10), 1);
  fw_store32((volatile uint32_t *)WIN(0x10), 2);
  fw_store32((volatile uint32_t *)WIN(0x14), 3);
  m78inst_flush();
  EXPECT(W(0x50000010, 4, 1), W(0x50000010, 4, 2), W(0x50000014, 4, 3));
}

Test(inst, ram_accesses_leave_the_store_pending)
{
  uint32_t ram[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  fw_store32((volatile uint32_t *)WIN(0x40), 7);
  cr_expect_eq(fw_sum(ram, 8), 36);
  fw_store32((volatile uint32_t *)ram, 9);
  EXPECT_NONE();
  m78inst_flush();
  EXPECT(W(0x50000040, 4, 7));
  cr_expect_eq(ram[0], 9);
}

Test(inst, widths)
{
  fw_store8((volatile uint8_t *)WIN(1), 0x5a);
  fw_store16((volatile uint16_t *)WIN(2), 0xbeef);
  fw_store64((volatile uint64_t *)WIN(8), 0x1122334455667788ull);
  m78inst_flush();
  EXPECT(W(0x50000001, 1, 0x5a), W(0x50000002, 2, 0xbeef), W(0x50000008, 4, 0x55667788), W(0x5000000c, 4, 0x11223344));
  mem_wr(WIN_BASE + 0x100, 4, 0xcafef00d);
  mem_wr(WIN_BASE + 0x104, 4, 0x01020304);
  cr_expect_eq(fw_load64((volatile uint64_t *)WIN(0x100)), 0x01020304cafef00dull);
  EXPECT(R(0x50000100, 4, 0xcafef00d), R(0x50000104, 4, 0x01020304));
}

Test(inst, unaligned_pieces)
{
  mem_wr(WIN_BASE + 0x200, 4, 0x44332211);
  mem_wr(WIN_BASE + 0x204, 4, 0x88776655);
  __tsan_read_range((void *)WIN(0x201), 6);
  EXPECT(R(0x50000201, 1, 0x22), R(0x50000202, 2, 0x4433), R(0x50000204, 2, 0x6655), R(0x50000206, 1, 0x77));
  cr_expect_eq(*(volatile uint32_t *)WIN(0x204), 0x00776655, "the shadow holds the bytes read");
}

Test(inst, read_modify_write_reads_then_writes)
{
  mem_wr(WIN_BASE + 0x30, 4, 0x00f00000);
  fw_or32((volatile uint32_t *)WIN(0x30), 0x1);
  mem_wr(WIN_BASE + 0x37, 1, 0xff);
  fw_and8((volatile uint8_t *)WIN(0x37), 0x0f);
  m78inst_flush();
  EXPECT(R(0x50000030, 4, 0x00f00000), W(0x50000030, 4, 0x00f00001), R(0x50000037, 1, 0xff), W(0x50000037, 1, 0x0f));
}

Test(inst, vendor_loader)
{
  static const uint32_t weights[5] = {0xa0a0a0a0, 0xb1b1b1b1, 0xc2c2c2c2, 0xd3d3d3d3, 0xe4e4e4e4};
  fw_memcpy32((uint32_t *)WIN(0x1000), weights, 5);
  m78inst_flush();
  EXPECT(W(0x50001000, 4, 0xa0a0a0a0), W(0x50001004, 4, 0xb1b1b1b1), W(0x50001008, 4, 0xc2c2c2c2),
         W(0x5000100c, 4, 0xd3d3d3d3), W(0x50001010, 4, 0xe4e4e4e4));
}

Test(inst, vendor_fifo_loop)
{
  static const uint32_t in[2] = {0x01020304, 0x05060708};
  poll_busy = 2;
  fw_fifo_push((volatile uint32_t *)WIN(FIFO_ADDR - WIN_BASE), (volatile uint32_t *)WIN(POLL_ADDR - WIN_BASE), in, 2);
  m78inst_flush();
  EXPECT(R(POLL_ADDR, 4, 1), R(POLL_ADDR, 4, 1), R(POLL_ADDR, 4, 0), W(FIFO_ADDR, 4, 0x01020304), R(POLL_ADDR, 4, 0),
         W(FIFO_ADDR, 4, 0x05060708));
}

Test(inst, vendor_unloader)
{
  uint32_t out[3] = {0};
  mem_wr(WIN_BASE + 0x400, 4, 7);
  mem_wr(WIN_BASE + 0x404, 4, 8);
  mem_wr(WIN_BASE + 0x408, 4, 9);
  fw_unload(out, (volatile uint32_t *)WIN(0x400), 3);
  EXPECT(R(0x50000400, 4, 7), R(0x50000404, 4, 8), R(0x50000408, 4, 9));
  cr_expect(out[0] == 7 && out[1] == 8 && out[2] == 9);
}

static int shim_saw;
static void shim_entry(void)
{
  m78inst_flush(); /* what every shim entry point does (the SoC state's flush) */
  shim_saw = n_log;
}

Test(inst, shim_entry_sends_the_store)
{
  fw_store_then_call((volatile uint32_t *)WIN(0x50), 0x55, shim_entry);
  cr_expect_eq(shim_saw, 1, "the shim saw the store");
  EXPECT(W(0x50000050, 4, 0x55));
}

Test(inst, memory_functions_send_the_store_first)
{
  static const uint32_t src[2] = {0x1234, 0x5678};
  volatile size_t n = sizeof src; /* a real call, not an inlined copy */
  fw_store32((volatile uint32_t *)WIN(0x60), 1);
  memcpy((void *)WIN(0x100), src, n);
  fw_store32((volatile uint32_t *)WIN(0x64), 2);
  memset((void *)WIN(0x200), 0xab, n / 2);
  EXPECT(W(0x50000060, 4, 1), W(0x50000100, 4, 0x1234), W(0x50000104, 4, 0x5678), W(0x50000064, 4, 2),
         W(0x50000200, 4, 0xabababab));
}

Test(inst, aggregate_copy_into_a_window)
{
  static const struct fw_s12 s = {{0x10, 0x20, 0x30}};
  fw_copy_struct((struct fw_s12 *)WIN(0x700), &s);
  m78inst_flush();
  EXPECT(W(0x50000700, 4, 0x10), W(0x50000704, 4, 0x20), W(0x50000708, 4, 0x30));
}

Test(inst, atomics)
{
  uint32_t ram = 5;
  cr_expect_eq(fw_fetch_add(&ram, 3), 5);
  cr_expect_eq(ram, 8);
  EXPECT_NONE();
  mem_wr(WIN_BASE + 0x80, 4, 40);
  cr_expect_eq(fw_fetch_add((uint32_t *)WIN(0x80), 2), 40);
  EXPECT(R(0x50000080, 4, 40), W(0x50000080, 4, 42));
}

Test(inst, crash_outside_the_windows_is_reported)
{
  if (sigsetjmp(crash_env, 1) == 0) {
    fw_load32((volatile uint32_t *)(uintptr_t)0x1000);
    cr_assert_fail("no crash");
  }
  cr_expect_str_eq(crash_why, "access outside the bridge windows");
}

/* ---- the first-read watch ---- */

static uint32_t watched[4] = {1, 2, 3, 4};
static int watch_calls, watch_saw_log;

static void on_first_read(void *ctx)
{
  watch_calls++;
  watch_saw_log = n_log;
  ((uint32_t *)ctx)[2] = 100; /* before the load: the firmware reads this */
}

Test(inst, watch_fires_once_before_the_load)
{
  cr_assert_eq(m78inst_watch_first_read((uintptr_t)&watched[2], (uintptr_t)&watched[4], on_first_read, watched), 0);
  fw_store32((volatile uint32_t *)WIN(0x90), 3);
  cr_expect_eq(fw_sum(watched, 2), 3, "reads outside the range do not fire");
  cr_expect_eq(watch_calls, 0);
  cr_expect_eq(fw_sum(watched, 4), 1 + 2 + 100 + 4, "fn ran before the load");
  cr_expect_eq(watch_calls, 1);
  cr_expect_eq(watch_saw_log, 1, "the pending store reached the bus before fn ran");
  EXPECT(W(0x50000090, 4, 3));
  cr_expect_eq(fw_sum(watched, 4), 107);
  cr_expect_eq(watch_calls, 1, "called once");
  fw_store32((volatile uint32_t *)&watched[3], 0);
  cr_expect_eq(watch_calls, 1, "stores do not fire");
}

static uint32_t a_arr[2], b_arr[2];
static int a_calls, b_calls;
static void on_a(void *ctx)
{
  (void)ctx;
  a_calls++;
}
static void on_b(void *ctx)
{
  (void)ctx;
  b_calls++;
  /* re-arm from inside fn: the watches were cleared before the call */
  cr_expect_eq(m78inst_watch_first_read((uintptr_t)a_arr, (uintptr_t)(a_arr + 2), on_a, NULL), 0);
}

Test(inst, watch_clears_all_and_may_rearm)
{
  cr_assert_eq(m78inst_watch_first_read((uintptr_t)a_arr, (uintptr_t)(a_arr + 2), on_a, NULL), 0);
  cr_assert_eq(m78inst_watch_first_read((uintptr_t)b_arr, (uintptr_t)(b_arr + 2), on_b, NULL), 0);
  fw_sum(b_arr, 2);
  cr_expect(a_calls == 0 && b_calls == 1);
  fw_sum(b_arr, 2);
  cr_expect_eq(b_calls, 1, "b's watch was cleared");
  fw_sum(a_arr, 2);
  cr_expect_eq(a_calls, 1, "a was re-armed by on_b");
  fw_sum(a_arr, 2);
  cr_expect_eq(a_calls, 1);
}

Test(inst, watch_on_a_window_fires_before_the_bus_read)
{
  cr_assert_eq(m78inst_watch_first_read(WIN(0x300), WIN(0x304), on_a, NULL), 0);
  fw_load32((volatile uint32_t *)WIN(0x300));
  cr_expect_eq(a_calls, 1);
  EXPECT(R(0x50000300, 4, 0));
}

Test(inst, watch_table)
{
  static uint32_t arr[M78INST_MAX_WATCHES + 1];
  for (int i = 0; i < M78INST_MAX_WATCHES; i++)
    cr_expect_eq(m78inst_watch_first_read((uintptr_t)&arr[i], (uintptr_t)&arr[i + 1], on_a, NULL), 0);
  cr_expect_eq(m78inst_watch_first_read((uintptr_t)&arr[16], (uintptr_t)&arr[17], on_a, NULL), -1, "full");
  m78inst_watch_clear();
  cr_expect_eq(m78inst_watch_first_read(8, 8, on_a, NULL), -1, "empty range");
  cr_expect_eq(m78inst_watch_first_read(8, 16, NULL, NULL), -1, "no fn");
  fw_sum(arr, 17);
  cr_expect_eq(a_calls, 0, "cleared without calls");
}

/* ---- cost, printed, not asserted ---- */

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

Test(inst, timing)
{
  enum { N = 200000 };
  static uint32_t ram[1024];
  log_off = 1;
  double t0 = now_ns();
  for (int i = 0; i < N / 1024; i++)
    fw_memcpy32(ram, ram + 512, 512);
  double t1 = now_ns();
  m78inst_probe((volatile uint32_t *)WIN(0x800), N, 1);
  double t2 = now_ns();
  m78inst_probe((volatile uint32_t *)WIN(0x800), N, 0);
  double t3 = now_ns();
  log_off = 0;
  fprintf(stderr, "inst timing: RAM access %.1f ns, window store %.1f ns, window load %.1f ns (fake bus)\n",
          (t1 - t0) / (2.0 * (N / 1024) * 512), (t2 - t1) / N, (t3 - t2) / N);
}
