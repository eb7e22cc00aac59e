/* A listening TCP socket on the loopback interface (m78host/sock.h). */
#include "m78host/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int m78sock_listen_local(unsigned port, unsigned *bound, char *err, size_t len)
{
  if (port > 65535) {
    snprintf(err, len, "port %u is not a TCP port (0-65535)", port);
    return -1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    snprintf(err, len, "cannot create a socket: %s", strerror(errno));
    return -1;
  }
  int one = 1;
  /* a port left in TIME_WAIT by the previous session is free to use */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
    snprintf(err, len, "cannot listen on 127.0.0.1:%u: %s", port, strerror(errno));
    close(fd);
    return -1;
  }
  socklen_t sl = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
    snprintf(err, len, "cannot read the bound port: %s", strerror(errno));
    close(fd);
    return -1;
  }
  *bound = ntohs(sa.sin_port);
  return fd;
}
