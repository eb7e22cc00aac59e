/*
 * The emulated Cortex-M4: Unicorn set up as the MAX78000's core, the
 * per-block CPI accounting, exceptions (NVIC entry and return), WFI,
 * semihosting and guest faults (emu.h).
 *
 * Time: the block hook charges each block's cycles (cost.c, cached per
 * block address) into `pending`; pending cycles go to the SoC clock
 * before every MMIO access and whenever interrupts are looked at, which
 * is when virtual time passes next_check (the next CNN event or SysTick
 * wrap).
 *
 * Exceptions: Unicorn 2.0.1 has no NVIC, so entry is done here between
 * two uc_emu_start calls: the 8-word frame on the main stack (aligned to
 * 8 bytes as CCR.STKALIGN asks on the M4, xPSR bit 9 noting it),
 * LR = EXC_RETURN, PC from VTOR + 4 * exception number.  A return
 * (BX LR or POP {PC} with an EXC_RETURN value) reaches the interrupt hook
 * as EXCP_EXCEPTION_EXIT; the frame is unstacked there.  Costs: entry 12,
 * return 10 cycles (Cortex-M4 TRM).  The process stack (CONTROL.SPSEL)
 * and the FPU's extended frame are not modelled: the firmware runs on the
 * main stack and its ISR does no floating point.
 */
#include "emu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdbstub.h"
#include "m78host/soc.h"
#include "max78sim/env.h"

/* QEMU exception numbers Unicorn reports through UC_HOOK_INTR */
enum {
  EXCP_UDEF = 1,
  EXCP_SWI = 2,
  EXCP_PREFETCH_ABORT = 3,
  EXCP_DATA_ABORT = 4,
  EXCP_BKPT = 7,
  EXCP_EXCEPTION_EXIT = 8
};

enum { COST_EXC_ENTRY = 12, COST_EXC_RETURN = 10, FLUSH_CYCLES = 20000, ICC_LINE = 16 };

/* EXC_RETURN for a handler entered from thread mode or from another
 * handler, both on the main stack (ARMv7-M ARM B1.5.8) */
#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_HANDLER_MSP 0xFFFFFFF1u

/* Arm semihosting operations (r0) and the normal-exit reason code */
enum {
  SH_SYS_WRITEC = 0x03,
  SH_SYS_WRITE0 = 0x04,
  SH_SYS_WRITE = 0x05,
  SH_SYS_EXIT = 0x18,
  SH_SYS_EXIT_EXTENDED = 0x20
};
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* Flash wait states as the firmware programmed GCR.memctrl */
static uint32_t flash_wait_states(const struct m78arm *a)
{
  return M78SOC_FGET(GCR, MEMCTRL, FWS, a->soc->gcr[M78SOC_WORD(M78SOC_GCR_MEMCTRL)]);
}

uint64_t m78arm_now(const struct m78arm *a)
{
  return a->soc->tick + a->pending * M78ARM_TICKS_PER_CPU;
}

void m78arm_block_done(struct m78arm *a)
{
  a->pending += a->blk_rest;
  a->cycles += a->blk_rest;
  a->blk_rest = 0;
  a->blk_pc = a->blk_end;
}

void m78arm_block_upto(struct m78arm *a, uint32_t pc)
{
  if (pc < a->blk_pc || pc >= a->blk_end)
    return;
  const uint8_t *code;
  if (pc - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE)
    code = a->flash + (a->blk_pc - M78ARM_FLASH_BASE);
  else if (pc - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE)
    code = a->sram + (a->blk_pc - M78ARM_SRAM_BASE);
  else
    return;
  /* the instructions before the access and the access itself */
  unsigned len = 0;
  int mem;
  m78arm_cost_insn(code + (pc - a->blk_pc), a->blk_end - pc, &len, &mem);
  struct m78arm_block_cost c = m78arm_cost_block(code, pc + len - a->blk_pc, a->blk_pc);
  uint32_t part = c.cycles < a->blk_rest ? c.cycles : a->blk_rest;
  a->pending += part;
  a->cycles += part;
  a->blk_rest -= part;
  a->blk_pc = pc + len;
}

void m78arm_flush(struct m78arm *a)
{
  a->soc->cpu_insns = a->insns;
  a->soc->cpu_cycles = a->cycles;
  if (a->pending) {
    uint64_t c = a->pending;
    a->pending = 0;
    m78soc_cpu_cycles(a->soc, c);
  }
}

