/*
 * The viewer's data model (viz/src/model.c): colours, grid layout,
 * loading dumps and comparing them, on files built here.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "m78host/util.h"
#include "model.h"

static char *tmpdir;

static void setup(void)
{
  tmpdir = m78u_make_temp_dir("test-viz-");
}
static void teardown(void)
{
  m78u_remove_tree(tmpdir);
  free(tmpdir);
}

static void put(const char *dir, const char *name, const void *data, size_t n)
{
  char *p = m78u_path_join(dir, name);
  cr_assert_eq(m78u_write_file_atomic(p, data, n), 0);
  free(p);
}

static void puts_file(const char *dir, const char *name, const char *text)
{
  put(dir, name, text, strlen(text));
}

Test(viz_heat, symmetric_around_zero_and_never_the_border_colour)
{
  for (int m = 1; m <= 300; m += 7) {
    for (int v = -m; v <= m; v++) {
      uint8_t p[3], n[3];
      m78v_heat(v, m, p);
      m78v_heat(-v, m, n);
      /* -v is v's colour with red and blue swapped */
      cr_assert(p[0] == n[2] && p[1] == n[1] && p[2] == n[0], "v=%d m=%d", v, m);
      cr_assert(!(p[0] == M78V_BORDER_R && p[1] == M78V_BORDER_G && p[2] == M78V_BORDER_B));
      cr_assert(!(p[0] == 255 && p[1] == 0 && p[2] == 255), "magenta is reserved for mismatches");
    }
  }
  uint8_t z[3], top[3], bottom[3];
  m78v_heat(0, 100, z);
  m78v_heat(100, 100, top);
  m78v_heat(-100, 100, bottom);
  cr_assert(z[0] == 0 && z[1] == 0 && z[2] == 0);
  cr_assert(top[0] == 255 && top[1] == 255 && top[2] == 255);
  cr_assert(bottom[0] == 255 && bottom[1] == 255 && bottom[2] == 255);
  /* brighter with magnitude: red rises first for positive values */
  uint8_t a[3], b[3];
  m78v_heat(10, 100, a);
  m78v_heat(20, 100, b);
  cr_assert(b[0] > a[0] && a[2] == 0);
}

Test(viz_grid, fits_the_area_with_integer_scales)
{
  struct m78v_grid g;
  m78v_grid_fit(60, 28, 28, 960, 700, 1, &g);
  cr_assert_geq(g.scale, 1);
  cr_assert_eq(g.scale, (int)g.scale);
  cr_assert_leq(g.cols * g.cell_w, 960);
  cr_assert_leq(g.rows * g.cell_h, 700);
  cr_assert_geq(g.cols * g.rows, 60);
  /* one tile more would not fit at a larger integer scale */
  struct m78v_grid big;
  m78v_grid_fit(60, 28, 28, 960, 700, 2, &big);
  cr_assert_eq(big.scale, 2 * g.scale);
  /* many large tiles: a fractional scale below 1 that still fits */
  m78v_grid_fit(16, 180, 180, 900, 700, 1, &g);
  cr_assert_lt(g.scale, 1);
  cr_assert_leq(g.rows * g.cell_h, 700);
  cr_assert_leq(g.cols * g.cell_w, 900);
}

Test(viz_grid, spreads_over_the_whole_area)
{
  /* issue 21: 16 tiles of 180x180 are limited by the height; the cells
   * spread over the width instead of leaving a quarter of it empty */
  struct m78v_grid g;
  m78v_grid_fit(16, 180, 180, 960, 780, 1, &g);
  cr_assert_leq(g.cols * g.cell_w, 960);
  cr_assert_geq(g.cols * g.cell_w, 960 - g.cols);
  cr_assert_geq(g.pad_x, 0);
  /* centred: the margins left and right of the grid are equal */
  int left = g.pad_x + M78V_GAP / 2, right = 960 - ((g.cols - 1) * g.cell_w + g.pad_x + M78V_GAP / 2 + g.tile_w + 2);
  cr_assert_leq(abs(left - right), g.cols + M78V_GAP);
  /* zoomed in: no spreading, the cells are the tiles */
  m78v_grid_fit(16, 180, 180, 960, 780, 2, &g);
  cr_assert_eq(g.cell_w, g.tile_w + 2 + M78V_GAP);
  cr_assert_eq(g.pad_x, 0);
}

