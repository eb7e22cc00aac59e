/*
 * The fault bridge on x86-64 Linux.
 *
 * The windows are anonymous PROT_NONE mappings at the MAX78000 addresses
 * (read-write in shadow mode, where the instrumented firmware of inst.c
 * never faults there and the handler only reports crashes).
 * A firmware access to them raises SIGSEGV; the handler (on its own 1 MiB
 * alternate stack) decodes the instruction at RIP, checks that the
 * effective address it computes covers si_addr, performs the accesses
 * through the callbacks, writes the results into the interrupted context
 * (general registers, EFLAGS, vector registers in the signal frame's XSAVE
 * area) and moves RIP past the instruction.
 *
 * Instructions the decoder does not know are single-stepped instead: the
 * touched window pages become readable scratch copies filled with peek(),
 * EFLAGS.TF is set, and the SIGTRAP after the instruction turns the words
 * that changed into 4-byte writes before the pages go back to PROT_NONE.
 *
 * Invariants:
 *  - outside a single step every window page is PROT_NONE;
 *  - an instruction is emulated completely or, when it reports
 *    EMU_UNKNOWN, without any bus access (so single-stepping it after the
 *    decoder gave up never repeats an access);
 *  - every callback access is 1, 2 or 4 bytes and naturally aligned.
 *
 * State is one struct (m78br): the signal handler has nowhere else to find
 * it.  The firmware is single threaded; the alternate stack belongs to the
 * thread that called m78_bridge_install.
 *
 * This file: the signal handlers, the single-step fallback and the
 * installation.  The bus side is bridge_bus.c, the interrupted context
 * bridge_regs.c, the decoder and its opcode table bridge_decode.c, the
 * emulation per opcode group bridge_emu_int.c and bridge_emu_vec.c, the
 * interposed memcpy/memmove/memset bridge_mem.c (bridge_x86_64.h).
 */
#include "bridge_x86_64.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define ALTSTACK_BYTES (1u << 20)

/* In .data, before the firmware's .bss: firmware that overruns a static
 * buffer must not corrupt the bridge (see soc.h). */
struct bridge m78br __attribute__((section(".data.m78shim")));

/* ------------------------------------------------------------------ */
/* Single-step fallback                                                 */

/* An instruction the decoder does not know runs for real on scratch
 * copies of the window pages it touches; the SIGTRAP after it turns every
 * 32-bit word that changed into a 4-byte write, or, when nothing changed,
 * reports one 4-byte read of the faulting word.  Limitation: a store of
 * the value a word already held is not seen, a read of other words of the
 * page is not reported, and all reads see peek() values (taken before the
 * instruction), so side effects of reads are not modelled. */

static void step_restore(void)
{
  for (int i = 0; i < m78br.step_n; i++) {
    mprotect((void *)m78br.step_page[i], PAGE_BYTES, PROT_NONE);
    madvise((void *)m78br.step_page[i], PAGE_BYTES, MADV_DONTNEED);
  }
  m78br.step_n = 0;
  m78br.step_active = 0;
}

static int step_add_page(uintptr_t page)
{
  if (m78br.step_n >= STEP_MAX_PAGES || !m78br.ops.peek)
    return -1;
  for (int i = 0; i < m78br.step_n; i++)
    if (m78br.step_page[i] == page)
      return -1; /* already readable: this fault is not ours */
  if (m78br_win_kind(page, PAGE_BYTES) != 1)
    return -1;
  if (mprotect((void *)page, PAGE_BYTES, PROT_READ | PROT_WRITE) != 0)
    return -1;
  uint32_t *before = m78br.step_before + (size_t)m78br.step_n * PAGE_WORDS;
  volatile uint32_t *scratch = (volatile uint32_t *)page;
  memset(m78br.step_changed[m78br.step_n], 0, sizeof m78br.step_changed[0]);
  for (size_t i = 0; i < PAGE_WORDS; i++) {
    uint32_t v = 0;
    if (m78br.ops.peek(m78br.ops.ctx, (uint32_t)(page + 4 * i), &v) != 0)
      v = 0;
    scratch[i] = v;
    before[i] = v;
  }
  m78br.step_page[m78br.step_n++] = page;
  return 0;
}

