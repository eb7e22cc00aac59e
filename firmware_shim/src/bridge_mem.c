/*
 * Bus-aware memcpy, memmove and memset (bridge.h): the process's own
 * definitions, so that a copy touching a window goes through the bus in
 * natural pieces instead of faulting byte by byte.
 */
#include "bridge_x86_64.h"

#include <dlfcn.h>

/* ------------------------------------------------------------------ */
/* memcpy / memmove / memset                                            */

#ifdef M78_BRIDGE_INTERPOSE_MEM

typedef void *(*copy_fn)(void *, const void *, size_t);
typedef void *(*fill_fn)(void *, int, size_t);

static copy_fn real_memcpy __attribute__((section(".data.m78shim")));
static copy_fn real_memmove __attribute__((section(".data.m78shim")));
static fill_fn real_memset __attribute__((section(".data.m78shim")));
static int resolving __attribute__((section(".data.m78shim")));

/* dlsym may itself call memcpy/memset: those calls see `resolving` and
 * take the byte loops below. */
void m78br_resolve_mem(void)
{
  if (resolving || (real_memcpy && real_memmove && real_memset))
    return;
  resolving = 1;
  real_memcpy = (copy_fn)dlsym(RTLD_NEXT, "memcpy");
  real_memmove = (copy_fn)dlsym(RTLD_NEXT, "memmove");
  real_memset = (fill_fn)dlsym(RTLD_NEXT, "memset");
  resolving = 0;
}

/* volatile keeps the compiler from turning these loops back into calls */
static void bytes_copy(void *d, const void *s, size_t n)
{
  volatile unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp > sp && (uintptr_t)dp - (uintptr_t)sp < n) {
    while (n--)
      dp[n] = sp[n];
  } else {
    for (size_t i = 0; i < n; i++)
      dp[i] = sp[i];
  }
}

static int touches_window(uintptr_t a, size_t n)
{
  return n != 0 && m78br.n_ranges && m78br_win_kind(a, n) != 0;
}

static void before_bus(void)
{
  if (m78br.mem_hook)
    m78br.mem_hook();
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
  if (touches_window((uintptr_t)d, n) || touches_window((uintptr_t)s, n)) {
    m78br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    m78br_xfer_copy((uintptr_t)d, (uintptr_t)s, n, 0);
    return d;
  }
  if (!real_memcpy)
    m78br_resolve_mem();
  if (!real_memcpy) {
    bytes_copy(d, s, n);
    return d;
  }
  return real_memcpy(d, s, n);
}

void *memmove(void *d, const void *s, size_t n)
{
  uintptr_t da = (uintptr_t)d, sa = (uintptr_t)s;
  if (touches_window(da, n) || touches_window(sa, n)) {
    m78br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    m78br_xfer_copy(da, sa, n, da > sa && da - sa < n);
    return d;
  }
  if (!real_memmove)
    m78br_resolve_mem();
  if (!real_memmove) {
    bytes_copy(d, s, n);
    return d;
  }
  return real_memmove(d, s, n);
}

void *memset(void *d, int c, size_t n)
{
  if (touches_window((uintptr_t)d, n)) {
    uint8_t pat[1] = {(uint8_t)c};
    m78br.emul_rip = (uintptr_t)__builtin_return_address(0);
    before_bus();
    m78br_xfer_fill((uintptr_t)d, n, pat, 1);
    return d;
  }
  if (!real_memset)
    m78br_resolve_mem();
  if (!real_memset) {
    volatile unsigned char *dp = d;
    for (size_t i = 0; i < n; i++)
      dp[i] = (unsigned char)c;
    return d;
  }
  return real_memset(d, c, n);
}

#endif
