/*
 * The GDB remote serial protocol's framing and command parse
 * (gdbproto.h).  Every parse is bounded by the packet length, numbers
 * that do not fit 32 bits are malformed, and nothing here allocates.
 */
#include "gdbproto.h"

#include <string.h>

void m78gdb_rx_init(struct m78gdb_rx *rx)
{
  memset(rx, 0, sizeof *rx);
}

int m78gdb_hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static void rx_put(struct m78gdb_rx *rx, char c)
{
  if (rx->len < M78GDB_PACKET_MAX)
    rx->buf[rx->len++] = c;
  else
    rx->overflow = 1;
}

enum m78gdb_rx_event m78gdb_rx_byte(struct m78gdb_rx *rx, uint8_t c)
{
  switch (rx->state) {
  case 0:
    if (c == '$') {
      rx->state = 1;
      rx->len = 0;
      rx->sum = 0;
      rx->overflow = 0;
      return M78GDB_RX_NONE;
    }
    if (c == 0x03)
      return M78GDB_RX_INTERRUPT;
    if (c == '+')
      return M78GDB_RX_ACK;
    if (c == '-')
      return M78GDB_RX_NAK;
    return M78GDB_RX_NONE;
  case 1:
    if (c == '#') {
      rx->state = 3;
      return M78GDB_RX_NONE;
    }
    rx->sum += c;
    if (c == '$') { /* a new packet inside one: the first was cut short */
      rx->len = 0;
      rx->sum = 0;
      rx->overflow = 0;
      return M78GDB_RX_NONE;
    }
    if (c == '}')
      rx->state = 2;
    else
      rx_put(rx, (char)c);
    return M78GDB_RX_NONE;
  case 2:
    rx->sum += c;
    rx_put(rx, (char)(c ^ 0x20));
    rx->state = 1;
    return M78GDB_RX_NONE;
  case 3: {
    int v = m78gdb_hexval((char)c);
    rx->given = v < 0 ? 0x100 : (unsigned)v << 4;
    rx->state = 4;
    return M78GDB_RX_NONE;
  }
  default: {
    int v = m78gdb_hexval((char)c);
    rx->state = 0;
    rx->buf[rx->len] = '\0';
    if (v < 0 || rx->given > 0xFF || rx->overflow || ((rx->given | (unsigned)v) != (rx->sum & 0xFF)))
      return M78GDB_RX_BAD;
    return M78GDB_RX_PACKET;
  }
  }
}

size_t m78gdb_frame(const char *payload, size_t n, char *out, size_t cap)
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  unsigned sum = 0;
  if (cap < 4)
    return 0;
  out[o++] = '$';
  for (size_t i = 0; i < n; i++) {
    char c = payload[i];
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      if (o + 2 > cap - 3)
        return 0;
      out[o++] = '}';
      sum += '}';
      c ^= 0x20;
    } else if (o + 1 > cap - 3) {
      return 0;
    }
    out[o++] = c;
    sum += (uint8_t)c;
  }
  out[o++] = '#';
  out[o++] = hex[(sum >> 4) & 0xF];
  out[o++] = hex[sum & 0xF];
  return o;
}

int m78gdb_hex_decode(const char *hex, size_t n, uint8_t *out)
{
  for (size_t i = 0; i < n; i++) {
    int h = m78gdb_hexval(hex[2 * i]), l = m78gdb_hexval(hex[2 * i + 1]);
    if (h < 0 || l < 0)
      return -1;
    out[i] = (uint8_t)(h << 4 | l);
  }
  return 0;
}

void m78gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[in[i] >> 4];
    out[2 * i + 1] = hex[in[i] & 0xF];
  }
  out[2 * n] = '\0';
}

/* ---- the parse: a cursor over [p, end) ---- */

struct cur {
  const char *p, *end;
};

/* A hex number of 1 to 8 significant digits (leading zeros allowed). */
static int hexnum(struct cur *c, uint32_t *v)
{
  uint64_t x = 0;
  const char *s = c->p;
  while (c->p < c->end && m78gdb_hexval(*c->p) >= 0) {
    x = x << 4 | (unsigned)m78gdb_hexval(*c->p);
    if (x > 0xFFFFFFFFull)
      return -1;
    c->p++;
  }
  if (c->p == s)
    return -1;
  *v = (uint32_t)x;
  return 0;
}

static int lit(struct cur *c, char ch)
{
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return 0;
  }
  return -1;
}

static int at_end(const struct cur *c)
{
  return c->p == c->end;
}

