/*
 * `max78sim build DIR|MODEL -o FILE.elf` (see armbuild.h).
 *
 * Compile flags follow the MSDK's defaults for the MAX78000 so that the
 * ELF is the one an engineer would flash: Cortex-M4, Thumb, the FPU for
 * single precision with the soft-float calling convention (softfp, the
 * MSDK's MFLOAT_ABI default), -O2, one section per function and object
 * with --gc-sections, newlib-nano.  The MSDK's device and board defines
 * are passed although the synthesized files do not test them, in case a
 * user's main.c does.
 */
#define _GNU_SOURCE
#include "armbuild.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "m78_config.h"
#include "m78host/elf.h"

#define FLASH_BASE M78ELF_FLASH_BASE
#define FLASH_SIZE M78ELF_FLASH_SIZE
#define SRAM_BASE M78ELF_SRAM_BASE
#define SRAM_SIZE M78ELF_SRAM_SIZE

static const char *const target_flags[] = {"-mcpu=cortex-m4",
                                           "-mthumb",
                                           "-mfloat-abi=softfp",
                                           "-mfpu=fpv4-sp-d16",
                                           "-std=gnu11",
                                           "-O2",
                                           "-g",
                                           "-w",
                                           "-ffunction-sections",
                                           "-fdata-sections",
                                           "-fsingle-precision-constant",
                                           "-DTARGET=MAX78000",
                                           "-DTARGET_REV=0x4131",
                                           "-DBOARD_EvKit_V1",
                                           NULL};
static const char *const link_flags[] = {"--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections", "-lm", NULL};

char *m78arm_bsp_dir(const struct m78fw_paths *p)
{
  return m78u_path_join(p->installed ? p->data_dir : M78_CFG_SOURCE_DIR, "arm/bsp");
}

/* ---- ELF check ---- */

static int in_range(uint64_t a, uint64_t len, uint32_t base, uint32_t size)
{
  return a >= base && a + len <= (uint64_t)base + size && a + len >= a;
}

int m78arm_elf_check(const unsigned char *data, size_t len, struct m78arm_elf_info *info, char *err, size_t errlen)
{
  const Elf32_Ehdr *eh = (const Elf32_Ehdr *)data;
  memset(info, 0, sizeof *info);
  if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
    snprintf(err, errlen, "not an ELF file");
    return -1;
  }
  if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_ARM) {
    snprintf(err, errlen, "not a 32-bit little-endian Arm ELF");
    return -1;
  }
  if (eh->e_phentsize != sizeof(Elf32_Phdr) || eh->e_phoff > len ||
      (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > len - eh->e_phoff || eh->e_shentsize != sizeof(Elf32_Shdr) ||
      eh->e_shoff > len || (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr) > len - eh->e_shoff) {
    snprintf(err, errlen, "ELF header tables out of bounds");
    return -1;
  }
  info->entry = eh->e_entry;

  /* The vector table as the core sees it: the loaded bytes at the start
   * of flash, wherever the segment holding them starts. */
  int have_vectors = 0;
  const Elf32_Phdr *ph = (const Elf32_Phdr *)(data + eh->e_phoff);
  for (unsigned i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD || ph[i].p_filesz == 0)
      continue;
    if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset) {
      snprintf(err, errlen, "segment %u lies outside the file", i);
      return -1;
    }
    if (in_range(ph[i].p_paddr, ph[i].p_filesz, FLASH_BASE, FLASH_SIZE)) {
      info->flash_used += ph[i].p_filesz;
      if (ph[i].p_paddr <= FLASH_BASE && ph[i].p_paddr + ph[i].p_filesz >= FLASH_BASE + 8) {
        const unsigned char *v = data + ph[i].p_offset + (FLASH_BASE - ph[i].p_paddr);
        memcpy(&info->initial_sp, v, 4);
        memcpy(&info->reset_vector, v + 4, 4);
        have_vectors = 1;
      }
    } else {
      snprintf(err, errlen, "segment %u (load address 0x%08x, %u bytes) is not in flash", i, ph[i].p_paddr,
               ph[i].p_filesz);
      return -1;
    }
  }
  if (!have_vectors) {
    snprintf(err, errlen, "no vector table at 0x%08x", FLASH_BASE);
    return -1;
  }
  if (!(info->initial_sp > SRAM_BASE && info->initial_sp <= SRAM_BASE + SRAM_SIZE && info->initial_sp % 8 == 0)) {
    snprintf(err, errlen, "initial stack pointer 0x%08x is not an 8-byte aligned address in SRAM", info->initial_sp);
    return -1;
  }
  if (!(info->reset_vector & 1) || !in_range(info->reset_vector & ~1u, 2, FLASH_BASE, FLASH_BASE + info->flash_used)) {
    snprintf(err, errlen, "reset vector 0x%08x is not a Thumb address in the flash image", info->reset_vector);
    return -1;
  }

  const Elf32_Shdr *sh = (const Elf32_Shdr *)(data + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (!(sh[i].sh_flags & SHF_ALLOC))
      continue;
    if (sh[i].sh_type == SHT_NOBITS)
      info->bss += sh[i].sh_size;
    else if (sh[i].sh_flags & SHF_WRITE)
      info->data += sh[i].sh_size;
    else
      info->text += sh[i].sh_size;
    if (in_range(sh[i].sh_addr, sh[i].sh_size, SRAM_BASE, SRAM_SIZE))
      info->sram_used += sh[i].sh_size;
    else if (sh[i].sh_size && !in_range(sh[i].sh_addr, sh[i].sh_size, FLASH_BASE, FLASH_SIZE)) {
      snprintf(err, errlen, "section %u at 0x%08x is neither in flash nor in SRAM", i, sh[i].sh_addr);
      return -1;
    }
  }
  return 0;
}

