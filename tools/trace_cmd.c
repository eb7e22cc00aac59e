/*
 * `max78sim trace show|diff`: register traces (traces/FORMAT.md,
 * m78host/trace.h) without any firmware; `replay` is replay_cmd.c.
 *
 * show and diff do not simulate: they apply the register writes to a
 * simulator with m78_poke (no side effects, no inference) and decode the
 * layers with m78_layer_decode at every master enable, i.e. they read
 * the configuration exactly as the hardware would at the moment it
 * starts.  Memory writes (weights, bias, input) are compared as the
 * values the firmware left at each address.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "m78host/inputcap.h"
#include "m78_config.h"
#include "m78host/layercsv.h"
#include "m78host/report.h"
#include "m78host/trace.h"
#include "m78host/sramdump.h"

/* ---- loading ---- */

int m78cli_load_trace(const char *path, struct m78_trace *t)
{
  char err[512];
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    m78u_error("%s: is a directory, not a trace", path);
    return -1;
  }
  if (m78_trace_load(path, t, err, sizeof err) != 0) {
    m78u_error("%s: %s", path, err);
    return -1;
  }
  return 0;
}

/* ---- register state without simulation ---- */

/* One memory word written by the firmware, for comparisons. */
struct memw {
  uint32_t addr, value;
  uint64_t seq;
  uint8_t width;
};

/* Walks a trace, applying register writes and power events to a
 * simulator that never runs, and stops at every master enable. */
struct walker {
  const struct m78_trace *t;
  m78_sim *sim;
  size_t pos;
  int starts;       /* master enables seen */
  uint64_t start_t; /* cycle of the last one */
  size_t start_entry;
  struct memw *mem; /* memory writes so far */
  size_t nmem, capmem;
  uint64_t reads, writes;
};

static int walker_init(struct walker *w, const struct m78_trace *t)
{
  memset(w, 0, sizeof *w);
  w->t = t;
  w->sim = m78_sim_new();
  return w->sim ? 0 : -1;
}

static void walker_free(struct walker *w)
{
  m78_sim_free(w->sim);
  free(w->mem);
}

static int is_memory(const struct m78_addr_info *a)
{
  switch (a->region->kind) {
  case M78_REG_BIAS:
  case M78_REG_TRAM:
  case M78_REG_MRAM:
  case M78_REG_SRAM: return 1;
  case M78_REG_FIFO: return a->index >= 2; /* pushes */
  default: return 0;
  }
}

/* Applies one item; returns 1 when it is a master enable. */
static int walker_apply(struct walker *w, const struct m78_trace_item *it, int keep_mem)
{
  struct m78_addr_info a;
  if (it->kind == M78_TRACE_POWER) {
    m78_sim_set_power(w->sim, it->a, it->v);
    return 0;
  }
  if (it->kind == M78_TRACE_READ)
    w->reads++;
  if (it->kind != M78_TRACE_WRITE)
    return 0;
  w->writes++;
  if (it->status != M78_OK || m78_addr_decode(it->a, &a) != 0)
    return 0;
  if (a.region->kind == M78_REG_QREGS) {
    int start = 0;
    if (a.quad == 0 && a.greg == M78_GREG_CTRL) {
      uint32_t old = m78_greg_get(w->sim, 0, M78_GREG_CTRL);
      start = !M78_GET(old, CTRL, CNN_EN) && M78_GET(it->v, CTRL, CNN_EN);
    }
    m78_poke(w->sim, it->a, it->width, it->v);
    return start;
  }
  if (keep_mem && is_memory(&a)) {
    if (w->nmem == w->capmem) {
      w->capmem = w->capmem ? 2 * w->capmem : 4096;
      w->mem = m78u_xrealloc(w->mem, w->capmem * sizeof *w->mem);
    }
    w->mem[w->nmem] = (struct memw){it->a, it->v, w->nmem, it->width};
    w->nmem++;
  }
  return 0;
}

/* Runs to the next master enable (returns 1) or the end (0). */
static int walker_next(struct walker *w, int keep_mem)
{
  while (w->pos < w->t->n) {
    const struct m78_trace_item *it = &w->t->items[w->pos++];
    if (walker_apply(w, it, keep_mem)) {
      w->starts++;
      w->start_t = it->t;
      w->start_entry = it->entry;
      return 1;
    }
  }
  return 0;
}

