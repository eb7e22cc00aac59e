/*
 * A user's input in the firmware's own input arrays (userinput.c).
 */
#ifndef M78_USERINPUT_H
#define M78_USERINPUT_H

#include <stddef.h>
#include <stdint.h>
#include "max78sim/env.h"

/* Environment variable naming the packed-input file (m78host/inmap.h). */
#define M78UI_ENV M78ENV_INPUT

/* Overwrites the firmware's input_N arrays with the words in PATH; sets
 * the SoC state's end_at_inference unless they equal the baked ones.  Returns
 * 0, or -1 with a message in err. */
int m78ui_apply(const char *path, char *err, size_t errlen);
/* The same from a buffer; ALWAYS_END ends the run after the inference
 * even when the words equal the baked ones (max78sim eval). */
int m78ui_apply_buf(const unsigned char *buf, size_t len, int always_end, char *err, size_t errlen);
/* Looks input_0 .. input_63 up once, so that later m78ui_apply_buf calls
 * (the fork server's children) need not read the symbol table again. */
int m78ui_cache(char *err, size_t errlen);
/* The address of a symbol of this executable (FUNC: a function, else a
 * data object; local symbols included).  0, or -1 with a message. */
int m78ui_symbol(const char *name, int func, uintptr_t *addr, char *err, size_t errlen);

#endif
