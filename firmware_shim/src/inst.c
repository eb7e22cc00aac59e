/*
 * The instrumented bridge: the __tsan_* functions GCC calls from firmware
 * compiled with -fsanitize=thread (inst.h has the design).
 *
 * The state is one static struct, like the fault bridge's: the callbacks
 * get nothing but an address.  Its hot fields are four bounds: a load at
 * a takes the slow path when a - rd_lo < rd_span, a store when a - wr_lo
 * < wr_span.  Both cover the hull of the windows (from 16 bytes below
 * the lowest, so that no access of up to 16 bytes starting below a
 * window can straddle into it unseen); while a watch is registered the
 * load bounds cover every address.  Before m78inst_enable both spans are
 * 0 and every callback returns at once.
 *
 * Invariants:
 *  - at most one store is pending, and only one that touches a window:
 *    every slow-path callback sends the previous one first;
 *  - callbacks outside the windows never flush: RAM accesses between a
 *    store and its flush cost no virtual time, and GCC instruments an
 *    aggregate copy `*win = *ram` as the write, then the read, then the
 *    copy, so the read must not send the write;
 *  - bus accesses are 1, 2 or 4 bytes, naturally aligned, in ascending
 *    address order, like the fault bridge's pieces.
 *
 * Limitations (the forms GCC gives the synthesized firmware's accesses do
 * not include them; tools/scripts/bridge-compare.sh checks the corpus):
 * an aggregate copy from a window to a window (its write would be sent
 * before the copy), a bit-field store to a window (GCC reports the write
 * of its read-modify-write, not the read), and loads the compiler merges
 * after the instrumentation (both halves are reported, then the merged
 * load).  Atomic operations on a window are served as a read and a
 * write (compare-exchange: the write only on success).
 */
#include "inst.h"

#include <stdbool.h>
#include <string.h>

#define HULL_SLACK 16
/* in the pending store's length: the store lies wholly inside a window,
 * so flushing it need not look the pieces up again */
#define PENDING_WHOLE 0x80000000u

struct watch {
  uintptr_t lo, hi;
  void (*fn)(void *ctx);
  void *ctx;
};

struct inst {
  uintptr_t rd_lo, rd_span, wr_lo, wr_span;
  uint64_t pending; /* address << 32 | length of the pending store, 0: none */
  int instrumented;
  uintptr_t hull_lo, hull_span;
  /* the windows themselves, for the piece checks without a call */
  int n_win;
  uintptr_t win_lo[M78INST_MAX_WINDOWS], win_hi[M78INST_MAX_WINDOWS];
  int n_watch;
  struct watch watch[M78INST_MAX_WATCHES];
};

/* Outside the firmware's .bss, like the bridge (see m78host/runtime.h). */
static struct inst inst __attribute__((section(".data.m78shim")));

int m78inst_instrumented(void)
{
  return inst.instrumented;
}

static void set_bounds(void)
{
  inst.wr_lo = inst.hull_lo;
  inst.wr_span = inst.hull_span;
  inst.rd_lo = inst.n_watch ? 0 : inst.hull_lo;
  inst.rd_span = inst.n_watch ? UINTPTR_MAX : inst.hull_span;
}

void m78inst_enable(const struct m78_bridge_range *ranges, int n)
{
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < n; i++) {
    if (ranges[i].base < lo)
      lo = ranges[i].base;
    if (ranges[i].end > hi)
      hi = ranges[i].end;
  }
  if (n < 1 || hi <= lo)
    return;
  inst.n_win = n <= M78INST_MAX_WINDOWS ? n : 0; /* 0: ask the bridge */
  for (int i = 0; i < inst.n_win; i++) {
    inst.win_lo[i] = ranges[i].base;
    inst.win_hi[i] = ranges[i].end;
  }
  lo = lo > HULL_SLACK ? lo - HULL_SLACK : 0;
  inst.hull_lo = lo;
  inst.hull_span = hi - lo;
  set_bounds();
  m78_bridge_set_mem_hook(m78inst_flush);
}

/* m78_bridge_window(a, w) for a piece (never crossing a window's edge
 * when it is naturally aligned and the windows are page-aligned): 1 when
 * it lies in a window, 0 outside. */
/* m78_bridge_window(a, n) without the call (the bridge's m78br_win_kind
 * over inst's copy of the windows): 1 inside a window, -1 partly, 0
 * outside (the windows do not overlap). */
static inline int window_kind(uintptr_t a, size_t n)
{
  if (!inst.n_win)
    return m78_bridge_window(a, n);
  for (int i = 0; i < inst.n_win; i++) {
    if (a >= inst.win_lo[i] && a + n <= inst.win_hi[i])
      return 1;
    if (a < inst.win_hi[i] && a + n > inst.win_lo[i])
      return -1;
  }
  return 0;
}