uint32_t m78arm_pc(struct m78arm *a)
{
  uint32_t pc = 0;
  uc_reg_read(a->uc, UC_ARM_REG_PC, &pc);
  return pc;
}

void m78arm_fault(struct m78arm *a, const char *fmt, ...)
{
  if (a->stop == M78ARM_STOP_FAULT)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->detail, sizeof a->detail, fmt, ap);
  va_end(ap);
  a->stop = M78ARM_STOP_FAULT;
  uc_emu_stop(a->uc);
}

void m78arm_guest_error(struct m78arm *a, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  a->guest_errors++;
  a->soc->cpu_guest_errors = a->guest_errors;
  if (a->guest_errors == 1)
    snprintf(a->soc->cpu_first_error, sizeof a->soc->cpu_first_error, "%s", msg);
  if (a->guest_msgs++ < 20)
    fprintf(stderr, "max78sim: guest error: %s\n", msg);
  else if (a->guest_msgs == 21)
    fprintf(stderr, "max78sim: further guest errors are counted, not printed\n");
}

/* ---- memory ---- */

static int read32(struct m78arm *a, uint32_t addr, uint32_t *v)
{
  if (addr - M78ARM_FLASH_BASE <= M78ARM_FLASH_SIZE - 4)
    memcpy(v, a->flash + (addr - M78ARM_FLASH_BASE), 4);
  else if (addr - M78ARM_SRAM_BASE <= M78ARM_SRAM_SIZE - 4)
    memcpy(v, a->sram + (addr - M78ARM_SRAM_BASE), 4);
  else
    return -1;
  return 0;
}

static int write32(struct m78arm *a, uint32_t addr, uint32_t v)
{
  if (addr - M78ARM_SRAM_BASE > M78ARM_SRAM_SIZE - 4)
    return -1;
  memcpy(a->sram + (addr - M78ARM_SRAM_BASE), &v, 4);
  return 0;
}

static const char *access_name(uc_mem_type t)
{
  switch (t) {
  case UC_MEM_READ_UNMAPPED: return "read of unmapped address";
  case UC_MEM_WRITE_UNMAPPED: return "write to unmapped address";
  case UC_MEM_FETCH_UNMAPPED: return "instruction fetch from unmapped address";
  case UC_MEM_FETCH_PROT: return "instruction fetch from non-executable address";
  case UC_MEM_READ_PROT: return "read of protected address";
  default: return "access to";
  }
}

static bool on_bad_access(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
  (void)uc;
  (void)value;
  struct m78arm *a = ud;
  if (type == UC_MEM_WRITE_PROT && addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE) {
    /* flash is read-only for the CPU: Unicorn completes the store after
     * this hook, so the bytes are put back from the loaded image when the
     * next block starts */
    uint32_t lo = (uint32_t)addr - M78ARM_FLASH_BASE, hi = lo + (uint32_t)size;
    if (hi > M78ARM_FLASH_SIZE)
      hi = M78ARM_FLASH_SIZE;
    if (a->flash_dirty_hi <= a->flash_dirty_lo) {
      a->flash_dirty_lo = lo;
      a->flash_dirty_hi = hi;
    } else {
      a->flash_dirty_lo = lo < a->flash_dirty_lo ? lo : a->flash_dirty_lo;
      a->flash_dirty_hi = hi > a->flash_dirty_hi ? hi : a->flash_dirty_hi;
    }
    m78arm_guest_error(a, "%d-bit write to flash at 0x%08x ignored, PC 0x%08x", 8 * size, (unsigned)addr,
                       (unsigned)m78arm_pc(a));
    return true;
  }
  m78arm_fault(a, "%s 0x%08x (%s), PC 0x%08x", access_name(type), (unsigned)addr, m78arm_periph_name((uint32_t)addr),
               (unsigned)m78arm_pc(a));
  return false;
}

/* Data reads from flash (constants, the weights the loaders copy) go
 * through the flash controller, not the instruction cache: a read from a
 * 128-bit line other than the last one read costs the flash wait states
 * (GCR.memctrl.FWS). */
