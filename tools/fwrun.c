/*
 * The firmware process (see fwbuild.h, m78fw_run).
 *
 * The child's stdout and stderr come through two pipes read with poll(),
 * so the console appears as the firmware prints it (as far as the
 * firmware flushes) and the PASS/FAIL lines are seen in order.  The
 * wall-clock limit is a safety net only: the shim stops a firmware that
 * exceeds its cycle budget or spins without touching the hardware, and
 * says so in its exit code and report.
 */
#define _GNU_SOURCE
#include "fwbuild.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "max78sim/env.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
  got_signal = sig;
}

/* A stream of the child cut into lines. */
struct stream {
  int fd;
  int is_stdout;
  struct m78u_buf pending; /* bytes after the last newline */
};

#define MAX_LINE 65536
#define HELD_STDERR_MAX 16384

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

static void emit_line(const struct m78fw_run_opts *o, struct m78fw_run_result *r, struct stream *s, const char *line,
                      size_t len)
{
  if (s->is_stdout) {
    /* A line may be cut at MAX_LINE; the markers are short and the vendor
     * code prints them on lines of their own. */
    if (memmem(line, len, "*** PASS ***", 12))
      r->saw_pass = 1;
    if (memmem(line, len, "*** FAIL ***", 12))
      r->saw_fail = 1;
    if (memmem(line, len, "*** CAPTURE DONE ***", 20))
      r->saw_capture = 1;
    if (o->console)
      m78u_buf_add(o->console, line, len);
    if (!o->quiet) {
      fwrite(line, 1, len, stdout);
      fflush(stdout);
    }
  } else if (o->quiet) {
    hold_stderr(r, line, len);
  } else {
    fwrite(line, 1, len, stderr);
    fflush(stderr);
  }
}

/* Emits the complete lines in s->pending; with FLUSH also the rest. */
static void drain_lines(const struct m78fw_run_opts *o, struct m78fw_run_result *r, struct stream *s, int flush)
{
  size_t start = 0;
  while (start < s->pending.len) {
    char *nl = memchr(s->pending.data + start, '\n', s->pending.len - start);
    size_t end;
    if (nl)
      end = (size_t)(nl - s->pending.data) + 1;
    else if (s->pending.len - start >= MAX_LINE || (flush && s->pending.len > start))
      end = s->pending.len;
    else
      break;
    emit_line(o, r, s, s->pending.data + start, end - start);
    if (!nl && flush)
      emit_line(o, r, s, "\n", 1);
    start = end;
  }
  if (start > 0) {
    memmove(s->pending.data, s->pending.data + start, s->pending.len - start + 1);
    s->pending.len -= start;
  }
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The child's stdout and stderr, line by line, until both close or the
 * run is cancelled, interrupted or out of time (the child is then
 * killed).  Returns 1 when it killed the child, else 0. */
static int read_streams(const struct m78fw_run_opts *o, struct m78fw_run_result *r, pid_t pid, int out_fd, int err_fd,
                        double deadline)
{
  struct stream streams[2] = {{out_fd, 1, {0}}, {err_fd, 0, {0}}};
  int open_streams = 2, killed = 0;
  char chunk[16384];
  while (open_streams > 0 && !killed) {
    struct pollfd pfd[2];
    int np = 0;
    for (int i = 0; i < 2; i++) {
      if (streams[i].fd >= 0) {
        pfd[np].fd = streams[i].fd;
        pfd[np].events = POLLIN;
        pfd[np].revents = 0;
        np++;
      }
    }
    int wait_ms = -1;
    if (deadline > 0) {
      double left = deadline - now_s();
      wait_ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    if (o->cancel && (wait_ms < 0 || wait_ms > 100))
      wait_ms = 100;
    int n = poll(pfd, (nfds_t)np, wait_ms);
    if (o->cancel && *o->cancel) {
      r->cancelled = 1;
      kill(pid, SIGKILL);
      killed = 1;
      break;
    }
    if (got_signal) {
      r->interrupted = got_signal;
      kill(pid, SIGKILL);
      killed = 1;
      break;
    }
    if (n < 0 && errno != EINTR)
      break;
    if (n == 0 && deadline > 0 && now_s() >= deadline) {
      r->timed_out = 1;
      kill(pid, SIGKILL);
      killed = 1;
      break;
    }
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      struct stream *s = streams[0].fd == pfd[k].fd ? &streams[0] : &streams[1];
      ssize_t got = read(s->fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        drain_lines(o, r, s, 1);
        close(s->fd);
        s->fd = -1;
        open_streams--;
        continue;
      }
      m78u_buf_add(&s->pending, chunk, (size_t)got);
      drain_lines(o, r, s, 0);
    }
  }
  for (int i = 0; i < 2; i++) {
    if (streams[i].fd >= 0) {
      drain_lines(o, r, &streams[i], 1);
      close(streams[i].fd);
    }
    m78u_buf_free(&streams[i].pending);
  }
  return killed;
}

/* Waits for the child; kills it on a cancel, a signal or the deadline
 * meanwhile.  Returns its wait status; *killed is set when it was killed. */
static int reap(const struct m78fw_run_opts *o, struct m78fw_run_result *r, pid_t pid, int *killed_p, double deadline)
{
  int killed = *killed_p;
  /* Both streams closed: the child is ending (or closed them itself and
   * still runs, which the deadline also covers). */
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);
    if (w == pid)
      break;
    if (w < 0 && errno != EINTR)
      break;
    if (!killed && o->cancel && *o->cancel) {
      r->cancelled = 1;
      kill(pid, SIGKILL);
      killed = 1;
    } else if (got_signal && !killed) {
      r->interrupted = got_signal;
      kill(pid, SIGKILL);
      killed = 1;
    } else if (!killed && deadline > 0 && now_s() >= deadline) {
      r->timed_out = 1;
      kill(pid, SIGKILL);
      killed = 1;
    } else if (!killed) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  *killed_p = killed;
  return status;
}

