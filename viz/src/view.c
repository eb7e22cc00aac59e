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
#include "view.h"

#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m78host/util.h"
#include "max78sim/env.h"

/* ---- setup ---- */

static int open_font(struct app *a)
{
  const char *env = getenv(M78ENV_FONT);
  const char *path = env && *env ? env : DEFAULT_FONT;
  a->font = TTF_OpenFont(path, FONT_PT);
  if (!a->font) {
    snprintf(a->err, sizeof a->err, "cannot open the font %s (%s): install fonts-dejavu-core or set M78SIM_FONT", path,
             TTF_GetError());
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

static void initial_selection(struct app *a)
{
  const struct m78viz_opts *o = a->o;
  a->sel = 0;
  a->chan = -1;
  if (o->layer_set) {
    int k = m78v_find_layer(&a->run, o->layer);
    a->sel = k >= 0 ? k : 0; /* checked by the caller */
  } else if (a->run.compare && a->run.first_mismatch_layer >= 0) {
    m78vw_jump_to_mismatch(a, a->run.first_mismatch_layer);
  } else {
    /* layer 0 rather than the input, if there is one */
    int k = m78v_find_layer(&a->run, 0);
    a->sel = k >= 0 ? k : 0;
  }
  if (o->channel >= 0)
    a->chan = o->channel < m78vw_cur(a)->t.c ? o->channel : m78vw_cur(a)->t.c - 1;
}

/* --log-keys: what the first m78vw_frame shows beyond pixels (tests). */
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
  const struct m78v_layer *l = m78vw_cur(a);
  if (l && l->has_data && !m78vw_is_bars(l) && !m78vw_is_strips(l)) {
    int zero = 0;
    for (int c = 0; c < l->t.c; c++)
      zero += m78vw_all_zero(l, c);
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
    snprintf(where, sizeof where, "first mismatch: layer %d channel %ld row %ld col %ld: expected %d, got %d", l->index,
             i / (long)plane, (i % (long)plane) / l->t.w, (i % (long)plane) % l->t.w, l->expected[i], l->t.v[i]);
    printf("compare: %d of %d compared layers differ; %s (%zu of %zu values differ)\n", bad, cmp, where, l->n_mismatch,
           l->n_compared);
    m78vw_set_message(a, "%s", where);
  }
  for (int i = 0; i < r->n; i++)
    if (r->layers[i].has_expected && !r->layers[i].comparable)
      printf("compare: layer %d not compared: %s\n", r->layers[i].index, r->layers[i].cmp_note);
  fflush(stdout);
}

void m78viz_no_dbus_autolaunch(void)
{
  const char *a = getenv("DBUS_SESSION_BUS_ADDRESS");
  if (!a || !*a)
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/max78sim-no-session-bus", 1);
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
    m78vw_poll_live(a);
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
  m78vw_apply_names(a);
  if (a->run.n)
    initial_selection(a);
  if (o->verbose && a->run.n)
    print_shown(a);

  m78viz_no_dbus_autolaunch();
  if (o->screenshot)
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
  SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    snprintf(a->err, sizeof a->err, "cannot open a window: %s (no display? use --screenshot FILE.png)", SDL_GetError());
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
    /* injected events act on the one m78vw_frame that is rendered */
    m78vw_split_inject(a, o->inject);
    while (a->next_inject < a->ninject) {
      m78vw_push_injected(a);
      SDL_Event ev;
      while (SDL_PollEvent(&ev))
        m78vw_handle_event(a, &ev);
    }
    m78vw_render(a);
    if (m78vw_write_png(a, o->screenshot) != 0) {
      snprintf(a->err, sizeof a->err, "%s", a->message);
      goto out;
    }
    rc = 0;
    goto out;
  }

  m78vw_split_inject(a, o->inject);
  m78vw_event_loop(a);
  rc = 0;

out:
  if (rc != 0 && a->err[0])
    m78u_error("%s", a->err);
  m78vw_free_textures(a);
  m78vw_clear_cache(a);
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
