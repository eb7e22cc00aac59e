/*
 * The gdb remote stub of max78sim-arm (gdbstub.h).
 *
 * Registers, as the target description below numbers them: r0-r12, sp,
 * lr, pc (0-15), xpsr (16), msp, psp (17-18, org.gnu.gdb.arm.m-system),
 * primask, basepri, faultmask, control (19-22), d0-d15 (23-38, 64 bits)
 * and fpscr (39, org.gnu.gdb.arm.vfp): Unicorn's Cortex-M4 state.
 *
 * Memory: flash and SRAM are the emulator's images (a write from gdb also
 * drops Unicorn's translations and the block costs of that memory); the
 * CNN window goes through m78_peek/m78_poke, which have no side effects
 * (no FIFO pops, no counters, no CNN synchronisation: the CNN's state is
 * the one the CPU's last access saw).  Peripherals (APB, PPB) are not
 * readable from gdb: their reads have side effects (COUNTFLAG, FIFOs),
 * so the stub answers an error rather than change the run.
 *
 * Breakpoints (Z0, Z1: the same, up to 32) and single steps are seen by a
 * code hook before the instruction executes; watchpoints (Z2 write, Z3
 * read, Z4 access) on SRAM by memory hooks and on the CNN window by the
 * MMIO callbacks, reported once the accessing instruction has executed,
 * as the Cortex-M4's DWT does.  The polling fast-forward (periph.c) may
 * jump over the iterations of a polling loop without reaching each of
 * its instructions.
 */
#include "gdbstub.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "emu.h"
#include "m78host/runtime.h"
#include "m78host/soc.h"

enum { NREGS = 40, REG_XPSR = 16, REG_D0 = 23, REG_FPSCR = 39 };

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>arm</architecture>\n"
    "<feature name=\"org.gnu.gdb.arm.m-profile\">\n"
    "<reg name=\"r0\" bitsize=\"32\" regnum=\"0\"/>\n<reg name=\"r1\" bitsize=\"32\"/>\n"
    "<reg name=\"r2\" bitsize=\"32\"/>\n<reg name=\"r3\" bitsize=\"32\"/>\n"
    "<reg name=\"r4\" bitsize=\"32\"/>\n<reg name=\"r5\" bitsize=\"32\"/>\n"
    "<reg name=\"r6\" bitsize=\"32\"/>\n<reg name=\"r7\" bitsize=\"32\"/>\n"
    "<reg name=\"r8\" bitsize=\"32\"/>\n<reg name=\"r9\" bitsize=\"32\"/>\n"
    "<reg name=\"r10\" bitsize=\"32\"/>\n<reg name=\"r11\" bitsize=\"32\"/>\n"
    "<reg name=\"r12\" bitsize=\"32\"/>\n<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"lr\" bitsize=\"32\"/>\n<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"xpsr\" bitsize=\"32\" regnum=\"16\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.arm.m-system\">\n"
    "<reg name=\"msp\" bitsize=\"32\" regnum=\"17\" type=\"data_ptr\" group=\"system\"/>\n"
    "<reg name=\"psp\" bitsize=\"32\" regnum=\"18\" type=\"data_ptr\" group=\"system\"/>\n"
    "</feature>\n"
    "<feature name=\"org.max78sim.arm.m-special\">\n"
    "<reg name=\"primask\" bitsize=\"32\" regnum=\"19\" group=\"system\"/>\n"
    "<reg name=\"basepri\" bitsize=\"32\" regnum=\"20\" group=\"system\"/>\n"
    "<reg name=\"faultmask\" bitsize=\"32\" regnum=\"21\" group=\"system\"/>\n"
    "<reg name=\"control\" bitsize=\"32\" regnum=\"22\" group=\"system\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.arm.vfp\">\n"
    "<reg name=\"d0\" bitsize=\"64\" regnum=\"23\" type=\"ieee_double\"/>\n"
    "<reg name=\"d1\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d2\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d3\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d4\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d5\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d6\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d7\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d8\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d9\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d10\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d11\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d12\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d13\" bitsize=\"64\" type=\"ieee_double\"/>\n<reg name=\"d14\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"d15\" bitsize=\"64\" type=\"ieee_double\"/>\n"
    "<reg name=\"fpscr\" bitsize=\"32\" regnum=\"39\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "</target>\n";

static struct m78arm *finishing; /* the run whose end gdb is told about */

