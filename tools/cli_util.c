/*
 * Helpers of the command-line tools (see cli_util.h): the FNV-1a hash,
 * text tables.  The report printing is cli_report.c.
 */
#define _GNU_SOURCE
#include "cli_util.h"

#include <stdlib.h>
#include <string.h>

/* ---- FNV-1a ---- */

uint64_t m78cli_fnv1a(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t m78cli_fnv1a_str(uint64_t h, const char *s)
{
  return m78cli_fnv1a(h, s, strlen(s) + 1);
}

uint64_t m78cli_fnv1a_u64(uint64_t h, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  return m78cli_fnv1a(h, b, sizeof b);
}

/* ---- tables ---- */

void m78cli_table_init(struct m78cli_table *t, int ncols, const char **headers, const enum m78cli_align *align)
{
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  t->headers = headers;
  t->align = align;
}

int m78cli_table_add_row(struct m78cli_table *t, int rule_before)
{
  if (t->nrows == t->caprows) {
    t->caprows = t->caprows ? 2 * t->caprows : 16;
    t->cells = m78u_xrealloc(t->cells, (size_t)t->caprows * (size_t)t->ncols * sizeof *t->cells);
    t->rule_before = m78u_xrealloc(t->rule_before, (size_t)t->caprows);
  }
  int row = t->nrows++;
  for (int c = 0; c < t->ncols; c++)
    t->cells[(size_t)row * (size_t)t->ncols + (size_t)c] = NULL;
  t->rule_before[row] = (unsigned char)(rule_before != 0);
  return row;
}

void m78cli_table_set(struct m78cli_table *t, int row, int col, const char *text)
{
  char **cell = &t->cells[(size_t)row * (size_t)t->ncols + (size_t)col];
  free(*cell);
  *cell = m78u_xstrdup(text);
}

/* Prints one line of cells, without trailing blanks. */
static void print_line(const struct m78cli_table *t, const size_t *width, const char *const *cells, FILE *out)
{
  struct m78u_buf line = {0};
  for (int c = 0; c < t->ncols; c++) {
    const char *s = cells[c] ? cells[c] : "";
    size_t pad = width[c] - strlen(s);
    if (c > 0)
      m78u_buf_add(&line, "  ", 2);
    if (t->align[c] == M78CLI_RIGHT)
      for (size_t i = 0; i < pad; i++)
        m78u_buf_add(&line, " ", 1);
    m78u_buf_add(&line, s, strlen(s));
    if (t->align[c] == M78CLI_LEFT)
      for (size_t i = 0; i < pad; i++)
        m78u_buf_add(&line, " ", 1);
  }
  while (line.len > 0 && line.data[line.len - 1] == ' ')
    line.data[--line.len] = '\0';
  fprintf(out, "%s\n", line.data ? line.data : "");
  m78u_buf_free(&line);
}

void m78cli_table_print(const struct m78cli_table *t, FILE *out)
{
  size_t *width = m78u_xmalloc((size_t)t->ncols * sizeof *width);
  for (int c = 0; c < t->ncols; c++) {
    width[c] = strlen(t->headers[c]);
    for (int r = 0; r < t->nrows; r++) {
      const char *s = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
      if (s && strlen(s) > width[c])
        width[c] = strlen(s);
    }
  }
  print_line(t, width, t->headers, out);
  for (int r = 0; r < t->nrows; r++) {
    if (t->rule_before[r]) {
      char **rule = m78u_xmalloc((size_t)t->ncols * sizeof *rule);
      for (int c = 0; c < t->ncols; c++) {
        rule[c] = m78u_xmalloc(width[c] + 1);
        memset(rule[c], '-', width[c]);
        rule[c][width[c]] = '\0';
      }
      print_line(t, width, (const char *const *)rule, out);
      for (int c = 0; c < t->ncols; c++)
        free(rule[c]);
      free(rule);
    }
    print_line(t, width, (const char *const *)&t->cells[(size_t)r * (size_t)t->ncols], out);
  }
  free(width);
}

void m78cli_table_free(struct m78cli_table *t)
{
  for (size_t i = 0; i < (size_t)t->nrows * (size_t)t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t->rule_before);
  memset(t, 0, sizeof *t);
}