static int starts(const char *pkt, size_t n, const char *s)
{
  size_t k = strlen(s);
  return n >= k && memcmp(pkt, s, k) == 0;
}

static int is(const char *pkt, size_t n, const char *s)
{
  return n == strlen(s) && memcmp(pkt, s, n) == 0;
}

static int all_hex(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (m78gdb_hexval(s[i]) < 0)
      return 0;
  return 1;
}

/* addr,len */
static int addr_len(struct cur *c, struct m78gdb_cmd *cmd)
{
  return hexnum(c, &cmd->addr) || lit(c, ',') || hexnum(c, &cmd->len) ? -1 : 0;
}

/* vCont;ACTION[:thread][;ACTION[:thread]]...: the first action that
 * applies to our one thread (no thread id, -1, 0 or 1). */
static void parse_vcont(struct cur *c, struct m78gdb_cmd *cmd)
{
  cmd->kind = M78GDB_CMD_MALFORMED;
  while (!at_end(c)) {
    if (lit(c, ';'))
      return;
    if (at_end(c))
      return;
    char act = *c->p++;
    uint32_t sig;
    if ((act == 'C' || act == 'S') && hexnum(c, &sig))
      return;
    int ours = 1;
    if (!lit(c, ':')) {
      int neg = !lit(c, '-');
      uint32_t t;
      if (hexnum(c, &t))
        return;
      ours = neg ? t == 1 : t <= 1; /* -1: all threads; 0: any; 1: ours */
    }
    if (c->p < c->end && *c->p != ';')
      return;
    if (!ours)
      continue;
    if (act == 'c' || act == 'C') {
      cmd->kind = M78GDB_CMD_CONTINUE;
      return;
    }
    if (act == 's' || act == 'S') {
      cmd->kind = M78GDB_CMD_STEP;
      return;
    }
    if (act == 't') { /* stop: we are stopped already */
      cmd->kind = M78GDB_CMD_UNKNOWN;
      return;
    }
    return;
  }
}

