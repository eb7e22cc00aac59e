/*
 * The viewer as a loadable module (viz.h, m78viz_module_api) and the
 * image decoder the CLI's --input uses: both need SDL, which the CLI
 * loads only through this module.
 */
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "viz.h"

int m78viz_load_rgb(const char *path, int *w, int *h, unsigned char **rgb, char *err, size_t len)
{
  *rgb = NULL;
  SDL_Surface *img = IMG_Load(path);
  if (!img) {
    snprintf(err, len, "%s: not a readable image: %s", path, IMG_GetError());
    return -1;
  }
  SDL_Surface *s = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_RGB24, 0);
  SDL_FreeSurface(img);
  if (!s) {
    snprintf(err, len, "%s: cannot convert the image to RGB: %s", path, SDL_GetError());
    return -1;
  }
  size_t row = 3 * (size_t)s->w;
  unsigned char *out = malloc(row * (size_t)s->h + 1);
  if (!out) {
    SDL_FreeSurface(s);
    snprintf(err, len, "%s: out of memory", path);
    return -1;
  }
  for (int y = 0; y < s->h; y++)
    memcpy(out + (size_t)y * row, (const unsigned char *)s->pixels + (size_t)y * (size_t)s->pitch, row);
  *w = s->w;
  *h = s->h;
  *rgb = out;
  SDL_FreeSurface(s);
  return 0;
}

int m78viz_save_rgb_png(const char *path, int w, int h, const unsigned char *rgb, char *err, size_t len)
{
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom((void *)rgb, w, h, 24, 3 * w, SDL_PIXELFORMAT_RGB24);
  if (!s) {
    snprintf(err, len, "%s: %s", path, SDL_GetError());
    return -1;
  }
  int rc = IMG_SavePNG(s, path) == 0 ? 0 : -1, e = errno; /* the caller reports errno */
  if (rc != 0)
    snprintf(err, len, "%s: cannot write: %s", path, IMG_GetError());
  SDL_FreeSurface(s);
  errno = e;
  return rc;
}

__attribute__((visibility("default"))) const struct m78viz_api *m78viz_module_api(void)
{
  static const struct m78viz_api api = {M78VIZ_API_VERSION, sizeof(struct m78viz_opts),
                                        m78viz_main,        m78viz_no_dbus_autolaunch,
                                        m78viz_load_rgb,    m78viz_save_rgb_png};
  return &api;
}
