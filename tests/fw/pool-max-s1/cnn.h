/* Self-made test program for max78sim register traces: pool-max with
 * stride 1 instead of 2 (for trace diff: one register field and the
 * layer's geometry differ).  The sources are pool-max's. */
#define STRIDE 1
#include "../pool-max/cnn.h"
