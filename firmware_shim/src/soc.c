/*
 * The simulated MAX78000 around the CNN: peripherals the synthesized
 * firmware touches, a virtual CPU clock, and the CNN interrupt.
 *
 * The firmware runs natively, so the host's own execution time means
 * nothing; virtual time advances only by what the model charges: bus
 * accesses (APB accesses to the CNN are paced by the CNN clock), MSDK
 * calls, delays, interrupt entry/exit, and sleeping until the next CNN
 * event.  The CNN simulator is synchronised to virtual time before every
 * access that could observe it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "soc.h"

/* Costs charged per access, in CPU cycles (100 MHz) and CNN cycles.  A
 * Cortex-M4 store to the CNN's APB window waits for the CNN clock domain;
 * the figures are first estimates, calibrated by the timing issue. */
enum {
  COST_PERIPH_CPU = 2,   /* access to GCR/GCFR/TMR/GPIO */
  COST_CNN_CPU = 2,      /* CPU side of an access to the CNN window */
  COST_CNN_CLK = 2,      /* CNN-clock cycles of an APB access */
  COST_IRQ_ENTRY_CPU = 12,
  COST_IRQ_EXIT_CPU = 10
};

#define TICKS_PER_CPU (M78SOC_TICK_HZ / M78SOC_CPU_HZ)

void m78soc_cnn_clock(const char **source, int *divider)
{
  static const int divs[8] = {2, 4, 8, 16, 1, 1, 1, 1};
  uint32_t pclkdiv = m78soc.gcr[M78SOC_GCR_PCLKDIV];
  int iso = (pclkdiv >> M78SOC_PCLKDIV_CNNSEL_SHIFT) & 1;
  if (source)
    *source = iso ? "ISO" : "PCLK";
  if (divider)
    *divider = divs[(pclkdiv >> M78SOC_PCLKDIV_CNNDIV_SHIFT) & 7];
}

static uint64_t cnn_ticks_from_gcr(void)
{
  const char *src;
  int div;
  m78soc_cnn_clock(&src, &div);
  uint64_t base = src[0] == 'I' ? M78SOC_TICK_HZ / 60000000ull : M78SOC_TICK_HZ / 50000000ull;
  return base * (uint64_t)div;
}

uint64_t m78soc_cnn_now(void)
{
  return m78soc.cnn_epoch_cycle + (m78soc.tick - m78soc.cnn_epoch_tick) / m78soc.cnn_ticks_per_cycle;
}

uint64_t m78soc_cnn_hz(void) { return M78SOC_TICK_HZ / m78soc.cnn_ticks_per_cycle; }

double m78soc_time_us(void) { return (double)m78soc.tick * 1e6 / (double)M78SOC_TICK_HZ; }

static void reclock(void)
{
  uint64_t now = m78soc_cnn_now();
  m78soc.cnn_epoch_cycle = now;
  m78soc.cnn_epoch_tick = m78soc.tick;
  m78soc.cnn_ticks_per_cycle = cnn_ticks_from_gcr();
}

int m78soc_init(void)
{
  size_t len = (sizeof(struct m78soc_state) + 4095) & ~(size_t)4095;
  void *p = mmap((void *)(uintptr_t)M78SOC_STATE_ADDR, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)(uintptr_t)M78SOC_STATE_ADDR)
    return -1;
  memset(&m78soc, 0, sizeof m78soc);
  m78soc.sim = m78_sim_new();
  if (!m78soc.sim)
    return -1;
  /* Reset values: CNN clock PCLK/1 is what every synthesized main selects;
   * peripheral clocks start disabled as on silicon. */
  m78soc.gcr[M78SOC_GCR_PCLKDIV] = 4u << M78SOC_PCLKDIV_CNNDIV_SHIFT;
  m78soc.gcr[M78SOC_GCR_PCLKDIS0] = 0xFFFFFFFFu;
  m78soc.gcr[M78SOC_GCR_PCLKDIS1] = 0xFFFFFFFFu;
  m78soc.gcfr[0] = 0xF;
  m78soc.gcfr[1] = 0xF;
  m78_sim_set_clock_enabled(m78soc.sim, 0);
  m78soc.cnn_ticks_per_cycle = cnn_ticks_from_gcr();
  return 0;
}

