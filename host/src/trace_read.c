/*
 * Register traces, the reader (traces/FORMAT.md): every entry is checked
 * and blocks are expanded back into single accesses.  The header keys
 * are parsed into one small cJSON tree; the entries array is skipped and
 * then parsed one entry at a time, so that peak memory is the file's
 * text plus the expanded accesses.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/report.h"
#include "m78host/trace.h"
#include "trace_internal.h"

/* ---- loading ---- */

struct loader {
  struct m78_trace *t;
  char *err;
  size_t errlen;
  size_t entry;
  int failed;
};

static int fail(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *L, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (L->entry != (size_t)-1)
    snprintf(L->err, L->errlen, "entries[%zu]: %s", L->entry, msg);
  else
    snprintf(L->err, L->errlen, "%s", msg);
  L->failed = 1;
  return -1;
}

/* A non-negative integer that a JSON number holds exactly. */
static int get_uint(struct loader *L, const cJSON *o, const char *key, uint64_t max, uint64_t *out, int required)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!v) {
    if (required)
      return fail(L, "missing \"%s\"", key);
    return 1;
  }
  double d = v->valuedouble;
  if (!cJSON_IsNumber(v) || !(d >= 0) || d != floor(d) || d >= MAX_EXACT_INT || d > (double)max)
    return fail(L, "\"%s\" is not an integer from 0 to %llu", key, (unsigned long long)max);
  *out = (uint64_t)d;
  return 0;
}

/* A finite number (a missing or non-numeric field is an error, not a NaN
 * that later becomes an integer). */
static int get_num(struct loader *L, const cJSON *o, const char *key, double *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return v ? fail(L, "\"%s\" is not a finite number", key) : fail(L, "missing \"%s\"", key);
  *out = v->valuedouble;
  return 0;
}

static int get_hex(struct loader *L, const cJSON *o, const char *key, uint32_t *out, int required)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!v) {
    if (required)
      return fail(L, "missing \"%s\"", key);
    return 1;
  }
  const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2] || strlen(s) > 10)
    return fail(L, "\"%s\" is not a hexadecimal string such as \"0x50100000\"", key);
  uint32_t x = 0;
  for (const char *p = s + 2; *p; p++) {
    int d = *p >= '0' && *p <= '9'   ? *p - '0'
            : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
            : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                     : -1;
    if (d < 0)
      return fail(L, "\"%s\" is not a hexadecimal string such as \"0x50100000\"", key);
    x = x << 4 | (uint32_t)d;
  }
  *out = x;
  return 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks an access the way the recording would have seen it: an address
 * the CNN does not decode, or a misaligned one, is only acceptable as a
 * recorded guest error. */
static int check_access(struct loader *L, const struct m78_trace_item *it, const char *where)
{
  if (it->a < M78_CNN_BASE || it->a >= M78_CNN_END)
    return fail(L, "%saddress 0x%08x is outside the CNN's address map (0x%08x-0x%08x)", where, (unsigned)it->a,
                (unsigned)M78_CNN_BASE, (unsigned)(M78_CNN_END - 1));
  if (it->width != 1 && it->width != 2 && it->width != 4)
    return fail(L, "%s\"width\" must be 1, 2 or 4", where);
  if (it->width < 4 && it->v >> (8 * it->width))
    return fail(L, "%svalue 0x%x does not fit in %u bytes", where, (unsigned)it->v, (unsigned)it->width);
  struct m78_addr_info info;
  if (m78_addr_decode(it->a, &info) != 0 && it->status != M78_E_UNMAPPED)
    return fail(L, "%saddress 0x%08x is outside the CNN's address map (no register or memory there)", where,
                (unsigned)it->a);
  if ((it->a & (it->width - 1u)) && it->status != M78_E_ALIGN)
    return fail(L, "%saddress 0x%08x is not aligned to its width %u", where, (unsigned)it->a, (unsigned)it->width);
  return 0;
}

static int add_item(struct loader *L, struct m78_trace_item *it)
{
  struct m78_trace *t = L->t;
  if (t->n && it->t < t->items[t->n - 1].t)
    return fail(L, "time goes backwards (t=%llu after t=%llu)", (unsigned long long)it->t,
                (unsigned long long)t->items[t->n - 1].t);
  it->entry = (uint32_t)L->entry;
  if (m78_trace_add(t, it) != 0)
    return fail(L, "out of memory (or more than %llu accesses)", (unsigned long long)MAX_ITEMS);
  return 0;
}

