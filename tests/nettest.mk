# nettest, the xl lab's network test and benchmark tool (tests/xl/nettest.c
# with lib/netpattern.c and lib/crc32.c), built by the host compiler and
# linked statically, so the same binary runs in the lab's dom0 and in its
# Linux domU without libraries. Included by tests/tests.mk.
#
#   make nettest         $(objtree)/host/nettest
#   make check-nettest   on the build host's loopback: every client mode
#                        against the server modes, and a corrupting peer,
#                        a short stream and a closed port reported with
#                        their exit codes (part of check)

NETTEST := $(objtree)/host/nettest
NETTEST_SRC := $(srctree)/tests/xl/nettest.c $(srctree)/lib/netpattern.c $(srctree)/lib/crc32.c

.PHONY: nettest check-nettest
nettest: $(NETTEST)

$(NETTEST): $(NETTEST_SRC) $(srctree)/include/kernel/netpattern.h $(srctree)/tests/xl/netpattern.h
	@mkdir -p $(dir $@)
	$(quiet) HOSTLD $(patsubst $(objtree)/%,%,$@)
	$(Q)$(HOSTCC) -static -std=gnu11 -O2 -Wall -Wextra -Werror \
		-isystem $(srctree)/include -o $@ $(NETTEST_SRC)

# The lab ships it to dom0 and to the Linux domU (lab.py looks for it in
# $(objtree)/host), so the lab targets build it first.
lab-test lab-bench lab-shell: nettest

check: check-nettest
check-nettest: $(NETTEST)
	$(quiet) TEST "nettest against itself on loopback"
	$(Q)sh $(srctree)/tests/xl/test_nettest.sh $(NETTEST)

# The soak suite streams TCP from the guest to dom0 (lifecycle-soak).
lab-soak: nettest
