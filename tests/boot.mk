# Boot tests, interactive runs and benchmarks. Included (via tests/tests.mk)
# by the top-level Makefile, which defines srctree, objtree and PYTHON.
#
#   make test                 deps, host tests (check), then the boot matrix:
#                             native, grub, xen-pv-dom0, xen-pvh-dom0 with
#                             ktest=all, plus the native_defconfig image natively
#                             and the dom0_defconfig image as PV and PVH dom0;
#                             in the lab, the domu_defconfig image as PV and
#                             PVH xl domUs too (scenario ktap, variant domu,
#                             same lab boot); between the boot
#                             matrix and the lab, the packages: deb-check
#                             (lintian, reproducible from make dist) and
#                             install-test (scripts/package/package.mk),
#                             and virsh-test (tests/libvirt/libvirt.mk)
#   make boot-matrix          just the boot matrix (images built first)
#   make run [RUN_MODE=native|grub|xen-pv-dom0|xen-pvh-dom0] [CMDLINE=...]
#                             boot interactively, console on this terminal
#   make bench                boot each mode once; boot time, counts, sizes
#   make check-boot-runner    unit tests of the runner and its KTAP parser
#
# Variables: KTEST (suites for the matrix, default all), BOOT_MODES,
# BOOT_RETRIES (after an infrastructure flake, default 1), BOOT_FLAKE_BUDGET
# (INFRA-FLAKE attempts the matrix may have before it fails, default 1), BOOT_ECHO=1
# (copy consoles to stdout), XENOLITH_CACHE (where Xen is fetched to).

BOOT_DIR        := $(srctree)/tests/boot
DEPS_SH         := $(srctree)/scripts/deps.sh
NATIVE_OBJTREE  ?= $(objtree)-native
DOM0_OBJTREE    ?= $(objtree)-dom0
DOMU_OBJTREE    ?= $(objtree)-domu
KTEST           ?= all
BOOT_MODES      ?= native grub xen-pv-dom0 xen-pvh-dom0
BOOT_RETRIES    ?= 1
BOOT_FLAKE_BUDGET ?= 1
RUN_MODE        ?= native
CMDLINE         ?=

boot-submake    := $(MAKE) --no-print-directory -f $(srctree)/Makefile
boot-comma      := ,
boot-empty      :=
boot-space      := $(boot-empty) $(boot-empty)
boot-modes      := $(subst $(boot-space),$(boot-comma),$(strip $(BOOT_MODES)))
boot-echo       := $(if $(filter 1 y yes,$(BOOT_ECHO)),--echo)
boot-sq          = '$(subst ','\'',$(1))'

.PHONY: check-boot-runner boot-images boot-matrix test soak run bench lab-domu

check-boot-runner:
	$(quiet) TEST "tests/boot (boot runner, KTAP parser)"
	$(Q)$(PYTHON) -m unittest discover -s $(BOOT_DIR) -p 'test_*.py' $(if $(filter 1,$(V)),-v)

# The default configuration's image and the native-only configuration's.
boot-images:
	$(Q)$(boot-submake) O=$(objtree) all
	$(Q)$(boot-submake) O=$(NATIVE_OBJTREE) native_defconfig
	$(Q)$(boot-submake) O=$(NATIVE_OBJTREE) all
	$(Q)$(boot-submake) O=$(DOM0_OBJTREE) dom0_defconfig
	$(Q)$(boot-submake) O=$(DOM0_OBJTREE) all

boot-matrix: boot-images
	$(Q)$(PYTHON) $(BOOT_DIR)/matrix.py --objtree $(objtree) --image $(objtree)/xenolith \
		--native-image $(NATIVE_OBJTREE)/xenolith --cmdline ktest=$(KTEST) \
		$(if $(filter xen-pv-dom0 xen-pvh-dom0,$(BOOT_MODES)),--dom0-image $(DOM0_OBJTREE)/xenolith) \
		--modes $(boot-modes) --retries $(BOOT_RETRIES) \
		--flake-budget $(BOOT_FLAKE_BUDGET) $(boot-echo)

# Sequential on purpose: dependencies first, then the host tests, then boots.
test:
	$(Q)bash $(DEPS_SH) test
	$(Q)$(boot-submake) O=$(objtree) check
	$(Q)$(boot-submake) O=$(objtree) boot-matrix
	$(Q)$(boot-submake) O=$(objtree) deb-check
	$(Q)$(boot-submake) O=$(objtree) install-test
	$(Q)$(boot-submake) O=$(objtree) virsh-test
	$(Q)$(boot-submake) O=$(objtree) lab-test

# Long repetitions and every lab case on every guest type (not in test).
soak:
	$(Q)bash $(DEPS_SH) test
	$(Q)$(boot-submake) O=$(objtree) lab-soak

run:
	$(Q)bash $(DEPS_SH) run
	$(Q)$(boot-submake) O=$(objtree) all
	$(Q)$(PYTHON) $(BOOT_DIR)/boot.py $(RUN_MODE) --interactive --image $(objtree)/xenolith \
		--objtree $(objtree) --cmdline $(call boot-sq,$(CMDLINE))

bench:
	$(Q)bash $(DEPS_SH) run
	$(Q)$(boot-submake) O=$(objtree) boot-images
	$(Q)$(PYTHON) $(BOOT_DIR)/bench.py --objtree $(objtree) --image $(objtree)/xenolith \
		--native-image $(NATIVE_OBJTREE)/xenolith --modes $(boot-modes) \
		--cmdline $(call boot-sq,$(CMDLINE))
	$(Q)$(boot-submake) O=$(objtree) lab-bench

# The domu_defconfig image (no dom0 support, no native ACPI) as the guest it
# is made for: PV and PVH xl domUs in the lab running ktest=all.
lab-domu: lab-deps
	$(Q)$(boot-submake) O=$(objtree) all
	$(Q)$(boot-submake) O=$(DOMU_OBJTREE) domu_defconfig
	$(Q)$(boot-submake) O=$(DOMU_OBJTREE) all
	$(Q)$(PYTHON) $(srctree)/tests/xl/lab.py test --objtree $(objtree) --image $(objtree)/xenolith \
		--extra-image xenolith-domu=$(DOMU_OBJTREE)/xenolith --types pv,pvh --scenarios ktap --variants domu \
		--retries $(LAB_RETRIES) --flake-budget $(LAB_FLAKE_BUDGET)
