/*
 * Kernel (weight) memory and its two write protocols
 * (../shared/spec/registers.md 4.1 and 4.4).
 *
 * A column is 72 bits = bytes b0..b8, b0 = bits 71:64.  m78_mram_view()
 * shows 9 bytes per column, b0 first; a bus read of column c returns the
 * direct layout: +0 = b0, +4 = b1..b4, +8 = b5..b8 (big-endian), +12 = 0.
 *
 * proc_base(p) = 0x5018_0000 + (p div 16) * 0x40_0000 + (p mod 16) * 0x4000.
 */
#include "sim_test_util.h"

static m78_sim *sim;
static void setup(void)
{
  sim = m78_sim_new();
  cr_assert_not_null(sim);
}
static void teardown(void)
{
  m78_sim_free(sim);
}

TestSuite(mram, .init = setup, .fini = teardown);

/* Distinct, recognisable bytes for (processor, column, byte). */
static uint8_t pattern(int p, int col, int i)
{
  return (uint8_t)(p * 7 + col * 13 + i * 29 + 1);
}

static void fill_pattern(uint8_t b[9], int p, int col)
{
  for (int i = 0; i < 9; i++)
    b[i] = pattern(p, col, i);
}

static void expect_column(int p, int col, const uint8_t want[9])
{
  const uint8_t *m = m78_mram_view(sim, p) + 9 * col;
  for (int i = 0; i < 9; i++)
    cr_expect_eq(m[i], want[i], "processor %d column %d b%d: 0x%02x, want 0x%02x", p, col, i, m[i], want[i]);
}

static void expect_zero_column(int p, int col)
{
  static const uint8_t z[9] = {0};
  expect_column(p, col, z);
}

/* Bus read-back in the direct layout (verify_weights). */
static void expect_readback(int p, int col, const uint8_t b[9])
{
  uint32_t a = tu_proc_base(p) + 16u * (uint32_t)col;
  cr_expect_eq(tu_rd(sim, a + 0, 4), (uint32_t)b[0], "p%d c%d +0", p, col);
  cr_expect_eq(tu_rd(sim, a + 4, 4), (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4],
               "p%d c%d +4", p, col);
  cr_expect_eq(tu_rd(sim, a + 8, 4), (uint32_t)b[5] << 24 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8],
               "p%d c%d +8", p, col);
  cr_expect_eq(tu_rd(sim, a + 12, 4), 0u, "p%d c%d +12 reads as 0", p, col);
}

/* ------------------------------------------------------------------ */
/* (a) direct 4-word protocol, CTRL.mexpress = 0                        */

Test(mram, direct_protocol_commits_on_the_fourth_word)
{
  const uint32_t a = 0x50180000 + 16 * 2; /* processor 0, column 2 */
  uint64_t w0 = m78_sim_counters(sim)->mram_words_written;
  tu_wr32(sim, a + 0, 0xBA);       /* b0 */
  tu_wr32(sim, a + 4, 0xBB90EEEA); /* b1..b4 */
  tu_wr32(sim, a + 8, 0x103609F7); /* b5..b8 */
  expect_zero_column(0, 2);        /* staged, not yet written */
  cr_expect_eq(m78_sim_counters(sim)->mram_words_written, w0);
  tu_wr32(sim, a + 12, 0); /* "Execute write" */
  /* the 9.2 example column: ba bb 90 ee ea 10 36 09 f7 */
  static const uint8_t want[9] = {0xBA, 0xBB, 0x90, 0xEE, 0xEA, 0x10, 0x36, 0x09, 0xF7};
  expect_column(0, 2, want);
  expect_readback(0, 2, want);
  expect_zero_column(0, 1);
  expect_zero_column(0, 3);
  cr_expect_eq(m78_sim_counters(sim)->mram_words_written, w0 + 1);
}

Test(mram, direct_b0_is_bits_7_0_of_the_first_word)
{
  const uint32_t a = tu_proc_base(5) + 16 * 9;
  tu_wr32(sim, a + 0, 0xABCDEF12);
  tu_wr32(sim, a + 4, 0);
  tu_wr32(sim, a + 8, 0);
  tu_wr32(sim, a + 12, 0xFFFFFFFF); /* any value commits */
  const uint8_t want[9] = {0x12, 0, 0, 0, 0, 0, 0, 0, 0};
  expect_column(5, 9, want);
}

