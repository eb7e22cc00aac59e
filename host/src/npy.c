/*
 * NumPy .npy reader and writer (see npy.h).  The header is a Python dict
 * literal: {'descr': '<i1', 'fortran_order': False, 'shape': (3, 28, 28), }
 * padded with spaces to a multiple of 64 bytes and ended by '\n'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "m78host/npy.h"

static const struct {
  const char *descr[3]; /* the spellings numpy writes */
  enum m78npy_dtype t;
  size_t size;
  const char *name;
} dtypes[] = {
    {{"|i1", "<i1", "i1"}, M78NPY_I8, 1, "int8"},    {{"|u1", "<u1", "u1"}, M78NPY_U8, 1, "uint8"},
    {{"<i2", NULL, NULL}, M78NPY_I16, 2, "int16"},   {{"<i4", NULL, NULL}, M78NPY_I32, 4, "int32"},
    {{"<i8", NULL, NULL}, M78NPY_I64, 8, "int64"},   {{"<f4", NULL, NULL}, M78NPY_F32, 4, "float32"},
    {{"<f8", NULL, NULL}, M78NPY_F64, 8, "float64"},
};
#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

const char *m78npy_dtype_name(enum m78npy_dtype t)
{
  for (size_t i = 0; i < NDTYPES; i++)
    if (dtypes[i].t == t)
      return dtypes[i].name;
  return "?";
}

void m78npy_free(struct m78npy *a)
{
  free(a->data);
  memset(a, 0, sizeof *a);
}

/* The quoted value after 'key': in the header, or NULL. */
static const char *find_key(const char *h, const char *key)
{
  char pat[32];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) {
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = strstr(h, pat);
  }
  if (!p)
    return NULL;
  p += strlen(pat);
  while (*p == ' ')
    p++;
  if (*p != ':')
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  return p;
}

int m78npy_parse(const void *buf, size_t len, const char *label, struct m78npy *out, char *err, size_t errlen)
{
  const unsigned char *b = buf;
  memset(out, 0, sizeof *out);
  if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0) {
    snprintf(err, errlen, "%s: not a .npy file (no \\x93NUMPY magic at byte 0)", label);
    return -1;
  }
  int major = b[6];
  size_t hlen, hoff;
  if (major == 1) {
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
    hoff = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) {
      snprintf(err, errlen, "%s: truncated .npy header", label);
      return -1;
    }
    hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    hoff = 12;
  } else {
    snprintf(err, errlen, "%s: .npy format version %d.%d is not supported (1.0-3.0 are)", label, major, b[7]);
    return -1;
  }
  if (hlen > 65536 || hoff + hlen > len) {
    snprintf(err, errlen, "%s: .npy header of %zu bytes does not fit the file (%zu bytes)", label, hlen, len);
    return -1;
  }
  char *h = malloc(hlen + 1);
  if (!h) {
    snprintf(err, errlen, "%s: out of memory", label);
    return -1;
  }
  memcpy(h, b + hoff, hlen);
  h[hlen] = 0;
  int rc = -1;
  const char *d = find_key(h, "descr"), *f = find_key(h, "fortran_order"), *s = find_key(h, "shape");
  if (!d || !f || !s || (*d != '\'' && *d != '"') || *s != '(') {
    snprintf(err, errlen, "%s: .npy header lacks descr, fortran_order or shape: %.80s", label, h);
    goto out;
  }
  char descr[16];
  size_t dl = 0;
  for (d++; *d && *d != '\'' && *d != '"' && dl + 1 < sizeof descr; d++)
    descr[dl++] = *d;
  descr[dl] = 0;
  int found = 0;
  for (size_t i = 0; i < NDTYPES && !found; i++)
    for (int k = 0; k < 3; k++)
      if (dtypes[i].descr[k] && strcmp(dtypes[i].descr[k], descr) == 0) {
        out->dtype = dtypes[i].t;
        out->esize = dtypes[i].size;
        found = 1;
        break;
      }
  if (!found) {
    snprintf(err, errlen,
             "%s: .npy dtype '%s' is not supported (int8, uint8, int16, int32, int64, float32, float64, "
             "little-endian)",
             label, descr);
    goto out;
  }
  if (strncmp(f, "False", 5) != 0) {
    snprintf(err, errlen, "%s: Fortran-order .npy arrays are not supported (save with np.ascontiguousarray)", label);
    goto out;
  }
  out->count = 1;
  for (s++;;) {
    while (*s == ' ' || *s == ',')
      s++;
    if (*s == ')')
      break;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-') {
      snprintf(err, errlen, "%s: .npy shape is not a tuple of sizes: %.60s", label, s);
      goto out;
    }
    if (out->ndim == M78NPY_MAX_DIMS) {
      snprintf(err, errlen, "%s: .npy arrays of more than %d dimensions are not supported", label, M78NPY_MAX_DIMS);
      goto out;
    }
    out->shape[out->ndim++] = (size_t)v;
    if (v && out->count > M78NPY_MAX_BYTES / v) {
      snprintf(err, errlen, "%s: .npy array larger than %llu bytes", label, (unsigned long long)M78NPY_MAX_BYTES);
      goto out;
    }
    out->count *= (size_t)v;
    s = end;
  }
  size_t bytes = out->count * out->esize;
  if (bytes > M78NPY_MAX_BYTES) {
    snprintf(err, errlen, "%s: .npy array larger than %llu bytes", label, (unsigned long long)M78NPY_MAX_BYTES);
    goto out;
  }
  if (len - hoff - hlen != bytes) {
    snprintf(err, errlen, "%s: .npy data is %zu bytes, its header (shape, %s) needs %zu", label, len - hoff - hlen,
             m78npy_dtype_name(out->dtype), bytes);
    goto out;
  }
  out->data = malloc(bytes ? bytes : 1);
  if (!out->data) {
    snprintf(err, errlen, "%s: out of memory", label);
    goto out;
  }
  memcpy(out->data, b + hoff + hlen, bytes);
  rc = 0;
