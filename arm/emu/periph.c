/*
 * The MAX78000 peripherals as the emulated Cortex-M4 sees them: three
 * MMIO windows (APB peripherals, the CNN, the Cortex-M private bus).
 *
 * APB accesses go to the SoC model (a->soc, host/src/soc*.c: GCR, GCFR,
 * TMR0 and the plain registers of GPIO, LPGCR, PWRSEQ, ...), with what the
 * drivers wait on made ready at once: oscillator and system clock ready
 * in GCR.clkctrl, peripheral resets (GCR.rst0/rst1) that complete
 * immediately, the ICC's ready bit, UART0's baud clock ready.  UART0's FIFO goes to stdout and
 * its status never reports a full TX FIFO.  An access to a peripheral not
 * in the table of modelled ones is a guest error naming the peripheral.
 *
 * The private bus is modelled here: NVIC (enable, pending, priority),
 * SysTick counting CPU cycles from virtual time, SCB (VTOR, CCR, SCR,
 * CPACR, ... as plain registers) and DWT's cycle counter.
 *
 * Every access first hands the cycles charged so far to the SoC's clock
 * (m78arm_flush), so it happens at the right virtual time.
 */
#include <stdio.h>
#include <string.h>
#include "emu.h"
#include "gdbstub.h"
#include "m78host/soc.h"

/* ---- APB map (socregs.def: m78soc_blocks[], each block's model) ---- */

static const struct m78soc_block *apb_find(uint32_t addr)
{
  for (size_t i = 0; i < m78soc_n_blocks; i++)
    if (addr - m78soc_blocks[i].base < m78soc_blocks[i].size)
      return &m78soc_blocks[i];
  return NULL;
}

const char *m78arm_periph_name(uint32_t addr)
{
  if (addr - M78ARM_APB_BASE < M78ARM_APB_SIZE) {
    const struct m78soc_block *p = apb_find(addr);
    return p ? p->name : "APB (no peripheral)";
  }
  if (addr - M78ARM_SCS_BASE < 0x1000)
    return "SCS";
  if (addr - M78ARM_PPB_BASE < M78ARM_PPB_SIZE)
    return addr - M78ARM_DWT_BASE < 0x1000 ? "DWT" : "PPB";
  if (addr - M78_CNN_BASE < M78_CNN_END - M78_CNN_BASE)
    return "CNN";
  return "unmapped";
}

/* The registers and fields the drivers wait on (socregs.def) */
enum {
  GCR_RST0 = M78SOC_GCR_RST0,
  GCR_CLKCTRL = M78SOC_GCR_CLKCTRL,
  GCR_RST1 = M78SOC_GCR_RST1,
  ICC_CTRL = M78SOC_ICC_CTRL,
  ICC_INVALIDATE = M78SOC_ICC_INVALIDATE,
  UART_CTRL = M78SOC_UART_CTRL,
  UART_STATUS = M78SOC_UART_STATUS,
  UART_FIFO = M78SOC_UART_FIFO,
  GPIO_OUT_SET = M78SOC_GPIO_OUT_SET,
  GPIO_OUT_CLR = M78SOC_GPIO_OUT_CLR
};
#define CLKCTRL_SYSCLK_RDY M78SOC_FMASK(GCR, CLKCTRL, SYSCLK_RDY)
#define CLKCTRL_INRO_RDY M78SOC_FMASK(GCR, CLKCTRL, INRO_RDY)
#define RST0_TMR0 M78SOC_FMASK(GCR, RST0, TMR0)
#define RST0_UART0 M78SOC_FMASK(GCR, RST0, UART0)
#define ICC_CTRL_EN M78SOC_FMASK(ICC, CTRL, EN)
#define ICC_CTRL_RDY M78SOC_FMASK(ICC, CTRL, RDY)
#define UART_CTRL_BCLKEN M78SOC_FMASK(UART, CTRL, BCLKEN)
#define UART_CTRL_BCLKRDY M78SOC_FMASK(UART, CTRL, BCLKRDY)
#define UART_STATUS_RX_EM M78SOC_FMASK(UART, STATUS, RX_EM)
#define UART_STATUS_TX_EM M78SOC_FMASK(UART, STATUS, TX_EM)