static int layer_count(const m78_sim *sim)
{
  return (int)M78_GET(m78_greg_get(sim, 0, M78_GREG_LCNT_MAX), LCNT_MAX, LAST) + 1;
}

/* Field values of a register write: "pool_en=1 maxpl_en=1 ...", only
 * the fields that are not zero.  Empty if ADDR is not a register. */
static void format_fields(uint32_t addr, uint32_t v, char *buf, size_t len)
{
  struct m78_addr_info a;
  buf[0] = '\0';
  if (m78_addr_decode(addr, &a) != 0 || a.region->kind != M78_REG_QREGS)
    return;
  int is_layer = a.lreg >= 0, idx = is_layer ? a.lreg : a.greg, nfields = 0;
  size_t o = 0;
  for (int f = 0; f < M78_FIELD_COUNT && o < len; f++) {
    const struct m78_field_desc *d = &m78_fields[f];
    if (d->is_layer != is_layer || d->reg_index != idx)
      continue;
    nfields++;
    uint32_t x = m78_field_get(v, (enum m78_field_id)f);
    if (!x)
      continue;
    o += (size_t)snprintf(buf + o, len - o, x < 10 ? "%s%s=%u" : "%s%s=0x%x", o ? " " : "", d->name, (unsigned)x);
  }
  if (!o && nfields)
    snprintf(buf, len, "(all fields 0)");
}

static void print_layers(const m78_sim *sim, FILE *out)
{
  int n = layer_count(sim);
  for (int i = 0; i < n; i++) {
    struct m78_layer l;
    struct m78_decode_error e;
    char desc[256];
    if (m78_layer_decode(sim, i, &l, &e) != 0) {
      fprintf(out, "  L%-2d cannot run: %s%s%s\n", i, e.reg ? e.reg : "", e.reg ? ": " : "", e.msg);
      continue;
    }
    m78_layer_describe(&l, desc, sizeof desc);
    fprintf(out, "  L%-2d %-15s %s\n", i, m78_layer_opname(&l), desc);
    fprintf(out,
            "      processors 0x%016llx (%d), SRAM read ptr 0x%08x (in_offset 0x%04x), SRAM write ptr 0x%08x "
            "(out_offset 0x%04x)\n",
            (unsigned long long)l.in_procs, __builtin_popcountll(l.in_procs), (unsigned)l.rptr,
            (unsigned)M78_PTR_WORD(l.rptr) * 4, (unsigned)l.wptr[0], (unsigned)M78_PTR_WORD(l.wptr[0]) * 4);
  }
}

/* ---- trace show ---- */

static void print_item(const struct m78_trace_item *it, FILE *out)
{
  char name[64], fields[512];
  fprintf(out, "%12llu  ", (unsigned long long)it->t);
  switch (it->kind) {
  case M78_TRACE_POWER: fprintf(out, "power  on=0x%x reset=0x%x\n", (unsigned)it->a, (unsigned)it->v); return;
  case M78_TRACE_CLOCK: fprintf(out, "clock  %s\n", it->a ? "enabled" : "disabled"); return;
  case M78_TRACE_END: fprintf(out, "end\n"); return;
  default: break;
  }
  m78_addr_name(it->a, name, sizeof name);
  int w = it->kind == M78_TRACE_WRITE;
  if (!w && !it->known)
    fprintf(out, "r %-20s", name);
  else
    fprintf(out, "%c %-20s %s 0x%0*x", w ? 'w' : 'r', name, w ? "=" : "->", 2 * it->width, (unsigned)it->v);
  if (it->width != 4)
    fprintf(out, " (%d-bit)", 8 * it->width);
  if (it->status != M78_OK)
    fprintf(out, "  [%s]", m78_status_name((enum m78_status)it->status));
  else {
    format_fields(it->a, it->v, fields, sizeof fields);
    if (fields[0])
      fprintf(out, "  %s", fields);
  }
  fputc('\n', out);
}

