/*
 * Copies of an instance.  The hardware state is the part of struct
 * m78_sim above its host wiring (sim_internal.h), so a copy of that
 * prefix is a complete snapshot; the destination keeps its own wiring.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sim_internal.h"

int m78_sim_copy_state(m78_sim *dst, const m78_sim *src)
{
  /* a running inference also lives in results and streams: not copied */
  if (src->state == M78_RUNNING || dst == src)
    return -1;
  m78_sim_reset(dst);
  memcpy(dst, src, offsetof(struct m78_sim, streams));
  dst->energy_gen++;
  return 0;
}

m78_sim *m78_sim_clone(const m78_sim *src)
{
  if (src->state == M78_RUNNING)
    return NULL;
  m78_sim *sim = m78_sim_new();
  if (sim)
    m78_sim_copy_state(sim, src);
  return sim;
}
