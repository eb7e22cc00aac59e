/*
 * The fault bridge's integer emulation: string instructions with or
 * without REP, MOV with moffs, and the ALU, MOV, TEST, XCHG, MOVZX/MOVSX,
 * SETcc and CMOVcc forms with a memory operand (bridge_x86_64.c has the
 * overview).
 */
#include "bridge_x86_64.h"

#include <string.h>

static uint64_t mem_get(uint64_t a, unsigned n)
{
  uint8_t b[8] = {0};
  uint64_t v;
  m78br_acc_read(a, n, b);
  memcpy(&v, b, 8);
  return v;
}

static void mem_put(uint64_t a, unsigned n, uint64_t v)
{
  uint8_t b[8];
  memcpy(b, &v, 8);
  m78br_acc_write(a, n, b);
}

static uint64_t sext(uint64_t v, unsigned size)
{
  unsigned sh = 64 - 8 * size;
  return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* MOVS, STOS, LODS, with or without REP: the whole loop in one fault. */
int m78br_emu_string(struct emu *e)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, w = (op & 1) ? (in->rex_w ? 8 : in->opsize ? 2 : 4) : 1;
  int rep = in->rep || in->repne, down = (m78br_greg_get(uc, REG_EFL) & FL_DF) != 0;
  if (in->adsize || in->seg_bad)
    return EMU_UNKNOWN;
  m78br_finish_insn(in, e->rip);
  uint64_t count = rep ? m78br_greg_get(uc, REG_RCX) : 1;
  uint64_t rsi = m78br_greg_get(uc, REG_RSI), rdi = m78br_greg_get(uc, REG_RDI);
  if (count > (1ull << 40))
    return EMU_UNKNOWN;
  uint64_t n = count * w, lo_off = down ? n - w : 0;
  int uses_src = op != 0xAA && op != 0xAB, uses_dst = op != 0xAC && op != 0xAD;
  if (!((uses_src && e->fa - (rsi - lo_off) < n) || (uses_dst && e->fa - (rdi - lo_off) < n))) {
    e->why = "string operands do not cover the fault address";
    return EMU_CRASH;
  }
  uint8_t pat[8];
  uint64_t rax = m78br_greg_get(uc, REG_RAX);
  memcpy(pat, &rax, 8);
  switch (op) {
  case 0xA4:
  case 0xA5:
    if (!down && !(rdi > rsi && rdi - rsi < n)) {
      m78br_xfer_copy(rdi, rsi, n, 0);
    } else { /* overlapping or descending: element by element, as the CPU */
      for (uint64_t i = 0; i < count; i++) {
        uint64_t off = down ? (uint64_t)0 - i * w : i * w;
        m78br_xfer_copy(rdi + off, rsi + off, w, 0);
      }
    }
    break;
  case 0xAA:
  case 0xAB:
    if (!down) {
      m78br_xfer_fill(rdi, n, pat, w);
    } else {
      for (uint64_t i = 0; i < count; i++)
        m78br_xfer_fill(rdi - i * w, w, pat, w);
    }
    break;
  default: { /* LODS: every element is read, the last one stays */
    uint8_t last[8] = {0};
    if (!down) {
      int sw, unused;
      for (uint64_t off = 0; off < n;) {
        unsigned p = m78br_xfer_piece(rsi + off, 0, 0, n - off, &sw, &unused);
        uint32_t v = m78br_piece_rd(rsi + off, p, sw);
        for (unsigned i = 0; i < p; i++)
          if (off + i >= n - w)
            last[off + i - (n - w)] = (uint8_t)(v >> (8 * i));
        off += p;
      }
    } else {
      for (uint64_t i = 0; i < count; i++)
        m78br_acc_read(rsi - i * w, w, last);
    }
    uint64_t v;
    memcpy(&v, last, 8);
    m78br_reg_set(uc, 0, w, 1, v);
    break;
  }
  }
  uint64_t delta = down ? (uint64_t)0 - n : n;
  if (uses_src)
    m78br_greg_set(uc, REG_RSI, rsi + delta);
  if (uses_dst)
    m78br_greg_set(uc, REG_RDI, rdi + delta);
  if (rep)
    m78br_greg_set(uc, REG_RCX, 0);
  m78br.stats.string_ops++;
  return EMU_OK;
}

