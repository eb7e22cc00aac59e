/*
 * A user's input for layer 0 (see input.h), and `max78sim input`.
 *
 * Conversions to the int8 values the accelerator reads:
 * - int8 arrays and raw bytes are those values;
 * - uint8 arrays and image pixels p are normalized as ai8x-training does
 *   for the hardware: torchvision's ToTensor gives p / 255, and
 *   ai8x.normalize with act_mode_8bit (ai8x-training, ai8x.py, class
 *   normalize) computes round((p / 255 - 0.5) * 256) clamped to
 *   [-128, 127].  No p gives a tie, so the rounding mode does not matter;
 * - float arrays are in the range ai8x-training's data loaders give
 *   without --8-bit-mode, [-1, 1): the value is round(x * 128) clamped;
 * - other integer arrays must already hold values in [-128, 127].
 * Images: RGB channels 0, 1, 2 for a 3-channel layer 0; for one channel
 * the luma PIL's convert('L') computes (ITU-R 601-2: 299/587/114).
 * --resize scales bilinearly (pixel centres, no antialiasing) to layer
 * 0's rows and columns; without it a size mismatch is an error, never a
 * crop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "view_cmd.h"
#include "cli_util.h"
#include "commands.h"
#include "fwbuild.h"
#include "input.h"
#include "max78sim/net.h"
#include "m78host/npy.h"
#include "m78host/report.h"
#include "max78sim/env.h"

/* one definition of the conversions, shared with the host API */
int8_t m78cli_input_u8(unsigned p)
{
  return m78net_from_u8(p);
}
int8_t m78cli_input_float(double x)
{
  return m78net_from_float(x);
}

int m78cli_parse_shape(const char *s, int *c, int *h, int *w)
{
  long v[3];
  int n = 0;
  const char *p = s;
  while (n < 3) {
    char *end;
    errno = 0;
    v[n] = strtol(p, &end, 10);
    if (end == p || errno || v[n] <= 0 || v[n] > 65536)
      return -1;
    n++;
    p = end;
    if (!*p)
      break;
    if (*p != 'x' && *p != 'X' && *p != ',')
      return -1;
    p++;
  }
  if (*p || n < 2)
    return -1;
  if (n == 2) {
    *c = 1;
    *h = (int)v[0];
    *w = (int)v[1];
  } else {
    *c = (int)v[0];
    *h = (int)v[1];
    *w = (int)v[2];
  }
  return 0;
}

static int has_ext(const char *path, const char *ext)
{
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

static int is_image(const char *path)
{
  return has_ext(path, ".png") || has_ext(path, ".jpg") || has_ext(path, ".jpeg") || has_ext(path, ".bmp");
}

/* ---- .npy ---- */

static int from_npy(const char *path, const struct m78inmap *m, int8_t **out)
{
  char err[512];
  struct m78npy a;
  if (m78npy_read(path, &a, err, sizeof err) != 0) {
    m78u_error("%s", err);
    return -1;
  }
  size_t s[M78NPY_MAX_DIMS];
  int nd = a.ndim;
  memcpy(s, a.shape, sizeof s);
  if (nd == 4 && s[0] == 1) { /* a batch of one */
    memmove(s, s + 1, 3 * sizeof *s);
    nd = 3;
  }
  int ok = 0;
  if (nd == 3)
    ok = s[0] == (size_t)m->c && s[1] == (size_t)m->h && s[2] == (size_t)m->w;
  else if (nd == 2 && m->c == 1)
    ok = s[0] == (size_t)m->h && s[1] == (size_t)m->w;
  else if (nd == 2 && m->w == 1)
    ok = s[0] == (size_t)m->c && s[1] == (size_t)m->h;
  if (!ok) {
    char got[96] = "";
    for (int i = 0; i < a.ndim; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), i ? "x%zu" : "%zu", a.shape[i]);
    if (a.ndim == 0)
      snprintf(got, sizeof got, "a scalar");
    const char *hint = nd == 3 && s[0] == (size_t)m->h && s[1] == (size_t)m->w && s[2] == (size_t)m->c
                           ? " (this is HxWxC: save np.transpose(a, (2, 0, 1)))"
                           : "";
    m78u_error("%s: shape %s, but layer 0 reads %dx%dx%d (C x H x W)%s", path, got, m->c, m->h, m->w, hint);
    m78npy_free(&a);
    return -1;
  }
  int8_t *t = malloc(a.count ? a.count : 1);
  if (!t) {
    m78u_error("%s: out of memory", path);
    m78npy_free(&a);
    return -1;
  }
  for (size_t i = 0; i < a.count; i++) {
    double v = m78npy_get(&a, i);
    if (a.dtype == M78NPY_I8) {
      t[i] = (int8_t)v;
    } else if (a.dtype == M78NPY_U8) {
      t[i] = m78cli_input_u8((unsigned)v);
    } else if (a.dtype == M78NPY_F32 || a.dtype == M78NPY_F64) {
      if (!isfinite(v)) {
        m78u_error("%s: element %zu is not a finite number", path, i);
        free(t);
        m78npy_free(&a);
        return -1;
      }
      t[i] = m78cli_input_float(v);
    } else {
      if (v < -128 || v > 127) {
        m78u_error("%s: element %zu is %.0f; %s inputs must hold the hardware's values, -128..127 (uint8 images "
                   "and [-1, 1) floats are converted)",
                   path, i, v, m78npy_dtype_name(a.dtype));
        free(t);
        m78npy_free(&a);
        return -1;
      }
      t[i] = (int8_t)v;
    }
  }
  m78npy_free(&a);
  *out = t;
  return 0;
}

