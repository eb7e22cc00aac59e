/*
 * The members of one block type's MSDK register struct, from the SoC
 * register map (socregs.def): every register of that type at its byte
 * offset, with its MSDK name and access qualifier.  No include guard: an
 * MSDK-compatible header includes it once per struct, with
 * M78SOC_PICK_<type>(x) defined as x for the type it wants:
 *
 *   typedef union {
 *   #define M78SOC_PICK_GCR(x) x
 *   #include "m78host/socregs_struct.h"
 *   #undef M78SOC_PICK_GCR
 *   } mxc_gcr_regs_t;
 *
 * Each register is an anonymous struct of the union: padding up to its
 * offset, then the register (GNU C: the padding of offset 0 has length
 * 0), so offsetof() and sizeof are those of the MSDK's own struct.  The
 * access qualifiers (__IO, __I, __O) come from mxc_io.h.
 */
#ifndef M78SOC_PICK_GCR
#define M78SOC_PICK_GCR(x)
#define M78SOC_UNPICK_GCR_
#endif
#ifndef M78SOC_PICK_GCFR
#define M78SOC_PICK_GCFR(x)
#define M78SOC_UNPICK_GCFR_
#endif
#ifndef M78SOC_PICK_TMR
#define M78SOC_PICK_TMR(x)
#define M78SOC_UNPICK_TMR_
#endif
#ifndef M78SOC_PICK_ICC
#define M78SOC_PICK_ICC(x)
#define M78SOC_UNPICK_ICC_
#endif
#ifndef M78SOC_PICK_GPIO
#define M78SOC_PICK_GPIO(x)
#define M78SOC_UNPICK_GPIO_
#endif
#ifndef M78SOC_PICK_UART
#define M78SOC_PICK_UART(x)
#define M78SOC_UNPICK_UART_
#endif
#ifndef M78SOC_PICK_LPGCR
#define M78SOC_PICK_LPGCR(x)
#define M78SOC_UNPICK_LPGCR_
#endif

#define M78SOC_REG(type, reg, offset, member, access)                                                                  \
  M78SOC_PICK_##type(struct {                                                                                          \
    uint8_t m78soc_at_##member[offset];                                                                                \
    access uint32_t member;                                                                                            \
  };)
#include "m78host/socregs.def"

#ifdef M78SOC_UNPICK_GCR_
#undef M78SOC_PICK_GCR
#undef M78SOC_UNPICK_GCR_
#endif
#ifdef M78SOC_UNPICK_GCFR_
#undef M78SOC_PICK_GCFR
#undef M78SOC_UNPICK_GCFR_
#endif
#ifdef M78SOC_UNPICK_TMR_
#undef M78SOC_PICK_TMR
#undef M78SOC_UNPICK_TMR_
#endif
#ifdef M78SOC_UNPICK_ICC_
#undef M78SOC_PICK_ICC
#undef M78SOC_UNPICK_ICC_
#endif
#ifdef M78SOC_UNPICK_GPIO_
#undef M78SOC_PICK_GPIO
#undef M78SOC_UNPICK_GPIO_
#endif
#ifdef M78SOC_UNPICK_UART_
#undef M78SOC_PICK_UART
#undef M78SOC_UNPICK_UART_
#endif
#ifdef M78SOC_UNPICK_LPGCR_
#undef M78SOC_PICK_LPGCR
#undef M78SOC_UNPICK_LPGCR_
#endif