Test(mram, direct_protocol_every_quadrant)
{
  static const int procs[] = {0, 15, 16, 33, 46, 63};
  static const int cols[] = {0, 1, 100, 767};
  uint8_t b[9];
  for (unsigned i = 0; i < 6; i++)
    for (unsigned j = 0; j < 4; j++) {
      fill_pattern(b, procs[i], cols[j]);
      tu_kernel_bytes(sim, procs[i], cols[j], b);
    }
  for (unsigned i = 0; i < 6; i++)
    for (unsigned j = 0; j < 4; j++) {
      fill_pattern(b, procs[i], cols[j]);
      expect_column(procs[i], cols[j], b);
      expect_readback(procs[i], cols[j], b);
    }
  /* neighbours (processor and column) untouched */
  expect_zero_column(1, 0);
  expect_zero_column(17, 100);
  expect_zero_column(62, 767);
  expect_zero_column(63, 766);
}

Test(mram, direct_staging_is_per_processor)
{
  const uint32_t a = tu_proc_base(20) + 16 * 4, c = tu_proc_base(21) + 16 * 4;
  tu_wr32(sim, a + 0, 0x01);
  tu_wr32(sim, c + 0, 0x11);
  tu_wr32(sim, a + 4, 0x02030405);
  tu_wr32(sim, c + 4, 0x12131415);
  tu_wr32(sim, a + 8, 0x06070809);
  tu_wr32(sim, c + 8, 0x16171819);
  tu_wr32(sim, c + 12, 0);
  tu_wr32(sim, a + 12, 0);
  static const uint8_t wa[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const uint8_t wc[9] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19};
  expect_column(20, 4, wa);
  expect_column(21, 4, wc);
}

Test(mram, direct_column_768_is_unmapped)
{
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  cr_expect_eq(m78_bus_write(sim, tu_proc_base(7) + 16 * 768, 4, 1), M78_E_UNMAPPED);
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 1);
}

Test(mram, direct_protocol_needs_32_bit_stores)
{
  cr_expect_eq(m78_bus_write(sim, tu_proc_base(0) + 1, 1, 0x01), M78_E_WIDTH,
               "without mexpress a byte store is not a set-address command");
  cr_expect_eq(m78_bus_write(sim, tu_proc_base(0) + 4, 2, 0x0101), M78_E_WIDTH);
}

/* ------------------------------------------------------------------ */
/* (b) packed "mexpress" protocol, CTRL bit 20 = 1                     */

/* Packs n columns (9 bytes each, b0 first) into big-endian words padded
 * with zero bytes to a multiple of 4, as izer's KERNELS records do. */
static unsigned pack(const uint8_t *bytes, unsigned n, uint32_t *words)
{
  unsigned nb = 9 * n, nw = (nb + 3) / 4;
  for (unsigned w = 0; w < nw; w++) {
    uint32_t v = 0;
    for (unsigned k = 0; k < 4; k++) {
      unsigned i = 4 * w + k;
      v = v << 8 | (i < nb ? bytes[i] : 0);
    }
    words[w] = v;
  }
  return nw;
}

static void mexpress_on(unsigned qmask)
{
  for (int q = 0; q < 4; q++)
    if ((qmask >> q) & 1)
      tu_wr32(sim, tu_greg_addr(q, 0), CTRL_CLK_EN | CTRL_MEXPRESS);
}

static void set_address(int p, int col)
{
  tu_wr(sim, tu_proc_base(p) + 4u * (uint32_t)col + 1, 1, 0x01);
}

