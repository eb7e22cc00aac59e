/*
 * Data SRAM images and footprints on disk (see sramdump.h).  Footprint
 * entries are merged into runs as they arrive: consecutive pixels of one
 * channel at a constant word step in the same instance and lanes, which
 * is what the engine produces except where a streaming wrap intervenes.
 */
#include "m78host/sramdump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/report.h"

long m78_sram_image_offset(uint32_t addr)
{
  if (addr < M78_SRAM_BASE)
    return -1;
  uint32_t rel = addr - M78_SRAM_BASE;
  uint32_t q = rel / M78_QUAD_STRIDE, in = rel % M78_QUAD_STRIDE;
  if (q >= M78_QUADS || in >= M78_SRAM_QUAD_BYTES)
    return -1;
  return (long)(q * M78_SRAM_QUAD_BYTES + in);
}

uint32_t m78_sram_image_addr(size_t off)
{
  return M78_SRAM_BASE + (uint32_t)(off / M78_SRAM_QUAD_BYTES) * M78_QUAD_STRIDE +
         (uint32_t)(off % M78_SRAM_QUAD_BYTES);
}

/* ---- writing ---- */

struct buf {
  unsigned char *p;
  size_t len, cap;
  int oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}

static void put_u32(struct buf *b, uint32_t v)
{
  unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  put(b, x, 4);
}

struct runs {
  struct buf *out;
  struct m78_fp_run cur;
  int have;
  uint32_t nruns;
};

static void flush_run(struct runs *r)
{
  if (!r->have)
    return;
  const struct m78_fp_run *c = &r->cur;
  unsigned char head[4] = {c->inst, c->lanes, 0, 0};
  put(r->out, head, 4);
  put_u32(r->out, c->word0);
  put_u32(r->out, (uint32_t)c->step);
  put_u32(r->out, (uint32_t)c->channel);
  put_u32(r->out, (uint32_t)c->pixel0);
  put_u32(r->out, c->count);
  r->nruns++;
  r->have = 0;
}

static void add_entry(void *ctx, const struct m78_footprint_entry *e)
{
  struct runs *r = ctx;
  struct m78_fp_run *c = &r->cur;
  if (r->have && c->inst == e->inst && c->lanes == e->lanes && c->channel == e->channel &&
      c->pixel0 + (int32_t)c->count == e->pixel) {
    int32_t step = (int32_t)e->word - (int32_t)(c->word0 + (uint32_t)((int32_t)(c->count - 1) * c->step));
    if (c->count == 1 && step != 0) {
      c->step = step;
      c->count++;
      return;
    }
    if (c->count > 1 && step == c->step) {
      c->count++;
      return;
    }
  }
  flush_run(r);
  c->inst = e->inst;
  c->lanes = e->lanes;
  c->word0 = e->word;
  c->step = 0;
  c->channel = e->channel;
  c->pixel0 = e->pixel;
  c->count = 1;
  r->have = 1;
}

int m78_dump_sram(const m78_sim *sim, const char *dir, char *err, size_t errlen)
{
  char path[4096];
  unsigned char *img = malloc(M78_SRAM_IMAGE_BYTES);
  if (!img) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < M78_SRAM_INSTANCES; i++) {
    const uint32_t *mem = m78_sram_view(sim, i);
    for (int w = 0; w < M78_SRAM_WORDS; w++)
      for (int b = 0; b < 4; b++)
        img[(size_t)i * M78_SRAM_WORDS * 4 + (size_t)w * 4 + (size_t)b] = (unsigned char)(mem[w] >> (8 * b));
  }
  snprintf(path, sizeof path, "%s/sram.bin", dir);
  int rc = m78_write_file_atomic(path, img, M78_SRAM_IMAGE_BYTES, err, errlen);
  free(img);
  if (rc != 0)
    return -1;

  struct buf out = {0};
  put(&out, "M78FOOT1", 8);
  int n = m78_sim_layer_count(sim);
  put_u32(&out, (uint32_t)n);
  for (int l = 0; l < n; l++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, l);
    put_u32(&out, (uint32_t)l);
    put_u32(&out, (uint32_t)(r->executed && r->output));
    put_u32(&out, (uint32_t)r->out_c);
    put_u32(&out, (uint32_t)r->out_h);
    put_u32(&out, (uint32_t)r->out_w);
    put_u32(&out, (uint32_t)r->out_elem_bytes);
    size_t count_at = out.len;
    put_u32(&out, 0);
    struct runs runs = {&out, {0}, 0, 0};
    if (r->executed && r->output)
      m78_layer_footprint(sim, l, add_entry, &runs);
    flush_run(&runs);
    if (!out.oom)
      for (int b = 0; b < 4; b++)
        out.p[count_at + (size_t)b] = (unsigned char)(runs.nruns >> (8 * b));
  }
  if (out.oom) {
    free(out.p);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  snprintf(path, sizeof path, "%s/footprint.bin", dir);
  rc = m78_write_file_atomic(path, out.p, out.len, err, errlen);
  free(out.p);
  return rc;
}