/* Budget check after any advance of time. */
static void check_budget(void)
{
  if (m78soc.max_cnn_cycles && m78soc.budget_cycles > m78soc.max_cnn_cycles) {
    char d[200];
    uint32_t frame = 0, pushed[M78_FIFOS], fctrl = 0;
    m78_peek(m78soc.sim, M78_FIFO_BASE, 4, &fctrl);
    unsigned starved = m78_sim_fifo_starved(m78soc.sim, &frame, pushed);
    if (starved) {
      int n = __builtin_ctz(starved);
      snprintf(d, sizeof d,
               "layer 0 was still waiting for its input: FIFO %d received %u of the %u words of a frame "
               "(FIFO_CTRL enables FIFOs 0x%x)",
               n, (unsigned)pushed[n], (unsigned)frame, (unsigned)(fctrl >> 12) & 0xF);
    } else if (m78_sim_busy(m78soc.sim))
      snprintf(d, sizeof d, "the CNN was still running layer %d", m78soc.sim_layer_hint);
    else if (!m78_sim_runs(m78soc.sim))
      snprintf(d, sizeof d, "the CNN had not been started yet (%llu hardware accesses so far)",
               (unsigned long long)(m78soc.apb_reads + m78soc.apb_writes));
    else if (m78soc.last_poll_addr)
      snprintf(d, sizeof d, "the firmware kept polling 0x%08x", (unsigned)m78soc.last_poll_addr);
    else
      snprintf(d, sizeof d, "the firmware waits for an interrupt that never comes");
    m78soc_finish(M78SOC_STOP_MAX_CYCLES, d, 3);
  }
}

static void advance_ticks(uint64_t ticks, int counts_for_budget)
{
  uint64_t before = m78soc_cnn_now();
  m78soc.tick += ticks;
  if (counts_for_budget)
    m78soc.budget_cycles += m78soc_cnn_now() - before;
  check_budget();
}

void m78soc_cpu_cycles(uint64_t cpu_cycles) { advance_ticks(cpu_cycles * TICKS_PER_CPU, 1); }

void m78soc_delay_us(uint64_t us) { advance_ticks(us * (M78SOC_TICK_HZ / 1000000ull), 0); }

static void sync_cnn(void)
{
  /* the catch-up can take host seconds: tell the hang detector */
  m78soc.in_shim++;
  m78_sim_run_until(m78soc.sim, m78soc_cnn_now());
  m78soc.in_shim--;
  m78soc.activity++;
}

static void take_interrupt(void)
{
  if (m78soc.in_isr || !m78soc.cnn_isr || !m78_sim_irq(m78soc.sim))
    return;
  m78soc.in_isr = 1;
  m78soc.isr_calls++;
  m78soc_cpu_cycles(COST_IRQ_ENTRY_CPU);
  m78soc.cnn_isr();
  m78soc_cpu_cycles(COST_IRQ_EXIT_CPU);
  m78soc.in_isr = 0;
}

void m78soc_poll_interrupt(void)
{
  sync_cnn();
  take_interrupt();
}

