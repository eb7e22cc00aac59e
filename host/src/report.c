/*
 * Run reports and layer dumps (see report.h).  Everything in the report
 * comes from the simulator's own accounting, so a replay of the same
 * accesses produces the same bytes.
 */
#define _GNU_SOURCE /* realpath, O_NOFOLLOW */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "m78host/report.h"

static cJSON *shape3(int c, int h, int w)
{
  int v[3] = {c, h, w};
  return cJSON_CreateIntArray(v, 3);
}

/* The output-map holes of a layer (slots that take no bias), as hex. */
static void add_gap_slots(cJSON *o, const struct m78_layer_result *r)
{
  char gs[24];
  snprintf(gs, sizeof gs, "0x%016llx", (unsigned long long)r->layer.gap_slots);
  cJSON_AddStringToObject(o, "gap_slots", gs);
}

/* Slots per output pass and output passes of a layer's dump.  A
 * passthrough layer writes its processors once per input pass, pass-major
 * (out_c = processors x passes), like a multi-pass convolution. */
static void slot_geometry(const struct m78_layer_result *r, int *spp, int *passes)
{
  int ne = r->layer.ne > 0 ? r->layer.ne : 1;
  if (r->layer.kind == M78_LAYER_PASSTHROUGH) {
    *spp = r->out_c % ne == 0 ? r->out_c / ne : r->out_c;
    *passes = r->out_c % ne == 0 ? ne : 1;
  } else {
    *spp = r->layer.slots_per_pass;
    *passes = r->layer.out_passes;
  }
}

static void add_slot_geometry(cJSON *o, const struct m78_layer_result *r)
{
  int spp, passes;
  slot_geometry(r, &spp, &passes);
  cJSON_AddNumberToObject(o, "slots_per_pass", spp);
  cJSON_AddNumberToObject(o, "out_passes", passes);
}

static double cycles_to_us(uint64_t cycles, uint64_t hz)
{
  return hz ? (double)cycles * 1e6 / (double)hz : 0.0;
}

/* Round to 1/100 us so reports do not carry float noise. */
static double round2(double v)
{
  return (double)(long long)(v * 100.0 + (v >= 0 ? 0.5 : -0.5)) / 100.0;
}
/* Energies to 1/10000 uJ (0.1 nJ). */
static double round4(double v)
{
  return (double)(long long)(v * 1e4 + (v >= 0 ? 0.5 : -0.5)) / 1e4;
}

/* What the firmware process knows beside the simulator: the CPU's loading
 * phases, the power monitor's view and, for an Arm run, the CPU. */
static void add_run_sections(cJSON *doc, const struct m78_run_info *info)
{
  if (info->n_phases > 0) {
    cJSON *cpu = cJSON_AddObjectToObject(doc, "loading");
    for (int i = 0; i < info->n_phases; i++) {
      const struct m78_phase_info *p = &info->phases[i];
      cJSON *o = cJSON_AddObjectToObject(cpu, p->name);
      cJSON_AddNumberToObject(o, "time_us", round2(p->time_us));
      cJSON_AddNumberToObject(o, "energy_uj", round4(p->energy_uj));
      cJSON_AddNumberToObject(o, "accesses", (double)p->accesses);
      cJSON_AddNumberToObject(o, "bytes", (double)p->bytes);
      cJSON_AddNumberToObject(o, "segments", (double)p->segments);
      cJSON_AddNumberToObject(o, "mb_per_s", p->time_us > 0 ? round2((double)p->bytes / p->time_us) : 0.0);
    }
  }
  if (info->monitor && info->monitor->valid) {
    const struct m78_monitor_info *m = info->monitor;
    cJSON *mon = cJSON_AddObjectToObject(doc, "power_monitor");
    cJSON_AddNumberToObject(mon, "repetitions", m->repetitions);
    cJSON_AddNumberToObject(mon, "idle_mw", round4(m->idle_mw));
    cJSON_AddNumberToObject(mon, "idle_time_us", round2(m->idle_time_us));
    cJSON *st = cJSON_AddArrayToObject(mon, "stages");
    for (int i = 0; i < m->n; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", m->stages[i].name);
      cJSON_AddNumberToObject(o, "time_us", round2(m->stages[i].time_us));
      cJSON_AddNumberToObject(o, "energy_uj", round4(m->stages[i].energy_uj));
      cJSON_AddItemToArray(st, o);
    }
  }
  if (info->cpu) {
    cJSON *cpu = cJSON_AddObjectToObject(doc, "cpu");
    cJSON_AddStringToObject(cpu, "model", "Cortex-M4 (max78sim-arm)");
    cJSON_AddNumberToObject(cpu, "instructions", (double)info->cpu->instructions);
    cJSON_AddNumberToObject(cpu, "cycles", (double)info->cpu->cycles);
    cJSON_AddNumberToObject(cpu, "guest_errors", (double)info->cpu->guest_errors);
    cJSON_AddStringToObject(cpu, "first_error", info->cpu->first_error ? info->cpu->first_error : "");
  }
}

