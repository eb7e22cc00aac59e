/*
 * Many inferences on one loaded network: the firmware process as a fork
 * server (firmware_shim/src/serve.c).  The protocol between the server
 * and the host API (host/src/net.c), named only here.
 *
 * The max78sim host API starts the firmware with M78SIM_SERVE=FD, FD one
 * end of a stream socket.  The vendor sources are built with
 * -finstrument-functions, so the shim sees the entry of main.c's
 * load_input(): by then the firmware has loaded the weights and bias and
 * configured the layers, and has read nothing of its input arrays.  There
 * the process sends READY and serves requests: each RUN goes to a
 * worker (forked once, then rolled back to its checkpoint at this point
 * after every inference, rollback.h) that writes the request's input
 * into the firmware's own input_N arrays and returns into load_input(),
 * so the unmodified firmware loads that input (memcpy32 or the FIFO
 * loop, with its timing), starts the CNN and takes the interrupt; the
 * run then ends (userinput.c) and writes its report and layer dumps into
 * the request's folder.  The server answers DONE with the run's exit
 * status (the worker's, or its exit status when it died).  Closing the
 * socket ends the server.
 *
 * Messages: struct m78serve_hdr, then `len` payload bytes.
 *  READY  server -> client, no payload
 *  RUN    client -> server: u32 flags, u32 dir length, dir (no NUL), then
 *         the packed input (m78host/inmap.h, "M78INPUT" format)
 *  DONE   server -> client: i32 status (exit code, or -signal)
 */
#ifndef M78_SERVE_PROTO_H
#define M78_SERVE_PROTO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include "max78sim/env.h"

#define M78SERVE_ENV M78ENV_SERVE
#define M78SERVE_MAGIC 0x5338374du /* "M78S" */
#define M78SERVE_MAX_JOBS 64

enum m78serve_type { M78SERVE_READY = 1, M78SERVE_RUN = 2, M78SERVE_DONE = 3 };
enum m78serve_flags { M78SERVE_DUMPS = 1 }; /* write layer dumps too */

struct m78serve_hdr {
  uint32_t magic, type, id, len;
};

/* Reads (WR = 0) or writes all N bytes on the socket, through EINTR;
 * writes never raise SIGPIPE.  0, or -1 when the peer is gone. */
static inline int m78serve_io(int fd, void *buf, size_t n, int wr)
{
  char *p = buf;
  while (n) {
    ssize_t r = wr ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

#endif
