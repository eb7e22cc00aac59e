/*
 * A user's input for layer 0: read from a .npy, an image or raw bytes,
 * converted to the int8 values the accelerator reads, and checked
 * against the shape layer 0's registers give (tools/input.c).
 */
#ifndef M78_INPUT_H
#define M78_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include "m78host/inmap.h"

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

/* Reads PATH for the project in FWDIR and packs it into the firmware's
 * input arrays (inmap.h's M78INPUT format, malloc'd into *buf); *is_sample
 * tells whether the words equal the baked ones.  0, or -1 after an error
 * line (CMD names the command). */
int m78cli_input_pack(const char *cmd, const char *path, const struct m78cli_input_opts *in, const char *fwdir,
                      void **buf, size_t *len, int *is_sample);
/* Writes such a buffer into DIR/input.bin; returns "M78SIM_INPUT=path"
 * (malloc'd) for the firmware's environment, or NULL after an error. */
char *m78cli_input_write(const char *dir, const void *buf, size_t len);

/* `max78sim input export DIR|MODEL -o FILE.npy`, `input show`. */
int m78cli_cmd_input(int argc, char **argv);

#endif