cJSON *m78_report_build(const m78_sim *sim, const struct m78_run_info *info)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddNumberToObject(doc, "schema", 1);
  cJSON_AddStringToObject(doc, "tool", "max78sim");
  cJSON_AddStringToObject(doc, "version", M78_VERSION_STRING);

  cJSON *stop = cJSON_AddObjectToObject(doc, "stop");
  cJSON_AddStringToObject(stop, "reason", info->stop_reason ? info->stop_reason : "exit");
  cJSON_AddNumberToObject(stop, "exit_code", info->exit_code);
  cJSON_AddStringToObject(stop, "detail", info->stop_detail ? info->stop_detail : "");

  cJSON *clk = cJSON_AddObjectToObject(doc, "clock");
  cJSON_AddNumberToObject(clk, "cnn_hz", (double)info->cnn_hz);
  cJSON_AddStringToObject(clk, "source", info->clock_source ? info->clock_source : "PCLK");
  cJSON_AddNumberToObject(clk, "divider", info->divider);

  cJSON *inf = cJSON_AddObjectToObject(doc, "inference");
  uint64_t start = m78_sim_run_start(sim), end = m78_sim_run_end(sim);
  uint64_t cycles = end > start ? end - start : 0;
  cJSON_AddNumberToObject(inf, "runs", m78_sim_runs(sim));
  cJSON_AddNumberToObject(inf, "start_cycle", (double)start);
  cJSON_AddNumberToObject(inf, "end_cycle", (double)end);
  cJSON_AddNumberToObject(inf, "cycles", (double)cycles);
  cJSON_AddNumberToObject(inf, "time_us", round2(cycles_to_us(cycles, info->cnn_hz)));
  double e_dyn = 0, e_static = 0;
  uint64_t macs = 0;
  for (int i = 0; i < m78_sim_layer_count(sim); i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    e_dyn += r->energy.dynamic_pj;
    e_static += r->energy.static_pj;
    macs += r->layer.macs;
  }
  cJSON_AddNumberToObject(inf, "macs", (double)macs);
  cJSON_AddNumberToObject(inf, "energy_uj", round4((e_dyn + e_static) * 1e-6));
  cJSON_AddNumberToObject(inf, "dynamic_uj", round4(e_dyn * 1e-6));
  cJSON_AddNumberToObject(inf, "static_uj", round4(e_static * 1e-6));
  cJSON_AddNumberToObject(inf, "streaming_layers", m78_sim_streaming_layers(sim));
  if (info->inference_wall_us > 0) {
    cJSON_AddNumberToObject(inf, "wall_us", round2(info->inference_wall_us));
    cJSON_AddNumberToObject(inf, "monitor_uj", round4(info->inference_monitor_uj));
  }

  cJSON *layers = cJSON_AddArrayToObject(doc, "layers");
  int n = m78_sim_layer_count(sim);
  for (int i = 0; i < n; i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    const struct m78_layer *l = &r->layer;
    char desc[256];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", i);
    if (r->error[0]) {
      cJSON_AddStringToObject(o, "op", "?");
      cJSON_AddStringToObject(o, "description", "");
      cJSON_AddItemToObject(o, "input", shape3(0, 0, 0));
      cJSON_AddItemToObject(o, "output", shape3(0, 0, 0));
    } else {
      m78_layer_describe(l, desc, sizeof desc);
      cJSON_AddStringToObject(o, "op", m78_layer_opname(l));
      cJSON_AddStringToObject(o, "description", desc);
      cJSON_AddItemToObject(o, "input", shape3(l->in_channels, l->h, l->w));
      cJSON_AddItemToObject(o, "output", shape3(l->out_channels, l->ho, l->wo));
    }
    cJSON_AddNumberToObject(o, "macs", (double)l->macs);
    cJSON_AddNumberToObject(o, "cycles", (double)r->cycles);
    cJSON_AddNumberToObject(o, "time_us", round2(cycles_to_us(r->cycles, info->cnn_hz)));
    cJSON_AddNumberToObject(o, "stall_cycles", (double)r->stall_cycles);
    cJSON_AddNumberToObject(o, "start_cycle", (double)r->start_cycle);
    cJSON_AddNumberToObject(o, "end_cycle", (double)r->end_cycle);
    cJSON_AddBoolToObject(o, "streaming", i < m78_sim_streaming_layers(sim));
    uint64_t busy = r->cycles - r->stall_cycles;
    cJSON_AddNumberToObject(o, "macs_per_cycle", busy ? round2((double)l->macs / (double)busy) : 0.0);
    cJSON_AddNumberToObject(o, "energy_uj", round4(r->energy.total_pj * 1e-6));
    cJSON *en = cJSON_AddObjectToObject(o, "energy");
    cJSON_AddNumberToObject(en, "processors_uj", round4(r->energy.proc_pj * 1e-6));
    cJSON_AddNumberToObject(en, "macs_uj", round4(r->energy.mac_pj * 1e-6));
    cJSON_AddNumberToObject(en, "memories_uj", round4(r->energy.mem_pj * 1e-6));
    cJSON_AddNumberToObject(en, "static_uj", round4(r->energy.static_pj * 1e-6));
    cJSON_AddBoolToObject(o, "executed", r->executed);
    if (r->error[0])
      cJSON_AddStringToObject(o, "error", r->error);
    else
      cJSON_AddNullToObject(o, "error");
    cJSON_AddItemToArray(layers, o);
  }

  /* The last layer's output as the hardware slots hold it (small outputs
   * only: classifier logits and the like). */
  for (int i = n - 1; i >= 0; i--) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    if (!r->executed || !r->output)
      continue;
    size_t count = r->output_bytes / (size_t)(r->out_elem_bytes ? r->out_elem_bytes : 1);
    if (count > M78_REPORT_MAX_OUTPUT_VALUES)
      break;
    cJSON *out = cJSON_AddObjectToObject(doc, "output");
    cJSON_AddNumberToObject(out, "layer", i);
    cJSON_AddItemToObject(out, "shape_chw", shape3(r->out_c, r->out_h, r->out_w));
    cJSON_AddStringToObject(out, "dtype", r->out_elem_bytes == 4 ? "int32" : "int8");
    add_slot_geometry(out, r);
    add_gap_slots(out, r);
    cJSON *vals = cJSON_AddArrayToObject(out, "values");
    for (size_t k = 0; k < count; k++)
      cJSON_AddItemToArray(vals, cJSON_CreateNumber(r->out_elem_bytes == 4 ? (double)((const int32_t *)r->output)[k]
                                                                           : (double)((const int8_t *)r->output)[k]));
    break;
  }

  add_run_sections(doc, info);
  const struct m78_counters *c = m78_sim_counters(sim);
  cJSON *ctr = cJSON_AddObjectToObject(doc, "counters");
  cJSON_AddNumberToObject(ctr, "guest_errors", (double)c->guest_errors);
  cJSON_AddNumberToObject(ctr, "stubs", (double)c->stubs);
  cJSON_AddNumberToObject(ctr, "layer_errors", (double)c->layer_errors);
  cJSON_AddNumberToObject(ctr, "bus_reads", (double)c->bus_reads);
  cJSON_AddNumberToObject(ctr, "bus_writes", (double)c->bus_writes);
  cJSON_AddStringToObject(ctr, "last_error", c->last_error);
  return doc;
}

