/*
 * Checkpoint and roll-back of the firmware process (see rollback.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "rollback.h"

#define PAGE 4096u
#define MAX_SEGS 256
#define MAX_EXCL 16
#define RESTORE_STACK (256u << 10)
#define ARENA_CLASSES 48

struct seg {
  uintptr_t lo, hi;
  int zero_new;           /* clear pages that were absent at the checkpoint */
  unsigned char *present; /* per page, at the checkpoint */
  unsigned char *copy;    /* the present pages, in order */
};

/* Everything the roll-back needs lives in this mapping, which it never
 * copies. */
struct ctl {
  ucontext_t ckpt, restore;
  volatile int resumed;
  struct seg seg[MAX_SEGS];
  int nseg;
  uintptr_t excl_lo[MAX_EXCL], excl_hi[MAX_EXCL];
  int nexcl;
  void *store; /* the copies of the present pages */
  size_t copied;
  uintptr_t ckpt_brk;
  unsigned char *vec; /* mincore scratch, as long as the longest segment */
  size_t vec_len;
  char maps[1 << 16];
  struct { /* the arena: power-of-two blocks, a free list per size */
    uintptr_t base, next, end;
    void *free[ARENA_CLASSES];
  } arena;
  _Alignas(16) unsigned char stack[RESTORE_STACK];
};

static struct ctl *ctl;

int m78rb_init(size_t arena_bytes, char *err, size_t errlen)
{
  if (ctl)
    return 0;
  void *p = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *a = mmap(NULL, arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED || a == MAP_FAILED) {
    snprintf(err, errlen, "cannot map the roll-back's memory: %s", strerror(errno));
    return -1;
  }
  ctl = p;
  ctl->arena.base = ctl->arena.next = (uintptr_t)a;
  ctl->arena.end = (uintptr_t)a + arena_bytes;
  m78rb_exclude((uintptr_t)p, (uintptr_t)p + ((sizeof *ctl + PAGE - 1) & ~(size_t)(PAGE - 1)));
  m78rb_exclude((uintptr_t)a, (uintptr_t)a + arena_bytes);
  return 0;
}

void m78rb_prepare_malloc(void)
{
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, (int)(((unsigned)-1) >> 1));
  /* room to grow without moving the break: every inference's memory is
   * then touched once, by the first (the roll-back resets a break that
   * moved, and the kernel would hand out fresh pages again) */
  mallopt(M_TOP_PAD, 16 << 20);
  void *volatile grow = malloc((size_t)96 << 20); /* volatile: not a pair the compiler drops */
  free(grow);
}

int m78rb_exclude(uintptr_t lo, uintptr_t hi)
{
  if (!ctl || ctl->nexcl == MAX_EXCL)
    return -1;
  ctl->excl_lo[ctl->nexcl] = lo & ~(uintptr_t)(PAGE - 1);
  ctl->excl_hi[ctl->nexcl++] = (hi + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  return 0;
}

void *m78rb_private_map(size_t bytes)
{
  bytes = (bytes + PAGE - 1) & ~(size_t)(PAGE - 1);
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || m78rb_exclude((uintptr_t)p, (uintptr_t)p + bytes) != 0)
    return NULL;
  return p;
}

/* ---- the arena ---- */

void *m78rb_alloc(void *ud, size_t bytes)
{
  (void)ud;
  if (!ctl || bytes > ((size_t)1 << 40))
    return NULL;
  unsigned c = 0;
  while (((size_t)64 << c) < bytes + 64)
    c++;
  void **f = &ctl->arena.free[c];
  unsigned char *b;
  if (*f) {
    b = *f;
    *f = *(void **)b;
  } else {
    size_t size = (size_t)64 << c;
    if (ctl->arena.end - ctl->arena.next < size)
      return NULL;
    b = (unsigned char *)ctl->arena.next;
    ctl->arena.next += size;
  }
  *(unsigned *)b = c; /* the header: the block's size class */
  return b + 64;
}

void m78rb_free(void *ud, void *p)
{
  (void)ud;
  if (!p)
    return;
  unsigned char *b = (unsigned char *)p - 64;
  unsigned c = *(unsigned *)b;
  *(void **)b = ctl->arena.free[c];
  ctl->arena.free[c] = b;
}

/* ---- checkpoint ---- */

/* Adds [lo, hi) less the excluded ranges. */
static int add_range(uintptr_t lo, uintptr_t hi, int zero_new)
{
  for (int i = 0; i < ctl->nexcl; i++) {
    uintptr_t el = ctl->excl_lo[i], eh = ctl->excl_hi[i];
    if (eh <= lo || el >= hi)
      continue;
    if (el > lo && add_range(lo, el, zero_new) != 0)
      return -1;
    return eh < hi ? add_range(eh, hi, zero_new) : 0;
  }
  if (ctl->nseg == MAX_SEGS)
    return -1;
  ctl->seg[ctl->nseg++] = (struct seg){.lo = lo, .hi = hi, .zero_new = zero_new};
  return 0;
}

