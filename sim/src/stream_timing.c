/*
 * Timing of streaming layers: one sequencer, column steps, waits for
 * input.
 *
 * In streaming mode the layers 0..S-1 run interleaved: a layer may work
 * on an input pixel as soon as its producer (the FIFOs for layer 0, the
 * previous layer otherwise) has written it, and the hardware stalls when
 * no layer has data (README "Streaming Mode", "FIFOs").  This file
 * models that at the granularity of one column step:
 *
 *  - Each streaming layer's walk is cut into the per-column pieces of
 *    izer's row equation (compute.md 7.3): padding columns, columns that
 *    fetch a pixel without producing output, and columns that fetch a
 *    pixel and write the output channels of one output pixel.  The costs
 *    of a layer's steps add up to izer's non-streaming cycles exactly.
 *  - A step that fetches pooled pixel (r, c) needs the last input pixel
 *    of its pooling window: the word count of the FIFOs (layer 0) or the
 *    producer's output pixel count (raster order).  A layer's first step
 *    also needs the STRM0 start count (taken as FIFO words for layer 0,
 *    producer output pixels otherwise, the unit izer computes it in).
 *  - The one state machine runs one step at a time.  When several layers
 *    could run, the deepest goes first: it frees buffer space and keeps
 *    the circular buffers (FBUF) from being overrun.  When no layer can
 *    run, the machine waits for the next FIFO word: a stall, accounted to
 *    layer 0 and recorded as an interval.
 *  - The schedule is computed eagerly as far as the words that have
 *    arrived allow.  That is causal: a later word can only change a
 *    decision the sequencer made because nothing else could run, and
 *    that is exactly where the eager walk stops.
 *  - The FIFOs drain into layer 0's circular buffer (FBUF words) while it
 *    has room; a word's place frees when the step that needs it starts.
 *    The FIFO reports full to the CPU once FBUF + M78_FIFO_DEPTH pushed
 *    words wait, so a fast CPU is paced by the network.  STRM0 counts
 *    pixels: four to a word for CHW input through the FIFOs.
 *
 * Not modelled (unknown): layer switching overhead, the STRM1 delta
 * counts beyond the data dependencies (izer derives them from the same
 * geometry), FIFO-to-SRAM latency.  The datapath is unchanged:
 * each layer still runs in bulk at its end (sim.c).
 */
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

#define MAX_STALLS 1000000u

static void sched_free_layers(struct m78_sched *s)
{
  for (int i = 0; i < M78_MAX_STREAM_LAYERS; i++)
    if (!s->L[i].cached)
      free(s->L[i].steps);
  free(s->arrive);
  free(s->consume);
  free(s->stalls);
}

void m78i_sched_free(m78_sim *sim)
{
  sched_free_layers(&sim->sched);
  memset(&sim->sched, 0, sizeof sim->sched);
}

/* ---- step lists ---------------------------------------------------- */

struct builder {
  struct m78_step *v;
  uint32_t n, cap;
  int fail;
};

static void push(struct builder *b, uint64_t cost, uint32_t need, uint32_t produce)
{
  if (b->fail || cost == 0)
    return;
  /* A step that needs nothing new and produces nothing joins the
   * previous step unless that one ends an output pixel. */
  if (b->n && !produce && (!need || need <= b->v[b->n - 1].need) && !b->v[b->n - 1].produce) {
    b->v[b->n - 1].cost += cost;
    return;
  }
  if (b->n == b->cap) {
    uint32_t cap = b->cap ? 2 * b->cap : 256;
    struct m78_step *v = realloc(b->v, (size_t)cap * sizeof *v);
    if (!v) {
      b->fail = 1;
      return;
    }
    b->v = v;
    b->cap = cap;
  }
  b->v[b->n++] = (struct m78_step){cost, need, produce};
}

/* Count the consumer needs before it may fetch pooled pixel (k, j):
 * the last input pixel of the pooling window, as a 1-based raster index
 * of the input (or FIFO word count). */
struct need_map {
  int h, w, ph, pw, stride, convt, chw, fifo;
  uint64_t limit; /* the producer's total; needs are clamped to it */
};

/* The step lists of the last run's streaming layers, with everything
 * they were built from: the next inference with the same registers (a
 * data set's) takes them instead of walking the rows again. */
struct scache_key {
  struct m78_lat_in x;
  struct need_map nm;
  uint64_t start, limit;
  int64_t ho, wo; /* the fallback's output count */
  int fifo;
};

