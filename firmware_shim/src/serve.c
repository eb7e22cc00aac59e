/*
 * The firmware process as a fork server (see serve.h).
 *
 * The server forks up to one worker per request in flight and hands each
 * request to an idle one.  A worker takes a checkpoint of its whole
 * process at the entry of load_input() (rollback.h), serves the request,
 * and after the inference's interrupt rolls itself back to that
 * checkpoint for the next request: every inference starts from the very
 * state a freshly forked child would have, without the fork's cost.  A
 * run that ends any other way (a hang, a crash, the firmware's exit)
 * ends the worker, whose exit status answers the request, and the next
 * request gets a new worker.  M78SIM_SERVE_FORK=1 forks a child per
 * request instead (the reference the roll-back is tested against).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rollback.h"
#include "m78host/runtime.h"
#include "serve.h"
#include "m78host/soc.h"
#include "userinput.h"
#include "max78sim/env.h"

void m78rt_host_restart_watchdog(void);                   /* runtime_host.c */
int m78rt_host_worker_watchdog(void *stack, size_t size); /* runtime_host.c */

#define WATCHDOG_STACK (256u << 10)
#define ARENA_BYTES ((size_t)64 << 30) /* address space only */

static int serve_fd = -1;
static uintptr_t load_input_addr;
static int served;

int m78serve_init(int fd, char *err, unsigned errlen)
{
  if (m78ui_symbol("load_input", 1, &load_input_addr, err, errlen) != 0 || m78ui_cache(err, errlen) != 0)
    return -1;
  serve_fd = fd;
  return 0;
}

static int send_msg(int fd, uint32_t type, uint32_t id, const void *payload, uint32_t len)
{
  struct m78serve_hdr h = {M78SERVE_MAGIC, type, id, len};
  return m78serve_io(fd, &h, sizeof h, 1) || (len && m78serve_io(fd, (void *)payload, len, 1)) ? -1 : 0;
}

/* A request: u32 flags, u32 dir length, dir, packed input. */
struct request {
  uint32_t id, flags;
  char dir[4096];
  const unsigned char *packed;
  size_t len;
};

/* 0 for a well-formed payload of length len. */
static int parse_request(const unsigned char *buf, uint32_t len, struct request *r)
{
  uint32_t dlen;
  if (len < 8)
    return -1;
  memcpy(&r->flags, buf, 4);
  memcpy(&dlen, buf + 4, 4);
  if (dlen == 0 || dlen >= 4000 || 8 + (size_t)dlen > len)
    return -1;
  memcpy(r->dir, buf + 8, dlen);
  r->dir[dlen] = 0;
  r->packed = buf + 8 + dlen;
  r->len = len - 8 - dlen;
  return 0;
}

/* The request's input and output folder, then back into load_input().
 * Errors end the process with status 6 and a line in the folder's
 * console. */
