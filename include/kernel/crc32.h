/* CRC-32 as used by Ethernet, zlib, PNG and the UEFI GPT (lib/crc32.c):
 * polynomial 0x04C11DB7 processed bit-reflected (0xEDB88320), initial value
 * and final XOR 0xFFFFFFFF. Pure code, unit-tested on the host. */
#ifndef KERNEL_CRC32_H
#define KERNEL_CRC32_H

#include <kernel/types.h>

/* zlib's crc32() contract: crc is the CRC of the bytes so far (0 before
 * any), the result is the CRC of those bytes followed by p[0..len). So
 * crc32(0, "123456789", 9) == 0xCBF43926 and
 * crc32(crc32(0, a, m), b, n) == the CRC of a then b. */
u32 crc32(u32 crc, const void *p, size_t len);

#endif