static void crash(uintptr_t fa, uintptr_t rip, const char *why)
{
  struct sigaction dfl;
  step_restore();
  m78br.direct = 0;
  if (m78br.ops.crash)
    m78br.ops.crash(m78br.ops.ctx, fa, rip, why);
  /* the callback must not return; if it does, the re-executed access
   * kills the process with an ordinary SIGSEGV */
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGSEGV, &dfl, NULL);
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
  ucontext_t *uc = ctx;
  int saved_errno = errno;
  if (!m78br.step_active) { /* not our trap: hand it on */
    const struct sigaction *old = &m78br.old_trap;
    if (old->sa_flags & SA_SIGINFO) {
      if (old->sa_sigaction)
        old->sa_sigaction(sig, si, ctx);
    } else if (old->sa_handler == SIG_DFL) {
      signal(SIGTRAP, SIG_DFL);
      raise(SIGTRAP);
    } else if (old->sa_handler != SIG_IGN) {
      old->sa_handler(sig);
    }
    errno = saved_errno;
    return;
  }
  /* Collect the changes and close the pages before any callback runs, so
   * that the bridge is consistent even if a callback never returns. */
  int n = m78br.step_n, changed = 0;
  uintptr_t pages[STEP_MAX_PAGES], fault = m78br.step_fault;
  for (int p = 0; p < n; p++) {
    const uint32_t *now = (const uint32_t *)m78br.step_page[p];
    uint32_t *before = m78br.step_before + (size_t)p * PAGE_WORDS;
    pages[p] = m78br.step_page[p];
    for (unsigned i = 0; i < PAGE_WORDS; i++) {
      if (now[i] != before[i]) {
        before[i] = now[i];
        m78br.step_changed[p][i / 32] |= 1u << (i % 32);
        changed = 1;
      }
    }
  }
  step_restore();
  m78br_greg_set(uc, REG_EFL, m78br_greg_get(uc, REG_EFL) & ~(uint64_t)FL_TF);
  m78br.stats.single_stepped++;
  for (int p = 0; p < n; p++) {
    const uint32_t *after = m78br.step_before + (size_t)p * PAGE_WORDS;
    for (unsigned i = 0; i < PAGE_WORDS; i++)
      if (m78br.step_changed[p][i / 32] >> (i % 32) & 1)
        m78br_bus_wr(pages[p] + 4 * i, 4, after[i]);
  }
  if (!changed)
    (void)m78br_bus_rd(fault & ~(uintptr_t)3, 4);
  errno = saved_errno;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
  ucontext_t *uc = ctx;
  int saved_errno = errno;
  uintptr_t fa = (uintptr_t)si->si_addr, rip = (uintptr_t)m78br_greg_get(uc, REG_RIP);
  (void)sig;
  if (m78br.direct) {
    crash(fa, m78br.emul_rip, "guest operand outside the windows is not accessible");
  } else if (m78br.shadow || si->si_code <= 0 || m78br_win_kind(fa, 1) != 1) {
    crash(fa, rip, "access outside the bridge windows");
  } else if (m78br.step_active) {
    /* the stepped instruction reaches another window page */
    if (rip != m78br.step_rip)
      crash(fa, rip, "window fault during a single step of another instruction");
    else if (step_add_page(fa & ~(uintptr_t)(PAGE_BYTES - 1)) != 0)
      crash(fa, rip, "single step: cannot map the window page");
  } else {
    struct emu e;
    memset(&e, 0, sizeof e);
    e.uc = uc;
    e.fa = fa;
    e.rip = rip;
    m78br.emul_rip = rip;
    int r = m78br_emulate(&e);
    if (r == EMU_OK) {
      m78br_greg_set(uc, REG_RIP, rip + e.in.len);
      m78br.stats.decoded++;
    } else if (r == EMU_CRASH) {
      crash(fa, rip, e.why);
    } else {
      m78br.step_active = 1;
      m78br.step_rip = rip;
      m78br.step_fault = fa;
      m78br.step_n = 0;
      if (!m78br.ops.peek)
        crash(fa, rip, "undecodable instruction and no peek callback for single-step");
      else if (step_add_page(fa & ~(uintptr_t)(PAGE_BYTES - 1)) != 0)
        crash(fa, rip, "single step: cannot map the window page");
      else
        m78br_greg_set(uc, REG_EFL, m78br_greg_get(uc, REG_EFL) | FL_TF);
    }
  }
  errno = saved_errno;
}

/* ------------------------------------------------------------------ */
/* Installation                                                         */

static void load_xsave_layout(void)
{
  unsigned a, b, c, d;
  memset(m78br.xoff, 0, sizeof m78br.xoff);
  memset(m78br.xsize, 0, sizeof m78br.xsize);
  if (__get_cpuid_max(0, NULL) < 0xD)
    return;
  for (unsigned i = XC_YMM; i < XC_COUNT; i++) {
    if (__get_cpuid_count(0xD, i, &a, &b, &c, &d) && a && b) {
      m78br.xsize[i] = a;
      m78br.xoff[i] = b;
    }
  }
}

static void unmap_windows(int n)
{
  for (int i = 0; i < n; i++)
    munmap((void *)(uintptr_t)m78br.ranges[i].base, m78br.ranges[i].end - m78br.ranges[i].base);
}

