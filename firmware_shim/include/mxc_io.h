/*
 * Access qualifiers of the register structures (CMSIS spelling).  The
 * register blocks are described as structs of volatile words so that
 * vendor code written as `MXC_GCR->pclkdiv = ...` compiles unchanged; on
 * the host every such access traps and is forwarded to the SoC model.
 */
#ifndef M78_SHIM_MXC_IO_H
#define M78_SHIM_MXC_IO_H

#ifndef __I
#define __I volatile const /* read only */
#endif
#ifndef __O
#define __O volatile /* write only */
#endif
#ifndef __IO
#define __IO volatile /* read / write */
#endif
#ifndef __R
#define __R volatile const /* reserved */
#endif

#endif