/* MOV with a 64-bit moffs (A0-A3): the address is the immediate. */
int m78br_emu_moffs(struct emu *e)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, osz = in->rex_w ? 8 : in->opsize ? 2 : 4;
  unsigned size = (op & 1) ? osz : 1;
  uint64_t addr = in->adsize ? m78br_rd32(in->cur) : ((uint64_t)m78br_rd32(in->cur + 4) << 32 | m78br_rd32(in->cur));
  in->cur += in->adsize ? 4 : 8;
  if (in->seg_bad)
    return EMU_UNKNOWN;
  m78br_finish_insn(in, e->rip);
  if (!m78br_ea_explains(e, addr, size))
    return EMU_CRASH;
  if (op & 2)
    mem_put(addr, size, m78br_reg_get(uc, 0, size, 1));
  else
    m78br_reg_set(uc, 0, size, 1, mem_get(addr, size));
  return EMU_OK;
}

/* Operand size and immediate length, known before the ModRM decode;
 * 0 when the opcode is not one of ours. */
static int int_shape(const struct insn *in, unsigned osz, unsigned *size, unsigned *imm_n)
{
  unsigned op = in->op;
  *size = osz;
  *imm_n = 0;
  if (in->map == 0) {
    if ((op < 0x40 && (op & 7) < 4) || (op >= 0x84 && op <= 0x8B) || op == 0xF6 || op == 0xF7 || op == 0xFE ||
        op == 0xFF)
      *size = (op & 1) ? osz : 1; /* even opcodes are the byte forms */
    else if (op == 0x63)
      *size = in->rex_w ? 4 : osz;
    else if (op == 0x80 || op == 0x81 || op == 0x83) {
      *size = op == 0x80 ? 1 : osz;
      *imm_n = op == 0x81 ? (osz == 2 ? 2 : 4) : 1;
    } else if (op == 0xC6 || op == 0xC7) {
      *size = op == 0xC6 ? 1 : osz;
      *imm_n = op == 0xC6 ? 1 : (osz == 2 ? 2 : 4);
    } else {
      return 0;
    }
  } else if (in->map == 1) {
    if (op == 0xB6 || op == 0xBE || (op >= 0x90 && op <= 0x9F) || op == 0xAE)
      *size = 1;
    else if (op == 0xB7 || op == 0xBF)
      *size = 2;
    else if ((op >= 0x40 && op <= 0x4F) || op == 0xC3)
      *size = osz;
    else
      return 0;
  } else {
    return 0;
  }
  return 1;
}

/* ModRM, the /digit forms we leave to single-step, the immediate and the
 * fault check; EMU_OK with *size and *imm set when the instruction runs. */
static int int_decode(struct emu *e, unsigned osz, unsigned *size, uint64_t *imm)
{
  struct insn *in = &e->in;
  unsigned op = in->op, imm_n, sub;
  if (!int_shape(in, osz, size, &imm_n) || in->vex || m78br_decode_mem(in, e->uc, 1) || in->seg_bad)
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
  if (in->map == 1 && op == 0xAE && !(sub == 7 && (in->pp == 0 || in->pp == 1)) && !(sub == 6 && in->pp == 1))
    return EMU_UNKNOWN;
  *imm = 0;
  if (imm_n)
    *imm = m78br_decode_imm(in, imm_n);
  m78br_finish_insn(in, e->rip);
  if (!m78br_ea_explains(e, in->ea, *size))
    return EMU_CRASH;
  return EMU_OK;
}

/* 0F xx: MOVZX/MOVSX, MOVNTI, CLFLUSH, SETcc, CMOVcc. */
static void int_run_0f(struct emu *e, unsigned osz, uint64_t fl)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, reg = in->reg;
  uint64_t ea = in->ea;
  int rex = in->rex;
  switch (op) {
  case 0xB6: m78br_reg_set(uc, reg, osz, rex, mem_get(ea, 1)); break;
  case 0xB7: m78br_reg_set(uc, reg, osz, rex, mem_get(ea, 2)); break;
  case 0xBE: m78br_reg_set(uc, reg, osz, rex, sext(mem_get(ea, 1), 1)); break;
  case 0xBF: m78br_reg_set(uc, reg, osz, rex, sext(mem_get(ea, 2), 2)); break;
  case 0xC3: mem_put(ea, osz, m78br_reg_get(uc, reg, osz, rex)); break; /* MOVNTI */
  case 0xAE: break; /* CLFLUSH/CLFLUSHOPT/CLWB: nothing cached to flush */
  default:
    if (op >= 0x90) {
      mem_put(ea, 1, (uint64_t)m78br_cond_true(op & 15, fl));
    } else { /* CMOVcc reads even when false; a 32-bit dest is zero-extended anyway */
      uint64_t v = mem_get(ea, osz);
      m78br_reg_set(uc, reg, osz, rex, m78br_cond_true(op & 15, fl) ? v : m78br_reg_get(uc, reg, osz, rex));
    }
    break;
  }
}

