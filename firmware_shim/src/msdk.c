/*
 * The MSDK and CMSIS functions the synthesized firmware calls, built on
 * the SoC model (m78host/soc.h).
 *
 * Each function does what the MSDK driver does to the hardware, as far as
 * the simulation can observe it:
 *  - register accesses the driver would make (GCR clock gates and clock
 *    select, ICC enable, GPIO configuration and output) go through
 *    m78soc_read/m78soc_write, so they are traced, checked and timed like
 *    the firmware's own accesses;
 *  - the instructions around those accesses are charged as CPU cycles from
 *    the one cost table below (estimates from reading the driver code
 *    paths at 100 MHz; only the ones inside the inference timer's window
 *    matter for the anchors, see docs/timing-model.md; the APB accesses
 *    themselves are charged by the SoC model, not here);
 *  - time-keeping (delays, the TMR0 stopwatch, sleeping until the CNN
 *    interrupt) maps onto the SoC model's virtual clock;
 *  - whatever the simulation cannot reproduce (other timers than TMR0,
 *    interrupt masking, deep sleep modes, GPIO3, clock sources other than
 *    the IPO for CPU timing) still returns like the MSDK but is counted as
 *    a stub in the statistics that m78msdk_get_stats() hands the report.
 *
 * The shim serves one firmware program in one process, like the process's
 * one SoC (m78rt_soc()); its little state (statistics, LED levels, whether the
 * vector table was moved to RAM) lives in the single static `shim`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mxc.h"
#include "m78msdk.h"
#include "m78host/runtime.h"
#include "m78host/soc.h"

/* ---- CPU cost table (cycles at the CPU clock, excluding bus accesses) ---- */

enum cost_id {
  COST_SYS_CLOCK_GATE,
  COST_SYS_CLOCK_SOURCE_ENABLE,
  COST_SYS_CLOCK_SELECT,
  COST_SYSTEM_CORE_CLOCK_UPDATE,
  COST_ICC_ENABLE,
  COST_ICC_DISABLE,
  COST_NVIC_SET_RAM,
  COST_NVIC_SET_VECTOR,
  COST_NVIC_ENABLE,
  COST_IRQ_MASK,
  COST_LP_SLEEP,
  COST_WFI,
  COST_DELAY,
  COST_TMR_DELAY,
  COST_TMR_SW_START,
  COST_TMR_SW_START_TAIL,
  COST_TMR_SW_STOP_LATCH,
  COST_TMR_SW_STOP_TAIL,
  COST_GPIO_CONFIG,
  COST_GPIO_OUT,
  COST_LED,
  COST_COUNT
};

