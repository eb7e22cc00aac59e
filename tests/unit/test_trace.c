/*
 * Unit tests of the trace library (host/src/trace.c): base64, the
 * compaction of the writer (format, parse again, same items), the
 * loader's checks, and replay against a simulator.  Traces are built in
 * memory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m78host/trace.h"

/* ---- base64 ---- */

Test(trace_base64, rfc4648_vectors)
{
  static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    char *e = m78_base64_encode(plain[i], strlen(plain[i]));
    cr_assert_str_eq(e, coded[i]);
    size_t n = 99;
    uint8_t *d = m78_base64_decode(coded[i], &n);
    cr_assert_not_null(d);
    cr_assert_eq(n, strlen(plain[i]));
    cr_assert(memcmp(d, plain[i], n) == 0);
    free(e);
    free(d);
  }
}

Test(trace_base64, rejects_malformed)
{
  static const char *const bad[] = {"Zm9", "Zm=v", "Z!==", "Zg=a", "=Zg=", "Zg==Zg=="};
  for (int i = 0; i < 6; i++) {
    size_t n;
    uint8_t *d = m78_base64_decode(bad[i], &n);
    cr_assert_null(d, "accepted \"%s\"", bad[i]);
  }
}

/* ---- write, parse: the same items ---- */

static void add(struct m78_trace *t, uint64_t tt, int kind, uint32_t a, uint32_t v, int width, int status, int known)
{
  struct m78_trace_item it = {.t = tt,
                              .a = a,
                              .v = v,
                              .kind = (uint8_t)kind,
                              .width = (uint8_t)width,
                              .status = (uint8_t)status,
                              .known = (uint8_t)known};
  cr_assert_eq(m78_trace_add(t, &it), 0);
}

/* A trace with every kind of item and the patterns the writer compacts. */
static void build(struct m78_trace *t)
{
  m78_trace_init(t);
  uint64_t tt = 0;
  add(t, tt, M78_TRACE_CLOCK, 0, 0, 0, 0, 0);
  add(t, tt, M78_TRACE_POWER, 0xF, 0, 0, 0, 0);
  add(t, tt += 9, M78_TRACE_CLOCK, 1, 0, 0, 0, 0);
  add(t, tt += 3, M78_TRACE_WRITE, 0x50100000, 0x00100008, 4, M78_OK, 0);
  add(t, tt += 3, M78_TRACE_WRITE, 0x50100004, 0x0000040e, 4, M78_OK, 0);
  /* kernel memory: byte write then a run of words with a constant step */
  add(t, tt += 3, M78_TRACE_WRITE, 0x50180001, 0x01, 1, M78_OK, 0);
  for (uint32_t i = 0; i < 50; i++)
    add(t, tt += 3, M78_TRACE_WRITE, 0x50180000 + 4 * i, i * 0x01020304u, 4, M78_OK, 0);
  /* a memset: constant value */
  for (uint32_t i = 0; i < 10; i++)
    add(t, tt += 3, M78_TRACE_WRITE, 0x50400000 + 4 * i, 0, 4, M78_OK, 0);
  /* FIFO pushes with status polls, uneven spacing (ISO clock) */
  for (uint32_t i = 0; i < 30; i++) {
    add(t, tt += 2 + (i % 3 == 0), M78_TRACE_READ, 0x50000004, 0, 4, M78_OK, 1);
    add(t, tt += 2 + (i % 4 == 0), M78_TRACE_WRITE, 0x50000008, 0xA5000000u + i, 4, M78_OK, 0);
  }
  /* a guest error, an unchecked read, a 16-bit access */
  add(t, tt += 3, M78_TRACE_WRITE, 0x50101000, 1, 4, M78_E_READONLY, 0);
  add(t, tt += 3, M78_TRACE_READ, 0x50100000, 0, 4, M78_OK, 0);
  add(t, tt += 3, M78_TRACE_WRITE, 0x50110002, 0xBEEF, 2, M78_OK, 0);
  /* an unload: reads with changing values, a long wait before it */
  tt += 100000;
  for (uint32_t i = 0; i < 12; i++)
    add(t, tt += 3, M78_TRACE_READ, 0x50402000 + 4 * i, i * 77u, 4, M78_OK, 1);
  add(t, tt += 5, M78_TRACE_POWER, 0, 0xF, 0, 0, 0);
  add(t, tt, M78_TRACE_END, 0, 0, 0, 0, 0);
  m78_trace_set_run(t, "tests/fw/x", "pass", "exit", 0, "");
}

