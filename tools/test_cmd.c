/*
 * `max78sim test DIR|MODEL... [--junit FILE]`: firmware CI without a
 * board.  Every project is one `max78sim run` of this executable (a child
 * process, so one crashing firmware cannot take the others down), its
 * exit code the verdict: 0 pass, 1 the firmware's check failed (or a
 * layer could not be simulated), anything else an error.  The JUnit XML
 * has one <testcase> per project, in the order given, whatever order the
 * --jobs children finish in; it is written atomically (temporary file and
 * rename), so a CI job never reads half a report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"

struct project {
  const char *arg;
  char *out_path, *err_path;
  pid_t pid;
  int status; /* exit code of the run; -1 not run (resolve error), >= 128 signal */
  double seconds;
  struct timespec t0;
  char *out, *err;
  char *resolve_error;
};

static void test_help(FILE *out)
{
  fprintf(out, "usage: max78sim test DIR|MODEL... [--junit FILE] [options]\n"
               "\n"
               "Runs every project like 'max78sim run' (build against the simulator, run, the\n"
               "firmware's own PASS/FAIL check) and prints one line per project and a summary:\n"
               "a CI job for a firmware repository, without a board.\n"
               "\n" M78CLI_TARGET_HELP "\n"
               "options:\n"
               "  --junit FILE      write a JUnit XML report: one <testcase> per project (name:\n"
               "                    the argument as given, classname max78sim.run), <failure> for\n"
               "                    a failed check, <error> for a project that could not be built\n"
               "                    or run; the console and table in <system-out>, the messages in\n"
               "                    <system-err>; written atomically\n"
               "  --jobs N          run N projects at a time (default 1)\n"
               "  --max-cycles N, --timeout SEC, --threads N, --fault SPEC, --rebuild\n"
               "                    passed on to every 'max78sim run'\n"
               "  -q, --quiet       print only the summary (and failures)\n"
               "  -h, --help        show this help\n"
               "\n"
               "Exit status: 0 every project passed, 1 at least one failed or could not be run,\n"
               "2 bad usage or the JUnit file could not be written.\n"
               "A sample CI script: tools/scripts/firmware-ci.sh (README, 'Firmware CI').\n");
}

/* The last "max78sim: ..." line of a run's stderr: why it did not pass. */
static char *reason(const char *err, int status)
{
  const char *best = NULL;
  size_t plen = strlen(m78u_prog());
  for (const char *s = err; s && *s;) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    if (len > plen + 2 && strncmp(s, m78u_prog(), plen) == 0 && s[plen] == ':')
      best = s;
    s = nl ? nl + 1 : NULL;
  }
  if (best) {
    const char *nl = strchr(best, '\n');
    size_t skip = plen + 2;
    return strndup(best + skip, (nl ? (size_t)(nl - best) : strlen(best)) - skip);
  }
  if (status >= 128)
    return m78u_xasprintf("max78sim run was killed by signal %d", status - 128);
  return m78u_xasprintf("max78sim run exited with status %d", status);
}

/* XML 1.0 text: the five entities, and no control characters it forbids
 * (a firmware may print anything). */
static void xml_text(struct m78u_buf *b, const char *s)
{
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': m78u_buf_printf(b, "&amp;"); break;
    case '<': m78u_buf_printf(b, "&lt;"); break;
    case '>': m78u_buf_printf(b, "&gt;"); break;
    case '"': m78u_buf_printf(b, "&quot;"); break;
    case '\'': m78u_buf_printf(b, "&apos;"); break;
    default:
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f || c >= 0x80)
        m78u_buf_add(b, "?", 1); /* also non-ASCII: the XML stays valid UTF-8 */
      else
        m78u_buf_add(b, s, 1);
    }
  }
}

static int write_junit(const char *path, struct project *p, int n, double total)
{
  int failures = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    failures += p[i].status == 1;
    errors += p[i].status != 0 && p[i].status != 1;
  }
  struct m78u_buf b = {0};
  m78u_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  m78u_buf_printf(&b, "<testsuites name=\"max78sim\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">\n", n,
                  failures, errors, total);
  m78u_buf_printf(&b,
                  "  <testsuite name=\"max78sim test\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" "
                  "time=\"%.3f\">\n",
                  n, failures, errors, total);
  for (int i = 0; i < n; i++) {
    m78u_buf_printf(&b, "    <testcase name=\"");
    xml_text(&b, p[i].arg);
    m78u_buf_printf(&b, "\" classname=\"max78sim.run\" time=\"%.3f\">\n", p[i].seconds);
    if (p[i].status != 0) {
      char *why = p[i].resolve_error ? m78u_xstrdup(p[i].resolve_error) : reason(p[i].err, p[i].status);
      const char *tag = p[i].status == 1 ? "failure" : "error";
      m78u_buf_printf(&b, "      <%s message=\"", tag);
      xml_text(&b, why);
      m78u_buf_printf(&b, "\" type=\"%s\">", p[i].status == 1 ? "FAIL" : "error");
      xml_text(&b, why);
      m78u_buf_printf(&b, "</%s>\n", tag);
      free(why);
    }
    if (p[i].out && *p[i].out) {
      m78u_buf_printf(&b, "      <system-out>");
      xml_text(&b, p[i].out);
      m78u_buf_printf(&b, "</system-out>\n");
    }
    const char *err = p[i].resolve_error ? p[i].resolve_error : p[i].err;
    if (err && *err) {
      m78u_buf_printf(&b, "      <system-err>");
      xml_text(&b, err);
      m78u_buf_printf(&b, "</system-err>\n");
    }
    m78u_buf_printf(&b, "    </testcase>\n");
  }
  m78u_buf_printf(&b, "  </testsuite>\n</testsuites>\n");
  int rc = m78u_write_file_atomic(path, b.data, b.len);
  if (rc != 0)
    m78u_error("%s: %s", path, strerror(errno));
  m78u_buf_free(&b);
  return rc;
}

