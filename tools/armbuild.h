/*
 * `max78sim build`: a synthesized firmware folder compiled for the
 * MAX78000's Cortex-M4 with the project's board-support layer (arm/bsp)
 * into the ELF one would flash, by the Arm GNU toolchain.
 *
 * The vendor files are compiled unmodified, every *.c of the folder in
 * one compiler call with the BSP's sources, and linked with
 * arm/bsp/max78000.ld.  The compiler writes a temporary file beside the
 * output, which is checked (ELF32 for Arm, vector table: initial SP in
 * SRAM, reset vector a Thumb address in the flash image) and renamed onto
 * the output only then: the output is a complete ELF or untouched.
 */
#ifndef M78_ARMBUILD_H
#define M78_ARMBUILD_H

#include "fwbuild.h"

/* Exit statuses of `max78sim build` beyond 0 (built) and 2 (usage,
 * input, output or toolchain error). */
#define M78ARM_EXIT_COMPILE 3 /* the compiler or linker rejected the firmware */

/* Where the BSP lives: <source>/arm/bsp in the build tree, or
 * <prefix>/share/max78sim/arm/bsp when installed.  malloc'd. */
char *m78arm_bsp_dir(const struct m78fw_paths *p);

/* What an Arm ELF holds, for the size summary and the checks. */
struct m78arm_elf_info {
  uint32_t entry;
  uint32_t initial_sp, reset_vector; /* words 0 and 1 of the flash image */
  uint64_t text, data, bss;          /* as arm-none-eabi-size (Berkeley) counts */
  uint64_t flash_used, sram_used;    /* load image in flash; sections placed in SRAM */
};

/* Reads and checks the ELF in DATA[LEN]; 0, or -1 with a message in
 * ERR[ERRLEN]. */
int m78arm_elf_check(const unsigned char *data, size_t len, struct m78arm_elf_info *info, char *err, size_t errlen);

int m78cli_cmd_build(int argc, char **argv);

#endif
