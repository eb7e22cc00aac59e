/*
 * The fault bridge on x86-64 Linux.
 *
 * The windows are anonymous PROT_NONE mappings at the MAX78000 addresses
 * (read-write in shadow mode, where the instrumented firmware of inst.c
 * never faults there and the handler only reports crashes).
 * A firmware access to them raises SIGSEGV; the handler (on its own 1 MiB
 * alternate stack) decodes the instruction at RIP, checks that the
 * effective address it computes covers si_addr, performs the accesses
 * through the callbacks, writes the results into the interrupted context
 * (general registers, EFLAGS, vector registers in the signal frame's XSAVE
 * area) and moves RIP past the instruction.
 *
 * Instructions the decoder does not know are single-stepped instead: the
 * touched window pages become readable scratch copies filled with peek(),
 * EFLAGS.TF is set, and the SIGTRAP after the instruction turns the words
 * that changed into 4-byte writes before the pages go back to PROT_NONE.
 *
 * Invariants:
 *  - outside a single step every window page is PROT_NONE;
 *  - an instruction is emulated completely or, when it reports
 *    EMU_UNKNOWN, without any bus access (so single-stepping it after the
 *    decoder gave up never repeats an access);
 *  - every callback access is 1, 2 or 4 bytes and naturally aligned.
 *
 * State is one static struct: the signal handler has nowhere else to find
 * it.  The firmware is single threaded; the alternate stack belongs to the
 * thread that called m78_bridge_install.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE /* its inline memcpy/memset wrappers clash with our definitions */
#include "bridge.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_RANGES 16
#define STEP_MAX_PAGES 8
#define PAGE_BYTES 4096u /* the only page size of x86-64 Linux user space */
#define PAGE_WORDS (PAGE_BYTES / 4)
#define ALTSTACK_BYTES (1u << 20)

#define FL_CF 0x0001u
#define FL_PF 0x0004u
#define FL_AF 0x0010u
#define FL_ZF 0x0040u
#define FL_SF 0x0080u
#define FL_TF 0x0100u
#define FL_DF 0x0400u
#define FL_OF 0x0800u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* XSAVE state components (Intel SDM vol. 1, ch. 13) and the signal frame
 * layout the kernel documents in asm/sigcontext.h. */
enum { XC_SSE = 1, XC_YMM = 2, XC_OPMASK = 5, XC_ZMM_HI256 = 6, XC_HI16_ZMM = 7, XC_COUNT = 8 };
#define FX_XMM_OFF 160
#define FX_SW_OFF 464
#define XSAVE_HDR_OFF 512
#define XSTATE_MAGIC1 0x46505853u
#define XSTATE_MAGIC2 0x46505845u

enum { EMU_OK, EMU_UNKNOWN, EMU_CRASH };

struct bridge {
  int installed;
  int shadow; /* windows are read-write memory (m78_bridge_install_shadow) */
  struct m78_bridge_range ranges[MAX_RANGES];
  int n_ranges;
  struct m78_bridge_ops ops;
  struct m78_bridge_stats stats;

  struct sigaction old_segv, old_trap;
  stack_t old_stack;
  void *altstack;

  /* set while the bridge itself touches ordinary memory for the guest, so
   * that a fault there is reported as the guest's crash at emul_rip */
  volatile sig_atomic_t direct;
  uintptr_t emul_rip;

  /* single-step fallback */
  int step_active;
  uintptr_t step_rip, step_fault;
  int step_n;
  uintptr_t step_page[STEP_MAX_PAGES];
  uint32_t *step_before; /* STEP_MAX_PAGES pages: contents after the peek fill */
  uint32_t step_changed[STEP_MAX_PAGES][PAGE_WORDS / 32];

  /* standard-format XSAVE offsets and sizes from CPUID leaf 0xD */
  uint32_t xoff[XC_COUNT], xsize[XC_COUNT];

  void (*mem_hook)(void); /* before a memory function's first bus access */
};

/* In .data, before the firmware's .bss: firmware that overruns a static
 * buffer must not corrupt the bridge (see soc.h). */
static struct bridge br __attribute__((section(".data.m78shim")));

/* ------------------------------------------------------------------ */
/* Windows and the bus                                                  */

/* 1: [a, a+len) inside one window, 0: outside all, -1: straddles an edge. */
static int win_kind(uint64_t a, uint64_t len)
{
  for (int i = 0; i < br.n_ranges; i++) {
    uint64_t b = br.ranges[i].base, e = br.ranges[i].end;
    if (a >= b && a + len <= e)
      return 1;
    if (a < e && a + len > b)
      return -1;
  }
  return 0;
}

static uint32_t bus_rd(uint64_t a, unsigned w)
{
  uint32_t v = 0;
  br.stats.reads++;
  if (br.ops.read(br.ops.ctx, (uint32_t)a, w, &v) != 0)
    v = 0;
  if (w < 4)
    v &= (1u << (8 * w)) - 1;
  return v;
}

static void bus_wr(uint64_t a, unsigned w, uint32_t v)
{
  br.stats.writes++;
  if (w < 4)
    v &= (1u << (8 * w)) - 1;
  (void)br.ops.write(br.ops.ctx, (uint32_t)a, w, v);
}

uint32_t m78_bridge_bus_read(uint32_t addr, unsigned width) { return bus_rd(addr, width); }

void m78_bridge_bus_write(uint32_t addr, unsigned width, uint32_t value) { bus_wr(addr, width, value); }

int m78_bridge_window(uintptr_t a, size_t len) { return win_kind(a, len); }

/* Ordinary memory touched for the guest (the RAM side of a string op, the
 * part of a wide access outside the windows).  The barriers keep the access
 * between the flag updates. */
static uint32_t ram_rd(uint64_t a, unsigned w)
{
  uint32_t v = 0;
  br.direct = 1;
  __asm__ volatile("" ::: "memory");
  switch (w) {
  case 1: v = *(const volatile uint8_t *)(uintptr_t)a; break;
  case 2: __builtin_memcpy(&v, (const void *)(uintptr_t)a, 2); break;
  default: __builtin_memcpy(&v, (const void *)(uintptr_t)a, 4); break;
  }
  __asm__ volatile("" ::: "memory");
  br.direct = 0;
  return v;
}

static void ram_wr(uint64_t a, unsigned w, uint32_t v)
{
  br.direct = 1;
  __asm__ volatile("" ::: "memory");
  switch (w) {
  case 1: *(volatile uint8_t *)(uintptr_t)a = (uint8_t)v; break;
  case 2: __builtin_memcpy((void *)(uintptr_t)a, &v, 2); break;
  default: __builtin_memcpy((void *)(uintptr_t)a, &v, 4); break;
  }
  __asm__ volatile("" ::: "memory");
  br.direct = 0;
}

static uint32_t piece_rd(uint64_t a, unsigned w, int win)
{
  return win ? bus_rd(a, w) : ram_rd(a, w);
}

static void piece_wr(uint64_t a, unsigned w, int win, uint32_t v)
{
  if (win)
    bus_wr(a, w, v);
  else
    ram_wr(a, w, v);
}

/* Largest piece (4, 2, 1) at a that fits in left bytes and is naturally
 * aligned; such a piece never crosses a page, so it is wholly inside or
 * outside the windows. */
static unsigned natural_piece(uint64_t a, uint64_t left)
{
  unsigned p = 4;
  while (p > left || (a & (p - 1)))
    p >>= 1;
  return p;
}