static int install(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, int shadow,
                   char *err, size_t errlen)
{
  struct sigaction sa;
  stack_t ss;
  const uintptr_t ps = PAGE_BYTES;
  char dummy[1];
  if (!err) {
    err = dummy;
    errlen = sizeof dummy;
  }
  if (m78br.installed) {
    snprintf(err, errlen, "bridge already installed");
    return -1;
  }
  if (sysconf(_SC_PAGESIZE) != PAGE_BYTES) {
    snprintf(err, errlen, "page size is not %u bytes", PAGE_BYTES);
    return -1;
  }
  if (!ops || !ops->read || !ops->write || n < 1 || n > MAX_RANGES || !ranges) {
    snprintf(err, errlen, "bad arguments (need read/write callbacks and 1..%d ranges)", MAX_RANGES);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (ranges[i].end <= ranges[i].base || (ranges[i].base & (ps - 1)) || (ranges[i].end & (ps - 1))) {
      snprintf(err, errlen, "range [0x%08x, 0x%08x) is empty or not page aligned", ranges[i].base, ranges[i].end);
      return -1;
    }
  }
  memset(&m78br, 0, sizeof m78br);
  m78br.ops = *ops;
  m78br.shadow = shadow;
  load_xsave_layout();
#ifdef M78_BRIDGE_INTERPOSE_MEM
  m78br_resolve_mem(); /* not from inside a signal handler later */
#endif
  for (int i = 0; i < n; i++) {
    void *want = (void *)(uintptr_t)ranges[i].base;
    size_t len = ranges[i].end - ranges[i].base;
    void *got = mmap(want, len, shadow ? PROT_READ | PROT_WRITE : PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (got != want) {
      int e = errno;
      if (got != MAP_FAILED)
        munmap(got, len); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
      snprintf(err, errlen, "cannot reserve [0x%08x, 0x%08x): %s", ranges[i].base, ranges[i].end,
               got == MAP_FAILED ? (e == EEXIST ? "range already mapped" : strerror(e)) : "address not available");
      unmap_windows(i);
      return -1;
    }
    m78br.ranges[i] = ranges[i];
    m78br.n_ranges = i + 1;
  }
  m78br.step_before = mmap(NULL, STEP_MAX_PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  m78br.altstack = mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m78br.step_before == MAP_FAILED || m78br.altstack == MAP_FAILED) {
    snprintf(err, errlen, "out of memory for the signal stack");
    goto fail;
  }
  ss.ss_sp = m78br.altstack;
  ss.ss_size = ALTSTACK_BYTES;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, &m78br.old_stack) != 0) {
    snprintf(err, errlen, "sigaltstack: %s", strerror(errno));
    goto fail;
  }
  /* SA_NODEFER: a fault while handling one (a bad RAM operand, a crashing
   * callback) must reach the handler again instead of killing the process */
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sa.sa_sigaction = on_segv;
  sigaction(SIGSEGV, &sa, &m78br.old_segv);
  sa.sa_sigaction = on_trap;
  sigaction(SIGTRAP, &sa, &m78br.old_trap);
  m78br.installed = 1;
  return 0;
fail:
  if (m78br.step_before != MAP_FAILED && m78br.step_before)
    munmap(m78br.step_before, STEP_MAX_PAGES * ps);
  if (m78br.altstack != MAP_FAILED && m78br.altstack)
    munmap(m78br.altstack, ALTSTACK_BYTES);
  unmap_windows(m78br.n_ranges);
  memset(&m78br, 0, sizeof m78br);
  return -1;
}

int m78_bridge_install(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, char *err,
                       size_t errlen)
{
  return install(ranges, n, ops, 0, err, errlen);
}

int m78_bridge_install_shadow(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, char *err,
                              size_t errlen)
{
  return install(ranges, n, ops, 1, err, errlen);
}

void m78_bridge_set_ops(const struct m78_bridge_ops *ops, struct m78_bridge_ops *old)
{
  if (old)
    *old = m78br.ops;
  m78br.ops = *ops;
}

void m78_bridge_set_mem_hook(void (*hook)(void))
{
  m78br.mem_hook = hook;
}

void m78_bridge_uninstall(void)
{
  stack_t cur;
  if (!m78br.installed)
    return;
  step_restore();
  sigaction(SIGSEGV, &m78br.old_segv, NULL);
  sigaction(SIGTRAP, &m78br.old_trap, NULL);
  if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == m78br.altstack && !(cur.ss_flags & SS_ONSTACK))
    sigaltstack(&m78br.old_stack, NULL);
  munmap(m78br.altstack, ALTSTACK_BYTES);
  munmap(m78br.step_before, STEP_MAX_PAGES * PAGE_BYTES);
  unmap_windows(m78br.n_ranges);
  memset(&m78br, 0, sizeof m78br);
}

void m78_bridge_get_stats(struct m78_bridge_stats *out)
{
  *out = m78br.stats;
}