struct m78_scache {
  int n;
  struct {
    struct scache_key key;
    struct m78_step *steps; /* host memory */
    uint32_t nsteps;
    int64_t outs;
  } e[M78_MAX_STREAM_LAYERS];
};

void m78i_scache_free(m78_sim *sim, struct m78_scache *c)
{
  if (!c)
    return;
  for (int i = 0; i < M78_MAX_STREAM_LAYERS; i++)
    m78i_hfree(sim, c->e[i].steps);
  m78i_hfree(sim, c);
}

/* Keeps layer i's steps in the cache (best effort: without memory the
 * next run builds them again). */
static void scache_put(m78_sim *sim, int i, const struct scache_key *k, const struct m78_step *v, uint32_t n,
                       int64_t outs)
{
  struct m78_scache **cp = m78i_scache(sim);
  if (!cp)
    return;
  if (!*cp) {
    if (!(*cp = m78i_halloc(sim, sizeof **cp)))
      return;
    memset(*cp, 0, sizeof **cp);
  }
  struct m78_scache *c = *cp;
  m78i_hfree(sim, c->e[i].steps);
  c->e[i].steps = n ? m78i_halloc(sim, (size_t)n * sizeof *v) : NULL;
  if (n && !c->e[i].steps) {
    c->e[i].nsteps = 0;
    return;
  }
  if (n)
    memcpy(c->e[i].steps, v, (size_t)n * sizeof *v);
  c->e[i].key = *k;
  c->e[i].nsteps = n;
  c->e[i].outs = outs;
  if (c->n < i + 1)
    c->n = i + 1;
}

static const struct m78_scache *scache_get(m78_sim *sim, int i, const struct scache_key *k)
{
  struct m78_scache **cp = m78i_scache(sim);
  const struct m78_scache *c = cp ? *cp : NULL;
  if (!c || i >= c->n || !c->e[i].steps || memcmp(&c->e[i].key, k, sizeof *k) != 0)
    return NULL;
  return c;
}

static uint32_t need_of(const struct need_map *m, int64_t k, int64_t j)
{
  if (m->convt) { /* stuffed grid: pooled row k holds input row k/2 */
    k /= 2;
    j /= 2;
  }
  int64_t r = k * m->stride + m->ph - 1, c = j * m->stride + m->pw - 1;
  if (r >= m->h)
    r = m->h - 1;
  if (c >= m->w)
    c = m->w - 1;
  uint64_t idx = (uint64_t)(r * m->w + c);
  uint64_t need = m->fifo && m->chw ? idx / 4 + 1 : idx + 1;
  if (m->limit && need > m->limit)
    need = m->limit;
  return (uint32_t)need;
}

/* The walk of izer's equation, one step per column.  Returns the number
 * of output pixels, or -1 when the layer does not fit the row model (it
 * then becomes one step needing all its input). */
