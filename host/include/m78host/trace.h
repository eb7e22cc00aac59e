/*
 * Register traces: the accesses a firmware made to the CNN block, in the
 * order and at the CNN cycle it made them (traces/FORMAT.md).
 *
 * In memory a trace is a flat list of items, one per bus access or
 * power/clock event, each stamped with the simulator's CNN cycle.  The
 * file stores runs of similar accesses (weights, input, FIFO pushes with
 * their status polls, unloads) as compact blocks; loading expands them,
 * so everything that consumes a trace sees single accesses.
 *
 * Used by the firmware process (recording), and by the CLI (replay,
 * show, diff).  Replaying the items against a fresh simulator reproduces
 * the recorded run exactly: the simulator only sees bus accesses, power
 * and clock changes and the passage of time, and all of them are here.
 */
#ifndef M78_TRACE_H
#define M78_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/sim.h"
#include "m78host/report.h"

#define M78_TRACE_FORMAT "max78sim-trace"
#define M78_TRACE_VERSION 1
#define M78_TRACE_DEVICE "MAX78000"
/* Limits of the reader, checked before anything is allocated: the file's
 * size, and the accesses once blocks are expanded (24 bytes each). */
#define M78_TRACE_MAX_BYTES ((size_t)256 << 20)
#define M78_TRACE_MAX_ACCESSES (1ull << 25)

enum m78_trace_kind {
  M78_TRACE_READ = 0,
  M78_TRACE_WRITE,
  M78_TRACE_POWER, /* a: powered quadrants, b: quadrants held in reset */
  M78_TRACE_CLOCK, /* a: 1 when the CNN clock runs */
  M78_TRACE_END    /* the simulator's time when the run ended */
};

struct m78_trace_item {
  uint64_t t;     /* CNN cycle (the simulator's time) */
  uint32_t a;     /* access address, or the event's first value */
  uint32_t v;     /* access value, or the event's second value */
  uint32_t entry; /* index of the file entry the item comes from */
  uint8_t kind;   /* enum m78_trace_kind */
  uint8_t width;  /* accesses: 1, 2 or 4 */
  uint8_t status; /* accesses: enum m78_status as recorded */
  uint8_t known;  /* reads: the value is recorded (replay checks it) */
};

struct m78_trace {
  char tool[64];        /* "max78sim 0.1.0" */
  uint64_t cnn_hz;      /* CNN clock at the end of the run */
  char clock_source[8]; /* "PCLK" or "ISO" */
  int divider;
  /* how the recorded run ended (optional in files; has_run) */
  int has_run;
  char *firmware;       /* the folder or model given to `run` */
  char kat[16];         /* pass | fail | unknown */
  char stop_reason[16]; /* exit | max-cycles | hang | fault */
  int exit_code;
  char *stop_detail;
  /* what only the firmware process measured (the CPU side: loading
   * phases, power monitor, inference as the CPU sees it), so replay
   * reports it unchanged (optional: has_cpu) */
  int has_cpu;
  int n_phases;
  char phase_names[8][16];
  struct m78_phase_info phases[8];
  struct m78_monitor_info monitor;
  char stage_names[4][24];
  double inference_monitor_uj, inference_wall_us;
  /* an Arm run's emulated Cortex-M4 (optional: has_emu) */
  int has_emu;
  struct m78_cpu_info emu;
  char emu_first_error[256];
  struct m78_trace_item *items;
  size_t n, cap;
  size_t entries; /* file entries the items were loaded from */
};

void m78_trace_init(struct m78_trace *t);
void m78_trace_free(struct m78_trace *t);
/* Appends an item.  Returns 0, or -1 when out of memory. */
int m78_trace_add(struct m78_trace *t, const struct m78_trace_item *it);
/* Sets the run section (copies the strings). */
void m78_trace_set_run(struct m78_trace *t, const char *firmware, const char *kat, const char *stop_reason,
                       int exit_code, const char *stop_detail);

/* Reads and checks a trace file.  Returns 0, or -1 with a one-line
 * message in err that names the entry at fault ("entries[12]: ..."). */
int m78_trace_load(const char *path, struct m78_trace *t, char *err, size_t errlen);
int m78_trace_parse(const char *text, size_t len, struct m78_trace *t, char *err, size_t errlen);

/* The file text of a trace (compacted, one entry per line), malloc'd;
 * NULL when out of memory. */
char *m78_trace_format(const struct m78_trace *t);
/* Writes the trace atomically.  Returns 0, or -1 with a message. */
int m78_trace_write(const struct m78_trace *t, const char *path, char *err, size_t errlen);

/* What a replay saw that differs from the recording. */
struct m78_replay_result {
  uint64_t accesses;
  uint64_t reads_checked;
  uint64_t mismatches; /* reads with another value, accesses with another status */
  int ended;           /* the trace had an end entry */
  /* the first mismatch */
  struct m78_trace_item first;
  uint32_t first_got;
  uint8_t first_got_status;
};

/* Replays every item against `sim` (fresh or reset by the caller), then
 * runs to the trace's end time (or, without one, until the CNN idles). */
void m78_trace_replay(m78_sim *sim, const struct m78_trace *t, struct m78_replay_result *r);

/* The report's run information as the trace recorded it. */
/* Keeps the firmware-process-only parts of *info for the trace. */
void m78_trace_set_cpu(struct m78_trace *t, const struct m78_run_info *info);
void m78_trace_run_info(const struct m78_trace *t, struct m78_run_info *info);

/* Short status names used in files ("ok", "unmapped", ...); -1 unknown. */
const char *m78_trace_status_name(unsigned status);
int m78_trace_status_parse(const char *name);

/* Base64 (RFC 4648, with padding).  encode returns a malloc'd string;
 * decode returns a malloc'd buffer and its length in *n, or NULL for
 * invalid input or when out of memory. */
char *m78_base64_encode(const void *data, size_t n);
uint8_t *m78_base64_decode(const char *s, size_t *n);

#endif
