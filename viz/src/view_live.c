/*
 * The viewer following a running firmware (live mode), the injected keys
 * of tests, and the window's event loop (view.c has the overview).
 */
#define _GNU_SOURCE
#include "view.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m78host/util.h"

/* ---- live mode ---- */

/* Reloads the files when the firmware says it got further.  Returns 1 if
 * anything changed. */
int m78vw_poll_live(struct app *a)
{
  if (!a->o->progress_file)
    return 0;
  char *p = m78u_read_file(a->o->progress_file, NULL);
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
  int index = a->run.n ? m78vw_cur(a)->index : -2;
  struct m78v_run run;
  char err[512];
  if (m78v_run_load(&run, a->o->dump_dir, a->o->report, err, sizeof err) == 0) {
    if (a->o->compare)
      m78v_run_compare(&run, a->o->compare, a->o->dump_dir, err, sizeof err);
    m78vw_free_textures(a);
    m78v_run_free(&a->run);
    a->run = run;
    m78vw_apply_names(a);
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
int m78vw_live_busy(const struct app *a)
{
  if (!a->o->step_file || a->finished_seen || strncmp(a->progress, "done", 4) == 0)
    return 0;
  long done = isdigit((unsigned char)a->progress[0]) ? atol(a->progress) : -1;
  return done < a->allowed;
}

void m78vw_split_inject(struct app *a, const char *spec)
{
  if (!spec)
    return;
  char *copy = m78u_xstrdup(spec), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    a->inject = m78u_xrealloc(a->inject, (size_t)(a->ninject + 1) * sizeof *a->inject);
    a->inject[a->ninject++] = m78u_xstrdup(t);
  }
  free(copy);
}

/* Pushes the next injected key as SDL events (down and up). */
int m78vw_push_injected(struct app *a)
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
    fprintf(stderr, "%s: --inject-keys: unknown key name %s\n", m78u_prog(), name);
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

/* The window's loop: redraws when something changed, pushes the next
 * injected key once the firmware has caught up, polls the live files. */
void m78vw_event_loop(struct app *a)
{
  const struct m78viz_opts *o = a->o;
  int dirty = 1;
  Uint32 last_poll = 0;
  while (!a->quit) {
    if (dirty) {
      m78vw_render(a);
      SDL_RenderPresent(a->ren);
      dirty = 0;
      if (a->next_inject < a->ninject && !m78vw_live_busy(a))
        m78vw_push_injected(a);
    }
    SDL_Event ev;
    int got = SDL_WaitEventTimeout(&ev, o->step_file ? 50 : 250);
    if (o->step_file && SDL_GetTicks() - last_poll >= 100) {
      last_poll = SDL_GetTicks();
      if (m78vw_poll_live(a)) {
        dirty = 1;
        if (a->run.n && a->chan >= m78vw_cur(a)->t.c)
          a->chan = -1;
      }
    }
    if (!got)
      continue;
    do {
      dirty |= m78vw_handle_event(a, &ev);
    } while (!a->quit && SDL_PollEvent(&ev));
  }
}
