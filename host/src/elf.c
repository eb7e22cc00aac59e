/*
 * ELF32 ARM executable loader (m78host/elf.h).  Two passes over the program
 * headers: the first checks every field, the second copies, so a bad
 * file leaves the target memory as it was.
 */
#include "m78host/elf.h"

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

static uint16_t rd16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

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
    return fail(err, errlen,
                "program header table (e_phoff 0x%x, %u entries of %u bytes) runs past the end of the file (%zu bytes)",
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
          return fail(err, errlen, "segment %u (program header at offset 0x%zx): p_filesz 0x%x exceeds p_memsz 0x%x", i,
                      at, filesz, memsz);
        if (off > len || filesz > len - off)
          return fail(
              err, errlen,
              "segment %u (program header at offset 0x%zx): file range 0x%x+0x%x (p_offset, p_filesz) runs past the "
              "end of the file (%zu bytes)",
              i, at, off, filesz, len);
        if (memsz && region_of(regions, nregions, paddr, memsz) < 0)
          return fail(
              err, errlen,
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

/* PATH whole into *buf (malloc'd). */
static int read_whole(const char *path, uint8_t **out, size_t *outlen, char *err, size_t errlen)
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
  *out = buf;
  *outlen = len;
  return 0;
}

int m78elf_load_file(const char *path, const struct m78elf_region *regions, int nregions, struct m78elf_info *info,
                     char *err, size_t errlen)
{
  uint8_t *buf;
  size_t len;
  if (read_whole(path, &buf, &len, err, errlen) != 0)
    return -1;
  char sub[400];
  int rc = m78elf_load(buf, len, regions, nregions, info, sub, sizeof sub);
  if (rc)
    fail(err, errlen, "%s: %s", path, sub);
  free(buf);
  return rc;
}

static int by_addr(const void *x, const void *y)
{
  const struct m78elf_sym *a = x, *b = y;
  return a->addr < b->addr ? -1 : a->addr > b->addr ? 1 : a->size < b->size ? -1 : a->size > b->size;
}

/* Section headers: SHT_SYMTAB and its string table (sh_link).  Every
 * range is checked against the file; a file without them has no
 * symbols, which is not an error. */
int m78elf_symbols(const uint8_t *im, size_t len, struct m78elf_syms *out)
{
  enum { SHT_SYMTAB = 2, STT_OBJECT = 1, STT_FUNC = 2 };
  memset(out, 0, sizeof *out);
  if (len < 52)
    return -1;
  uint32_t shoff = rd32(im + 32);
  unsigned shentsize = rd16(im + 46), shnum = rd16(im + 48);
  if (shentsize < 40 || shoff > len || (uint64_t)shnum * shentsize > len - shoff)
    return -1;
  for (unsigned i = 0; i < shnum; i++) {
    const uint8_t *sh = im + shoff + (size_t)i * shentsize;
    if (rd32(sh + 4) != SHT_SYMTAB)
      continue;
    uint32_t off = rd32(sh + 16), size = rd32(sh + 20), link = rd32(sh + 24), ent = rd32(sh + 36);
    if (ent < 16 || off > len || size > len - off || link >= shnum)
      return -1;
    const uint8_t *str_sh = im + shoff + (size_t)link * shentsize;
    uint32_t soff = rd32(str_sh + 16), ssize = rd32(str_sh + 20);
    if (soff > len || ssize > len - soff || ssize == 0)
      return -1;
    size_t n = size / ent, k = 0;
    out->sym = calloc(n ? n : 1, sizeof *out->sym);
    out->names = malloc(ssize + 1);
    if (!out->sym || !out->names) {
      m78elf_symbols_free(out);
      return -1;
    }
    memcpy(out->names, im + soff, ssize);
    out->names[ssize] = '\0';
    for (size_t j = 0; j < n; j++) {
      const uint8_t *st = im + off + j * ent;
      uint32_t name = rd32(st), value = rd32(st + 4), ssz = rd32(st + 8);
      unsigned type = st[12] & 0xF;
      if ((type != STT_OBJECT && type != STT_FUNC) || !ssz || name >= ssize || !out->names[name])
        continue;
      out->sym[k].name = out->names + name;
      out->sym[k].addr = type == STT_FUNC ? value & ~1u : value;
      out->sym[k].size = ssz;
      out->sym[k].func = type == STT_FUNC;
      k++;
    }
    out->n = k;
    qsort(out->sym, k, sizeof *out->sym, by_addr);
    return 0;
  }
  return 0;
}

int m78elf_symbols_file(const char *path, struct m78elf_syms *out)
{
  uint8_t *buf;
  size_t len;
  char err[300];
  memset(out, 0, sizeof *out);
  if (read_whole(path, &buf, &len, err, sizeof err) != 0)
    return -1;
  int rc = m78elf_symbols(buf, len, out);
  free(buf);
  return rc;
}

void m78elf_symbols_free(struct m78elf_syms *s)
{
  free(s->sym);
  free(s->names);
  memset(s, 0, sizeof *s);
}

const struct m78elf_sym *m78elf_symbol_at(const struct m78elf_syms *s, uint32_t addr, int func)
{
  /* the last symbol of the kind starting at or below addr that covers it */
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->sym[mid].addr <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i-- > 0;) {
    const struct m78elf_sym *y = &s->sym[i];
    if (y->func != func)
      continue;
    if (addr - y->addr < y->size)
      return y;
    if (addr - y->addr > 0x10000) /* far below: nothing covers addr */
      break;
  }
  return NULL;
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
