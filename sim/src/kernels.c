/*
 * Convolution inner loops and the output stage (see kernels.h): portable
 * versions and x86 versions with intrinsics, compiled for their
 * instruction set by function attribute and chosen at run time.  Every
 * version computes the same bits.
 */
#include "kernels.h"
#include <string.h>

#if M78K_HAVE_X86
#include <immintrin.h>
#endif

static inline const int32_t *block_weights(const struct m78k_conv *c, int sb)
{
  return c->w + (size_t)sb * (size_t)c->ncp * (size_t)c->taps * M78K_SB;
}

void m78k_conv_generic(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out)
{
  const int32_t *wsb = block_weights(c, sb);
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
        out[s * M78K_TILE + (b - b0) + n] = (int32_t)acc[s][n];
  }
}

void m78k_quant_init(struct m78k_quant *q, int out32, int shift, int relu, int absv)
{
  q->k = q->m = 0;
  q->lo = q->hi = 0;
  q->absv = absv;
  q->relu = relu && !absv; /* Abs takes priority */
  if (out32) {
    q->mode = M78K_Q_RAW;
  } else if (shift < 7) {
    q->k = 7 - shift;
    q->mode = q->k > 31 ? M78K_Q_ZERO : M78K_Q_RIGHT;
  } else {
    /* every m >= 30 saturates any non-zero value alike */
    q->m = shift - 7 > 30 ? 30 : shift - 7;
    q->mode = M78K_Q_LEFT;
    q->hi = (127 >> q->m) + 1;
    q->lo = -(128 >> q->m) - 1;
  }
}

static inline int32_t quant_one(int32_t a, const struct m78k_quant *q)
{
  int32_t v;
  switch (q->mode) {
  case M78K_Q_RIGHT: {
    uint32_t low = (uint32_t)a & ((1u << q->k) - 1);
    v = (a >> q->k) + (int32_t)((low + (1u << (q->k - 1))) >> q->k);
    break;
  }
  case M78K_Q_LEFT: v = (int32_t)((uint32_t)(a < q->lo ? q->lo : a > q->hi ? q->hi : a) << q->m); break;
  default: v = 0; break;
  }
  v = v > 127 ? 127 : v < -128 ? -128 : v;
  if (q->absv)
    v = v < 0 ? (v == -128 ? 127 : -v) : v;
  if (q->relu && v < 0)
    v = 0;
  return v;
}

void m78k_quant_generic(const int32_t *acc, int n, int32_t bias, const struct m78k_quant *q, void *dst)
{
  if (q->mode == M78K_Q_RAW) {
    int32_t *d = dst;
    for (int i = 0; i < n; i++)
      d[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)bias);
    return;
  }
  int8_t *d = dst;
  for (int i = 0; i < n; i++)
    d[i] = (int8_t)quant_one((int32_t)((uint32_t)acc[i] + (uint32_t)bias), q);
}

#if M78K_HAVE_X86
/* SSE2, which every x86-64 has: 4 slots x 8 positions per step. */
__attribute__((target("sse2"))) void m78k_conv_sse2(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out)
{
  const int32_t *wsb = block_weights(c, sb);
  const int taps = c->taps;
  for (int b = b0; b < b1; b += 8) {
    __m128i a00 = _mm_setzero_si128(), a01 = a00, a10 = a00, a11 = a00;
    __m128i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const int32_t *wp = wsb;
    for (int cp = 0; cp < c->ncp; cp++) {
      const int16_t *xp = c->x + ((size_t)cp * c->xstride + (size_t)b) * 2;
      for (int t = 0; t < taps; t++, wp += M78K_SB) {
        const int16_t *xt = xp + 2 * (ptrdiff_t)c->off[t];
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)xt);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(xt + 8));
        __m128i w = _mm_set1_epi32(wp[0]);
        a00 = _mm_add_epi32(a00, _mm_madd_epi16(v0, w));
        a01 = _mm_add_epi32(a01, _mm_madd_epi16(v1, w));
        w = _mm_set1_epi32(wp[1]);
        a10 = _mm_add_epi32(a10, _mm_madd_epi16(v0, w));
        a11 = _mm_add_epi32(a11, _mm_madd_epi16(v1, w));
        w = _mm_set1_epi32(wp[2]);
        a20 = _mm_add_epi32(a20, _mm_madd_epi16(v0, w));
        a21 = _mm_add_epi32(a21, _mm_madd_epi16(v1, w));
        w = _mm_set1_epi32(wp[3]);
        a30 = _mm_add_epi32(a30, _mm_madd_epi16(v0, w));
        a31 = _mm_add_epi32(a31, _mm_madd_epi16(v1, w));
      }
    }
    int32_t *o = out + (b - b0);
    _mm_storeu_si128((__m128i *)(void *)o, a00);
    _mm_storeu_si128((__m128i *)(void *)(o + 4), a01);
    _mm_storeu_si128((__m128i *)(void *)(o + M78K_TILE), a10);
    _mm_storeu_si128((__m128i *)(void *)(o + M78K_TILE + 4), a11);
    _mm_storeu_si128((__m128i *)(void *)(o + 2 * M78K_TILE), a20);
    _mm_storeu_si128((__m128i *)(void *)(o + 2 * M78K_TILE + 4), a21);
    _mm_storeu_si128((__m128i *)(void *)(o + 3 * M78K_TILE), a30);
    _mm_storeu_si128((__m128i *)(void *)(o + 3 * M78K_TILE + 4), a31);
  }
}

