/*
 * The bus: address decoding, access widths, guest errors, peek/poke and
 * the observation hooks (../shared/spec/registers.md 1.1-1.2, 2.3, 2.4;
 * sim.h "Status of a bus access").
 *
 * Every address below is computed by hand from the memory map table, not
 * from the simulator's own constants, so a change of the map shows here.
 */
#include <stdio.h>
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

TestSuite(bus, .init = setup, .fini = teardown);

static struct m78_addr_info dec(uint32_t addr)
{
  struct m78_addr_info a;
  memset(&a, 0x5A, sizeof a);
  cr_assert_eq(m78_addr_decode(addr, &a), 0, "0x%08x should be mapped", (unsigned)addr);
  cr_assert_not_null(a.region, "0x%08x: no region", (unsigned)addr);
  return a;
}

static void expect_unmapped(uint32_t addr)
{
  struct m78_addr_info a;
  cr_expect_eq(m78_addr_decode(addr, &a), -1, "0x%08x should be unmapped", (unsigned)addr);
}

/* ------------------------------------------------------------------ */
/* m78_addr_decode                                                      */

Test(bus, decode_fifo_and_aon)
{
  /* FIFO_CTRL 0x5000_0000, FIFO_STAT +4, FIFO_WR0..3 +8..+0x14 (2.4) */
  struct m78_addr_info a = dec(0x50000000);
  cr_expect_eq(a.region->kind, M78_REG_FIFO);
  cr_expect_eq(a.quad, -1, "the FIFO block is shared");
  cr_expect_eq(a.index, 0);
  a = dec(0x50000004);
  cr_expect_eq(a.index, 1);
  a = dec(0x50000014); /* FIFO_WR3 */
  cr_expect_eq(a.region->kind, M78_REG_FIFO);
  cr_expect_eq(a.index, 5);
  cr_expect_eq(a.proc, -1);
  cr_expect_eq(a.instance, -1);
  cr_expect_eq(a.greg, -1);
  cr_expect_eq(a.lreg, -1);
  expect_unmapped(0x50000018); /* one past FIFO_WR3 */

  a = dec(0x50001000); /* AON_CTRL */
  cr_expect_eq(a.region->kind, M78_REG_AON);
  cr_expect_eq(a.quad, -1);
  expect_unmapped(0x50001004);
}

Test(bus, decode_global_registers_every_quadrant)
{
  /* quadrant g register block at 0x5010_0000 + g * 0x40_0000 (1.1) */
  static const uint32_t qbase[4] = {0x50100000, 0x50500000, 0x50900000, 0x50D00000};
  for (int g = 0; g < 4; g++) {
    struct m78_addr_info a = dec(qbase[g] + 0x000);
    cr_expect_eq(a.region->kind, M78_REG_QREGS);
    cr_expect_eq(a.quad, g);
    cr_expect_eq(a.greg, M78_GREG_CTRL);
    cr_expect_eq(a.lreg, -1);
    cr_expect_eq(a.layer, -1);
    cr_expect_eq(dec(qbase[g] + 0x004).greg, M78_GREG_SRAM);
    cr_expect_eq(dec(qbase[g] + 0x008).greg, M78_GREG_LCNT_MAX);
    cr_expect_eq(dec(qbase[g] + 0x00C).greg, M78_GREG_TEST);
    /* IFRM sits in the layer-0 slot of array 19: 0x10 + 19 * 0x80 = 0x990 */
    a = dec(qbase[g] + 0x990);
    cr_expect_eq(a.greg, M78_GREG_IFRM, "quadrant %d IFRM", g);
    cr_expect_eq(a.quad, g);
    a = dec(qbase[g] + 0x1000);
    cr_expect_eq(a.greg, M78_GREG_MLAT, "quadrant %d MLAT", g);
    cr_expect_eq(a.quad, g);
  }
}

