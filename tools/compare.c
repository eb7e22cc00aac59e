/*
 * `max78sim compare DIR|MODEL --device FILE...`: which layer of a board's
 * inference went wrong.
 *
 * The firmware runs on the simulator (optionally with faults, or with the
 * layer count a capture firmware set); its dump folder holds every
 * layer's output, the final data SRAM and every layer's footprint.  The
 * footprints give the owner of each data SRAM byte: the last layer that
 * wrote it, with the output channel and pixel.  Each device observation
 * (a byte at an address, a Data mismatch word, an output-buffer value)
 * becomes a value of a layer, channel and pixel, compared with what the
 * simulator computed for it.  The earliest layer with a differing value
 * is the first diverging layer: later layers inherit its error.
 *
 * Values compared are a layer's own outputs, not the final SRAM: an
 * owned byte's expected value is read from the layer's output, and the
 * simulator's SRAM at that address is checked to agree (a disagreement
 * is an internal error of the footprint, reported, never hidden).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "devdata.h"
#include "report.h"
#include "sramdump.h"

#define DEFAULT_MAX_CYCLES 2000000000ull
#define DEFAULT_TIMEOUT_S 600.0

struct cmp_opts {
  const char *dir;
  const char **devices;
  int ndevices;
  const char *json;
  char *faults;
  int stop_after; /* -1: from the device data, else the option */
  int verbose, rebuild, help;
  uint64_t max_cycles;
  const char *input;           /* --input: the board ran on this input */
  struct m78cli_input_opts in;
};

static void compare_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim compare DIR|MODEL --device FILE [--device FILE...] [options]\n"
          "\n"
          M78CLI_TARGET_HELP
          "\n"
          "Runs the synthesized firmware DIR (or a model name) on the simulator and\n"
          "compares what a board produced with it, value by value: every device value is\n"
          "mapped to the layer, output channel and pixel the hardware stored there, and the\n"
          "earliest layer that differs is reported with its first differing channel, row and\n"
          "column, the expected and device values, the number and pattern of mismatches\n"
          "(one channel? one memory instance? one row? one bit?) and the largest difference.\n"
          "\n"
          "Device files (the format is detected from the contents):\n"
          "  binary data SRAM dump   512 KiB (the four quadrants in address order), or\n"
          "                          128 KiB of one quadrant with its base address in the\n"
          "                          file name (sram_50800000.bin), or FILE@ADDR for a dump\n"
          "                          taken at ADDR (any whole number of words), e.g. OpenOCD\n"
          "                            dump_image sram_50400000.bin 0x50400000 0x20000\n"
          "                            dump_image sram_50800000.bin 0x50800000 0x20000\n"
          "                            dump_image sram_50c00000.bin 0x50c00000 0x20000\n"
          "                            dump_image sram_51000000.bin 0x51000000 0x20000\n"
          "  console log             the firmware's 'Data mismatch ... at address 0x..:\n"
          "                          Expected 0x.., read 0x..' lines, hex dumps of the form\n"
          "                          '0x50400000: 0000abcd 12345678 ...' (OpenOCD mdw), and\n"
          "                          what a 'max78sim capture' firmware prints (a log\n"
          "                          with none of them, e.g. a passing run's, is an error)\n"
          "  output buffer           the last layer's output as the firmware's cnn_unload()\n"
          "                          returns it (ml_data): hex words, or CSV of decimal\n"
          "                          values (int32 for 32-bit outputs, else one int8 each)\n"
          "\n"
          "options:\n"
          "  --device FILE[@ADDR]  device data (repeatable; files are combined), at most\n"
          "                        %zu MiB a file (checked before reading)\n"
          "  --stop-after N        the board ran layers 0..N only (the layer count that\n"
          "                        'max78sim capture --stop-after N' firmware sets); read\n"
          "                        from a capture log when not given\n"
          "  --fault SPEC          simulate with a fault (repeatable; see 'max78sim run --help')\n"
          "  --input FILE          the board ran on this input instead of the baked sample\n"
          "                        (as 'max78sim run --input'); --input-shape, --resize too\n"
          "  --json FILE           write the comparison as JSON\n"
          "  --max-cycles N        budget of simulated CNN cycles (default %llu)\n"
          "  -v, --verbose         show the firmware's console\n"
          "  --rebuild             build the firmware even if a cached build exists\n"
          "  -h, --help            show this help\n"
          "\n"
          "Exit status: 0 every device value matches, 1 some differ, 2 bad usage or input\n"
          "(unreadable, truncated or wrongly sized device data, nothing to compare) or the\n"
          "simulation failed.\n",
          M78DEV_MAX_BYTES >> 20, (unsigned long long)DEFAULT_MAX_CYCLES);
}