static int parse_op(const char *s)
{
  return strcmp(s, "r") == 0 ? M78_TRACE_READ : strcmp(s, "w") == 0 ? M78_TRACE_WRITE : -1;
}

static int load_access(struct loader *L, const cJSON *e, struct m78_trace_item *it, const char *op)
{
  uint64_t w = 0;
  it->kind = (uint8_t)parse_op(op);
  if (get_hex(L, e, "addr", &it->a, 1) < 0 || get_uint(L, e, "width", 4, &w, 1) < 0)
    return -1;
  it->width = (uint8_t)w;
  int r = get_hex(L, e, "value", &it->v, it->kind == M78_TRACE_WRITE);
  if (r < 0)
    return -1;
  it->known = r == 0;
  it->status = M78_OK;
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
  if (st) {
    int s = cJSON_IsString(st) ? m78_trace_status_parse(st->valuestring) : -1;
    if (s < 0)
      return fail(L, "unknown \"status\" (ok, unmapped, readonly, width, align, power or busy)");
    it->status = (uint8_t)s;
  }
  return 0;
}

static int load_block(struct loader *L, const cJSON *e, uint64_t t0)
{
  uint64_t count = 0;
  if (get_uint(L, e, "count", MAX_ITEMS, &count, 1) < 0)
    return -1;
  if (count == 0)
    return fail(L, "\"count\" must be at least 1");
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(e, "stride");
  double sd = sv ? sv->valuedouble : 0;
  if (!cJSON_IsNumber(sv) || sd != floor(sd) || fabs(sd) > 4294967295.0)
    return fail(L, "\"stride\" is not an integer (bytes added to every address per repetition)");
  int64_t stride = (int64_t)sd;
  const cJSON *pat = cJSON_GetObjectItemCaseSensitive(e, "pattern");
  int k = cJSON_IsArray(pat) ? cJSON_GetArraySize(pat) : 0;
  if (k < 1 || k > 16)
    return fail(L, "\"pattern\" must be an array of 1 to 16 accesses");
  if (count * (uint64_t)k > MAX_ITEMS)
    return fail(L, "block too large (%llu accesses)", (unsigned long long)(count * (uint64_t)k));
  struct m78_trace_item tmpl[16];
  size_t data_per_rep = 0;
  for (int j = 0; j < k; j++) {
    const cJSON *p = cJSON_GetArrayItem(pat, j);
    const char *op = cJSON_IsObject(p) ? get_str(p, "op") : NULL;
    if (!op || parse_op(op) < 0)
      return fail(L, "pattern[%d]: \"op\" must be \"r\" or \"w\"", j);
    memset(&tmpl[j], 0, sizeof tmpl[j]);
    uint64_t w = 0;
    if (get_hex(L, p, "addr", &tmpl[j].a, 1) < 0 || get_uint(L, p, "width", 4, &w, 1) < 0)
      return -1;
    tmpl[j].kind = (uint8_t)parse_op(op);
    tmpl[j].width = (uint8_t)w;
    int r = get_hex(L, p, "value", &tmpl[j].v, 0);
    if (r < 0)
      return -1;
    tmpl[j].known = r == 0; /* 1: constant value, 0: from the payload */
    if (w != 1 && w != 2 && w != 4)
      return fail(L, "pattern[%d]: \"width\" must be 1, 2 or 4", j);
    if (!tmpl[j].known)
      data_per_rep += w;
  }
  uint8_t *data = NULL;
  size_t dlen = 0;
  const char *ds = get_str(e, "data");
  if (data_per_rep) {
    if (!ds)
      return fail(L, "missing \"data\" (base64 values of the pattern accesses without a \"value\")");
    if (!(data = m78_base64_decode(ds, &dlen)))
      return fail(L, "\"data\" is not valid base64");
    if (dlen != data_per_rep * count) {
      free(data);
      return fail(L, "\"data\" holds %zu bytes, the pattern needs %llu", dlen,
                  (unsigned long long)(data_per_rep * count));
    }
  } else if (ds && *ds) {
    return fail(L, "\"data\" given but every pattern access has a \"value\"");
  }
  uint64_t total = count * (uint64_t)k, step = 0;
  uint8_t *dt = NULL;
  size_t dtlen = 0, dtpos = 0;
  const char *dts = get_str(e, "dt");
  int r = get_uint(L, e, "step", (uint64_t)MAX_EXACT_INT - 1, &step, 0);
  if (r < 0 || (r == 1 && !dts) || (r == 0 && dts)) {
    free(data);
    return r < 0 ? -1 : fail(L, "a block needs exactly one of \"step\" and \"dt\"");
  }
  if (dts && !(dt = m78_base64_decode(dts, &dtlen))) {
    free(data);
    return fail(L, "\"dt\" is not valid base64");
  }
  size_t dpos = 0;
  uint64_t tt = t0;
  int rc = 0;
  for (uint64_t m = 0; m < total && rc == 0; m++) {
    uint64_t rep = m / (uint64_t)k;
    int j = (int)(m % (uint64_t)k);
    if (m > 0) {
      uint64_t d = step;
      if (dt) {
        d = 0;
        for (int sh = 0;; sh += 7) {
          if (dtpos >= dtlen || sh > 56) {
            rc = fail(L, "\"dt\" ends after %llu of the %llu time differences", (unsigned long long)(m - 1),
                      (unsigned long long)(total - 1));
            break;
          }
          uint8_t byte = dt[dtpos++];
          d |= (uint64_t)(byte & 0x7F) << sh;
          if (!(byte & 0x80))
            break;
        }
        if (rc)
          break;
      }
      tt += d;
      if ((double)tt >= MAX_EXACT_INT) {
        rc = fail(L, "time out of range");
        break;
      }
    }
    struct m78_trace_item it = tmpl[j];
    int64_t addr = (int64_t)tmpl[j].a + (int64_t)rep * stride;
    it.t = tt;
    it.status = M78_OK;
    if (addr < 0 || addr > UINT32_MAX) {
      rc = fail(L, "access %llu of the block: address out of range", (unsigned long long)m);
      break;
    }
    it.a = (uint32_t)addr;
    if (!tmpl[j].known) {
      it.v = 0;
      for (unsigned b = 0; b < it.width; b++)
        it.v |= (uint32_t)data[dpos++] << (8 * b);
    }
    it.known = 1;
    char where[64];
    snprintf(where, sizeof where, "access %llu of the block: ", (unsigned long long)m);
    if (check_access(L, &it, where) < 0 || add_item(L, &it) < 0)
      rc = -1;
  }
  if (rc == 0 && dt && dtpos != dtlen)
    rc = fail(L, "\"dt\" holds more time differences than the block has accesses");
  free(data);
  free(dt);
  return rc;
}