static const uint32_t cost_cycles[COST_COUNT] = {
    /* MXC_SYS_ClockEnable/Disable: call, register-range compares, shift,
   * read-modify-write ALU work. */
    [COST_SYS_CLOCK_GATE] = 12,
    /* MXC_SYS_ClockSourceEnable: switch, enable bit, then the ready wait
   * (SysTick MXC_DelayAsync set-up, first poll succeeds, abort). */
    [COST_SYS_CLOCK_SOURCE_ENABLE] = 120,
    /* MXC_SYS_Clock_Select: switch, oscillator enable and ready wait, field
   * update and the SYSCLK_RDY wait (two timeouts of ~100 cycles each);
   * SystemCoreClockUpdate is charged on its own. */
    [COST_SYS_CLOCK_SELECT] = 260,
    /* SystemCoreClockUpdate: decode source and divider, one division. */
    [COST_SYSTEM_CORE_CLOCK_UPDATE] = 40,
    /* MXC_ICC_Enable: invalidate, wait for ready, enable, wait for ready. */
    [COST_ICC_ENABLE] = 100,
    /* MXC_ICC_Disable: clear enable, wait for ready. */
    [COST_ICC_DISABLE] = 20,
    /* First MXC_NVIC_SetVector: copy the 120-entry vector table from flash
   * to RAM (about 4 cycles a word) and point VTOR at it. */
    [COST_NVIC_SET_RAM] = 500,
    /* MXC_NVIC_SetVector: store the vector, NVIC_EnableIRQ. */
    [COST_NVIC_SET_VECTOR] = 30,
    /* NVIC_EnableIRQ/DisableIRQ: one store to the NVIC (core bus). */
    [COST_NVIC_ENABLE] = 8,
    /* __enable_irq/__disable_irq: one CPS instruction. */
    [COST_IRQ_MASK] = 1,
    /* MXC_LP_EnterSleepMode: clear wake-up flags, clear SLEEPDEEP, WFI,
   * and the return after wake-up. */
    [COST_LP_SLEEP] = 40,
    /* __WFI: the instruction itself. */
    [COST_WFI] = 2,
    /* MXC_Delay: SysTick set-up and tear-down around the wait. */
    [COST_DELAY] = 60,
    /* MXC_TMR_Delay: timer init (shutdown, clock enable, configure) and
   * tick computation around the wait. */
    [COST_TMR_DELAY] = 350,
    /* MXC_TMR_SW_Start: tick computation (prescaler search with divisions),
   * timer init, count reset; all before the counter starts. */
    [COST_TMR_SW_START] = 450,
    /* MXC_TMR_SW_Start after the enable write: MXC_TMR_Start's wait for
   * the clock-enable flag (one APB read) and three returns. */
    [COST_TMR_SW_START_TAIL] = 15,
    /* MXC_TMR_SW_Stop, before the count is read: the calls into
   * MXC_TMR_TO_Elapsed (the count read itself is an APB access). */
    [COST_TMR_SW_STOP_LATCH] = 15,
    /* MXC_TMR_SW_Stop, after the count is read: 64-bit tick-to-microsecond
   * conversion, timer stop and shutdown. */
    [COST_TMR_SW_STOP_TAIL] = 300,
    /* MXC_GPIO_Config: port index, function and pad switches, init call. */
    [COST_GPIO_CONFIG] = 60,
    /* MXC_GPIO_OutSet/OutClr: call and the GPIO3 special-case test. */
    [COST_GPIO_OUT] = 8,
    /* LED_On/Off/Toggle: index check, pin table lookup and the GPIO
   * driver call; the output write itself is an APB access (host/src/soc_periph.c). */
    [COST_LED] = 20,
};

/* ---- layout cross-checks of the MSDK structs ----
 * They are built from the register map (m78host/socregs_struct.h): each
 * member sits at its register's offset by construction.  What is checked
 * here is the construction: the sizes of the MSDK's own structs (its last
 * register + 4), a member at offset 0 and the members the firmware and
 * the drivers dereference, against the MSDK's offsets written as numbers. */

