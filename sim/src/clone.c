/*
 * Copies of an instance.  The hardware state is the part of struct
 * m78_sim above its host wiring (sim_internal.h), so a copy of that
 * prefix is a complete snapshot; the copy gets fresh host wiring.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

m78_sim *m78_sim_clone(const m78_sim *src)
{
  /* a running inference also lives in results and streams: not copied */
  if (src->state == M78_RUNNING)
    return NULL;
  m78_sim *sim = m78_sim_new();
  if (!sim)
    return NULL;
  memcpy(sim, src, offsetof(struct m78_sim, streams));
  return sim;
}
