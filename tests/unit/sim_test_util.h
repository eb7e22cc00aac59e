/*
 * Helpers shared by the core's unit tests (test_sim_*.c).
 *
 * Everything here goes through the public API the way firmware does:
 * addresses are computed from the memory map of
 * ../shared/spec/registers.md 1.1-1.2, registers and memories are written
 * with m78_bus_write(), and every write must succeed (a failing helper
 * write aborts the test with the address in the message).  Expected values
 * never come from here: each test works them out by hand from the spec.
 */
#ifndef M78_SIM_TEST_UTIL_H
#define M78_SIM_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include "max78sim/sim.h"

#define TU_UNUSED __attribute__((unused))

/* CTRL bits (registers.md 2.1) */
#define CTRL_CNN_EN (1u << 0)
#define CTRL_CLK_EN (1u << 3)
#define CTRL_EXT_SYNC (1u << 11)
#define CTRL_CNN_IRQ (1u << 12)
#define CTRL_POOLRND (1u << 13)
#define CTRL_MEXPRESS (1u << 20)

/* LCTRL0 bits (registers.md 3.11) */
#define LC0_MASTER (1u << 5)
#define LC0_CHW (1u << 6)
#define LC0_POOL (1u << 7)
#define LC0_MAXPL (1u << 8)
#define LC0_RELU (1u << 9)
#define LC0_SRAMLSRC (1u << 11)
#define LC0_CNNSI(q) (1u << (12 + (q)))
#define LC0_BIGDWRT (1u << 16)

/* POST fields (registers.md 3.16) */
#define POST_BIAS(sad) ((1u << 12) | (uint32_t)(sad))
/* total shift s: magnitude in 16:13, bit 17 = right shift */
#define POST_SHIFT(s) ((s) < 0 ? ((uint32_t)(-(s)) << 13) | (1u << 17) : (uint32_t)(s) << 13)
#define POST_Q1 (1u << 22)
#define POST_Q2 (2u << 22)
#define POST_Q4 (3u << 22)
#define POST_TS_EN (1u << 24)
#define POST_ONEXONE (1u << 25)
#define POST_ABS (1u << 26)

/* RCNT/CCNT for n rows (before pooling) and pad p */
#define XCNT(n, p) (((uint32_t)(p) << 16) | (uint32_t)((n)-1 + 2 * (p)))
/* MCNT from first/last mask-counter value */
#define MCNT(sad, max) (((uint32_t)(sad) << 16) | (uint32_t)(max))
/* LCTRL1 */
#define LCTRL1(inpchexp, wptr_inc, xpch_max)                                                                           \
  ((uint32_t)(inpchexp) | ((uint32_t)(wptr_inc) << 4) | ((uint32_t)(xpch_max) << 8))
/* 17-bit data pointer: global instance + word */
#define DPTR(inst, word) (((uint32_t)(inst) << 13) | (uint32_t)(word))

/* ---- addresses (registers.md 1.1) ---- */

static inline uint32_t tu_qoffs(int q)
{
  return (uint32_t)q * M78_QUAD_STRIDE;
}
static inline uint32_t tu_greg_addr(int q, uint32_t off)
{
  return M78_QREG_BASE + tu_qoffs(q) + off;
}
static inline uint32_t tu_lreg_addr(int q, unsigned array, int layer)
{
  return M78_QREG_BASE + tu_qoffs(q) + 0x10u + 0x80u * array + 4u * (uint32_t)layer;
}
static inline uint32_t tu_bias_addr(int q, int k)
{
  return M78_BIAS_BASE + tu_qoffs(q) + 4u * (uint32_t)k;
}
static inline uint32_t tu_proc_base(int p)
{
  return M78_MRAM_BASE + tu_qoffs(p / 16) + (uint32_t)(p % 16) * M78_PROC_WINDOW;
}
static inline uint32_t tu_tram_addr(int p, int k)
{
  return M78_TRAM_BASE + tu_qoffs(p / 16) + (uint32_t)(p % 16) * M78_PROC_WINDOW + 4u * (uint32_t)k;
}
static inline uint32_t tu_sram_addr(int inst, uint32_t word)
{
  return M78_SRAM_BASE + tu_qoffs(inst / 4) + (uint32_t)(inst % 4) * M78_SRAM_INST_BYTES + 4u * word;
}

/* ---- bus access that must succeed ---- */

static TU_UNUSED void tu_wr(m78_sim *sim, uint32_t addr, unsigned width, uint32_t v)
{
  enum m78_status st = m78_bus_write(sim, addr, width, v);
  cr_assert_eq(st, M78_OK, "%u-byte write of 0x%x to 0x%08x failed: %s", width, (unsigned)v, (unsigned)addr,
               m78_status_name(st));
}

