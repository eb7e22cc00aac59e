/*
 * Inner loops of the convolution: int16 x int16 -> int32 dot products.
 *
 * The engine lays a layer's input out once as channel pairs: x holds, for
 * every pair cp and position b of the padded input plane, the two int16
 * values (even channel, odd channel) side by side, so one multiply-add
 * instruction (PMADDWD) does two channels' products for 8 or 16
 * positions.  A tap is an offset in positions (row * padded width +
 * column), so output position b (= y * padded width + x) of any 2-D or
 * 1-D convolution sums x[b + off[t]] over taps and pairs.  Positions past
 * the last output row's end are computed too and discarded by the caller.
 *
 * Inputs and weights are in int8 range, so every pair of products fits
 * int16 x int16 -> int32 without saturation, and the int32 sums wrap like
 * the C reference: any summation order gives the same bits.
 *
 * m78k_conv_select() picks the widest kernel the host CPU runs (checked at
 * run time); every kernel gives identical results.
 */
#ifndef M78_KERNELS_H
#define M78_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define M78K_SB 4     /* output slots per block */
#define M78K_CHUNK 16 /* positions per step */
#define M78K_TILE 256 /* most positions per call: a tile's inputs stay in L1 */

struct m78k_conv {
  const int16_t *x; /* [ncp][xstride][2] */
  size_t xstride;   /* positions per pair; covers every read of a chunk */
  int ncp, taps;
  const int32_t *off; /* [taps] position offset of each tap */
  /* [nsb][ncp][taps][M78K_SB]: even-channel weight in bits 15:0, odd in 31:16 */
  const int32_t *w;
};

/* Sums of slot block `sb` for positions [b0, b1) into
 * out[s * M78K_TILE + b - b0] (s < M78K_SB); b0 and b1 are multiples of
 * M78K_CHUNK, b1 - b0 <= M78K_TILE. */
typedef void (*m78k_conv_fn)(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out);

/*
 * Output stage of n sums (n a multiple of 32) of one slot: add the bias
 * (int32, wrapping), then
 *  RAW:   keep the 32 bits (int32 out);
 *  RIGHT: (a + 2^(k-1)) >> k, k = 1..31, computed without overflow as
 *         (a >> k) + (((a mod 2^k) + 2^(k-1)) >> k);
 *  LEFT:  a << m, m = 0..30, after clamping a to [lo, hi] (the values
 *         just past those that do not saturate);
 *  ZERO:  0 (a right shift past 31 rounds every int32 to 0);
 * then clamp to int8 and Abs (-128 -> 127) or ReLU (int8 out).
 */
enum m78k_qmode { M78K_Q_RAW, M78K_Q_RIGHT, M78K_Q_LEFT, M78K_Q_ZERO };
struct m78k_quant {
  enum m78k_qmode mode;
  int k, m;
  int32_t lo, hi;
  int relu, absv;
};
typedef void (*m78k_quant_fn)(const int32_t *acc, int n, int32_t bias, const struct m78k_quant *q, void *dst);

/* The quantization for a layer's total shift and activation. */
void m78k_quant_init(struct m78k_quant *q, int out32, int shift, int relu, int absv);

void m78k_conv_generic(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out);
void m78k_quant_generic(const int32_t *acc, int n, int32_t bias, const struct m78k_quant *q, void *dst);
#if defined(__x86_64__) || defined(__i386__)
#define M78K_HAVE_X86 1
void m78k_conv_sse2(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out);
void m78k_conv_avx2(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out);
void m78k_conv_avx512(const struct m78k_conv *c, int sb, int b0, int b1, int32_t *out); /* + VNNI */
void m78k_quant_avx2(const int32_t *acc, int n, int32_t bias, const struct m78k_quant *q, void *dst);
#endif

/* Kernels by name ("avx512-vnni", "avx2", "sse2", "generic"), or the fastest this
 * CPU supports for NULL or "auto" (checked at run time).  -1 (and the
 * generic kernels) when the name is unknown or the CPU lacks it. */
struct m78k_kernels {
  const char *name;
  m78k_conv_fn conv;
  m78k_quant_fn quant;
};
int m78k_select(struct m78k_kernels *k, const char *name);

#endif
