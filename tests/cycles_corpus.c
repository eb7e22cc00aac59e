/*
 * Corpus-wide check of the cycle model: for every case of the corpus,
 * every layer that izer does not mark as an estimate must take exactly
 * izer's `latency_cycles` (expected.json).
 *
 *   cycles_corpus [--corpus DIR] [--verbose] [CASE...]
 *
 * Each case's register program (cnn_init, cnn_configure, cnn_start of its
 * cnn.c) is replayed on a fresh simulator instance through the bus
 * (host/src/regprog.c); the master enable at the end of cnn_start()
 * starts the run, which decodes every layer and accounts its cycles.  The datapath is never run (no weights or input needed),
 * so the whole corpus takes a second, and the test checks the same
 * decoder and timing code that `max78sim run` uses.
 *
 * Exit status: 0 all compared layers match, 1 a mismatch or a case that
 * could not be replayed, 2 bad usage, 77 no corpus.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "max78sim/sim.h"
#include "m78host/regprog.h"
#include "m78host/util.h"

#define EXIT_SKIP 77

struct totals {
  long cases, compared, estimates, mismatches, failed_cases;
};

static void check_case(const char *corpus, const char *name, int verbose, struct totals *t)
{
  char path[4096];
  char why[256] = "";
  snprintf(path, sizeof path, "%s/%s/firmware/cnn.c", corpus, name);
  char *cnn = m78u_read_file(path, NULL);
  snprintf(path, sizeof path, "%s/%s/expected.json", corpus, name);
  char *exp = m78u_read_file(path, NULL);
  cJSON *doc = exp ? cJSON_Parse(exp) : NULL;
  m78_sim *sim = m78_sim_new();
  t->cases++;
  if (!cnn || !doc || !sim) {
    printf("FAIL %s: cannot read %s\n", name, !cnn ? "firmware/cnn.c" : "expected.json");
    t->failed_cases++;
    goto out;
  }
  if (m78_regprog_replay(sim, cnn, why, sizeof why) < 0) {
    printf("FAIL %s: %s\n", name, why);
    t->failed_cases++;
    goto out;
  }
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(doc, "layers");
  const cJSON *l;
  long compared = 0, bad = 0;
  cJSON_ArrayForEach(l, layers)
  {
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(l, "index");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(l, "latency_cycles");
    const cJSON *est = cJSON_GetObjectItemCaseSensitive(l, "latency_is_estimate_only");
    if (!cJSON_IsNumber(idx) || !cJSON_IsNumber(lat))
      continue;
    if (cJSON_IsTrue(est)) {
      t->estimates++;
      continue;
    }
    const struct m78_layer_result *r = m78_sim_layer_result(sim, idx->valueint);
    compared++;
    if (!r || r->error[0] || (double)r->cycles != lat->valuedouble) {
      bad++;
      if (!r)
        printf("FAIL %s layer %d: not part of the run (izer: %.0f cycles)\n", name, idx->valueint, lat->valuedouble);
      else if (r->error[0])
        printf("FAIL %s layer %d: cannot run: %s\n", name, idx->valueint, r->error);
      else
        printf("FAIL %s layer %d: %llu cycles, izer %.0f\n", name, idx->valueint, (unsigned long long)r->cycles,
               lat->valuedouble);
    }
  }
  t->compared += compared;
  t->mismatches += bad;
  if (verbose && !bad)
    printf("ok   %s: %ld layers\n", name, compared);
out:
  m78_sim_free(sim);
  cJSON_Delete(doc);
  free(exp);
  free(cnn);
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
  const char *corpus = M78_DEFAULT_CORPUS;
  int verbose = 0, first_case = argc;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
      corpus = argv[++i];
    else if (strcmp(argv[i], "--verbose") == 0)
      verbose = 1;
    else if (strcmp(argv[i], "--help") == 0 || argv[i][0] == '-') {
      fprintf(argv[i][1] == 'h' || argv[i][2] == 'h' ? stdout : stderr,
              "usage: cycles_corpus [--corpus DIR] [--verbose] [CASE...]\n");
      return argv[i][2] == 'h' ? 0 : 2;
    } else {
      first_case = i;
      break;
    }
  }
  struct stat st;
  if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("SKIP: no corpus at %s\n", corpus);
    return EXIT_SKIP;
  }
  char **names = NULL;
  size_t n = 0;
  if (first_case < argc) {
    names = calloc((size_t)(argc - first_case), sizeof *names);
    for (int i = first_case; i < argc; i++)
      names[n++] = strdup(argv[i]);
  } else {
    DIR *d = opendir(corpus);
    struct dirent *e;
    size_t cap = 0;
    while (d && (e = readdir(d))) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s/expected.json", corpus, e->d_name);
      if (e->d_name[0] == '.' || stat(p, &st) != 0)
        continue;
      if (n == cap)
        names = realloc(names, (cap = cap ? 2 * cap : 256) * sizeof *names);
      names[n++] = strdup(e->d_name);
    }
    if (d)
      closedir(d);
    qsort(names, n, sizeof *names, by_name);
  }
  struct totals t = {0};
  for (size_t i = 0; i < n; i++) {
    check_case(corpus, names[i], verbose, &t);
    free(names[i]);
  }
  free(names);
  printf("%ld cases, %ld layers compared with izer's latency_cycles, %ld mismatches; %ld estimate-only (streaming) "
         "layers not compared; %ld cases could not be replayed\n",
         t.cases, t.compared, t.mismatches, t.estimates, t.failed_cases);
  return (t.mismatches || t.failed_cases || t.compared == 0) ? 1 : 0;
}
