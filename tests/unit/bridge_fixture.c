/*
 * The fault bridge tests' fixture (bridge_test.h): the fake bus behind
 * the window, its access log, the crash callback, and the suite's set-up
 * that installs the bridge for every test.
 */
#define _GNU_SOURCE

#include "bridge_test.h"

uint8_t bus_mem[WIN_END - WIN_BASE];
struct acc acc_log[LOG_MAX];
volatile int n_log, log_off;
volatile int poll_busy; /* POLL_ADDR reads 1 this many times, then its memory */

sigjmp_buf crash_env;
uintptr_t crash_addr, crash_rip;
const char *crash_why;

static void log_acc(uint32_t addr, unsigned width, uint32_t value, int write)
{
  if (log_off)
    return;
  cr_assert_lt(n_log, LOG_MAX, "access log overflow");
  acc_log[n_log++] = (struct acc){addr, width, value, write};
}

uint32_t mem_rd(uint32_t addr, unsigned width)
{
  uint32_t v = 0;
  for (unsigned i = 0; i < width; i++)
    v |= (uint32_t)bus_mem[addr - WIN_BASE + i] << (8 * i);
  return v;
}

void mem_wr(uint32_t addr, unsigned width, uint32_t v)
{
  for (unsigned i = 0; i < width; i++)
    bus_mem[addr - WIN_BASE + i] = (uint8_t)(v >> (8 * i));
}

int fake_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value)
{
  (void)ctx;
  cr_assert(width == 1 || width == 2 || width == 4);
  cr_assert_eq(addr % width, 0, "unaligned read 0x%08x/%u", addr, width);
  cr_assert(addr >= WIN_BASE && addr + width <= WIN_END);
  if (addr == POLL_ADDR && poll_busy > 0) {
    poll_busy--;
    *value = 1;
  } else {
    *value = mem_rd(addr, width);
  }
  log_acc(addr, width, *value, 0);
  return 0;
}

int fake_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  (void)ctx;
  cr_assert(width == 1 || width == 2 || width == 4);
  cr_assert_eq(addr % width, 0, "unaligned write 0x%08x/%u", addr, width);
  cr_assert(addr >= WIN_BASE && addr + width <= WIN_END);
  mem_wr(addr, width, value);
  log_acc(addr, width, value, 1);
  return 0;
}

int fake_peek(void *ctx, uint32_t addr, uint32_t *value)
{
  (void)ctx;
  *value = mem_rd(addr, 4);
  return 0;
}

void fake_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why)
{
  (void)ctx;
  crash_addr = fault_addr;
  crash_rip = rip;
  crash_why = why;
  siglongjmp(crash_env, 1);
}

const struct m78_bridge_ops fake_ops = {fake_read, fake_write, fake_peek, fake_crash, NULL};
const struct m78_bridge_range window = {WIN_BASE, WIN_END};

static void setup(void)
{
  char err[200];
  memset(bus_mem, 0, sizeof bus_mem);
  n_log = 0;
  log_off = 0;
  poll_busy = 0;
  cr_assert_eq(m78_bridge_install(&window, 1, &fake_ops, err, sizeof err), 0, "install: %s", err);
}

static void teardown(void)
{
  m78_bridge_uninstall();
}

TestSuite(bridge, .init = setup, .fini = teardown);

void expect_log(const struct acc *exp, int n, int line)
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