static int parse_compare(int argc, char **argv, struct cmp_opts *o)
{
  memset(o, 0, sizeof *o);
  o->stop_after = -1;
  o->max_cycles = DEFAULT_MAX_CYCLES;
  o->devices = m78cli_xmalloc((size_t)argc * sizeof *o->devices);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->dir) {
        m78cli_error("compare: unexpected argument %s (one DIR only)", a);
        return -1;
      }
      o->dir = a;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      o->help = 1;
      return 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o->verbose = 1;
    } else if (!strcmp(a, "--rebuild")) {
      o->rebuild = 1;
    } else if (m78cli_is_option(a, "--device")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--device")))
        return -1;
      o->devices[o->ndevices++] = v;
    } else if (m78cli_is_option(a, "--json")) {
      if (!(o->json = m78cli_option_value("compare", argc, argv, &i, "--json")))
        return -1;
      if (!*o->json) {
        m78cli_error("compare: empty file name");
        return -1;
      }
    } else if (m78cli_is_option(a, "--input")) {
      if (!(o->input = m78cli_option_value("compare", argc, argv, &i, "--input")))
        return -1;
    } else if (m78cli_is_option(a, "--input-shape")) {
      if (!(o->in.shape = m78cli_option_value("compare", argc, argv, &i, "--input-shape")))
        return -1;
    } else if (strcmp(a, "--resize") == 0) {
      o->in.resize = 1;
    } else if (m78cli_is_option(a, "--fault")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--fault")) ||
          m78cli_add_fault_spec("compare", v, &o->faults) != 0)
        return -1;
    } else if (m78cli_is_option(a, "--stop-after")) {
      uint64_t n;
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--stop-after")))
        return -1;
      if (m78cli_parse_u64(v, &n) != 0 || n >= M78_MAX_LAYERS) {
        m78cli_error("compare: --stop-after: not a layer number 0..%d: %s", M78_MAX_LAYERS - 1, v);
        return -1;
      }
      o->stop_after = (int)n;
    } else if (m78cli_is_option(a, "--max-cycles")) {
      if (!(v = m78cli_option_value("compare", argc, argv, &i, "--max-cycles")))
        return -1;
      if (m78cli_parse_u64(v, &o->max_cycles) != 0 || o->max_cycles == 0) {
        m78cli_error("compare: --max-cycles: not a positive integer: %s", v);
        return -1;
      }
    } else {
      m78cli_error("compare: unknown option %s (see 'max78sim compare --help')", a);
      return -1;
    }
  }
  if (!o->dir) {
    m78cli_error("compare: missing DIR (see 'max78sim compare --help')");
    return -1;
  }
  if (!o->ndevices) {
    m78cli_error("compare: no --device FILE given");
    return -1;
  }
  return 0;
}

/* ---- the simulated side ---- */

struct layer {
  int present;
  int c, h, w, elem;
  int spp, passes;
  uint64_t gaps;
  int operands;
  unsigned char *out;
  size_t out_len;
  char op[32], desc[256];
  long compared, differ;
  int64_t maxdiff;
};

struct sim_side {
  int nlayers;
  struct layer *layers;
  struct m78_footprints fp;
  struct m78_owner *own;
  unsigned char *sram; /* M78_SRAM_IMAGE_BYTES */
  int last;            /* last layer with an output */
};

static int64_t out_value(const struct layer *L, int ch, int pix)
{
  size_t k = (size_t)ch * (size_t)(L->h * L->w) + (size_t)pix;
  if (L->elem == 4) {
    const unsigned char *p = L->out + 4 * k;
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
  }
  return (int8_t)L->out[k];
}

static int load_sim_side(const struct m78cli_simrun *run, int limit, struct sim_side *s)
{
  char err[512];
  memset(s, 0, sizeof *s);
  s->last = -1;
  char *p = m78cli_path_join(run->dump, "footprint.bin");
  int rc = m78_footprints_load(p, &s->fp, err, sizeof err);
  free(p);
  if (rc != 0) {
    m78cli_error("%s", err);
    return -1;
  }
  size_t n = 0;
  p = m78cli_path_join(run->dump, "sram.bin");
  s->sram = (unsigned char *)m78cli_read_file(p, &n);
  free(p);
  if (!s->sram || n != M78_SRAM_IMAGE_BYTES) {
    m78cli_error("the simulation's sram.bin is missing or has the wrong size");
    return -1;
  }
  s->nlayers = s->fp.nlayers;
  s->layers = calloc((size_t)(s->nlayers ? s->nlayers : 1), sizeof *s->layers);
  p = m78cli_path_join(run->dump, "layers.json");
  char *text = m78cli_read_file(p, &n);
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
    L->elem = m78cli_dtype_size(jd->valuestring);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(jl, "slots_per_pass");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(jl, "out_passes");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(jl, "gap_slots");
    L->spp = cJSON_IsNumber(a) ? a->valueint : L->c;
    L->passes = cJSON_IsNumber(b) ? b->valueint : 1;
    L->gaps = cJSON_IsString(g) ? strtoull(g->valuestring, NULL, 16) : 0;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(jl, "operands");
    L->operands = cJSON_IsNumber(o) ? o->valueint : 1;
    p = m78cli_path_join(run->dump, jf->valuestring);
    L->out = (unsigned char *)m78cli_read_file(p, &L->out_len);
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
    m78cli_error("out of memory");
    return -1;
  }
  if (s->last < 0) {
    m78cli_error("the simulation produced no layer output to compare with");
    return -1;
  }
  return 0;
}

