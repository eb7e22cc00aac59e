/*
 * The viewer window: layer list, per-channel tiles, timeline, readout.
 *
 * Everything is drawn with SDL's 2-D renderer from struct app; a frame is
 * drawn only when something changed (an event, or new files in live
 * mode).  The selected layer's channels are turned into one texture each
 * when it is selected (heat colours, mismatches in magenta) and scaled by
 * the renderer with nearest-pixel sampling, so a value is always a solid
 * block of pixels.  Text is DejaVu Sans Mono through SDL2_ttf, cached per
 * string.  Headless mode uses SDL's offscreen video driver and the
 * software renderer; screenshots read the renderer's pixels back and are
 * written with SDL2_image (IMG_SavePNG) through a temporary file.
 */
#define _GNU_SOURCE
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../viz.h"
#include "cli_util.h"
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

  int sel;        /* entry of run.layers */
  int chan;       /* selected channel of the shown tensor (-1 none) */
  double zoom;
  double pan_x, pan_y;
  int help;
  int mx, my;     /* mouse */
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

/* ---- helpers ---- */

static void set_message(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(struct app *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->message, sizeof a->message, fmt, ap);
  va_end(ap);
}

static void clear_cache(struct app *a)
{
  for (int i = 0; i < a->ncache; i++) {
    free(a->cache[i].s);
    SDL_DestroyTexture(a->cache[i].tex);
  }
  a->ncache = 0;
}

static struct text_entry *text_tex(struct app *a, const char *s, SDL_Color c)
{
  for (int i = 0; i < a->ncache; i++) {
    struct text_entry *e = &a->cache[i];
    if (e->c.r == c.r && e->c.g == c.g && e->c.b == c.b && strcmp(e->s, s) == 0)
      return e;
  }
  if (a->ncache == TEXT_CACHE)
    clear_cache(a);
  SDL_Surface *surf = TTF_RenderUTF8_Blended(a->font, s, c);
  if (!surf)
    return NULL;
  SDL_Texture *tex = SDL_CreateTextureFromSurface(a->ren, surf);
  struct text_entry *e = &a->cache[a->ncache];
  e->w = surf->w;
  e->h = surf->h;
  SDL_FreeSurface(surf);
  if (!tex)
    return NULL;
  e->s = m78cli_xstrdup(s);
  e->c = c;
  e->tex = tex;
  a->ncache++;
  return e;
}