/* A block: one line with its extent. */
static void print_block(const struct m78_trace_item *it, size_t n, FILE *out)
{
  char first[64], last[64];
  size_t reads = 0, bytes = 0;
  uint32_t lo = it[0].a, hi = it[0].a;
  for (size_t i = 0; i < n; i++) {
    reads += it[i].kind == M78_TRACE_READ;
    bytes += it[i].width;
    if (it[i].a < lo)
      lo = it[i].a;
    if (it[i].a > hi)
      hi = it[i].a;
  }
  m78_addr_name(lo, first, sizeof first);
  m78_addr_name(hi, last, sizeof last);
  fprintf(out, "%12llu  block of %zu accesses (%zu reads, %zu writes, %zu bytes) %s", (unsigned long long)it[0].t, n,
          reads, n - reads, bytes, first);
  if (hi != lo)
    fprintf(out, " .. %s", last);
  fprintf(out, ", until cycle %llu\n", (unsigned long long)it[n - 1].t);
}

static void trace_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim trace show FILE [--layers]\n"
          "       max78sim trace diff A B\n"
          "\n"
          "show   prints the trace decoded: its header, then every entry with its CNN cycle:\n"
          "       register accesses with the register's name and the fields that are not\n"
          "       zero, memory blocks with their extent, power and clock events; then, for\n"
          "       every start of the CNN, the layers the registers describe (as the\n"
          "       synthesizer's comments in cnn.c do: shape, pooling, operation, padding,\n"
          "       activation, processors and SRAM pointers).  --layers: only the layers.\n"
          "diff   compares two traces: the clock and how the runs ended, then at every\n"
          "       start of the CNN (and at the end) the registers field by field, the\n"
          "       layers they describe, the memory contents the firmware wrote and the\n"
          "       start cycle; then the access counts and the end cycle.\n"
          "A trace is at most %zu MiB (checked before reading) and %llu accesses once its\n"
          "blocks are expanded.\n"
          "\n"
          "Exit status: show 0; diff 0 when nothing differs, 1 when something does;\n"
          "2 bad usage or an unreadable or invalid trace (the message names the entry).\n",
          M78_TRACE_MAX_BYTES >> 20, (unsigned long long)M78_TRACE_MAX_ACCESSES);
}

static void print_header(const char *path, const struct m78_trace *t, FILE *out)
{
  fprintf(out, "trace %s: format version %d, device %s, recorded by %s\n", path, M78_TRACE_VERSION, M78_TRACE_DEVICE,
          t->tool[0] ? t->tool : "(unknown tool)");
  fprintf(out, "clock: CNN at %llu Hz (%s/%d)\n", (unsigned long long)t->cnn_hz, t->clock_source, t->divider);
  if (t->has_run)
    fprintf(out, "run: firmware %s, check %s, stop %s (exit code %d)%s%s\n",
            t->firmware && *t->firmware ? t->firmware : "?", t->kat, t->stop_reason, t->exit_code,
            t->stop_detail && *t->stop_detail ? ": " : "", t->stop_detail ? t->stop_detail : "");
  uint64_t reads = 0, writes = 0;
  for (size_t i = 0; i < t->n; i++) {
    reads += t->items[i].kind == M78_TRACE_READ;
    writes += t->items[i].kind == M78_TRACE_WRITE;
  }
  fprintf(out, "entries: %zu, accesses: %llu (%llu reads, %llu writes)\n", t->entries,
          (unsigned long long)(reads + writes), (unsigned long long)reads, (unsigned long long)writes);
}

static int trace_show(const char *path, int layers_only)
{
  struct m78_trace t;
  if (m78cli_load_trace(path, &t) != 0)
    return M78CLI_EXIT_ERROR;
  FILE *out = stdout;
  if (!layers_only) {
    print_header(path, &t, out);
    fprintf(out, "\n       cycle  access\n");
    for (size_t i = 0; i < t.n;) {
      size_t j = i + 1;
      while (j < t.n && t.items[j].entry == t.items[i].entry)
        j++;
      if (j - i == 1)
        print_item(&t.items[i], out);
      else
        print_block(&t.items[i], j - i, out);
      i = j;
    }
  }
  struct walker w;
  if (walker_init(&w, &t) != 0) {
    m78u_error("out of memory");
    m78_trace_free(&t);
    return M78CLI_EXIT_ERROR;
  }
  while (walker_next(&w, 0)) {
    fprintf(out, "%slayers at CNN start %d (entries[%zu], cycle %llu): %d layers\n",
            layers_only && w.starts == 1 ? "" : "\n", w.starts, w.start_entry, (unsigned long long)w.start_t,
            layer_count(w.sim));
    print_layers(w.sim, out);
  }
  if (w.starts == 0) {
    fprintf(out, "%sthe CNN is never started; the registers at the end of the trace describe %d layers\n",
            layers_only ? "" : "\n", layer_count(w.sim));
    print_layers(w.sim, out);
  }
  walker_free(&w);
  m78_trace_free(&t);
  return 0;
}

