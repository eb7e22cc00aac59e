/*
 * The debugger's TCP port: a listening socket on 127.0.0.1 only (the
 * emulated board is not offered to the network).  Shared by `max78sim
 * run --gdb`, which binds the port before it starts max78sim-arm so a
 * busy port is one clear error, and by max78sim-arm --gdb alone.
 */
#ifndef M78SOCK_H
#define M78SOCK_H

#include <stddef.h>

/* Binds and listens on 127.0.0.1:port (0: a free port the system picks).
 * Returns the socket (inherited by child processes: no close-on-exec),
 * or -1 with a message in err.  *bound gets the port. */
int m78sock_listen_local(unsigned port, unsigned *bound, char *err, size_t len);

#endif