static TU_UNUSED void tu_wr32(m78_sim *sim, uint32_t addr, uint32_t v)
{
  tu_wr(sim, addr, 4, v);
}

static TU_UNUSED uint32_t tu_rd(m78_sim *sim, uint32_t addr, unsigned width)
{
  uint32_t v = 0xDEADBEEF;
  enum m78_status st = m78_bus_read(sim, addr, width, &v);
  cr_assert_eq(st, M78_OK, "%u-byte read of 0x%08x failed: %s", width, (unsigned)addr, m78_status_name(st));
  return v;
}

/* One signed data byte: instance, word, byte lane (read through the bus,
 * where firmware would read it). */
static TU_UNUSED int tu_sram_s8(m78_sim *sim, int inst, uint32_t word, int lane)
{
  return (int8_t)tu_rd(sim, tu_sram_addr(inst, word) + (uint32_t)lane, 1);
}

static TU_UNUSED void tu_sram_put8(m78_sim *sim, int inst, uint32_t word, int lane, int v)
{
  tu_wr(sim, tu_sram_addr(inst, word) + (uint32_t)lane, 1, (uint32_t)(v & 0xFF));
}

/* ---- registers ---- */

static TU_UNUSED void tu_lreg(m78_sim *sim, int q, unsigned array, int layer, uint32_t v)
{
  tu_wr32(sim, tu_lreg_addr(q, array, layer), v);
}

/* The same value into every quadrant of qmask (izer: "same" in 9.1). */
static TU_UNUSED void tu_lreg_all(m78_sim *sim, unsigned qmask, unsigned array, int layer, uint32_t v)
{
  for (int q = 0; q < M78_QUADS; q++)
    if ((qmask >> q) & 1)
      tu_lreg(sim, q, array, layer, v);
}

/* cnn_init(): stop the state machine, last layer index (registers.md 2.5). */
static TU_UNUSED void tu_init(m78_sim *sim, unsigned qmask, int nlayers, uint32_t ctrl)
{
  for (int q = 0; q < M78_QUADS; q++) {
    if (!((qmask >> q) & 1))
      continue;
    tu_wr32(sim, tu_greg_addr(q, 0x000), CTRL_CLK_EN | ctrl);
    tu_wr32(sim, tu_greg_addr(q, 0x004), 0x40E);
    tu_wr32(sim, tu_greg_addr(q, 0x008), (uint32_t)(nlayers - 1));
  }
}

/* cnn_start(): arm the other quadrants, then the master 0->1 edge. */
static TU_UNUSED void tu_start(m78_sim *sim, unsigned qmask, uint32_t ctrl)
{
  for (int q = 1; q < M78_QUADS; q++)
    if ((qmask >> q) & 1)
      tu_wr32(sim, tu_greg_addr(q, 0x000), CTRL_CLK_EN | CTRL_EXT_SYNC | ctrl | CTRL_CNN_EN);
  tu_wr32(sim, tu_greg_addr(0, 0x000), CTRL_CLK_EN | ctrl | CTRL_CNN_EN);
}

static TU_UNUSED void tu_start_and_run(m78_sim *sim, unsigned qmask, uint32_t ctrl)
{
  tu_start(sim, qmask, ctrl);
  cr_assert_eq(m78_sim_busy(sim), 1, "the master enable did not start an inference");
  /* UINT64_MAX / 2 for a fresh instance; a later run counts from now,
   * since running until a cycle moves simulated time there. */
  uint64_t now = m78_sim_now(sim);
  m78_sim_run_until(sim, now + (UINT64_MAX - now) / 2);
  cr_assert_eq(m78_sim_busy(sim), 0, "the inference did not finish");
  cr_assert_eq(m78_sim_irq(sim), 1, "no interrupt after the last layer");
}

/* ---- kernel memory, direct 4-word protocol (registers.md 4.4 a) ---- */

/* Column `col` of processor p := bytes b[0..8] (b0 first = bits 71:64).
 * Requires CTRL.mexpress = 0 in p's quadrant. */
static TU_UNUSED void tu_kernel_bytes(m78_sim *sim, int p, int col, const uint8_t b[9])
{
  uint32_t a = tu_proc_base(p) + 16u * (uint32_t)col;
  tu_wr32(sim, a + 0, b[0]);
  tu_wr32(sim, a + 4, (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]);
  tu_wr32(sim, a + 8, (uint32_t)b[5] << 24 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8]);
  tu_wr32(sim, a + 12, 0);
}

/* An 8-bit 3x3 kernel, taps row-major: tap t = 3*row + col is byte b_t. */
static TU_UNUSED void tu_kernel3x3(m78_sim *sim, int p, int col, const int8_t k[9])
{
  uint8_t b[9];
  for (int i = 0; i < 9; i++)
    b[i] = (uint8_t)k[i];
  tu_kernel_bytes(sim, p, col, b);
}

