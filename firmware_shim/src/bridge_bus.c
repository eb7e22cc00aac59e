/*
 * The fault bridge's bus side: the callbacks, ordinary memory touched for
 * the guest, and accesses split into natural 1/2/4-byte pieces
 * (bridge_x86_64.c has the overview).
 */
#include "bridge_x86_64.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Windows and the bus                                                  */

uint32_t m78br_bus_rd(uint64_t a, unsigned w)
{
  uint32_t v = 0;
  m78br.stats.reads++;
  if (m78br.ops.read(m78br.ops.ctx, (uint32_t)a, w, &v) != 0)
    v = 0;
  if (w < 4)
    v &= (1u << (8 * w)) - 1;
  return v;
}

void m78br_bus_wr(uint64_t a, unsigned w, uint32_t v)
{
  m78br.stats.writes++;
  if (w < 4)
    v &= (1u << (8 * w)) - 1;
  (void)m78br.ops.write(m78br.ops.ctx, (uint32_t)a, w, v);
}

uint32_t m78_bridge_bus_read(uint32_t addr, unsigned width)
{
  return m78br_bus_rd(addr, width);
}

void m78_bridge_bus_write(uint32_t addr, unsigned width, uint32_t value)
{
  m78br_bus_wr(addr, width, value);
}

int m78_bridge_window(uintptr_t a, size_t len)
{
  return m78br_win_kind(a, len);
}

/* Ordinary memory touched for the guest (the RAM side of a string op, the
 * part of a wide access outside the windows).  The barriers keep the access
 * between the flag updates. */
static uint32_t ram_rd(uint64_t a, unsigned w)
{
  uint32_t v = 0;
  m78br.direct = 1;
  __asm__ volatile("" ::: "memory");
  switch (w) {
  case 1: v = *(const volatile uint8_t *)(uintptr_t)a; break;
  case 2: __builtin_memcpy(&v, (const void *)(uintptr_t)a, 2); break;
  default: __builtin_memcpy(&v, (const void *)(uintptr_t)a, 4); break;
  }
  __asm__ volatile("" ::: "memory");
  m78br.direct = 0;
  return v;
}

static void ram_wr(uint64_t a, unsigned w, uint32_t v)
{
  m78br.direct = 1;
  __asm__ volatile("" ::: "memory");
  switch (w) {
  case 1: *(volatile uint8_t *)(uintptr_t)a = (uint8_t)v; break;
  case 2: __builtin_memcpy((void *)(uintptr_t)a, &v, 2); break;
  default: __builtin_memcpy((void *)(uintptr_t)a, &v, 4); break;
  }
  __asm__ volatile("" ::: "memory");
  m78br.direct = 0;
}

uint32_t m78br_piece_rd(uint64_t a, unsigned w, int win)
{
  return win ? m78br_bus_rd(a, w) : ram_rd(a, w);
}

static void piece_wr(uint64_t a, unsigned w, int win, uint32_t v)
{
  if (win)
    m78br_bus_wr(a, w, v);
  else
    ram_wr(a, w, v);
}

/* Largest piece (4, 2, 1) at a that fits in left bytes and is naturally
 * aligned; such a piece never crosses a page, so it is wholly inside or
 * outside the windows. */
static unsigned natural_piece(uint64_t a, uint64_t left)
{
  unsigned p = 4;
  while (p > left || (a & (p - 1)))
    p >>= 1;
  return p;
}

/* An access of n bytes split into natural pieces, ascending. */
void m78br_acc_read(uint64_t a, unsigned n, uint8_t *buf)
{
  for (unsigned off = 0; off < n;) {
    unsigned p = natural_piece(a + off, n - off);
    uint32_t v = m78br_piece_rd(a + off, p, m78br_win_kind(a + off, p) == 1);
    for (unsigned i = 0; i < p; i++)
      buf[off + i] = (uint8_t)(v >> (8 * i));
    off += p;
  }
}

void m78br_acc_write(uint64_t a, unsigned n, const uint8_t *buf)
{
  for (unsigned off = 0; off < n;) {
    unsigned p = natural_piece(a + off, n - off);
    uint32_t v = 0;
    for (unsigned i = 0; i < p; i++)
      v |= (uint32_t)buf[off + i] << (8 * i);
    piece_wr(a + off, p, m78br_win_kind(a + off, p) == 1, v);
    off += p;
  }
}

/* Piece for a transfer between two addresses: aligned on every side that
 * is a window (the bus sees natural accesses), free on the RAM side. */
unsigned m78br_xfer_piece(uint64_t d, uint64_t s, int use_s, uint64_t left, int *dw, int *sw)
{
  for (unsigned p = 4;; p >>= 1) {
    if (p > left)
      continue;
    int kd = m78br_win_kind(d, p), ks = use_s ? m78br_win_kind(s, p) : 0;
    if (p > 1 && (kd < 0 || ks < 0 || (kd && (d & (p - 1))) || (ks && (s & (p - 1)))))
      continue;
    *dw = kd;
    *sw = ks;
    return p;
  }
}

/* Forward copy, or backward when the regions overlap with d above s
 * (memmove). */
void m78br_xfer_copy(uint64_t d, uint64_t s, uint64_t n, int backward)
{
  int dw, sw;
  if (!backward) {
    for (uint64_t off = 0; off < n;) {
      unsigned p = m78br_xfer_piece(d + off, s + off, 1, n - off, &dw, &sw);
      piece_wr(d + off, p, dw, m78br_piece_rd(s + off, p, sw));
      off += p;
    }
    return;
  }
  for (uint64_t end = n; end > 0;) {
    unsigned p = 4;
    for (;; p >>= 1) {
      if (p > end)
        continue;
      unsigned q = m78br_xfer_piece(d + end - p, s + end - p, 1, p, &dw, &sw);
      if (q == p)
        break;
    }
    piece_wr(d + end - p, p, dw, m78br_piece_rd(s + end - p, p, sw));
    end -= p;
  }
}

/* Fill with a w-byte pattern (STOS, memset). */
void m78br_xfer_fill(uint64_t d, uint64_t n, const uint8_t *pat, unsigned w)
{
  int dw, unused;
  for (uint64_t off = 0; off < n;) {
    unsigned p = m78br_xfer_piece(d + off, 0, 0, n - off, &dw, &unused);
    uint32_t v = 0;
    for (unsigned i = 0; i < p; i++)
      v |= (uint32_t)pat[(off + i) % w] << (8 * i);
    piece_wr(d + off, p, dw, v);
    off += p;
  }
}
