/*
 * Data SRAM images and output footprints on disk, and the byte-owner map
 * built from them (which layer, output channel and pixel each data SRAM
 * byte holds after a run).
 *
 * The firmware process writes, next to the layer dumps (m78_dump_layers):
 *  - sram.bin: the final data SRAM, 512 KiB: quadrant 0's 128 KiB at
 *    0x5040_0000, then 0x5080_0000, 0x50C0_0000, 0x5100_0000 (what four
 *    OpenOCD `dump_image` commands of 0x20000 bytes give, concatenated);
 *    instance i, word w, byte lane b at offset i*32768 + 4*w + b.
 *  - footprint.bin: every layer's m78_layer_footprint as runs, little
 *    endian: "M78FOOT1", u32 layer count, then per layer u32 index,
 *    executed, out_c, out_h, out_w, elem_bytes, run count, and runs of
 *    24 bytes: u8 instance, u8 lanes, u16 0, u32 first word, i32 word
 *    step, i32 channel, i32 first pixel, u32 count (entry k of a run is
 *    word first + k*step, pixel first + k).
 */
#ifndef M78_SRAMDUMP_H
#define M78_SRAMDUMP_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/sim.h"

#define M78_SRAM_IMAGE_BYTES ((size_t)M78_SRAM_INSTANCES * M78_SRAM_WORDS * 4)
#define M78_SRAM_QUAD_BYTES ((size_t)4 * M78_SRAM_WORDS * 4)

/* Image offset of a data SRAM address, or -1 when it is not one. */
long m78_sram_image_offset(uint32_t addr);
/* Address of an image offset. */
uint32_t m78_sram_image_addr(size_t off);

/* Writes sram.bin and footprint.bin into dir.  0, or -1 with err. */
int m78_dump_sram(const m78_sim *sim, const char *dir, char *err, size_t errlen);

struct m78_fp_run {
  uint8_t inst, lanes;
  uint32_t word0;
  int32_t step;
  int32_t channel, pixel0;
  uint32_t count;
};

struct m78_fp_layer {
  int index, executed;
  int out_c, out_h, out_w, elem_bytes;
  struct m78_fp_run *runs;
  size_t nruns;
};

struct m78_footprints {
  int nlayers;
  struct m78_fp_layer *layers;
};

int m78_footprints_load(const char *path, struct m78_footprints *fp, char *err, size_t errlen);
void m78_footprints_free(struct m78_footprints *fp);

/* Who wrote a data SRAM byte last. */
struct m78_owner {
  int16_t layer; /* -1: no layer (input data or untouched) */
  uint8_t byte;  /* byte of the value: 0 for 8-bit outputs, 0-3 of an int32 */
  uint8_t lanes; /* lanes of the write (0xF: one int32 in the whole word) */
  int32_t channel, pixel;
};

/* The owner of every image byte after layers 0..last (all if last < 0),
 * M78_SRAM_IMAGE_BYTES entries, malloc'd (NULL when out of memory). */
struct m78_owner *m78_owner_map(const struct m78_footprints *fp, int last);

/* Checks a dump folder against itself: every sram.bin byte that
 * footprint.bin says a layer wrote last must hold that layer's output
 * value (from its Lnn file).  Returns 0 when all agree (*checked bytes),
 * 1 when some do not (msg names the first), -1 when files are missing or
 * malformed (msg says why). */
int m78_footprint_check(const char *dir, long *checked, char *msg, size_t msglen);

#endif
