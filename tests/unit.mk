# Tier-1 host tests: unit tests of the pure kernel code, libFuzzer targets for
# the parsers of untrusted input, and the ELF image checker. Included by the
# top-level Makefile (via tests/tests.mk), which defines srctree, objtree, Q,
# quiet, HOSTCC, PYTHON, KCONFIG_CONFIG, AUTOCONF and XEN_ABI_LINK (the
# symlink that makes the Xen public headers <xen/interface/...>).
#
#   make check           unit tests (gcc, then clang ASan+UBSan), fuzzers over
#                        their seed corpus plus a short run, check-elf.py's
#                        self test, and scripts/check-elf.py on the image
#   make tests-unit      the same without building or checking the image
#   make fuzz            each fuzzer for FUZZ_SECONDS (default 20) seconds
#                        (alias: tests-fuzz); FUZZERS="cmdline" picks some
#   make check-elf       only scripts/check-elf.py on $(objtree)/xenolith
#
# Kernel sources are compiled for the host with -include tests/unit/rename.h,
# which renames their libc-named functions (memcpy -> kx_memcpy, ...). Every
# compiled kernel object is checked for global symbols that the C library
# also defines, so a new lib/ function cannot silently replace libc's.
# Host build products go to $(objtree)/host/. tests/acpi/test_acpi_aml.c
# (which also has its own Makefile) is built and run here like the others.

HOST_OUT := $(objtree)/host
UNIT_SRC := $(srctree)/tests/unit
FUZZ_SRC := $(srctree)/tests/fuzz

SAN_CC ?= clang
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_RUNS ?= 20000
# Default: every fuzz target (expanded when used, after the fragments below).
FUZZERS ?= $(fuzz-targets)

.PHONY: check tests-unit tests-fuzz fuzz check-elf host-tests-build

# ---------------------------------------------------------------- what
unit-tests := string vsprintf cmdline memmap page_pool kmalloc xs_wire acpi_aml multiboot2 \
	acpi_madt crc32 ring_check vbd_name blkpattern partition blkfront prof_top console_fifo

# Kernel sources each test binary links against.
cut-string := lib/string.c
cut-vsprintf := lib/vsprintf.c lib/string.c
cut-cmdline := lib/cmdline.c lib/string.c
cut-memmap := mm/memmap.c lib/string.c
cut-page_pool := mm/page_pool.c lib/string.c
cut-kmalloc := mm/kmalloc.c lib/string.c
cut-xs_wire := lib/xs_wire.c lib/string.c
cut-acpi_aml := lib/acpi_aml.c
cut-multiboot2 := lib/multiboot2.c
cut-acpi_madt := lib/acpi_madt.c
cut-crc32 := lib/crc32.c
cut-ring_check := lib/ring_check.c
cut-vbd_name := lib/vbd_name.c
cut-blkpattern := lib/blkpattern.c lib/crc32.c
cut-partition := lib/partition.c lib/crc32.c
cut-blkfront := drivers/xen/blkfront_ring.c
cut-prof_top := lib/prof_top.c
cut-console_fifo := lib/console_fifo.c

# Test sources outside tests/unit/ (default: tests/unit/test_<name>.c).
ut-src-acpi_aml := tests/acpi/test_acpi_aml.c

fuzz-targets := cmdline memmap kstrto xs_wire acpi_aml multiboot2 acpi_madt partition vbd_name blkfront
fuzz-cut-cmdline := lib/cmdline.c lib/string.c
fuzz-cut-memmap := mm/memmap.c lib/string.c
fuzz-cut-kstrto := lib/string.c
fuzz-cut-xs_wire := lib/xs_wire.c lib/string.c
fuzz-cut-acpi_aml := lib/acpi_aml.c
fuzz-cut-multiboot2 := lib/multiboot2.c
fuzz-cut-acpi_madt := lib/acpi_madt.c
fuzz-cut-partition := lib/partition.c lib/crc32.c
fuzz-cut-vbd_name := lib/vbd_name.c lib/ring_check.c
fuzz-cut-blkfront := drivers/xen/blkfront_ring.c

