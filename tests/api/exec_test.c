/*
 * The host API's one run from start to end (m78net_exec), as `run`,
 * `compare` and the live viewer use it:
 *   exec_test CORPUS_DIR WORK_DIR
 * on the corpus's mnist: a no_serve network runs once and passes its own
 * check, leaves a report whose inference agrees with the served
 * inference of the same sample (the other way the API runs it), its
 * console comes line by line, settings in env override the options,
 * a cancel kills it, a program that cannot start is an error, and a
 * no_serve network refuses m78net_run.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "max78sim/env.h"
#include "max78sim/net.h"

static int failures;
#define CHECK(c, ...)                                                                                                  \
  do {                                                                                                                 \
    if (!(c)) {                                                                                                        \
      failures++;                                                                                                      \
      printf("FAIL line %d: ", __LINE__);                                                                              \
      printf(__VA_ARGS__);                                                                                             \
      printf("\n");                                                                                                    \
    }                                                                                                                  \
  } while (0)

struct lines {
  int out, err, pass_lines, kernel_msg;
  size_t bytes;
};

static void on_line(void *ctx, int fd, const char *line, size_t len)
{
  struct lines *l = ctx;
  if (fd == 1)
    l->out++;
  else
    l->err++;
  l->bytes += len;
  if (len == 0 || line[len - 1] != '\n')
    l->bytes += 1000000; /* a line without its newline: counted as a failure below */
  if (fd == 1 && memmem(line, len, "*** PASS ***", 12))
    l->pass_lines++;
  if (fd == 2 && memmem(line, len, "no-such-kernel", 14))
    l->kernel_msg++;
}

static cJSON *read_json(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  static char buf[1 << 24];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return cJSON_Parse(buf);
}

static double field(const cJSON *o, const char *a, const char *b)
{
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
  return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: exec_test CORPUS_DIR WORK_DIR\n");
    return 2;
  }
  char project[4096], report[4096];
  snprintf(project, sizeof project, "%s/mnist", argv[1]);
  snprintf(report, sizeof report, "%s/report.json", argv[2]);
  struct m78net_error e;
  m78net *net = NULL;
  struct m78net_options no = {.no_serve = 1};
  if (m78net_open(&net, project, &no, &e) != M78NET_OK) {
    printf("FAIL: m78net_open(no_serve): %s\n", e.msg);
    return 1;
  }
  CHECK(m78net_firmware_dir(net) != NULL, "no firmware folder");

  /* a no_serve network has no fork server */
  int8_t one = 0;
  m78net_result *res = NULL;
  CHECK(m78net_run(net, &one, 1, 0, &res, &e) == M78NET_EINVAL && strstr(e.msg, "no_serve"),
        "m78net_run on a no_serve network: %s", e.msg);

  /* one run, start to end */
  struct lines l = {0};
  remove(report);
  struct m78net_exec_options xo = {.report_path = report, .max_cycles = 2000000000ull, .console = on_line, .ctx = &l};
  struct m78net_exec_result xr;
  CHECK(m78net_exec(net, &xo, &xr, &e) == M78NET_OK, "m78net_exec: %s", e.msg);
  CHECK(xr.exited && xr.exit_code == 0, "exited %d, status %d, signal %d", xr.exited, xr.exit_code, xr.signal);
  CHECK(xr.saw_pass && !xr.saw_fail, "saw_pass %d saw_fail %d", xr.saw_pass, xr.saw_fail);
  CHECK(l.out >= 3 && l.pass_lines == 1 && l.bytes < 1000000, "console: %d stdout lines, %d PASS lines, %zu bytes",
        l.out, l.pass_lines, l.bytes);
  cJSON *rep = read_json(report);
  double cycles = field(rep, "inference", "cycles");
  CHECK(rep && cycles > 0, "no report with inference cycles at %s", report);

  /* the served inference of the same sample: the same cycles and outputs */
  m78net *served = NULL;
  if (m78net_open(&served, project, NULL, &e) != M78NET_OK) {
    printf("FAIL: m78net_open: %s\n", e.msg);
    failures++;
  } else {
    int c, h, w;
    m78net_input_shape(served, &c, &h, &w);
    if (m78net_run(served, m78net_sample(served), (size_t)c * h * w, 0, &res, &e) != M78NET_OK) {
      printf("FAIL: m78net_run: %s\n", e.msg);
      failures++;
    } else {
      CHECK((double)m78net_result_cycles(res) == cycles, "served %llu cycles, exec %.0f",
            (unsigned long long)m78net_result_cycles(res), cycles);
      cJSON *srep = cJSON_Parse(m78net_result_report(res));
      const cJSON *a = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "output"), "values");
      const cJSON *b = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(srep, "output"), "values");
      CHECK(cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0 && cJSON_Compare(a, b, 1), "output values differ");
      cJSON_Delete(srep);
      m78net_result_free(res);
    }
    m78net_close(served);
  }
  cJSON_Delete(rep);

  /* ENV is applied after the options: a cycle budget of 10 stops it (exit status 3) */
  const char *env[] = {M78ENV_MAX_CYCLES "=10", NULL};
  xo.env = env;
  xo.console = NULL;
  CHECK(m78net_exec(net, &xo, &xr, &e) == M78NET_OK && xr.exited && xr.exit_code == 3 && !xr.saw_pass,
        "cycle budget 10 through env: exited %d status %d", xr.exited, xr.exit_code);
  xo.env = NULL;

  /* m78net_options.env reaches every process of the network (here the
   * run's): an engine kernel that does not exist stops the firmware at
   * its start, with a message naming it */
  const char *envk[] = {M78ENV_KERNEL "=no-such-kernel", NULL};
  struct m78net_options nok = {.no_serve = 1, .env = envk};
  m78net *netk = NULL;
  if (m78net_open(&netk, project, &nok, &e) != M78NET_OK) {
    printf("FAIL: m78net_open(env): %s\n", e.msg);
    failures++;
  } else {
    struct lines lk = {0};
    xo.console = on_line;
    xo.ctx = &lk;
    CHECK(m78net_exec(netk, &xo, &xr, &e) == M78NET_OK && xr.exited && xr.exit_code != 0 && !xr.saw_pass &&
              lk.kernel_msg == 1,
          "the network's env: exited %d status %d, kernel message %d", xr.exited, xr.exit_code, lk.kernel_msg);
    xo.console = NULL;
    m78net_close(netk);
  }

  /* a cancel already set: killed, not exited */
  volatile int cancel = 1;
  xo.cancel = &cancel;
  CHECK(m78net_exec(net, &xo, &xr, &e) == M78NET_OK && xr.cancelled && !xr.exited, "cancel: cancelled %d exited %d",
        xr.cancelled, xr.exited);
  xo.cancel = NULL;

  /* a program that cannot start */
  xo.exe = "/nonexistent/firmware";
  CHECK(m78net_exec(net, &xo, &xr, &e) == M78NET_EBUILD && strstr(e.msg, "cannot start"), "bad program: %s", e.msg);
  CHECK(m78net_exec(NULL, &(struct m78net_exec_options){0}, &xr, &e) == M78NET_EINVAL, "no network: %s", e.msg);

  m78net_close(net);
  printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
  return failures ? 1 : 0;
}