_Static_assert(sizeof(mxc_gcr_regs_t) == 0x84, "GCR size");
_Static_assert(sizeof(mxc_gcfr_regs_t) == 0x10, "GCFR size");
_Static_assert(sizeof(mxc_tmr_regs_t) == 0x20, "TMR size");
_Static_assert(sizeof(mxc_icc_regs_t) == 0x704, "ICC size");
_Static_assert(sizeof(mxc_gpio_regs_t) == 0xC4, "GPIO size");
_Static_assert(sizeof(mxc_lpgcr_regs_t) == 0x10, "LPGCR size");
_Static_assert(offsetof(mxc_gcr_regs_t, sysctrl) == 0x00, "GCR sysctrl");
_Static_assert(offsetof(mxc_gcr_regs_t, clkctrl) == 0x08, "GCR clkctrl");
_Static_assert(offsetof(mxc_gcr_regs_t, pclkdiv) == 0x18, "GCR pclkdiv");
_Static_assert(offsetof(mxc_gcr_regs_t, pclkdis0) == 0x24, "GCR pclkdis0");
_Static_assert(offsetof(mxc_gcr_regs_t, memctrl) == 0x28, "GCR memctrl");
_Static_assert(offsetof(mxc_gcr_regs_t, pclkdis1) == 0x48, "GCR pclkdis1");
_Static_assert(offsetof(mxc_gcr_regs_t, gpr) == 0x80, "GCR gpr");
_Static_assert(offsetof(mxc_gcfr_regs_t, reg3) == 0x0C, "GCFR reg3");
_Static_assert(offsetof(mxc_lpgcr_regs_t, pclkdis) == 0x0C, "LPGCR pclkdis");
_Static_assert(offsetof(mxc_tmr_regs_t, ctrl1) == 0x18, "TMR ctrl1");
_Static_assert(offsetof(mxc_tmr_regs_t, wkfl) == 0x1C, "TMR wkfl");
_Static_assert(offsetof(mxc_icc_regs_t, ctrl) == 0x100, "ICC ctrl");
_Static_assert(offsetof(mxc_icc_regs_t, invalidate) == 0x700, "ICC invalidate");
_Static_assert(offsetof(mxc_gpio_regs_t, out) == 0x18, "GPIO out");
_Static_assert(offsetof(mxc_gpio_regs_t, out_set) == 0x1C, "GPIO out_set");
_Static_assert(offsetof(mxc_gpio_regs_t, out_clr) == 0x20, "GPIO out_clr");
_Static_assert(offsetof(mxc_gpio_regs_t, en1) == 0x68, "GPIO en1");
_Static_assert(offsetof(mxc_gpio_regs_t, ps) == 0xB8, "GPIO ps");
_Static_assert(offsetof(mxc_gpio_regs_t, vssel) == 0xC0, "GPIO vssel");
_Static_assert(CNN_IRQn == 101 && CNN_FIFO_IRQn == 100, "CNN interrupt numbers");

/* ---- shim state ---- */

static struct {
  struct m78msdk_stats stats;
  int vectors_in_ram; /* MXC_NVIC_SetVector has moved the table */
  uint32_t led_on;    /* bit n: LED n is lit (n < 32) */
} shim __attribute__((section(".data.m78shim")));

uint32_t SystemCoreClock = IPO_FREQ;

const struct m78msdk_stats *m78msdk_get_stats(void)
{
  return &shim.stats;
}

static void enter(enum cost_id id)
{
  struct m78soc_state *s = m78rt_soc();
  m78soc_flush(s); /* the firmware's last store first (inst.h) */
  shim.stats.calls++;
  m78soc_cpu_cycles(s, cost_cycles[id]);
}

static void stub(const char *what)
{
  shim.stats.stubs++;
  shim.stats.last_stub = what;
}

/* ---- register access through the SoC model ---- */

#define GCR_ADDR(reg) (MXC_BASE_GCR + (uint32_t)offsetof(mxc_gcr_regs_t, reg))
#define LPGCR_ADDR(reg) (MXC_BASE_LPGCR + (uint32_t)offsetof(mxc_lpgcr_regs_t, reg))
#define BLOCK_ADDR(base, type, reg) ((base) + (uint32_t)offsetof(type, reg))

/* A failed access is a guest error the SoC model has already counted;
 * like the hardware, the driver carries on (a failed read yields 0). */
static uint32_t reg_read(uint32_t addr)
{
  uint32_t value = 0;
  (void)m78soc_read(m78rt_soc(), addr, 4, &value);
  return value;
}

static void reg_write(uint32_t addr, uint32_t value)
{
  (void)m78soc_write(m78rt_soc(), addr, 4, value);
}

static void reg_modify(uint32_t addr, uint32_t clear, uint32_t set)
{
  reg_write(addr, (reg_read(addr) & ~clear) | set);
}

/* Device address of a peripheral instance pointer (the real address). */
static uint32_t block_base(const volatile void *instance)
{
  return (uint32_t)(uintptr_t)instance;
}

/* ---- system clocks (mxc_sys.h, system_max78000.h) ---- */

