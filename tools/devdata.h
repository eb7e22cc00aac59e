/*
 * Device data: what a user can get off a board, read into one place.
 *
 * Three kinds of file, told apart by their contents:
 *  - a raw binary dump of CNN data SRAM (OpenOCD dump_image): 512 KiB
 *    (all four quadrants in address order), 128 KiB (one quadrant, whose
 *    base address must appear in the file name, e.g. sram_50800000.bin),
 *    or FILE@ADDR for a dump of any whole number of words taken at ADDR;
 *  - a console log: the vendor main's "Data mismatch (i/n) at address
 *    0x..: Expected 0x.., read 0x.." lines, address-prefixed hex word
 *    lines ("0x50400000: 0000abcd 12345678 ...", OpenOCD mdw output and
 *    what `max78sim capture` firmware prints), and capture blocks with
 *    their header and end line; other lines are ignored;
 *  - an output buffer (ml_data / cnn_unload order): hex words (0x1234 or
 *    exactly 8 hex digits) or decimal values separated by white space or
 *    commas, '#' starting a comment.
 * Errors name the file and the line or byte offset, and the caller exits 2.
 */
#ifndef M78_DEVDATA_H
#define M78_DEVDATA_H

#include <stddef.h>
#include <stdint.h>

/* One "Data mismatch" line of the firmware's own check. */
struct m78dev_mismatch {
  uint32_t addr, expected, read;
  int file, line;
};

/* Observed bytes at data SRAM addresses. */
struct m78dev_data {
  unsigned char *img;  /* M78_SRAM_IMAGE_BYTES, value of observed bytes */
  unsigned char *bits; /* observed bits of each byte (0: not observed) */
  int *src;            /* file of each observed byte (index into files) */
  int *line;           /* its line (0 for binary files) */
  size_t observed;     /* bytes with any observed bit */

  struct m78dev_mismatch *mismatch;
  size_t nmismatch;

  /* output buffer: values in file order */
  int has_output;
  int output_hex; /* 1: 32-bit hex words, 0: decimal values */
  int64_t *output;
  size_t noutput;
  int output_file;

  int stop_after; /* from a capture block header, -1 if none */
  int stop_after_file;

  /* the files and what each turned out to be */
  char **files;
  char **kinds;
  int nfiles;
};

void m78dev_init(struct m78dev_data *d);
void m78dev_free(struct m78dev_data *d);

/* Reads one --device argument (FILE or FILE@ADDR).  Returns 0, or -1
 * with a one-line message in err. */
/* A device file larger than this is refused before it is read (an SRAM
 * image is 512 KiB; a text dump of one is a few MiB). */
#define M78DEV_MAX_BYTES ((size_t)64 << 20)
int m78dev_load(struct m78dev_data *d, const char *arg, char *err, size_t errlen);

/* Adds the bits `mask` of a word observed at a data SRAM address (file
 * and line for messages).  Returns 0, or -1 with a message in err. */
int m78dev_observe_word(struct m78dev_data *d, uint32_t addr, uint32_t value, uint32_t mask, int file, int line,
                        char *err, size_t errlen);

#endif
