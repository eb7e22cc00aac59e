/*
 * The SoC register map (socregs.def) as constants, and its block table.
 *
 * From one line of socregs.def each:
 *   M78SOC_<block>_BASE, M78SOC_<block>_SIZE        (GCR, TMR0, UART0, ...)
 *   M78SOC_<type>_<reg>                             byte offset in its block
 *   M78SOC_<type>_<reg>_<field>_POS, _WIDTH         the field's bits
 *   M78SOC_<type>_<reg>_<field>_<name>              a field value
 * and M78SOC_FMASK / M78SOC_FGET / M78SOC_FSET for a field by its three
 * names.  The constants are enumerators (every base, offset and value fits
 * an int), so the header is plain C for any compiler: the firmware's
 * MSDK-compatible headers (firmware_shim/include, host and Arm) include it
 * and define their MXC_* names from it.
 */
#ifndef M78HOST_SOCREGS_H
#define M78HOST_SOCREGS_H

#include <stddef.h>
#include <stdint.h>

enum {
#define M78SOC_BLOCK(name, base, size, model) M78SOC_##name##_BASE = (base), M78SOC_##name##_SIZE = (size),
#include "m78host/socregs.def"
#define M78SOC_REG(type, reg, offset, member, access) M78SOC_##type##_##reg = (offset),
#include "m78host/socregs.def"
#define M78SOC_FIELD(type, reg, field, pos, width)                                                                     \
  M78SOC_##type##_##reg##_##field##_POS = (pos), M78SOC_##type##_##reg##_##field##_WIDTH = (width),
#include "m78host/socregs.def"
#define M78SOC_VALUE(type, reg, field, name, value) M78SOC_##type##_##reg##_##field##_##name = (value),
#include "m78host/socregs.def"
  M78SOC_REGS_END_
};

/* A field's mask in its register, its value in v, and v with it set to x. */
#define M78SOC_FMASK(type, reg, field)                                                                                 \
  ((uint32_t)((((uint64_t)1 << M78SOC_##type##_##reg##_##field##_WIDTH) - 1) << M78SOC_##type##_##reg##_##field##_POS))
#define M78SOC_FGET(type, reg, field, v)                                                                               \
  (((uint32_t)(v)&M78SOC_FMASK(type, reg, field)) >> M78SOC_##type##_##reg##_##field##_POS)
#define M78SOC_FSET(type, reg, field, v, x)                                                                            \
  (((uint32_t)(v) & ~M78SOC_FMASK(type, reg, field)) |                                                                 \
   (((uint32_t)(x) << M78SOC_##type##_##reg##_##field##_POS) & M78SOC_FMASK(type, reg, field)))

/* How max78sim-arm serves a block (socregs.def). */
enum m78soc_model { M78SOC_MODEL_NONE, M78SOC_MODEL_SOC, M78SOC_MODEL_PLAIN, M78SOC_MODEL_UART, M78SOC_MODEL_ICC };

/* The APB blocks in address order (host/src/socregs.c). */
struct m78soc_block {
  uint32_t base, size;
  const char *name;
  enum m78soc_model model;
};
extern const struct m78soc_block m78soc_blocks[];
extern const size_t m78soc_n_blocks;

#endif
