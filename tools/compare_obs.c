/*
 * `max78sim compare`, the observations (see compare.h): the simulated
 * side read back from the run's dump folder (layer outputs, data SRAM,
 * footprints and their owner map), and every device value turned into an
 * observation of a layer, channel and pixel: data SRAM bytes and words,
 * the firmware's Data mismatch lines, output-buffer values mapped
 * through cnn_unload().
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "m78host/report.h"

/* ---- the simulated side ---- */

static int64_t out_value(const struct layer *L, int ch, int pix)
{
  size_t k = (size_t)ch * (size_t)(L->h * L->w) + (size_t)pix;
  if (L->elem == 4) {
    const unsigned char *p = L->out + 4 * k;
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
  }
  return (int8_t)L->out[k];
}

int m78cmp_load_sim_side(const struct m78cli_simrun *run, int limit, struct sim_side *s)
{
  char err[512];
  memset(s, 0, sizeof *s);
  s->last = -1;
  char *p = m78u_path_join(run->dump, "footprint.bin");
  int rc = m78_footprints_load(p, &s->fp, err, sizeof err);
  free(p);
  if (rc != 0) {
    m78u_error("%s", err);
    return -1;
  }
  size_t n = 0;
  p = m78u_path_join(run->dump, "sram.bin");
  s->sram = (unsigned char *)m78u_read_file(p, &n);
  free(p);
  if (!s->sram || n != M78_SRAM_IMAGE_BYTES) {
    m78u_error("the simulation's sram.bin is missing or has the wrong size");
    return -1;
  }
  s->nlayers = s->fp.nlayers;
  s->layers = calloc((size_t)(s->nlayers ? s->nlayers : 1), sizeof *s->layers);
  p = m78u_path_join(run->dump, "layers.json");
  char *text = m78u_read_file(p, &n);
  free(p);
  cJSON *idx = text ? cJSON_ParseWithLength(text, n) : NULL;
  free(text);
  const cJSON *jl;
  cJSON_ArrayForEach(jl, cJSON_GetObjectItemCaseSensitive(idx, "layers"))
  {
    const cJSON *ji = cJSON_GetObjectItemCaseSensitive(jl, "index");
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(jl, "file");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(jl, "shape_chw");
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(jl, "dtype");
    if (!cJSON_IsNumber(ji) || ji->valueint < 0 || ji->valueint >= s->nlayers || !cJSON_IsString(jf) ||
        cJSON_GetArraySize(js) != 3 || !cJSON_IsString(jd))
      continue;
    struct layer *L = &s->layers[ji->valueint];
    L->c = cJSON_GetArrayItem(js, 0)->valueint;
    L->h = cJSON_GetArrayItem(js, 1)->valueint;
    L->w = cJSON_GetArrayItem(js, 2)->valueint;
    L->elem = m78dump_dtype_size(jd->valuestring);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(jl, "slots_per_pass");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(jl, "out_passes");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(jl, "gap_slots");
    L->spp = cJSON_IsNumber(a) ? a->valueint : L->c;
    L->passes = cJSON_IsNumber(b) ? b->valueint : 1;
    L->gaps = cJSON_IsString(g) ? strtoull(g->valuestring, NULL, 16) : 0;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(jl, "operands");
    L->operands = cJSON_IsNumber(o) ? o->valueint : 1;
    p = m78u_path_join(run->dump, jf->valuestring);
    L->out = (unsigned char *)m78u_read_file(p, &L->out_len);
    free(p);
    L->present = L->out && L->elem && L->out_len == (size_t)L->c * (size_t)L->h * (size_t)L->w * (size_t)L->elem;
    if (L->present && (limit < 0 || ji->valueint <= limit) && ji->valueint > s->last)
      s->last = ji->valueint;
  }
  cJSON_Delete(idx);
  cJSON_ArrayForEach(jl, cJSON_GetObjectItemCaseSensitive(run->report, "layers"))
  {
    const cJSON *ji = cJSON_GetObjectItemCaseSensitive(jl, "index");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(jl, "op");
    const cJSON *de = cJSON_GetObjectItemCaseSensitive(jl, "description");
    if (!cJSON_IsNumber(ji) || ji->valueint < 0 || ji->valueint >= s->nlayers)
      continue;
    struct layer *L = &s->layers[ji->valueint];
    snprintf(L->op, sizeof L->op, "%s", cJSON_IsString(op) ? op->valuestring : "?");
    snprintf(L->desc, sizeof L->desc, "%s", cJSON_IsString(de) ? de->valuestring : "");
  }
  /* footprints of layers without an output file cannot be checked */
  for (int l = 0; l < s->nlayers; l++) {
    struct m78_fp_layer *F = &s->fp.layers[l];
    struct layer *L = &s->layers[l];
    if (!L->present || F->out_c != L->c || F->out_h != L->h || F->out_w != L->w || F->elem_bytes != L->elem)
      F->nruns = 0;
  }
  s->own = m78_owner_map(&s->fp, limit);
  if (!s->own) {
    m78u_error("out of memory");
    return -1;
  }
  if (s->last < 0) {
    m78u_error("the simulation produced no layer output to compare with");
    return -1;
  }
  return 0;
}