Test(mram, mexpress_record_like_izer)
{
  /* record {proc_base + 4c, ceil(9n/4), data}: the 0x01 byte store to
   * address | 1, then the words to address, address + 4, ... */
  const int p = 2, c = 7;
  uint8_t bytes[18];
  uint32_t words[5];
  fill_pattern(bytes, p, c);
  fill_pattern(bytes + 9, p, c + 1);
  unsigned nw = pack(bytes, 2, words);
  cr_assert_eq(nw, 5u); /* ceil(18 / 4) */
  /* first word = b0..b3 of column 7, most significant byte first */
  cr_expect_eq(words[0], (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3]);

  mexpress_on(1);
  uint64_t w0 = m78_sim_counters(sim)->mram_words_written;
  const uint32_t addr = tu_proc_base(p) + 4 * c; /* 0x5018_8000 + 0x1C */
  cr_expect_eq(addr, 0x5018801Cu);
  set_address(p, c);
  for (unsigned w = 0; w < nw; w++)
    tu_wr32(sim, addr + 4 * w, words[w]);
  expect_column(p, c, bytes);
  expect_column(p, c + 1, bytes + 9);
  expect_zero_column(p, c - 1);
  expect_zero_column(p, c + 2);
  cr_expect_eq(m78_sim_counters(sim)->mram_words_written, w0 + 2);
  /* read back in the direct layout, whatever protocol loaded it */
  expect_readback(p, c, bytes);
  expect_readback(p, c + 1, bytes + 9);
}

Test(mram, mexpress_store_address_does_not_select_the_column)
{
  /* izer's old loader: set address at column c, then memcpy32 to proc_base */
  const int p = 9, c = 100;
  uint8_t bytes[27];
  uint32_t words[7];
  for (int k = 0; k < 3; k++)
    fill_pattern(bytes + 9 * k, p, c + k);
  unsigned nw = pack(bytes, 3, words); /* 27 bytes -> 7 words, 1 padding byte */
  mexpress_on(1);
  set_address(p, c);
  for (unsigned w = 0; w < nw; w++)
    tu_wr32(sim, tu_proc_base(p) + 0x2000, words[w]); /* always the same address */
  for (int k = 0; k < 3; k++)
    expect_column(p, c + k, bytes + 9 * k);
  expect_zero_column(p, 0);
  expect_zero_column(p, 0x2000 / 16);
  expect_zero_column(p, 0x2000 / 4);
}

Test(mram, mexpress_every_quadrant)
{
  static const int procs[] = {0, 17, 34, 51, 63};
  static const int cols[] = {0, 5, 400, 766};
  mexpress_on(0xF);
  for (unsigned i = 0; i < 5; i++) {
    for (unsigned j = 0; j < 4; j++) {
      uint8_t bytes[18];
      uint32_t words[5];
      fill_pattern(bytes, procs[i], cols[j]);
      fill_pattern(bytes + 9, procs[i], cols[j] + 1);
      unsigned nw = pack(bytes, 2, words);
      set_address(procs[i], cols[j]);
      for (unsigned w = 0; w < nw; w++)
        tu_wr32(sim, tu_proc_base(procs[i]) + 4u * (uint32_t)cols[j] + 4 * w, words[w]);
    }
  }
  for (unsigned i = 0; i < 5; i++)
    for (unsigned j = 0; j < 4; j++) {
      uint8_t b[9];
      fill_pattern(b, procs[i], cols[j]);
      expect_column(procs[i], cols[j], b);
      fill_pattern(b, procs[i], cols[j] + 1);
      expect_column(procs[i], cols[j] + 1, b);
    }
  expect_zero_column(1, 0);
  expect_zero_column(16, 5);
  expect_zero_column(62, 766);
}

Test(mram, mexpress_follows_the_quadrant_ctrl)
{
  /* mexpress set in quadrant 0 only: processor 16 (quadrant 1) still
   * uses the direct protocol */
  mexpress_on(1);
  uint8_t b[9];
  fill_pattern(b, 16, 3);
  tu_kernel_bytes(sim, 16, 3, b);
  expect_column(16, 3, b);
  /* and clearing mexpress in quadrant 0 switches processor 0 back */
  tu_wr32(sim, tu_greg_addr(0, 0), CTRL_CLK_EN);
  fill_pattern(b, 0, 3);
  tu_kernel_bytes(sim, 0, 3, b);
  expect_column(0, 3, b);
}