static void on_flash_read(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *ud)
{
  (void)uc;
  (void)type;
  (void)size;
  (void)value;
  struct m78arm *a = ud;
  uint32_t line = (uint32_t)addr / ICC_LINE + 1;
  if (line != a->flash_data_line) {
    uint32_t fws = flash_wait_states(a);
    a->flash_data_line = line;
    a->pending += fws;
    a->cycles += fws;
    a->flash_data_misses++;
  }
}

/* ---- time and interrupts ---- */

static int primask(struct m78arm *a)
{
  uint32_t v = 0;
  uc_reg_read(a->uc, UC_ARM_REG_PRIMASK, &v);
  return v & 1;
}

/* The exception to take now, or 0.  Priorities are not compared: the
 * firmware has two sources at most and no nesting between them. */
static int pending_exception(struct m78arm *a)
{
  if (a->depth || primask(a))
    return 0;
  m78arm_systick_update(a);
  if (a->systick_pending)
    return M78ARM_EXC_SYSTICK;
  for (int w = 0; w < 4; w++) {
    uint32_t p = a->ispr[w] & a->iser[w];
    if (w == M78ARM_CNN_IRQ / 32 && m78arm_irq_enabled(a, M78ARM_CNN_IRQ) && m78soc_irq_line(a->soc))
      p |= 1u << (M78ARM_CNN_IRQ % 32);
    if (p)
      return 16 + 32 * w + __builtin_ctz(p);
  }
  return 0;
}

static void plan_check(struct m78arm *a)
{
  uint64_t now = m78arm_now(a);
  uint64_t t = m78soc_next_event_tick(a->soc), st = m78arm_systick_next_wrap(a);
  if (st < t)
    t = st;
  if (a->soc->sim && m78_sim_irq(a->soc->sim))
    t = now + 1000 * M78ARM_TICKS_PER_CPU; /* masked or being handled: look again later */
  uint64_t flush = now + (uint64_t)FLUSH_CYCLES * M78ARM_TICKS_PER_CPU;
  a->next_check = t < flush ? t : flush;
}

static void check_interrupts(struct m78arm *a)
{
  m78arm_flush(a);
  if (pending_exception(a)) {
    a->stop = M78ARM_STOP_IRQ;
    uc_emu_stop(a->uc);
  }
  plan_check(a);
}

/* Are any interrupts able to fire, ever? (for the idle loop) */
static int can_interrupt(struct m78arm *a)
{
  if (primask(a))
    return 0;
  if ((a->st_csr & 3) == 3)
    return 1;
  if (m78arm_irq_enabled(a, M78ARM_CNN_IRQ) &&
      (m78soc_irq_line(a->soc) || m78soc_next_event_tick(a->soc) != UINT64_MAX))
    return 1;
  for (int w = 0; w < 4; w++)
    if (a->ispr[w] & a->iser[w])
      return 1;
  return 0;
}

/* ---- the block hook: the CPI model ---- */

static struct m78arm_block *block_slot(struct m78arm *a, uint32_t addr, const uint8_t **code, size_t *avail)
{
  if (addr - M78ARM_FLASH_BASE < M78ARM_FLASH_SIZE) {
    *code = a->flash + (addr - M78ARM_FLASH_BASE);
    *avail = M78ARM_FLASH_BASE + M78ARM_FLASH_SIZE - addr;
    return &a->bcache_flash[(addr - M78ARM_FLASH_BASE) / 2];
  }
  if (addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE) {
    *code = a->sram + (addr - M78ARM_SRAM_BASE);
    *avail = M78ARM_SRAM_BASE + M78ARM_SRAM_SIZE - addr;
    return &a->bcache_sram[(addr - M78ARM_SRAM_BASE) / 2];
  }
  return NULL;
}

/* Instruction cache (ICC0, 16 KiB, 16-byte lines; modelled direct-mapped):
 * a miss costs the flash wait states of GCR.memctrl.FWS. */
static uint32_t icc_cost(struct m78arm *a, uint32_t addr, uint32_t size)
{
  if (addr - M78ARM_FLASH_BASE >= M78ARM_FLASH_SIZE)
    return 0;
  uint32_t fws = flash_wait_states(a), c = 0;
  int on = m78arm_icc_enabled(a);
  for (uint32_t l = addr / ICC_LINE; l <= (addr + size - 1) / ICC_LINE; l++) {
    uint32_t *tag = &a->icc_tag[l % 1024];
    if (on && *tag == l + 1)
      continue;
    a->icc_misses++;
    c += fws;
    if (on)
      *tag = l + 1;
  }
  return c;
}

