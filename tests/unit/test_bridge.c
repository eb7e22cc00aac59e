/*
 * Fault bridge tests: a window at 0x50000000..0x50100000 backed by a fake
 * bus (1 MiB of bytes and a log of every callback access).  Instructions
 * are forced with inline asm where the exact form matters and written as
 * plain C where the point is what GCC makes of firmware-style code.  The
 * tests check the exact (address, width, value, read/write) sequence of
 * callback accesses, except libc_string_functions, whose sequence is the C
 * library's choice.
 *
 * The bridge object must be built with M78_BRIDGE_INTERPOSE_MEM so that
 * memcpy/memmove/memset in this executable are the bus-aware ones.
 */
#define _GNU_SOURCE
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
static uint8_t bus_mem[WIN_END - WIN_BASE];
static struct acc acc_log[LOG_MAX];
static volatile int n_log, log_off;
static volatile int poll_busy; /* POLL_ADDR reads 1 this many times, then its memory */

static sigjmp_buf crash_env;
static uintptr_t crash_addr, crash_rip;
static const char *crash_why;

static void log_acc(uint32_t addr, unsigned width, uint32_t value, int write)
{
  if (log_off)
    return;
  cr_assert_lt(n_log, LOG_MAX, "access log overflow");
  acc_log[n_log++] = (struct acc){ addr, width, value, write };
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
  if (addr == POLL_ADDR && poll_busy > 0) {
    poll_busy--;
    *value = 1;
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

static int fake_peek(void *ctx, uint32_t addr, uint32_t *value)
{
  (void)ctx;
  *value = mem_rd(addr, 4);
  return 0;
}

static void fake_crash(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why)
{
  (void)ctx;
  crash_addr = fault_addr;
  crash_rip = rip;
  crash_why = why;
  siglongjmp(crash_env, 1);
}

static const struct m78_bridge_ops fake_ops = { fake_read, fake_write, fake_peek, fake_crash, NULL };
static const struct m78_bridge_range window = { WIN_BASE, WIN_END };

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

#define R(a, w, v) { (a), (w), (v), 0 }
#define W(a, w, v) { (a), (w), (v), 1 }

static void expect_log(const struct acc *exp, int n, int line)
{
  for (int i = 0; i < n && i < n_log; i++) {
    const struct acc *g = &acc_log[i];
    cr_expect(g->addr == exp[i].addr && g->width == exp[i].width && g->value == exp[i].value &&
                  g->write == exp[i].write,
              "line %d, access %d: got %c 0x%08x/%u = 0x%08x, want %c 0x%08x/%u = 0x%08x", line, i,
              g->write ? 'W' : 'R', g->addr, g->width, g->value, exp[i].write ? 'W' : 'R', exp[i].addr,
              exp[i].width, exp[i].value);
  }
  cr_assert_eq(n_log, n, "line %d: %d accesses, want %d", line, n_log, n);
  n_log = 0;
}

#define EXPECT(...)                                                                                   \
  do {                                                                                                \
    const struct acc exp_[] = { __VA_ARGS__ };                                                        \
    expect_log(exp_, (int)(sizeof exp_ / sizeof exp_[0]), __LINE__);                                  \
  } while (0)
#define EXPECT_NONE() expect_log(NULL, 0, __LINE__)

/* ------------------------------------------------------------------ */

Test(bridge, gpr_loads_and_stores)
{
  uintptr_t w = WIN_BASE;
  uint64_t v;

  __asm__ volatile("movb %b1, 1(%0)" ::"r"(w), "r"(0x5aull) : "memory");
  __asm__ volatile("movw %w1, 2(%0)" ::"r"(w), "r"(0xbeefull) : "memory");
  __asm__ volatile("movl %k1, 4(%0)" ::"r"(w), "r"(0x12345678ull) : "memory");
  __asm__ volatile("movq %1, 8(%0)" ::"r"(w), "r"(0x1122334455667788ull) : "memory");
  __asm__ volatile("movl $0xcafef00d, 16(%0)" ::"r"(w) : "memory");
  __asm__ volatile("movq $-2, 24(%0)" ::"r"(w) : "memory");
  __asm__ volatile("movb $0x77, 32(%0)" ::"r"(w) : "memory");
  __asm__ volatile("movw $0x1234, 34(%0)" ::"r"(w) : "memory");
  EXPECT(W(0x50000001, 1, 0x5a), W(0x50000002, 2, 0xbeef), W(0x50000004, 4, 0x12345678),
         W(0x50000008, 4, 0x55667788), W(0x5000000c, 4, 0x11223344), W(0x50000010, 4, 0xcafef00d),
         W(0x50000018, 4, 0xfffffffe), W(0x5000001c, 4, 0xffffffff), W(0x50000020, 1, 0x77),
         W(0x50000022, 2, 0x1234));

  v = ~0ull;
  __asm__ volatile("movb 1(%1), %b0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffffff5aull);
  __asm__ volatile("movw 2(%1), %w0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffffbeefull);
  __asm__ volatile("movl 4(%1), %k0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x12345678ull, "32-bit loads zero-extend");
  __asm__ volatile("movq 8(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x1122334455667788ull);
  EXPECT(R(0x50000001, 1, 0x5a), R(0x50000002, 2, 0xbeef), R(0x50000004, 4, 0x12345678),
         R(0x50000008, 4, 0x55667788), R(0x5000000c, 4, 0x11223344));

  /* AH without REX, SIL with REX */
  uint64_t rax = 0x1111111111111111ull;
  __asm__ volatile("movb 1(%1), %%ah" : "+a"(rax) : "r"(w) : "memory");
  cr_expect_eq(rax, 0x1111111111115a11ull);
  uint64_t rsi = 0x2222222222222222ull;
  __asm__ volatile("movb 1(%1), %%sil" : "+S"(rsi) : "r"(w) : "memory");
  cr_expect_eq(rsi, 0x222222222222225aull);
  EXPECT(R(0x50000001, 1, 0x5a), R(0x50000001, 1, 0x5a));

  /* misaligned accesses split into natural pieces */
  __asm__ volatile("movl %k1, 0x41(%0)" ::"r"(w), "r"(0xa1b2c3d4ull) : "memory");
  __asm__ volatile("movq %1, 0x52(%0)" ::"r"(w), "r"(0x0102030405060708ull) : "memory");
  __asm__ volatile("movw %w1, 0x63(%0)" ::"r"(w), "r"(0xabcdull) : "memory");
  EXPECT(W(0x50000041, 1, 0xd4), W(0x50000042, 2, 0xb2c3), W(0x50000044, 1, 0xa1),
         W(0x50000052, 2, 0x0708), W(0x50000054, 4, 0x03040506), W(0x50000058, 2, 0x0102),
         W(0x50000063, 1, 0xcd), W(0x50000064, 1, 0xab));
  __asm__ volatile("movq 0x52(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x0102030405060708ull);
  EXPECT(R(0x50000052, 2, 0x0708), R(0x50000054, 4, 0x03040506), R(0x50000058, 2, 0x0102));

  /* SIB with index and scale, absolute disp32, 64-bit moffs */
  uint64_t idx = 3;
  __asm__ volatile("movl %k2, 0x100(%0,%1,8)" ::"r"(w), "r"(idx), "r"(7ull) : "memory");
  __asm__ volatile("movl $9, 0x50000120" ::: "memory");
  rax = 0x31;
  __asm__ volatile("movabsl %%eax, 0x50000124" ::"a"(rax) : "memory");
  __asm__ volatile("movabsl 0x50000120, %%eax" : "=a"(rax)::"memory");
  cr_expect_eq(rax, 9);
  EXPECT(W(0x50000118, 4, 7), W(0x50000120, 4, 9), W(0x50000124, 4, 0x31), R(0x50000120, 4, 9));
}

Test(bridge, movzx_movsx)
{
  uintptr_t w = WIN_BASE + 0x200;
  uint64_t v;
  mem_wr(0x50000200, 4, 0x8081f0ff);
  __asm__ volatile("movzbl 1(%1), %k0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xf0);
  __asm__ volatile("movsbl 1(%1), %k0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xfffffff0ull);
  __asm__ volatile("movsbq 1(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xfffffffffffffff0ull);
  __asm__ volatile("movzwl 2(%1), %k0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x8081);
  __asm__ volatile("movswq 2(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffff8081ull);
  v = ~0ull;
  __asm__ volatile("movsbw 0(%1), %w0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffffffffull);
  __asm__ volatile("movslq 0(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffff8081f0ffull);
  EXPECT(R(0x50000201, 1, 0xf0), R(0x50000201, 1, 0xf0), R(0x50000201, 1, 0xf0),
         R(0x50000202, 2, 0x8081), R(0x50000202, 2, 0x8081), R(0x50000200, 1, 0xff),
         R(0x50000200, 4, 0x8081f0ff));
}

Test(bridge, read_modify_write)
{
  uintptr_t w = WIN_BASE + 0x300;
  uint64_t r = 0x40;
  mem_wr(0x50000300, 4, 0x00101009);
  __asm__ volatile("andl $~0x1001, (%0)" ::"r"(w) : "memory", "cc");
  __asm__ volatile("orl $0x10, (%0)" ::"r"(w) : "memory", "cc");
  __asm__ volatile("orl %k1, (%0)" ::"r"(w), "r"(r) : "memory", "cc");
  __asm__ volatile("orb $0x80, 3(%0)" ::"r"(w) : "memory", "cc");
  __asm__ volatile("addw $1, 2(%0)" ::"r"(w) : "memory", "cc");
  __asm__ volatile("addl (%1), %k0" : "+r"(r) : "r"(w) : "memory", "cc");
  cr_expect_eq(r, 0x40 + 0x80110058ull);
  __asm__ volatile("notl (%0)" ::"r"(w) : "memory");
  __asm__ volatile("incb (%0)" ::"r"(w) : "memory", "cc");
  EXPECT(R(0x50000300, 4, 0x00101009), W(0x50000300, 4, 0x00100008), R(0x50000300, 4, 0x00100008),
         W(0x50000300, 4, 0x00100018), R(0x50000300, 4, 0x00100018), W(0x50000300, 4, 0x00100058),
         R(0x50000303, 1, 0x00), W(0x50000303, 1, 0x80), R(0x50000302, 2, 0x8010),
         W(0x50000302, 2, 0x8011), R(0x50000300, 4, 0x80110058), R(0x50000300, 4, 0x80110058),
         W(0x50000300, 4, 0x7feeffa7), R(0x50000300, 1, 0xa7), W(0x50000300, 1, 0xa8));
}

Test(bridge, xchg)
{
  uintptr_t w = WIN_BASE + 0x340;
  uint64_t r = 0x11223344;
  mem_wr(0x50000340, 4, 0xaabbccdd);
  __asm__ volatile("xchgl %k0, (%1)" : "+r"(r) : "r"(w) : "memory");
  cr_expect_eq(r, 0xaabbccdd);
  uint64_t b = 0x99;
  __asm__ volatile("xchgb %b0, 1(%1)" : "+q"(b) : "r"(w) : "memory");
  cr_expect_eq(b, 0x33);
  EXPECT(R(0x50000340, 4, 0xaabbccdd), W(0x50000340, 4, 0x11223344), R(0x50000341, 1, 0x33),
         W(0x50000341, 1, 0x99));
}

/* test/cmp with setcc, as firmware writes status checks */
Test(bridge, test_cmp_setcc)
{
  uintptr_t w = WIN_BASE + 0x380;
  uint8_t z, b, l, s;
  mem_wr(0x50000380, 4, 0x80000001);
  __asm__ volatile("testl $1, (%1); setz %0" : "=q"(z) : "r"(w) : "memory", "cc");
  cr_expect_eq(z, 0);
  __asm__ volatile("testb $2, (%1); setz %0" : "=q"(z) : "r"(w) : "memory", "cc");
  cr_expect_eq(z, 1);
  __asm__ volatile("cmpl $5, (%4); setz %0; setb %1; setl %2; sets %3"
                   : "=q"(z), "=q"(b), "=q"(l), "=q"(s)
                   : "r"(w)
                   : "memory", "cc");
  cr_expect(z == 0 && b == 0 && l == 1 && s == 0);
  __asm__ volatile("cmpl %k1, (%2); setz %0" : "=q"(z) : "r"(0x80000001ull), "r"(w) : "memory", "cc");
  cr_expect_eq(z, 1);
  __asm__ volatile("cmpb (%1), %b2; seta %0" : "=q"(z) : "r"(w), "q"(0x02ull) : "memory", "cc");
  cr_expect_eq(z, 1);
  EXPECT(R(0x50000380, 4, 0x80000001), R(0x50000380, 1, 0x01), R(0x50000380, 4, 0x80000001),
         R(0x50000380, 4, 0x80000001), R(0x50000380, 1, 0x01));
}

/* Every ALU form on RAM and on the window must give the same result and
 * flags as the CPU itself. */
#define OPFN(name, body)                                                                              \
  static uint64_t name(uintptr_t p, uint64_t *b, uint64_t fin)                                        \
  {                                                                                                   \
    uint64_t fout, bb = *b;                                                                           \
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" body                       \
                     "\n\tpushfq\n\tpopq %[fout]\n\tlea 128(%%rsp), %%rsp"                            \
                     : [fout] "=&r"(fout), [b] "+r"(bb)                                               \
                     : [p] "r"(p), [fin] "r"(fin)                                                     \
                     : "memory", "cc");                                                               \
    *b = bb;                                                                                          \
    return fout;                                                                                      \
  }

OPFN(op_addl, "addl %k[b], (%[p])")
OPFN(op_orl, "orl %k[b], (%[p])")
OPFN(op_adcl, "adcl %k[b], (%[p])")
OPFN(op_sbbl, "sbbl %k[b], (%[p])")
OPFN(op_andl, "andl %k[b], (%[p])")
OPFN(op_subl, "subl %k[b], (%[p])")
OPFN(op_xorl, "xorl %k[b], (%[p])")
OPFN(op_cmpl, "cmpl %k[b], (%[p])")
OPFN(op_testl, "testl %k[b], (%[p])")
OPFN(op_addl_rm, "addl (%[p]), %k[b]")
OPFN(op_subl_rm, "subl (%[p]), %k[b]")
OPFN(op_sbbl_rm, "sbbl (%[p]), %k[b]")
OPFN(op_cmpl_rm, "cmpl (%[p]), %k[b]")
OPFN(op_xorl_rm, "xorl (%[p]), %k[b]")
OPFN(op_negl, "negl (%[p])")
OPFN(op_notl, "notl (%[p])")
OPFN(op_incl, "incl (%[p])")
OPFN(op_decl, "decl (%[p])")
OPFN(op_addl_i, "addl $0x7fffffff, (%[p])")
OPFN(op_subl_i8, "subl $1, (%[p])")
OPFN(op_cmpl_i8, "cmpl $-1, (%[p])")
OPFN(op_andl_i, "andl $0x80000001, (%[p])")
OPFN(op_adcl_i, "adcl $5, (%[p])")
OPFN(op_sbbl_i, "sbbl $0x80000000, (%[p])")
OPFN(op_testl_i, "testl $0x80000001, (%[p])")
OPFN(op_addb, "addb %b[b], (%[p])")
OPFN(op_adcb, "adcb %b[b], (%[p])")
OPFN(op_sbbb, "sbbb %b[b], (%[p])")
OPFN(op_subb, "subb %b[b], (%[p])")
OPFN(op_cmpb_i, "cmpb $0x80, (%[p])")
OPFN(op_negb, "negb (%[p])")
OPFN(op_incb, "incb (%[p])")
OPFN(op_decb, "decb (%[p])")
OPFN(op_testb_i, "testb $0x81, (%[p])")
OPFN(op_addb_rm, "addb (%[p]), %b[b]")
OPFN(op_addw, "addw %w[b], (%[p])")
OPFN(op_subw_i, "subw $0x8000, (%[p])")
OPFN(op_negw, "negw (%[p])")
OPFN(op_cmpw, "cmpw %w[b], (%[p])")
OPFN(op_orw_rm, "orw (%[p]), %w[b]")
OPFN(op_addq, "addq %[b], (%[p])")
OPFN(op_adcq, "adcq %[b], (%[p])")
OPFN(op_subq, "subq %[b], (%[p])")
OPFN(op_sbbq, "sbbq %[b], (%[p])")
OPFN(op_cmpq, "cmpq %[b], (%[p])")
OPFN(op_negq, "negq (%[p])")
OPFN(op_incq, "incq (%[p])")
OPFN(op_decq, "decq (%[p])")
OPFN(op_andq_i, "andq $-16, (%[p])")
OPFN(op_xorq, "xorq %[b], (%[p])")
OPFN(op_testq, "testq %[b], (%[p])")
OPFN(op_subq_rm, "subq (%[p]), %[b]")

struct alu_case {
  const char *name;
  uint64_t (*fn)(uintptr_t, uint64_t *, uint64_t);
  unsigned width;
  int writes_mem;
  int logic; /* AF undefined */
};

static const struct alu_case alu_cases[] = {
  { "addl", op_addl, 4, 1, 0 },     { "orl", op_orl, 4, 1, 1 },       { "adcl", op_adcl, 4, 1, 0 },
  { "sbbl", op_sbbl, 4, 1, 0 },     { "andl", op_andl, 4, 1, 1 },     { "subl", op_subl, 4, 1, 0 },
  { "xorl", op_xorl, 4, 1, 1 },     { "cmpl", op_cmpl, 4, 0, 0 },     { "testl", op_testl, 4, 0, 1 },
  { "addl rm", op_addl_rm, 4, 0, 0 }, { "subl rm", op_subl_rm, 4, 0, 0 }, { "sbbl rm", op_sbbl_rm, 4, 0, 0 },
  { "cmpl rm", op_cmpl_rm, 4, 0, 0 }, { "xorl rm", op_xorl_rm, 4, 0, 1 }, { "negl", op_negl, 4, 1, 0 },
  { "notl", op_notl, 4, 1, 0 },     { "incl", op_incl, 4, 1, 0 },     { "decl", op_decl, 4, 1, 0 },
  { "addl imm", op_addl_i, 4, 1, 0 }, { "subl imm8", op_subl_i8, 4, 1, 0 }, { "cmpl imm8", op_cmpl_i8, 4, 0, 0 },
  { "andl imm", op_andl_i, 4, 1, 1 }, { "adcl imm", op_adcl_i, 4, 1, 0 }, { "sbbl imm", op_sbbl_i, 4, 1, 0 },
  { "testl imm", op_testl_i, 4, 0, 1 }, { "addb", op_addb, 1, 1, 0 },  { "adcb", op_adcb, 1, 1, 0 },
  { "sbbb", op_sbbb, 1, 1, 0 },     { "subb", op_subb, 1, 1, 0 },     { "cmpb imm", op_cmpb_i, 1, 0, 0 },
  { "negb", op_negb, 1, 1, 0 },     { "incb", op_incb, 1, 1, 0 },     { "decb", op_decb, 1, 1, 0 },
  { "testb imm", op_testb_i, 1, 0, 1 }, { "addb rm", op_addb_rm, 1, 0, 0 }, { "addw", op_addw, 2, 1, 0 },
  { "subw imm", op_subw_i, 2, 1, 0 }, { "negw", op_negw, 2, 1, 0 },   { "cmpw", op_cmpw, 2, 0, 0 },
  { "orw rm", op_orw_rm, 2, 0, 1 }, { "addq", op_addq, 8, 1, 0 },     { "adcq", op_adcq, 8, 1, 0 },
  { "subq", op_subq, 8, 1, 0 },     { "sbbq", op_sbbq, 8, 1, 0 },     { "cmpq", op_cmpq, 8, 0, 0 },
  { "negq", op_negq, 8, 1, 0 },     { "incq", op_incq, 8, 1, 0 },     { "decq", op_decq, 8, 1, 0 },
  { "andq imm", op_andq_i, 8, 1, 1 }, { "xorq", op_xorq, 8, 1, 1 },   { "testq", op_testq, 8, 0, 1 },
  { "subq rm", op_subq_rm, 8, 0, 0 },
};

static const uint64_t alu_values[] = {
  0, 1, 2, 0x0f, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
  0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
  0x0123456789abcdefull, 0xfedcba9876543210ull, 0x0f0f0f0f0f0f0f08ull,
};

Test(bridge, alu_flags_match_cpu)
{
  const uint32_t addr = 0x50000400;
  uint64_t ram;
  int nv = (int)(sizeof alu_values / sizeof alu_values[0]);
  for (size_t c = 0; c < sizeof alu_cases / sizeof alu_cases[0]; c++) {
    const struct alu_case *k = &alu_cases[c];
    uint64_t fmask = k->logic ? FL_ARITH & ~FL_AF : FL_ARITH;
    for (int i = 0; i < nv; i++) {
      for (int j = 0; j < nv; j++) {
        for (uint64_t cf = 0; cf < 2; cf++) {
          uint64_t a = alu_values[i], b_ram = alu_values[j], b_win = b_ram, m = 0;
          uint64_t fin = 0x202 | cf | (j & 1 ? FL_ZF | FL_OF : FL_SF | FL_PF | FL_AF);
          ram = a;
          uint64_t f_ram = k->fn((uintptr_t)&ram, &b_ram, fin);
          memcpy(bus_mem + (addr - WIN_BASE), &a, 8);
          n_log = 0;
          uint64_t f_win = k->fn(addr, &b_win, fin);
          memcpy(&m, bus_mem + (addr - WIN_BASE), 8);
          cr_assert_eq(f_win & fmask, f_ram & fmask, "%s a=%#llx b=%#llx cf=%d: flags %#llx, cpu %#llx",
                       k->name, (unsigned long long)a, (unsigned long long)alu_values[j], (int)cf,
                       (unsigned long long)(f_win & fmask), (unsigned long long)(f_ram & fmask));
          cr_assert_eq(b_win, b_ram, "%s: register", k->name);
          cr_assert_eq(m, ram, "%s a=%#llx b=%#llx: memory %#llx, cpu %#llx", k->name, (unsigned long long)a,
                       (unsigned long long)alu_values[j], (unsigned long long)m, (unsigned long long)ram);
          /* reads of the operand, then the writes of the result */
          struct acc exp[4];
          int ne = 0;
          uint64_t mask = k->width == 8 ? ~0ull : (1ull << (8 * k->width)) - 1;
          unsigned pw = k->width < 4 ? k->width : 4;
          exp[ne++] = (struct acc){ addr, pw, (uint32_t)(a & mask), 0 };
          if (k->width == 8)
            exp[ne++] = (struct acc){ addr + 4, 4, (uint32_t)(a >> 32), 0 };
          if (k->writes_mem) {
            exp[ne++] = (struct acc){ addr, pw, (uint32_t)(ram & mask), 1 };
            if (k->width == 8)
              exp[ne++] = (struct acc){ addr + 4, 4, (uint32_t)(ram >> 32), 1 };
          }
          expect_log(exp, ne, __LINE__);
        }
      }
    }
  }
}

Test(bridge, sse_moves)
{
  uintptr_t w = WIN_BASE + 0x500;
  uint8_t src[16], dst[16], ones[16];
  for (int i = 0; i < 16; i++)
    src[i] = (uint8_t)(0x10 + i);
  memset(ones, 0xff, sizeof ones);

  __asm__ volatile("movdqu (%1), %%xmm1\n\tmovdqu %%xmm1, (%0)" ::"r"(w), "r"(src) : "xmm1", "memory");
  __asm__ volatile("movaps %%xmm1, 0x10(%0)" ::"r"(w) : "memory");
  __asm__ volatile("movups %%xmm1, 0x23(%0)" ::"r"(w) : "memory");
  EXPECT(W(0x50000500, 4, 0x13121110), W(0x50000504, 4, 0x17161514), W(0x50000508, 4, 0x1b1a1918),
         W(0x5000050c, 4, 0x1f1e1d1c), W(0x50000510, 4, 0x13121110), W(0x50000514, 4, 0x17161514),
         W(0x50000518, 4, 0x1b1a1918), W(0x5000051c, 4, 0x1f1e1d1c), W(0x50000523, 1, 0x10),
         W(0x50000524, 4, 0x14131211), W(0x50000528, 4, 0x18171615), W(0x5000052c, 4, 0x1c1b1a19),
         W(0x50000530, 2, 0x1e1d), W(0x50000532, 1, 0x1f));

  __asm__ volatile("movaps 0x10(%1), %%xmm2\n\tmovdqu %%xmm2, (%0)" ::"r"(dst), "r"(w) : "xmm2", "memory");
  cr_expect_arr_eq(dst, src, 16);
  __asm__ volatile("movdqu 0x23(%1), %%xmm2\n\tmovdqu %%xmm2, (%0)" ::"r"(dst), "r"(w) : "xmm2", "memory");
  cr_expect_arr_eq(dst, src, 16);
  EXPECT(R(0x50000510, 4, 0x13121110), R(0x50000514, 4, 0x17161514), R(0x50000518, 4, 0x1b1a1918),
         R(0x5000051c, 4, 0x1f1e1d1c), R(0x50000523, 1, 0x10), R(0x50000524, 4, 0x14131211),
         R(0x50000528, 4, 0x18171615), R(0x5000052c, 4, 0x1c1b1a19), R(0x50000530, 2, 0x1e1d),
         R(0x50000532, 1, 0x1f));

  /* scalar and half moves: zeroing and merging as the CPU does */
  uint8_t want[16];
  __asm__ volatile("movdqu (%2), %%xmm3\n\tmovd 0x10(%1), %%xmm3\n\tmovdqu %%xmm3, (%0)" ::"r"(dst), "r"(w),
                   "r"(ones)
                   : "xmm3", "memory");
  memset(want, 0, 16);
  memcpy(want, src, 4);
  cr_expect_arr_eq(dst, want, 16, "movd load clears bits 32-127");
  __asm__ volatile("movdqu (%2), %%xmm3\n\tmovq 0x10(%1), %%xmm3\n\tmovdqu %%xmm3, (%0)" ::"r"(dst), "r"(w),
                   "r"(ones)
                   : "xmm3", "memory");
  memcpy(want, src, 8);
  cr_expect_arr_eq(dst, want, 16, "movq load clears bits 64-127");
  __asm__ volatile("movdqu (%2), %%xmm4\n\tmovss 0x10(%1), %%xmm4\n\tmovdqu %%xmm4, (%0)" ::"r"(dst), "r"(w),
                   "r"(ones)
                   : "xmm4", "memory");
  memset(want, 0, 16);
  memcpy(want, src, 4);
  cr_expect_arr_eq(dst, want, 16, "movss load clears bits 32-127");
  __asm__ volatile("movdqu (%2), %%xmm5\n\tmovhps 0x10(%1), %%xmm5\n\tmovdqu %%xmm5, (%0)" ::"r"(dst), "r"(w),
                   "r"(ones)
                   : "xmm5", "memory");
  memset(want, 0xff, 8);
  memcpy(want + 8, src, 8);
  cr_expect_arr_eq(dst, want, 16, "movhps load merges");
  EXPECT(R(0x50000510, 4, 0x13121110), R(0x50000510, 4, 0x13121110), R(0x50000514, 4, 0x17161514),
         R(0x50000510, 4, 0x13121110), R(0x50000510, 4, 0x13121110), R(0x50000514, 4, 0x17161514));

  __asm__ volatile("movdqu (%1), %%xmm6\n\t"
                   "movq %%xmm6, 0x40(%0)\n\t"      /* 66 0F D6 */
                   "movd %%xmm6, 0x48(%0)\n\t"      /* 66 0F 7E */
                   "movsd %%xmm6, 0x50(%0)\n\t"     /* F2 0F 11 */
                   "movhps %%xmm6, 0x58(%0)\n\t"    /* 0F 17 */
                   "movntdq %%xmm6, 0x60(%0)\n\t"   /* 66 0F E7 */
                   "movntps %%xmm6, 0x70(%0)\n\t"   /* 0F 2B */
                   "movq %%xmm6, %%rax\n\t"
                   "movnti %%eax, 0x80(%0)" ::"r"(w),
                   "r"(src)
                   : "xmm6", "rax", "memory");
  EXPECT(W(0x50000540, 4, 0x13121110), W(0x50000544, 4, 0x17161514), W(0x50000548, 4, 0x13121110),
         W(0x50000550, 4, 0x13121110), W(0x50000554, 4, 0x17161514), W(0x50000558, 4, 0x1b1a1918),
         W(0x5000055c, 4, 0x1f1e1d1c), W(0x50000560, 4, 0x13121110), W(0x50000564, 4, 0x17161514),
         W(0x50000568, 4, 0x1b1a1918), W(0x5000056c, 4, 0x1f1e1d1c), W(0x50000570, 4, 0x13121110),
         W(0x50000574, 4, 0x17161514), W(0x50000578, 4, 0x1b1a1918), W(0x5000057c, 4, 0x1f1e1d1c),
         W(0x50000580, 4, 0x13121110));
}

__attribute__((target("avx"))) static void avx_body(void)
{
  uintptr_t w = WIN_BASE + 0x600;
  uint8_t src[32], dst[32], ones[32], want[32];
  for (int i = 0; i < 32; i++)
    src[i] = (uint8_t)(0x40 + i);
  memset(ones, 0xff, sizeof ones);

  __asm__ volatile("vmovdqu (%1), %%ymm0\n\tvmovdqu %%ymm0, (%0)\n\tvzeroupper" ::"r"(w), "r"(src)
                   : "xmm0", "memory");
  EXPECT(W(0x50000600, 4, 0x43424140), W(0x50000604, 4, 0x47464544), W(0x50000608, 4, 0x4b4a4948),
         W(0x5000060c, 4, 0x4f4e4d4c), W(0x50000610, 4, 0x53525150), W(0x50000614, 4, 0x57565554),
         W(0x50000618, 4, 0x5b5a5958), W(0x5000061c, 4, 0x5f5e5d5c));
  __asm__ volatile("vmovdqu (%1), %%ymm1\n\tvmovdqu %%ymm1, (%0)\n\tvzeroupper" ::"r"(dst), "r"(w)
                   : "xmm1", "memory");
  cr_expect_arr_eq(dst, src, 32);
  n_log = 0;
  /* a VEX.128 load clears the upper half of the ymm register */
  __asm__ volatile("vmovdqu (%2), %%ymm2\n\tvmovdqu (%1), %%xmm2\n\tvmovdqu %%ymm2, (%0)\n\tvzeroupper" ::"r"(dst),
                   "r"(w), "r"(ones)
                   : "xmm2", "memory");
  memset(want, 0, 32);
  memcpy(want, src, 16);
  cr_expect_arr_eq(dst, want, 32);
  /* vmovaps ymm store, vmovq store, vmovd load */
  __asm__ volatile("vmovdqu (%1), %%ymm3\n\tvmovaps %%ymm3, 0x40(%0)\n\tvmovq %%xmm3, 0x60(%0)\n\t"
                   "vmovd 0x64(%0), %%xmm3\n\tvmovdqu %%ymm3, (%2)\n\tvzeroupper" ::"r"(w),
                   "r"(src), "r"(dst)
                   : "xmm3", "memory");
  memset(want, 0, 32);
  memcpy(want, src + 4, 4);
  cr_expect_arr_eq(dst, want, 32);
  EXPECT(R(0x50000600, 4, 0x43424140), R(0x50000604, 4, 0x47464544), R(0x50000608, 4, 0x4b4a4948),
         R(0x5000060c, 4, 0x4f4e4d4c), W(0x50000640, 4, 0x43424140), W(0x50000644, 4, 0x47464544),
         W(0x50000648, 4, 0x4b4a4948), W(0x5000064c, 4, 0x4f4e4d4c), W(0x50000650, 4, 0x53525150),
         W(0x50000654, 4, 0x57565554), W(0x50000658, 4, 0x5b5a5958), W(0x5000065c, 4, 0x5f5e5d5c),
         W(0x50000660, 4, 0x43424140), W(0x50000664, 4, 0x47464544), R(0x50000664, 4, 0x47464544));
}

Test(bridge, avx_ymm)
{
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx"))
    cr_skip_test("this CPU has no AVX: vmovdqu ymm not tested");
  avx_body();
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) static void avx512_body(void)
{
  uintptr_t w = WIN_BASE + 0x700;
  uint8_t src[64], dst[64], want[64];
  for (int i = 0; i < 64; i++)
    src[i] = (uint8_t)i;

  /* zmm16 is EVEX-only; 0x40(%0) uses a compressed disp8 (1 * 64) */
  __asm__ volatile("vmovdqu64 (%1), %%zmm16\n\tvmovdqu64 %%zmm16, 0x40(%0)" ::"r"(w), "r"(src)
                   : "xmm16", "memory");
  struct acc exp[16];
  for (int i = 0; i < 16; i++)
    exp[i] = (struct acc){ 0x50000740u + 4u * (unsigned)i, 4, mem_rd(0x50000740u + 4u * (unsigned)i, 4), 1 };
  cr_expect_arr_eq(bus_mem + 0x740, src, 64);
  expect_log(exp, 16, __LINE__);

  __asm__ volatile("vmovdqu64 0x40(%1), %%zmm17\n\tvmovdqu64 %%zmm17, (%0)" ::"r"(dst), "r"(w)
                   : "xmm17", "memory");
  cr_expect_arr_eq(dst, src, 64);
  n_log = 0;

  /* glibc's evex memcpy style: ymm16 */
  __asm__ volatile("vmovdqu64 (%1), %%ymm18\n\tvmovdqu64 %%ymm18, -0x20(%0)" ::"r"(w + 0x100), "r"(src)
                   : "xmm18", "memory");
  cr_expect_arr_eq(bus_mem + 0x7e0, src, 32);
  cr_expect_eq(n_log, 8);
  n_log = 0;

  /* masked byte store: elements 0, 4-7, 12-15 */
  uint64_t k = 0xf0f1;
  __asm__ volatile("kmovq %2, %%k1\n\tvmovdqu64 (%1), %%zmm19\n\tvmovdqu8 %%zmm19, 0x80(%0)%{%%k1%}" ::"r"(w),
                   "r"(src), "r"(k)
                   : "xmm19", "k1", "memory");
  EXPECT(W(0x50000780, 1, 0x00), W(0x50000784, 4, 0x07060504), W(0x5000078c, 4, 0x0f0e0d0c));

  /* masked zeroing load of dwords 0 and 2 */
  k = 0x5;
  __asm__ volatile("kmovq %2, %%k2\n\tvmovdqu32 0x40(%1), %%zmm20%{%%k2%}%{z%}\n\tvmovdqu64 %%zmm20, (%0)" ::"r"(dst),
                   "r"(w), "r"(k)
                   : "xmm20", "k2", "memory");
  memset(want, 0, 64);
  memcpy(want, src, 4);
  memcpy(want + 8, src + 8, 4);
  cr_expect_arr_eq(dst, want, 64);
  EXPECT(R(0x50000740, 4, 0x03020100), R(0x50000748, 4, 0x0b0a0908));
}

Test(bridge, avx512_zmm)
{
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl"))
    cr_skip_test("this CPU has no AVX-512 F/BW/VL: EVEX moves not tested");
  avx512_body();
}

Test(bridge, rep_string_ops)
{
  uint8_t src[16], dst[16];
  for (int i = 0; i < 16; i++)
    src[i] = (uint8_t)(0xa0 + i);
  uintptr_t rdi = WIN_BASE + 0x801, rsi = (uintptr_t)src, rcx = 10;
  __asm__ volatile("rep movsb" : "+D"(rdi), "+S"(rsi), "+c"(rcx)::"memory");
  cr_expect(rdi == WIN_BASE + 0x80b && rsi == (uintptr_t)src + 10 && rcx == 0);
  EXPECT(W(0x50000801, 1, 0xa0), W(0x50000802, 2, 0xa2a1), W(0x50000804, 4, 0xa6a5a4a3),
         W(0x50000808, 2, 0xa8a7), W(0x5000080a, 1, 0xa9));

  memset(dst, 0, sizeof dst);
  mem_wr(0x50000810, 4, 0x11111111);
  mem_wr(0x50000814, 4, 0x22222222);
  mem_wr(0x50000818, 4, 0x33333333);
  rdi = (uintptr_t)dst;
  rsi = WIN_BASE + 0x810;
  rcx = 3;
  __asm__ volatile("rep movsl" : "+D"(rdi), "+S"(rsi), "+c"(rcx)::"memory");
  cr_expect(rdi == (uintptr_t)dst + 12 && rsi == WIN_BASE + 0x81c && rcx == 0);
  cr_expect_eq(dst[4], 0x22);
  EXPECT(R(0x50000810, 4, 0x11111111), R(0x50000814, 4, 0x22222222), R(0x50000818, 4, 0x33333333));

  rdi = WIN_BASE + 0x820;
  rcx = 3;
  __asm__ volatile("rep stosl" : "+D"(rdi), "+c"(rcx) : "a"(0xdeadbeefull) : "memory");
  cr_expect(rdi == WIN_BASE + 0x82c && rcx == 0);
  rdi = WIN_BASE + 0x830;
  __asm__ volatile("stosq" : "+D"(rdi) : "a"(0x0102030405060708ull) : "memory");
  EXPECT(W(0x50000820, 4, 0xdeadbeef), W(0x50000824, 4, 0xdeadbeef), W(0x50000828, 4, 0xdeadbeef),
         W(0x50000830, 4, 0x05060708), W(0x50000834, 4, 0x01020304));

  /* descending (DF=1): element by element from the top */
  rdi = WIN_BASE + 0x842;
  rsi = (uintptr_t)src + 2;
  rcx = 3;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(rdi), "+S"(rsi), "+c"(rcx)::"memory", "cc");
  cr_expect(rdi == WIN_BASE + 0x83f && rsi == (uintptr_t)src - 1 && rcx == 0);
  EXPECT(W(0x50000842, 1, 0xa2), W(0x50000841, 1, 0xa1), W(0x50000840, 1, 0xa0));

  /* lodsw, and window to window movsw */
  uint64_t rax = ~0ull;
  rsi = WIN_BASE + 0x812;
  __asm__ volatile("lodsw" : "+a"(rax), "+S"(rsi)::"memory");
  cr_expect(rax == 0xffffffffffff1111ull && rsi == WIN_BASE + 0x814);
  rsi = WIN_BASE + 0x810;
  rdi = WIN_BASE + 0x850;
  rcx = 4;
  __asm__ volatile("rep movsw" : "+D"(rdi), "+S"(rsi), "+c"(rcx)::"memory");
  EXPECT(R(0x50000812, 2, 0x1111), R(0x50000810, 4, 0x11111111), W(0x50000850, 4, 0x11111111),
         R(0x50000814, 4, 0x22222222), W(0x50000854, 4, 0x22222222));
  struct m78_bridge_stats st;
  m78_bridge_get_stats(&st);
  cr_expect_eq(st.string_ops, 7);
}

static void *(*volatile p_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile p_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile p_memset)(void *, int, size_t) = memset;

Test(bridge, interposed_memcpy_memset)
{
  uint8_t src[16], dst[16];
  struct m78_bridge_stats before, after;
  for (int i = 0; i < 16; i++)
    src[i] = (uint8_t)(0x30 + i);
  m78_bridge_get_stats(&before);

  p_memcpy((void *)(uintptr_t)(WIN_BASE + 0x901), src, 9);
  EXPECT(W(0x50000901, 1, 0x30), W(0x50000902, 2, 0x3231), W(0x50000904, 4, 0x36353433),
         W(0x50000908, 2, 0x3837));
  memset(dst, 0, sizeof dst);
  p_memcpy(dst, (const void *)(uintptr_t)(WIN_BASE + 0x904), 6);
  cr_expect_arr_eq(dst, src + 3, 6);
  EXPECT(R(0x50000904, 4, 0x36353433), R(0x50000908, 2, 0x3837));
  p_memset((void *)(uintptr_t)(WIN_BASE + 0x910), 0xab, 12);
  EXPECT(W(0x50000910, 4, 0xabababab), W(0x50000914, 4, 0xabababab), W(0x50000918, 4, 0xabababab));
  mem_wr(0x50000920, 4, 0x44332211);
  mem_wr(0x50000924, 4, 0x88776655);
  p_memmove((void *)(uintptr_t)(WIN_BASE + 0x924), (const void *)(uintptr_t)(WIN_BASE + 0x920), 8);
  EXPECT(R(0x50000924, 4, 0x88776655), W(0x50000928, 4, 0x88776655), R(0x50000920, 4, 0x44332211),
         W(0x50000924, 4, 0x44332211));

  /* ordinary memory still goes to the C library */
  p_memcpy(dst, src, 16);
  cr_expect_arr_eq(dst, src, 16);
  p_memset(dst, 7, 16);
  cr_expect_eq(dst[15], 7);
  p_memmove(dst + 1, dst, 8);
  EXPECT_NONE();
  m78_bridge_get_stats(&after);
  cr_expect_eq(after.decoded, before.decoded, "no faults taken");
  cr_expect_eq(after.writes - before.writes, 9);
}

/* The C library's own memcpy/memset/memmove, reached directly (as from
 * inside fwrite or __memcpy_chk) rather than through the interposed ones:
 * whatever vector, masked or string instructions this CPU's variant uses
 * go through the decoder or the single-step fallback.  The exact access
 * sequence is the library's choice (it overlaps stores at the edges), so
 * this test checks the contents and that no write leaves the target. */
static uint32_t wr_lo, wr_hi;

static int bounds_write(void *ctx, uint32_t addr, unsigned width, uint32_t value)
{
  if (addr < wr_lo)
    wr_lo = addr;
  if (addr + width > wr_hi)
    wr_hi = addr + width;
  return fake_write(ctx, addr, width, value);
}

Test(bridge, libc_string_functions)
{
  static const struct m78_bridge_ops ops = { fake_read, bounds_write, fake_peek, fake_crash, NULL };
  static uint8_t src[9000], back[9000], ref[9000];
  static const size_t sizes[] = { 1, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 128, 257, 1000, 4096, 8191 };
  char err[200];
  void *(*lc_memcpy)(void *, const void *, size_t) = (void *(*)(void *, const void *, size_t))dlsym(RTLD_NEXT, "memcpy");
  void *(*lc_memmove)(void *, const void *, size_t) = (void *(*)(void *, const void *, size_t))dlsym(RTLD_NEXT, "memmove");
  void *(*lc_memset)(void *, int, size_t) = (void *(*)(void *, int, size_t))dlsym(RTLD_NEXT, "memset");
  cr_assert(lc_memcpy && lc_memmove && lc_memset);
  m78_bridge_uninstall();
  cr_assert_eq(m78_bridge_install(&window, 1, &ops, err, sizeof err), 0, "%s", err);
  log_off = 1;
  for (size_t i = 0; i < sizeof src; i++)
    src[i] = (uint8_t)(i * 7 + 3);
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    for (unsigned off = 0; off < 4; off++) {
      size_t n = sizes[k];
      uint32_t d = 0x50002000u + off;
      void *dp = (void *)(uintptr_t)d;
      wr_lo = ~0u;
      wr_hi = 0;
      lc_memcpy(dp, src + off, n);
      cr_assert_arr_eq(bus_mem + (d - WIN_BASE), src + off, n, "memcpy to the window, n=%zu off=%u", n, off);
      cr_assert(wr_lo >= d && wr_hi <= d + n, "memcpy n=%zu wrote [%#x, %#x)", n, wr_lo, wr_hi);
      memset(back, 0, n);
      lc_memcpy(back, dp, n);
      cr_assert_arr_eq(back, src + off, n, "memcpy from the window, n=%zu", n);
      lc_memset(dp, 0x5a + (int)off, n);
      memset(ref, 0x5a + (int)off, n);
      cr_assert_arr_eq(bus_mem + (d - WIN_BASE), ref, n, "memset n=%zu off=%u", n, off);
      lc_memcpy(dp, src, n);
      lc_memmove((uint8_t *)dp + 3, dp, n);
      cr_assert_arr_eq(bus_mem + (d - WIN_BASE) + 3, src, n, "memmove n=%zu off=%u", n, off);
    }
  }
  struct m78_bridge_stats st;
  m78_bridge_get_stats(&st);
  fprintf(stderr, "libc string functions: %llu decoded faults (%llu string ops), %llu single steps\n",
          (unsigned long long)st.decoded, (unsigned long long)st.string_ops, (unsigned long long)st.single_stepped);
}

/* What GCC -O2 makes of synthesized-firmware code. */
typedef struct {
  volatile uint32_t sysctrl;
  volatile uint32_t rst0;
  volatile uint32_t clkctrl;
  volatile uint32_t pm;
  uint32_t rsv[2];
  volatile uint32_t pclkdiv;
} fake_gcr_t;
#define FAKE_GCR ((fake_gcr_t *)(uintptr_t)0x50000a00u)

static const uint32_t kernel_words[4] = { 0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10 };

/* The bus callbacks change this file's state behind the compiler's back
 * (from the fault handler); the empty asm makes these functions opaque to
 * interprocedural analysis, so no store or load of the log moves across
 * a call. */
#define OPAQUE() __asm__ volatile("" ::: "memory")

__attribute__((noinline)) static void fw_sequence(void)
{
  volatile uint32_t *addr;
  const uint32_t *ptr = kernel_words;
  OPAQUE();
  *((volatile uint32_t *)0x50000a40) = 0x00101009;
  *((volatile uint32_t *)0x50000a40) &= ~((1 << 12) | 1);
  *((volatile uint8_t *)((uint32_t)0x50000a50 | 1)) = 0x01;
  addr = (volatile uint32_t *)0x50000a60;
  for (int i = 0; i < 4; i++)
    *addr++ = *ptr++;
  FAKE_GCR->pclkdiv = (FAKE_GCR->pclkdiv & ~0x3c000u) | 0x4000u;
  while (((*((volatile uint32_t *)POLL_ADDR) & 1)) != 0)
    ;
  *((volatile uint64_t *)0x50000a70) = 0x1122334455667788ull;
  OPAQUE();
}

__attribute__((noinline)) static void copy_words(uint32_t *dst, const uint32_t *src, int n)
{
  OPAQUE();
  while (n-- > 0)
    *dst++ = *src++;
  OPAQUE();
}

/* with restrict, GCC -O2 turns the loop into a memcpy call */
__attribute__((noinline)) static void copy_words_restrict(uint32_t *restrict dst, const uint32_t *restrict src, int n)
{
  OPAQUE();
  while (n-- > 0)
    *dst++ = *src++;
  OPAQUE();
}

Test(bridge, c_code_o2)
{
  mem_wr(0x50000a18, 4, 0x0003c001);
  poll_busy = 3;
  fw_sequence();
  EXPECT(W(0x50000a40, 4, 0x00101009), R(0x50000a40, 4, 0x00101009), W(0x50000a40, 4, 0x00100008),
         W(0x50000a51, 1, 0x01), W(0x50000a60, 4, 0x01020304), W(0x50000a64, 4, 0x05060708),
         W(0x50000a68, 4, 0x090a0b0c), W(0x50000a6c, 4, 0x0d0e0f10), R(0x50000a18, 4, 0x0003c001),
         W(0x50000a18, 4, 0x00004001), R(0x50000004, 4, 1), R(0x50000004, 4, 1), R(0x50000004, 4, 1),
         R(0x50000004, 4, 0), W(0x50000a70, 4, 0x55667788), W(0x50000a74, 4, 0x11223344));

  /* non-volatile copy loops: memcpy call, vector loop or scalar loop,
   * the bus sees the same ascending words */
  uint32_t src[64], back[64];
  struct acc exp[64];
  for (int i = 0; i < 64; i++) {
    src[i] = 0x9e3779b9u * (uint32_t)(i + 1);
    exp[i] = (struct acc){ 0x50000b00u + 4u * (unsigned)i, 4, src[i], 1 };
  }
  copy_words((uint32_t *)(uintptr_t)0x50000b00, src, 64);
  expect_log(exp, 64, __LINE__);
  copy_words(back, (const uint32_t *)(uintptr_t)0x50000b00, 64);
  cr_expect_arr_eq(back, src, sizeof src);
  for (int i = 0; i < 64; i++)
    exp[i].write = 0;
  expect_log(exp, 64, __LINE__);

  copy_words_restrict((uint32_t *)(uintptr_t)0x50000b00, back, 64);
  for (int i = 0; i < 64; i++)
    exp[i].write = 1;
  expect_log(exp, 64, __LINE__);
  memset(back, 0, sizeof back);
  copy_words_restrict(back, (const uint32_t *)(uintptr_t)0x50000b00, 64);
  cr_expect_arr_eq(back, src, sizeof src);
  for (int i = 0; i < 64; i++)
    exp[i].write = 0;
  expect_log(exp, 64, __LINE__);
}

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
  uint32_t (*load)(void) = (uint32_t (*)(void))(uintptr_t)code;
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
  static const struct m78_bridge_ops ops = { fake_read, fake_write, fake_peek, NULL, NULL };
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
  void *p = mmap((void *)(uintptr_t)0x50040000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                 -1, 0);
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
