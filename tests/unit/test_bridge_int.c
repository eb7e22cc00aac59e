/*
 * Fault bridge tests, integer emulation (bridge_emu_int.c): general
 * register loads and stores, MOVZX/MOVSX, read-modify-write, XCHG,
 * TEST/CMP with SETcc, every ALU form's flags against the CPU's, and the
 * string instructions with and without REP (fixture: bridge_test.h).
 */
#define _GNU_SOURCE

#include "bridge_test.h"

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
  EXPECT(W(0x50000001, 1, 0x5a), W(0x50000002, 2, 0xbeef), W(0x50000004, 4, 0x12345678), W(0x50000008, 4, 0x55667788),
         W(0x5000000c, 4, 0x11223344), W(0x50000010, 4, 0xcafef00d), W(0x50000018, 4, 0xfffffffe),
         W(0x5000001c, 4, 0xffffffff), W(0x50000020, 1, 0x77), W(0x50000022, 2, 0x1234));

  v = ~0ull;
  __asm__ volatile("movb 1(%1), %b0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffffff5aull);
  __asm__ volatile("movw 2(%1), %w0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0xffffffffffffbeefull);
  __asm__ volatile("movl 4(%1), %k0" : "+r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x12345678ull, "32-bit loads zero-extend");
  __asm__ volatile("movq 8(%1), %0" : "=r"(v) : "r"(w) : "memory");
  cr_expect_eq(v, 0x1122334455667788ull);
  EXPECT(R(0x50000001, 1, 0x5a), R(0x50000002, 2, 0xbeef), R(0x50000004, 4, 0x12345678), R(0x50000008, 4, 0x55667788),
         R(0x5000000c, 4, 0x11223344));

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
  EXPECT(W(0x50000041, 1, 0xd4), W(0x50000042, 2, 0xb2c3), W(0x50000044, 1, 0xa1), W(0x50000052, 2, 0x0708),
         W(0x50000054, 4, 0x03040506), W(0x50000058, 2, 0x0102), W(0x50000063, 1, 0xcd), W(0x50000064, 1, 0xab));
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
  EXPECT(R(0x50000201, 1, 0xf0), R(0x50000201, 1, 0xf0), R(0x50000201, 1, 0xf0), R(0x50000202, 2, 0x8081),
         R(0x50000202, 2, 0x8081), R(0x50000200, 1, 0xff), R(0x50000200, 4, 0x8081f0ff));
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
         R(0x50000303, 1, 0x00), W(0x50000303, 1, 0x80), R(0x50000302, 2, 0x8010), W(0x50000302, 2, 0x8011),
         R(0x50000300, 4, 0x80110058), R(0x50000300, 4, 0x80110058), W(0x50000300, 4, 0x7feeffa7),
         R(0x50000300, 1, 0xa7), W(0x50000300, 1, 0xa8));
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
  EXPECT(R(0x50000340, 4, 0xaabbccdd), W(0x50000340, 4, 0x11223344), R(0x50000341, 1, 0x33), W(0x50000341, 1, 0x99));
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
#define OPFN(name, body)                                                                                               \
  static uint64_t name(uintptr_t p, uint64_t *b, uint64_t fin)                                                         \
  {                                                                                                                    \
    uint64_t fout, bb = *b;                                                                                            \
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq %[fin]\n\tpopfq\n\t" body                                        \
                     "\n\tpushfq\n\tpopq %[fout]\n\tlea 128(%%rsp), %%rsp"                                             \
                     : [fout] "=&r"(fout), [b] "+r"(bb)                                                                \
                     : [p] "r"(p), [fin] "r"(fin)                                                                      \
                     : "memory", "cc");                                                                                \
    *b = bb;                                                                                                           \
    return fout;                                                                                                       \
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
    {"addl", op_addl, 4, 1, 0},         {"orl", op_orl, 4, 1, 1},           {"adcl", op_adcl, 4, 1, 0},
    {"sbbl", op_sbbl, 4, 1, 0},         {"andl", op_andl, 4, 1, 1},         {"subl", op_subl, 4, 1, 0},
    {"xorl", op_xorl, 4, 1, 1},         {"cmpl", op_cmpl, 4, 0, 0},         {"testl", op_testl, 4, 0, 1},
    {"addl rm", op_addl_rm, 4, 0, 0},   {"subl rm", op_subl_rm, 4, 0, 0},   {"sbbl rm", op_sbbl_rm, 4, 0, 0},
    {"cmpl rm", op_cmpl_rm, 4, 0, 0},   {"xorl rm", op_xorl_rm, 4, 0, 1},   {"negl", op_negl, 4, 1, 0},
    {"notl", op_notl, 4, 1, 0},         {"incl", op_incl, 4, 1, 0},         {"decl", op_decl, 4, 1, 0},
    {"addl imm", op_addl_i, 4, 1, 0},   {"subl imm8", op_subl_i8, 4, 1, 0}, {"cmpl imm8", op_cmpl_i8, 4, 0, 0},
    {"andl imm", op_andl_i, 4, 1, 1},   {"adcl imm", op_adcl_i, 4, 1, 0},   {"sbbl imm", op_sbbl_i, 4, 1, 0},
    {"testl imm", op_testl_i, 4, 0, 1}, {"addb", op_addb, 1, 1, 0},         {"adcb", op_adcb, 1, 1, 0},
    {"sbbb", op_sbbb, 1, 1, 0},         {"subb", op_subb, 1, 1, 0},         {"cmpb imm", op_cmpb_i, 1, 0, 0},
    {"negb", op_negb, 1, 1, 0},         {"incb", op_incb, 1, 1, 0},         {"decb", op_decb, 1, 1, 0},
    {"testb imm", op_testb_i, 1, 0, 1}, {"addb rm", op_addb_rm, 1, 0, 0},   {"addw", op_addw, 2, 1, 0},
    {"subw imm", op_subw_i, 2, 1, 0},   {"negw", op_negw, 2, 1, 0},         {"cmpw", op_cmpw, 2, 0, 0},
    {"orw rm", op_orw_rm, 2, 0, 1},     {"addq", op_addq, 8, 1, 0},         {"adcq", op_adcq, 8, 1, 0},
    {"subq", op_subq, 8, 1, 0},         {"sbbq", op_sbbq, 8, 1, 0},         {"cmpq", op_cmpq, 8, 0, 0},
    {"negq", op_negq, 8, 1, 0},         {"incq", op_incq, 8, 1, 0},         {"decq", op_decq, 8, 1, 0},
    {"andq imm", op_andq_i, 8, 1, 1},   {"xorq", op_xorq, 8, 1, 1},         {"testq", op_testq, 8, 0, 1},
    {"subq rm", op_subq_rm, 8, 0, 0},
};

static const uint64_t alu_values[] = {
    0,
    1,
    2,
    0x0f,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    0xffffffffffffffffull,
    0x0123456789abcdefull,
    0xfedcba9876543210ull,
    0x0f0f0f0f0f0f0f08ull,
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
          cr_assert_eq(f_win & fmask, f_ram & fmask, "%s a=%#llx b=%#llx cf=%d: flags %#llx, cpu %#llx", k->name,
                       (unsigned long long)a, (unsigned long long)alu_values[j], (int)cf,
                       (unsigned long long)(f_win & fmask), (unsigned long long)(f_ram & fmask));
          cr_assert_eq(b_win, b_ram, "%s: register", k->name);
          cr_assert_eq(m, ram, "%s a=%#llx b=%#llx: memory %#llx, cpu %#llx", k->name, (unsigned long long)a,
                       (unsigned long long)alu_values[j], (unsigned long long)m, (unsigned long long)ram);
          /* reads of the operand, then the writes of the result */
          struct acc exp[4];
          int ne = 0;
          uint64_t mask = k->width == 8 ? ~0ull : (1ull << (8 * k->width)) - 1;
          unsigned pw = k->width < 4 ? k->width : 4;
          exp[ne++] = (struct acc){addr, pw, (uint32_t)(a & mask), 0};
          if (k->width == 8)
            exp[ne++] = (struct acc){addr + 4, 4, (uint32_t)(a >> 32), 0};
          if (k->writes_mem) {
            exp[ne++] = (struct acc){addr, pw, (uint32_t)(ram & mask), 1};
            if (k->width == 8)
              exp[ne++] = (struct acc){addr + 4, 4, (uint32_t)(ram >> 32), 1};
          }
          expect_log(exp, ne, __LINE__);
        }
      }
    }
  }
}

Test(bridge, rep_string_ops)
{
  uint8_t src[16], dst[16];
  for (int i = 0; i < 16; i++)
    src[i] = (uint8_t)(0xa0 + i);
  uintptr_t rdi = WIN_BASE + 0x801, rsi = (uintptr_t)src, rcx = 10;
  __asm__ volatile("rep movsb" : "+D"(rdi), "+S"(rsi), "+c"(rcx)::"memory");
  cr_expect(rdi == WIN_BASE + 0x80b && rsi == (uintptr_t)src + 10 && rcx == 0);
  EXPECT(W(0x50000801, 1, 0xa0), W(0x50000802, 2, 0xa2a1), W(0x50000804, 4, 0xa6a5a4a3), W(0x50000808, 2, 0xa8a7),
         W(0x5000080a, 1, 0xa9));

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
