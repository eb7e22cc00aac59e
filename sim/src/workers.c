/*
 * Host resources of the datapath: worker threads and scratch memory.
 *
 * A layer's work is cut into independent units (a plane to gather, a
 * block of outputs to accumulate, a slot to requantize); m78i_par_for()
 * hands them to the calling thread and to n - 1 persistent workers, which
 * take the next unit from a shared counter.  Every unit writes only its
 * own outputs and computes them in a fixed order, so the results do not
 * depend on the number of threads or on which thread ran which unit.
 * Anything with an order that matters (SRAM writes, guest errors, hooks)
 * stays on the calling thread.
 *
 * Scratch buffers grow and are kept for the next layer, so the engine
 * allocates nothing once the largest layer has run.  Both live in the
 * unsaved part of the instance: a snapshot never carries them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernels.h"
#include "sim_internal.h"

struct worker {
  struct m78_workers *w;
  int tid;
};

struct m78_workers {
  int want;    /* threads asked for, >= 1 */
  int started; /* worker threads running (want - 1 when all could start) */
  pid_t owner; /* the process they run in (a fork leaves them behind) */
  pthread_t th[M78_MAX_THREADS];
  struct worker arg[M78_MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  unsigned gen; /* bumped for every job */
  int quit;
  int busy; /* workers not yet done with the current job */
  uint64_t split_min;

  /* the current job */
  m78i_unit_fn fn;
  void *ctx;
  int nunits;
  int next;

  struct {
    void *p;
    size_t cap;
  } buf[M78I_SCRATCH_SLOTS];
  struct m78_wcache *wcache; /* engine.c: weights laid out per layer */
  struct m78_scache *scache; /* stream_timing.c: step lists of the last streaming layers */
  char kernel[16];           /* m78_sim_set_kernel(); "" = the fastest */
};

static void run_units(struct m78_workers *w, int tid)
{
  for (;;) {
    int u = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
    if (u >= w->nunits)
      return;
    w->fn(w->ctx, u, tid);
  }
}

static void *worker_main(void *arg)
{
  struct worker *me = arg;
  struct m78_workers *w = me->w;
  unsigned seen = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->quit && w->gen == seen)
      pthread_cond_wait(&w->go, &w->mu);
    if (w->quit)
      break;
    seen = w->gen;
    pthread_mutex_unlock(&w->mu);
    run_units(w, me->tid);
    pthread_mutex_lock(&w->mu);
    if (--w->busy == 0)
      pthread_cond_signal(&w->done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static struct m78_workers *workers(m78_sim *sim)
{
  if (!sim->workers) {
    struct m78_workers *w = m78i_halloc(sim, sizeof *w);
    if (!w)
      return NULL;
    memset(w, 0, sizeof *w);
    w->want = 1;
    w->split_min = M78_SPLIT_MIN_DEFAULT;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->go, NULL);
    pthread_cond_init(&w->done, NULL);
    sim->workers = w;
  }
  return sim->workers;
}

/* In a forked child the parent's workers do not exist: forget them (and
 * the state of their locks, which the fork copied mid-use or not), so
 * that the child starts its own instead of waiting for them forever. */
static void adopt_after_fork(struct m78_workers *w)
{
  if (!w->started || w->owner == getpid())
    return;
  w->started = 0;
  w->quit = 0;
  w->busy = 0;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->go, NULL);
  pthread_cond_init(&w->done, NULL);
}

static void stop_threads(struct m78_workers *w)
{
  adopt_after_fork(w);
  if (!w->started)
    return;
  pthread_mutex_lock(&w->mu);
  w->quit = 1;
  pthread_cond_broadcast(&w->go);
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < w->started; i++)
    pthread_join(w->th[i], NULL);
  w->started = 0;
  w->quit = 0;
}

/* Starts the missing workers; fewer if the host refuses threads (the
 * results are the same, only slower). */
static void start_threads(struct m78_workers *w)
{
  adopt_after_fork(w);
  w->owner = getpid();
  while (w->started < w->want - 1) {
    struct worker *a = &w->arg[w->started];
    a->w = w;
    a->tid = w->started + 1;
    if (pthread_create(&w->th[w->started], NULL, worker_main, a) != 0)
      break;
    w->started++;
  }
  w->want = w->started + 1;
}

void m78i_workers_free(m78_sim *sim, struct m78_workers *w)
{
  if (!w)
    return;
  stop_threads(w);
  for (int i = 0; i < M78I_SCRATCH_SLOTS; i++)
    m78i_hfree(sim, w->buf[i].p);
  m78i_wcache_free(sim, w->wcache);
  m78i_scache_free(sim, w->scache);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->go);
  pthread_cond_destroy(&w->done);
  m78i_hfree(sim, w);
}