/* Register and bit of a peripheral clock gate (see mxc_sys.h). */
static void clock_gate(mxc_sys_periph_clock_t clock, uint32_t *addr, uint32_t *bit)
{
  unsigned n = (unsigned)clock;

  if (n >= 64) {
    *addr = LPGCR_ADDR(pclkdis);
    *bit = 1u << (n - 64);
  } else if (n >= 32) {
    *addr = GCR_ADDR(pclkdis1);
    *bit = 1u << (n - 32);
  } else {
    *addr = GCR_ADDR(pclkdis0);
    *bit = 1u << n;
  }
}

void MXC_SYS_ClockEnable(mxc_sys_periph_clock_t clock)
{
  uint32_t addr, bit;

  enter(COST_SYS_CLOCK_GATE);
  clock_gate(clock, &addr, &bit);
  reg_modify(addr, bit, 0);
}

void MXC_SYS_ClockDisable(mxc_sys_periph_clock_t clock)
{
  uint32_t addr, bit;

  enter(COST_SYS_CLOCK_GATE);
  clock_gate(clock, &addr, &bit);
  reg_modify(addr, 0, bit);
}

/* CLKCTRL enable bit of an oscillator; 0 for the always-on INRO and for
 * the external clock (a GPIO function, not modelled). */
static int oscillator_enable_bit(mxc_sys_system_clock_t clock, uint32_t *bit)
{
  switch (clock) {
  case MXC_SYS_CLOCK_IPO: *bit = MXC_F_GCR_CLKCTRL_IPO_EN; return 0;
  case MXC_SYS_CLOCK_ISO: *bit = MXC_F_GCR_CLKCTRL_ISO_EN; return 0;
  case MXC_SYS_CLOCK_IBRO: *bit = MXC_F_GCR_CLKCTRL_IBRO_EN; return 0;
  case MXC_SYS_CLOCK_ERTCO: *bit = MXC_F_GCR_CLKCTRL_ERTCO_EN; return 0;
  case MXC_SYS_CLOCK_INRO: *bit = 0; return 0;
  case MXC_SYS_CLOCK_EXTCLK:
    *bit = 0;
    stub("MXC_SYS_CLOCK_EXTCLK");
    return 0;
  }
  return E_BAD_PARAM;
}

/* The ready flags are not polled: the SoC model's oscillators start at
 * once, so the MSDK's first poll would succeed. */
int MXC_SYS_ClockSourceEnable(mxc_sys_system_clock_t clock)
{
  uint32_t bit;

  enter(COST_SYS_CLOCK_SOURCE_ENABLE);
  if (oscillator_enable_bit(clock, &bit) != 0)
    return E_BAD_PARAM;
  if (bit != 0 && !(reg_read(GCR_ADDR(clkctrl)) & bit))
    reg_modify(GCR_ADDR(clkctrl), 0, bit);
  return E_NO_ERROR;
}

int MXC_SYS_Clock_Select(mxc_sys_system_clock_t clock)
{
  uint32_t bit, ctrl;

  enter(COST_SYS_CLOCK_SELECT);
  if (oscillator_enable_bit(clock, &bit) != 0)
    return E_BAD_PARAM;
  /* The virtual CPU always runs at M78SOC_CPU_HZ (the IPO). */
  if (clock != MXC_SYS_CLOCK_IPO)
    stub("MXC_SYS_Clock_Select(not IPO)");

  ctrl = reg_read(GCR_ADDR(clkctrl));
  if (bit != 0 && !(ctrl & bit)) {
    ctrl |= bit;
    reg_write(GCR_ADDR(clkctrl), ctrl);
  }
  ctrl = (ctrl & ~MXC_F_GCR_CLKCTRL_SYSCLK_SEL) |
         (((uint32_t)clock << MXC_F_GCR_CLKCTRL_SYSCLK_SEL_POS) & MXC_F_GCR_CLKCTRL_SYSCLK_SEL);
  reg_write(GCR_ADDR(clkctrl), ctrl);

  SystemCoreClockUpdate();
  return E_NO_ERROR;
}

