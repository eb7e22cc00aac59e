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

struct m78k_conv {
  const int16_t *x;   /* [ncp][xstride][2] */
  size_t xstride;     /* positions per pair; covers every read of a chunk */
  int ncp, taps;
  const int32_t *off; /* [taps] position offset of each tap */
  /* [nsb][ncp][taps][M78K_SB]: even-channel weight in bits 15:0, odd in 31:16 */
  const int32_t *w;
  int32_t *out;       /* [nsb * M78K_SB][ostride] */
  size_t ostride;
};

/* Accumulates slot block `sb` for positions [b0, b1); b0 and b1 are
 * multiples of M78K_CHUNK. */
typedef void (*m78k_conv_fn)(const struct m78k_conv *c, int sb, int b0, int b1);

void m78k_conv_generic(const struct m78k_conv *c, int sb, int b0, int b1);
#if defined(__x86_64__) || defined(__i386__)
#define M78K_HAVE_X86 1
void m78k_conv_avx2(const struct m78k_conv *c, int sb, int b0, int b1);
#endif

/* The fastest kernel this CPU supports, and its name. */
m78k_conv_fn m78k_conv_select(const char **name);

#endif
