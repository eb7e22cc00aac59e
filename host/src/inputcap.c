/*
 * Layer 0's input as the accelerator saw it (see inputcap.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "m78host/inputcap.h"
#include "m78host/report.h"

#define FIFO_DATA0 M78_FIFO_DATA(0) /* FIFO n data register: FIFO_DATA0 + 4n */

void m78_inputcap_init(struct m78_inputcap *cap)
{
  memset(cap, 0, sizeof *cap);
}

void m78_inputcap_free(struct m78_inputcap *cap)
{
  for (int n = 0; n < M78_FIFOS; n++)
    free(cap->fifo[n]);
  free(cap->input);
  memset(cap, 0, sizeof *cap);
}

void m78_inputcap_start(struct m78_inputcap *cap)
{
  for (int n = 0; n < M78_FIFOS; n++)
    cap->fifo_len[n] = 0;
  free(cap->input);
  cap->input = NULL;
  cap->c = cap->h = cap->w = 0;
  cap->from_fifo = 0;
}

void m78_inputcap_access(struct m78_inputcap *cap, const struct m78_access *a)
{
  if (!a->write || a->status != M78_OK || a->width != 4 || a->addr < FIFO_DATA0 ||
      a->addr >= FIFO_DATA0 + 4u * M78_FIFOS)
    return;
  int n = (int)((a->addr - FIFO_DATA0) / 4);
  if (cap->fifo_len[n] == cap->fifo_cap[n]) {
    size_t cap2 = cap->fifo_cap[n] ? 2 * cap->fifo_cap[n] : 4096;
    uint32_t *p = realloc(cap->fifo[n], cap2 * sizeof *p);
    if (!p)
      return; /* the input view will show what arrived before */
    cap->fifo[n] = p;
    cap->fifo_cap[n] = cap2;
  }
  cap->fifo[n][cap->fifo_len[n]++] = a->value;
}

/* Word `idx` (counted from the read pointer) of instance `inst`. */
static uint32_t input_word(const struct m78_inputcap *cap, const m78_sim *sim, const struct m78_layer *l, int inst,
                           uint32_t idx)
{
  if (inst % 4 == 0 && cap->fifo_len[inst / 4] > 0)
    return idx < cap->fifo_len[inst / 4] ? cap->fifo[inst / 4][idx] : 0;
  uint32_t word = l->rptr + idx;
  return word < M78_SRAM_WORDS ? m78_sram_view(sim, inst)[word] : 0;
}

int m78_inputcap_layer0(struct m78_inputcap *cap, const m78_sim *sim)
{
  const struct m78_layer_result *r = m78_sim_layer_result(sim, 0);
  if (!r || r->error[0])
    return -1;
  const struct m78_layer *l = &r->layer;
  int procs[M78_PROCS], nprocs = 0;
  for (int p = 0; p < M78_PROCS; p++)
    if ((l->in_procs >> p) & 1)
      procs[nprocs++] = p;
  int ne = l->ne > 0 ? l->ne : 1, ops = l->ops > 0 ? l->ops : 1;
  int c = nprocs * ne, h = l->h, w = l->w;
  if (c <= 0 || h <= 0 || w <= 0)
    return -1;
  int8_t *in = malloc((size_t)c * (size_t)h * (size_t)w);
  if (!in)
    return -1;
  int fifo = 0;
  for (int n = 0; n < M78_FIFOS; n++)
    fifo |= cap->fifo_len[n] > 0;
  /* the addressing of the datapath's fetch (engine.c), unwrapped */
  for (int e = 0; e < ne; e++) {
    for (int i = 0; i < nprocs; i++) {
      int p = procs[i];
      int8_t *plane = in + (size_t)(e * nprocs + i) * (size_t)h * (size_t)w;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          uint32_t idx;
          int byte;
          if (l->chw) {
            uint32_t pix = (uint32_t)(y * w + x);
            idx = pix / 4;
            byte = (int)(pix % 4);
          } else {
            idx = (uint32_t)((y * w + x) * ne + e) * (uint32_t)ops;
            byte = p % 4;
          }
          plane[y * w + x] = (int8_t)(input_word(cap, sim, l, p / 4, idx) >> (8 * byte));
        }
      }
    }
  }
  free(cap->input);
  cap->input = in;
  cap->c = c;
  cap->h = h;
  cap->w = w;
  cap->from_fifo = fifo;
  return 0;
}

int m78_inputcap_write(const struct m78_inputcap *cap, const char *dir, char *err, size_t errlen)
{
  if (!cap->input)
    return 0;
  char path[4096];
  snprintf(path, sizeof path, "%s/input.i8", dir);
  if (m78_write_file_atomic(path, cap->input, (size_t)cap->c * (size_t)cap->h * (size_t)cap->w, err, errlen) != 0)
    return -1;
  cJSON *doc = cJSON_CreateObject();
  int shape[3] = {cap->c, cap->h, cap->w};
  cJSON_AddStringToObject(doc, "file", "input.i8");
  cJSON_AddItemToObject(doc, "shape_chw", cJSON_CreateIntArray(shape, 3));
  cJSON_AddStringToObject(doc, "dtype", "int8");
  cJSON_AddStringToObject(doc, "source", cap->from_fifo ? "fifo" : "sram");
  snprintf(path, sizeof path, "%s/input.json", dir);
  int rc = m78_json_write_file(doc, path, err, errlen);
  cJSON_Delete(doc);
  return rc;
}
