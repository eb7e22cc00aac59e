/*
 * Thumb/Thumb-2 instruction classes and their Cortex-M4 cycle counts
 * (cost.h; ARM DDI 0439B table 3-1 "Cortex-M4 instruction set summary"):
 *
 *   data processing, MOV, shifts, compares, IT, hints    1
 *   MUL, MLA, MLS, long multiply and accumulate           1
 *   SDIV, UDIV                                            2..12 (7 charged)
 *   LDR/LDRB/LDRH/LDRSx (single)                          2, or 1 right after
 *                                                         another load/store
 *                                                         (address phase
 *                                                         pipelined)
 *   STR/STRB/STRH (single, write buffer)                  1
 *   LDRD/STRD                                             3 (1+N, N=2)
 *   LDM/STM/PUSH/POP                                      1+N
 *   LDREX/STREX                                           2
 *   TBB/TBH                                               2 (+P, taken)
 *   branches B, BL, BX, BLX, CBZ, CBNZ                    1 (+P when taken)
 *   VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1+N, VDIV/VSQRT 14,
 *   other FPU operations 1
 *
 * P (the refill, M78ARM_BRANCH_REFILL) is added at run time for blocks
 * entered by a taken branch, so it is not part of the static cost.
 */
#include "cost.h"

static unsigned rd16(const uint8_t *p)
{
  return (unsigned)(p[0] | p[1] << 8);
}

/* 16-bit encodings */
static unsigned cost16(unsigned h, int *mem)
{
  *mem = 0;
  if ((h & 0xF800) == 0x4800) { /* LDR literal */
    *mem = 2;
    return 2;
  }
  if ((h & 0xF000) == 0x5000) { /* load/store register offset */
    unsigned op = (h >> 9) & 7;
    *mem = op >= 3 ? 2 : 1;
    return op >= 3 ? 2 : 1;
  }
  if ((h & 0xE000) == 0x6000 || (h & 0xF000) == 0x8000 || (h & 0xF000) == 0x9000) {
    /* LDR/STR(B) imm, LDRH/STRH imm, LDR/STR SP-relative: bit 11 = load */
    int load = (h >> 11) & 1;
    *mem = load ? 2 : 1;
    return load ? 2 : 1;
  }
  if ((h & 0xFE00) == 0xB400) /* PUSH */
    return 1 + (unsigned)__builtin_popcount(h & 0x1FF);
  if ((h & 0xFE00) == 0xBC00) /* POP (a PC in the list refills at run time) */
    return 1 + (unsigned)__builtin_popcount(h & 0x1FF);
  if ((h & 0xF000) == 0xC000) /* STM/LDM */
    return 1 + (unsigned)__builtin_popcount(h & 0xFF);
  return 1;
}