void SystemCoreClockUpdate(void)
{
  uint32_t ctrl, sel, div, base;

  enter(COST_SYSTEM_CORE_CLOCK_UPDATE);
  ctrl = reg_read(GCR_ADDR(clkctrl));
  sel = (ctrl & MXC_F_GCR_CLKCTRL_SYSCLK_SEL) >> MXC_F_GCR_CLKCTRL_SYSCLK_SEL_POS;
  div = (ctrl & MXC_F_GCR_CLKCTRL_SYSCLK_DIV) >> MXC_F_GCR_CLKCTRL_SYSCLK_DIV_POS;

  switch (sel) {
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_ISO: base = ISO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_INRO: base = INRO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_IPO: base = IPO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_IBRO: base = IBRO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_ERTCO: base = ERTCO_FREQ; break;
  case MXC_V_GCR_CLKCTRL_SYSCLK_SEL_EXTCLK: base = EXTCLK_FREQ; break;
  default: return; /* reserved code: keep the last value, as the MSDK */
  }
  SystemCoreClock = base >> div;
}

/* ---- instruction cache (icc.h) ---- */

void MXC_ICC_Enable(mxc_icc_regs_t *icc)
{
  uint32_t base = block_base(icc);

  enter(COST_ICC_ENABLE);
  reg_write(BLOCK_ADDR(base, mxc_icc_regs_t, invalidate), 1);
  reg_modify(BLOCK_ADDR(base, mxc_icc_regs_t, ctrl), 0, MXC_F_ICC_CTRL_EN);
}

void MXC_ICC_Disable(mxc_icc_regs_t *icc)
{
  uint32_t base = block_base(icc);

  enter(COST_ICC_DISABLE);
  reg_modify(BLOCK_ADDR(base, mxc_icc_regs_t, ctrl), MXC_F_ICC_CTRL_EN, 0);
}

/* ---- interrupts (nvic_table.h, core_cm4.h) ---- */

void MXC_NVIC_SetVector(IRQn_Type irqn, void (*irq_callback)(void))
{
  if (!shim.vectors_in_ram) {
    m78soc_cpu_cycles(m78rt_soc(), cost_cycles[COST_NVIC_SET_RAM]);
    shim.vectors_in_ram = 1;
  }
  enter(COST_NVIC_SET_VECTOR);
  if (irqn == CNN_IRQn)
    m78rt_soc()->cnn_isr = irq_callback;
  else
    shim.stats.other_vectors++; /* never raised by the simulation */
}

void NVIC_EnableIRQ(IRQn_Type irqn)
{
  (void)irqn; /* the CNN interrupt is always enabled; others never fire */
  enter(COST_NVIC_ENABLE);
}

void NVIC_DisableIRQ(IRQn_Type irqn)
{
  enter(COST_NVIC_ENABLE);
  if (irqn == CNN_IRQn)
    stub("NVIC_DisableIRQ(CNN_IRQn)");
}

void __enable_irq(void)
{
  enter(COST_IRQ_MASK);
}

void __disable_irq(void)
{
  enter(COST_IRQ_MASK);
  stub("__disable_irq");
}

void __WFI(void)
{
  enter(COST_WFI);
  shim.stats.sleeps++;
  m78soc_wait_for_interrupt(m78rt_soc());
}

/* ---- low power (lp.h) ---- */

/* What the host shim cannot show: it delivers the CNN interrupt when the
 * firmware sleeps, so the board's lost wake-up (the interrupt taken after
 * main tested its flag and before the WFI) cannot happen here.  It can
 * see the CNN finish before the sleep, which opens that window on the
 * board: said once. */
static void lost_wakeup_note(void)
{
  static int said;
  struct m78soc_state *s = m78rt_soc();
  uint64_t t = m78soc_next_event_tick(s);
  if (said || !(m78_sim_irq(s->sim) || (t != UINT64_MAX && t <= s->tick)))
    return;
  said = 1;
  fprintf(stderr, "max78sim: note: the CNN interrupt was due before MXC_LP_EnterSleepMode was called; on the board it "
                  "is taken at once, and if that falls between main's test of its flag and the WFI the core sleeps "
                  "forever (the host shim cannot tell: run the ELF, --arch arm)\n");
}