/* Bias entry k of quadrant q (one byte in bits 7:0 of a word, registers.md 5). */
static TU_UNUSED void tu_bias(m78_sim *sim, int q, int k, int v)
{
  tu_wr32(sim, tu_bias_addr(q, k), (uint32_t)(v & 0xFF));
}

/* ---- one layer's registers in one quadrant ---- */

/* Per-layer register values; zero fields are not written (as izer does). */
struct lregs {
  uint32_t rcnt, ccnt, oned, prcnt, pccnt, stride, wptr, toff, moff, choff, rptr, lctrl0, mcnt, en, post, lctrl1;
};

#define LC0_CONV (LC0_MASTER | LC0_MAXPL | LC0_SRAMLSRC) /* 0x920: a plain conv layer */

static TU_UNUSED void tu_program(m78_sim *sim, int q, int layer, const struct lregs *r)
{
  const struct {
    unsigned array;
    uint32_t v;
  } t[] = {
      {M78_LREG_ARRAY_RCNT, r->rcnt},        {M78_LREG_ARRAY_CCNT, r->ccnt},      {M78_LREG_ARRAY_ONED, r->oned},
      {M78_LREG_ARRAY_PRCNT, r->prcnt},      {M78_LREG_ARRAY_PCCNT, r->pccnt},    {M78_LREG_ARRAY_STRIDE, r->stride},
      {M78_LREG_ARRAY_WPTR_BASE, r->wptr},   {M78_LREG_ARRAY_WPTR_TOFF, r->toff}, {M78_LREG_ARRAY_WPTR_MOFF, r->moff},
      {M78_LREG_ARRAY_WPTR_CHOFF, r->choff}, {M78_LREG_ARRAY_RPTR_BASE, r->rptr}, {M78_LREG_ARRAY_LCTRL0, r->lctrl0},
      {M78_LREG_ARRAY_MCNT, r->mcnt},        {M78_LREG_ARRAY_EN, r->en},          {M78_LREG_ARRAY_POST, r->post},
      {M78_LREG_ARRAY_LCTRL1, r->lctrl1},
  };
  for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
    if (t[i].v)
      tu_lreg(sim, q, t[i].array, layer, t[i].v);
}

/* ---- the mnist network's register image (registers.md 9.1, 9.3) ----
 *
 * One row per register: its array number and the value of quadrants 0..3.
 * Layer 1 is table 9.1 verbatim.  For layers 0, 2, 3 and 4 the key writes
 * of table 9.3 are completed with what section 3 says izer writes:
 * WPTR_MOFF = 0x2000 for every convolution (3.8); PRCNT/PCCNT/STRIDE = 1
 * for "pool 2x2 s2" (3.4, 3.5); LCTRL0 of layer 2 as layer 1 (max pool,
 * ReLU, cnnsi 1-3 in quadrant 0), quadrants 1-3 without cnnsi (3.11); EN
 * from the input processors (layer 2 reads layer 1's output on 4-63,
 * layer 3 reads 56 channels on 4-59); the read pointer is where the
 * previous layer wrote; zero registers are not written. */
struct tu_lregval {
  unsigned array;
  uint32_t v[4];
};
#define TU_SAME(x)                                                                                                     \
  {                                                                                                                    \
    x, x, x, x                                                                                                         \
  }