Test(bus, decode_layer_arrays)
{
  /* layer register R, layer L: 0x5010_0010 + 0x80 R + 4 L (1.1) */
  static const struct {
    uint32_t addr;
    int quad, lreg, layer;
  } t[] = {
      {0x50100010, 0, M78_LREG_RCNT, 0},  /* array 0, layer 0 */
      {0x50100014, 0, M78_LREG_RCNT, 1},  /* mnist layer 1 RCNT (9.1) */
      {0x5010008C, 0, M78_LREG_RCNT, 31}, /* last layer of array 0 */
      {0x50100094, 0, M78_LREG_CCNT, 1},
      {0x50100110, 0, M78_LREG_ONED, 0},
      {0x50100194, 0, M78_LREG_PRCNT, 1},
      {0x50100214, 0, M78_LREG_PCCNT, 1},
      {0x50100294, 0, M78_LREG_STRIDE, 1},
      {0x50100314, 0, M78_LREG_WPTR_BASE, 1},
      {0x50100390, 0, M78_LREG_WPTR_TOFF, 0},
      {0x50100414, 0, M78_LREG_WPTR_MOFF, 1},
      {0x50100490, 0, M78_LREG_WPTR_CHOFF, 0},
      {0x50100514, 0, M78_LREG_RPTR_BASE, 1},
      {0x50100594, 0, M78_LREG_LCTRL0, 1},
      {0x50900594, 2, M78_LREG_LCTRL0, 1}, /* "Q2 LCTRL0 at 0x5090_0594" (9.1) */
      {0x50100614, 0, M78_LREG_MCNT, 1},
      {0x50100694, 0, M78_LREG_TPTR, 1},
      {0x50100714, 0, M78_LREG_EN, 1},
      {0x50100794, 0, M78_LREG_POST, 1},
      {0x50100810, 0, M78_LREG_STRM0, 0}, /* stream arrays: z = 0..7 */
      {0x5010082C, 0, M78_LREG_STRM0, 7},
      {0x505008AC, 1, M78_LREG_STRM1, 7},
      {0x50D0092C, 3, M78_LREG_FBUF, 7},
      {0x50100A14, 0, M78_LREG_LCTRL1, 1},  /* array 20 */
      {0x50D00A8C, 3, M78_LREG_LCTRL1, 31}, /* the last per-layer register */
  };
  for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
    struct m78_addr_info a = dec(t[i].addr);
    cr_expect_eq(a.region->kind, M78_REG_QREGS, "0x%08x", (unsigned)t[i].addr);
    cr_expect_eq(a.quad, t[i].quad, "0x%08x quad", (unsigned)t[i].addr);
    cr_expect_eq(a.greg, -1, "0x%08x greg", (unsigned)t[i].addr);
    cr_expect_eq(a.lreg, t[i].lreg, "0x%08x lreg %d", (unsigned)t[i].addr, a.lreg);
    cr_expect_eq(a.layer, t[i].layer, "0x%08x layer %d", (unsigned)t[i].addr, a.layer);
  }
}

Test(bus, decode_bias_tram_mram)
{
  /* bias entry k of quadrant g: 0x5010_8000 + g 0x40_0000 + 4k, k < 512 */
  struct m78_addr_info a = dec(0x50108000);
  cr_expect_eq(a.region->kind, M78_REG_BIAS);
  cr_expect_eq(a.quad, 0);
  cr_expect_eq(a.index, 0);
  a = dec(0x50908000 + 4 * 511);
  cr_expect_eq(a.region->kind, M78_REG_BIAS);
  cr_expect_eq(a.quad, 2);
  cr_expect_eq(a.index, 511);

  /* TRAM entry k of processor p: 0x5011_0000 + (p/16) 0x40_0000 + (p%16) 0x4000 + 4k */
  a = dec(0x50110000 + 5 * 0x4000 + 4 * 7);
  cr_expect_eq(a.region->kind, M78_REG_TRAM);
  cr_expect_eq(a.proc, 5);
  cr_expect_eq(a.quad, 0);
  cr_expect_eq(a.index, 7);
  a = dec(0x50D10000 + 15 * 0x4000 + 4 * 3071); /* processor 63, last entry */
  cr_expect_eq(a.proc, 63);
  cr_expect_eq(a.quad, 3);
  cr_expect_eq(a.index, 3071);

  /* weight column c of processor p: 0x5018_0000 + (p/16) 0x40_0000 + (p%16) 0x4000 + 16c.
   * index is the byte offset inside the processor window (mram.c). */
  a = dec(0x50180000 + 16 * 42);
  cr_expect_eq(a.region->kind, M78_REG_MRAM);
  cr_expect_eq(a.proc, 0);
  cr_expect_eq(a.index, 16 * 42);
  a = dec(0x50580000 + 1 * 0x4000 + 16 * 767 + 8); /* processor 17, column 767, word +8 */
  cr_expect_eq(a.region->kind, M78_REG_MRAM);
  cr_expect_eq(a.proc, 17);
  cr_expect_eq(a.quad, 1);
  cr_expect_eq(a.index, 16 * 767 + 8);
  a = dec(0x50980000 + 14 * 0x4000); /* processor 46 */
  cr_expect_eq(a.proc, 46);
  a = dec(0x50D80000 + 15 * 0x4000 + 0x3FFC); /* processor 63, end of its window */
  cr_expect_eq(a.proc, 63);
}

