/*
 * The host side of compare: fault specs, the data memory image layout,
 * footprint files (written from a live simulator, read back entry for
 * entry) and the device-data readers with their errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "devdata.h"
#include "m78host/faultspec.h"
#include "m78host/sramdump.h"
#include "sim_test_util.h"

/* ---- fault specs ---- */

Test(faultspec, parse_and_format_round_trip)
{
  static const char *const specs[] = {
      "sram:inst=5,bit=3,value=1",
      "sram:inst=15,bit=31,value=0,word=8191,layer=2",
      "kernel:proc=63,col=767,byte=8,xor=0xff",
      "shift:layer=1,delta=-2",
  };
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    struct m78_fault f, g;
    char err[256], buf[128];
    cr_assert_eq(m78_fault_parse(specs[i], &f, err, sizeof err), 0, "%s: %s", specs[i], err);
    m78_fault_format(&f, buf, sizeof buf);
    cr_assert_eq(m78_fault_parse(buf, &g, err, sizeof err), 0, "%s: %s", buf, err);
    cr_expect_eq(memcmp(&f, &g, sizeof f), 0, "%s -> %s", specs[i], buf);
  }
  struct m78_fault f;
  char err[256];
  cr_assert_eq(m78_fault_parse("sram:inst=5,bit=3,value=1,layer=2", &f, err, sizeof err), 0);
  cr_expect(f.kind == M78_FAULT_SRAM_STUCK_BIT && f.unit == 5 && f.bit == 3 && f.value == 1 && f.layer == 2 &&
            f.index == M78_FAULT_ALL_WORDS);
  cr_assert_eq(m78_fault_parse("kernel:proc=3,col=10,byte=2,xor=0x40", &f, err, sizeof err), 0);
  cr_expect(f.kind == M78_FAULT_KERNEL_WORD && f.unit == 3 && f.index == 10 && f.bit == 2 && f.value == 0x40);
}

