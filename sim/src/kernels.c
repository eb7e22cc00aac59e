/*
 * Convolution inner loops (see kernels.h): a portable one and x86
 * versions with intrinsics, compiled for their instruction set by
 * function attribute and chosen at run time.
 */
#include "kernels.h"

#if M78K_HAVE_X86
#include <immintrin.h>
#endif

static inline const int32_t *block_weights(const struct m78k_conv *c, int sb)
{
  return c->w + (size_t)sb * (size_t)c->ncp * (size_t)c->taps * M78K_SB;
}

void m78k_conv_generic(const struct m78k_conv *c, int sb, int b0, int b1)
{
  const int32_t *wsb = block_weights(c, sb);
  int32_t *out = c->out + (size_t)sb * M78K_SB * c->ostride;
  for (int b = b0; b < b1; b += M78K_CHUNK) {
    uint32_t acc[M78K_SB][M78K_CHUNK] = {{0}};
    const int32_t *wp = wsb;
    for (int cp = 0; cp < c->ncp; cp++) {
      const int16_t *xp = c->x + ((size_t)cp * c->xstride + (size_t)b) * 2;
      for (int t = 0; t < c->taps; t++, wp += M78K_SB) {
        const int16_t *xt = xp + 2 * (ptrdiff_t)c->off[t];
        for (int s = 0; s < M78K_SB; s++) {
          int wl = (int16_t)(uint16_t)((uint32_t)wp[s] & 0xFFFFu);
          int wh = (int16_t)(uint16_t)((uint32_t)wp[s] >> 16);
          for (int n = 0; n < M78K_CHUNK; n++)
            acc[s][n] += (uint32_t)(xt[2 * n] * wl + xt[2 * n + 1] * wh);
        }
      }
    }
    for (int s = 0; s < M78K_SB; s++)
      for (int n = 0; n < M78K_CHUNK; n++)
        out[(size_t)s * c->ostride + (size_t)b + (size_t)n] = (int32_t)acc[s][n];
  }
}

#if M78K_HAVE_X86
/* 4 slots x 16 positions in 8 accumulators; per tap two 8-position loads
 * and four broadcast weights. */
__attribute__((target("avx2"))) void m78k_conv_avx2(const struct m78k_conv *c, int sb, int b0, int b1)
{
  const int32_t *wsb = block_weights(c, sb);
  int32_t *out = c->out + (size_t)sb * M78K_SB * c->ostride;
  const int taps = c->taps;
  for (int b = b0; b < b1; b += M78K_CHUNK) {
    __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
    __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const int32_t *wp = wsb;
    for (int cp = 0; cp < c->ncp; cp++) {
      const int16_t *xp = c->x + ((size_t)cp * c->xstride + (size_t)b) * 2;
      for (int t = 0; t < taps; t++, wp += M78K_SB) {
        const int16_t *xt = xp + 2 * (ptrdiff_t)c->off[t];
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)xt);
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(xt + 16));
        __m256i w = _mm256_set1_epi32(wp[0]);
        a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(v0, w));
        a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(v1, w));
        w = _mm256_set1_epi32(wp[1]);
        a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(v0, w));
        a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(v1, w));
        w = _mm256_set1_epi32(wp[2]);
        a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(v0, w));
        a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(v1, w));
        w = _mm256_set1_epi32(wp[3]);
        a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(v0, w));
        a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(v1, w));
      }
    }
    int32_t *o = out + b;
    size_t st = c->ostride;
    _mm256_storeu_si256((__m256i *)(void *)o, a00);
    _mm256_storeu_si256((__m256i *)(void *)(o + 8), a01);
    _mm256_storeu_si256((__m256i *)(void *)(o + st), a10);
    _mm256_storeu_si256((__m256i *)(void *)(o + st + 8), a11);
    _mm256_storeu_si256((__m256i *)(void *)(o + 2 * st), a20);
    _mm256_storeu_si256((__m256i *)(void *)(o + 2 * st + 8), a21);
    _mm256_storeu_si256((__m256i *)(void *)(o + 3 * st), a30);
    _mm256_storeu_si256((__m256i *)(void *)(o + 3 * st + 8), a31);
  }
}
#endif

m78k_conv_fn m78k_conv_select(const char **name)
{
#if M78K_HAVE_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    if (name)
      *name = "avx2";
    return m78k_conv_avx2;
  }
#endif
  if (name)
    *name = "generic";
  return m78k_conv_generic;
}