/* Draws text at (x, y); returns its width. */
static int text(struct app *a, int x, int y, SDL_Color c, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int text(struct app *a, int x, int y, SDL_Color c, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (!buf[0])
    return 0;
  struct text_entry *e = text_tex(a, buf, c);
  if (!e)
    return 0;
  SDL_Rect r = {x, y, e->w, e->h};
  SDL_RenderCopy(a->ren, e->tex, NULL, &r);
  return e->w;
}

static void fill(struct app *a, int x, int y, int w, int h, int r, int g, int b)
{
  SDL_Rect rc = {x, y, w, h};
  SDL_SetRenderDrawColor(a->ren, (Uint8)r, (Uint8)g, (Uint8)b, 255);
  SDL_RenderFillRect(a->ren, &rc);
}

static void frame(struct app *a, int x, int y, int w, int h, int r, int g, int b)
{
  SDL_Rect rc = {x, y, w, h};
  SDL_SetRenderDrawColor(a->ren, (Uint8)r, (Uint8)g, (Uint8)b, 255);
  SDL_RenderDrawRect(a->ren, &rc);
}

static struct m78v_layer *cur(struct app *a) { return a->run.n ? &a->run.layers[a->sel] : NULL; }

static int is_bars(const struct m78v_layer *l) { return l->t.h == 1 && l->t.w == 1; }
static int is_strips(const struct m78v_layer *l) { return !is_bars(l) && l->t.w == 1; }
static int has_rgb(const struct m78v_layer *l) { return l->index < 0 && l->t.c == 3; }

/* Tiles of the entry: channels, plus the RGB picture first for an input. */
static int ntiles(const struct m78v_layer *l) { return l->t.c + (has_rgb(l) ? 1 : 0); }

static void shape_text(const int s[3], char *buf, size_t len)
{
  if (s[0] > 0)
    snprintf(buf, len, "%dx%dx%d", s[0], s[1], s[2]);
  else
    snprintf(buf, len, "-");
}

static const char *layer_name(const struct m78v_layer *l, char *buf, size_t len)
{
  if (l->index < 0)
    snprintf(buf, len, "in");
  else
    snprintf(buf, len, "%d", l->index);
  return buf;
}

/* The synthesizer's layer names (from the firmware's network description)
 * for the layers the report does not name; again after every reload. */
static void apply_names(struct app *a)
{
  for (int i = 0; i < a->run.n; i++) {
    struct m78v_layer *l = &a->run.layers[i];
    if (l->index >= 0 && l->index < a->o->n_layer_names && a->o->layer_names[l->index] && !l->name[0])
      snprintf(l->name, sizeof l->name, "%s", a->o->layer_names[l->index]);
  }
}

/* A channel whose every value is 0 (drawn as such, not as a black tile). */
static int all_zero(const struct m78v_layer *l, int c)
{
  size_t plane = (size_t)l->t.w * (size_t)l->t.h;
  const int32_t *v = l->t.v + (size_t)c * plane;
  for (size_t i = 0; i < plane; i++)
    if (v[i])
      return 0;
  return 1;
}

/* ---- textures of the selected entry ---- */

static void free_textures(struct app *a)
{
  for (int i = 0; i < a->ntex; i++)
    SDL_DestroyTexture(a->tex[i]);
  free(a->tex);
  a->tex = NULL;
  a->ntex = 0;
  if (a->rgb)
    SDL_DestroyTexture(a->rgb);
  a->rgb = NULL;
  a->tex_entry = -1;
}

static void build_textures(struct app *a)
{
  if (a->tex_entry == a->sel)
    return;
  free_textures(a);
  struct m78v_layer *l = cur(a);
  if (!l || !l->has_data || is_bars(l) || is_strips(l))
    return;
  int w = l->t.w, h = l->t.h;
  size_t plane = (size_t)w * (size_t)h;
  uint32_t *px = m78cli_xmalloc(plane * sizeof *px);
  a->tex = m78cli_xmalloc((size_t)l->t.c * sizeof *a->tex);
  for (int c = 0; c < l->t.c; c++) {
    const int32_t *v = l->t.v + (size_t)c * plane;
    const uint8_t *mm = l->comparable ? l->mismatch + (size_t)c * plane : NULL;
    for (size_t i = 0; i < plane; i++) {
      uint8_t rgb[3];
      if (mm && mm[i])
        rgb[0] = 255, rgb[1] = 0, rgb[2] = 255;
      else
        m78v_heat(v[i], l->t.maxabs, rgb);
      px[i] = 0xFF000000u | (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    }
    a->tex[c] = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (a->tex[c])
      SDL_UpdateTexture(a->tex[c], NULL, px, w * 4);
    a->ntex++;
  }
  if (has_rgb(l)) {
    /* signed input bytes back to 0..255 pixels (izer feeds pixel - 128) */
    for (size_t i = 0; i < plane; i++) {
      uint32_t r = (uint32_t)(l->t.v[i] + 128) & 0xFF, g = (uint32_t)(l->t.v[plane + i] + 128) & 0xFF,
               b = (uint32_t)(l->t.v[2 * plane + i] + 128) & 0xFF;
      px[i] = 0xFF000000u | r << 16 | g << 8 | b;
    }
    a->rgb = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (a->rgb)
      SDL_UpdateTexture(a->rgb, NULL, px, w * 4);
  }
  free(px);
  a->tex_entry = a->sel;
}

/* ---- geometry ---- */

/* The timeline: a row of layers by cycles (back to back, in layer order),
 * a time axis under it, a row by energy; row labels on the left. */
#define TL_LABEL_COLS 8
static int tl_x0(const struct app *a) { return 8 + TL_LABEL_COLS * a->char_w; }
static double tl_span(const struct app *a) { return a->W - tl_x0(a) - 8; }
#define TL_CYCLES_Y 4
#define TL_BAR_H 14
#define TL_AXIS_Y (TL_CYCLES_Y + TL_BAR_H + 1)
#define TL_ENERGY_Y (TL_AXIS_Y + 26)

static SDL_Rect main_area(const struct app *a)
{
  SDL_Rect r = {LIST_W + 8, HEADER_H + 24, a->W - LIST_W - 16, a->H - HEADER_H - 24 - TIMELINE_H - STATUS_H - 4};
  return r;
}

static void grid_of(const struct app *a, const struct m78v_layer *l, struct m78v_grid *g)
{
  SDL_Rect m = main_area(a);
  m78v_grid_fit(ntiles(l), l->t.w, l->t.h, m.w, m.h, a->zoom, g);
}

/* Rectangle of tile k's data pixels (inside its 1-pixel border). */
static SDL_Rect tile_rect(const struct app *a, const struct m78v_grid *g, int k)
{
  SDL_Rect m = main_area(a);
  int col = k % g->cols, row = k / g->cols;
  SDL_Rect r = {m.x + (int)a->pan_x + col * g->cell_w + g->pad_x + M78V_GAP / 2 + 1,
                m.y + (int)a->pan_y + row * g->cell_h + g->pad_y + M78V_LABEL_H + 1, g->tile_w, g->tile_h};
  return r;
}

/* Shown channel of tile k (-1: the RGB picture). */
static int tile_channel(const struct m78v_layer *l, int k) { return has_rgb(l) ? k - 1 : k; }

static int strip_h(const struct app *a, const struct m78v_layer *l)
{
  SDL_Rect m = main_area(a);
  int h = (int)((double)m.h / (l->t.c ? l->t.c : 1) * a->zoom);
  return h < 2 ? 2 : h > 40 ? 40 : h;
}

static int strip_x0(void) { return 44; }

static struct hit hit_test(struct app *a, int x, int y)
{
  struct hit h = {0, 0, -1, -1, -1};
  struct m78v_layer *l = cur(a);
  /* layer list */
  int list_y0 = HEADER_H + 24;
  if (x < LIST_W && y >= list_y0 && y < a->H - TIMELINE_H - STATUS_H) {
    int row = (y - list_y0) / ROW_H;
    if (row >= 0 && row < a->run.n) {
      h.kind = 2;
      h.entry = row;
    }
    return h;
  }
  /* timeline */
  int ty = a->H - STATUS_H - TIMELINE_H;
  if (y >= ty && y < a->H - STATUS_H) {
    double total = 0;
    for (int i = 0; i < a->run.n; i++)
      total += a->run.layers[i].index >= 0 ? a->run.layers[i].cycles : 0;
    double xx = tl_x0(a);
    double span = tl_span(a);
    for (int i = 0; i < a->run.n; i++) {
      const struct m78v_layer *e = &a->run.layers[i];
      if (e->index < 0)
        continue;
      double w = total > 0 ? span * e->cycles / total : span / a->run.n;
      if (w < 3)
        w = 3;
      if (x >= xx && x < xx + w) {
        h.kind = 3;
        h.entry = i;
        return h;
      }
      xx += w;
    }
    return h;
  }
  if (!l || !l->has_data)
    return h;
  SDL_Rect m = main_area(a);
  if (x < m.x || y < m.y || x >= m.x + m.w || y >= m.y + m.h)
    return h;
  if (is_bars(l)) {
    int bw = m.w / (l->t.c ? l->t.c : 1);
    if (bw < 1)
      bw = 1;
    int c = (x - m.x) / bw;
    if (c >= 0 && c < l->t.c) {
      h.kind = 1;
      h.channel = c;
      h.row = h.col = 0;
    }
    return h;
  }
  if (is_strips(l)) {
    int sh = strip_h(a, l);
    int c = (int)floor((y - m.y - a->pan_y) / sh);
    double len = (m.w - strip_x0()) * a->zoom;
    int r = (int)floor((x - m.x - strip_x0() - a->pan_x) / len * l->t.h);
    if (c >= 0 && c < l->t.c && r >= 0 && r < l->t.h) {
      h.kind = 1;
      h.channel = c;
      h.row = r;
      h.col = 0;
    }
    return h;
  }
  struct m78v_grid g;
  grid_of(a, l, &g);
  for (int k = 0; k < ntiles(l); k++) {
    SDL_Rect r = tile_rect(a, &g, k);
    if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) {
      h.kind = 1;
      h.channel = tile_channel(l, k);
      h.col = (int)((x - r.x) / g.scale);
      h.row = (int)((y - r.y) / g.scale);
      if (h.col >= l->t.w)
        h.col = l->t.w - 1;
      if (h.row >= l->t.h)
        h.row = l->t.h - 1;
      return h;
    }
  }
  return h;
}

/* ---- drawing ---- */

static void draw_header(struct app *a)
{
  const struct m78v_run *r = &a->run;
  int x = 8;
  x += text(a, x, 4, C_TEXT, "%s", a->o->title ? a->o->title : r->title[0] ? r->title : "max78sim");
  if (r->kat[0])
    x += text(a, x + 12, 4, strcmp(r->kat, "pass") == 0 ? C_GREEN : strcmp(r->kat, "fail") == 0 ? C_RED : C_DIM,
              "check: %s", r->kat) + 12;
  if (r->inference_cycles > 0)
    x += text(a, x + 12, 4, C_TEXT, "inference %.0f cycles, %.2f us at %.0f MHz", r->inference_cycles,
              r->inference_us, r->cnn_hz / 1e6) + 12;
  if (r->energy_uj >= 0)
    text(a, x + 12, 4, C_TEXT, "energy %.2f uJ", r->energy_uj);
  else
    text(a, x + 12, 4, C_DIM, "energy n/a");
  int y2 = 4 + a->font_h + 4;
  if (a->o->step_file) {
    const char *p = a->progress;
    if (strncmp(p, "done", 4) == 0 || (a->o->run_finished && *a->o->run_finished))
      text(a, 8, y2, C_GREEN, "live: run finished");
    else if (!p[0] || strncmp(p, "start", 5) == 0)
      text(a, 8, y2, C_YELLOW, "live: waiting for layer 0 (Space: run the next layer, c: run to the end)");
    else
      text(a, 8, y2, C_YELLOW, "live: layer %ld done (Space: run the next layer, c: run to the end)", atol(p));
  } else if (r->compare) {
    size_t bad = 0, layers_bad = 0, cmp = 0;
    for (int i = 0; i < r->n; i++) {
      bad += r->layers[i].n_mismatch;
      layers_bad += r->layers[i].n_mismatch > 0;
      cmp += r->layers[i].comparable;
    }
    if (layers_bad)
      text(a, 8, y2, C_RED, "compare: %zu of %zu layers differ, %zu values in all (f: first mismatch, n: next)",
           layers_bad, cmp, bad);
    else
      text(a, 8, y2, C_GREEN, "compare: all %zu compared layers match", cmp);
  } else if (r->n_classes) {
    char outs[256] = "";
    size_t k = 0;
    for (int i = 0; i < r->n_classes && k < sizeof outs; i++)
      k += (size_t)snprintf(outs + k, sizeof outs - k, "%s%s %.0f", i ? ", " : "", r->class_name[i], r->class_value[i]);
    int px = text(a, 8, y2, C_YELLOW, "prediction: %s (%.1f%%)", r->pred_class, 100 * r->pred_confidence);
    text(a, 8 + px + 12, y2, C_DIM, "outputs: %s", outs);
  }
  /* (the status bar says "h: help"; once is enough) */
  fill(a, 0, HEADER_H - 1, a->W, 1, 60, 60, 70);
}

static void format_energy(const struct m78v_layer *l, char *buf, size_t len)
{
  if (l->energy_uj >= 0)
    snprintf(buf, len, "%.2f", l->energy_uj);
  else
    snprintf(buf, len, "n/a");
}

static void draw_list(struct app *a)
{
  int y = HEADER_H + 4;
  text(a, 8, y, C_DIM, "%-3s %-9s %-7s %-10s %-10s %7s %8s %6s", "#", "name", "op", "in", "out", "cycles", "us",
       "uJ");
  y += 20;
  for (int i = 0; i < a->run.n; i++, y += ROW_H) {
    const struct m78v_layer *l = &a->run.layers[i];
    if (y + ROW_H > a->H - TIMELINE_H - STATUS_H)
      break;
    if (i == a->sel)
      fill(a, 2, y - 1, LIST_W - 4, ROW_H, 50, 60, 90);
    char idx[16], in[24], out[24], en[16], cyc[24], us[24];
    layer_name(l, idx, sizeof idx);
    shape_text(l->in, in, sizeof in);
    shape_text(l->out, out, sizeof out);
    format_energy(l, en, sizeof en);
    if (l->index < 0) {
      snprintf(cyc, sizeof cyc, "-");
      snprintf(us, sizeof us, "-");
      snprintf(en, sizeof en, "-");
    } else {
      snprintf(cyc, sizeof cyc, "%.0f", l->cycles);
      snprintf(us, sizeof us, "%.2f", l->time_us);
    }
    SDL_Color c = !l->executed || l->error[0] ? C_RED : l->n_mismatch ? C_RED : C_TEXT;
    text(a, 8, y, c, "%-3s %-9.9s %-7.7s %-10s %-10s %7s %8s %6s", idx, l->name[0] ? l->name : "-", l->op, in, out,
         cyc, us, en);
    if (a->run.compare && l->has_expected)
      fill(a, LIST_W - 10, y + 4, 6, 6, l->n_mismatch ? 255 : !l->comparable ? 150 : 60,
           l->n_mismatch ? 60 : !l->comparable ? 150 : 200, l->n_mismatch ? 60 : !l->comparable ? 150 : 60);
  }
  fill(a, LIST_W, HEADER_H, 1, a->H - HEADER_H - TIMELINE_H - STATUS_H, 60, 60, 70);
}

/* A round step for about TARGET ticks over TOTAL (1, 2 or 5 times a power of 10). */
static double nice_step(double total, int target)
{
  double raw = total / (target > 0 ? target : 1);
  double p = pow(10, floor(log10(raw > 0 ? raw : 1)));
  return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

static void draw_timeline(struct app *a)
{
  int ty = a->H - STATUS_H - TIMELINE_H;
  fill(a, 0, ty, a->W, 1, 60, 60, 70);
  double total = 0, etotal = 0, us = 0;
  int have_energy = 0;
  for (int i = 0; i < a->run.n; i++) {
    const struct m78v_layer *l = &a->run.layers[i];
    if (l->index < 0)
      continue;
    total += l->cycles;
    us += l->time_us;
    if (l->energy_uj >= 0) {
      etotal += l->energy_uj;
      have_energy = 1;
    }
  }
  double span = tl_span(a), x0 = tl_x0(a), x = x0, ex = x0;
  text(a, 8, ty + TL_CYCLES_Y, C_DIM, "time");
  text(a, 8, ty + TL_ENERGY_Y, C_DIM, "energy");
  for (int i = 0, k = 0; i < a->run.n; i++) {
    const struct m78v_layer *l = &a->run.layers[i];
    if (l->index < 0)
      continue;
    double w = total > 0 ? span * l->cycles / total : span / a->run.n;
    if (w < 3)
      w = 3;
    int sel = i == a->sel;
    int r = sel ? 255 : l->n_mismatch ? 200 : k % 2 ? 90 : 120;
    int g = sel ? 220 : l->n_mismatch ? 60 : k % 2 ? 110 : 140;
    int b = sel ? 0 : l->n_mismatch ? 60 : k % 2 ? 150 : 170;
    fill(a, (int)x, ty + TL_CYCLES_Y, (int)ceil(w) - 1, TL_BAR_H, r, g, b);
    if (have_energy) {
      double ew = etotal > 0 && l->energy_uj > 0 ? span * l->energy_uj / etotal : 0;
      if (ew > 0)
        fill(a, (int)ex, ty + TL_ENERGY_Y, (int)ceil(ew) - 1, TL_BAR_H, r, g, b);
      ex += ew;
    }
    x += w;
    k++;
  }
  /* the time axis: the layers' time, back to back (streaming layers overlap
   * on the chip; the report's inference time is the real span) */
  if (us > 0) {
    double step = nice_step(us, (int)(span / (12 * a->char_w)));
    int last_end = -1000;
    for (double t = 0; t <= us * 1.0000001; t += step) {
      int tx = (int)(x0 + span * t / us);
      fill(a, tx, ty + TL_AXIS_Y, 1, 4, 170, 170, 170);
      char lab[32];
      snprintf(lab, sizeof lab, "%g", t);
      int lw = (int)strlen(lab) * a->char_w;
      int lx = t == 0 ? tx : tx - lw / 2;
      if (lx > last_end + a->char_w && lx + lw + 6 * a->char_w < x0 + span)
        last_end = lx + text(a, lx, ty + TL_AXIS_Y + 4, C_DIM, "%s", lab);
    }
    int uw = 9 * a->char_w;
    text(a, (int)(x0 + span) - uw, ty + TL_AXIS_Y + 4, C_DIM, "%7.0f us", us);
  }
  if (!have_energy)
    text(a, (int)x0, ty + TL_ENERGY_Y, C_DIM, "n/a (this report has no energy figures)");
}

static void draw_legend(struct app *a, int x, int y, const struct m78v_layer *l)
{
  int w = 120;
  for (int i = 0; i < w; i++) {
    uint8_t rgb[3];
    m78v_heat((int32_t)llround(((double)i / (w - 1) * 2 - 1) * l->t.maxabs), l->t.maxabs, rgb);
    fill(a, x + i, y + 3, 1, 10, rgb[0], rgb[1], rgb[2]);
  }
  text(a, x - 8 - 8 * a->char_w, y, C_DIM, "%8d", -l->t.maxabs);
  text(a, x + w + 6, y, C_DIM, "%d", l->t.maxabs);
}

static void draw_tiles(struct app *a, struct m78v_layer *l)
{
  struct m78v_grid g;
  grid_of(a, l, &g);
  build_textures(a);
  SDL_Rect m = main_area(a);
  SDL_RenderSetClipRect(a->ren, &m);
  for (int k = 0; k < ntiles(l); k++) {
    SDL_Rect r = tile_rect(a, &g, k);
    if (r.x > m.x + m.w || r.y > m.y + m.h || r.x + r.w < m.x || r.y + r.h < m.y - M78V_LABEL_H)
      continue;
    int c = tile_channel(l, k);
    SDL_Texture *t = c < 0 ? a->rgb : c < a->ntex ? a->tex[c] : NULL;
    int zero = c >= 0 && all_zero(l, c);
    if (zero && l->comparable) { /* a mismatch must stay visible */
      size_t plane = (size_t)l->t.w * (size_t)l->t.h;
      for (size_t i = 0; i < plane && zero; i++)
        zero = !l->mismatch[(size_t)c * plane + i];
    }
    if (zero) {
      /* not a black picture: a channel that is 0 everywhere (often a
       * zero-weight or ReLU-dead output), in flat grey and said so */
      fill(a, r.x, r.y, r.w, r.h, M78V_ZERO_R, M78V_ZERO_G, M78V_ZERO_B);
      if (r.w >= 5 * a->char_w && r.h >= a->font_h)
        text(a, r.x + (r.w - 5 * a->char_w) / 2, r.y + (r.h - a->font_h) / 2, C_DIM, "all 0");
    } else if (t) {
      SDL_RenderCopy(a->ren, t, NULL, &r);
    }
    frame(a, r.x - 1, r.y - 1, r.w + 2, r.h + 2, M78V_BORDER_R, M78V_BORDER_G, M78V_BORDER_B);
    int bad = 0;
    if (c >= 0 && l->comparable) {
      size_t plane = (size_t)l->t.w * (size_t)l->t.h;
      for (size_t i = 0; i < plane && !bad; i++)
        bad = l->mismatch[(size_t)c * plane + i];
    }
    if (bad)
      frame(a, r.x - 2, r.y - 2, r.w + 4, r.h + 4, 255, 60, 60);
    if (c == a->chan && c >= 0)
      frame(a, r.x - 3, r.y - 3, r.w + 6, r.h + 6, 255, 220, 0);
    if (g.cell_w >= 5 * a->char_w) {
      if (c < 0)
        text(a, r.x - 1, r.y - M78V_LABEL_H - 1, C_TEXT, "RGB");
      else if (l->t.slot && g.cell_w >= 11 * a->char_w)
        text(a, r.x - 1, r.y - M78V_LABEL_H - 1, bad ? C_RED : C_DIM, "c%d s%d", c, l->t.slot[c]);
      else
        text(a, r.x - 1, r.y - M78V_LABEL_H - 1, bad ? C_RED : C_DIM,
             zero && !(r.w >= 5 * a->char_w && r.h >= a->font_h) ? "c%d =0" : "c%d", c);
    }
  }
  /* mark the first mismatch of this layer */
  if (l->comparable && l->first_mismatch >= 0) {
    size_t plane = (size_t)l->t.w * (size_t)l->t.h;
    int c = (int)(l->first_mismatch / (long)plane);
    int p = (int)(l->first_mismatch % (long)plane);
    SDL_Rect r = tile_rect(a, &g, has_rgb(l) ? c + 1 : c);
    int px = r.x + (int)((p % l->t.w) * g.scale), py = r.y + (int)((p / l->t.w) * g.scale);
    int s = (int)ceil(g.scale);
    frame(a, px - 4, py - 4, s + 8, s + 8, 255, 255, 255);
    frame(a, px - 5, py - 5, s + 10, s + 10, 0, 0, 0);
  }
  SDL_RenderSetClipRect(a->ren, NULL);
}

static void draw_bars(struct app *a, struct m78v_layer *l)
{
  SDL_Rect m = main_area(a);
  int n = l->t.c;
  int bw = m.w / (n ? n : 1);
  if (bw < 1)
    bw = 1;
  int zero = m.y + m.h / 2;
  double half = m.h / 2.0 - 2 * a->font_h - 8; /* room for a value and the label below a negative bar */
  fill(a, m.x, zero, m.w, 1, 100, 100, 100);
  for (int c = 0; c < n; c++) {
    int32_t v = l->t.v[c];
    uint8_t rgb[3];
    m78v_heat(v, l->t.maxabs, rgb);
    int h = (int)lround(fabs((double)v) / l->t.maxabs * half);
    int x = m.x + c * bw;
    int y = v >= 0 ? zero - h : zero + 1;
    fill(a, x + (bw > 3 ? 1 : 0), y, bw > 3 ? bw - 2 : bw, h ? h : 1, rgb[0] < 40 && rgb[2] < 40 ? 80 : rgb[0],
         rgb[1], rgb[2] < 40 && rgb[0] < 40 ? 80 : rgb[2]);
    if (l->comparable && l->mismatch[c]) {
      int eh = (int)lround(fabs((double)l->expected[c]) / l->t.maxabs * half);
      int ey = l->expected[c] >= 0 ? zero - eh : zero + eh;
      fill(a, x, ey - 1, bw, 3, 255, 0, 255);
      frame(a, x, y - 2, bw, h + 4, 255, 0, 255);
    }
    if (c == a->chan)
      frame(a, x, m.y, bw, m.h, 255, 220, 0);
    if (bw >= 6 * a->char_w) {
      text(a, x + 2, v >= 0 ? y - a->font_h - 2 : y + h + 2, C_TEXT, "%d", v);
      /* the classes of a model's prediction name the last layer's outputs */
      if (a->run.n_classes == n && l == &a->run.layers[a->run.n - 1])
        text(a, x + 2, m.y + m.h - a->font_h, strcmp(a->run.class_name[c], a->run.pred_class) ? C_DIM : C_YELLOW,
             "c%d %s%s", c, a->run.class_name[c], strcmp(a->run.class_name[c], a->run.pred_class) ? "" : " (predicted)");
      else
        text(a, x + 2, m.y + m.h - a->font_h, C_DIM, "c%d", c);
    }
  }
}

static void draw_strips(struct app *a, struct m78v_layer *l)
{
  SDL_Rect m = main_area(a);
  int sh = strip_h(a, l);
  double len = (m.w - strip_x0()) * a->zoom;
  SDL_RenderSetClipRect(a->ren, &m);
  for (int c = 0; c < l->t.c; c++) {
    int y = m.y + (int)a->pan_y + c * sh;
    if (y + sh < m.y || y > m.y + m.h)
      continue;
    if (sh >= a->font_h)
      text(a, m.x, y + (sh - a->font_h) / 2, c == a->chan ? C_YELLOW : C_DIM, "c%d", c);
    for (int r = 0; r < l->t.h; r++) {
      size_t i = (size_t)c * (size_t)l->t.h + (size_t)r;
      int x0 = m.x + strip_x0() + (int)a->pan_x + (int)floor(len * r / l->t.h);
      int x1 = m.x + strip_x0() + (int)a->pan_x + (int)floor(len * (r + 1) / l->t.h);
      uint8_t rgb[3];
      if (l->comparable && l->mismatch[i])
        rgb[0] = 255, rgb[1] = 0, rgb[2] = 255;
      else
        m78v_heat(l->t.v[i], l->t.maxabs, rgb);
      fill(a, x0, y, x1 - x0 > 0 ? x1 - x0 : 1, sh > 2 ? sh - 1 : sh, rgb[0], rgb[1], rgb[2]);
    }
    if (c == a->chan)
      frame(a, m.x + strip_x0() + (int)a->pan_x - 1, y - 1, (int)len + 2, sh + 1, 255, 220, 0);
  }
  SDL_RenderSetClipRect(a->ren, NULL);
}

static void draw_main(struct app *a)
{
  struct m78v_layer *l = cur(a);
  if (!l)
    return;
  char in[24], out[24];
  shape_text(l->in, in, sizeof in);
  shape_text(l->out, out, sizeof out);
  int y = HEADER_H + 4;
  int x = LIST_W + 8;
  if (l->index < 0)
    x += text(a, x, y, C_TEXT, "input %dx%dx%d%s", l->t.c, l->t.h, l->t.w,
              has_rgb(l) ? " (RGB picture: value + 128)" : "");
  else
    x += text(a, x, y, C_TEXT, "layer %d%s%s%s  %s  %s -> %s", l->index, l->name[0] ? " (" : "", l->name,
              l->name[0] ? ")" : "", l->op, in, out);
  if (l->has_data) {
    x += text(a, x + 16, y, l->t.elsize == 4 ? C_YELLOW : C_DIM, "%s, colours +/-%d",
              l->t.elsize == 4 ? "32-bit output" : "8-bit", l->t.maxabs) + 16;
    draw_legend(a, a->W - 200, y, l);
  }
  if (l->error[0] && !l->has_data) {
    text(a, LIST_W + 16, HEADER_H + 40, C_RED, "%s", l->error);
    return;
  }
  if (!l->has_data) {
    text(a, LIST_W + 16, HEADER_H + 40, C_DIM, "no output was dumped for this layer");
    return;
  }
  if (l->has_expected && !l->comparable)
    text(a, LIST_W + 16, a->H - STATUS_H - TIMELINE_H - 20, C_DIM, "not compared: %s", l->cmp_note);
  if (is_bars(l))
    draw_bars(a, l);
  else if (is_strips(l))
    draw_strips(a, l);
  else
    draw_tiles(a, l);
}

static void draw_status(struct app *a)
{
  int y = a->H - STATUS_H + 3;
  fill(a, 0, a->H - STATUS_H, a->W, 1, 60, 60, 70);
  struct hit h = hit_test(a, a->mx, a->my);
  struct m78v_layer *l = cur(a);
  if (h.kind == 1 && l && h.channel >= 0) {
    size_t i = ((size_t)h.channel * (size_t)l->t.h + (size_t)h.row) * (size_t)l->t.w + (size_t)h.col;
    char slot[32] = "", exp[64] = "";
    if (l->t.slot)
      snprintf(slot, sizeof slot, " (slot %d)", l->t.slot[h.channel]);
    if (l->comparable)
      snprintf(exp, sizeof exp, "  expected %d%s", l->expected[i], l->mismatch[i] ? "  MISMATCH" : "");
    char who[16];
    layer_name(l, who, sizeof who);
    char pos[48];
    if (is_bars(l))
      pos[0] = '\0';
    else if (is_strips(l))
      snprintf(pos, sizeof pos, "  position %d", h.row);
    else
      snprintf(pos, sizeof pos, "  row %d  col %d", h.row, h.col);
    text(a, 8, y, l->comparable && l->mismatch[i] ? C_RED : C_TEXT, "%s %s  channel %d%s%s  value %d%s",
         l->index < 0 ? "input" : "layer", l->index < 0 ? "" : who, h.channel, slot, pos, l->t.v[i], exp);
  } else if (h.kind == 1 && l) {
    text(a, 8, y, C_TEXT, "input  RGB  row %d  col %d", h.row, h.col);
  } else if (h.kind == 3 || h.kind == 2) {
    const struct m78v_layer *e = &a->run.layers[h.entry];
    char en[16];
    format_energy(e, en, sizeof en);
    if (e->index < 0)
      text(a, 8, y, C_TEXT, "input: %s", e->desc);
    else
      text(a, 8, y, C_TEXT, "layer %d%s%s%s: %s  |  %.0f cycles, %.2f us, energy %s%s", e->index,
           e->name[0] ? " (" : "", e->name, e->name[0] ? ")" : "", e->desc[0] ? e->desc : e->op, e->cycles, e->time_us,
           en, e->energy_uj >= 0 ? " uJ" : "");
  } else {
    text(a, 8, y, C_DIM, "%s", a->message[0] ? a->message : "h: help   q: quit");
  }
}

static void draw_help(struct app *a)
{
  static const char *const lines[] = {
      "Keys",
      "Up / Down, PageUp / PageDown   previous / next layer (Home / End: first / last)",
      "Left / Right                  previous / next channel",
      "+ / -  (or mouse wheel)       zoom in / out;  0: fit",
      "Shift + arrows (or drag)      pan",
      "f / n                         compare mode: first mismatch / next mismatching layer",
      "Space / c                     live mode: run the next layer / run to the end",
      "s                             save a screenshot (PNG)",
      "h                             this help",
      "q / Escape                    quit",
      "",
      "Mouse: hover for channel, row, column and value; click a layer, a channel or the timeline.",
      "Colours: 0 is black, positive values red to yellow, negative blue to cyan,",
      "a flat grey tile marked 'all 0' is a channel that is 0 everywhere,",
      "symmetric around zero and scaled to the layer's largest magnitude (legend top right).",
      "Magenta: values that differ from the expected data (compare mode).",
  };
  int n = (int)(sizeof lines / sizeof lines[0]);
  size_t longest = 0;
  for (int i = 0; i < n; i++)
    if (strlen(lines[i]) > longest)
      longest = strlen(lines[i]);
  int w = (int)(longest + 4) * a->char_w, h = (n + 1) * (a->font_h + 4);
  int x = (a->W - w) / 2, y = (a->H - h) / 2;
  SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_BLEND);
  SDL_SetRenderDrawColor(a->ren, 10, 10, 14, 235);
  SDL_Rect r = {x, y, w, h};
  SDL_RenderFillRect(a->ren, &r);
  SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_NONE);
  frame(a, x, y, w, h, 200, 200, 200);
  for (int i = 0; i < n; i++)
    text(a, x + 12, y + 8 + i * (a->font_h + 4), i == 0 ? C_YELLOW : C_TEXT, "%s", lines[i]);
}