static void begin_access(struct m78arm *a)
{
  m78arm_block_upto(a, m78arm_pc(a));
  m78arm_flush(a);
  a->mmio_seq++;
  a->next_check = 0; /* an access may start the CNN or change what can interrupt */
}

static void unmodelled(struct m78arm *a, uint32_t addr, unsigned size, int write)
{
  a->soc->unmapped++;
  m78arm_guest_error(a, "%d-bit %s %s at 0x%08x (not modelled), PC 0x%08x", 8 * (int)size,
                     write ? "write to" : "read from", m78arm_periph_name(addr), (unsigned)addr,
                     (unsigned)m78arm_pc(a));
}

uint64_t m78arm_apb_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t addr = M78ARM_APB_BASE + (uint32_t)off, v = 0;
  begin_access(a);
  const struct m78soc_block *p = apb_find(addr);
  if (!p || p->model == M78SOC_MODEL_NONE) {
    unmodelled(a, addr, size, 0);
    return 0;
  }
  uint32_t reg = addr - p->base;
  switch (p->model) {
  case M78SOC_MODEL_UART:
    m78soc_cpu_cycles(a->soc, 3);
    if ((reg & ~3u) == UART_STATUS)
      v = UART_STATUS_RX_EM | UART_STATUS_TX_EM;
    else if ((reg & ~3u) == UART_FIFO)
      v = 0;
    else if (reg / 4 < 16) {
      v = a->uart_regs[reg / 4];
      if ((reg & ~3u) == UART_CTRL && (v & UART_CTRL_BCLKEN))
        v |= UART_CTRL_BCLKRDY;
    }
    return (v >> (8 * (reg & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
  case M78SOC_MODEL_ICC:
    m78soc_cpu_cycles(a->soc, 3);
    if ((reg & ~3u) == ICC_CTRL)
      v = a->icc_ctrl | ICC_CTRL_RDY;
    return (v >> (8 * (reg & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
  default: break;
  }
  (void)m78soc_read(a->soc, addr, size, &v);
  if (p->base == M78SOC_GCR_BASE && (reg & ~3u) == GCR_CLKCTRL && size == 4) {
    /* every enabled oscillator is ready */
    uint32_t en = M78SOC_FGET(GCR, CLKCTRL, OSC_EN, v);
    v |= CLKCTRL_SYSCLK_RDY | M78SOC_FSET(GCR, CLKCTRL, OSC_RDY, 0, en) | CLKCTRL_INRO_RDY;
  }
  return v;
}

void m78arm_apb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t addr = M78ARM_APB_BASE + (uint32_t)off, v = (uint32_t)value;
  begin_access(a);
  const struct m78soc_block *p = apb_find(addr);
  if (!p || p->model == M78SOC_MODEL_NONE) {
    unmodelled(a, addr, size, 1);
    return;
  }
  uint32_t reg = addr - p->base;
  switch (p->model) {
  case M78SOC_MODEL_UART:
    m78soc_cpu_cycles(a->soc, 3);
    if ((reg & ~3u) == UART_FIFO) {
      putchar((int)(v & 0xFF));
      if ((v & 0xFF) == '\n')
        fflush(stdout);
    } else if (reg / 4 < 16 && size == 4) {
      a->uart_regs[reg / 4] = v;
    }
    return;
  case M78SOC_MODEL_ICC:
    m78soc_cpu_cycles(a->soc, 3);
    if ((reg & ~3u) == ICC_CTRL && size == 4) {
      a->icc_ctrl = v & ICC_CTRL_EN;
    } else if (reg == ICC_INVALIDATE) {
      memset(a->icc_tag, 0, sizeof a->icc_tag);
    }
    return;
  default: break;
  }
  (void)m78soc_write(a->soc, addr, size, v);
  if (p->base == M78SOC_GCR_BASE && (reg == GCR_RST0 || reg == GCR_RST1) && size == 4) {
    /* resets complete at once: the bits read back 0 */
    a->soc->gcr[reg / 4] = 0;
    if (reg == GCR_RST0 && (v & RST0_TMR0))
      memset(a->soc->tmr_regs, 0, sizeof a->soc->tmr_regs);
    if (reg == GCR_RST0 && (v & RST0_UART0))
      memset(a->uart_regs, 0, sizeof a->uart_regs);
  }
  /* the EvKit's LEDs (P0.2, P0.3): the power monitor's triggers */
  if (p->base == M78SOC_GPIO0_BASE && (reg == GPIO_OUT_SET || reg == GPIO_OUT_CLR) && size == 4)
    for (int led = 0; led < 2; led++)
      if (v & (1u << (2 + led)))
        m78soc_led(a->soc, led, reg == GPIO_OUT_SET);
}

int m78arm_icc_enabled(const struct m78arm *a)
{
  return a->icc_ctrl & ICC_CTRL_EN;
}

/* ---- CNN ---- */

uint64_t m78arm_cnn_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t v = 0;
  begin_access(a);
  (void)m78soc_read(a->soc, M78_CNN_BASE + (uint32_t)off, size, &v);
  if (a->gdb)
    m78gdb_access(a, M78_CNN_BASE + (uint32_t)off, size, 0);
  return v;
}

void m78arm_cnn_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  begin_access(a);
  (void)m78soc_write(a->soc, M78_CNN_BASE + (uint32_t)off, size, (uint32_t)value);
  if (a->gdb)
    m78gdb_access(a, M78_CNN_BASE + (uint32_t)off, size, 1);
}

/* ---- SysTick ---- */

enum {
  ST_CSR = 0x010,
  ST_RVR = 0x014,
  ST_CVR = 0x018,
  ST_CALIB = 0x01C,
  ST_ENABLE = 1u << 0,
  ST_TICKINT = 1u << 1,
  ST_COUNTFLAG = 1u << 16,
  NVIC_ISER = 0x100,
  NVIC_ICER = 0x180,
  NVIC_ISPR = 0x200,
  NVIC_ICPR = 0x280,
  NVIC_IABR = 0x300,
  NVIC_IPR = 0x400,
  SCB_CPUID = 0xD00,
  SCB_ICSR = 0xD04,
  SCB_VTOR = 0xD08,
  SCB_AIRCR = 0xD0C,
  DWT_CTRL = 0x000,
  DWT_CYCCNT = 0x004 /* offsets in the DWT */
};

void m78arm_systick_update(struct m78arm *a)
{
  uint64_t now = m78arm_now(a);
  if (!(a->st_csr & ST_ENABLE)) {
    a->st_base_tick = now;
    return;
  }
  uint64_t n = (now - a->st_base_tick) / M78ARM_TICKS_PER_CPU;
  if (!n)
    return;
  a->st_base_tick += n * M78ARM_TICKS_PER_CPU;
  uint64_t v = a->st_val, period = (uint64_t)a->st_rvr + 1;
  /* counting down; reaching 0 sets COUNTFLAG (and pends the exception),
   * the cycle after reloads RVR */
  if (v > 0 && n >= v) {
    a->st_csr |= ST_COUNTFLAG;
    if (a->st_csr & ST_TICKINT)
      a->systick_pending = 1;
  }
  if (n <= v) {
    a->st_val = (uint32_t)(v - n);
    return;
  }
  uint64_t m = n - v - 1; /* cycles after the first reload */
  if (a->st_rvr == 0) {
    a->st_val = 0;
    return;
  }
  if (m >= a->st_rvr) {
    a->st_csr |= ST_COUNTFLAG;
    if (a->st_csr & ST_TICKINT)
      a->systick_pending = 1;
  }
  a->st_val = (uint32_t)(a->st_rvr - m % period);
}

uint64_t m78arm_systick_next_wrap(const struct m78arm *a)
{
  if (!(a->st_csr & ST_ENABLE) || (!a->st_val && !a->st_rvr))
    return UINT64_MAX;
  uint64_t cycles = a->st_val ? a->st_val : (uint64_t)a->st_rvr + 1;
  return a->st_base_tick + cycles * M78ARM_TICKS_PER_CPU;
}

int m78arm_irq_enabled(const struct m78arm *a, int irq)
{
  return (a->iser[irq / 32] >> (irq % 32)) & 1;
}

static uint32_t *scs_word(struct m78arm *a, uint32_t off)
{
  return &a->scs[(off & 0xFFF) / 4];
}

/* Polling fast-forward: a loop that reads COUNTFLAG again and again sees
 * the same value until the next wrap; its iterations are identical, so
 * time jumps over the whole ones (the cycles and instructions they would
 * have taken are charged exactly). */
static void poll_skip(struct m78arm *a, uint32_t addr, uint32_t value)
{
  uint64_t now = m78arm_now(a);
  if (addr == a->poll_addr && value == a->poll_value && a->poll_seq + 1 == a->mmio_seq && now > a->poll_tick) {
    uint64_t period = now - a->poll_tick, dinsn = a->insns - a->poll_insns;
    uint64_t until = m78arm_systick_next_wrap(a);
    uint64_t irq = m78soc_next_event_tick(a->soc);
    if (irq < until)
      until = irq;
    if (until != UINT64_MAX && until > now + 2 * period) {
      uint64_t k = (until - now) / period - 1;
      uint64_t cyc = k * period / M78ARM_TICKS_PER_CPU;
      a->pending += cyc;
      a->cycles += cyc;
      a->insns += k * dinsn;
      a->skipped_insns += k * dinsn;
      m78arm_flush(a);
      now = m78arm_now(a);
    }
  }
  a->poll_addr = addr;
  a->poll_value = value;
  a->poll_seq = a->mmio_seq;
  a->poll_tick = now;
  a->poll_insns = a->insns;
}

uint64_t m78arm_ppb_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t addr = M78ARM_PPB_BASE + (uint32_t)off, v = 0;
  begin_access(a);
  uint32_t o = addr - M78ARM_SCS_BASE;
  if (addr - M78ARM_DWT_BASE < 0x1000) {
    if (addr - M78ARM_DWT_BASE == DWT_CYCCNT)
      return (uint32_t)a->cycles;
    return addr - M78ARM_DWT_BASE == DWT_CTRL ? a->dwt_ctrl : 0; /* the rest read as 0 */
  }
  if (o >= 0x1000) {
    unmodelled(a, addr, size, 0);
    return 0;
  }
  uint32_t w = o & ~3u;
  if (w >= ST_CSR && w <= ST_CALIB) {
    m78arm_systick_update(a);
    if (w == ST_CSR) {
      v = a->st_csr;
      a->st_csr &= ~ST_COUNTFLAG; /* cleared by reading */
      poll_skip(a, addr, v);
    } else if (w == ST_RVR)
      v = a->st_rvr;
    else if (w == ST_CVR)
      v = a->st_val;
    else
      v = 0x40000000u; /* CALIB: no reference clock */
  } else if (w >= NVIC_ISER && w < NVIC_ISER + 16) {
    v = a->iser[(w - NVIC_ISER) / 4];
  } else if (w >= NVIC_ICER && w < NVIC_ICER + 16) {
    v = a->iser[(w - NVIC_ICER) / 4];
  } else if (w >= NVIC_ISPR && w < NVIC_ISPR + 16) {
    v = a->ispr[(w - NVIC_ISPR) / 4];
    if ((w - NVIC_ISPR) / 4 == M78ARM_CNN_IRQ / 32 && m78soc_irq_line(a->soc))
      v |= 1u << (M78ARM_CNN_IRQ % 32);
  } else if (w >= NVIC_ICPR && w < NVIC_ICPR + 16) {
    v = a->ispr[(w - NVIC_ICPR) / 4];
  } else if (w >= NVIC_IABR && w < NVIC_IABR + 16) {
    for (int i = 0; i < a->depth; i++)
      if (a->active[i] >= 16 && (a->active[i] - 16) / 32 == (int)(w - NVIC_IABR) / 4)
        v |= 1u << ((a->active[i] - 16) % 32);
  } else if (w >= NVIC_IPR && w < NVIC_IPR + M78ARM_IRQS) {
    memcpy(&v, &a->ipr[w - NVIC_IPR], 4);
  } else if (w == SCB_CPUID) {
    v = 0x410FC241u; /* Cortex-M4 r0p1 */
  } else if (w == SCB_ICSR) {
    v = a->depth ? (uint32_t)a->active[a->depth - 1] : 0;
  } else if (w == SCB_VTOR) {
    v = a->vtor;
  } else if (w == SCB_AIRCR) {
    v = 0xFA050000u | (*scs_word(a, w) & 0x700);
  } else {
    v = *scs_word(a, w);
  }
  return (v >> (8 * (o & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

void m78arm_ppb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud)
{
  (void)uc;
  struct m78arm *a = ud;
  uint32_t addr = M78ARM_PPB_BASE + (uint32_t)off, v = (uint32_t)value;
  begin_access(a);
  uint32_t o = addr - M78ARM_SCS_BASE;
  if (addr - M78ARM_DWT_BASE < 0x1000) {
    if (addr - M78ARM_DWT_BASE == DWT_CTRL)
      a->dwt_ctrl = v;
    return;
  }
  if (o >= 0x1000) {
    unmodelled(a, addr, size, 1);
    return;
  }
  uint32_t w = o & ~3u;
  if (w >= NVIC_IPR && w < NVIC_IPR + M78ARM_IRQS) {
    for (unsigned i = 0; i < size && o + i - NVIC_IPR < M78ARM_IRQS; i++)
      a->ipr[o + i - NVIC_IPR] = (uint8_t)(v >> (8 * i));
    return;
  }
  if (size != 4) {
    m78arm_guest_error(a, "%d-bit write to system control register 0x%08x (word access only), PC 0x%08x", 8 * (int)size,
                       (unsigned)addr, (unsigned)m78arm_pc(a));
    return;
  }
  if (w >= ST_CSR && w <= ST_CALIB) {
    m78arm_systick_update(a);
    if (w == ST_CSR)
      a->st_csr = (a->st_csr & ST_COUNTFLAG) | (v & 7);
    else if (w == ST_RVR)
      a->st_rvr = v & 0xFFFFFF;
    else if (w == ST_CVR) {
      a->st_val = 0; /* any write clears the counter and COUNTFLAG */
      a->st_csr &= ~ST_COUNTFLAG;
    }
    a->st_base_tick = m78arm_now(a);
  } else if (w >= NVIC_ISER && w < NVIC_ISER + 16) {
    a->iser[(w - NVIC_ISER) / 4] |= v;
  } else if (w >= NVIC_ICER && w < NVIC_ICER + 16) {
    a->iser[(w - NVIC_ICER) / 4] &= ~v;
  } else if (w >= NVIC_ISPR && w < NVIC_ISPR + 16) {
    a->ispr[(w - NVIC_ISPR) / 4] |= v;
  } else if (w >= NVIC_ICPR && w < NVIC_ICPR + 16) {
    a->ispr[(w - NVIC_ICPR) / 4] &= ~v;
  } else if (w == SCB_VTOR) {
    a->vtor = v & 0xFFFFFF80u;
  } else if (w == SCB_AIRCR) {
    if ((v >> 16) != 0x05FA)
      return; /* writes without the key are ignored */
    if (v & 4)
      m78arm_fault(a, "the firmware requested a system reset (AIRCR.SYSRESETREQ), PC 0x%08x", (unsigned)m78arm_pc(a));
    *scs_word(a, w) = v & 0x700;
  } else if (w == SCB_ICSR) {
    if (v & (1u << 26))
      a->systick_pending = 1; /* PENDSTSET */
    if (v & (1u << 25))
      a->systick_pending = 0;
  } else if (w != SCB_CPUID) {
    *scs_word(a, w) = v;
  }
}
