/*
 * The firmware process (see fwbuild.h, m78fw_run): a run goes through
 * the host API's m78net_exec (max78sim/net.h), the one way every front
 * end runs a network; what is left here is the command line's side of
 * the console: shown as it comes, kept for the caller, or (quiet) the
 * error stream held back for when the run fails.
 *
 * The wall-clock limit is a safety net only: the shim stops a firmware
 * that exceeds its cycle budget or spins without touching the hardware,
 * and says so in its exit code and report.
 */
#define _GNU_SOURCE
#include "fwbuild.h"

#include <stdlib.h>
#include <string.h>

#define HELD_STDERR_MAX 16384

struct console {
  const struct m78fw_run_opts *o;
  struct m78fw_run_result *r;
};

static void hold_stderr(struct m78fw_run_result *r, const char *line, size_t len)
{
  m78u_buf_add(&r->held_stderr, line, len);
  if (r->held_stderr.len <= HELD_STDERR_MAX)
    return;
  /* Keep the end: the last lines say how the child died. */
  size_t drop = r->held_stderr.len - HELD_STDERR_MAX / 2;
  char *nl = memchr(r->held_stderr.data + drop, '\n', r->held_stderr.len - drop);
  drop = nl ? (size_t)(nl + 1 - r->held_stderr.data) : drop;
  memmove(r->held_stderr.data, r->held_stderr.data + drop, r->held_stderr.len - drop + 1);
  r->held_stderr.len -= drop;
}

static void on_line(void *ctx, int fd, const char *line, size_t len)
{
  struct console *c = ctx;
  if (fd == 1) {
    if (c->o->console)
      m78u_buf_add(c->o->console, line, len);
    if (!c->o->quiet) {
      fwrite(line, 1, len, stdout);
      fflush(stdout);
    }
  } else if (c->o->quiet) {
    hold_stderr(c->r, line, len);
  } else {
    fwrite(line, 1, len, stderr);
    fflush(stderr);
  }
}

int m78fw_run(const struct m78fw_run_opts *o, struct m78fw_run_result *r)
{
  memset(r, 0, sizeof *r);
  struct console c = {o, r};
  struct m78net_exec_options eo = o->x;
  eo.console = on_line;
  eo.ctx = &c;
  eo.stop_on_signals = 1;
  struct m78net_error err;
  if (m78net_exec(o->net, &eo, &r->x, &err) != M78NET_OK) {
    m78u_error("%s", err.msg);
    return -1;
  }
  return 0;
}

void m78fw_run_result_free(struct m78fw_run_result *r)
{
  m78u_buf_free(&r->held_stderr);
}

struct m78net *m78fw_open(const char *project, int rebuild)
{
  char *self = m78u_self_exe();
  struct m78net_options no = {.max78sim = self, .rebuild = rebuild, .no_serve = 1, .build_msg_fd = 2};
  struct m78net_error err;
  m78net *net = NULL;
  fflush(stderr);
  if (m78net_open(&net, project, &no, &err) != M78NET_OK && err.msg[0])
    m78u_error("%s", err.msg);
  free(self);
  return net;
}