# Subsystem fragments (tests/unit/*.mk) append to unit-tests and fuzz-targets
# and define their cut-*, fuzz-cut-* and fuzz-*max-len-* variables, so each
# subsystem's tests are listed next to each other and not in one long line.
include $(sort $(wildcard $(srctree)/tests/unit/*.mk))

# ---------------------------------------------------------------- flags
UT_WARN := -Wall -Wextra -Werror
# Kernel code: the kernel's own language and warning settings, minus the
# target-specific ones, plus the renaming header. The Xen ABI headers come
# through the kernel build's symlink (an order-only prerequisite below).
UT_XEN_ABI := $(objtree)/include/abi
UT_CUT_CFLAGS := -std=gnu11 -ffreestanding -fno-builtin -fno-common -fno-strict-aliasing \
	$(UT_WARN) -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-I$(srctree)/include -I$(UT_XEN_ABI) -include $(UNIT_SRC)/rename.h \
	-include $(srctree)/include/kernel/kconfig.h -D__KERNEL__
# Tests see kernel headers as system headers (so their objects use -MD,
# not -MMD, which would leave those headers out of the dependencies): they are compiled with every
# warning as part of the code under test, and glibc redefines a few of their
# macros (__always_inline) that the tests never use.
UT_TEST_CFLAGS := -std=gnu11 $(UT_WARN) -isystem $(srctree)/include -isystem $(UT_XEN_ABI) \
	-I$(UNIT_SRC)

ut-cc-is-clang = $(findstring clang,$(shell $(1) --version 2>/dev/null | head -n1))
# gcc turns byte loops into calls to libc's memcpy/memset unless told not to,
# which would test libc instead of lib/string.c (the kernel build does the same).
ut-noloop = $(if $(call ut-cc-is-clang,$(1)),,-fno-tree-loop-distribute-patterns)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Variants: name, compiler, flags used for compiling and linking.
ut-cc-gcc := $(HOSTCC)
ut-flags-gcc := -O2 -g
ut-cc-san := $(SAN_CC)
ut-flags-san := -O1 -g $(SAN_FLAGS)

LIBC_SO := $(shell $(HOSTCC) -print-file-name=libc.so.6)
LIBC_SYMS := $(HOST_OUT)/libc.syms

$(LIBC_SYMS):
	@mkdir -p $(dir $@)
	$(Q)nm -D --defined-only $(LIBC_SO) | awk '{ sub(/@.*/, "", $$3); print $$3 }' | sort -u > $@

# ---------------------------------------------------------------- unit rules
# $(1) variant
define ut_variant
$(HOST_OUT)/$(1)/cut/%.o: $(srctree)/%.c $(UNIT_SRC)/rename.h $(LIBC_SYMS) | $(XEN_ABI_LINK)
	@mkdir -p $$(dir $$@)
	$$(quiet) HOSTCC $$(patsubst $(objtree)/%,%,$$@)
	$(Q)$(ut-cc-$(1)) $(UT_CUT_CFLAGS) $(ut-flags-$(1)) $$(call ut-noloop,$(ut-cc-$(1))) \
		-MMD -MP -c -o $$@ $$<
	$(Q)clash=$$$$(nm -g --defined-only $$@ | awk 'NF == 3 { print $$$$3 }' | \
		grep -Fx -f $(LIBC_SYMS)); \
	if [ -n "$$$$clash" ]; then \
		echo "error: $$< defines C library symbol(s) on the host: $$$$clash" >&2; \
		echo "       add them to tests/unit/rename.h and unrename.h" >&2; \
		rm -f $$@; exit 1; fi

