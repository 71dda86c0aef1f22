/* Native SMP layout shared by C and the real-mode trampoline. */
#ifndef ASM_SMP_H
#define ASM_SMP_H

/* Where the trampoline is copied: page-aligned, below 1 MiB (a startup
 * IPI's vector is the page number), inside the low RAM the kernel keeps
 * reserved below its image. */
#define TRAMPOLINE_PA 0x8000
#define TRAMPOLINE_SIPI_VECTOR (TRAMPOLINE_PA >> 12)

#endif