static inline int piece_in_window(uintptr_t a, unsigned w)
{
  return window_kind(a, w) == 1;
}

/* Largest naturally aligned piece (4, 2, 1) at a within left bytes. */
static unsigned piece(uintptr_t a, size_t left)
{
  unsigned p = 4;
  while (p > left || (a & (p - 1)))
    p >>= 1;
  return p;
}

/* The shadow, read and written without the bridge's memcpy (which would
 * serve a window address on the bus). */
static uint32_t shadow_get(uintptr_t a, unsigned w)
{
  switch (w) {
  case 1: return *(volatile const uint8_t *)a;
  case 2: return *(volatile const uint16_t *)a;
  default: return *(volatile const uint32_t *)a;
  }
}

static void shadow_put(uintptr_t a, unsigned w, uint32_t v)
{
  switch (w) {
  case 1: *(volatile uint8_t *)a = (uint8_t)v; break;
  case 2: *(volatile uint16_t *)a = (uint16_t)v; break;
  default: *(volatile uint32_t *)a = v; break;
  }
}

const volatile uint64_t *m78inst_pending(void)
{
  return &inst.pending;
}

void m78inst_flush(void)
{
  if (!inst.pending)
    return;
  uint64_t p = __atomic_exchange_n(&inst.pending, 0, __ATOMIC_ACQ_REL);
  if (!p)
    return;
  uintptr_t a = (uintptr_t)(p >> 32);
  size_t n = (uint32_t)p & ~PENDING_WHOLE;
  int whole = ((uint32_t)p & PENDING_WHOLE) != 0;
  for (size_t off = 0; off < n;) {
    unsigned w = piece(a + off, n - off);
    if (whole || piece_in_window(a + off, w))
      m78_bridge_bus_write((uint32_t)(a + off), w, shadow_get(a + off, w));
    off += w;
  }
}

/* ---- watches ---- */

int m78inst_watch_first_read(uintptr_t lo, uintptr_t hi, void (*fn)(void *ctx), void *ctx)
{
  if (!inst.instrumented || lo >= hi || !fn || inst.n_watch >= M78INST_MAX_WATCHES)
    return -1;
  inst.watch[inst.n_watch++] = (struct watch){lo, hi, fn, ctx};
  set_bounds();
  return 0;
}

void m78inst_watch_clear(void)
{
  inst.n_watch = 0;
  set_bounds();
}

static void check_watches(uintptr_t a, size_t n)
{
  for (int i = 0; i < inst.n_watch; i++) {
    const struct watch *w = &inst.watch[i];
    if (a < w->hi && a + n > w->lo) {
      void (*fn)(void *) = w->fn;
      void *ctx = w->ctx;
      m78inst_flush();
      m78inst_watch_clear();
      fn(ctx);
      return;
    }
  }
}

/* ---- the slow paths ---- */

static int in_hull(uintptr_t a, size_t n)
{
  return a - inst.hull_lo < inst.hull_span || (n > 1 && a < inst.hull_lo + inst.hull_span && a + n > inst.hull_lo);
}

static __attribute__((noinline)) void slow_read(uintptr_t a, size_t n)
{
  if (inst.n_watch)
    check_watches(a, n);
  if (!in_hull(a, n))
    return;
  if (inst.pending)
    m78inst_flush();
  if (n == 4 && !(a & 3) && piece_in_window(a, 4)) { /* a register poll: one piece */
    shadow_put(a, 4, m78_bridge_bus_read((uint32_t)a, 4));
    return;
  }
  for (size_t off = 0; off < n;) {
    unsigned w = piece(a + off, n - off);
    if (piece_in_window(a + off, w))
      shadow_put(a + off, w, m78_bridge_bus_read((uint32_t)(a + off), w));
    off += w;
  }
}

static __attribute__((noinline)) void slow_write(uintptr_t a, size_t n)
{
  if (inst.pending)
    m78inst_flush();
  int kind = n && n < PENDING_WHOLE ? window_kind(a, n) : 0;
  if (kind)
    inst.pending = (uint64_t)a << 32 | (uint32_t)n | (kind == 1 ? PENDING_WHOLE : 0);
}

static inline int hit_read(uintptr_t a)
{
  return __builtin_expect(a - inst.rd_lo < inst.rd_span, 0);
}
static inline int hit_write(uintptr_t a)
{
  return __builtin_expect(a - inst.wr_lo < inst.wr_span, 0);
}

