/*
 * max78sim-arm: a MAX78000 whose Cortex-M4 runs the firmware ELF under
 * Unicorn, instruction by instruction, with the CNN and the peripherals
 * served by the SoC model the host shim uses (host/src/soc*.c, a->soc).
 *
 * One struct m78arm holds the emulated core's side: Unicorn, the flash
 * and SRAM images, the block-cost cache, the NVIC/SysTick/SCB state, the
 * active exceptions, and the cycles charged but not yet handed to the
 * SoC's virtual clock (`pending`, flushed before anything observes time).
 */
#ifndef M78ARM_EMU_H
#define M78ARM_EMU_H

#include <stdint.h>
#include <unicorn/unicorn.h>
#include "cost.h"
#include "m78host/elf.h"

#define M78ARM_FLASH_BASE M78ELF_FLASH_BASE
#define M78ARM_FLASH_SIZE M78ELF_FLASH_SIZE
#define M78ARM_SRAM_BASE M78ELF_SRAM_BASE
#define M78ARM_SRAM_SIZE M78ELF_SRAM_SIZE
#define M78ARM_APB_BASE 0x40000000u
#define M78ARM_APB_SIZE 0x100000u
#define M78ARM_PPB_BASE 0xE0000000u
#define M78ARM_PPB_SIZE 0x100000u
#define M78ARM_SCS_BASE 0xE000E000u

#define M78ARM_IRQS 104    /* MAX78000 device interrupts */
#define M78ARM_CNN_IRQ 101 /* CNN_IRQn: vector 117 */
#define M78ARM_EXC_SYSTICK 15
#define M78ARM_TICKS_PER_CPU 12     /* M78SOC_TICK_HZ / 100 MHz */
#define M78ARM_DWT_BASE 0xE0001000u /* data watchpoint and trace unit */
#define M78ARM_SCB_CCR 0xD14u       /* configuration and control, offset in the SCS */
#define M78ARM_CCR_STKALIGN (1u << 9)

struct m78gdb;
struct m78soc_state;

/* a function's stores while no other function stores (findings.c) */
enum { M78ARM_PCSTREAMS = 16 };
struct m78arm_pcstream {
  uint32_t pc, last; /* a store instruction and its latest address */
  unsigned inside;   /* its stores inside the home object */
};
struct m78arm_activation {
  const struct m78elf_sym *func, *home;      /* the function; its first store's object */
  const struct m78elf_sym *into, *last_into; /* objects written past home's end */
  int crossed;                               /* a stream ran off home's end */
  uint32_t cross_pc, hi;
  uint64_t beyond; /* bytes written past home's end */
  unsigned objects;
  struct m78arm_pcstream pcs[M78ARM_PCSTREAMS];
  int npcs;
};

struct m78arm_block {
  uint32_t cycles;
  uint16_t insns;
  uint8_t flags;
  uint8_t size; /* bytes / 2, 0 = not decoded */
};

enum m78arm_stop {
  M78ARM_STOP_NONE = 0,
  M78ARM_STOP_IRQ,  /* take a pending exception */
  M78ARM_STOP_EXIT, /* semihosting exit or idle loop */
  M78ARM_STOP_FAULT /* guest fault: detail says what */
};

struct m78arm {
  struct m78soc_state *soc; /* the SoC around the core (m78host/soc.h) */
  uc_engine *uc;
  uint8_t *flash, *sram;
  uint8_t *flash_image;                    /* flash as loaded: undoes stores */
  uint32_t flash_dirty_lo, flash_dirty_hi; /* flash bytes a store changed */
  struct m78arm_block *bcache_flash, *bcache_sram;

