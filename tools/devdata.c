/*
 * Device data readers (see devdata.h).
 *
 * Detection: a file with a NUL byte or bytes outside printable ASCII, or
 * one named FILE@ADDR, is a binary dump; a text file with any
 * recognised log line (Data mismatch, address-prefixed hex words, a
 * capture header) is a console log; any other text file must be an
 * output buffer, so a stray token there is an error with its line.
 */
#define _GNU_SOURCE
#include "devdata.h"
#include "m78host/report.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "m78host/sramdump.h"

void m78dev_init(struct m78dev_data *d)
{
  memset(d, 0, sizeof *d);
  d->stop_after = -1;
  d->stop_after_file = -1;
  d->output_file = -1;
}

void m78dev_free(struct m78dev_data *d)
{
  free(d->img);
  free(d->bits);
  free(d->src);
  free(d->line);
  free(d->mismatch);
  free(d->output);
  for (int i = 0; i < d->nfiles; i++) {
    free(d->files[i]);
    free(d->kinds[i]);
  }
  free(d->files);
  free(d->kinds);
  m78dev_init(d);
}

static void ensure_image(struct m78dev_data *d)
{
  if (d->img)
    return;
  d->img = calloc(M78_SRAM_IMAGE_BYTES, 1);
  d->bits = calloc(M78_SRAM_IMAGE_BYTES, 1);
  d->src = calloc(M78_SRAM_IMAGE_BYTES, sizeof *d->src);
  d->line = calloc(M78_SRAM_IMAGE_BYTES, sizeof *d->line);
  if (!d->img || !d->bits || !d->src || !d->line) {
    fprintf(stderr, "%s: out of memory\n", m78u_prog());
    exit(M78CLI_EXIT_ERROR);
  }
}

/* Records observed bits of one byte; a second file that says something
 * else about the same bits is an error. */
static int observe(struct m78dev_data *d, size_t off, uint8_t value, uint8_t bits, int file, int line, char *err,
                   size_t errlen)
{
  if (!bits)
    return 0;
  uint8_t both = d->bits[off] & bits;
  if (both && ((d->img[off] ^ value) & both)) {
    snprintf(err, errlen, "%s%s%d: byte at 0x%08x reads 0x%02x here but 0x%02x in %s%s%d", d->files[file],
             line ? ":" : "", line, (unsigned)m78_sram_image_addr(off), value & both, d->img[off] & both,
             d->files[d->src[off]], d->line[off] ? ":" : "", d->line[off]);
    return -1;
  }
  if (!d->bits[off])
    d->observed++;
  d->img[off] = (uint8_t)((d->img[off] & ~bits) | (value & bits));
  d->bits[off] |= bits;
  d->src[off] = file;
  d->line[off] = line;
  return 0;
}

int m78dev_observe_word(struct m78dev_data *d, uint32_t addr, uint32_t value, uint32_t mask, int file, int line,
                        char *err, size_t errlen)
{
  long off = m78_sram_image_offset(addr);
  if (off < 0 || (addr & 3)) {
    snprintf(err, errlen,
             "%s:%d: address 0x%08x is not a word of CNN data memory (0x50400000-0x5041ffff, "
             "0x50800000-0x5081ffff, 0x50c00000-0x50c1ffff, 0x51000000-0x5101ffff)",
             d->files[file], line, (unsigned)addr);
    return -1;
  }
  ensure_image(d);
  for (int b = 0; b < 4; b++)
    if (observe(d, (size_t)off + (size_t)b, (uint8_t)(value >> (8 * b)), (uint8_t)(mask >> (8 * b)), file, line, err,
                errlen) != 0)
      return -1;
  return 0;
}

static int add_file(struct m78dev_data *d, const char *name)
{
  d->files = m78u_xrealloc(d->files, (size_t)(d->nfiles + 1) * sizeof *d->files);
  d->kinds = m78u_xrealloc(d->kinds, (size_t)(d->nfiles + 1) * sizeof *d->kinds);
  d->files[d->nfiles] = m78u_xstrdup(name);
  d->kinds[d->nfiles] = m78u_xstrdup("?");
  return d->nfiles++;
}

