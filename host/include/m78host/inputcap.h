/*
 * The input of layer 0 as the accelerator saw it, for the viewer.
 *
 * Layer 0 reads its input from data SRAM, where the firmware put it
 * before the start (memcpy), or from the input FIFOs, whose words land in
 * instance 4n one after the other from layer 0's read pointer on.  A
 * streaming layer 0 keeps only a rolling window of them in SRAM, so the
 * FIFO words are recorded here as they are pushed (from the bus hook),
 * and at layer 0's start the logical input [channel][row][col] is read
 * back the way the datapath fetches it: FIFO-fed instances from the
 * recorded words, the others from SRAM.  Operand 0 only for a layer 0
 * with element-wise operands.  Channel order: pass-major
 * (pass * processors + processor index), as the dumps of passthrough
 * layers.
 */
#ifndef M78_INPUTCAP_H
#define M78_INPUTCAP_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/sim.h"

struct m78_inputcap {
  uint32_t *fifo[M78_FIFOS]; /* words pushed since the start, in order */
  size_t fifo_len[M78_FIFOS], fifo_cap[M78_FIFOS];
  int8_t *input; /* captured input, C order; NULL if none */
  int c, h, w;
  int from_fifo; /* some instance was fed by a FIFO */
};

void m78_inputcap_init(struct m78_inputcap *cap);
void m78_inputcap_free(struct m78_inputcap *cap);
/* A new inference started: forget the FIFO words and the last input. */
void m78_inputcap_start(struct m78_inputcap *cap);
/* Feed every bus access (m78_hooks.on_access); keeps FIFO data writes. */
void m78_inputcap_access(struct m78_inputcap *cap, const struct m78_access *a);
/* Reads layer 0's input; call when layer 0 starts (M78_EV_LAYER_START).
 * Returns 0, or -1 when layer 0 could not be decoded or memory ran out. */
int m78_inputcap_layer0(struct m78_inputcap *cap, const m78_sim *sim);
/* Writes input.i8 and input.json into DIR (atomically).  Nothing when no
 * input was captured.  Returns 0, or -1 with a message in err. */
int m78_inputcap_write(const struct m78_inputcap *cap, const char *dir, char *err, size_t errlen);

#endif