/* ---- the command ---- */

static void build_help(FILE *out)
{
  fprintf(out,
          "usage: max78sim build DIR|MODEL -o FILE.elf [--cc PATH] [-v] [-q]\n"
          "\n"
          "Compiles the synthesized firmware folder DIR (cnn.c, main.c, cnn.h, weights.h,\n"
          "...; every *.c in it, unmodified) for the MAX78000's Cortex-M4 with max78sim's\n"
          "board-support layer (start-up code, vector table, linker script, the MSDK\n"
          "functions the firmware calls, newlib system calls to the UART0 console) and\n"
          "writes the ELF one would flash. DIR may also name a model (models/NAME).\n"
          "Run the ELF with 'max78sim run --elf FILE.elf'.\n"
          "\n" M78CLI_TARGET_HELP "\n"
          "options:\n"
          "  -o FILE        the ELF to write (required); written only when the build and\n"
          "                 the ELF checks succeed, never left half-written\n"
          "  --cc PATH      the Arm C compiler (default %s)\n"
          "  -v, --verbose  print the compiler command\n"
          "  -q, --quiet    do not print the size summary\n"
          "  -h, --help     show this help\n"
          "\n"
          "Flags: -mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -O2,\n"
          "-ffunction-sections -fdata-sections, --gc-sections, newlib-nano; memory map and\n"
          "BSP in docs/arm.md.\n"
          "\n"
          "Exit status: 0 built, 2 bad usage, not a synthesized folder, output not\n"
          "writable, compiler not found or the ELF fails its checks, 3 the compiler or the\n"
          "linker rejected the firmware (its messages are shown).\n",
          M78_CFG_ARM_CC);
}

/* Names of the *.c files of DIR, sorted; NULL after an error. */
static char **c_sources(const char *dir, size_t *n)
{
  size_t count = 0, k = 0;
  char **names = m78u_list_dir(dir, &count);
  if (!names) {
    m78u_error("%s: %s", dir, strerror(errno));
    return NULL;
  }
  char **out = m78u_xmalloc((count + 1) * sizeof *out);
  for (size_t i = 0; i < count; i++) {
    char *path = m78u_path_join(dir, names[i]);
    if (m78u_has_suffix(names[i], ".c") && m78u_is_file(path))
      out[k++] = path;
    else
      free(path);
  }
  out[k] = NULL;
  m78u_free_list(names, count);
  *n = k;
  return out;
}

