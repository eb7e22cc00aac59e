/*
 * max78sim: the MAX78000 CNN accelerator as a library.
 *
 * One m78_sim instance holds the whole CNN block: four quadrants with
 * their register files, kernel (weight) memories, bias memory, TRAM and
 * data SRAM, the shared FIFO block and the AON control register.  It is
 * driven through a width-aware bus (m78_bus_read/write, what firmware
 * does) and inspected through side-effect-free peek/poke (what tools do).
 *
 * Time is counted in CNN clock cycles.  The host advances it with
 * m78_sim_run_until(); the core then catches up in bulk: each layer's
 * datapath runs at once, and the timing model accounts the cycles the
 * state machine would have spent.  The core does no I/O and keeps no
 * globals; callbacks in struct m78_hooks are the only way out.
 */
#ifndef MAX78SIM_SIM_H
#define MAX78SIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/energy.h"
#include "max78sim/layer.h"
#include "max78sim/regs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define M78_VERSION_STRING "0.1.0"

/* ---- memory map (../shared/spec/registers.md 1.1) ---- */
#define M78_CNN_BASE 0x50000000u /* start of the CNN window */
#define M78_CNN_END 0x51020000u  /* one past quadrant 3's data SRAM */
#define M78_QUAD_STRIDE 0x00400000u
#define M78_FIFO_BASE 0x50000000u
/* the FIFO block's registers (memmap.c's FIFO region, words 0, 1, 2 + n) */
#define M78_FIFO_CTRL (M78_FIFO_BASE + 0u)
#define M78_FIFO_STAT (M78_FIFO_BASE + 4u)
#define M78_FIFO_DATA(n) (M78_FIFO_BASE + 8u + 4u * (unsigned)(n)) /* FIFO n's write register */
#define M78_AON_BASE 0x50001000u
#define M78_QREG_BASE 0x50100000u
#define M78_BIAS_BASE 0x50108000u
#define M78_TRAM_BASE 0x50110000u
#define M78_MRAM_BASE 0x50180000u
#define M78_SRAM_BASE 0x50400000u
#define M78_PROC_WINDOW 0x4000u /* TRAM / MRAM bytes per processor */
#define M78_SRAM_INST_BYTES 0x8000u

#define M78_QUADS 4
#define M78_PROCS 64
#define M78_PROCS_PER_QUAD 16
#define M78_SRAM_INSTANCES 16
#define M78_SRAM_WORDS 8192
#define M78_MRAM_WORDS 768
#define M78_TRAM_WORDS 3072
#define M78_BIAS_ENTRIES 512
#define M78_FIFOS 4
#define M78_FIFO_DEPTH 8 /* words per input FIFO (not documented; see docs) */

/* SRAM pointers (WPTR_BASE, MLAT, offsets): instance in bits 16:13, word
 * in bits 12:0 (spec registers.md 1.3).  One instance = M78_PTR_INST_STEP. */
#define M78_PTR_INST_SHIFT 13
#define M78_PTR_INST_STEP (1u << M78_PTR_INST_SHIFT)
#define M78_PTR_INST(p) (((uint32_t)(p) >> M78_PTR_INST_SHIFT) & 0xFu)
#define M78_PTR_WORD(p) ((uint32_t)(p) & (M78_PTR_INST_STEP - 1u))
/* a whole pointer: 16 instances of M78_PTR_INST_STEP words (bits 16:0) */
#define M78_PTR_MASK (16u * M78_PTR_INST_STEP - 1u)

/* Status of a bus access.  Anything but M78_OK is a guest error: counted,
 * reported through the hooks, and harmless to the simulator. */
enum m78_status {
  M78_OK = 0,
  M78_E_UNMAPPED, /* no register or memory at this address */
  M78_E_READONLY, /* write to a read-only location */
  M78_E_WIDTH,    /* access width not supported by this location */
  M78_E_ALIGN,    /* misaligned access */
  M78_E_POWER,    /* CNN block reset, powered down or clock disabled */
  M78_E_BUSY      /* access not allowed while the CNN runs */
};

const char *m78_status_name(enum m78_status st);

/* Memory-map regions, the one table that the bus, tools and tracers use. */
enum m78_region_kind {
  M78_REG_FIFO,
  M78_REG_AON,
  M78_REG_QREGS,
  M78_REG_BIAS,
  M78_REG_TRAM,
  M78_REG_MRAM,
  M78_REG_SRAM
};

struct m78_region {
  const char *name; /* e.g. "SRAM" */
  enum m78_region_kind kind;
  uint32_t base;        /* quadrant-0 address */
  uint32_t size;        /* bytes of address space per quadrant */
  uint32_t quad_stride; /* 0: one shared copy */
};

