/*
 * Helpers of the command-line tools (see cli_util.h): child processes,
 * the FNV-1a hash, text tables.  The report printing is cli_report.c.
 */
#define _GNU_SOURCE
#include "cli_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- child processes ---- */

/* The exec error travels back through a close-on-exec pipe: the parent
 * reads EOF when exec succeeded, or the child's errno when it failed. */
pid_t m78cli_spawn(const struct m78cli_spawn_opts *o)
{
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0)
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(errpipe[0]);
    close(errpipe[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    close(errpipe[0]);
    if (o->die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(127);
    }
    const int fds[3] = {o->fd_in, o->fd_out, o->fd_err};
    for (int i = 0; i < 3; i++)
      if (fds[i] >= 0 && fds[i] != i && dup2(fds[i], i) < 0)
        goto fail;
    for (const char *const *e = o->env; e && *e; e++) {
      const char *eq = strchr(*e, '=');
      if (!eq) {
        unsetenv(*e);
        continue;
      }
      char name[256];
      size_t n = (size_t)(eq - *e);
      if (n >= sizeof name)
        continue;
      memcpy(name, *e, n);
      name[n] = '\0';
      if (setenv(name, eq + 1, 1) != 0)
        goto fail;
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(o->argv[0], o->argv);
  fail:;
    int e = errno;
    ssize_t w = write(errpipe[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(errpipe[1]);
  int child_errno = 0;
  ssize_t n;
  do
    n = read(errpipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(errpipe[0]);
  if (n == (ssize_t)sizeof child_errno) {
    int status;
    m78cli_wait(pid, &status);
    errno = child_errno;
    return -1;
  }
  return pid;
}

int m78cli_wait(pid_t pid, int *status)
{
  pid_t r;
  do
    r = waitpid(pid, status, 0);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

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