/* ---- trace diff ---- */

static int diff_str(const char *what, const char *a, const char *b, FILE *out)
{
  a = a ? a : "";
  b = b ? b : "";
  if (strcmp(a, b) == 0)
    return 0;
  fprintf(out, "%s: \"%s\" | \"%s\"\n", what, a, b);
  return 1;
}

static int diff_num(const char *what, long long a, long long b, FILE *out)
{
  if (a == b)
    return 0;
  fprintf(out, "%s: %lld | %lld\n", what, a, b);
  return 1;
}

/* Compares one register of both simulators field by field. */
static int diff_reg(const char *name, int is_layer, int idx, uint32_t a, uint32_t b, FILE *out)
{
  if (a == b)
    return 0;
  fprintf(out, "  %s: 0x%08x | 0x%08x:", name, (unsigned)a, (unsigned)b);
  uint32_t covered = 0;
  for (int f = 0; f < M78_FIELD_COUNT; f++) {
    const struct m78_field_desc *d = &m78_fields[f];
    if (d->is_layer != is_layer || d->reg_index != idx)
      continue;
    covered |= M78_FMASK(d->hi, d->lo) << d->lo;
    uint32_t x = m78_field_get(a, (enum m78_field_id)f), y = m78_field_get(b, (enum m78_field_id)f);
    if (x != y)
      fprintf(out, " %s %u -> %u", d->name, (unsigned)x, (unsigned)y);
  }
  if ((a ^ b) & ~covered)
    fprintf(out, " bits 0x%08x outside named fields", (unsigned)((a ^ b) & ~covered));
  fputc('\n', out);
  return 1;
}

static int diff_registers(const m78_sim *a, const m78_sim *b, FILE *out)
{
  int n = 0;
  char name[64];
  for (int q = 0; q < M78_QUADS; q++) {
    for (int g = 0; g < M78_GREG_COUNT; g++) {
      snprintf(name, sizeof name, "Q%d.%s", q, m78_greg_names[g]);
      n += diff_reg(name, 0, g, m78_greg_get(a, q, (enum m78_greg)g), m78_greg_get(b, q, (enum m78_greg)g), out);
    }
    for (int r = 0; r < M78_LREG_COUNT; r++) {
      int layers = (r == M78_LREG_STRM0 || r == M78_LREG_STRM1 || r == M78_LREG_FBUF) ? M78_MAX_STREAM_LAYERS
                                                                                      : M78_MAX_LAYERS;
      for (int l = 0; l < layers; l++) {
        snprintf(name, sizeof name, "Q%d.L%d.%s", q, l, m78_lreg_names[r]);
        n += diff_reg(name, 1, r, m78_lreg_get(a, q, (enum m78_lreg)r, l), m78_lreg_get(b, q, (enum m78_lreg)r, l),
                      out);
      }
    }
  }
  return n;
}

static int diff_layers(const m78_sim *a, const m78_sim *b, FILE *out)
{
  int na = layer_count(a), nb = layer_count(b), n = 0;
  for (int i = 0; i < (na > nb ? na : nb); i++) {
    char da[256] = "(none)", db[256] = "(none)";
    struct m78_layer l;
    struct m78_decode_error e;
    if (i < na) {
      if (m78_layer_decode(a, i, &l, &e) == 0)
        m78_layer_describe(&l, da, sizeof da);
      else
        snprintf(da, sizeof da, "cannot run: %s", e.msg);
    }
    if (i < nb) {
      if (m78_layer_decode(b, i, &l, &e) == 0)
        m78_layer_describe(&l, db, sizeof db);
      else
        snprintf(db, sizeof db, "cannot run: %s", e.msg);
    }
    if (strcmp(da, db) != 0) {
      fprintf(out, "  layer %d: %s | %s\n", i, da, db);
      n++;
    }
  }
  return n;
}

