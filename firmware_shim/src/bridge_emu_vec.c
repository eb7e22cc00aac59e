/*
 * The fault bridge's vector moves: SSE, AVX and AVX-512 loads and stores
 * between memory and (part of) a vector register, EVEX masking included
 * (bridge_x86_64.c has the overview).
 */
#include "bridge_x86_64.h"

#include <string.h>

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
  default: return 0;
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
  if (in->vex == 2 && (in->evex_b || (in->evex_z && !masked) || (masked && !vm->es) || (in->evex_z && vm->store)))
    return EMU_UNKNOWN;
  if (m78br_decode_mem(in, e->uc, in->vex == 2 ? vm->disp8 : 1) || in->seg_bad)
    return EMU_UNKNOWN;
  m78br_finish_insn(in, e->rip);
  unsigned r = in->reg;
  if (in->vex != 2)
    r &= 15;
  if (m78br_vstate_init(e->uc, &vs) || !m78br_vreg_avail(&vs, r, vm->off, vm->off + vm->n))
    return EMU_UNKNOWN;
  if (masked) {
    if (!(vs.avail >> XC_OPMASK & 1))
      return EMU_UNKNOWN;
    mask = m78br_kreg_get(&vs, in->evex_aaa);
  }
  if (!m78br_ea_explains(e, in->ea, vm->n))
    return EMU_CRASH;
  m78br_vreg_get(&vs, r, reg);
  if (!masked) {
    if (vm->store) {
      m78br_acc_write(in->ea, vm->n, reg + vm->off);
      return EMU_OK;
    }
    m78br_acc_read(in->ea, vm->n, buf);
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
        m78br_acc_write(in->ea + at, (j - i) * vm->es, reg + at);
      else
        m78br_acc_read(in->ea + at, (j - i) * vm->es, buf + at);
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
  m78br_vreg_put(&vs, r, reg, vm->off, hi);
  return EMU_OK;
}

int m78br_emu_vector(struct emu *e)
{
  struct vmove vm;
  return vec_spec(&e->in, &vm) ? emu_vector(e, &vm) : EMU_UNKNOWN;
}