/* 4 slots x 16 positions in 8 accumulators; per tap two 8-position loads
 * and four broadcast weights. */
__attribute__((target("avx2"))) void m78k_conv_avx2(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out)
{
  const int32_t *wsb = block_weights(c, sb);
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
    int32_t *o = out + (b - b0);
    _mm256_storeu_si256((__m256i *)(void *)o, a00);
    _mm256_storeu_si256((__m256i *)(void *)(o + 8), a01);
    _mm256_storeu_si256((__m256i *)(void *)(o + M78K_TILE), a10);
    _mm256_storeu_si256((__m256i *)(void *)(o + M78K_TILE + 8), a11);
    _mm256_storeu_si256((__m256i *)(void *)(o + 2 * M78K_TILE), a20);
    _mm256_storeu_si256((__m256i *)(void *)(o + 2 * M78K_TILE + 8), a21);
    _mm256_storeu_si256((__m256i *)(void *)(o + 3 * M78K_TILE), a30);
    _mm256_storeu_si256((__m256i *)(void *)(o + 3 * M78K_TILE + 8), a31);
  }
}

/* The same with AVX-512 VNNI: 4 slots x 32 positions, VPDPWSSD fusing the
 * multiply-add and the accumulation; a last 16 positions in one vector. */
#define VNNI_TARGET __attribute__((target("avx512f,avx512vnni")))
VNNI_TARGET void m78k_conv_avx512(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out)
{
  const int32_t *wsb = block_weights(c, sb);
  const int taps = c->taps;
  int b = b0;
  for (; b + 32 <= b1; b += 32) {
    __m512i a00 = _mm512_setzero_si512(), a01 = a00, a10 = a00, a11 = a00;
    __m512i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const int32_t *wp = wsb;
    for (int cp = 0; cp < c->ncp; cp++) {
      const int16_t *xp = c->x + ((size_t)cp * c->xstride + (size_t)b) * 2;
      for (int t = 0; t < taps; t++, wp += M78K_SB) {
        const int16_t *xt = xp + 2 * (ptrdiff_t)c->off[t];
        __m512i v0 = _mm512_loadu_si512((const void *)xt);
        __m512i v1 = _mm512_loadu_si512((const void *)(xt + 32));
        __m512i w = _mm512_set1_epi32(wp[0]);
        a00 = _mm512_dpwssd_epi32(a00, v0, w);
        a01 = _mm512_dpwssd_epi32(a01, v1, w);
        w = _mm512_set1_epi32(wp[1]);
        a10 = _mm512_dpwssd_epi32(a10, v0, w);
        a11 = _mm512_dpwssd_epi32(a11, v1, w);
        w = _mm512_set1_epi32(wp[2]);
        a20 = _mm512_dpwssd_epi32(a20, v0, w);
        a21 = _mm512_dpwssd_epi32(a21, v1, w);
        w = _mm512_set1_epi32(wp[3]);
        a30 = _mm512_dpwssd_epi32(a30, v0, w);
        a31 = _mm512_dpwssd_epi32(a31, v1, w);
      }
    }
    int32_t *o = out + (b - b0);
    _mm512_storeu_si512((void *)o, a00);
    _mm512_storeu_si512((void *)(o + 16), a01);
    _mm512_storeu_si512((void *)(o + M78K_TILE), a10);
    _mm512_storeu_si512((void *)(o + M78K_TILE + 16), a11);
    _mm512_storeu_si512((void *)(o + 2 * M78K_TILE), a20);
    _mm512_storeu_si512((void *)(o + 2 * M78K_TILE + 16), a21);
    _mm512_storeu_si512((void *)(o + 3 * M78K_TILE), a30);
    _mm512_storeu_si512((void *)(o + 3 * M78K_TILE + 16), a31);
  }
  for (; b < b1; b += M78K_CHUNK) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    const int32_t *wp = wsb;
    for (int cp = 0; cp < c->ncp; cp++) {
      const int16_t *xp = c->x + ((size_t)cp * c->xstride + (size_t)b) * 2;
      for (int t = 0; t < taps; t++, wp += M78K_SB) {
        __m512i v = _mm512_loadu_si512((const void *)(xp + 2 * (ptrdiff_t)c->off[t]));
        a0 = _mm512_dpwssd_epi32(a0, v, _mm512_set1_epi32(wp[0]));
        a1 = _mm512_dpwssd_epi32(a1, v, _mm512_set1_epi32(wp[1]));
        a2 = _mm512_dpwssd_epi32(a2, v, _mm512_set1_epi32(wp[2]));
        a3 = _mm512_dpwssd_epi32(a3, v, _mm512_set1_epi32(wp[3]));
      }
    }
    int32_t *o = out + (b - b0);
    _mm512_storeu_si512((void *)o, a0);
    _mm512_storeu_si512((void *)(o + M78K_TILE), a1);
    _mm512_storeu_si512((void *)(o + 2 * M78K_TILE), a2);
    _mm512_storeu_si512((void *)(o + 3 * M78K_TILE), a3);
  }
}

