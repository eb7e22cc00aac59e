/*
 * Timeline of a run, written as Chrome/Perfetto trace-event JSON.
 *
 * The firmware process records what happened, in SoC ticks (1/1.2 GHz,
 * see m78host/soc.h): CPU phases (configuring, loading weights,
 * bias and input, sleeping, the interrupt service routine, unloading),
 * LED edges, CNN runs with their layers and the stalls of streaming
 * layers.  m78_timeline_write() turns the record into the trace-event
 * format (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU,
 * "JSON Object Format"): process "CNN" with one thread per quadrant
 * (layers; passes, operands and cycles as arguments), one per streaming
 * layer (their spans overlap, so they cannot share a track) and one for
 * FIFO stalls; process "CPU" with the phases, the ISR and the interrupt
 * as an instant event; LED edges as instant events.  Timestamps are
 * microseconds.
 */
#ifndef M78_TIMELINE_H
#define M78_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/sim.h"

enum m78_tl_kind {
  M78_TL_CPU_PHASE, /* arg = phase (enum m78_tl_phase) */
  M78_TL_SLEEP,     /* CPU asleep (WFI) */
  M78_TL_ISR,       /* CNN interrupt service routine */
  M78_TL_IRQ,       /* instant: CNN interrupt raised (t0) */
  M78_TL_LED,       /* instant: arg = LED, arg2 = on */
  M78_TL_RUN,       /* CNN inference, arg = run number */
  M78_TL_LAYER,     /* arg = layer, arg2 = run; detail in `layer` */
  M78_TL_STALL      /* streaming layer 0 waits for FIFO data */
};

enum m78_tl_phase { M78_TL_CONFIGURE, M78_TL_WEIGHTS, M78_TL_BIAS, M78_TL_INPUT, M78_TL_UNLOAD, M78_TL_PHASES };

struct m78_tl_layer {
  char op[24];
  uint8_t quads; /* bit g: quadrant g has enabled processors */
  uint8_t streaming;
  int16_t passes, operands, out_passes;
  uint64_t cycles, stall_cycles, macs;
  double energy_pj;
};

struct m78_tl_event {
  uint8_t kind;
  int32_t arg, arg2;
  uint64_t t0, t1;            /* ticks; t1 = t0 for instants */
  struct m78_tl_layer *layer; /* M78_TL_LAYER only */
};

struct m78_timeline {
  struct m78_tl_event *ev;
  size_t n, cap;
  size_t dropped;   /* events beyond the cap */
  uint64_t tick_hz; /* ticks per second */
};

const char *m78_tl_phase_name(int phase);

/* Appends an event (copies `layer`); returns 0, or -1 when full. */
int m78_tl_add(struct m78_timeline *tl, int kind, int arg, int arg2, uint64_t t0, uint64_t t1,
               const struct m78_tl_layer *layer);
void m78_tl_free(struct m78_timeline *tl);

/* Writes the trace atomically.  Returns 0, or -1 with a message. */
int m78_timeline_write(const struct m78_timeline *tl, const char *path, char *err, size_t errlen);

#endif
