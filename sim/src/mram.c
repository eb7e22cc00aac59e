/*
 * Kernel (weight) memory and its two write protocols
 * (../shared/spec/registers.md 4.4).
 *
 * Direct protocol (CTRL.mexpress = 0): column c of a processor occupies
 * 16 bytes of address space; +0 takes b0 (bits 7:0), +4 b1..b4, +8
 * b5..b8 (big-endian inside each word), and any write to +12 commits the
 * staged 72-bit word.
 *
 * Packed protocol (mexpress = 1): a byte store of 0x01 to offset 4*c+1
 * loads the processor's column counter with c; 32-bit stores anywhere in
 * the processor's window then deliver a byte stream (most significant
 * byte first) and every 9 bytes complete the next column.  A 1-3 byte
 * tail never completes a word and is dropped at the next "set address".
 *
 * The protocol follows quadrant CTRL.mexpress at the time of the store.
 */
#include <string.h>
#include "sim_internal.h"

static void commit_column(m78_sim *sim, int proc, unsigned col, const uint8_t b[9])
{
  if (col >= M78_MRAM_WORDS) {
    m78i_guest_error(sim, M78_E_UNMAPPED, M78_MRAM_BASE, "kernel memory of processor %d: column %u beyond %d", proc,
                     col, M78_MRAM_WORDS);
    return;
  }
  memcpy(sim->mram[proc][col], b, 9);
  sim->ctr.mram_words_written++;
}

enum m78_status m78i_mram_write(m78_sim *sim, int proc, uint32_t offset, unsigned width, uint32_t value)
{
  int quad = proc / M78_PROCS_PER_QUAD, lp = proc % M78_PROCS_PER_QUAD;
  int mexpress = M78_GET(sim->q[quad].greg[M78_GREG_CTRL], CTRL, MEXPRESS);

  if (mexpress) {
    struct m78_mexpress *mx = &sim->q[quad].mx[lp];
    if (width == 1) {
      if ((offset & 3) == 1 && (value & 0xFF) == 0x01) {
        /* "Set address": the column is the word index of this store. */
        mx->col = (uint16_t)(offset >> 2);
        mx->nbuf = 0;
        return M78_OK;
      }
      /* not a set-address command; the bus reports it once */
      return M78_E_WIDTH;
    }
    if (width != 4)
      return M78_E_WIDTH;
    if (mx->nbuf <= 5) { /* the four bytes stay in the buffer (a weight load's common case) */
      uint8_t *b = &mx->buf[mx->nbuf];
      b[0] = (uint8_t)(value >> 24);
      b[1] = (uint8_t)(value >> 16);
      b[2] = (uint8_t)(value >> 8);
      b[3] = (uint8_t)value;
      mx->nbuf += 4;
      if (mx->nbuf == 9) {
        commit_column(sim, proc, mx->col, mx->buf);
        mx->col++;
        mx->nbuf = 0;
      }
      return M78_OK;
    }
    for (int s = 24; s >= 0; s -= 8) {
      mx->buf[mx->nbuf++] = (uint8_t)(value >> s);
      if (mx->nbuf == 9) {
        commit_column(sim, proc, mx->col, mx->buf);
        mx->col++;
        mx->nbuf = 0;
      }
    }
    return M78_OK;
  }

  if (width != 4)
    return M78_E_WIDTH;
  unsigned col = offset / 16, word = (offset / 4) % 4;
  if (col >= M78_MRAM_WORDS)
    return M78_E_UNMAPPED;
  struct m78_kstage *ks = &sim->q[quad].ks[lp];
  if (word < 3) {
    ks->w[word] = value;
    return M78_OK;
  }
  uint8_t b[9];
  b[0] = (uint8_t)ks->w[0];
  for (int i = 0; i < 4; i++) {
    b[1 + i] = (uint8_t)(ks->w[1] >> (24 - 8 * i));
    b[5 + i] = (uint8_t)(ks->w[2] >> (24 - 8 * i));
  }
  commit_column(sim, proc, col, b);
  return M78_OK;
}

/* Reads return the direct-protocol layout of the addressed column (what
 * izer's verify_weights expects); word +12 reads as 0. */
enum m78_status m78i_mram_read(const m78_sim *sim, int proc, uint32_t offset, uint32_t *value)
{
  unsigned col = offset / 16, word = (offset / 4) % 4;
  if (col >= M78_MRAM_WORDS)
    return M78_E_UNMAPPED;
  const uint8_t *b = sim->mram[proc][col];
  switch (word) {
  case 0: *value = b[0]; break;
  case 1: *value = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]; break;
  case 2: *value = (uint32_t)b[5] << 24 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8]; break;
  default: *value = 0; break;
  }
  return M78_OK;
}
