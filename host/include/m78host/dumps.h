/*
 * Layer dumps as raw values: the corpus's expected outputs and the
 * simulator's `--dump-layers` files, int8 or little-endian int32 in C
 * order (channel, row, col).  Used by compare, the test runner and the
 * viewer.
 */
#ifndef M78_DUMPS_H
#define M78_DUMPS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes per value of a corpus dtype ("int8", "int32le"), 0 if unknown. */
int m78dump_dtype_size(const char *dtype);
/* Signed value number i of a raw dump. */
int64_t m78dump_value(const unsigned char *data, size_t i, int elsize);
/* Position of value number i in a C-order [C, H, W] tensor. */
void m78dump_chw_index(const long shape[3], size_t i, long *c, long *row, long *col);

struct m78dump_diff {
  size_t values;    /* values compared */
  size_t differ;    /* values that differ */
  size_t first;     /* index of the first difference (valid if differ) */
  int64_t expected; /* values at that index */
  int64_t got;
};
/* Compares two dumps of equal length value by value. */
void m78dump_compare(const unsigned char *expected, const unsigned char *got, size_t len, int elsize,
                     struct m78dump_diff *d);

#endif
