/*
 * The simulator instance: bus dispatch, the run state machine and time.
 *
 * An inference starts on a 0->1 transition of quadrant 0's CTRL.cnn_en;
 * every quadrant whose cnn_en is already 1 takes part (izer arms the
 * other quadrants first, spec 2.5).  At the start all layers 0..LCNT_MAX
 * are decoded and their cycle counts accounted; the datapath of a layer
 * runs when simulated time passes that layer's end, so every observable
 * effect (SRAM contents, CTRL.cnn_irq) appears at the right cycle.
 *
 * Input FIFOs: words pushed into FIFO n land in data SRAM instance 4n at
 * layer 0's read pointer plus the word count (spec 6.7).  A FIFO-fed
 * layer 0 cannot finish before its frame (IFRM words per enabled FIFO)
 * has arrived; its clock starts when the last word arrives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

m78_sim *m78_sim_new(void)
{
  m78_sim *sim = calloc(1, sizeof *sim);
  if (sim)
    m78_sim_reset(sim);
  return sim;
}

static void free_results(m78_sim *sim)
{
  m78i_free_streams(sim);
  m78i_sched_free(sim);
  for (int i = 0; i < M78_MAX_LAYERS; i++) {
    free(sim->results[i].output);
    sim->results[i].output = NULL;
    sim->results[i].output_bytes = 0;
    free(sim->results[i].combined);
    sim->results[i].combined = NULL;
    sim->results[i].combined_bytes = 0;
  }
}

void m78_sim_free(m78_sim *sim)
{
  if (!sim)
    return;
  free_results(sim);
  m78i_workers_free(sim, sim->workers);
  free(sim);
}

void m78_sim_reset(m78_sim *sim)
{
  struct m78_hooks hooks = sim->hooks;
  int keep = sim->keep_outputs;
  struct m78_workers *workers = sim->workers;
  struct m78_host_alloc halloc = sim->halloc;
  uint64_t gen = sim->energy_gen;
  struct m78_fault faults[M78_MAX_FAULTS];
  int n_faults = sim->n_faults;
  memcpy(faults, sim->faults, sizeof faults);
  free_results(sim);
  memset(sim, 0, sizeof *sim);
  sim->hooks = hooks;
  sim->keep_outputs = keep;
  sim->workers = workers;
  sim->halloc = halloc;
  sim->energy_gen = gen + 1;
  memcpy(sim->faults, faults, sizeof faults); /* a defect survives reset */
  sim->n_faults = n_faults;
  sim->power_mask = 0xF;
  sim->clock_enabled = 1;
  sim->cnn_hz = 50000000u;
}

void m78_sim_set_hooks(m78_sim *sim, const struct m78_hooks *hooks)
{
  if (hooks)
    sim->hooks = *hooks;
  else
    memset(&sim->hooks, 0, sizeof sim->hooks);
}

void m78_sim_keep_outputs(m78_sim *sim, int keep)
{
  sim->keep_outputs = keep;
}

void m78i_guest_error(m78_sim *sim, enum m78_status st, uint32_t addr, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sim->ctr.last_error, sizeof sim->ctr.last_error, fmt, ap);
  va_end(ap);
  sim->ctr.guest_errors++;
  if (sim->hooks.on_guest_error)
    sim->hooks.on_guest_error(sim->hooks.ctx, st, addr, sim->ctr.last_error);
}

void m78i_event(m78_sim *sim, enum m78_event ev, int layer, uint64_t cycle)
{
  if (sim->hooks.on_event)
    sim->hooks.on_event(sim->hooks.ctx, ev, layer, cycle);
}

/* ------------------------------------------------------------------ */
/* Run control                                                          */

static void schedule_layer(m78_sim *sim, uint64_t start)
{
  struct m78_layer_result *r = &sim->results[sim->cur_layer];
  r->start_cycle = start;
  r->end_cycle = start + r->cycles;
  sim->next_layer_end = r->end_cycle;
}

