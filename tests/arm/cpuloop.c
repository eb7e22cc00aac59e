/* A CPU-bound loop (no peripherals, no CNN) for measuring the emulator's
 * speed in instructions per second: a checksum over a table in SRAM. */
#include "rt.h"
static void Default_Handler(void)
{
  sh_exit(99);
}
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))STACK_TOP, Reset_Handler, Default_Handler, Default_Handler};
static uint32_t table[1024];
int main(void)
{
  uint32_t sum = 0;
  for (int i = 0; i < 1024; i++)
    table[i] = (uint32_t)i * 2654435761u;
  for (int round = 0; round < 4000; round++)
    for (int i = 0; i < 1024; i++)
      sum = (sum << 5 | sum >> 27) ^ table[(i + round) & 1023];
  put(sum ? "cpuloop done\n" : "cpuloop zero\n");
  return 0;
}
DEFINE_RESET