Test(viz_model, loads_dumps_report_and_input, .init = setup, .fini = teardown)
{
  int8_t l0[2 * 2 * 3] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -100};
  int32_t l1[3] = {100000, -5, 7};
  int8_t in[4] = {-128, 0, 1, 127};
  put(tmpdir, "L00.i8", l0, sizeof l0);
  put(tmpdir, "L01.i32", l1, sizeof l1);
  put(tmpdir, "input.i8", in, sizeof in);
  puts_file(tmpdir, "layers.json",
            "{\"layers\":[{\"index\":0,\"file\":\"L00.i8\",\"shape_chw\":[2,2,3],\"dtype\":\"int8\","
            "\"slots\":2,\"slots_per_pass\":2,\"out_passes\":1},"
            "{\"index\":1,\"file\":\"L01.i32\",\"shape_chw\":[3,1,1],\"dtype\":\"int32le\","
            "\"slots\":3,\"slots_per_pass\":3,\"out_passes\":1}]}");
  puts_file(tmpdir, "input.json",
            "{\"file\":\"input.i8\",\"shape_chw\":[1,2,2],\"dtype\":\"int8\",\"source\":\"sram\"}");
  puts_file(tmpdir, "report.json",
            "{\"schema\":1,\"kat\":\"fail\",\"clock\":{\"cnn_hz\":50000000},\"inference\":{\"cycles\":500},"
            "\"layers\":[{\"index\":0,\"op\":\"conv2d\",\"input\":[1,2,2],\"output\":[2,2,3],\"cycles\":300,"
            "\"time_us\":6,\"executed\":true,\"error\":null,\"energy_uj\":1.5},"
            "{\"index\":1,\"op\":\"linear\",\"input\":[2,1,1],\"output\":[3,1,1],\"cycles\":200,\"time_us\":4,"
            "\"executed\":true,\"error\":null}]}");
  char *rep = m78u_path_join(tmpdir, "report.json");
  struct m78v_run run;
  char err[512];
  cr_assert_eq(m78v_run_load(&run, tmpdir, rep, err, sizeof err), 0, "%s", err);
  free(rep);
  cr_assert_eq(run.n, 3);
  cr_assert(run.has_input);
  cr_assert_eq(run.layers[0].index, -1);
  cr_assert_eq(run.layers[0].t.v[0], -128);
  cr_assert_eq(run.layers[0].t.v[3], 127);
  cr_assert_str_eq(run.kat, "fail");
  const struct m78v_layer *a = &run.layers[1], *b = &run.layers[2];
  cr_assert_str_eq(a->op, "conv2d");
  cr_assert_eq(a->t.c, 2);
  cr_assert_eq(a->t.v[11], -100);
  cr_assert_eq(a->t.maxabs, 100);
  cr_assert_float_eq(a->energy_uj, 1.5, 1e-9);
  cr_assert_lt(b->energy_uj, 0, "no energy in the report: n/a");
  cr_assert_eq(b->t.elsize, 4);
  cr_assert_eq(b->t.v[0], 100000);
  cr_assert_eq(b->t.maxabs, 100000);
  cr_assert_eq(m78v_find_layer(&run, 1), 2);

  /* a device dump with one changed value of layer 0 (channel 1, row 1, col 2) */
  char *dev = m78u_path_join(tmpdir, "device");
  cr_assert_eq(m78u_mkdir_p(dev), 0);
  l0[11] = 42;
  put(dev, "L00.i8", l0, sizeof l0);
  put(dev, "L01.i32", l1, sizeof l1);
  cr_assert_eq(m78v_run_compare(&run, dev, tmpdir, err, sizeof err), 0, "%s", err);
  cr_assert(run.compare);
  cr_assert_eq(run.first_mismatch_layer, 1);
  cr_assert(run.layers[1].comparable);
  cr_assert_eq(run.layers[1].n_mismatch, 1);
  cr_assert_eq(run.layers[1].first_mismatch, 11);
  cr_assert_eq(run.layers[1].expected[11], 42);
  cr_assert(run.layers[2].comparable);
  cr_assert_eq(run.layers[2].n_mismatch, 0);
  m78v_run_free(&run);

  /* a folder without expected data is an error, not an empty compare */
  char *empty = m78u_path_join(tmpdir, "empty");
  cr_assert_eq(m78u_mkdir_p(empty), 0);
  cr_assert_eq(m78v_run_load(&run, tmpdir, NULL, err, sizeof err), 0);
  cr_assert_eq(m78v_run_compare(&run, empty, tmpdir, err, sizeof err), -1);
  cr_assert(strstr(err, "no expected layer data"));
  m78v_run_free(&run);
  free(empty);
  free(dev);
}

