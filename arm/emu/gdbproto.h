/*
 * The GDB remote serial protocol, as pure functions: framing of the byte
 * stream into packets, the reply's framing, and the parse of a packet into
 * a command.  No sockets, no emulator: the stub (gdbstub.c) drives these,
 * and the unit and fuzz tests feed them bytes directly.
 *
 * Framing ("$payload#xx"): the receiver is a state machine fed one byte
 * at a time.  Outside a packet, '+' and '-' are acknowledgements and 0x03
 * is the interrupt request; anything else is noise and skipped.  Inside,
 * '}' escapes the next byte (XOR 0x20; gdb escapes '$', '#', '}' and '*'
 * in binary data) and the checksum is the sum of the raw bytes modulo
 * 256.  A payload longer than M78GDB_PACKET_MAX, a bad checksum or a
 * non-hex checksum digit gives M78GDB_RX_BAD (the stub answers '-').
 * The decoded payload is NUL-terminated, but binary data (X) may contain
 * NULs: use rx.len.
 */
#ifndef M78GDB_PROTO_H
#define M78GDB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define M78GDB_PACKET_MAX 4096 /* the PacketSize the stub advertises */

enum m78gdb_rx_event {
  M78GDB_RX_NONE = 0,  /* byte consumed, nothing complete */
  M78GDB_RX_PACKET,    /* rx.buf[0..rx.len) is a packet with a good checksum */
  M78GDB_RX_BAD,       /* a packet ended with a bad checksum or overflowed */
  M78GDB_RX_INTERRUPT, /* 0x03 outside a packet */
  M78GDB_RX_ACK,       /* '+' */
  M78GDB_RX_NAK        /* '-': resend the last reply */
};

struct m78gdb_rx {
  int state; /* 0 idle, 1 payload, 2 escape, 3 first checksum digit, 4 second */
  size_t len;
  unsigned sum, given;
  int overflow;
  char buf[M78GDB_PACKET_MAX + 1];
};

void m78gdb_rx_init(struct m78gdb_rx *rx);
enum m78gdb_rx_event m78gdb_rx_byte(struct m78gdb_rx *rx, uint8_t c);

/* "$payload#xx" with '$', '#', '}' and '*' escaped, into out (cap bytes);
 * returns the framed length, or 0 if it does not fit. */
size_t m78gdb_frame(const char *payload, size_t n, char *out, size_t cap);

enum m78gdb_cmd_kind {
  M78GDB_CMD_UNKNOWN = 0,    /* not supported: reply empty */
  M78GDB_CMD_MALFORMED,      /* a known command with bad arguments: reply E01 */
  M78GDB_CMD_SUPPORTED,      /* qSupported[:features] */
  M78GDB_CMD_XFER_FEATURES,  /* qXfer:features:read:ANNEX:OFFSET,LENGTH */
  M78GDB_CMD_ATTACHED,       /* qAttached */
  M78GDB_CMD_CURRENT_THREAD, /* qC */
  M78GDB_CMD_THREAD_FIRST,   /* qfThreadInfo */
  M78GDB_CMD_THREAD_NEXT,    /* qsThreadInfo */
  M78GDB_CMD_NOACK,          /* QStartNoAckMode */
  M78GDB_CMD_STOP_REASON,    /* ? */
  M78GDB_CMD_READ_REGS,      /* g */
  M78GDB_CMD_WRITE_REGS,     /* G hex: data, data_len */
  M78GDB_CMD_READ_REG,       /* p n: regno */
  M78GDB_CMD_WRITE_REG,      /* P n=hex: regno, data, data_len */
  M78GDB_CMD_READ_MEM,       /* m addr,len */
  M78GDB_CMD_WRITE_MEM,      /* M addr,len:hex (data_len = 2 * len) */
  M78GDB_CMD_WRITE_MEM_BIN,  /* X addr,len:binary (data_len = len) */
  M78GDB_CMD_INSERT,         /* Z type,addr,kind */
  M78GDB_CMD_REMOVE,         /* z type,addr,kind */
  M78GDB_CMD_CONTINUE,       /* c [addr], C sig[;addr], vCont;c */
  M78GDB_CMD_STEP,           /* s [addr], S sig[;addr], vCont;s */
  M78GDB_CMD_VCONT_QUERY,    /* vCont? */
  M78GDB_CMD_SET_THREAD,     /* H op thread */
  M78GDB_CMD_THREAD_ALIVE,   /* T thread */
  M78GDB_CMD_KILL,           /* k, vKill */
  M78GDB_CMD_DETACH          /* D, D;pid */
};

struct m78gdb_cmd {
  enum m78gdb_cmd_kind kind;
  uint32_t addr, len; /* m/M/X/Z/z; qXfer offset and length; c/s addr */
  int has_addr;       /* c/s with a resume address */
  unsigned type;      /* Z/z type 0-4; Z kind in len */
  unsigned regno;     /* p/P */
  const char *data;   /* G/P/M hex or X binary, inside the packet */
  size_t data_len;
  char annex[32]; /* qXfer annex */
};

/* Parses pkt[0..n).  Never reads past n; data points into pkt. */
void m78gdb_parse(const char *pkt, size_t n, struct m78gdb_cmd *cmd);

/* hex helpers: -1 on a non-hex digit */
int m78gdb_hexval(char c);
/* n bytes from 2n hex digits; returns 0 or -1 */
int m78gdb_hex_decode(const char *hex, size_t n, uint8_t *out);
/* 2n hex digits (lower case) for n bytes, NUL-terminated */
void m78gdb_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
