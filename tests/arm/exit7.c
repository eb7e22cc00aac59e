/* Ends with semihosting exit status 7 after printing a line. */
#include "rt.h"
static void Default_Handler(void)
{
  sh_exit(99);
}
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))STACK_TOP, Reset_Handler, Default_Handler, Default_Handler};
int main(void)
{
  put("exit7: about to exit with status 7\n");
  return 7;
}
DEFINE_RESET
