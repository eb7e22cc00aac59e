/*
 * Building a synthesized firmware folder into a host executable linked
 * with the firmware shim, and running it as a child process.
 *
 * Executables are cached under <cache>/<key>/fw, key being a 64-bit
 * FNV-1a hash of everything that goes into them: the name and contents
 * of every *.c and *.h of the folder, the bridge mechanism and its
 * compile and link commands, and the size and mtime of the three
 * libraries.  The compiler writes a temporary
 * file that is renamed only on success, so an entry is complete or
 * absent, and concurrent builds of the same firmware are harmless.
 *
 * The child talks back through a report file and its console; the
 * protocol (environment variables, exit codes) is docs/report-schema.md.
 */
#ifndef M78_FWBUILD_H
#define M78_FWBUILD_H

#include <stdint.h>
#include "cli_util.h"
#include "max78sim/env.h"
#include "max78sim/net.h"

/* Where the compiler, headers, libraries and data live: the build tree,
 * or an installed prefix (bin/, lib/max78sim/, include/, share/max78sim/),
 * decided from the location of the running executable. */
struct m78fw_paths {
  int installed;
  char *cc;           /* $M78SIM_CC, else the configured compiler */
  char *lib_dir;      /* libm78shim.a, libm78host.a, libm78sim.a */
  char *shim_include; /* MSDK-compatible headers */
  char *shim_src;     /* shim-internal headers the firmware build needs */
  char *sim_include;  /* holds max78sim/sim.h and the rest of the API */
  char *host_include; /* holds m78host/socregs.h, the SoC register map the MSDK headers use */
  char *data_dir;     /* holds models/ */
  char *root_dir;     /* relative paths in model manifests start here */
};

void m78fw_paths_init(struct m78fw_paths *p);
void m78fw_paths_free(struct m78fw_paths *p);

/* Files a synthesized project must have, in the order they are checked. */
extern const char *const m78fw_required_files[];

/* NULL when DIR looks like a synthesized project, else the first missing
 * required file. */
const char *m78fw_missing_file(const char *dir);

/* Resolves a model name through <data>/models/<name>/model.json (or
 * manifest.json), key "firmware".  Returns 1 and *dir (malloc'd) when
 * NAME is a model, 0 when it is not, -1 after printing an error. */
int m78fw_resolve_model(const struct m78fw_paths *p, const char *name, char **dir);

/* What a model manifest says beyond its firmware (models/README.md). */
struct m78fw_model {
  char *name;
  char *firmware; /* resolved folder */
  char **classes; /* class names, in output order (may be NULL) */
  int nclasses;
  double logit_scale;    /* output value per 1.0 of logit (default 1) */
  char *prediction_note; /* printed under the prediction (may be NULL) */
};

/* Like m78fw_resolve_model, and fills *m (free with m78fw_model_free). */
int m78fw_load_model(const struct m78fw_paths *p, const char *name, struct m78fw_model *m);
void m78fw_model_free(struct m78fw_model *m);

/* The one environment variable that names the known-answer corpus; the
 * command's --corpus DIR option (any command) sets it for the whole run. */
#define M78FW_CORPUS_ENV M78ENV_CORPUS

/* The corpus folder: $M78SIM_CORPUS, else ../shared/corpus beside the
 * install prefix when installed and that folder exists, else beside the
 * source tree this max78sim was built from.  malloc'd. */
char *m78fw_corpus_dir(void);

/* The cache root: $M78SIM_CACHE, $XDG_CACHE_HOME/max78sim,
 * $HOME/.cache/max78sim or /tmp/max78sim-cache-<uid>. */
char *m78fw_cache_root(void);

/* How the firmware's accesses to the MAX78000 windows reach the
 * simulator (README, "Running unmodified firmware"):
 *  INST  the vendor sources are compiled with the compiler's access
 *        instrumentation, served by firmware_shim/src/inst.c (default);
 *  TRAP  plain compile; every access faults and the fault bridge
 *        (firmware_shim/src/bridge_x86_64.c) decodes it.
 * Both give the same bytes in every trace, report and dump; each has its
 * own cached executable.  The environment variable below picks one for
 * every command that builds host firmware (run --bridge sets it). */
enum m78fw_bridge { M78FW_BRIDGE_INST, M78FW_BRIDGE_TRAP };
#define M78FW_BRIDGE_ENV M78ENV_BRIDGE
/* The mechanism a name stands for ("inst", "trap"), or -1. */
int m78fw_bridge_parse(const char *name);
const char *m78fw_bridge_name(enum m78fw_bridge mode);
/* The mechanism $M78SIM_BRIDGE asks for (INST when unset or empty), or
 * -1 after printing an error. */
int m78fw_bridge_from_env(void);

/* Returns the path of the (cached or freshly built) executable, or NULL
 * after printing an error.  LABEL names the firmware in messages.  Every
 * *.c of DIR is compiled; *.c, *.h and *.inc files go into the key.
 * m78fw_build uses the mechanism of $M78SIM_BRIDGE. */
char *m78fw_build(const struct m78fw_paths *p, const char *dir, const char *label, int rebuild);
/* The network PROJECT (a folder or model name, as the user gave it) for
 * m78fw_run, built through the host API as eval and Python build it
 * (`max78sim prepare`, whose messages go to stderr): NULL after an
 * error was shown. */
struct m78net *m78fw_open(const char *project, int rebuild);
char *m78fw_build_bridge(const struct m78fw_paths *p, const char *dir, const char *label, int rebuild,
                         enum m78fw_bridge mode);

/* The trap mechanism's command: compiles and links the sources (names
 * inside ABSDIR) in one step; OUTPUT is the file the compiler writes.
 * Returns a NULL-terminated argv. */
char **m78fw_compile_argv(const struct m78fw_paths *p, const char *absdir, char **sources, size_t nsources,
                          const char *output);
/* The inst mechanism's commands: one source to an object (instrumented),
 * and the objects linked with the shim (not instrumented). */
char **m78fw_inst_compile_argv(const struct m78fw_paths *p, const char *absdir, const char *source, const char *object);
char **m78fw_inst_link_argv(const struct m78fw_paths *p, char **objects, size_t nobjects, const char *output);
void m78fw_free_argv(char **argv);

/* A run of the firmware for the command line: the host API's options and
 * result (max78sim/net.h) plus what the console does here. */
struct m78fw_run_opts {
  struct m78net *net;           /* the network whose firmware runs (m78fw_open), or NULL with x.exe */
  struct m78net_exec_options x; /* program, settings, limits, cancel; m78fw_run sets console, ctx, stop_on_signals */
  int quiet;                    /* drop the console; hold stderr for errors */
  struct m78u_buf *console;     /* if not NULL, receives the firmware's stdout */
};

struct m78fw_run_result {
  struct m78net_exec_result x; /* how the run ended */
  struct m78u_buf held_stderr; /* quiet mode: the child's last stderr lines */
};

/* Runs the firmware through the host API (m78net_exec), streaming its
 * console line by line.  Returns -1 (message printed) if it could not be
 * started. */
int m78fw_run(const struct m78fw_run_opts *o, struct m78fw_run_result *r);
void m78fw_run_result_free(struct m78fw_run_result *r);

#endif