void m78cmp_free_sim_side(struct sim_side *s)
{
  for (int l = 0; l < s->nlayers; l++)
    free(s->layers[l].out);
  free(s->layers);
  m78_footprints_free(&s->fp);
  free(s->own);
  free(s->sram);
  memset(s, 0, sizeof *s);
}

/* ---- observations ---- */

static void push(struct obs_list *l, const struct obs *o)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 4096;
    l->v = m78u_xrealloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = *o;
}

/* Data SRAM observations: one per 8-bit value, one per int32. */
void m78cmp_image_observations(const struct m78dev_data *d, const struct sim_side *s, struct obs_list *list,
                               long *unowned, long *unowned_differ, struct internal *in)
{
  for (size_t base = 0; base < M78_SRAM_IMAGE_BYTES; base += 4) {
    for (int b = 0; b < 4;) {
      size_t off = base + (size_t)b;
      if (!d->bits[off]) {
        b++;
        continue;
      }
      const struct m78_owner *o = &s->own[off];
      if (o->layer < 0) {
        (*unowned)++;
        if ((d->img[off] ^ s->sram[off]) & d->bits[off])
          (*unowned_differ)++;
        b++;
        continue;
      }
      const struct layer *L = &s->layers[o->layer];
      struct obs ob = {o->layer,   o->channel, o->pixel,    L->elem,     out_value(L, o->channel, o->pixel), 0, 0, 0,
                       (long)base, b,          d->src[off], d->line[off]};
      if (o->lanes == 0xF) {
        uint32_t exp = (uint32_t)ob.expected, mask = 0, dev = 0, sim = 0;
        int k = b;
        for (; k < 4; k++) {
          const struct m78_owner *ok = &s->own[base + (size_t)k];
          if (ok->layer != o->layer || ok->channel != o->channel || ok->pixel != o->pixel || ok->lanes != 0xF)
            break;
          mask |= (uint32_t)d->bits[base + (size_t)k] << (8 * ok->byte);
          dev |= (uint32_t)d->img[base + (size_t)k] << (8 * ok->byte);
          sim |= (uint32_t)s->sram[base + (size_t)k] << (8 * ok->byte);
          if (d->bits[base + (size_t)k] && !ob.line)
            ob.line = d->line[base + (size_t)k];
        }
        uint32_t full = 0;
        for (int j = b; j < k; j++)
          full |= 0xFFu << (8 * s->own[base + (size_t)j].byte);
        if ((sim ^ exp) & full) {
          if (!in->bad++) {
            in->first_off = (long)base;
            in->sim_val = (int32_t)sim;
            in->out_val = (int32_t)exp;
          }
        }
        ob.device = (int32_t)((exp & ~mask) | (dev & mask));
        ob.diff_bits = (exp ^ dev) & mask;
        ob.dev_bits = dev & ob.diff_bits;
        ob.lane = 0;
        push(list, &ob);
        b = k;
        continue;
      }
      uint8_t exp = (uint8_t)ob.expected, mask = d->bits[off];
      if (s->sram[off] != exp && !in->bad++) {
        in->first_off = (long)off;
        in->sim_val = (int8_t)s->sram[off];
        in->out_val = (int8_t)exp;
      }
      uint8_t dev = (uint8_t)((exp & ~mask) | (d->img[off] & mask));
      ob.device = (int8_t)dev;
      ob.diff_bits = (uint32_t)((exp ^ dev) & mask) << (8 * b);
      ob.dev_bits = ((uint32_t)dev << (8 * b)) & ob.diff_bits;
      push(list, &ob);
      b++;
    }
  }
}