Test(bus, decode_sram_all_quadrants)
{
  /* data word w of instance i: 0x5040_0000 + (i/4) 0x40_0000 + (i%4) 0x8000 + 4w */
  static const struct {
    uint32_t addr;
    int quad, inst;
    uint32_t word;
  } t[] = {
      {0x50400000, 0, 0, 0},  {0x50408004, 0, 1, 1},  {0x5041FFFC, 0, 3, 8191},
      {0x50800000, 1, 4, 0},  {0x50800094, 1, 4, 37}, /* 9.2: channel 13, pixel (2,5) -> 0x5080_0094 */
      {0x50C10010, 2, 10, 4}, {0x51000000, 3, 12, 0}, {0x5101FFFC, 3, 15, 8191}, /* last word of the CNN window */
  };
  for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
    struct m78_addr_info a = dec(t[i].addr);
    cr_expect_eq(a.region->kind, M78_REG_SRAM, "0x%08x", (unsigned)t[i].addr);
    cr_expect_eq(a.quad, t[i].quad, "0x%08x quad", (unsigned)t[i].addr);
    cr_expect_eq(a.instance, t[i].inst, "0x%08x instance", (unsigned)t[i].addr);
    cr_expect_eq(a.index, t[i].word, "0x%08x word", (unsigned)t[i].addr);
  }
}

Test(bus, decode_unmapped_holes)
{
  expect_unmapped(0x4FFFFFFC); /* below the CNN window */
  expect_unmapped(0x50002000); /* between AON and quadrant 0 */
  expect_unmapped(0x50100A90); /* one past LCTRL1[31] (array 21 does not exist) */
  expect_unmapped(0x50100994); /* array 19 holds IFRM only, layer 1 slot is reserved */
  expect_unmapped(0x50100830); /* STRM0 of layer 8: stream arrays stop at z = 7 */
  expect_unmapped(0x501008B0); /* STRM1 of layer 8 */
  expect_unmapped(0x50D0098C); /* FBUF of layer 31 (quadrant 3) */
  expect_unmapped(0x50101004); /* past MLAT */
  expect_unmapped(0x50102000); /* hole between MLAT and bias */
  expect_unmapped(0x50108800); /* bias entry 512 */
  expect_unmapped(0x50113000); /* TRAM entry 3072 of processor 0 */
  expect_unmapped(0x50200000); /* past quadrant 0's kernel memories */
  expect_unmapped(0x50420000); /* quadrant 0 has 4 data instances only */
  expect_unmapped(0x51020000); /* one past quadrant 3's data SRAM */
  expect_unmapped(0x51400000); /* a fifth quadrant does not exist */
}

Test(bus, region_table_matches_the_memory_map)
{
  int seen[7] = {0};
  for (unsigned i = 0; i < m78_region_count; i++) {
    const struct m78_region *r = &m78_regions[i];
    seen[r->kind]++;
    switch (r->kind) {
    case M78_REG_FIFO:
      cr_expect_eq(r->base, 0x50000000u);
      cr_expect_eq(r->quad_stride, 0u);
      break;
    case M78_REG_AON:
      cr_expect_eq(r->base, 0x50001000u);
      cr_expect_eq(r->quad_stride, 0u);
      break;
    case M78_REG_QREGS:
      cr_expect_eq(r->base, 0x50100000u);
      cr_expect_eq(r->quad_stride, 0x400000u);
      break;
    case M78_REG_BIAS:
      cr_expect_eq(r->base, 0x50108000u);
      cr_expect_eq(r->size, 2048u);
      break;
    case M78_REG_TRAM: cr_expect_eq(r->base, 0x50110000u); break;
    case M78_REG_MRAM:
      cr_expect_eq(r->base, 0x50180000u);
      cr_expect_eq(r->size, 16u * 0x4000u);
      break;
    case M78_REG_SRAM:
      cr_expect_eq(r->base, 0x50400000u);
      cr_expect_eq(r->size, 4u * 0x8000u);
      break;
    }
  }
  for (int k = 0; k < 7; k++)
    cr_expect_eq(seen[k], 1, "region kind %d appears %d times", k, seen[k]);
}

