/*
 * The SDL2 viewer of max78sim: one window over a run's files (the report,
 * the layer dumps and the captured input, see viz/src/model.h), used by
 * `max78sim view` and `max78sim run --view`.  It reads files only, so it
 * works the same after a run, during one (live mode: the firmware
 * rewrites the files after every layer and waits for the step file), or
 * on a folder a device dump was converted to.
 */
#ifndef M78VIZ_H
#define M78VIZ_H

#include <stddef.h>

#define M78VIZ_DEFAULT_W 1440
#define M78VIZ_DEFAULT_H 900

struct m78viz_opts {
  const char *dump_dir;     /* layers.json, Lnn.i8/.i32, input.json/.i8 */
  const char *report;       /* run report JSON, or NULL */
  const char *title;        /* shown in the header and the window title */
  const char *compare;      /* expected data folder, or NULL */
  const char *screenshot;   /* render one frame offscreen into this PNG and return */
  const char *save_dir;     /* where the `s` key saves screenshots (NULL: ".") */
  int layer_set;            /* layer was given */
  int layer;                /* hardware layer to show first; -1: the input */
  int channel;              /* channel to select first (-1: none given) */
  int width, height;        /* window / screenshot size (0: default) */
  const char *inject;       /* tests: comma-separated SDL key names pushed as events */
  char *const *layer_names; /* names of hardware layers 0..n-1 (NULL entries: none), from the
                               synthesizer's network description; or NULL */
  int n_layer_names;
  int verbose; /* print one line per handled key (tests) */
  /* live mode (NULL when off) */
  const char *progress_file;  /* the firmware's progress ("start", N, "done") */
  const char *step_file;      /* the viewer writes the last layer allowed to run */
  volatile int *run_finished; /* set by the caller when the firmware is gone */
};

/* Runs the viewer until the window is closed (or writes the screenshot).
 * Returns 0, or 2 after printing a one-line error (no display, bad data,
 * PNG not written). */
int m78viz_main(const struct m78viz_opts *o);

/* Without a session bus address, SDL's video start makes libdbus launch a
 * session bus, which without a desktop session can block for good (seen
 * under xvfb-run, one start in five): point it at none, so that SDL goes
 * on without D-Bus.  Changes nothing when the variable is set.  Call it
 * before any other thread runs (it sets an environment variable);
 * m78viz_main calls it too. */
void m78viz_no_dbus_autolaunch(void);

/* Decodes the image file PATH (PNG, JPEG, BMP, ... as SDL2_image reads
 * them) into *w x *h RGB pixels, 3 bytes each, row after row (*rgb
 * malloc'd).  Returns 0, or -1 with a message in ERR. */
int m78viz_load_rgb(const char *path, int *w, int *h, unsigned char **rgb, char *err, size_t len);
/* Writes W x H RGB pixels (3 bytes each, row after row) as the PNG file
 * PATH.  Returns 0, or -1 with a message in ERR and errno as the write
 * left it. */
int m78viz_save_rgb_png(const char *path, int w, int h, const unsigned char *rgb, char *err, size_t len);

/* The viewer as a module (libmax78sim-viz.so, in the library folder
 * beside libm78shim.a) that the CLI loads only when it shows a window or
 * decodes an image, so that its other commands do not map SDL and its
 * sixty-odd libraries at every start.  Its one exported symbol. */
#define M78VIZ_MODULE "libmax78sim-viz.so"
#define M78VIZ_API_VERSION 1
struct m78viz_api {
  int version;      /* M78VIZ_API_VERSION */
  size_t opts_size; /* sizeof(struct m78viz_opts) of the module's build */
  int (*main)(const struct m78viz_opts *o);
  void (*no_dbus_autolaunch)(void);
  int (*load_rgb)(const char *path, int *w, int *h, unsigned char **rgb, char *err, size_t len);
  int (*save_rgb_png)(const char *path, int w, int h, const unsigned char *rgb, char *err, size_t len);
};
const struct m78viz_api *m78viz_module_api(void);

#endif
