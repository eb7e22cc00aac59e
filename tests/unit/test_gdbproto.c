/*
 * Unit tests of the GDB remote protocol module (arm/emu/gdbproto.c):
 * framing (checksums, escapes, acknowledgements, Ctrl-C, overflow), the
 * reply's framing, the parse of every supported command and of malformed
 * ones, and a fuzz-style test: random packets from a fixed seed, framed
 * and unframed, a bounded count, checked for sane results (every data
 * pointer inside its packet, no packet longer than the limit).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gdbproto.h"

/* Feeds s; returns the last event other than NONE. */
static enum m78gdb_rx_event feed(struct m78gdb_rx *rx, const char *s, size_t n)
{
  enum m78gdb_rx_event last = M78GDB_RX_NONE;
  for (size_t i = 0; i < n; i++) {
    enum m78gdb_rx_event e = m78gdb_rx_byte(rx, (uint8_t)s[i]);
    if (e != M78GDB_RX_NONE)
      last = e;
  }
  return last;
}

static enum m78gdb_rx_event feeds(struct m78gdb_rx *rx, const char *s)
{
  return feed(rx, s, strlen(s));
}

static struct m78gdb_cmd parse(const char *s)
{
  struct m78gdb_cmd c;
  m78gdb_parse(s, strlen(s), &c);
  return c;
}

Test(gdbproto, framing)
{
  static struct m78gdb_rx rx;
  m78gdb_rx_init(&rx);
  cr_assert_eq(feeds(&rx, "$g#67"), M78GDB_RX_PACKET);
  cr_assert_eq(rx.len, 1);
  cr_assert_str_eq(rx.buf, "g");
  cr_assert_eq(feeds(&rx, "$g#68"), M78GDB_RX_BAD);
  cr_assert_eq(feeds(&rx, "$g#6z"), M78GDB_RX_BAD);
  cr_assert_eq(feeds(&rx, "+"), M78GDB_RX_ACK);
  cr_assert_eq(feeds(&rx, "-"), M78GDB_RX_NAK);
  cr_assert_eq(feeds(&rx, "\x03"), M78GDB_RX_INTERRUPT);
  /* noise before a packet is skipped; a '$' inside restarts the packet */
  cr_assert_eq(feeds(&rx, "xyz$qC$?#3f"), M78GDB_RX_PACKET);
  cr_assert_str_eq(rx.buf, "?");
  /* 0x03 inside a packet is data, not an interrupt */
  char p[] = "$X0,1:\x03#00";
  unsigned sum = 0;
  for (size_t i = 1; i < 7; i++)
    sum += (uint8_t)p[i];
  snprintf(p + 8, 3, "%02x", sum & 0xFF);
  cr_assert_eq(feed(&rx, p, 10), M78GDB_RX_PACKET);
  cr_assert_eq(rx.len, 6);
  cr_assert_eq(rx.buf[5], 3);
}

Test(gdbproto, escapes_both_ways)
{
  static struct m78gdb_rx rx;
  char out[64];
  const char payload[] = "a#b$c}d*e";
  size_t n = m78gdb_frame(payload, sizeof payload - 1, out, sizeof out);
  cr_assert(n > 0);
  cr_assert_eq(out[0], '$');
  cr_assert_eq(memchr(out + 1, '$', n - 1), NULL);
  cr_assert_eq(memchr(out + 1, '*', n - 1), NULL);
  m78gdb_rx_init(&rx);
  cr_assert_eq(feed(&rx, out, n), M78GDB_RX_PACKET);
  cr_assert_eq(rx.len, sizeof payload - 1);
  cr_assert_eq(memcmp(rx.buf, payload, rx.len), 0);
  /* too small a buffer: nothing */
  cr_assert_eq(m78gdb_frame(payload, sizeof payload - 1, out, 8), 0);
  cr_assert_eq(m78gdb_frame("", 0, out, sizeof out), 4);
  cr_assert_eq(memcmp(out, "$#00", 4), 0);
}

