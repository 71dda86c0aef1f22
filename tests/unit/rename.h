/* Forced into every kernel source compiled for the host (-include): the
 * kernel's own mem and str functions and printf get private names so they
 * neither clash with nor silently replace the C library's. The Makefile
 * fails the build if a compiled kernel object defines a global symbol that
 * is a C library name not listed here (see tests/unit.mk, "symbol check"). */
#ifndef XT_RENAME_H
#define XT_RENAME_H

#define memcpy kx_memcpy
#define memmove kx_memmove
#define memset kx_memset
#define memcmp kx_memcmp
#define memchr kx_memchr
#define strlen kx_strlen
#define strnlen kx_strnlen
#define strcmp kx_strcmp
#define strncmp kx_strncmp
#define strchr kx_strchr
#define strrchr kx_strrchr
#define strlcpy kx_strlcpy
#define strlcat kx_strlcat
#define kstrtou64 kx_kstrtou64
#define kstrtos64 kx_kstrtos64
#define kstrtouint kx_kstrtouint
#define vsnprintf kx_vsnprintf
#define snprintf kx_snprintf

#endif