/* Layer 0 reading from the FIFOs waits for its frame. */
static int fifo_frame_complete(const m78_sim *sim)
{
  uint32_t frame = M78_GET(sim->q[0].greg[M78_GREG_IFRM], IFRM, SIZE);
  unsigned en = (sim->fifo.ctrl >> 12) & 0xF;
  if (!en)
    en = 1;
  for (int n = 0; n < M78_FIFOS; n++)
    if ((en >> n) & 1 && sim->fifo.pushed[n] < frame)
      return 0;
  return 1;
}

static int fifo_input(const m78_sim *sim)
{
  return M78_GET(sim->q[0].greg[M78_GREG_CTRL], CTRL, FIFO_EN) != 0;
}

/* Output slots that land in a hole of the consumer's input map: inside
 * the consumer's processor range, not enabled.  Only when the next layer
 * reads exactly where this one writes. */
static void mark_gap_slots(m78_sim *sim)
{
  for (int i = 0; i + 1 < sim->n_layers; i++) {
    struct m78_layer *l = &sim->results[i].layer;
    const struct m78_layer *c = &sim->results[i + 1].layer;
    l->gap_slots = 0;
    if (sim->results[i].error[0] || sim->results[i + 1].error[0] || l->kind == M78_LAYER_PASSTHROUGH || c->chw ||
        l->out32 || c->rptr != (M78_PTR_WORD(l->wptr[0])) || l->wptr_moff != M78_PTR_INST_STEP || !c->in_procs ||
        l->slots_per_pass > 64)
      continue;
    int base = 4 * (int)(M78_PTR_INST(l->wptr[0]));
    int lo = __builtin_ctzll(c->in_procs), hi = 63 - __builtin_clzll(c->in_procs);
    for (int s = 0; s < l->slots_per_pass; s++) {
      int p = base + s;
      if (p > lo && p < hi && !((c->in_procs >> p) & 1))
        l->gap_slots |= 1ull << s;
    }
  }
}

static void start_run(m78_sim *sim)
{
  free_results(sim);
  memset(sim->results, 0, sizeof sim->results);
  sim->run_quads = 0;
  for (int g = 0; g < M78_QUADS; g++)
    if (M78_GET(sim->q[g].greg[M78_GREG_CTRL], CTRL, CNN_EN))
      sim->run_quads |= (uint8_t)(1u << g);
  sim->n_layers = (int)M78_GET(sim->q[0].greg[M78_GREG_LCNT_MAX], LCNT_MAX, LAST) + 1;
  for (int l = 0; l < sim->n_layers; l++) {
    struct m78_layer_result *r = &sim->results[l];
    struct m78_decode_error err;
    r->index = l;
    if (m78_layer_decode(sim, l, &r->layer, &err) != 0) {
      snprintf(r->error, sizeof r->error, "%s%s%s", err.reg ? err.reg : "", err.reg ? ": " : "", err.msg);
      r->executed = 0;
      r->cycles = 0;
      sim->ctr.layer_errors++;
      m78i_guest_error(sim, M78_E_UNMAPPED, M78_QREG_BASE, "layer %d cannot run: %s", l, r->error);
      continue;
    }
    r->cycles = m78i_layer_cycles(sim, &r->layer);
  }
  m78i_setup_streams(sim);
  mark_gap_slots(sim);
  m78i_faults_run_start(sim);
  memset(sim->fifo.pushed, 0, sizeof sim->fifo.pushed);
  memset(sim->fifo.consumed, 0, sizeof sim->fifo.consumed);
  m78_sim_energy_ctl(sim, &sim->energy_ctl);
  sim->state = M78_RUNNING;
  sim->energy_gen++; /* busy: m78_sim_energy_gen's users may rely on it */
  sim->runs++;
  sim->run_start = sim->now;
  sim->cur_layer = 0;
  m78i_event(sim, M78_EV_START, -1, sim->now);
  /* Streaming layers are timed by the stream scheduler; otherwise izer's
   * latency counts one start-up cycle before layer 0. */
  m78i_sched_setup(sim);
  if (sim->sched.nl)
    sim->next_layer_end = m78i_sched_layer_end(sim, 0);
  else if (fifo_input(sim) && !fifo_frame_complete(sim))
    sim->next_layer_end = UINT64_MAX;
  else
    schedule_layer(sim, sim->now + 1);
}

