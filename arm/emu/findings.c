/*
 * Firmware bugs the emulator reports as findings (emu.h): writes that run
 * past the end of an object into the next one, and a sleep nothing can
 * end.  Both name things by the ELF's symbol table (functions and
 * objects with a size).
 *
 * Out-of-bounds writes: a write hook over the static data (from the first
 * object in SRAM to the stack reserve) follows each function's stores
 * while no other function stores (an activation).  The activation's home
 * is the object of its first store.  Each store instruction's addresses
 * form a stream while they step forwards by at most 16 bytes; a stream
 * that made at least two stores inside the home object and then stores
 * at or past its end is an overrun (a loop running off the end of its
 * buffer, as the vendor's unloaders do: four byte streams a quarter of the
 * output apart).  When the activation ends (or the run does) the overrun
 * is one guest error: the function and the PC of the first store past the
 * end, the object and its size, and the bytes the activation wrote past
 * it.  The start-up code's .data copy and .bss clear, which sweep every
 * object on purpose (through memcpy/memset), come before any other
 * function's store and are not followed.  Single
 * stores and backward or strided-apart writes are not judged: the symbol
 * table cannot tell them from a write to the next object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "emu.h"

enum { STACK_RESERVE = 16 * 1024 }; /* __STACK_SIZE of arm/bsp/max78000.ld */

const char *m78arm_func_name(const struct m78arm *a, uint32_t pc)
{
  const struct m78elf_sym *f = m78elf_symbol_at(&a->syms, pc & ~1u, 1);
  return f ? f->name : "?";
}

static const struct m78elf_sym *object_at(const struct m78arm *a, uint32_t addr)
{
  return m78elf_symbol_at(&a->syms, addr, 0);
}

static int startup_name(const char *f)
{
  return strcmp(f, "Reset_Handler") == 0 || strcmp(f, "m78bsp_start") == 0;
}

void m78arm_overrun_flush(struct m78arm *a)
{
  struct m78arm_activation *s = &a->act;
  if (s->crossed && s->home) {
    const struct m78elf_sym *o = s->home;
    char into[160] = "";
    if (s->into)
      snprintf(into, sizeof into, " into %s (%" PRIu32 " bytes at 0x%08x)%s", s->into->name, s->into->size,
               (unsigned)s->into->addr, s->objects > 1 ? " and the objects after it" : "");
    m78arm_guest_error(a,
                       "out-of-bounds write: %s (PC 0x%08x) wrote %" PRIu64 " bytes past the end of %s "
                       "(%" PRIu32 " bytes at 0x%08x), up to 0x%08x%s",
                       m78arm_func_name(a, s->cross_pc), (unsigned)s->cross_pc, s->beyond, o->name, o->size,
                       (unsigned)o->addr, (unsigned)s->hi, into);
    a->overruns++;
  }
  memset(s, 0, sizeof *s);
}

static void on_write(uc_engine *uc, uc_mem_type type, uint64_t addr64, int size, int64_t value, void *ud)
{
  (void)uc;
  (void)type;
  (void)value;
  struct m78arm *a = ud;
  struct m78arm_activation *s = &a->act;
  uint32_t addr = (uint32_t)addr64, pc = m78arm_pc(a);
  const struct m78elf_sym *f = m78elf_symbol_at(&a->syms, pc, 1);
  if (!f)
    return;
  if (!a->past_startup) {
    /* the program's first stores are the start-up code's .data copy and
     * .bss clear (in Reset_Handler or through memcpy/memset); registers
     * other than PC are not exact in a memory hook, so the caller cannot
     * be asked: what comes before the first other function is skipped */
    if (startup_name(f->name) || strcmp(f->name, "memcpy") == 0 || strcmp(f->name, "memset") == 0)
      return;
    a->past_startup = 1;
  }
  if (f != s->func) {
    m78arm_overrun_flush(a);
    s->func = f;
  }
  const struct m78elf_sym *o = object_at(a, addr);
  if (!s->home) {
    if (!o)
      return;
    s->home = o;
  }
  const struct m78elf_sym *h = s->home;
  if (addr - h->addr >= h->size && addr > h->addr) {
    s->beyond += (uint64_t)size;
    if (addr + (uint32_t)size > s->hi)
      s->hi = addr + (uint32_t)size;
    if (o && o != h && (!s->into || o->addr < s->into->addr))
      s->into = o;
    if (o && o != s->last_into) {
      s->objects++;
      s->last_into = o;
    }
  }
  /* this store instruction's stream */
  struct m78arm_pcstream *e = NULL;
  for (int i = 0; i < s->npcs; i++)
    if (s->pcs[i].pc == pc)
      e = &s->pcs[i];
  if (e && addr > e->last && addr - e->last <= 16) {
    if (!s->crossed && e->inside >= 2 && addr - h->addr >= h->size && e->last - h->addr < h->size) {
      s->crossed = 1;
      s->cross_pc = pc;
    }
    if (addr - h->addr < h->size)
      e->inside++;
    e->last = addr;
    return;
  }
  if (!e) {
    e = &s->pcs[s->npcs < M78ARM_PCSTREAMS ? s->npcs++ : (int)(pc / 2 % M78ARM_PCSTREAMS)];
    e->pc = pc;
  }
  e->last = addr;
  e->inside = addr - h->addr < h->size;
}

int m78arm_findings_init(struct m78arm *a)
{
  uint32_t lo = M78ARM_SRAM_BASE + M78ARM_SRAM_SIZE - STACK_RESERVE;
  for (size_t i = 0; i < a->syms.n; i++)
    if (!a->syms.sym[i].func && a->syms.sym[i].addr - M78ARM_SRAM_BASE < M78ARM_SRAM_SIZE && a->syms.sym[i].addr < lo)
      lo = a->syms.sym[i].addr;
  uint32_t hi = M78ARM_SRAM_BASE + M78ARM_SRAM_SIZE - STACK_RESERVE;
  if (lo >= hi)
    return 0; /* no objects in SRAM: nothing to watch */
  uc_hook h;
  return uc_hook_add(a->uc, &h, UC_HOOK_MEM_WRITE, (void *)on_write, a, lo, hi - 1) == UC_ERR_OK ? 0 : -1;
}
