/* A vector table whose reset vector points outside flash. */
#include "rt.h"
__attribute__((section(".vectors"), used)) static const uint32_t vectors[2] = {STACK_TOP, 0x00400001u};
int main(void)
{
  return 0;
}
DEFINE_RESET
