/*
 * Firmware-style code for test_inst, compiled as max78sim compiles vendor
 * sources in inst mode (GCC's ThreadSanitizer instrumentation, no libtsan;
 * tests/CMakeLists.txt): what GCC makes of these forms is what the test
 * checks, so keep them as plain C.
 */
#include <stdint.h>

#include "inst_fw.h"

void fw_store32(volatile uint32_t *r, uint32_t v)
{
  *r = v;
}
void fw_store16(volatile uint16_t *r, uint16_t v)
{
  *r = v;
}
void fw_store8(volatile uint8_t *r, uint8_t v)
{
  *r = v;
}
uint32_t fw_load32(volatile uint32_t *r)
{
  return *r;
}
uint64_t fw_load64(volatile uint64_t *r)
{
  return *r;
}
void fw_store64(volatile uint64_t *r, uint64_t v)
{
  *r = v;
}
void fw_or32(volatile uint32_t *r, uint32_t bits)
{
  *r |= bits;
}
void fw_and8(volatile uint8_t *r, uint8_t bits)
{
  *r &= bits;
}

/* the vendor's weight and input loader (cnn.c) */
void fw_memcpy32(uint32_t *dst, const uint32_t *src, int n)
{
  while (n-- > 0)
    *dst++ = *src++;
}

/* the vendor's FIFO loop: wait while the status says full, then push */
void fw_fifo_push(volatile uint32_t *fifo, volatile uint32_t *status, const uint32_t *in, int n)
{
  while (n-- > 0) {
    while ((*status & 1) != 0)
      ;
    *fifo = *in++;
  }
}

/* the vendor's unloader: window words into RAM */
void fw_unload(uint32_t *out, volatile uint32_t *src, int n)
{
  while (n-- > 0)
    *out++ = *src++;
}

uint32_t fw_sum(const uint32_t *p, int n)
{
  uint32_t s = 0;
  while (n-- > 0)
    s += *p++;
  return s;
}

/* a store, then a call into the shim (an MSDK function) */
void fw_store_then_call(volatile uint32_t *r, uint32_t v, void (*shim)(void))
{
  *r = v;
  shim();
}

void fw_copy_struct(struct fw_s12 *d, const struct fw_s12 *s)
{
  *d = *s;
}

uint32_t fw_fetch_add(uint32_t *p, uint32_t v)
{
  return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