/* An access of n bytes split into natural pieces, ascending. */
static void acc_read(uint64_t a, unsigned n, uint8_t *buf)
{
  for (unsigned off = 0; off < n;) {
    unsigned p = natural_piece(a + off, n - off);
    uint32_t v = piece_rd(a + off, p, win_kind(a + off, p) == 1);
    for (unsigned i = 0; i < p; i++)
      buf[off + i] = (uint8_t)(v >> (8 * i));
    off += p;
  }
}

static void acc_write(uint64_t a, unsigned n, const uint8_t *buf)
{
  for (unsigned off = 0; off < n;) {
    unsigned p = natural_piece(a + off, n - off);
    uint32_t v = 0;
    for (unsigned i = 0; i < p; i++)
      v |= (uint32_t)buf[off + i] << (8 * i);
    piece_wr(a + off, p, win_kind(a + off, p) == 1, v);
    off += p;
  }
}

/* Piece for a transfer between two addresses: aligned on every side that
 * is a window (the bus sees natural accesses), free on the RAM side. */
static unsigned xfer_piece(uint64_t d, uint64_t s, int use_s, uint64_t left, int *dw, int *sw)
{
  for (unsigned p = 4;; p >>= 1) {
    if (p > left)
      continue;
    int kd = win_kind(d, p), ks = use_s ? win_kind(s, p) : 0;
    if (p > 1 && (kd < 0 || ks < 0 || (kd && (d & (p - 1))) || (ks && (s & (p - 1)))))
      continue;
    *dw = kd;
    *sw = ks;
    return p;
  }
}

/* Forward copy, or backward when the regions overlap with d above s
 * (memmove). */
static void xfer_copy(uint64_t d, uint64_t s, uint64_t n, int backward)
{
  int dw, sw;
  if (!backward) {
    for (uint64_t off = 0; off < n;) {
      unsigned p = xfer_piece(d + off, s + off, 1, n - off, &dw, &sw);
      piece_wr(d + off, p, dw, piece_rd(s + off, p, sw));
      off += p;
    }
    return;
  }
  for (uint64_t end = n; end > 0;) {
    unsigned p = 4;
    for (;; p >>= 1) {
      if (p > end)
        continue;
      unsigned q = xfer_piece(d + end - p, s + end - p, 1, p, &dw, &sw);
      if (q == p)
        break;
    }
    piece_wr(d + end - p, p, dw, piece_rd(s + end - p, p, sw));
    end -= p;
  }
}

/* Fill with a w-byte pattern (STOS, memset). */
static void xfer_fill(uint64_t d, uint64_t n, const uint8_t *pat, unsigned w)
{
  int dw, unused;
  for (uint64_t off = 0; off < n;) {
    unsigned p = xfer_piece(d + off, 0, 0, n - off, &dw, &unused);
    uint32_t v = 0;
    for (unsigned i = 0; i < p; i++)
      v |= (uint32_t)pat[(off + i) % w] << (8 * i);
    piece_wr(d + off, p, dw, v);
    off += p;
  }
}

/* ------------------------------------------------------------------ */
/* Registers of the interrupted context                                 */

