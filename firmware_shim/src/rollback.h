/*
 * Rolling the firmware process back to a checkpoint (rollback.c), so
 * that one process serves many inferences the way a fresh fork would:
 * the fork server's workers (serve.c).
 *
 * m78rb_checkpoint() copies every private writable page that is present
 * (the executable's and libraries' data, the heap, the SoC and simulator
 * state, the stack) except memory set aside with m78rb_exclude() and the
 * module's own.  m78rb_rollback() copies them back, clears the pages of
 * those mappings that were untouched at the checkpoint (the heap and the
 * stack excepted: malloc and the stack never read memory they did not
 * write), and resumes inside m78rb_checkpoint(), which then returns 1.
 *
 * Why not fork per inference: a fork copies the page tables and every
 * page the child writes costs a fault and a copy, which on a virtual
 * machine with shadow page tables is tens of microseconds a page (see
 * docs/eval.md); a memcpy of the same data costs a fraction of that.
 *
 * What the process must keep to for this to be exact: no thread but the
 * caller and the excluded ones runs between the checkpoint and the
 * roll-back (the others' stacks must be excluded), no mapping that
 * existed at the checkpoint goes away (malloc is told not to trim or
 * mmap, see m78rb_prepare_malloc), and the kernel state the process
 * changes (files it opens) is its own business.  Host caches that should
 * survive live in m78rb_alloc's arena, which is never copied.
 */
#ifndef M78_ROLLBACK_H
#define M78_ROLLBACK_H

#include <stddef.h>
#include <stdint.h>

/* Sets up the module (its control block, restore stack and the arena of
 * `arena_bytes` of address space).  0, or -1 with a message. */
int m78rb_init(size_t arena_bytes, char *err, size_t errlen);
/* malloc from the main heap only, never trimmed (see above). */
void m78rb_prepare_malloc(void);
/* Memory the roll-back leaves alone (another thread's stack). */
int m78rb_exclude(uintptr_t lo, uintptr_t hi);
/* A mapping of its own that the roll-back leaves alone (e.g. the stack
 * of a thread that runs through roll-backs); NULL when out of memory. */
void *m78rb_private_map(size_t bytes);
/* Allocator of memory that survives roll-backs, 64-byte aligned
 * (struct m78_host_alloc's shape; ud unused). */
void *m78rb_alloc(void *ud, size_t bytes);
void m78rb_free(void *ud, void *p);

/* 0 after taking the checkpoint, 1 when resumed by a roll-back, -1 with
 * a message when the checkpoint cannot be taken. */
int m78rb_checkpoint(char *err, size_t errlen);
/* Back to the checkpoint; returns -1 only when that is impossible (a
 * mapping of the checkpoint is gone), before anything was changed. */
int m78rb_rollback(void);
/* Bytes copied by the checkpoint (for the report on the worker). */
size_t m78rb_snapshot_bytes(void);

#endif