static void render(struct app *a)
{
  SDL_SetRenderDrawColor(a->ren, BG, 255);
  SDL_RenderClear(a->ren);
  draw_header(a);
  draw_list(a);
  draw_main(a);
  draw_timeline(a);
  draw_status(a);
  if (a->help)
    draw_help(a);
}

/* ---- actions ---- */

static void select_entry(struct app *a, int e)
{
  if (a->run.n == 0)
    return;
  if (e < 0)
    e = 0;
  if (e >= a->run.n)
    e = a->run.n - 1;
  if (e != a->sel) {
    a->sel = e;
    a->pan_x = a->pan_y = 0;
    a->zoom = 1;
    struct m78v_layer *l = cur(a);
    if (a->chan >= l->t.c)
      a->chan = l->t.c - 1;
  }
}

/* Keeps the selected channel's tile on screen. */
static void reveal_channel(struct app *a)
{
  struct m78v_layer *l = cur(a);
  if (!l || !l->has_data || a->chan < 0 || is_bars(l))
    return;
  SDL_Rect m = main_area(a);
  if (is_strips(l)) {
    int sh = strip_h(a, l);
    int y = m.y + (int)a->pan_y + a->chan * sh;
    if (y < m.y)
      a->pan_y += m.y - y;
    else if (y + sh > m.y + m.h)
      a->pan_y -= y + sh - (m.y + m.h);
    return;
  }
  struct m78v_grid g;
  grid_of(a, l, &g);
  SDL_Rect r = tile_rect(a, &g, has_rgb(l) ? a->chan + 1 : a->chan);
  if (r.x < m.x)
    a->pan_x += m.x - r.x + 4;
  else if (r.x + r.w > m.x + m.w)
    a->pan_x -= r.x + r.w - (m.x + m.w) + 4;
  if (r.y - M78V_LABEL_H < m.y)
    a->pan_y += m.y - (r.y - M78V_LABEL_H) + 4;
  else if (r.y + r.h > m.y + m.h)
    a->pan_y -= r.y + r.h - (m.y + m.h) + 4;
}