static void fill_energy(const m78_sim *sim, struct m78_layer_result *r)
{
  if (r->error[0])
    return;
  m78_energy_activity(&r->layer, r->cycles - r->stall_cycles, r->stall_cycles, &r->activity);
  m78_energy_layer(&r->activity, &sim->energy_ctl, &r->energy);
}

static void finish_run(m78_sim *sim)
{
  sim->state = M78_DONE;
  sim->run_end = sim->now;
  m78i_faults_run_end(sim);
  for (int g = 0; g < M78_QUADS; g++)
    if ((sim->run_quads >> g) & 1)
      sim->q[g].greg[M78_GREG_CTRL] |= 1u << M78_FLO_CTRL_CNN_IRQ;
  sim->energy_gen++;
  m78i_event(sim, M78_EV_DONE, -1, sim->now);
}

/* The layers that end by `cycle`, each run at its end. */
static __attribute__((noinline)) void run_layers_until(m78_sim *sim, uint64_t cycle)
{
  while (sim->state == M78_RUNNING && sim->next_layer_end <= cycle) {
    struct m78_layer_result *r = &sim->results[sim->cur_layer];
    sim->now = sim->next_layer_end;
    if (sim->cur_layer < sim->sched.nl)
      m78i_sched_fill_result(sim, sim->cur_layer, r);
    m78i_event(sim, M78_EV_LAYER_START, sim->cur_layer, r->start_cycle);
    if (r->error[0] == '\0') {
      m78i_faults_before_layer(sim, sim->cur_layer);
      m78i_engine_run_layer(sim, &r->layer, r);
      m78i_faults_after_layer(sim, sim->cur_layer);
    }
    fill_energy(sim, r);
    m78i_event(sim, M78_EV_LAYER_DONE, sim->cur_layer, sim->now);
    sim->cur_layer++;
    if (sim->cur_layer >= sim->n_layers)
      finish_run(sim);
    else if (sim->cur_layer < sim->sched.nl)
      sim->next_layer_end = m78i_sched_layer_end(sim, sim->cur_layer);
    else
      schedule_layer(sim, sim->now);
  }
}

/* m78_sim_run_until, inline for the FIFO loader's calls (most find no
 * layer to end) */
static inline void run_until(m78_sim *sim, uint64_t cycle)
{
  if (sim->state == M78_RUNNING && sim->next_layer_end <= cycle)
    run_layers_until(sim, cycle);
  if (sim->sched.nl)
    m78i_sched_sync(sim);
  if (cycle > sim->now)
    sim->now = cycle;
}

void m78_sim_run_until(m78_sim *sim, uint64_t cycle)
{
  run_until(sim, cycle);
}

uint64_t m78_sim_now(const m78_sim *sim)
{
  return sim->now;
}

uint64_t m78_sim_next_event(const m78_sim *sim)
{
  if (sim->state == M78_RUNNING)
    return sim->next_layer_end;
  return UINT64_MAX;
}

unsigned m78_sim_fifo_starved(const m78_sim *sim, uint32_t *frame, uint32_t pushed[M78_FIFOS])
{
  uint32_t f = M78_GET(sim->q[0].greg[M78_GREG_IFRM], IFRM, SIZE);
  unsigned en = (sim->fifo.ctrl >> 12) & 0xF, mask = 0;
  if (frame)
    *frame = f;
  if (pushed)
    memcpy(pushed, sim->fifo.pushed, sizeof sim->fifo.pushed);
  if (sim->state != M78_RUNNING || sim->cur_layer != 0 || sim->next_layer_end != UINT64_MAX || !fifo_input(sim))
    return 0;
  if (!en)
    en = 1;
  for (int n = 0; n < M78_FIFOS; n++)
    if ((en >> n) & 1 && sim->fifo.pushed[n] < f)
      mask |= 1u << n;
  return mask;
}

