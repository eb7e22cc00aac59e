/*
 * Drawing one frame of the viewer: cached text, the selected entry's
 * textures, the header, list, timeline, tiles, bars, strips, status line
 * and help (view.c has the overview).
 */
#define _GNU_SOURCE
#include "view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m78host/util.h"

/* ---- helpers ---- */

void m78vw_set_message(struct app *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->message, sizeof a->message, fmt, ap);
  va_end(ap);
}

void m78vw_clear_cache(struct app *a)
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
    m78vw_clear_cache(a);
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
  e->s = m78u_xstrdup(s);
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

void m78vw_frame(struct app *a, int x, int y, int w, int h, int r, int g, int b)
{
  SDL_Rect rc = {x, y, w, h};
  SDL_SetRenderDrawColor(a->ren, (Uint8)r, (Uint8)g, (Uint8)b, 255);
  SDL_RenderDrawRect(a->ren, &rc);
}

struct m78v_layer *m78vw_cur(struct app *a)
{
  return a->run.n ? &a->run.layers[a->sel] : NULL;
}

int m78vw_is_bars(const struct m78v_layer *l)
{
  return l->t.h == 1 && l->t.w == 1;
}
int m78vw_is_strips(const struct m78v_layer *l)
{
  return !m78vw_is_bars(l) && l->t.w == 1;
}
int m78vw_has_rgb(const struct m78v_layer *l)
{
  return l->index < 0 && l->t.c == 3;
}

/* Tiles of the entry: channels, plus the RGB picture first for an input. */
int m78vw_ntiles(const struct m78v_layer *l)
{
  return l->t.c + (m78vw_has_rgb(l) ? 1 : 0);
}

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
void m78vw_apply_names(struct app *a)
{
  for (int i = 0; i < a->run.n; i++) {
    struct m78v_layer *l = &a->run.layers[i];
    if (l->index >= 0 && l->index < a->o->n_layer_names && a->o->layer_names[l->index] && !l->name[0])
      snprintf(l->name, sizeof l->name, "%s", a->o->layer_names[l->index]);
  }
}

/* A channel whose every value is 0 (drawn as such, not as a black tile). */
int m78vw_all_zero(const struct m78v_layer *l, int c)
{
  size_t plane = (size_t)l->t.w * (size_t)l->t.h;
  const int32_t *v = l->t.v + (size_t)c * plane;
  for (size_t i = 0; i < plane; i++)
    if (v[i])
      return 0;
  return 1;
}

/* ---- textures of the selected entry ---- */

