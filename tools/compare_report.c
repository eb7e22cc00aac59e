/*
 * `max78sim compare`, the analysis and its report (see compare.h): per
 * layer, how many observed values differ and by how much; for the first
 * diverging layer, the first mismatch and the pattern of the mismatches
 * (channels, memory instances, rows, columns, the differing bits: one
 * stuck bit shows as a single bit always read the same way).  Printed as
 * text and, with --json, written as a JSON document.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

static int popcount64(uint64_t v)
{
  return __builtin_popcountll(v);
}

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

static int64_t absdiff(const struct obs *o)
{
  return o->device > o->expected ? o->device - o->expected : o->expected - o->device;
}

static uint32_t addr_of(const struct obs *o)
{
  return o->off >= 0 ? m78_sram_image_addr((size_t)o->off) + (uint32_t)o->lane : 0;
}

/* What the analysis finds; the sets are allocated only when fl is set. */
struct analysis {
  long compared, differ;
  int first;              /* first diverging layer, -1 when none */
  const struct layer *FL; /* that layer */
  const struct obs *fm;   /* its first mismatch (lowest channel, then pixel) */
  struct set chans, insts, rows, cols, seen_chans;
  uint32_t bits_or, bits_and, dev_or, dev_and;
  int have_inst;
  char pattern[1024];
  int stuck_bit, stuck_val;
};

/* Per layer: values compared, values that differ, the largest difference. */
static void count_layers(struct sim_side *s, const struct cmp_result *r, struct analysis *a)
{
  for (size_t i = 0; i < r->list.n; i++) {
    const struct obs *ob = &r->list.v[i];
    struct layer *L = &s->layers[ob->layer];
    L->compared++;
    a->compared++;
    if (ob->diff_bits) {
      L->differ++;
      a->differ++;
      if (absdiff(ob) > L->maxdiff)
        L->maxdiff = absdiff(ob);
      if (a->first < 0 || ob->layer < a->first)
        a->first = ob->layer;
    }
  }
}

/* The first diverging layer's mismatches: where they are. */
static void first_layer_sets(const struct sim_side *s, const struct cmp_result *r, struct analysis *a)
{
  a->FL = a->first >= 0 ? &s->layers[a->first] : NULL;
  if (a->FL) {
    set_init(&a->chans, a->FL->c);
    set_init(&a->insts, M78_SRAM_INSTANCES);
    set_init(&a->rows, a->FL->h);
    set_init(&a->cols, a->FL->w);
    for (size_t i = 0; i < r->list.n; i++) {
      const struct obs *ob = &r->list.v[i];
      if (ob->layer != a->first || !ob->diff_bits)
        continue;
      if (!a->fm || ob->channel < a->fm->channel || (ob->channel == a->fm->channel && ob->pixel < a->fm->pixel))
        a->fm = ob;
      set_add(&a->chans, ob->channel);
      set_add(&a->rows, ob->pixel / a->FL->w);
      set_add(&a->cols, ob->pixel % a->FL->w);
      if (ob->off >= 0)
        set_add(&a->insts, (int)(ob->off / (M78_SRAM_WORDS * 4)));
      else
        a->have_inst = 0;
      a->bits_or |= ob->diff_bits;
      a->bits_and &= ob->diff_bits;
      a->dev_or |= ob->dev_bits;
      a->dev_and &= ob->dev_bits | ~ob->diff_bits;
    }
  }
  /* observed values of that layer: to tell "all channels" from "one" */
  if (a->FL) {
    set_init(&a->seen_chans, a->FL->c);
    for (size_t i = 0; i < r->list.n; i++)
      if (r->list.v[i].layer == a->first)
        set_add(&a->seen_chans, r->list.v[i].channel);
  }
}