int m78_sim_irq(const m78_sim *sim)
{
  for (int g = 0; g < M78_QUADS; g++)
    if (M78_GET(sim->q[g].greg[M78_GREG_CTRL], CTRL, CNN_IRQ))
      return 1;
  return 0;
}

int m78_sim_busy(const m78_sim *sim)
{
  return sim->state == M78_RUNNING;
}
int m78_sim_layer_count(const m78_sim *sim)
{
  return sim->runs ? sim->n_layers : 0;
}
uint64_t m78_sim_run_start(const m78_sim *sim)
{
  return sim->run_start;
}
uint64_t m78_sim_run_end(const m78_sim *sim)
{
  return sim->run_end;
}
unsigned m78_sim_runs(const m78_sim *sim)
{
  return sim->runs;
}
const struct m78_counters *m78_sim_counters(const m78_sim *sim)
{
  return &sim->ctr;
}

const struct m78_layer_result *m78_sim_layer_result(const m78_sim *sim, int index)
{
  if (index < 0 || index >= m78_sim_layer_count(sim))
    return NULL;
  return &sim->results[index];
}

int m78_sim_add_fault(m78_sim *sim, const struct m78_fault *f)
{
  if (sim->n_faults >= M78_MAX_FAULTS || !m78i_fault_valid(f))
    return -1;
  sim->faults[sim->n_faults++] = *f;
  return 0;
}

void m78_sim_clear_faults(m78_sim *sim)
{
  sim->n_faults = 0;
}

void m78_sim_set_power(m78_sim *sim, unsigned quad_power_mask, unsigned reset_mask)
{
  unsigned newly_reset = reset_mask & ~sim->reset_mask;
  for (int g = 0; g < M78_QUADS; g++) {
    if ((newly_reset >> g) & 1) {
      /* Reset clears the register file and loader state, not memories. */
      memset(sim->q[g].greg, 0, sizeof sim->q[g].greg);
      memset(sim->q[g].lreg, 0, sizeof sim->q[g].lreg);
      memset(sim->q[g].mx, 0, sizeof sim->q[g].mx);
      memset(sim->q[g].ks, 0, sizeof sim->q[g].ks);
    }
  }
  if (newly_reset) {
    if (sim->state == M78_RUNNING) {
      sim->state = M78_IDLE;
      m78i_faults_run_end(sim);
    }
    memset(&sim->fifo, 0, sizeof sim->fifo);
    sim->aon_ctrl = 0;
  }
  sim->power_mask = quad_power_mask & 0xF;
  sim->reset_mask = reset_mask & 0xF;
  sim->energy_gen++;
}

void m78_sim_set_clock_enabled(m78_sim *sim, int enabled)
{
  sim->clock_enabled = enabled;
  sim->energy_gen++;
}

void m78_sim_set_clock_hz(m78_sim *sim, uint64_t hz)
{
  sim->cnn_hz = hz;
  sim->energy_gen++;
}

uint64_t m78_sim_energy_gen(const m78_sim *sim)
{
  return sim->energy_gen;
}
const uint64_t *m78_sim_energy_gen_ref(const m78_sim *sim)
{
  return &sim->energy_gen;
}
uint32_t m78_sim_fifo_ctrl(const m78_sim *sim)
{
  return sim->fifo.ctrl;
}