static void free_sim_side(struct sim_side *s)
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

struct obs {
  int layer, channel, pixel, elem;
  int64_t expected, device;
  uint32_t diff_bits; /* differing bits, at their positions in the data word */
  uint32_t dev_bits;  /* the device's word bits at those positions */
  long off;           /* image offset of the data word, -1 if unknown */
  int lane;           /* byte lane of an 8-bit value */
  int file, line;
};

struct obs_list {
  struct obs *v;
  size_t n, cap;
};

static void push(struct obs_list *l, const struct obs *o)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 4096;
    l->v = m78cli_xrealloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = *o;
}

struct internal {
  long bad;
  long first_off;
  int64_t sim_val, out_val;
};

/* Data SRAM observations: one per 8-bit value, one per int32. */
static void image_observations(const struct m78dev_data *d, const struct sim_side *s, struct obs_list *list,
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
      struct obs ob = {o->layer, o->channel, o->pixel, L->elem, out_value(L, o->channel, o->pixel), 0, 0, 0,
                       (long)base, b, d->src[off], d->line[off]};
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
  char *p = m78cli_path_join(fwdir, "sampleoutput.h");
  char *text = m78cli_read_file(p, NULL);
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
      v = m78cli_xrealloc(v, cap * sizeof *v);
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

/* ---- output buffer ---- */

/* CNN_NUM_OUTPUTS of cnn.h, or -1. */
static long num_outputs(const char *fwdir)
{
  char *p = m78cli_path_join(fwdir, "cnn.h");
  char *text = m78cli_read_file(p, NULL);
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

static int output_observations(const struct m78dev_data *d, const struct sim_side *s, const char *fwdir,
                               struct obs_list *list, char *err, size_t errlen)
{
  const char *file = d->files[d->output_file];
  struct m78cli_unload_part parts[M78CLI_MAX_UNLOAD_PARTS];
  int nparts = m78cli_unload_parts(fwdir, parts);
  if (nparts < 0) {
    snprintf(err, errlen, "%s: this firmware's cnn_unload() follows a custom unload sequence, which compare cannot "
             "map; compare a data memory dump instead", file);
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
  int bits = parts[0].bits;
  size_t total = 0;
  for (int i = 0; i < nparts; i++) {
    const struct m78cli_unload_part *u = &parts[i];
    if (u->bits != bits) {
      snprintf(err, errlen, "%s: cnn_unload() mixes 8-bit and 32-bit layers, which compare cannot map; compare a "
               "data memory dump instead", file);
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
    size_t *idx = n ? m78cli_xmalloc(n * sizeof *idx) : NULL;
    int mapped = idx && part_map(L, u, idx) == 0;
    free(idx);
    if (L->elem * 8 != bits || !mapped) {
      snprintf(err, errlen, "%s: cnn_unload() writes layer %d as %dx%dx%d %d-bit values, but the hardware holds "
               "%dx%dx%d %d-bit: compare a data memory dump instead", file, u->layer, u->c, u->h, u->w, bits, L->c,
               L->h, L->w, 8 * L->elem);
      return -1;
    }
    total += (size_t)u->c * (size_t)u->h * (size_t)u->w;
  }

  /* the device's values */
  size_t nval;
  int64_t *val;
  if (bits == 32) {
    nval = d->noutput;
    val = m78cli_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++) {
      if (!d->output_hex && (d->output[i] < INT32_MIN || d->output[i] > INT32_MAX)) {
        snprintf(err, errlen, "%s: value %zu (%lld) is not a 32-bit value", file, i + 1, (long long)d->output[i]);
        free(val);
        return -1;
      }
      val[i] = d->output_hex ? (int32_t)(uint32_t)d->output[i] : d->output[i];
    }
    if (nval != total) {
      snprintf(err, errlen, "%s: %zu values, but cnn_unload() writes %zu 32-bit values%s", file, nval, total,
               nval < total ? ": truncated?" : "");
      free(val);
      return -1;
    }
  } else if (d->output_hex) {
    nval = 4 * d->noutput;
    if (d->noutput != (total + 3) / 4) {
      snprintf(err, errlen, "%s: %zu words, but cnn_unload() writes %zu bytes = %zu words%s", file, d->noutput, total,
               (total + 3) / 4, d->noutput < (total + 3) / 4 ? ": truncated?" : "");
      return -1;
    }
    val = m78cli_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++)
      val[i] = (int8_t)(uint8_t)(d->output[i / 4] >> (8 * (i % 4)));
  } else {
    nval = d->noutput;
    val = m78cli_xmalloc((nval ? nval : 1) * sizeof *val);
    for (size_t i = 0; i < nval; i++) {
      if (d->output[i] < -128 || d->output[i] > 255) {
        snprintf(err, errlen, "%s: value %zu (%lld) is not an 8-bit value", file, i + 1, (long long)d->output[i]);
        free(val);
        return -1;
      }
      val[i] = (int8_t)(uint8_t)d->output[i];
    }
    if (nval != total) {
      snprintf(err, errlen, "%s: %zu values, but cnn_unload() writes %zu 8-bit values%s", file, nval, total,
               nval < total ? ": truncated?" : "");
      free(val);
      return -1;
    }
  }

  size_t base = 0;
  for (int i = 0; i < nparts; i++) {
    const struct m78cli_unload_part *u = &parts[i];
    int l = u->layer;
    const struct layer *L = &s->layers[l];
    int npix = L->h * L->w, channels = u->c, lpix = u->h * u->w;
    size_t *at = m78cli_xmalloc((size_t)channels * (size_t)lpix * sizeof *at);
    int *slots = m78cli_xmalloc((size_t)channels * sizeof *slots);
    if (part_map(L, u, at) != 0) { /* checked above */
      snprintf(err, errlen, "%s: cannot map %d channels onto layer %d's %d output slots", file, channels, l, L->c);
      free(val);
      free(slots);
      free(at);
      return -1;
    }
    for (int c = 0; c < channels; c++)
      slots[c] = (int)(at[(size_t)c * (size_t)lpix] / (size_t)npix);
    size_t *index = m78cli_xmalloc((size_t)channels * (size_t)lpix * sizeof *index);
    part_order(L, slots, channels, lpix, base, index);
    base += (size_t)channels * (size_t)lpix;
    /* where each (slot, pixel) is in data memory, for instance numbers */
    long *where = m78cli_xmalloc((size_t)L->c * (size_t)npix * sizeof *where);
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
        struct obs ob = {l, slot, pix, L->elem, exp, dev, diff, devw & diff, w >= 0 ? w / 4 : -1, lane,
                         d->output_file, 0};
        push(list, &ob);
      }
    }
    free(slots);
    free(at);
    free(index);
    free(where);
  }
  free(val);
  return 0;
}

