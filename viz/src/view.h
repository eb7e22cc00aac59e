/*
 * Inside the viewer window (view.c has the overview): struct app, the
 * state every part of the window shares, and the calls between its files.
 * view_draw.c draws a frame, view_layout.c says where things are and what
 * a screen position points at, view_input.c turns keys and clicks into
 * actions, view_live.c follows a running firmware and steps injected
 * keys, view.c opens the window and runs it.
 */
#ifndef M78VIZ_VIEW_H
#define M78VIZ_VIEW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "../viz.h"
#include "model.h"

#define HEADER_H 44
#define STATUS_H 22
#define TIMELINE_H 64
#define LIST_COLS 68 /* characters of a list row */
#define LIST_W (a->list_w)
#define ROW_H 16
#define FONT_PT 12
#define TEXT_CACHE 512
#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

static const SDL_Color C_TEXT = {230, 230, 230, 255};
static const SDL_Color C_DIM = {150, 150, 150, 255};
static const SDL_Color C_YELLOW = {255, 220, 0, 255};
static const SDL_Color C_RED = {255, 80, 80, 255};
static const SDL_Color C_GREEN = {90, 220, 90, 255};
#define BG 24, 24, 30

/* The timeline: a row of layers by cycles (back to back, in layer order),
 * a time axis under it, a row by energy; row labels on the left. */
#define TL_LABEL_COLS 8
#define TL_CYCLES_Y 4
#define TL_BAR_H 14
#define TL_AXIS_Y (TL_CYCLES_Y + TL_BAR_H + 1)
#define TL_ENERGY_Y (TL_AXIS_Y + 26)

struct text_entry {
  char *s;
  SDL_Color c;
  SDL_Texture *tex;
  int w, h;
};

/* What a screen position points at. */
struct hit {
  int kind; /* 0 nothing, 1 value, 2 list row, 3 timeline segment */
  int entry, channel, row, col;
};

struct app {
  const struct m78viz_opts *o;
  struct m78v_run run;
  char err[512];
  SDL_Window *win;
  SDL_Renderer *ren;
  TTF_Font *font;
  int font_h, char_w;
  int list_w;
  int W, H;
  struct text_entry cache[TEXT_CACHE];
  int ncache;

  int sel;  /* entry of run.layers */
  int chan; /* selected channel of the shown tensor (-1 none) */
  double zoom;
  double pan_x, pan_y;
  int help;
  int mx, my; /* mouse */
  int dragging, drag_x, drag_y;
  double drag_px, drag_py;
  char message[256];

  /* textures of the selected entry: one per channel, plus RGB for inputs */
  SDL_Texture **tex;
  int ntex, tex_entry;
  SDL_Texture *rgb;

  /* live mode */
  char progress[32];
  long allowed;
  int finished_seen;

  /* injected keys (tests) */
  char **inject;
  int ninject, next_inject;
  int quit;
};

/* view_draw.c: text, textures, the frame */
void m78vw_set_message(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void m78vw_clear_cache(struct app *a);
void m78vw_frame(struct app *a, int x, int y, int w, int h, int r, int g, int b);
struct m78v_layer *m78vw_cur(struct app *a);
int m78vw_is_bars(const struct m78v_layer *l);
int m78vw_is_strips(const struct m78v_layer *l);
int m78vw_has_rgb(const struct m78v_layer *l);
int m78vw_ntiles(const struct m78v_layer *l);
void m78vw_apply_names(struct app *a);
int m78vw_all_zero(const struct m78v_layer *l, int c);
void m78vw_free_textures(struct app *a);
void m78vw_render(struct app *a);

/* view_layout.c: geometry and hit testing */
int m78vw_tl_x0(const struct app *a);
double m78vw_tl_span(const struct app *a);
SDL_Rect m78vw_main_area(const struct app *a);
void m78vw_grid_of(const struct app *a, const struct m78v_layer *l, struct m78v_grid *g);
SDL_Rect m78vw_tile_rect(const struct app *a, const struct m78v_grid *g, int k);
int m78vw_tile_channel(const struct m78v_layer *l, int k);
int m78vw_strip_h(const struct app *a, const struct m78v_layer *l);
int m78vw_strip_x0(void);
struct hit m78vw_hit_test(struct app *a, int x, int y);

/* view_input.c: actions, keys, mouse */
void m78vw_jump_to_mismatch(struct app *a, int entry);
int m78vw_write_png(struct app *a, const char *path);
int m78vw_handle_event(struct app *a, SDL_Event *e);

/* view_live.c: live mode, injected keys, the event loop */
int m78vw_poll_live(struct app *a);
int m78vw_live_busy(const struct app *a);
void m78vw_split_inject(struct app *a, const char *spec);
int m78vw_push_injected(struct app *a);
void m78vw_event_loop(struct app *a);

#endif
