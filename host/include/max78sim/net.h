/*
 * libmax78sim: a synthesized network as a function (the host API).
 *
 * m78net_open() builds the project's firmware as `max78sim run` does
 * (through `max78sim prepare`), starts it, and lets it run until it calls
 * its own load_input(): weights, bias and layer configuration are then in
 * the simulated accelerator.  Every m78net_run() forks that process; the
 * child writes the given input into the firmware's own input arrays and
 * continues, so the unmodified firmware loads it and runs the inference
 * (firmware_shim/src/serve.h).  Results are what `max78sim run --input`
 * reports: every layer's output, cycles, time and energy, the console.
 *
 * The same library runs the firmware once from start to end
 * (m78net_exec): that is how `max78sim run`, `compare`, `bench` and the
 * viewer's live mode run it, so every front end runs a network one way.
 *
 * Errors: every call returns an enum m78net_status and fills the caller's
 * struct m78net_error with a message; the library never prints or exits.
 * A network may be used by one thread at a time; m78net_run_many() runs
 * up to `jobs` inferences at once, with results identical to jobs = 1.
 */
#ifndef MAX78SIM_NET_H
#define MAX78SIM_NET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum m78net_status {
  M78NET_OK = 0,
  M78NET_EINVAL, /* a bad argument (NULL, closed network, bad count) */
  M78NET_ENOENT, /* no such project or model */
  M78NET_EBUILD, /* the firmware could not be built or started */
  M78NET_ESHAPE, /* the input has the wrong number of elements */
  M78NET_ERUN,   /* the inference failed (a layer could not be simulated, a crash) */
  M78NET_ENOMEM,
  M78NET_EIO,   /* talking to the firmware process, or reading its results */
  M78NET_EDTYPE /* an input element type or value the conversions do not take */
};

struct m78net_error {
  enum m78net_status code;
  char msg[1024];
};

typedef struct m78net m78net;
typedef struct m78net_result m78net_result;

struct m78net_options {
  const char *max78sim; /* the max78sim command (NULL: $M78SIM_TOOL, else the one
                           beside this library or of its build tree) */
  int threads;          /* engine threads per inference (0: 1) */
  int rebuild;          /* build the firmware even if cached */
  int no_serve;         /* 1: build and find the firmware only, start nothing; the network is then
                           for m78net_exec (m78net_run, the input shape and the sample need 0) */
  /* more NAME=value settings (a bare NAME removes it), NULL-terminated or
   * NULL, for every process behind the network: the build (e.g.
   * M78SIM_BRIDGE), the fork server, m78net_exec's runs; copied */
  const char *const *env;
  int build_msg_fd; /* > 0: the build's messages (progress, compiler errors) go to this
                           descriptor as they come, and a failed build leaves err->msg empty;
                           else its last message becomes err->msg */
};

/* Opens PROJECT: a synthesized firmware folder, a corpus case folder or a
 * model name.  OPT may be NULL.  *out is NULL on error. */
enum m78net_status m78net_open(m78net **out, const char *project, const struct m78net_options *opt,
                               struct m78net_error *err);
/* Ends the firmware process and frees everything (NULL is fine). */
void m78net_close(m78net *net);

/* ---- one run from start to end ----
 *
 * What `max78sim run`, `compare` and the viewer's live mode do: the
 * firmware starts afresh, runs its main() to the end (weights, its own
 * input or the one OPT->env names, the inference, its check against
 * sampleoutput.h) and leaves its report and files where the options say
 * (the environment protocol of max78sim/env.h and docs/report-schema.md).
 * Its console comes line by line through OPT->console as it prints. */
struct m78net_exec_options {
  const char *exe;         /* NULL: the firmware of NET; else this program (max78sim-arm) */
  const char *arg;         /* the program's one argument (max78sim-arm's ELF), or NULL */
  const char *report_path; /* M78SIM_REPORT */
  const char *dump_dir;    /* M78SIM_DUMP_DIR, or NULL */
  const char *timeline;    /* M78SIM_TIMELINE, or NULL */
  const char *record_path; /* M78SIM_RECORD (register trace), or NULL */
  const char *faults;      /* M78SIM_FAULTS (';'-separated specs), or NULL */
  const char *live_dir;    /* M78SIM_LIVE_DIR (the viewer's live mode), or NULL */
  uint64_t max_cycles;     /* M78SIM_MAX_CYCLES */
  int has_layer_limit;     /* pass layer_limit as M78SIM_LAYER_LIMIT */
  int layer_limit;
  double timeout_s; /* wall-clock safety limit, 0 = none */
  /* more NAME=value settings for the process, NULL-terminated (or NULL);
   * a bare NAME removes it from the environment */
  const char *const *env;
  /* each line of the console (FD 1 stdout, 2 stderr), newline included;
   * NULL drops them */
  void (*console)(void *ctx, int fd, const char *line, size_t len);
  void *ctx;
  const volatile int *cancel; /* when it becomes non-zero, the process is killed */
  int stop_on_signals;        /* SIGINT, SIGTERM, SIGHUP meanwhile kill the process (a CLI's choice) */
};