void m78vw_free_textures(struct app *a)
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
  m78vw_free_textures(a);
  struct m78v_layer *l = m78vw_cur(a);
  if (!l || !l->has_data || m78vw_is_bars(l) || m78vw_is_strips(l))
    return;
  int w = l->t.w, h = l->t.h;
  size_t plane = (size_t)w * (size_t)h;
  uint32_t *px = m78u_xmalloc(plane * sizeof *px);
  a->tex = m78u_xmalloc((size_t)l->t.c * sizeof *a->tex);
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
  if (m78vw_has_rgb(l)) {
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

/* ---- drawing ---- */

static void draw_header(struct app *a)
{
  const struct m78v_run *r = &a->run;
  int x = 8;
  x += text(a, x, 4, C_TEXT, "%s", a->o->title ? a->o->title : r->title[0] ? r->title : "max78sim");
  if (r->kat[0])
    x += text(a, x + 12, 4,
              strcmp(r->kat, "pass") == 0   ? C_GREEN
              : strcmp(r->kat, "fail") == 0 ? C_RED
                                            : C_DIM,
              "check: %s", r->kat) +
         12;
  if (r->inference_cycles > 0)
    x += text(a, x + 12, 4, C_TEXT, "inference %.0f cycles, %.2f us at %.0f MHz", r->inference_cycles, r->inference_us,
              r->cnn_hz / 1e6) +
         12;
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
  text(a, 8, y, C_DIM, "%-3s %-9s %-7s %-10s %-10s %7s %8s %6s", "#", "name", "op", "in", "out", "cycles", "us", "uJ");
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
    text(a, 8, y, c, "%-3s %-9.9s %-7.7s %-10s %-10s %7s %8s %6s", idx, l->name[0] ? l->name : "-", l->op, in, out, cyc,
         us, en);
    if (a->run.compare && l->has_expected)
      fill(a, LIST_W - 10, y + 4, 6, 6,
           l->n_mismatch    ? 255
           : !l->comparable ? 150
                            : 60,
           l->n_mismatch    ? 60
           : !l->comparable ? 150
                            : 200,
           l->n_mismatch    ? 60
           : !l->comparable ? 150
                            : 60);
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
  double span = m78vw_tl_span(a), x0 = m78vw_tl_x0(a), x = x0, ex = x0;
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
  m78vw_grid_of(a, l, &g);
  build_textures(a);
  SDL_Rect m = m78vw_main_area(a);
  SDL_RenderSetClipRect(a->ren, &m);
  for (int k = 0; k < m78vw_ntiles(l); k++) {
    SDL_Rect r = m78vw_tile_rect(a, &g, k);
    if (r.x > m.x + m.w || r.y > m.y + m.h || r.x + r.w < m.x || r.y + r.h < m.y - M78V_LABEL_H)
      continue;
    int c = m78vw_tile_channel(l, k);
    SDL_Texture *t = c < 0 ? a->rgb : c < a->ntex ? a->tex[c] : NULL;
    int zero = c >= 0 && m78vw_all_zero(l, c);
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
    m78vw_frame(a, r.x - 1, r.y - 1, r.w + 2, r.h + 2, M78V_BORDER_R, M78V_BORDER_G, M78V_BORDER_B);
    int bad = 0;
    if (c >= 0 && l->comparable) {
      size_t plane = (size_t)l->t.w * (size_t)l->t.h;
      for (size_t i = 0; i < plane && !bad; i++)
        bad = l->mismatch[(size_t)c * plane + i];
    }
    if (bad)
      m78vw_frame(a, r.x - 2, r.y - 2, r.w + 4, r.h + 4, 255, 60, 60);
    if (c == a->chan && c >= 0)
      m78vw_frame(a, r.x - 3, r.y - 3, r.w + 6, r.h + 6, 255, 220, 0);
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
    SDL_Rect r = m78vw_tile_rect(a, &g, m78vw_has_rgb(l) ? c + 1 : c);
    int px = r.x + (int)((p % l->t.w) * g.scale), py = r.y + (int)((p / l->t.w) * g.scale);
    int s = (int)ceil(g.scale);
    m78vw_frame(a, px - 4, py - 4, s + 8, s + 8, 255, 255, 255);
    m78vw_frame(a, px - 5, py - 5, s + 10, s + 10, 0, 0, 0);
  }
  SDL_RenderSetClipRect(a->ren, NULL);
}

static void draw_bars(struct app *a, struct m78v_layer *l)
{
  SDL_Rect m = m78vw_main_area(a);
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
    fill(a, x + (bw > 3 ? 1 : 0), y, bw > 3 ? bw - 2 : bw, h ? h : 1, rgb[0] < 40 && rgb[2] < 40 ? 80 : rgb[0], rgb[1],
         rgb[2] < 40 && rgb[0] < 40 ? 80 : rgb[2]);
    if (l->comparable && l->mismatch[c]) {
      int eh = (int)lround(fabs((double)l->expected[c]) / l->t.maxabs * half);
      int ey = l->expected[c] >= 0 ? zero - eh : zero + eh;
      fill(a, x, ey - 1, bw, 3, 255, 0, 255);
      m78vw_frame(a, x, y - 2, bw, h + 4, 255, 0, 255);
    }
    if (c == a->chan)
      m78vw_frame(a, x, m.y, bw, m.h, 255, 220, 0);
    if (bw >= 6 * a->char_w) {
      text(a, x + 2, v >= 0 ? y - a->font_h - 2 : y + h + 2, C_TEXT, "%d", v);
      /* the classes of a model's prediction name the last layer's outputs */
      if (a->run.n_classes == n && l == &a->run.layers[a->run.n - 1])
        text(a, x + 2, m.y + m.h - a->font_h, strcmp(a->run.class_name[c], a->run.pred_class) ? C_DIM : C_YELLOW,
             "c%d %s%s", c, a->run.class_name[c],
             strcmp(a->run.class_name[c], a->run.pred_class) ? "" : " (predicted)");
      else
        text(a, x + 2, m.y + m.h - a->font_h, C_DIM, "c%d", c);
    }
  }
}