$(HOST_OUT)/$(1)/%.o: $(UNIT_SRC)/%.c | $(XEN_ABI_LINK)
	@mkdir -p $$(dir $$@)
	$$(quiet) HOSTCC $$(patsubst $(objtree)/%,%,$$@)
	$(Q)$(ut-cc-$(1)) $(UT_TEST_CFLAGS) $(ut-flags-$(1)) -MD -MP -c -o $$@ $$<

ut-bins-$(1) := $$(foreach t,$(unit-tests),$(HOST_OUT)/$(1)/test_$$(t))
endef

# $(1) variant, $(2) test
define ut_link
ifneq ($(ut-src-$(2)),)
$(HOST_OUT)/$(1)/test_$(2).o: $(srctree)/$(ut-src-$(2)) | $(XEN_ABI_LINK)
	@mkdir -p $$(dir $$@)
	$$(quiet) HOSTCC $$(patsubst $(objtree)/%,%,$$@)
	$(Q)$(ut-cc-$(1)) $(UT_TEST_CFLAGS) $(ut-flags-$(1)) -MD -MP -c -o $$@ $$<
endif

$(HOST_OUT)/$(1)/test_$(2): $(HOST_OUT)/$(1)/test_$(2).o \
		$(addprefix $(HOST_OUT)/$(1)/cut/,$(cut-$(2):.c=.o))
	$$(quiet) HOSTLD $$(patsubst $(objtree)/%,%,$$@)
	$(Q)$(ut-cc-$(1)) $(ut-flags-$(1)) -o $$@ $$^
endef

$(foreach v,gcc san,$(eval $(call ut_variant,$(v))))
$(foreach v,gcc san,$(foreach t,$(unit-tests),$(eval $(call ut_link,$(v),$(t)))))

# ---------------------------------------------------------------- fuzz rules
FUZZ_OUT := $(HOST_OUT)/fuzz
FUZZ_CFLAGS := -O1 -g $(SAN_FLAGS)