/* ---- registers ---- */

static int uc_reg_id(unsigned n)
{
  static const int core[23] = {
      UC_ARM_REG_R0,  UC_ARM_REG_R1,      UC_ARM_REG_R2,      UC_ARM_REG_R3,        UC_ARM_REG_R4,     UC_ARM_REG_R5,
      UC_ARM_REG_R6,  UC_ARM_REG_R7,      UC_ARM_REG_R8,      UC_ARM_REG_R9,        UC_ARM_REG_R10,    UC_ARM_REG_R11,
      UC_ARM_REG_R12, UC_ARM_REG_SP,      UC_ARM_REG_LR,      UC_ARM_REG_PC,        UC_ARM_REG_XPSR,   UC_ARM_REG_MSP,
      UC_ARM_REG_PSP, UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK, UC_ARM_REG_CONTROL};
  if (n < 23)
    return core[n];
  if (n < REG_FPSCR)
    return UC_ARM_REG_D0 + (int)(n - REG_D0);
  return UC_ARM_REG_FPSCR;
}

static unsigned reg_size(unsigned n)
{
  return n >= REG_D0 && n < REG_FPSCR ? 8 : 4;
}

static void reg_get(struct m78arm *a, unsigned n, uint8_t *out)
{
  uint64_t v = 0;
  if (reg_size(n) == 8) {
    uc_reg_read(a->uc, uc_reg_id(n), &v);
  } else {
    uint32_t w = 0;
    uc_reg_read(a->uc, uc_reg_id(n), &w);
    v = w;
  }
  for (unsigned i = 0; i < reg_size(n); i++)
    out[i] = (uint8_t)(v >> (8 * i));
}

static void reg_set(struct m78arm *a, unsigned n, const uint8_t *in)
{
  uint64_t v = 0;
  for (unsigned i = 0; i < reg_size(n); i++)
    v |= (uint64_t)in[i] << (8 * i);
  if (reg_size(n) == 8) {
    uc_reg_write(a->uc, uc_reg_id(n), &v);
  } else {
    uint32_t w = (uint32_t)v;
    if (n == 15)
      w |= 1; /* Thumb only */
    uc_reg_write(a->uc, uc_reg_id(n), &w);
  }
}

/* ---- memory ---- */

static int in_cnn(uint32_t addr)
{
  return addr >= M78_CNN_BASE && addr < M78_CNN_END;
}

static int peek_byte(struct m78arm *a, uint32_t addr, uint8_t *b)
{
  if (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE) {
    *b = a->flash[addr - M78ARM_FLASH_BASE];
    return 0;
  }
  if (addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE) {
    *b = a->sram[addr - M78ARM_SRAM_BASE];
    return 0;
  }
  uint32_t w;
  if (in_cnn(addr) && a->soc->sim && m78_peek(a->soc->sim, addr & ~3u, 4, &w) == M78_OK) {
    *b = (uint8_t)(w >> (8 * (addr & 3)));
    return 0;
  }
  return -1;
}

/* After gdb changed code memory: Unicorn's translations and the block
 * costs of that memory are stale. */
static void code_changed(struct m78arm *a, uint32_t addr, uint32_t n)
{
  uc_ctl_remove_cache(a->uc, addr, addr + n);
  if (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE)
    memset(a->bcache_flash, 0, M78ARM_FLASH_SIZE / 2 * sizeof *a->bcache_flash);
  else
    memset(a->bcache_sram, 0, M78ARM_SRAM_SIZE / 2 * sizeof *a->bcache_sram);
}

static int poke_byte(struct m78arm *a, uint32_t addr, uint8_t b)
{
  if (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE) {
    a->flash[addr - M78ARM_FLASH_BASE] = b;
    a->flash_image[addr - M78ARM_FLASH_BASE] = b; /* as if flashed so */
    return 0;
  }
  if (addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE) {
    a->sram[addr - M78ARM_SRAM_BASE] = b;
    return 0;
  }
  uint32_t w;
  if (in_cnn(addr) && a->soc->sim && m78_peek(a->soc->sim, addr & ~3u, 4, &w) == M78_OK) {
    unsigned sh = 8 * (addr & 3);
    w = (w & ~(0xFFu << sh)) | (uint32_t)b << sh;
    return m78_poke(a->soc->sim, addr & ~3u, 4, w) == M78_OK ? 0 : -1;
  }
  return -1;
}

