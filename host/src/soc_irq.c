/*
 * The CNN's events and interrupt as the CPU sees them: the simulator's
 * event hook (layer energy, the run's timeline record), the interrupt
 * taken by the host shim (calling the installed ISR when the firmware
 * polls or sleeps) or by an emulated CPU (entry and exit bookkeeping, the
 * interrupt line, sleeping until the next CNN event), and the end of a
 * run that sleeps with nothing left to wake it.
 */
#include <stdio.h>
#include "soc_internal.h"

/* ---- CNN events (from the simulator's hook) ------------------------ */

static void record_run(struct m78soc_state *s)
{
  m78_sim *sim = s->sim;
  int n = m78_sim_layer_count(sim);
  int run = (int)m78_sim_runs(sim);
  uint64_t t0 = m78soc_cycle_tick(s, m78_sim_run_start(sim)), t1 = m78soc_cycle_tick(s, m78_sim_run_end(sim));
  s->last_run_start_tick = t0;
  s->last_run_end_tick = t1;
  struct m78_timeline *tl = s->timeline;
  if (!tl)
    return;
  int streaming = m78_sim_streaming_layers(sim);
  for (int i = 0; i < n; i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    const struct m78_layer *l = &r->layer;
    struct m78_tl_layer d = {0};
    snprintf(d.op, sizeof d.op, "%s", r->error[0] ? "?" : m78_layer_opname(l));
    for (int g = 0; g < 4; g++)
      if ((l->in_procs >> (16 * g)) & 0xFFFF)
        d.quads |= (uint8_t)(1u << g);
    d.streaming = i < streaming;
    d.passes = (int16_t)l->ne;
    d.operands = (int16_t)l->ops;
    d.out_passes = (int16_t)(l->kind == M78_LAYER_PASSTHROUGH ? 1 : l->out_passes);
    d.cycles = r->cycles;
    d.stall_cycles = r->stall_cycles;
    d.macs = l->macs;
    d.energy_pj = r->energy.total_pj;
    m78_tl_add(tl, M78_TL_LAYER, i, run, m78soc_cycle_tick(s, r->start_cycle), m78soc_cycle_tick(s, r->end_cycle), &d);
  }
  size_t ns = m78_sim_stall_count(sim);
  for (size_t k = 0; k < ns; k++) {
    uint64_t a, b;
    m78_sim_stall_get(sim, k, &a, &b);
    m78_tl_add(tl, M78_TL_STALL, 0, run, m78soc_cycle_tick(s, a), m78soc_cycle_tick(s, b), NULL);
  }
  m78_tl_add(tl, M78_TL_RUN, run, 0, t0, t1, NULL);
  m78_tl_add(tl, M78_TL_IRQ, run, 0, t1, t1, NULL);
}

void m78soc_cnn_event(struct m78soc_state *s, enum m78_event ev, int layer, uint64_t cycle)
{
  (void)cycle;
  if (ev == M78_EV_LAYER_START)
    s->sim_layer_hint = layer;
  else if (ev == M78_EV_LAYER_DONE) {
    const struct m78_layer_result *r = m78_sim_layer_result(s->sim, layer);
    if (r) {
      s->mon_pj += r->energy.dynamic_pj;
      s->layer_dyn_pj += r->energy.dynamic_pj;
    }
  } else if (ev == M78_EV_DONE)
    record_run(s);
  else if (ev == M78_EV_START) {
    s->run_t0 = s->tick;
    s->run_pj0 = s->mon_pj;
  }
}

/* ---- interrupts ----------------------------------------------------- */

void m78soc_isr_enter(struct m78soc_state *s, int woke)
{
  m78soc_flush(s);
  m78soc_phase_close(s);
  s->isr_t0 = s->tick;
  s->isr_calls++;
  if (!s->cpu_emulated) {
    if (woke)
      m78soc_cpu_cycles(s, COST_IRQ_WAKE_CPU);
    m78soc_cpu_cycles(s, COST_IRQ_ENTRY_CPU);
  }
  s->in_isr = 1;
}

void m78soc_isr_exit(struct m78soc_state *s)
{
  m78soc_flush(s);
  if (!s->cpu_emulated)
    m78soc_cpu_cycles(s, COST_IRQ_EXIT_CPU);
  s->in_isr = 0;
  if (!m78_sim_busy(s->sim) && m78_sim_runs(s->sim)) {
    s->inf_wall_ticks = s->tick - s->run_t0;
    s->inf_pj = s->mon_pj - s->run_pj0;
  }
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_ISR, 0, 0, s->isr_t0, s->tick, NULL);
}

