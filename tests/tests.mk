# Test, run and bench targets. Included by the top-level Makefile.
# tests/unit.mk (host unit tests and fuzzers) is owned separately.
-include $(srctree)/tests/unit.mk
-include $(srctree)/tests/boot.mk
-include $(srctree)/tests/blkpat.mk
-include $(srctree)/tests/hostile.mk

# The runner's own unit tests are part of tier 1.
check: check-boot-runner
-include $(srctree)/tests/xl.mk

# Nothing tracked may point at files outside the repository
# (scripts/check-outside-refs.py; docs/xen-lab.md holds the Xen facts).
.PHONY: check-outside-refs
check: check-outside-refs
check-outside-refs:
	$(quiet) TEST "no references outside the repository"
	$(Q)$(PYTHON) $(srctree)/scripts/check-outside-refs.py --self-test
	$(Q)$(PYTHON) $(srctree)/scripts/check-outside-refs.py $(srctree)
-include $(srctree)/tests/nettest.mk