__attribute__((target("avx2"))) static inline __m256i quant8_avx2(__m256i a, const struct m78k_quant *q)
{
  __m256i v;
  if (q->mode == M78K_Q_RIGHT) {
    __m128i k = _mm_cvtsi32_si128(q->k);
    __m256i low = _mm256_and_si256(a, _mm256_set1_epi32((int)((1u << q->k) - 1)));
    low = _mm256_add_epi32(low, _mm256_set1_epi32((int)(1u << (q->k - 1))));
    v = _mm256_add_epi32(_mm256_sra_epi32(a, k), _mm256_srl_epi32(low, k));
  } else if (q->mode == M78K_Q_LEFT) {
    v = _mm256_min_epi32(_mm256_max_epi32(a, _mm256_set1_epi32(q->lo)), _mm256_set1_epi32(q->hi));
    v = _mm256_sll_epi32(v, _mm_cvtsi32_si128(q->m));
  } else {
    v = _mm256_setzero_si256();
  }
  v = _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(-128)), _mm256_set1_epi32(127));
  if (q->absv)
    v = _mm256_min_epi32(_mm256_abs_epi32(v), _mm256_set1_epi32(127));
  if (q->relu)
    v = _mm256_max_epi32(v, _mm256_setzero_si256());
  return v;
}

__attribute__((target("avx2"))) void m78k_quant_avx2(const int32_t *acc, int n, int32_t bias,
                                                     const struct m78k_quant *q, void *dst)
{
  const __m256i vb = _mm256_set1_epi32(bias);
  if (q->mode == M78K_Q_RAW) {
    int32_t *d = dst;
    for (int i = 0; i < n; i += 8)
      _mm256_storeu_si256((__m256i *)(void *)(d + i),
                          _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i)), vb));
    return;
  }
  /* the packs interleave 128-bit lanes; this puts the bytes back in order */
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  int8_t *d = dst;
  for (int i = 0; i < n; i += 32) {
    __m256i v0 = quant8_avx2(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i)), vb), q);
    __m256i v1 = quant8_avx2(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i + 8)), vb), q);
    __m256i v2 = quant8_avx2(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i + 16)), vb),
                             q);
    __m256i v3 = quant8_avx2(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i + 24)), vb),
                             q);
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(v0, v1), _mm256_packs_epi32(v2, v3));
    _mm256_storeu_si256((__m256i *)(void *)(d + i), _mm256_permutevar8x32_epi32(p, order));
  }
}
#endif

int m78k_select(struct m78k_kernels *k, const char *name)
{
  int any = !name || !*name || strcmp(name, "auto") == 0;
#if M78K_HAVE_X86
  __builtin_cpu_init();
  if ((any || strcmp(name, "avx512-vnni") == 0) && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512vnni")) {
    k->name = "avx512-vnni";
    k->conv = m78k_conv_avx512;
    k->quant = m78k_quant_avx2;
    return 0;
  }
  if ((any || strcmp(name, "avx2") == 0) && __builtin_cpu_supports("avx2")) {
    k->name = "avx2";
    k->conv = m78k_conv_avx2;
    k->quant = m78k_quant_avx2;
    return 0;
  }
  if (any || strcmp(name, "sse2") == 0) {
    k->name = "sse2";
    k->conv = m78k_conv_sse2;
    k->quant = m78k_quant_generic;
    return 0;
  }
#endif
  k->name = "generic";
  k->conv = m78k_conv_generic;
  k->quant = m78k_quant_generic;
  return any || strcmp(name, "generic") == 0 ? 0 : -1;
}
