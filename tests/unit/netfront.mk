# netfront's pure parts (drivers/xen/netfront_ring.c): host unit tests and
# the libFuzzer target for the netif response parser (docs/netfront.md).
unit-tests += netfront
cut-netfront := drivers/xen/netfront_ring.c
fuzz-targets += netfront
fuzz-cut-netfront := drivers/xen/netfront_ring.c
# A 16-byte prefix and up to 256 RX slots of 8 bytes plus TX responses.
fuzz-max-len-netfront := 4200
fuzz-smoke-max-len-netfront := 1024