/* ---- reading ---- */

static uint32_t get_u32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void m78_footprints_free(struct m78_footprints *fp)
{
  for (int l = 0; l < fp->nlayers; l++)
    free(fp->layers[l].runs);
  free(fp->layers);
  memset(fp, 0, sizeof *fp);
}

int m78_footprints_load(const char *path, struct m78_footprints *fp, char *err, size_t errlen)
{
  memset(fp, 0, sizeof *fp);
  /* a footprint is a few bytes a layer: 16 MiB is far beyond any */
  size_t len = 0;
  unsigned char *data = (unsigned char *)m78_read_file_max(path, (size_t)16 << 20, &len, err, errlen);
  if (!data)
    return -1;
  size_t pos = 12;
  int bad = len < 12 || memcmp(data, "M78FOOT1", 8) != 0;
  uint32_t n = bad ? 0 : get_u32(data + 8);
  if (!bad && n > M78_MAX_LAYERS)
    bad = 1;
  if (!bad) {
    fp->layers = calloc(n ? n : 1, sizeof *fp->layers);
    fp->nlayers = (int)n;
    if (!fp->layers)
      bad = 1;
  }
  for (uint32_t l = 0; !bad && l < n; l++) {
    struct m78_fp_layer *L = &fp->layers[l];
    if (pos + 28 > len) {
      bad = 1;
      break;
    }
    L->index = (int)get_u32(data + pos);
    L->executed = (int)get_u32(data + pos + 4);
    L->out_c = (int)get_u32(data + pos + 8);
    L->out_h = (int)get_u32(data + pos + 12);
    L->out_w = (int)get_u32(data + pos + 16);
    L->elem_bytes = (int)get_u32(data + pos + 20);
    uint32_t nr = get_u32(data + pos + 24);
    pos += 28;
    if (nr > (len - pos) / 24) {
      bad = 1;
      break;
    }
    L->runs = calloc(nr ? nr : 1, sizeof *L->runs);
    if (!L->runs) {
      bad = 1;
      break;
    }
    L->nruns = nr;
    for (uint32_t i = 0; i < nr; i++, pos += 24) {
      struct m78_fp_run *r = &L->runs[i];
      r->inst = data[pos];
      r->lanes = data[pos + 1];
      r->word0 = get_u32(data + pos + 4);
      r->step = (int32_t)get_u32(data + pos + 8);
      r->channel = (int32_t)get_u32(data + pos + 12);
      r->pixel0 = (int32_t)get_u32(data + pos + 16);
      r->count = get_u32(data + pos + 20);
      int64_t last = (int64_t)r->word0 + (int64_t)r->step * (int64_t)(r->count ? r->count - 1 : 0);
      if (r->inst >= M78_SRAM_INSTANCES || !r->count || r->word0 >= M78_SRAM_WORDS || last < 0 ||
          last >= M78_SRAM_WORDS || r->channel < 0 || r->channel >= L->out_c || r->pixel0 < 0 ||
          (int64_t)r->pixel0 + r->count > (int64_t)L->out_h * L->out_w) {
        bad = 1;
        break;
      }
    }
  }
  free(data);
  if (bad) {
    m78_footprints_free(fp);
    snprintf(err, errlen, "%s: not a valid footprint file", path);
    return -1;
  }
  return 0;
}