int m78_dump_layers(const m78_sim *sim, const char *dir, char *err, size_t errlen)
{
  cJSON *idx = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(idx, "layers");
  int n = m78_sim_layer_count(sim);
  char path[4096];
  for (int i = 0; i < n; i++) {
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    if (!r->executed || !r->output)
      continue;
    const char *ext = r->out_elem_bytes == 4 ? "i32" : "i8";
    snprintf(path, sizeof path, "%s/L%02d.%s", dir, i, ext);
    if (m78_write_file_atomic(path, r->output, r->output_bytes, err, errlen) != 0) {
      cJSON_Delete(idx);
      return -1;
    }
    cJSON *o = cJSON_CreateObject();
    char fname[32];
    snprintf(fname, sizeof fname, "L%02d.%s", i, ext);
    cJSON_AddNumberToObject(o, "index", i);
    cJSON_AddStringToObject(o, "file", fname);
    cJSON_AddItemToObject(o, "shape_chw", shape3(r->out_c, r->out_h, r->out_w));
    cJSON_AddStringToObject(o, "dtype", r->out_elem_bytes == 4 ? "int32le" : "int8");
    /* hardware slots, for mapping logical channels (m78_dump_map) */
    cJSON_AddNumberToObject(o, "slots", r->out_c);
    add_slot_geometry(o, r);
    if (r->layer.gap_slots)
      add_gap_slots(o, r);
    cJSON_AddStringToObject(o, "op", m78_layer_opname(&r->layer));
    cJSON_AddNumberToObject(o, "operands", r->layer.ops);
    if (r->combined) {
      /* the element-wise result before pooling (izer's log shows it) */
      snprintf(fname, sizeof fname, "L%02d.combined.i8", i);
      snprintf(path, sizeof path, "%s/%s", dir, fname);
      if (m78_write_file_atomic(path, r->combined, r->combined_bytes, err, errlen) != 0) {
        cJSON_Delete(o);
        cJSON_Delete(idx);
        return -1;
      }
      cJSON *c = cJSON_AddObjectToObject(o, "combined");
      cJSON_AddStringToObject(c, "file", fname);
      cJSON_AddItemToObject(c, "shape_chw", shape3(r->comb_c, r->comb_h, r->comb_w));
      cJSON_AddStringToObject(c, "dtype", "int8");
      /* the layer's input processors, once per input pass, pass-major */
      int ne = r->layer.ne > 0 && r->comb_c % r->layer.ne == 0 ? r->layer.ne : 1;
      cJSON_AddNumberToObject(c, "slots", r->comb_c);
      cJSON_AddNumberToObject(c, "slots_per_pass", r->comb_c / ne);
      cJSON_AddNumberToObject(c, "out_passes", ne);
    }
    cJSON_AddItemToArray(arr, o);
  }
  snprintf(path, sizeof path, "%s/layers.json", dir);
  int rc = m78_json_write_file(idx, path, err, errlen);
  cJSON_Delete(idx);
  return rc;
}

