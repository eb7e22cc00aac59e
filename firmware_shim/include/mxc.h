/*
 * The MSDK umbrella header the synthesized firmware includes: the C
 * library headers it relies on, the device definitions, and every driver
 * the firmware calls, all provided by the max78sim firmware shim.
 */
#ifndef M78_SHIM_MXC_H
#define M78_SHIM_MXC_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mxc_device.h"
#include "mxc_errors.h"
#include "mxc_delay.h"
#include "gcr_regs.h"
#include "gcfr_regs.h"
#include "lpgcr_regs.h"
#include "mxc_sys.h"
#include "tmr.h"
#include "gpio.h"
#include "icc.h"
#include "lp.h"
#include "nvic_table.h"
#include "board.h"
#include "led.h"

#endif