Test(viz_model, maps_logical_channels_around_dummy_slots, .init = setup, .fini = teardown)
{
  /* 3 logical channels in 4 slots: izer puts them after one dummy slot */
  int8_t got[4] = {0, 10, 20, 30};
  int8_t exp[3] = {10, 20, 31};
  put(tmpdir, "L00.i8", got, sizeof got);
  puts_file(tmpdir, "layers.json",
            "{\"layers\":[{\"index\":0,\"file\":\"L00.i8\",\"shape_chw\":[4,1,1],\"dtype\":\"int8\","
            "\"slots\":4,\"slots_per_pass\":4,\"out_passes\":1}]}");
  char *cs = m78u_path_join(tmpdir, "case");
  char *cl = m78u_path_join(cs, "layers");
  cr_assert_eq(m78u_mkdir_p(cl), 0);
  put(cl, "L00.i8", exp, sizeof exp);
  puts_file(cs, "expected.json",
            "{\"layers\":[{\"index\":0,\"name\":\"fc\",\"op\":\"LINEAR\",\"output\":{\"file\":\"layers/L00.i8\","
            "\"shape_chw\":[3,1,1],\"dtype\":\"int8\"}}]}");
  struct m78v_run run;
  char err[512];
  cr_assert_eq(m78v_run_load(&run, tmpdir, NULL, err, sizeof err), 0, "%s", err);
  cr_assert_eq(m78v_run_compare(&run, cs, tmpdir, err, sizeof err), 0, "%s", err);
  const struct m78v_layer *l = &run.layers[0];
  cr_assert(l->comparable, "%s", l->cmp_note);
  cr_assert_eq(l->t.c, 3);
  cr_assert_not_null(l->t.slot);
  cr_assert_eq(l->t.slot[0], 1);
  cr_assert_eq(l->t.slot[2], 3);
  cr_assert_eq(l->n_mismatch, 1);
  cr_assert_eq(l->first_mismatch, 2);
  cr_assert_str_eq(l->name, "fc");
  m78v_run_free(&run);
  free(cl);
  free(cs);
}

/* Compares a dump of `slots` x h x w (layers.json `geometry`) with expected
 * data of c x eh x ew; returns the layer after m78v_run_compare. */
