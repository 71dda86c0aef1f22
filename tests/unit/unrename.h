/* Undo rename.h so a test can use the C library next to the kernel's
 * renamed functions. Include <kernel/string.h> between the two to get the
 * kernel's own prototypes under the kx_ names. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strlcpy
#undef strlcat
#undef kstrtou64
#undef kstrtos64
#undef kstrtouint
#undef vsnprintf
#undef snprintf