void MXC_LP_EnterSleepMode(void)
{
  enter(COST_LP_SLEEP);
  shim.stats.sleeps++;
  lost_wakeup_note();
  m78soc_wait_for_interrupt(m78rt_soc());
}

/* Deeper modes stop clocks the simulation keeps running (and would lose
 * the CNN clock); they wait for the interrupt like SLEEP. */
static void deep_sleep(const char *what)
{
  stub(what);
  enter(COST_LP_SLEEP);
  shim.stats.sleeps++;
  m78soc_wait_for_interrupt(m78rt_soc());
}

void MXC_LP_EnterLowPowerMode(void)
{
  deep_sleep("MXC_LP_EnterLowPowerMode");
}

void MXC_LP_EnterMicroPowerMode(void)
{
  deep_sleep("MXC_LP_EnterMicroPowerMode");
}

void MXC_LP_EnterStandbyMode(void)
{
  deep_sleep("MXC_LP_EnterStandbyMode");
}

/* ---- delays and the stopwatch (mxc_delay.h, tmr.h) ---- */

int MXC_Delay(uint32_t us)
{
  enter(COST_DELAY);
  m78soc_delay_us(m78rt_soc(), us);
  return E_NO_ERROR;
}

void MXC_TMR_Delay(mxc_tmr_regs_t *tmr, unsigned long us)
{
  (void)tmr; /* any timer: the wait is on the virtual clock */
  enter(COST_TMR_DELAY);
  m78soc_delay_us(m78rt_soc(), us);
}

/* The SoC model has one stopwatch, TMR0's; other timers share it. */
void MXC_TMR_SW_Start(mxc_tmr_regs_t *tmr)
{
  enter(COST_TMR_SW_START);
  if (tmr != MXC_TMR0)
    stub("MXC_TMR_SW_Start(not TMR0)");
  m78soc_timer_start(m78rt_soc());
  m78soc_cpu_cycles(m78rt_soc(), cost_cycles[COST_TMR_SW_START_TAIL]);
}

unsigned int MXC_TMR_SW_Stop(mxc_tmr_regs_t *tmr)
{
  uint32_t us;

  enter(COST_TMR_SW_STOP_LATCH);
  if (tmr != MXC_TMR0)
    stub("MXC_TMR_SW_Stop(not TMR0)");
  us = m78soc_timer_stop(m78rt_soc());
  m78soc_cpu_cycles(m78rt_soc(), cost_cycles[COST_TMR_SW_STOP_TAIL]);
  return us;
}

/* ---- GPIO (gpio.h) ---- */

static int gpio_port_index(uint32_t base)
{
  switch (base) {
  case MXC_BASE_GPIO0: return 0;
  case MXC_BASE_GPIO1: return 1;
  case MXC_BASE_GPIO2: return 2;
  case MXC_BASE_GPIO3: return 3;
  }
  return -1;
}

#define GPIO_ADDR(base, reg) BLOCK_ADDR(base, mxc_gpio_regs_t, reg)

/* cfg->vssel and cfg->drvstr are not applied: the synthesized firmware
 * leaves them uninitialized (stack garbage), and reading them would make
 * the register trace depend on the host's stack contents. */
