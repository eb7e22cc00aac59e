/*
 * The emulated board as a gdb target (gdbstub.c): one debugger connection
 * on a TCP socket bound to 127.0.0.1, speaking the remote serial protocol
 * (gdbproto.h) in all-stop mode with one thread.
 *
 * Time stands still while gdb holds the target: the CPU's cycles and the
 * CNN advance only when the emulator runs, and the stub reads CNN memory
 * and registers through m78_peek, so a run with gdb attached gives the
 * cycles of a run without.  A stop inside a translation block keeps the
 * block's uncharged cycles (held) and the emulator resumes it without
 * charging its fetch twice (emu.c, on_block).
 */
#ifndef M78GDB_STUB_H
#define M78GDB_STUB_H

#include <stddef.h>
#include <stdint.h>
#include "gdbproto.h"

struct m78arm;

enum m78gdb_stop {
  M78GDB_STOP_NONE = 0,
  M78GDB_STOP_BREAK,     /* a Z0/Z1 breakpoint at PC */
  M78GDB_STOP_STEP,      /* one instruction done */
  M78GDB_STOP_WATCH,     /* a watchpoint's access done (watch_addr) */
  M78GDB_STOP_INTERRUPT, /* Ctrl-C */
  M78GDB_STOP_FAULT,     /* the firmware faulted; resuming ends the run */
  M78GDB_STOP_START      /* at reset, before the first instruction */
};

enum { M78GDB_MAX_BP = 32, M78GDB_MAX_WP = 8 };

struct m78gdb {
  int fd; /* the connection, -1 once it is gone */
  int noack;
  struct m78gdb_rx rx;
  uint32_t bp[M78GDB_MAX_BP];
  int nbp;
  struct {
    uint32_t addr, len;
    unsigned type; /* 2 write, 3 read, 4 access */
  } wp[M78GDB_MAX_WP];
  int nwp;
  int stepping;
  uint64_t hooks;       /* instructions reached since the last resume */
  uint32_t resume_pc;   /* the first one does not stop at its breakpoint */
  enum m78gdb_stop req; /* a stop the hooks asked for */
  int interrupt;        /* Ctrl-C received, not yet acted on */
  uint32_t watch_addr;
  unsigned watch_type;
  int held; /* the running block is held across a stop */
  uint32_t held_pc;
  char last[M78GDB_PACKET_MAX * 2 + 8]; /* the last reply, for a '-' */
  size_t last_len;
};

/* Waits for a debugger on the listening socket lfd (bound by the caller)
 * and installs the hooks.  Returns 0, or -1 with a message in err. */
int m78gdb_attach(struct m78arm *a, int lfd, char *err, size_t len);
/* The target stopped: talk to gdb until it resumes or detaches. */
void m78gdb_serve(struct m78arm *a, enum m78gdb_stop why);
/* While running: looks for Ctrl-C or a closed connection (no wait). */
void m78gdb_poll(struct m78arm *a);
/* A data access at [addr, addr+size): asks for a stop if a watchpoint
 * covers it. */
void m78gdb_access(struct m78arm *a, uint32_t addr, unsigned size, int write);
/* The run ends with this exit status: tells gdb. */
void m78gdb_finish(struct m78arm *a, int exit_code);

#endif