Test(gdbproto, overflow_is_bad)
{
  static struct m78gdb_rx rx;
  m78gdb_rx_init(&rx);
  m78gdb_rx_byte(&rx, '$');
  unsigned sum = 0;
  for (int i = 0; i < M78GDB_PACKET_MAX + 10; i++) {
    m78gdb_rx_byte(&rx, 'a');
    sum += 'a';
  }
  char tail[4];
  snprintf(tail, sizeof tail, "#%02x", sum & 0xFF);
  cr_assert_eq(feeds(&rx, tail), M78GDB_RX_BAD);
  cr_assert_eq(feeds(&rx, "$g#67"), M78GDB_RX_PACKET, "the receiver recovers after an overflow");
}

Test(gdbproto, commands)
{
  struct m78gdb_cmd c = parse("m50400000,10");
  cr_assert_eq(c.kind, M78GDB_CMD_READ_MEM);
  cr_assert_eq(c.addr, 0x50400000u);
  cr_assert_eq(c.len, 16);
  c = parse("M20000000,2:abCD");
  cr_assert_eq(c.kind, M78GDB_CMD_WRITE_MEM);
  cr_assert_eq(c.data_len, 4);
  uint8_t b[2];
  cr_assert_eq(m78gdb_hex_decode(c.data, 2, b), 0);
  cr_assert(b[0] == 0xab && b[1] == 0xcd);
  cr_assert_eq(parse("X20000000,0:").kind, M78GDB_CMD_WRITE_MEM_BIN);
  c = parse("Z0,100007e4,2");
  cr_assert(c.kind == M78GDB_CMD_INSERT && c.type == 0 && c.addr == 0x100007e4u && c.len == 2);
  c = parse("z2,20000214,4");
  cr_assert(c.kind == M78GDB_CMD_REMOVE && c.type == 2 && c.len == 4);
  cr_assert_eq(parse("Z5,0,4").kind, M78GDB_CMD_UNKNOWN);
  c = parse("p10");
  cr_assert(c.kind == M78GDB_CMD_READ_REG && c.regno == 16);
  c = parse("Pf=e5070010");
  cr_assert(c.kind == M78GDB_CMD_WRITE_REG && c.regno == 15 && c.data_len == 8);
  cr_assert_eq(parse("g").kind, M78GDB_CMD_READ_REGS);
  cr_assert_eq(parse("G0011").kind, M78GDB_CMD_WRITE_REGS);
  cr_assert_eq(parse("c").kind, M78GDB_CMD_CONTINUE);
  c = parse("s10000400");
  cr_assert(c.kind == M78GDB_CMD_STEP && c.has_addr && c.addr == 0x10000400u);
  cr_assert_eq(parse("C05").kind, M78GDB_CMD_CONTINUE);
  cr_assert_eq(parse("vCont?").kind, M78GDB_CMD_VCONT_QUERY);
  cr_assert_eq(parse("vCont;c").kind, M78GDB_CMD_CONTINUE);
  cr_assert_eq(parse("vCont;s:1;c").kind, M78GDB_CMD_STEP);
  cr_assert_eq(parse("vCont;c:-1").kind, M78GDB_CMD_CONTINUE);
  cr_assert_eq(parse("vCont;s:2;c:1").kind, M78GDB_CMD_CONTINUE, "a step of another thread is not ours");
  cr_assert_eq(parse("qSupported:multiprocess+;swbreak+").kind, M78GDB_CMD_SUPPORTED);
  c = parse("qXfer:features:read:target.xml:0,ffb");
  cr_assert(c.kind == M78GDB_CMD_XFER_FEATURES && c.addr == 0 && c.len == 0xffb);
  cr_assert_str_eq(c.annex, "target.xml");
  cr_assert_eq(parse("qAttached").kind, M78GDB_CMD_ATTACHED);
  cr_assert_eq(parse("QStartNoAckMode").kind, M78GDB_CMD_NOACK);
  cr_assert_eq(parse("k").kind, M78GDB_CMD_KILL);
  cr_assert_eq(parse("D").kind, M78GDB_CMD_DETACH);
  cr_assert_eq(parse("D;1").kind, M78GDB_CMD_DETACH);
  cr_assert_eq(parse("?").kind, M78GDB_CMD_STOP_REASON);
  cr_assert_eq(parse("Hg0").kind, M78GDB_CMD_SET_THREAD);
  cr_assert_eq(parse("vMustReplyEmpty").kind, M78GDB_CMD_UNKNOWN);
  cr_assert_eq(parse("qTStatus").kind, M78GDB_CMD_UNKNOWN);
}

