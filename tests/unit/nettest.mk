# The network test pattern (lib/netpattern.c), shared by the kernel's test
# services and the lab's nettest tool (tests/nettest.mk). Appended to the
# lists of tests/unit.mk.
unit-tests += netpattern
cut-netpattern := lib/netpattern.c lib/crc32.c