int m78fw_run(const struct m78fw_run_opts *o, struct m78fw_run_result *r)
{
  memset(r, 0, sizeof *r);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    goto nopipe;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    goto nopipe;
  }

  char *report_env = m78u_xasprintf(M78ENV_REPORT "=%s", o->report_path);
  char *dump_env = o->dump_dir ? m78u_xasprintf(M78ENV_DUMP_DIR "=%s", o->dump_dir) : m78u_xstrdup(M78ENV_DUMP_DIR);
  char *cycles_env = m78u_xasprintf(M78ENV_MAX_CYCLES "=%llu", (unsigned long long)o->max_cycles);
  char *tl_env = o->timeline ? m78u_xasprintf(M78ENV_TIMELINE "=%s", o->timeline) : m78u_xstrdup(M78ENV_TIMELINE);
  char *record_env = o->record_path ? m78u_xasprintf(M78ENV_RECORD "=%s", o->record_path) : m78u_xstrdup(M78ENV_RECORD);
  char *fault_env = o->faults && *o->faults ? m78u_xasprintf(M78ENV_FAULTS "=%s", o->faults)
                                            : m78u_xstrdup(M78ENV_FAULTS);
  char *limit_env = o->has_layer_limit ? m78u_xasprintf(M78ENV_LAYER_LIMIT "=%d", o->layer_limit)
                                       : m78u_xstrdup(M78ENV_LAYER_LIMIT);
  char *live_env = o->live_dir ? m78u_xasprintf(M78ENV_LIVE_DIR "=%s", o->live_dir) : m78u_xstrdup(M78ENV_LIVE_DIR);
  const char *env[24] = {report_env, dump_env, cycles_env, tl_env, record_env, fault_env, limit_env, live_env};
  size_t nenv = 8;
  for (const char *const *e = o->env; e && *e && nenv + 1 < sizeof env / sizeof env[0]; e++)
    env[nenv++] = *e;
  env[nenv] = NULL;
  char *argv[] = {(char *)o->exe, (char *)o->arg, NULL};
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct m78cli_spawn_opts so = {
      .argv = argv, .fd_in = devnull, .fd_out = out[1], .fd_err = err[1], .env = env, .die_with_parent = 1};

  struct sigaction sa, old_int, old_term, old_hup;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  got_signal = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);

  pid_t pid = m78cli_spawn(&so);
  int spawn_errno = errno;
  close(out[1]);
  close(err[1]);
  if (devnull >= 0)
    close(devnull);
  free(report_env);
  free(dump_env);
  free(cycles_env);
  free(tl_env);
  free(record_env);
  free(fault_env);
  free(limit_env);
  free(live_env);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    m78u_error("%s: cannot start: %s", o->exe, strerror(spawn_errno));
    return -1;
  }

  double deadline = o->timeout_s > 0 ? now_s() + o->timeout_s : 0;
  int killed = read_streams(o, r, pid, out[0], err[0], deadline);
  int status = reap(o, r, pid, &killed, deadline);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);

  if (!killed && WIFEXITED(status)) {
    r->exited = 1;
    r->exit_code = WEXITSTATUS(status);
  } else if (!killed && WIFSIGNALED(status)) {
    r->signal = WTERMSIG(status);
  }
  return 0;

nopipe:
  m78u_error("cannot create a pipe: %s", strerror(errno));
  return -1;
}

void m78fw_run_result_free(struct m78fw_run_result *r)
{
  m78u_buf_free(&r->held_stderr);
}
