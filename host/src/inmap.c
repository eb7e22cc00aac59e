/*
 * The input map of a synthesized firmware (see inmap.h).  main.c and
 * sampledata.h are read as izer writes them; anything else is an error
 * that says which form was expected.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/inmap.h"
#include "max78sim/layer.h"
#include "max78sim/sim.h"
#include "m78host/regprog.h"
#include "m78host/util.h"

#define FIFO_WR0 0x50000008u /* FIFO n data register: FIFO_WR0 + 4n */
#define SRAM_BASE 0x50400000u
#define QUAD_STRIDE 0x400000u
#define INST_STRIDE 0x8000u

size_t m78inmap_elems(const struct m78inmap *m)
{
  return (size_t)m->c * (size_t)m->h * (size_t)m->w;
}

void m78inmap_free(struct m78inmap *m)
{
  for (int a = 0; a < m->narrays; a++)
    free(m->arrays[a].sample);
  free(m->elem_array);
  free(m->elem_byte);
  free(m->elem_word);
  memset(m, 0, sizeof *m);
}

static int find_array(const struct m78inmap *m, const char *name)
{
  for (int a = 0; a < m->narrays; a++)
    if (strcmp(m->arrays[a].name, name) == 0)
      return a;
  return -1;
}

/* The words of `#define NAME { ... }` in sampledata.h; NULL if absent. */
static uint32_t *parse_define(const char *text, const char *name, size_t *n)
{
  char pat[64];
  snprintf(pat, sizeof pat, "#define %s ", name);
  const char *p = text;
  for (;;) {
    p = strstr(p, pat);
    if (!p)
      return NULL;
    if (p == text || p[-1] == '\n')
      break;
    p++;
  }
  p = strchr(p + strlen(pat), '{');
  if (!p)
    return NULL;
  size_t cap = 1024, len = 0;
  uint32_t *w = malloc(cap * sizeof *w);
  for (p++; w && *p && *p != '}';) {
    if (isspace((unsigned char)*p) || *p == ',' || *p == '\\') {
      p++;
      continue;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 0);
    if (end == p || errno || v > 0xffffffffu) {
      free(w);
      return NULL;
    }
    if (len == cap) {
      uint32_t *b = realloc(w, (cap *= 2) * sizeof *w);
      if (!b) {
        free(w);
        return NULL;
      }
      w = b;
    }
    w[len++] = (uint32_t)v;
    p = end;
  }
  if (!w || *p != '}') {
    free(w);
    return NULL;
  }
  *n = len;
  return w;
}

