/*
 * Fault specifications as the user writes them (max78sim run/compare
 * --fault SPEC) and as they travel to the firmware process
 * (M78SIM_FAULTS, specs separated by ';'):
 *
 *   sram:inst=I,bit=B,value=V[,word=W][,layer=L]
 *       data SRAM instance I (0-15), bit B (0-31) of every word (or of
 *       word W) stuck at V (0/1); with layer=L only the words layer L
 *       writes are hit (a bad write path), else the cell is stuck always
 *   kernel:proc=P,col=C,byte=K,xor=X
 *       kernel memory of processor P (0-63), column C (0-767): byte K
 *       (0-8, byte k = bits 8k+7..8k of the 72-bit word) XOR X (1-255)
 *   shift:layer=L,delta=D
 *       layer L's output shift changed by D (-15..15, not 0)
 *
 * Numbers are decimal or 0x-prefixed hex.
 */
#ifndef M78_FAULTSPEC_H
#define M78_FAULTSPEC_H

#include <stddef.h>
#include "max78sim/sim.h"

/* Parses one spec.  Returns 0, or -1 with a one-line reason in err. */
int m78_fault_parse(const char *spec, struct m78_fault *out, char *err, size_t errlen);

/* Parses a ';'-separated list into out[] (at most max).  Returns the
 * count, or -1 with a reason in err. */
int m78_fault_parse_list(const char *list, struct m78_fault *out, int max, char *err, size_t errlen);

/* The canonical spec of a fault (what m78_fault_parse accepts). */
int m78_fault_format(const struct m78_fault *f, char *buf, size_t len);

#endif
