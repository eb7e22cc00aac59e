/* Guest faults and errors, one program each (FAULT_KIND): 1 unmapped
 * read, 2 undefined instruction, 3 jump into unmapped memory, 4 the idle
 * loop after PASS, 5 guest errors that do not stop the run (a read of an
 * unmodelled peripheral, a store to flash). */
#include "rt.h"
static void Default_Handler(void)
{
  sh_exit(99);
}
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))STACK_TOP, Reset_Handler, Default_Handler, Default_Handler};
int main(void)
{
  put("fault: going to fault\n");
#if FAULT_KIND == 1
  return (int)REG(0x60000010u); /* read of unmapped memory */
#elif FAULT_KIND == 2
  __asm__ volatile("udf #0x42");
#elif FAULT_KIND == 3
  ((void (*)(void))0x30000001u)(); /* jump into nothing */
#elif FAULT_KIND == 4
  put("*** PASS ***\n");
  __asm__ volatile("cpsid i");
  for (;;) /* the idle loop: nothing can interrupt it */
    ;
#elif FAULT_KIND == 5
  uint32_t v = REG(0x40004400u);  /* SIMO: not modelled */
  REG(0x10000100u) = 0x12345678u; /* flash is read-only */
  put(v == 0 && REG(0x10000100u) != 0x12345678u ? "*** PASS ***\n" : "*** FAIL ***\n");
#endif
  return 0;
}
DEFINE_RESET
