/*
 * A layer as the hardware will run it, decoded from the register file.
 *
 * m78_layer_decode() reads the per-layer registers of all four quadrants
 * (plus the global CTRL bits that change a layer's meaning) and produces
 * this description, or an error that names the layer, the register and
 * the reason.  The engine, the timing model, reports, traces and the
 * viewer all work from this one description.
 *
 * Geometry follows ../shared/spec/registers.md 3.19: H/W are the input
 * rows/cols before pooling, Hp/Wp after pooling (and zero-stuffing for
 * transposed convolutions), Ho/Wo the output.
 */
#ifndef MAX78SIM_LAYER_H
#define MAX78SIM_LAYER_H

#include <stdint.h>
#include "max78sim/regs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum m78_layer_kind {
  M78_LAYER_CONV2D_3X3 = 0,
  M78_LAYER_CONV2D_1X1,
  M78_LAYER_CONV1D,
  M78_LAYER_CONVT2D,    /* transposed 3x3, stride 2 (zero-stuffed input) */
  M78_LAYER_PASSTHROUGH /* no weights: copy, pool and/or element-wise */
};

enum m78_eltwise { M78_ELT_SUB = 0, M78_ELT_ADD = 1, M78_ELT_OR = 2, M78_ELT_XOR = 3 };

struct m78_layer {
  int index;
  enum m78_layer_kind kind;

  /* processors */
  uint64_t in_procs;   /* EN.pro_en of all quadrants */
  uint64_t mask_procs; /* EN.mask_en of all quadrants */
  int chw;             /* LCTRL0.parallel */
  uint32_t rptr;       /* RPTR_BASE, word offset inside each reader's instance */

  /* passes, operands */
  int ne;       /* input passes */
  int ops;      /* element-wise operands (1 = none) */
  int elt_func; /* enum m78_eltwise */
  int prepool;  /* pool each operand before combining */
  int flatten;  /* POST.flatten_en */

  /* geometry */
  int h, w;         /* input rows/cols (before pooling); conv1d: w = 1 */
  int pad_r, pad_c; /* padding added around the pooled image */
  int pool_en, pool_max, pool_h, pool_w, stride;
  int pool_round; /* CTRL.poolrnd: average pooling rounds */
  int hp, wp;     /* pooled (and stuffed for CONVT2D) size */
  int kh, kw;     /* hardware kernel */
  int ho, wo;     /* output size */

  /* weights (convolutions) */
  int qbits;  /* 8, 4, 2 or 1 */
  int kwidth; /* bytes (taps) per kernel: 9, 1 or conv1d length */
  uint32_t mcnt_sad, mcnt_max;
  int oned_sad;
  int kern_uses; /* kernel uses per processor = slots * ne */

  /* output slots */
  int slots;          /* output slots in total (includes dummy slots) */
  int slots_per_pass; /* S */
  int out_passes;     /* ceil(slots / S) */
  int out32;          /* LCTRL0.bigdwrt */
  int shift;          /* signed total output shift (+ = left) */
  int relu, abs_act;
  uint8_t quads_summed; /* bit g: quadrant g's partial sum is used */
  int bias_en[4];
  int bias_sad[4];
  /* Slots of a pass that sit in a hole of the next layer's input map.
   * They use no bias entry (izer stores bias in channel order, kbias.py;
   * the corpus's cifar10 output maps with holes need this).  Set when a
   * run starts, from the consumer's registers; 0 if unknown. */
  uint64_t gap_slots;

  /* output placement */
  uint32_t wptr[4]; /* WPTR_BASE of each quadrant (17-bit pointer) */
  uint32_t wptr_toff, wptr_moff, wptr_choff;
  int wptr_inc;
  int tscnt;        /* passthrough: time slots - 1 */
  uint8_t pt_quads; /* passthrough: quadrants that have enabled processors */

  /* streaming */
  int streaming; /* stream_en and this layer has stream registers */
  uint32_t strm0, strm1, fbuf;
  uint32_t tptr;

  /* derived, for reports */
  int in_channels;  /* logical input channels (processors x passes) */
  int out_channels; /* output slots that carry data */
  uint64_t macs;    /* multiply-accumulates of the logical layer */
};

/* Error from the decoder: which layer, which register, why. */
struct m78_decode_error {
  int layer;
  int quadrant;    /* -1 when not specific */
  const char *reg; /* register name, or NULL */
  char msg[160];
};

struct m78_sim;

/* Decodes layer `index` from the current register file.  Returns 0 on
 * success, -1 with *err filled for a register combination the hardware
 * (or this simulator) cannot execute. */
int m78_layer_decode(const struct m78_sim *sim, int index, struct m78_layer *out, struct m78_decode_error *err);

/* Human-readable one-line summary, in the synthesizer's wording,
 * e.g. "60x28x28, max pool 2x2 with stride 2/2, conv2d 3x3, pad 2/2, ReLU,
 * 60x16x16 output".  Returns the length written (snprintf semantics). */
int m78_layer_describe(const struct m78_layer *l, char *buf, unsigned len);

/* Short operation name: "conv2d", "conv1d", "linear", "convtranspose2d",
 * "passthrough", "pool", "add" ... */
const char *m78_layer_opname(const struct m78_layer *l);

#ifdef __cplusplus
}
#endif
#endif
