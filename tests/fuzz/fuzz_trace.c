/*
 * libFuzzer target: the register trace reader (host/src/trace.c).  Any
 * bytes are parsed; a trace the reader accepts is replayed against a
 * fresh simulator when it is small, so the replay sees what the reader
 * lets through.  A rejection must come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "m78host/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct m78_trace t;
  char err[512] = "";
  if (m78_trace_parse((const char *)data, size, &t, err, sizeof err) != 0) {
    if (!err[0])
      abort(); /* every refusal names its reason */
    return 0;
  }
  if (t.n <= 4096) {
    m78_sim *sim = m78_sim_new();
    struct m78_replay_result r;
    m78_trace_replay(sim, &t, &r);
    m78_sim_free(sim);
  }
  m78_trace_free(&t);
  return 0;
}