/* ------------------------------------------------------------------ */
/* guest errors                                                         */

Test(bus, unmapped_access_is_a_counted_guest_error)
{
  static const uint32_t holes[] = {0x50100A90, 0x50102000, 0x51020000, 0x50100830};
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  for (unsigned i = 0; i < 4; i++) {
    uint32_t v = 0x1234;
    cr_expect_eq(m78_bus_write(sim, holes[i], 4, 7), M78_E_UNMAPPED, "write 0x%08x", (unsigned)holes[i]);
    cr_expect_eq(m78_bus_read(sim, holes[i], 4, &v), M78_E_UNMAPPED, "read 0x%08x", (unsigned)holes[i]);
    cr_expect_eq(v, 0, "an unmapped read returns 0");
  }
  /* exactly one guest error per failing access */
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 8);
  cr_expect_neq(m78_sim_counters(sim)->last_error[0], '\0', "the last error is described");
}

Test(bus, misaligned_access)
{
  uint32_t v;
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  cr_expect_eq(m78_bus_write(sim, 0x50400001, 4, 1), M78_E_ALIGN);
  cr_expect_eq(m78_bus_write(sim, 0x50400002, 4, 1), M78_E_ALIGN);
  cr_expect_eq(m78_bus_write(sim, 0x50400001, 2, 1), M78_E_ALIGN);
  cr_expect_eq(m78_bus_read(sim, 0x50400003, 2, &v), M78_E_ALIGN);
  cr_expect_eq(m78_bus_read(sim, 0x50100002, 4, &v), M78_E_ALIGN);
  cr_expect_eq(m78_bus_write(sim, 0x50400000, 3, 1), M78_E_ALIGN, "width 3 does not exist");
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 6);
  cr_expect_eq(m78_sram_view(sim, 0)[0], 0u, "a rejected write changes nothing");
}

Test(bus, sram_byte_lanes)
{
  const uint32_t a = 0x50C08000 + 4 * 100; /* instance 9, word 100 */
  tu_wr(sim, a, 4, 0x11223344);
  cr_expect_eq(m78_sram_view(sim, 9)[100], 0x11223344u);
  /* little-endian lanes: byte at +k is bits 8k+7:8k */
  cr_expect_eq(tu_rd(sim, a + 0, 1), 0x44u);
  cr_expect_eq(tu_rd(sim, a + 1, 1), 0x33u);
  cr_expect_eq(tu_rd(sim, a + 2, 1), 0x22u);
  cr_expect_eq(tu_rd(sim, a + 3, 1), 0x11u);
  cr_expect_eq(tu_rd(sim, a + 0, 2), 0x3344u);
  cr_expect_eq(tu_rd(sim, a + 2, 2), 0x1122u);
  tu_wr(sim, a + 2, 1, 0xAB);
  cr_expect_eq(m78_sram_view(sim, 9)[100], 0x11AB3344u, "a byte store touches its lane only");
  tu_wr(sim, a + 0, 2, 0xBEEF);
  cr_expect_eq(m78_sram_view(sim, 9)[100], 0x11ABBEEFu, "a halfword store touches its two lanes only");
  tu_wr(sim, a + 3, 1, 0x1FF); /* only the low byte of the value is stored */
  cr_expect_eq(m78_sram_view(sim, 9)[100], 0xFFABBEEFu);
  cr_expect_eq(m78_sram_view(sim, 9)[99], 0u);
  cr_expect_eq(m78_sram_view(sim, 9)[101], 0u);
  cr_expect_eq(m78_sram_view(sim, 8)[100], 0u);
}