extern const struct m78_region m78_regions[];
extern const unsigned m78_region_count;

/* Where an address lands.  Returns 0 and fills *out, or -1 if unmapped. */
struct m78_addr_info {
  const struct m78_region *region;
  int quad;        /* quadrant, -1 for shared blocks */
  int proc;        /* global processor for TRAM/MRAM, -1 otherwise */
  int instance;    /* global SRAM instance, -1 otherwise */
  uint32_t index;  /* word/entry/column index inside the unit */
  uint32_t offset; /* byte offset inside the region copy */
  /* registers: */
  int greg;  /* enum m78_greg or -1 */
  int lreg;  /* enum m78_lreg or -1 */
  int layer; /* layer index of a per-layer register, or -1 */
};
int m78_addr_decode(uint32_t addr, struct m78_addr_info *out);

/* Writes a readable name for an address: "Q1.L4.LCTRL0",
 * "SRAM[5]#0x0123" (word index), "MRAM[p17]+0x02a0" (byte offset). */
int m78_addr_name(uint32_t addr, char *buf, unsigned len);

/* ---- observation hooks (host wiring, never part of a snapshot) ---- */

enum m78_event {
  M78_EV_START, /* master enable: inference starts */
  M78_EV_LAYER_START,
  M78_EV_LAYER_DONE,
  M78_EV_DONE, /* last layer done, interrupt raised */
  M78_EV_STALL /* streaming layer waits for input */
};

struct m78_access {
  uint32_t addr;
  uint32_t value;
  uint8_t width;  /* 1, 2 or 4 bytes */
  uint8_t write;  /* 1 write, 0 read */
  uint8_t status; /* enum m78_status */
};

struct m78_layer_result {
  int index;
  struct m78_layer layer; /* decoded description */
  int executed;           /* 0 if it could not run (see error) */
  char error[200];
  uint64_t start_cycle, end_cycle; /* CNN cycles since reset */
  uint64_t cycles;                 /* end - start */
  uint64_t stall_cycles;           /* streaming: cycles spent waiting for input */
  /* logical output, channel-major [slot][row][col]; int8 or int32 */
  void *output;
  size_t output_bytes;
  int out_c, out_h, out_w, out_elem_bytes;
  /* element-wise result before pooling, for layers that pool after
   * combining (izer logs this stage): int8 [channel][row][col] */
  int8_t *combined;
  size_t combined_bytes;
  int comb_c, comb_h, comb_w;
  /* activity, for the energy model */
  uint64_t sram_reads, sram_writes, mram_reads, tram_accesses;
  /* energy model (energy.h), filled when the layer completes */
  struct m78_activity activity;
  struct m78_energy energy;
};

struct m78_hooks {
  void *ctx;
  /* every bus access (not peek/poke), after it took effect */
  void (*on_access)(void *ctx, const struct m78_access *a);
  /* a guest error; msg is a complete sentence without newline */
  void (*on_guest_error)(void *ctx, enum m78_status st, uint32_t addr, const char *msg);
  /* inference events; layer is -1 where not applicable */
  void (*on_event)(void *ctx, enum m78_event ev, int layer, uint64_t cycle);
};

/* Fault injection (what a faulty board would do), applied by the core
 * (sim/src/fault.c).  The table survives m78_sim_reset(). */
enum m78_fault_kind {
  M78_FAULT_NONE = 0,
  /* data SRAM instance `unit` (0..15), bit `bit` (0..31) of word `index`
   * (M78_FAULT_ALL_WORDS: every word) holds `value` (0 or 1).  layer -1:
   * stuck all the time; layer L: only the words layer L writes (a bad
   * write path while L runs) */
  M78_FAULT_SRAM_STUCK_BIT,
  /* kernel memory of processor `unit`, column `index`: byte `bit` (0..8,
   * byte k = bits 8k+7..8k of the 72-bit word) reads XORed with `value`
   * (1..255) during every inference */
  M78_FAULT_KERNEL_WORD,
  /* layer `layer` runs with `value` added to its output shift */
  M78_FAULT_SHIFT
};
struct m78_fault {
  enum m78_fault_kind kind;
  int layer;
  int unit;
  uint32_t index;
  int bit;
  int32_t value;
};
#define M78_FAULT_ALL_WORDS 0xFFFFFFFFu
#define M78_MAX_FAULTS 8

/* ---- the instance ---- */

typedef struct m78_sim m78_sim;

m78_sim *m78_sim_new(void);
void m78_sim_free(m78_sim *sim);
/* Power-on state: registers zero, memories zero, no inference. */
void m78_sim_reset(m78_sim *sim);
void m78_sim_set_hooks(m78_sim *sim, const struct m78_hooks *hooks);

