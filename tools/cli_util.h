/*
 * Helpers shared by the max78sim command, its subcommands and the
 * known-answer runner: messages, paths and files, the FNV-1a hash of the
 * firmware cache, a small column table, the per-layer table of a run
 * report, and the decoding of layer dumps (C order: channel, row, col).
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

struct cJSON;

/* Exit codes of the max78sim command. */
enum {
  M78CLI_EXIT_PASS = 0,  /* firmware printed *** PASS *** and exited 0 */
  M78CLI_EXIT_FAIL = 1,  /* firmware printed *** FAIL *** */
  M78CLI_EXIT_ERROR = 2  /* usage, input, build or run error */
};

/* ---- messages ---- */

/* Sets the program name printed before every message ("max78sim"). */
void m78cli_set_prog(const char *name);
const char *m78cli_prog(void);
/* One line on stderr: "PROG: <message>". */
void m78cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void m78cli_verror(const char *fmt, va_list ap);

/* ---- memory and strings (abort with a message when out of memory) ---- */

void *m78cli_xmalloc(size_t n);
void *m78cli_xrealloc(void *p, size_t n);
char *m78cli_xstrdup(const char *s);
char *m78cli_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a + "/" + b, without doubling a trailing slash of a. */
char *m78cli_path_join(const char *a, const char *b);
/* Directory part of a path ("." when there is none). */
char *m78cli_dirname(const char *path);
/* Last component of a path. */
const char *m78cli_basename(const char *path);
int m78cli_has_suffix(const char *s, const char *suffix);

/* Parses a non-negative decimal integer; the whole string must match. */
int m78cli_parse_u64(const char *s, uint64_t *out);

/* Growable byte buffer. */
struct m78cli_buf {
  char *data;
  size_t len, cap;
};
void m78cli_buf_add(struct m78cli_buf *b, const void *data, size_t n);
void m78cli_buf_printf(struct m78cli_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void m78cli_buf_free(struct m78cli_buf *b);

/* ---- files ---- */

int m78cli_is_dir(const char *path);
int m78cli_is_file(const char *path);
/* Whole file into memory, NUL-terminated (not counted in *len); a file
 * over M78CLI_READ_MAX bytes fails with EFBIG before it is read. */
#define M78CLI_READ_MAX ((size_t)256 << 20)
char *m78cli_read_file(const char *path, size_t *len);
/* m78_write_file_atomic (report.h): a regular PATH is never half-written;
 * a FIFO or device is written in place, a symlink through its target. */
int m78cli_write_file_atomic(const char *path, const void *data, size_t len);
int m78cli_mkdir_p(const char *path);
/* Removes a file or a directory tree; a missing path is not an error. */
int m78cli_remove_tree(const char *path);
/* A new private directory $TMPDIR/<prefix>XXXXXX (or /tmp). */
char *m78cli_make_temp_dir(const char *prefix);
/* Sorted names of a directory's entries, without "." and "..".
 * Returns NULL on error; *count receives the number of names. */
char **m78cli_list_dir(const char *path, size_t *count);
void m78cli_free_list(char **names, size_t count);

/* ---- child processes (fork/exec, no shell) ---- */

struct m78cli_spawn_opts {
  char *const *argv;          /* argv[0] is searched in PATH if it has no slash */
  int fd_in, fd_out, fd_err;  /* the child's stdin/stdout/stderr; -1: inherit */
  const char *const *env;     /* "NAME=value" sets, "NAME" unsets; NULL-terminated, or NULL */
  int die_with_parent;        /* SIGKILL the child if we die first */
};
/* Returns the child's pid, or -1 with errno set, also when exec failed. */
pid_t m78cli_spawn(const struct m78cli_spawn_opts *o);
/* waitpid() that retries after EINTR. */
int m78cli_wait(pid_t pid, int *status);

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
 * `replay` both write reports through this and m78cli_write_json, so
 * the same simulation gives the same bytes. */
struct cJSON *m78cli_report_with_run(const struct cJSON *report, const char *firmware, const char *kat);
/* cJSON_Print of DOC plus a newline, written atomically. */
int m78cli_write_json(const char *path, const struct cJSON *doc);
/* Moves the regular files of FROM_DIR into TO_DIR, each by one rename
 * (same file system); prints a message for each failure. */
int m78cli_move_files(const char *from_dir, const char *to_dir);

/* ---- layer dumps ---- */

/* Bytes per value of a corpus dtype ("int8", "int32le"), 0 if unknown. */
int m78cli_dtype_size(const char *dtype);
/* Signed value number i of a raw dump. */
int64_t m78cli_dump_value(const unsigned char *data, size_t i, int elsize);
/* Position of value number i in a C-order [C, H, W] tensor. */
void m78cli_chw_index(const long shape[3], size_t i, long *c, long *row, long *col);

struct m78cli_diff {
  size_t values;    /* values compared */
  size_t differ;    /* values that differ */
  size_t first;     /* index of the first difference (valid if differ) */
  int64_t expected; /* values at that index */
  int64_t got;
};
/* Compares two dumps of equal length value by value. */
void m78cli_compare_dumps(const unsigned char *expected, const unsigned char *got, size_t len, int elsize,
                          struct m78cli_diff *d);

#endif
