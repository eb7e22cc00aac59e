/*
 * Fault bridge tests, vector moves (bridge_emu_vec.c): SSE, AVX and
 * AVX-512 loads and stores of (part of) a vector register, EVEX masking
 * included; skipped on a CPU without the extension (fixture:
 * bridge_test.h).
 */
#define _GNU_SOURCE

#include "bridge_test.h"

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
         R(0x50000528, 4, 0x18171615), R(0x5000052c, 4, 0x1c1b1a19), R(0x50000530, 2, 0x1e1d), R(0x50000532, 1, 0x1f));

  /* scalar and half moves: zeroing and merging as the CPU does */
  uint8_t want[16];
  __asm__ volatile("movdqu (%2), %%xmm3\n\tmovd 0x10(%1), %%xmm3\n\tmovdqu %%xmm3, (%0)" ::"r"(dst), "r"(w), "r"(ones)
                   : "xmm3", "memory");
  memset(want, 0, 16);
  memcpy(want, src, 4);
  cr_expect_arr_eq(dst, want, 16, "movd load clears bits 32-127");
  __asm__ volatile("movdqu (%2), %%xmm3\n\tmovq 0x10(%1), %%xmm3\n\tmovdqu %%xmm3, (%0)" ::"r"(dst), "r"(w), "r"(ones)
                   : "xmm3", "memory");
  memcpy(want, src, 8);
  cr_expect_arr_eq(dst, want, 16, "movq load clears bits 64-127");
  __asm__ volatile("movdqu (%2), %%xmm4\n\tmovss 0x10(%1), %%xmm4\n\tmovdqu %%xmm4, (%0)" ::"r"(dst), "r"(w), "r"(ones)
                   : "xmm4", "memory");
  memset(want, 0, 16);
  memcpy(want, src, 4);
  cr_expect_arr_eq(dst, want, 16, "movss load clears bits 32-127");
  __asm__ volatile("movdqu (%2), %%xmm5\n\tmovhps 0x10(%1), %%xmm5\n\tmovdqu %%xmm5, (%0)" ::"r"(dst), "r"(w), "r"(ones)
                   : "xmm5", "memory");
  memset(want, 0xff, 8);
  memcpy(want + 8, src, 8);
  cr_expect_arr_eq(dst, want, 16, "movhps load merges");
  EXPECT(R(0x50000510, 4, 0x13121110), R(0x50000510, 4, 0x13121110), R(0x50000514, 4, 0x17161514),
         R(0x50000510, 4, 0x13121110), R(0x50000510, 4, 0x13121110), R(0x50000514, 4, 0x17161514));

  __asm__ volatile("movdqu (%1), %%xmm6\n\t"
                   "movq %%xmm6, 0x40(%0)\n\t"    /* 66 0F D6 */
                   "movd %%xmm6, 0x48(%0)\n\t"    /* 66 0F 7E */
                   "movsd %%xmm6, 0x50(%0)\n\t"   /* F2 0F 11 */
                   "movhps %%xmm6, 0x58(%0)\n\t"  /* 0F 17 */
                   "movntdq %%xmm6, 0x60(%0)\n\t" /* 66 0F E7 */
                   "movntps %%xmm6, 0x70(%0)\n\t" /* 0F 2B */
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

  __asm__ volatile("vmovdqu (%1), %%ymm0\n\tvmovdqu %%ymm0, (%0)\n\tvzeroupper" ::"r"(w), "r"(src) : "xmm0", "memory");
  EXPECT(W(0x50000600, 4, 0x43424140), W(0x50000604, 4, 0x47464544), W(0x50000608, 4, 0x4b4a4948),
         W(0x5000060c, 4, 0x4f4e4d4c), W(0x50000610, 4, 0x53525150), W(0x50000614, 4, 0x57565554),
         W(0x50000618, 4, 0x5b5a5958), W(0x5000061c, 4, 0x5f5e5d5c));
  __asm__ volatile("vmovdqu (%1), %%ymm1\n\tvmovdqu %%ymm1, (%0)\n\tvzeroupper" ::"r"(dst), "r"(w) : "xmm1", "memory");
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
  __asm__ volatile("vmovdqu64 (%1), %%zmm16\n\tvmovdqu64 %%zmm16, 0x40(%0)" ::"r"(w), "r"(src) : "xmm16", "memory");
  struct acc exp[16];
  for (int i = 0; i < 16; i++)
    exp[i] = (struct acc){0x50000740u + 4u * (unsigned)i, 4, mem_rd(0x50000740u + 4u * (unsigned)i, 4), 1};
  cr_expect_arr_eq(bus_mem + 0x740, src, 64);
  expect_log(exp, 16, __LINE__);

  __asm__ volatile("vmovdqu64 0x40(%1), %%zmm17\n\tvmovdqu64 %%zmm17, (%0)" ::"r"(dst), "r"(w) : "xmm17", "memory");
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
  __asm__ volatile("kmovq %2, %%k1\n\tvmovdqu64 (%1), %%zmm19\n\tvmovdqu8 %%zmm19, 0x80(%0)%{%%k1%}" ::"r"(w), "r"(src),
                   "r"(k)
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
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl"))
    cr_skip_test("this CPU has no AVX-512 F/BW/VL: EVEX moves not tested");
  avx512_body();
}