/* 32-bit encodings (first halfword h1, second h2) */
static unsigned cost32(unsigned h1, unsigned h2, int *mem)
{
  *mem = 0;
  unsigned op1 = (h1 >> 11) & 3; /* 01, 10, 11 */
  if (op1 == 1) {
    if ((h1 & 0x0640) == 0x0000) /* load/store multiple: 1+N */
      return 1 + (unsigned)__builtin_popcount(h2 & 0xFFFF);
    if ((h1 & 0x0640) == 0x0040) {                            /* dual, exclusive, table branch */
      if ((h1 & 0xFFF0) == 0xE8D0 && (h2 & 0xFFE0) == 0xF000) /* TBB/TBH */
        return 2;
      if ((h1 & 0x0120) == 0 && (h1 & 0xFFE0) == 0xE840) /* LDREX/STREX */
        return 2;
      return 3; /* LDRD/STRD */
    }
    if ((h1 & 0x0600) == 0x0200) /* data processing, shifted register */
      return 1;
    /* coprocessor: the FPU */
    if ((h1 & 0x0E00) != 0x0E00) { /* extension register load/store, VMOV 2 regs */
      unsigned p = (h1 >> 8) & 1, u = (h1 >> 7) & 1, w = (h1 >> 5) & 1;
      if ((h1 & 0x0FE0) == 0x0C40) /* VMOV core pair */
        return 1;
      if (p == 1 && w == 0) /* VLDR/VSTR */
        return 2;
      (void)u;
      unsigned words = h2 & 0xFF;
      return 1 + words; /* VLDM/VSTM/VPUSH/VPOP */
    }
    if ((h2 & 0x0010) == 0) {
      if ((h1 & 0xFFB0) == 0xEE80 && (h2 & 0x0E50) == 0x0A00) /* VDIV */
        return 14;
      if ((h1 & 0xFFBF) == 0xEEB1 && (h2 & 0x0ED0) == 0x0AC0) /* VSQRT */
        return 14;
    }
    return 1;
  }
  if (op1 == 2) {
    if (!(h2 & 0x8000)) /* data processing immediate */
      return 1;
    return 1; /* branches (refill at run time), MSR/MRS, hints, barriers */
  }
  /* op1 == 3 */
  if ((h1 & 0x0E00) == 0x0800) { /* 1111 100x: single loads and stores */
    if ((h1 & 0x0010) == 0) {
      *mem = 1;
      return 1;
    }
    *mem = 2;
    return 2; /* a load into PC refills at run time */
  }
  if ((h1 & 0x0F80) == 0x0B80) {                            /* long multiply, divide */
    if ((h1 & 0x00F0) == 0x0090 || (h1 & 0x00F0) == 0x00B0) /* SDIV, UDIV */
      return M78ARM_DIV_CYCLES;
    return 1;
  }
  if ((h1 & 0x0C00) == 0x0C00) /* coprocessor (FPU), as above */
    return cost32(h1 & ~0x1000u, h2, mem);
  return 1; /* register data processing, multiply */
}

unsigned m78arm_cost_insn(const uint8_t *code, size_t avail, unsigned *len, int *mem_kind)
{
  if (avail < 2) {
    *len = 0;
    return 0;
  }
  unsigned h1 = rd16(code);
  if ((h1 & 0xE000) == 0xE000 && (h1 & 0x1800) != 0) {
    if (avail < 4) {
      *len = 0;
      return 0;
    }
    *len = 4;
    return cost32(h1, rd16(code + 2), mem_kind);
  }
  *len = 2;
  return cost16(h1, mem_kind);
}

/* Does the instruction at CODE branch to ADDR itself? */
static int branch_to_self(const uint8_t *code, unsigned len)
{
  unsigned h1 = rd16(code);
  if (len == 2)
    return h1 == 0xE7FE; /* b . */
  unsigned h2 = rd16(code + 2);
  /* B.W . (T4): S=1, imm10 all ones, J1=J2=1, imm11 = 0x7FE -> offset -4 */
  return h1 == 0xF7FF && h2 == 0xBFFE;
}

struct m78arm_block_cost m78arm_cost_block(const uint8_t *code, size_t size, uint32_t addr)
{
  (void)addr;
  struct m78arm_block_cost c = {0, 0, 0};
  size_t at = 0;
  int prev_mem = 0;
  while (at < size) {
    unsigned len;
    int mem;
    unsigned cyc = m78arm_cost_insn(code + at, size - at, &len, &mem);
    if (!len) {
      c.flags |= M78ARM_BLOCK_BAD;
      break;
    }
    if (mem == 2 && prev_mem)
      cyc--; /* pipelined behind the previous load/store */
    prev_mem = mem;
    c.cycles += cyc;
    c.insns++;
    if (at + len == size) {
      unsigned h1 = rd16(code + at);
      if (at == 0 && branch_to_self(code, len))
        c.flags |= M78ARM_BLOCK_SELF_LOOP;
      if ((len == 2 && (h1 == 0xBF30 || h1 == 0xBF20)) ||
          (len == 4 && h1 == 0xF3AF && (rd16(code + at + 2) == 0x8003 || rd16(code + at + 2) == 0x8002)))
        c.flags |= M78ARM_BLOCK_WFI;
    }
    at += len;
  }
  return c;
}