static int cmp_memw(const void *x, const void *y)
{
  const struct memw *a = x, *b = y;
  if (a->addr != b->addr)
    return a->addr < b->addr ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts by address and keeps the last write to each (FIFO pushes keep
 * their order: they all go to one address). */
static size_t last_writes(struct memw *m, size_t n)
{
  qsort(m, n, sizeof *m, cmp_memw);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int fifo = m[i].addr < M78_AON_BASE;
    if (o && m[o - 1].addr == m[i].addr && !fifo)
      m[o - 1] = m[i];
    else
      m[o++] = m[i];
  }
  return o;
}

static int diff_memory(struct walker *wa, struct walker *wb, FILE *out)
{
  /* work on copies: the walkers go on appending */
  struct memw *a = m78u_xmalloc((wa->nmem + 1) * sizeof *a), *b = m78u_xmalloc((wb->nmem + 1) * sizeof *b);
  if (wa->nmem)
    memcpy(a, wa->mem, wa->nmem * sizeof *a);
  if (wb->nmem)
    memcpy(b, wb->mem, wb->nmem * sizeof *b);
  size_t na = last_writes(a, wa->nmem), nb = last_writes(b, wb->nmem);
  struct {
    const char *name;
    size_t only_a, only_b, differ;
    char first[160];
  } reg[8];
  memset(reg, 0, sizeof reg);
  size_t i = 0, j = 0;
  int n = 0;
  while (i < na || j < nb) {
    const struct memw *x = i < na ? &a[i] : NULL, *y = j < nb ? &b[j] : NULL;
    const struct memw *at = x && (!y || x->addr <= y->addr) ? x : y;
    struct m78_addr_info info;
    m78_addr_decode(at->addr, &info);
    int r = info.region ? info.region->kind : 0;
    reg[r].name = info.region ? info.region->name : "?";
    char nm[64];
    m78_addr_name(at->addr, nm, sizeof nm);
    if (x && y && x->addr == y->addr) {
      if (x->value != y->value) {
        if (!reg[r].differ && !reg[r].only_a && !reg[r].only_b)
          snprintf(reg[r].first, sizeof reg[r].first, "%s: 0x%08x | 0x%08x", nm, (unsigned)x->value,
                   (unsigned)y->value);
        reg[r].differ++;
      }
      i++;
      j++;
    } else if (at == x) {
      if (!reg[r].differ && !reg[r].only_a && !reg[r].only_b)
        snprintf(reg[r].first, sizeof reg[r].first, "%s: 0x%08x | not written", nm, (unsigned)x->value);
      reg[r].only_a++;
      i++;
    } else {
      if (!reg[r].differ && !reg[r].only_a && !reg[r].only_b)
        snprintf(reg[r].first, sizeof reg[r].first, "%s: not written | 0x%08x", nm, (unsigned)y->value);
      reg[r].only_b++;
      j++;
    }
  }
  for (int r = 0; r < 8; r++) {
    if (!reg[r].differ && !reg[r].only_a && !reg[r].only_b)
      continue;
    fprintf(out, "  memory %s: %zu addresses with other values, %zu written only in A, %zu only in B; first %s\n",
            reg[r].name, reg[r].differ, reg[r].only_a, reg[r].only_b, reg[r].first);
    n++;
  }
  free(a);
  free(b);
  return n;
}

