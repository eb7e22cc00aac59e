/*
 * Register-program replay (see regprog.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/regprog.h"

/* The body of `int NAME(void) { ... }`, or NULL. */
static const char *function_body(const char *text, const char *name, const char **end)
{
  char head[64];
  snprintf(head, sizeof head, "\nint %s(void)\n{\n", name);
  const char *p = strstr(text, head);
  if (!p)
    return NULL;
  p += strlen(head);
  const char *e = strstr(p, "\n}\n");
  if (!e)
    return NULL;
  *end = e;
  return p;
}

static int replay(m78_sim *sim, const char *body, const char *end, char *err, size_t errlen)
{
  int n = 0;
  static const char store[] = "*((volatile uint32_t *) 0x";
  for (const char *p = body; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
      nl = end;
    const char *s = p;
    while (s < nl && isspace((unsigned char)*s))
      s++;
    if (strncmp(s, store, sizeof store - 1) == 0) {
      char *q;
      unsigned long addr = strtoul(s + sizeof store - 1, &q, 16);
      if (strncmp(q, ") = 0x", 6) != 0) {
        snprintf(err, errlen, "unexpected statement: %.*s", (int)(nl - s), s);
        return -1;
      }
      unsigned long val = strtoul(q + 6, &q, 16);
      m78_bus_write(sim, (uint32_t)addr, 4, (uint32_t)val);
      n++;
    }
    p = nl + 1;
  }
  return n;
}

int m78_regprog_replay(m78_sim *sim, const char *cnn_c, char *err, size_t errlen)
{
  static const char *const fns[] = {"cnn_init", "cnn_configure", "cnn_start"};
  int total = 0;
  for (size_t i = 0; i < 3; i++) {
    const char *end, *body = function_body(cnn_c, fns[i], &end);
    if (!body) {
      snprintf(err, errlen, "no %s() in cnn.c", fns[i]);
      return -1;
    }
    char why[200];
    int n = replay(sim, body, end, why, sizeof why);
    if (n < 0) {
      snprintf(err, errlen, "%s(): %s", fns[i], why);
      return -1;
    }
    total += n;
  }
  if (m78_sim_runs(sim) != 1) {
    snprintf(err, errlen, "cnn_start() did not start the accelerator");
    return -1;
  }
  return total;
}
