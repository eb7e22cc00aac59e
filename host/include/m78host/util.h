/*
 * Generic helpers of the host's programs (the CLI, the viewer, the test
 * drivers): messages, memory, strings, paths, a growable buffer and the
 * file system.
 *
 * Host errors follow one convention: a function returns 0 on success and
 * -1 on failure with errno set (or a message already printed when it
 * says so).  Nothing here exits except on out-of-memory; callers decide
 * the exit code.
 */
#ifndef M78_UTIL_H
#define M78_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;

/* The exit code of a host program on a host error (usage, input, out of
 * memory): the max78sim command's M78CLI_EXIT_ERROR. */
#define M78U_EXIT_ERROR 2

/* ---- messages ---- */

/* Sets the program name printed before every message ("max78sim"). */
void m78u_set_prog(const char *name);
const char *m78u_prog(void);
/* One line on stderr: "PROG: <message>". */
void m78u_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void m78u_verror(const char *fmt, va_list ap);

/* ---- memory and strings (abort with a message when out of memory) ---- */

void *m78u_xmalloc(size_t n);
void *m78u_xrealloc(void *p, size_t n);
char *m78u_xstrdup(const char *s);
char *m78u_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a + "/" + b, without doubling a trailing slash of a. */
char *m78u_path_join(const char *a, const char *b);
/* Directory part of a path ("." when there is none). */
char *m78u_dirname(const char *path);
/* Last component of a path. */
const char *m78u_basename(const char *path);
int m78u_has_suffix(const char *s, const char *suffix);
/* The path of the running executable (/proc/self/exe), or NULL. */
char *m78u_self_exe(void);

/* Parses a non-negative decimal integer; the whole string must match. */
int m78u_parse_u64(const char *s, uint64_t *out);

/* Growable byte buffer. */
struct m78u_buf {
  char *data;
  size_t len, cap;
};
void m78u_buf_add(struct m78u_buf *b, const void *data, size_t n);
void m78u_buf_printf(struct m78u_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void m78u_buf_free(struct m78u_buf *b);

/* ---- files ---- */

int m78u_is_dir(const char *path);
int m78u_is_file(const char *path);
/* Whole file into memory, NUL-terminated (not counted in *len); a file
 * over M78U_READ_MAX bytes fails with EFBIG before it is read.  The one
 * reader of whole text and JSON files (manifests, reports, cnn.c, main.c,
 * sampledata.h); len may be NULL. */
#define M78U_READ_MAX ((size_t)256 << 20)
char *m78u_read_file(const char *path, size_t *len);
/* m78_write_file_atomic (report.h): a regular PATH is never half-written;
 * a FIFO or device is written in place, a symlink through its target. */
int m78u_write_file_atomic(const char *path, const void *data, size_t len);
int m78u_mkdir_p(const char *path);
/* Removes a file or a directory tree; a missing path is not an error. */
int m78u_remove_tree(const char *path);
/* A new private directory $TMPDIR/<prefix>XXXXXX (or /tmp). */
char *m78u_make_temp_dir(const char *prefix);
/* Sorted names of a directory's entries, without "." and "..".
 * Returns NULL on error; *count receives the number of names. */
char **m78u_list_dir(const char *path, size_t *count);
void m78u_free_list(char **names, size_t count);

/* cJSON_Print of DOC plus a newline, written atomically: m78_json_write_file
 * (m78host/fileio.h) with errno set instead of a message. */
int m78u_write_json(const char *path, const struct cJSON *doc);
/* Moves the regular files of FROM_DIR into TO_DIR, each by one rename
 * (same file system); prints a message for each failure. */
int m78u_move_files(const char *from_dir, const char *to_dir);

#endif
