/*
 * libFuzzer target: the device-data reader of `compare --device`
 * (tools/devdata.c): SRAM images, capture logs and output listings.  The
 * bytes go through a memfd, as a file would, with and without an @ADDR.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "devdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int fd = memfd_create("m78-fuzz-dev", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64], err[512];
  for (int form = 0; form < 2; form++) {
    /* the first byte picks a quadrant base for the @ADDR form */
    unsigned q = size ? data[0] & 3u : 0;
    if (form == 0)
      snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    else
      snprintf(path, sizeof path, "/proc/self/fd/%d@0x%08x", fd, 0x50400000u + q * 0x400000u);
    struct m78dev_data d;
    m78dev_init(&d);
    err[0] = '\0';
    if (m78dev_load(&d, path, err, sizeof err) != 0 && !err[0])
      abort();
    m78dev_free(&d);
  }
  close(fd);
  return 0;
}
