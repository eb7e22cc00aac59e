/*
 * A user's input for layer 0: read from a .npy, an image or raw bytes,
 * converted to the int8 values the accelerator reads, and checked
 * against the shape layer 0's registers give (tools/input.c).
 */
#ifndef M78_INPUT_H
#define M78_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include "inmap.h"

struct m78cli_input_opts {
  const char *shape; /* --input-shape CxHxW (raw files), or NULL */
  int resize;        /* --resize: scale images to layer 0's rows and columns */
};

/* Reads PATH as a tensor of M's shape (m->c x m->h x m->w int8 values,
 * malloc'd into *out).  Returns 0, or -1 after printing one error line
 * that names the file. */
int m78cli_input_read(const char *path, const struct m78cli_input_opts *o, const struct m78inmap *m, int8_t **out);

/* Converts one array of a .npy data set: element count per sample is
 * m's; values as m78cli_input_read converts them.  Used by eval. */
int8_t m78cli_input_u8(unsigned p);
/* The hardware value of a float in ai8x-training's [-1, 1) range. */
int8_t m78cli_input_float(double x);

/* Parses "CxHxW" (or "HxW", "C,H,W").  Returns 0 or -1. */
int m78cli_parse_shape(const char *s, int *c, int *h, int *w);

/* `max78sim input export DIR|MODEL -o FILE.npy`, `input show`. */
int m78cli_cmd_input(int argc, char **argv);

#endif