static void jump_to_mismatch(struct app *a, int entry)
{
  if (entry < 0 || entry >= a->run.n)
    return;
  select_entry(a, entry);
  struct m78v_layer *l = cur(a);
  if (l->first_mismatch >= 0) {
    size_t plane = (size_t)l->t.w * (size_t)l->t.h;
    a->chan = (int)(l->first_mismatch / (long)plane);
    reveal_channel(a);
  }
}

static int write_png(struct app *a, const char *path)
{
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->W, a->H, 32, SDL_PIXELFORMAT_ARGB8888);
  if (!s) {
    set_message(a, "screenshot: %s", SDL_GetError());
    return -1;
  }
  int rc = -1;
  char *tmp = m78cli_xasprintf("%s.tmp%ld.png", path, (long)getpid());
  if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
    set_message(a, "screenshot: %s", SDL_GetError());
  else if (IMG_SavePNG(s, tmp) != 0)
    set_message(a, "%s: %s", path, IMG_GetError());
  else if (rename(tmp, path) != 0)
    set_message(a, "%s: %s", path, strerror(errno));
  else
    rc = 0;
  if (rc != 0)
    unlink(tmp);
  free(tmp);
  SDL_FreeSurface(s);
  return rc;
}

static void save_screenshot(struct app *a)
{
  const char *dir = a->o->save_dir ? a->o->save_dir : ".";
  struct m78v_layer *l = cur(a);
  char *path = NULL;
  for (int k = 1; k < 10000; k++) {
    free(path);
    if (l && l->index >= 0)
      path = m78cli_xasprintf("%s/max78sim-L%02d-%d.png", dir, l->index, k);
    else
      path = m78cli_xasprintf("%s/max78sim-input-%d.png", dir, k);
    if (access(path, F_OK) != 0)
      break;
  }
  render(a); /* the picture without the message */
  if (write_png(a, path) == 0) {
    set_message(a, "saved %s", path);
    if (a->o->verbose)
      printf("saved %s\n", path);
  }
  free(path);
}