Test(faultspec, errors_say_what_is_wrong)
{
  struct m78_fault f;
  char err[256];
  static const struct {
    const char *spec, *msg;
  } bad[] = {
      {"sram:inst=16,bit=0,value=1", "inst=16 is out of range 0..15"},
      {"sram:inst=1,bit=0", "sram needs value="},
      {"sram:inst=1,bit=0,value=1,colour=2", "unknown key 'colour'"},
      {"sram:inst=1,inst=2,bit=0,value=1", "inst given twice"},
      {"kernel:proc=1,col=2,byte=9,xor=1", "byte=9 is out of range 0..8"},
      {"shift:layer=1,delta=0", "delta=0 changes nothing"},
      {"shift:layer=1,delta=x", "delta: not a number"},
      {"stuck:inst=1", "unknown kind 'stuck'"},
      {"sram:inst", "'inst' is not KEY=VALUE"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_expect_eq(m78_fault_parse(bad[i].spec, &f, err, sizeof err), -1, "%s accepted", bad[i].spec);
    cr_expect(strstr(err, bad[i].msg) != NULL, "%s: '%s' does not say '%s'", bad[i].spec, err, bad[i].msg);
  }
  struct m78_fault list[M78_MAX_FAULTS];
  cr_expect_eq(
      m78_fault_parse_list("shift:layer=1,delta=1;sram:inst=0,bit=0,value=0", list, M78_MAX_FAULTS, err, sizeof err),
      2);
}

/* ---- image layout ---- */

Test(sramimage, offsets_follow_the_quadrants)
{
  cr_expect_eq(m78_sram_image_offset(0x50400000u), 0);
  cr_expect_eq(m78_sram_image_offset(0x5041FFFFu), 0x1FFFF);
  cr_expect_eq(m78_sram_image_offset(0x50800000u), 0x20000);
  cr_expect_eq(m78_sram_image_offset(0x5101FFFCu), 0x7FFFC);
  cr_expect_eq(m78_sram_image_offset(0x50420000u), -1, "the gap after quadrant 0's memory");
  cr_expect_eq(m78_sram_image_offset(0x503FFFFFu), -1);
  cr_expect_eq(m78_sram_image_offset(0x51020000u), -1);
  for (size_t off = 0; off < M78_SRAM_IMAGE_BYTES; off += 4093)
    cr_expect_eq(m78_sram_image_offset(m78_sram_image_addr(off)), (long)off);
}

/* ---- footprint files ---- */

static char *tmpdir(void)
{
  char *t = strdup("/tmp/m78-devdata-XXXXXX");
  cr_assert_not_null(mkdtemp(t));
  return t;
}

struct collected {
  struct m78_footprint_entry e[4096];
  int n;
};

static void collect(void *ctx, const struct m78_footprint_entry *e)
{
  struct collected *c = ctx;
  cr_assert_lt(c->n, 4096);
  c->e[c->n++] = *e;
}

Test(footprintfile, runs_read_back_entry_for_entry)
{
  /* two output passes of a 3x3 convolution writing with a stride
   * (wptr_inc 2, CHOFF 1), then a 32-bit layer: runs of both kinds */
  m78_sim *sim = m78_sim_new();
  m78_sim_keep_outputs(sim, 1);
  tu_init(sim, 1, 2, 0);
  static const int8_t k[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (int c = 0; c < 4; c++)
    tu_kernel3x3(sim, 0, c, k);
  for (uint32_t w = 0; w < 64; w++)
    tu_sram_put8(sim, 0, w, 0, (int)(w % 7) - 3);
  struct lregs l0 = {.rcnt = XCNT(4, 1),
                     .ccnt = XCNT(5, 1),
                     .lctrl0 = LC0_CONV,
                     .en = 0x00010001,
                     .lctrl1 = LCTRL1(0, 2, 0),
                     .mcnt = MCNT(0, 8),
                     .post = POST_SHIFT(7),
                     .wptr = DPTR(3, 0x10),
                     .moff = 0x2000,
                     .choff = 1};
  struct lregs l1 = {.rcnt = XCNT(3, 1),
                     .ccnt = XCNT(3, 1),
                     .lctrl0 = LC0_CONV | LC0_BIGDWRT,
                     .en = 0x00010001,
                     .lctrl1 = LCTRL1(0, 0, 8),
                     .mcnt = MCNT(0, 8),
                     .wptr = DPTR(6, 0x200),
                     .moff = 0x2000};
  tu_program(sim, 0, 0, &l0);
  tu_program(sim, 0, 1, &l1);
  tu_start_and_run(sim, 1, 0);
  char *dir = tmpdir();
  char err[256];
  cr_assert_eq(m78_dump_sram(sim, dir, err, sizeof err), 0, "%s", err);
  char path[512];
  snprintf(path, sizeof path, "%s/footprint.bin", dir);
  struct m78_footprints fp;
  cr_assert_eq(m78_footprints_load(path, &fp, err, sizeof err), 0, "%s", err);
  cr_assert_eq(fp.nlayers, 2);
  for (int l = 0; l < 2; l++) {
    struct collected *c = calloc(1, sizeof *c);
    cr_assert_gt(m78_layer_footprint(sim, l, collect, c), 0);
    int k = 0;
    for (size_t r = 0; r < fp.layers[l].nruns; r++) {
      const struct m78_fp_run *run = &fp.layers[l].runs[r];
      for (uint32_t i = 0; i < run->count; i++, k++) {
        cr_assert_lt(k, c->n);
        const struct m78_footprint_entry *e = &c->e[k];
        cr_expect(e->inst == run->inst && e->lanes == run->lanes && e->channel == run->channel &&
                      e->pixel == run->pixel0 + (int)i && e->word == run->word0 + (uint32_t)((int32_t)i * run->step),
                  "layer %d entry %d differs from run %zu element %u", l, k, r, i);
      }
    }
    cr_expect_eq(k, c->n, "layer %d: %d entries in the file, %d from the simulator", l, k, c->n);
    cr_expect_lt(fp.layers[l].nruns, (size_t)c->n, "layer %d: runs merge entries", l);
    free(c);
  }
  long checked = 0;
  cr_expect_eq(m78_footprint_check(dir, &checked, err, sizeof err), -1, "no layer dumps yet: an error");
  m78_footprints_free(&fp);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_expect_eq(system(cmd), 0);
  free(dir);
  m78_sim_free(sim);
}

Test(footprintfile, garbage_is_rejected)
{
  char *dir = tmpdir();
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/footprint.bin", dir);
  FILE *f = fopen(path, "wb");
  fwrite("M78FOOT1\x02\x00\x00\x00\x00", 1, 13, f);
  fclose(f);
  struct m78_footprints fp;
  cr_expect_eq(m78_footprints_load(path, &fp, err, sizeof err), -1);
  cr_expect(strstr(err, "not a valid footprint file") != NULL, "%s", err);
  unlink(path);
  rmdir(dir);
  free(dir);
}

/* ---- device data ---- */

static char *write_tmp(const char *name, const void *data, size_t n)
{
  char *dir = tmpdir();
  char *path = m78u_path_join(dir, name);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite(data, 1, n, f);
  fclose(f);
  free(dir);
  return path;
}

Test(devdata, console_log_words_and_mismatch_lines)
{
  const char *log = "Waiting...\n"
                    "junk line 0x1234\n"
                    "0x50800010: 11223344 0xaabbccdd\r\n"
                    "Data mismatch (1/4) at address 0x50401000: Expected 0xfffecf58, read 0xfffed817.\n";
  char *p = write_tmp("board.log", log, strlen(log));
  struct m78dev_data d;
  char err[512];
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  long off = m78_sram_image_offset(0x50800010u);
  cr_expect_eq(d.img[off], 0x44);
  cr_expect_eq(d.img[off + 3], 0x11);
  cr_expect_eq(d.img[off + 4], 0xdd);
  cr_expect_eq(d.bits[off + 7], 0xFF);
  cr_expect_eq(d.line[off], 3);
  cr_expect_eq(d.observed, 8u);
  cr_assert_eq(d.nmismatch, 1u);
  cr_expect_eq(d.mismatch[0].addr, 0x50401000u);
  cr_expect_eq(d.mismatch[0].read, 0xfffed817u);
  cr_expect_eq(d.mismatch[0].line, 4);
  cr_expect_eq(d.has_output, 0);
  m78dev_free(&d);
  unlink(p);
  free(p);
}

Test(devdata, capture_blocks_set_the_layer_and_must_be_complete)
{
  const char *ok = "max78sim capture: layer 3, stop-after 3, 3 words\n"
                   "0x50400000: 00000001 00000002\n0x50400008: 00000003\nmax78sim capture: end\n";
  const char *cut = "max78sim capture: layer 3, stop-after 3, 3 words\n0x50400000: 00000001 00000002\n";
  struct m78dev_data d;
  char err[512];
  char *p = write_tmp("cap.log", ok, strlen(ok));
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.stop_after, 3);
  cr_expect_eq(d.observed, 12u);
  m78dev_free(&d);
  free(p);
  p = write_tmp("cut.log", cut, strlen(cut));
  m78dev_init(&d);
  cr_expect_eq(m78dev_load(&d, p, err, sizeof err), -1);
  cr_expect(strstr(err, "has no end line (truncated log: 2 of 3 words)") != NULL, "%s", err);
  m78dev_free(&d);
  free(p);
}

Test(devdata, output_buffers_hex_and_csv)
{
  struct m78dev_data d;
  char err[512];
  const char *hex = "# ml_data\nfffecf58 0x00016cc1,\n0000b1ac\n";
  const char *csv = "-77992, 93377\n45484\n";
  const char *ambiguous = "12345678 00000010\n";
  char *p = write_tmp("out.hex", hex, strlen(hex));
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.output_hex, 1);
  cr_assert_eq(d.noutput, 3u);
  cr_expect_eq(d.output[0], 0xfffecf58);
  cr_expect_eq(d.output[1], 0x16cc1);
  m78dev_free(&d);
  free(p);
  p = write_tmp("out.csv", csv, strlen(csv));
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.output_hex, 0);
  cr_assert_eq(d.noutput, 3u);
  cr_expect_eq(d.output[0], -77992);
  m78dev_free(&d);
  free(p);
  p = write_tmp("amb.txt", ambiguous, strlen(ambiguous));
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.output_hex, 1, "8-digit tokens alone are hex words");
  cr_expect_eq(d.output[0], 0x12345678);
  m78dev_free(&d);
  free(p);
}