void m78_sim_energy_ctl(const m78_sim *sim, struct m78_energy_ctl *out)
{
  /* AON_CTRL bit 12+g powers quadrant g down (registers.md 6.x) */
  out->powered_quads = sim->power_mask & ~((sim->aon_ctrl >> 12) & 0xFu) & 0xFu;
  out->clocked_quads = 0;
  for (int g = 0; g < M78_QUADS; g++) {
    out->sram_ctrl[g] = sim->q[g].greg[M78_GREG_SRAM];
    if (sim->clock_enabled && ((out->powered_quads >> g) & 1) && M78_GET(sim->q[g].greg[M78_GREG_CTRL], CTRL, CLK_EN))
      out->clocked_quads |= 1u << g;
  }
  out->cnn_hz = sim->cnn_hz;
}

/* ------------------------------------------------------------------ */
/* FIFO block                                                          */

static void fifo_push(m78_sim *sim, int n, uint32_t value)
{
  uint32_t rptr = M78_GET(sim->q[0].lreg[M78_LREG_ARRAY_RPTR_BASE][0], RPTR_BASE, WORD);
  uint32_t frame = M78_GET(sim->q[0].greg[M78_GREG_IFRM], IFRM, SIZE);
  uint32_t k = sim->fifo.pushed[n];
  uint32_t w = rptr + k;
  if (sim->state == M78_RUNNING && m78i_stream_write(sim, 0, 4u * (uint32_t)n, w, value, 0xFFFFFFFFu))
    ; /* layer 0 streams: a circular buffer */
  else if (w < M78_SRAM_WORDS)
    sim->sram[4 * n][w] = value;
  else
    m78i_guest_error(sim, M78_E_UNMAPPED, M78_FIFO_DATA(n), "FIFO %d word %u lands beyond data memory", n, (unsigned)k);
  sim->fifo.pushed[n]++;
  sim->ctr.fifo_words++;
  if (sim->state == M78_RUNNING && sim->sched.nl) {
    m78i_sched_fifo_push(sim);
    if (sim->cur_layer < sim->sched.nl)
      sim->next_layer_end = m78i_sched_layer_end(sim, sim->cur_layer);
    return;
  }
  if (sim->state == M78_RUNNING && sim->cur_layer == 0 && sim->next_layer_end == UINT64_MAX && frame &&
      fifo_frame_complete(sim))
    schedule_layer(sim, sim->now + 1);
}

/* ------------------------------------------------------------------ */
/* Register file                                                        */

static void ctrl_write(m78_sim *sim, int quad, uint32_t value)
{
  uint32_t old = sim->q[quad].greg[M78_GREG_CTRL];
  sim->q[quad].greg[M78_GREG_CTRL] = value;
  if (M78_GET(value, CTRL, MLAT_LD) && !M78_GET(old, CTRL, MLAT_LD)) {
    sim->q[quad].mlat_ptr = sim->q[quad].lreg[M78_LREG_ARRAY_WPTR_BASE][0] & M78_PTR_MASK;
    sim->q[quad].mlat_primed = 0;
  }
  if (quad == 0 && M78_GET(value, CTRL, CNN_EN) && !M78_GET(old, CTRL, CNN_EN)) {
    if (sim->state == M78_RUNNING) {
      m78i_guest_error(sim, M78_E_BUSY, M78_QREG_BASE, "master enable while an inference is running");
      return;
    }
    if (!sim->clock_enabled) {
      m78i_guest_error(sim, M78_E_POWER, M78_QREG_BASE, "master enable with the CNN clock disabled");
      sim->ctr.stubs++;
      return;
    }
    start_run(sim);
  }
}

/* mlator (spec 7.3): each read returns the selected byte lane of four
 * consecutive words and advances by four words; the first read primes. */
static uint32_t mlat_read(m78_sim *sim, int quad)
{
  struct m78_quadrant *q = &sim->q[quad];
  unsigned lane = M78_GET(q->greg[M78_GREG_CTRL], CTRL, MLATCH_SEL);
  if (!q->mlat_primed) {
    q->mlat_primed = 1;
    return 0;
  }
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    uint32_t p = q->mlat_ptr + (uint32_t)k;
    uint32_t word = sim->sram[M78_PTR_INST(p)][M78_PTR_WORD(p)];
    v |= ((word >> (8 * lane)) & 0xFF) << (8 * k);
  }
  q->mlat_ptr += 4;
  return v;
}

