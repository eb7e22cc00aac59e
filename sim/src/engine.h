/*
 * Private to the datapath (engine.c, engine_weights.c): the state of one
 * layer's run, which the parallel units share.  The scratch slots (SC_*)
 * are the simulator's reusable buffers (m78i_scratch), per thread for
 * TS_*.
 */
#ifndef M78_ENGINE_H
#define M78_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "kernels.h"
#include "sim_internal.h"

/* Input data source of the layer, with streaming circular buffers. */
struct fetcher {
  const m78_sim *sim;
  const struct m78_layer *l;
  const struct m78_stream *st; /* unwrapped streaming input, or NULL */
};

enum { SC_PLANES, SC_X, SC_W, SC_OUTP, SC_OUT, SC_OFF, SC_BIAS, SC_WORDS, SC_QMAP, SC_THREAD };
enum { TS_RAW, TS_TMP, TS_POOLED0, TS_POOLED1, TS_TILE, TS_AT, TS_COUNT }; /* per-thread slots */
#define THREAD_SLOT(t, k) (SC_THREAD + TS_COUNT * (t) + (k))
/* below these sizes a job costs more to hand out than to do */
/* the gather stage costs about this many multiply-accumulates per value */
#define GATHER_COST 32

struct layer_job {
  m78_sim *sim;
  const struct m78_layer *l;
  struct fetcher f;
  int procs[M78_PROCS], nprocs;
  int crank[M78_PROCS]; /* rank of processor i among the summed ones, or -1 */
  int ncontrib;
  int conv, stuffed, hp0, wp0, ph, pw;
  size_t raw_n;
  int8_t *comb;
  int16_t *scratch[M78_MAX_THREADS][4]; /* per thread: raw, tmp, two pooled */
  int *qplane;                          /* conv: plane (i * ne + e) of each summed channel q */
  int *extra;                           /* conv: planes only the combined-stage dump needs */
  int nextra;

  int16_t *planes; /* passthrough: [nplanes][hp * wp] */
  size_t plane_n;

  struct m78k_conv kc;
  struct m78k_kernels kern;
  struct m78k_quant quant;
  int nsb, nb_pad;
  int32_t *bias;                  /* [slots] */
  int32_t *tile[M78_MAX_THREADS]; /* per thread: M78K_SB x M78K_TILE sums */
  int32_t *at[M78_MAX_THREADS];   /* per thread: weight byte offsets (weights_unit) */
  uint8_t *outp;                  /* [slots][nb_pad] outputs by position, elem bytes each */
  int elem;
};

/* The weight layout for the layer in j->kc.w (engine_weights.c): kept
 * from an earlier inference while the weights are unchanged, or laid out
 * now on PAR threads.  Returns -1 when out of memory. */
int m78i_engine_weights(struct layer_job *j, int par, size_t wbytes);

#endif