static const int greg_map[16] = {
  REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
  REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static uint64_t width_mask(unsigned size)
{
  return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t greg_get(ucontext_t *uc, int idx)
{
  return (uint64_t)uc->uc_mcontext.gregs[idx];
}

static void greg_set(ucontext_t *uc, int idx, uint64_t v)
{
  uc->uc_mcontext.gregs[idx] = (greg_t)v;
}

static uint64_t reg64(ucontext_t *uc, unsigned r)
{
  return greg_get(uc, greg_map[r & 15]);
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
static uint64_t reg_get(ucontext_t *uc, unsigned r, unsigned size, int rex)
{
  if (size == 1 && !rex && r >= 4 && r < 8)
    return (reg64(uc, r - 4) >> 8) & 0xff;
  return reg64(uc, r) & width_mask(size);
}

static void reg_set(ucontext_t *uc, unsigned r, unsigned size, int rex, uint64_t v)
{
  if (size == 1 && !rex && r >= 4 && r < 8) {
    uint64_t old = reg64(uc, r - 4);
    greg_set(uc, greg_map[r - 4], (old & ~0xff00ull) | ((v & 0xff) << 8));
    return;
  }
  uint64_t old = reg64(uc, r);
  switch (size) {
  case 1: v = (old & ~0xffull) | (v & 0xff); break;
  case 2: v = (old & ~0xffffull) | (v & 0xffff); break;
  case 4: v &= 0xffffffffull; break; /* 32-bit writes zero-extend */
  default: break;
  }
  greg_set(uc, greg_map[r & 15], v);
}

/* Vector registers live in the signal frame: XMM0-15 in the FXSAVE area,
 * the rest in XSAVE components whose XSTATE_BV bit says whether the memory
 * is valid (clear = register in its all-zero initial state). */
struct vstate {
  uint8_t *fx;
  uint8_t *bv; /* XSTATE_BV in the XSAVE header; NULL for a bare FXSAVE frame */
  unsigned avail; /* components present in the frame */
};

static int vstate_init(ucontext_t *uc, struct vstate *vs)
{
  vs->fx = (uint8_t *)uc->uc_mcontext.fpregs;
  vs->bv = NULL;
  vs->avail = 1u << XC_SSE;
  if (!vs->fx)
    return -1;
  uint32_t magic1, xstate_size, magic2;
  uint64_t xfeatures;
  memcpy(&magic1, vs->fx + FX_SW_OFF, 4);
  memcpy(&xfeatures, vs->fx + FX_SW_OFF + 8, 8);
  memcpy(&xstate_size, vs->fx + FX_SW_OFF + 16, 4);
  if (magic1 != XSTATE_MAGIC1 || xstate_size < XSAVE_HDR_OFF + 64 || xstate_size > (1u << 20))
    return 0;
  memcpy(&magic2, vs->fx + xstate_size, 4);
  if (magic2 != XSTATE_MAGIC2)
    return 0;
  vs->bv = vs->fx + XSAVE_HDR_OFF;
  for (unsigned c = XC_YMM; c < XC_COUNT; c++)
    if ((xfeatures >> c & 1) && br.xoff[c] && br.xoff[c] + br.xsize[c] <= xstate_size)
      vs->avail |= 1u << c;
  return 0;
}

static uint8_t *vcomp_base(const struct vstate *vs, unsigned c)
{
  return c == XC_SSE ? vs->fx + FX_XMM_OFF : vs->fx + br.xoff[c];
}

static unsigned vcomp_size(unsigned c)
{
  return c == XC_SSE ? 256 : br.xsize[c];
}

static int vcomp_in_use(const struct vstate *vs, unsigned c)
{
  uint64_t bv;
  if (!vs->bv)
    return 1;
  memcpy(&bv, vs->bv, 8);
  return (int)(bv >> c & 1);
}

/* Where register bytes [b, b+16) of register r live (b multiple of 16). */
static unsigned vreg_slot(unsigned r, unsigned b, unsigned *off)
{
  if (r >= 16) {
    *off = (r - 16) * 64 + b;
    return XC_HI16_ZMM;
  }
  if (b < 16) {
    *off = r * 16;
    return XC_SSE;
  }
  if (b < 32) {
    *off = r * 16;
    return XC_YMM;
  }
  *off = r * 32 + (b - 32);
  return XC_ZMM_HI256;
}

/* Can the frame supply register bytes [lo, hi)? */
static int vreg_avail(const struct vstate *vs, unsigned r, unsigned lo, unsigned hi)
{
  for (unsigned b = lo & ~15u; b < hi; b += 16) {
    unsigned off;
    if (!(vs->avail >> vreg_slot(r, b, &off) & 1))
      return 0;
  }
  return 1;
}

static void vreg_get(const struct vstate *vs, unsigned r, uint8_t out[64])
{
  for (unsigned b = 0; b < 64; b += 16) {
    unsigned off, c = vreg_slot(r, b, &off);
    if ((vs->avail >> c & 1) && vcomp_in_use(vs, c))
      memcpy(out + b, vcomp_base(vs, c) + off, 16);
    else
      memset(out + b, 0, 16);
  }
}

/* Writes register bytes [lo, hi) (rounded out to 16-byte chunks, the
 * rest of each chunk taken from `val`).  Zero chunks of components that
 * are absent or in their initial state need no store. */
static void vreg_put(struct vstate *vs, unsigned r, const uint8_t val[64], unsigned lo, unsigned hi)
{
  static const uint8_t zero[16];
  for (unsigned b = lo & ~15u; b < hi; b += 16) {
    unsigned off, c = vreg_slot(r, b, &off);
    int nonzero = memcmp(val + b, zero, 16) != 0;
    if (!(vs->avail >> c & 1))
      continue; /* only zeros can land here: vreg_avail checked the data */
    if (!vcomp_in_use(vs, c)) {
      if (!nonzero)
        continue;
      uint64_t bv;
      memset(vcomp_base(vs, c), 0, vcomp_size(c));
      memcpy(&bv, vs->bv, 8);
      bv |= 1ull << c;
      memcpy(vs->bv, &bv, 8);
    }
    memcpy(vcomp_base(vs, c) + off, val + b, 16);
  }
}

static uint64_t kreg_get(const struct vstate *vs, unsigned k)
{
  uint64_t v = 0;
  if ((vs->avail >> XC_OPMASK & 1) && vcomp_in_use(vs, XC_OPMASK))
    memcpy(&v, vcomp_base(vs, XC_OPMASK) + 8 * (size_t)k, 8);
  return v;
}

/* ------------------------------------------------------------------ */
/* Flags                                                                */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static uint64_t szp_flags(uint64_t r, unsigned size)
{
  uint64_t f = 0;
  if ((r & width_mask(size)) == 0)
    f |= FL_ZF;
  if (r >> (8 * size - 1) & 1)
    f |= FL_SF;
  if (!__builtin_parity((unsigned)(r & 0xff)))
    f |= FL_PF;
  return f;
}

/* One of the eight group-1 operations, flags exactly as the CPU sets them
 * (AF is undefined for the logic ops; the CPUs we know clear it). */
static uint64_t alu_op(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *eflags)
{
  uint64_t m = width_mask(size), sign = 1ull << (8 * size - 1);
  uint64_t cin = *eflags & FL_CF ? 1 : 0, r, f = 0;
  a &= m;
  b &= m;
  switch (op) {
  case ALU_ADD:
  case ALU_ADC:
    if (op == ALU_ADD)
      cin = 0;
    r = (a + b + cin) & m;
    if (r < a || (cin && r == a))
      f |= FL_CF;
    if ((a ^ r) & (b ^ r) & sign)
      f |= FL_OF;
    f |= (a ^ b ^ r) & FL_AF;
    break;
  case ALU_SUB:
  case ALU_SBB:
  case ALU_CMP:
    if (op != ALU_SBB)
      cin = 0;
    r = (a - b - cin) & m;
    if (a < b || (cin && a == b))
      f |= FL_CF;
    if ((a ^ b) & (a ^ r) & sign)
      f |= FL_OF;
    f |= (a ^ b ^ r) & FL_AF;
    break;
  case ALU_OR: r = a | b; break;
  case ALU_AND: r = a & b; break;
  default: r = a ^ b; break;
  }
  f |= szp_flags(r, size);
  *eflags = (*eflags & ~(uint64_t)FL_ARITH) | f;
  return r;
}

static int cond_true(unsigned cc, uint64_t f)
{
  int of = !!(f & FL_OF), cf = !!(f & FL_CF), zf = !!(f & FL_ZF);
  int sf = !!(f & FL_SF), pf = !!(f & FL_PF), v;
  switch (cc >> 1) {
  case 0: v = of; break;
  case 1: v = cf; break;
  case 2: v = zf; break;
  case 3: v = cf || zf; break;
  case 4: v = sf; break;
  case 5: v = pf; break;
  case 6: v = sf != of; break;
  default: v = zf || sf != of; break;
  }
  return (cc & 1) ? !v : v;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                              */

struct insn {
  const uint8_t *start, *cur;
  unsigned len;
  int opsize, adsize, rep, repne, last_rep, seg_bad;
  int rex, rex_w, rex_r, rex_x, rex_b;
  int vex;        /* 0 legacy, 1 VEX, 2 EVEX */
  unsigned vl;    /* 0: 128, 1: 256, 2: 512 bits */
  unsigned pp;    /* mandatory prefix: 0 none, 1 66, 2 F3, 3 F2 */
  unsigned map;   /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
  int evex_rr, evex_z, evex_b;
  unsigned evex_aaa;
  uint8_t op;
  unsigned mod, reg, rm;
  int rip_rel;
  uint64_t ea;
};

static uint32_t rd32(const uint8_t *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint16_t rd16(const uint8_t *p)
{
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

/* Prefixes, REX/VEX/EVEX and the opcode. */
static int decode_head(struct insn *in, const uint8_t *ip)
{
  const uint8_t *p = ip;
  memset(in, 0, sizeof *in);
  in->start = ip;
  for (int i = 0; i < 14; i++, p++) {
    uint8_t b = *p;
    if (b == 0x66)
      in->opsize = 1;
    else if (b == 0x67)
      in->adsize = 1;
    else if (b == 0xF3)
      in->rep = 1, in->last_rep = 0xF3;
    else if (b == 0xF2)
      in->repne = 1, in->last_rep = 0xF2;
    else if (b == 0xF0 || b == 0x2E || b == 0x3E || b == 0x26 || b == 0x36)
      continue; /* LOCK changes nothing for an emulation; CS/DS/ES/SS are flat */
    else if (b == 0x64 || b == 0x65)
      in->seg_bad = 1; /* FS/GS bases are not ours to add */
    else
      break;
  }
  if ((*p & 0xF0) == 0x40) {
    in->rex = 1;
    in->rex_w = *p >> 3 & 1;
    in->rex_r = *p >> 2 & 1;
    in->rex_x = *p >> 1 & 1;
    in->rex_b = *p & 1;
    p++;
  }
  if (*p == 0xC5 || *p == 0xC4 || *p == 0x62) {
    if (in->rex || in->opsize || in->rep || in->repne)
      return -1;
    if (*p == 0xC5) {
      in->vex = 1;
      in->rex_r = !(p[1] & 0x80);
      in->vl = p[1] >> 2 & 1;
      in->pp = p[1] & 3;
      in->map = 1;
      p += 2;
    } else if (*p == 0xC4) {
      in->vex = 1;
      in->rex_r = !(p[1] & 0x80);
      in->rex_x = !(p[1] & 0x40);
      in->rex_b = !(p[1] & 0x20);
      in->map = p[1] & 0x1f;
      in->rex_w = p[2] >> 7;
      in->vl = p[2] >> 2 & 1;
      in->pp = p[2] & 3;
      p += 3;
    } else {
      if ((p[1] & 0x0c) || !(p[2] & 0x04))
        return -1;
      in->vex = 2;
      in->rex_r = !(p[1] & 0x80);
      in->rex_x = !(p[1] & 0x40);
      in->rex_b = !(p[1] & 0x20);
      in->evex_rr = !(p[1] & 0x10);
      in->map = p[1] & 3;
      in->rex_w = p[2] >> 7;
      in->pp = p[2] & 3;
      in->evex_z = p[3] >> 7;
      in->vl = p[3] >> 5 & 3;
      in->evex_b = p[3] >> 4 & 1;
      in->evex_aaa = p[3] & 7;
      p += 4;
    }
    if (in->map < 1 || in->map > 3)
      return -1;
  } else {
    if (in->last_rep == 0xF3)
      in->pp = 2;
    else if (in->last_rep == 0xF2)
      in->pp = 3;
    else if (in->opsize)
      in->pp = 1;
    if (*p == 0x0F) {
      p++;
      in->map = 1;
      if (*p == 0x38 || *p == 0x3A) {
        in->map = *p == 0x38 ? 2 : 3;
        p++;
      }
    }
  }
  in->op = *p++;
  in->cur = p;
  return 0;
}

/* ModRM with a memory operand (register forms never fault), SIB and
 * displacement; EVEX compresses disp8 by `scale`.  RIP-relative addresses
 * are completed by finish_insn once the length is known. */
static int decode_mem(struct insn *in, ucontext_t *uc, unsigned scale)
{
  const uint8_t *p = in->cur;
  uint8_t m = *p++;
  uint64_t ea = 0;
  int64_t disp = 0;
  in->mod = m >> 6;
  in->reg = (m >> 3 & 7) | (unsigned)in->rex_r << 3 | (unsigned)in->evex_rr << 4;
  in->rm = m & 7;
  if (in->mod == 3)
    return -1;
  if (in->rm == 4) {
    uint8_t sib = *p++;
    unsigned ix = (sib >> 3 & 7) | (unsigned)in->rex_x << 3, base = sib & 7;
    if (ix != 4)
      ea += reg64(uc, ix) << (sib >> 6);
    if (base == 5 && in->mod == 0) {
      disp = (int32_t)rd32(p);
      p += 4;
    } else {
      ea += reg64(uc, base | (unsigned)in->rex_b << 3);
    }
  } else if (in->rm == 5 && in->mod == 0) {
    in->rip_rel = 1;
    disp = (int32_t)rd32(p);
    p += 4;
  } else {
    ea += reg64(uc, in->rm | (unsigned)in->rex_b << 3);
  }
  if (in->mod == 1)
    disp = (int64_t)(int8_t)*p++ * (int64_t)scale;
  else if (in->mod == 2) {
    disp = (int32_t)rd32(p);
    p += 4;
  }
  in->ea = ea + (uint64_t)disp;
  in->cur = p;
  return 0;
}

static uint64_t decode_imm(struct insn *in, unsigned n)
{
  uint64_t v;
  switch (n) {
  case 1: v = (uint64_t)(int64_t)(int8_t)in->cur[0]; break;
  case 2: v = (uint64_t)(int64_t)(int16_t)rd16(in->cur); break;
  default: v = (uint64_t)(int64_t)(int32_t)rd32(in->cur); n = 4; break;
  }
  in->cur += n;
  return v;
}

static void finish_insn(struct insn *in, uintptr_t rip)
{
  in->len = (unsigned)(in->cur - in->start);
  if (in->rip_rel)
    in->ea += rip + in->len;
  if (in->adsize)
    in->ea &= 0xffffffffull;
}

/* ------------------------------------------------------------------ */
/* Emulation                                                            */

struct emu {
  ucontext_t *uc;
  uintptr_t fa, rip;
  const char *why;
  struct insn in;
};

/* The decoded address must explain the fault, or the decoder is wrong. */
static int ea_explains(struct emu *e, uint64_t ea, uint64_t n)
{
  if (e->fa - ea < n)
    return 1;
  e->why = "decoded address does not match the fault address";
  return 0;
}

static uint64_t mem_get(uint64_t a, unsigned n)
{
  uint8_t b[8] = { 0 };
  uint64_t v;
  acc_read(a, n, b);
  memcpy(&v, b, 8);
  return v;
}

static void mem_put(uint64_t a, unsigned n, uint64_t v)
{
  uint8_t b[8];
  memcpy(b, &v, 8);
  acc_write(a, n, b);
}

static uint64_t sext(uint64_t v, unsigned size)
{
  unsigned sh = 64 - 8 * size;
  return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* MOVS, STOS, LODS, with or without REP: the whole loop in one fault. */
static int emu_string(struct emu *e)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, w = (op & 1) ? (in->rex_w ? 8 : in->opsize ? 2 : 4) : 1;
  int rep = in->rep || in->repne, down = (greg_get(uc, REG_EFL) & FL_DF) != 0;
  if (in->adsize || in->seg_bad)
    return EMU_UNKNOWN;
  finish_insn(in, e->rip);
  uint64_t count = rep ? greg_get(uc, REG_RCX) : 1;
  uint64_t rsi = greg_get(uc, REG_RSI), rdi = greg_get(uc, REG_RDI);
  if (count > (1ull << 40))
    return EMU_UNKNOWN;
  uint64_t n = count * w, lo_off = down ? n - w : 0;
  int uses_src = op != 0xAA && op != 0xAB, uses_dst = op != 0xAC && op != 0xAD;
  if (!((uses_src && e->fa - (rsi - lo_off) < n) || (uses_dst && e->fa - (rdi - lo_off) < n))) {
    e->why = "string operands do not cover the fault address";
    return EMU_CRASH;
  }
  uint8_t pat[8];
  uint64_t rax = greg_get(uc, REG_RAX);
  memcpy(pat, &rax, 8);
  switch (op) {
  case 0xA4:
  case 0xA5:
    if (!down && !(rdi > rsi && rdi - rsi < n)) {
      xfer_copy(rdi, rsi, n, 0);
    } else { /* overlapping or descending: element by element, as the CPU */
      for (uint64_t i = 0; i < count; i++) {
        uint64_t off = down ? (uint64_t)0 - i * w : i * w;
        xfer_copy(rdi + off, rsi + off, w, 0);
      }
    }
    break;
  case 0xAA:
  case 0xAB:
    if (!down) {
      xfer_fill(rdi, n, pat, w);
    } else {
      for (uint64_t i = 0; i < count; i++)
        xfer_fill(rdi - i * w, w, pat, w);
    }
    break;
  default: { /* LODS: every element is read, the last one stays */
    uint8_t last[8] = { 0 };
    if (!down) {
      int sw, unused;
      for (uint64_t off = 0; off < n;) {
        unsigned p = xfer_piece(rsi + off, 0, 0, n - off, &sw, &unused);
        uint32_t v = piece_rd(rsi + off, p, sw);
        for (unsigned i = 0; i < p; i++)
          if (off + i >= n - w)
            last[off + i - (n - w)] = (uint8_t)(v >> (8 * i));
        off += p;
      }
    } else {
      for (uint64_t i = 0; i < count; i++)
        acc_read(rsi - i * w, w, last);
    }
    uint64_t v;
    memcpy(&v, last, 8);
    reg_set(uc, 0, w, 1, v);
    break;
  }
  }
  uint64_t delta = down ? (uint64_t)0 - n : n;
  if (uses_src)
    greg_set(uc, REG_RSI, rsi + delta);
  if (uses_dst)
    greg_set(uc, REG_RDI, rdi + delta);
  if (rep)
    greg_set(uc, REG_RCX, 0);
  br.stats.string_ops++;
  return EMU_OK;
}

/* A vector move between memory and (part of) a vector register. */
struct vmove {
  int store;
  unsigned n;       /* bytes moved */
  unsigned off;     /* first register byte (8 for MOVHPS) */
  unsigned zero_to; /* loads: register bytes [off+n, zero_to) are cleared */
  unsigned es;      /* element size when EVEX masking is allowed, else 0 */
  unsigned disp8;   /* EVEX disp8*N scale */
};

/* The SSE/AVX/AVX-512 moves we know; 0 = not one of them. */
static int vec_spec(const struct insn *in, struct vmove *vm)
{
  unsigned op = in->op, pp = in->pp, vlb = in->vex ? 16u << in->vl : 16u;
  unsigned vlmax = in->vex ? 64 : 16; /* VEX/EVEX loads clear up to VLMAX */
  memset(vm, 0, sizeof *vm);
  if (in->vex == 2 && in->vl == 3)
    return 0;
  if (in->map == 2) {
    if (op != 0x2A || pp != 1)
      return 0;
    vm->n = vlb; /* MOVNTDQA */
    vm->zero_to = vlmax;
    vm->disp8 = vlb;
    return 1;
  }
  if (in->map != 1)
    return 0;
  switch (op) {
  case 0x10:
  case 0x11:
    vm->store = (op & 1) != 0;
    if (pp >= 2) { /* MOVSS / MOVSD */
      vm->n = pp == 2 ? 4 : 8;
      vm->zero_to = in->vex ? 64 : 16;
    } else {
      vm->n = vlb;
      vm->zero_to = vlmax;
      vm->es = in->rex_w ? 8 : 4;
    }
    break;
  case 0x12:
  case 0x13:
  case 0x16:
  case 0x17:
    /* MOVLPS/MOVHPS (and PD): VEX loads take three operands; not here */
    if (pp >= 2 || in->vex == 2 || (in->vex && !(op & 1)) || in->vl)
      return 0;
    vm->store = (op & 1) != 0;
    vm->n = 8;
    vm->off = op >= 0x16 ? 8 : 0;
    break;
  case 0x28:
  case 0x29:
    if (pp >= 2)
      return 0;
    vm->store = (op & 1) != 0;
    vm->n = vlb;
    vm->zero_to = vlmax;
    vm->es = in->rex_w ? 8 : 4;
    break;
  case 0x2B:
    if (pp >= 2)
      return 0;
    vm->store = 1;
    vm->n = vlb;
    break;
  case 0x6E:
    if (pp != 1 || in->vl)
      return 0;
    vm->n = in->rex_w ? 8 : 4; /* MOVD / MOVQ xmm, m */
    vm->zero_to = in->vex ? 64 : 16;
    break;
  case 0x7E:
    if (in->vl || (pp != 1 && pp != 2))
      return 0;
    if (pp == 1) {
      vm->store = 1;
      vm->n = in->rex_w ? 8 : 4;
    } else {
      vm->n = 8; /* MOVQ xmm, m64 */
      vm->zero_to = in->vex ? 64 : 16;
    }
    break;
  case 0x6F:
  case 0x7F:
    if (pp == 0 || (pp == 3 && in->vex != 2))
      return 0; /* no prefix: MMX */
    vm->store = op == 0x7F;
    vm->n = vlb;
    vm->zero_to = vlmax;
    if (in->vex == 2)
      vm->es = pp == 3 ? (in->rex_w ? 2 : 1) : (in->rex_w ? 8 : 4);
    break;
  case 0xD6:
    if (pp != 1 || in->vl)
      return 0;
    vm->store = 1;
    vm->n = 8;
    break;
  case 0xE7:
    if (pp != 1)
      return 0; /* no prefix: MOVNTQ from an MMX register */
    vm->store = 1;
    vm->n = vlb;
    break;
  default:
    return 0;
  }
  vm->disp8 = vm->n; /* EVEX disp8*N: N is the access size for all these moves */
  return 1;
}

static int emu_vector(struct emu *e, const struct vmove *vm)
{
  struct insn *in = &e->in;
  struct vstate vs;
  uint8_t reg[64], buf[64];
  uint64_t mask = ~0ull;
  int masked = in->vex == 2 && in->evex_aaa != 0;
  if (in->vex == 2 && (in->evex_b || (in->evex_z && !masked) || (masked && !vm->es) ||
                       (in->evex_z && vm->store)))
    return EMU_UNKNOWN;
  if (decode_mem(in, e->uc, in->vex == 2 ? vm->disp8 : 1) || in->seg_bad)
    return EMU_UNKNOWN;
  finish_insn(in, e->rip);
  unsigned r = in->reg;
  if (in->vex != 2)
    r &= 15;
  if (vstate_init(e->uc, &vs) || !vreg_avail(&vs, r, vm->off, vm->off + vm->n))
    return EMU_UNKNOWN;
  if (masked) {
    if (!(vs.avail >> XC_OPMASK & 1))
      return EMU_UNKNOWN;
    mask = kreg_get(&vs, in->evex_aaa);
  }
  if (!ea_explains(e, in->ea, vm->n))
    return EMU_CRASH;
  vreg_get(&vs, r, reg);
  if (!masked) {
    if (vm->store) {
      acc_write(in->ea, vm->n, reg + vm->off);
      return EMU_OK;
    }
    acc_read(in->ea, vm->n, buf);
  } else {
    /* masked-off elements are neither accessed nor (with merging) changed */
    unsigned ne = vm->n / vm->es;
    memcpy(buf, reg, vm->n);
    if (in->evex_z)
      memset(buf, 0, vm->n);
    for (unsigned i = 0; i < ne;) {
      if (!(mask >> i & 1)) {
        i++;
        continue;
      }
      unsigned j = i;
      while (j < ne && (mask >> j & 1))
        j++;
      size_t at = (size_t)i * vm->es;
      if (vm->store)
        acc_write(in->ea + at, (j - i) * vm->es, reg + at);
      else
        acc_read(in->ea + at, (j - i) * vm->es, buf + at);
      i = j;
    }
    if (vm->store)
      return EMU_OK;
  }
  memcpy(reg + vm->off, buf, vm->n);
  unsigned hi = vm->off + vm->n;
  if (vm->zero_to > hi) {
    memset(reg + hi, 0, vm->zero_to - hi);
    hi = vm->zero_to;
  }
  vreg_put(&vs, r, reg, vm->off, hi);
  return EMU_OK;
}

/* Integer instructions with a memory operand. */
static int emu_integer(struct emu *e)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, osz = in->rex_w ? 8 : in->opsize ? 2 : 4;
  uint64_t fl = greg_get(uc, REG_EFL), a, r, imm = 0;

  if (in->map == 0 && op >= 0xA0 && op <= 0xA3) { /* MOV with a 64-bit moffs */
    unsigned size = (op & 1) ? osz : 1;
    uint64_t addr = in->adsize ? rd32(in->cur) : ((uint64_t)rd32(in->cur + 4) << 32 | rd32(in->cur));
    in->cur += in->adsize ? 4 : 8;
    if (in->seg_bad)
      return EMU_UNKNOWN;
    finish_insn(in, e->rip);
    if (!ea_explains(e, addr, size))
      return EMU_CRASH;
    if (op & 2)
      mem_put(addr, size, reg_get(uc, 0, size, 1));
    else
      reg_set(uc, 0, size, 1, mem_get(addr, size));
    return EMU_OK;
  }

  /* work out the operand size and the immediate length before decoding */
  unsigned size = osz, imm_n = 0, sub = 0;
  int known = 1;
  if (in->map == 0) {
    if ((op < 0x40 && (op & 7) < 4) || (op >= 0x84 && op <= 0x8B) || op == 0xF6 || op == 0xF7 ||
        op == 0xFE || op == 0xFF)
      size = (op & 1) ? osz : 1; /* even opcodes are the byte forms */
    else if (op == 0x63)
      size = in->rex_w ? 4 : osz;
    else if (op == 0x80 || op == 0x81 || op == 0x83) {
      size = op == 0x80 ? 1 : osz;
      imm_n = op == 0x81 ? (osz == 2 ? 2 : 4) : 1;
    } else if (op == 0xC6 || op == 0xC7) {
      size = op == 0xC6 ? 1 : osz;
      imm_n = op == 0xC6 ? 1 : (osz == 2 ? 2 : 4);
    } else {
      known = 0;
    }
  } else if (in->map == 1) {
    if (op == 0xB6 || op == 0xBE || (op >= 0x90 && op <= 0x9F) || op == 0xAE)
      size = 1;
    else if (op == 0xB7 || op == 0xBF)
      size = 2;
    else if ((op >= 0x40 && op <= 0x4F) || op == 0xC3)
      size = osz;
    else
      known = 0;
  } else {
    known = 0;
  }
  if (!known || in->vex || decode_mem(in, uc, 1) || in->seg_bad)
    return EMU_UNKNOWN;
  sub = in->reg & 7;
  if (in->map == 0 && (op == 0xF6 || op == 0xF7)) {
    if (sub >= 4)
      return EMU_UNKNOWN; /* MUL/IMUL/DIV/IDIV: left to single-step */
    if (sub < 2)
      imm_n = op == 0xF6 ? 1 : (osz == 2 ? 2 : 4);
  }
  if (in->map == 0 && (op == 0xFE || op == 0xFF) && sub >= 2)
    return EMU_UNKNOWN;
  if (in->map == 0 && (op == 0xC6 || op == 0xC7) && sub != 0)
    return EMU_UNKNOWN;
  if (in->map == 1 && op == 0xAE && !(sub == 7 && (in->pp == 0 || in->pp == 1)) &&
      !(sub == 6 && in->pp == 1))
    return EMU_UNKNOWN;
  if (imm_n)
    imm = decode_imm(in, imm_n);
  finish_insn(in, e->rip);
  if (!ea_explains(e, in->ea, size))
    return EMU_CRASH;

  uint64_t ea = in->ea;
  unsigned reg = in->reg;
  int rex = in->rex;
  if (in->map == 1) {
    switch (op) {
    case 0xB6: reg_set(uc, reg, osz, rex, mem_get(ea, 1)); break;
    case 0xB7: reg_set(uc, reg, osz, rex, mem_get(ea, 2)); break;
    case 0xBE: reg_set(uc, reg, osz, rex, sext(mem_get(ea, 1), 1)); break;
    case 0xBF: reg_set(uc, reg, osz, rex, sext(mem_get(ea, 2), 2)); break;
    case 0xC3: mem_put(ea, osz, reg_get(uc, reg, osz, rex)); break; /* MOVNTI */
    case 0xAE: break; /* CLFLUSH/CLFLUSHOPT/CLWB: nothing cached to flush */
    default:
      if (op >= 0x90) {
        mem_put(ea, 1, (uint64_t)cond_true(op & 15, fl));
      } else { /* CMOVcc reads even when false; a 32-bit dest is zero-extended anyway */
        uint64_t v = mem_get(ea, osz);
        reg_set(uc, reg, osz, rex, cond_true(op & 15, fl) ? v : reg_get(uc, reg, osz, rex));
      }
      break;
    }
    return EMU_OK;
  }

  if (op < 0x40) { /* ALU r/m,r and r,r/m */
    unsigned alu = op >> 3;
    a = mem_get(ea, size);
    uint64_t b = reg_get(uc, reg, size, rex);
    if (op & 2) {
      r = alu_op(alu, b, a, size, &fl);
      if (alu != ALU_CMP)
        reg_set(uc, reg, size, rex, r);
    } else {
      r = alu_op(alu, a, b, size, &fl);
      if (alu != ALU_CMP)
        mem_put(ea, size, r);
    }
    greg_set(uc, REG_EFL, fl);
    return EMU_OK;
  }
  switch (op) {
  case 0x63:
    a = mem_get(ea, size);
    reg_set(uc, reg, osz, rex, in->rex_w ? sext(a, 4) : a);
    break;
  case 0x80:
  case 0x81:
  case 0x83:
    a = mem_get(ea, size);
    r = alu_op(sub, a, imm, size, &fl);
    if (sub != ALU_CMP)
      mem_put(ea, size, r);
    greg_set(uc, REG_EFL, fl);
    break;
  case 0x84:
  case 0x85:
    a = mem_get(ea, size);
    alu_op(ALU_AND, a, reg_get(uc, reg, size, rex), size, &fl);
    greg_set(uc, REG_EFL, fl);
    break;
  case 0x86:
  case 0x87: /* XCHG: the read, then the write */
    a = mem_get(ea, size);
    mem_put(ea, size, reg_get(uc, reg, size, rex));
    reg_set(uc, reg, size, rex, a);
    break;
  case 0x88:
  case 0x89: mem_put(ea, size, reg_get(uc, reg, size, rex)); break;
  case 0x8A:
  case 0x8B: reg_set(uc, reg, size, rex, mem_get(ea, size)); break;
  case 0xC6:
  case 0xC7: mem_put(ea, size, imm); break;
  case 0xF6:
  case 0xF7:
    a = mem_get(ea, size);
    if (sub < 2) {
      alu_op(ALU_AND, a, imm, size, &fl);
    } else if (sub == 2) {
      mem_put(ea, size, ~a); /* NOT leaves the flags alone */
    } else {
      mem_put(ea, size, alu_op(ALU_SUB, 0, a, size, &fl));
    }
    greg_set(uc, REG_EFL, fl);
    break;
  default: { /* FE/FF /0 /1: INC/DEC keep CF */
    uint64_t cf = fl & FL_CF;
    a = mem_get(ea, size);
    r = alu_op(sub ? ALU_SUB : ALU_ADD, a, 1, size, &fl);
    fl = (fl & ~(uint64_t)FL_CF) | cf;
    mem_put(ea, size, r);
    greg_set(uc, REG_EFL, fl);
    break;
  }
  }
  return EMU_OK;
}

/* 0F xx opcodes handled by emu_integer; the rest of map 1 are vector moves. */
static int integer_0f(unsigned op)
{
  return op == 0xB6 || op == 0xB7 || op == 0xBE || op == 0xBF || op == 0xC3 || op == 0xAE ||
         (op >= 0x40 && op <= 0x4F) || (op >= 0x90 && op <= 0x9F);
}

static int emulate(struct emu *e)
{
  struct insn *in = &e->in;
  struct vmove vm;
  if (decode_head(in, (const uint8_t *)e->rip))
    return EMU_UNKNOWN;
  if (!in->vex && in->map == 0) {
    unsigned op = in->op;
    if (op == 0xA4 || op == 0xA5 || (op >= 0xAA && op <= 0xAD))
      return emu_string(e);
    return emu_integer(e);
  }
  if (!in->vex && in->map == 1 && integer_0f(in->op))
    return emu_integer(e);
  if (vec_spec(in, &vm))
    return emu_vector(e, &vm);
  return EMU_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Single-step fallback                                                 */

/* An instruction the decoder does not know runs for real on scratch
 * copies of the window pages it touches; the SIGTRAP after it turns every
 * 32-bit word that changed into a 4-byte write, or, when nothing changed,
 * reports one 4-byte read of the faulting word.  Limitation: a store of
 * the value a word already held is not seen, a read of other words of the
 * page is not reported, and all reads see peek() values (taken before the
 * instruction), so side effects of reads are not modelled. */

static void step_restore(void)
{
  for (int i = 0; i < br.step_n; i++) {
    mprotect((void *)br.step_page[i], PAGE_BYTES, PROT_NONE);
    madvise((void *)br.step_page[i], PAGE_BYTES, MADV_DONTNEED);
  }
  br.step_n = 0;
  br.step_active = 0;
}

static int step_add_page(uintptr_t page)
{
  if (br.step_n >= STEP_MAX_PAGES || !br.ops.peek)
    return -1;
  for (int i = 0; i < br.step_n; i++)
    if (br.step_page[i] == page)
      return -1; /* already readable: this fault is not ours */
  if (win_kind(page, PAGE_BYTES) != 1)
    return -1;
  if (mprotect((void *)page, PAGE_BYTES, PROT_READ | PROT_WRITE) != 0)
    return -1;
  uint32_t *before = br.step_before + (size_t)br.step_n * PAGE_WORDS;
  volatile uint32_t *scratch = (volatile uint32_t *)page;
  memset(br.step_changed[br.step_n], 0, sizeof br.step_changed[0]);
  for (size_t i = 0; i < PAGE_WORDS; i++) {
    uint32_t v = 0;
    if (br.ops.peek(br.ops.ctx, (uint32_t)(page + 4 * i), &v) != 0)
      v = 0;
    scratch[i] = v;
    before[i] = v;
  }
  br.step_page[br.step_n++] = page;
  return 0;
}

static void crash(uintptr_t fa, uintptr_t rip, const char *why)
{
  struct sigaction dfl;
  step_restore();
  br.direct = 0;
  if (br.ops.crash)
    br.ops.crash(br.ops.ctx, fa, rip, why);
  /* the callback must not return; if it does, the re-executed access
   * kills the process with an ordinary SIGSEGV */
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGSEGV, &dfl, NULL);
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
  ucontext_t *uc = ctx;
  int saved_errno = errno;
  if (!br.step_active) { /* not our trap: hand it on */
    const struct sigaction *old = &br.old_trap;
    if (old->sa_flags & SA_SIGINFO) {
      if (old->sa_sigaction)
        old->sa_sigaction(sig, si, ctx);
    } else if (old->sa_handler == SIG_DFL) {
      signal(SIGTRAP, SIG_DFL);
      raise(SIGTRAP);
    } else if (old->sa_handler != SIG_IGN) {
      old->sa_handler(sig);
    }
    errno = saved_errno;
    return;
  }
  /* Collect the changes and close the pages before any callback runs, so
   * that the bridge is consistent even if a callback never returns. */
  int n = br.step_n, changed = 0;
  uintptr_t pages[STEP_MAX_PAGES], fault = br.step_fault;
  for (int p = 0; p < n; p++) {
    const uint32_t *now = (const uint32_t *)br.step_page[p];
    uint32_t *before = br.step_before + (size_t)p * PAGE_WORDS;
    pages[p] = br.step_page[p];
    for (unsigned i = 0; i < PAGE_WORDS; i++) {
      if (now[i] != before[i]) {
        before[i] = now[i];
        br.step_changed[p][i / 32] |= 1u << (i % 32);
        changed = 1;
      }
    }
  }
  step_restore();
  greg_set(uc, REG_EFL, greg_get(uc, REG_EFL) & ~(uint64_t)FL_TF);
  br.stats.single_stepped++;
  for (int p = 0; p < n; p++) {
    const uint32_t *after = br.step_before + (size_t)p * PAGE_WORDS;
    for (unsigned i = 0; i < PAGE_WORDS; i++)
      if (br.step_changed[p][i / 32] >> (i % 32) & 1)
        bus_wr(pages[p] + 4 * i, 4, after[i]);
  }
  if (!changed)
    (void)bus_rd(fault & ~(uintptr_t)3, 4);
  errno = saved_errno;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
  ucontext_t *uc = ctx;
  int saved_errno = errno;
  uintptr_t fa = (uintptr_t)si->si_addr, rip = (uintptr_t)greg_get(uc, REG_RIP);
  (void)sig;
  if (br.direct) {
    crash(fa, br.emul_rip, "guest operand outside the windows is not accessible");
  } else if (br.shadow || si->si_code <= 0 || win_kind(fa, 1) != 1) {
    crash(fa, rip, "access outside the bridge windows");
  } else if (br.step_active) {
    /* the stepped instruction reaches another window page */
    if (rip != br.step_rip)
      crash(fa, rip, "window fault during a single step of another instruction");
    else if (step_add_page(fa & ~(uintptr_t)(PAGE_BYTES - 1)) != 0)
      crash(fa, rip, "single step: cannot map the window page");
  } else {
    struct emu e;
    memset(&e, 0, sizeof e);
    e.uc = uc;
    e.fa = fa;
    e.rip = rip;
    br.emul_rip = rip;
    int r = emulate(&e);
    if (r == EMU_OK) {
      greg_set(uc, REG_RIP, rip + e.in.len);
      br.stats.decoded++;
    } else if (r == EMU_CRASH) {
      crash(fa, rip, e.why);
    } else {
      br.step_active = 1;
      br.step_rip = rip;
      br.step_fault = fa;
      br.step_n = 0;
      if (!br.ops.peek)
        crash(fa, rip, "undecodable instruction and no peek callback for single-step");
      else if (step_add_page(fa & ~(uintptr_t)(PAGE_BYTES - 1)) != 0)
        crash(fa, rip, "single step: cannot map the window page");
      else
        greg_set(uc, REG_EFL, greg_get(uc, REG_EFL) | FL_TF);
    }
  }
  errno = saved_errno;
}

/* ------------------------------------------------------------------ */
/* Installation                                                         */

#ifdef M78_BRIDGE_INTERPOSE_MEM
static void resolve_mem(void);
#endif

static void load_xsave_layout(void)
{
  unsigned a, b, c, d;
  memset(br.xoff, 0, sizeof br.xoff);
  memset(br.xsize, 0, sizeof br.xsize);
  if (__get_cpuid_max(0, NULL) < 0xD)
    return;
  for (unsigned i = XC_YMM; i < XC_COUNT; i++) {
    if (__get_cpuid_count(0xD, i, &a, &b, &c, &d) && a && b) {
      br.xsize[i] = a;
      br.xoff[i] = b;
    }
  }
}

static void unmap_windows(int n)
{
  for (int i = 0; i < n; i++)
    munmap((void *)(uintptr_t)br.ranges[i].base, br.ranges[i].end - br.ranges[i].base);
}

static int install(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, int shadow,
                   char *err, size_t errlen)
{
  struct sigaction sa;
  stack_t ss;
  const uintptr_t ps = PAGE_BYTES;
  char dummy[1];
  if (!err) {
    err = dummy;
    errlen = sizeof dummy;
  }
  if (br.installed) {
    snprintf(err, errlen, "bridge already installed");
    return -1;
  }
  if (sysconf(_SC_PAGESIZE) != PAGE_BYTES) {
    snprintf(err, errlen, "page size is not %u bytes", PAGE_BYTES);
    return -1;
  }
  if (!ops || !ops->read || !ops->write || n < 1 || n > MAX_RANGES || !ranges) {
    snprintf(err, errlen, "bad arguments (need read/write callbacks and 1..%d ranges)", MAX_RANGES);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (ranges[i].end <= ranges[i].base || (ranges[i].base & (ps - 1)) || (ranges[i].end & (ps - 1))) {
      snprintf(err, errlen, "range [0x%08x, 0x%08x) is empty or not page aligned", ranges[i].base,
               ranges[i].end);
      return -1;
    }
  }
  memset(&br, 0, sizeof br);
  br.ops = *ops;
  br.shadow = shadow;
  load_xsave_layout();
#ifdef M78_BRIDGE_INTERPOSE_MEM
  resolve_mem(); /* not from inside a signal handler later */
#endif
  for (int i = 0; i < n; i++) {
    void *want = (void *)(uintptr_t)ranges[i].base;
    size_t len = ranges[i].end - ranges[i].base;
    void *got = mmap(want, len, shadow ? PROT_READ | PROT_WRITE : PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (got != want) {
      int e = errno;
      if (got != MAP_FAILED)
        munmap(got, len); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
      snprintf(err, errlen, "cannot reserve [0x%08x, 0x%08x): %s", ranges[i].base, ranges[i].end,
               got == MAP_FAILED ? (e == EEXIST ? "range already mapped" : strerror(e))
                                 : "address not available");
      unmap_windows(i);
      return -1;
    }
    br.ranges[i] = ranges[i];
    br.n_ranges = i + 1;
  }
  br.step_before = mmap(NULL, STEP_MAX_PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  br.altstack = mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (br.step_before == MAP_FAILED || br.altstack == MAP_FAILED) {
    snprintf(err, errlen, "out of memory for the signal stack");
    goto fail;
  }
  ss.ss_sp = br.altstack;
  ss.ss_size = ALTSTACK_BYTES;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, &br.old_stack) != 0) {
    snprintf(err, errlen, "sigaltstack: %s", strerror(errno));
    goto fail;
  }
  /* SA_NODEFER: a fault while handling one (a bad RAM operand, a crashing
   * callback) must reach the handler again instead of killing the process */
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sa.sa_sigaction = on_segv;
  sigaction(SIGSEGV, &sa, &br.old_segv);
  sa.sa_sigaction = on_trap;
  sigaction(SIGTRAP, &sa, &br.old_trap);
  br.installed = 1;
  return 0;
fail:
  if (br.step_before != MAP_FAILED && br.step_before)
    munmap(br.step_before, STEP_MAX_PAGES * ps);
  if (br.altstack != MAP_FAILED && br.altstack)
    munmap(br.altstack, ALTSTACK_BYTES);
  unmap_windows(br.n_ranges);
  memset(&br, 0, sizeof br);
  return -1;
}

int m78_bridge_install(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops,
                       char *err, size_t errlen)
{
  return install(ranges, n, ops, 0, err, errlen);
}

int m78_bridge_install_shadow(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops,
                              char *err, size_t errlen)
{
  return install(ranges, n, ops, 1, err, errlen);
}

void m78_bridge_set_ops(const struct m78_bridge_ops *ops, struct m78_bridge_ops *old)
{
  if (old)
    *old = br.ops;
  br.ops = *ops;
}

void m78_bridge_set_mem_hook(void (*hook)(void)) { br.mem_hook = hook; }

void m78_bridge_uninstall(void)
{
  stack_t cur;
  if (!br.installed)
    return;
  step_restore();
  sigaction(SIGSEGV, &br.old_segv, NULL);
  sigaction(SIGTRAP, &br.old_trap, NULL);
  if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == br.altstack && !(cur.ss_flags & SS_ONSTACK))
    sigaltstack(&br.old_stack, NULL);
  munmap(br.altstack, ALTSTACK_BYTES);
  munmap(br.step_before, STEP_MAX_PAGES * PAGE_BYTES);
  unmap_windows(br.n_ranges);
  memset(&br, 0, sizeof br);
}

void m78_bridge_get_stats(struct m78_bridge_stats *out)
{
  *out = br.stats;
}

/* ------------------------------------------------------------------ */
/* memcpy / memmove / memset                                            */

#ifdef M78_BRIDGE_INTERPOSE_MEM

typedef void *(*copy_fn)(void *, const void *, size_t);
typedef void *(*fill_fn)(void *, int, size_t);

static copy_fn real_memcpy __attribute__((section(".data.m78shim")));
static copy_fn real_memmove __attribute__((section(".data.m78shim")));
static fill_fn real_memset __attribute__((section(".data.m78shim")));
static int resolving __attribute__((section(".data.m78shim")));

/* dlsym may itself call memcpy/memset: those calls see `resolving` and
 * take the byte loops below. */
static void resolve_mem(void)
{
  if (resolving || (real_memcpy && real_memmove && real_memset))
    return;
  resolving = 1;
  real_memcpy = (copy_fn)dlsym(RTLD_NEXT, "memcpy");
  real_memmove = (copy_fn)dlsym(RTLD_NEXT, "memmove");
  real_memset = (fill_fn)dlsym(RTLD_NEXT, "memset");
  resolving = 0;
}

/* volatile keeps the compiler from turning these loops back into calls */
static void bytes_copy(void *d, const void *s, size_t n)
{
  volatile unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp > sp && (uintptr_t)dp - (uintptr_t)sp < n) {
    while (n--)
      dp[n] = sp[n];
  } else {
    for (size_t i = 0; i < n; i++)
      dp[i] = sp[i];
  }
}

static int touches_window(uintptr_t a, size_t n)
{
  return n != 0 && br.n_ranges && win_kind(a, n) != 0;
}

static void before_bus(void)
{
  if (br.mem_hook)
    br.mem_hook();
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
  if (touches_window((uintptr_t)d, n) || touches_window((uintptr_t)s, n)) {
    br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    xfer_copy((uintptr_t)d, (uintptr_t)s, n, 0);
    return d;
  }
  if (!real_memcpy)
    resolve_mem();
  if (!real_memcpy) {
    bytes_copy(d, s, n);
    return d;
  }
  return real_memcpy(d, s, n);
}

void *memmove(void *d, const void *s, size_t n)
{
  uintptr_t da = (uintptr_t)d, sa = (uintptr_t)s;
  if (touches_window(da, n) || touches_window(sa, n)) {
    br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    xfer_copy(da, sa, n, da > sa && da - sa < n);
    return d;
  }
  if (!real_memmove)
    resolve_mem();
  if (!real_memmove) {
    bytes_copy(d, s, n);
    return d;
  }
  return real_memmove(d, s, n);
}

void *memset(void *d, int c, size_t n)
{
  if (touches_window((uintptr_t)d, n)) {
    uint8_t pat[1] = { (uint8_t)c };
    br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    xfer_fill((uintptr_t)d, n, pat, 1);
    return d;
  }
  if (!real_memset)
    resolve_mem();
  if (!real_memset) {
    volatile unsigned char *dp = d;
    for (size_t i = 0; i < n; i++)
      dp[i] = (unsigned char)c;
    return d;
  }
  return real_memset(d, c, n);
}

#endif
