/*
 * Checks the viewer's pictures and the captured input against data the
 * viewer does not produce itself (used by tests/scripts/viz_test.sh).
 *
 *   viz_check tiles PNG N WIDTH HEIGHT
 *       the PNG has the given size, is not uniform, and shows exactly N
 *       tiles of one size, found by their border colour (model.h)
 *   viz_check rgb PNG SAMPLEDATA_H
 *       the input picture, rebuilt from the firmware's sampledata.h
 *       (SAMPLE_INPUT_k = channel k, four pixels per word, a square
 *       image; pixel = value + 128), appears in the PNG at some integer
 *       scale, every pixel exact
 *   viz_check input INPUT_I8 SAMPLEDATA_H chw|hwc C H W
 *       the captured input equals sampledata.h read in that layout
 *       (chw: as above; hwc: one word per pixel, channel k in byte k)
 *   viz_check color PNG R G B MIN
 *       at least MIN pixels have exactly this colour
 *
 * Exit 0 when the check holds, 1 when it does not, 2 on bad input.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The border colour of tiles, as viz/src/model.h defines it. */
#include "model.h"

struct img {
  int w, h;
  uint32_t *px; /* 0x00RRGGBB */
};

static int load_png(const char *path, struct img *im)
{
  SDL_Surface *s = IMG_Load(path);
  if (!s) {
    fprintf(stderr, "viz_check: %s: %s\n", path, IMG_GetError());
    return -1;
  }
  SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
  SDL_FreeSurface(s);
  if (!c)
    return -1;
  im->w = c->w;
  im->h = c->h;
  im->px = malloc((size_t)c->w * (size_t)c->h * 4);
  for (int y = 0; y < c->h; y++)
    for (int x = 0; x < c->w; x++)
      im->px[(size_t)y * (size_t)c->w + (size_t)x] = ((uint32_t *)((uint8_t *)c->pixels +
                                                                   (size_t)y * (size_t)c->pitch))[x] &
                                                     0xFFFFFF;
  SDL_FreeSurface(c);
  return 0;
}

static uint32_t at(const struct img *im, int x, int y)
{
  if (x < 0 || y < 0 || x >= im->w || y >= im->h)
    return 0xFFFFFFFFu;
  return im->px[(size_t)y * (size_t)im->w + (size_t)x];
}

/* ---- sampledata.h ---- */

/* The words of every SAMPLE_INPUT_k array, in k order. */
struct sample {
  int n;
  uint32_t *w[64];
  size_t len[64];
};

static int read_sampledata(const char *path, struct sample *s)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return -1;
  }
  memset(s, 0, sizeof *s);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  size_t got = fread(text, 1, (size_t)size, f);
  text[got] = 0;
  fclose(f);
  char *p = text;
  while ((p = strstr(p, "#define SAMPLE_INPUT_")) && s->n < 64) {
    char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!close)
      break;
    size_t cap = 1024, n = 0;
    uint32_t *w = malloc(cap * 4);
    for (char *q = open; q < close;) {
      char *hex = strstr(q, "0x");
      if (!hex || hex > close)
        break;
      if (n == cap)
        w = realloc(w, (cap *= 2) * 4);
      w[n++] = (uint32_t)strtoul(hex, &q, 16);
    }
    s->w[s->n] = w;
    s->len[s->n++] = n;
    p = close;
  }
  free(text);
  if (!s->n) {
    fprintf(stderr, "viz_check: %s: no SAMPLE_INPUT_ arrays\n", path);
    return -1;
  }
  return 0;
}

static int8_t chw_value(const struct sample *s, int c, size_t pix)
{
  return (int8_t)(s->w[c][pix / 4] >> (8 * (pix % 4)));
}

/* ---- checks ---- */

