/*
 * Register tables generated from regs.def: names for traces and error
 * messages, field positions for the decoder and the trace printer.
 */
#include "max78sim/regs.h"

const char *const m78_greg_names[M78_GREG_COUNT] = {
#define M78_GREG(id, offset, name) name,
#include "max78sim/regs.def"
};

const uint32_t m78_greg_offsets[M78_GREG_COUNT] = {
#define M78_GREG(id, offset, name) offset,
#include "max78sim/regs.def"
};

const char *const m78_lreg_names[M78_LREG_COUNT] = {
#define M78_LREG(id, array, name) name,
#include "max78sim/regs.def"
};

const uint8_t m78_lreg_arrays[M78_LREG_COUNT] = {
#define M78_LREG(id, array, name) array,
#include "max78sim/regs.def"
};

/* Which table a field's register lives in, resolved at compile time via
 * the enums: a register name is either an M78_GREG_ or an M78_LREG_ id. */
enum {
#define M78_GREG(id, offset, name) M78_IS_LAYER_##id = 0, M78_IDX_##id = M78_GREG_##id,
#include "max78sim/regs.def"
#define M78_LREG(id, array, name) M78_IS_LAYER_##id = 1, M78_IDX_##id = M78_LREG_##id,
#include "max78sim/regs.def"
  M78_IS_LAYER_DUMMY_ = 0
};

const struct m78_field_desc m78_fields[M78_FIELD_COUNT] = {
#define M78_FIELD(reg, id, hi, lo, name) {#reg, name, hi, lo, M78_IS_LAYER_##reg, M78_IDX_##reg},
#include "max78sim/regs.def"
};

int m78_lreg_from_array(unsigned array)
{
  for (int i = 0; i < M78_LREG_COUNT; i++)
    if (m78_lreg_arrays[i] == array)
      return i;
  return -1;
}