void *m78i_halloc(m78_sim *sim, size_t bytes)
{
  if (sim->halloc.alloc)
    return sim->halloc.alloc(sim->halloc.ud, bytes);
  return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

void m78i_hfree(m78_sim *sim, void *p)
{
  if (!p)
    return;
  if (sim->halloc.alloc)
    sim->halloc.free(sim->halloc.ud, p);
  else
    free(p);
}

void m78_sim_set_host_alloc(m78_sim *sim, const struct m78_host_alloc *a)
{
  struct m78_workers *old = sim->workers;
  int threads = old ? old->want : 1;
  uint64_t split = old ? old->split_min : M78_SPLIT_MIN_DEFAULT;
  char kernel[sizeof old->kernel] = "";
  if (old)
    memcpy(kernel, old->kernel, sizeof kernel);
  m78i_workers_free(sim, old);
  sim->workers = NULL;
  sim->halloc = a ? *a : (struct m78_host_alloc){0};
  struct m78_workers *w = workers(sim);
  if (!w)
    return;
  w->split_min = split;
  memcpy(w->kernel, kernel, sizeof kernel);
  m78_sim_set_threads(sim, threads);
}

int m78_sim_set_threads(m78_sim *sim, int n)
{
  struct m78_workers *w = workers(sim);
  if (!w)
    return 1;
  if (n < 1)
    n = 1;
  if (n > M78_MAX_THREADS)
    n = M78_MAX_THREADS;
  if (n - 1 < w->started)
    stop_threads(w);
  w->want = n;
  start_threads(w);
  return w->want;
}

int m78_sim_threads(const m78_sim *sim)
{
  return sim->workers ? sim->workers->want : 1;
}

void m78_sim_set_split_min(m78_sim *sim, uint64_t work)
{
  struct m78_workers *w = workers(sim);
  if (w)
    w->split_min = work;
}

int m78_sim_set_kernel(m78_sim *sim, const char *name)
{
  struct m78k_kernels k;
  struct m78_workers *w = workers(sim);
  if (!w || m78k_select(&k, name) != 0)
    return -1;
  snprintf(w->kernel, sizeof w->kernel, "%s", name && strcmp(name, "auto") != 0 ? k.name : "");
  return 0;
}

const char *m78_sim_kernel(m78_sim *sim)
{
  struct m78k_kernels k;
  m78i_kernels(sim, &k);
  return k.name;
}

void m78i_kernels(m78_sim *sim, struct m78k_kernels *k)
{
  struct m78_workers *w = workers(sim);
  m78k_select(k, w ? w->kernel : NULL);
}

uint64_t m78i_split_min(m78_sim *sim)
{
  struct m78_workers *w = workers(sim);
  return w ? w->split_min : M78_SPLIT_MIN_DEFAULT;
}

int m78i_threads(m78_sim *sim)
{
  struct m78_workers *w = workers(sim);
  if (!w)
    return 1;
  adopt_after_fork(w);
  if (w->started < w->want - 1)
    start_threads(w);
  return w->started + 1;
}

void m78i_par_for(m78_sim *sim, int nunits, int parallel, m78i_unit_fn fn, void *ctx)
{
  struct m78_workers *w = workers(sim);
  if (!w || !parallel || nunits < 2 || m78i_threads(sim) < 2) {
    for (int u = 0; u < nunits; u++)
      fn(ctx, u, 0);
    return;
  }
  pthread_mutex_lock(&w->mu);
  w->fn = fn;
  w->ctx = ctx;
  w->nunits = nunits;
  w->next = 0;
  w->busy = w->started;
  w->gen++;
  pthread_cond_broadcast(&w->go);
  pthread_mutex_unlock(&w->mu);
  run_units(w, 0);
  pthread_mutex_lock(&w->mu);
  while (w->busy)
    pthread_cond_wait(&w->done, &w->mu);
  pthread_mutex_unlock(&w->mu);
}

struct m78_wcache **m78i_wcache(m78_sim *sim)
{
  struct m78_workers *w = workers(sim);
  return w ? &w->wcache : NULL;
}

struct m78_scache **m78i_scache(m78_sim *sim)
{
  struct m78_workers *w = workers(sim);
  return w ? &w->scache : NULL;
}

void *m78i_scratch(m78_sim *sim, int slot, size_t bytes)
{
  struct m78_workers *w = workers(sim);
  if (!w || slot < 0 || slot >= M78I_SCRATCH_SLOTS)
    return NULL;
  /* 64 bytes of slack: vector loads may read a little past the end */
  bytes = (bytes + 64 + 63) & ~(size_t)63;
  if (w->buf[slot].cap < bytes) {
    m78i_hfree(sim, w->buf[slot].p);
    w->buf[slot].p = m78i_halloc(sim, bytes);
    w->buf[slot].cap = w->buf[slot].p ? bytes : 0;
  }
  return w->buf[slot].p;
}
