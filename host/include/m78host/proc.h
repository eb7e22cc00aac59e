/*
 * Child processes without a shell, the one way the host API (the build,
 * the fork server, m78net_exec) and the command line (compilers, test
 * jobs) start a program: fork, descriptors, exec; the exec error comes
 * back to the caller instead of a child that exits 127.
 *
 * Environments are built in the caller, before the fork: a child of a
 * threaded process may only call async-signal-safe functions, so it
 * never edits its environment itself.
 */
#ifndef M78HOST_PROC_H
#define M78HOST_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* A process environment: our environ with settings applied in order. The
 * strings stay the caller's; only the array is owned. */
struct m78proc_env {
  char **v; /* NULL-terminated after a successful init */
  size_t n, cap;
};
/* E := environ, then each of SETTINGS (NULL-terminated, or NULL) applied.
 * -1 when out of memory (E is then freed). */
int m78proc_env_init(struct m78proc_env *e, const char *const *settings);
/* "NAME=value" sets NAME, a bare "NAME" removes it.  -1 when out of memory. */
int m78proc_env_apply(struct m78proc_env *e, const char *setting);
void m78proc_env_free(struct m78proc_env *e);

struct m78proc_spawn_opts {
  char *const *argv;         /* argv[0] is searched in PATH if it has no slash */
  char *const *envp;         /* the child's whole environment (m78proc_env.v); NULL: ours */
  int fd_in, fd_out, fd_err; /* the child's stdin/stdout/stderr; -1: inherit */
  int fd3;                   /* a descriptor (not 0) the child gets as fd 3; 0: none */
  int die_with_parent;       /* SIGKILL the child when the thread that started it ends */
};
/* Returns the child's pid, or -1 with errno set, also when exec failed
 * (the child is then reaped). */
pid_t m78proc_spawn(const struct m78proc_spawn_opts *o);
/* waitpid() that retries after EINTR: 0, or -1 with errno set. */
int m78proc_wait(pid_t pid, int *status);

#endif
