/*
 * Helpers shared by the max78sim command, its subcommands and the
 * known-answer runner: the FNV-1a hash of the firmware
 * cache, a small column table (cli_util.c) and the per-layer table of a
 * run report (cli_report.c).
 * The generic helpers (messages, memory, paths, files) and the layer-dump
 * values and child processes come from the host library (m78host/util.h,
 * m78host/dumps.h, m78host/proc.h), included here for every command.
 *
 * Host errors follow one convention: a function returns 0 on success and
 * -1 on failure with errno set (or a message already printed when it
 * says so).  Nothing here exits; callers decide the exit code.
 */
#ifndef M78_CLI_UTIL_H
#define M78_CLI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "m78host/dumps.h"
#include "m78host/proc.h"
#include "m78host/util.h"

struct cJSON;

/* Exit codes of the max78sim command. */
enum {
  M78CLI_EXIT_PASS = 0,               /* firmware printed *** PASS *** and exited 0 */
  M78CLI_EXIT_FAIL = 1,               /* firmware printed *** FAIL *** */
  M78CLI_EXIT_ERROR = M78U_EXIT_ERROR /* usage, input, build or run error */
};

/* ---- FNV-1a, 64 bit ---- */

#define M78CLI_FNV_INIT 0xcbf29ce484222325ull
uint64_t m78cli_fnv1a(uint64_t h, const void *data, size_t len);
/* Hashes the string and its terminating NUL, so "ab"+"c" != "a"+"bc". */
uint64_t m78cli_fnv1a_str(uint64_t h, const char *s);
uint64_t m78cli_fnv1a_u64(uint64_t h, uint64_t v);

/* ---- tables ---- */

/*
 * A table of text cells, laid out when printed: every column is as wide
 * as its widest cell.  Rows may be marked as a rule (a line of dashes,
 * drawn before the row).  Cells are copied.
 */
enum m78cli_align { M78CLI_LEFT, M78CLI_RIGHT };

struct m78cli_table {
  int ncols;
  const char **headers;
  const enum m78cli_align *align;
  char **cells; /* rows * ncols */
  unsigned char *rule_before;
  int nrows, caprows;
};

void m78cli_table_init(struct m78cli_table *t, int ncols, const char **headers, const enum m78cli_align *align);
/* Starts a row; cells are then set with m78cli_table_set (empty by default). */
int m78cli_table_add_row(struct m78cli_table *t, int rule_before);
void m78cli_table_set(struct m78cli_table *t, int row, int col, const char *text);
void m78cli_table_print(const struct m78cli_table *t, FILE *out);
void m78cli_table_free(struct m78cli_table *t);

/* ---- run reports (docs/report-schema.md) ---- */

/* Prints the per-layer table, the total, the inference line, counters and
 * layer errors of a report. */
void m78cli_report_print(const struct cJSON *report, FILE *out);

/* "60x28x28" from a [C, H, W] array; "?" when absent or malformed. */
void m78cli_format_shape(const struct cJSON *shape, char *buf, size_t len);

/* The report with "firmware" and "kat" after "version" (at the end if
 * there is no version), as docs/report-schema.md shows them.  `run` and
 * `replay` both write reports through this and m78u_write_json, so
 * the same simulation gives the same bytes. */
struct cJSON *m78cli_report_with_run(const struct cJSON *report, const char *firmware, const char *kat);
#endif