static void prepare_run(const struct request *r)
{
  char path[4200], err[256];
  snprintf(path, sizeof path, "%s/console.txt", r->dir);
  fflush(stdout);
  fflush(stderr);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  static char report[4200], dumps[4200];
  snprintf(report, sizeof report, "%s/report.json", r->dir);
  m78rt_get()->report_path = report;
  if (r->flags & M78SERVE_DUMPS) {
    snprintf(dumps, sizeof dumps, "%s", r->dir);
    m78rt_get()->dump_dir = dumps;
  }
  if (m78ui_apply_buf(r->packed, r->len, 1, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: serve: %s\n", err);
    _exit(6);
  }
  m78rt_soc()->in_shim--;
}

/* ---- the worker ---------------------------------------------------- */

/* What a worker keeps through its roll-backs (in memory they leave
 * alone). */
struct worker_state {
  int fd;      /* to the server */
  uint32_t id; /* the request being served */
  pthread_t main;
  unsigned served;
};
static struct worker_state *ws;

/* The run is over (runtime.c calls this before it exits): after an
 * inference on the main thread, answer and roll back; else let the
 * process end, and the server answer with its status. */
static void worker_finished(int exit_code)
{
  if (!pthread_equal(pthread_self(), ws->main) || m78rt_soc()->stop != M78SOC_STOP_INFERENCE)
    return;
  fflush(stdout);
  fflush(stderr);
  int32_t st = exit_code;
  if (send_msg(ws->fd, M78SERVE_DONE, ws->id, &st, sizeof st) != 0)
    _exit(0);
  ws->served++;
  m78rb_rollback();
  _exit(0); /* a mapping of the checkpoint went away: a new worker takes over */
}

/* In a new worker: set up, take the checkpoint, and from then on (again
 * after every roll-back) wait for a request and return into
 * load_input() with it. */
static void become_worker(int fd)
{
  char err[256];
  if (m78rb_init(ARENA_BYTES, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: serve: %s\n", err);
    _exit(6);
  }
  ws = m78rb_private_map(sizeof *ws);
  void *wd_stack = m78rb_private_map(WATCHDOG_STACK);
  if (!ws || !wd_stack || m78rt_host_worker_watchdog(wd_stack, WATCHDOG_STACK) != 0) {
    fprintf(stderr, "max78sim: serve: cannot start a worker\n");
    _exit(6);
  }
  ws->fd = fd;
  ws->main = pthread_self();
  /* the engine's caches (laid-out weights, scratch) survive roll-backs */
  static const struct m78_host_alloc arena = {m78rb_alloc, m78rb_free, NULL};
  m78_sim_set_host_alloc(m78rt_soc()->sim, &arena);
  m78rb_prepare_malloc();
  m78rt_set_finish_hook(worker_finished);
  if (m78rb_checkpoint(err, sizeof err) < 0) {
    fprintf(stderr, "max78sim: serve: %s\n", err);
    _exit(6);
  }
  struct m78serve_hdr h;
  static unsigned char *buf;
  struct request r;
  if (m78serve_io(ws->fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_RUN ||
      h.len > (64u << 20) || !(buf = malloc(h.len ? h.len : 1)) || m78serve_io(ws->fd, buf, h.len, 0) != 0 ||
      parse_request(buf, h.len, &r) != 0)
    _exit(0); /* the server checked the request; anything else means it is gone */
  ws->id = h.id;
  prepare_run(&r);
}

/* ---- the server ---------------------------------------------------- */

struct slot {
  pid_t pid; /* 0: none */
  int fd;    /* the worker's socket (fork mode: -1) */
  int busy;
  uint32_t id;
};

static int32_t exit_status(int status)
{
  return WIFEXITED(status) ? WEXITSTATUS(status) : -(WIFSIGNALED(status) ? WTERMSIG(status) : 1);
}

/* The worker of slot s ended: answer its request, if it had one. */
static void slot_ended(struct slot *s, int status)
{
  if (s->fd >= 0)
    close(s->fd);
  if (s->busy) {
    int32_t st = exit_status(status);
    if (send_msg(serve_fd, M78SERVE_DONE, s->id, &st, sizeof st) != 0)
      _exit(0);
  }
  *s = (struct slot){0, -1, 0, 0};
}

static void reap(struct slot *slots, int n, int block)
{
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0 || (pid < 0 && errno == EINTR)) {
    for (int i = 0; i < n; i++)
      if (pid > 0 && slots[i].pid == pid)
        slot_ended(&slots[i], status);
    if (block)
      return;
  }
}

/* Forks the process for slot s; returns 1 in the new process. */
static int spawn(struct slot *s, int fork_mode)
{
  int sv[2] = {-1, -1};
  if (!fork_mode && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(serve_fd);
    serve_fd = -1;
    if (!fork_mode) {
      close(sv[0]);
      become_worker(sv[1]);
    }
    return 1;
  }
  if (!fork_mode)
    close(sv[1]);
  if (pid < 0) {
    if (!fork_mode)
      close(sv[0]);
    return -1;
  }
  *s = (struct slot){pid, fork_mode ? -1 : sv[0], 0, 0};
  return 0;
}

/* The request loop; returns only in a worker (or a forked child). */
static void serve(void)
{
  m78rt_soc()->in_shim++; /* waiting for requests is not a hang */
  if (send_msg(serve_fd, M78SERVE_READY, 0, NULL, 0) != 0)
    _exit(0);
  /* a worker rolls back through the engine's threads' stacks: with more
   * than one, fork per request */
  const char *f = getenv(M78ENV_SERVE_FORK);
  int fork_mode = (f && *f && strcmp(f, "0") != 0) || m78_sim_threads(m78rt_soc()->sim) > 1;
  struct slot slots[M78SERVE_MAX_JOBS];
  for (int i = 0; i < M78SERVE_MAX_JOBS; i++)
    slots[i] = (struct slot){0, -1, 0, 0};
  for (;;) {
    int busy = 0, idle = -1, free_slot = -1;
    for (int i = 0; i < M78SERVE_MAX_JOBS; i++) {
      busy += slots[i].busy;
      if (slots[i].pid && !slots[i].busy && idle < 0)
        idle = i;
      if (!slots[i].pid && free_slot < 0)
        free_slot = i;
    }
    struct pollfd p[M78SERVE_MAX_JOBS + 1];
    int map[M78SERVE_MAX_JOBS + 1], np = 0;
    if (idle >= 0 || free_slot >= 0) {
      p[np] = (struct pollfd){serve_fd, POLLIN, 0};
      map[np++] = -1;
    }
    for (int i = 0; i < M78SERVE_MAX_JOBS; i++)
      if (slots[i].pid && slots[i].fd >= 0) {
        p[np] = (struct pollfd){slots[i].fd, POLLIN, 0};
        map[np++] = i;
      }
    /* fork mode: children answer by exiting; poll with a timeout */
    int r = poll(p, (nfds_t)np, fork_mode && busy ? 1 : -1);
    if (r < 0 && errno != EINTR)
      _exit(0);
    reap(slots, M78SERVE_MAX_JOBS, 0);
    for (int k = 0; r > 0 && k < np; k++) {
      if (!p[k].revents)
        continue;
      if (map[k] >= 0) {
        struct slot *s = &slots[map[k]];
        if (!s->pid || s->fd != p[k].fd)
          continue; /* reaped above */
        struct m78serve_hdr h;
        int32_t st;
        if (m78serve_io(s->fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_DONE ||
            h.len != 4 || m78serve_io(s->fd, &st, 4, 0) != 0 || !s->busy || h.id != s->id) {
          /* the worker died (its status answers) or spoke nonsense */
          close(s->fd);
          s->fd = -1;
          if (kill(s->pid, SIGKILL) == 0 || errno == ESRCH) {
            int status;
            while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
              ;
            slot_ended(s, status);
          }
          continue;
        }
        s->busy = 0;
        if (send_msg(serve_fd, M78SERVE_DONE, h.id, &st, sizeof st) != 0)
          _exit(0);
        continue;
      }
      struct m78serve_hdr h;
      if (m78serve_io(serve_fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_RUN ||
          h.len < 8 || h.len > (64u << 20)) {
        /* the client went away (or spoke nonsense): end the workers */
        for (int i = 0; i < M78SERVE_MAX_JOBS; i++)
          if (slots[i].pid) {
            if (slots[i].fd >= 0)
              close(slots[i].fd);
            if (!slots[i].busy)
              kill(slots[i].pid, SIGKILL);
          }
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
          ;
        _exit(0);
      }
      unsigned char *buf = malloc(h.len);
      if (!buf || m78serve_io(serve_fd, buf, h.len, 0) != 0)
        _exit(0);
      struct request req;
      if (parse_request(buf, h.len, &req) != 0) {
        free(buf);
        int32_t st = 2;
        send_msg(serve_fd, M78SERVE_DONE, h.id, &st, sizeof st);
        continue;
      }
      int use = idle >= 0 && !fork_mode ? idle : free_slot;
      int sp = use >= 0 && !slots[use].pid ? spawn(&slots[use], fork_mode) : 0;
      if (sp == 1) {
        /* in the new process; a worker took its request in become_worker() */
        if (fork_mode) {
          prepare_run(&req);
          m78rt_host_restart_watchdog();
        }
        return;
      }
      if (use < 0 || sp < 0) {
        free(buf);
        int32_t st = -SIGKILL;
        send_msg(serve_fd, M78SERVE_DONE, h.id, &st, sizeof st);
        continue;
      }
      struct slot *s = &slots[use];
      s->busy = 1;
      s->id = h.id;
      if (!fork_mode && send_msg(s->fd, M78SERVE_RUN, h.id, buf, h.len) != 0) {
        /* the worker is gone: reaped with its status on the next turn */
      }
      free(buf);
      break; /* the slots changed: look again */
    }
  }
}

/* GCC's -finstrument-functions hook, called at the entry of every vendor
 * function. */
__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site);
__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site);

/* M78SIM_INPUT_TIMES=FILE (max78sim bench): every return of load_input()
 * appends "WALL_MS CPU_MS" (its host time, the streamed input's cost) to
 * FILE.  Off (1) unless set and the firmware has the function. */
static int times_state; /* 0 not looked at, 1 off, 2 on */
static uintptr_t times_fn;
static const char *times_path;
static struct timespec times_wall0, times_cpu0;

__attribute__((no_instrument_function)) static double ts_ms(const struct timespec *a, const struct timespec *b)
{
  return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) * 1e-6;
}

__attribute__((no_instrument_function)) static void times_look(void)
{
  char err[200];
  times_path = getenv(M78ENV_INPUT_TIMES);
  times_state = times_path && *times_path && m78ui_symbol("load_input", 1, &times_fn, err, sizeof err) == 0 ? 2 : 1;
}

void __cyg_profile_func_enter(void *fn, void *site)
{
  (void)site;
  if (serve_fd >= 0 && !served && (uintptr_t)fn == load_input_addr) {
    served = 1;
    serve();
  }
  if (__builtin_expect(times_state != 1, 0)) {
    if (!times_state)
      times_look();
    if (times_state == 2 && (uintptr_t)fn == times_fn) {
      clock_gettime(CLOCK_MONOTONIC, &times_wall0);
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &times_cpu0);
    }
  }
}

void __cyg_profile_func_exit(void *fn, void *site)
{
  (void)site;
  if (__builtin_expect(times_state == 2, 0) && (uintptr_t)fn == times_fn) {
    struct timespec w, c;
    m78soc_flush(m78rt_soc()); /* the last push belongs to the input */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
    char line[64];
    int n = snprintf(line, sizeof line, "%.4f %.4f\n", ts_ms(&times_wall0, &w), ts_ms(&times_cpu0, &c));
    int fd = open(times_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      if (write(fd, line, (size_t)n) != n)
        times_state = 1;
      close(fd);
    }
  }
}
