/*
 * The simulated MAX78000 around the CNN block, as the host shim sees it.
 *
 * One struct m78soc_state holds the CNN simulator, the peripherals the
 * synthesized firmware touches (GCR, GCFR, TMR0, GPIO, ICC, NVIC vector
 * of the CNN interrupt) and a virtual CPU clock; every function takes it
 * by pointer.  A firmware process has one (runtime.h: m78rt_soc(), the
 * one accessor), but nothing here depends on that.  The code is
 * host/src/soc_*.c (soc_internal.h has the overview of time and costs).
 *
 * Time is kept in "ticks" of 1/1.2 GHz so that the CPU clock (100 MHz
 * IPO: 12 ticks), PCLK (50 MHz: 24 ticks), ISO (60 MHz: 20 ticks) and
 * every CNN divider are exact integers.
 *
 * Every access the firmware makes to a MAX78000 address arrives here
 * through m78soc_read/m78soc_write (from the fault bridge or from MSDK
 * functions), costs virtual CPU time, and is forwarded to the CNN bus or
 * to a peripheral model.
 */
#ifndef M78SOC_H
#define M78SOC_H

#include <stdint.h>
#include "max78sim/sim.h"
#include "m78host/socregs.h"
#include "m78host/timeline.h"

#define M78SOC_TICK_HZ 1200000000ull
#define M78SOC_CPU_HZ 100000000ull

/* The peripheral window reserved at its real addresses; the blocks,
 * registers and fields in it are socregs.def's. */
#define M78SOC_APB_BASE 0x40000000u
#define M78SOC_APB_END 0x40100000u

/* The word index of a register in a block's array (gcr[], tmr_regs[], ...)
 * from its byte offset, e.g. s->gcr[M78SOC_WORD(M78SOC_GCR_PCLKDIV)]. */
#define M78SOC_WORD(offset) ((offset) / 4)
/* Flash wait states assumed at reset (neither the BSP nor the synthesized
 * firmware programs them; docs/arm.md): the emulator's start value and
 * the host's FIFO-loader model's */
#define M78SOC_FWS_ASSUMED 5u

enum m78soc_stop {
  M78SOC_RUNNING = 0,
  M78SOC_STOP_EXIT,       /* firmware returned from main / called exit */
  M78SOC_STOP_MAX_CYCLES, /* simulated time exceeded the budget */
  M78SOC_STOP_HANG,       /* firmware spins without touching the hardware */
  M78SOC_STOP_FAULT,      /* firmware crashed (host fault outside the windows) */
  M78SOC_STOP_INFERENCE   /* a user's input: the first inference's interrupt was served */
};

/* An LED edge (the EVKit's power-monitor triggers), with the
 * monitor's energy counter at that moment. */
struct m78soc_led_event {
  int led;
  int on;
  uint64_t tick;
  double mon_pj;
};

/* CPU work on the CNN, by what the accesses touch (timeline.h phases). */
struct m78soc_phase_total {
  uint64_t ticks;    /* time of all segments */
  uint64_t accesses; /* CNN-window accesses */
  uint64_t bytes;    /* bytes written (or read, for unload) */
  uint64_t segments;
  double pj; /* monitor energy over the segments */
};

struct m78soc_state {
  m78_sim *sim;
  uint64_t tick;           /* virtual CPU time */
  uint64_t max_cnn_cycles; /* 0: unbounded */

  /* GCR / GCFR registers (word index = offset / 4) */
  uint32_t gcr[64];
  uint32_t gcfr[4];
  /* TMR0: software stopwatch */
  uint64_t tmr_start_tick;
  int tmr_running;
  uint32_t tmr_regs[16];
  /* TMR0 counting from virtual time (set by the Arm emulator; the host
   * MSDK uses m78soc_timer_start/stop instead): CNT as of tmr_base_tick */
  int tmr_live;
  uint64_t tmr_base_tick;
  uint32_t icc_regs[8];
  uint32_t gpio_out[4];

  void (*cnn_isr)(void); /* vector installed for CNN_IRQn */
  int in_isr;
  uint64_t isr_t0; /* tick of the current ISR's entry */
  /* The CPU is emulated instruction by instruction (max78sim-arm): its
   * instructions are charged by the emulator, so accesses cost only
   * their bus wait states here. */
  int cpu_emulated;
  /* host CPU model of the vendor's FIFO loader (soc_cnn.c, host_cnn_cost):
   * the previous CNN access (0 other, 1 FIFO status read, 2 + k a write
   * to FIFO k) and the words written to each FIFO */
  unsigned fifo_prev;
  uint32_t fifo_words[4];
  /* the emulator's figures for the report (kept up to date by it) */
  uint64_t cpu_insns, cpu_cycles, cpu_guest_errors;
  char cpu_first_error[256];