/* ---- images ---- */

#ifdef M78_HAVE_SDL_IMAGE
static int from_image(const char *path, const struct m78cli_input_opts *o, const struct m78inmap *m, int8_t **out)
{
  if (m->c != 1 && m->c != 3) {
    m78u_error("%s: layer 0 reads %d channels; an image gives 1 (grey) or 3 (RGB): give a .npy of %dx%dx%d", path, m->c,
               m->c, m->h, m->w);
    return -1;
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  int sw, sh;
  unsigned char *rgb;
  if (m78cli_image_load(path, &sw, &sh, &rgb) != 0) /* SDL2_image, loaded when an image is given */
    return -1;
  if ((sw != m->w || sh != m->h) && !o->resize) {
    m78u_error("%s: the image is %dx%d (W x H), layer 0 reads %dx%d; use --resize to scale it", path, sw, sh, m->w,
               m->h);
    free(rgb);
    return -1;
  }
  int8_t *t = malloc((size_t)m->c * (size_t)m->h * (size_t)m->w);
  if (!t) {
    free(rgb);
    m78u_error("%s: out of memory", path);
    return -1;
  }
  const uint8_t *px = rgb;
  size_t pitch = 3 * (size_t)sw;
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++) {
      double v[3];
      /* bilinear at the pixel centre; exact copy when the sizes agree */
      double fx = ((double)x + 0.5) * sw / m->w - 0.5, fy = ((double)y + 0.5) * sh / m->h - 0.5;
      if (fx < 0)
        fx = 0;
      if (fy < 0)
        fy = 0;
      int x0 = (int)fx, y0 = (int)fy;
      int x1 = x0 + 1 < sw ? x0 + 1 : x0, y1 = y0 + 1 < sh ? y0 + 1 : y0;
      double ax = fx - x0, ay = fy - y0;
      for (int k = 0; k < 3; k++) {
        double p00 = px[y0 * pitch + 3 * x0 + k], p01 = px[y0 * pitch + 3 * x1 + k];
        double p10 = px[y1 * pitch + 3 * x0 + k], p11 = px[y1 * pitch + 3 * x1 + k];
        v[k] = (1 - ay) * ((1 - ax) * p00 + ax * p01) + ay * ((1 - ax) * p10 + ax * p11);
      }
      unsigned p[3];
      for (int k = 0; k < 3; k++)
        p[k] = (unsigned)nearbyint(v[k]);
      size_t plane = (size_t)m->h * (size_t)m->w, at = (size_t)y * (size_t)m->w + (size_t)x;
      if (m->c == 3) {
        for (int k = 0; k < 3; k++)
          t[k * plane + at] = m78cli_input_u8(p[k]);
      } else {
        unsigned l = (p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16;
        t[at] = m78cli_input_u8(l);
      }
    }
  free(rgb);
  *out = t;
  return 0;
}
#endif

/* ---- raw ---- */

static int from_raw(const char *path, const struct m78cli_input_opts *o, const struct m78inmap *m, int8_t **out)
{
  int c, h, w;
  if (!o->shape) {
    m78u_error("%s: not a .npy or an image (.png, .jpg, .jpeg, .bmp); raw int8 bytes need --input-shape CxHxW", path);
    return -1;
  }
  if (m78cli_parse_shape(o->shape, &c, &h, &w) != 0) {
    m78u_error("--input-shape: not CxHxW: %s", o->shape);
    return -1;
  }
  if (c != m->c || h != m->h || w != m->w) {
    m78u_error("%s: --input-shape %dx%dx%d, but layer 0 reads %dx%dx%d (C x H x W)", path, c, h, w, m->c, m->h, m->w);
    return -1;
  }
  size_t n = (size_t)c * (size_t)h * (size_t)w;
  FILE *f = fopen(path, "rb");
  if (!f) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != n) {
    m78u_error("%s: %s %lld bytes; --input-shape %dx%dx%d needs %zu", path,
               S_ISREG(st.st_mode) ? "holds" : "is not a regular file of", (long long)st.st_size, c, h, w, n);
    fclose(f);
    return -1;
  }
  int8_t *t = malloc(n ? n : 1);
  if (!t || fread(t, 1, n, f) != n) {
    m78u_error("%s: cannot read", path);
    free(t);
    fclose(f);
    return -1;
  }
  fclose(f);
  *out = t;
  return 0;
}

