/*
 * The C API's per-inference time, for tests/bench/py_overhead.py:
 *   net_bench PROJECT N LAYERS   (LAYERS 1: keep every layer's output)
 * runs PROJECT's baked sample 10 times to warm up, then N times through
 * m78net_run, and prints the wall seconds per timed inference and the
 * seconds of its own CPU time per inference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include "max78sim/net.h"

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: net_bench PROJECT N LAYERS\n");
    return 2;
  }
  struct m78net_error e;
  m78net *net;
  if (m78net_open(&net, argv[1], NULL, &e) != M78NET_OK) {
    fprintf(stderr, "net_bench: %s\n", e.msg);
    return 2;
  }
  int c, h, w, n = atoi(argv[2]);
  unsigned flags = atoi(argv[3]) ? M78NET_LAYERS : 0;
  m78net_input_shape(net, &c, &h, &w);
  struct timespec t0, t1;
  /* as the Python side: 10 inferences of warm-up, then N timed */
  struct rusage u0, u1;
  for (int i = -10; i < n; i++) {
    if (i == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t0);
      getrusage(RUSAGE_SELF, &u0);
    }
    m78net_result *r;
    if (m78net_run(net, m78net_sample(net), (size_t)c * h * w, flags, &r, &e) != M78NET_OK) {
      fprintf(stderr, "net_bench: %s\n", e.msg);
      return 1;
    }
    m78net_result_free(r);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  getrusage(RUSAGE_SELF, &u1);
  /* wall time per inference, and this process's own CPU time per inference
   * (the API's work: the simulation runs in the firmware process) */
  double cpu = (double)(u1.ru_utime.tv_sec - u0.ru_utime.tv_sec + u1.ru_stime.tv_sec - u0.ru_stime.tv_sec) +
               (double)(u1.ru_utime.tv_usec - u0.ru_utime.tv_usec + u1.ru_stime.tv_usec - u0.ru_stime.tv_usec) * 1e-6;
  printf("%.9f %.9f\n", ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9) / n, cpu / n);
  m78net_close(net);
  return 0;
}
