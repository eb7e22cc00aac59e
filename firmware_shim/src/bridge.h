/*
 * The fault bridge: from the firmware's literal-address register accesses
 * to the simulated bus.
 *
 * Vendor firmware compiled for the host writes MAX78000 registers through
 * pointers such as `(volatile uint32_t *) 0x50100000`.  The bridge reserves
 * those address windows at their real addresses with inaccessible mappings,
 * so every access faults; the fault handler decodes the x86-64 instruction,
 * performs its memory accesses through the callbacks below and resumes the
 * firmware after the instruction, as if the memory had answered.
 *
 * Invariants the callbacks can rely on:
 *  - every call is 1, 2 or 4 bytes wide and naturally aligned; wider or
 *    misaligned accesses arrive as pieces in ascending address order;
 *  - read-modify-write instructions read first, then write;
 *  - callbacks never run concurrently (the firmware is one thread) and must
 *    not touch the windows themselves.
 *
 * The callbacks run inside the SIGSEGV handler, in the middle of a firmware
 * function: state they share with the firmware needs `volatile`, as with a
 * real interrupt, and the firmware must not be link-time optimized together
 * with the callbacks (the compiler would assume an access to a literal
 * address cannot change the simulator's memory).
 *
 * Firmware built with the instrumented bridge (inst.h, the default) uses
 * the same windows in shadow mode: ordinary memory, no faults.
 *
 * One bridge per process: a signal handler has no instance to be handed,
 * so the installed state is the module's only global.
 */
#ifndef M78_BRIDGE_H
#define M78_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

struct m78_bridge_range {
  uint32_t base;
  uint32_t end; /* [base, end), page aligned */
};

/* Return 0 on success; non-zero = guest error (a read then yields 0).
 * width is 1, 2 or 4 only. */
typedef int (*m78_bridge_read_fn)(void *ctx, uint32_t addr, unsigned width, uint32_t *value);
typedef int (*m78_bridge_write_fn)(void *ctx, uint32_t addr, unsigned width, uint32_t value);
/* Side-effect-free read, used only by the single-step fallback to fill a
 * scratch page. */
typedef int (*m78_bridge_peek_fn)(void *ctx, uint32_t addr, uint32_t *value32);
/* A fault the bridge cannot handle (outside the windows = real firmware
 * crash, or undecodable).  Must not return (exit, abort or siglongjmp). */
typedef void (*m78_bridge_crash_fn)(void *ctx, uintptr_t fault_addr, uintptr_t rip, const char *why);

struct m78_bridge_ops {
  m78_bridge_read_fn read;
  m78_bridge_write_fn write;
  m78_bridge_peek_fn peek;
  m78_bridge_crash_fn crash;
  void *ctx;
};

/* Reserves the windows and installs the SIGSEGV/SIGTRAP handlers and an
 * alternate signal stack on the calling thread.  Returns 0, or -1 with a
 * message in err (e.g. a range already mapped). */
int m78_bridge_install(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, char *err,
                       size_t errlen);
/* Shadow mode, for firmware built with the instrumented bridge (inst.h):
 * the windows are reserved at the same addresses as ordinary read-write
 * memory, where the instrumented firmware's own loads and stores land
 * after inst.c has served them on the bus.  No access faults; the
 * SIGSEGV handler only reports the firmware's crashes (through crash),
 * and the memory functions below still serve copies that touch a window.
 * Same arguments and result as m78_bridge_install. */
int m78_bridge_install_shadow(const struct m78_bridge_range *ranges, int n, const struct m78_bridge_ops *ops, char *err,
                              size_t errlen);
/* Restores the previous handlers and releases the windows. */
void m78_bridge_uninstall(void);

/* For shadow mode (inst.c) and the benchmark.  One bus access of 1, 2 or
 * 4 bytes, naturally aligned, inside a window, through the callbacks and
 * counted in the statistics like the decoder's: */
uint32_t m78_bridge_bus_read(uint32_t addr, unsigned width);
void m78_bridge_bus_write(uint32_t addr, unsigned width, uint32_t value);
/* 1: [a, a+len) inside one installed window, 0: outside all, -1: it
 * straddles an edge. */
int m78_bridge_window(uintptr_t a, size_t len);
/* Replaces the callbacks (old, if not NULL, receives the previous ones);
 * the benchmark times the bridge with callbacks that do nothing. */
void m78_bridge_set_ops(const struct m78_bridge_ops *ops, struct m78_bridge_ops *old);
/* Called at the start of every memcpy, memmove and memset that touches a
 * window, before its first bus access (NULL: none): inst.c sends its
 * pending store. */
void m78_bridge_set_mem_hook(void (*hook)(void));

struct m78_bridge_stats {
  uint64_t decoded;        /* faults handled by the decoder (string ops included) */
  uint64_t single_stepped; /* faults handled by the single-step fallback */
  uint64_t reads;          /* read callbacks issued */
  uint64_t writes;         /* write callbacks issued */
  uint64_t string_ops;     /* MOVS/STOS/LODS instructions emulated */
};

void m78_bridge_get_stats(struct m78_bridge_stats *out);

/*
 * Bus-aware memory functions.  Built with M78_BRIDGE_INTERPOSE_MEM, the
 * bridge object defines memcpy, memmove and memset themselves so that,
 * linked into the firmware executable, they take the place of the C
 * library's: a copy or fill that overlaps an installed window goes through
 * the callbacks (aligned 4-byte words where possible, no faults); any other
 * call is forwarded to the C library.  They keep the standard prototypes of
 * <string.h>.
 */

#endif
