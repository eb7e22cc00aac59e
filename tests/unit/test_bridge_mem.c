/*
 * Fault bridge tests, memory functions and compiled code (bridge_mem.c):
 * the interposed memcpy/memmove/memset, the C library's own string
 * functions reaching a window, and what GCC -O2 makes of
 * synthesized-firmware code (fixture: bridge_test.h).
 */
#define _GNU_SOURCE

#include "bridge_test.h"

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
  EXPECT(W(0x50000901, 1, 0x30), W(0x50000902, 2, 0x3231), W(0x50000904, 4, 0x36353433), W(0x50000908, 2, 0x3837));
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
  static const struct m78_bridge_ops ops = {fake_read, bounds_write, fake_peek, fake_crash, NULL};
  static uint8_t src[9000], back[9000], ref[9000];
  static const size_t sizes[] = {1, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 128, 257, 1000, 4096, 8191};
  char err[200];
  void *(*lc_memcpy)(void *, const void *, size_t) = (void *(*)(void *, const void *, size_t))dlsym(RTLD_NEXT,
                                                                                                    "memcpy");
  void *(*lc_memmove)(void *, const void *, size_t) = (void *(*)(void *, const void *, size_t))dlsym(RTLD_NEXT,
                                                                                                     "memmove");
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

static const uint32_t kernel_words[4] = {0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10};

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
    exp[i] = (struct acc){0x50000b00u + 4u * (unsigned)i, 4, src[i], 1};
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