static void write_step(struct app *a, long allowed)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", allowed);
  if (m78cli_write_file_atomic(a->o->step_file, buf, (size_t)n) == 0)
    a->allowed = allowed;
  else
    set_message(a, "%s: %s", a->o->step_file, strerror(errno));
}

static void change_zoom(struct app *a, double f)
{
  double z = a->zoom * f;
  if (z < 1.0 / 16)
    z = 1.0 / 16;
  if (z > 64)
    z = 64;
  a->zoom = z;
}

static void handle_key(struct app *a, const SDL_Keysym *k)
{
  struct m78v_layer *l = cur(a);
  int shift = (k->mod & KMOD_SHIFT) != 0;
  int nch = l ? l->t.c : 0;
  switch (k->sym) {
  case SDLK_q:
  case SDLK_ESCAPE: a->quit = 1; break;
  case SDLK_h: a->help = !a->help; break;
  case SDLK_UP:
    if (shift)
      a->pan_y += 64;
    else
      select_entry(a, a->sel - 1);
    break;
  case SDLK_DOWN:
    if (shift)
      a->pan_y -= 64;
    else
      select_entry(a, a->sel + 1);
    break;
  case SDLK_PAGEUP: select_entry(a, a->sel - 1); break;
  case SDLK_PAGEDOWN: select_entry(a, a->sel + 1); break;
  case SDLK_HOME: select_entry(a, 0); break;
  case SDLK_END: select_entry(a, a->run.n - 1); break;
  case SDLK_LEFT:
    if (shift)
      a->pan_x += 64;
    else if (nch) {
      a->chan = a->chan <= 0 ? nch - 1 : a->chan - 1;
      reveal_channel(a);
    }
    break;
  case SDLK_RIGHT:
    if (shift)
      a->pan_x -= 64;
    else if (nch) {
      a->chan = a->chan + 1 >= nch ? 0 : a->chan + 1;
      reveal_channel(a);
    }
    break;
  case SDLK_PLUS:
  case SDLK_EQUALS:
  case SDLK_KP_PLUS: change_zoom(a, 2); break;
  case SDLK_MINUS:
  case SDLK_KP_MINUS: change_zoom(a, 0.5); break;
  case SDLK_0:
  case SDLK_KP_0:
    a->zoom = 1;
    a->pan_x = a->pan_y = 0;
    break;
  case SDLK_f:
    if (a->run.first_mismatch_layer >= 0)
      jump_to_mismatch(a, a->run.first_mismatch_layer);
    else
      set_message(a, a->run.compare ? "no mismatch" : "not in compare mode (--compare DIR)");
    break;
  case SDLK_n:
    if (a->run.compare) {
      int found = -1;
      for (int i = 1; i <= a->run.n && found < 0; i++) {
        int e = (a->sel + i) % a->run.n;
        if (a->run.layers[e].n_mismatch)
          found = e;
      }
      if (found >= 0)
        jump_to_mismatch(a, found);
      else
        set_message(a, "no mismatch");
    }
    break;
  case SDLK_s: save_screenshot(a); break;
  case SDLK_SPACE:
    if (a->o->step_file) {
      long done = strncmp(a->progress, "start", 5) == 0 || !a->progress[0] ? -1 : atol(a->progress);
      write_step(a, done + 1 > a->allowed ? done + 1 : a->allowed);
    }
    break;
  case SDLK_c:
    if (a->o->step_file)
      write_step(a, 1000000);
    break;
  default: return;
  }
  if (a->o->verbose) {
    char who[16] = "-";
    if ((l = cur(a)))
      snprintf(who, sizeof who, l->index < 0 ? "input" : "%d", l->index);
    printf("key %s: layer %s channel %d zoom %g help %d\n", SDL_GetKeyName(k->sym), who, a->chan, a->zoom, a->help);
    fflush(stdout);
  }
}

