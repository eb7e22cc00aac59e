/*
 * Fault bridge tests, signals and windows (bridge_x86_64.c): RIP-relative
 * operands, the single-step fallback for instructions the decoder does
 * not emulate, crashes outside the windows with and without a callback,
 * a foreign breakpoint, installation errors, and the cost of an access
 * (fixture: bridge_test.h).
 */
#define _GNU_SOURCE

#include "bridge_test.h"

Test(bridge, rip_relative)
{
  /* code just above the window, so that RIP-relative reaches it */
  uint8_t *code = mmap((void *)(uintptr_t)0x50200000, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (uint8_t *)(uintptr_t)0x50200000)
    cr_skip_test("cannot map code at 0x50200000");
  int32_t d1 = (int32_t)(0x50000c00 - (0x50200000 + 6));
  int32_t d2 = (int32_t)(0x50000c04 - (0x50200010 + 10));
  /* mov eax, [rip+d1]; ret   and   mov dword [rip+d2], 0x12345678; ret */
  code[0] = 0x8b;
  code[1] = 0x05;
  memcpy(code + 2, &d1, 4);
  code[6] = 0xc3;
  code[0x10] = 0xc7;
  code[0x11] = 0x05;
  memcpy(code + 0x12, &d2, 4);
  uint32_t imm = 0x12345678;
  memcpy(code + 0x16, &imm, 4);
  code[0x1a] = 0xc3;
  cr_assert_eq(mprotect(code, 4096, PROT_READ | PROT_EXEC), 0);
  mem_wr(0x50000c00, 4, 0xfeedface);
  uint32_t (*load)(void) = (uint32_t(*)(void))(uintptr_t)code;
  void (*store)(void) = (void (*)(void))(uintptr_t)(code + 0x10);
  cr_expect_eq(load(), 0xfeedface);
  store();
  EXPECT(R(0x50000c00, 4, 0xfeedface), W(0x50000c04, 4, 0x12345678));
  munmap(code, 4096);
}

Test(bridge, single_step_fallback)
{
  uintptr_t w = WIN_BASE + 0xd00;
  uint8_t cf;
  struct m78_bridge_stats st;
  mem_wr(0x50000d00, 4, 0x10);
  __asm__ volatile("btsl $3, (%1); setc %0" : "=q"(cf) : "r"(w) : "memory", "cc");
  cr_expect_eq(cf, 0);
  __asm__ volatile("btl $4, (%1); setc %0" : "=q"(cf) : "r"(w) : "memory", "cc");
  cr_expect_eq(cf, 1);
  uint64_t r = 5;
  __asm__ volatile("lock xaddl %k0, (%1)" : "+r"(r) : "r"(w) : "memory", "cc");
  cr_expect_eq(r, 0x18);
  EXPECT(W(0x50000d00, 4, 0x18), R(0x50000d00, 4, 0x18), W(0x50000d00, 4, 0x1d));

  /* an access that spans two window pages faults once per page */
  __asm__ volatile("btsl $20, (%0)" ::"r"(WIN_BASE + 0xffe) : "memory", "cc");
  EXPECT(W(0x50001000, 4, 0x10));
  m78_bridge_get_stats(&st);
  cr_expect_eq(st.single_stepped, 4);
  cr_expect_eq(st.decoded, 0);
}

static uintptr_t movs_rip;
static volatile uint32_t *volatile bad_ptr = (volatile uint32_t *)(uintptr_t)8;

Test(bridge, crash_outside_windows)
{
  if (sigsetjmp(crash_env, 1) == 0) {
    *bad_ptr = 1;
    cr_assert_fail("the store did not fault");
  }
  cr_expect_eq(crash_addr, 8);
  cr_expect_str_eq(crash_why, "access outside the bridge windows");

  /* the RAM side of a string op is bad: a nested fault, reported at the
   * instruction */
  if (sigsetjmp(crash_env, 1) == 0) {
    uintptr_t rdi = 16, rsi = WIN_BASE, rcx = 4;
    __asm__ volatile("lea 0f(%%rip), %%rax\n\tmov %%rax, %[h]\n\t0: rep movsb"
                     : [h] "=m"(movs_rip), "+D"(rdi), "+S"(rsi), "+c"(rcx)::"rax", "memory");
    cr_assert_fail("the copy did not fault");
  }
  cr_expect_eq(crash_addr, 16);
  cr_expect_str_eq(crash_why, "guest operand outside the windows is not accessible");
  cr_expect_eq(crash_rip, movs_rip, "reported at the rep movsb");
  EXPECT(R(0x50000000, 4, 0));

  /* the bridge still works afterwards */
  *(volatile uint32_t *)(uintptr_t)0x50000010 = 3;
  EXPECT(W(0x50000010, 4, 3));
}