static void set_kind(struct m78dev_data *d, int file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_kind(struct m78dev_data *d, int file, const char *fmt, ...)
{
  va_list ap;
  char buf[256];
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(d->kinds[file]);
  d->kinds[file] = m78u_xstrdup(buf);
}

/* ---- binary dumps ---- */

static const uint32_t quad_base[4] = {0x50400000u, 0x50800000u, 0x50C00000u, 0x51000000u};

/* The quadrant whose base address (8 hex digits) the file name holds. */
static int quad_from_name(const char *path)
{
  const char *base = m78u_basename(path);
  int found = -1;
  for (int q = 0; q < 4; q++) {
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", (unsigned)quad_base[q]);
    if (strcasestr(base, hex)) {
      if (found >= 0)
        return -2;
      found = q;
    }
  }
  return found;
}

static int load_binary(struct m78dev_data *d, int file, const char *path, const unsigned char *data, size_t n,
                       int has_addr, uint32_t addr, char *err, size_t errlen)
{
  if (!has_addr) {
    if (n == M78_SRAM_IMAGE_BYTES) {
      addr = quad_base[0];
    } else if (n == M78_SRAM_QUAD_BYTES) {
      int q = quad_from_name(path);
      if (q < 0) {
        snprintf(err, errlen,
                 "%s: a 128 KiB dump of one quadrant, but its name does not say which (put 50400000, "
                 "50800000, 50c00000 or 51000000 in the name, or write %s@0x50800000)",
                 path, path);
        return -1;
      }
      addr = quad_base[q];
    } else {
      snprintf(err, errlen,
               "%s: binary dump of %zu bytes: expected %zu (one quadrant, 0x20000) or %zu (all four); "
               "truncated? (FILE@ADDR reads a partial dump taken at ADDR)",
               path, n, M78_SRAM_QUAD_BYTES, M78_SRAM_IMAGE_BYTES);
      return -1;
    }
  }
  if (n == 0 || n % 4 || (addr & 3)) {
    snprintf(err, errlen, "%s: binary dump of %zu bytes at 0x%08x: not a whole number of aligned 32-bit words", path, n,
             (unsigned)addr);
    return -1;
  }
  long off = m78_sram_image_offset(addr);
  /* one quadrant's range at most, or all four from quadrant 0 */
  int all = off == 0 && n == M78_SRAM_IMAGE_BYTES;
  if (!all && (size_t)off % M78_SRAM_QUAD_BYTES + n > M78_SRAM_QUAD_BYTES) {
    snprintf(err, errlen,
             "%s: %zu bytes at 0x%08x run past the end of that quadrant's data memory (0x%08x); "
             "wrong size or address?",
             path, n, (unsigned)addr,
             (unsigned)(m78_sram_image_addr((size_t)off - (size_t)off % M78_SRAM_QUAD_BYTES) +
                        (uint32_t)M78_SRAM_QUAD_BYTES - 1));
    return -1;
  }
  ensure_image(d);
  for (size_t i = 0; i < n; i++)
    if (observe(d, (size_t)off + i, data[i], 0xFF, file, 0, err, errlen) != 0)
      return -1;
  if (all)
    set_kind(d, file, "binary data SRAM dump, all four quadrants (%zu bytes)", n);
  else
    set_kind(d, file, "binary data SRAM dump, %zu bytes at 0x%08x", n, (unsigned)addr);
  return 0;
}

/* ---- text ---- */

static int is_hexdigits(const char *s, size_t n)
{
  if (!n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

/* Reads tokens of exactly 8 hex digits (an optional 0x is accepted). */
static int hex_words(struct m78dev_data *d, int file, int line, const char *p, uint32_t *out, int max, int *n,
                     char *err, size_t errlen)
{
  *n = 0;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (!*p || *p == '\r' || *p == '\n')
      return 0;
    const char *t = p;
    while (*p && !isspace((unsigned char)*p) && *p != ',')
      p++;
    size_t len = (size_t)(p - t);
    const char *h = t;
    if (len > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
      h += 2;
      len -= 2;
    }
    if (len == 0 || len > 8 || !is_hexdigits(h, len)) {
      snprintf(err, errlen, "%s:%d: not a hex word: '%.*s'", d->files[file], line, (int)(p - t), t);
      return -1;
    }
    if (*n >= max) {
      snprintf(err, errlen, "%s:%d: more than %d words on one line", d->files[file], line, max);
      return -1;
    }
    out[(*n)++] = (uint32_t)strtoul(h, NULL, 16);
  }
}

/* "0x50400000:" (or without 0x) at the start of a line. */
static int address_prefix(const char *s, uint32_t *addr, const char **rest)
{
  while (*s == ' ' || *s == '\t')
    s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    s += 2;
  if (!is_hexdigits(s, 8) || s[8] != ':')
    return 0;
  *addr = (uint32_t)strtoul(s, NULL, 16);
  *rest = s + 9;
  return 1;
}

#define CAP_HDR "max78sim capture:"

struct block {
  int active, kind; /* 1 = SRAM words, 2 = output buffer */
  long want, got;
  int line;
};

static int end_block(struct m78dev_data *d, int file, struct block *b, int line, char *err, size_t errlen)
{
  if (b->got != b->want) {
    snprintf(err, errlen, "%s:%d: capture block of line %d announced %ld words but holds %ld (truncated log?)",
             d->files[file], line, b->line, b->want, b->got);
    return -1;
  }
  b->active = 0;
  return 0;
}

static int load_log(struct m78dev_data *d, int file, char *text, char *err, size_t errlen)
{
  struct block blk = {0};
  long words = 0, mism = 0, outw = 0;
  int line = 0;
  char *save = NULL;
  for (char *s = text; s; s = save) {
    char *nl = strchr(s, '\n');
    save = nl ? nl + 1 : NULL;
    if (nl)
      *nl = '\0';
    line++;
    if (!*s && !save)
      break;
    uint32_t addr;
    const char *rest;
    char *cap = strstr(s, CAP_HDR);
    if (cap) {
      const char *h = cap + strlen(CAP_HDR);
      int n1, n2;
      long k;
      if (sscanf(h, " layer %d, stop-after %d, %ld words", &n1, &n2, &k) == 3) {
        if (blk.active) {
          snprintf(err, errlen, "%s:%d: new capture block before the end of the one of line %d (truncated log?)",
                   d->files[file], line, blk.line);
          return -1;
        }
        if (d->stop_after >= 0 && d->stop_after != n2) {
          snprintf(err, errlen, "%s:%d: a capture of layer %d, but %s holds one of layer %d", d->files[file], line, n2,
                   d->files[d->stop_after_file], d->stop_after);
          return -1;
        }
        d->stop_after = n2;
        d->stop_after_file = file;
        blk = (struct block){1, 1, k, 0, line};
      } else if (sscanf(h, " output buffer (cnn_unload), %ld words", &k) == 1) {
        if (blk.active) {
          snprintf(err, errlen, "%s:%d: new capture block before the end of the one of line %d (truncated log?)",
                   d->files[file], line, blk.line);
          return -1;
        }
        if (d->has_output) {
          snprintf(err, errlen, "%s:%d: a second output buffer", d->files[file], line);
          return -1;
        }
        d->has_output = 1;
        d->output_hex = 1;
        d->output_file = file;
        blk = (struct block){1, 2, k, 0, line};
      } else if (strncmp(h, " end", 4) == 0) {
        if (!blk.active) {
          snprintf(err, errlen, "%s:%d: capture end without a capture header", d->files[file], line);
          return -1;
        }
        if (end_block(d, file, &blk, line, err, errlen) != 0)
          return -1;
      } else {
        snprintf(err, errlen, "%s:%d: unreadable capture line: %.80s", d->files[file], line, cap);
        return -1;
      }
      continue;
    }
    char *dm = strstr(s, "Data mismatch");
    if (dm) {
      char *at = strstr(dm, "at address");
      unsigned a, e, r;
      if (!at || sscanf(at, "at address 0x%x: Expected 0x%x, read 0x%x", &a, &e, &r) != 3) {
        snprintf(err, errlen, "%s:%d: cannot read this Data mismatch line: %.100s", d->files[file], line, dm);
        return -1;
      }
      d->mismatch = m78u_xrealloc(d->mismatch, (d->nmismatch + 1) * sizeof *d->mismatch);
      d->mismatch[d->nmismatch++] = (struct m78dev_mismatch){a, e, r, file, line};
      mism++;
      continue;
    }
    if (blk.active && blk.kind == 2) {
      uint32_t w[64];
      int n;
      if (hex_words(d, file, line, s, w, 64, &n, err, errlen) != 0)
        return -1;
      for (int i = 0; i < n; i++) {
        d->output = m78u_xrealloc(d->output, (d->noutput + 1) * sizeof *d->output);
        d->output[d->noutput++] = w[i];
      }
      blk.got += n;
      outw += n;
      continue;
    }
    if (address_prefix(s, &addr, &rest)) {
      uint32_t w[64];
      int n;
      if (hex_words(d, file, line, rest, w, 64, &n, err, errlen) != 0)
        return -1;
      for (int i = 0; i < n; i++)
        if (m78dev_observe_word(d, addr + 4u * (uint32_t)i, w[i], 0xFFFFFFFFu, file, line, err, errlen) != 0)
          return -1;
      if (blk.active)
        blk.got += n;
      words += n;
      continue;
    }
    if (blk.active && *s && strspn(s, " \t\r") != strlen(s)) {
      snprintf(err, errlen, "%s:%d: unexpected text inside the capture block of line %d: %.60s", d->files[file], line,
               blk.line, s);
      return -1;
    }
  }
  if (blk.active) {
    snprintf(err, errlen, "%s: the capture block of line %d has no end line (truncated log: %ld of %ld words)",
             d->files[file], blk.line, blk.got, blk.want);
    return -1;
  }
  char kind[200];
  int k = snprintf(kind, sizeof kind, "console log:");
  if (words)
    k += snprintf(kind + k, sizeof kind - (size_t)k, " %ld data memory words%s", words,
                  d->stop_after_file == file ? " (capture)" : "");
  if (mism)
    k += snprintf(kind + k, sizeof kind - (size_t)k, "%s %ld Data mismatch line%s", words ? "," : "", mism,
                  mism > 1 ? "s" : "");
  if (outw)
    snprintf(kind + k, sizeof kind - (size_t)k, "%s output buffer of %ld words", words || mism ? "," : "", outw);
  set_kind(d, file, "%s", kind);
  return 0;
}

/* Does the text hold any line a console log is recognised by? */
static int looks_like_log(const char *text)
{
  if (strstr(text, "Data mismatch") || strstr(text, CAP_HDR))
    return 1;
  for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
    uint32_t a;
    const char *rest;
    if (address_prefix(s, &a, &rest))
      return 1;
  }
  return 0;
}

enum tok { TOK_HEX, TOK_DEC, TOK_BOTH, TOK_BAD };

static enum tok classify(const char *t, size_t n)
{
  if (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
    return n <= 10 && is_hexdigits(t + 2, n - 2) ? TOK_HEX : TOK_BAD;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  int dec = i < n && n - i <= 11;
  for (size_t k = i; k < n; k++)
    if (!isdigit((unsigned char)t[k]))
      dec = 0;
  int hex = n == 8 && is_hexdigits(t, n);
  return hex && dec ? TOK_BOTH : hex ? TOK_HEX : dec ? TOK_DEC : TOK_BAD;
}

/* Words of prose: tokens that are neither numbers nor hex words and hold
 * two letters or more.  A console log (a passing run's, say) has many; an
 * output buffer with a typo has one. */
static int prose_words(const char *text)
{
  int words = 0;
  for (const char *p = text; *p;) {
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    const char *t = p;
    int letters = 0;
    while (*p && !isspace((unsigned char)*p))
      letters += isalpha((unsigned char)*p++) != 0;
    if (letters >= 2 && classify(t, (size_t)(p - t)) == TOK_BAD)
      words++;
  }
  return words;
}

#define PROSE_WORDS_OF_A_LOG 3

static int load_output(struct m78dev_data *d, int file, const char *text, char *err, size_t errlen)
{
  if (prose_words(text) >= PROSE_WORDS_OF_A_LOG) {
    snprintf(err, errlen,
             "%s: a console log that holds no device data (no Data mismatch lines, no "
             "'0x50400000: ...' hex dumps, no capture block): a passing run prints none; dump the data memory "
             "or run a 'max78sim capture' firmware",
             d->files[file]);
    return -1;
  }
  /* two passes: classify every token, then read them as one kind */
  int hex = 0, dec = 0, line = 1, hex_line = 0, dec_line = 0;
  size_t count = 0;
  for (const char *p = text; *p;) {
    if (*p == '#') {
      while (*p && *p != '\n')
        p++;
      continue;
    }
    if (*p == '\n')
      line++;
    if (isspace((unsigned char)*p) || *p == ',' || *p == ';') {
      p++;
      continue;
    }
    const char *t = p;
    while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';' && *p != '#')
      p++;
    enum tok k = classify(t, (size_t)(p - t));
    if (k == TOK_BAD) {
      snprintf(err, errlen, "%s:%d: not a hex word or a decimal number: '%.*s'", d->files[file], line,
               (int)(p - t > 40 ? 40 : p - t), t);
      return -1;
    }
    if (k == TOK_HEX && !hex++)
      hex_line = line;
    if (k == TOK_DEC && !dec++)
      dec_line = line;
    count++;
  }
  if (hex && dec) {
    snprintf(err, errlen, "%s: mixes hex words (line %d) and decimal values (line %d)", d->files[file], hex_line,
             dec_line);
    return -1;
  }
  if (!count) {
    snprintf(err, errlen,
             "%s: no device data found (expected a console log with Data mismatch lines or a hex dump, "
             "a binary data SRAM dump, or an output buffer of hex words or CSV values)",
             d->files[file]);
    return -1;
  }
  if (d->has_output) {
    snprintf(err, errlen, "%s: a second output buffer (%s holds one)", d->files[file], d->files[d->output_file]);
    return -1;
  }
  d->has_output = 1;
  d->output_hex = !dec;
  d->output_file = file;
  d->output = m78u_xmalloc(count * sizeof *d->output);
  for (const char *p = text; *p;) {
    if (*p == '#') {
      while (*p && *p != '\n')
        p++;
      continue;
    }
    if (isspace((unsigned char)*p) || *p == ',' || *p == ';') {
      p++;
      continue;
    }
    const char *t = p;
    while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';' && *p != '#')
      p++;
    d->output[d->noutput++] = d->output_hex ? (int64_t)strtoull(t, NULL, 16) : (int64_t)strtoll(t, NULL, 10);
  }
  set_kind(d, file, "output buffer, %zu %s", d->noutput, d->output_hex ? "hex words" : "decimal values");
  return 0;
}

