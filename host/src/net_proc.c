/*
 * libmax78sim (see max78sim/net.h): the processes behind a network.
 *
 * The build is `max78sim prepare` (tools/prepare.c), so that building
 * stays in one place and this library never prints or exits; the fork
 * server is the firmware started with M78SIM_SERVE (m78host/serve_proto.h);
 * m78net_exec starts the firmware afresh for one run from start to end,
 * the way `max78sim run`, `compare` and the live viewer run it, and hands
 * its console over line by line.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m78host/proc.h"
#include "m78host/serve_proto.h"
#include "max78sim/env.h"
#include "net_internal.h"

#define fail m78neti_fail

/* ---- the build: max78sim prepare ---- */

static char *find_tool(const struct m78net_options *opt)
{
  const char *v = opt && opt->max78sim ? opt->max78sim : getenv(M78ENV_TOOL);
  if (v && *v)
    return strdup(v);
  Dl_info info;
  if (dladdr((void *)m78net_open, &info) && info.dli_fname) {
    char *lib = strdup(info.dli_fname);
    char *slash = lib ? strrchr(lib, '/') : NULL;
    if (slash) {
      *slash = 0;
      char p[PATH_MAX];
      /* installed: lib/ beside bin/; build tree: build/lib beside build/bin */
      snprintf(p, sizeof p, "%s/../bin/max78sim", lib);
      if (access(p, X_OK) == 0) {
        free(lib);
        return realpath(p, NULL);
      }
      snprintf(p, sizeof p, "%s/../../bin/max78sim", lib);
      if (access(p, X_OK) == 0) {
        free(lib);
        return realpath(p, NULL);
      }
    }
    free(lib);
  }
#ifdef M78NET_BUILD_TOOL
  if (access(M78NET_BUILD_TOOL, X_OK) == 0)
    return strdup(M78NET_BUILD_TOOL);
#endif
  return NULL;
}

/* Runs ARGV with stdout into a file of DIR and stderr into another, or
 * onto MSG_FD when it is > 0; returns the exit status (-1 when it could
 * not run). */