static int mem_write(struct m78arm *a, uint32_t addr, const uint8_t *d, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++)
    if (poke_byte(a, addr + i, d[i]) != 0)
      return -1;
  if (n && (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE || addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE))
    code_changed(a, addr, n);
  return 0;
}

/* ---- the connection ---- */

static void disconnect(struct m78arm *a, const char *why)
{
  struct m78gdb *g = a->gdb;
  if (g->fd >= 0) {
    close(g->fd);
    g->fd = -1;
    fprintf(stderr, "max78sim: gdb: %s; breakpoints and watchpoints removed, the run continues\n", why);
  }
  g->nbp = g->nwp = 0;
  g->stepping = 0;
  g->req = M78GDB_STOP_NONE;
}

static void send_raw(struct m78arm *a, const char *s, size_t n)
{
  struct m78gdb *g = a->gdb;
  while (n && g->fd >= 0) {
    ssize_t k = send(g->fd, s, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      disconnect(a, "the debugger's connection broke");
      return;
    }
    s += k;
    n -= (size_t)k;
  }
}

static void reply_n(struct m78arm *a, const char *payload, size_t n)
{
  struct m78gdb *g = a->gdb;
  g->last_len = m78gdb_frame(payload, n, g->last, sizeof g->last);
  if (!g->last_len) /* cannot happen: replies are bounded by the packet size */
    g->last_len = m78gdb_frame("E01", 3, g->last, sizeof g->last);
  send_raw(a, g->last, g->last_len);
}

static void reply(struct m78arm *a, const char *payload)
{
  reply_n(a, payload, strlen(payload));
}

static void stop_reply(struct m78arm *a, enum m78gdb_stop why)
{
  struct m78gdb *g = a->gdb;
  char s[64];
  if (why == M78GDB_STOP_WATCH) {
    static const char *const kinds[] = {"", "", "watch", "rwatch", "awatch"};
    snprintf(s, sizeof s, "T05%s:%08x;", kinds[g->watch_type], (unsigned)g->watch_addr);
  } else {
    snprintf(s, sizeof s, "T%02x", why == M78GDB_STOP_INTERRUPT ? 2 : why == M78GDB_STOP_FAULT ? 11 : 5);
  }
  reply(a, s);
}

/* ---- commands ---- */

static void read_regs(struct m78arm *a)
{
  char hex[2 * 8 * NREGS + 1], *p = hex;
  for (unsigned n = 0; n < NREGS; n++) {
    uint8_t b[8];
    reg_get(a, n, b);
    m78gdb_hex_encode(b, reg_size(n), p);
    p += 2 * reg_size(n);
  }
  reply(a, hex);
}

static void write_regs(struct m78arm *a, const struct m78gdb_cmd *c)
{
  size_t off = 0;
  uint8_t b[8];
  /* gdb may send fewer registers than it knows: write those given */
  for (unsigned n = 0; n < NREGS && off + 2 * reg_size(n) <= c->data_len; n++) {
    m78gdb_hex_decode(c->data + off, reg_size(n), b);
    reg_set(a, n, b);
    off += 2 * reg_size(n);
  }
  reply(a, "OK");
}

static void read_mem(struct m78arm *a, uint32_t addr, uint32_t len)
{
  static char hex[M78GDB_PACKET_MAX + 1];
  uint32_t max = (M78GDB_PACKET_MAX - 1) / 2, i;
  if (len > max)
    len = max; /* a short reply: gdb asks for the rest */
  for (i = 0; i < len; i++) {
    uint8_t b;
    if (peek_byte(a, addr + i, &b) != 0)
      break;
    m78gdb_hex_encode(&b, 1, hex + 2 * i);
  }
  if (i == 0 && len > 0) {
    reply(a, "E14"); /* EFAULT */
    return;
  }
  hex[2 * i] = '\0';
  reply(a, hex);
}

static int data_memory(uint32_t addr, uint32_t len)
{
  uint64_t end = (uint64_t)addr + len;
  if (!len)
    return 0;
  return (addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE && end <= (uint64_t)M78ARM_SRAM_BASE + M78ARM_SRAM_SIZE) ||
         (in_cnn(addr) && end <= M78_CNN_END) ||
         (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE && end <= (uint64_t)M78ARM_FLASH_BASE + M78ARM_FLASH_SIZE);
}