static void take_interrupt(struct m78soc_state *s, int woke)
{
  if (s->in_isr || !s->cnn_isr || !m78_sim_irq(s->sim))
    return;
  m78soc_isr_enter(s, woke);
  s->cnn_isr();
  m78soc_isr_exit(s);
  /* a user's input: the firmware's own check would compare it with the
   * baked sample's answer, so the run ends with the inference */
  if (s->end_at_inference && !m78_sim_busy(s->sim))
    m78soc_finish(s, M78SOC_STOP_INFERENCE, "the inference on the user's input is done", 0);
}

void m78soc_poll_interrupt(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  take_interrupt(s, 0);
}

void m78soc_wait_for_interrupt(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  m78soc_phase_close(s);
  if (m78_sim_irq(s->sim) && s->cnn_isr && !s->in_isr) {
    take_interrupt(s, 0);
    return;
  }
  uint64_t next = m78_sim_next_event(s->sim);
  uint32_t frame, pushed[M78_FIFOS];
  if (next == UINT64_MAX && m78_sim_fifo_starved(s->sim, &frame, pushed)) {
    /* a stream waits for input the loader never pushes: say which FIFO */
    s->last_poll_addr = 0;
    s->budget_cycles = s->max_cnn_cycles ? s->max_cnn_cycles + 1 : UINT64_MAX;
    check_budget(s);
    m78soc_finish(s, M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (next == UINT64_MAX) {
    /* Nothing will ever wake the CPU: the finding max78sim-arm reports
     * too, without the PC the host shim cannot see. */
    m78soc_finish(s, M78SOC_STOP_HANG,
                  m78_sim_runs(s->sim)
                      ? "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN is "
                        "idle, its interrupt already taken (the host shim has no PC: run the ELF, --arch arm)"
                      : "the firmware sleeps forever: it waits for an interrupt and nothing can wake it; the CNN "
                        "was never started (the host shim has no PC: run the ELF, --arch arm)",
                  1);
  }
  uint64_t now = m78soc_cnn_now(s);
  int slept = 0;
  if (next > now) {
    uint64_t t0 = s->tick;
    /* to the CNN clock edge of the event */
    uint64_t target = m78soc_cycle_tick(s, next);
    s->cpu_sleeping = 1;
    advance_ticks(s, target > s->tick ? target - s->tick : 0, 1);
    s->cpu_sleeping = 0;
    slept = 1;
    if (s->timeline)
      m78_tl_add(s->timeline, M78_TL_SLEEP, 0, 0, t0, s->tick, NULL);
  }
  sync_cnn(s);
  take_interrupt(s, slept);
}

/* ---- emulated CPU ------------------------------------------------ */

void m78soc_sync(struct m78soc_state *s)
{
  sync_cnn(s);
}

int m78soc_irq_line(struct m78soc_state *s)
{
  m78soc_flush(s);
  sync_cnn(s);
  return m78_sim_irq(s->sim) != 0;
}

uint64_t m78soc_next_event_tick(struct m78soc_state *s)
{
  uint64_t next = m78_sim_next_event(s->sim);
  return next == UINT64_MAX ? UINT64_MAX : m78soc_cycle_tick(s, next);
}

int m78soc_sleep(struct m78soc_state *s, int cnn_wakes, uint64_t limit)
{
  m78soc_flush(s);
  sync_cnn(s);
  m78soc_phase_close(s);
  if (cnn_wakes && m78_sim_irq(s->sim))
    return 0;
  uint64_t target = cnn_wakes ? m78soc_next_event_tick(s) : UINT64_MAX;
  if (limit < target)
    target = limit;
  if (target == UINT64_MAX) {
    s->last_poll_addr = 0;
    s->budget_cycles = s->max_cnn_cycles ? s->max_cnn_cycles + 1 : UINT64_MAX;
    check_budget(s);
    m78soc_finish(s, M78SOC_STOP_MAX_CYCLES, "the firmware sleeps and no interrupt can wake it", 3);
  }
  if (target <= s->tick)
    return 0;
  uint64_t t0 = s->tick;
  s->cpu_sleeping = 1;
  advance_ticks(s, target - s->tick, 1);
  s->cpu_sleeping = 0;
  if (s->timeline)
    m78_tl_add(s->timeline, M78_TL_SLEEP, 0, 0, t0, s->tick, NULL);
  sync_cnn(s);
  return 1;
}
