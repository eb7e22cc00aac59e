/*
 * A user's input in the firmware's own arrays (max78sim run --input).
 *
 * The max78sim command packs the user's tensor into the words of the
 * firmware's `static const uint32_t input_N[]` arrays (host/src/inmap.c)
 * and names the file in M78SIM_INPUT.  Before the vendor's main runs, the
 * arrays are found by name in this executable's symbol table and
 * overwritten, so the firmware's unchanged load_input() (memcpy32 into
 * data SRAM, or the FIFO loop with its status polls and timing) carries
 * the user's data.  Nothing is written behind the firmware's back.
 *
 * A run on a user's input cannot pass the firmware's own check (it holds
 * the baked sample's answer): the run ends when the CNN interrupt of the
 * first inference has been served (the SoC state's end_at_inference).  When
 * the packed words equal the baked ones the run goes on, so the
 * firmware's own check runs (the round-trip test relies on it).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "m78host/runtime.h"
#include "m78host/soc.h"
#include "userinput.h"

struct sym_lookup {
  const char *name;
  int type; /* STT_OBJECT or STT_FUNC */
  uintptr_t addr;
  size_t size;
  int found;
};

static ElfW(Addr) load_bias;
static const ElfW(Phdr) * exe_phdr;
static int exe_phnum;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  (void)data;
  load_bias = info->dlpi_addr;
  exe_phdr = info->dlpi_phdr;
  exe_phnum = info->dlpi_phnum;
  return 1; /* the main program comes first */
}

/* Looks the names up in /proc/self/exe's .symtab (local objects included,
 * which is what `static const` arrays are). */
static int lookup_symbols(struct sym_lookup *syms, int n, char *err, size_t errlen)
{
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) {
    snprintf(err, errlen, "/proc/self/exe: %s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(ElfW(Ehdr))) {
    snprintf(err, errlen, "/proc/self/exe: cannot read the executable");
    close(fd);
    return -1;
  }
  size_t len = (size_t)st.st_size;
  const unsigned char *img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (img == MAP_FAILED) {
    snprintf(err, errlen, "/proc/self/exe: %s", strerror(errno));
    return -1;
  }
  int rc = -1;
  const ElfW(Ehdr) *eh = (const void *)img;
  if (eh->e_shoff == 0 || eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > len) {
    snprintf(err, errlen, "the firmware executable has no section headers");
    goto out;
  }
  const ElfW(Shdr) *sh = (const void *)(img + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
      continue;
    const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > len || strs->sh_offset + strs->sh_size > len)
      break;
    const ElfW(Sym) *s = (const void *)(img + sh[i].sh_offset);
    size_t count = sh[i].sh_size / sizeof *s;
    const char *names = (const char *)img + strs->sh_offset;
    for (size_t k = 0; k < count; k++) {
      int type = ELF64_ST_TYPE(s[k].st_info);
      if ((type != STT_OBJECT && type != STT_FUNC) || s[k].st_name >= strs->sh_size || s[k].st_shndx == SHN_UNDEF)
        continue;
      const char *nm = names + s[k].st_name;
      for (int j = 0; j < n; j++)
        if (type == syms[j].type && strcmp(nm, syms[j].name) == 0) {
          if (syms[j].found) {
            snprintf(err, errlen, "the firmware defines %s twice", nm);
            goto out;
          }
          syms[j].found = 1;
          syms[j].addr = load_bias + s[k].st_value;
          syms[j].size = s[k].st_size;
        }
    }
    rc = 0;
  }
  if (rc != 0)
    snprintf(err, errlen, "the firmware executable has no symbol table");
out:
  munmap((void *)img, len);
  return rc;
}

/* The protection of the loaded segment that holds ADDR. */
static int segment_prot(uintptr_t addr)
{
  for (int i = 0; i < exe_phnum; i++) {
    const ElfW(Phdr) *p = &exe_phdr[i];
    if (p->p_type == PT_LOAD && addr >= load_bias + p->p_vaddr && addr < load_bias + p->p_vaddr + p->p_memsz)
      return (p->p_flags & PF_R ? PROT_READ : 0) | (p->p_flags & PF_W ? PROT_WRITE : 0) |
             (p->p_flags & PF_X ? PROT_EXEC : 0);
  }
  return PROT_READ;
}