/* One-byte opcodes with a ModRM memory operand. */
static void int_run_1byte(struct emu *e, unsigned size, unsigned osz, uint64_t imm, uint64_t fl)
{
  struct insn *in = &e->in;
  ucontext_t *uc = e->uc;
  unsigned op = in->op, reg = in->reg, sub = in->reg & 7;
  uint64_t ea = in->ea, a, r;
  int rex = in->rex;
  if (op < 0x40) { /* ALU r/m,r and r,r/m */
    unsigned alu = op >> 3;
    a = mem_get(ea, size);
    uint64_t b = m78br_reg_get(uc, reg, size, rex);
    if (op & 2) {
      r = m78br_alu_op(alu, b, a, size, &fl);
      if (alu != ALU_CMP)
        m78br_reg_set(uc, reg, size, rex, r);
    } else {
      r = m78br_alu_op(alu, a, b, size, &fl);
      if (alu != ALU_CMP)
        mem_put(ea, size, r);
    }
    m78br_greg_set(uc, REG_EFL, fl);
    return;
  }
  switch (op) {
  case 0x63:
    a = mem_get(ea, size);
    m78br_reg_set(uc, reg, osz, rex, in->rex_w ? sext(a, 4) : a);
    break;
  case 0x80:
  case 0x81:
  case 0x83:
    a = mem_get(ea, size);
    r = m78br_alu_op(sub, a, imm, size, &fl);
    if (sub != ALU_CMP)
      mem_put(ea, size, r);
    m78br_greg_set(uc, REG_EFL, fl);
    break;
  case 0x84:
  case 0x85:
    a = mem_get(ea, size);
    m78br_alu_op(ALU_AND, a, m78br_reg_get(uc, reg, size, rex), size, &fl);
    m78br_greg_set(uc, REG_EFL, fl);
    break;
  case 0x86:
  case 0x87: /* XCHG: the read, then the write */
    a = mem_get(ea, size);
    mem_put(ea, size, m78br_reg_get(uc, reg, size, rex));
    m78br_reg_set(uc, reg, size, rex, a);
    break;
  case 0x88:
  case 0x89: mem_put(ea, size, m78br_reg_get(uc, reg, size, rex)); break;
  case 0x8A:
  case 0x8B: m78br_reg_set(uc, reg, size, rex, mem_get(ea, size)); break;
  case 0xC6:
  case 0xC7: mem_put(ea, size, imm); break;
  case 0xF6:
  case 0xF7:
    a = mem_get(ea, size);
    if (sub < 2) {
      m78br_alu_op(ALU_AND, a, imm, size, &fl);
    } else if (sub == 2) {
      mem_put(ea, size, ~a); /* NOT leaves the flags alone */
    } else {
      mem_put(ea, size, m78br_alu_op(ALU_SUB, 0, a, size, &fl));
    }
    m78br_greg_set(uc, REG_EFL, fl);
    break;
  default: { /* FE/FF /0 /1: INC/DEC keep CF */
    uint64_t cf = fl & FL_CF;
    a = mem_get(ea, size);
    r = m78br_alu_op(sub ? ALU_SUB : ALU_ADD, a, 1, size, &fl);
    fl = (fl & ~(uint64_t)FL_CF) | cf;
    mem_put(ea, size, r);
    m78br_greg_set(uc, REG_EFL, fl);
    break;
  }
  }
}

/* Integer instructions with a ModRM memory operand. */
int m78br_emu_integer(struct emu *e)
{
  struct insn *in = &e->in;
  unsigned osz = in->rex_w ? 8 : in->opsize ? 2 : 4, size;
  uint64_t fl = m78br_greg_get(e->uc, REG_EFL), imm;
  int st = int_decode(e, osz, &size, &imm);
  if (st != EMU_OK)
    return st;
  if (in->map == 1)
    int_run_0f(e, osz, fl);
  else
    int_run_1byte(e, size, osz, imm, fl);
  return EMU_OK;
}
