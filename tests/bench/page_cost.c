/*
 * What the fork server's design rests on, measured on this host:
 *   page_cost [MB]
 * the cost of a fork whose child writes every page of an N MB heap once
 * (a copy-on-write fault per page, what a forked inference pays), of the
 * same with the pages copied by one madvise(MADV_POPULATE_WRITE) instead
 * of faults, and of copying N MB with memcpy (what a roll-back pays,
 * firmware_shim/src/rollback.c).  A benchmark: it prints, asserts nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
  size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 8, n = mb << 20, pages = n / 4096;
  const int reps = 10;
  if (!mb) {
    fprintf(stderr, "usage: page_cost [MB > 0]\n");
    return 2;
  }
  char *p = mmap(NULL, 2 * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return 1;
  memset(p, 1, 2 * n);
  static const char *what[] = {"fork, child writes nothing", "fork, child writes every page (COW faults)",
                               "fork, child MADV_POPULATE_WRITE"};
  double base = 0;
  for (int mode = 0; mode < 3; mode++) {
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
      pid_t c = fork();
      if (c == 0) {
        if (mode == 1)
          for (size_t i = 0; i < n; i += 4096)
            p[i] = 2;
        if (mode == 2)
          madvise(p, n, MADV_POPULATE_WRITE);
        _exit(0);
      }
      waitpid(c, NULL, 0);
    }
    double t = (now_s() - t0) / reps;
    if (mode == 0)
      base = t;
    printf("%-44s %8.3f ms", what[mode], t * 1e3);
    if (mode)
      printf("  (%.2f us per page beyond the fork)", (t - base) * 1e6 / (double)pages);
    printf("\n");
  }
  double t0 = now_s();
  for (int r = 0; r < reps; r++) {
    memcpy(p + n, p, n);
    __asm__ volatile("" ::: "memory");
  }
  double t = (now_s() - t0) / reps;
  printf("%-44s %8.3f ms  (%.2f us per page)\n", "memcpy of the same memory", t * 1e3, t * 1e6 / (double)pages);
  printf("%zu MB, %zu pages, %d repetitions each\n", mb, pages, reps);
  return 0;
}
