/* Seeded test pattern for network streams and datagrams (lib/netpattern.c),
 * shared by the kernel's test services (the chargen source, checksums of
 * what the discard sink received) and the lab's host tool
 * (tests/xl/nettest.c), so either side can produce what the other checks.
 *
 * The pattern is an endless byte stream that depends only on a 64-bit
 * seed; byte number `off` (counted from 0) is byte (off % 8) of the
 * little-endian 64-bit word
 *     W(seed, i) = mix(K + (i + 1) * 0x9e3779b97f4a7c15),  i = off / 8,
 *     K = mix(seed ^ 0x6e65747061747431)    ("netpatt1")
 * where mix is splitmix64's output function
 *     z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
 *     z = (z ^ (z >> 27)) * 0x94d049bb133111eb
 *     z ^ (z >> 31)
 * (all arithmetic modulo 2^64). Any window of the stream can be made or
 * checked without the bytes before it, byte for byte the same on any host.
 *
 * Conventions built on it (docs/xen-lab.md, "The network lab"):
 *   - a TCP connection carries the stream of one seed from offset 0;
 *   - the chargen source sends the stream of NETPAT_CHARGEN_SEED from
 *     offset 0 on every connection until the peer closes;
 *   - a UDP datagram number n (from 0) of a test carries the bytes
 *     [n * NETPAT_DGRAM_STRIDE, + size) of its seed's stream;
 *   - checksums are CRC-32 (include/kernel/crc32.h) of the bytes. */
#ifndef KERNEL_NETPATTERN_H
#define KERNEL_NETPATTERN_H

#include <kernel/types.h>

/* The chargen service's seed (port 19): fixed, so a client needs no
 * request to know what it will receive. */
#define NETPAT_CHARGEN_SEED 0x19c4a26eULL
/* Stream offset between consecutive datagrams of one UDP test: more than
 * the largest UDP payload (65507), so no two datagrams share bytes. */
#define NETPAT_DGRAM_STRIDE 0x20000ULL

/* Write the bytes [off, off + len) of seed's stream to buf. */
void netpat_fill(void *buf, u64 seed, u64 off, size_t len);
/* 0 if buf holds the bytes [off, off + len) of seed's stream (0 for len 0);
 * else -EIO and, when bad is not NULL, *bad = the stream offset of the
 * first byte that differs (untouched on 0). */
int netpat_check(const void *buf, u64 seed, u64 off, size_t len, u64 *bad);
/* The CRC-32 of crc's bytes followed by [off, off + len) of seed's stream
 * (crc32()'s contract: 0 before any byte), without a buffer of that size. */
u32 netpat_crc32(u32 crc, u64 seed, u64 off, u64 len);

#endif
