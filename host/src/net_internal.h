/*
 * libmax78sim's own declarations, shared by net.c (open, inference,
 * results) and net_proc.c (the processes: the build, the server, a run
 * from start to end).  Nothing here is exported from the library.
 */
#ifndef M78NET_INTERNAL_H
#define M78NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "m78host/inmap.h"
#include "max78sim/net.h"

#define M78NET_HIDDEN __attribute__((visibility("hidden")))

struct m78net {
  pid_t pid; /* the fork server (-1: none, as with no_serve) */
  int fd;
  char *tmp;
  char *firmware;
  char *exe;  /* the built firmware executable */
  char **env; /* m78net_options.env, copied (NULL-terminated, or NULL) */
  char **classes;
  int nclasses; /* manifest classes, else cnn.h's CNN_NUM_OUTPUTS (unnamed) */
  int named;
  struct m78inmap map;
  int8_t *sample;
  uint32_t next_id;
};

/* Fills ERR (may be NULL) and returns CODE. */
M78NET_HIDDEN enum m78net_status m78neti_fail(struct m78net_error *err, enum m78net_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A whole file, NUL-terminated, up to LIMIT bytes; NULL when unreadable. */
M78NET_HIDDEN char *m78neti_read_all(const char *path, size_t *len, size_t limit);
/* The last non-empty line of TEXT without a "max78sim: " prefix. */
M78NET_HIDDEN void m78neti_last_line(const char *text, char *out, size_t len);
M78NET_HIDDEN void m78neti_remove_tree(const char *dir);

/* `max78sim prepare PROJECT`: makes net->tmp, builds, fills
 * net->firmware, net->exe and the manifest's classes. */
M78NET_HIDDEN enum m78net_status m78neti_prepare(m78net *net, const char *project, const struct m78net_options *opt,
                                                 struct m78net_error *err);
/* Starts net->exe as the fork server and waits until it is at its
 * load_input(). */
M78NET_HIDDEN enum m78net_status m78neti_start_server(m78net *net, const struct m78net_options *opt,
                                                      struct m78net_error *err);
/* The server ended: its log's last line into ERR. */
M78NET_HIDDEN enum m78net_status m78neti_server_gone(m78net *net, struct m78net_error *err, const char *when);

#endif