  /* time */
  uint64_t pending;     /* CPU cycles not yet given to the SoC clock */
  uint64_t next_check;  /* tick at which interrupts are looked at again */
  uint32_t fallthrough; /* address after the previous block */
  /* the running block: its cycles not charged yet, from blk_pc on */
  uint32_t blk_pc, blk_end, blk_rest;
  uint64_t insns, blocks, cycles;
  uint64_t skipped_insns; /* of insns: polling iterations jumped over */
  uint32_t icc_tag[1024]; /* instruction cache lines (address / 16 + 1) */
  uint64_t icc_misses;
  uint32_t flash_data_line; /* last 16-byte flash line read as data (+1) */
  uint64_t flash_data_misses;
  uint64_t insn_hook_cycles; /* M78SIM_ARM_INSN_HOOK measurement */

  /* NVIC and SCB */
  uint32_t iser[4], ispr[4];
  uint8_t ipr[M78ARM_IRQS];
  uint32_t scs[0x1000 / 4]; /* plain system control space registers */
  uint32_t dwt_ctrl;
  uint32_t vtor;
  int active[8]; /* exception numbers being handled */
  int depth;
  int systick_pending;
  int woke; /* the CPU slept before this exception */

  /* SysTick: VAL as of st_base_tick */
  uint32_t st_csr, st_rvr, st_val;
  uint64_t st_base_tick;

  /* polling fast-forward: the previous PPB read */
  uint64_t poll_tick, poll_insns, poll_seq, mmio_seq;
  uint32_t poll_addr, poll_value;

  /* UART0 console, and its registers as written */
  char line[256];
  int line_len;
  uint32_t uart_regs[16];
  /* the ICC's CTRL.EN as written */
  uint32_t icc_ctrl;

  /* the end */
  enum m78arm_stop stop;
  int exit_status;
  char detail[256];

  uint64_t guest_errors;
  unsigned guest_msgs;

  struct m78gdb *gdb; /* the debugger (gdbstub.h), NULL when none */

  /* findings (findings.c) */
  struct m78elf_syms syms; /* the ELF's functions and objects */
  struct m78arm_activation act;
  int past_startup; /* a store from outside the start-up copies was seen */
  uint64_t overruns;
  uint32_t cnn_irq_pc;    /* where the last CNN interrupt was taken */
  uint64_t cnn_irq_cycle; /* at this CPU cycle */
  int cnn_irq_woke;       /* it ended a sleep */
  int cnn_irqs;
};

/* emu.c */
int m78arm_init(struct m78arm *a, char *err, size_t len);
/* Runs from reset to the end; returns the process exit status. */
int m78arm_run(struct m78arm *a);
void m78arm_flush(struct m78arm *a);
/* Charges the running block's instructions up to and including the one
 * at PC (an MMIO access), or all of them (the block ended). */
void m78arm_block_upto(struct m78arm *a, uint32_t pc);
void m78arm_block_done(struct m78arm *a);
uint64_t m78arm_now(const struct m78arm *a); /* tick including pending */
void m78arm_fault(struct m78arm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void m78arm_guest_error(struct m78arm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t m78arm_pc(struct m78arm *a);

/* findings.c */
int m78arm_findings_init(struct m78arm *a);
void m78arm_overrun_flush(struct m78arm *a);
const char *m78arm_func_name(const struct m78arm *a, uint32_t pc);

/* periph.c: the MMIO windows */
uint64_t m78arm_apb_read(uc_engine *uc, uint64_t off, unsigned size, void *ud);
void m78arm_apb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud);
uint64_t m78arm_cnn_read(uc_engine *uc, uint64_t off, unsigned size, void *ud);
void m78arm_cnn_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud);
uint64_t m78arm_ppb_read(uc_engine *uc, uint64_t off, unsigned size, void *ud);
void m78arm_ppb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud);
/* SysTick: brings VAL and COUNTFLAG to the current time; the tick of the
 * next wrap (UINT64_MAX when stopped). */
void m78arm_systick_update(struct m78arm *a);
uint64_t m78arm_systick_next_wrap(const struct m78arm *a);
/* Name of the peripheral at an address (APB map, PPB), or "unmapped". */
const char *m78arm_periph_name(uint32_t addr);
void m78arm_uart_flush(struct m78arm *a);
int m78arm_irq_enabled(const struct m78arm *a, int irq);
int m78arm_icc_enabled(const struct m78arm *a);

#endif