static uint32_t get32(const unsigned char *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* input_0 .. input_63 as found by m78ui_cache */
static struct {
  char name[16];
  uintptr_t addr;
  size_t size;
} cache[64];
static int cache_n;

int m78ui_cache(char *err, size_t errlen)
{
  static char names[64][12];
  struct sym_lookup syms[64];
  for (int i = 0; i < 64; i++) {
    snprintf(names[i], sizeof names[i], "input_%d", i);
    syms[i] = (struct sym_lookup){.name = names[i], .type = STT_OBJECT};
  }
  dl_iterate_phdr(first_object, NULL);
  if (lookup_symbols(syms, 64, err, errlen) != 0)
    return -1;
  cache_n = 0;
  for (int i = 0; i < 64; i++)
    if (syms[i].found) {
      memcpy(cache[cache_n].name, names[i], sizeof names[i]);
      cache[cache_n].addr = syms[i].addr;
      cache[cache_n++].size = syms[i].size;
    }
  return 0;
}

int m78ui_symbol(const char *name, int func, uintptr_t *addr, char *err, size_t errlen)
{
  struct sym_lookup sym = {.name = name, .type = func ? STT_FUNC : STT_OBJECT};
  dl_iterate_phdr(first_object, NULL);
  if (lookup_symbols(&sym, 1, err, errlen) != 0)
    return -1;
  if (!sym.found) {
    snprintf(err, errlen, "the firmware has no %s %s", func ? "function" : "object", name);
    return -1;
  }
  *addr = sym.addr;
  return 0;
}

int m78ui_apply(const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || st.st_size < 12 || st.st_size > (64 << 20)) {
    snprintf(err, errlen, "%s: not a packed input file", path);
    fclose(f);
    return -1;
  }
  size_t len = (size_t)st.st_size;
  unsigned char *buf = malloc(len);
  if (!buf || fread(buf, 1, len, f) != len) {
    snprintf(err, errlen, "%s: cannot read", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  int rc = m78ui_apply_buf(buf, len, 0, err, errlen);
  free(buf);
  return rc;
}

int m78ui_apply_buf(const unsigned char *buf, size_t len, int always_end, char *err, size_t errlen)
{
  const char *path = "the packed input";
  int rc = -1;
  struct sym_lookup syms[64];
  const unsigned char *words[64];
  uint32_t nwords[64];
  uint32_t n = memcmp(buf, "M78INPUT", 8) == 0 ? get32(buf + 8) : 0;
  if (n == 0 || n > 64) {
    snprintf(err, errlen, "%s: not a packed input file", path);
    goto out;
  }
  size_t off = 12;
  static char names[64][25];
  for (uint32_t a = 0; a < n; a++) {
    if (off + 28 > len) {
      snprintf(err, errlen, "%s: truncated", path);
      goto out;
    }
    memcpy(names[a], buf + off, 24);
    names[a][24] = 0;
    nwords[a] = get32(buf + off + 24);
    words[a] = buf + off + 28;
    off += 28;
    if (nwords[a] > (len - off) / 4) {
      snprintf(err, errlen, "%s: truncated", path);
      goto out;
    }
    off += 4u * nwords[a];
    syms[a] = (struct sym_lookup){.name = names[a], .type = STT_OBJECT};
  }
  if (cache_n) {
    /* the fork server looked them up once (m78ui_cache) */
    for (uint32_t a = 0; a < n; a++)
      for (int k = 0; k < cache_n; k++)
        if (strcmp(cache[k].name, syms[a].name) == 0) {
          syms[a].found = 1;
          syms[a].addr = cache[k].addr;
          syms[a].size = cache[k].size;
        }
  } else {
    dl_iterate_phdr(first_object, NULL);
    if (lookup_symbols(syms, (int)n, err, errlen) != 0)
      goto out;
  }
  int same = 1;
  for (uint32_t a = 0; a < n; a++) {
    if (!syms[a].found) {
      snprintf(err, errlen, "the firmware has no array %s", syms[a].name);
      goto out;
    }
    if (syms[a].size != 4u * nwords[a]) {
      snprintf(err, errlen, "the firmware's %s holds %zu bytes, the input %u words", syms[a].name, syms[a].size,
               nwords[a]);
      goto out;
    }
    if (memcmp((const void *)syms[a].addr, words[a], syms[a].size) != 0)
      same = 0;
  }
  {
    /* written even when equal, so that every --input run takes this path */
    long pg = sysconf(_SC_PAGESIZE);
    for (uint32_t a = 0; a < n; a++) {
      uintptr_t lo = syms[a].addr & ~(uintptr_t)(pg - 1);
      size_t span = syms[a].addr + syms[a].size - lo;
      int prot = segment_prot(syms[a].addr);
      if (mprotect((void *)lo, span, prot | PROT_READ | PROT_WRITE) != 0) {
        snprintf(err, errlen, "cannot make %s writable: %s", syms[a].name, strerror(errno));
        goto out;
      }
      memcpy((void *)syms[a].addr, words[a], syms[a].size);
      mprotect((void *)lo, span, prot);
    }
  }
  m78rt_soc()->end_at_inference = always_end || !same;
  rc = 0;
out:
  return rc;
}