/* ---- the firmware's own known answer (sampleoutput.h): masks ---- */

struct sample_block {
  uint32_t addr, mask, len;
};

static struct sample_block *sample_blocks(const char *fwdir, size_t *n)
{
  *n = 0;
  char *p = m78u_path_join(fwdir, "sampleoutput.h");
  char *text = m78u_read_file(p, NULL);
  free(p);
  if (!text)
    return NULL;
  char *s = strstr(text, "SAMPLE_OUTPUT");
  s = s ? strchr(s, '{') : NULL;
  struct sample_block *v = NULL;
  size_t cap = 0;
  while (s && *s && *s != '}') {
    char *end;
    uint32_t nums[3];
    int k = 0;
    while (k < 3 && *s && *s != '}') {
      if (isxdigit((unsigned char)*s) || *s == '0') {
        nums[k++] = (uint32_t)strtoul(s, &end, 0);
        s = end;
      } else {
        s++;
      }
    }
    if (k < 1 || nums[0] == 0 || k < 3)
      break;
    if (*n == cap) {
      cap = cap ? 2 * cap : 16;
      v = m78u_xrealloc(v, cap * sizeof *v);
    }
    v[(*n)++] = (struct sample_block){nums[0], nums[1], nums[2]};
    for (uint32_t i = 0; i < nums[2] && *s && *s != '}';) { /* skip the data words */
      if (isxdigit((unsigned char)*s)) {
        strtoul(s, &end, 0);
        s = end;
        i++;
      } else {
        s++;
      }
    }
  }
  free(text);
  return v;
}

/* The firmware's Data mismatch lines: each a word at an address, observed
 * with the mask of its sampleoutput.h block; a note when the firmware's
 * own expected word disagrees with the simulation. */
int m78cmp_mismatch_observations(struct m78dev_data *dev, const struct sim_side *s, const char *fwdir)
{
  char err[512];
  /* Data mismatch lines: words at addresses, with the check's mask */
  size_t nblocks = 0;
  struct sample_block *blocks = dev->nmismatch ? sample_blocks(fwdir, &nblocks) : NULL;
  int warn_expected = 0;
  for (size_t i = 0; i < dev->nmismatch; i++) {
    const struct m78dev_mismatch *m = &dev->mismatch[i];
    uint32_t mask = 0xFFFFFFFFu;
    for (size_t k = 0; k < nblocks; k++)
      if (m->addr >= blocks[k].addr && m->addr < blocks[k].addr + 4 * blocks[k].len)
        mask = blocks[k].mask;
    if (m78dev_observe_word(dev, m->addr, m->read, mask, m->file, m->line, err, sizeof err) != 0) {
      m78u_error("%s", err);
      free(blocks);
      return -1;
    }
    long off = m78_sram_image_offset(m->addr);
    uint32_t simw = 0;
    for (int b = 0; b < 4; b++)
      simw |= (uint32_t)s->sram[off + b] << (8 * b);
    if (((simw ^ m->expected) & mask) && warn_expected++ == 0)
      fprintf(stderr,
              "%s: note: %s:%d: the firmware expects 0x%08x at 0x%08x, the simulation holds 0x%08x there "
              "(the simulator and the synthesizer's known answer disagree)\n",
              m78u_prog(), dev->files[m->file], m->line, (unsigned)(m->expected & mask), (unsigned)m->addr,
              (unsigned)(simw & mask));
  }

  free(blocks);
  return 0;
}