/* Reads main.c's arrays and loader: fills name, fifo and addr. */
static int parse_main(const char *main_c, struct m78inmap *m, char *err, size_t errlen)
{
  /* FIFO pointer variables: `const uint32_t *in0 = input_0;` */
  char ptrs[M78INMAP_MAX_ARRAYS][16], ptr_array[M78INMAP_MAX_ARRAYS][24];
  int nptrs = 0;
  for (const char *line = main_c; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    while (*line == ' ' || *line == '\t')
      line++;
    if (line[0] == '/' && line[1] == '/')
      continue;
    unsigned idx, def;
    char tail[8];
    unsigned addr, len;
    char var[16];
    if (sscanf(line, "static const uint32_t input_%u[] = SAMPLE_INPUT_%u%1[;]", &idx, &def, tail) == 3) {
      if (m->narrays == M78INMAP_MAX_ARRAYS) {
        snprintf(err, errlen, "main.c: more than %d input arrays", M78INMAP_MAX_ARRAYS);
        return -1;
      }
      struct m78inmap_array *a = &m->arrays[m->narrays++];
      snprintf(a->name, sizeof a->name, "input_%u", idx);
      a->fifo = -2; /* not loaded (yet) */
      a->define = def;
    } else if (sscanf(line, "memcpy32((uint32_t *) 0x%x, input_%u, %u)%1[;]", &addr, &idx, &len, tail) == 4) {
      char name[24];
      snprintf(name, sizeof name, "input_%u", idx);
      int a = find_array(m, name);
      if (a < 0) {
        snprintf(err, errlen, "main.c: load_input copies %s, which is not declared before", name);
        return -1;
      }
      if (m->arrays[a].fifo != -2) {
        snprintf(err, errlen, "main.c: load_input loads %s twice; max78sim supports one destination per array", name);
        return -1;
      }
      m->arrays[a].fifo = -1;
      m->arrays[a].nwords = len; /* checked against the define below */
      m->arrays[a].addr = addr;
    } else if (sscanf(line, "const uint32_t *%15[a-z0-9_] = input_%u%1[;]", var, &idx, tail) == 3) {
      if (nptrs == M78INMAP_MAX_ARRAYS)
        continue;
      snprintf(ptrs[nptrs], sizeof ptrs[nptrs], "%s", var);
      snprintf(ptr_array[nptrs], sizeof ptr_array[nptrs], "input_%u", idx);
      nptrs++;
    } else if (sscanf(line, "*((volatile uint32_t *) 0x%x) = *%15[a-z0-9_]++%1[;]", &addr, var, tail) == 3) {
      if (addr < FIFO_WR0 || addr >= FIFO_WR0 + 4 * M78_FIFOS || (addr - FIFO_WR0) % 4) {
        snprintf(err, errlen, "main.c: load_input stores *%s++ to 0x%08x, which is not a FIFO data register", var,
                 addr);
        return -1;
      }
      int k;
      for (k = 0; k < nptrs && strcmp(ptrs[k], var) != 0; k++)
        ;
      int a = k < nptrs ? find_array(m, ptr_array[k]) : -1;
      if (a < 0) {
        snprintf(err, errlen, "main.c: load_input pushes *%s++, which points to no input array", var);
        return -1;
      }
      m->arrays[a].fifo = (int)((addr - FIFO_WR0) / 4);
      m->fifo = 1;
    }
  }
  return 0;
}

/* Keeps the arrays load_input uses, with their words from sampledata.h
 * (SD).  Returns how many, or -1 with a message in err. */
static int keep_arrays(struct m78inmap *m, const char *sd, const char *fwdir, char *err, size_t errlen)
{
  int kept = 0;
  for (int a = 0; a < m->narrays; a++) {
    struct m78inmap_array *ar = &m->arrays[a];
    if (ar->fifo == -2)
      continue;
    size_t len = ar->nwords;
    char def[40];
    snprintf(def, sizeof def, "SAMPLE_INPUT_%u", ar->define);
    size_t n = 0;
    uint32_t *w = parse_define(sd, def, &n);
    if (!w) {
      snprintf(err, errlen, "%s/sampledata.h: no readable #define %s { ... } for %s", fwdir, def, ar->name);
      m->narrays = kept;
      return -1;
    }
    if (ar->fifo < 0 && len > n) {
      snprintf(err, errlen, "%s/main.c: load_input copies %zu words of %s, which has %zu", fwdir, len, ar->name, n);
      free(w);
      m->narrays = kept;
      return -1;
    }
    struct m78inmap_array keep = *ar;
    keep.sample = w;
    keep.nwords = n;
    m->arrays[kept++] = keep;
  }
  m->narrays = kept;
  return kept;
}

