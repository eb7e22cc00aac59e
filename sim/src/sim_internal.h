/*
 * The simulator instance.
 *
 * Hardware state is plain data grouped by block (struct m78_quadrant
 * holds one quadrant's register file and memories; the FIFO block and
 * the run state machine are shared).  Everything above the `unsaved`
 * marker can be copied as a snapshot; host wiring (hooks, per-layer
 * result buffers) lives below it.
 *
 * Invariants:
 *  - lreg[r][l] is the value last written to per-layer register array r,
 *    layer l; arrays that do not exist read as zero.
 *  - mram[p][c] holds the 9 bytes b0..b8 of column c of processor p
 *    (b0 = bits 71:64, the byte written alone in the direct protocol).
 *  - sram[i][w] is word w of global instance i (quadrant i/4).
 */
#ifndef M78_SIM_INTERNAL_H
#define M78_SIM_INTERNAL_H

#include <assert.h>
#include "max78sim/sim.h"

#ifdef M78_DEBUG
#define M78_ASSERT(x) assert(x)
#else
#define M78_ASSERT(x) ((void)0)
#endif

#define M78_LREG_ARRAYS 21

/* Packed-weight ("mexpress") loader state of one processor. */
struct m78_mexpress {
  uint16_t col; /* column the next completed word goes to */
  uint8_t nbuf; /* bytes collected for the current word */
  uint8_t buf[9];
};

/* Direct-protocol staging of one processor (words +0, +4, +8). */
struct m78_kstage {
  uint32_t w[3];
};

struct m78_quadrant {
  uint32_t greg[M78_GREG_COUNT];
  uint32_t lreg[M78_LREG_ARRAYS][M78_MAX_LAYERS];
  uint8_t bias[M78_BIAS_ENTRIES];
  struct m78_mexpress mx[M78_PROCS_PER_QUAD];
  struct m78_kstage ks[M78_PROCS_PER_QUAD];
  /* mlator: word pointer (global, 17 bit) and a primed flag */
  uint32_t mlat_ptr;
  int mlat_primed;
};

struct m78_fifo_block {
  uint32_t ctrl;
  uint32_t words[M78_FIFOS][M78_FIFO_DEPTH];
  uint8_t head[M78_FIFOS], count[M78_FIFOS];
  uint32_t pushed[M78_FIFOS];   /* words pushed this frame */
  uint32_t consumed[M78_FIFOS]; /* words moved into SRAM this frame */
};

/*
 * The unwrapped input of a streaming layer.  The hardware keeps only a
 * rolling window of FBUF words per instance (its producer's writes wrap
 * at RPTR_BASE + FBUF); the layers run interleaved, so every word is
 * read before it is overwritten when the stream registers are right.
 * The simulator runs layers one after the other, so it keeps the words
 * in write order here and the consumer reads them from this copy.  Data
 * SRAM still receives every write at its wrapped address, so its final
 * contents are the hardware's.  m78i_stream_check() reports register
 * settings under which the hardware would read overwritten data.
 */
struct m78_stream {
  int active;
  uint32_t rptr, fbuf;
  uint32_t len; /* words per instance */
  uint32_t *w;  /* [M78_SRAM_INSTANCES][len] */
};

/* Stream scheduler (stream_timing.c).  A step is one column of a
 * layer's walk: `cost` cycles, startable once `need` input pixels (FIFO
 * words for layer 0) exist (0: none), after which the layer has written
 * `produce` output pixels (0: unchanged). */
struct m78_step {
  uint32_t cost, need, produce;
};

struct m78_sched_layer {
  struct m78_step *steps; /* owned unless `cached` (then in the step cache) */
  int cached;
  uint32_t n, next;
  uint32_t produced; /* output pixels written so far */
  uint64_t start, end, busy, stall;
  int started, done;
};