struct m78net_exec_result {
  int exited; /* exit_code is valid */
  int exit_code;
  int signal;             /* killed by this signal (not by the library) */
  int timed_out;          /* killed at the wall-clock limit */
  int interrupted;        /* stop_on_signals: this signal arrived */
  int cancelled;          /* killed because *cancel became non-zero */
  int saw_pass, saw_fail; /* the vendor check's "*** PASS ***" / "*** FAIL ***" lines */
  int saw_capture;        /* "*** CAPTURE DONE ***" (max78sim capture's firmware) */
};

/* Runs the firmware of NET (opened with or without no_serve; NET may be
 * NULL when OPT->exe is given) once, from start to end.  M78NET_OK when
 * it ran, whatever its end (in *r); M78NET_EBUILD when it could not be
 * started. */
enum m78net_status m78net_exec(m78net *net, const struct m78net_exec_options *opt, struct m78net_exec_result *r,
                               struct m78net_error *err);

/* ---- inference on given inputs (no_serve = 0) ---- */

/* Layer 0's input: channels, rows, columns (int8 values). */
void m78net_input_shape(const m78net *net, int *c, int *h, int *w);
/* The baked-in sample (sampledata.h) as that tensor: c*h*w values. */
const int8_t *m78net_sample(const m78net *net);
/* Class names from the model manifest, or NULL when there is none. */
int m78net_class_count(const m78net *net);
const char *m78net_class_name(const m78net *net, int i);
const char *m78net_firmware_dir(const m78net *net);

/* The int8 value the accelerator reads for a uint8 pixel P, as
 * ai8x-training normalizes for the hardware (round((P/255 - 0.5) * 256),
 * clamped), and for a float X in ai8x-training's [-1, 1) range
 * (round(X * 128), clamped).  docs/eval.md cites the source. */
int8_t m78net_from_u8(unsigned p);
int8_t m78net_from_float(double x);

enum m78net_dtype {
  M78NET_INT8,
  M78NET_UINT8,
  M78NET_INT16,
  M78NET_INT32,
  M78NET_INT64,
  M78NET_FLOAT32,
  M78NET_FLOAT64
};

/* One input as `max78sim run --input` takes it: DATA of type T and shape
 * SHAPE[0..NDIM-1] (C x H x W; H x W for one channel; C x L for a conv1d
 * layer 0; 1 x C x H x W), converted into OUT (c*h*w values): int8 as it
 * is, uint8 by m78net_from_u8, floats by m78net_from_float, other integers
 * must be in [-128, 127].  M78NET_ESHAPE or M78NET_EDTYPE otherwise. */
enum m78net_status m78net_convert(const m78net *net, const void *data, enum m78net_dtype t, int ndim,
                                  const size_t *shape, int8_t *out, struct m78net_error *err);

enum m78net_flags { M78NET_LAYERS = 1 }; /* keep every layer's output */

/* One inference on INPUT (c*h*w int8 values, m78net_input_shape).  *out
 * gets a result to free with m78net_result_free. */
enum m78net_status m78net_run(m78net *net, const int8_t *input, size_t n, unsigned flags, m78net_result **out,
                              struct m78net_error *err);
/* COUNT inferences, inputs back to back (count * c*h*w values), up to
 * JOBS at once; results[i] for input i.  PROGRESS (may be NULL) is called
 * after each one.  On error the results so far are freed. */
enum m78net_status m78net_run_many(m78net *net, const int8_t *inputs, size_t count, int jobs, unsigned flags,
                                   m78net_result **results, void (*progress)(void *ctx, size_t done, size_t total),
                                   void *ctx, struct m78net_error *err);
void m78net_result_free(m78net_result *r);

/* The inference: CNN cycles (master enable to interrupt), time at the
 * programmed CNN clock, energy (the model of docs/energy-model.md). */
uint64_t m78net_result_cycles(const m78net_result *r);
double m78net_result_time_us(const m78net_result *r);
double m78net_result_energy_uj(const m78net_result *r);
/* The firmware's console output. */
const char *m78net_result_console(const m78net_result *r);
/* The run report as JSON text (docs/report-schema.md). */
const char *m78net_result_report(const m78net_result *r);

/* The network's output, one value per class (output channel of the last
 * layer, hardware slots mapped to channels), and the index of the largest. */
int m78net_result_outputs(const m78net_result *r, const double **values);
int m78net_result_class(const m78net_result *r);

struct m78net_layer {
  int index;
  const char *op;   /* "conv2d", "linear", "passthrough", ... */
  int c, h, w;      /* output shape */
  int elem_bytes;   /* 1: int8, 4: int32 */
  const void *data; /* c*h*w values (NULL without M78NET_LAYERS) */
  uint64_t cycles;
  double time_us, energy_uj;
};
int m78net_result_layer_count(const m78net_result *r);
/* Layer I (0 .. count-1).  Returns 0, or -1 when I is out of range. */
int m78net_result_layer(const m78net_result *r, int i, struct m78net_layer *out);

#ifdef __cplusplus
}
#endif
#endif
