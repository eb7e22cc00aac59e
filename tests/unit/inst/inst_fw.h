/* The instrumented helpers of test_inst (inst_fw.c). */
#ifndef M78_TEST_INST_FW_H
#define M78_TEST_INST_FW_H

#include <stdint.h>

struct fw_s12 {
  uint32_t w[3];
};

void fw_store32(volatile uint32_t *r, uint32_t v);
void fw_store16(volatile uint16_t *r, uint16_t v);
void fw_store8(volatile uint8_t *r, uint8_t v);
uint32_t fw_load32(volatile uint32_t *r);
uint64_t fw_load64(volatile uint64_t *r);
void fw_store64(volatile uint64_t *r, uint64_t v);
void fw_or32(volatile uint32_t *r, uint32_t bits);
void fw_and8(volatile uint8_t *r, uint8_t bits);
void fw_memcpy32(uint32_t *dst, const uint32_t *src, int n);
void fw_fifo_push(volatile uint32_t *fifo, volatile uint32_t *status, const uint32_t *in, int n);
void fw_unload(uint32_t *out, volatile uint32_t *src, int n);
uint32_t fw_sum(const uint32_t *p, int n);
void fw_store_then_call(volatile uint32_t *r, uint32_t v, void (*shim)(void));
void fw_copy_struct(struct fw_s12 *d, const struct fw_s12 *s);
uint32_t fw_fetch_add(uint32_t *p, uint32_t v);

#endif