Test(trace_format, round_trip_keeps_every_item)
{
  struct m78_trace t, u;
  build(&t);
  char *text = m78_trace_format(&t);
  cr_assert_not_null(text);
  char err[512] = "";
  int rc = m78_trace_parse(text, strlen(text), &u, err, sizeof err);
  cr_assert_eq(rc, 0, "parse failed: %s", err);
  cr_assert_eq(u.n, t.n);
  for (size_t i = 0; i < t.n; i++) {
    const struct m78_trace_item *a = &t.items[i], *b = &u.items[i];
    cr_assert(a->t == b->t && a->a == b->a && a->v == b->v && a->kind == b->kind && a->width == b->width &&
                  a->status == b->status && (a->kind != M78_TRACE_READ || a->known == b->known),
              "item %zu differs after the round trip", i);
  }
  /* compacted: the kernel run, the memset, the FIFO loop and the unload
   * are one entry each */
  cr_assert_lt(u.entries, 25, "%zu entries for %zu items", u.entries, t.n);
  cr_assert(strstr(text, "\"dt\":") != NULL, "uneven FIFO spacing must be kept as dt");
  cr_assert(strstr(text, "\"step\":3") != NULL);
  cr_assert(strstr(text, "\"status\":\"readonly\"") != NULL);
  cr_assert_str_eq(u.firmware, "tests/fw/x");
  cr_assert_str_eq(u.kat, "pass");
  /* writing the parsed trace again gives the same text */
  char *again = m78_trace_format(&u);
  cr_assert_str_eq(again, text);
  free(again);
  free(text);
  m78_trace_free(&t);
  m78_trace_free(&u);
}

Test(trace_format, register_writes_stay_single)
{
  struct m78_trace t, u;
  m78_trace_init(&t);
  for (uint32_t i = 0; i < 20; i++) /* 20 consecutive LCTRL0 writes, stride 4: still single */
    add(&t, 10 + 3 * i, M78_TRACE_WRITE, 0x50100590 + 4 * i, i, 4, M78_OK, 0);
  char *text = m78_trace_format(&t);
  char err[256];
  cr_assert_eq(m78_trace_parse(text, strlen(text), &u, err, sizeof err), 0, "%s", err);
  cr_assert_eq(u.entries, 20);
  cr_assert_null(strstr(text, "\"block\""));
  free(text);
  m78_trace_free(&t);
  m78_trace_free(&u);
}

/* ---- loader checks ---- */

static const char *head = "{\"format\":\"max78sim-trace\",\"version\":1,\"device\":\"MAX78000\","
                          "\"clock\":{\"cnn_hz\":50000000,\"source\":\"PCLK\",\"divider\":1},\"entries\":[";

static void expect_error(const char *entries, const char *want)
{
  char text[2048], err[512] = "";
  snprintf(text, sizeof text, "%s%s]}", head, entries);
  struct m78_trace t;
  int rc = m78_trace_parse(text, strlen(text), &t, err, sizeof err);
  cr_assert_eq(rc, -1, "accepted: %s", entries);
  cr_assert(strstr(err, want) != NULL, "message \"%s\" lacks \"%s\"", err, want);
}

