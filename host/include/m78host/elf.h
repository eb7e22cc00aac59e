/*
 * ELF32 loader for Cortex-M firmware (the .elf one would flash).
 *
 * m78elf_load validates the whole file before it touches the target:
 * identification (magic, 32-bit, little endian, version), type EXEC,
 * machine EM_ARM, the program header table inside the file, and for
 * every PT_LOAD segment its file range inside the file and its physical
 * (load) address range inside one of the caller's memory regions.  Then
 * each segment's file bytes go to its physical address (flash holds the
 * .data load image; the start-up code copies it to SRAM) and memsz >
 * filesz is zero-filled.  Messages name the field and its file offset.
 */
#ifndef M78_M78ELF_H
#define M78_M78ELF_H

#include <stddef.h>
#include <stdint.h>

/* The MAX78000's Cortex-M4 memories a firmware ELF loads into. */
#define M78ELF_FLASH_BASE 0x10000000u
#define M78ELF_FLASH_SIZE 0x80000u /* 512 KiB */
#define M78ELF_SRAM_BASE 0x20000000u
#define M78ELF_SRAM_SIZE 0x20000u /* 128 KiB */

/* A target memory the segments may load into. */
struct m78elf_region {
  const char *name;
  uint32_t base;
  uint32_t size;
  uint8_t *mem; /* host copy of the region, size bytes */
};

struct m78elf_info {
  uint32_t entry;
  int segments;    /* PT_LOAD segments loaded */
  uint32_t loaded; /* bytes written, zero-fill included */
};

/* Loads IMAGE (LEN bytes) into REGIONS.  0 on success; -1 with a message
 * in err and the regions untouched. */
int m78elf_load(const uint8_t *image, size_t len, const struct m78elf_region *regions, int nregions,
                struct m78elf_info *info, char *err, size_t errlen);

/* Reads PATH whole and loads it like m78elf_load. */
int m78elf_load_file(const char *path, const struct m78elf_region *regions, int nregions, struct m78elf_info *info,
                     char *err, size_t errlen);

/* The symbol table's functions and objects with a size (STT_FUNC with
 * the Thumb bit cleared, STT_OBJECT), sorted by address: for naming the
 * function at a PC and the object at a data address in findings. */
struct m78elf_sym {
  const char *name;
  uint32_t addr, size;
  int func;
};
struct m78elf_syms {
  struct m78elf_sym *sym;
  size_t n;
  char *names;
};
/* 0 (a file without a symbol table gives none), -1 on a malformed one. */
int m78elf_symbols(const uint8_t *image, size_t len, struct m78elf_syms *out);
int m78elf_symbols_file(const char *path, struct m78elf_syms *out);
void m78elf_symbols_free(struct m78elf_syms *s);
/* The function (func = 1) or object (0) covering addr, or NULL. */
const struct m78elf_sym *m78elf_symbol_at(const struct m78elf_syms *s, uint32_t addr, int func);

/* The vector table at the start of FLASH (the loaded flash image, from
 * M78ELF_FLASH_BASE): the initial SP must be a word-aligned address in
 * SRAM (its top included), the reset vector a Thumb address in flash.
 * 0, or -1 with a message naming the word and its address. */
int m78elf_check_vectors(const uint8_t *flash, char *err, size_t errlen);

#endif