/* ---- analysis and report ---- */

static int popcount64(uint64_t v) { return __builtin_popcountll(v); }

struct set {
  unsigned char *bit;
  int n, count, first, last;
};

static void set_init(struct set *s, int n)
{
  s->bit = calloc((size_t)(n > 0 ? n : 1), 1);
  s->n = n;
  s->count = 0;
  s->first = -1;
  s->last = -1;
}

static void set_add(struct set *s, int v)
{
  if (v < 0 || v >= s->n || s->bit[v])
    return;
  s->bit[v] = 1;
  s->count++;
  if (s->first < 0 || v < s->first)
    s->first = v;
  if (v > s->last)
    s->last = v;
}

/* "3", "3-6", "1, 4, 9 and 2 more" */
static void set_text(const struct set *s, char *buf, size_t len)
{
  if (s->count == 0) {
    snprintf(buf, len, "-");
    return;
  }
  if (s->last - s->first + 1 == s->count) {
    if (s->count == 1)
      snprintf(buf, len, "%d", s->first);
    else
      snprintf(buf, len, "%d-%d", s->first, s->last);
    return;
  }
  size_t k = 0;
  int shown = 0;
  for (int v = 0; v < s->n && shown < 6; v++)
    if (s->bit[v])
      k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%d", shown++ ? ", " : "", v);
  if (s->count > shown && k < len)
    snprintf(buf + k, len - k, " and %d more", s->count - shown);
}

static cJSON *set_json(const struct set *s)
{
  cJSON *a = cJSON_CreateArray();
  int shown = 0;
  for (int v = 0; v < s->n && shown < 64; v++)
    if (s->bit[v]) {
      cJSON_AddItemToArray(a, cJSON_CreateNumber(v));
      shown++;
    }
  return a;
}

static int64_t absdiff(const struct obs *o) { return o->device > o->expected ? o->device - o->expected : o->expected - o->device; }