static int load_entry(struct loader *L, const cJSON *e, int *ended)
{
  if (!cJSON_IsObject(e))
    return fail(L, "not a JSON object");
  if (*ended)
    return fail(L, "entry after the \"end\" entry");
  const char *op = get_str(e, "op");
  if (!op)
    return fail(L, "missing \"op\"");
  struct m78_trace_item it;
  memset(&it, 0, sizeof it);
  if (get_uint(L, e, "t", (uint64_t)MAX_EXACT_INT, &it.t, 1) < 0)
    return -1;
  if (strcmp(op, "r") == 0 || strcmp(op, "w") == 0) {
    if (load_access(L, e, &it, op) < 0 || check_access(L, &it, "") < 0)
      return -1;
    return add_item(L, &it);
  }
  if (strcmp(op, "block") == 0)
    return load_block(L, e, it.t);
  if (strcmp(op, "power") == 0) {
    it.kind = M78_TRACE_POWER;
    if (get_hex(L, e, "on", &it.a, 1) < 0 || get_hex(L, e, "reset", &it.v, 1) < 0)
      return -1;
    if (it.a > 0xF || it.v > 0xF)
      return fail(L, "\"on\" and \"reset\" are masks of the four quadrants (0x0-0xf)");
    return add_item(L, &it);
  }
  if (strcmp(op, "clock") == 0) {
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "enabled");
    if (!cJSON_IsBool(en))
      return fail(L, "\"enabled\" must be true or false");
    it.kind = M78_TRACE_CLOCK;
    it.a = cJSON_IsTrue(en) ? 1 : 0;
    return add_item(L, &it);
  }
  if (strcmp(op, "end") == 0) {
    it.kind = M78_TRACE_END;
    *ended = 1;
    return add_item(L, &it);
  }
  return fail(L, "unknown \"op\" \"%s\" (r, w, block, power, clock or end)", op);
}

