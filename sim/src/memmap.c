/*
 * The CNN address space as one table of regions.
 *
 * The bus, the tracer, the viewer and error messages all resolve an
 * address with m78_addr_decode(); nothing else in the tree knows the
 * layout.  Per-quadrant regions repeat every M78_QUAD_STRIDE bytes.
 */
#include <stdio.h>
#include "max78sim/sim.h"

const struct m78_region m78_regions[] = {
    {"FIFO", M78_REG_FIFO, M78_FIFO_BASE, 0x18, 0},
    {"AON", M78_REG_AON, M78_AON_BASE, 0x4, 0},
    {"REGS", M78_REG_QREGS, M78_QREG_BASE, 0x1004, M78_QUAD_STRIDE},
    {"BIAS", M78_REG_BIAS, M78_BIAS_BASE, M78_BIAS_ENTRIES * 4, M78_QUAD_STRIDE},
    {"TRAM", M78_REG_TRAM, M78_TRAM_BASE, M78_PROCS_PER_QUAD *M78_PROC_WINDOW, M78_QUAD_STRIDE},
    {"MRAM", M78_REG_MRAM, M78_MRAM_BASE, M78_PROCS_PER_QUAD *M78_PROC_WINDOW, M78_QUAD_STRIDE},
    {"SRAM", M78_REG_SRAM, M78_SRAM_BASE, 4 * M78_SRAM_INST_BYTES, M78_QUAD_STRIDE},
};
const unsigned m78_region_count = sizeof m78_regions / sizeof m78_regions[0];

static int decode_qregs(uint32_t off, struct m78_addr_info *o)
{
  for (int g = 0; g < M78_GREG_COUNT; g++) {
    if (m78_greg_offsets[g] == off) {
      o->greg = g;
      return 0;
    }
  }
  if (off < M78_LREG_BASE || off >= M78_LREG_BASE + 21 * M78_LREG_SPACING)
    return -1;
  unsigned array = (off - M78_LREG_BASE) / M78_LREG_SPACING;
  unsigned layer = ((off - M78_LREG_BASE) % M78_LREG_SPACING) / 4;
  int r = m78_lreg_from_array(array);
  if (r < 0)
    return -1;
  /* The stream arrays exist for the first eight layers only. */
  if ((r == M78_LREG_STRM0 || r == M78_LREG_STRM1 || r == M78_LREG_FBUF) && layer >= M78_MAX_STREAM_LAYERS)
    return -1;
  o->lreg = r;
  o->layer = (int)layer;
  return 0;
}

int m78_addr_decode(uint32_t addr, struct m78_addr_info *o)
{
  o->region = NULL;
  o->quad = o->proc = o->instance = -1;
  o->greg = o->lreg = o->layer = -1;
  o->index = o->offset = 0;
  if (addr < M78_CNN_BASE || addr >= M78_CNN_END)
    return -1;
  /* The regions do not overlap (tests/unit/test_sim_decode.c checks), so
   * any order finds the same one: from the last, the memories the
   * firmware loads word by word come first. */
  for (unsigned i = m78_region_count; i-- > 0;) {
    const struct m78_region *r = &m78_regions[i];
    uint32_t rel = addr - r->base;
    if (addr < r->base)
      continue;
    int quad = -1;
    if (r->quad_stride == M78_QUAD_STRIDE) {
      /* every per-quadrant region: a constant, so no division (this runs
       * for every bus access, several times) */
      quad = (int)(rel / M78_QUAD_STRIDE);
      rel %= M78_QUAD_STRIDE;
      if (quad >= M78_QUADS)
        continue;
    } else if (r->quad_stride) {
      quad = (int)(rel / r->quad_stride);
      rel %= r->quad_stride;
      if (quad >= M78_QUADS)
        continue;
    }
    if (rel >= r->size)
      continue;
    o->region = r;
    o->quad = quad;
    o->offset = rel;
    switch (r->kind) {
    case M78_REG_FIFO:
    case M78_REG_AON: o->index = rel / 4; return 0;
    case M78_REG_QREGS:
      if (decode_qregs(rel & ~3u, o) != 0) {
        o->region = NULL;
        return -1;
      }
      return 0;
    case M78_REG_BIAS: o->index = rel / 4; return 0;
    case M78_REG_TRAM:
      o->proc = quad * M78_PROCS_PER_QUAD + (int)(rel / M78_PROC_WINDOW);
      o->index = (rel % M78_PROC_WINDOW) / 4;
      if (o->index >= M78_TRAM_WORDS) {
        o->region = NULL;
        return -1;
      }
      return 0;
    case M78_REG_MRAM:
      /* index = byte offset inside the processor window; the meaning
       * depends on the loading protocol (see mram.c). */
      o->proc = quad * M78_PROCS_PER_QUAD + (int)(rel / M78_PROC_WINDOW);
      o->index = rel % M78_PROC_WINDOW;
      return 0;
    case M78_REG_SRAM:
      o->instance = quad * 4 + (int)(rel / M78_SRAM_INST_BYTES);
      o->index = (rel % M78_SRAM_INST_BYTES) / 4;
      return 0;
    }
  }
  return -1;
}

int m78_addr_name(uint32_t addr, char *buf, unsigned len)
{
  struct m78_addr_info a;
  if (m78_addr_decode(addr, &a) != 0)
    return snprintf(buf, len, "0x%08x (unmapped)", (unsigned)addr);
  switch (a.region->kind) {
  case M78_REG_FIFO: {
    static const char *const n[] = {"FIFO_CTRL", "FIFO_STAT", "FIFO_WR0", "FIFO_WR1", "FIFO_WR2", "FIFO_WR3"};
    return snprintf(buf, len, "%s", n[a.index]);
  }
  case M78_REG_AON: return snprintf(buf, len, "AON_CTRL");
  case M78_REG_QREGS:
    if (a.greg >= 0)
      return snprintf(buf, len, "Q%d.%s", a.quad, m78_greg_names[a.greg]);
    return snprintf(buf, len, "Q%d.L%d.%s", a.quad, a.layer, m78_lreg_names[a.lreg]);
  case M78_REG_BIAS: return snprintf(buf, len, "BIAS[Q%d]#%u", a.quad, (unsigned)a.index);
  case M78_REG_TRAM: return snprintf(buf, len, "TRAM[p%d]#%u", a.proc, (unsigned)a.index);
  case M78_REG_MRAM: return snprintf(buf, len, "MRAM[p%d]+0x%04x", a.proc, (unsigned)a.index);
  case M78_REG_SRAM: return snprintf(buf, len, "SRAM[%d]#0x%04x", a.instance, (unsigned)a.index);
  }
  return snprintf(buf, len, "0x%08x", (unsigned)addr);
}

const char *m78_status_name(enum m78_status st)
{
  switch (st) {
  case M78_OK: return "ok";
  case M78_E_UNMAPPED: return "unmapped address";
  case M78_E_READONLY: return "read-only location";
  case M78_E_WIDTH: return "unsupported access width";
  case M78_E_ALIGN: return "misaligned access";
  case M78_E_POWER: return "CNN block not powered or held in reset";
  case M78_E_BUSY: return "not accessible while the CNN runs";
  }
  return "unknown";
}