$(FUZZ_OUT)/cut/%.o: $(srctree)/%.c $(UNIT_SRC)/rename.h | $(XEN_ABI_LINK)
	@mkdir -p $(dir $@)
	$(quiet) HOSTCC $(patsubst $(objtree)/%,%,$@)
	$(Q)$(FUZZ_CC) $(UT_CUT_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_OUT)/%.o: $(FUZZ_SRC)/%.c | $(XEN_ABI_LINK)
	@mkdir -p $(dir $@)
	$(quiet) HOSTCC $(patsubst $(objtree)/%,%,$@)
	$(Q)$(FUZZ_CC) $(UT_TEST_CFLAGS) -I$(FUZZ_SRC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-MD -MP -c -o $@ $<

define fuzz_link
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_OUT)/fuzz_$(1).o $(addprefix $(FUZZ_OUT)/cut/,$(fuzz-cut-$(1):.c=.o))
	$$(quiet) HOSTLD $$(patsubst $(objtree)/%,%,$$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^
endef
$(foreach f,$(fuzz-targets),$(eval $(call fuzz_link,$(f))))

fuzz-bins := $(foreach f,$(fuzz-targets),$(FUZZ_OUT)/fuzz_$(f))

-include $(wildcard $(HOST_OUT)/*/*.d $(HOST_OUT)/*/cut/*/*.d)

# ---------------------------------------------------------------- running
# Longest input per fuzzer: the memmap one gets enough for MEMMAP_MAX + 1
# records (17 bytes each) in long runs, and less in the quick run in `check`
# because its cost grows with the square of the record count. The xs_wire
# one takes its 26-byte prefix, a full XENSTORE_PAYLOAD_MAX payload and a
# little more (to reach xs_build_request's payload limit). The partition
# one takes a 10-byte prefix and a disk image: enough for the 4096-byte
# GPT seed in long runs, a few 512-byte blocks of MBR, EBRs and GPT in the
# quick run (the seeds themselves always run at full length).
fuzz-max-len-cmdline := 4096
fuzz-max-len-memmap := 2400
fuzz-max-len-kstrto := 128
fuzz-max-len-xs_wire := 4200
fuzz-max-len-acpi_aml := 4096
fuzz-max-len-multiboot2 := 4096
fuzz-max-len-acpi_madt := 4096
fuzz-max-len-partition := 40000
fuzz-max-len-vbd_name := 32
fuzz-max-len-blkfront := 8216
fuzz-smoke-max-len-cmdline := 4096
fuzz-smoke-max-len-memmap := 1024
fuzz-smoke-max-len-kstrto := 128
fuzz-smoke-max-len-xs_wire := 4200
fuzz-smoke-max-len-acpi_aml := 1024
fuzz-smoke-max-len-multiboot2 := 1024
fuzz-smoke-max-len-acpi_madt := 1024
fuzz-smoke-max-len-partition := 8400
fuzz-smoke-max-len-vbd_name := 32
fuzz-smoke-max-len-blkfront := 1048

# $(1) target, $(2) work corpus directory, $(3) max_len, $(4) extra options.
# New inputs go to the work corpus, never into the seed corpus in the tree.
fuzz-run = mkdir -p $(2) $(FUZZ_OUT)/artifacts && \
	$(FUZZ_OUT)/fuzz_$(1) -max_len=$(3) -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix=$(FUZZ_OUT)/artifacts/$(1)- $(4) $(2) $(FUZZ_SRC)/corpus/$(1)

# Quick run for `check`: every seed once at full length, then FUZZ_RUNS
# mutations from a fresh work corpus, with a fixed seed.
fuzz-smoke = $(FUZZ_OUT)/fuzz_$(1) $(FUZZ_SRC)/corpus/$(1)/* && \
	rm -rf $(FUZZ_OUT)/smoke/$(1) && \
	$(call fuzz-run,$(1),$(FUZZ_OUT)/smoke/$(1),$(fuzz-smoke-max-len-$(1)),-runs=$(FUZZ_RUNS) -seed=1)

# Long run for `fuzz`: the work corpus persists between runs.
fuzz-long = $(call fuzz-run,$(1),$(FUZZ_OUT)/corpus/$(1),$(fuzz-max-len-$(1)),\
	-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1)

RUNNER := sh $(UNIT_SRC)/run.sh
ELF_CHECK := $(PYTHON) $(srctree)/scripts/check-elf.py

# Name/command pairs for the runner.
run-unit := $(foreach t,$(unit-tests),unit/$(t) $(HOST_OUT)/gcc/test_$(t)) \
	$(foreach t,$(unit-tests),asan+ubsan/$(t) $(HOST_OUT)/san/test_$(t)) \
	check-elf-selftest '$(PYTHON) $(UNIT_SRC)/test_check_elf.py \
		--checker $(srctree)/scripts/check-elf.py --outdir $(HOST_OUT)/elf'
run-fuzz-smoke := $(foreach f,$(fuzz-targets),fuzz-smoke/$(f) '$(call fuzz-smoke,$(f))')
run-image := check-elf '$(ELF_CHECK) --config $(KCONFIG_CONFIG) $(objtree)/xenolith'

host-tests-build: $(ut-bins-gcc) $(ut-bins-san) $(fuzz-bins)

tests-unit: host-tests-build
	$(Q)$(RUNNER) $(HOST_OUT)/logs $(run-unit) $(run-fuzz-smoke)

check: host-tests-build all
	$(Q)$(RUNNER) $(HOST_OUT)/logs $(run-unit) $(run-fuzz-smoke) $(run-image)

check-elf: all
	$(Q)$(ELF_CHECK) --config $(KCONFIG_CONFIG) $(objtree)/xenolith

tests-fuzz: fuzz
fuzz: $(foreach f,$(FUZZERS),$(FUZZ_OUT)/fuzz_$(f))
	$(Q)$(RUNNER) $(HOST_OUT)/logs $(foreach f,$(FUZZERS),fuzz/$(f) '$(call fuzz-long,$(f))')