/* The pattern of those mismatches, in words. */
static void describe_pattern(struct analysis *a)
{
  if (a->FL && a->FL->differ == 1) {
    size_t k = (size_t)snprintf(a->pattern, sizeof a->pattern, "a single value");
    if (popcount64(a->bits_or) == 1) {
      a->stuck_bit = __builtin_ctz(a->bits_or);
      snprintf(a->pattern + k, sizeof a->pattern - k, "; only bit %d of the data word differs (byte lane %d, bit %d)",
               a->stuck_bit, a->stuck_bit / 8, a->stuck_bit % 8);
    }
  } else if (a->FL) {
    char t[256];
    size_t k = 0;
    set_text(&a->chans, t, sizeof t);
    if (a->chans.count == 1)
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "one channel (%s)", t);
    else if (a->chans.count == a->seen_chans.count)
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "all %d compared channels", a->chans.count);
    else
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "%d channels (%s)", a->chans.count, t);
    if (a->have_inst && a->insts.count) {
      set_text(&a->insts, t, sizeof t);
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "; %s (%s)",
                            a->insts.count == 1 ? "one memory instance" : "memory instances", t);
    }
    set_text(&a->rows, t, sizeof t);
    if (a->rows.count == 1)
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "; one row (%s)", t);
    else
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "; %d rows", a->rows.count);
    if (a->cols.count == 1 && a->FL->w > 1)
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k, "; one column (%d)", a->cols.first);
    if (popcount64(a->bits_or) == 1) {
      a->stuck_bit = __builtin_ctz(a->bits_or);
      int ones = (a->dev_or >> a->stuck_bit) & 1, zeros = !((a->dev_and >> a->stuck_bit) & 1);
      a->stuck_val = ones && !zeros ? 1 : !ones && zeros ? 0 : -1;
      k += (size_t)snprintf(a->pattern + k, sizeof a->pattern - k,
                            "; only bit %d of the data word differs (byte lane %d, bit %d)", a->stuck_bit,
                            a->stuck_bit / 8, a->stuck_bit % 8);
      if (a->stuck_val >= 0)
        snprintf(a->pattern + k, sizeof a->pattern - k, ", always reading %d on the device: a stuck-at-%d bit?",
                 a->stuck_val, a->stuck_val);
    } else if (a->bits_and) {
      snprintf(a->pattern + k, sizeof a->pattern - k, "; bits 0x%08x of the data word differ in every mismatch",
               (unsigned)a->bits_and);
    }
  }
}

