/*
 * Inside the fault bridge (bridge_x86_64.c has the overview): the state
 * the signal handlers share with the emulation, and the calls between
 * its files.  The bus (bridge_bus.c), the interrupted context
 * (bridge_regs.c), the decoder and its opcode table (bridge_decode.c),
 * the emulation per opcode group (bridge_emu_int.c, bridge_emu_vec.c),
 * the interposed memory functions (bridge_mem.c).  Not for the firmware.
 */
#ifndef M78_BRIDGE_X86_64_H
#define M78_BRIDGE_X86_64_H

/* First include of every bridge file: _FORTIFY_SOURCE's inline
 * memcpy/memset wrappers clash with bridge_mem.c's definitions. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#undef _FORTIFY_SOURCE
#include "bridge.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#define MAX_RANGES 16
#define STEP_MAX_PAGES 8
#define PAGE_BYTES 4096u /* the only page size of x86-64 Linux user space */
#define PAGE_WORDS (PAGE_BYTES / 4)

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

/* The bridge's only instance, in .data before the firmware's .bss:
 * firmware that overruns a static buffer must not corrupt it (see m78host/runtime.h). */
extern struct bridge m78br;

/* 1: [a, a+len) inside one window, 0: outside all, -1: straddles an edge.
 * Inline: every interposed memcpy asks. */
static inline int m78br_win_kind(uint64_t a, uint64_t len)
{
  for (int i = 0; i < m78br.n_ranges; i++) {
    uint64_t b = m78br.ranges[i].base, e = m78br.ranges[i].end;
    if (a >= b && a + len <= e)
      return 1;
    if (a < e && a + len > b)
      return -1;
  }
  return 0;
}

/* bridge_bus.c: callback accesses, and accesses split into natural pieces */
uint32_t m78br_bus_rd(uint64_t a, unsigned w);
void m78br_bus_wr(uint64_t a, unsigned w, uint32_t v);
uint32_t m78br_piece_rd(uint64_t a, unsigned w, int win);
void m78br_acc_read(uint64_t a, unsigned n, uint8_t *buf);
void m78br_acc_write(uint64_t a, unsigned n, const uint8_t *buf);
unsigned m78br_xfer_piece(uint64_t d, uint64_t s, int use_s, uint64_t left, int *dw, int *sw);
void m78br_xfer_copy(uint64_t d, uint64_t s, uint64_t n, int backward);
void m78br_xfer_fill(uint64_t d, uint64_t n, const uint8_t *pat, unsigned w);

/* bridge_regs.c: the interrupted context */
static inline uint64_t m78br_greg_get(ucontext_t *uc, int idx)
{
  return (uint64_t)uc->uc_mcontext.gregs[idx];
}

static inline void m78br_greg_set(ucontext_t *uc, int idx, uint64_t v)
{
  uc->uc_mcontext.gregs[idx] = (greg_t)v;
}

uint64_t m78br_reg64(ucontext_t *uc, unsigned r);
uint64_t m78br_reg_get(ucontext_t *uc, unsigned r, unsigned size, int rex);
void m78br_reg_set(ucontext_t *uc, unsigned r, unsigned size, int rex, uint64_t v);

/* Vector registers live in the signal frame: XMM0-15 in the FXSAVE area,
 * the rest in XSAVE components whose XSTATE_BV bit says whether the memory
 * is valid (clear = register in its all-zero initial state). */
struct vstate {
  uint8_t *fx;
  uint8_t *bv;    /* XSTATE_BV in the XSAVE header; NULL for a bare FXSAVE frame */
  unsigned avail; /* components present in the frame */
};

int m78br_vstate_init(ucontext_t *uc, struct vstate *vs);
int m78br_vreg_avail(const struct vstate *vs, unsigned r, unsigned lo, unsigned hi);
void m78br_vreg_get(const struct vstate *vs, unsigned r, uint8_t out[64]);
void m78br_vreg_put(struct vstate *vs, unsigned r, const uint8_t val[64], unsigned lo, unsigned hi);
uint64_t m78br_kreg_get(const struct vstate *vs, unsigned k);

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
uint64_t m78br_alu_op(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *eflags);
int m78br_cond_true(unsigned cc, uint64_t f);

/* bridge_decode.c: one decoded instruction */
struct insn {
  const uint8_t *start, *cur;
  unsigned len;
  int opsize, adsize, rep, repne, last_rep, seg_bad;
  int rex, rex_w, rex_r, rex_x, rex_b;
  int vex;      /* 0 legacy, 1 VEX, 2 EVEX */
  unsigned vl;  /* 0: 128, 1: 256, 2: 512 bits */
  unsigned pp;  /* mandatory prefix: 0 none, 1 66, 2 F3, 3 F2 */
  unsigned map; /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
  int evex_rr, evex_z, evex_b;
  unsigned evex_aaa;
  uint8_t op;
  unsigned mod, reg, rm;
  int rip_rel;
  uint64_t ea;
};

struct emu {
  ucontext_t *uc;
  uintptr_t fa, rip;
  const char *why;
  struct insn in;
};

static inline uint32_t m78br_rd32(const uint8_t *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

int m78br_decode_head(struct insn *in, const uint8_t *ip);
int m78br_decode_mem(struct insn *in, ucontext_t *uc, unsigned scale);
uint64_t m78br_decode_imm(struct insn *in, unsigned n);
void m78br_finish_insn(struct insn *in, uintptr_t rip);
int m78br_ea_explains(struct emu *e, uint64_t ea, uint64_t n);
/* EMU_OK, or EMU_UNKNOWN (no bus access made: single-step it), or EMU_CRASH */
int m78br_emulate(struct emu *e);

/* the handlers of the opcode table */
int m78br_emu_string(struct emu *e); /* bridge_emu_int.c */
int m78br_emu_moffs(struct emu *e);
int m78br_emu_integer(struct emu *e);
int m78br_emu_vector(struct emu *e); /* bridge_emu_vec.c */

#ifdef M78_BRIDGE_INTERPOSE_MEM
void m78br_resolve_mem(void); /* bridge_mem.c; at install, not from a handler */
#endif

#endif
