/* What the lab's network tool (nettest.c) and a guest's test services
 * agree on, on top of the byte pattern itself (include/kernel/netpattern.h,
 * lib/netpattern.c, shared with the kernel). docs/xen-lab.md, "The network
 * lab", says the same in prose.
 *
 * Services a guest under test offers (Xenolith: netsvc=udpecho,tcpecho,
 * discard,chargen,http; the lab's Linux domU: labnet=... with nettest
 * serve):
 *   UDP 7   echo: every datagram back to its sender, unchanged
 *   TCP 7   echo: every byte back until the client closes, then close
 *   TCP 9   discard: read until the client closes, then close; the guest
 *           reports each finished connection on its console with a line
 *           holding "bytes=N crc32=0xXXXXXXXX" (CRC-32 of what it read)
 *   TCP 19  chargen: the stream of NETPAT_CHARGEN_SEED from offset 0 until
 *           the client closes
 *   TCP 80  HTTP/1.1: GET /status (text) and /status.json
 *
 * Client conventions:
 *   - a TCP connection of a sending test carries the stream of its seed
 *     from offset 0; with N parallel connections, connection i uses
 *     seed + i for echo and the same seed for discard (so every
 *     connection's CRC is the same, and the guest's lines can be counted);
 *   - UDP datagram n of a test carries bytes [n * NETPAT_DGRAM_STRIDE,
 *     + size) of the seed's stream; size n of a test over sizes MIN..MAX
 *     with COUNT datagrams is MIN + n % (MAX - MIN + 1) when COUNT covers
 *     the range, else spread evenly from MIN to MAX (both included).
 *
 * nettest's result line (one per run, last line of its output):
 *   nettest: MODE ok|FAIL key=value ... [-- reason]
 * and its exit status: 0 ok, 1 the data or the counts were wrong (mismatch,
 * short stream, loss over the limit), 2 usage, 3 a network error (refused,
 * reset, timed out). */
#ifndef XL_NETPATTERN_H
#define XL_NETPATTERN_H

#include <kernel/netpattern.h>

#define NETTEST_PORT_ECHO 7
#define NETTEST_PORT_DISCARD 9
#define NETTEST_PORT_CHARGEN 19
#define NETTEST_PORT_HTTP 80

#define NETTEST_EXIT_OK 0
#define NETTEST_EXIT_DATA 1
#define NETTEST_EXIT_USAGE 2
#define NETTEST_EXIT_NET 3

#endif