static int64_t build_steps(const struct m78_lat_in *x, const struct need_map *nm, struct builder *b)
{
  int64_t a, bb, m;
  if (x->pool_first) {
    a = 2 * x->M * x->E;
    bb = x->M * x->E * (x->Pr * x->Pc + 1);
    m = 1;
  } else {
    a = 2 * x->M;
    bb = x->M * (x->E * x->Pr * x->Pc + 1);
    m = x->M;
  }
  int64_t L = m78i_lat_formula(x);
  int64_t head = x->F, Wo = x->Wo;
  if (!x->pool_first && (x->M > 1 || x->E > 1))
    head += ((x->Hp + 2 * x->pr - x->Kc + 1) * x->pc + (x->Wp + 2 * x->pc - x->Kr + 1) * x->pr - x->pr * x->pc) *
            x->kern_offs;
  push(b, (uint64_t)head, 0, 0);
  if (x->flat)
    return -1;
  if (x->passthrough) {
    for (int64_t k = 0; k < x->Hp; k++)
      for (int64_t j = 0; j < x->Wp; j++)
        push(b, (uint64_t)(bb + x->M * x->T), need_of(nm, k, j), (uint32_t)(k * x->Wp + j + 1));
    return x->Hp * x->Wp;
  }
  int64_t warm_r = x->Kr - 1 - x->pr, warm_c = x->Kc - 1 - x->pc;
  int64_t outc = x->M * x->Cout, extra = (x->Cout == 1 && x->M == 1) ? x->Cout : 0;
  if (warm_r < 0 || warm_c < 0 || x->Wo - x->pc < 0 || x->Hp - warm_r < 0)
    return -1;
  for (int64_t r = 0; r < x->pr; r++) /* padding rows above */
    push(b, (uint64_t)(2 * x->pc * (a + 1) + m * x->Wp * (a + 1)), 0, 0);
  for (int64_t k = 0; k < warm_r; k++) { /* rows that fill the window */
    push(b, (uint64_t)(x->pc * (a + 1)), 0, 0);
    for (int64_t j = 0; j < x->Wp; j++)
      push(b, (uint64_t)(m * (bb + 1)), need_of(nm, k, j), 0);
    push(b, (uint64_t)(x->pc * (a + 1)), 0, 0);
  }
  int64_t orow = 0;
  for (int64_t k = warm_r; k < x->Hp; k++, orow++) { /* rows that produce output */
    push(b, (uint64_t)(x->pc * (a + 1)), 0, 0);
    for (int64_t j = 0; j < warm_c; j++)
      push(b, (uint64_t)(m * (bb + 1)), need_of(nm, k, j), 0);
    for (int64_t c = 0; c < Wo; c++) {
      int64_t cost = (c < Wo - x->pc ? m * bb : a) + outc + (c == Wo - 1 ? extra : 0);
      uint32_t need = c < Wo - x->pc ? need_of(nm, k, warm_c + c) : 0;
      push(b, (uint64_t)cost, need, (uint32_t)(orow * Wo + c + 1));
    }
  }
  for (int64_t r = 0; r < x->pr; r++, orow++) { /* padding rows below */
    push(b, (uint64_t)(x->pc * (a + 1) + m * warm_c * (a + 1)), 0, 0);
    for (int64_t c = 0; c < Wo; c++) {
      int64_t cost = (c < Wo - x->pc ? m * a : a) + outc + (c == Wo - 1 ? extra : 0);
      push(b, (uint64_t)cost, 0, (uint32_t)(orow * Wo + c + 1));
    }
  }
  /* The pieces must add up to the equation; otherwise fall back. */
  uint64_t sum = 0;
  for (uint32_t i = 0; i < b->n; i++)
    sum += b->v[i].cost;
  if (b->fail || (int64_t)sum != L)
    return -1;
  return orow * Wo;
}