/* without a crash callback a real crash still ends the process with SIGSEGV */
Test(bridge, crash_without_callback, .signal = SIGSEGV)
{
  static const struct m78_bridge_ops ops = {fake_read, fake_write, fake_peek, NULL, NULL};
  char err[200];
  m78_bridge_uninstall();
  cr_assert_eq(m78_bridge_install(&window, 1, &ops, err, sizeof err), 0, "%s", err);
  *bad_ptr = 1;
}

/* a breakpoint that is not the bridge's single step keeps its default action */
Test(bridge, foreign_trap, .signal = SIGTRAP)
{
  __asm__ volatile("int3" ::: "memory");
}

Test(bridge, install_errors)
{
  char err[200];
  cr_expect_eq(m78_bridge_install(&window, 1, &fake_ops, err, sizeof err), -1);
  m78_bridge_uninstall();
  void *p = mmap((void *)(uintptr_t)0x50040000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                 0);
  cr_assert_eq(p, (void *)(uintptr_t)0x50040000);
  cr_expect_eq(m78_bridge_install(&window, 1, &fake_ops, err, sizeof err), -1);
  cr_expect(strstr(err, "already mapped") != NULL, "message: %s", err);
  munmap(p, 4096);
  cr_expect_eq(m78_bridge_install(&window, 1, &fake_ops, err, sizeof err), 0, "%s", err);
}

/* the floor: a handler that only skips the 7-byte load */
static void skip_load(int sig, siginfo_t *si, void *ctx)
{
  ucontext_t *uc = ctx;
  (void)sig;
  (void)si;
  uc->uc_mcontext.gregs[REG_RIP] += 7;
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

Test(bridge, timing)
{
  const int n = 200000;
  volatile uint32_t *reg = (volatile uint32_t *)(uintptr_t)0x50000e00;
  uint32_t sum = 0;
  log_off = 1;
  double t0 = now_ns();
  for (int i = 0; i < n; i++)
    sum += *reg;
  double t1 = now_ns();
  for (int i = 0; i < n; i++)
    *reg = (uint32_t)i << 2; /* bit 1 stays clear for the BTS below */
  double t2 = now_ns();
  for (int i = 0; i < 2000; i++)
    __asm__ volatile("btsl $1, (%0)" ::"r"(reg) : "memory", "cc");
  double t3 = now_ns();
  struct sigaction bare, saved;
  memset(&bare, 0, sizeof bare);
  bare.sa_sigaction = skip_load;
  bare.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigaction(SIGSEGV, &bare, &saved);
  double t4 = now_ns();
  for (int i = 0; i < n; i++)
    __asm__ volatile("movl 0x50000e00, %%eax" ::: "eax", "memory"); /* 8B 04 25 disp32 */
  double t5 = now_ns();
  sigaction(SIGSEGV, &saved, NULL);
  (void)sum;
  struct m78_bridge_stats st;
  m78_bridge_get_stats(&st);
  /* only the first BTS changes the word; the others look like reads */
  cr_expect_eq(st.reads, (uint64_t)n + 1999);
  cr_expect_eq(st.single_stepped, 2000);
  cr_expect_eq(st.decoded, 2u * (uint64_t)n);
  fprintf(stderr,
          "bridge timing: decoded load %.0f ns, decoded store %.0f ns, single-step %.0f ns per access; "
          "bare SIGSEGV round trip %.0f ns\n",
          (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / 2000, (t5 - t4) / n);
}