static void free_strv(char **v)
{
  for (char **p = v; p && *p; p++)
    free(*p);
  free(v);
}

struct build_opts {
  const char *dir, *out, *cc;
  int verbose, quiet, help;
};

static int parse(int argc, char **argv, struct build_opts *o)
{
  memset(o, 0, sizeof *o);
  o->cc = M78_CFG_ARM_CC;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      o->help = 1;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      o->verbose = 1;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      o->quiet = 1;
    } else if (m78cli_is_option(a, "-o") || m78cli_is_option(a, "--output")) {
      if (!(o->out = m78cli_option_value("build", argc, argv, &i, a[1] == 'o' ? "-o" : "--output")))
        return -1;
    } else if (m78cli_is_option(a, "--cc")) {
      if (!(o->cc = m78cli_option_value("build", argc, argv, &i, "--cc")))
        return -1;
    } else if (a[0] == '-' && a[1]) {
      m78u_error("build: unknown option %s (see 'max78sim build --help')", a);
      return -1;
    } else if (o->dir) {
      m78u_error("build: more than one firmware given (%s, %s)", o->dir, a);
      return -1;
    } else {
      o->dir = a;
    }
  }
  if (o->help)
    return 0;
  if (!o->dir) {
    m78u_error("build: missing DIR|MODEL (see 'max78sim build --help')");
    return -1;
  }
  if (!o->out || !*o->out) {
    m78u_error("build: missing -o FILE.elf (see 'max78sim build --help')");
    return -1;
  }
  if (!*o->cc) {
    m78u_error("build: --cc needs a compiler path");
    return -1;
  }
  return 0;
}

static void print_command(char **argv)
{
  for (char **a = argv; *a; a++)
    fprintf(stderr, "%s%s", a == argv ? "" : " ", *a);
  fputc('\n', stderr);
}

static void print_summary(const char *out, const char *fwdir, size_t nsrc, const struct m78arm_elf_info *e)
{
  printf("%s: built from %s (%zu vendor file%s + BSP)\n", out, fwdir, nsrc, nsrc == 1 ? "" : "s");
  printf("   text    data     bss  file\n");
  printf("%7llu %7llu %7llu  %s\n", (unsigned long long)e->text, (unsigned long long)e->data,
         (unsigned long long)e->bss, out);
  printf("flash %llu of %u bytes (%.1f%%), SRAM %llu of %u bytes (%.1f%%) before heap and stack\n",
         (unsigned long long)e->flash_used, FLASH_SIZE, 100.0 * (double)e->flash_used / FLASH_SIZE,
         (unsigned long long)e->sram_used, SRAM_SIZE, 100.0 * (double)e->sram_used / SRAM_SIZE);
  printf("entry 0x%08x, initial SP 0x%08x, reset vector 0x%08x\n", e->entry, e->initial_sp, e->reset_vector);
}

