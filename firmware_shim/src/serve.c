/*
 * The firmware process as a fork server (see serve.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "serve.h"
#include "soc.h"
#include "userinput.h"

void m78rt_host_restart_watchdog(void); /* runtime_host.c */

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

static int send_msg(uint32_t type, uint32_t id, const void *payload, uint32_t len)
{
  struct m78serve_hdr h = {M78SERVE_MAGIC, type, id, len};
  return m78serve_io(serve_fd, &h, sizeof h, 1) || (len && m78serve_io(serve_fd, (void *)payload, len, 1)) ? -1 : 0;
}

/* In the child: the request's input and output folder, then back into
 * load_input().  Errors end the child with status 6 and a line in the
 * folder's console. */
static void become_child(uint32_t flags, const char *dir, const unsigned char *packed, size_t len)
{
  char path[4200], err[256];
  close(serve_fd);
  serve_fd = -1;
  snprintf(path, sizeof path, "%s/console.txt", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    fflush(stdout);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  static char report[4200], dumps[4200];
  snprintf(report, sizeof report, "%s/report.json", dir);
  m78soc.rt.report_path = report;
  if (flags & M78SERVE_DUMPS) {
    snprintf(dumps, sizeof dumps, "%s", dir);
    m78soc.rt.dump_dir = dumps;
  }
  if (m78ui_apply_buf(packed, len, 1, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: serve: %s\n", err);
    _exit(6);
  }
  m78soc.in_shim--;
  m78rt_host_restart_watchdog();
}

/* The request loop; returns only in a child. */
static void serve(void)
{
  m78soc.in_shim++; /* waiting for requests is not a hang */
  if (send_msg(M78SERVE_READY, 0, NULL, 0) != 0)
    _exit(0);
  pid_t pids[M78SERVE_MAX_JOBS];
  uint32_t ids[M78SERVE_MAX_JOBS];
  int running = 0;
  for (;;) {
    struct pollfd p = {serve_fd, POLLIN, 0};
    int readable = running < M78SERVE_MAX_JOBS && poll(&p, 1, running ? 0 : -1) > 0;
    if (!readable && running) {
      int status;
      pid_t pid = waitpid(-1, &status, 0);
      if (pid < 0 && errno == EINTR)
        continue;
      for (int i = 0; i < running; i++)
        if (pids[i] == pid) {
          int32_t st = WIFEXITED(status) ? WEXITSTATUS(status) : -(WIFSIGNALED(status) ? WTERMSIG(status) : 1);
          uint32_t id = ids[i];
          pids[i] = pids[running - 1];
          ids[i] = ids[running - 1];
          running--;
          if (send_msg(M78SERVE_DONE, id, &st, sizeof st) != 0)
            _exit(0);
          break;
        }
      continue;
    }
    struct m78serve_hdr h;
    if (m78serve_io(serve_fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_RUN ||
        h.len < 8 || h.len > (64u << 20)) {
      /* the client went away (or spoke nonsense): finish the children */
      while (running > 0 && waitpid(-1, NULL, 0) > 0)
        running--;
      _exit(0);
    }
    unsigned char *buf = malloc(h.len);
    if (!buf || m78serve_io(serve_fd, buf, h.len, 0) != 0)
      _exit(0);
    uint32_t flags, dlen;
    memcpy(&flags, buf, 4);
    memcpy(&dlen, buf + 4, 4);
    if (dlen == 0 || dlen >= 4000 || 8 + (size_t)dlen > h.len) {
      free(buf);
      int32_t st = 2;
      send_msg(M78SERVE_DONE, h.id, &st, sizeof st);
      continue;
    }
    char dir[4096];
    memcpy(dir, buf + 8, dlen);
    dir[dlen] = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      become_child(flags, dir, buf + 8 + dlen, h.len - 8 - dlen);
      free(buf);
      return;
    }
    free(buf);
    if (pid < 0) {
      int32_t st = -SIGKILL;
      send_msg(M78SERVE_DONE, h.id, &st, sizeof st);
      continue;
    }
    pids[running] = pid;
    ids[running++] = h.id;
  }
}

/* GCC's -finstrument-functions hook, called at the entry of every vendor
 * function. */
__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site);
__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site);

void __cyg_profile_func_enter(void *fn, void *site)
{
  (void)site;
  if (serve_fd >= 0 && !served && (uintptr_t)fn == load_input_addr) {
    served = 1;
    serve();
  }
}

void __cyg_profile_func_exit(void *fn, void *site)
{
  (void)fn;
  (void)site;
}
