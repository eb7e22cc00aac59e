/*
 * libFuzzer target: the ELF loader of the Arm path (host/src/elf.c):
 * the load into flash and SRAM, the symbol table and the vector check.
 * A refused ELF must leave the regions untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t flash[M78ELF_FLASH_SIZE], sram[M78ELF_SRAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct m78elf_region regions[2] = {{"flash", M78ELF_FLASH_BASE, M78ELF_FLASH_SIZE, flash},
                                     {"sram", M78ELF_SRAM_BASE, M78ELF_SRAM_SIZE, sram}};
  memset(flash, 0xA5, 64);
  memset(sram, 0x5A, 64);
  struct m78elf_info info;
  char err[512] = "";
  if (m78elf_load(data, size, regions, 2, &info, err, sizeof err) == 0) {
    m78elf_check_vectors(flash, err, sizeof err);
  } else {
    if (!err[0])
      abort();
    for (int i = 0; i < 64; i++) /* refused: nothing written */
      if (flash[i] != 0xA5 || sram[i] != 0x5A)
        abort();
  }
  struct m78elf_syms syms;
  memset(&syms, 0, sizeof syms);
  if (m78elf_symbols(data, size, &syms) == 0) {
    for (size_t i = 0; i < syms.n; i++)
      if (!syms.sym[i].name)
        abort();
    if (syms.n)
      (void)m78elf_symbol_at(&syms, syms.sym[0].addr, syms.sym[0].func);
    m78elf_symbols_free(&syms);
  }
  return 0;
}