int m78_channel_slot(int channels, int slots, int slots_per_pass, int out_passes, uint64_t gaps, int c)
{
  if (channels <= 0 || c < 0 || c >= channels || out_passes <= 0 || slots_per_pass <= 0)
    return -1;
  if (slots == channels)
    return c;
  /* izer spreads C channels over the passes in groups of `thresh`,
   * rounded up to whole words when there is more than one pass, and
   * places them after `lead` dummy slots (the output map's offset from a
   * word boundary), skipping the holes of the output map. */
  int ngaps = slots_per_pass <= 64 ? __builtin_popcountll(gaps) : 0;
  int real = slots_per_pass - ngaps;
  int thresh = (channels + out_passes - 1) / out_passes;
  if (out_passes > 1)
    thresh = (thresh + 3) & ~3;
  int lead = real - thresh;
  if (out_passes == 1 && slots > channels)
    lead = slots - ngaps - channels;
  if (lead < 0 || lead > 3)
    return -1;
  int e = c / thresh, k = lead + c % thresh;
  int s = 0;
  for (;; s++) { /* the k-th slot that is not a gap */
    if (s >= slots_per_pass)
      return -1;
    if (s < 64 && ((gaps >> s) & 1))
      continue;
    if (k-- == 0)
      break;
  }
  int slot = e * slots_per_pass + s;
  return slot < slots ? slot : -1;
}