int MXC_GPIO_Config(const mxc_gpio_cfg_t *cfg)
{
  uint32_t base, mask;
  int port;

  enter(COST_GPIO_CONFIG);
  if (cfg == NULL)
    return E_NULL_PTR;
  base = block_base(cfg->port);
  mask = cfg->mask;
  port = gpio_port_index(base);
  if (port < 0)
    return E_BAD_PARAM;
  if (port == 3) {
    /* GPIO3 lives in the MCR (always-on domain), not modelled. */
    stub("MXC_GPIO_Config(GPIO3)");
    return E_NO_ERROR;
  }
  if (port == 0)
    MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO0);
  else if (port == 1)
    MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_GPIO1);

  switch (cfg->func) {
  case MXC_GPIO_FUNC_IN:
  case MXC_GPIO_FUNC_OUT:
    reg_write(cfg->func == MXC_GPIO_FUNC_OUT ? GPIO_ADDR(base, outen_set) : GPIO_ADDR(base, outen_clr), mask);
    reg_write(GPIO_ADDR(base, en0_set), mask);
    reg_write(GPIO_ADDR(base, en1_clr), mask);
    reg_write(GPIO_ADDR(base, en2_clr), mask);
    break;
  case MXC_GPIO_FUNC_ALT1:
  case MXC_GPIO_FUNC_ALT2:
  case MXC_GPIO_FUNC_ALT3:
  case MXC_GPIO_FUNC_ALT4:
    /* Hands the pin to a peripheral; the selection of which one is not
     * modelled. */
    stub("MXC_GPIO_Config(alternate function)");
    reg_write(GPIO_ADDR(base, en0_clr), mask);
    break;
  default: return E_BAD_PARAM;
  }

  /* padctrl0: pull enable, padctrl1: pull down, ps: strong pull. */
  switch (cfg->pad) {
  case MXC_GPIO_PAD_NONE:
    reg_modify(GPIO_ADDR(base, padctrl0), mask, 0);
    reg_modify(GPIO_ADDR(base, padctrl1), mask, 0);
    break;
  case MXC_GPIO_PAD_WEAK_PULL_UP:
    reg_modify(GPIO_ADDR(base, padctrl0), 0, mask);
    reg_modify(GPIO_ADDR(base, padctrl1), mask, 0);
    reg_modify(GPIO_ADDR(base, ps), mask, 0);
    break;
  case MXC_GPIO_PAD_PULL_UP:
    reg_modify(GPIO_ADDR(base, padctrl0), 0, mask);
    reg_modify(GPIO_ADDR(base, padctrl1), mask, 0);
    reg_modify(GPIO_ADDR(base, ps), 0, mask);
    break;
  case MXC_GPIO_PAD_WEAK_PULL_DOWN:
    reg_modify(GPIO_ADDR(base, padctrl0), mask, 0);
    reg_modify(GPIO_ADDR(base, padctrl1), 0, mask);
    reg_modify(GPIO_ADDR(base, ps), mask, 0);
    break;
  case MXC_GPIO_PAD_PULL_DOWN:
    reg_modify(GPIO_ADDR(base, padctrl0), mask, 0);
    reg_modify(GPIO_ADDR(base, padctrl1), 0, mask);
    reg_modify(GPIO_ADDR(base, ps), 0, mask);
    break;
  default: return E_BAD_PARAM;
  }
  return E_NO_ERROR;
}

void MXC_GPIO_OutSet(mxc_gpio_regs_t *port, uint32_t mask)
{
  uint32_t base = block_base(port);

  enter(COST_GPIO_OUT);
  if (gpio_port_index(base) == 3) {
    stub("MXC_GPIO_OutSet(GPIO3)");
    return;
  }
  reg_write(GPIO_ADDR(base, out_set), mask);
}

void MXC_GPIO_OutClr(mxc_gpio_regs_t *port, uint32_t mask)
{
  uint32_t base = block_base(port);

  enter(COST_GPIO_OUT);
  if (gpio_port_index(base) == 3) {
    stub("MXC_GPIO_OutClr(GPIO3)");
    return;
  }
  reg_write(GPIO_ADDR(base, out_clr), mask);
}

/* ---- board LEDs (led.h) ---- */

static void led_set(unsigned int idx, int on)
{
  enter(COST_LED);
  if (idx < 32) {
    if (on)
      shim.led_on |= 1u << idx;
    else
      shim.led_on &= ~(1u << idx);
  }
  m78soc_led(m78rt_soc(), (int)idx, on);
}

void LED_On(unsigned int idx)
{
  led_set(idx, 1);
}

void LED_Off(unsigned int idx)
{
  led_set(idx, 0);
}

void LED_Toggle(unsigned int idx)
{
  led_set(idx, idx < 32 ? !(shim.led_on & (1u << idx)) : 1);
}
