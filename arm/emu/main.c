/*
 * max78sim-arm FILE.elf: runs a Cortex-M4 firmware ELF on the emulated
 * MAX78000 (emu.h).  The max78sim command starts it as the child process
 * of `run --elf`, with the same environment (M78SIM_REPORT, ...) and the
 * same exit codes as a host firmware process (docs/report-schema.md):
 * the firmware's exit status, 3 cycle budget, 5 guest fault (the detail
 * names the address and the PC), 6 cannot start (bad ELF, no memory).
 *
 * M78SIM_ARM_STATS=1 prints instructions, cycles and host speed to stderr.
 * --gdb PORT (or M78SIM_GDB_FD, a listening socket from `max78sim run
 * --gdb`) waits for a debugger before the first instruction (gdbstub.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "emu.h"
#include "gdbstub.h"
#include "m78host/bench.h"
#include "m78host/elf.h"
#include "m78host/runtime.h"
#include "m78host/sock.h"
#include "m78host/soc.h"
#include "max78sim/env.h"

/* max78sim bench counts bridged accesses; here every CNN access is one */
static uint64_t cnn_accesses(void)
{
  const struct m78soc_state *s = m78rt_soc();
  return s->apb_reads + s->apb_writes;
}

static double host_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
  char err[512], d[512];
  const char *elf = NULL, *port_arg = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--gdb") == 0 && i + 1 < argc)
      port_arg = argv[++i];
    else if (argv[i][0] != '-' && !elf)
      elf = argv[i];
    else
      elf = NULL, i = argc;
  }
  if (!elf) {
    fprintf(stderr, "usage: max78sim-arm [--gdb PORT] FILE.elf (normally started by 'max78sim run --elf FILE.elf')\n");
    return 6;
  }
  /* the debugger's socket: bound here (--gdb PORT) or inherited from
   * `max78sim run --gdb`, which binds it before starting this process */
  int gdb_fd = -1;
  const char *fd_env = getenv(M78ENV_GDB_FD);
  if (port_arg) {
    char *end;
    unsigned long port = strtoul(port_arg, &end, 10);
    unsigned bound = 0;
    if (!*port_arg || *end || port > 65535) {
      fprintf(stderr, "max78sim: --gdb: not a TCP port (0-65535): %s\n", port_arg);
      return 6;
    }
    if ((gdb_fd = m78sock_listen_local((unsigned)port, &bound, err, sizeof err)) < 0) {
      fprintf(stderr, "max78sim: --gdb: %s\n", err);
      return 6;
    }
    fprintf(stderr, "max78sim: gdb: waiting for a debugger on 127.0.0.1:%u (target remote :%u)\n", bound, bound);
  } else if (fd_env && *fd_env) {
    gdb_fd = atoi(fd_env);
  }
  static struct m78arm a;
  a.flash = calloc(1, M78ARM_FLASH_SIZE);
  a.sram = calloc(1, M78ARM_SRAM_SIZE);
  a.bcache_flash = calloc(M78ARM_FLASH_SIZE / 2, sizeof *a.bcache_flash);
  a.bcache_sram = calloc(M78ARM_SRAM_SIZE / 2, sizeof *a.bcache_sram);
  if (!a.flash || !a.sram || !a.bcache_flash || !a.bcache_sram) {
    fprintf(stderr, "max78sim: out of memory\n");
    return 6;
  }
  /* erased flash reads all ones */
  memset(a.flash, 0xFF, M78ARM_FLASH_SIZE);
  struct m78elf_region regions[2] = {{"flash", M78ARM_FLASH_BASE, M78ARM_FLASH_SIZE, a.flash},
                                     {"SRAM", M78ARM_SRAM_BASE, M78ARM_SRAM_SIZE, a.sram}};
  struct m78elf_info info;
  if (m78elf_load_file(elf, regions, 2, &info, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: %s\n", err);
    return 6;
  }

  a.flash_image = malloc(M78ARM_FLASH_SIZE);
  if (!a.flash_image) {
    fprintf(stderr, "max78sim: out of memory\n");
    return 6;
  }
  memcpy(a.flash_image, a.flash, M78ARM_FLASH_SIZE);
  a.soc = m78rt_init();
  m78bench_set_access_count(cnn_accesses);
  a.soc->cpu_emulated = 1;
  a.soc->tmr_live = 1;
  /* FWS: assumed reset value (docs/arm.md) */
  a.soc->gcr[M78SOC_WORD(M78SOC_GCR_MEMCTRL)] = M78SOC_FSET(GCR, MEMCTRL, FWS, 0, M78SOC_FWS_ASSUMED);
  if (m78elf_check_vectors(a.flash, d, sizeof d) != 0) {
    fprintf(stderr, "max78sim: %s: %s\n", elf, d);
    m78soc_finish(a.soc, M78SOC_STOP_FAULT, d, 5);
  }
  if (m78arm_init(&a, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: %s\n", err);
    return 6;
  }
  /* findings name functions and objects; an ELF without symbols runs without them */
  if (m78elf_symbols_file(elf, &a.syms) != 0)
    fprintf(stderr, "max78sim: %s: the symbol table is malformed; findings will not name functions\n", elf);
  if (m78arm_findings_init(&a) != 0) {
    fprintf(stderr, "max78sim: Unicorn: cannot install the findings' write hook\n");
    return 6;
  }
  if (gdb_fd >= 0 && m78gdb_attach(&a, gdb_fd, err, sizeof err) != 0) {
    fprintf(stderr, "max78sim: %s\n", err);
    return 6;
  }
  double t0 = host_seconds();
  int status = m78arm_run(&a);
  double t1 = host_seconds();
  fflush(stdout);
  const char *stats = getenv(M78ENV_ARM_STATS);
  if (stats && *stats && strcmp(stats, "0") != 0)
    fprintf(stderr,
            "max78sim-arm: %llu instructions (%llu executed, %llu in polling iterations jumped over), %llu CPU "
            "cycles (CPI %.3f), %llu blocks, %llu ICC misses, %.3f s host (CNN simulation included), %.1f M "
            "executed instructions/s\n",
            (unsigned long long)a.insns, (unsigned long long)(a.insns - a.skipped_insns),
            (unsigned long long)a.skipped_insns, (unsigned long long)a.cycles,
            a.insns ? (double)a.cycles / (double)a.insns : 0.0, (unsigned long long)a.blocks,
            (unsigned long long)a.icc_misses, t1 - t0,
            t1 > t0 ? (double)(a.insns - a.skipped_insns) / (t1 - t0) * 1e-6 : 0.0);
  if (a.stop == M78ARM_STOP_FAULT) {
    snprintf(d, sizeof d, "guest fault: %s", a.detail);
    fprintf(stderr, "max78sim: %s\n", d);
    m78soc_finish(a.soc, M78SOC_STOP_FAULT, d, 5);
  }
  m78soc_finish(a.soc, M78SOC_STOP_EXIT, a.detail, status & 0xFF);
  return status;
}
