/*
 * The environment protocol between max78sim's processes: every M78SIM_*
 * variable, named once.  The CLI (tools/) and libmax78sim (host/) start
 * the firmware process (firmware_shim/, linked into the firmware) or the
 * Arm emulator (arm/) and pass it its run options this way; a few are
 * the user's settings.  Each line says who sets the variable and who
 * reads it; docs/report-schema.md documents the ones a user may set.
 *
 * Strings only, no includes: every layer can include this header, and
 * "M78ENV_X \"=%s\"" builds an assignment.  Scripts (tests/scripts,
 * python/) spell the same names as literals.
 */
#ifndef MAX78SIM_ENV_H
#define MAX78SIM_ENV_H

/* run options, set by the CLI (tools/fwbuild.c m78fw_run) for the firmware process */
#define M78ENV_REPORT "M78SIM_REPORT"           /* CLI, host -> runtime.c: JSON report path */
#define M78ENV_DUMP_DIR "M78SIM_DUMP_DIR"       /* CLI, host -> runtime.c: layer dump folder */
#define M78ENV_TIMELINE "M78SIM_TIMELINE"       /* CLI -> runtime.c: trace-event timeline path */
#define M78ENV_RECORD "M78SIM_RECORD"           /* CLI -> runtime.c: register trace path */
#define M78ENV_MAX_CYCLES "M78SIM_MAX_CYCLES"   /* CLI -> runtime.c: CNN cycle budget */
#define M78ENV_FAULTS "M78SIM_FAULTS"           /* CLI -> runtime.c: injected faults */
#define M78ENV_LAYER_LIMIT "M78SIM_LAYER_LIMIT" /* CLI -> runtime.c: stop after this layer */
#define M78ENV_LIVE_DIR "M78SIM_LIVE_DIR"       /* CLI (view --live) -> runtime.c: progress/step files */
#define M78ENV_THREADS "M78SIM_THREADS"         /* CLI, bench, host -> runtime.c: engine threads */
#define M78ENV_KERNEL "M78SIM_KERNEL"           /* bench, user -> runtime.c, bench.c: engine kernel */
#define M78ENV_SPLIT_MIN "M78SIM_SPLIT_MIN"     /* user, tests -> runtime.c, bench.c: smallest split layer */
#define M78ENV_HANG_MS "M78SIM_HANG_MS"         /* user, tests -> runtime.c: spin watchdog */
#define M78ENV_BENCH "M78SIM_BENCH"             /* bench (set), CLI (cleared) -> bench.c: timing mode */
#define M78ENV_INPUT_TIMES                                                                                             \
  "M78SIM_INPUT_TIMES" /* bench -> shim serve.c: append load_input()'s host time to this file */
#define M78ENV_FIFO_LANE                                                                                               \
  "M78SIM_FIFO_LANE" /* tests -> shim runtime.c: off = FIFO polls/pushes the general way, count = say how many took the lane (soc.c) */
#define M78ENV_INPUT "M78SIM_INPUT" /* CLI input.c (--input), host (cleared) -> shim userinput.c */
#define M78ENV_SERVE "M78SIM_SERVE" /* host net.c -> shim serve.c: socket of a served network */
#define M78ENV_SERVE_FORK                                                                                              \
  "M78SIM_SERVE_FORK" /* user, tests -> shim serve.c: 1 forks a child per request instead of rolling workers back */
#define M78ENV_GDB_FD "M78SIM_GDB_FD" /* CLI (run --elf --gdb) -> arm/emu/main.c: GDB socket */

/* the user's settings */
#define M78ENV_TOOL "M78SIM_TOOL"                   /* user, Python tests -> host net.c: the max78sim command */
#define M78ENV_CORPUS "M78SIM_CORPUS"               /* user -> CLI (fwbuild.h): known-answer corpus */
#define M78ENV_BRIDGE "M78SIM_BRIDGE"               /* user, tests -> CLI (fwbuild.c): inst or trap bridge */
#define M78ENV_CC "M78SIM_CC"                       /* user -> CLI (fwbuild.c): host compiler for firmware */
#define M78ENV_CACHE "M78SIM_CACHE"                 /* user, tests -> CLI (fwbuild.c): firmware build cache */
#define M78ENV_ARM_STATS "M78SIM_ARM_STATS"         /* user, tests -> arm/emu/main.c: statistics line */
#define M78ENV_ARM_INSN_HOOK "M78SIM_ARM_INSN_HOOK" /* tests -> arm/emu/emu.c: per-instruction hook */
#define M78ENV_FONT "M78SIM_FONT"                   /* user, tests -> viz view.c: the viewer's font */

#endif
