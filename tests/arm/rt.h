/* Shared helpers of the emulator's test programs: registers by address,
 * UART0 output, semihosting exit, a vector table builder. */
#ifndef M78_TEST_RT_H
#define M78_TEST_RT_H
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define UART0_STATUS REG(0x40042004u)
#define UART0_FIFO REG(0x40042020u)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER(n) REG(0xE000E100u + 4 * (n))
#define NVIC_ISPR(n) REG(0xE000E200u + 4 * (n))
#define SCB_VTOR REG(0xE000ED08u)

void Reset_Handler(void);
int main(void);

static inline void put(const char *s)
{
  for (; *s; s++) {
    while (UART0_STATUS & (1u << 7)) /* TX_FULL */
      ;
    UART0_FIFO = (uint8_t)*s;
  }
}

static inline void put_hex(uint32_t v)
{
  char b[11] = "0x";
  for (int i = 0; i < 8; i++)
    b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
  b[10] = 0;
  put(b);
}

/* ARM semihosting SYS_EXIT_EXTENDED: {ADP_Stopped_ApplicationExit, status} */
static inline __attribute__((noreturn)) void sh_exit(int status)
{
  static volatile uint32_t block[2];
  block[0] = 0x20026;
  block[1] = (uint32_t)status;
  register uint32_t r0 __asm__("r0") = status ? 0x20 : 0x18;
  register uint32_t r1 __asm__("r1") = status ? (uint32_t)block : 0x20026;
  __asm__ volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
  for (;;)
    ;
}

extern uint32_t __bss_start, __bss_end;
#define STACK_TOP 0x20020000u

#define DEFINE_RESET                                                                                                   \
  void Reset_Handler(void)                                                                                             \
  {                                                                                                                    \
    for (uint32_t *p = &__bss_start; p < &__bss_end; p++)                                                              \
      *p = 0;                                                                                                          \
    sh_exit(main());                                                                                                   \
  }
#endif