static int load_header(struct loader *L, const cJSON *root)
{
  struct m78_trace *t = L->t;
  const char *dev = get_str(root, "device");
  if (!dev)
    return fail(L, "missing \"device\"");
  if (strcmp(dev, M78_TRACE_DEVICE) != 0)
    return fail(L, "device \"%s\" is not supported (only %s)", dev, M78_TRACE_DEVICE);
  const char *tool = get_str(root, "tool");
  snprintf(t->tool, sizeof t->tool, "%s", tool ? tool : "");
  const char *unit = get_str(root, "time_unit");
  if (cJSON_GetObjectItemCaseSensitive(root, "time_unit") && (!unit || strcmp(unit, "cnn_cycle") != 0))
    return fail(L, "\"time_unit\" must be \"cnn_cycle\"");
  const cJSON *clk = cJSON_GetObjectItemCaseSensitive(root, "clock");
  if (!cJSON_IsObject(clk))
    return fail(L, "missing \"clock\" object");
  uint64_t hz = 0, div = 0;
  if (get_uint(L, clk, "cnn_hz", 1000000000, &hz, 1) < 0 || get_uint(L, clk, "divider", 16, &div, 1) < 0)
    return -1;
  const char *src = get_str(clk, "source");
  if (!src || (strcmp(src, "PCLK") != 0 && strcmp(src, "ISO") != 0))
    return fail(L, "\"clock\": \"source\" must be \"PCLK\" or \"ISO\"");
  if (hz == 0 || (div != 1 && div != 2 && div != 4 && div != 8 && div != 16))
    return fail(L, "\"clock\": \"cnn_hz\" must be positive and \"divider\" 1, 2, 4, 8 or 16");
  t->cnn_hz = hz;
  t->divider = (int)div;
  snprintf(t->clock_source, sizeof t->clock_source, "%s", src);
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");
  if (run) {
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(run, "stop");
    const char *fw = get_str(run, "firmware"), *kat = get_str(run, "kat");
    const char *reason = get_str(stop, "reason"), *detail = get_str(stop, "detail");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(stop, "exit_code");
    if (!cJSON_IsObject(run) || !fw || !kat || !reason || !detail || !cJSON_IsNumber(code) ||
        code->valuedouble != floor(code->valuedouble) || fabs(code->valuedouble) > 255)
      return fail(L, "\"run\" must hold \"firmware\", \"kat\" and \"stop\" {\"reason\", \"exit_code\", \"detail\"}");
    m78_trace_set_run(t, fw, kat, reason, (int)code->valuedouble, detail);
  }
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(root, "cpu");
  if (cpu) {
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(cpu, "phases");
    const cJSON *mon = cJSON_GetObjectItemCaseSensitive(cpu, "monitor");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(mon, "stages");
    if (!cJSON_IsObject(cpu) || !cJSON_IsArray(ph) || cJSON_GetArraySize(ph) > 8 || !cJSON_IsObject(mon) ||
        !cJSON_IsArray(st) || cJSON_GetArraySize(st) > 4)
      return fail(L, "\"cpu\" must hold \"phases\" (at most 8) and \"monitor\" with \"stages\" (at most 4)");
    t->has_cpu = 1;
    if (get_num(L, cpu, "inference_wall_us", &t->inference_wall_us) < 0 ||
        get_num(L, cpu, "inference_monitor_uj", &t->inference_monitor_uj) < 0)
      return -1;
    const cJSON *emu = cJSON_GetObjectItemCaseSensitive(cpu, "emulated");
    if (emu) {
      const char *fe = get_str(emu, "first_error");
      if (!cJSON_IsObject(emu) || !fe)
        return fail(L, "\"cpu\".\"emulated\" must hold \"instructions\", \"cycles\", \"guest_errors\" (numbers, "
                       "not negative) and \"first_error\" (a string)");
      uint64_t mx = (uint64_t)MAX_EXACT_INT - 1;
      if (get_uint(L, emu, "instructions", mx, &t->emu.instructions, 1) < 0 ||
          get_uint(L, emu, "cycles", mx, &t->emu.cycles, 1) < 0 ||
          get_uint(L, emu, "guest_errors", mx, &t->emu.guest_errors, 1) < 0)
        return -1;
      t->has_emu = 1;
      snprintf(t->emu_first_error, sizeof t->emu_first_error, "%s", fe);
      t->emu.first_error = t->emu_first_error;
    }
    const cJSON *o;
    t->n_phases = 0;
    cJSON_ArrayForEach(o, ph)
    {
      struct m78_phase_info *p = &t->phases[t->n_phases];
      const char *nm = get_str(o, "name");
      if (!cJSON_IsObject(o) || !nm)
        return fail(L, "\"cpu\".\"phases\"[%d] must be an object with a \"name\"", t->n_phases);
      snprintf(t->phase_names[t->n_phases], sizeof t->phase_names[0], "%s", nm);
      p->name = t->phase_names[t->n_phases];
      uint64_t mx = (uint64_t)MAX_EXACT_INT - 1;
      if (get_num(L, o, "time_us", &p->time_us) < 0 || get_num(L, o, "energy_uj", &p->energy_uj) < 0 ||
          get_uint(L, o, "accesses", mx, &p->accesses, 1) < 0 || get_uint(L, o, "bytes", mx, &p->bytes, 1) < 0 ||
          get_uint(L, o, "segments", mx, &p->segments, 1) < 0)
        return -1;
      t->n_phases++;
    }
    struct m78_monitor_info *m = &t->monitor;
    memset(m, 0, sizeof *m);
    uint64_t valid = 0, reps = 0;
    if (get_uint(L, mon, "valid", 1, &valid, 1) < 0 || get_uint(L, mon, "repetitions", 1000000000, &reps, 1) < 0 ||
        get_num(L, mon, "idle_mw", &m->idle_mw) < 0 || get_num(L, mon, "idle_time_us", &m->idle_time_us) < 0)
      return -1;
    m->valid = (int)valid;
    m->repetitions = (int)reps;
    cJSON_ArrayForEach(o, st)
    {
      const char *nm = get_str(o, "name");
      if (!cJSON_IsObject(o) || !nm)
        return fail(L, "\"cpu\".\"monitor\".\"stages\"[%d] must be an object with a \"name\"", m->n);
      snprintf(t->stage_names[m->n], sizeof t->stage_names[0], "%s", nm);
      m->stages[m->n].name = t->stage_names[m->n];
      if (get_num(L, o, "time_us", &m->stages[m->n].time_us) < 0 ||
          get_num(L, o, "energy_uj", &m->stages[m->n].energy_uj) < 0)
        return -1;
      m->n++;
    }
  }
  return 0;
}

