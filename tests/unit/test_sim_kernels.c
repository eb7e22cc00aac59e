/*
 * The engine's inner loops (sim/src/kernels.c): every kernel the CPU can
 * run gives the bits of the plain C arithmetic they replace.
 *
 *  - the output stage against the reference formulas of the shift
 *    convention (test_sim_engine.c): y = clamp((a + 2^(6-s)) >> (7-s)) for
 *    s < 7, clamp(a << (s-7)) else, computed in 64 bits, then Abs or ReLU;
 *    over every shift, around every rounding and saturation edge and at
 *    the ends of int32;
 *  - the convolution kernels against a direct sum of products.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

static int clamp8(int64_t v)
{
  return v > 127 ? 127 : v < -128 ? -128 : (int)v;
}

static int32_t ref_quant(int32_t acc, int32_t bias, int shift, int relu, int absv, int out32)
{
  int32_t a = (int32_t)((uint32_t)acc + (uint32_t)bias);
  if (out32)
    return a;
  int v;
  if (shift < 7) {
    int k = 7 - shift;
    v = clamp8(((int64_t)a + ((int64_t)1 << (k - 1))) >> k);
  } else {
    v = clamp8((int64_t)a * ((int64_t)1 << (shift - 7)));
  }
  if (absv)
    v = v < 0 ? (v == -128 ? 127 : -v) : v;
  else if (relu && v < 0)
    v = 0;
  return v;
}

/* 64 sums around a value, sizes a multiple of 32 */
static void fill_around(int32_t *a, int64_t center)
{
  for (int i = 0; i < 64; i++) {
    int64_t v = center + i - 32;
    a[i] = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
  }
}

static void check_quant(m78k_quant_fn fn, const char *name)
{
  int32_t acc[64];
  int8_t out8[64];
  int32_t out32[64];
  for (int shift = -30; shift <= 38; shift++) {
    for (int act = 0; act < 3; act++) {
      struct m78k_quant q;
      m78k_quant_init(&q, 0, shift, act == 1, act == 2);
      /* edges: rounding steps around 0, saturation points, int32 ends */
      int64_t centers[] = {0,
                           64,
                           -64,
                           127,
                           -128,
                           128 * 127,
                           -128 * 129,
                           1 << 20,
                           -(1 << 20),
                           INT32_MAX,
                           INT32_MIN,
                           (int64_t)INT32_MAX - 100,
                           (int64_t)INT32_MIN + 100};
      for (size_t c = 0; c < sizeof centers / sizeof centers[0]; c++) {
        for (int sc = 0; sc < 2; sc++) {
          int64_t center = centers[c];
          if (sc && shift < 7 && 7 - shift < 40)
            /* scaled to the step; wraps as two's complement (unsigned: no UB) */
            center = (int64_t)((uint64_t)centers[c] * ((uint64_t)1 << (7 - shift))) / 128;
          fill_around(acc, center);
          int32_t bias = (int32_t)(c * 977) - 5000;
          fn(acc, 64, bias, &q, out8);
          for (int i = 0; i < 64; i++) {
            int32_t want = ref_quant(acc[i], bias, shift, act == 1, act == 2, 0);
            cr_assert_eq(out8[i], want, "%s: shift %d act %d sum %d bias %d: %d, want %d", name, shift, act, acc[i],
                         bias, out8[i], want);
          }
        }
      }
    }
  }
  struct m78k_quant q;
  m78k_quant_init(&q, 1, 0, 1, 0);
  fill_around(acc, INT32_MAX);
  fn(acc, 64, 1000, &q, out32);
  for (int i = 0; i < 64; i++)
    cr_assert_eq(out32[i], ref_quant(acc[i], 1000, 0, 1, 0, 1), "%s: 32-bit output %d", name, i);
}

Test(kernels, quant_generic_is_the_reference)
{
  check_quant(m78k_quant_generic, "generic");
}

#if M78K_HAVE_X86
Test(kernels, quant_avx2_is_the_reference)
{
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2"))
    cr_skip_test("no AVX2 on this CPU");
  check_quant(m78k_quant_avx2, "avx2");
}
#endif

/* A 3x3 convolution of 5 channels (3 pairs, the last half empty) over a
 * padded 13 x 21 plane, 6 slots (two blocks, the second half padding). */
enum { PH = 13, PW = 21, CH = 5, NCP = 3, SLOTS = 6, NSB = 2, TAPS = 9 };

