/*
 * Register names and bit fields, generated from regs.def.
 *
 * A register value is a plain uint32_t; fields are read with
 * m78_field_get(value, M78_F_<REG>_<FIELD>).  The tables let trace
 * printers and error messages name every register and field without a
 * second hand-typed copy.
 */
#ifndef MAX78SIM_REGS_H
#define MAX78SIM_REGS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum m78_greg {
#define M78_GREG(id, offset, name) M78_GREG_##id,
#include "max78sim/regs.def"
  M78_GREG_COUNT
};

enum m78_lreg {
#define M78_LREG(id, array, name) M78_LREG_##id,
#include "max78sim/regs.def"
  M78_LREG_COUNT
};

enum m78_field_id {
#define M78_FIELD(reg, id, hi, lo, name) M78_F_##reg##_##id,
#include "max78sim/regs.def"
  M78_FIELD_COUNT
};

/* Quadrant offsets of the global registers and array numbers of the
 * per-layer registers, as compile-time constants for the bus. */
enum {
#define M78_GREG(id, offset, name) M78_GREG_OFFS_##id = (offset),
#include "max78sim/regs.def"
#define M78_LREG(id, array, name) M78_LREG_ARRAY_##id = (array),
#include "max78sim/regs.def"
  M78_REG_OFFS_DUMMY_ = 0
};

#define M78_MAX_LAYERS 32
#define M78_MAX_STREAM_LAYERS 8
#define M78_LREG_BASE 0x010u
#define M78_LREG_SPACING 0x80u

/* Field positions, so field reads are constant-folded in hot paths. */
enum {
#define M78_FIELD(reg, id, hi, lo, name) M78_FLO_##reg##_##id = (lo), M78_FHI_##reg##_##id = (hi),
#include "max78sim/regs.def"
  M78_FPOS_DUMMY_ = 0
};

#define M78_FMASK(hi, lo) ((uint32_t)((hi) - (lo) == 31 ? 0xFFFFFFFFu : ((1u << ((hi) - (lo) + 1)) - 1u)))
/* M78_GET(v, LCTRL0, POOL_EN) */
#define M78_GET(v, reg, fld)                                                                                           \
  ((((uint32_t)(v)) >> M78_FLO_##reg##_##fld) & M78_FMASK(M78_FHI_##reg##_##fld, M78_FLO_##reg##_##fld))

struct m78_field_desc {
  const char *reg;  /* register name, e.g. "LCTRL0" */
  const char *name; /* field name, e.g. "pool_en" */
  uint8_t hi, lo;
  uint8_t is_layer;  /* 1: per-layer register, 0: global */
  uint8_t reg_index; /* enum m78_lreg or m78_greg */
};

extern const struct m78_field_desc m78_fields[M78_FIELD_COUNT];
extern const char *const m78_greg_names[M78_GREG_COUNT];
extern const uint32_t m78_greg_offsets[M78_GREG_COUNT];
extern const char *const m78_lreg_names[M78_LREG_COUNT];
extern const uint8_t m78_lreg_arrays[M78_LREG_COUNT];

static inline uint32_t m78_field_get(uint32_t v, enum m78_field_id f)
{
  const struct m78_field_desc *d = &m78_fields[f];
  return (v >> d->lo) & M78_FMASK(d->hi, d->lo);
}

/* Per-layer register index from an array number (0..20), -1 if none. */
int m78_lreg_from_array(unsigned array);

#ifdef __cplusplus
}
#endif
#endif