/* Keep every layer's logical output (for dumps and the viewer). */
void m78_sim_keep_outputs(m78_sim *sim, int keep);

/* Host threads the datapath may use (1 = the caller only, the default;
 * at most M78_MAX_THREADS).  Results are identical for any count.  The
 * threads start here; returns the count in effect (fewer when the host
 * refuses threads). */
#define M78_MAX_THREADS 16
int m78_sim_set_threads(m78_sim *sim, int n);
int m78_sim_threads(const m78_sim *sim);
/* Smallest layer, in multiply-accumulates (a value gathered counts as 32),
 * that the engine splits across its threads: smaller ones cost more to
 * hand out than to compute.  0 splits every layer (tests use it). */
#define M78_SPLIT_MIN_DEFAULT (1u << 20)
void m78_sim_set_split_min(m78_sim *sim, uint64_t work);

/* Host memory of the engine's threads, scratch buffers and laid-out
 * weights: malloc by default.  None of it is hardware state, so a host
 * that rolls its process back to a checkpoint (the fork server's workers,
 * firmware_shim/src/serve.c) gives memory of its own that the roll-back
 * leaves alone, and the caches survive it.  alloc returns 64-byte aligned
 * memory or NULL.  Setting it frees the current resources (the thread
 * count, kernel and split size are kept); NULL restores malloc. */
struct m78_host_alloc {
  void *(*alloc)(void *ud, size_t bytes);
  void (*free)(void *ud, void *p);
  void *ud;
};
void m78_sim_set_host_alloc(m78_sim *sim, const struct m78_host_alloc *a);

/* Snapshots.  copy_state makes `dst` hold the hardware state of `src`
 * (registers, memories, time, counters) with no results, keeping dst's
 * host wiring (hooks, threads, keep_outputs); clone does the same into a
 * new instance (no hooks, one thread, outputs not kept).  Both refuse
 * while `src` runs an inference (-1 / NULL), as clone does when out of
 * memory. */
int m78_sim_copy_state(m78_sim *dst, const m78_sim *src);
m78_sim *m78_sim_clone(const m78_sim *src);

/* The engine's convolution kernels: "avx512-vnni", "avx2", "sse2" or the
 * portable "generic" (all give the same bits).  By default ("auto" or NULL) the
 * fastest this CPU runs; set_kernel returns -1 for a name that is unknown
 * or that this CPU cannot run.  m78_sim_kernel names the one in use. */
int m78_sim_set_kernel(m78_sim *sim, const char *name);
const char *m78_sim_kernel(m78_sim *sim);

/* Bus accesses as the firmware makes them.  width: 1, 2 or 4. */
enum m78_status m78_bus_read(m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value);
enum m78_status m78_bus_write(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value);
/* The same with the caller's m78_addr_decode(addr) (NULL when it does not
 * decode), for a host that decoded the address already. */
enum m78_status m78_bus_read_decoded(m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value,
                                     const struct m78_addr_info *a);
enum m78_status m78_bus_write_decoded(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value,
                                      const struct m78_addr_info *a);

/* The FIFO loader's two accesses at CNN cycle `cycle`, each the same as
 * m78_sim_run_until(sim, cycle) followed by m78_bus_read of FIFO_STAT or
 * m78_bus_write of FIFO n's data register (n 0..3), in one call. */
enum m78_status m78_sim_fifo_stat_at(m78_sim *sim, uint64_t cycle, uint32_t *value);
enum m78_status m78_sim_fifo_push_at(m78_sim *sim, uint64_t cycle, int n, uint32_t value);

/* Side-effect-free views for tools: no FIFO pops, no protocol state, no
 * counters.  poke writes storage directly (registers, memories). */
enum m78_status m78_peek(const m78_sim *sim, uint32_t addr, unsigned width, uint32_t *value);
enum m78_status m78_poke(m78_sim *sim, uint32_t addr, unsigned width, uint32_t value);

/* Direct views of storage, for tools and tests (read-only). */
const uint32_t *m78_sram_view(const m78_sim *sim, int instance); /* 8192 words */
const uint8_t *m78_mram_view(const m78_sim *sim, int proc);      /* 768 x 9 bytes, b0..b8 */
const uint8_t *m78_bias_view(const m78_sim *sim, int quad);      /* 512 bytes */
uint32_t m78_lreg_get(const m78_sim *sim, int quad, enum m78_lreg reg, int layer);
uint32_t m78_greg_get(const m78_sim *sim, int quad, enum m78_greg reg);

/* Power/reset lines from outside the CNN block (GCFR on the SoC). */
void m78_sim_set_power(m78_sim *sim, unsigned quad_power_mask, unsigned reset_mask);
/* CNN clock enable from the SoC (GCR pclkdis0 bit 25 clear = enabled) */
void m78_sim_set_clock_enabled(m78_sim *sim, int enabled);
/* CNN clock frequency from the SoC (GCR clock select and divider); the
 * core counts cycles, the energy model needs the rate for static power. */