int m78_dump_geom_read(const cJSON *entry, struct m78_dump_geom *g)
{
  const cJSON *sh = cJSON_GetObjectItemCaseSensitive(entry, "shape_chw");
  int v[3];
  if (cJSON_GetArraySize(sh) != 3)
    return -1;
  for (int i = 0; i < 3; i++) {
    const cJSON *d = cJSON_GetArrayItem(sh, i);
    if (!cJSON_IsNumber(d) || d->valuedouble < 1 || d->valuedouble > 1 << 20)
      return -1;
    v[i] = d->valueint;
  }
  const cJSON *spp = cJSON_GetObjectItemCaseSensitive(entry, "slots_per_pass");
  const cJSON *passes = cJSON_GetObjectItemCaseSensitive(entry, "out_passes");
  const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(entry, "gap_slots");
  const cJSON *ops = cJSON_GetObjectItemCaseSensitive(entry, "operands");
  g->slots = v[0];
  g->h = v[1];
  g->w = v[2];
  g->slots_per_pass = cJSON_IsNumber(spp) && spp->valueint >= 1 ? spp->valueint : g->slots;
  g->out_passes = cJSON_IsNumber(passes) && passes->valueint >= 1 ? passes->valueint : 1;
  g->gaps = cJSON_IsString(gaps) ? strtoull(gaps->valuestring, NULL, 16) : 0;
  g->operands = cJSON_IsNumber(ops) && ops->valueint >= 1 ? ops->valueint : 1;
  return 0;
}

int m78_dump_map(const struct m78_dump_geom *g, int channels, int h, int w, size_t *idx)
{
  if (channels < 1 || h < 1 || w < 1)
    return -1;
  size_t n = (size_t)h * (size_t)w, plane = (size_t)g->h * (size_t)g->w;
  if (g->h == h && g->w == w) {
    for (int c = 0; c < channels; c++) {
      int s = m78_channel_slot(channels, g->slots, g->slots_per_pass, g->out_passes, g->gaps, c);
      if (s < 0)
        return -1;
      for (size_t p = 0; p < n; p++)
        idx[(size_t)c * n + p] = (size_t)s * plane + p;
    }
    return 0;
  }
  /* izer's EMULATE_ELTWISE_MP (registers.md 6.3): more than 64 channels
   * in ne passes of thresh processors, the hardware walking ne x h rows of
   * one pass, so logical pixel p of pass e is hardware pixel p * ne + e */
  int ne = (channels + 63) / 64, thresh = (channels + ne - 1) / ne;
  if (channels > 64)
    thresh = (thresh + 3) & ~3;
  if (g->operands < 2 || g->out_passes != 1 || ne < 2 || thresh > 64 || thresh != g->slots ||
      g->slots_per_pass != g->slots || g->w != w || g->h != h * ne)
    return -1;
  for (int c = 0; c < channels; c++)
    for (size_t p = 0; p < n; p++)
      idx[(size_t)c * n + p] = (size_t)(c % thresh) * plane + p * (size_t)ne + (size_t)(c / thresh);
  return 0;
}