/* ---- output buffer ---- */

/* CNN_NUM_OUTPUTS of cnn.h, or -1. */
static long num_outputs(const char *fwdir)
{
  char *p = m78u_path_join(fwdir, "cnn.h");
  char *text = m78u_read_file(p, NULL);
  free(p);
  long v = -1;
  char *s = text ? strstr(text, "#define CNN_NUM_OUTPUTS") : NULL;
  if (s)
    v = strtol(s + strlen("#define CNN_NUM_OUTPUTS"), NULL, 0);
  free(text);
  return v > 0 ? v : -1;
}

/* Where cnn_unload()'s values of part u are in the layer's dump
 * (m78_dump_map); a 1-D part (C, L) of the hardware's planes is mapped
 * on those planes.  idx gets u->c * u->h * u->w entries.  0 or -1. */
static int part_map(const struct layer *L, const struct m78cli_unload_part *u, size_t *idx)
{
  struct m78_dump_geom g = {L->c, L->h, L->w, L->spp, L->passes, L->gaps, L->operands};
  int h = u->h, w = u->w;
  if (h * w == L->h * L->w) {
    h = L->h;
    w = L->w;
  }
  return u->c > 0 && h > 0 && w > 0 ? m78_dump_map(&g, u->c, h, w, idx) : -1;
}

/* Buffer index of every (channel, pixel) of one part, after `base`
 * values (izer unload.py): 8-bit values channel by channel (CHW); 32-bit
 * values by groups of the channels that share a memory instance, pixel
 * by pixel, the group's channels within each pixel. */
static void part_order(const struct layer *L, const int *slots, int channels, int npix, size_t base, size_t *index)
{
  size_t k = base;
  for (int c = 0; c < channels;) {
    int g = c + 1;
    if (L->elem == 4)
      while (g < channels && slots[g] / L->spp == slots[c] / L->spp &&
             (slots[g] % L->spp) / 4 == (slots[c] % L->spp) / 4)
        g++;
    for (int pix = 0; pix < npix; pix++)
      for (int cc = c; cc < g; cc++)
        index[(size_t)cc * (size_t)npix + (size_t)pix] = k++;
    c = g;
  }
}

/* Checks that every part of cnn_unload() reads a layer this simulation
 * produced, at its width and shape; *total receives the values they write. */
static int check_parts(const struct m78dev_data *d, const struct sim_side *s, const struct m78cli_unload_part *parts,
                       int nparts, size_t *total, char *err, size_t errlen)
{
  const char *file = d->files[d->output_file];
  int bits = parts[0].bits;
  *total = 0;
  for (int i = 0; i < nparts; i++) {
    const struct m78cli_unload_part *u = &parts[i];
    if (u->bits != bits) {
      snprintf(err, errlen,
               "%s: cnn_unload() mixes 8-bit and 32-bit layers, which compare cannot map; compare a "
               "data memory dump instead",
               file);
      return -1;
    }
    if (u->layer < 0 || u->layer >= s->nlayers || !s->layers[u->layer].present ||
        (s->last >= 0 && u->layer > s->last)) {
      snprintf(err, errlen, "%s: cnn_unload() reads layer %d, which this simulation did not produce%s", file, u->layer,
               u->layer > s->last ? " (--stop-after?)" : "");
      return -1;
    }
    const struct layer *L = &s->layers[u->layer];
    size_t n = u->c > 0 && u->h > 0 && u->w > 0 ? (size_t)u->c * (size_t)u->h * (size_t)u->w : 0;
    size_t *idx = n ? m78u_xmalloc(n * sizeof *idx) : NULL;
    int mapped = idx && part_map(L, u, idx) == 0;
    free(idx);
    if (L->elem * 8 != bits || !mapped) {
      snprintf(err, errlen,
               "%s: cnn_unload() writes layer %d as %dx%dx%d %d-bit values, but the hardware holds "
               "%dx%dx%d %d-bit: compare a data memory dump instead",
               file, u->layer, u->c, u->h, u->w, bits, L->c, L->h, L->w, 8 * L->elem);
      return -1;
    }
    *total += (size_t)u->c * (size_t)u->h * (size_t)u->w;
  }

  return 0;
}