static enum m78_status reg_write(m78_sim *sim, const struct m78_addr_info *a, uint32_t value)
{
  struct m78_quadrant *q = &sim->q[a->quad];
  if (a->greg >= 0) {
    switch (a->greg) {
    case M78_GREG_CTRL: ctrl_write(sim, a->quad, value); return M78_OK;
    case M78_GREG_MLAT: return M78_E_READONLY;
    case M78_GREG_TEST:
      /* BIST and zeroize complete at once without failures. */
      q->greg[M78_GREG_TEST] = value & 0x3FFF;
      if (value & 0x55)
        q->greg[M78_GREG_TEST] |= (1u << 27) | (0xFu << 18) | (0xFu << 22) | (1u << 28);
      if (value & (1u << 1))
        for (int i = 0; i < 4; i++)
          memset(sim->sram[4 * a->quad + i], 0, sizeof sim->sram[0]);
      return M78_OK;
    default: q->greg[a->greg] = value; return M78_OK;
    }
  }
  q->lreg[m78_lreg_arrays[a->lreg]][a->layer] = value;
  return M78_OK;
}

/* ------------------------------------------------------------------ */
/* Bus                                                                  */

static uint32_t lane_insert(uint32_t word, uint32_t offset, unsigned width, uint32_t value)
{
  unsigned sh = 8 * (offset & 3);
  uint32_t m = width == 4 ? 0xFFFFFFFFu : ((1u << (8 * width)) - 1) << sh;
  return (word & ~m) | ((value << sh) & m);
}

static uint32_t lane_extract(uint32_t word, uint32_t offset, unsigned width)
{
  if (width == 4)
    return word;
  return (word >> (8 * (offset & 3))) & ((1u << (8 * width)) - 1);
}

static enum m78_status do_write(m78_sim *sim, const struct m78_addr_info *a, uint32_t addr, unsigned width,
                                uint32_t value, int poke)
{
  switch (a->region->kind) {
  case M78_REG_FIFO:
    if (width != 4)
      return M78_E_WIDTH;
    if (a->index == 0) {
      sim->fifo.ctrl = value;
      return M78_OK;
    }
    if (a->index == 1)
      return M78_E_READONLY;
    if (poke)
      return M78_E_READONLY;
    fifo_push(sim, (int)a->index - 2, value);
    return M78_OK;
  case M78_REG_AON:
    if (width != 4)
      return M78_E_WIDTH;
    sim->aon_ctrl = value;
    sim->energy_gen++;
    return M78_OK;
  case M78_REG_QREGS:
    if (width != 4)
      return M78_E_WIDTH;
    sim->energy_gen++;
    if (poke) {
      if (a->greg >= 0)
        sim->q[a->quad].greg[a->greg] = value;
      else
        sim->q[a->quad].lreg[m78_lreg_arrays[a->lreg]][a->layer] = value;
      return M78_OK;
    }
    return reg_write(sim, a, value);
  case M78_REG_BIAS:
    if ((addr & 3) != 0)
      return M78_E_ALIGN;
    sim->q[a->quad].bias[a->index] = (uint8_t)value;
    return M78_OK;
  case M78_REG_TRAM:
    if (width == 1)
      return M78_E_WIDTH;
    sim->tram[a->proc][a->index] = (uint16_t)lane_insert(sim->tram[a->proc][a->index], addr, width, value);
    return M78_OK;
  case M78_REG_MRAM:
    if (poke) {
      /* Tools write whole columns through the direct layout. */
      unsigned col = a->index / 16, word = (a->index / 4) % 4;
      if (width != 4 || col >= M78_MRAM_WORDS)
        return M78_E_WIDTH;
      uint8_t *b = sim->mram[a->proc][col];
      if (word == 0)
        b[0] = (uint8_t)value;
      else if (word < 3)
        for (int i = 0; i < 4; i++)
          b[1 + 4 * (word - 1) + i] = (uint8_t)(value >> (24 - 8 * i));
      return M78_OK;
    }
    return m78i_mram_write(sim, a->proc, a->index, width, value);
  case M78_REG_SRAM:
    sim->sram[a->instance][a->index] = lane_insert(sim->sram[a->instance][a->index], addr, width, value);
    if (sim->n_faults && !poke)
      m78i_faults_sram_write(sim, a->instance, a->index);
    return M78_OK;
  }
  return M78_E_UNMAPPED;
}