Test(bus, registers_are_32_bit_only)
{
  const uint32_t lctrl0 = 0x50100594; /* layer 1 LCTRL0 */
  tu_wr32(sim, lctrl0, 0x0000EBA0);
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  cr_expect_eq(m78_bus_write(sim, lctrl0, 1, 0xFF), M78_E_WIDTH);
  cr_expect_eq(m78_bus_write(sim, lctrl0 + 1, 1, 0xFF), M78_E_WIDTH);
  cr_expect_eq(m78_bus_write(sim, lctrl0, 2, 0xFFFF), M78_E_WIDTH);
  cr_expect_eq(m78_bus_write(sim, 0x50100000, 1, 1), M78_E_WIDTH, "an 8-bit CTRL store");
  cr_expect_eq(m78_bus_write(sim, 0x50000000, 2, 1), M78_E_WIDTH, "FIFO_CTRL is 32-bit");
  cr_expect_eq(m78_bus_write(sim, 0x50001000, 1, 1), M78_E_WIDTH, "AON_CTRL is 32-bit");
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 6);
  cr_expect_eq(m78_lreg_get(sim, 0, M78_LREG_LCTRL0, 1), 0x0000EBA0u, "a rejected store changes nothing");
  cr_expect_eq(m78_greg_get(sim, 0, M78_GREG_CTRL), 0u);
  cr_expect_eq(m78_sim_runs(sim), 0u);
}

Test(bus, read_only_locations)
{
  uint64_t e0 = m78_sim_counters(sim)->guest_errors;
  cr_expect_eq(m78_bus_write(sim, 0x50101000, 4, 1), M78_E_READONLY, "MLAT is a read port");
  cr_expect_eq(m78_bus_write(sim, 0x50D01000, 4, 1), M78_E_READONLY, "quadrant 3 MLAT");
  cr_expect_eq(m78_bus_write(sim, 0x50000004, 4, 1), M78_E_READONLY, "FIFO_STAT");
  cr_expect_eq(m78_sim_counters(sim)->guest_errors, e0 + 3);
}

Test(bus, register_round_trip_per_quadrant)
{
  for (int g = 0; g < 4; g++)
    tu_wr32(sim, tu_lreg_addr(g, M78_LREG_ARRAY_MCNT, 5), 0x01E00398u + (uint32_t)g);
  for (int g = 0; g < 4; g++) {
    cr_expect_eq(tu_rd(sim, tu_lreg_addr(g, M78_LREG_ARRAY_MCNT, 5), 4), 0x01E00398u + (uint32_t)g);
    cr_expect_eq(m78_lreg_get(sim, g, M78_LREG_MCNT, 5), 0x01E00398u + (uint32_t)g);
    cr_expect_eq(m78_lreg_get(sim, g, M78_LREG_MCNT, 4), 0u);
  }
  tu_wr32(sim, 0x50900990, 784); /* quadrant 2 IFRM */
  cr_expect_eq(m78_greg_get(sim, 2, M78_GREG_IFRM), 784u);
  cr_expect_eq(m78_greg_get(sim, 0, M78_GREG_IFRM), 0u);
  /* bias: one byte per word, zero-extended on read */
  tu_wr32(sim, 0x50508000 + 4 * 3, 0xFFFFFF9C);
  cr_expect_eq(m78_bias_view(sim, 1)[3], 0x9C);
  cr_expect_eq(tu_rd(sim, 0x50508000 + 4 * 3, 4), 0x9Cu);
  /* TRAM: a 16-bit value per word */
  tu_wr32(sim, tu_tram_addr(20, 9), 0x1234ABCD);
  cr_expect_eq(tu_rd(sim, tu_tram_addr(20, 9), 4), 0xABCDu);
}

/* ------------------------------------------------------------------ */
/* peek / poke                                                          */