static void on_block(uc_engine *uc, uint64_t addr64, uint32_t size, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t addr = (uint32_t)addr64;
  const uint8_t *code;
  size_t avail;
  struct m78arm_block *b = block_slot(a, addr, &code, &avail);
  struct m78arm_block tmp;
  if (a->flash_dirty_hi > a->flash_dirty_lo) {
    memcpy(a->flash + a->flash_dirty_lo, a->flash_image + a->flash_dirty_lo, a->flash_dirty_hi - a->flash_dirty_lo);
    a->flash_dirty_lo = a->flash_dirty_hi = 0;
  }
  if (!b)
    return; /* the fetch fault follows */
  if (a->gdb && a->gdb->held) {
    /* the first block after a debugger's stop inside a block: it is that
     * block's rest, already priced and fetched, so nothing is charged
     * again; if the translation differs (gdb moved the PC), the held
     * block ends here as it would have */
    a->gdb->held = 0;
    if (addr == a->gdb->held_pc && addr + size == a->blk_end) {
      a->fallthrough = addr + size;
      return;
    }
  }
  if (a->gdb && (a->blocks & 0xFFF) == 0)
    m78gdb_poll(a);
  if (b->size != size / 2) {
    struct m78arm_block_cost c = m78arm_cost_block(code, size < avail ? size : avail, addr);
    tmp = (struct m78arm_block){c.cycles, c.insns, (uint8_t)c.flags, (uint8_t)(size / 2)};
    if (size / 2 < 256)
      *b = tmp;
    else
      b = &tmp;
  }
  m78arm_block_done(a);
  uint64_t cyc = icc_cost(a, addr, size);
  if (addr != a->fallthrough)
    cyc += M78ARM_BRANCH_REFILL;
  a->fallthrough = addr + size;
  a->pending += cyc;
  a->cycles += cyc;
  /* the instructions' own cycles are charged as they are reached: at an
   * MMIO access up to its instruction, the rest when the block ends */
  a->blk_pc = addr;
  a->blk_end = addr + size;
  a->blk_rest = b->cycles;
  a->insns += b->insns;
  a->blocks++;
  if (b->flags & M78ARM_BLOCK_SELF_LOOP) {
    m78arm_flush(a);
    if (!can_interrupt(a)) {
      a->stop = M78ARM_STOP_EXIT;
      a->exit_status = 0;
      snprintf(a->detail, sizeof a->detail, "idle loop at 0x%08x", addr);
      uc_emu_stop(a->uc);
      return;
    }
  }
  if (m78arm_now(a) >= a->next_check)
    check_interrupts(a);
}

/* Measurement only (M78SIM_ARM_INSN_HOOK=1, docs/arm.md): the same costs
 * from a per-instruction hook, decoded at every execution, to compare
 * the speed of the two ways; the block hook's figures stay the ones
 * used. */
static void on_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  const uint8_t *code;
  size_t avail;
  if (!block_slot(a, (uint32_t)addr, &code, &avail))
    return;
  unsigned len;
  int mem;
  a->insn_hook_cycles += m78arm_cost_insn(code, size < avail ? size : avail, &len, &mem);
}

/* ---- exceptions ---- */