static void insert(struct m78arm *a, const struct m78gdb_cmd *c)
{
  struct m78gdb *g = a->gdb;
  if (c->type <= 1) {
    for (int i = 0; i < g->nbp; i++)
      if (g->bp[i] == c->addr) {
        reply(a, "OK");
        return;
      }
    if (g->nbp == M78GDB_MAX_BP) {
      reply(a, "E28"); /* ENOSPC */
      return;
    }
    g->bp[g->nbp++] = c->addr & ~1u;
    reply(a, "OK");
    return;
  }
  if (!data_memory(c->addr, c->len) || (c->type == 2 && c->addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE)) {
    reply(a, "E16"); /* EINVAL: not data memory the stub can watch */
    return;
  }
  if (g->nwp == M78GDB_MAX_WP) {
    reply(a, "E28");
    return;
  }
  g->wp[g->nwp].addr = c->addr;
  g->wp[g->nwp].len = c->len;
  g->wp[g->nwp].type = c->type;
  g->nwp++;
  reply(a, "OK");
}

static void remove_point(struct m78arm *a, const struct m78gdb_cmd *c)
{
  struct m78gdb *g = a->gdb;
  if (c->type <= 1) {
    for (int i = 0; i < g->nbp; i++)
      if (g->bp[i] == (c->addr & ~1u)) {
        g->bp[i] = g->bp[--g->nbp];
        break;
      }
  } else {
    for (int i = 0; i < g->nwp; i++)
      if (g->wp[i].addr == c->addr && g->wp[i].len == c->len && g->wp[i].type == c->type) {
        g->wp[i] = g->wp[--g->nwp];
        break;
      }
  }
  reply(a, "OK");
}

static void xfer_features(struct m78arm *a, const struct m78gdb_cmd *c)
{
  static char out[M78GDB_PACKET_MAX + 1];
  if (strcmp(c->annex, "target.xml") != 0) {
    reply(a, "E00");
    return;
  }
  size_t total = sizeof target_xml - 1, off = c->addr, n = c->len;
  if (off >= total) {
    reply(a, "l");
    return;
  }
  if (n > M78GDB_PACKET_MAX / 2) /* room for escapes */
    n = M78GDB_PACKET_MAX / 2;
  if (n > total - off)
    n = total - off;
  out[0] = off + n < total ? 'm' : 'l';
  memcpy(out + 1, target_xml + off, n);
  reply_n(a, out, n + 1);
}