Test(bus, peek_and_poke_change_no_counters)
{
  const struct m78_counters *c = m78_sim_counters(sim);
  struct m78_counters before = *c;
  uint32_t v;
  cr_expect_eq(m78_poke(sim, 0x50400010, 4, 0xCAFEF00D), M78_OK);
  cr_expect_eq(m78_peek(sim, 0x50400010, 4, &v), M78_OK);
  cr_expect_eq(v, 0xCAFEF00Du);
  cr_expect_eq(m78_peek(sim, 0x50400011, 1, &v), M78_OK);
  cr_expect_eq(v, 0xF0u);
  cr_expect_eq(m78_poke(sim, 0x50100594, 4, 0xEBA0), M78_OK);
  cr_expect_eq(m78_lreg_get(sim, 0, M78_LREG_LCTRL0, 1), 0xEBA0u);
  /* errors through peek/poke are returned, never counted */
  cr_expect_eq(m78_peek(sim, 0x50102000, 4, &v), M78_E_UNMAPPED);
  cr_expect_eq(m78_poke(sim, 0x50102000, 4, 1), M78_E_UNMAPPED);
  cr_expect_eq(m78_peek(sim, 0x50400001, 4, &v), M78_E_ALIGN);
  cr_expect_eq(m78_poke(sim, 0x50100594, 1, 1), M78_E_WIDTH);
  cr_expect_eq(c->guest_errors, before.guest_errors);
  cr_expect_eq(c->bus_reads, before.bus_reads);
  cr_expect_eq(c->bus_writes, before.bus_writes);
  cr_expect_eq(c->mram_words_written, before.mram_words_written);
  cr_expect_eq(c->fifo_words, before.fifo_words);
  cr_expect_str_eq(c->last_error, before.last_error);

  /* while bus accesses do count */
  tu_wr32(sim, 0x50400010, 1);
  (void)tu_rd(sim, 0x50400010, 4);
  cr_expect_eq(c->bus_writes, before.bus_writes + 1);
  cr_expect_eq(c->bus_reads, before.bus_reads + 1);
}

Test(bus, poke_of_ctrl_does_not_start_an_inference)
{
  cr_expect_eq(m78_poke(sim, 0x50100000, 4, CTRL_CLK_EN | CTRL_CNN_EN), M78_OK);
  cr_expect_eq(m78_greg_get(sim, 0, M78_GREG_CTRL), CTRL_CLK_EN | CTRL_CNN_EN);
  cr_expect_eq(m78_sim_runs(sim), 0u);
  cr_expect_eq(m78_sim_busy(sim), 0);
}

Test(bus, poke_of_fifo_pushes_nothing)
{
  uint64_t w = m78_sim_counters(sim)->fifo_words;
  (void)m78_poke(sim, 0x50000008, 4, 0x01020304);
  cr_expect_eq(m78_sim_counters(sim)->fifo_words, w);
  cr_expect_eq(m78_sram_view(sim, 0)[0], 0u);
}

/* The packed kernel loader keeps a byte stream per processor; a poke (or
 * peek) in the middle of a column must not disturb it. */