static int enter_exception(struct m78arm *a, int exc, int woke)
{
  m78arm_block_done(a);
  uint32_t r[8], sp;
  static const int regs[8] = {UC_ARM_REG_R0,  UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                              UC_ARM_REG_R12, UC_ARM_REG_LR, UC_ARM_REG_PC, UC_ARM_REG_XPSR};
  for (int i = 0; i < 8; i++)
    uc_reg_read(a->uc, regs[i], &r[i]);
  uc_reg_read(a->uc, UC_ARM_REG_SP, &sp);
  r[7] |= 1u << 24; /* the T bit */
  uint32_t frame = sp - 32;
  if (frame & 4) { /* CCR.STKALIGN */
    frame &= ~7u;
    r[7] |= 1u << 9;
  } else {
    r[7] &= ~(1u << 9);
  }
  for (int i = 0; i < 8; i++)
    if (write32(a, frame + 4 * i, r[i]) != 0) {
      m78arm_fault(a, "exception %d entry: stack frame at 0x%08x is outside SRAM (SP 0x%08x, PC 0x%08x)", exc,
                   (unsigned)frame, (unsigned)sp, (unsigned)r[6]);
      return -1;
    }
  uint32_t vec;
  if (read32(a, a->vtor + 4 * (uint32_t)exc, &vec) != 0 || !(vec & 1) ||
      (vec - M78ARM_FLASH_BASE >= M78ARM_FLASH_SIZE && vec - M78ARM_SRAM_BASE >= M78ARM_SRAM_SIZE)) {
    m78arm_fault(a, "exception %d: vector at 0x%08x (VTOR 0x%08x) holds 0x%08x, not a Thumb address in flash or SRAM",
                 exc, (unsigned)(a->vtor + 4 * (uint32_t)exc), (unsigned)a->vtor, (unsigned)vec);
    return -1;
  }
  uint32_t lr = a->depth ? EXC_RETURN_HANDLER_MSP : EXC_RETURN_THREAD_MSP;
  uc_reg_write(a->uc, UC_ARM_REG_SP, &frame);
  uc_reg_write(a->uc, UC_ARM_REG_LR, &lr);
  uc_reg_write(a->uc, UC_ARM_REG_PC, &vec);
  a->active[a->depth++] = exc;
  a->pending += COST_EXC_ENTRY;
  a->cycles += COST_EXC_ENTRY;
  if (exc == M78ARM_EXC_SYSTICK)
    a->systick_pending = 0;
  else if (exc >= 16)
    a->ispr[(exc - 16) / 32] &= ~(1u << ((exc - 16) % 32));
  if (exc == 16 + M78ARM_CNN_IRQ) {
    a->cnn_irq_pc = r[6];
    a->cnn_irq_cycle = a->cycles;
    a->cnn_irq_woke = woke;
    a->cnn_irqs++;
    m78arm_flush(a);
    m78soc_isr_enter(a->soc, woke);
  }
  return 0;
}

