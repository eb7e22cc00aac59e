/*
 * Benchmark mode of a firmware process: records the first inference and
 * replays it in-process to time the simulator alone (bench.c).
 */
#ifndef M78_BENCH_H
#define M78_BENCH_H

#include <cjson/cJSON.h>
#include "max78sim/sim.h"

/* Reads M78SIM_BENCH (replay count); 0 when off or on, -1 after printing
 * an error. */
int m78bench_init(void);
int m78bench_active(void);
/* Every CNN bus access (after it took effect) and inference event of the
 * live simulator. */
void m78bench_access(const struct m78_access *a);
void m78bench_event(enum m78_event ev);
/* The count of the firmware's accesses through the bridge so far, for
 * the weight load's "bridge_accesses" (runtime_host.c: the bridge's
 * statistics; max78sim-arm: every CNN access is one).  Set before the
 * run. */
void m78bench_set_access_count(uint64_t (*count)(void));
/* How the report's "bridge" object is measured: the mechanism's name and
 * the host time of one 32-bit store and one load through it with bus
 * callbacks that do nothing (runtime_host.c; none on Arm). */
void m78bench_set_bridge_probe(void (*probe)(const char **mechanism, double *store_ns, double *load_ns));
/* Replays and adds the "bench" object to the report (no-op when off). */
void m78bench_report(cJSON *doc);

#endif
