/*
 * Start-up and shut-down shared by the firmware processes (the host
 * firmware and max78sim-arm): the SoC state, the environment the max78sim
 * command passes (M78SIM_REPORT, M78SIM_DUMP_DIR, ...), the simulator's
 * hooks, and the report and dumps at the end (m78soc_finish).
 *
 * A firmware process is one run: one SoC (soc.h) and one run control
 * (struct m78rt: what to write at the end, and the lock and thread that
 * make the end happen once).  Both live in one mapping of their own at a
 * fixed address, away from the firmware's .bss (synthesized firmware
 * occasionally overruns its own output buffer, cnn_unload writing past
 * ml_data32, which must not corrupt the simulator); m78rt_soc() and
 * m78rt_get() are the only ways to them.
 */
#ifndef M78_RUNTIME_H
#define M78_RUNTIME_H

#include <pthread.h>
#include "m78host/soc.h"

struct m78_inputcap;

/* The run control of a firmware process (runtime.c). */
struct m78rt {
  const char *report_path;
  const char *dump_dir;
  const char *timeline_path;
  const char *record_path; /* M78SIM_RECORD: write a register trace */
  int record_oom;
  const char *live_dir;         /* M78SIM_LIVE_DIR: per-layer dumps, stepping */
  struct m78_inputcap *capture; /* layer 0's input, when dumping */
  unsigned hang_ms;
  int finished;
  unsigned guest_msgs;
  pthread_mutex_t lock;
  pthread_t finisher;
  int finishing;
  int count_fifo_lane; /* M78SIM_FIFO_LANE=count: print the lane's accesses at the end */
};

/* Brings the SoC up from the environment and returns it; exits the
 * process with status 6 and a message when it cannot. */
struct m78soc_state *m78rt_init(void);
/* The process's SoC and run control (after m78rt_init). */
struct m78soc_state *m78rt_soc(void);
struct m78rt *m78rt_get(void);
/* The end of a run that returned normally (main returned): reports. */
void m78rt_at_exit(void);
/* Called with the exit status once the outputs are written, just before
 * the process ends (max78sim-arm tells an attached debugger). */
void m78rt_set_finish_hook(void (*fn)(int exit_code));

#endif