static void check_conv(m78k_conv_fn fn, const char *name)
{
  int ho = PH - 2, wo = PW - 2, nb = (ho - 1) * PW + wo;
  int nb_pad = (nb + 31) / 32 * 32;
  size_t xstride = (size_t)nb_pad + 2 * PW + 2 + 16;
  int16_t *x = calloc((size_t)NCP * xstride * 2, sizeof *x);
  int32_t *w = calloc((size_t)NSB * NCP * TAPS * M78K_SB, sizeof *w);
  int32_t *sums = calloc((size_t)M78K_SB * M78K_TILE, sizeof *sums);
  int8_t in[CH][PH * PW], k[SLOTS][CH][TAPS];
  int32_t off[TAPS];
  srand(7);
  for (int c = 0; c < CH; c++)
    for (int i = 0; i < PH * PW; i++) {
      in[c][i] = (int8_t)(rand() % 256 - 128);
      if (i % 17 == 0)
        in[c][i] = c % 2 ? 127 : -128; /* the extremes too */
      x[((size_t)(c / 2) * xstride + (size_t)i) * 2 + c % 2] = in[c][i];
    }
  for (int o = 0; o < SLOTS; o++)
    for (int c = 0; c < CH; c++)
      for (int t = 0; t < TAPS; t++) {
        k[o][c][t] = (int8_t)(rand() % 256 - 128);
        if ((o + c + t) % 11 == 0)
          k[o][c][t] = -128;
        uint32_t *d = (uint32_t *)&w[(((size_t)(o / M78K_SB) * NCP + (size_t)(c / 2)) * TAPS + (size_t)t) * M78K_SB +
                                     (size_t)(o % M78K_SB)];
        *d |= (uint32_t)(uint16_t)k[o][c][t] << (16 * (c % 2));
      }
  for (int t = 0; t < TAPS; t++)
    off[t] = (t / 3) * PW + t % 3;
  struct m78k_conv kc = {x, xstride, NCP, TAPS, off, w};
  for (int sb = 0; sb < NSB; sb++) {
    for (int b0 = 0; b0 < nb_pad; b0 += M78K_TILE) {
      int b1 = b0 + M78K_TILE < nb_pad ? b0 + M78K_TILE : nb_pad;
      fn(&kc, sb, b0, b1, sums);
      for (int s = 0; s < M78K_SB && sb * M78K_SB + s < SLOTS; s++) {
        int o = sb * M78K_SB + s;
        for (int b = b0; b < b1 && b < nb; b++) {
          if (b % PW >= wo)
            continue; /* between rows: discarded by the engine */
          int32_t want = 0;
          for (int c = 0; c < CH; c++)
            for (int t = 0; t < TAPS; t++)
              want += in[c][b + off[t]] * k[o][c][t];
          cr_assert_eq(sums[s * M78K_TILE + b - b0], want, "%s: slot %d position %d: %d, want %d", name, o, b,
                       sums[s * M78K_TILE + b - b0], want);
        }
      }
    }
  }
  free(x);
  free(w);
  free(sums);
}

Test(kernels, conv_generic_is_the_sum_of_products)
{
  check_conv(m78k_conv_generic, "generic");
}

#if M78K_HAVE_X86
Test(kernels, conv_avx2_is_the_sum_of_products)
{
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2"))
    cr_skip_test("no AVX2 on this CPU");
  check_conv(m78k_conv_avx2, "avx2");
}

Test(kernels, conv_sse2_is_the_sum_of_products)
{
  check_conv(m78k_conv_sse2, "sse2");
}

Test(kernels, conv_avx512_vnni_is_the_sum_of_products)
{
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vnni"))
    cr_skip_test("no AVX-512 VNNI on this CPU");
  check_conv(m78k_conv_avx512, "avx512-vnni");
}
#endif

Test(kernels, selection_names_a_kernel)
{
  struct m78k_kernels k;
  cr_assert_eq(m78k_select(&k, NULL), 0);
  cr_assert(k.conv && k.quant);
  cr_assert(strcmp(k.name, "avx512-vnni") == 0 || strcmp(k.name, "avx2") == 0 || strcmp(k.name, "sse2") == 0 ||
                strcmp(k.name, "generic") == 0,
            "kernel %s", k.name);
  cr_assert_eq(m78k_select(&k, "generic"), 0);
  cr_assert_str_eq(k.name, "generic");
  cr_assert_eq(m78k_select(&k, "no-such-kernel"), -1);
}