int m78inmap_load(const char *fwdir, struct m78inmap *m, char *err, size_t errlen)
{
  memset(m, 0, sizeof *m);
  char path[4096];
  char *main_c = NULL, *sd = NULL, *cnn_c = NULL;
  m78_sim *sim = NULL;
  int rc = -1;
  snprintf(path, sizeof path, "%s/main.c", fwdir);
  if (!(main_c = m78u_read_file(path, NULL))) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    goto out;
  }
  snprintf(path, sizeof path, "%s/sampledata.h", fwdir);
  if (!(sd = m78u_read_file(path, NULL))) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    goto out;
  }
  snprintf(path, sizeof path, "%s/cnn.c", fwdir);
  if (!(cnn_c = m78u_read_file(path, NULL))) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    goto out;
  }
  char perr[256] = "";
  if (parse_main(main_c, m, perr, sizeof perr) != 0) {
    snprintf(err, errlen, "%s/%s", fwdir, perr);
    goto out;
  }
  /* keep the arrays load_input uses; read their words */
  int kept = keep_arrays(m, sd, fwdir, err, errlen);
  if (kept < 0)
    goto out;
  if (kept == 0) {
    snprintf(err, errlen,
             "%s/main.c: load_input loads no input_N array (izer's memcpy32 or FIFO loader); the input may be baked "
             "into individual stores (--no-compact-data), which --input cannot replace",
             fwdir);
    goto out;
  }

  /* layer 0 as the registers describe it */
  if (!(sim = m78_sim_new())) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (m78_regprog_replay(sim, cnn_c, perr, sizeof perr) < 0) {
    snprintf(err, errlen, "%s/cnn.c: %s", fwdir, perr);
    goto out;
  }
  struct m78_layer l;
  struct m78_decode_error derr;
  if (m78_layer_decode(sim, 0, &l, &derr) != 0) {
    snprintf(err, errlen, "%s/cnn.c: layer 0 cannot be decoded: %s", fwdir, derr.msg);
    goto out;
  }
  int procs[M78_PROCS], nprocs = 0;
  for (int p = 0; p < M78_PROCS; p++)
    if ((l.in_procs >> p) & 1)
      procs[nprocs++] = p;
  int ne = l.ne > 0 ? l.ne : 1, ops = l.ops > 0 ? l.ops : 1;
  m->c = ops * ne * nprocs;
  m->h = l.h;
  m->w = l.w;
  m->chw = l.chw;
  if (m->c <= 0 || m->h <= 0 || m->w <= 0) {
    snprintf(err, errlen, "%s/cnn.c: layer 0 reads no input (%d processors, %dx%d)", fwdir, nprocs, l.h, l.w);
    goto out;
  }
  if (l.chw && (ne > 1 || ops > 1)) {
    snprintf(err, errlen, "%s: layer 0 reads CHW data with %d passes and %d operands, which izer's loader cannot load",
             fwdir, ne, ops);
    goto out;
  }
  size_t ne_total = m78inmap_elems(m);
  m->elem_array = malloc(ne_total);
  m->elem_byte = malloc(ne_total);
  m->elem_word = malloc(ne_total * sizeof *m->elem_word);
  if (!m->elem_array || !m->elem_byte || !m->elem_word) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  for (int k = 0; k < ops; k++)
    for (int e = 0; e < ne; e++)
      for (int i = 0; i < nprocs; i++) {
        int p = procs[i], inst = p / 4, c = (k * ne + e) * nprocs + i;
        for (int y = 0; y < m->h; y++)
          for (int x = 0; x < m->w; x++) {
            uint32_t pix = (uint32_t)(y * m->w + x), idx;
            int byte;
            if (l.chw) {
              idx = pix / 4;
              byte = (int)(pix % 4);
            } else {
              idx = ((pix * (uint32_t)ne + (uint32_t)e) * (uint32_t)ops + (uint32_t)k);
              byte = p % 4;
            }
            /* the array word that carries word idx (from rptr) of this instance */
            int found = -1;
            uint32_t word = 0;
            for (int a = 0; a < m->narrays && found < 0; a++) {
              const struct m78inmap_array *ar = &m->arrays[a];
              if (ar->fifo >= 0) {
                if (inst == 4 * ar->fifo && idx < ar->nwords) {
                  found = a;
                  word = idx;
                }
                continue;
              }
              uint32_t off = ar->addr - SRAM_BASE;
              int ainst = (int)(off / QUAD_STRIDE) * 4 + (int)(off % QUAD_STRIDE / INST_STRIDE);
              uint32_t w0 = off % INST_STRIDE / 4, sw = l.rptr + idx;
              if (ainst == inst && sw >= w0 && sw - w0 < ar->nwords) {
                found = a;
                word = sw - w0;
              }
            }
            /* a word the layer reads but load_input never writes (conv1d
             * reading past its data): not part of the input */
            if (found < 0)
              m->unloaded++;
            size_t el = ((size_t)c * (size_t)m->h + (size_t)y) * (size_t)m->w + (size_t)x;
            m->elem_array[el] = found < 0 ? M78INMAP_UNLOADED : (uint8_t)found;
            m->elem_word[el] = word;
            m->elem_byte[el] = (uint8_t)byte;
          }
      }
  rc = 0;
