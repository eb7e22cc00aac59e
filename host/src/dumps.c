/*
 * Layer dumps as raw values (see dumps.h): int8 or little-endian int32,
 * C order [C, H, W], as the corpus and `--dump-layers` write them.
 */
#include "m78host/dumps.h"

#include <string.h>

int m78dump_dtype_size(const char *dtype)
{
  if (!dtype)
    return 0;
  if (strcmp(dtype, "int8") == 0)
    return 1;
  if (strcmp(dtype, "int32le") == 0)
    return 4;
  return 0;
}

int64_t m78dump_value(const unsigned char *data, size_t i, int elsize)
{
  if (elsize == 1)
    return (int8_t)data[i];
  const unsigned char *p = data + 4 * i;
  uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  return (int32_t)u;
}

void m78dump_chw_index(const long shape[3], size_t i, long *c, long *row, long *col)
{
  long h = shape[1] > 0 ? shape[1] : 1, w = shape[2] > 0 ? shape[2] : 1;
  *col = (long)(i % (size_t)w);
  *row = (long)(i / (size_t)w % (size_t)h);
  *c = (long)(i / ((size_t)w * (size_t)h));
}

void m78dump_compare(const unsigned char *expected, const unsigned char *got, size_t len, int elsize,
                     struct m78dump_diff *d)
{
  memset(d, 0, sizeof *d);
  d->values = len / (size_t)elsize;
  if (memcmp(expected, got, len) == 0)
    return;
  for (size_t i = 0; i < d->values; i++) {
    if (memcmp(expected + i * (size_t)elsize, got + i * (size_t)elsize, (size_t)elsize) == 0)
      continue;
    if (d->differ++ == 0) {
      d->first = i;
      d->expected = m78dump_value(expected, i, elsize);
      d->got = m78dump_value(got, i, elsize);
    }
  }
}
