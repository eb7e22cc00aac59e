/*
 * The viewer's geometry: where the timeline, the tiles and the strips go,
 * and what a screen position points at (view.c has the overview).
 */
#define _GNU_SOURCE
#include "view.h"

#include <math.h>

/* ---- geometry ---- */

/* The timeline's row labels on the left (view.h has its rows). */
int m78vw_tl_x0(const struct app *a)
{
  return 8 + TL_LABEL_COLS * a->char_w;
}
double m78vw_tl_span(const struct app *a)
{
  return a->W - m78vw_tl_x0(a) - 8;
}

SDL_Rect m78vw_main_area(const struct app *a)
{
  SDL_Rect r = {LIST_W + 8, HEADER_H + 24, a->W - LIST_W - 16, a->H - HEADER_H - 24 - TIMELINE_H - STATUS_H - 4};
  return r;
}

void m78vw_grid_of(const struct app *a, const struct m78v_layer *l, struct m78v_grid *g)
{
  SDL_Rect m = m78vw_main_area(a);
  m78v_grid_fit(m78vw_ntiles(l), l->t.w, l->t.h, m.w, m.h, a->zoom, g);
}

/* Rectangle of tile k's data pixels (inside its 1-pixel border). */
SDL_Rect m78vw_tile_rect(const struct app *a, const struct m78v_grid *g, int k)
{
  SDL_Rect m = m78vw_main_area(a);
  int col = k % g->cols, row = k / g->cols;
  SDL_Rect r = {m.x + (int)a->pan_x + col * g->cell_w + g->pad_x + M78V_GAP / 2 + 1,
                m.y + (int)a->pan_y + row * g->cell_h + g->pad_y + M78V_LABEL_H + 1, g->tile_w, g->tile_h};
  return r;
}

/* Shown channel of tile k (-1: the RGB picture). */
int m78vw_tile_channel(const struct m78v_layer *l, int k)
{
  return m78vw_has_rgb(l) ? k - 1 : k;
}

int m78vw_strip_h(const struct app *a, const struct m78v_layer *l)
{
  SDL_Rect m = m78vw_main_area(a);
  int h = (int)((double)m.h / (l->t.c ? l->t.c : 1) * a->zoom);
  return h < 2 ? 2 : h > 40 ? 40 : h;
}

int m78vw_strip_x0(void)
{
  return 44;
}

struct hit m78vw_hit_test(struct app *a, int x, int y)
{
  struct hit h = {0, 0, -1, -1, -1};
  struct m78v_layer *l = m78vw_cur(a);
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
    double xx = m78vw_tl_x0(a);
    double span = m78vw_tl_span(a);
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
  SDL_Rect m = m78vw_main_area(a);
  if (x < m.x || y < m.y || x >= m.x + m.w || y >= m.y + m.h)
    return h;
  if (m78vw_is_bars(l)) {
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
  if (m78vw_is_strips(l)) {
    int sh = m78vw_strip_h(a, l);
    int c = (int)floor((y - m.y - a->pan_y) / sh);
    double len = (m.w - m78vw_strip_x0()) * a->zoom;
    int r = (int)floor((x - m.x - m78vw_strip_x0() - a->pan_x) / len * l->t.h);
    if (c >= 0 && c < l->t.c && r >= 0 && r < l->t.h) {
      h.kind = 1;
      h.channel = c;
      h.row = r;
      h.col = 0;
    }
    return h;
  }
  struct m78v_grid g;
  m78vw_grid_of(a, l, &g);
  for (int k = 0; k < m78vw_ntiles(l); k++) {
    SDL_Rect r = m78vw_tile_rect(a, &g, k);
    if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) {
      h.kind = 1;
      h.channel = m78vw_tile_channel(l, k);
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