out:
  if (rc != 0)
    m78inmap_free(m);
  m78_sim_free(sim);
  free(main_c);
  free(sd);
  free(cnn_c);
  return rc;
}

void m78inmap_unpack(const struct m78inmap *m, int8_t *out)
{
  size_t n = m78inmap_elems(m);
  for (size_t e = 0; e < n; e++)
    out[e] = m->elem_array[e] == M78INMAP_UNLOADED
                 ? 0
                 : (int8_t)(m->arrays[m->elem_array[e]].sample[m->elem_word[e]] >> (8 * m->elem_byte[e]));
}

int m78inmap_pack(const struct m78inmap *m, const int8_t *tensor, uint32_t **words)
{
  for (int a = 0; a < m->narrays; a++) {
    words[a] = malloc((m->arrays[a].nwords ? m->arrays[a].nwords : 1) * sizeof **words);
    if (!words[a]) {
      for (int b = 0; b < a; b++)
        free(words[b]);
      return -1;
    }
    memcpy(words[a], m->arrays[a].sample, m->arrays[a].nwords * sizeof **words);
  }
  size_t n = m78inmap_elems(m);
  for (size_t e = 0; e < n; e++) {
    if (m->elem_array[e] == M78INMAP_UNLOADED)
      continue;
    uint32_t *w = &words[m->elem_array[e]][m->elem_word[e]];
    int sh = 8 * m->elem_byte[e];
    *w = (*w & ~(0xffu << sh)) | (uint32_t)(uint8_t)tensor[e] << sh;
  }
  return 0;
}

long m78inmap_first_unloaded(const struct m78inmap *m, const int8_t *tensor)
{
  size_t n = m78inmap_elems(m);
  for (size_t e = 0; e < n; e++)
    if (m->elem_array[e] == M78INMAP_UNLOADED && tensor[e] != 0)
      return (long)e;
  return -1;
}

void m78inmap_free_words(const struct m78inmap *m, uint32_t **words)
{
  for (int a = 0; a < m->narrays; a++) {
    free(words[a]);
    words[a] = NULL;
  }
}

int m78inmap_is_sample(const struct m78inmap *m, uint32_t *const *words)
{
  for (int a = 0; a < m->narrays; a++)
    if (memcmp(words[a], m->arrays[a].sample, m->arrays[a].nwords * sizeof **words) != 0)
      return 0;
  return 1;
}

static void put32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

int m78inmap_serialize(const struct m78inmap *m, uint32_t *const *words, void **buf, size_t *len)
{
  size_t n = 12;
  for (int a = 0; a < m->narrays; a++)
    n += 24 + 4 + 4 * m->arrays[a].nwords;
  unsigned char *b = calloc(1, n), *p = b;
  if (!b)
    return -1;
  memcpy(p, "M78INPUT", 8);
  put32(p + 8, (uint32_t)m->narrays);
  p += 12;
  for (int a = 0; a < m->narrays; a++) {
    memcpy(p, m->arrays[a].name, strlen(m->arrays[a].name));
    put32(p + 24, (uint32_t)m->arrays[a].nwords);
    p += 28;
    for (size_t k = 0; k < m->arrays[a].nwords; k++, p += 4)
      put32(p, words[a][k]);
  }
  *buf = b;
  *len = n;
  return 0;
}

int m78inmap_num_outputs(const char *fwdir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/cnn.h", fwdir);
  char *text = m78u_read_file(path, NULL);
  const char *d = text ? strstr(text, "#define CNN_NUM_OUTPUTS ") : NULL;
  int n = d ? atoi(d + strlen("#define CNN_NUM_OUTPUTS ")) : 0;
  free(text);
  return n > 0 && n <= 4096 ? n : 0;
}