Test(gdbproto, malformed)
{
  static const char *const bad[] = {"m",
                                    "m50400000",
                                    "m5040000g,4",
                                    "m1,",
                                    "m123456789,1",
                                    "M0,2:abc",
                                    "M0,2:abcg",
                                    "M0,1",
                                    "X0,2:a",
                                    "Z0,100",
                                    "Z0,,2",
                                    "p",
                                    "pzz",
                                    "P1",
                                    "P1=",
                                    "P1=abc",
                                    "G0",
                                    "Gxx",
                                    "sxyz",
                                    "c1g",
                                    "Cxx",
                                    "vCont;",
                                    "vCont;x",
                                    "g1",
                                    "?x",
                                    "qXfer:features:read:target.xml:0",
                                    "qXfer:features:read::0,1",
                                    "H"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(parse(bad[i]).kind, M78GDB_CMD_MALFORMED, "%s", bad[i]);
  struct m78gdb_cmd c;
  m78gdb_parse("", 0, &c);
  cr_assert_eq(c.kind, M78GDB_CMD_UNKNOWN);
}

/* xorshift64*: a fixed sequence, so a failure repeats */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32);
}

Test(gdbproto, fuzz)
{
  static const char alpha[] = "0123456789abcdefABCDEF,:;=-$#}*\x03+gGpPmMXZzcsCSvqQkDHT?";
  static const char *const heads[] = {"m",           "M", "X", "Z", "z", "p",      "P",      "G",
                                      "g",           "c", "s", "C", "S", "vCont;", "vCont?", "qXfer:features:read:",
                                      "qSupported:", "D", "k", "H", "T", "?"};
  static struct m78gdb_rx rx;
  static char pkt[M78GDB_PACKET_MAX + 64], framed[2 * M78GDB_PACKET_MAX + 64];
  m78gdb_rx_init(&rx);
  unsigned packets = 0;
  for (int iter = 0; iter < 200000; iter++) {
    size_t n = 0;
    if (rnd() % 4) {
      const char *h = heads[rnd() % (sizeof heads / sizeof heads[0])];
      n = strlen(h);
      memcpy(pkt, h, n);
    }
    size_t extra = rnd() % 8 == 0 ? rnd() % (M78GDB_PACKET_MAX + 40) : rnd() % 40;
    for (size_t i = 0; i < extra && n < sizeof pkt; i++)
      pkt[n++] = rnd() % 8 ? alpha[rnd() % (sizeof alpha - 1)] : (char)rnd();
    /* the parse alone, on arbitrary bytes */
    struct m78gdb_cmd c;
    m78gdb_parse(pkt, n, &c);
    cr_assert(c.kind >= M78GDB_CMD_UNKNOWN && c.kind <= M78GDB_CMD_DETACH);
    if (c.data) {
      cr_assert(c.data >= pkt && c.data + c.data_len <= pkt + n);
    }
    cr_assert(memchr(c.annex, '\0', sizeof c.annex) != NULL);
    /* framed (sometimes with a broken checksum or cut short), fed as a stream */
    size_t f = m78gdb_frame(pkt, n, framed, sizeof framed);
    if (!f)
      continue;
    unsigned how = rnd() % 16;
    if (how == 0)
      framed[f - 1] ^= 1;
    else if (how == 1)
      f = rnd() % f;
    for (size_t i = 0; i < f; i++) {
      enum m78gdb_rx_event e = m78gdb_rx_byte(&rx, (uint8_t)framed[i]);
      cr_assert(rx.len <= M78GDB_PACKET_MAX);
      if (e == M78GDB_RX_PACKET) {
        packets++;
        m78gdb_parse(rx.buf, rx.len, &c);
        if (c.data)
          cr_assert(c.data >= rx.buf && c.data + c.data_len <= rx.buf + rx.len);
      }
    }
  }
  cr_assert(packets > 100000, "only %u packets came through", packets);
}
