/*
 * The fault bridge's x86-64 decoder: prefixes, REX/VEX/EVEX, ModRM/SIB
 * addressing, and the opcode table that hands an instruction to its
 * emulation (bridge_x86_64.c has the overview).
 */
#include "bridge_x86_64.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Decoder                                                              */

static uint16_t rd16(const uint8_t *p)
{
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

/* Prefixes, REX/VEX/EVEX and the opcode. */
int m78br_decode_head(struct insn *in, const uint8_t *ip)
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
 * are completed by m78br_finish_insn once the length is known. */
int m78br_decode_mem(struct insn *in, ucontext_t *uc, unsigned scale)
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
      ea += m78br_reg64(uc, ix) << (sib >> 6);
    if (base == 5 && in->mod == 0) {
      disp = (int32_t)m78br_rd32(p);
      p += 4;
    } else {
      ea += m78br_reg64(uc, base | (unsigned)in->rex_b << 3);
    }
  } else if (in->rm == 5 && in->mod == 0) {
    in->rip_rel = 1;
    disp = (int32_t)m78br_rd32(p);
    p += 4;
  } else {
    ea += m78br_reg64(uc, in->rm | (unsigned)in->rex_b << 3);
  }
  if (in->mod == 1)
    disp = (int64_t)(int8_t)*p++ * (int64_t)scale;
  else if (in->mod == 2) {
    disp = (int32_t)m78br_rd32(p);
    p += 4;
  }
  in->ea = ea + (uint64_t)disp;
  in->cur = p;
  return 0;
}

uint64_t m78br_decode_imm(struct insn *in, unsigned n)
{
  uint64_t v;
  switch (n) {
  case 1: v = (uint64_t)(int64_t)(int8_t)in->cur[0]; break;
  case 2: v = (uint64_t)(int64_t)(int16_t)rd16(in->cur); break;
  default:
    v = (uint64_t)(int64_t)(int32_t)m78br_rd32(in->cur);
    n = 4;
    break;
  }
  in->cur += n;
  return v;
}

void m78br_finish_insn(struct insn *in, uintptr_t rip)
{
  in->len = (unsigned)(in->cur - in->start);
  if (in->rip_rel)
    in->ea += rip + in->len;
  if (in->adsize)
    in->ea &= 0xffffffffull;
}

/* The decoded address must explain the fault, or the decoder is wrong. */
int m78br_ea_explains(struct emu *e, uint64_t ea, uint64_t n)
{
  if (e->fa - ea < n)
    return 1;
  e->why = "decoded address does not match the fault address";
  return 0;
}

/* ------------------------------------------------------------------ */
/* The opcode table                                                     */

/* Decoding as data, as Spike's instruction table: after the prefixes,
 * the first pattern that matches the encoding class, the opcode map and
 * the opcode range names the handler.  A handler finishes the decode
 * (ModRM, immediates) and may still answer EMU_UNKNOWN. */
enum { ENC_LEGACY, ENC_ANY };

struct op_pattern {
  unsigned char enc; /* ENC_LEGACY: no VEX/EVEX prefix; ENC_ANY: any encoding */
  signed char map;   /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A; -1 any */
  unsigned char lo, hi;
  int (*run)(struct emu *e);
};

static const struct op_pattern op_table[] = {
    {ENC_LEGACY, 0, 0xA0, 0xA3, m78br_emu_moffs},   /* MOV AL/eAX <-> moffs */
    {ENC_LEGACY, 0, 0xA4, 0xA5, m78br_emu_string},  /* MOVS */
    {ENC_LEGACY, 0, 0xAA, 0xAD, m78br_emu_string},  /* STOS, LODS */
    {ENC_LEGACY, 0, 0x00, 0xFF, m78br_emu_integer}, /* the rest of map 0: ALU, MOV, TEST, XCHG, ... */
    {ENC_LEGACY, 1, 0x40, 0x4F, m78br_emu_integer}, /* CMOVcc */
    {ENC_LEGACY, 1, 0x90, 0x9F, m78br_emu_integer}, /* SETcc */
    {ENC_LEGACY, 1, 0xAE, 0xAE, m78br_emu_integer}, /* CLFLUSH, CLFLUSHOPT, CLWB */
    {ENC_LEGACY, 1, 0xB6, 0xB7, m78br_emu_integer}, /* MOVZX */
    {ENC_LEGACY, 1, 0xBE, 0xBF, m78br_emu_integer}, /* MOVSX */
    {ENC_LEGACY, 1, 0xC3, 0xC3, m78br_emu_integer}, /* MOVNTI */
    {ENC_ANY, -1, 0x00, 0xFF, m78br_emu_vector},    /* SSE/AVX/AVX-512 moves (vec_spec) */
};

int m78br_emulate(struct emu *e)
{
  struct insn *in = &e->in;
  if (m78br_decode_head(in, (const uint8_t *)e->rip))
    return EMU_UNKNOWN;
  for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
    const struct op_pattern *p = &op_table[i];
    if ((p->enc == ENC_LEGACY && in->vex) || (p->map >= 0 && (unsigned)p->map != in->map) || in->op < p->lo ||
        in->op > p->hi)
      continue;
    return p->run(e);
  }
  return EMU_UNKNOWN;
}
