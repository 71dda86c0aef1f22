# The xl lab: Xen + a Debian Linux dom0 in QEMU (TCG), creating Xenolith
# domUs with xl and real backends (tests/xl/README.md). Included by
# tests/tests.mk; the top-level Makefile defines srctree, objtree and PYTHON.
#
#   make lab-test     every "test" scenario (tests/xl/scenarios) for PV and PVH
#                     domUs against $(objtree)/xenolith; a table, then
#                     "N passed, N failed"
#   make lab-bench    xl create -> ready and the guest's own boot time, and
#                     block I/O through blkback (scenario blkbench), PV and
#                     PVH, Xenolith next to Debian's Linux kernel as a domU
#   make lab-shell    a dom0 shell on this terminal (Ctrl-A X quits QEMU)
#   make lab-test LAB_SCENARIOS=net, make lab-bench LAB_SCENARIOS=netbench
#                     the network lab (net in make test, net-big in make
#                     soak, netbench in make bench; nettest is built by
#                     tests/nettest.mk; docs/xen-lab.md)
#   make lab-soak     every test case on every guest type and the soak
#                     scenarios (make soak)
#   make lab-deps     install and build what the lab needs (scripts/deps.sh lab)
#   make lab-list     the scenarios and their cases
#   make check-xl-lab host-side tests of the lab runner (fast; part of check)
#
# Variables: LAB_TYPES (default "pv pvh"), LAB_SCENARIOS (default: the
# suite's), LAB_VARIANTS (only these variant labels of scenarios that have
# variants, e.g. LAB_VARIANTS="dup-id stall"), LAB_RETRIES (after an
# INFRA-FLAKE, default 1), LAB_FLAKE_BUDGET (INFRA-FLAKE attempts a run may have before it fails, default 2), LAB_ECHO=1 (copy
# the serial console to stdout), LAB_SHARDS (lab boots side by side, each
# with a share of the cases; default one per host CPU up to 4, as memory
# allows, and 1 for lab-bench), XENOLITH_CACHE (where the lab is built).
# Logs: $(objtree)/xl-logs/.

XL_DIR          := $(srctree)/tests/xl
XL_DEPS_SH      := $(srctree)/scripts/deps.sh
LAB_TYPES       ?= pv pvh
LAB_SCENARIOS   ?=
LAB_VARIANTS    ?=
LAB_RETRIES     ?= 1
LAB_FLAKE_BUDGET ?= 2
LAB_ECHO        ?=
LAB_SHARDS      ?=

xl-submake      := $(MAKE) --no-print-directory -f $(srctree)/Makefile
xl-comma        := ,
xl-empty        :=
xl-space        := $(xl-empty) $(xl-empty)
xl-list          = $(subst $(xl-space),$(xl-comma),$(strip $(1)))
xl-args         := --objtree $(objtree) --image $(objtree)/xenolith \
		   --retries $(LAB_RETRIES) --flake-budget $(LAB_FLAKE_BUDGET) \
		   $(if $(strip $(LAB_TYPES)),--types $(call xl-list,$(LAB_TYPES))) \
		   $(if $(strip $(LAB_SCENARIOS)),--scenarios $(call xl-list,$(LAB_SCENARIOS))) \
		   $(if $(strip $(LAB_VARIANTS)),--variants $(call xl-list,$(LAB_VARIANTS))) \
		   $(if $(filter 1 y yes,$(LAB_ECHO)),--echo) \
		   $(if $(strip $(LAB_SHARDS)),--shards $(strip $(LAB_SHARDS)))

.PHONY: lab-deps lab-test lab-soak lab-bench lab-shell lab-list check-xl-lab

lab-deps:
	$(Q)bash $(XL_DEPS_SH) lab

# The domu_defconfig image rides along in the same lab boot (scenario ktap,
# variant domu) when the run includes that scenario.
xl-domu-wanted  = $(if $(strip $(LAB_SCENARIOS)),$(filter ktap,$(LAB_SCENARIOS)),y)
xl-domu-args     = $(if $(xl-domu-wanted),--extra-image xenolith-domu=$(DOMU_OBJTREE)/xenolith)

lab-test: lab-deps
	$(Q)$(xl-submake) O=$(objtree) all blkpat hostile-blkback
	$(if $(xl-domu-wanted),$(Q)$(xl-submake) O=$(DOMU_OBJTREE) domu_defconfig)
	$(if $(xl-domu-wanted),$(Q)$(xl-submake) O=$(DOMU_OBJTREE) all)
	$(Q)$(PYTHON) $(XL_DIR)/lab.py test $(xl-args) $(xl-domu-args)

# make soak: every test case on every guest type (variants that make test
# runs on one type only run on both) plus the scenarios of suite "soak".
lab-soak: lab-deps
	$(Q)$(xl-submake) O=$(objtree) all blkpat hostile-blkback
	$(Q)$(xl-submake) O=$(DOMU_OBJTREE) domu_defconfig
	$(Q)$(xl-submake) O=$(DOMU_OBJTREE) all
	$(Q)$(PYTHON) $(XL_DIR)/lab.py soak $(xl-args) --extra-image xenolith-domu=$(DOMU_OBJTREE)/xenolith

lab-bench: lab-deps
	$(Q)$(xl-submake) O=$(objtree) all
	$(Q)$(PYTHON) $(XL_DIR)/lab.py bench $(xl-args)

lab-shell: lab-deps
	$(Q)$(xl-submake) O=$(objtree) all
	$(Q)$(PYTHON) $(XL_DIR)/lab.py shell --objtree $(objtree) --image $(objtree)/xenolith

lab-list:
	$(Q)$(PYTHON) $(XL_DIR)/lab.py list

check-xl-lab:
	$(quiet) TEST "tests/xl (lab runner)"
	$(Q)$(PYTHON) -m unittest discover -s $(XL_DIR) -p 'test_*.py' $(if $(filter 1,$(V)),-v)

check: check-xl-lab