static int trace_diff(const char *pa, const char *pb)
{
  struct m78_trace ta, tb;
  if (m78cli_load_trace(pa, &ta) != 0)
    return M78CLI_EXIT_ERROR;
  if (m78cli_load_trace(pb, &tb) != 0) {
    m78_trace_free(&ta);
    return M78CLI_EXIT_ERROR;
  }
  FILE *out = stdout;
  int d = 0;
  fprintf(out, "A: %s\nB: %s\n", pa, pb);
  d += diff_num("clock.cnn_hz", (long long)ta.cnn_hz, (long long)tb.cnn_hz, out);
  d += diff_str("clock.source", ta.clock_source, tb.clock_source, out);
  d += diff_num("clock.divider", ta.divider, tb.divider, out);
  if (ta.has_run && tb.has_run) {
    d += diff_str("run.kat", ta.kat, tb.kat, out);
    d += diff_str("run.stop.reason", ta.stop_reason, tb.stop_reason, out);
    d += diff_num("run.stop.exit_code", ta.exit_code, tb.exit_code, out);
  }
  struct walker wa, wb;
  if (walker_init(&wa, &ta) != 0 || walker_init(&wb, &tb) != 0) {
    m78u_error("out of memory");
    return M78CLI_EXIT_ERROR;
  }
  for (int k = 1;; k++) {
    int sa = walker_next(&wa, 1), sb = walker_next(&wb, 1);
    if (!sa || !sb) {
      /* compare where each trace ends (or the one start left over) */
      if (sa != sb) {
        fprintf(out, "CNN starts: A has %d or more, B has %d or more (only %s starts the CNN a %d%s time)\n", wa.starts,
                wb.starts, sa ? "A" : "B", k,
                k == 1   ? "st"
                : k == 2 ? "nd"
                : k == 3 ? "rd"
                         : "th");
        d++;
      }
      while (walker_next(&wa, 1))
        ;
      while (walker_next(&wb, 1))
        ;
      fprintf(out, "at the end of the traces:\n");
      int n = diff_registers(wa.sim, wb.sim, out) + diff_memory(&wa, &wb, out);
      if (!n)
        fprintf(out, "  registers and memory writes identical\n");
      d += n;
      break;
    }
    fprintf(out, "at CNN start %d (A entries[%zu] cycle %llu, B entries[%zu] cycle %llu):\n", k, wa.start_entry,
            (unsigned long long)wa.start_t, wb.start_entry, (unsigned long long)wb.start_t);
    int n = diff_registers(wa.sim, wb.sim, out);
    n += diff_layers(wa.sim, wb.sim, out);
    n += diff_memory(&wa, &wb, out);
    if (wa.start_t != wb.start_t) {
      fprintf(out, "  start cycle: %llu | %llu\n", (unsigned long long)wa.start_t, (unsigned long long)wb.start_t);
      n++;
    }
    if (!n)
      fprintf(out, "  registers, layers, memory writes and start cycle identical\n");
    d += n;
  }
  d += diff_num("accesses: reads", (long long)wa.reads, (long long)wb.reads, out);
  d += diff_num("accesses: writes", (long long)wa.writes, (long long)wb.writes, out);
  d += diff_num("end cycle", ta.n ? (long long)ta.items[ta.n - 1].t : 0, tb.n ? (long long)tb.items[tb.n - 1].t : 0,
                out);
  fprintf(out, "%s\n", d ? "the traces differ" : "the traces are identical");
  walker_free(&wa);
  walker_free(&wb);
  m78_trace_free(&ta);
  m78_trace_free(&tb);
  return d ? M78CLI_EXIT_FAIL : 0;
}

int m78cli_cmd_trace(int argc, char **argv)
{
  if (argc < 2) {
    m78u_error("trace: missing subcommand (show or diff; see 'max78sim trace --help')");
    return M78CLI_EXIT_ERROR;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
    trace_help(stdout);
    return 0;
  }
  const char *files[2] = {NULL, NULL};
  int nfiles = 0, layers_only = 0, want = 0;
  if (strcmp(sub, "show") == 0)
    want = 1;
  else if (strcmp(sub, "diff") == 0)
    want = 2;
  else {
    m78u_error("trace: unknown subcommand %s (show or diff; see 'max78sim trace --help')", sub);
    return M78CLI_EXIT_ERROR;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      trace_help(stdout);
      return 0;
    } else if (want == 1 && strcmp(a, "--layers") == 0) {
      layers_only = 1;
    } else if (a[0] == '-' && a[1]) {
      m78u_error("trace %s: unknown option %s (see 'max78sim trace --help')", sub, a);
      return M78CLI_EXIT_ERROR;
    } else if (nfiles < want) {
      files[nfiles++] = a;
    } else {
      m78u_error("trace %s: unexpected argument %s", sub, a);
      return M78CLI_EXIT_ERROR;
    }
  }
  if (nfiles < want) {
    m78u_error("trace %s: missing %s (see 'max78sim trace --help')", sub, want == 1 ? "FILE" : "traces A and B");
    return M78CLI_EXIT_ERROR;
  }
  return want == 1 ? trace_show(files[0], layers_only) : trace_diff(files[0], files[1]);
}
