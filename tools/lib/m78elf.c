/*
 * ELF32 ARM executable loader (m78elf.h).  Two passes over the program
 * headers: the first checks every field, the second copies, so a bad
 * file leaves the target memory as it was.
 */
#include "m78elf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ELF32 field offsets (System V ABI, ELF header and program header). */
enum {
  EH_IDENT_CLASS = 4,
  EH_IDENT_DATA = 5,
  EH_IDENT_VERSION = 6,
  EH_TYPE = 16,
  EH_MACHINE = 18,
  EH_VERSION = 20,
  EH_ENTRY = 24,
  EH_PHOFF = 28,
  EH_PHENTSIZE = 42,
  EH_PHNUM = 44,
  EH_SIZE = 52,
  PH_TYPE = 0,
  PH_OFFSET = 4,
  PH_PADDR = 12,
  PH_FILESZ = 16,
  PH_MEMSZ = 20,
  PH_SIZE = 32,
  ELFCLASS32 = 1,
  ELFDATA2LSB = 1,
  ET_EXEC = 2,
  EM_ARM = 40,
  PT_LOAD = 1
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int fail(char *err, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  return -1;
}

/* The region holding [addr, addr+size), or -1. */
static int region_of(const struct m78elf_region *r, int n, uint32_t addr, uint32_t size)
{
  for (int i = 0; i < n; i++)
    if (addr >= r[i].base && (uint64_t)addr - r[i].base + size <= r[i].size)
      return i;
  return -1;
}

int m78elf_load(const uint8_t *im, size_t len, const struct m78elf_region *regions, int nregions,
                struct m78elf_info *info, char *err, size_t errlen)
{
  memset(info, 0, sizeof *info);
  if (len < 4 || memcmp(im, "\177ELF", 4) != 0)
    return fail(err, errlen, "not an ELF file (bad magic at offset 0)");
  if (len < EH_SIZE)
    return fail(err, errlen, "truncated ELF header (%zu bytes, need %d)", len, EH_SIZE);
  if (im[EH_IDENT_CLASS] != ELFCLASS32)
    return fail(err, errlen, "e_ident[EI_CLASS] at offset 4 is %u, expected 1 (32-bit)", im[EH_IDENT_CLASS]);
  if (im[EH_IDENT_DATA] != ELFDATA2LSB)
    return fail(err, errlen, "e_ident[EI_DATA] at offset 5 is %u, expected 1 (little endian)", im[EH_IDENT_DATA]);
  if (im[EH_IDENT_VERSION] != 1 || rd32(im + EH_VERSION) != 1)
    return fail(err, errlen, "ELF version at offset %d is not 1", im[EH_IDENT_VERSION] != 1 ? 6 : EH_VERSION);
  if (rd16(im + EH_TYPE) != ET_EXEC)
    return fail(err, errlen, "e_type at offset 16 is %u, expected 2 (executable)", rd16(im + EH_TYPE));
  if (rd16(im + EH_MACHINE) != EM_ARM)
    return fail(err, errlen, "e_machine at offset 18 is %u, expected 40 (ARM)", rd16(im + EH_MACHINE));
  uint32_t phoff = rd32(im + EH_PHOFF);
  unsigned phentsize = rd16(im + EH_PHENTSIZE), phnum = rd16(im + EH_PHNUM);
  if (phnum == 0)
    return fail(err, errlen, "e_phnum at offset 44 is 0: no program headers");
  if (phentsize < PH_SIZE)
    return fail(err, errlen, "e_phentsize at offset 42 is %u, need at least %d", phentsize, PH_SIZE);
  if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
    return fail(err, errlen, "program header table (e_phoff 0x%x, %u entries of %u bytes) runs past the end of the file (%zu bytes)",
                phoff, phnum, phentsize, len);
  info->entry = rd32(im + EH_ENTRY);

