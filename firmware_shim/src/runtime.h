/*
 * Start-up and shut-down shared by the firmware processes (the host
 * firmware and max78sim-arm): the SoC state, the environment the max78sim
 * command passes (M78SIM_REPORT, M78SIM_DUMP_DIR, ...), the simulator's
 * hooks, and the report and dumps at the end (m78soc_finish).
 */
#ifndef M78_RUNTIME_H
#define M78_RUNTIME_H

/* Brings the SoC up from the environment; exits the process with status
 * 6 and a message when it cannot. */
void m78rt_init(void);
/* The end of a run that returned normally (main returned): reports. */
void m78rt_at_exit(void);
/* Called with the exit status once the outputs are written, just before
 * the process ends (max78sim-arm tells an attached debugger). */
void m78rt_set_finish_hook(void (*fn)(int exit_code));

#endif