int m78cli_input_read(const char *path, const struct m78cli_input_opts *o, const struct m78inmap *m, int8_t **out)
{
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0) {
    m78u_error("%s: %s", path, strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    m78u_error("%s: is a folder; --input takes one file ('max78sim eval' takes folders)", path);
    return -1;
  }
  if (has_ext(path, ".npy")) {
    if (o->shape)
      fprintf(stderr, "max78sim: note: %s: --input-shape is ignored for a .npy file (it carries its shape)\n", path);
    return from_npy(path, m, out);
  }
  if (is_image(path)) {
#ifdef M78_HAVE_SDL_IMAGE
    return from_image(path, o, m, out);
#else
    m78u_error("%s: this max78sim was built without SDL2_image: give a .npy", path);
    return -1;
#endif
  }
  return from_raw(path, o, m, out);
}

/* The tensor as a PNG: the pixel p whose normalization gives each value,
 * p = round((v + 128) * 255 / 256).  Exact for every value but 0, which
 * no pixel gives (p = 128 reads back as 1). */
static int export_png(const char *path, const struct m78inmap *m, const int8_t *t)
{
  if (!has_ext(path, ".png")) {
    m78u_error("%s: an exported image is written as PNG (.png), or give .npy", path);
    return M78CLI_EXIT_ERROR;
  }
#ifdef M78_HAVE_SDL_IMAGE
  if (m->c != 1 && m->c != 3) {
    m78u_error("%s: layer 0 reads %d channels; a PNG holds 1 or 3: give .npy", path, m->c);
    return M78CLI_EXIT_ERROR;
  }
  size_t plane = (size_t)m->h * (size_t)m->w;
  uint8_t *px = m78u_xmalloc(3 * plane);
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++)
      for (int k = 0; k < 3; k++) {
        int v = t[(m->c == 3 ? (size_t)k * plane : 0) + (size_t)y * (size_t)m->w + (size_t)x];
        px[3 * ((size_t)y * (size_t)m->w + (size_t)x) + (size_t)k] = (uint8_t)nearbyint((v + 128) * 255.0 / 256.0);
      }
  char *tmp = m78u_xasprintf("%s.tmp-%d.png", path, (int)getpid());
  int ok = m78cli_image_save_png(tmp, m->w, m->h, px) == 0 && rename(tmp, path) == 0;
  if (!ok) {
    m78u_error("%s: cannot write: %s", path, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  free(px);
  return ok ? 0 : M78CLI_EXIT_ERROR;
#else
  (void)m;
  (void)t;
  m78u_error("%s: this max78sim was built without SDL2_image: give .npy", path);
  return M78CLI_EXIT_ERROR;
#endif
}

/* The user's --input packed into the firmware's input arrays (inmap.h). */
int m78cli_input_pack(const char *cmd, const char *path, const struct m78cli_input_opts *in, const char *fwdir,
                      void **buf, size_t *len, int *is_sample)
{
  char err[512];
  struct m78inmap m;
  if (m78inmap_load(fwdir, &m, err, sizeof err) != 0) {
    m78u_error("%s: --input: %s", cmd, err);
    return -1;
  }
  int8_t *t = NULL;
  uint32_t *words[M78INMAP_MAX_ARRAYS] = {0};
  int rc = -1;
  if (m78cli_input_read(path, in, &m, &t) != 0)
    goto out;
  long bad = m78inmap_first_unloaded(&m, t);
  if (bad >= 0) {
    long hw = (long)m.h * m.w;
    m78u_error("%s: channel %ld, row %ld, column %ld is %d, but the firmware's load_input() never loads that "
               "element (%zu of layer 0's %zu input elements are outside its data and must be 0)",
               path, bad / hw, bad % hw / m.w, bad % m.w, t[bad], m.unloaded, m78inmap_elems(&m));
    goto out;
  }
  if (m78inmap_pack(&m, t, words) != 0 || m78inmap_serialize(&m, words, buf, len) != 0) {
    m78u_error("%s: out of memory", path);
    goto out;
  }
  *is_sample = m78inmap_is_sample(&m, words);
  rc = 0;
out:
  m78inmap_free_words(&m, words);
  m78inmap_free(&m);
  free(t);
  return rc;
}

char *m78cli_input_write(const char *dir, const void *buf, size_t len)
{
  char err[512];
  char *path = m78u_path_join(dir, "input.bin");
  if (m78_write_file_atomic(path, buf, len, err, sizeof err) != 0) {
    m78u_error("%s", err);
    free(path);
    return NULL;
  }
  char *env = m78u_xasprintf(M78ENV_INPUT "=%s", path);
  free(path);
  return env;
}

/* ---- max78sim input ---- */

static void input_help(FILE *out)
{
  fprintf(out, "usage: max78sim input export DIR|MODEL -o FILE.npy|FILE.png\n"
               "       max78sim input show DIR|MODEL\n"
               "\n"
               "export writes the firmware's baked-in sample input (sampledata.h) as the\n"
               "int8 C x H x W tensor layer 0 reads, so that 'max78sim run DIR --input\n"
               "FILE.npy' feeds the same data (a .png holds the pixels whose normalization\n"
               "gives each value: exact but for 0, which no pixel gives); show prints layer\n"
               "0's input shape and where\n"
               "the firmware's load_input() puts each array (data SRAM or a FIFO).\n"
               "\n"
               "Channel c is the c-th of layer 0's enabled processors (for more than one\n"
               "pass or operand: (operand * passes + pass) * processors + index).\n"
               "\n"
               "Exit status: 0 done, 2 bad usage or input.\n");
}

int m78cli_cmd_input(int argc, char **argv)
{
  const char *sub = argc > 1 ? argv[1] : NULL, *dir = NULL, *outp = NULL;
  if (!sub || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
    input_help(sub ? stdout : stderr);
    return sub ? 0 : M78CLI_EXIT_ERROR;
  }
  if (strcmp(sub, "export") != 0 && strcmp(sub, "show") != 0) {
    m78u_error("input: unknown subcommand %s (export or show)", sub);
    return M78CLI_EXIT_ERROR;
  }
  int export = strcmp(sub, "export") == 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      input_help(stdout);
      return 0;
    } else if (export && (m78cli_is_option(argv[i], "-o") || m78cli_is_option(argv[i], "--output"))) {
      if (!(outp = m78cli_option_value("input", argc, argv, &i, argv[i][1] == 'o' ? "-o" : "--output")))
        return M78CLI_EXIT_ERROR;
    } else if (argv[i][0] == '-') {
      m78u_error("input: unknown option %s (see 'max78sim input --help')", argv[i]);
      return M78CLI_EXIT_ERROR;
    } else if (dir) {
      m78u_error("input: unexpected argument %s (one DIR only)", argv[i]);
      return M78CLI_EXIT_ERROR;
    } else {
      dir = argv[i];
    }
  }
  if (!dir || (export && !outp)) {
    m78u_error("input %s: missing %s (see 'max78sim input --help')", sub, dir ? "-o FILE.npy" : "DIR");
    return M78CLI_EXIT_ERROR;
  }
  struct m78fw_paths paths;
  m78fw_paths_init(&paths);
  struct m78fw_model model;
  int rc = M78CLI_EXIT_ERROR;
  char *fw = m78cli_locate_firmware(&paths, dir, &model);
  struct m78inmap m;
  memset(&m, 0, sizeof m);
  char err[512];
  int8_t *t = NULL;
  void *npy = NULL;
  if (!fw)
    goto out;
  if (m78inmap_load(fw, &m, err, sizeof err) != 0) {
    m78u_error("%s", err);
    goto out;
  }
  if (!export) {
    printf("layer 0 reads %dx%dx%d (C x H x W), %s, from %s\n", m.c, m.h, m.w, m.chw ? "CHW" : "HWC",
           m.fifo ? "the FIFOs" : "data SRAM");
    for (int a = 0; a < m.narrays; a++) {
      if (m.arrays[a].fifo >= 0)
        printf("  %-10s %6zu words  pushed into FIFO %d\n", m.arrays[a].name, m.arrays[a].nwords, m.arrays[a].fifo);
      else
        printf("  %-10s %6zu words  memcpy32 to 0x%08x\n", m.arrays[a].name, m.arrays[a].nwords, m.arrays[a].addr);
    }
    rc = 0;
    goto out;
  }
  size_t n = m78inmap_elems(&m), len;
  t = malloc(n);
  if (!t) {
    m78u_error("out of memory");
    goto out;
  }
  m78inmap_unpack(&m, t);
  if (is_image(outp)) {
    rc = export_png(outp, &m, t);
    goto out;
  }
  size_t shape[3] = {(size_t)m.c, (size_t)m.h, (size_t)m.w};
  if (m78npy_format(M78NPY_I8, 3, shape, t, &npy, &len) != 0 ||
      m78_write_file_atomic(outp, npy, len, err, sizeof err) != 0) {
    m78u_error("%s", npy ? err : "out of memory");
    goto out;
  }
  rc = 0;
out:
  free(npy);
  free(t);
  m78inmap_free(&m);
  free(fw);
  m78fw_model_free(&model);
  m78fw_paths_free(&paths);
  return rc;
}
