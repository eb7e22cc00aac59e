/* Guest faults, chosen by the word at the end of flash the test patches?
 * No: one program per fault keeps it simple; FAULT_KIND selects it. */
#include "rt.h"
static void Default_Handler(void) { sh_exit(99); }
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
#endif
  return 0;
}
DEFINE_RESET