  /* CNN clock as programmed (ticks per CNN cycle) and the CNN cycle that
   * corresponds to `cnn_epoch_tick` (the clock may change at run time). */
  uint64_t cnn_ticks_per_cycle;
  uint64_t cnn_epoch_tick;
  uint64_t cnn_epoch_cycle;
  /* tick - cnn_epoch_tick = cnn_q * cnn_ticks_per_cycle + cnn_r, kept by
   * every advance so that reading the CNN time does not divide (it is
   * read several times per access) */
  uint64_t cnn_q, cnn_r;
  uint64_t cnn_recip; /* 2^32 / cnn_ticks_per_cycle, rounded up */

  /* statistics */
  uint64_t apb_reads, apb_writes, unmapped;
  uint64_t isr_calls;
  struct m78soc_led_event led_events[1024];
  int n_led_events;

  /* Energy as the EVKit power monitor sees VCOREA, relative to its idle
   * baseline (CPU busy, CNN off): CNN leakage while powered, the dynamic
   * energy of CNN layers and of CPU accesses to the CNN, and the CPU's
   * saving while it sleeps (energy.h, docs/energy-model.md). */
  double mon_pj;
  int cpu_sleeping;
  struct { /* the leakage as of the last integration */
    int valid, busy, iso;
    uint64_t gen; /* ectl_gen it was last compared at */
    struct m78_energy_ctl ctl;
    double pw[2]; /* its mW * 1e9, awake and asleep */
    uint32_t seq; /* bumped whenever pw changes */
    /* the energy of the last few durations at pw, asleep and awake: an
     * access costs the same few tick counts again and again, and the
     * division of computing it is most of an access's time */
    struct m78soc_leak_inc {
      uint64_t ticks;
      uint32_t seq;
      double pj;
    } inc[2][8];
  } leak;
  struct m78soc_access_pj { /* the last access energy, reads and writes */
    int valid;
    const struct m78_region *region;
    int quad, hi;
    uint32_t sram;
    double pj;
    uint32_t addr; /* the last address it served, at ectl_gen gen */
    uint64_t gen;
  } access_pj[2];
  double layer_dyn_pj; /* dynamic energy of all layers run */
  /* the last addresses decoded (soc_cnn.c decode()): the FIFO loop's few */
  struct m78soc_decoded {
    uint32_t addr;
    int state; /* 0 empty, 1 decoded, 2 does not decode */
    struct m78_addr_info info;
  } dcache[16];
  /* the memory block the last kernel or data memory decode fell in
   * (soc_cnn.c decode()): addresses lo..lo+span-1 decode as info with index
   * and offset moved along */
  struct m78soc_dstream {
    uint32_t lo, span;
    uint32_t index0, offset0;
    struct m78_addr_info info;
  } dstream;
  /* FIFO_STAT's and the FIFO data registers' decode, for the loader's
   * lane (soc_cnn.c); no_fifo_lane sends those accesses the general way
   * (CTest timing/fifo-lane compares the two) */
  struct m78_addr_info fifo_ai[1 + M78_FIFOS];
  int fifo_ai_ok, no_fifo_lane;
  uint64_t fifo_lane_hits;
  /* m78_sim_energy_ctl as of simulator generation ectl_gen (soc_internal.h energy_ctl) */
  struct m78_energy_ctl ectl;
  uint64_t ectl_gen;
  int ectl_valid;
  const uint64_t *gen_ref; /* m78_sim_energy_gen_ref(sim) */

  /* CPU phases: the current segment and the totals */
  int phase; /* enum m78_tl_phase, -1: none */
  uint64_t phase_t0, phase_t1;
  double phase_pj0;
  struct m78soc_phase_total phases[M78_TL_PHASES];
  uint64_t last_run_start_tick, last_run_end_tick;
  /* the last inference as the CPU sees it: master enable to ISR end */
  uint64_t run_t0;
  double run_pj0;
  uint64_t inf_wall_ticks;
  double inf_pj;

  /* timeline record (NULL unless M78SIM_TIMELINE is set) */
  struct m78_timeline *timeline;

  enum m78soc_stop stop;
  char stop_detail[256];
  uint32_t last_poll_addr;

  /* CNN cycles of simulated time that count against max_cnn_cycles
   * (everything but explicit delays such as the start-up MXC_Delay) */
  uint64_t budget_cycles;
  int sim_layer_hint;
  /* bumped by every access or MSDK call: the hang detector watches it */
  volatile uint64_t activity;
  volatile int in_shim;

  /* other peripheral registers, kept as plain values */
#define M78SOC_MAX_OTHER 64
  uint32_t other_addr[M78SOC_MAX_OTHER];
  uint32_t other_val[M78SOC_MAX_OTHER];
  int n_other;
  uint64_t other_periph_accesses;