static void exception_return(struct m78arm *a, uint32_t exc_return)
{
  if (!a->depth) {
    m78arm_fault(a, "exception return (EXC_RETURN 0x%08x) outside any exception handler", (unsigned)exc_return);
    return;
  }
  uint32_t sp, r[8];
  m78arm_block_done(a);
  uc_reg_read(a->uc, UC_ARM_REG_SP, &sp);
  for (int i = 0; i < 8; i++)
    if (read32(a, sp + 4 * i, &r[i]) != 0) {
      m78arm_fault(a, "exception return: stack frame at 0x%08x is outside SRAM", (unsigned)sp);
      return;
    }
  static const int regs[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1,  UC_ARM_REG_R2,
                              UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
  for (int i = 0; i < 6; i++)
    uc_reg_write(a->uc, regs[i], &r[i]);
  sp += 32 + ((r[7] >> 9) & 1) * 4;
  uint32_t xpsr = r[7] & ~0x1FFu, pc = r[6] | 1;
  uc_reg_write(a->uc, UC_ARM_REG_SP, &sp);
  uc_reg_write(a->uc, UC_ARM_REG_XPSR, &xpsr);
  uc_reg_write(a->uc, UC_ARM_REG_PC, &pc);
  int exc = a->active[--a->depth];
  a->pending += COST_EXC_RETURN;
  a->cycles += COST_EXC_RETURN;
  a->fallthrough = 0;
  if (exc == 16 + M78ARM_CNN_IRQ) {
    m78arm_flush(a);
    m78soc_isr_exit(a->soc);
  }
  a->next_check = 0; /* tail-chain or take what was held off */
}

/* ---- semihosting ---- */

static void semihost(struct m78arm *a, uint32_t pc)
{
  uint32_t op, arg, w[3];
  uc_reg_read(a->uc, UC_ARM_REG_R0, &op);
  uc_reg_read(a->uc, UC_ARM_REG_R1, &arg);
  uint32_t ret = 0;
  switch (op) {
  case SH_SYS_EXIT:
  case SH_SYS_EXIT_EXTENDED:
    if (op == SH_SYS_EXIT_EXTENDED) {
      if (read32(a, arg, &w[0]) || read32(a, arg + 4, &w[1])) {
        m78arm_fault(a, "semihosting SYS_EXIT_EXTENDED: argument block 0x%08x is outside memory, PC 0x%08x",
                     (unsigned)arg, (unsigned)pc);
        return;
      }
    } else {
      w[0] = arg;
      w[1] = 0;
    }
    a->stop = M78ARM_STOP_EXIT;
    a->exit_status = w[0] == SH_ADP_STOPPED_APPLICATION_EXIT ? (int)(w[1] & 0xFF) : 1;
    if (w[0] != SH_ADP_STOPPED_APPLICATION_EXIT)
      snprintf(a->detail, sizeof a->detail, "semihosting exit with reason 0x%x", (unsigned)w[0]);
    uc_emu_stop(a->uc);
    return;
  case SH_SYS_WRITEC: {
    uint8_t c;
    if (uc_mem_read(a->uc, arg, &c, 1) == UC_ERR_OK)
      putchar(c);
    break;
  }
  case SH_SYS_WRITE0:
    for (uint32_t p = arg;; p++) {
      uint8_t c;
      if (uc_mem_read(a->uc, p, &c, 1) != UC_ERR_OK || !c)
        break;
      putchar(c);
    }
    break;
  case SH_SYS_WRITE: /* {fd, buf, len}: returns the bytes not written */
    if (read32(a, arg, &w[0]) || read32(a, arg + 4, &w[1]) || read32(a, arg + 8, &w[2])) {
      ret = (uint32_t)-1;
      break;
    }
    ret = w[2];
    if (w[0] == 1 || w[0] == 2) {
      FILE *f = w[0] == 1 ? stdout : stderr;
      for (uint32_t i = 0; i < w[2]; i++) {
        uint8_t c;
        if (uc_mem_read(a->uc, w[1] + i, &c, 1) != UC_ERR_OK)
          break;
        fputc(c, f);
        ret--;
      }
    }
    break;
  default:
    m78arm_guest_error(a, "semihosting operation 0x%x not supported, PC 0x%08x", (unsigned)op, (unsigned)pc);
    ret = (uint32_t)-1;
  }
  uc_reg_write(a->uc, UC_ARM_REG_R0, &ret);
  uint32_t next = (pc + 2) | 1;
  uc_reg_write(a->uc, UC_ARM_REG_PC, &next);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *ud)
{
  struct m78arm *a = ud;
  uint32_t pc = m78arm_pc(a);
  if (intno == EXCP_EXCEPTION_EXIT) {
    exception_return(a, pc | 1);
    return;
  }
  if (intno == EXCP_BKPT) {
    uint16_t insn = 0;
    uc_mem_read(uc, pc, &insn, 2);
    if (insn == 0xBEAB) {
      semihost(a, pc);
      return;
    }
    m78arm_fault(a, "breakpoint instruction 0x%04x at PC 0x%08x", insn, (unsigned)pc);
    return;
  }
  static const char *const names[] = {"", "undefined instruction", "SVC (no handler modelled)", "prefetch abort",
                                      "data abort"};
  if (intno < 5)
    m78arm_fault(a, "%s at PC 0x%08x", names[intno], (unsigned)pc);
  else
    m78arm_fault(a, "processor exception %u (usage fault) at PC 0x%08x", intno, (unsigned)pc);
}

/* ---- set-up and the run loop ---- */

int m78arm_init(struct m78arm *a, char *err, size_t len)
{
  uc_err e;
  if ((e = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &a->uc)) != UC_ERR_OK ||
      (e = uc_ctl_set_cpu_model(a->uc, UC_CPU_ARM_CORTEX_M4)) != UC_ERR_OK) {
    snprintf(err, len, "Unicorn: %s", uc_strerror(e));
    return -1;
  }
  if ((e = uc_mem_map_ptr(a->uc, M78ARM_FLASH_BASE, M78ARM_FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC, a->flash)) ||
      (e = uc_mem_map_ptr(a->uc, M78ARM_SRAM_BASE, M78ARM_SRAM_SIZE, UC_PROT_ALL, a->sram)) ||
      (e = uc_mmio_map(a->uc, M78ARM_APB_BASE, M78ARM_APB_SIZE, m78arm_apb_read, a, m78arm_apb_write, a)) ||
      (e = uc_mmio_map(a->uc, M78_CNN_BASE, M78_CNN_END - M78_CNN_BASE, m78arm_cnn_read, a, m78arm_cnn_write, a)) ||
      (e = uc_mmio_map(a->uc, M78ARM_PPB_BASE, M78ARM_PPB_SIZE, m78arm_ppb_read, a, m78arm_ppb_write, a))) {
    snprintf(err, len, "Unicorn: cannot map the MAX78000 memory: %s", uc_strerror(e));
    return -1;
  }
  uc_hook h;
  if (uc_hook_add(a->uc, &h, UC_HOOK_BLOCK, (void *)on_block, a, 1, 0) ||
      uc_hook_add(a->uc, &h, UC_HOOK_INTR, (void *)on_intr, a, 1, 0) ||
      uc_hook_add(a->uc, &h, UC_HOOK_MEM_INVALID, (void *)on_bad_access, a, 1, 0) ||
      uc_hook_add(a->uc, &h, UC_HOOK_MEM_READ, (void *)on_flash_read, a, M78ARM_FLASH_BASE,
                  M78ARM_FLASH_BASE + M78ARM_FLASH_SIZE - 1)) {
    snprintf(err, len, "Unicorn: cannot install hooks");
    return -1;
  }
  const char *ih = getenv(M78ENV_ARM_INSN_HOOK);
  if (ih && *ih && strcmp(ih, "0") != 0 && uc_hook_add(a->uc, &h, UC_HOOK_CODE, (void *)on_insn, a, 1, 0)) {
    snprintf(err, len, "Unicorn: cannot install the instruction hook");
    return -1;
  }
  a->scs[M78ARM_SCB_CCR / 4] = M78ARM_CCR_STKALIGN; /* reset value on the M4 */
  a->vtor = M78ARM_FLASH_BASE;
  return 0;
}