struct m78_owner *m78_owner_map(const struct m78_footprints *fp, int last)
{
  struct m78_owner *own = malloc(M78_SRAM_IMAGE_BYTES * sizeof *own);
  if (!own)
    return NULL;
  for (size_t i = 0; i < M78_SRAM_IMAGE_BYTES; i++)
    own[i] = (struct m78_owner){-1, 0, 0, 0, 0};
  for (int l = 0; l < fp->nlayers && (last < 0 || l <= last); l++) {
    const struct m78_fp_layer *L = &fp->layers[l];
    for (size_t k = 0; k < L->nruns; k++) {
      const struct m78_fp_run *r = &L->runs[k];
      for (uint32_t i = 0; i < r->count; i++) {
        uint32_t word = r->word0 + (uint32_t)((int32_t)i * r->step);
        size_t base = (size_t)r->inst * M78_SRAM_WORDS * 4 + (size_t)word * 4;
        for (int b = 0; b < 4; b++)
          if ((r->lanes >> b) & 1)
            own[base + (size_t)b] = (struct m78_owner){(int16_t)L->index, r->lanes == 0xF ? (uint8_t)b : 0, r->lanes,
                                                       r->channel, r->pixel0 + (int32_t)i};
      }
    }
  }
  return own;
}

/* Test helper's reader: bounded like every reader (a layer dump is at most
 * the data memory's 512 KiB, times 4 for 32-bit outputs). */
static unsigned char *slurp(const char *path, size_t *n)
{
  char err[300];
  return (unsigned char *)m78_read_file_max(path, (size_t)16 << 20, n, err, sizeof err);
}

int m78_footprint_check(const char *dir, long *checked, char *msg, size_t msglen)
{
  char path[4096];
  struct m78_footprints fp;
  *checked = 0;
  snprintf(path, sizeof path, "%s/footprint.bin", dir);
  if (m78_footprints_load(path, &fp, msg, msglen) != 0)
    return -1;
  size_t n = 0;
  snprintf(path, sizeof path, "%s/sram.bin", dir);
  unsigned char *img = slurp(path, &n);
  unsigned char **out = calloc((size_t)(fp.nlayers ? fp.nlayers : 1), sizeof *out);
  struct m78_owner *own = m78_owner_map(&fp, -1);
  int rc = -1;
  if (!img || n != M78_SRAM_IMAGE_BYTES || !out || !own) {
    snprintf(msg, msglen, "%s/sram.bin: missing or not %zu bytes", dir, M78_SRAM_IMAGE_BYTES);
    goto done;
  }
  for (int l = 0; l < fp.nlayers; l++) {
    const struct m78_fp_layer *L = &fp.layers[l];
    if (!L->executed)
      continue;
    snprintf(path, sizeof path, "%s/L%02d.%s", dir, l, L->elem_bytes == 4 ? "i32" : "i8");
    size_t len = 0;
    out[l] = slurp(path, &len);
    if (!out[l] || len != (size_t)L->out_c * (size_t)L->out_h * (size_t)L->out_w * (size_t)L->elem_bytes) {
      snprintf(msg, msglen, "%s: missing or of the wrong size", path);
      goto done;
    }
  }
  rc = 0;
  for (size_t off = 0; off < M78_SRAM_IMAGE_BYTES; off++) {
    const struct m78_owner *o = &own[off];
    if (o->layer < 0)
      continue;
    const struct m78_fp_layer *L = &fp.layers[o->layer];
    size_t k = (size_t)o->channel * (size_t)(L->out_h * L->out_w) + (size_t)o->pixel;
    unsigned char want = out[o->layer][k * (size_t)L->elem_bytes + o->byte];
    (*checked)++;
    if (img[off] != want && rc == 0) {
      snprintf(msg, msglen,
               "data memory byte 0x%08x holds 0x%02x, but the footprint puts layer %d channel %d pixel %d "
               "(byte %d: 0x%02x) there",
               (unsigned)m78_sram_image_addr(off), img[off], o->layer, o->channel, o->pixel, o->byte, want);
      rc = 1;
    }
  }
done:
  if (out)
    for (int l = 0; l < fp.nlayers; l++)
      free(out[l]);
  free(out);
  free(own);
  free(img);
  m78_footprints_free(&fp);
  return rc;
}