static uint32_t addr_of(const struct obs *o) { return o->off >= 0 ? m78_sram_image_addr((size_t)o->off) + (uint32_t)o->lane : 0; }

static int run_compare(const struct cmp_opts *o, struct m78cli_simrun *run, struct m78dev_data *dev)
{
  struct sim_side s;
  char err[512];
  int rc = M78CLI_EXIT_ERROR;
  struct obs_list list = {0};
  size_t nblocks = 0;
  struct sample_block *blocks = NULL;
  int limit = o->stop_after >= 0 ? o->stop_after : dev->stop_after;
  if (load_sim_side(run, limit, &s) != 0)
    goto out;

  /* Data mismatch lines: words at addresses, with the check's mask */
  if (dev->nmismatch)
    blocks = sample_blocks(run->fwdir, &nblocks);
  int warn_expected = 0;
  for (size_t i = 0; i < dev->nmismatch; i++) {
    const struct m78dev_mismatch *m = &dev->mismatch[i];
    uint32_t mask = 0xFFFFFFFFu;
    for (size_t k = 0; k < nblocks; k++)
      if (m->addr >= blocks[k].addr && m->addr < blocks[k].addr + 4 * blocks[k].len)
        mask = blocks[k].mask;
    if (m78dev_observe_word(dev, m->addr, m->read, mask, m->file, m->line, err, sizeof err) != 0) {
      m78cli_error("%s", err);
      goto out;
    }
    long off = m78_sram_image_offset(m->addr);
    uint32_t simw = 0;
    for (int b = 0; b < 4; b++)
      simw |= (uint32_t)s.sram[off + b] << (8 * b);
    if (((simw ^ m->expected) & mask) && warn_expected++ == 0)
      fprintf(stderr,
              "%s: note: %s:%d: the firmware expects 0x%08x at 0x%08x, the simulation holds 0x%08x there "
              "(the simulator and the synthesizer's known answer disagree)\n",
              m78cli_prog(), dev->files[m->file], m->line, (unsigned)(m->expected & mask), (unsigned)m->addr,
              (unsigned)(simw & mask));
  }

  long unowned = 0, unowned_differ = 0;
  struct internal in = {0, -1, 0, 0};
  if (dev->bits)
    image_observations(dev, &s, &list, &unowned, &unowned_differ, &in);
  if (dev->has_output && output_observations(dev, &s, run->fwdir, &list, err, sizeof err) != 0) {
    m78cli_error("%s", err);
    goto out;
  }
  if (list.n == 0) {
    m78cli_error("compare: no device value lands in a layer's output (%ld bytes observed outside every output: "
                 "input data or unused memory); nothing to compare",
                 unowned);
    goto out;
  }
  if (in.bad)
    m78cli_error("internal error: at %ld byte(s) the simulator's data memory disagrees with the layer output the "
                 "footprint says is there (first at 0x%08x: memory %lld, output %lld); please report this",
                 in.bad, (unsigned)m78_sram_image_addr((size_t)in.first_off), (long long)in.sim_val,
                 (long long)in.out_val);

  /* per layer */
  long compared = 0, differ = 0;
  int first = -1;
  for (size_t i = 0; i < list.n; i++) {
    const struct obs *ob = &list.v[i];
    struct layer *L = &s.layers[ob->layer];
    L->compared++;
    compared++;
    if (ob->diff_bits) {
      L->differ++;
      differ++;
      if (absdiff(ob) > L->maxdiff)
        L->maxdiff = absdiff(ob);
      if (first < 0 || ob->layer < first)
        first = ob->layer;
    }
  }

  /* the first diverging layer's mismatches */
  const struct obs *fm = NULL;
  struct set chans, insts, rows, cols;
  uint32_t bits_or = 0, bits_and = 0xFFFFFFFFu, dev_or = 0, dev_and = 0xFFFFFFFFu;
  int have_inst = 1;
  const struct layer *FL = first >= 0 ? &s.layers[first] : NULL;
  if (FL) {
    set_init(&chans, FL->c);
    set_init(&insts, M78_SRAM_INSTANCES);
    set_init(&rows, FL->h);
    set_init(&cols, FL->w);
    for (size_t i = 0; i < list.n; i++) {
      const struct obs *ob = &list.v[i];
      if (ob->layer != first || !ob->diff_bits)
        continue;
      if (!fm || ob->channel < fm->channel || (ob->channel == fm->channel && ob->pixel < fm->pixel))
        fm = ob;
      set_add(&chans, ob->channel);
      set_add(&rows, ob->pixel / FL->w);
      set_add(&cols, ob->pixel % FL->w);
      if (ob->off >= 0)
        set_add(&insts, (int)(ob->off / (M78_SRAM_WORDS * 4)));
      else
        have_inst = 0;
      bits_or |= ob->diff_bits;
      bits_and &= ob->diff_bits;
      dev_or |= ob->dev_bits;
      dev_and &= ob->dev_bits | ~ob->diff_bits;
    }
  }
  /* observed values of that layer: to tell "all channels" from "one" */
  struct set seen_chans;
  if (FL) {
    set_init(&seen_chans, FL->c);
    for (size_t i = 0; i < list.n; i++)
      if (list.v[i].layer == first)
        set_add(&seen_chans, list.v[i].channel);
  }

  char pattern[1024] = "";
  int stuck_bit = -1, stuck_val = -1;
  if (FL && FL->differ == 1) {
    size_t k = (size_t)snprintf(pattern, sizeof pattern, "a single value");
    if (popcount64(bits_or) == 1) {
      stuck_bit = __builtin_ctz(bits_or);
      snprintf(pattern + k, sizeof pattern - k, "; only bit %d of the data word differs (byte lane %d, bit %d)",
               stuck_bit, stuck_bit / 8, stuck_bit % 8);
    }
  } else if (FL) {
    char t[256];
    size_t k = 0;
    set_text(&chans, t, sizeof t);
    if (chans.count == 1)
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "one channel (%s)", t);
    else if (chans.count == seen_chans.count)
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "all %d compared channels", chans.count);
    else
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "%d channels (%s)", chans.count, t);
    if (have_inst && insts.count) {
      set_text(&insts, t, sizeof t);
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "; %s (%s)",
                            insts.count == 1 ? "one memory instance" : "memory instances", t);
    }
    set_text(&rows, t, sizeof t);
    if (rows.count == 1)
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "; one row (%s)", t);
    else
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "; %d rows", rows.count);
    if (cols.count == 1 && FL->w > 1)
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "; one column (%d)", cols.first);
    if (popcount64(bits_or) == 1) {
      stuck_bit = __builtin_ctz(bits_or);
      int ones = (dev_or >> stuck_bit) & 1, zeros = !((dev_and >> stuck_bit) & 1);
      stuck_val = ones && !zeros ? 1 : !ones && zeros ? 0 : -1;
      k += (size_t)snprintf(pattern + k, sizeof pattern - k, "; only bit %d of the data word differs (byte lane %d, bit %d)",
                            stuck_bit, stuck_bit / 8, stuck_bit % 8);
      if (stuck_val >= 0)
        snprintf(pattern + k, sizeof pattern - k, ", always reading %d on the device: a stuck-at-%d bit?", stuck_val,
                 stuck_val);
    } else if (bits_and) {
      snprintf(pattern + k, sizeof pattern - k, "; bits 0x%08x of the data word differ in every mismatch",
               (unsigned)bits_and);
    }
  }

  /* ---- text ---- */
  printf("compare: %s, %d device file%s", o->dir, dev->nfiles, dev->nfiles > 1 ? "s" : "");
  if (limit >= 0)
    printf(", layers 0..%d (stop-after %d)", limit, limit);
  if (o->faults)
    printf(", simulated with fault %s", o->faults);
  printf("\n");
  for (int f = 0; f < dev->nfiles; f++)
    printf("  %s: %s\n", dev->files[f], dev->kinds[f]);
  {
    static const char *hdr[] = {"layer", "op", "output", "compared", "differ", "max diff"};
    static const enum m78cli_align al[] = {M78CLI_RIGHT, M78CLI_LEFT, M78CLI_LEFT, M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT};
    struct m78cli_table t;
    m78cli_table_init(&t, 6, hdr, al);
    for (int l = 0; l < s.nlayers; l++) {
      const struct layer *L = &s.layers[l];
      if (!L->compared)
        continue;
      char b[64];
      int r = m78cli_table_add_row(&t, 0);
      snprintf(b, sizeof b, "%d", l);
      m78cli_table_set(&t, r, 0, b);
      m78cli_table_set(&t, r, 1, L->op);
      snprintf(b, sizeof b, "%dx%dx%d%s", L->c, L->h, L->w, L->elem == 4 ? " 32-bit" : "");
      m78cli_table_set(&t, r, 2, b);
      snprintf(b, sizeof b, "%ld", L->compared);
      m78cli_table_set(&t, r, 3, b);
      snprintf(b, sizeof b, "%ld", L->differ);
      m78cli_table_set(&t, r, 4, b);
      snprintf(b, sizeof b, "%lld", (long long)L->maxdiff);
      m78cli_table_set(&t, r, 5, L->differ ? b : "-");
    }
    putchar('\n');
    m78cli_table_print(&t, stdout);
    m78cli_table_free(&t);
  }
  if (unowned)
    printf("%ld observed byte%s hold no layer's output (input data or unused memory)%s\n", unowned,
           unowned > 1 ? "s" : "", unowned_differ ? "" : "; they match the simulation");
  if (unowned_differ)
    printf("  of these, %ld differ from the simulation (not counted: uninitialised memory differs on a board)\n",
           unowned_differ);
  if (dev->nmismatch)
    printf("note: the firmware's check stops at its first mismatch, so a Data mismatch line shows one word only; "
           "capture layers to see more ('max78sim capture --help')\n");
  printf("\n");
  if (!differ) {
    printf("identical: all %ld compared values match the simulation\n", compared);
    rc = 0;
  } else {
    printf("first diverging layer: %d (%s%s%s)\n", first, FL->op, FL->desc[0] ? ": " : "", FL->desc);
    printf("  first mismatch: channel %d, row %d, column %d", fm->channel, fm->pixel / FL->w, fm->pixel % FL->w);
    if (fm->off >= 0)
      printf(" (memory instance %d, address 0x%08x%s)", (int)(fm->off / (M78_SRAM_WORDS * 4)), (unsigned)addr_of(fm),
             fm->elem == 4 ? ", 32-bit" : "");
    printf(": expected %lld, device %lld\n", (long long)fm->expected, (long long)fm->device);
    printf("  mismatches: %ld of %ld compared values of layer %d (%.1f%%), largest difference %lld\n", FL->differ,
           FL->compared, first, 100.0 * (double)FL->differ / (double)FL->compared, (long long)FL->maxdiff);
    printf("  pattern: %s\n", pattern);
    if (differ > FL->differ)
      printf("  later layers: %ld more mismatches (they read layer %d's output, directly or not)\n",
             differ - FL->differ, first);
    int earliest = first;
    for (size_t i = 0; i < list.n; i++)
      if (list.v[i].layer < earliest)
        earliest = list.v[i].layer;
    if (earliest == first && first > 0)
      printf("  note: the device data holds no output of layers 0..%d, so the difference may start there; "
             "capture them to find out ('max78sim capture DIR --stop-after N')\n",
             first - 1);
    rc = 1;
  }
  fflush(stdout);

  /* ---- JSON ---- */
  if (o->json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "tool", "max78sim compare");
    cJSON_AddStringToObject(j, "firmware", o->dir);
    if (o->faults)
      cJSON_AddStringToObject(j, "simulated_faults", o->faults);
    if (limit >= 0)
      cJSON_AddNumberToObject(j, "stop_after", limit);
    else
      cJSON_AddNullToObject(j, "stop_after");
    cJSON *files = cJSON_AddArrayToObject(j, "device");
    for (int f = 0; f < dev->nfiles; f++) {
      cJSON *e = cJSON_CreateObject();
      cJSON_AddStringToObject(e, "file", dev->files[f]);
      cJSON_AddStringToObject(e, "format", dev->kinds[f]);
      cJSON_AddItemToArray(files, e);
    }
    cJSON_AddBoolToObject(j, "identical", differ == 0);
    cJSON_AddNumberToObject(j, "compared", (double)compared);
    cJSON_AddNumberToObject(j, "differ", (double)differ);
    cJSON_AddNumberToObject(j, "unowned_bytes", (double)unowned);
    cJSON_AddNumberToObject(j, "unowned_bytes_differ", (double)unowned_differ);
    cJSON_AddNumberToObject(j, "internal_errors", (double)in.bad);
    cJSON *ls = cJSON_AddArrayToObject(j, "layers");
    for (int l = 0; l < s.nlayers; l++) {
      const struct layer *L = &s.layers[l];
      if (!L->compared)
        continue;
      cJSON *e = cJSON_CreateObject();
      cJSON_AddNumberToObject(e, "index", l);
      cJSON_AddStringToObject(e, "op", L->op);
      int shape[3] = {L->c, L->h, L->w};
      cJSON_AddItemToObject(e, "shape_chw", cJSON_CreateIntArray(shape, 3));
      cJSON_AddNumberToObject(e, "value_bytes", L->elem);
      cJSON_AddNumberToObject(e, "compared", (double)L->compared);
      cJSON_AddNumberToObject(e, "differ", (double)L->differ);
      cJSON_AddNumberToObject(e, "max_diff", (double)L->maxdiff);
      cJSON_AddItemToArray(ls, e);
    }
    if (FL) {
      cJSON *f = cJSON_AddObjectToObject(j, "first_diverging");
      cJSON_AddNumberToObject(f, "layer", first);
      cJSON_AddStringToObject(f, "op", FL->op);
      cJSON_AddNumberToObject(f, "channel", fm->channel);
      cJSON_AddNumberToObject(f, "row", fm->pixel / FL->w);
      cJSON_AddNumberToObject(f, "column", fm->pixel % FL->w);
      cJSON_AddNumberToObject(f, "expected", (double)fm->expected);
      cJSON_AddNumberToObject(f, "device", (double)fm->device);
      if (fm->off >= 0) {
        char a[16];
        snprintf(a, sizeof a, "0x%08x", (unsigned)addr_of(fm));
        cJSON_AddStringToObject(f, "address", a);
        cJSON_AddNumberToObject(f, "instance", (double)(fm->off / (M78_SRAM_WORDS * 4)));
      }
      cJSON_AddNumberToObject(f, "mismatches", (double)FL->differ);
      cJSON_AddNumberToObject(f, "compared", (double)FL->compared);
      cJSON_AddNumberToObject(f, "max_diff", (double)FL->maxdiff);
      cJSON *p = cJSON_AddObjectToObject(f, "pattern");
      cJSON_AddItemToObject(p, "channels", set_json(&chans));
      cJSON_AddNumberToObject(p, "channel_count", chans.count);
      if (have_inst)
        cJSON_AddItemToObject(p, "instances", set_json(&insts));
      cJSON_AddNumberToObject(p, "row_count", rows.count);
      cJSON_AddNumberToObject(p, "column_count", cols.count);
      char b[16];
      snprintf(b, sizeof b, "0x%08x", (unsigned)bits_or);
      cJSON_AddStringToObject(p, "differing_bits", b);
      if (stuck_bit >= 0)
        cJSON_AddNumberToObject(p, "single_bit", stuck_bit);
      if (stuck_val >= 0)
        cJSON_AddNumberToObject(p, "stuck_at", stuck_val);
      cJSON_AddStringToObject(p, "summary", pattern);
    } else {
      cJSON_AddNullToObject(j, "first_diverging");
    }
    char *text = cJSON_Print(j);
    size_t len = strlen(text);
    text = m78cli_xrealloc(text, len + 2);
    memcpy(text + len, "\n", 2);
    if (m78cli_write_file_atomic(o->json, text, len + 1) != 0) {
      m78cli_error("%s: %s", o->json, strerror(errno));
      rc = M78CLI_EXIT_ERROR;
    }
    free(text);
    cJSON_Delete(j);
  }
  if (in.bad)
    rc = M78CLI_EXIT_ERROR;
  if (FL) {
    free(chans.bit);
    free(insts.bit);
    free(rows.bit);
    free(cols.bit);
    free(seen_chans.bit);
  }