void m78_sim_set_clock_hz(m78_sim *sim, uint64_t hz);
/* Power-relevant state now (quadrant power, SRAM control bits, clock). */
void m78_sim_energy_ctl(const m78_sim *sim, struct m78_energy_ctl *out);
/* A number that changes whenever m78_sim_energy_ctl's or m78_sim_busy's
 * answer may have changed: a host that needs them per access reads them
 * again only then. */
uint64_t m78_sim_energy_gen(const m78_sim *sim);
/* Where that number lives, to read it without a call (valid as long as
 * the simulator); it also changes whenever m78_sim_busy's answer does. */
const uint64_t *m78_sim_energy_gen_ref(const m78_sim *sim);
/* FIFO_CTRL, as m78_peek reads it (a host models the loader's cost per
 * FIFO access from it). */
uint32_t m78_sim_fifo_ctrl(const m78_sim *sim);

/* ---- time ---- */
uint64_t m78_sim_now(const m78_sim *sim);
/* Runs the accelerator up to CNN cycle `cycle` (catching up in bulk). */
void m78_sim_run_until(m78_sim *sim, uint64_t cycle);
/* Cycle of the next thing the host may want to wake for (layer done,
 * interrupt, FIFO space); UINT64_MAX if nothing is pending. */
uint64_t m78_sim_next_event(const m78_sim *sim);
/* CNN interrupt line (any running quadrant has cnn_irq set). */
/* FIFOs whose frame a waiting FIFO-fed layer 0 still lacks (bit n =
 * FIFO n), 0 when nothing waits; *frame = words per FIFO per frame,
 * pushed[n] = words FIFO n received so far (either may be NULL). */
unsigned m78_sim_fifo_starved(const m78_sim *sim, uint32_t *frame, uint32_t pushed[M78_FIFOS]);
int m78_sim_irq(const m78_sim *sim);
/* 1 while an inference is in progress. */
int m78_sim_busy(const m78_sim *sim);

/* ---- results of the last inference ---- */
int m78_sim_layer_count(const m78_sim *sim); /* layers of the last run */
const struct m78_layer_result *m78_sim_layer_result(const m78_sim *sim, int index);
uint64_t m78_sim_run_start(const m78_sim *sim); /* cycle of the master enable */
uint64_t m78_sim_run_end(const m78_sim *sim);   /* cycle of the interrupt */
/* Streaming: intervals [from, to) in which the state machine waited for
 * input (the FIFOs); returns how many there are (the list is capped at a
 * million, the stall totals are not). */
size_t m78_sim_stall_count(const m78_sim *sim);
void m78_sim_stall_get(const m78_sim *sim, size_t i, uint64_t *from, uint64_t *to);
/* Layers of the last run that the stream scheduler timed (0..n-1). */
int m78_sim_streaming_layers(const m78_sim *sim);
unsigned m78_sim_runs(const m78_sim *sim); /* inferences started */

/* Output footprint: where layer `layer` of the last run put its output
 * in data SRAM, one entry per write in the engine's order (a later entry
 * at the same address overwrites an earlier one).  channel and pixel
 * index the layer's result output (channel-major, pixel = row * out_w +
 * col).  Returns the number of entries, -1 if the layer was not decoded.
 * Valid from the start of a run until the next one. */
struct m78_footprint_entry {
  uint8_t inst;  /* global data SRAM instance, 0..15 */
  uint8_t lanes; /* byte lanes written: 1 << lane, or 0xF (32-bit output) */
  uint16_t word; /* word inside the instance, 0..8191 */
  int channel;
  int pixel;
};
typedef void (*m78_footprint_fn)(void *ctx, const struct m78_footprint_entry *e);
long m78_layer_footprint(const m78_sim *sim, int layer, m78_footprint_fn fn, void *ctx);

struct m78_counters {
  uint64_t guest_errors;
  uint64_t stubs;        /* unimplemented hardware features hit */
  uint64_t layer_errors; /* layers that could not be executed */
  uint64_t bus_reads, bus_writes;
  uint64_t mram_words_written;
  uint64_t fifo_words;
  char last_error[256];
};
const struct m78_counters *m78_sim_counters(const m78_sim *sim);

/* Fault injection: returns 0, or -1 when the table is full or the
 * fault's fields are out of range (see enum m78_fault_kind). */
int m78_sim_add_fault(m78_sim *sim, const struct m78_fault *f);
void m78_sim_clear_faults(m78_sim *sim);

#ifdef __cplusplus
}
#endif
#endif
