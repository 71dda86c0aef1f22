/* The kernel's string and printf API under its host names (kx_memcpy, ...),
 * with the exact prototypes from include/kernel/string.h, while the C
 * library keeps its own names. Include this before any libc header. */
#ifndef XT_KX_H
#define XT_KX_H

#include "rename.h"
#include <kernel/string.h>
#include "unrename.h"

#endif
