# hostile-blkback, the lab's user-space block backend that misbehaves on
# purpose (tests/xl/hostile-blkback.c, docs/hostile-backend.md). Built by
# the host compiler against libxen-dev (a build dependency, scripts/deps.sh)
# and linked dynamically: the lab's dom0 archive carries libxenstore,
# libxengnttab and libxenevtchn for xl. Included by tests/tests.mk.
#
#   make hostile-blkback        $(objtree)/host/hostile-blkback
#   make check-hostile-blkback  it builds and refuses bad arguments (part of check)

HOSTILE_BLKBACK := $(objtree)/host/hostile-blkback

.PHONY: hostile-blkback check-hostile-blkback
hostile-blkback: $(HOSTILE_BLKBACK)

$(HOSTILE_BLKBACK): $(srctree)/tests/xl/hostile-blkback.c
	@mkdir -p $(dir $@)
	$(quiet) HOSTLD $(patsubst $(objtree)/%,%,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $< \
		-lxenstore -lxengnttab -lxenevtchn

check: check-hostile-blkback
check-hostile-blkback: $(HOSTILE_BLKBACK)
	$(quiet) TEST "hostile-blkback refuses bad arguments"
	$(Q)set -e; b=$(HOSTILE_BLKBACK); \
	for args in "" "--domid 5" "--domid 0 --file /dev/null" "--domid 5 --file /dev/null --mode nonsense" \
		"--domid 5 --file /dev/null --after -1"; do \
		rc=0; $$b $$args >/dev/null 2>&1 || rc=$$?; [ $$rc -eq 2 ] || { echo "args '$$args': exit $$rc"; exit 1; }; \
	done; \
	$$b 2>&1 | grep -q 'modes: honest dup-id unknown-id rsp-prod-jump wrong-op bad-status unsolicited storm sectors-zero sector-size-3 absurd-ring-order absurd-queues absurd-indirect close-midio nodes-removed keep-mapped stall$$'

# hostile-netback, the vif personality: a user-space network backend
# (tests/xl/hostile-netback.c) that serves a vif through a TAP device on
# dom0's bridge, honestly or misbehaving per --mode (scenario hostile-net,
# not in the default lab-test list; docs/hostile-backend.md).
#
#   make hostile-netback        $(objtree)/host/hostile-netback
#   make check-hostile-netback  it builds and refuses bad arguments (part of check)

HOSTILE_NETBACK := $(objtree)/host/hostile-netback

.PHONY: hostile-netback check-hostile-netback
hostile-netback: $(HOSTILE_NETBACK)
lab-test: $(HOSTILE_NETBACK)

# Both tools share tests/xl/hostile-common.h.
$(HOSTILE_BLKBACK): $(srctree)/tests/xl/hostile-common.h
$(HOSTILE_NETBACK): $(srctree)/tests/xl/hostile-netback.c $(srctree)/tests/xl/hostile-common.h
	@mkdir -p $(dir $@)
	$(quiet) HOSTLD $(patsubst $(objtree)/%,%,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $< \
		-lxenstore -lxengnttab -lxenevtchn

check: check-hostile-netback
check-hostile-netback: $(HOSTILE_NETBACK)
	$(quiet) TEST "hostile-netback refuses bad arguments"
	$(Q)set -e; b=$(HOSTILE_NETBACK); \
	for args in "" "--domid 5 --mode" "--domid 0" "--domid 5 --mode nonsense" "--domid 5 --after -1" \
		"--domid 5 --mac 01:16:3e:00:00:01" "--domid 5 --mac 00:16:3e:00:00" \
		"--domid 5 --bridge 'br;x'" "--domid 5 --tap aaaaaaaaaaaaaaaaaaaa"; do \
		rc=0; eval $$b $$args >/dev/null 2>&1 || rc=$$?; [ $$rc -eq 2 ] || { echo "args '$$args': exit $$rc"; exit 1; }; \
	done; \
	$$b 2>&1 | grep -q 'modes: honest tx-unknown-id tx-dup-id tx-rsp-prod-jump rx-offset-overflow rx-status-negative rx-status-huge rx-too-long rx-more-slots rx-extra-loop rx-extra-unknown rx-rsp-prod-jump storm absurd-queues absurd-features bad-mac close-midio nodes-removed killed$$'
