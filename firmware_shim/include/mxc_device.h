/*
 * Device selection: the shim knows one part, the MAX78000.
 */
#ifndef M78_SHIM_MXC_DEVICE_H
#define M78_SHIM_MXC_DEVICE_H

#include "max78000.h"
#include "mxc_errors.h"

#ifndef TARGET
#define TARGET MAX78000
#endif

#endif