  /* what the run asks of the model (set by runtime.c and userinput.c;
   * the run control itself, report paths and threads, is runtime.h's) */
  int layer_limit;      /* -1, or the largest LCNT_MAX the firmware may set */
  int end_at_inference; /* a user's input (userinput.c): stop after the first CNN interrupt */

  /* The instrumented bridge's pending store (inst.h): sends it; NULL with
   * the fault bridge and on Arm.  Every m78soc_* entry point calls it
   * first, so a store reaches the bus before anything advances virtual
   * time or looks at the hardware. */
  void (*flush)(void);
  const volatile uint64_t *flush_pending; /* non-zero while a store waits */

  /* recorder of what the CNN sees besides bus accesses (traces, see
   * runtime.c): power/reset and clock changes; NULL when off */
  void (*trace_power)(void *ctx, unsigned power_mask, unsigned reset_mask);
  void (*trace_clock)(void *ctx, int enabled);
  void *trace_ctx;
};

/* Sends the instrumented bridge's pending store (see `flush`). */
static inline void m78soc_flush(struct m78soc_state *s)
{
  if (s->flush && (!s->flush_pending || *s->flush_pending))
    s->flush();
}

/* Creates the simulator in `s` (zeroed memory the caller owns) and
 * resets the peripherals. */
int m78soc_init(struct m78soc_state *s);

/* Bus entry points for firmware accesses. width: 1, 2 or 4 bytes.
 * Return 0 on success, non-zero for a guest error (the read value is 0). */
int m78soc_read(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t *value);
int m78soc_write(struct m78soc_state *s, uint32_t addr, unsigned width, uint32_t value);

/* Ticks of CNN cycle `cycle` (valid while the clock is unchanged). */
uint64_t m78soc_cycle_tick(struct m78soc_state *s, uint64_t cycle);
/* Closes the open CPU phase segment (at the end of the run). */
void m78soc_phase_close(struct m78soc_state *s);

/* Advances virtual CPU time by `cpu_cycles` (at the CPU clock). */
void m78soc_cpu_cycles(struct m78soc_state *s, uint64_t cpu_cycles);
/* Advances virtual CPU time by `us` microseconds (MXC_Delay). */
void m78soc_delay_us(struct m78soc_state *s, uint64_t us);
/* WFI / sleep: jumps virtual time to the next CNN event, runs the CNN up
 * to it and takes a pending CNN interrupt (calls the installed ISR). */
void m78soc_wait_for_interrupt(struct m78soc_state *s);
/* Takes a pending CNN interrupt now if there is one. */
void m78soc_poll_interrupt(struct m78soc_state *s);

/* For an emulated CPU, which takes the interrupt itself: the CNN's
 * interrupt line after bringing the CNN up to the current time; the
 * bookkeeping of ISR entry (after the entry cycles, woke: the CPU slept)
 * and exit (after the return cycles); and sleeping (WFI) until the next
 * CNN event (if cnn_wakes) or tick `limit`, whichever is first.
 * m78soc_sleep returns 1 if time passed, 0 if the line is already high;
 * with nothing to wake the CPU it ends the run as the host does. */
int m78soc_irq_line(struct m78soc_state *s);
uint64_t m78soc_next_event_tick(struct m78soc_state *s);
void m78soc_isr_enter(struct m78soc_state *s, int woke);
void m78soc_isr_exit(struct m78soc_state *s);
int m78soc_sleep(struct m78soc_state *s, int cnn_wakes, uint64_t limit);
/* Brings the CNN up to the current time (before status reads). */
void m78soc_sync(struct m78soc_state *s);

/* CNN clock derived from GCR.pclkdiv; re-read after every GCR write. */
uint64_t m78soc_cnn_hz(struct m78soc_state *s);
/* The programmed CNN clock: source name ("PCLK"/"ISO") and divider. */
void m78soc_cnn_clock(struct m78soc_state *s, const char **source, int *divider);
/* Current CNN cycle for the current virtual CPU time. */
uint64_t m78soc_cnn_now(struct m78soc_state *s);
/* Microseconds of virtual time. */
double m78soc_time_us(struct m78soc_state *s);

/* Timer (MXC_TMR_SW_Start/Stop): microseconds since start. */
void m78soc_timer_start(struct m78soc_state *s);
uint32_t m78soc_timer_stop(struct m78soc_state *s);

void m78soc_led(struct m78soc_state *s, int led, int on);

/* The simulator's event hook (runtime.c forwards it). */
void m78soc_cnn_event(struct m78soc_state *s, enum m78_event ev, int layer, uint64_t cycle);

/* A firmware access outside every modelled peripheral (runtime.c). */
void m78soc_report_unmapped(struct m78soc_state *s, uint32_t addr, unsigned width, int write);

/* Ends the run: writes the report (if requested) and exits the process
 * with the code for `why`.  Does not return. */
void m78soc_finish(struct m78soc_state *s, enum m78soc_stop why, const char *detail, int exit_code);

#endif