out:
  free(h);
  return rc;
}

int m78npy_read(const char *path, struct m78npy *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: not a regular file", path);
    fclose(f);
    return -1;
  }
  /* checked before reading: the header is at most 64 KiB */
  if ((unsigned long long)st.st_size > M78NPY_MAX_BYTES + 65536 + 12) {
    snprintf(err, errlen, "%s: %llu bytes, larger than the %llu-byte limit for a .npy file", path,
             (unsigned long long)st.st_size, (unsigned long long)M78NPY_MAX_BYTES);
    fclose(f);
    return -1;
  }
  size_t len = (size_t)st.st_size;
  void *buf = malloc(len ? len : 1);
  if (!buf || fread(buf, 1, len, f) != len) {
    snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  int rc = m78npy_parse(buf, len, path, out, err, errlen);
  free(buf);
  return rc;
}

double m78npy_get(const struct m78npy *a, size_t i)
{
  const unsigned char *p = (const unsigned char *)a->data + i * a->esize;
  switch (a->dtype) {
  case M78NPY_I8: return (double)(int8_t)p[0];
  case M78NPY_U8: return (double)p[0];
  case M78NPY_I16: {
    int16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case M78NPY_I32: {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  case M78NPY_I64: {
    int64_t v;
    memcpy(&v, p, 8);
    return (double)v;
  }
  case M78NPY_F32: {
    float v;
    memcpy(&v, p, 4);
    return v;
  }
  case M78NPY_F64: {
    double v;
    memcpy(&v, p, 8);
    return v;
  }
  }
  return 0;
}

int m78npy_format(enum m78npy_dtype t, int ndim, const size_t *shape, const void *data, void **out, size_t *outlen)
{
  const char *descr = NULL;
  size_t esize = 0;
  for (size_t i = 0; i < NDTYPES; i++)
    if (dtypes[i].t == t) {
      descr = dtypes[i].descr[0];
      esize = dtypes[i].size;
    }
  if (!descr || ndim < 1 || ndim > M78NPY_MAX_DIMS)
    return -1;
  char h[256];
  int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  size_t count = 1;
  for (int i = 0; i < ndim; i++) {
    n += snprintf(h + n, sizeof h - (size_t)n, ndim == 1 ? "%zu,), }" : i + 1 < ndim ? "%zu, " : "%zu), }", shape[i]);
    count *= shape[i];
  }
  /* pad so that magic + length + header is a multiple of 64 */
  size_t total = 10 + (size_t)n + 1;
  size_t pad = (64 - total % 64) % 64;
  size_t hlen = (size_t)n + pad + 1;
  size_t bytes = count * esize;
  unsigned char *b = malloc(10 + hlen + bytes);
  if (!b)
    return -1;
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)(hlen & 0xff);
  b[9] = (unsigned char)(hlen >> 8);
  memcpy(b + 10, h, (size_t)n);
  memset(b + 10 + n, ' ', pad);
  b[10 + hlen - 1] = '\n';
  memcpy(b + 10 + hlen, data, bytes);
  *out = b;
  *outlen = 10 + hlen + bytes;
  return 0;
}
