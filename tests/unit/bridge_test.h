/*
 * The fault bridge tests' fixture (bridge_fixture.c), shared by the
 * test_bridge_*.c files, one per group of the bridge: integer emulation
 * (test_bridge_int.c), vector moves (test_bridge_vec.c), the bus-aware
 * memory functions and compiled C (test_bridge_mem.c), and the signal
 * and window handling (test_bridge_signal.c).
 *
 * A window at 0x50000000..0x50100000 is backed by a fake bus (1 MiB of
 * bytes and a log of every callback access).  Instructions are forced
 * with inline asm where the exact form matters and written as plain C
 * where the point is what GCC makes of firmware-style code.  The tests
 * check the exact (address, width, value, read/write) sequence of
 * callback accesses, except libc_string_functions, whose sequence is the
 * C library's choice.
 *
 * The bridge object must be built with M78_BRIDGE_INTERPOSE_MEM so that
 * memcpy/memmove/memset in these executables are the bus-aware ones.
 */
#ifndef M78_BRIDGE_TEST_H
#define M78_BRIDGE_TEST_H

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include "bridge.h"

#define WIN_BASE 0x50000000u
#define WIN_END 0x50100000u
#define POLL_ADDR 0x50000004u
#define FL_CF 0x001u
#define FL_PF 0x004u
#define FL_AF 0x010u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

struct acc {
  uint32_t addr;
  unsigned width;
  uint32_t value;
  int write;
};

#define LOG_MAX 8192

/* the fake bus (bridge_fixture.c; every test of the suite `bridge`
 * starts with it zeroed, the log empty and the bridge installed) */
extern uint8_t bus_mem[WIN_END - WIN_BASE];
extern struct acc acc_log[LOG_MAX];
extern volatile int n_log, log_off;
extern volatile int poll_busy; /* POLL_ADDR reads 1 this many times, then its memory */

/* where fake_crash jumps, and what it was told */
extern sigjmp_buf crash_env;
extern uintptr_t crash_addr, crash_rip;
extern const char *crash_why;

uint32_t mem_rd(uint32_t addr, unsigned width);
void mem_wr(uint32_t addr, unsigned width, uint32_t v);
int fake_read(void *ctx, uint32_t addr, unsigned width, uint32_t *value);
int fake_write(void *ctx, uint32_t addr, unsigned width, uint32_t value);
int fake_peek(void *ctx, uint32_t addr, uint32_t *value);
void fake_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why);
extern const struct m78_bridge_ops fake_ops;
extern const struct m78_bridge_range window;

/* Checks the log against exp[0..n) and empties it. */
void expect_log(const struct acc *exp, int n, int line);

#define R(a, w, v)                                                                                                     \
  {                                                                                                                    \
    (a), (w), (v), 0                                                                                                   \
  }
#define W(a, w, v)                                                                                                     \
  {                                                                                                                    \
    (a), (w), (v), 1                                                                                                   \
  }

#define EXPECT(...)                                                                                                    \
  do {                                                                                                                 \
    const struct acc exp_[] = {__VA_ARGS__};                                                                           \
    expect_log(exp_, (int)(sizeof exp_ / sizeof exp_[0]), __LINE__);                                                   \
  } while (0)
#define EXPECT_NONE() expect_log(NULL, 0, __LINE__)

#endif
