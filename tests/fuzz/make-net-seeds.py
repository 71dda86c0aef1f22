#!/usr/bin/python3
"""Write the seed corpus for fuzz_net (see its header): a selector byte
(0 Ethernet, 1 ARP, 2 IPv4, 3 ICMP, 4 UDP with 8 bytes of pseudo-header
addresses first, 5 DHCP, 6 ip= value, 7 address string) then the bytes.
Run from anywhere; writes into corpus/net/."""
import struct

from seedlib import write_corpus


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip(payload, proto=17, frag=0, opts=b"", src=0x0A000001, dst=0x0A000002):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBHII", 0x40 | hl // 4, 0, hl + len(payload), 0x1234, frag, 64,
                    proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def icmp(t, code, rest, body):
    m = struct.pack("!BBH", t, code, 0) + rest + body
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def udp(src, dst, sport, dport, body):
    ln = 8 + len(body)
    u = struct.pack("!HHHH", sport, dport, ln, 0) + body
    pseudo = struct.pack("!IIBBH", src, dst, 0, 17, ln)
    c = csum(pseudo + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def dhcp(op, mtype, extra=b""):
    b = bytearray(240)
    b[0], b[1], b[2] = op, 1, 6
    b[4:8] = struct.pack("!I", 0x11223344)
    b[16:20] = struct.pack("!I", 0x0A000032)
    b[28:34] = bytes((0, 0x16, 0x3E, 0, 0, 1))
    b[236:240] = struct.pack("!I", 0x63825363)
    o = bytes((53, 1, mtype)) + bytes((54, 4, 10, 0, 0, 1)) + bytes((1, 4, 255, 255, 255, 0))
    o += bytes((3, 4, 10, 0, 0, 1, 51, 4, 0, 0, 14, 16)) + extra + bytes((255,))
    return bytes(b) + o


S, D = 0x0A000001, 0x0A000002
mac = bytes((0, 0x16, 0x3E, 1, 2, 3))
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + struct.pack("!I", S) + bytes(6) + \
    struct.pack("!I", D)
quoted = ip(udp(D, S, 5000, 53, b"abcdefgh"))[:28]

SEEDS = {
    "eth-ipv4": b"\0" + bytes(6) + mac + b"\x08\x00" + ip(b"x" * 8),
    "eth-bcast-arp": b"\0" + b"\xff" * 6 + mac + b"\x08\x06" + arp,
    "arp-request": b"\1" + arp,
    "arp-reply": b"\1" + arp[:6] + b"\0\2" + arp[8:],
    "ipv4-udp": b"\2" + ip(udp(S, D, 1000, 7, b"hello")),
    "ipv4-frag": b"\2" + ip(b"y" * 16, frag=0x2003),
    "ipv4-opts": b"\2" + ip(b"z" * 4, opts=bytes((148, 4, 0, 0, 1, 1, 1, 0))),
    "ipv4-lsrr": b"\2" + ip(b"", opts=bytes((131, 7, 4, 1, 2, 3, 4, 0))),
    "icmp-echo": b"\3" + icmp(8, 0, struct.pack("!HH", 1, 1), b"0123456789abcdef"),
    "icmp-unreach": b"\3" + icmp(3, 3, bytes(4), quoted),
    "icmp-fragneeded": b"\3" + icmp(3, 4, struct.pack("!HH", 0, 1400), quoted),
    "icmp-timeexceeded": b"\3" + icmp(11, 0, bytes(4), quoted),
    "udp": b"\4" + struct.pack("!II", S, D) + udp(S, D, 1000, 7, b"data"),
    "udp-nocsum": b"\4" + struct.pack("!II", S, D) + struct.pack("!HHHH", 1, 2, 10, 0) + b"ab",
    "dhcp-offer": b"\5" + dhcp(2, 2),
    "dhcp-ack": b"\5" + dhcp(2, 5, bytes((58, 4, 0, 0, 7, 8, 59, 4, 0, 0, 12, 0, 6, 8, 8, 8, 8,
                                         8, 1, 1, 1, 1))),
    "dhcp-pad": b"\5" + dhcp(2, 6, bytes((0, 0, 200, 3, 1, 2, 3))),
    "ipcfg-static": b"\6" + b"10.0.0.2/24,gw=10.0.0.1",
    "ipcfg-dev": b"\6" + b"eth1:192.168.1.9/16",
    "ipcfg-dhcp": b"\6" + b"eth0:dhcp",
    "addr": b"\7" + b"10.0.0.2",
    "addr-hint": b"\7" + b"10.0.0.2/16 10.0.0.3",
}

write_corpus("net", SEEDS)
