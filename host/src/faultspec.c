/*
 * Fault specifications (see faultspec.h).  Every field is checked here,
 * with the range in the message, so that the simulator's own check
 * (m78_sim_add_fault) never has to reject a spec the user typed.
 */
#include "m78host/faultspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key {
  const char *name;
  long lo, hi;
  int required;
  long value;
  int set;
};

static int parse_num(const char *s, size_t n, long *out)
{
  char buf[32];
  if (n == 0 || n >= sizeof buf)
    return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end;
  errno = 0;
  *out = strtol(buf, &end, 0);
  return errno || *end ? -1 : 0;
}

/* Parses "k=v,k=v" against keys[]. */
static int parse_keys(const char *spec, const char *kind, const char *body, struct key *keys, int nkeys, char *err,
                      size_t errlen)
{
  const char *p = body;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    if (!eq) {
      snprintf(err, errlen, "fault %s: '%.*s' is not KEY=VALUE", spec, (int)len, p);
      return -1;
    }
    size_t klen = (size_t)(eq - p);
    int k;
    for (k = 0; k < nkeys; k++)
      if (strlen(keys[k].name) == klen && strncmp(keys[k].name, p, klen) == 0)
        break;
    if (k == nkeys) {
      char names[128] = "";
      for (int i = 0; i < nkeys; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", keys[i].name);
      snprintf(err, errlen, "fault %s: unknown key '%.*s' (%s takes %s)", spec, (int)klen, p, kind, names);
      return -1;
    }
    long v;
    if (parse_num(eq + 1, len - klen - 1, &v) != 0) {
      snprintf(err, errlen, "fault %s: %s: not a number: '%.*s'", spec, keys[k].name, (int)(len - klen - 1), eq + 1);
      return -1;
    }
    if (v < keys[k].lo || v > keys[k].hi) {
      snprintf(err, errlen, "fault %s: %s=%ld is out of range %ld..%ld", spec, keys[k].name, v, keys[k].lo, keys[k].hi);
      return -1;
    }
    if (keys[k].set) {
      snprintf(err, errlen, "fault %s: %s given twice", spec, keys[k].name);
      return -1;
    }
    keys[k].value = v;
    keys[k].set = 1;
    p += len;
    if (*p == ',')
      p++;
  }
  for (int k = 0; k < nkeys; k++)
    if (keys[k].required && !keys[k].set) {
      snprintf(err, errlen, "fault %s: %s needs %s=", spec, kind, keys[k].name);
      return -1;
    }
  return 0;
}

int m78_fault_parse(const char *spec, struct m78_fault *f, char *err, size_t errlen)
{
  memset(f, 0, sizeof *f);
  f->layer = -1;
  f->index = M78_FAULT_ALL_WORDS;
  const char *colon = strchr(spec, ':');
  size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
  const char *body = colon ? colon + 1 : "";
  if (klen == 4 && strncmp(spec, "sram", 4) == 0) {
    struct key k[] = {{"inst", 0, M78_SRAM_INSTANCES - 1, 1, 0, 0},
                      {"bit", 0, 31, 1, 0, 0},
                      {"value", 0, 1, 1, 0, 0},
                      {"word", 0, M78_SRAM_WORDS - 1, 0, 0, 0},
                      {"layer", 0, M78_MAX_LAYERS - 1, 0, 0, 0}};
    if (parse_keys(spec, "sram", body, k, 5, err, errlen) != 0)
      return -1;
    f->kind = M78_FAULT_SRAM_STUCK_BIT;
    f->unit = (int)k[0].value;
    f->bit = (int)k[1].value;
    f->value = (int32_t)k[2].value;
    if (k[3].set)
      f->index = (uint32_t)k[3].value;
    if (k[4].set)
      f->layer = (int)k[4].value;
    return 0;
  }
  if (klen == 6 && strncmp(spec, "kernel", 6) == 0) {
    struct key k[] = {{"proc", 0, M78_PROCS - 1, 1, 0, 0},
                      {"col", 0, M78_MRAM_WORDS - 1, 1, 0, 0},
                      {"byte", 0, 8, 1, 0, 0},
                      {"xor", 1, 255, 1, 0, 0}};
    if (parse_keys(spec, "kernel", body, k, 4, err, errlen) != 0)
      return -1;
    f->kind = M78_FAULT_KERNEL_WORD;
    f->unit = (int)k[0].value;
    f->index = (uint32_t)k[1].value;
    f->bit = (int)k[2].value;
    f->value = (int32_t)k[3].value;
    return 0;
  }
  if (klen == 5 && strncmp(spec, "shift", 5) == 0) {
    struct key k[] = {{"layer", 0, M78_MAX_LAYERS - 1, 1, 0, 0}, {"delta", -15, 15, 1, 0, 0}};
    if (parse_keys(spec, "shift", body, k, 2, err, errlen) != 0)
      return -1;
    if (k[1].value == 0) {
      snprintf(err, errlen, "fault %s: delta=0 changes nothing", spec);
      return -1;
    }
    f->kind = M78_FAULT_SHIFT;
    f->layer = (int)k[0].value;
    f->value = (int32_t)k[1].value;
    return 0;
  }
  snprintf(err, errlen, "fault %s: unknown kind '%.*s' (sram:, kernel: or shift:)", spec, (int)klen, spec);
  return -1;
}

int m78_fault_parse_list(const char *list, struct m78_fault *out, int max, char *err, size_t errlen)
{
  int n = 0;
  const char *p = list;
  while (*p) {
    const char *semi = strchr(p, ';');
    size_t len = semi ? (size_t)(semi - p) : strlen(p);
    if (len) {
      char spec[256];
      if (len >= sizeof spec) {
        snprintf(err, errlen, "fault spec too long: %.40s...", p);
        return -1;
      }
      memcpy(spec, p, len);
      spec[len] = '\0';
      if (n >= max) {
        snprintf(err, errlen, "more than %d faults", max);
        return -1;
      }
      if (m78_fault_parse(spec, &out[n], err, errlen) != 0)
        return -1;
      n++;
    }
    p += len;
    if (*p == ';')
      p++;
  }
  return n;
}

int m78_fault_format(const struct m78_fault *f, char *buf, size_t len)
{
  switch (f->kind) {
  case M78_FAULT_SRAM_STUCK_BIT: {
    char word[24] = "", layer[24] = "";
    if (f->index != M78_FAULT_ALL_WORDS)
      snprintf(word, sizeof word, ",word=%u", (unsigned)f->index);
    if (f->layer >= 0)
      snprintf(layer, sizeof layer, ",layer=%d", f->layer);
    return snprintf(buf, len, "sram:inst=%d,bit=%d,value=%d%s%s", f->unit, f->bit, (int)f->value, word, layer);
  }
  case M78_FAULT_KERNEL_WORD:
    return snprintf(buf, len, "kernel:proc=%d,col=%u,byte=%d,xor=0x%02x", f->unit, (unsigned)f->index, f->bit,
                    (unsigned)f->value);
  case M78_FAULT_SHIFT: return snprintf(buf, len, "shift:layer=%d,delta=%d", f->layer, (int)f->value);
  default: return snprintf(buf, len, "none");
  }
}