/* The device's values of the output buffer as BITS-bit signed values,
 * TOTAL of them (cnn_unload()'s count); NULL with a message in err. */
static int64_t *device_values(const struct m78dev_data *d, int bits, size_t total, char *err, size_t errlen)
{
  const char *file = d->files[d->output_file];
  size_t nval;
  int64_t *val;
  if (bits == 32) {
    nval = d->noutput;
    val = m78u_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++) {
      if (!d->output_hex && (d->output[i] < INT32_MIN || d->output[i] > INT32_MAX)) {
        snprintf(err, errlen, "%s: value %zu (%lld) is not a 32-bit value", file, i + 1, (long long)d->output[i]);
        free(val);
        return NULL;
      }
      val[i] = d->output_hex ? (int32_t)(uint32_t)d->output[i] : d->output[i];
    }
    if (nval != total) {
      snprintf(err, errlen, "%s: %zu values, but cnn_unload() writes %zu 32-bit values%s", file, nval, total,
               nval < total ? ": truncated?" : "");
      free(val);
      return NULL;
    }
  } else if (d->output_hex) {
    nval = 4 * d->noutput;
    if (d->noutput != (total + 3) / 4) {
      snprintf(err, errlen, "%s: %zu words, but cnn_unload() writes %zu bytes = %zu words%s", file, d->noutput, total,
               (total + 3) / 4, d->noutput < (total + 3) / 4 ? ": truncated?" : "");
      return NULL;
    }
    val = m78u_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++)
      val[i] = (int8_t)(uint8_t)(d->output[i / 4] >> (8 * (i % 4)));
  } else {
    nval = d->noutput;
    val = m78u_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++) {
      if (d->output[i] < -128 || d->output[i] > 255) {
        snprintf(err, errlen, "%s: value %zu (%lld) is not an 8-bit value", file, i + 1, (long long)d->output[i]);
        free(val);
        return NULL;
      }
      val[i] = (int8_t)(uint8_t)d->output[i];
    }
    if (nval != total) {
      snprintf(err, errlen, "%s: %zu values, but cnn_unload() writes %zu 8-bit values%s", file, nval, total,
               nval < total ? ": truncated?" : "");
      free(val);
      return NULL;
    }
  }

  return val;
}

/* The observations of one part of the output buffer: its values start
 * at *base in VAL (advanced past them). */
