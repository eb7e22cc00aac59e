/*
 * The interrupted context as the emulation sees it: general registers,
 * vector registers in the signal frame's XSAVE area, and EFLAGS as the
 * CPU computes them (bridge_x86_64.c has the overview).
 */
#include "bridge_x86_64.h"

#include <string.h>

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

uint64_t m78br_reg64(ucontext_t *uc, unsigned r)
{
  return m78br_greg_get(uc, greg_map[r & 15]);
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
uint64_t m78br_reg_get(ucontext_t *uc, unsigned r, unsigned size, int rex)
{
  if (size == 1 && !rex && r >= 4 && r < 8)
    return (m78br_reg64(uc, r - 4) >> 8) & 0xff;
  return m78br_reg64(uc, r) & width_mask(size);
}

void m78br_reg_set(ucontext_t *uc, unsigned r, unsigned size, int rex, uint64_t v)
{
  if (size == 1 && !rex && r >= 4 && r < 8) {
    uint64_t old = m78br_reg64(uc, r - 4);
    m78br_greg_set(uc, greg_map[r - 4], (old & ~0xff00ull) | ((v & 0xff) << 8));
    return;
  }
  uint64_t old = m78br_reg64(uc, r);
  switch (size) {
  case 1: v = (old & ~0xffull) | (v & 0xff); break;
  case 2: v = (old & ~0xffffull) | (v & 0xffff); break;
  case 4: v &= 0xffffffffull; break; /* 32-bit writes zero-extend */
  default: break;
  }
  m78br_greg_set(uc, greg_map[r & 15], v);
}

int m78br_vstate_init(ucontext_t *uc, struct vstate *vs)
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
    if ((xfeatures >> c & 1) && m78br.xoff[c] && m78br.xoff[c] + m78br.xsize[c] <= xstate_size)
      vs->avail |= 1u << c;
  return 0;
}

static uint8_t *vcomp_base(const struct vstate *vs, unsigned c)
{
  return c == XC_SSE ? vs->fx + FX_XMM_OFF : vs->fx + m78br.xoff[c];
}

static unsigned vcomp_size(unsigned c)
{
  return c == XC_SSE ? 256 : m78br.xsize[c];
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
int m78br_vreg_avail(const struct vstate *vs, unsigned r, unsigned lo, unsigned hi)
{
  for (unsigned b = lo & ~15u; b < hi; b += 16) {
    unsigned off;
    if (!(vs->avail >> vreg_slot(r, b, &off) & 1))
      return 0;
  }
  return 1;
}

void m78br_vreg_get(const struct vstate *vs, unsigned r, uint8_t out[64])
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
void m78br_vreg_put(struct vstate *vs, unsigned r, const uint8_t val[64], unsigned lo, unsigned hi)
{
  static const uint8_t zero[16];
  for (unsigned b = lo & ~15u; b < hi; b += 16) {
    unsigned off, c = vreg_slot(r, b, &off);
    int nonzero = memcmp(val + b, zero, 16) != 0;
    if (!(vs->avail >> c & 1))
      continue; /* only zeros can land here: m78br_vreg_avail checked the data */
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

uint64_t m78br_kreg_get(const struct vstate *vs, unsigned k)
{
  uint64_t v = 0;
  if ((vs->avail >> XC_OPMASK & 1) && vcomp_in_use(vs, XC_OPMASK))
    memcpy(&v, vcomp_base(vs, XC_OPMASK) + 8 * (size_t)k, 8);
  return v;
}

/* ------------------------------------------------------------------ */
/* Flags                                                                */

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
uint64_t m78br_alu_op(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *eflags)
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

int m78br_cond_true(unsigned cc, uint64_t f)
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