static int check_tiles(const char *png, int want, int ww, int wh)
{
  struct img im;
  if (load_png(png, &im) != 0)
    return 2;
  int ok = 1;
  if (im.w != ww || im.h != wh) {
    printf("size %dx%d, expected %dx%d\n", im.w, im.h, ww, wh);
    ok = 0;
  }
  /* not uniform: many distinct colours */
  size_t distinct = 0;
  uint8_t *seen = calloc(1u << 24, 1);
  for (size_t i = 0; i < (size_t)im.w * (size_t)im.h; i++)
    if (!seen[im.px[i]]++)
      distinct++;
  free(seen);
  printf("%zu distinct colours\n", distinct);
  if (distinct < 16)
    ok = 0;
  /* tiles: a top-left corner of border colour with border runs of at
   * least 8 pixels to the right and down and no border before it */
  const uint32_t B = (uint32_t)M78V_BORDER_R << 16 | (uint32_t)M78V_BORDER_G << 8 | M78V_BORDER_B;
  int tiles = 0, tw0 = -1, th0 = -1, same = 1;
  for (int y = 0; y < im.h; y++) {
    for (int x = 0; x < im.w; x++) {
      if (at(&im, x, y) != B || at(&im, x - 1, y) == B || at(&im, x, y - 1) == B)
        continue;
      int rw = 0, rh = 0;
      while (at(&im, x + rw, y) == B)
        rw++;
      while (at(&im, x, y + rh) == B)
        rh++;
      if (rw < 8 || rh < 8)
        continue;
      /* a closed rectangle: the other two edges too */
      int closed = 1;
      for (int i = 0; i < rw && closed; i++)
        closed = at(&im, x + i, y + rh - 1) == B;
      for (int i = 0; i < rh && closed; i++)
        closed = at(&im, x + rw - 1, y + i) == B;
      if (!closed)
        continue;
      tiles++;
      if (tw0 < 0)
        tw0 = rw, th0 = rh;
      else if (rw != tw0 || rh != th0)
        same = 0;
    }
  }
  printf("%d tiles of %dx%d pixels (with border)%s\n", tiles, tw0, th0, same ? "" : ", not all of one size");
  if (tiles != want || !same)
    ok = 0;
  free(im.px);
  return ok ? 0 : 1;
}

static int check_rgb(const char *png, const char *sampledata)
{
  struct img im;
  struct sample s;
  if (load_png(png, &im) != 0 || read_sampledata(sampledata, &s) != 0)
    return 2;
  if (s.n != 3) {
    fprintf(stderr, "viz_check: %d input arrays, need 3 (one per colour channel)\n", s.n);
    return 2;
  }
  size_t npix = s.len[0] * 4;
  int side = 1;
  while ((size_t)side * (size_t)side < npix)
    side++;
  if ((size_t)side * (size_t)side != npix || s.len[1] != s.len[0] || s.len[2] != s.len[0]) {
    fprintf(stderr, "viz_check: not a square 3-channel image\n");
    return 2;
  }
  uint32_t *want = malloc(npix * 4);
  for (size_t i = 0; i < npix; i++) {
    uint32_t r = (uint8_t)(chw_value(&s, 0, i) + 128), g = (uint8_t)(chw_value(&s, 1, i) + 128),
             b = (uint8_t)(chw_value(&s, 2, i) + 128);
    want[i] = r << 16 | g << 8 | b;
  }
  int found = 0;
  for (int z = 1; z <= 8 && !found; z++) {
    if (side * z > im.w || side * z > im.h)
      break;
    for (int y = 0; y + side * z <= im.h && !found; y++) {
      for (int x = 0; x + side * z <= im.w && !found; x++) {
        if (at(&im, x, y) != want[0] || at(&im, x + z * (side - 1), y) != want[side - 1])
          continue;
        int ok = 1;
        for (int r = 0; r < side && ok; r++)
          for (int c = 0; c < side && ok; c++) {
            uint32_t v = want[(size_t)r * (size_t)side + (size_t)c];
            ok = at(&im, x + c * z, y + r * z) == v && at(&im, x + c * z + z - 1, y + r * z + z - 1) == v;
          }
        if (ok) {
          printf("input picture %dx%d found at (%d,%d), scale %d: all %zu pixels match sampledata.h\n", side, side, x,
                 y, z, npix);
          found = 1;
        }
      }
    }
  }
  if (!found)
    printf("the %dx%d input picture from sampledata.h is not in %s\n", side, side, png);
  free(want);
  free(im.px);
  for (int i = 0; i < s.n; i++)
    free(s.w[i]);
  return found ? 0 : 1;
}