int m78dev_load(struct m78dev_data *d, const char *arg, char *err, size_t errlen)
{
  char *path = m78u_xstrdup(arg);
  int has_addr = 0;
  uint32_t addr = 0;
  char *at = strrchr(path, '@');
  if (at && !m78u_is_file(path)) {
    char *end;
    errno = 0;
    unsigned long a = strtoul(at + 1, &end, 0);
    if (at[1] == '\0' || *end || errno || a > 0xFFFFFFFFul) {
      snprintf(err, errlen, "%s: @%s is not an address", path, at + 1);
      free(path);
      return -1;
    }
    *at = '\0';
    has_addr = 1;
    addr = (uint32_t)a;
    if (m78_sram_image_offset(addr) < 0) {
      snprintf(err, errlen,
               "%s: 0x%08x is not in CNN data memory (quadrant bases 0x50400000, 0x50800000, "
               "0x50c00000, 0x51000000)",
               path, (unsigned)addr);
      free(path);
      return -1;
    }
  }
  size_t n = 0;
  char *data = m78_read_file_max(path, M78DEV_MAX_BYTES, &n, err, errlen);
  if (!data) {
    free(path);
    return -1;
  }
  int file = add_file(d, path);
  int binary = has_addr;
  for (size_t i = 0; i < n && !binary; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == 0 || c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
      binary = 1;
  }
  int rc;
  if (binary)
    rc = load_binary(d, file, path, (const unsigned char *)data, n, has_addr, addr, err, errlen);
  else if (n == 0) {
    snprintf(err, errlen, "%s: empty file", path);
    rc = -1;
  } else if (looks_like_log(data))
    rc = load_log(d, file, data, err, errlen);
  else
    rc = load_output(d, file, data, err, errlen);
  free(data);
  free(path);
  return rc;
}