struct m78_sched {
  int nl; /* streaming layers 0..nl-1 (0: no stream) */
  struct m78_sched_layer L[M78_MAX_STREAM_LAYERS];
  uint64_t t;       /* cycle at which the state machine is free */
  int fifo;         /* layer 0 reads the FIFOs */
  uint32_t nwords;  /* words per FIFO that layer 0 reads */
  uint32_t fbuf;    /* layer 0's circular buffer (words) */
  uint64_t *arrive; /* [nwords]: cycle word k was in every enabled FIFO */
  uint32_t narrived;
  /* words layer 0 waits for when no layer could run at the end of the
   * last walk (UINT32_MAX: it is done; 0: walk again): arrivals short of
   * it change nothing, since only layer 0 reads the FIFOs */
  uint32_t wait_words;
  uint64_t *consume; /* [nwords]: cycle layer 0 took word k */
  uint32_t nconsumed, cons_cursor;
  uint64_t (*stalls)[2]; /* [from, to) intervals the machine waited for input */
  size_t nstalls, cap_stalls;
};

enum m78_run_state { M78_IDLE = 0, M78_RUNNING, M78_DONE };

struct m78_sim {
  /* ---- hardware state (snapshot-able) ---- */
  struct m78_quadrant q[M78_QUADS];
  uint32_t sram[M78_SRAM_INSTANCES][M78_SRAM_WORDS];
  uint8_t mram[M78_PROCS][M78_MRAM_WORDS][9];
  uint16_t tram[M78_PROCS][M78_TRAM_WORDS];
  struct m78_fifo_block fifo;
  uint32_t aon_ctrl;
  unsigned power_mask; /* GCFR: powered quadrants */
  unsigned reset_mask; /* GCFR: quadrants held in reset */
  int clock_enabled;

  uint64_t now; /* CNN cycles since the simulator was created */
  enum m78_run_state state;
  uint8_t run_quads; /* quadrants taking part in the current run */
  int n_layers;      /* layers of the current run */
  int cur_layer;     /* next layer to execute */
  uint64_t run_start, run_end;
  uint64_t next_layer_end; /* cycle at which cur_layer completes */
  unsigned runs;
  struct m78_counters ctr;
  struct m78_fault faults[M78_MAX_FAULTS];
  int n_faults;
  int kernel_faults_applied; /* kernel flips are in mram[] now */

  uint64_t cnn_hz;                  /* CNN clock as the SoC programs it (energy only) */
  struct m78_energy_ctl energy_ctl; /* power-relevant state at the run's start */

  /* ---- unsaved: host wiring and result buffers ---- */
  struct m78_stream streams[M78_MAX_STREAM_LAYERS];
  struct m78_sched sched;
  struct m78_hooks hooks;
  int keep_outputs;
  struct m78_layer_result results[M78_MAX_LAYERS];
  struct m78_workers *workers;  /* threads and scratch of the engine (workers.c) */
  struct m78_host_alloc halloc; /* where workers.c gets their memory */
  /* bumped by every change that m78_sim_energy_ctl() could see (and by
   * every register write, to be safe): m78_sim_energy_gen() */
  uint64_t energy_gen;
};

/* stream_input.c */
/* Stores word `value` that the producer writes at linear word `word` of
 * instance `inst`.  Returns 1 when the address belongs to the streaming
 * input of layer `consumer` (then written, wrapped, to SRAM and to the
 * stream copy), 0 when it is an ordinary address. */
/* stream_input.c: the unwrapped copies of streaming layers' inputs,
 * allocated at the start of a run and freed with its results */
void m78i_setup_streams(m78_sim *sim);
void m78i_free_streams(m78_sim *sim);
int m78i_stream_write(m78_sim *sim, int consumer, uint32_t inst, uint32_t word, uint32_t value, uint32_t lane_mask);
/* The same for words word0 + i * step, values v[i], i in [0, n), in
 * order; 0 when word0 is not a stream address (then nothing was written). */
int m78i_stream_write_run(m78_sim *sim, int consumer, uint32_t inst, uint32_t word0, uint32_t step, int n,
                          const uint32_t *v, uint32_t mask);