void m78gdb_parse(const char *pkt, size_t n, struct m78gdb_cmd *cmd)
{
  memset(cmd, 0, sizeof *cmd);
  cmd->kind = M78GDB_CMD_UNKNOWN;
  if (n == 0)
    return;
  struct cur c = {pkt + 1, pkt + n};
  switch (pkt[0]) {
  case '?': cmd->kind = n == 1 ? M78GDB_CMD_STOP_REASON : M78GDB_CMD_MALFORMED; return;
  case 'g': cmd->kind = n == 1 ? M78GDB_CMD_READ_REGS : M78GDB_CMD_MALFORMED; return;
  case 'G':
    cmd->data = pkt + 1;
    cmd->data_len = n - 1;
    cmd->kind = (n - 1) % 2 == 0 && all_hex(pkt + 1, n - 1) ? M78GDB_CMD_WRITE_REGS : M78GDB_CMD_MALFORMED;
    return;
  case 'p':
    cmd->kind = hexnum(&c, &cmd->len) || !at_end(&c) ? M78GDB_CMD_MALFORMED : M78GDB_CMD_READ_REG;
    cmd->regno = cmd->len;
    cmd->len = 0;
    return;
  case 'P': {
    uint32_t r;
    if (hexnum(&c, &r) || lit(&c, '=') || (size_t)(c.end - c.p) % 2 || c.end == c.p ||
        !all_hex(c.p, (size_t)(c.end - c.p))) {
      cmd->kind = M78GDB_CMD_MALFORMED;
      return;
    }
    cmd->kind = M78GDB_CMD_WRITE_REG;
    cmd->regno = r;
    cmd->data = c.p;
    cmd->data_len = (size_t)(c.end - c.p);
    return;
  }
  case 'm': cmd->kind = addr_len(&c, cmd) || !at_end(&c) ? M78GDB_CMD_MALFORMED : M78GDB_CMD_READ_MEM; return;
  case 'M':
    if (addr_len(&c, cmd) || lit(&c, ':') || (uint64_t)(c.end - c.p) != 2ull * cmd->len ||
        !all_hex(c.p, (size_t)(c.end - c.p))) {
      cmd->kind = M78GDB_CMD_MALFORMED;
      return;
    }
    cmd->kind = M78GDB_CMD_WRITE_MEM;
    cmd->data = c.p;
    cmd->data_len = (size_t)(c.end - c.p);
    return;
  case 'X':
    if (addr_len(&c, cmd) || lit(&c, ':') || (uint64_t)(c.end - c.p) != cmd->len) {
      cmd->kind = M78GDB_CMD_MALFORMED;
      return;
    }
    cmd->kind = M78GDB_CMD_WRITE_MEM_BIN;
    cmd->data = c.p;
    cmd->data_len = (size_t)(c.end - c.p);
    return;
  case 'Z':
  case 'z': {
    uint32_t type = 0;
    /* Z type,addr,kind[;cond...]: conditions are not supported */
    if (hexnum(&c, &type) || type > 4 || lit(&c, ',') || addr_len(&c, cmd) || !at_end(&c)) {
      cmd->kind = type > 4 && c.p > pkt + 1 ? M78GDB_CMD_UNKNOWN : M78GDB_CMD_MALFORMED;
      return;
    }
    cmd->type = type;
    cmd->kind = pkt[0] == 'Z' ? M78GDB_CMD_INSERT : M78GDB_CMD_REMOVE;
    return;
  }
  case 'c':
  case 's':
    cmd->kind = pkt[0] == 'c' ? M78GDB_CMD_CONTINUE : M78GDB_CMD_STEP;
    if (!at_end(&c)) {
      if (hexnum(&c, &cmd->addr) || !at_end(&c))
        cmd->kind = M78GDB_CMD_MALFORMED;
      cmd->has_addr = 1;
    }
    return;
  case 'C':
  case 'S': {
    uint32_t sig;
    cmd->kind = pkt[0] == 'C' ? M78GDB_CMD_CONTINUE : M78GDB_CMD_STEP;
    if (hexnum(&c, &sig)) {
      cmd->kind = M78GDB_CMD_MALFORMED;
      return;
    }
    if (!at_end(&c)) {
      if (lit(&c, ';') || hexnum(&c, &cmd->addr) || !at_end(&c))
        cmd->kind = M78GDB_CMD_MALFORMED;
      cmd->has_addr = 1;
    }
    return;
  }
  case 'H':
    /* Hg/Hc thread: one thread; any id is accepted */
    cmd->kind = n >= 3 && (pkt[1] == 'g' || pkt[1] == 'c') ? M78GDB_CMD_SET_THREAD : M78GDB_CMD_MALFORMED;
    return;
  case 'T': cmd->kind = n >= 2 ? M78GDB_CMD_THREAD_ALIVE : M78GDB_CMD_MALFORMED; return;
  case 'k': cmd->kind = M78GDB_CMD_KILL; return;
  case 'D': cmd->kind = n == 1 || pkt[1] == ';' ? M78GDB_CMD_DETACH : M78GDB_CMD_MALFORMED; return;
  case 'q':
    if (is(pkt, n, "qSupported") || starts(pkt, n, "qSupported:"))
      cmd->kind = M78GDB_CMD_SUPPORTED;
    else if (is(pkt, n, "qAttached") || starts(pkt, n, "qAttached:"))
      cmd->kind = M78GDB_CMD_ATTACHED;
    else if (is(pkt, n, "qC"))
      cmd->kind = M78GDB_CMD_CURRENT_THREAD;
    else if (is(pkt, n, "qfThreadInfo"))
      cmd->kind = M78GDB_CMD_THREAD_FIRST;
    else if (is(pkt, n, "qsThreadInfo"))
      cmd->kind = M78GDB_CMD_THREAD_NEXT;
    else if (starts(pkt, n, "qXfer:features:read:")) {
      c.p = pkt + strlen("qXfer:features:read:");
      const char *colon = memchr(c.p, ':', (size_t)(c.end - c.p));
      size_t alen = colon ? (size_t)(colon - c.p) : 0;
      if (!colon || alen == 0 || alen >= sizeof cmd->annex) {
        cmd->kind = M78GDB_CMD_MALFORMED;
        return;
      }
      memcpy(cmd->annex, c.p, alen);
      c.p = colon + 1;
      cmd->kind = addr_len(&c, cmd) || !at_end(&c) ? M78GDB_CMD_MALFORMED : M78GDB_CMD_XFER_FEATURES;
    }
    return;
  case 'Q':
    if (is(pkt, n, "QStartNoAckMode"))
      cmd->kind = M78GDB_CMD_NOACK;
    return;
  case 'v':
    if (is(pkt, n, "vCont?"))
      cmd->kind = M78GDB_CMD_VCONT_QUERY;
    else if (starts(pkt, n, "vCont;")) {
      c.p = pkt + 5;
      parse_vcont(&c, cmd);
    } else if (is(pkt, n, "vKill") || starts(pkt, n, "vKill;"))
      cmd->kind = M78GDB_CMD_KILL;
    return;
  default: return;
  }
}
