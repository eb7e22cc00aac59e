/*
 * Many inferences on one loaded network: the firmware process as a fork
 * server (serve.c).  The protocol it speaks with the host API
 * (host/src/net.c), and how the server finds its fork point, are
 * described in m78host/serve_proto.h.
 */
#ifndef M78_SERVE_H
#define M78_SERVE_H

#include "m78host/serve_proto.h"

/* Called by runtime_host.c when M78SIM_SERVE is set: finds load_input.
 * Returns 0, or -1 with a message. */
int m78serve_init(int fd, char *err, unsigned errlen);

#endif
