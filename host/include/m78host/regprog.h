/*
 * The register program of a synthesized network, replayed on a core.
 *
 * cnn_init(), cnn_configure() and cnn_start() in an izer-generated cnn.c
 * are straight-line 32-bit stores of constants to constant addresses.
 * Replaying them through the bus, as the firmware makes them, leaves the
 * core with the network configured and started (the master enable is
 * the last store), so every layer is decoded and timed without running
 * the firmware, its weights or its input.  Used by the corpus cycle test
 * and the energy benchmark.
 */
#ifndef M78_REGPROG_H
#define M78_REGPROG_H

#include <stddef.h>
#include "max78sim/sim.h"

/* Replays the program in `cnn_c` (the text of cnn.c).  Returns the number
 * of stores, or -1 with a message in err. */
int m78_regprog_replay(m78_sim *sim, const char *cnn_c, char *err, size_t errlen);

#endif