Test(trace_load, names_the_entry_at_fault)
{
  expect_error("{\"t\":1,\"op\":\"w\",\"addr\":\"0x50100000\",\"width\":4,\"value\":\"0x1\"},"
               "{\"t\":2,\"op\":\"w\",\"addr\":\"0x10000000\",\"width\":4,\"value\":\"0x1\"}",
               "entries[1]: address 0x10000000 is outside the CNN's address map");
  expect_error("{\"t\":1,\"op\":\"w\",\"addr\":\"0x50100ff0\",\"width\":4,\"value\":\"0x1\"}",
               "entries[0]: address 0x50100ff0 is outside the CNN's address map (no register");
  expect_error("{\"t\":1,\"op\":\"w\",\"addr\":\"0x50100000\",\"width\":1,\"value\":\"0x100\"}",
               "entries[0]: value 0x100 does not fit in 1 bytes");
  expect_error("{\"t\":1.5,\"op\":\"end\"}", "entries[0]: \"t\" is not an integer");
  expect_error("{\"t\":1,\"op\":\"power\",\"on\":\"0x1f\",\"reset\":\"0x0\"}", "entries[0]: \"on\" and \"reset\"");
  expect_error("{\"t\":1,\"op\":\"w\",\"addr\":\"0x50100000\",\"width\":4,\"value\":\"0x1\",\"status\":\"odd\"}",
               "entries[0]: unknown \"status\"");
  expect_error("{\"t\":1,\"op\":\"block\",\"count\":2,\"stride\":4,\"pattern\":[{\"op\":\"w\",\"addr\":\"0x50400000\","
               "\"width\":4}],\"data\":\"AAAAAAAAAAA=\",\"step\":1,\"dt\":\"AA==\"}",
               "entries[0]: a block needs exactly one of \"step\" and \"dt\"");
  expect_error("{\"t\":1,\"op\":\"block\",\"count\":3,\"stride\":4,\"pattern\":[{\"op\":\"w\",\"addr\":\"0x50400000\","
               "\"width\":4,\"value\":\"0x0\"}],\"dt\":\"AQ==\"}",
               "entries[0]: \"dt\" ends after 1 of the 2 time differences");
  expect_error("[1]", "entries[0]: not a JSON object");
}

Test(trace_load, recorded_guest_errors_are_accepted)
{
  char text[512], err[256];
  snprintf(text, sizeof text, "%s%s]}", head,
           "{\"t\":1,\"op\":\"w\",\"addr\":\"0x50100ff0\",\"width\":4,\"value\":\"0x1\",\"status\":\"unmapped\"},"
           "{\"t\":2,\"op\":\"r\",\"addr\":\"0x50100002\",\"width\":4,\"status\":\"align\"}");
  struct m78_trace t;
  cr_assert_eq(m78_trace_parse(text, strlen(text), &t, err, sizeof err), 0, "%s", err);
  cr_assert_eq(t.n, 2);
  cr_assert_eq(t.items[0].status, M78_E_UNMAPPED);
  cr_assert_eq(t.items[1].known, 0);
  m78_trace_free(&t);
}

/* ---- replay ---- */

Test(trace_replay, reads_are_checked_and_time_is_honoured)
{
  struct m78_trace t;
  m78_trace_init(&t);
  add(&t, 10, M78_TRACE_WRITE, 0x50400010, 0x12345678, 4, M78_OK, 0);
  add(&t, 20, M78_TRACE_READ, 0x50400010, 0x12345678, 4, M78_OK, 1);
  add(&t, 30, M78_TRACE_READ, 0x50400012, 0x1234, 2, M78_OK, 1);
  add(&t, 40, M78_TRACE_WRITE, 0x50101000, 0, 4, M78_E_READONLY, 0); /* MLAT is read-only */
  add(&t, 500, M78_TRACE_END, 0, 0, 0, 0, 0);
  m78_sim *sim = m78_sim_new();
  struct m78_replay_result r;
  m78_trace_replay(sim, &t, &r);
  cr_assert_eq(r.accesses, 4);
  cr_assert_eq(r.reads_checked, 2);
  cr_assert_eq(r.mismatches, 0);
  cr_assert(r.ended);
  cr_assert_eq(m78_sim_now(sim), 500);
  cr_assert_eq(m78_sim_counters(sim)->guest_errors, 1);

  /* the same trace with a wrong recorded value */
  t.items[2].v = 0x5678;
  m78_sim_reset(sim);
  m78_trace_replay(sim, &t, &r);
  cr_assert_eq(r.mismatches, 1);
  cr_assert_eq(r.first.t, 30);
  cr_assert_eq(r.first_got, 0x1234);
  m78_sim_free(sim);
  m78_trace_free(&t);
}
