/*
 * The viewer side of the max78sim command: the options of `max78sim view`
 * and `max78sim run --view`, opening the viewer over a run's files, and
 * live mode (the firmware runs in a thread of ours while the window
 * shows its layers as they finish).  Built without the viewer
 * (BUILD_VIEWER=OFF), every entry point says so and fails with exit 2.
 */
#ifndef M78_VIEW_CMD_H
#define M78_VIEW_CMD_H

#include <stdio.h>
#include "fwbuild.h"

struct m78cli_view_opts {
  int view;           /* open the viewer */
  int live;           /* ... while the firmware runs */
  int any;            /* some viewer option was given */
  const char *report; /* view DUMPDIR: the run report */
  const char *compare;
  const char *screenshot;
  const char *save_dir;
  const char *inject;
  int layer_set, layer, channel;
  int width, height;
  int verbose;
  const char *fwdir; /* the firmware folder shown (layer names), or NULL */
};

void m78cli_view_opts_init(struct m78cli_view_opts *v);

/* Parses argv[*i] if it is a viewer option (advancing *i over its value).
 * Returns 1 when it was one, 0 when not, -1 after printing an error. */
int m78cli_view_option(int argc, char **argv, int *i, struct m78cli_view_opts *v, const char *cmd);

/* Checks the options once all are parsed (files that must exist...). */
int m78cli_view_check(const struct m78cli_view_opts *v, const char *cmd);

/* The option lines of the help texts. */
void m78cli_view_help(FILE *out);

/* 1 when this max78sim has the viewer; else prints why not, returns 0. */
int m78cli_view_available(void);
struct m78viz_api;
/* The viewer and image module (viz.h), loaded on first use; NULL after
 * an error was printed (also when built without the viewer). */
const struct m78viz_api *m78cli_viz(void);
/* Through that module (SDL2_image): an image file as *w x *h RGB pixels
 * (*rgb malloc'd, 3 bytes each, row after row), -1 after an error was
 * printed; and RGB pixels written as a PNG file, -1 with errno. */
int m78cli_image_load(const char *path, int *w, int *h, unsigned char **rgb);
int m78cli_image_save_png(const char *path, int w, int h, const unsigned char *rgb);

/* Is DIR a folder of layer dumps (layers.json) rather than a project? */
int m78cli_view_is_dump_dir(const char *dir);

/* Opens the viewer over finished files.  Returns 0 or 2 (error printed). */
int m78cli_view_show(const struct m78cli_view_opts *v, const char *dump_dir, const char *report, const char *title);

/* Live mode: runs the firmware (m78fw_run with ro, which must name
 * live_dir as its dump folder) in a thread while the viewer shows
 * live_dir; when the window closes first, the firmware is stopped
 * (res->cancelled).  Returns the viewer's status (0 or 2); *run_rc gets
 * m78fw_run's return value. */
int m78cli_view_live(const struct m78cli_view_opts *v, struct m78fw_run_opts *ro, struct m78fw_run_result *res,
                     int *run_rc, const char *title);

#endif
