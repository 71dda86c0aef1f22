# Word-at-a-time memcpy/memset of lib/string.c: every alignment of source
# and destination and every length around the 8-byte steps, against a
# reference, with guard bytes (tests/unit/test_memops.c).
unit-tests += memops
cut-memops := lib/string.c