static int check_input(const char *path, const char *sampledata, const char *layout, int C, int H, int W)
{
  struct sample s;
  if (read_sampledata(sampledata, &s) != 0)
    return 2;
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 2;
  }
  size_t n = (size_t)C * (size_t)H * (size_t)W;
  int8_t *got = malloc(n + 1);
  size_t len = fread(got, 1, n + 1, f);
  fclose(f);
  if (len != n) {
    printf("%s: %zu bytes, expected %zu\n", path, len, n);
    return 1;
  }
  size_t bad = 0, first = 0;
  for (int c = 0; c < C; c++) {
    for (size_t p = 0; p < (size_t)H * (size_t)W; p++) {
      int8_t want;
      if (strcmp(layout, "chw") == 0)
        want = c < s.n && p / 4 < s.len[c] ? chw_value(&s, c, p) : 0;
      else
        want = p < s.len[0] ? (int8_t)(s.w[0][p] >> (8 * c)) : 0;
      size_t i = (size_t)c * (size_t)H * (size_t)W + p;
      if (got[i] != want && bad++ == 0)
        first = i;
    }
  }
  if (bad)
    printf("%zu of %zu values differ from sampledata.h (first at value %zu)\n", bad, n, first);
  else
    printf("all %zu values equal sampledata.h read as %s %dx%dx%d\n", n, layout, C, H, W);
  free(got);
  for (int i = 0; i < s.n; i++)
    free(s.w[i]);
  return bad ? 1 : 0;
}

static int check_color(const char *png, int r, int g, int b, long min)
{
  struct img im;
  if (load_png(png, &im) != 0)
    return 2;
  uint32_t want = (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
  long n = 0;
  for (size_t i = 0; i < (size_t)im.w * (size_t)im.h; i++)
    n += im.px[i] == want;
  printf("%ld pixels of colour %d,%d,%d\n", n, r, g, b);
  free(im.px);
  return n >= min ? 0 : 1;
}

/* The bounding box of the tile borders: how much of the picture the grid
 * covers. */
static int check_extent(const char *png, int min_right, int min_bottom)
{
  struct img im;
  if (load_png(png, &im) != 0)
    return 2;
  const uint32_t B = (uint32_t)M78V_BORDER_R << 16 | (uint32_t)M78V_BORDER_G << 8 | M78V_BORDER_B;
  int x0 = im.w, y0 = im.h, x1 = -1, y1 = -1;
  for (int y = 0; y < im.h; y++)
    for (int x = 0; x < im.w; x++)
      if (at(&im, x, y) == B) {
        x0 = x < x0 ? x : x0;
        y0 = y < y0 ? y : y0;
        x1 = x > x1 ? x : x1;
        y1 = y > y1 ? y : y1;
      }
  printf("tile borders span x %d..%d, y %d..%d (want right >= %d, bottom >= %d)\n", x0, x1, y0, y1, min_right,
         min_bottom);
  free(im.px);
  return x1 >= min_right && y1 >= min_bottom ? 0 : 1;
}

int main(int argc, char **argv)
{
  if (argc == 5 && strcmp(argv[1], "extent") == 0)
    return check_extent(argv[2], atoi(argv[3]), atoi(argv[4]));
  if (argc == 6 && strcmp(argv[1], "tiles") == 0)
    return check_tiles(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
  if (argc == 4 && strcmp(argv[1], "rgb") == 0)
    return check_rgb(argv[2], argv[3]);
  if (argc == 8 && strcmp(argv[1], "input") == 0)
    return check_input(argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
  if (argc == 7 && strcmp(argv[1], "color") == 0)
    return check_color(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atol(argv[6]));
  fprintf(stderr, "usage: viz_check tiles PNG N W H | rgb PNG SAMPLEDATA_H | input I8 SAMPLEDATA_H chw|hwc C H W |"
                  " color PNG R G B MIN | extent PNG MIN_RIGHT MIN_BOTTOM\n");
  return 2;
}