  for (int pass = 0; pass < 2; pass++) {
    for (unsigned i = 0; i < phnum; i++) {
      const uint8_t *ph = im + phoff + (size_t)i * phentsize;
      size_t at = phoff + (size_t)i * phentsize;
      if (rd32(ph + PH_TYPE) != PT_LOAD)
        continue;
      uint32_t off = rd32(ph + PH_OFFSET), paddr = rd32(ph + PH_PADDR);
      uint32_t filesz = rd32(ph + PH_FILESZ), memsz = rd32(ph + PH_MEMSZ);
      if (pass == 0) {
        if (filesz > memsz)
          return fail(err, errlen, "segment %u (program header at offset 0x%zx): p_filesz 0x%x exceeds p_memsz 0x%x", i, at,
                      filesz, memsz);
        if (off > len || filesz > len - off)
          return fail(err, errlen,
                      "segment %u (program header at offset 0x%zx): file range 0x%x+0x%x (p_offset, p_filesz) runs past the "
                      "end of the file (%zu bytes)",
                      i, at, off, filesz, len);
        if (memsz && region_of(regions, nregions, paddr, memsz) < 0)
          return fail(err, errlen,
                      "segment %u (program header at offset 0x%zx): load address range 0x%08x-0x%08x (p_paddr, p_memsz) "
                      "is not inside flash or SRAM",
                      i, at, paddr, (unsigned)((uint64_t)paddr + memsz - 1));
        continue;
      }
      if (!memsz)
        continue;
      const struct m78elf_region *r = &regions[region_of(regions, nregions, paddr, memsz)];
      memcpy(r->mem + (paddr - r->base), im + off, filesz);
      memset(r->mem + (paddr - r->base) + filesz, 0, memsz - filesz);
      info->segments++;
      info->loaded += memsz;
    }
  }
  if (!info->segments)
    return fail(err, errlen, "no loadable (PT_LOAD) segment with contents");
  return 0;
}

int m78elf_load_file(const char *path, const struct m78elf_region *regions, int nregions, struct m78elf_info *info,
                     char *err, size_t errlen)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return fail(err, errlen, "%s: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      fclose(f);
      return fail(err, errlen, "%s: out of memory", path);
    }
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap)
      break;
    if (cap >= (64u << 20)) {
      free(buf);
      fclose(f);
      return fail(err, errlen, "%s: larger than 64 MiB, not a MAX78000 firmware", path);
    }
    uint8_t *nb = realloc(buf, cap * 2);
    if (!nb)
      free(buf);
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f) ? errno : 0;
  fclose(f);
  if (bad) {
    free(buf);
    return fail(err, errlen, "%s: %s", path, strerror(bad));
  }
  char sub[400];
  int rc = m78elf_load(buf, len, regions, nregions, info, sub, sizeof sub);
  if (rc)
    fail(err, errlen, "%s: %s", path, sub);
  free(buf);
  return rc;
}

int m78elf_check_vectors(const uint8_t *flash, char *err, size_t errlen)
{
  uint32_t sp, pc;
  memcpy(&sp, flash, 4);
  memcpy(&pc, flash + 4, 4);
  if (sp - M78ELF_SRAM_BASE - 1 >= M78ELF_SRAM_SIZE || (sp & 3))
    return fail(err, errlen,
                "vector table: initial SP 0x%08x (word at 0x%08x) is not a word-aligned address inside SRAM "
                "0x%08x-0x%08x",
                (unsigned)sp, M78ELF_FLASH_BASE, M78ELF_SRAM_BASE, M78ELF_SRAM_BASE + M78ELF_SRAM_SIZE);
  if (!(pc & 1) || pc - M78ELF_FLASH_BASE >= M78ELF_FLASH_SIZE)
    return fail(err, errlen,
                "vector table: reset vector 0x%08x (word at 0x%08x) is not a Thumb address inside flash "
                "0x%08x-0x%08x",
                (unsigned)pc, M78ELF_FLASH_BASE + 4, M78ELF_FLASH_BASE, M78ELF_FLASH_BASE + M78ELF_FLASH_SIZE - 1);
  return 0;
}
