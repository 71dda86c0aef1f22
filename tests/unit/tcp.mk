# TCP's host tests (see tests/unit.mk): the header/option parser and the
# protocol core driven by a scripted peer (tests/unit/test_tcp.c), and a
# libFuzzer target that parses segments and feeds them to connections in
# every state (tests/fuzz/fuzz_tcp.c). Seeds: tests/fuzz/corpus/tcp/.
tcp-cut := lib/tcp_parse.c net/tcp_core.c lib/inet_csum.c lib/string.c

unit-tests += tcp
cut-tcp := $(tcp-cut)

fuzz-targets += tcp
fuzz-cut-tcp := $(tcp-cut)
fuzz-max-len-tcp := 4096
fuzz-smoke-max-len-tcp := 1024