static int part_observations(const struct m78dev_data *d, const struct sim_side *s, const struct m78cli_unload_part *u,
                             size_t *base, const int64_t *val, struct obs_list *list, char *err, size_t errlen)
{
  const char *file = d->files[d->output_file];
  int l = u->layer;
  const struct layer *L = &s->layers[l];
  int npix = L->h * L->w, channels = u->c, lpix = u->h * u->w;
  size_t *at = m78u_xmalloc((size_t)channels * (size_t)lpix * sizeof *at);
  int *slots = m78u_xmalloc((size_t)channels * sizeof *slots);
  if (part_map(L, u, at) != 0) { /* checked before */
    snprintf(err, errlen, "%s: cannot map %d channels onto layer %d's %d output slots", file, channels, l, L->c);
    free(slots);
    free(at);
    return -1;
  }
  for (int c = 0; c < channels; c++)
    slots[c] = (int)(at[(size_t)c * (size_t)lpix] / (size_t)npix);
  size_t *index = m78u_xmalloc((size_t)channels * (size_t)lpix * sizeof *index);
  part_order(L, slots, channels, lpix, *base, index);
  *base += (size_t)channels * (size_t)lpix;
  /* where each (slot, pixel) is in data memory, for instance numbers */
  long *where = m78u_xmalloc((size_t)L->c * (size_t)npix * sizeof *where);
  for (size_t k = 0; k < (size_t)L->c * (size_t)npix; k++)
    where[k] = -1;
  const struct m78_fp_layer *F = &s->fp.layers[l];
  for (size_t k = 0; k < F->nruns; k++) {
    const struct m78_fp_run *r = &F->runs[k];
    for (uint32_t j = 0; j < r->count; j++) {
      uint32_t word = r->word0 + (uint32_t)((int32_t)j * r->step);
      int lane = r->lanes == 0xF ? 0 : __builtin_ctz(r->lanes);
      where[(size_t)r->channel * (size_t)npix + (size_t)r->pixel0 + j] =
          ((long)r->inst * M78_SRAM_WORDS * 4 + (long)word * 4) * 4 + lane;
    }
  }
  for (int c = 0; c < channels; c++) {
    for (int lp = 0; lp < lpix; lp++) {
      size_t a = at[(size_t)c * (size_t)lpix + (size_t)lp];
      int slot = (int)(a / (size_t)npix), pix = (int)(a % (size_t)npix);
      int64_t exp = out_value(L, slot, pix), dev = val[index[(size_t)c * (size_t)lpix + (size_t)lp]];
      long w = where[(size_t)slot * (size_t)npix + (size_t)pix];
      int lane = w >= 0 ? (int)(w % 4) : 0;
      uint32_t diff = L->elem == 4 ? (uint32_t)(exp ^ dev) : (uint32_t)((uint8_t)exp ^ (uint8_t)dev) << (8 * lane);
      uint32_t devw = L->elem == 4 ? (uint32_t)dev : (uint32_t)(uint8_t)dev << (8 * lane);
      struct obs ob = {l,    slot,           pix, L->elem, exp, dev, diff, devw & diff, w >= 0 ? w / 4 : -1,
                       lane, d->output_file, 0};
      push(list, &ob);
    }
  }
  free(slots);
  free(at);
  free(index);
  free(where);
  return 0;
}

int m78cmp_output_observations(const struct m78dev_data *d, const struct sim_side *s, const char *fwdir,
                               struct obs_list *list, char *err, size_t errlen)
{
  const char *file = d->files[d->output_file];
  struct m78cli_unload_part parts[M78CLI_MAX_UNLOAD_PARTS];
  int nparts = m78cli_unload_parts(fwdir, parts);
  if (nparts < 0) {
    snprintf(err, errlen,
             "%s: this firmware's cnn_unload() follows a custom unload sequence, which compare cannot "
             "map; compare a data memory dump instead",
             file);
    return -1;
  }
  if (nparts == 0) {
    /* no comments: the last layer, CNN_NUM_OUTPUTS values */
    const struct layer *L = &s->layers[s->last];
    long want = num_outputs(fwdir);
    int npix = L->h * L->w;
    long n = want > 0 ? want : d->output_hex && L->elem == 1 ? 4 * (long)d->noutput : (long)d->noutput;
    parts[0] = (struct m78cli_unload_part){s->last, 8 * L->elem, npix ? (int)(n / npix) : 0, L->h, L->w};
    nparts = 1;
  }
  size_t total;
  if (check_parts(d, s, parts, nparts, &total, err, errlen) != 0)
    return -1;
  int64_t *val = device_values(d, parts[0].bits, total, err, errlen);
  if (!val)
    return -1;
  size_t base = 0;
  for (int i = 0; i < nparts; i++)
    if (part_observations(d, s, &parts[i], &base, val, list, err, errlen) != 0) {
      free(val);
      return -1;
    }
  free(val);
  return 0;
}
