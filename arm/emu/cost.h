/*
 * The Cortex-M4 cycles-per-instruction model, per basic block.
 *
 * A block (Unicorn's translation block: straight-line Thumb code ending
 * in a branch or an instruction that ends translation) is decoded once;
 * its static cost is cached by the emulator and charged every time the
 * block runs.  What depends on the path taken is added at run time:
 * the pipeline refill P when a block is entered other than by falling
 * through (a taken branch, a load into PC, an exception), and flash
 * wait states on instruction-cache misses (cpu.c).  Cycle counts are the
 * Cortex-M4 TRM's (ARM DDI 0439B, table 3-1); docs/arm.md lists them.
 */
#ifndef M78ARM_COST_H
#define M78ARM_COST_H

#include <stddef.h>
#include <stdint.h>

/* Pipeline refill after a taken branch (TRM: P is 1 to 3). */
#define M78ARM_BRANCH_REFILL 2
/* SDIV/UDIV take 2 to 12 cycles depending on the operands (TRM); the
 * block is costed before its operands exist, so the middle is charged. */
#define M78ARM_DIV_CYCLES 7

enum m78arm_block_flags {
  M78ARM_BLOCK_SELF_LOOP = 1, /* a single branch to itself: the idle loop */
  M78ARM_BLOCK_WFI = 2,       /* ends in WFI or WFE */
  M78ARM_BLOCK_BAD = 4        /* runs past the bytes given */
};

struct m78arm_block_cost {
  uint32_t cycles; /* static cycles of all instructions */
  uint16_t insns;  /* instructions in the block */
  uint16_t flags;
};

/* Cost of the Thumb code CODE[0..size) that starts at ADDR (the address
 * matters only for recognising a branch to self). */
struct m78arm_block_cost m78arm_cost_block(const uint8_t *code, size_t size, uint32_t addr);

/* Cost and length (2 or 4 bytes) of the instruction at CODE; *is_mem is
 * 1 for a single load or store, 2 for a load (pipelining rule). */
unsigned m78arm_cost_insn(const uint8_t *code, size_t avail, unsigned *len, int *mem_kind);

#endif