static void handle_click(struct app *a, int x, int y)
{
  struct hit h = hit_test(a, x, y);
  if (h.kind == 2 || h.kind == 3)
    select_entry(a, h.entry);
  else if (h.kind == 1 && h.channel >= 0)
    a->chan = h.channel;
}

/* ---- live mode ---- */

/* Reloads the files when the firmware says it got further.  Returns 1 if
 * anything changed. */
static int poll_live(struct app *a)
{
  if (!a->o->progress_file)
    return 0;
  char *p = m78cli_read_file(a->o->progress_file, NULL);
  int finished = a->o->run_finished && *a->o->run_finished;
  int changed = 0;
  if (p && strcmp(p, a->progress) != 0) {
    snprintf(a->progress, sizeof a->progress, "%s", p);
    changed = 1;
    if (a->o->verbose && isdigit((unsigned char)p[0]))
      printf("live: layer %ld done\n", atol(p));
  }
  free(p);
  if (finished && !a->finished_seen) {
    a->finished_seen = 1;
    changed = 1;
    if (a->o->verbose)
      printf("live: run finished\n");
  }
  fflush(stdout);
  if (!changed)
    return 0;
  int index = a->run.n ? cur(a)->index : -2;
  struct m78v_run run;
  char err[512];
  if (m78v_run_load(&run, a->o->dump_dir, a->o->report, err, sizeof err) == 0) {
    if (a->o->compare)
      m78v_run_compare(&run, a->o->compare, a->o->dump_dir, err, sizeof err);
    free_textures(a);
    m78v_run_free(&a->run);
    a->run = run;
    apply_names(a);
    /* follow the run: show the newest layer */
    int newest = a->run.n - 1;
    while (newest > 0 && !a->run.layers[newest].has_data)
      newest--;
    int k = index == -2 ? newest : m78v_find_layer(&a->run, index);
    if (index != -2 && k >= 0 && k + 1 == newest)
      k = newest;
    a->sel = k >= 0 ? k : 0;
  }
  return 1;
}