static enum m78_status do_read(m78_sim *sim, const m78_sim *csim, const struct m78_addr_info *a, uint32_t addr,
                               unsigned width, uint32_t *value)
{
  uint32_t word = 0;
  switch (a->region->kind) {
  case M78_REG_FIFO:
    if (a->index == 0)
      word = csim->fifo.ctrl;
    else if (a->index == 1) {
      /* full while the streaming layer 0 has not taken M78_FIFO_DEPTH
       * pushed words (stream_timing.c); otherwise the FIFOs drain at once */
      word = m78i_sched_fifo_full_mask(csim);
    } else
      return M78_E_UNMAPPED;
    break;
  case M78_REG_AON: word = csim->aon_ctrl; break;
  case M78_REG_QREGS:
    if (a->greg == M78_GREG_MLAT) {
      if (!sim) { /* peek: no pointer movement */
        word = 0;
        break;
      }
      word = mlat_read(sim, a->quad);
      break;
    }
    if (a->greg >= 0)
      word = csim->q[a->quad].greg[a->greg];
    else
      word = csim->q[a->quad].lreg[m78_lreg_arrays[a->lreg]][a->layer];
    break;
  case M78_REG_BIAS: word = csim->q[a->quad].bias[a->index]; break;
  case M78_REG_TRAM: word = csim->tram[a->proc][a->index]; break;
  case M78_REG_MRAM: {
    enum m78_status st = m78i_mram_read(csim, a->proc, a->index & ~3u, &word);
    if (st != M78_OK)
      return st;
    break;
  }
  case M78_REG_SRAM: word = csim->sram[a->instance][a->index]; break;
  }
  *value = lane_extract(word, addr, width);
  return M78_OK;
}

static int width_ok(uint32_t addr, unsigned width)
{
  return (width == 1 || width == 2 || width == 4) && (addr & (width - 1)) == 0;
}

static __attribute__((noinline)) void report_bad_access(m78_sim *sim, uint32_t addr, unsigned width, int write,
                                                        enum m78_status st)
{
  char name[64];
  m78_addr_name(addr, name, sizeof name);
  m78i_guest_error(sim, st, addr, "%d-bit %s %s: %s", 8 * (int)width, write ? "write to" : "read from", name,
                   m78_status_name(st));
}

static inline void report_access(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value, int write,
                                 enum m78_status st)
{
  if (__builtin_expect(st != M78_OK, 0))
    report_bad_access(sim, addr, width, write, st);
  if (sim->hooks.on_access) {
    struct m78_access acc = {addr, value, (uint8_t)width, (uint8_t)write, (uint8_t)st};
    sim->hooks.on_access(sim->hooks.ctx, &acc);
  }
}

/* Quadrant g powered and out of reset; blocks that are not per quadrant
 * (quad -1: the FIFOs, AON) are gated by quadrant 0's. */
static inline enum m78_status quad_power(const m78_sim *sim, int g)
{
  if (!((sim->power_mask >> g) & 1) || ((sim->reset_mask >> g) & 1))
    return M78_E_POWER;
  return M78_OK;
}

static enum m78_status power_check(const m78_sim *sim, const struct m78_addr_info *a)
{
  return quad_power(sim, a->quad < 0 ? 0 : a->quad);
}

