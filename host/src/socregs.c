/*
 * The APB block table of the SoC register map (socregs.def), in address
 * order: max78sim-arm's peripheral windows and the names its guest errors
 * give an address.
 */
#include "m78host/socregs.h"

const struct m78soc_block m78soc_blocks[] = {
#define M78SOC_BLOCK(name, base, size, model) {(base), (size), #name, M78SOC_MODEL_##model},
#include "m78host/socregs.def"
};

const size_t m78soc_n_blocks = sizeof m78soc_blocks / sizeof m78soc_blocks[0];