/* Live mode: the firmware is running a layer we allowed (the next
 * injected key waits for it, so tests step deterministically). */
static int live_busy(const struct app *a)
{
  if (!a->o->step_file || a->finished_seen || strncmp(a->progress, "done", 4) == 0)
    return 0;
  long done = isdigit((unsigned char)a->progress[0]) ? atol(a->progress) : -1;
  return done < a->allowed;
}

/* One SDL event; returns 1 when the picture must be redrawn. */
static int handle_event(struct app *a, SDL_Event *e)
{
  SDL_Event ev = *e;
  int dirty = 0;
  switch (ev.type) {
  case SDL_QUIT: a->quit = 1; break;
  case SDL_KEYDOWN:
    if (a->run.n || ev.key.keysym.sym == SDLK_q || ev.key.keysym.sym == SDLK_ESCAPE ||
        ev.key.keysym.sym == SDLK_SPACE || ev.key.keysym.sym == SDLK_c)
      handle_key(a, &ev.key.keysym);
    dirty = 1;
    break;
  case SDL_MOUSEMOTION:
    a->mx = ev.motion.x;
    a->my = ev.motion.y;
    if (a->dragging) {
      a->pan_x = a->drag_px + (a->mx - a->drag_x);
      a->pan_y = a->drag_py + (a->my - a->drag_y);
    }
    dirty = 1;
    break;
  case SDL_MOUSEBUTTONDOWN:
    if (ev.button.button == SDL_BUTTON_LEFT && a->run.n) {
      handle_click(a, ev.button.x, ev.button.y);
      SDL_Rect m = main_area(a);
      if (ev.button.x >= m.x && ev.button.y >= m.y && ev.button.x < m.x + m.w && ev.button.y < m.y + m.h) {
        a->dragging = 1;
        a->drag_x = ev.button.x;
        a->drag_y = ev.button.y;
        a->drag_px = a->pan_x;
        a->drag_py = a->pan_y;
      }
    }
    dirty = 1;
    break;
  case SDL_MOUSEBUTTONUP: a->dragging = 0; break;
  case SDL_MOUSEWHEEL:
    if (a->run.n)
      change_zoom(a, ev.wheel.y > 0 ? 2 : 0.5);
    dirty = 1;
    break;
  case SDL_WINDOWEVENT:
    if (ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
      SDL_GetRendererOutputSize(a->ren, &a->W, &a->H);
    dirty = 1;
    break;
  default: break;
  }
  return dirty;
}

/* ---- setup ---- */

static int open_font(struct app *a)
{
  const char *env = getenv("M78SIM_FONT");
  const char *path = env && *env ? env : DEFAULT_FONT;
  a->font = TTF_OpenFont(path, FONT_PT);
  if (!a->font) {
    snprintf(a->err, sizeof a->err, "cannot open the font %s (%s): install fonts-dejavu-core or set M78SIM_FONT",
             path, TTF_GetError());
    return -1;
  }
  a->font_h = TTF_FontHeight(a->font);
  int adv = 7;
  if (TTF_GlyphMetrics(a->font, 'M', NULL, NULL, NULL, NULL, &adv) != 0)
    adv = 7;
  a->char_w = adv;
  a->list_w = LIST_COLS * adv + 16;
  return 0;
}

static void split_inject(struct app *a, const char *spec)
{
  if (!spec)
    return;
  char *copy = m78cli_xstrdup(spec), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    a->inject = m78cli_xrealloc(a->inject, (size_t)(a->ninject + 1) * sizeof *a->inject);
    a->inject[a->ninject++] = m78cli_xstrdup(t);
  }
  free(copy);
}

/* Pushes the next injected key as SDL events (down and up). */
static int push_injected(struct app *a)
{
  if (a->next_inject >= a->ninject)
    return 0;
  const char *name = a->inject[a->next_inject++];
  int mx, my;
  char what[8];
  SDL_Event ev;
  memset(&ev, 0, sizeof ev);
  if (sscanf(name, "%7[a-z]:%d:%d", what, &mx, &my) == 3 && (!strcmp(what, "mouse") || !strcmp(what, "click"))) {
    ev.type = SDL_MOUSEMOTION;
    ev.motion.windowID = SDL_GetWindowID(a->win);
    ev.motion.x = mx;
    ev.motion.y = my;
    SDL_PushEvent(&ev);
    if (!strcmp(what, "click")) {
      memset(&ev, 0, sizeof ev);
      ev.type = SDL_MOUSEBUTTONDOWN;
      ev.button.windowID = SDL_GetWindowID(a->win);
      ev.button.button = SDL_BUTTON_LEFT;
      ev.button.state = SDL_PRESSED;
      ev.button.clicks = 1;
      ev.button.x = mx;
      ev.button.y = my;
      SDL_PushEvent(&ev);
      ev.type = SDL_MOUSEBUTTONUP;
      ev.button.state = SDL_RELEASED;
      SDL_PushEvent(&ev);
    }
    return 1;
  }
  SDL_Keycode key = SDL_GetKeyFromName(name);
  if (key == SDLK_UNKNOWN) {
    fprintf(stderr, "%s: --inject-keys: unknown key name %s\n", m78cli_prog(), name);
    return 0;
  }
  ev.type = SDL_KEYDOWN;
  ev.key.state = SDL_PRESSED;
  ev.key.keysym.sym = key;
  ev.key.keysym.scancode = SDL_GetScancodeFromKey(key);
  ev.key.windowID = SDL_GetWindowID(a->win);
  SDL_PushEvent(&ev);
  ev.type = SDL_KEYUP;
  ev.key.state = SDL_RELEASED;
  SDL_PushEvent(&ev);
  return 1;
}

static void initial_selection(struct app *a)
{
  const struct m78viz_opts *o = a->o;
  a->sel = 0;
  a->chan = -1;
  if (o->layer_set) {
    int k = m78v_find_layer(&a->run, o->layer);
    a->sel = k >= 0 ? k : 0; /* checked by the caller */
  } else if (a->run.compare && a->run.first_mismatch_layer >= 0) {
    jump_to_mismatch(a, a->run.first_mismatch_layer);
  } else {
    /* layer 0 rather than the input, if there is one */
    int k = m78v_find_layer(&a->run, 0);
    a->sel = k >= 0 ? k : 0;
  }
  if (o->channel >= 0)
    a->chan = o->channel < cur(a)->t.c ? o->channel : cur(a)->t.c - 1;
}