out:
  free(blocks);
  free(list.v);
  free_sim_side(&s);
  return rc;
}

int m78cli_cmd_compare(int argc, char **argv)
{
  struct cmp_opts o;
  int rc = M78CLI_EXIT_ERROR;
  struct m78dev_data dev;
  m78dev_init(&dev);
  struct m78cli_simrun run;
  memset(&run, 0, sizeof run);
  if (parse_compare(argc, argv, &o) != 0)
    goto out;
  if (o.help) {
    compare_help(stdout);
    rc = 0;
    goto out;
  }
  if (o.json) {
    char *parent = m78cli_dirname(o.json);
    int ok = m78cli_is_dir(parent) && !m78cli_is_dir(o.json);
    if (!ok)
      m78cli_error("%s: %s", o.json, m78cli_is_dir(parent) ? "is a directory" : "its folder does not exist");
    free(parent);
    if (!ok)
      goto out;
  }
  /* device data first: a bad file fails at once, before any simulation */
  char err[600];
  for (int i = 0; i < o.ndevices; i++)
    if (m78dev_load(&dev, o.devices[i], err, sizeof err) != 0) {
      m78cli_error("%s", err);
      goto out;
    }
  int limit = o.stop_after >= 0 ? o.stop_after : dev.stop_after;
  struct m78cli_simrun_opts so = {.cmd = "compare",
                                  .dir = o.dir,
                                  .faults = o.faults,
                                  .layer_limit = limit,
                                  .show_console = o.verbose,
                                  .rebuild = o.rebuild,
                                  .max_cycles = o.max_cycles,
                                  .timeout_s = DEFAULT_TIMEOUT_S,
                                  .input = o.input,
                                  .in = &o.in};
  if (m78cli_simulate(&so, &run) != 0)
    goto out;
  if (limit >= 0) {
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run.report, "layers"));
    if (n != limit + 1) {
      m78cli_error("compare: --stop-after %d: the network has %d layers (0..%d)", limit, n, n - 1);
      goto out;
    }
  }
  rc = run_compare(&o, &run, &dev);
out:
  m78cli_simrun_free(&run);
  m78dev_free(&dev);
  free(o.devices);
  free(o.faults);
  return rc;
}