/* ---- loads and stores ---- */

/* Every entry point GCC 12 can emit (cc1's BUILT_IN_TSAN_*), and the
 * unaligned forms other compilers use. */
#define ACCESS(kind, n)                                                                                                \
  void __tsan_##kind##n(void *p);                                                                                      \
  void __tsan_volatile_##kind##n(void *p);                                                                             \
  void __tsan_##kind##n(void *p)                                                                                       \
  {                                                                                                                    \
    if (hit_##kind((uintptr_t)p))                                                                                      \
      slow_##kind((uintptr_t)p, n);                                                                                    \
  }                                                                                                                    \
  void __tsan_volatile_##kind##n(void *p)                                                                              \
  {                                                                                                                    \
    if (hit_##kind((uintptr_t)p))                                                                                      \
      slow_##kind((uintptr_t)p, n);                                                                                    \
  }
#define UNALIGNED(kind, n)                                                                                             \
  void __tsan_unaligned_##kind##n(void *p);                                                                            \
  void __tsan_unaligned_volatile_##kind##n(void *p);                                                                   \
  void __tsan_unaligned_##kind##n(void *p)                                                                             \
  {                                                                                                                    \
    if (hit_##kind((uintptr_t)p))                                                                                      \
      slow_##kind((uintptr_t)p, n);                                                                                    \
  }                                                                                                                    \
  void __tsan_unaligned_volatile_##kind##n(void *p)                                                                    \
  {                                                                                                                    \
    if (hit_##kind((uintptr_t)p))                                                                                      \
      slow_##kind((uintptr_t)p, n);                                                                                    \
  }

ACCESS(read, 1)
ACCESS(read, 2)
ACCESS(read, 4)
ACCESS(read, 8)
ACCESS(read, 16)
ACCESS(write, 1)
ACCESS(write, 2)
ACCESS(write, 4)
ACCESS(write, 8)
ACCESS(write, 16)
UNALIGNED(read, 2)
UNALIGNED(read, 4)
UNALIGNED(read, 8)
UNALIGNED(read, 16)
UNALIGNED(write, 2)
UNALIGNED(write, 4)
UNALIGNED(write, 8)
UNALIGNED(write, 16)

/* The size is a pointer-sized signed integer in GCC's declaration. */
void __tsan_read_range(void *p, long n);
void __tsan_write_range(void *p, long n);
void __tsan_read_range(void *p, long n)
{
  if (n > 0 && (hit_read((uintptr_t)p) || in_hull((uintptr_t)p, (size_t)n)))
    slow_read((uintptr_t)p, (size_t)n);
}
void __tsan_write_range(void *p, long n)
{
  if (n > 0 && (hit_write((uintptr_t)p) || in_hull((uintptr_t)p, (size_t)n)))
    slow_write((uintptr_t)p, (size_t)n);
}

/* C++ virtual table pointers: an 8-byte store and load. */
void __tsan_vptr_update(void *p, void *v);
void __tsan_vptr_read(void *p);
void __tsan_vptr_update(void *p, void *v)
{
  (void)v;
  __tsan_write8(p);
}
void __tsan_vptr_read(void *p)
{
  __tsan_read8(p);
}

/* ---- start-up and function entry (not instrumented: the parameters
 * above turn them off, but they must link) ---- */

void __tsan_init(void);
void __tsan_func_entry(void *pc);
void __tsan_func_exit(void *unused); /* GCC declares a parameter it never passes */
void __tsan_init(void)
{
  inst.instrumented = 1;
}
void __tsan_func_entry(void *pc)
{
  (void)pc;
}
void __tsan_func_exit(void *unused)
{
  (void)unused;
}

/* ---- atomics ----
 * The firmware is one thread (the interrupt runs synchronously inside
 * the shim), so a window operation is the bus read, the operation on the
 * shadow, and the bus write; elsewhere the operation itself. */

static void atomic_load_begin(const volatile void *p, size_t n)
{
  if (hit_read((uintptr_t)p))
    slow_read((uintptr_t)p, n);
}

static void atomic_store_begin(volatile void *p, size_t n)
{
  if (hit_write((uintptr_t)p))
    slow_write((uintptr_t)p, n);
}

/* after the store of a read-modify-write: send it now, an atomic is
 * complete when it returns */
static void atomic_store_end(volatile void *p)
{
  if (hit_write((uintptr_t)p))
    m78inst_flush();
}

/* Declared as GCC declares them: untyped pointer, unsigned value. */
#define ATOMIC_RMW(bits, T, name, expr)                                                                                \
  T __tsan_atomic##bits##_##name(volatile void *p, T v, int mo);                                                       \
  T __tsan_atomic##bits##_##name(volatile void *p, T v, int mo)                                                        \
  {                                                                                                                    \
    volatile T *a = p;                                                                                                 \
    (void)mo;                                                                                                          \
    atomic_load_begin(a, sizeof(T));                                                                                   \
    T old = *a;                                                                                                        \
    atomic_store_begin(a, sizeof(T));                                                                                  \
    *a = (T)(expr);                                                                                                    \
    atomic_store_end(a);                                                                                               \
    return old;                                                                                                        \
  }

#define ATOMICS(bits, T)                                                                                               \
  T __tsan_atomic##bits##_load(const volatile void *p, int mo);                                                        \
  void __tsan_atomic##bits##_store(volatile void *p, T v, int mo);                                                     \
  bool __tsan_atomic##bits##_compare_exchange_strong(volatile void *p, void *c, T v, int mo, int fmo);                 \
  bool __tsan_atomic##bits##_compare_exchange_weak(volatile void *p, void *c, T v, int mo, int fmo);                   \
  T __tsan_atomic##bits##_compare_exchange_val(volatile void *p, T c, T v, int mo, int fmo);                           \
  T __tsan_atomic##bits##_load(const volatile void *p, int mo)                                                         \
  {                                                                                                                    \
    (void)mo;                                                                                                          \
    atomic_load_begin(p, sizeof(T));                                                                                   \
    return *(const volatile T *)p;                                                                                     \
  }                                                                                                                    \
  void __tsan_atomic##bits##_store(volatile void *p, T v, int mo)                                                      \
  {                                                                                                                    \
    (void)mo;                                                                                                          \
    atomic_store_begin(p, sizeof(T));                                                                                  \
    *(volatile T *)p = v;                                                                                              \
    atomic_store_end(p);                                                                                               \
  }                                                                                                                    \
  ATOMIC_RMW(bits, T, exchange, v)                                                                                     \
  ATOMIC_RMW(bits, T, fetch_add, old + v)                                                                              \
  ATOMIC_RMW(bits, T, fetch_sub, old - v)                                                                              \
  ATOMIC_RMW(bits, T, fetch_and, old &v)                                                                               \
  ATOMIC_RMW(bits, T, fetch_or, old | v)                                                                               \
  ATOMIC_RMW(bits, T, fetch_xor, old ^ v)                                                                              \
  ATOMIC_RMW(bits, T, fetch_nand, ~(old & v))                                                                          \
  bool __tsan_atomic##bits##_compare_exchange_strong(volatile void *p, void *c, T v, int mo, int fmo)                  \
  {                                                                                                                    \
    volatile T *a = p;                                                                                                 \
    T *expected = c;                                                                                                   \
    (void)mo;                                                                                                          \
    (void)fmo;                                                                                                         \
    atomic_load_begin(a, sizeof(T));                                                                                   \
    T old = *a;                                                                                                        \
    if (old != *expected) {                                                                                            \
      *expected = old;                                                                                                 \
      return false;                                                                                                    \
    }                                                                                                                  \
    atomic_store_begin(a, sizeof(T));                                                                                  \
    *a = v;                                                                                                            \
    atomic_store_end(a);                                                                                               \
    return true;                                                                                                       \
  }                                                                                                                    \
  bool __tsan_atomic##bits##_compare_exchange_weak(volatile void *p, void *c, T v, int mo, int fmo)                    \
  {                                                                                                                    \
    return __tsan_atomic##bits##_compare_exchange_strong(p, c, v, mo, fmo);                                            \
  }                                                                                                                    \
  T __tsan_atomic##bits##_compare_exchange_val(volatile void *p, T c, T v, int mo, int fmo)                            \
  {                                                                                                                    \
    __tsan_atomic##bits##_compare_exchange_strong(p, &c, v, mo, fmo);                                                  \
    return c;                                                                                                          \
  }

ATOMICS(8, unsigned char)
ATOMICS(16, unsigned short)
ATOMICS(32, unsigned int)
ATOMICS(64, unsigned long)
ATOMICS(128, unsigned __int128)

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
  (void)mo;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
void __tsan_atomic_signal_fence(int mo)
{
  (void)mo;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* ---- the benchmark's probe ---- */

void m78inst_probe(volatile uint32_t *addr, unsigned n, int write)
{
  for (unsigned i = 0; i < n; i++) {
    if (write) {
      __tsan_volatile_write4((void *)addr);
      *addr = i;
      m78inst_flush();
    } else {
      __tsan_volatile_read4((void *)addr);
      (void)*addr;
    }
  }
}
