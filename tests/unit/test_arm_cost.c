/*
 * Unit tests of the Cortex-M4 block cost decoder (arm/emu/cost.c): the
 * instruction classes of cost.h's table, 16- and 32-bit encodings, load
 * pipelining, LDM/STM counts, the idle-loop and WFI flags.  Encodings
 * are taken from the ARMv7-M Architecture Reference Manual.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "cost.h"

/* Cost of one instruction given as halfwords. */
static unsigned one(uint16_t h1, uint16_t h2, unsigned *len)
{
  uint8_t b[4] = {(uint8_t)h1, (uint8_t)(h1 >> 8), (uint8_t)h2, (uint8_t)(h2 >> 8)};
  int mem;
  return m78arm_cost_insn(b, 4, len, &mem);
}

static struct m78arm_block_cost block(const uint16_t *h, size_t n, uint32_t addr)
{
  uint8_t b[64];
  for (size_t i = 0; i < n; i++)
    b[2 * i] = (uint8_t)h[i], b[2 * i + 1] = (uint8_t)(h[i] >> 8);
  return m78arm_cost_block(b, 2 * n, addr);
}

Test(arm_cost, sixteen_bit_classes)
{
  unsigned len;
  cr_assert_eq(one(0x2001, 0, &len), 1); /* movs r0, #1 */
  cr_assert_eq(len, 2);
  cr_assert_eq(one(0x4348, 0, &len), 1); /* muls r0, r1 */
  cr_assert_eq(one(0x6813, 0, &len), 2); /* ldr r3, [r2] */
  cr_assert_eq(one(0x6011, 0, &len), 1); /* str r1, [r2] */
  cr_assert_eq(one(0x4807, 0, &len), 2); /* ldr r0, [pc, #28] */
  cr_assert_eq(one(0x5c8b, 0, &len), 2); /* ldrb r3, [r1, r2] */
  cr_assert_eq(one(0x5088, 0, &len), 1); /* str r0, [r1, r2] */
  cr_assert_eq(one(0x9801, 0, &len), 2); /* ldr r0, [sp, #4] */
  cr_assert_eq(one(0xb5f0, 0, &len), 6); /* push {r4-r7, lr}: 1+5 */
  cr_assert_eq(one(0xbd10, 0, &len), 3); /* pop {r4, pc}: 1+2 (refill at run time) */
  cr_assert_eq(one(0xc90c, 0, &len), 3); /* ldmia r1!, {r2, r3} */
  cr_assert_eq(one(0xd1fc, 0, &len), 1); /* bne (refill at run time) */
  cr_assert_eq(one(0x4770, 0, &len), 1); /* bx lr */
}

Test(arm_cost, thirty_two_bit_classes)
{
  unsigned len;
  cr_assert_eq(one(0xf04f, 0x4280, &len), 1); /* mov.w r2, #0x40000000 */
  cr_assert_eq(len, 4);
  cr_assert_eq(one(0xf8d0, 0x1004, &len), 2);                 /* ldr.w r1, [r0, #4] */
  cr_assert_eq(one(0xf8c0, 0x1004, &len), 1);                 /* str.w r1, [r0, #4] */
  cr_assert_eq(one(0xe92d, 0x41f0, &len), 7);                 /* push.w {r4-r8, lr}: 1+6 */
  cr_assert_eq(one(0xe8bd, 0x81f0, &len), 7);                 /* pop.w {r4-r8, pc} */
  cr_assert_eq(one(0xe9d0, 0x2300, &len), 3);                 /* ldrd r2, r3, [r0] */
  cr_assert_eq(one(0xfb90, 0xf0f1, &len), M78ARM_DIV_CYCLES); /* sdiv r0, r0, r1 */
  cr_assert_eq(one(0xfbb0, 0xf0f1, &len), M78ARM_DIV_CYCLES); /* udiv r0, r0, r1 */
  cr_assert_eq(one(0xfb00, 0x2001, &len), 1);                 /* mla r0, r0, r1, r2 */
  cr_assert_eq(one(0xfba0, 0x0101, &len), 1);                 /* umull r0, r1, r0, r1 */
  cr_assert_eq(one(0xf000, 0xf800, &len), 1);                 /* bl (refill at run time) */
  cr_assert_eq(one(0xe8d0, 0xf001, &len), 2);                 /* tbb [r0, r1] */
  cr_assert_eq(one(0xed90, 0x0a01, &len), 2);                 /* vldr s0, [r0, #4] */
  cr_assert_eq(one(0xee30, 0x0a20, &len), 1);                 /* vadd.f32 s0, s0, s1 */
  cr_assert_eq(one(0xee80, 0x0a20, &len), 14);                /* vdiv.f32 s0, s0, s1 */
  cr_assert_eq(one(0xecbd, 0x8b10, &len), 17);                /* vpop {d8-d15}: 1+16 words */
}

Test(arm_cost, loads_pipeline_behind_loads_and_stores)
{
  /* ldr r3, [r2]; ldr r4, [r2, #4]; str r1, [r2]; ldr r5, [r2]; adds r0, #1 */
  static const uint16_t h[] = {0x6813, 0x6854, 0x6011, 0x6815, 0x3001};
  struct m78arm_block_cost c = block(h, 5, 0x10000000);
  cr_assert_eq(c.insns, 5);
  cr_assert_eq(c.cycles, 2 + 1 + 1 + 1 + 1);
  cr_assert_eq(c.flags, 0);
}

Test(arm_cost, idle_loop_and_wfi_flags)
{
  static const uint16_t self16[] = {0xe7fe};         /* b . */
  static const uint16_t self32[] = {0xf7ff, 0xbffe}; /* b.w . */
  static const uint16_t back[] = {0x2001, 0xe7fd};   /* movs; b to before the block */
  static const uint16_t wfi[] = {0x2001, 0xbf30};    /* movs; wfi */
  static const uint16_t wfiw[] = {0xf3af, 0x8003};   /* wfi.w */
  cr_assert_eq(block(self16, 1, 0x10000100).flags, M78ARM_BLOCK_SELF_LOOP);
  cr_assert_eq(block(self32, 2, 0x10000100).flags, M78ARM_BLOCK_SELF_LOOP);
  cr_assert_eq(block(back, 2, 0x10000100).flags, 0);
  cr_assert_eq(block(wfi, 2, 0x10000100).flags, M78ARM_BLOCK_WFI);
  cr_assert_eq(block(wfiw, 2, 0x10000100).flags, M78ARM_BLOCK_WFI);
}

Test(arm_cost, truncated_block_is_flagged)
{
  static const uint16_t h[] = {0x2001, 0xf04f}; /* movs; first half of a 32-bit instruction */
  struct m78arm_block_cost c = block(h, 2, 0x10000000);
  cr_assert_eq(c.insns, 1);
  cr_assert(c.flags & M78ARM_BLOCK_BAD);
}