enum m78_status m78_bus_write_decoded(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value,
                                      const struct m78_addr_info *a)
{
  enum m78_status st;
  sim->ctr.bus_writes++;
  if (!width_ok(addr, width))
    st = M78_E_ALIGN;
  else if (!a)
    st = M78_E_UNMAPPED;
  else if ((st = power_check(sim, a)) == M78_OK)
    st = do_write(sim, a, addr, width, value, 0);
  report_access(sim, addr, width, value, 1, st);
  return st;
}

enum m78_status m78_bus_read_decoded(m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value,
                                     const struct m78_addr_info *a)
{
  enum m78_status st;
  *value = 0;
  sim->ctr.bus_reads++;
  if (!width_ok(addr, width))
    st = M78_E_ALIGN;
  else if (!a)
    st = M78_E_UNMAPPED;
  else if ((st = power_check(sim, a)) == M78_OK)
    st = do_read(sim, sim, a, addr, width, value);
  report_access(sim, addr, width, *value, 0, st);
  return st;
}

/* The FIFO loader's accesses: what m78_sim_run_until and then
 * m78_bus_read/m78_bus_write of the register do, in one call and without
 * the decode (the FIFO block is not per quadrant). */

enum m78_status m78_sim_fifo_stat_at(m78_sim *sim, uint64_t cycle, uint32_t *value)
{
  run_until(sim, cycle);
  sim->ctr.bus_reads++;
  enum m78_status st = quad_power(sim, 0);
  *value = st == M78_OK ? m78i_sched_fifo_full_mask(sim) : 0;
  report_access(sim, M78_FIFO_STAT, 4, *value, 0, st);
  return st;
}

enum m78_status m78_sim_fifo_push_at(m78_sim *sim, uint64_t cycle, int n, uint32_t value)
{
  run_until(sim, cycle);
  sim->ctr.bus_writes++;
  enum m78_status st = quad_power(sim, 0);
  if (st == M78_OK)
    fifo_push(sim, n, value);
  report_access(sim, M78_FIFO_DATA(n), 4, value, 1, st);
  return st;
}

enum m78_status m78_bus_write(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value)
{
  struct m78_addr_info a;
  return m78_bus_write_decoded(sim, addr, width, value, m78_addr_decode(addr, &a) == 0 ? &a : NULL);
}

enum m78_status m78_bus_read(m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value)
{
  struct m78_addr_info a;
  return m78_bus_read_decoded(sim, addr, width, value, m78_addr_decode(addr, &a) == 0 ? &a : NULL);
}

enum m78_status m78_peek(const m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value)
{
  struct m78_addr_info a;
  *value = 0;
  if (!width_ok(addr, width))
    return M78_E_ALIGN;
  if (m78_addr_decode(addr, &a) != 0)
    return M78_E_UNMAPPED;
  return do_read(NULL, sim, &a, addr, width, value);
}

enum m78_status m78_poke(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value)
{
  struct m78_addr_info a;
  if (!width_ok(addr, width))
    return M78_E_ALIGN;
  if (m78_addr_decode(addr, &a) != 0)
    return M78_E_UNMAPPED;
  return do_write(sim, &a, addr, width, value, 1);
}

const uint32_t *m78_sram_view(const m78_sim *sim, int instance)
{
  return sim->sram[instance];
}
const uint8_t *m78_mram_view(const m78_sim *sim, int proc)
{
  return &sim->mram[proc][0][0];
}
const uint8_t *m78_bias_view(const m78_sim *sim, int quad)
{
  return sim->q[quad].bias;
}

uint32_t m78_lreg_get(const m78_sim *sim, int quad, enum m78_lreg reg, int layer)
{
  return sim->q[quad].lreg[m78_lreg_arrays[reg]][layer];
}

uint32_t m78_greg_get(const m78_sim *sim, int quad, enum m78_greg reg)
{
  return sim->q[quad].greg[reg];
}