void m78soc_wait_for_interrupt(void)
{
  sync_cnn();
  if (m78_sim_irq(m78soc.sim) && m78soc.cnn_isr && !m78soc.in_isr) {
    take_interrupt();
    return;
  }
  uint64_t next = m78_sim_next_event(m78soc.sim);
  if (next == UINT64_MAX) {
    /* Nothing will ever wake the CPU: burn the budget and stop. */
    m78soc.last_poll_addr = 0;
    m78soc.budget_cycles = m78soc.max_cnn_cycles ? m78soc.max_cnn_cycles + 1 : UINT64_MAX;
    check_budget();
    m78soc_finish(M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  uint64_t now = m78soc_cnn_now();
  if (next > now)
    advance_ticks((next - now) * m78soc.cnn_ticks_per_cycle, 1);
  sync_cnn();
  take_interrupt();
}

/* ---- peripherals ------------------------------------------------- */

static int periph_access(uint32_t addr, unsigned width, uint32_t *value, int write)
{
  uint32_t *reg = NULL;
  uint32_t off;
  if (addr >= M78SOC_GCR_BASE && addr < M78SOC_GCR_BASE + sizeof m78soc.gcr)
    reg = &m78soc.gcr[(addr - M78SOC_GCR_BASE) / 4];
  else if (addr >= M78SOC_GCFR_BASE && addr < M78SOC_GCFR_BASE + sizeof m78soc.gcfr)
    reg = &m78soc.gcfr[(addr - M78SOC_GCFR_BASE) / 4];
  else if (addr >= M78SOC_TMR0_BASE && addr < M78SOC_TMR0_BASE + sizeof m78soc.tmr_regs)
    reg = &m78soc.tmr_regs[(addr - M78SOC_TMR0_BASE) / 4];
  else if (addr >= M78SOC_ICC0_BASE && addr < M78SOC_ICC0_BASE + sizeof m78soc.icc_regs)
    reg = &m78soc.icc_regs[(addr - M78SOC_ICC0_BASE) / 4];
  else if (addr >= M78SOC_APB_BASE && addr < M78SOC_APB_END) {
    /* Other peripherals (GPIO, power sequencer...) keep plain register
     * values so read-modify-write works; they are counted in the report. */
    m78soc.other_periph_accesses++;
    for (int i = 0; i < m78soc.n_other && !reg; i++)
      if (m78soc.other_addr[i] == (addr & ~3u))
        reg = &m78soc.other_val[i];
    if (!reg && m78soc.n_other < M78SOC_MAX_OTHER) {
      m78soc.other_addr[m78soc.n_other] = addr & ~3u;
      m78soc.other_val[m78soc.n_other] = 0;
      reg = &m78soc.other_val[m78soc.n_other++];
    }
  }
  if (!reg) {
    m78soc.unmapped++;
    return -1;
  }
  off = (addr & 3) * 8;
  uint32_t mask = width == 4 ? 0xFFFFFFFFu : ((1u << (8 * width)) - 1) << off;
  if (!write) {
    *value = (*reg & mask) >> off;
    return 0;
  }
  uint32_t old = *reg;
  *reg = (old & ~mask) | ((*value << off) & mask);
  if (reg == &m78soc.gcr[M78SOC_GCR_PCLKDIV])
    reclock();
  else if (reg == &m78soc.gcr[M78SOC_GCR_PCLKDIS0]) {
    sync_cnn();
    m78_sim_set_clock_enabled(m78soc.sim, !((*reg >> M78SOC_PCLKDIS0_CNN_BIT) & 1));
  } else if (reg >= &m78soc.gcfr[0] && reg <= &m78soc.gcfr[3]) {
    sync_cnn();
    m78_sim_set_power(m78soc.sim, m78soc.gcfr[0] & ~m78soc.gcfr[2], m78soc.gcfr[3]);
  }
  return 0;
}

int m78soc_read(uint32_t addr, unsigned width, uint32_t *value)
{
  m78soc.activity++;
  *value = 0;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    m78soc.apb_reads++;
    m78soc_cpu_cycles(COST_CNN_CPU);
    advance_ticks(COST_CNN_CLK * m78soc.cnn_ticks_per_cycle, 1);
    sync_cnn();
    m78soc.last_poll_addr = addr;
    int st = m78_bus_read(m78soc.sim, addr, width, value);
    if (m78soc.trace_access)
      m78soc.trace_access(m78soc.trace_ctx, addr, width, *value, 0);
    return st;
  }
  m78soc_cpu_cycles(COST_PERIPH_CPU);
  int st = periph_access(addr, width, value, 0);
  if (st)
    m78soc_report_unmapped(addr, width, 0);
  return st;
}

int m78soc_write(uint32_t addr, unsigned width, uint32_t value)
{
  m78soc.activity++;
  if (addr >= M78_CNN_BASE && addr < M78_CNN_END) {
    m78soc.apb_writes++;
    m78soc_cpu_cycles(COST_CNN_CPU);
    advance_ticks(COST_CNN_CLK * m78soc.cnn_ticks_per_cycle, 1);
    sync_cnn();
    m78soc.last_poll_addr = 0;
    /* max78sim compare --stop-after: the layer count a capture firmware
     * would set (LCNT_MAX of any quadrant) */
    if (m78soc.rt.layer_limit >= 0 && (addr & ~(3u * M78_QUAD_STRIDE)) == M78_QREG_BASE + 0x008 &&
        value > (uint32_t)m78soc.rt.layer_limit)
      value = (uint32_t)m78soc.rt.layer_limit;
    if (m78soc.trace_access)
      m78soc.trace_access(m78soc.trace_ctx, addr, width, value, 1);
    int st = m78_bus_write(m78soc.sim, addr, width, value);
    return st;
  }
  m78soc_cpu_cycles(COST_PERIPH_CPU);
  int st = periph_access(addr, width, &value, 1);
  if (st)
    m78soc_report_unmapped(addr, width, 1);
  return st;
}

/* ---- timer, LEDs -------------------------------------------------- */

void m78soc_timer_start(void)
{
  m78soc.activity++;
  m78soc_cpu_cycles(20);
  m78soc.tmr_start_tick = m78soc.tick;
  m78soc.tmr_running = 1;
}

uint32_t m78soc_timer_stop(void)
{
  m78soc.activity++;
  m78soc_cpu_cycles(20);
  if (!m78soc.tmr_running)
    return 0;
  m78soc.tmr_running = 0;
  return (uint32_t)((m78soc.tick - m78soc.tmr_start_tick) / (M78SOC_TICK_HZ / 1000000ull));
}

void m78soc_led(int led, int on)
{
  m78soc.activity++;
  m78soc_cpu_cycles(10);
  if (m78soc.n_led_events < (int)(sizeof m78soc.led_events / sizeof m78soc.led_events[0])) {
    struct m78soc_led_event *e = &m78soc.led_events[m78soc.n_led_events++];
    e->led = led;
    e->on = on;
    e->tick = m78soc.tick;
  }
}