/* One packet.  Returns 1 when the target resumes (or gdb left). */
static int handle(struct m78arm *a, const char *pkt, size_t n)
{
  struct m78gdb *g = a->gdb;
  struct m78gdb_cmd c;
  uint8_t buf[8];
  char hex[17];
  m78gdb_parse(pkt, n, &c);
  switch (c.kind) {
  case M78GDB_CMD_UNKNOWN: reply(a, ""); return 0;
  case M78GDB_CMD_MALFORMED: reply(a, "E01"); return 0;
  case M78GDB_CMD_SUPPORTED:
    reply(a, "PacketSize=1000;qXfer:features:read+;QStartNoAckMode+;vContSupported+");
    return 0;
  case M78GDB_CMD_XFER_FEATURES: xfer_features(a, &c); return 0;
  case M78GDB_CMD_ATTACHED: reply(a, "1"); return 0; /* quitting gdb detaches: the run goes on */
  case M78GDB_CMD_CURRENT_THREAD: reply(a, "QC1"); return 0;
  case M78GDB_CMD_THREAD_FIRST: reply(a, "m1"); return 0;
  case M78GDB_CMD_THREAD_NEXT: reply(a, "l"); return 0;
  case M78GDB_CMD_NOACK:
    reply(a, "OK");
    g->noack = 1;
    return 0;
  case M78GDB_CMD_STOP_REASON: stop_reply(a, g->req ? g->req : M78GDB_STOP_BREAK); return 0;
  case M78GDB_CMD_READ_REGS: read_regs(a); return 0;
  case M78GDB_CMD_WRITE_REGS: write_regs(a, &c); return 0;
  case M78GDB_CMD_READ_REG:
    if (c.regno >= NREGS) {
      reply(a, "E16");
      return 0;
    }
    reg_get(a, c.regno, buf);
    m78gdb_hex_encode(buf, reg_size(c.regno), hex);
    reply(a, hex);
    return 0;
  case M78GDB_CMD_WRITE_REG:
    if (c.regno >= NREGS || c.data_len != 2 * reg_size(c.regno)) {
      reply(a, "E16");
      return 0;
    }
    m78gdb_hex_decode(c.data, reg_size(c.regno), buf);
    reg_set(a, c.regno, buf);
    reply(a, "OK");
    return 0;
  case M78GDB_CMD_READ_MEM: read_mem(a, c.addr, c.len); return 0;
  case M78GDB_CMD_WRITE_MEM: {
    uint8_t *d = malloc(c.len ? c.len : 1);
    int ok = d && m78gdb_hex_decode(c.data, c.len, d) == 0 && mem_write(a, c.addr, d, c.len) == 0;
    free(d);
    reply(a, ok ? "OK" : "E14");
    return 0;
  }
  case M78GDB_CMD_WRITE_MEM_BIN:
    reply(a, mem_write(a, c.addr, (const uint8_t *)c.data, c.len) == 0 ? "OK" : "E14");
    return 0;
  case M78GDB_CMD_INSERT: insert(a, &c); return 0;
  case M78GDB_CMD_REMOVE: remove_point(a, &c); return 0;
  case M78GDB_CMD_VCONT_QUERY: reply(a, "vCont;c;C;s;S"); return 0;
  case M78GDB_CMD_SET_THREAD:
  case M78GDB_CMD_THREAD_ALIVE: reply(a, "OK"); return 0;
  case M78GDB_CMD_CONTINUE:
  case M78GDB_CMD_STEP:
    if (c.has_addr) {
      uint32_t pc = c.addr | 1;
      uc_reg_write(a->uc, UC_ARM_REG_PC, &pc);
    }
    g->stepping = c.kind == M78GDB_CMD_STEP;
    return 1;
  case M78GDB_CMD_DETACH:
    reply(a, "OK");
    disconnect(a, "the debugger detached");
    return 1;
  case M78GDB_CMD_KILL:
    /* no reply to k: gdb closes the connection itself */
    close(g->fd);
    g->fd = -1;
    fprintf(stderr, "max78sim: gdb: the debugger killed the run at PC 0x%08x\n", (unsigned)m78arm_pc(a));
    m78arm_flush(a);
    m78soc_finish(a->soc, M78SOC_STOP_EXIT, "killed by the debugger", 2);
    return 1;
  }
  reply(a, "");
  return 0;
}

/* Reads what gdb sent; returns 1 when the target resumes.  wait: block
 * until something arrives (the target is stopped), else only look. */
static int receive(struct m78arm *a, int wait)
{
  struct m78gdb *g = a->gdb;
  char in[2048];
  for (;;) {
    if (g->fd < 0)
      return 1;
    if (!wait) {
      struct pollfd p = {g->fd, POLLIN, 0};
      if (poll(&p, 1, 0) <= 0)
        return 0;
    }
    ssize_t k = recv(g->fd, in, sizeof in, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      disconnect(a, "the debugger closed the connection");
      return 1;
    }
    for (ssize_t i = 0; i < k; i++) {
      switch (m78gdb_rx_byte(&g->rx, (uint8_t)in[i])) {
      case M78GDB_RX_PACKET:
        if (!g->noack)
          send_raw(a, "+", 1);
        if (!wait) /* while running gdb sends only Ctrl-C */
          break;
        if (handle(a, g->rx.buf, g->rx.len)) {
          /* all-stop: nothing follows a resume but Ctrl-C, taken before
           * the first instruction */
          for (ssize_t j = i + 1; j < k; j++)
            if (in[j] == 0x03)
              g->interrupt = 1;
          return 1;
        }
        break;
      case M78GDB_RX_BAD: send_raw(a, "-", 1); break;
      case M78GDB_RX_NAK: send_raw(a, g->last, g->last_len); break;
      case M78GDB_RX_INTERRUPT:
        if (!wait) {
          g->interrupt = 1;
          return 0;
        }
        stop_reply(a, M78GDB_STOP_INTERRUPT); /* already stopped */
        break;
      default: break;
      }
      if (g->fd < 0)
        return 1;
    }
    if (!wait)
      return 0;
  }
}