Test(devdata, binary_dumps_by_size_name_and_address)
{
  struct m78dev_data d;
  char err[512];
  unsigned char *q = calloc(M78_SRAM_QUAD_BYTES, 1);
  q[0] = 0x80; /* not text */
  q[5] = 0x42;
  char *p = write_tmp("sram_50c00000.bin", q, M78_SRAM_QUAD_BYTES);
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, p, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.img[m78_sram_image_offset(0x50c00005u)], 0x42);
  cr_expect_eq(d.observed, M78_SRAM_QUAD_BYTES);
  m78dev_free(&d);
  free(p);
  p = write_tmp("part.bin", q, 64);
  char *arg = m78u_xasprintf("%s@0x51000100", p);
  m78dev_init(&d);
  cr_assert_eq(m78dev_load(&d, arg, err, sizeof err), 0, "%s", err);
  cr_expect_eq(d.img[m78_sram_image_offset(0x51000105u)], 0x42);
  cr_expect_eq(d.observed, 64u);
  m78dev_free(&d);
  free(arg);
  free(p);
  p = write_tmp("short.bin", q, 4096);
  m78dev_init(&d);
  cr_expect_eq(m78dev_load(&d, p, err, sizeof err), -1);
  cr_expect(strstr(err, "binary dump of 4096 bytes") != NULL, "%s", err);
  m78dev_free(&d);
  free(p);
  free(q);
}