static void print_table(const struct sim_side *s)
{
  static const char *hdr[] = {"layer", "op", "output", "compared", "differ", "max diff"};
  static const enum m78cli_align al[] = {M78CLI_RIGHT, M78CLI_LEFT,  M78CLI_LEFT,
                                         M78CLI_RIGHT, M78CLI_RIGHT, M78CLI_RIGHT};
  struct m78cli_table t;
  m78cli_table_init(&t, 6, hdr, al);
  for (int l = 0; l < s->nlayers; l++) {
    const struct layer *L = &s->layers[l];
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

/* The text report on stdout; returns 0 when every value matches, else 1. */
static int print_text(const struct cmp_opts *o, const struct m78dev_data *dev, const struct sim_side *s,
                      const struct cmp_result *r, const struct analysis *a, int limit)
{
  printf("compare: %s, %d device file%s", o->dir, dev->nfiles, dev->nfiles > 1 ? "s" : "");
  if (limit >= 0)
    printf(", layers 0..%d (stop-after %d)", limit, limit);
  if (o->faults)
    printf(", simulated with fault %s", o->faults);
  printf("\n");
  for (int f = 0; f < dev->nfiles; f++)
    printf("  %s: %s\n", dev->files[f], dev->kinds[f]);
  print_table(s);
  if (r->unowned)
    printf("%ld observed byte%s hold no layer's output (input data or unused memory)%s\n", r->unowned,
           r->unowned > 1 ? "s" : "", r->unowned_differ ? "" : "; they match the simulation");
  if (r->unowned_differ)
    printf("  of these, %ld differ from the simulation (not counted: uninitialised memory differs on a board)\n",
           r->unowned_differ);
  if (dev->nmismatch)
    printf("note: the firmware's check stops at its first mismatch, so a Data mismatch line shows one word only; "
           "capture layers to see more ('max78sim capture --help')\n");
  printf("\n");
  if (!a->differ) {
    printf("identical: all %ld compared values match the simulation\n", a->compared);
    fflush(stdout);
    return 0;
  }
  printf("first diverging layer: %d (%s%s%s)\n", a->first, a->FL->op, a->FL->desc[0] ? ": " : "", a->FL->desc);
  printf("  first mismatch: channel %d, row %d, column %d", a->fm->channel, a->fm->pixel / a->FL->w,
         a->fm->pixel % a->FL->w);
  if (a->fm->off >= 0)
    printf(" (memory instance %d, address 0x%08x%s)", (int)(a->fm->off / (M78_SRAM_WORDS * 4)),
           (unsigned)addr_of(a->fm), a->fm->elem == 4 ? ", 32-bit" : "");
  printf(": expected %lld, device %lld\n", (long long)a->fm->expected, (long long)a->fm->device);
  printf("  mismatches: %ld of %ld compared values of layer %d (%.1f%%), largest difference %lld\n", a->FL->differ,
         a->FL->compared, a->first, 100.0 * (double)a->FL->differ / (double)a->FL->compared, (long long)a->FL->maxdiff);
  printf("  pattern: %s\n", a->pattern);
  if (a->differ > a->FL->differ)
    printf("  later layers: %ld more mismatches (they read layer %d's output, directly or not)\n",
           a->differ - a->FL->differ, a->first);
  int earliest = a->first;
  for (size_t i = 0; i < r->list.n; i++)
    if (r->list.v[i].layer < earliest)
      earliest = r->list.v[i].layer;
  if (earliest == a->first && a->first > 0)
    printf("  note: the device data holds no output of layers 0..%d, so the difference may start there; "
           "capture them to find out ('max78sim capture DIR --stop-after N')\n",
           a->first - 1);
  fflush(stdout);
  return 1;
}

/* The --json document; 0, or -1 with a message printed. */
static int write_json(const struct cmp_opts *o, const struct m78dev_data *dev, const struct sim_side *s,
                      const struct cmp_result *r, const struct analysis *a, int limit)
{
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
  cJSON_AddBoolToObject(j, "identical", a->differ == 0);
  cJSON_AddNumberToObject(j, "compared", (double)a->compared);
  cJSON_AddNumberToObject(j, "differ", (double)a->differ);
  cJSON_AddNumberToObject(j, "unowned_bytes", (double)r->unowned);
  cJSON_AddNumberToObject(j, "unowned_bytes_differ", (double)r->unowned_differ);
  cJSON_AddNumberToObject(j, "internal_errors", (double)r->in.bad);
  cJSON *ls = cJSON_AddArrayToObject(j, "layers");
  for (int l = 0; l < s->nlayers; l++) {
    const struct layer *L = &s->layers[l];
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
  if (a->FL) {
    cJSON *f = cJSON_AddObjectToObject(j, "first_diverging");
    cJSON_AddNumberToObject(f, "layer", a->first);
    cJSON_AddStringToObject(f, "op", a->FL->op);
    cJSON_AddNumberToObject(f, "channel", a->fm->channel);
    cJSON_AddNumberToObject(f, "row", a->fm->pixel / a->FL->w);
    cJSON_AddNumberToObject(f, "column", a->fm->pixel % a->FL->w);
    cJSON_AddNumberToObject(f, "expected", (double)a->fm->expected);
    cJSON_AddNumberToObject(f, "device", (double)a->fm->device);
    if (a->fm->off >= 0) {
      char addr[16];
      snprintf(addr, sizeof addr, "0x%08x", (unsigned)addr_of(a->fm));
      cJSON_AddStringToObject(f, "address", addr);
      cJSON_AddNumberToObject(f, "instance", (double)(a->fm->off / (M78_SRAM_WORDS * 4)));
    }
    cJSON_AddNumberToObject(f, "mismatches", (double)a->FL->differ);
    cJSON_AddNumberToObject(f, "compared", (double)a->FL->compared);
    cJSON_AddNumberToObject(f, "max_diff", (double)a->FL->maxdiff);
    cJSON *p = cJSON_AddObjectToObject(f, "pattern");
    cJSON_AddItemToObject(p, "channels", set_json(&a->chans));
    cJSON_AddNumberToObject(p, "channel_count", a->chans.count);
    if (a->have_inst)
      cJSON_AddItemToObject(p, "instances", set_json(&a->insts));
    cJSON_AddNumberToObject(p, "row_count", a->rows.count);
    cJSON_AddNumberToObject(p, "column_count", a->cols.count);
    char b[16];
    snprintf(b, sizeof b, "0x%08x", (unsigned)a->bits_or);
    cJSON_AddStringToObject(p, "differing_bits", b);
    if (a->stuck_bit >= 0)
      cJSON_AddNumberToObject(p, "single_bit", a->stuck_bit);
    if (a->stuck_val >= 0)
      cJSON_AddNumberToObject(p, "stuck_at", a->stuck_val);
    cJSON_AddStringToObject(p, "summary", a->pattern);
  } else {
    cJSON_AddNullToObject(j, "first_diverging");
  }
  int rc = 0;
  if (m78u_write_json(o->json, j) != 0) {
    m78u_error("%s: %s", o->json, strerror(errno));
    rc = -1;
  }
  cJSON_Delete(j);
  return rc;
}

int m78cmp_report(const struct cmp_opts *o, const struct m78dev_data *dev, struct sim_side *s,
                  const struct cmp_result *r, int limit)
{
  struct analysis a;
  memset(&a, 0, sizeof a);
  a.first = -1;
  a.bits_and = 0xFFFFFFFFu;
  a.dev_and = 0xFFFFFFFFu;
  a.have_inst = 1;
  a.stuck_bit = -1;
  a.stuck_val = -1;
  count_layers(s, r, &a);
  first_layer_sets(s, r, &a);
  describe_pattern(&a);
  int rc = print_text(o, dev, s, r, &a, limit);
  if (o->json && write_json(o, dev, s, r, &a, limit) != 0)
    rc = M78CLI_EXIT_ERROR;
  if (a.FL) {
    free(a.chans.bit);
    free(a.insts.bit);
    free(a.rows.bit);
    free(a.cols.bit);
    free(a.seen_chans.bit);
  }
  return rc;
}