static double since(const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

static int start(struct project *p, const char *exe, char **pass, int npass, const char *tmpdir, int idx)
{
  p->out_path = m78u_xasprintf("%s/%d.out", tmpdir, idx);
  p->err_path = m78u_xasprintf("%s/%d.err", tmpdir, idx);
  int fo = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int fe = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int fi = open("/dev/null", O_RDONLY | O_CLOEXEC);
  char **argv = m78u_xmalloc((size_t)(npass + 5) * sizeof *argv);
  int k = 0;
  argv[k++] = (char *)exe;
  argv[k++] = "run";
  for (int i = 0; i < npass; i++)
    argv[k++] = pass[i];
  argv[k++] = "--"; /* DIR is DIR even if it starts with '-' */
  argv[k++] = (char *)p->arg;
  argv[k] = NULL;
  struct m78proc_spawn_opts so = {.argv = argv, .fd_in = fi, .fd_out = fo, .fd_err = fe, .die_with_parent = 1};
  clock_gettime(CLOCK_MONOTONIC, &p->t0);
  p->pid = fo >= 0 && fe >= 0 ? m78proc_spawn(&so) : -1;
  int e = errno;
  if (fo >= 0)
    close(fo);
  if (fe >= 0)
    close(fe);
  if (fi >= 0)
    close(fi);
  free(argv);
  if (p->pid < 0) {
    m78u_error("test: cannot start max78sim run: %s", strerror(e));
    return -1;
  }
  return 0;
}

static void finish(struct project *p, int wstatus, int quiet, int width)
{
  p->seconds = since(&p->t0);
  p->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
  p->out = m78u_read_file(p->out_path, NULL);
  p->err = m78u_read_file(p->err_path, NULL);
  if (p->status == 0) {
    if (!quiet)
      printf("ok     %-*s %7.2f s\n", width, p->arg, p->seconds);
  } else {
    char *why = reason(p->err, p->status);
    printf("%s  %-*s %7.2f s  %s\n", p->status == 1 ? "FAIL " : "ERROR", width, p->arg, p->seconds, why);
    free(why);
  }
  fflush(stdout);
}

/* Resolves the project's name with its messages caught: a name that does
 * not resolve becomes an <error> testcase with the message, not an abort. */
static void resolve_project(struct project *p, const struct m78fw_paths *paths, const char *tmpdir, int width)
{
  struct m78cli_target t;
  int saved = dup(STDERR_FILENO);
  char *errfile = m78u_xasprintf("%s/resolve.err", tmpdir);
  int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  int r = m78cli_resolve(paths, p->arg, &t);
  fflush(stderr);
  if (saved >= 0) {
    dup2(saved, STDERR_FILENO);
    close(saved);
  }
  if (r != 0) {
    char *msg = m78u_read_file(errfile, NULL);
    p->status = M78CLI_EXIT_ERROR;
    p->resolve_error = msg ? msg : m78u_xstrdup("cannot resolve");
    size_t len = strlen(p->resolve_error);
    while (len && p->resolve_error[len - 1] == '\n')
      p->resolve_error[--len] = '\0';
    size_t plen = strlen(m78u_prog());
    if (strncmp(p->resolve_error, m78u_prog(), plen) == 0 && p->resolve_error[plen] == ':')
      memmove(p->resolve_error, p->resolve_error + plen + 2, strlen(p->resolve_error + plen + 2) + 1);
    printf("ERROR  %-*s %7.2f s  %s\n", width, p->arg, 0.0, p->resolve_error);
  } else {
    m78cli_target_free(&t);
  }
  free(errfile);
}

/* --junit FILE can be written: a name in an existing folder (an error
 * printed otherwise). */
static int junit_path_ok(const char *junit)
{
  char *parent = m78u_dirname(junit);
  int ok = *junit && m78u_is_dir(parent) && !m78u_is_dir(junit);
  if (!ok)
    m78u_error("test: --junit %s: %s", junit,
               !*junit              ? "empty file name"
               : m78u_is_dir(junit) ? "is a directory"
                                    : "its folder does not exist");
  free(parent);
  return ok;
}

int m78cli_cmd_test(int argc, char **argv)
{
  const char *junit = NULL;
  uint64_t jobs = 1;
  int quiet = 0, only_args = 0, n = 0, npass = 0;
  struct project *p = m78u_xmalloc((size_t)argc * sizeof *p);
  char **pass = m78u_xmalloc((size_t)(2 * argc + 1) * sizeof *pass);
  int rc = M78CLI_EXIT_ERROR;
  char *exe = NULL, *tmpdir = NULL;
  memset(p, 0, (size_t)argc * sizeof *p);
  static const char *const passed_on[] = {"--max-cycles", "--timeout", "--threads", "--fault"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    int taken = 0;
    if (only_args || a[0] != '-') {
      p[n++].arg = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_args = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      test_help(stdout);
      rc = 0;
      goto out;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      quiet = 1;
    } else if (strcmp(a, "--rebuild") == 0) {
      pass[npass++] = "--rebuild";
    } else if (m78cli_is_option(a, "--junit")) {
      if (!(junit = m78cli_option_value("test", argc, argv, &i, "--junit")))
        goto out;
    } else if (m78cli_is_option(a, "--jobs")) {
      if (!(v = m78cli_option_value("test", argc, argv, &i, "--jobs")))
        goto out;
      if (m78u_parse_u64(v, &jobs) != 0 || jobs < 1 || jobs > 64) {
        m78u_error("test: --jobs: not an integer from 1 to 64: %s", v);
        goto out;
      }
    } else {
      for (size_t k = 0; k < sizeof passed_on / sizeof passed_on[0] && !taken; k++) {
        if (m78cli_is_option(a, passed_on[k])) {
          if (!(v = m78cli_option_value("test", argc, argv, &i, passed_on[k])))
            goto out;
          pass[npass++] = (char *)passed_on[k];
          pass[npass++] = (char *)v;
          taken = 1;
        }
      }
      if (!taken) {
        m78u_error("test: unknown option %s (see 'max78sim test --help')", a);
        goto out;
      }
    }
  }
  if (n == 0) {
    m78u_error("test: no project given (see 'max78sim test --help')");
    goto out;
  }
  if (junit && !junit_path_ok(junit))
    goto out;
  if (!(exe = m78u_self_exe()) || !(tmpdir = m78u_make_temp_dir("max78sim-test-"))) {
    m78u_error("test: cannot find this executable or create a temporary folder: %s", strerror(errno));
    goto out;
  }
  int width = 0;
  for (int i = 0; i < n; i++)
    if ((int)strlen(p[i].arg) > width)
      width = (int)strlen(p[i].arg);
  if (width > 40)
    width = 40;

  /* resolve first: a wrong name is an <error> testcase, not an abort */
  struct m78fw_paths paths;
  m78fw_paths_init(&paths);
  for (int i = 0; i < n; i++)
    resolve_project(&p[i], &paths, tmpdir, width);
  m78fw_paths_free(&paths);

  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int next = 0, running = 0;
  for (;;) {
    while (running < (int)jobs && next < n) {
      if (p[next].resolve_error) {
        next++;
        continue;
      }
      if (start(&p[next], exe, pass, npass, tmpdir, next) != 0) {
        p[next].status = M78CLI_EXIT_ERROR;
        p[next].resolve_error = m78u_xstrdup("cannot start max78sim run");
      } else {
        running++;
      }
      next++;
    }
    if (running == 0)
      break;
    int ws;
    pid_t pid = waitpid(-1, &ws, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      m78u_error("test: waitpid: %s", strerror(errno));
      goto out;
    }
    for (int i = 0; i < n; i++)
      if (p[i].pid == pid) {
        p[i].pid = 0;
        finish(&p[i], ws, quiet, width);
        running--;
      }
  }
  double total = since(&t0);
  int passed = 0, failed = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    passed += p[i].status == 0;
    failed += p[i].status == 1;
    errors += p[i].status != 0 && p[i].status != 1;
  }
  printf("%d project%s: %d passed, %d failed, %d error%s (%.1f s)\n", n, n == 1 ? "" : "s", passed, failed, errors,
         errors == 1 ? "" : "s", total);
  fflush(stdout);
  rc = passed == n ? M78CLI_EXIT_PASS : M78CLI_EXIT_FAIL;
  if (junit && write_junit(junit, p, n, total) != 0)
    rc = M78CLI_EXIT_ERROR;
out:
  for (int i = 0; i < argc; i++) {
    free(p[i].out_path);
    free(p[i].err_path);
    free(p[i].out);
    free(p[i].err);
    free(p[i].resolve_error);
  }
  if (tmpdir)
    m78u_remove_tree(tmpdir);
  free(tmpdir);
  free(exe);
  free(p);
  free(pass);
  return rc;
}