Test(mram, mexpress_tail_is_dropped_at_the_next_set_address)
{
  const int p = 4;
  mexpress_on(1);
  set_address(p, 0);
  tu_wr32(sim, tu_proc_base(p), 0xA0A1A2A3);
  tu_wr32(sim, tu_proc_base(p), 0xA4A5A6A7); /* 8 bytes: no column completed */
  expect_zero_column(p, 0);
  set_address(p, 4); /* drops the 8 bytes */
  tu_wr32(sim, tu_proc_base(p), 0x01020304);
  tu_wr32(sim, tu_proc_base(p), 0x05060708);
  tu_wr32(sim, tu_proc_base(p), 0x09EEEEEE); /* b8 = 0x09, then a 3-byte tail */
  static const uint8_t want[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  expect_column(p, 4, want);
  expect_zero_column(p, 0);
  expect_zero_column(p, 5);
  set_address(p, 8);
  tu_wr32(sim, tu_proc_base(p), 0x11121314);
  tu_wr32(sim, tu_proc_base(p), 0x15161718);
  tu_wr32(sim, tu_proc_base(p), 0x19000000);
  static const uint8_t want8[9] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19};
  expect_column(p, 8, want8);
  expect_zero_column(p, 5); /* the EE tail never completed column 5 */
}

Test(mram, mexpress_counter_is_per_processor)
{
  /* registers.md 10.8 leaves this open; the core keeps one counter per
   * processor, so streams of two processors may interleave */
  mexpress_on(1);
  set_address(1, 10);
  set_address(2, 20);
  tu_wr32(sim, tu_proc_base(1), 0x01020304);
  tu_wr32(sim, tu_proc_base(2), 0x11121314);
  tu_wr32(sim, tu_proc_base(1), 0x05060708);
  tu_wr32(sim, tu_proc_base(2), 0x15161718);
  tu_wr32(sim, tu_proc_base(1), 0x09000000);
  tu_wr32(sim, tu_proc_base(2), 0x19000000);
  static const uint8_t w1[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const uint8_t w2[9] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19};
  expect_column(1, 10, w1);
  expect_column(2, 20, w2);
}

Test(mram, mexpress_columns_keep_incrementing_across_words)
{
  /* 4 columns = 36 bytes = exactly 9 words, no padding */
  const int p = 47, c = 32;
  uint8_t bytes[36];
  uint32_t words[9];
  for (int k = 0; k < 4; k++)
    fill_pattern(bytes + 9 * k, p, c + k);
  cr_assert_eq(pack(bytes, 4, words), 9u);
  mexpress_on(1u << 2);
  set_address(p, c);
  for (unsigned w = 0; w < 9; w++)
    tu_wr32(sim, tu_proc_base(p) + 4u * (uint32_t)c + 4 * w, words[w]);
  for (int k = 0; k < 4; k++)
    expect_column(p, c + k, bytes + 9 * k);
  expect_zero_column(p, c + 4);
}

Test(mram, mexpress_other_byte_stores_are_one_guest_error)
{
  mexpress_on(1);
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  cr_expect_eq(m78_bus_write(sim, tu_proc_base(0) + 4 * 3 + 1, 1, 0x02), M78_E_WIDTH,
               "only 0x01 at offset 4c+1 sets the address");
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 1, "one failing store, one guest error (got %llu)",
               (unsigned long long)(m78_sim_counters(sim)->guest_errors - e0));
}

Test(mram, mexpress_stream_beyond_column_767)
{
  const int p = 30;
  mexpress_on(1u << 1);
  set_address(p, 767);
  uint8_t bytes[18];
  uint32_t words[5];
  fill_pattern(bytes, p, 767);
  fill_pattern(bytes + 9, p, 768);
  unsigned nw = pack(bytes, 2, words);
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  for (unsigned w = 0; w < nw; w++)
    (void)m78_bus_write(sim, tu_proc_base(p), 4, words[w]);
  expect_column(p, 767, bytes);
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 1, "column 768 does not exist");
  expect_zero_column(p + 1, 0); /* nothing spilled into the next processor */
}