static const struct tu_lregval tu_mnist_l0[] TU_UNUSED = {
    {M78_LREG_ARRAY_RCNT, TU_SAME(0x0001001D)},      {M78_LREG_ARRAY_CCNT, TU_SAME(0x0001001D)},
    {M78_LREG_ARRAY_WPTR_BASE, TU_SAME(0x00002800)}, {M78_LREG_ARRAY_WPTR_MOFF, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_LCTRL0, TU_SAME(0x00000B60)},    {M78_LREG_ARRAY_LCTRL1, TU_SAME(0x0001D800)},
    {M78_LREG_ARRAY_MCNT, TU_SAME(0x000001D8)},      {M78_LREG_ARRAY_TPTR, TU_SAME(0x0000001B)},
    {M78_LREG_ARRAY_POST, TU_SAME(0x00022000)},      {M78_LREG_ARRAY_EN, {0x00010001, 0, 0, 0}},
};
static const struct tu_lregval tu_mnist_l1[] TU_UNUSED = {
    {M78_LREG_ARRAY_RCNT, TU_SAME(0x0002001F)},
    {M78_LREG_ARRAY_CCNT, TU_SAME(0x0002001F)},
    {M78_LREG_ARRAY_PRCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_PCCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_STRIDE, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_WPTR_BASE, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_WPTR_MOFF, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_RPTR_BASE, TU_SAME(0x00000800)},
    {M78_LREG_ARRAY_LCTRL0, {0x0000EBA0, 0x00000BA0, 0x00000BA0, 0x00000BA0}},
    {M78_LREG_ARRAY_LCTRL1, TU_SAME(0x0001D800)},
    {M78_LREG_ARRAY_MCNT, TU_SAME(0x000001D8)},
    {M78_LREG_ARRAY_TPTR, TU_SAME(0x0000000F)},
    {M78_LREG_ARRAY_POST, TU_SAME(0x00024000)},
    {M78_LREG_ARRAY_EN, {0xFFF0FFF0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}},
};
static const struct tu_lregval tu_mnist_l2[] TU_UNUSED = {
    {M78_LREG_ARRAY_RCNT, TU_SAME(0x00010011)},
    {M78_LREG_ARRAY_CCNT, TU_SAME(0x00010011)},
    {M78_LREG_ARRAY_PRCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_PCCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_STRIDE, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_WPTR_BASE, TU_SAME(0x00002800)},
    {M78_LREG_ARRAY_WPTR_MOFF, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_LCTRL0, {0x0000EBA0, 0x00000BA0, 0x00000BA0, 0x00000BA0}},
    {M78_LREG_ARRAY_LCTRL1, TU_SAME(0x0001B800)},
    {M78_LREG_ARRAY_MCNT, TU_SAME(0x01E00398)},
    {M78_LREG_ARRAY_TPTR, TU_SAME(0x00000007)},
    {M78_LREG_ARRAY_POST, TU_SAME(0x00024000)},
    {M78_LREG_ARRAY_EN, {0xFFF0FFF0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}},
};
static const struct tu_lregval tu_mnist_l3[] TU_UNUSED = {
    {M78_LREG_ARRAY_RCNT, TU_SAME(0x00010009)},
    {M78_LREG_ARRAY_CCNT, TU_SAME(0x00010009)},
    {M78_LREG_ARRAY_PRCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_PCCNT, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_STRIDE, TU_SAME(0x00000001)},
    {M78_LREG_ARRAY_WPTR_MOFF, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_RPTR_BASE, TU_SAME(0x00000800)},
    {M78_LREG_ARRAY_LCTRL0, {0x0000EAA0, 0x00000AA0, 0x00000AA0, 0x00000AA0}},
    {M78_LREG_ARRAY_LCTRL1, TU_SAME(0x00005800)},
    {M78_LREG_ARRAY_MCNT, TU_SAME(0x03A003F8)},
    {M78_LREG_ARRAY_TPTR, TU_SAME(0x00000003)},
    {M78_LREG_ARRAY_POST, TU_SAME(0x00022000)},
    {M78_LREG_ARRAY_EN, {0xFFF0FFF0, 0xFFFFFFFF, 0xFFFFFFFF, 0x0FFF0FFF}},
};
static const struct tu_lregval tu_mnist_l4[] TU_UNUSED = {
    {M78_LREG_ARRAY_ONED, TU_SAME(0x00000100)},      {M78_LREG_ARRAY_WPTR_BASE, TU_SAME(0x00000400)},
    {M78_LREG_ARRAY_WPTR_TOFF, TU_SAME(0x00000001)}, {M78_LREG_ARRAY_WPTR_MOFF, TU_SAME(0x00002000)},
    {M78_LREG_ARRAY_LCTRL0, TU_SAME(0x00010920)},    {M78_LREG_ARRAY_LCTRL1, TU_SAME(0x0000480F)},
    {M78_LREG_ARRAY_MCNT, TU_SAME(0x240028F8)},      {M78_LREG_ARRAY_POST, {0x00001000, 0, 0, 0}},
    {M78_LREG_ARRAY_EN, {0x0FFF0FFF, 0, 0, 0}},
};

static TU_UNUSED void tu_write_lregs(m78_sim *sim, int layer, const struct tu_lregval *t, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    for (int q = 0; q < M78_QUADS; q++)
      if (t[i].v[q])
        tu_lreg(sim, q, t[i].array, layer, t[i].v[q]);
}

#define TU_WRITE_LREGS(sim, layer, table) tu_write_lregs((sim), (layer), (table), sizeof(table) / sizeof((table)[0]))

static TU_UNUSED void tu_mnist_registers(m78_sim *sim)
{
  TU_WRITE_LREGS(sim, 0, tu_mnist_l0);
  TU_WRITE_LREGS(sim, 1, tu_mnist_l1);
  TU_WRITE_LREGS(sim, 2, tu_mnist_l2);
  TU_WRITE_LREGS(sim, 3, tu_mnist_l3);
  TU_WRITE_LREGS(sim, 4, tu_mnist_l4);
}

#endif
