/*
 * Private to host/src/trace*.c: the bounds the trace writer and reader
 * share (see trace.c for the format's compaction).
 */
#ifndef M78_TRACE_INTERNAL_H
#define M78_TRACE_INTERNAL_H

#include "m78host/trace.h"

#define MAX_PATTERN 8
#define MIN_BLOCK 4                      /* fewer accesses stay single entries */
#define MAX_ITEMS M78_TRACE_MAX_ACCESSES /* bound on an expanded trace */
#define MAX_EXACT_INT 9007199254740992.0 /* 2^53: integers JSON numbers hold exactly */

#endif