/* Streaming layers run by the scheduler: 0..S-1 with the stream flag. */
void m78i_sched_setup(m78_sim *sim)
{
  struct m78_sched *s = &sim->sched;
  m78i_sched_free(sim);
  int nl = 0;
  while (nl < sim->n_layers && nl < M78_MAX_STREAM_LAYERS && !sim->results[nl].error[0] &&
         sim->results[nl].layer.streaming)
    nl++;
  if (!nl)
    return;
  int fifo = M78_GET(sim->q[0].greg[M78_GREG_CTRL], CTRL, FIFO_EN) != 0;
  uint64_t prev_out = 0;
  for (int i = 0; i < nl; i++) {
    const struct m78_layer *l = &sim->results[i].layer;
    struct scache_key key;
    memset(&key, 0, sizeof key); /* compared with memcmp: no stray padding */
    struct m78_lat_in x;
    m78i_lat_params(sim, l, &x);
    x.streaming = 0;
    struct need_map nm = {l->h,
                          l->w,
                          l->pool_en ? l->pool_h : 1,
                          l->pool_en ? l->pool_w : 1,
                          l->stride,
                          l->kind == M78_LAYER_CONVT2D,
                          l->chw,
                          i == 0 && fifo,
                          i == 0 ? 0 : prev_out};
    if (nm.stride < 1)
      nm.stride = 1;
    /* STRM0 (strm_isval): writes into the layer's input before it may
     * start at all, even with rows of padding to do (registers.md 3.17) */
    uint64_t start = M78_GET(l->strm0, STRM0, ISVAL);
    if (i == 0 && fifo && l->chw) /* counted in pixels, four to a CHW word */
      start = (start + 3) / 4;
    uint64_t limit = i == 0 ? (fifo ? (l->chw ? ((uint64_t)l->h * l->w + 3) / 4 : (uint64_t)l->h * l->w) : 0)
                            : prev_out;
    memcpy(&key.x, &x, sizeof x);
    memcpy(&key.nm, &nm, sizeof nm);
    key.start = start;
    key.limit = limit;
    key.fifo = fifo;
    key.ho = l->ho;
    key.wo = l->wo;
    const struct m78_scache *hit = scache_get(sim, i, &key);
    if (hit) {
      s->L[i].steps = hit->e[i].steps;
      s->L[i].n = hit->e[i].nsteps;
      s->L[i].cached = 1;
      prev_out = (uint64_t)hit->e[i].outs;
      continue;
    }
    struct builder b = {0};
    int64_t outs = build_steps(&x, &nm, &b);
    if (outs < 0) { /* one step that needs all of the input */
      free(b.v);
      b = (struct builder){0};
      uint64_t all = i == 0 ? (fifo ? (l->chw ? ((uint64_t)l->h * l->w + 3) / 4 : (uint64_t)l->h * l->w) : 0)
                            : prev_out;
      outs = (int64_t)l->ho * l->wo;
      push(&b, (uint64_t)m78i_lat_formula(&x), (uint32_t)all, (uint32_t)(outs ? outs : 1));
    }
    if (start > limit)
      start = limit;
    if (b.n && start > b.v[0].need && (i > 0 || fifo))
      b.v[0].need = (uint32_t)start;
    if (b.fail) {
      free(b.v);
      m78i_sched_free(sim);
      m78i_guest_error(sim, M78_E_UNMAPPED, 0, "out of host memory for the stream schedule");
      return;
    }
    s->L[i].steps = b.v;
    s->L[i].n = b.n;
    scache_put(sim, i, &key, b.v, b.n, outs);
    prev_out = (uint64_t)outs;
  }
  s->nl = nl;
  s->t = sim->now + 1; /* izer's start-up cycle */
  if (fifo) {
    const struct m78_layer *l0 = &sim->results[0].layer;
    uint32_t words = l0->chw ? (uint32_t)(((uint64_t)l0->h * l0->w + 3) / 4) : (uint32_t)((uint64_t)l0->h * l0->w);
    s->fifo = 1;
    s->nwords = words;
    s->fbuf = l0->fbuf;
    s->arrive = calloc(words ? words : 1, sizeof *s->arrive);
    s->consume = calloc(words ? words : 1, sizeof *s->consume);
    if (!s->arrive || !s->consume) {
      m78i_sched_free(sim);
      m78i_guest_error(sim, M78_E_UNMAPPED, 0, "out of host memory for the stream schedule");
      return;
    }
    m78i_sched_fifo_push(sim); /* words pushed before the start */
  } else {
    m78i_sched_run(sim);
  }
}

/* ---- the sequencer ------------------------------------------------- */

static void add_stall(struct m78_sched *s, uint64_t from, uint64_t to)
{
  if (s->nstalls && s->stalls[s->nstalls - 1][1] == from) {
    s->stalls[s->nstalls - 1][1] = to;
    return;
  }
  if (s->nstalls >= MAX_STALLS)
    return; /* the totals stay right; the interval list is only for the timeline */
  if (s->nstalls == s->cap_stalls) {
    size_t cap = s->cap_stalls ? 2 * s->cap_stalls : 64;
    uint64_t(*v)[2] = realloc(s->stalls, cap * sizeof *v);
    if (!v)
      return;
    s->stalls = v;
    s->cap_stalls = cap;
  }
  s->stalls[s->nstalls][0] = from;
  s->stalls[s->nstalls][1] = to;
  s->nstalls++;
}

/* The FIFO words layer 0's step `st` waits for (its need, at most the
 * frame). */
static inline uint32_t words_needed(const struct m78_sched *s, const struct m78_step *st)
{
  return st->need > s->nwords ? s->nwords : st->need;
}

/* Cycle from which step `st` of layer i may start, or UINT64_MAX while
 * its input has not arrived. */
static uint64_t ready_at(const struct m78_sched *s, int i, const struct m78_step *st)
{
  if (!st->need)
    return 0;
  if (i > 0)
    return s->L[i - 1].produced >= st->need ? 0 : UINT64_MAX;
  if (!s->fifo)
    return 0;
  uint32_t need = words_needed(s, st);
  return need <= s->narrived ? s->arrive[need - 1] : UINT64_MAX;
}

