/*
 * libFuzzer target: the register bus.  The input is a program of 9-byte
 * operations against a fresh simulator: op (bits 0-1: write, read, run,
 * power/clock; bits 2-3: width 1, 2, 4), a 32-bit offset into the CNN
 * window and a 32-bit value, little endian (gen_seeds.py turns the
 * recorded traces into such programs).  Then the simulator is powered,
 * clocked and run for a bounded number of cycles: it must end with a
 * result or guest errors, never a crash, a sanitizer report or a hang
 * (libFuzzer's -timeout).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "max78sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OP_BYTES 9
#define MAX_OPS 4096
#define RUN_STEP_MAX 100000u /* cycles one run operation may advance */
#define FINAL_RUN 2000000u   /* cycles after the program */

static uint32_t le32(const uint8_t *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned widths[4] = {1, 2, 4, 4};
  m78_sim *sim = m78_sim_new();
  if (!sim)
    return 0;
  m78_sim_set_power(sim, 0xF, 0);
  m78_sim_set_clock_enabled(sim, 1);
  size_t nops = size / OP_BYTES;
  if (nops > MAX_OPS)
    nops = MAX_OPS;
  for (size_t i = 0; i < nops; i++) {
    const uint8_t *p = data + i * OP_BYTES;
    unsigned kind = p[0] & 3u, width = widths[(p[0] >> 2) & 3u];
    uint32_t addr = M78_CNN_BASE + le32(p + 1) % (M78_CNN_END - M78_CNN_BASE), v = le32(p + 5), got = 0;
    if (width < 4)
      v &= (1u << (8 * width)) - 1u;
    switch (kind) {
    case 0: (void)m78_bus_write(sim, addr, width, v); break;
    case 1: (void)m78_bus_read(sim, addr, width, &got); break;
    case 2: m78_sim_run_until(sim, m78_sim_now(sim) + v % RUN_STEP_MAX); break;
    default:
      if (p[1] & 1)
        m78_sim_set_power(sim, v & 0xF, (v >> 4) & 0xF);
      else
        m78_sim_set_clock_enabled(sim, (int)(v & 1));
      break;
    }
  }
  m78_sim_set_power(sim, 0xF, 0);
  m78_sim_set_clock_enabled(sim, 1);
  m78_sim_run_until(sim, m78_sim_now(sim) + FINAL_RUN);
  const struct m78_counters *c = m78_sim_counters(sim);
  if (c->guest_errors && !c->last_error[0])
    abort(); /* a counted guest error says what it was */
  for (int l = 0; l < m78_sim_layer_count(sim); l++)
    (void)m78_sim_layer_result(sim, l);
  m78_sim_free(sim);
  return 0;
}