Test(bus, poke_and_peek_leave_the_mexpress_stream_alone)
{
  const int p = 3;
  const uint32_t base = tu_proc_base(p);
  uint32_t v;
  tu_wr32(sim, 0x50100000, CTRL_CLK_EN | CTRL_MEXPRESS);
  tu_wr(sim, base + 4 * 5 + 1, 1, 0x01); /* set address: column 5 */
  tu_wr32(sim, base, 0x01020304);        /* bytes b0..b3 of column 5 */
  /* a tool writes column 9 through the direct layout and reads around */
  cr_expect_eq(m78_poke(sim, base + 16 * 9 + 0, 4, 0xAA), M78_OK);
  cr_expect_eq(m78_poke(sim, base + 16 * 9 + 4, 4, 0xA1A2A3A4), M78_OK);
  cr_expect_eq(m78_poke(sim, base + 16 * 9 + 8, 4, 0xA5A6A7A8), M78_OK);
  cr_expect_eq(m78_peek(sim, base + 16 * 5 + 4, 4, &v), M78_OK);
  cr_expect_eq(m78_peek(sim, base + 16 * 9 + 4, 4, &v), M78_OK);
  cr_expect_eq(v, 0xA1A2A3A4u);
  /* the firmware's stream continues where it was */
  tu_wr32(sim, base, 0x05060708);
  tu_wr32(sim, base, 0x09000000); /* b8 = 0x09, then 3 padding bytes */
  const uint8_t *m = m78_mram_view(sim, p);
  static const uint8_t col5[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const uint8_t col9[9] = {0xAA, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8};
  cr_expect_arr_eq(m + 9 * 5, col5, 9, "column 5 assembled from the stream");
  cr_expect_arr_eq(m + 9 * 9, col9, 9, "column 9 written by poke");
  cr_expect_eq(m[9 * 6], 0, "column 6 was not written: the poke did not advance the stream");
}

Test(bus, poke_does_not_commit_a_staged_direct_column)
{
  const uint32_t a = tu_proc_base(40) + 16 * 3;
  tu_wr32(sim, a + 0, 0x11);
  tu_wr32(sim, a + 4, 0x22334455);
  tu_wr32(sim, a + 8, 0x66778899);
  cr_expect_eq(m78_poke(sim, a + 12, 4, 0), M78_OK);
  const uint8_t *m = m78_mram_view(sim, 40);
  cr_expect_eq(m[9 * 3], 0, "the commit word is a bus protocol step, not storage");
  tu_wr32(sim, a + 12, 0);
  static const uint8_t col[9] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
  cr_expect_arr_eq(m + 9 * 3, col, 9);
}

Test(bus, peek_of_mlat_does_not_advance_the_mlator)
{
  /* mlator (7.3): mlat_ld loads the pointer from layer-0 WPTR_BASE; the
   * first read primes, each later read returns lane `sel` of four words. */
  for (uint32_t w = 0; w < 8; w++)
    tu_wr32(sim, tu_sram_addr(1, 0x10 + w), 0x0A000000u | (w + 1) << 16 | 0xBB00u | (w + 0x40));
  tu_wr32(sim, tu_lreg_addr(0, M78_LREG_ARRAY_WPTR_BASE, 0), DPTR(1, 0x10));
  tu_wr32(sim, 0x50100000, CTRL_CLK_EN | (1u << 16) | (2u << 17)); /* mlat_ld, lane 2 */
  uint32_t v;
  for (int i = 0; i < 3; i++)
    cr_expect_eq(m78_peek(sim, 0x50101000, 4, &v), M78_OK);
  (void)tu_rd(sim, 0x50101000, 4); /* prime */
  /* lane 2 of words 0x10..0x13 = w+1 = 1, 2, 3, 4 (first word in bits 7:0) */
  cr_expect_eq(tu_rd(sim, 0x50101000, 4), 0x04030201u);
  cr_expect_eq(m78_peek(sim, 0x50101000, 4, &v), M78_OK);
  cr_expect_eq(tu_rd(sim, 0x50101000, 4), 0x08070605u);
}

/* ------------------------------------------------------------------ */
/* names and hooks                                                      */

static void expect_name(uint32_t addr, const char *want)
{
  char buf[64];
  m78_addr_name(addr, buf, sizeof buf);
  cr_expect_str_eq(buf, want, "name of 0x%08x", (unsigned)addr);
}

Test(bus, addr_name_strings)
{
  expect_name(0x505005A0, "Q1.L4.LCTRL0"); /* the example in sim.h */
  expect_name(0x50100000, "Q0.CTRL");
  expect_name(0x50D00990, "Q3.IFRM");
  expect_name(0x50901000, "Q2.MLAT");
  expect_name(0x50100A8C, "Q0.L31.LCTRL1");
  expect_name(0x5050092C, "Q1.L7.FBUF");
  expect_name(0x50000010, "FIFO_WR2");
  expect_name(0x50000000, "FIFO_CTRL");
  expect_name(0x50001000, "AON_CTRL");
  expect_name(0x50908000 + 4 * 5, "BIAS[Q2]#5");
  expect_name(0x50510000 + 1 * 0x4000 + 4 * 3, "TRAM[p17]#3");
  /* data and kernel memory: the unit is named exactly; the position inside
   * it is printed as core/memmap.c does today ("#word" for SRAM, "+byte
   * offset" for MRAM; the comment in sim.h shows them the other way round) */
  expect_name(0x50408000 + 4 * 0x123, "SRAM[1]#0x0123");
  expect_name(0x5101FFFC, "SRAM[15]#0x1fff");
  expect_name(0x50580000 + 1 * 0x4000 + 16 * 42, "MRAM[p17]+0x02a0");
  expect_name(0x50102000, "0x50102000 (unmapped)");
  char small[8];
  int n = m78_addr_name(0x505005A0, small, sizeof small);
  cr_expect_eq(n, 12, "snprintf semantics: the full length is returned");
  cr_expect_str_eq(small, "Q1.L4.L");
}

struct hook_log {
  int accesses, errors;
  struct m78_access last;
  enum m78_status err_st;
  uint32_t err_addr;
  char err_msg[256];
  int msg_has_newline;
};

static void on_access(void *ctx, const struct m78_access *a)
{
  struct hook_log *h = ctx;
  h->accesses++;
  h->last = *a;
}

static void on_guest_error(void *ctx, enum m78_status st, uint32_t addr, const char *msg)
{
  struct hook_log *h = ctx;
  h->errors++;
  h->err_st = st;
  h->err_addr = addr;
  snprintf(h->err_msg, sizeof h->err_msg, "%s", msg);
  if (strchr(msg, '\n'))
    h->msg_has_newline = 1;
}

Test(bus, hooks_see_every_bus_access_and_error)
{
  struct hook_log h = {0};
  struct m78_hooks hooks = {.ctx = &h, .on_access = on_access, .on_guest_error = on_guest_error};
  m78_sim_set_hooks(sim, &hooks);

  tu_wr(sim, 0x50400002, 2, 0xBEEF);
  cr_expect_eq(h.accesses, 1);
  cr_expect_eq(h.last.addr, 0x50400002u);
  cr_expect_eq(h.last.value, 0xBEEFu);
  cr_expect_eq(h.last.width, 2);
  cr_expect_eq(h.last.write, 1);
  cr_expect_eq(h.last.status, M78_OK);

  uint32_t v = tu_rd(sim, 0x50400000, 4);
  cr_expect_eq(v, 0xBEEF0000u);
  cr_expect_eq(h.accesses, 2);
  cr_expect_eq(h.last.write, 0);
  cr_expect_eq(h.last.value, 0xBEEF0000u, "a read reports the value returned");
  cr_expect_eq(h.errors, 0);

  cr_expect_eq(m78_bus_write(sim, 0x50102000, 4, 5), M78_E_UNMAPPED);
  cr_expect_eq(h.accesses, 3, "failing accesses are reported too");
  cr_expect_eq(h.last.status, M78_E_UNMAPPED);
  cr_expect_eq(h.errors, 1);
  cr_expect_eq(h.err_st, M78_E_UNMAPPED);
  cr_expect_eq(h.err_addr, 0x50102000u);
  cr_expect_neq(h.err_msg[0], '\0');
  cr_expect_eq(h.msg_has_newline, 0, "guest error messages have no newline");
  cr_expect_str_eq(h.err_msg, m78_sim_counters(sim)->last_error);

  cr_expect_eq(m78_bus_write(sim, 0x50100000, 1, 1), M78_E_WIDTH);
  cr_expect_eq(h.errors, 2);
  cr_expect_eq(h.err_st, M78_E_WIDTH);

  /* tools' views stay invisible */
  (void)m78_peek(sim, 0x50400000, 4, &v);
  (void)m78_poke(sim, 0x50400000, 4, 1);
  (void)m78_peek(sim, 0x50102000, 4, &v);
  cr_expect_eq(h.accesses, 4);
  cr_expect_eq(h.errors, 2);

  m78_sim_set_hooks(sim, NULL);
  tu_wr32(sim, 0x50400000, 2);
  cr_expect_eq(h.accesses, 4, "hooks removed");
}

Test(bus, unpowered_or_reset_quadrant)
{
  uint32_t v;
  m78_sim_set_power(sim, 0xE, 0); /* quadrant 0 powered down */
  cr_expect_eq(m78_bus_write(sim, 0x50400000, 4, 1), M78_E_POWER);
  cr_expect_eq(m78_bus_read(sim, 0x50100000, 4, &v), M78_E_POWER);
  tu_wr32(sim, 0x50800000, 1);      /* quadrant 1 still works */
  m78_sim_set_power(sim, 0xF, 0x4); /* quadrant 2 held in reset */
  cr_expect_eq(m78_bus_write(sim, 0x50C00000, 4, 1), M78_E_POWER);
  tu_wr32(sim, 0x50400000, 3);
  cr_expect_eq(m78_sram_view(sim, 8)[0], 0u);
}
