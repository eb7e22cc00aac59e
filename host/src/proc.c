/*
 * Child processes (see m78host/proc.h).
 */
#define _GNU_SOURCE
#include "m78host/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int m78proc_env_apply(struct m78proc_env *e, const char *setting)
{
  const char *eq = strchr(setting, '=');
  size_t len = eq ? (size_t)(eq - setting) : strlen(setting), k = 0;
  for (size_t i = 0; i < e->n; i++)
    if (!(strncmp(e->v[i], setting, len) == 0 && e->v[i][len] == '='))
      e->v[k++] = e->v[i];
  e->n = k;
  if (e->n + 2 > e->cap) {
    size_t cap = e->cap * 2 + 16;
    char **v = realloc(e->v, cap * sizeof *v);
    if (!v)
      return -1;
    e->v = v;
    e->cap = cap;
  }
  if (eq)
    e->v[e->n++] = (char *)setting;
  e->v[e->n] = NULL;
  return 0;
}

int m78proc_env_init(struct m78proc_env *e, const char *const *settings)
{
  e->n = 0;
  while (environ[e->n])
    e->n++;
  e->cap = e->n + 16;
  if (!(e->v = malloc(e->cap * sizeof *e->v)))
    return -1;
  memcpy(e->v, environ, (e->n + 1) * sizeof *e->v);
  for (const char *const *s = settings; s && *s; s++)
    if (m78proc_env_apply(e, *s) != 0) {
      m78proc_env_free(e);
      return -1;
    }
  return 0;
}

void m78proc_env_free(struct m78proc_env *e)
{
  free(e->v);
  *e = (struct m78proc_env){0};
}

int m78proc_wait(pid_t pid, int *status)
{
  pid_t r;
  do
    r = waitpid(pid, status, 0);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

/* The child's side: only async-signal-safe calls from here to exec. */
static _Noreturn void child(const struct m78proc_spawn_opts *o, pid_t parent, int errfd)
{
  if (o->die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
  }
  int src[4] = {o->fd_in, o->fd_out, o->fd_err, o->fd3 > 0 ? o->fd3 : -1};
  /* Sources first out of the way of the targets 0-3 (fd3 may be 1 when
   * the caller's stdout was closed), then each onto its target; one
   * already in place loses close-on-exec. */
  for (int i = 0; i < 4; i++)
    if (src[i] >= 0 && src[i] != i && src[i] < 4 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 4)) < 0)
      goto failed;
  for (int i = 0; i < 4; i++)
    if (src[i] >= 0 && (src[i] == i ? fcntl(i, F_SETFD, 0) : dup2(src[i], i)) < 0)
      goto failed;
  signal(SIGPIPE, SIG_DFL);
  execvpe(o->argv[0], o->argv, o->envp ? o->envp : environ);
failed:;
  int e = errno;
  ssize_t w = write(errfd, &e, sizeof e);
  (void)w;
  _exit(127);
}

/* The exec error travels back through a close-on-exec pipe: the parent
 * reads EOF when exec succeeded, or the child's errno when it failed. */
pid_t m78proc_spawn(const struct m78proc_spawn_opts *o)
{
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) != 0)
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(ep[0]);
    close(ep[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    close(ep[0]);
    child(o, parent, ep[1]);
  }
  close(ep[1]);
  int child_errno = 0;
  ssize_t n;
  do
    n = read(ep[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(ep[0]);
  if (n == (ssize_t)sizeof child_errno) {
    m78proc_wait(pid, NULL);
    errno = child_errno;
    return -1;
  }
  return pid;
}