static void compare_geometry(const int8_t *got, int slots, int h, int w, const char *geometry, const int8_t *exp, int c,
                             int eh, int ew, struct m78v_run *run)
{
  char json[512], shape[64];
  put(tmpdir, "L00.i8", got, (size_t)slots * (size_t)h * (size_t)w);
  snprintf(
      json, sizeof json,
      "{\"layers\":[{\"index\":0,\"file\":\"L00.i8\",\"shape_chw\":[%d,%d,%d],\"dtype\":\"int8\",\"slots\":%d,%s}]}",
      slots, h, w, slots, geometry);
  puts_file(tmpdir, "layers.json", json);
  char *cs = m78u_path_join(tmpdir, "case");
  char *cl = m78u_path_join(cs, "layers");
  cr_assert_eq(m78u_mkdir_p(cl), 0);
  put(cl, "L00.i8", exp, (size_t)c * (size_t)eh * (size_t)ew);
  snprintf(shape, sizeof shape, "[%d,%d,%d]", c, eh, ew);
  snprintf(json, sizeof json,
           "{\"layers\":[{\"index\":0,\"op\":\"PASSTHROUGH\",\"output\":{\"file\":\"layers/L00.i8\","
           "\"shape_chw\":%s,\"dtype\":\"int8\"}}]}",
           shape);
  puts_file(cs, "expected.json", json);
  char err[512];
  cr_assert_eq(m78v_run_load(run, tmpdir, NULL, err, sizeof err), 0, "%s", err);
  cr_assert_eq(m78v_run_compare(run, cs, tmpdir, err, sizeof err), 0, "%s", err);
  free(cl);
  free(cs);
}

Test(viz_model, maps_a_multipass_passthrough_with_a_short_last_pass, .init = setup, .fini = teardown)
{
  /* 65 channels in 2 passes of 36 processors: 72 slots, channel c in slot c */
  int8_t got[72], exp[65];
  for (int s = 0; s < 72; s++)
    got[s] = (int8_t)(s < 65 ? s : -1);
  for (int c = 0; c < 65; c++)
    exp[c] = (int8_t)c;
  exp[40] = 99;
  struct m78v_run run;
  compare_geometry(got, 72, 1, 1, "\"slots_per_pass\":36,\"out_passes\":2,\"operands\":2", exp, 65, 1, 1, &run);
  const struct m78v_layer *l = &run.layers[0];
  cr_assert(l->comparable, "%s", l->cmp_note);
  cr_assert_eq(l->t.c, 65);
  cr_assert_eq(l->t.slot[64], 64);
  cr_assert_eq(l->n_mismatch, 1);
  cr_assert_eq(l->first_mismatch, 40);
  m78v_run_free(&run);
}

Test(viz_model, maps_an_eltwise_layer_run_over_passes_as_rows, .init = setup, .fini = teardown)
{
  /* 65 channels of 1 x 2 pixels, 3 operands: izer runs 36 processors over
   * 2 x 2 rows; logical pixel p of pass e is hardware row 2p + e */
  int8_t got[36 * 4], exp[65 * 2];
  memset(got, -1, sizeof got);
  for (int c = 0; c < 65; c++)
    for (int p = 0; p < 2; p++) {
      exp[c * 2 + p] = (int8_t)(c + 3 * p);
      got[(c % 36) * 4 + p * 2 + c / 36] = (int8_t)(c + 3 * p);
    }
  struct m78v_run run;
  compare_geometry(got, 36, 4, 1, "\"slots_per_pass\":36,\"out_passes\":1,\"operands\":3", exp, 65, 2, 1, &run);
  const struct m78v_layer *l = &run.layers[0];
  cr_assert(l->comparable, "%s", l->cmp_note);
  cr_assert_eq(l->t.c, 65);
  cr_assert_eq(l->t.h, 2);
  cr_assert_eq(l->t.slot[40], 4);
  cr_assert_eq(l->n_mismatch, 0);
  m78v_run_free(&run);
  /* a single-operand layer of that shape is not that layout */
  compare_geometry(got, 36, 4, 1, "\"slots_per_pass\":36,\"out_passes\":1,\"operands\":1", exp, 65, 2, 1, &run);
  cr_assert(!run.layers[0].comparable);
  cr_assert(strstr(run.layers[0].cmp_note, "cannot hold"), "%s", run.layers[0].cmp_note);
  m78v_run_free(&run);
}
