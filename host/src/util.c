/*
 * Generic helpers of the host's programs (see util.h): messages, memory,
 * strings, paths, a growable buffer and the file system.
 *
 * The messages carry one program name, set once by each front-end's
 * main; it is the only state here.
 */
#define _GNU_SOURCE
#include "m78host/util.h"
#include "m78host/fileio.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- messages ---- */

static const char *prog_name = "max78sim";

void m78u_set_prog(const char *name)
{
  prog_name = name;
}

const char *m78u_prog(void)
{
  return prog_name;
}

void m78u_verror(const char *fmt, va_list ap)
{
  fflush(stdout);
  fprintf(stderr, "%s: ", prog_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void m78u_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  m78u_verror(fmt, ap);
  va_end(ap);
}

/* ---- memory and strings ---- */

static void out_of_memory(void)
{
  fprintf(stderr, "%s: out of memory\n", prog_name);
  exit(M78U_EXIT_ERROR);
}

void *m78u_xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    out_of_memory();
  return p;
}

void *m78u_xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (!p)
    out_of_memory();
  return p;
}

char *m78u_xstrdup(const char *s)
{
  size_t n = strlen(s) + 1;
  return memcpy(m78u_xmalloc(n), s, n);
}

/* vasprintf that never fails; *len gets the length */
static char *xvasprintf(const char *fmt, va_list ap, size_t *len)
{
  char *s = NULL;
  int n = vasprintf(&s, fmt, ap);
  if (n < 0)
    out_of_memory();
  *len = (size_t)n;
  return s;
}

char *m78u_xasprintf(const char *fmt, ...)
{
  va_list ap;
  size_t n;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap, &n);
  va_end(ap);
  return s;
}

char *m78u_path_join(const char *a, const char *b)
{
  size_t la = strlen(a);
  if (la == 0)
    return m78u_xstrdup(b);
  return m78u_xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

char *m78u_dirname(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return m78u_xstrdup(".");
  while (slash > path && slash[-1] == '/')
    slash--;
  if (slash == path)
    return m78u_xstrdup("/");
  char *d = m78u_xmalloc((size_t)(slash - path) + 1);
  memcpy(d, path, (size_t)(slash - path));
  d[slash - path] = '\0';
  return d;
}

const char *m78u_basename(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

char *m78u_self_exe(void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return m78u_xstrdup(buf);
}

int m78u_has_suffix(const char *s, const char *suffix)
{
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

int m78u_parse_u64(const char *s, uint64_t *out)
{
  uint64_t v = 0;
  if (!s || !*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

void m78u_buf_add(struct m78u_buf *b, const void *data, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    b->data = m78u_xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void m78u_buf_printf(struct m78u_buf *b, const char *fmt, ...)
{
  va_list ap;
  size_t n;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap, &n);
  va_end(ap);
  m78u_buf_add(b, s, n);
  free(s);
}

void m78u_buf_free(struct m78u_buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- files ---- */

int m78u_is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int m78u_is_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *m78u_read_file(const char *path, size_t *len)
{
  char err[512];
  return m78_read_file_max(path, M78U_READ_MAX, len, err, sizeof err);
}

int m78u_write_file_atomic(const char *path, const void *data, size_t len)
{
  char err[512];
  errno = 0;
  int rc = m78_write_file_atomic(path, data, len, err, sizeof err);
  if (rc != 0 && !errno)
    errno = EIO;
  return rc;
}

int m78u_mkdir_p(const char *path)
{
  char *p = m78u_xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      int e = errno;
      free(p);
      errno = e;
      return -1;
    }
    *s = '/';
  }
  int rc = mkdir(p, 0777);
  int e = errno;
  free(p);
  if (rc != 0 && !(e == EEXIST && m78u_is_dir(path))) {
    errno = e == EEXIST ? ENOTDIR : e;
    return -1;
  }
  return 0;
}

int m78u_remove_tree(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode))
    return unlink(path);
  size_t n = 0;
  char **names = m78u_list_dir(path, &n);
  if (!names)
    return -1;
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    char *sub = m78u_path_join(path, names[i]);
    if (m78u_remove_tree(sub) != 0)
      rc = -1;
    free(sub);
  }
  m78u_free_list(names, n);
  if (rmdir(path) != 0)
    rc = -1;
  return rc;
}

char *m78u_make_temp_dir(const char *prefix)
{
  const char *base = getenv("TMPDIR");
  if (!base || !*base)
    base = "/tmp";
  char *tmpl = m78u_xasprintf("%s/%sXXXXXX", base, prefix);
  if (!mkdtemp(tmpl)) {
    int e = errno;
    free(tmpl);
    errno = e;
    return NULL;
  }
  return tmpl;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **m78u_list_dir(const char *path, size_t *count)
{
  DIR *d = opendir(path);
  if (!d)
    return NULL;
  size_t n = 0, cap = 16;
  char **names = m78u_xmalloc(cap * sizeof *names);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (n == cap) {
      cap *= 2;
      names = m78u_xrealloc(names, cap * sizeof *names);
    }
    names[n++] = m78u_xstrdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  *count = n;
  return names;
}

void m78u_free_list(char **names, size_t count)
{
  if (!names)
    return;
  for (size_t i = 0; i < count; i++)
    free(names[i]);
  free(names);
}

/* ---- whole files ---- */

int m78u_write_json(const char *path, const cJSON *doc)
{
  char err[512];
  errno = 0;
  int rc = m78_json_write_file(doc, path, err, sizeof err);
  if (rc != 0 && !errno)
    errno = EIO;
  return rc;
}

int m78u_move_files(const char *from_dir, const char *to_dir)
{
  size_t n = 0;
  char **names = m78u_list_dir(from_dir, &n);
  int rc = 0;
  if (!names) {
    m78u_error("%s: %s", from_dir, strerror(errno));
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    char *from = m78u_path_join(from_dir, names[i]);
    char *to = m78u_path_join(to_dir, names[i]);
    if (m78u_is_file(from) && rename(from, to) != 0) {
      m78u_error("%s: %s", to, strerror(errno));
      rc = -1;
    }
    free(from);
    free(to);
  }
  m78u_free_list(names, n);
  return rc;
}