static void draw_strips(struct app *a, struct m78v_layer *l)
{
  SDL_Rect m = m78vw_main_area(a);
  int sh = m78vw_strip_h(a, l);
  double len = (m.w - m78vw_strip_x0()) * a->zoom;
  SDL_RenderSetClipRect(a->ren, &m);
  for (int c = 0; c < l->t.c; c++) {
    int y = m.y + (int)a->pan_y + c * sh;
    if (y + sh < m.y || y > m.y + m.h)
      continue;
    if (sh >= a->font_h)
      text(a, m.x, y + (sh - a->font_h) / 2, c == a->chan ? C_YELLOW : C_DIM, "c%d", c);
    for (int r = 0; r < l->t.h; r++) {
      size_t i = (size_t)c * (size_t)l->t.h + (size_t)r;
      int x0 = m.x + m78vw_strip_x0() + (int)a->pan_x + (int)floor(len * r / l->t.h);
      int x1 = m.x + m78vw_strip_x0() + (int)a->pan_x + (int)floor(len * (r + 1) / l->t.h);
      uint8_t rgb[3];
      if (l->comparable && l->mismatch[i])
        rgb[0] = 255, rgb[1] = 0, rgb[2] = 255;
      else
        m78v_heat(l->t.v[i], l->t.maxabs, rgb);
      fill(a, x0, y, x1 - x0 > 0 ? x1 - x0 : 1, sh > 2 ? sh - 1 : sh, rgb[0], rgb[1], rgb[2]);
    }
    if (c == a->chan)
      m78vw_frame(a, m.x + m78vw_strip_x0() + (int)a->pan_x - 1, y - 1, (int)len + 2, sh + 1, 255, 220, 0);
  }
  SDL_RenderSetClipRect(a->ren, NULL);
}

static void draw_main(struct app *a)
{
  struct m78v_layer *l = m78vw_cur(a);
  if (!l)
    return;
  char in[24], out[24];
  shape_text(l->in, in, sizeof in);
  shape_text(l->out, out, sizeof out);
  int y = HEADER_H + 4;
  int x = LIST_W + 8;
  if (l->index < 0)
    x += text(a, x, y, C_TEXT, "input %dx%dx%d%s", l->t.c, l->t.h, l->t.w,
              m78vw_has_rgb(l) ? " (RGB picture: value + 128)" : "");
  else
    x += text(a, x, y, C_TEXT, "layer %d%s%s%s  %s  %s -> %s", l->index, l->name[0] ? " (" : "", l->name,
              l->name[0] ? ")" : "", l->op, in, out);
  if (l->has_data) {
    x += text(a, x + 16, y, l->t.elsize == 4 ? C_YELLOW : C_DIM, "%s, colours +/-%d",
              l->t.elsize == 4 ? "32-bit output" : "8-bit", l->t.maxabs) +
         16;
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
  if (m78vw_is_bars(l))
    draw_bars(a, l);
  else if (m78vw_is_strips(l))
    draw_strips(a, l);
  else
    draw_tiles(a, l);
}

static void draw_status(struct app *a)
{
  int y = a->H - STATUS_H + 3;
  fill(a, 0, a->H - STATUS_H, a->W, 1, 60, 60, 70);
  struct hit h = m78vw_hit_test(a, a->mx, a->my);
  struct m78v_layer *l = m78vw_cur(a);
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
    if (m78vw_is_bars(l))
      pos[0] = '\0';
    else if (m78vw_is_strips(l))
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
  m78vw_frame(a, x, y, w, h, 200, 200, 200);
  for (int i = 0; i < n; i++)
    text(a, x + 12, y + 8 + i * (a->font_h + 4), i == 0 ? C_YELLOW : C_TEXT, "%s", lines[i]);
}

void m78vw_render(struct app *a)
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
