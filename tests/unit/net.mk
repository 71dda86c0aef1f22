# The network stack's host tests and fuzzer (see tests/unit.mk).
unit-tests += net
cut-net := lib/inet_csum.c lib/net_parse.c lib/inet_parse.c

# One target for every parser: the first byte picks Ethernet, ARP, IPv4,
# ICMP, UDP, DHCP or the configuration strings (tests/fuzz/fuzz_net.c).
fuzz-targets += net
fuzz-cut-net := lib/inet_csum.c lib/net_parse.c lib/inet_parse.c
fuzz-max-len-net := 2048
fuzz-smoke-max-len-net := 700