void m78i_sched_run(m78_sim *sim)
{
  struct m78_sched *s = &sim->sched;
  for (;;) {
    int pick = -1;
    uint64_t ready = 0;
    for (int i = s->nl - 1; i >= 0; i--) {
      struct m78_sched_layer *L = &s->L[i];
      if (L->next >= L->n)
        continue;
      uint64_t r = ready_at(s, i, &L->steps[L->next]);
      if (r != UINT64_MAX) {
        pick = i;
        ready = r;
        break;
      }
    }
    if (pick < 0) { /* done, or waiting for the FIFOs */
      const struct m78_sched_layer *L0 = &s->L[0];
      if (!s->fifo)
        s->wait_words = 0;
      else if (L0->next >= L0->n)
        s->wait_words = UINT32_MAX;
      else
        s->wait_words = words_needed(s, &L0->steps[L0->next]);
      return;
    }
    struct m78_sched_layer *L = &s->L[pick];
    const struct m78_step *st = &L->steps[L->next];
    uint64_t start = ready > s->t ? ready : s->t;
    if (!L->started) { /* a layer starts when the machine turns to it, waiting or not */
      L->started = 1;
      L->start = s->t;
    }
    if (start > s->t) { /* nothing could run until the word arrived */
      s->L[0].stall += start - s->t;
      add_stall(s, s->t, start);
    }
    if (pick == 0 && s->fifo)
      for (uint32_t need = words_needed(s, st); s->nconsumed < need;)
        s->consume[s->nconsumed++] = start;
    s->t = start + st->cost;
    L->busy += st->cost;
    if (st->produce)
      L->produced = st->produce;
    if (++L->next == L->n) {
      L->end = s->t;
      L->done = 1;
    }
  }
}

void m78i_sched_fifo_push(m78_sim *sim)
{
  struct m78_sched *s = &sim->sched;
  if (!s->nl || !s->fifo)
    return;
  unsigned en = (sim->fifo.ctrl >> 12) & 0xF;
  if (!en)
    en = 1;
  uint32_t have = UINT32_MAX;
  for (int n = 0; n < M78_FIFOS; n++)
    if ((en >> n) & 1 && sim->fifo.pushed[n] < have)
      have = sim->fifo.pushed[n];
  if (have > s->nwords)
    have = s->nwords;
  if (have <= s->narrived)
    return;
  while (s->narrived < have)
    s->arrive[s->narrived++] = sim->now;
  if (s->wait_words && s->narrived < s->wait_words)
    return; /* every layer still waits: the walk would find nothing */
  m78i_sched_run(sim);
}

uint64_t m78i_sched_layer_end(const m78_sim *sim, int i)
{
  const struct m78_sched *s = &sim->sched;
  if (i < 0 || i >= s->nl || !s->L[i].done)
    return UINT64_MAX;
  return s->L[i].end;
}

unsigned m78i_sched_fifo_full_mask(const m78_sim *sim)
{
  const struct m78_sched *s = &sim->sched;
  if (!s->nl || !s->fifo || sim->state != M78_RUNNING)
    return 0;
  uint32_t fetched = s->cons_cursor;
  while (fetched < s->nconsumed && s->consume[fetched] <= sim->now)
    fetched++;
  /* Layer 0 waits for words it has no room for (FBUF smaller than its
   * pooling window or start count): never full, so the model cannot
   * deadlock the CPU where the register settings are at fault. */
  const struct m78_sched_layer *L0 = &s->L[0];
  if (fetched == s->nconsumed && L0->next < L0->n && L0->steps[L0->next].need > s->narrived)
    return 0;
  /* the FIFO drains into layer 0's circular buffer of FBUF words while
   * the buffer has room; a word's place frees when the layer fetches it */
  uint64_t limit = (uint64_t)fetched + s->fbuf + M78_FIFO_DEPTH;
  unsigned mask = 0;
  for (int n = 0; n < M78_FIFOS; n++)
    mask |= (unsigned)(sim->fifo.pushed[n] >= limit) << n;
  return mask;
}

void m78i_sched_fill_result(const m78_sim *sim, int i, struct m78_layer_result *r)
{
  const struct m78_sched_layer *L = &sim->sched.L[i];
  r->start_cycle = L->start;
  r->end_cycle = L->end;
  r->stall_cycles = L->stall;
  r->cycles = L->busy + L->stall;
}

/* ---- the schedule, for the host ---------------------------------- */

size_t m78_sim_stall_count(const m78_sim *sim)
{
  return sim->sched.nstalls;
}
int m78_sim_streaming_layers(const m78_sim *sim)
{
  return sim->sched.nl;
}

void m78_sim_stall_get(const m78_sim *sim, size_t i, uint64_t *from, uint64_t *to)
{
  *from = *to = 0;
  if (i < sim->sched.nstalls) {
    *from = sim->sched.stalls[i][0];
    *to = sim->sched.stalls[i][1];
  }
}