int m78cli_cmd_build(int argc, char **argv)
{
  struct build_opts o;
  struct m78fw_paths paths;
  struct m78fw_model model;
  int rc = M78CLI_EXIT_ERROR;
  char *fwdir = NULL, *bsp = NULL, *bsp_src = NULL, *bsp_inc = NULL, *ld = NULL, *tmp = NULL;
  char **vendor = NULL, **bspc = NULL, **cmd = NULL;
  size_t nvendor = 0, nbsp = 0;

  if (parse(argc, argv, &o) != 0)
    return M78CLI_EXIT_ERROR;
  if (o.help) {
    build_help(stdout);
    return 0;
  }
  m78fw_paths_init(&paths);
  memset(&model, 0, sizeof model);
  if (!(fwdir = m78cli_locate_firmware(&paths, o.dir, &model)))
    goto out;
  if (m78u_is_dir(o.out)) {
    m78u_error("build: %s is a folder, not a file", o.out);
    goto out;
  }

  bsp = m78arm_bsp_dir(&paths);
  bsp_src = m78u_path_join(bsp, "src");
  bsp_inc = m78u_path_join(bsp, "include");
  ld = m78u_path_join(bsp, "max78000.ld");
  if (!m78u_is_file(ld) || !m78u_is_dir(bsp_src)) {
    m78u_error("build: the board-support layer is missing (%s)", bsp);
    goto out;
  }
  if (!(vendor = c_sources(fwdir, &nvendor)) || !(bspc = c_sources(bsp_src, &nbsp)))
    goto out;

  /* The compiler writes beside the output, so the final rename stays on
   * one file system. */
  tmp = m78u_xasprintf("%s.tmp-XXXXXX", o.out);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    m78u_error("build: cannot write %s: %s", o.out, strerror(errno));
    free(tmp);
    tmp = NULL;
    goto out;
  }
  close(fd);

  size_t n = 0, cap = 32 + nvendor + nbsp;
  cmd = m78u_xmalloc(cap * sizeof *cmd);
  cmd[n++] = m78u_xstrdup(o.cc);
  for (const char *const *f = target_flags; *f; f++)
    cmd[n++] = m78u_xstrdup(*f);
  cmd[n++] = m78u_xasprintf("-I%s", bsp_inc);
  cmd[n++] = m78u_xasprintf("-I%s", paths.shim_include);
  cmd[n++] = m78u_xasprintf("-I%s", paths.host_include); /* the SoC register map */
  cmd[n++] = m78u_xasprintf("-I%s", fwdir);
  for (size_t i = 0; i < nvendor; i++)
    cmd[n++] = m78u_xstrdup(vendor[i]);
  for (size_t i = 0; i < nbsp; i++)
    cmd[n++] = m78u_xstrdup(bspc[i]);
  cmd[n++] = m78u_xasprintf("-T%s", ld);
  for (const char *const *f = link_flags; *f; f++)
    cmd[n++] = m78u_xstrdup(*f);
  cmd[n++] = m78u_xstrdup("-o");
  cmd[n++] = m78u_xstrdup(tmp);
  cmd[n] = NULL;
  if (o.verbose)
    print_command(cmd);

  struct m78proc_spawn_opts so = {.argv = cmd, .fd_in = -1, .fd_out = -1, .fd_err = -1, .die_with_parent = 1};
  pid_t pid = m78proc_spawn(&so);
  int status = 0;
  if (pid < 0) {
    if (errno == ENOENT)
      m78u_error("build: %s not found: install the Arm toolchain (Debian packages gcc-arm-none-eabi and "
                 "libnewlib-arm-none-eabi) or pass --cc PATH",
                 o.cc);
    else
      m78u_error("build: cannot run %s: %s", o.cc, strerror(errno));
    goto out;
  }
  if (m78proc_wait(pid, &status) != 0) {
    m78u_error("build: waiting for %s: %s", o.cc, strerror(errno));
    goto out;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status))
      m78u_error("build: %s: the compiler failed (exit %d)", o.dir, WEXITSTATUS(status));
    else
      m78u_error("build: %s: the compiler was killed by signal %d", o.dir, WTERMSIG(status));
    rc = M78ARM_EXIT_COMPILE;
    goto out;
  }

  size_t len = 0;
  unsigned char *elf = (unsigned char *)m78u_read_file(tmp, &len);
  struct m78arm_elf_info info;
  char err[160];
  if (!elf) {
    m78u_error("build: %s: %s", tmp, strerror(errno));
    goto out;
  }
  if (m78arm_elf_check(elf, len, &info, err, sizeof err) != 0) {
    m78u_error("build: %s: the linked ELF fails its check: %s", o.dir, err);
    free(elf);
    goto out;
  }
  free(elf);
  if (rename(tmp, o.out) != 0) {
    m78u_error("build: cannot write %s: %s", o.out, strerror(errno));
    goto out;
  }
  free(tmp);
  tmp = NULL;
  if (!o.quiet)
    print_summary(o.out, fwdir, nvendor, &info);
  rc = 0;

out:
  if (tmp) {
    unlink(tmp);
    free(tmp);
  }
  free_strv(cmd);
  free_strv(vendor);
  free_strv(bspc);
  free(ld);
  free(bsp_inc);
  free(bsp_src);
  free(bsp);
  free(fwdir);
  m78fw_model_free(&model);
  m78fw_paths_free(&paths);
  return rc;
}
