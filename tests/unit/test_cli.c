/*
 * Unit tests of the command-line helpers (tools/cli_util.c): the cache
 * hash, the column table and the report table, the decoding of layer
 * dumps behind the known-answer runner's mismatch messages, files and
 * child processes.  Everything is built in memory or in a private
 * temporary folder.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"

/* Runs a printer into a string (caller frees). */
static char *capture_table(const struct m78cli_table *t)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  m78cli_table_print(t, f);
  fclose(f);
  return text;
}

static char *capture_report(const char *json)
{
  cJSON *doc = cJSON_Parse(json);
  cr_assert_not_null(doc, "test report is not valid JSON");
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  m78cli_report_print(doc, f);
  fclose(f);
  cJSON_Delete(doc);
  return text;
}

/* ---- hashing ---- */

Test(cli_hash, fnv1a_reference_values)
{
  /* Published FNV-1a 64 test vectors. */
  cr_assert_eq(m78cli_fnv1a(M78CLI_FNV_INIT, "", 0), 0xcbf29ce484222325ull);
  cr_assert_eq(m78cli_fnv1a(M78CLI_FNV_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
  cr_assert_eq(m78cli_fnv1a(M78CLI_FNV_INIT, "foobar", 6), 0x85944171f73967e8ull);
}

Test(cli_hash, strings_are_delimited)
{
  uint64_t ab_c = m78cli_fnv1a_str(m78cli_fnv1a_str(M78CLI_FNV_INIT, "ab"), "c");
  uint64_t a_bc = m78cli_fnv1a_str(m78cli_fnv1a_str(M78CLI_FNV_INIT, "a"), "bc");
  cr_assert_neq(ab_c, a_bc);
  cr_assert_neq(m78cli_fnv1a_u64(M78CLI_FNV_INIT, 1), m78cli_fnv1a_u64(M78CLI_FNV_INIT, 256));
}

/* ---- strings and paths ---- */

Test(cli_strings, parse_u64)
{
  uint64_t v = 7;
  cr_assert_eq(m78u_parse_u64("0", &v), 0);
  cr_assert_eq(v, 0);
  cr_assert_eq(m78u_parse_u64("2000000000", &v), 0);
  cr_assert_eq(v, 2000000000ull);
  cr_assert_eq(m78u_parse_u64("18446744073709551615", &v), 0);
  cr_assert_eq(v, UINT64_MAX);
  cr_assert_eq(m78u_parse_u64("18446744073709551616", &v), -1);
  cr_assert_eq(m78u_parse_u64("", &v), -1);
  cr_assert_eq(m78u_parse_u64("12x", &v), -1);
  cr_assert_eq(m78u_parse_u64("-1", &v), -1);
  cr_assert_eq(m78u_parse_u64(" 1", &v), -1);
}

Test(cli_strings, paths)
{
  char *s = m78u_path_join("a/b", "c");
  cr_assert_str_eq(s, "a/b/c");
  free(s);
  s = m78u_path_join("a/b/", "c");
  cr_assert_str_eq(s, "a/b/c");
  free(s);
  s = m78u_dirname("a/b/c");
  cr_assert_str_eq(s, "a/b");
  free(s);
  s = m78u_dirname("c");
  cr_assert_str_eq(s, ".");
  free(s);
  s = m78u_dirname("/c");
  cr_assert_str_eq(s, "/");
  free(s);
  cr_assert_str_eq(m78u_basename("a/b/c.json"), "c.json");
  cr_assert(m78u_has_suffix("main.c", ".c"));
  cr_assert_not(m78u_has_suffix("main.h", ".c"));
  cr_assert_not(m78u_has_suffix("c", ".c"));
}

/* ---- tables ---- */

Test(cli_table, aligns_columns_and_draws_rules)
{
  const char *headers[] = {"name", "count"};
  const enum m78cli_align align[] = {M78CLI_LEFT, M78CLI_RIGHT};
  struct m78cli_table t;
  m78cli_table_init(&t, 2, headers, align);
  int r = m78cli_table_add_row(&t, 0);
  m78cli_table_set(&t, r, 0, "a");
  m78cli_table_set(&t, r, 1, "12345");
  r = m78cli_table_add_row(&t, 0);
  m78cli_table_set(&t, r, 0, "longer name");
  m78cli_table_set(&t, r, 1, "7");
  r = m78cli_table_add_row(&t, 1);
  m78cli_table_set(&t, r, 0, "total");
  char *text = capture_table(&t);
  cr_assert_str_eq(text, "name         count\n"
                         "a            12345\n"
                         "longer name      7\n"
                         "-----------  -----\n"
                         "total\n");
  free(text);
  m78cli_table_free(&t);
}

static const char sample_report[] =
    "{\"schema\":1,\"tool\":\"max78sim\",\"version\":\"0.1.0\","
    "\"stop\":{\"reason\":\"exit\",\"exit_code\":0,\"detail\":\"\"},"
    "\"clock\":{\"cnn_hz\":50000000,\"source\":\"PCLK\",\"divider\":1},"
    "\"inference\":{\"runs\":1,\"start_cycle\":123,\"end_cycle\":70280,\"cycles\":70157,\"time_us\":1403.14,"
    "\"energy_uj\":2.5,\"dynamic_uj\":2.25,\"static_uj\":0.25},"
    "\"layers\":["
    "{\"index\":0,\"op\":\"conv2d\",\"input\":[1,28,28],\"output\":[60,28,28],\"macs\":423360,"
    "\"cycles\":48956,\"time_us\":979.12,\"stall_cycles\":0,\"energy_uj\":2.4969,\"macs_per_cycle\":8.65,"
    "\"executed\":true,\"error\":null},"
    "{\"index\":1,\"op\":\"linear\",\"input\":[192,1,1],\"output\":[10,1,1],\"macs\":1920,"
    "\"cycles\":192,\"time_us\":3.84,\"stall_cycles\":0,\"energy_uj\":0.0574,\"macs_per_cycle\":10,"
    "\"executed\":true,\"error\":null}],"
    "\"counters\":{\"guest_errors\":0,\"stubs\":0,\"layer_errors\":0,\"bus_reads\":9,\"bus_writes\":9,"
    "\"last_error\":\"\"}}";

Test(cli_report, table_total_and_inference_line)
{
  char *text = capture_report(sample_report);
  cr_assert_str_eq(text,
                   "layer  op      input    output      MACs  cycles  time us  energy uJ  MAC/cycle\n"
                   "    0  conv2d  1x28x28  60x28x28  423360   48956   979.12      2.497        8.7\n"
                   "    1  linear  192x1x1  10x1x1      1920     192     3.84      0.057       10.0\n"
                   "-----  ------  -------  --------  ------  ------  -------  ---------  ---------\n"
                   "total                             425280   49148   982.96      2.554        8.7\n"
                   "inference: 70157 cycles, 1403.14 us at 50 MHz (PCLK/1), 2.500 uJ (dynamic 2.250, static 0.250)\n");
  free(text);
}

Test(cli_report, loading_stalls_and_power_monitor)
{
  char *text = capture_report(
      "{\"schema\":1,\"clock\":{\"cnn_hz\":50000000,\"source\":\"PCLK\",\"divider\":1},"
      "\"inference\":{\"runs\":1,\"cycles\":10,\"time_us\":0.2,\"wall_us\":7.25,\"monitor_uj\":0.5},"
      "\"layers\":[{\"index\":0,\"op\":\"conv2d\",\"cycles\":10,\"stall_cycles\":4}],"
      "\"loading\":{\"weights\":{\"time_us\":100,\"energy_uj\":0.125,\"accesses\":25,\"bytes\":100,"
      "\"segments\":1,\"mb_per_s\":1},\"bias\":{\"accesses\":0},"
      "\"input\":{\"time_us\":3,\"energy_uj\":0.002,\"accesses\":2,\"bytes\":8,\"segments\":2,\"mb_per_s\":2.67}},"
      "\"power_monitor\":{\"repetitions\":100,\"idle_mw\":0,\"stages\":["
      "{\"name\":\"weights\",\"time_us\":5359.2,\"energy_uj\":4.717},"
      "{\"name\":\"input\",\"time_us\":58.8,\"energy_uj\":0.052},"
      "{\"name\":\"input+inference\",\"time_us\":1468.66,\"energy_uj\":39.821},"
      "{\"name\":\"inference\",\"time_us\":1409.86,\"energy_uj\":39.769}]}}");
  cr_assert(strstr(text, "inference as the CPU sees it (master enable to the end of the interrupt): 7.25 us, "
                         "0.500 uJ (power-monitor view)\n"),
            "%s", text);
  cr_assert(strstr(text, "layer 0 (streaming) waited 4 cycles for FIFO data\n"), "%s", text);
  cr_assert(strstr(text, "weight load: 100.00 us, 0.125 uJ (100 bytes, 1.0 MB/s)\n"), "%s", text);
  cr_assert(!strstr(text, "bias load"), "%s", text);
  cr_assert(strstr(text, "input load: 3.00 us, 0.002 uJ (8 bytes, 2.7 MB/s, 2 times)\n"), "%s", text);
  cr_assert(strstr(text, "stage            time us  energy uJ\n"
                         "weights          5359.20      4.717\n"
                         "input              58.80      0.052\n"
                         "input+inference  1468.66     39.821\n"
                         "---------------  -------  ---------\n"
                         "inference        1409.86     39.769\n"),
            "%s", text);
  free(text);
}

Test(cli_report, counters_and_layer_errors)
{
  char *text = capture_report(
      "{\"schema\":1,\"clock\":{\"cnn_hz\":7500000,\"source\":\"ISO\",\"divider\":8},"
      "\"inference\":{\"runs\":0},"
      "\"layers\":[{\"index\":3,\"op\":\"pool\",\"input\":[4,8,8],\"output\":[4,4,4],\"macs\":0,\"cycles\":10,"
      "\"time_us\":1.5,\"executed\":false,\"error\":\"row count 0 in LCTRL1\"}],"
      "\"counters\":{\"guest_errors\":2,\"stubs\":1,\"layer_errors\":1,\"last_error\":\"write to read-only X\"}}");
  cr_assert(strstr(text, "    3  pool  4x8x8  4x4x4      0      10     1.50          -          -\n"), "%s", text);
  cr_assert(strstr(text, "inference: not started\n"), "%s", text);
  cr_assert(strstr(text, "guest errors: 2\n"), "%s", text);
  cr_assert(strstr(text, "stubs (unimplemented hardware): 1\n"), "%s", text);
  cr_assert(strstr(text, "layer errors: 1\n"), "%s", text);
  cr_assert(strstr(text, "last error: write to read-only X\n"), "%s", text);
  cr_assert(strstr(text, "layer 3 not executed: row count 0 in LCTRL1\n"), "%s", text);
  free(text);
}

Test(cli_report, fractional_clock_and_missing_fields)
{
  char *text = capture_report("{\"schema\":1,\"clock\":{\"cnn_hz\":7500000,\"source\":\"ISO\",\"divider\":8},"
                              "\"inference\":{\"runs\":2,\"cycles\":10,\"time_us\":1.333},"
                              "\"layers\":[{\"index\":0,\"op\":\"add\"}]}");
  cr_assert(strstr(text, "    0  add  ?      ?          -       -        -          -          -\n"), "%s", text);
  cr_assert(strstr(text, "inference: 10 cycles, 1.33 us at 7.5 MHz (ISO/8), 2 inferences started\n"), "%s", text);
  free(text);
}

Test(cli_report, shape_formatting)
{
  char buf[32];
  cJSON *shape = cJSON_Parse("[60, 28, 28]");
  m78cli_format_shape(shape, buf, sizeof buf);
  cr_assert_str_eq(buf, "60x28x28");
  cJSON_Delete(shape);
  shape = cJSON_Parse("[1, \"x\"]");
  m78cli_format_shape(shape, buf, sizeof buf);
  cr_assert_str_eq(buf, "?");
  cJSON_Delete(shape);
  m78cli_format_shape(NULL, buf, sizeof buf);
  cr_assert_str_eq(buf, "?");
}

/* ---- layer dumps ---- */

Test(cli_dump, dtypes)
{
  cr_assert_eq(m78dump_dtype_size("int8"), 1);
  cr_assert_eq(m78dump_dtype_size("int32le"), 4);
  cr_assert_eq(m78dump_dtype_size("int16"), 0);
  cr_assert_eq(m78dump_dtype_size(NULL), 0);
}

Test(cli_dump, values_are_signed)
{
  const unsigned char i8[] = {0x7f, 0x80, 0xff};
  cr_assert_eq(m78dump_value(i8, 0, 1), 127);
  cr_assert_eq(m78dump_value(i8, 1, 1), -128);
  cr_assert_eq(m78dump_value(i8, 2, 1), -1);
  const unsigned char i32[] = {0x58, 0xcf, 0xfe, 0xff, 0xc1, 0x6c, 0x01, 0x00};
  cr_assert_eq(m78dump_value(i32, 0, 4), -77992);
  cr_assert_eq(m78dump_value(i32, 1, 4), 93377);
}

Test(cli_dump, chw_index_is_c_order)
{
  const long shape[3] = {60, 28, 28};
  long c, r, w;
  m78dump_chw_index(shape, 0, &c, &r, &w);
  cr_assert(c == 0 && r == 0 && w == 0);
  m78dump_chw_index(shape, 1 * 784 + 2 * 28 + 3, &c, &r, &w);
  cr_assert(c == 1 && r == 2 && w == 3, "got %ld %ld %ld", c, r, w);
  m78dump_chw_index(shape, 60 * 784 - 1, &c, &r, &w);
  cr_assert(c == 59 && r == 27 && w == 27);
  const long linear[3] = {10, 1, 1};
  m78dump_chw_index(linear, 7, &c, &r, &w);
  cr_assert(c == 7 && r == 0 && w == 0);
}

Test(cli_dump, compare_counts_values_not_bytes)
{
  unsigned char a[16], b[16];
  for (int i = 0; i < 16; i++)
    a[i] = b[i] = (unsigned char)i;
  struct m78dump_diff d;
  m78dump_compare(a, b, sizeof a, 4, &d);
  cr_assert_eq(d.values, 4);
  cr_assert_eq(d.differ, 0);
  b[9] = 0xff; /* value 2, second byte */
  b[10] = 0xff;
  b[12] = 0x80; /* value 3 */
  m78dump_compare(a, b, sizeof a, 4, &d);
  cr_assert_eq(d.differ, 2);
  cr_assert_eq(d.first, 2);
  cr_assert_eq(d.expected, 0x0b0a0908);
  cr_assert_eq(d.got, 0x0bffff08);
  m78dump_compare(a, b, sizeof a, 1, &d);
  cr_assert_eq(d.values, 16);
  cr_assert_eq(d.differ, 3);
  cr_assert_eq(d.first, 9);
  cr_assert_eq(d.expected, 9);
  cr_assert_eq(d.got, -1);
}

/* ---- files and processes ---- */

Test(cli_files, atomic_write_list_and_remove)
{
  char *dir = m78u_make_temp_dir("test-cli-");
  cr_assert_not_null(dir);
  char *sub = m78u_path_join(dir, "x/y");
  cr_assert_eq(m78u_mkdir_p(sub), 0);
  cr_assert_eq(m78u_mkdir_p(sub), 0, "an existing folder is fine");
  char *file = m78u_path_join(dir, "x/b.txt");
  cr_assert_eq(m78u_write_file_atomic(file, "hello", 5), 0);
  size_t len = 0;
  char *text = m78u_read_file(file, &len);
  cr_assert_eq(len, 5);
  cr_assert_str_eq(text, "hello");
  free(text);
  cr_assert_eq(m78u_mkdir_p(file), -1, "a file is not a folder");
  char *x = m78u_path_join(dir, "x");
  size_t n = 0;
  char **names = m78u_list_dir(x, &n);
  cr_assert_eq(n, 2, "no temporary file may remain");
  cr_assert_str_eq(names[0], "b.txt");
  cr_assert_str_eq(names[1], "y");
  m78u_free_list(names, n);
  cr_assert_eq(m78u_remove_tree(dir), 0);
  cr_assert_not(m78u_is_dir(dir));
  cr_assert_eq(m78u_remove_tree(dir), 0, "a missing path is not an error");
  free(x);
  free(file);
  free(sub);
  free(dir);
}

Test(proc_spawn, exec_errors_and_environment)
{
  char *missing[] = {"/nonexistent/program", NULL};
  struct m78proc_spawn_opts so = {.argv = missing, .fd_in = -1, .fd_out = -1, .fd_err = -1};
  errno = 0;
  cr_assert_eq(m78proc_spawn(&so), -1);
  cr_assert_eq(errno, ENOENT);

  setenv("M78_TEST_UNSET_ME", "1", 1);
  char *sh[] = {"/bin/sh", "-c", "test \"$M78_TEST_VAR\" = 'a=b' && test -z \"${M78_TEST_UNSET_ME+x}\"", NULL};
  const char *env[] = {"M78_TEST_VAR=a=b", "M78_TEST_UNSET_ME", NULL};
  struct m78proc_env e;
  cr_assert_eq(m78proc_env_init(&e, env), 0);
  so.argv = sh;
  so.envp = e.v;
  pid_t pid = m78proc_spawn(&so);
  m78proc_env_free(&e);
  cr_assert_gt(pid, 0);
  int status;
  cr_assert_eq(m78proc_wait(pid, &status), 0);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child did not see the environment");
  cr_assert_str_eq(getenv("M78_TEST_UNSET_ME"), "1", "our environment must not change");
}

/* One fd3 case in a process of its own (it may take over descriptors
 * 1 and 3): 0 when the spawned shell wrote "fd3" to its fd 3.  MODE 0:
 * any descriptor; 1: already 3 and close-on-exec (as the fork server's
 * socket); 2: descriptor 1, while the child's stdout is another file. */
static int fd3_case(int mode)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    return 1;
  int r = fcntl(p[0], F_DUPFD_CLOEXEC, 10), w = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
  close(p[0]);
  close(p[1]);
  int target = mode == 1 ? 3 : mode == 2 ? 1 : -1;
  if (target >= 0) {
    if (dup3(w, target, O_CLOEXEC) != target)
      return 2;
    close(w);
    w = target;
  }
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  char *sh[] = {"/bin/sh", "-c", "echo fd3 >&3", NULL};
  struct m78proc_spawn_opts so = {.argv = sh, .fd_in = -1, .fd_out = mode == 2 ? devnull : -1, .fd_err = -1, .fd3 = w};
  pid_t pid = m78proc_spawn(&so);
  close(w);
  if (pid < 0)
    return 3;
  char buf[16] = {0};
  ssize_t n = read(r, buf, sizeof buf - 1);
  int status;
  if (m78proc_wait(pid, &status) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return 4;
  return n == 4 && strcmp(buf, "fd3\n") == 0 ? 0 : 5;
}

Test(proc_spawn, fd3)
{
  static const char *const what[] = {"from another descriptor", "already 3", "from descriptor 1"};
  for (int mode = 0; mode < 3; mode++) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
      _exit(fd3_case(mode));
    int status;
    cr_assert_eq(m78proc_wait(pid, &status), 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fd 3 %s: case failed with %d", what[mode],
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
}