static int run_capture(char *const *argv, char *const *envp, const char *dir, int msg_fd, char **out, char **errtext)
{
  char po[PATH_MAX], pe[PATH_MAX];
  snprintf(po, sizeof po, "%s/prepare.out", dir);
  snprintf(pe, sizeof pe, "%s/prepare.err", dir);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int fe = msg_fd > 0 ? msg_fd : open(pe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  struct m78proc_spawn_opts so = {.argv = argv, .envp = envp, .fd_in = in, .fd_out = fo, .fd_err = fe};
  pid_t pid = in >= 0 && fo >= 0 && fe >= 0 ? m78proc_spawn(&so) : -1;
  int e = errno;
  const int opened[3] = {in, fo, fe};
  for (int i = 0; i < 3; i++)
    if (opened[i] >= 0 && opened[i] != msg_fd)
      close(opened[i]);
  if (pid < 0) {
    unlink(po);
    unlink(pe);
    errno = e;
    return -1;
  }
  int status;
  if (m78proc_wait(pid, &status) != 0)
    return -1;
  *out = m78neti_read_all(po, NULL, 1 << 20);
  *errtext = msg_fd > 0 ? NULL : m78neti_read_all(pe, NULL, 1 << 20);
  unlink(po);
  unlink(pe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static enum m78net_status parse_prepare(m78net *net, const char *json, struct m78net_error *err)
{
  cJSON *j = cJSON_Parse(json);
  const cJSON *fw = cJSON_GetObjectItemCaseSensitive(j, "firmware");
  const cJSON *exe = cJSON_GetObjectItemCaseSensitive(j, "executable");
  const cJSON *cl = cJSON_GetObjectItemCaseSensitive(j, "classes");
  if (!cJSON_IsString(fw) || !cJSON_IsString(exe)) {
    cJSON_Delete(j);
    return fail(err, M78NET_EBUILD, "max78sim prepare printed no firmware and executable");
  }
  net->firmware = strdup(fw->valuestring);
  net->exe = strdup(exe->valuestring);
  if (!net->firmware || !net->exe) {
    cJSON_Delete(j);
    return fail(err, M78NET_ENOMEM, "out of memory");
  }
  int n = cJSON_GetArraySize(cl);
  if (n > 0) {
    net->classes = calloc((size_t)n, sizeof *net->classes);
    for (int i = 0; net->classes && i < n; i++)
      net->classes[i] = strdup(cJSON_GetArrayItem(cl, i)->valuestring);
    net->nclasses = n;
    net->named = 1;
  }
  cJSON_Delete(j);
  return M78NET_OK;
}

enum m78net_status m78neti_server_gone(m78net *net, struct m78net_error *err, const char *when)
{
  char path[PATH_MAX], line[512] = "";
  snprintf(path, sizeof path, "%s/server.log", net->tmp);
  char *log = m78neti_read_all(path, NULL, 1 << 20);
  if (log)
    m78neti_last_line(log, line, sizeof line);
  free(log);
  int status = 0;
  if (net->pid > 0 && waitpid(net->pid, &status, WNOHANG) == net->pid)
    net->pid = -1;
  return fail(err, M78NET_EIO, "the firmware process ended %s%s%s", when, *line ? ": " : "", line);
}

enum m78net_status m78neti_prepare(m78net *net, const char *project, const struct m78net_options *opt,
                                   struct m78net_error *err)
{
  enum m78net_status st = M78NET_OK;
  size_t ne = 0;
  while (opt && opt->env && opt->env[ne])
    ne++;
  if (ne && !(net->env = calloc(ne + 1, sizeof *net->env)))
    return fail(err, M78NET_ENOMEM, "out of memory");
  for (size_t i = 0; i < ne; i++)
    if (!(net->env[i] = strdup(opt->env[i])))
      return fail(err, M78NET_ENOMEM, "out of memory");
  char *tool = find_tool(opt), *pout = NULL, *perr = NULL;
  const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  char tmpl[PATH_MAX];
  snprintf(tmpl, sizeof tmpl, "%s/m78net-XXXXXX", base);
  if (!tool) {
    st = fail(err, M78NET_EBUILD, "cannot find the max78sim command (set M78SIM_TOOL)");
    goto out;
  }
  if (!mkdtemp(tmpl)) {
    st = fail(err, M78NET_EIO, "%s: %s", tmpl, strerror(errno));
    goto out;
  }
  if (!(net->tmp = strdup(tmpl))) {
    rmdir(tmpl);
    st = fail(err, M78NET_ENOMEM, "out of memory");
    goto out;
  }
  int msg_fd = opt && opt->build_msg_fd > 0 ? opt->build_msg_fd : -1;
  char *argv[] = {tool, "prepare", (char *)project, opt && opt->rebuild ? "--rebuild" : NULL, NULL};
  struct m78proc_env env;
  if (m78proc_env_init(&env, (const char *const *)net->env) != 0) {
    st = fail(err, M78NET_ENOMEM, "out of memory");
    goto out;
  }
  int rc = run_capture(argv, env.v, net->tmp, msg_fd, &pout, &perr);
  m78proc_env_free(&env);
  if (rc != 0) {
    char line[512] = "";
    if (perr)
      m78neti_last_line(perr, line, sizeof line);
    if (rc < 0)
      snprintf(line, sizeof line, "cannot run %s: %s", tool, strerror(errno));
    if (rc > 0 && msg_fd > 0) /* the build's messages are on msg_fd */
      st = fail(err, M78NET_EBUILD, "%s", "");
    else
      st = fail(err, strstr(line, "no such") || strstr(line, "not a synthesized") ? M78NET_ENOENT : M78NET_EBUILD, "%s",
                *line ? line : "max78sim prepare failed");
    goto out;
  }
  char *lastnl = pout ? strrchr(pout, '{') : NULL;
  if (!lastnl)
    st = fail(err, M78NET_EBUILD, "max78sim prepare printed nothing");
  else
    st = parse_prepare(net, lastnl, err);
out:
  free(tool);
  free(pout);
  free(perr);
  return st;
}

/* ---- the fork server ---- */

enum m78net_status m78neti_start_server(m78net *net, const struct m78net_options *opt, struct m78net_error *err)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return fail(err, M78NET_EIO, "socketpair: %s", strerror(errno));
  char fdenv[64], threnv[64], log[PATH_MAX];
  snprintf(fdenv, sizeof fdenv, "%s=%d", M78SERVE_ENV, 3);
  snprintf(threnv, sizeof threnv, M78ENV_THREADS "=%d", opt && opt->threads > 0 ? opt->threads : 1);
  snprintf(log, sizeof log, "%s/server.log", net->tmp);
  /* the caller's settings, then what the server protocol owns: no
   * report, dumps or input of an ordinary run */
  struct m78proc_env env;
  static const char *const owned[] = {M78ENV_REPORT, M78ENV_DUMP_DIR, M78ENV_INPUT};
  int bad = m78proc_env_init(&env, (const char *const *)net->env) != 0;
  for (size_t i = 0; !bad && i < sizeof owned / sizeof owned[0]; i++)
    bad = m78proc_env_apply(&env, owned[i]) != 0;
  bad = bad || m78proc_env_apply(&env, fdenv) != 0 || m78proc_env_apply(&env, threnv) != 0;
  int out = bad ? -1 : open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int in = out < 0 ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (bad || out < 0 || in < 0) {
    int e = errno;
    if (out >= 0)
      close(out);
    m78proc_env_free(&env);
    close(sv[0]);
    close(sv[1]);
    return bad ? fail(err, M78NET_ENOMEM, "out of memory") : fail(err, M78NET_EIO, "%s: %s", log, strerror(e));
  }
  /* not tied to this thread: a caller may open a network in one thread
   * and run it from others (the server ends when its socket closes) */
  char *fargv[] = {net->exe, NULL};
  struct m78proc_spawn_opts so = {
      .argv = fargv, .envp = env.v, .fd_in = in, .fd_out = out, .fd_err = out, .fd3 = sv[1]};
  net->pid = m78proc_spawn(&so);
  int e = errno;
  close(in);
  close(out);
  m78proc_env_free(&env);
  close(sv[1]);
  net->fd = sv[0];
  if (net->pid < 0) {
    net->pid = -1;
    return fail(err, M78NET_EBUILD, "cannot start %s: %s", net->exe, strerror(e));
  }
  struct m78serve_hdr h;
  if (m78serve_io(net->fd, &h, sizeof h, 0) != 0 || h.magic != M78SERVE_MAGIC || h.type != M78SERVE_READY)
    return m78neti_server_gone(net, err, "before it loaded its input (does its main() call load_input()?)");
  return M78NET_OK;
}

/* ---- one run from start to end (m78net_exec) ---- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
  got_signal = sig;
}

/* One of the process's streams, cut into lines. */
struct stream {
  int fd, which; /* 1 stdout, 2 stderr */
  char *buf;     /* bytes after the last newline */
  size_t len, cap;
};

struct run {
  const struct m78net_exec_options *o;
  struct m78net_exec_result *r;
  int oom;
};

#define MAX_LINE 65536

static void emit(struct run *x, const struct stream *s, const char *line, size_t len)
{
  if (s->which == 1) {
    /* A line may be cut at MAX_LINE; the markers are short and the vendor
     * code prints them on lines of their own. */
    if (memmem(line, len, "*** PASS ***", 12))
      x->r->saw_pass = 1;
    if (memmem(line, len, "*** FAIL ***", 12))
      x->r->saw_fail = 1;
    if (memmem(line, len, "*** CAPTURE DONE ***", 20))
      x->r->saw_capture = 1;
  }
  if (x->o->console)
    x->o->console(x->o->ctx, s->which, line, len);
}

/* Emits the complete lines held; with FLUSH also the rest, newline added. */
static void drain(struct run *x, struct stream *s, int flush)
{
  size_t start = 0;
  while (start < s->len) {
    char *nl = memchr(s->buf + start, '\n', s->len - start);
    size_t end;
    if (nl)
      end = (size_t)(nl - s->buf) + 1;
    else if (s->len - start >= MAX_LINE || (flush && s->len > start))
      end = s->len;
    else
      break;
    emit(x, s, s->buf + start, end - start);
    if (!nl && flush)
      emit(x, s, "\n", 1);
    start = end;
  }
  if (start > 0) {
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
  }
}

static int add(struct run *x, struct stream *s, const char *data, size_t n)
{
  if (s->len + n > s->cap) {
    size_t cap = (s->len + n) * 2;
    char *b = realloc(s->buf, cap);
    if (!b) {
      x->oom = 1;
      return -1;
    }
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, data, n);
  s->len += n;
  return 0;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Kills the process when the run is cancelled, interrupted or out of
 * time; returns 1 when it did. */
static int should_kill(struct run *x, pid_t pid, double deadline)
{
  const struct m78net_exec_options *o = x->o;
  if (o->cancel && *o->cancel)
    x->r->cancelled = 1;
  else if (got_signal && o->stop_on_signals)
    x->r->interrupted = got_signal;
  else if (deadline > 0 && now_s() >= deadline)
    x->r->timed_out = 1;
  else
    return 0;
  kill(pid, SIGKILL);
  return 1;
}

/* The streams, line by line, until both close or the process is killed.
 * Returns 1 when it killed it. */
static int read_streams(struct run *x, pid_t pid, int out_fd, int err_fd, double deadline)
{
  struct stream streams[2] = {{out_fd, 1, NULL, 0, 0}, {err_fd, 2, NULL, 0, 0}};
  int open_streams = 2, killed = 0;
  char chunk[16384];
  while (open_streams > 0 && !killed) {
    struct pollfd pfd[2];
    int np = 0;
    for (int i = 0; i < 2; i++)
      if (streams[i].fd >= 0)
        pfd[np++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
    int wait_ms = -1;
    if (deadline > 0) {
      double left = deadline - now_s();
      wait_ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    if (x->o->cancel && (wait_ms < 0 || wait_ms > 100))
      wait_ms = 100;
    int n = poll(pfd, (nfds_t)np, wait_ms);
    if ((x->o->cancel && *x->o->cancel) || (got_signal && x->o->stop_on_signals) ||
        (n == 0 && deadline > 0 && now_s() >= deadline)) {
      killed = should_kill(x, pid, deadline);
      break;
    }
    if (n < 0 && errno != EINTR)
      break;
    for (int k = 0; k < np; k++) {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      struct stream *s = streams[0].fd == pfd[k].fd ? &streams[0] : &streams[1];
      ssize_t got = read(s->fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0 || add(x, s, chunk, (size_t)got) != 0) {
        drain(x, s, 1);
        close(s->fd);
        s->fd = -1;
        open_streams--;
        continue;
      }
      drain(x, s, 0);
    }
  }
  for (int i = 0; i < 2; i++) {
    if (streams[i].fd >= 0) {
      drain(x, &streams[i], 1);
      close(streams[i].fd);
    }
    free(streams[i].buf);
  }
  return killed;
}

/* Waits for the process, killing it on a cancel, a signal or the
 * deadline meanwhile.  Returns its wait status. */
static int reap(struct run *x, pid_t pid, int *killed, double deadline)
{
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, *killed ? 0 : WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR))
      break;
    if (!*killed && !(*killed = should_kill(x, pid, deadline))) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  return status;
}

/* "NAME=value", or a bare "NAME" (removes it) when VALUE is NULL; NULL
 * when out of memory. */
static char *setting(const char *name, const char *value)
{
  char *s;
  if (!value)
    return strdup(name);
  return asprintf(&s, "%s=%s", name, value) >= 0 ? s : NULL;
}

/* The settings of OPT (the environment protocol, max78sim/env.h). */
static int settings(const struct m78net_exec_options *o, char *s[8])
{
  char cycles[24], limit[16];
  snprintf(cycles, sizeof cycles, "%llu", (unsigned long long)o->max_cycles);
  snprintf(limit, sizeof limit, "%d", o->layer_limit);
  s[0] = setting(M78ENV_REPORT, o->report_path);
  s[1] = setting(M78ENV_DUMP_DIR, o->dump_dir);
  s[2] = setting(M78ENV_MAX_CYCLES, cycles);
  s[3] = setting(M78ENV_TIMELINE, o->timeline);
  s[4] = setting(M78ENV_RECORD, o->record_path);
  s[5] = setting(M78ENV_FAULTS, o->faults && *o->faults ? o->faults : NULL);
  s[6] = setting(M78ENV_LAYER_LIMIT, o->has_layer_limit ? limit : NULL);
  s[7] = setting(M78ENV_LIVE_DIR, o->live_dir);
  for (int i = 0; i < 8; i++)
    if (!s[i])
      return -1;
  return 0;
}

enum m78net_status m78net_exec(m78net *net, const struct m78net_exec_options *opt, struct m78net_exec_result *r,
                               struct m78net_error *err)
{
  if (err)
    err->code = M78NET_OK, err->msg[0] = 0;
  if (!opt || !r || (!opt->exe && (!net || !net->exe)))
    return fail(err, M78NET_EINVAL, "m78net_exec: no network or program given");
  memset(r, 0, sizeof *r);
  const char *exe = opt->exe ? opt->exe : net->exe;
  char *set[8] = {0};
  struct m78proc_env env = {0};
  enum m78net_status st = M78NET_OK;
  if (settings(opt, set) != 0)
    goto oom;
  if (m78proc_env_init(&env, net ? (const char *const *)net->env : NULL) != 0)
    goto oom;
  for (int i = 0; i < 8; i++)
    if (m78proc_env_apply(&env, set[i]) != 0)
      goto oom;
  for (const char *const *e = opt->env; e && *e; e++)
    if (m78proc_env_apply(&env, *e) != 0)
      goto oom;

  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    st = fail(err, M78NET_EIO, "cannot create a pipe: %s", strerror(errno));
    goto done;
  }
  if (pipe2(errp, O_CLOEXEC) != 0) {
    st = fail(err, M78NET_EIO, "cannot create a pipe: %s", strerror(errno));
    close(out[0]);
    close(out[1]);
    goto done;
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  char *argv[] = {(char *)exe, (char *)opt->arg, NULL};
  struct sigaction sa, old[3];
  static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
  if (opt->stop_on_signals) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    got_signal = 0;
    for (int i = 0; i < 3; i++)
      sigaction(sigs[i], &sa, &old[i]);
  }
  /* no firmware outlives its caller */
  struct m78proc_spawn_opts so = {
      .argv = argv, .envp = env.v, .fd_in = devnull, .fd_out = out[1], .fd_err = errp[1], .die_with_parent = 1};
  pid_t pid = m78proc_spawn(&so);
  int spawn_errno = errno;
  close(out[1]);
  close(errp[1]);
  if (devnull >= 0)
    close(devnull);
  if (pid < 0) {
    close(out[0]);
    close(errp[0]);
    st = fail(err, M78NET_EBUILD, "%s: cannot start: %s", exe, strerror(spawn_errno));
  } else {
    struct run x = {opt, r, 0};
    double deadline = opt->timeout_s > 0 ? now_s() + opt->timeout_s : 0;
    int killed = read_streams(&x, pid, out[0], errp[0], deadline);
    int status = reap(&x, pid, &killed, deadline);
    if (!killed && WIFEXITED(status)) {
      r->exited = 1;
      r->exit_code = WEXITSTATUS(status);
    } else if (!killed && WIFSIGNALED(status)) {
      r->signal = WTERMSIG(status);
    }
    if (x.oom)
      st = fail(err, M78NET_ENOMEM, "out of memory while reading the firmware's console");
  }
  if (opt->stop_on_signals)
    for (int i = 0; i < 3; i++)
      sigaction(sigs[i], &old[i], NULL);
  goto done;
oom:
  st = fail(err, M78NET_ENOMEM, "out of memory");
done:
  for (int i = 0; i < 8; i++)
    free(set[i]);
  m78proc_env_free(&env);
  return st;
}
