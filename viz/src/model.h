/*
 * What the viewer shows, read from a finished (or running) run's files:
 * the run report (docs/report-schema.md), the layer dumps and their index
 * layers.json, and the captured input (input.i8 / input.json).  No SDL
 * here, so the tests can check it on its own.
 *
 * Entry 0 of the layer list is the input when it was captured; every
 * other entry is one hardware layer.  A layer's tensor holds what the
 * dump holds: every output slot the hardware wrote, as int32 values in C
 * order.  Compare mode may replace it with the logical channels of the
 * expected data (izer's slot allocation, m78_channel_slot); `slot` then
 * says where each shown channel came from.
 */
#ifndef M78V_MODEL_H
#define M78V_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct m78v_tensor {
  int c, h, w;
  int elsize;     /* bytes per value in the file: 1 or 4 */
  int32_t *v;     /* c*h*w values */
  int32_t maxabs; /* largest |value|, at least 1 */
  int *slot;      /* hardware slot of each shown channel, or NULL (identity) */
};

struct m78v_layer {
  int index;     /* hardware layer, -1 for the input */
  char name[32]; /* the synthesizer's layer name, when known */
  char op[24];   /* "conv2d", ..., "input" */
  char desc[200];
  int in[3], out[3]; /* C, H, W from the report (0 when unknown) */
  double cycles, time_us, stall_cycles;
  double energy_uj; /* < 0: not in the report */
  int executed;
  char error[600];
  int has_data;
  struct m78v_tensor t;
  /* compare mode */
  int has_expected;   /* expected data exists for this layer */
  int comparable;     /* shapes fit: mismatch[] is valid */
  char cmp_note[160]; /* why not comparable */
  int32_t *expected;  /* shown layout, c*h*w */
  uint8_t *mismatch;  /* 1 where expected != got */
  size_t n_compared, n_mismatch;
  long first_mismatch; /* value index in the shown tensor, -1 */
};

#define M78V_MAX_CLASSES 16

struct m78v_run {
  char title[256];
  char kat[16]; /* "pass", "fail", "unknown" or "" */
  char stop[32];
  double cnn_hz;
  double inference_cycles, inference_us;
  double energy_uj; /* < 0: not in the report */
  int n;
  struct m78v_layer *layers;
  int has_input;            /* layers[0] is the input */
  int compare;              /* compare mode is on */
  int first_mismatch_layer; /* entry in layers[], -1 */
  /* the report's "prediction" (a run by model name with class names) */
  int n_classes; /* 0: none */
  char pred_class[32];
  double pred_confidence;
  char class_name[M78V_MAX_CLASSES][32]; /* in output order */
  double class_value[M78V_MAX_CLASSES];
};

/* Loads DUMP_DIR (layers.json, Lnn.*, input.*) and REPORT (may be NULL or
 * missing: the list then comes from the dumps).  Returns 0, or -1 with a
 * message in err. */
int m78v_run_load(struct m78v_run *run, const char *dump_dir, const char *report, char *err, size_t errlen);
void m78v_run_free(struct m78v_run *run);

/* Compares with the expected data in DIR: a corpus case (expected.json and
 * layers/), a folder of Lnn.i8/.i32 files (a corpus layers/ folder or a
 * device dump) with or without layers.json.  Returns 0 (also when some
 * layers are not comparable), or -1 with a message in err when DIR holds
 * no expected data at all. */
int m78v_run_compare(struct m78v_run *run, const char *dir, const char *dump_dir, char *err, size_t errlen);

/* Entry of hardware layer `index`, or -1. */
int m78v_find_layer(const struct m78v_run *run, int index);

/* Heat colour of value v on a scale symmetric around zero: 0 is black,
 * positive values go through red and orange to yellow-white, negative
 * ones through blue to cyan-white.  Never produces M78V_BORDER_*. */
void m78v_heat(int32_t v, int32_t maxabs, uint8_t rgb[3]);

/* Tile borders have this colour and nothing else does (tests count tiles
 * by it). */
#define M78V_BORDER_R 70
#define M78V_BORDER_G 130
#define M78V_BORDER_B 180
/* An all-zero channel's tile is filled with this (not a heat colour). */
#define M78V_ZERO_R 52
#define M78V_ZERO_G 52
#define M78V_ZERO_B 62

/* A grid of n tiles of tw x th data pixels in an area aw x ah: scale
 * (integer when >= 1), columns, and cell size (tile plus label and gap). */
struct m78v_grid {
  double scale;
  int cols, rows;
  int cell_w, cell_h; /* pixels per cell at this scale */
  int tile_w, tile_h; /* data pixels on screen */
  int pad_x, pad_y;   /* a tile's offset in its cell (centred when the cells are spread) */
};
#define M78V_LABEL_H 14
#define M78V_GAP 6
void m78v_grid_fit(int n, int tw, int th, int aw, int ah, double zoom, struct m78v_grid *g);

#endif
