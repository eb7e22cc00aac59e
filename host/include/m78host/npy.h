/*
 * NumPy .npy files (format versions 1.0-3.0), the subset data sets use:
 * C-order arrays of int8, uint8, int16, int32, int64, float32 or float64,
 * little-endian (or one-byte types), up to 4 dimensions.
 *
 * A reader checks the header against the file size before reading the
 * data, so a truncated or oversized file is an error naming the byte
 * offset, never a short read.  A writer writes int8/int32/uint8 arrays.
 */
#ifndef M78_NPY_H
#define M78_NPY_H

#include <stddef.h>
#include <stdint.h>

#define M78NPY_MAX_DIMS 4
/* Largest data part a reader accepts: 1 GiB (a data set of 8 Mi MNIST
 * images or 11,000 animal frames; larger sets are given as folders). */
#define M78NPY_MAX_BYTES (1ull << 30)

enum m78npy_dtype { M78NPY_I8, M78NPY_U8, M78NPY_I16, M78NPY_I32, M78NPY_I64, M78NPY_F32, M78NPY_F64 };

struct m78npy {
  enum m78npy_dtype dtype;
  int ndim;
  size_t shape[M78NPY_MAX_DIMS];
  size_t count; /* elements */
  size_t esize; /* bytes per element */
  void *data;   /* count * esize bytes, little-endian; malloc'd */
};

/* Reads PATH.  Returns 0, or -1 with a message (naming the file) in err. */
int m78npy_read(const char *path, struct m78npy *out, char *err, size_t errlen);
/* Parses a .npy image held in memory (LABEL names it in messages). */
int m78npy_parse(const void *buf, size_t len, const char *label, struct m78npy *out, char *err, size_t errlen);
void m78npy_free(struct m78npy *a);
const char *m78npy_dtype_name(enum m78npy_dtype t);
/* Element i as a double (every dtype above converts exactly, but int64
 * beyond 2^53). */
double m78npy_get(const struct m78npy *a, size_t i);

/* Serializes an array as a .npy image (malloc'd into *out, *outlen). */
int m78npy_format(enum m78npy_dtype t, int ndim, const size_t *shape, const void *data, void **out, size_t *outlen);

#endif
