# Test, run and bench targets. Included by the top-level Makefile.
# tests/unit.mk (host unit tests and fuzzers) is owned separately.
-include $(srctree)/tests/unit.mk
-include $(srctree)/tests/boot.mk

# The runner's own unit tests are part of tier 1.
check: check-boot-runner
-include $(srctree)/tests/xl.mk