static int is_wfi(struct m78arm *a, uint32_t pc)
{
  uint16_t h[2] = {0, 0};
  if (uc_mem_read(a->uc, pc - 2, &h[1], 2) == UC_ERR_OK && (h[1] == 0xBF30 || h[1] == 0xBF20))
    return 1;
  return uc_mem_read(a->uc, pc - 4, h, 4) == UC_ERR_OK && h[0] == 0xF3AF && (h[1] == 0x8003 || h[1] == 0x8002);
}

/* A WFI nothing can end: the finding, with what the sleep waited for. */
static void sleeps_forever(struct m78arm *a, int cnn)
{
  uint32_t pc = m78arm_pc(a) - 2, lr = 0;
  uc_reg_read(a->uc, UC_ARM_REG_LR, &lr);
  char why[200];
  if (!cnn)
    snprintf(why, sizeof why, "the CNN interrupt (IRQ %d) is not enabled", M78ARM_CNN_IRQ);
  else if (a->cnn_irqs && !a->cnn_irq_woke)
    snprintf(why, sizeof why,
             "missed event: the CNN interrupt, taken at PC 0x%08x in %s %llu cycles before (lost wake-up)",
             (unsigned)a->cnn_irq_pc, m78arm_func_name(a, a->cnn_irq_pc),
             (unsigned long long)(a->cycles - a->cnn_irq_cycle));
  else if (a->cnn_irqs)
    snprintf(why, sizeof why, "the CNN is idle, its last interrupt taken %llu CPU cycles ago",
             (unsigned long long)(a->cycles - a->cnn_irq_cycle));
  else
    snprintf(why, sizeof why, "the CNN is idle and was never started");
  char d[400];
  snprintf(d, sizeof d,
           "the firmware sleeps forever: WFI at PC 0x%08x in %s (from %s), interrupts %s, nothing can wake it; %s",
           (unsigned)pc, m78arm_func_name(a, pc), m78arm_func_name(a, lr), primask(a) ? "masked" : "enabled", why);
  m78arm_overrun_flush(a);
  m78soc_finish(a->soc, M78SOC_STOP_HANG, d, 1);
}

