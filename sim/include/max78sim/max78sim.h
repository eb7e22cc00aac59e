/* The whole public API of the simulator core. */
#ifndef MAX78SIM_MAX78SIM_H
#define MAX78SIM_MAX78SIM_H
#include "max78sim/regs.h"
#include "max78sim/layer.h"
#include "max78sim/sim.h"
#include "max78sim/energy.h"
#endif
