/*
 * The viewer's actions: selection, zoom, screenshots and the live step,
 * from keys, clicks and SDL events (view.c has the overview).
 */
#define _GNU_SOURCE
#include "view.h"

#include <SDL_image.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "m78host/util.h"

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
    struct m78v_layer *l = m78vw_cur(a);
    if (a->chan >= l->t.c)
      a->chan = l->t.c - 1;
  }
}

/* Keeps the selected channel's tile on screen. */
static void reveal_channel(struct app *a)
{
  struct m78v_layer *l = m78vw_cur(a);
  if (!l || !l->has_data || a->chan < 0 || m78vw_is_bars(l))
    return;
  SDL_Rect m = m78vw_main_area(a);
  if (m78vw_is_strips(l)) {
    int sh = m78vw_strip_h(a, l);
    int y = m.y + (int)a->pan_y + a->chan * sh;
    if (y < m.y)
      a->pan_y += m.y - y;
    else if (y + sh > m.y + m.h)
      a->pan_y -= y + sh - (m.y + m.h);
    return;
  }
  struct m78v_grid g;
  m78vw_grid_of(a, l, &g);
  SDL_Rect r = m78vw_tile_rect(a, &g, m78vw_has_rgb(l) ? a->chan + 1 : a->chan);
  if (r.x < m.x)
    a->pan_x += m.x - r.x + 4;
  else if (r.x + r.w > m.x + m.w)
    a->pan_x -= r.x + r.w - (m.x + m.w) + 4;
  if (r.y - M78V_LABEL_H < m.y)
    a->pan_y += m.y - (r.y - M78V_LABEL_H) + 4;
  else if (r.y + r.h > m.y + m.h)
    a->pan_y -= r.y + r.h - (m.y + m.h) + 4;
}

void m78vw_jump_to_mismatch(struct app *a, int entry)
{
  if (entry < 0 || entry >= a->run.n)
    return;
  select_entry(a, entry);
  struct m78v_layer *l = m78vw_cur(a);
  if (l->first_mismatch >= 0) {
    size_t plane = (size_t)l->t.w * (size_t)l->t.h;
    a->chan = (int)(l->first_mismatch / (long)plane);
    reveal_channel(a);
  }
}

int m78vw_write_png(struct app *a, const char *path)
{
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->W, a->H, 32, SDL_PIXELFORMAT_ARGB8888);
  if (!s) {
    m78vw_set_message(a, "screenshot: %s", SDL_GetError());
    return -1;
  }
  int rc = -1;
  char *tmp = m78u_xasprintf("%s.tmp%ld.png", path, (long)getpid());
  if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
    m78vw_set_message(a, "screenshot: %s", SDL_GetError());
  else if (IMG_SavePNG(s, tmp) != 0)
    m78vw_set_message(a, "%s: %s", path, IMG_GetError());
  else if (rename(tmp, path) != 0)
    m78vw_set_message(a, "%s: %s", path, strerror(errno));
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
  struct m78v_layer *l = m78vw_cur(a);
  char *path = NULL;
  for (int k = 1; k < 10000; k++) {
    free(path);
    if (l && l->index >= 0)
      path = m78u_xasprintf("%s/max78sim-L%02d-%d.png", dir, l->index, k);
    else
      path = m78u_xasprintf("%s/max78sim-input-%d.png", dir, k);
    if (access(path, F_OK) != 0)
      break;
  }
  m78vw_render(a); /* the picture without the message */
  if (m78vw_write_png(a, path) == 0) {
    m78vw_set_message(a, "saved %s", path);
    if (a->o->verbose)
      printf("saved %s\n", path);
  }
  free(path);
}

static void write_step(struct app *a, long allowed)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", allowed);
  if (m78u_write_file_atomic(a->o->step_file, buf, (size_t)n) == 0)
    a->allowed = allowed;
  else
    m78vw_set_message(a, "%s: %s", a->o->step_file, strerror(errno));
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
  struct m78v_layer *l = m78vw_cur(a);
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
      m78vw_jump_to_mismatch(a, a->run.first_mismatch_layer);
    else
      m78vw_set_message(a, a->run.compare ? "no mismatch" : "not in compare mode (--compare DIR)");
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
        m78vw_jump_to_mismatch(a, found);
      else
        m78vw_set_message(a, "no mismatch");
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
    if ((l = m78vw_cur(a)))
      snprintf(who, sizeof who, l->index < 0 ? "input" : "%d", l->index);
    printf("key %s: layer %s channel %d zoom %g help %d\n", SDL_GetKeyName(k->sym), who, a->chan, a->zoom, a->help);
    fflush(stdout);
  }
}

static void handle_click(struct app *a, int x, int y)
{
  struct hit h = m78vw_hit_test(a, x, y);
  if (h.kind == 2 || h.kind == 3)
    select_entry(a, h.entry);
  else if (h.kind == 1 && h.channel >= 0)
    a->chan = h.channel;
}

/* One SDL event; returns 1 when the picture must be redrawn. */
int m78vw_handle_event(struct app *a, SDL_Event *e)
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
      SDL_Rect m = m78vw_main_area(a);
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