void m78gdb_serve(struct m78arm *a, enum m78gdb_stop why)
{
  struct m78gdb *g = a->gdb;
  if (!g || g->fd < 0)
    return;
  fflush(stdout);
  g->req = why;
  if (why != M78GDB_STOP_START)
    stop_reply(a, why);
  receive(a, 1);
  g->req = M78GDB_STOP_NONE;
  g->hooks = 0;
  g->resume_pc = m78arm_pc(a);
}

void m78gdb_poll(struct m78arm *a)
{
  struct m78gdb *g = a->gdb;
  if (!g || g->fd < 0)
    return;
  receive(a, 0);
  if (g->interrupt && g->fd >= 0 && !g->req) {
    g->interrupt = 0;
    g->req = M78GDB_STOP_INTERRUPT;
    uc_emu_stop(a->uc);
  }
}

void m78gdb_access(struct m78arm *a, uint32_t addr, unsigned size, int write)
{
  struct m78gdb *g = a->gdb;
  for (int i = 0; i < g->nwp; i++) {
    uint32_t lo = g->wp[i].addr, hi = lo + g->wp[i].len;
    if (addr + size <= lo || addr >= hi)
      continue;
    unsigned t = g->wp[i].type;
    if ((t == 2 && !write) || (t == 3 && write))
      continue;
    g->req = M78GDB_STOP_WATCH;
    g->watch_addr = addr > lo ? addr : lo;
    g->watch_type = t;
    uc_emu_stop(a->uc);
    return;
  }
}

/* ---- hooks ---- */

static void on_insn(uc_engine *uc, uint64_t addr64, uint32_t size, void *ud)
{
  (void)size;
  struct m78arm *a = ud;
  struct m78gdb *g = a->gdb;
  if (g->fd < 0 || g->req)
    return;
  uint32_t addr = (uint32_t)addr64;
  uint64_t k = g->hooks++;
  if (g->interrupt) {
    g->interrupt = 0;
    g->req = M78GDB_STOP_INTERRUPT;
    uc_emu_stop(uc);
    return;
  }
  if (g->stepping && k > 0) {
    g->req = M78GDB_STOP_STEP;
    uc_emu_stop(uc);
    return;
  }
  if (k == 0 && addr == g->resume_pc)
    return;
  for (int i = 0; i < g->nbp; i++)
    if (g->bp[i] == addr) {
      g->req = M78GDB_STOP_BREAK;
      uc_emu_stop(uc);
      return;
    }
}

static void on_sram(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
  (void)uc;
  (void)value;
  struct m78arm *a = ud;
  if (a->gdb->nwp && !a->gdb->req)
    m78gdb_access(a, (uint32_t)addr, (unsigned)size, type == UC_MEM_WRITE);
}

static void on_finish(int exit_code)
{
  if (finishing)
    m78gdb_finish(finishing, exit_code);
}

int m78gdb_attach(struct m78arm *a, int lfd, char *err, size_t len)
{
  static struct m78gdb g;
  memset(&g, 0, sizeof g);
  m78gdb_rx_init(&g.rx);
  int fd;
  do
    fd = accept(lfd, NULL, NULL);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    snprintf(err, len, "gdb: cannot accept a connection: %s", strerror(errno));
    return -1;
  }
  close(lfd); /* one debugger per run */
  g.fd = fd;
  a->gdb = &g;
  uc_hook h;
  if (uc_hook_add(a->uc, &h, UC_HOOK_CODE, (void *)on_insn, a, 1, 0) ||
      uc_hook_add(a->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_sram, a, M78ARM_SRAM_BASE,
                  M78ARM_SRAM_BASE + M78ARM_SRAM_SIZE - 1) ||
      uc_hook_add(a->uc, &h, UC_HOOK_MEM_READ, (void *)on_sram, a, M78ARM_FLASH_BASE,
                  M78ARM_FLASH_BASE + M78ARM_FLASH_SIZE - 1)) {
    snprintf(err, len, "gdb: Unicorn: cannot install the debugger's hooks");
    return -1;
  }
  finishing = a;
  m78rt_set_finish_hook(on_finish);
  fprintf(stderr, "max78sim: gdb: debugger connected\n");
  return 0;
}

void m78gdb_finish(struct m78arm *a, int exit_code)
{
  struct m78gdb *g = a->gdb;
  if (!g || g->fd < 0)
    return;
  char s[8];
  snprintf(s, sizeof s, "W%02x", exit_code & 0xFF);
  reply(a, s);
  close(g->fd);
  g->fd = -1;
}
