/*
 * libFuzzer target: the GDB remote protocol (arm/emu/gdbproto.c).  The
 * bytes are a stream from a debugger: every complete packet is parsed,
 * and the input itself is parsed as one packet and framed.  Data pointers
 * must stay inside their packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gdbproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *pkt, size_t n)
{
  struct m78gdb_cmd cmd;
  m78gdb_parse(pkt, n, &cmd);
  if (cmd.data && (cmd.data < pkt || cmd.data + cmd.data_len > pkt + n))
    abort();
  if (cmd.kind == M78GDB_CMD_WRITE_MEM || cmd.kind == M78GDB_CMD_WRITE_REGS) {
    uint8_t buf[M78GDB_PACKET_MAX];
    if (cmd.data_len / 2 <= sizeof buf)
      (void)m78gdb_hex_decode(cmd.data, cmd.data_len / 2, buf);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct m78gdb_rx rx;
  m78gdb_rx_init(&rx);
  for (size_t i = 0; i < size; i++) {
    enum m78gdb_rx_event e = m78gdb_rx_byte(&rx, data[i]);
    if (e == M78GDB_RX_PACKET) {
      if (rx.len > M78GDB_PACKET_MAX)
        abort();
      check(rx.buf, rx.len);
    }
  }
  char *copy = malloc(size + 1); /* exactly size bytes, so reads past it are caught */
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  check(copy, size);
  static char framed[2 * M78GDB_PACKET_MAX + 8];
  size_t n = m78gdb_frame(copy, size, framed, sizeof framed);
  if (n > sizeof framed)
    abort();
  if (n) { /* a framed payload comes back as the same packet */
    m78gdb_rx_init(&rx);
    enum m78gdb_rx_event last = M78GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
      enum m78gdb_rx_event e = m78gdb_rx_byte(&rx, (uint8_t)framed[i]);
      if (e != M78GDB_RX_NONE)
        last = e;
    }
    if (size <= M78GDB_PACKET_MAX && (last != M78GDB_RX_PACKET || rx.len != size || memcmp(rx.buf, copy, size)))
      abort();
  }
  free(copy);
  return 0;
}