/* --log-keys: what the first frame shows beyond pixels (tests). */
static void print_shown(struct app *a)
{
  int layers = 0, named = 0;
  const char *first = NULL, *last = NULL;
  for (int i = 0; i < a->run.n; i++) {
    const struct m78v_layer *l = &a->run.layers[i];
    if (l->index < 0)
      continue;
    layers++;
    if (l->name[0]) {
      named++;
      first = first ? first : l->name;
      last = l->name;
    }
  }
  printf("names: %d of %d layers named", named, layers);
  if (named)
    printf(" (first %s, last %s)", first, last);
  printf("\n");
  if (a->run.n_classes) {
    printf("prediction: %s (%.1f%%):", a->run.pred_class, 100 * a->run.pred_confidence);
    for (int i = 0; i < a->run.n_classes; i++)
      printf("%s %s %.0f", i ? "," : "", a->run.class_name[i], a->run.class_value[i]);
    printf("\n");
  }
  const struct m78v_layer *l = cur(a);
  if (l && l->has_data && !is_bars(l) && !is_strips(l)) {
    int zero = 0;
    for (int c = 0; c < l->t.c; c++)
      zero += all_zero(l, c);
    printf("layer %d: %d all-zero channel%s marked\n", l->index, zero, zero == 1 ? "" : "s");
  }
  fflush(stdout);
}

static void print_compare_summary(struct app *a)
{
  const struct m78v_run *r = &a->run;
  int cmp = 0, bad = 0;
  for (int i = 0; i < r->n; i++) {
    cmp += r->layers[i].comparable;
    bad += r->layers[i].n_mismatch > 0;
  }
  if (r->first_mismatch_layer < 0) {
    printf("compare: all %d compared layers match\n", cmp);
  } else {
    const struct m78v_layer *l = &r->layers[r->first_mismatch_layer];
    size_t plane = (size_t)l->t.w * (size_t)l->t.h;
    long i = l->first_mismatch;
    char where[200];
    snprintf(where, sizeof where, "first mismatch: layer %d channel %ld row %ld col %ld: expected %d, got %d",
             l->index, i / (long)plane, (i % (long)plane) / l->t.w, (i % (long)plane) % l->t.w, l->expected[i],
             l->t.v[i]);
    printf("compare: %d of %d compared layers differ; %s (%zu of %zu values differ)\n", bad, cmp, where,
           l->n_mismatch, l->n_compared);
    set_message(a, "%s", where);
  }
  for (int i = 0; i < r->n; i++)
    if (r->layers[i].has_expected && !r->layers[i].comparable)
      printf("compare: layer %d not compared: %s\n", r->layers[i].index, r->layers[i].cmp_note);
  fflush(stdout);
}

int m78viz_main(const struct m78viz_opts *o)
{
  struct app app;
  struct app *a = &app;
  memset(a, 0, sizeof *a);
  a->o = o;
  a->zoom = 1;
  a->tex_entry = -1;
  a->allowed = o->step_file ? 0 : -1; /* the caller allows layer 0 */
  a->W = o->width > 0 ? o->width : M78VIZ_DEFAULT_W;
  a->H = o->height > 0 ? o->height : M78VIZ_DEFAULT_H;
  int rc = 2, sdl = 0, ttf = 0, img = 0;

  if (o->step_file)
    poll_live(a);
  if (!a->run.n && m78v_run_load(&a->run, o->dump_dir, o->report, a->err, sizeof a->err) != 0 && !o->step_file)
    goto out;
  if (o->compare && !o->step_file) {
    if (m78v_run_compare(&a->run, o->compare, o->dump_dir, a->err, sizeof a->err) != 0)
      goto out;
    print_compare_summary(a);
  }
  if (!a->run.n && !o->step_file) {
    snprintf(a->err, sizeof a->err, "%s: no layer data to show", o->dump_dir);
    goto out;
  }
  if (a->run.n && o->layer_set && m78v_find_layer(&a->run, o->layer) < 0 && !o->step_file) {
    if (o->layer < 0)
      snprintf(a->err, sizeof a->err, "--layer input: this run has no captured input");
    else
      snprintf(a->err, sizeof a->err, "--layer %d: no such layer (the run has %d)", o->layer,
               a->run.n - a->run.has_input);
    goto out;
  }
  apply_names(a);
  if (a->run.n)
    initial_selection(a);
  if (o->verbose && a->run.n)
    print_shown(a);

  if (o->screenshot)
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
  SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    snprintf(a->err, sizeof a->err, "cannot open a window: %s (no display? use --screenshot FILE.png)",
             SDL_GetError());
    goto out;
  }
  sdl = 1;
  const char *drv = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
  if (!o->screenshot && drv && (!asked || !*asked) && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
    /* SDL falls back to a driver without a screen: the window would be
     * invisible and wait forever */
    snprintf(a->err, sizeof a->err, "no display to open a window on (DISPLAY is not set); use --screenshot FILE.png");
    goto out;
  }
  if (TTF_Init() != 0) {
    snprintf(a->err, sizeof a->err, "SDL_ttf: %s", TTF_GetError());
    goto out;
  }
  ttf = 1;
  IMG_Init(IMG_INIT_PNG);
  img = 1;
  if (open_font(a) != 0)
    goto out;
  char title[300];
  snprintf(title, sizeof title, "max78sim - %.256s", o->title ? o->title : a->run.title[0] ? a->run.title : "viewer");
  a->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, a->W, a->H,
                            o->screenshot ? SDL_WINDOW_HIDDEN : SDL_WINDOW_RESIZABLE);
  if (!a->win) {
    snprintf(a->err, sizeof a->err, "cannot open a window: %s", SDL_GetError());
    goto out;
  }
  a->ren = SDL_CreateRenderer(a->win, -1, o->screenshot ? SDL_RENDERER_SOFTWARE : 0);
  if (!a->ren)
    a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
  if (!a->ren) {
    snprintf(a->err, sizeof a->err, "cannot create a renderer: %s", SDL_GetError());
    goto out;
  }
  SDL_GetRendererOutputSize(a->ren, &a->W, &a->H);
  if (o->verbose) {
    printf("video driver: %s\n", SDL_GetCurrentVideoDriver());
    fflush(stdout);
  }

  if (o->screenshot) {
    /* injected events act on the one frame that is rendered */
    split_inject(a, o->inject);
    while (a->next_inject < a->ninject) {
      push_injected(a);
      SDL_Event ev;
      while (SDL_PollEvent(&ev))
        handle_event(a, &ev);
    }
    render(a);
    if (write_png(a, o->screenshot) != 0) {
      snprintf(a->err, sizeof a->err, "%s", a->message);
      goto out;
    }
    rc = 0;
    goto out;
  }

  split_inject(a, o->inject);
  int dirty = 1;
  Uint32 last_poll = 0;
  while (!a->quit) {
    if (dirty) {
      render(a);
      SDL_RenderPresent(a->ren);
      dirty = 0;
      if (a->next_inject < a->ninject && !live_busy(a))
        push_injected(a);
    }
    SDL_Event ev;
    int got = SDL_WaitEventTimeout(&ev, o->step_file ? 50 : 250);
    if (o->step_file && SDL_GetTicks() - last_poll >= 100) {
      last_poll = SDL_GetTicks();
      if (poll_live(a)) {
        dirty = 1;
        if (a->run.n && a->chan >= cur(a)->t.c)
          a->chan = -1;
      }
    }
    if (!got)
      continue;
    do {
      dirty |= handle_event(a, &ev);
    } while (!a->quit && SDL_PollEvent(&ev));
  }
  rc = 0;

out:
  if (rc != 0 && a->err[0])
    m78cli_error("%s", a->err);
  free_textures(a);
  clear_cache(a);
  for (int i = 0; i < a->ninject; i++)
    free(a->inject[i]);
  free(a->inject);
  if (a->font)
    TTF_CloseFont(a->font);
  if (a->ren)
    SDL_DestroyRenderer(a->ren);
  if (a->win)
    SDL_DestroyWindow(a->win);
  if (img)
    IMG_Quit();
  if (ttf)
    TTF_Quit();
  if (sdl)
    SDL_Quit();
  m78v_run_free(&a->run);
  return rc;
}
