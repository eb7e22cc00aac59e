/*
 * Whole-file reads and writes of the host library (see fileio.h).
 *
 * Every output file of a run goes through m78_write_file_atomic, so a
 * failed or interrupted write never leaves a half-written report, trace
 * or dump behind; every input goes through m78_read_file_max, so a file
 * is bounded before it is read.
 */
#define _GNU_SOURCE /* realpath, O_NOFOLLOW */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "m78host/fileio.h"

static int write_all(int fd, const void *data, size_t n)
{
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* A FIFO, a terminal, /dev/stdout or a device is written in place: renaming
 * a temporary over it would replace the special file with a regular one.
 * Only a regular file (or a new name) is replaced atomically, and a symlink
 * is replaced through its target, so the link itself survives. */
int m78_write_file_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen)
{
  struct stat st;
  char *target = NULL;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    target = realpath(path, NULL);
    if (!target) { /* a dangling link: create what it names, in place */
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
      if (fd < 0 || write_all(fd, data, n) != 0 || close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
      }
      return 0;
    }
    path = target;
  }
  int exists = stat(path, &st) == 0;
  int in_place = exists && !S_ISREG(st.st_mode);
  for (int fd = 1; target && exists && fd <= 2; fd++) { /* /dev/stdout into a file: keep the stream's file */
    struct stat o;
    if (fstat(fd, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino)
      in_place = 1;
  }
  if (exists && S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
    free(target);
    return -1;
  }
  if (in_place) {
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (S_ISREG(st.st_mode) ? O_APPEND : 0));
    int bad = fd < 0 || write_all(fd, data, n) != 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && !bad) {
      bad = 1;
      e = errno;
    }
    if (bad)
      snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
    free(target);
    return bad ? -1 : 0;
  }
  size_t plen = strlen(path) + 32;
  char *tmp = malloc(plen);
  if (!tmp) {
    snprintf(err, errlen, "out of memory");
    free(target);
    return -1;
  }
  snprintf(tmp, plen, "%s.tmp%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, exists ? (st.st_mode & 07777) : 0644);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    free(tmp);
    free(target);
    return -1;
  }
  int bad = write_all(fd, data, n) != 0;
  int e = errno;
  if (close(fd) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (!bad && rename(tmp, path) != 0) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
    unlink(tmp);
  }
  free(tmp);
  free(target);
  return bad ? -1 : 0;
}

/* Checks the size before reading (a sparse or endless file fails at once,
 * not when memory runs out), then reads at most max + 1 bytes: a FIFO or a
 * device has no size to check. */
char *m78_read_file_max(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
    close(fd);
    errno = EISDIR;
    return NULL;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)max) {
    snprintf(err, errlen, "%s: %llu bytes, more than the limit of %zu bytes", path, (unsigned long long)st.st_size,
             max);
    close(fd);
    errno = EFBIG;
    return NULL;
  }
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
  char *buf = malloc(cap + 1);
  for (;;) {
    if (!buf) {
      snprintf(err, errlen, "%s: out of memory", path);
      close(fd);
      errno = ENOMEM;
      return NULL;
    }
    if (n == cap) {
      if (n > max)
        break;
      cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb)
        free(buf);
      buf = nb;
      continue;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  if (n > max) {
    snprintf(err, errlen, "%s: more than the limit of %zu bytes", path, max);
    free(buf);
    errno = EFBIG;
    return NULL;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

int m78_json_write_file(const cJSON *doc, const char *path, char *err, size_t errlen)
{
  char *text = cJSON_Print(doc);
  if (!text) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n = strlen(text);
  text[n] = '\n'; /* replace the terminator: files end with a newline */
  int rc = m78_write_file_atomic(path, text, n + 1, err, errlen);
  cJSON_free(text);
  return rc;
}