/* WFI: sleep until something can be taken (CNN event, SysTick wrap). */
static void wait_for_interrupt(struct m78arm *a)
{
  m78arm_flush(a);
  for (;;) {
    int exc = pending_exception(a);
    if (exc || (primask(a) && (m78soc_irq_line(a->soc) || a->systick_pending)))
      return; /* WFI wakes on a pending interrupt even when PRIMASK holds it off */
    int cnn = m78arm_irq_enabled(a, M78ARM_CNN_IRQ);
    uint64_t st = (a->st_csr & 3) == 3 ? m78arm_systick_next_wrap(a) : UINT64_MAX;
    uint32_t frame, pushed[M78_FIFOS];
    /* (a stream starved of FIFO input is reported by m78soc_sleep, naming the FIFO) */
    if (st == UINT64_MAX && !(cnn && (m78soc_irq_line(a->soc) || m78soc_next_event_tick(a->soc) != UINT64_MAX)) &&
        !m78_sim_fifo_starved(a->soc->sim, &frame, pushed))
      sleeps_forever(a, cnn);
    if (!m78soc_sleep(a->soc, cnn, st)) {
      if (m78arm_now(a) < st && !(cnn && m78soc_irq_line(a->soc)))
        return; /* nothing happened: do not spin here */
    }
    a->woke = 1;
  }
}

int m78arm_run(struct m78arm *a)
{
  uint32_t sp, pc;
  if (read32(a, M78ARM_FLASH_BASE, &sp) || read32(a, M78ARM_FLASH_BASE + 4, &pc))
    return -1;
  uc_reg_write(a->uc, UC_ARM_REG_SP, &sp);
  uc_reg_write(a->uc, UC_ARM_REG_MSP, &sp);
  pc |= 1;
  uc_reg_write(a->uc, UC_ARM_REG_PC, &pc);
  plan_check(a);
  if (a->gdb) {
    m78gdb_serve(a, M78GDB_STOP_START);
    pc = m78arm_pc(a);
  }
  for (;;) {
    a->stop = M78ARM_STOP_NONE;
    /* An instruction budget (never reached) makes Unicorn keep PC exact
     * at every instruction, so MMIO callbacks and faults see the PC of
     * the accessing instruction; it costs little measured speed. */
    uc_err e = uc_emu_start(a->uc, pc | 1, 0xFFFFFFFFull, 0, (size_t)1 << 62);
    pc = m78arm_pc(a);
    if (a->gdb && a->gdb->req && e == UC_ERR_OK && (a->stop == M78ARM_STOP_NONE || a->stop == M78ARM_STOP_IRQ)) {
      /* the debugger's stop, before the instruction at PC: the running
       * block keeps its uncharged cycles until it resumes (on_block) */
      enum m78arm_stop then = a->stop;
      m78arm_flush(a);
      m78gdb_serve(a, a->gdb->req);
      uint32_t npc = m78arm_pc(a);
      if (then == M78ARM_STOP_NONE) {
        if (npc == pc) {
          a->gdb->held = 1;
          a->gdb->held_pc = pc;
        } else {
          m78arm_block_done(a); /* gdb moved the PC: the block ends here */
        }
        pc = npc;
        continue;
      }
      pc = npc; /* an interrupt was due here as well: take it as without gdb */
    }
    m78arm_block_done(a);
    if (a->stop == M78ARM_STOP_FAULT || a->stop == M78ARM_STOP_EXIT)
      break;
    if (e != UC_ERR_OK) {
      if (e == UC_ERR_INSN_INVALID)
        m78arm_fault(a, "undefined instruction at PC 0x%08x", (unsigned)pc);
      else
        m78arm_fault(a, "%s at PC 0x%08x", uc_strerror(e), (unsigned)pc);
      break;
    }
    if (a->stop == M78ARM_STOP_NONE) {
      if (!is_wfi(a, pc)) {
        m78arm_fault(a, "the emulator stopped unexpectedly at PC 0x%08x", (unsigned)pc);
        break;
      }
      a->woke = 0;
      wait_for_interrupt(a);
    }
    int exc = pending_exception(a);
    if (exc && enter_exception(a, exc, a->woke) != 0)
      break;
    a->woke = 0;
    pc = m78arm_pc(a);
    plan_check(a);
  }
  m78arm_flush(a);
  m78arm_overrun_flush(a);
  if (a->gdb && a->stop == M78ARM_STOP_FAULT) {
    /* let the debugger look at the faulting state; resuming ends the run */
    char d[300];
    snprintf(d, sizeof d, "guest fault: %s", a->detail);
    fprintf(stderr, "max78sim: %s (gdb holds the target)\n", d);
    m78gdb_serve(a, M78GDB_STOP_FAULT);
  }
  return a->stop == M78ARM_STOP_EXIT ? a->exit_status : -1;
}
