/*
 * Whole-file reads and writes shared by every process side: the firmware
 * process's outputs, the CLI's, the viewer's.  A function returns 0 (or
 * the data) on success and -1 (NULL) with a message in err on failure.
 */
#ifndef M78_FILEIO_H
#define M78_FILEIO_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Writes `doc` to `path` atomically (temporary file + rename), as
 * cJSON_Print and a newline.  Returns 0, or -1 with a message in err. */
int m78_json_write_file(const cJSON *doc, const char *path, char *err, size_t errlen);

/* Writes a whole buffer to `path`: atomically (temporary and rename) when
 * it is a regular file or does not exist, through the target of a symlink,
 * in place for a FIFO or device; a directory is refused.  Returns 0, or -1
 * with a message in err (a failed write leaves a regular file untouched). */
int m78_write_file_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen);
/* Reads a whole file of at most `max` bytes (checked before reading),
 * NUL-terminated (not counted in *len).  NULL with a message in err. */
char *m78_read_file_max(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