/* The parse never holds the whole file as a JSON tree (about eight times
 * the text): the header keys become one small tree, the "entries" array is
 * skipped on the first pass and then read one entry at a time, so the
 * memory is the text plus the expanded accesses. */
static const char *skip_ws(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* One value at p without building it; NULL when it does not end (the
 * second pass checks the entries themselves). */
static const char *skip_value(const char *p, const char *end)
{
  int depth = 0;
  while (p < end) {
    char c = *p;
    if (c == '"') {
      for (p++; p < end && *p != '"'; p++)
        if (*p == '\\')
          p++;
      if (p >= end)
        return NULL;
    } else if (c == '[' || c == '{') {
      depth++;
    } else if (c == ']' || c == '}') {
      if (--depth < 0)
        return NULL;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      return p;
    }
    p++;
    if (depth == 0)
      return p;
  }
  return depth == 0 ? p : NULL;
}

static cJSON *parse_at(const char **p, const char *end)
{
  const char *stop = NULL;
  cJSON *v = cJSON_ParseWithLengthOpts(*p, (size_t)(end - *p), &stop, 0);
  if (v)
    *p = stop;
  else if (stop && stop >= *p && stop <= end)
    *p = stop; /* where the JSON breaks */
  return v;
}

static int bad_json(struct loader *L, const char *text, const char *at)
{
  size_t line = 1;
  for (const char *q = text; q < at; q++)
    line += *q == '\n';
  size_t entry = L->entry;
  L->entry = (size_t)-1;
  fail(L, "not valid JSON (error near line %zu)", line);
  L->entry = entry;
  return -1;
}

/* The top-level object without its entries; *entries points at the
 * entries array (NULL if there is none). */
static cJSON *parse_top(struct loader *L, const char *text, const char *end, const char **entries)
{
  const char *p = skip_ws(text, end);
  *entries = NULL;
  if (p >= end || *p != '{') {
    const char *q = p < end ? skip_value(p, end) : NULL;
    if (q && skip_ws(q, end) == end)
      return cJSON_CreateArray(); /* JSON, but not an object: not a trace */
    bad_json(L, text, p);
    return NULL;
  }
  cJSON *root = cJSON_CreateObject();
  int closed = 0;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') {
    p++;
    closed = 1;
  }
  while (!closed) {
    cJSON *key = parse_at(&p, end);
    int ok = cJSON_IsString(key);
    if (ok) {
      p = skip_ws(p, end);
      ok = p < end && *p == ':';
    }
    if (ok) {
      p = skip_ws(p + 1, end);
      if (strcmp(key->valuestring, "entries") == 0 && !*entries) {
        *entries = p;
        const char *q = skip_value(p, end);
        ok = q != NULL;
        if (ok)
          p = q;
      } else {
        cJSON *v = parse_at(&p, end);
        ok = v != NULL;
        if (v && !cJSON_GetObjectItemCaseSensitive(root, key->valuestring))
          cJSON_AddItemToObject(root, key->valuestring, v);
        else
          cJSON_Delete(v); /* the first of duplicate keys counts, as cJSON reads them */
      }
    }
    cJSON_Delete(key);
    if (!ok)
      break;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
    } else if (p < end && *p == '}') {
      p++;
      closed = 1;
    } else {
      break;
    }
  }
  if (closed && skip_ws(p, end) == end)
    return root;
  cJSON_Delete(root);
  bad_json(L, text, p < end ? p : end);
  return NULL;
}