static int read_maps(char *err, size_t errlen)
{
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot read /proc/self/maps: %s", strerror(errno));
    return -1;
  }
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, ctl->maps + n, sizeof ctl->maps - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  if (n >= sizeof ctl->maps - 1) {
    snprintf(err, errlen, "the process has too many mappings to roll back");
    return -1;
  }
  ctl->maps[n] = 0;
  ctl->nseg = 0;
  for (char *line = ctl->maps; *line;) {
    char *end = strchr(line, '\n');
    if (end)
      *end = 0;
    unsigned long lo, hi;
    char perms[8] = "", path[64] = "";
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %63s", &lo, &hi, perms, path) >= 3 && perms[1] == 'w' &&
        perms[3] == 'p') {
      int zero_new = strcmp(path, "[heap]") != 0 && strcmp(path, "[stack]") != 0;
      if (add_range(lo, hi, zero_new) != 0) {
        snprintf(err, errlen, "the process has too many mappings to roll back");
        return -1;
      }
    }
    if (!end)
      break;
    line = end + 1;
  }
  return 0;
}

static unsigned char *vec_for(size_t pages)
{
  if (ctl->vec_len < pages) {
    if (ctl->vec)
      munmap(ctl->vec, ctl->vec_len);
    size_t len = (pages + PAGE - 1) & ~(size_t)(PAGE - 1);
    void *v = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ctl->vec = v == MAP_FAILED ? NULL : v;
    ctl->vec_len = ctl->vec ? len : 0;
  }
  return ctl->vec;
}

static int take_snapshot(char *err, size_t errlen)
{
  if (read_maps(err, errlen) != 0)
    return -1;
  /* the maps, the scratch and the store are mapped after the list was
   * read, so they are not in it */
  size_t longest = 0, maplen = 0;
  for (int i = 0; i < ctl->nseg; i++) {
    size_t pages = (ctl->seg[i].hi - ctl->seg[i].lo) / PAGE;
    longest = pages > longest ? pages : longest;
    maplen += (pages + 63) & ~(size_t)63;
  }
  void *maps = mmap(NULL, maplen + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!vec_for(longest) || maps == MAP_FAILED) {
    snprintf(err, errlen, "out of memory for the checkpoint");
    return -1;
  }
  unsigned char *m = maps;
  size_t present = 0;
  for (int i = 0; i < ctl->nseg; i++) {
    struct seg *s = &ctl->seg[i];
    size_t pages = (s->hi - s->lo) / PAGE;
    s->present = m;
    if (mincore((void *)s->lo, s->hi - s->lo, s->present) != 0) {
      snprintf(err, errlen, "mincore: %s", strerror(errno));
      return -1;
    }
    for (size_t p = 0; p < pages; p++)
      present += s->present[p] & 1;
    m += (pages + 63) & ~(size_t)63;
  }
  size_t need = present * PAGE;
  void *store = mmap(NULL, need + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (store == MAP_FAILED) {
    snprintf(err, errlen, "out of memory for the checkpoint (%zu bytes)", need);
    return -1;
  }
  ctl->store = store;
  unsigned char *w = store;
  for (int i = 0; i < ctl->nseg; i++) {
    struct seg *s = &ctl->seg[i];
    size_t pages = (s->hi - s->lo) / PAGE;
    s->copy = w;
    for (size_t p = 0; p < pages; p++)
      if (s->present[p] & 1) {
        memcpy(w, (void *)(s->lo + p * PAGE), PAGE);
        w += PAGE;
      }
  }
  ctl->copied = need;
  ctl->ckpt_brk = (uintptr_t)syscall(SYS_brk, 0);
  return 0;
}

int m78rb_checkpoint(char *err, size_t errlen)
{
  if (!ctl) {
    snprintf(err, errlen, "the roll-back is not set up");
    return -1;
  }
  ctl->resumed = 0;
  getcontext(&ctl->ckpt);
  if (ctl->resumed)
    return 1;
  return take_snapshot(err, errlen);
}

size_t m78rb_snapshot_bytes(void)
{
  return ctl ? ctl->copied : 0;
}

/* ---- roll-back, on the module's own stack ---- */

static void restore_all(void)
{
  for (int i = 0; i < ctl->nseg; i++) {
    struct seg *s = &ctl->seg[i];
    size_t pages = (s->hi - s->lo) / PAGE;
    const unsigned char *c = s->copy;
    if (s->zero_new)
      mincore((void *)s->lo, s->hi - s->lo, ctl->vec); /* checked by m78rb_rollback */
    for (size_t p = 0; p < pages; p++) {
      void *page = (void *)(s->lo + p * PAGE);
      if (s->present[p] & 1) {
        /* most pages did not change: comparing reads, copying writes */
        if (memcmp(page, c, PAGE) != 0)
          memcpy(page, c, PAGE);
        c += PAGE;
      } else if (s->zero_new && (ctl->vec[p] & 1)) {
        memset(page, 0, PAGE);
      }
    }
  }
  /* malloc's own record of the break is back at the checkpoint's */
  if ((uintptr_t)syscall(SYS_brk, 0) != ctl->ckpt_brk)
    syscall(SYS_brk, ctl->ckpt_brk);
  ctl->resumed = 1;
  setcontext(&ctl->ckpt);
}

int m78rb_rollback(void)
{
  if (!ctl || !ctl->store)
    return -1;
  /* every mapping of the checkpoint must still be there */
  for (int i = 0; i < ctl->nseg; i++)
    if (mincore((void *)ctl->seg[i].lo, ctl->seg[i].hi - ctl->seg[i].lo, ctl->vec) != 0)
      return -1;
  getcontext(&ctl->restore);
  ctl->restore.uc_stack.ss_sp = ctl->stack;
  ctl->restore.uc_stack.ss_size = sizeof ctl->stack;
  ctl->restore.uc_link = NULL;
  makecontext(&ctl->restore, restore_all, 0);
  setcontext(&ctl->restore);
  return -1; /* not reached */
}
