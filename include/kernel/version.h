/* The kernel's version string (kernel/version.c; scripts/version.sh makes it). */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

extern const char xenolith_version[];

#endif