void m78i_guest_error(m78_sim *sim, enum m78_status st, uint32_t addr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void m78i_event(m78_sim *sim, enum m78_event ev, int layer, uint64_t cycle);

/* stream_timing.c */
void m78i_sched_setup(m78_sim *sim);
void m78i_sched_run(m78_sim *sim);
void m78i_sched_free(m78_sim *sim);
void m78i_sched_fifo_push(m78_sim *sim);
/* Moves the consume cursor past the words layer 0 took by sim->now
 * (inline: it runs on every FIFO access) */
static inline void m78i_sched_sync(m78_sim *sim)
{
  struct m78_sched *s = &sim->sched;
  while (s->cons_cursor < s->nconsumed && s->consume[s->cons_cursor] <= sim->now)
    s->cons_cursor++;
}
/* FIFO_STAT's full bits now: bit n = FIFO n */
unsigned m78i_sched_fifo_full_mask(const m78_sim *sim);
uint64_t m78i_sched_layer_end(const m78_sim *sim, int i);
void m78i_sched_fill_result(const m78_sim *sim, int i, struct m78_layer_result *r);

/* mram.c: kernel memory write protocols */
enum m78_status m78i_mram_write(m78_sim *sim, int proc, uint32_t offset, unsigned width, uint32_t value);
enum m78_status m78i_mram_read(const m78_sim *sim, int proc, uint32_t offset, uint32_t *value);

/* engine.c: runs one decoded layer's datapath; fills *res */
void m78i_engine_run_layer(m78_sim *sim, const struct m78_layer *l, struct m78_layer_result *res);

/* workers.c: parallel units and scratch memory of the engine */
#define M78I_SCRATCH_SLOTS (16 + 8 * M78_MAX_THREADS)
typedef void (*m78i_unit_fn)(void *ctx, int unit, int tid);
/* Runs fn(ctx, u, tid) for u in [0, nunits): on the calling thread (tid 0)
 * alone unless `parallel`, else on up to m78i_threads() threads. */
void m78i_par_for(m78_sim *sim, int nunits, int parallel, m78i_unit_fn fn, void *ctx);
/* the kernels m78_sim_set_kernel() chose (kernels.h) */
struct m78k_kernels;
void m78i_kernels(m78_sim *sim, struct m78k_kernels *k);
/* m78_sim_set_split_min(), default M78_SPLIT_MIN_DEFAULT */
uint64_t m78i_split_min(m78_sim *sim);
/* Threads a parallel job uses (starts the workers on first use). */
int m78i_threads(m78_sim *sim);
/* Buffer `slot` of at least `bytes` (64-byte aligned, contents left
 * over, NULL when out of memory); valid until the next call for the slot. */
void *m78i_scratch(m78_sim *sim, int slot, size_t bytes);
void m78i_workers_free(m78_sim *sim, struct m78_workers *w);
/* engine.c's weight layouts, kept with the workers (NULL until made) */
struct m78_wcache **m78i_wcache(m78_sim *sim);
/* The stream scheduler's step lists, kept like the weights (host memory,
 * not hardware state): NULL without workers. */
struct m78_scache;
struct m78_scache **m78i_scache(m78_sim *sim);
void m78i_scache_free(m78_sim *sim, struct m78_scache *c);
void m78i_wcache_free(m78_sim *sim, struct m78_wcache *c);
/* host memory (m78_sim_set_host_alloc): 64-byte aligned, or NULL */
void *m78i_halloc(m78_sim *sim, size_t bytes);
void m78i_hfree(m78_sim *sim, void *p);

/* fault.c: the fault table applied at the points of a run */
int m78i_fault_valid(const struct m78_fault *f);
void m78i_faults_run_start(m78_sim *sim);
void m78i_faults_run_end(m78_sim *sim);
void m78i_faults_before_layer(m78_sim *sim, int layer);
void m78i_faults_after_layer(m78_sim *sim, int layer);
void m78i_faults_sram_write(m78_sim *sim, int inst, uint32_t word);

/* timing.c: cycles the state machine spends on a layer (izer's
 * equation, compute.md 7.3), and its inputs for the stream scheduler. */
struct m78_lat_in {
  int64_t M, E, Pr, Pc, Hp, Wp, Kr, Kc, pr, pc, Ho, Wo, Cout, T, F, kern_offs;
  int pool_first, passthrough, streaming;
  int flat; /* flattened linear layer: rows/columns are izer's, not the input's */
};
void m78i_lat_params(const m78_sim *sim, const struct m78_layer *l, struct m78_lat_in *x);
int64_t m78i_lat_formula(const struct m78_lat_in *x);
uint64_t m78i_layer_cycles(const m78_sim *sim, const struct m78_layer *l);

static inline uint32_t m78i_lreg(const m78_sim *sim, int quad, int array, int layer)
{
  return sim->q[quad].lreg[array][layer];
}

#endif