static void load_entries(struct loader *L, const char *text, const char *p, const char *end)
{
  int ended = 0;
  p = skip_ws(p, end);
  if (p >= end || *p != '[') {
    fail(L, "missing \"entries\" array");
    return;
  }
  p = skip_ws(p + 1, end);
  L->entry = 0;
  if (p < end && *p == ']')
    return;
  for (;;) {
    cJSON *e = parse_at(&p, end);
    if (!e) {
      bad_json(L, text, p);
      return;
    }
    int rc = load_entry(L, e, &ended);
    cJSON_Delete(e);
    if (rc < 0)
      return;
    L->entry++;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == ']')
      return;
    bad_json(L, text, p);
    return;
  }
}

int m78_trace_parse(const char *text, size_t len, struct m78_trace *t, char *err, size_t errlen)
{
  struct loader L = {t, err, errlen, (size_t)-1, 0};
  m78_trace_init(t);
  t->tool[0] = '\0';
  const char *end = text + len, *entries = NULL;
  cJSON *root = parse_top(&L, text, end, &entries);
  if (!root)
    return -1;
  const char *fmt = get_str(root, "format");
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
  if (!cJSON_IsObject(root) || !fmt || strcmp(fmt, M78_TRACE_FORMAT) != 0) {
    fail(&L, "not a max78sim trace (no \"format\": \"%s\")", M78_TRACE_FORMAT);
  } else if (!cJSON_IsNumber(ver)) {
    fail(&L, "missing trace format \"version\"");
  } else if (ver->valuedouble != M78_TRACE_VERSION) {
    fail(&L, "unsupported trace format version %g (this max78sim reads version %d)", ver->valuedouble,
         M78_TRACE_VERSION);
  } else if (load_header(&L, root) == 0) {
    if (!entries) {
      fail(&L, "missing \"entries\" array");
    } else {
      load_entries(&L, text, entries, end);
      t->entries = L.entry;
    }
  }
  cJSON_Delete(root);
  if (L.failed) {
    m78_trace_free(t);
    return -1;
  }
  return 0;
}

int m78_trace_load(const char *path, struct m78_trace *t, char *err, size_t errlen)
{
  char msg[400];
  size_t n = 0;
  char *text = m78_read_file_max(path, M78_TRACE_MAX_BYTES, &n, msg, sizeof msg);
  if (!text) {
    /* the caller names the file */
    const char *m = strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':' ? msg + strlen(path) + 2 : msg;
    snprintf(err, errlen, "%s", m);
    return -1;
  }
  int rc = m78_trace_parse(text, n, t, err, errlen);
  free(text);
  return rc;
}
