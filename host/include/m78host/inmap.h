/*
 * Where a synthesized firmware keeps its input, element by element.
 *
 * izer bakes the sample input into main.c as `static const uint32_t
 * input_N[] = SAMPLE_INPUT_N;` (sampledata.h) and load_input() moves those
 * words into the accelerator one of two ways (spec registers.md 6.7):
 * `memcpy32((uint32_t *) ADDR, input_N, LEN)` into data SRAM, or a loop
 * that pushes `*inK++` into FIFO n (0x5000_0008 + 4n) after polling its
 * status.  Layer 0's registers (replayed from cnn.c, regprog.h) say how
 * the datapath reads those words back: which processors, CHW or HWC,
 * passes and operands, rows and columns.  Chaining the two gives, for
 * every input element [c][y][x], the array, word and byte that hold it;
 * that map packs a user's tensor into the firmware's own arrays (so the
 * firmware's own load path carries it) and unpacks the baked sample.
 *
 * Channel order: channel c = (operand * passes + pass) * nprocs + i, i
 * the index of the processor among layer 0's enabled ones (ascending) --
 * for the usual layer 0 (one pass, one operand) channel i is processor i.
 */
#ifndef M78_INMAP_H
#define M78_INMAP_H

#include <stddef.h>
#include <stdint.h>

#define M78INMAP_MAX_ARRAYS 64
#define M78INMAP_UNLOADED 0xFF /* elem_array of an element load_input never loads */

struct m78inmap_array {
  char name[24];    /* input_N, as in main.c */
  uint32_t *sample; /* the baked words (sampledata.h) */
  size_t nwords;
  int fifo;        /* FIFO it feeds, or -1 (memcpy32 into SRAM) */
  uint32_t addr;   /* memcpy32 destination (SRAM) */
  unsigned define; /* N of SAMPLE_INPUT_N */
};

struct m78inmap {
  int c, h, w;   /* the tensor layer 0 reads (w = 1 for conv1d) */
  int chw, fifo; /* layer 0 reads CHW; some input comes through a FIFO */
  int narrays;
  struct m78inmap_array arrays[M78INMAP_MAX_ARRAYS];
  /* element e = (c*h + y)*w + x lives in arrays[elem_array[e]].word
   * elem_word[e], bits 8*elem_byte[e] .. +7 */
  uint8_t *elem_array, *elem_byte;
  uint32_t *elem_word;
  size_t unloaded; /* elements layer 0 reads that load_input never writes
                        (they stay 0; e.g. conv1d reading past its data) */
};

/* Builds the map of the project in FWDIR (main.c, sampledata.h, cnn.c).
 * Returns 0, or -1 with a message in err. */
int m78inmap_load(const char *fwdir, struct m78inmap *m, char *err, size_t errlen);
void m78inmap_free(struct m78inmap *m);
size_t m78inmap_elems(const struct m78inmap *m);

/* The baked sample as a tensor: out holds c*h*w int8 values. */
void m78inmap_unpack(const struct m78inmap *m, int8_t *out);
/* Packs TENSOR (c*h*w int8 values) into a copy of every array's words
 * (bytes the datapath does not read keep the sample's value): words[a]
 * gets m->arrays[a].nwords words, malloc'd; free with m78inmap_free_words.
 * Returns 0 or -1 (out of memory). */
int m78inmap_pack(const struct m78inmap *m, const int8_t *tensor, uint32_t **words);
void m78inmap_free_words(const struct m78inmap *m, uint32_t **words);
/* The first element that load_input cannot carry (M78INMAP_UNLOADED)
 * yet is not 0 in TENSOR, or -1. */
long m78inmap_first_unloaded(const struct m78inmap *m, const int8_t *tensor);
/* 1 when the packed words equal the baked sample. */
int m78inmap_is_sample(const struct m78inmap *m, uint32_t *const *words);

/* CNN_NUM_OUTPUTS of FWDIR/cnn.h (the classes of a network without a
 * manifest), or 0 when it names none. */
int m78inmap_num_outputs(const char *fwdir);

/* The packed-input file the firmware process reads (M78SIM_INPUT):
 * "M78INPUT" u32 narrays, then per array: char name[24], u32 nwords,
 * u32 words[nwords], little-endian.  Writes it into buf (malloc'd). */
int m78inmap_serialize(const struct m78inmap *m, uint32_t *const *words, void **buf, size_t *len);

#endif
