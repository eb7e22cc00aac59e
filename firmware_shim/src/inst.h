/*
 * The instrumented bridge ("inst", the default): from the firmware's own
 * loads and stores to the simulated bus without a fault per access.
 *
 * `max78sim` compiles the vendor sources (only those, never the shim)
 * with GCC's ThreadSanitizer instrumentation but links no libtsan
 * (tools/fwbuild.c); the compiler then calls a __tsan_* function with
 * the address before every load and store, the two halves of a
 * read-modify-write of a volatile register included, and inst.c
 * provides them.  The MAX78000 windows are ordinary memory ("shadow",
 * m78_bridge_install_shadow):
 *  - before a load from a window, the callback performs the bus read and
 *    stores the value in the shadow, where the load finds it;
 *  - before a store to a window it cannot see the value, so it records
 *    the access (address, width) as pending; the value is taken from
 *    the shadow and sent as a bus write by the next callback on a
 *    window, or by the next shim entry that advances or observes the
 *    hardware (m78inst_flush, through the SoC state's flush: every m78soc_*
 *    function, every MSDK function, the memory functions, the end of the
 *    run);
 *  - any other address costs one compare.
 * Nothing advances virtual time between a store and its flush, so every
 * access reaches the simulator in program order, with its width, value
 * and the cycle stamp the fault bridge gives it (same m78soc_read and
 * m78soc_write), and traces, reports and dumps are the same bytes.
 *
 * Instrumented firmware is recognised at start-up: the constructor GCC
 * adds to every instrumented file calls __tsan_init first.
 */
#ifndef M78_INST_H
#define M78_INST_H

#include <stddef.h>
#include <stdint.h>

#include "bridge.h"

/* 1 when this process runs instrumented firmware (__tsan_init ran). */
int m78inst_instrumented(void);

/* Starts serving the windows (installed with m78_bridge_install_shadow)
 * for the instrumented code. */
void m78inst_enable(const struct m78_bridge_range *ranges, int n);

/* Sends the pending store, if any.  Safe from any context: the pending
 * access is taken atomically, so it is sent once. */
void m78inst_flush(void);
/* The pending store's word (0: none), for a check without a call. */
const volatile uint64_t *m78inst_pending(void);

/*
 * A hook for data-set evaluation (issue 15): call fn(ctx) when the
 * firmware first reads [lo, hi) — for instance the input array, to put
 * the next sample there before the firmware loads it.
 *
 * Up to M78INST_MAX_WATCHES ranges may be registered, each with its own
 * fn.  The first load by instrumented code that overlaps any registered
 * range calls that range's fn(ctx) once, in normal (not signal) context,
 * inside the callback, before the load happens and after any pending
 * store went to the bus; all watches are cleared just before fn runs, so
 * fn may register new ones.  Stores do not trigger a watch, nor do the
 * C library's functions (memcpy...: not instrumented; synthesized
 * firmware reads its input with its own loops).  While a watch is
 * registered every instrumented load takes the slow path (a range check
 * per watch).
 *
 * Returns 0, or -1 if the firmware is not instrumented, the table is
 * full, lo >= hi or fn is NULL.
 */
#define M78INST_MAX_WATCHES 16
/* windows inst.c checks itself; with more it asks the bridge */
#define M78INST_MAX_WINDOWS 4
int m78inst_watch_first_read(uintptr_t lo, uintptr_t hi, void (*fn)(void *ctx), void *ctx);
/* Removes every watch without calling anything. */
void m78inst_watch_clear(void);

/* The benchmark's measure of the mechanism itself: n 4-byte volatile
 * stores (write != 0, each followed by its flush, as the next access
 * would do) or loads at a window address, performed as instrumented
 * code performs them. */
void m78inst_probe(volatile uint32_t *addr, unsigned n, int write);

#endif
