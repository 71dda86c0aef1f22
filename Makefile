# Xenolith top-level Makefile.
#
# Kbuild-like and non-recursive: every directory has a Makefile fragment that
# lists its objects in obj-y (and obj-$(CONFIG_FOO)); entries ending in '/'
# descend into subdirectories. Build output goes to $(O) (default: build/).
#
#   make [O=dir] [V=1] [CC=clang]     build $(O)/xenolith
#   make help                          list every target

srctree  := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
O        ?= build
objtree  := $(abspath $(O))
PYTHON   ?= /usr/bin/python3
DEFCONFIG ?= default_defconfig

ifeq ($(origin CC),default)
CC := gcc
endif
LD      ?= ld
ifeq ($(origin LD),default)
LD := ld
endif
NM      ?= nm
OBJCOPY ?= objcopy
HOSTCC  ?= gcc

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

KCONFIG_CONFIG := $(objtree)/.config
export KCONFIG_CONFIG
AUTOCONF := $(objtree)/include/generated/autoconf.h
kconfig   = cd $(srctree) && srctree=$(srctree) $(PYTHON)

.DEFAULT_GOAL := all
.PHONY: all help defconfig olddefconfig menuconfig savedefconfig clean distclean \
        check test run bench tests-unit tests-fuzz FORCE

# ---------------------------------------------------------------- config
config-targets := defconfig olddefconfig menuconfig savedefconfig %_defconfig
no-build-goals := help clean distclean $(config-targets)

%_defconfig: FORCE
	@mkdir -p $(objtree)
	$(Q)$(kconfig) -m defconfig --kconfig Kconfig configs/$@
	@mkdir -p $(dir $(AUTOCONF))
	$(Q)$(kconfig) -m genconfig --header-path $(AUTOCONF) Kconfig

defconfig: $(DEFCONFIG)

olddefconfig: FORCE
	@mkdir -p $(objtree)
	$(Q)$(kconfig) -m olddefconfig Kconfig
	@mkdir -p $(dir $(AUTOCONF))
	$(Q)$(kconfig) -m genconfig --header-path $(AUTOCONF) Kconfig

menuconfig: FORCE
	@mkdir -p $(objtree)
	$(Q)$(kconfig) -m menuconfig Kconfig
	@mkdir -p $(dir $(AUTOCONF))
	$(Q)$(kconfig) -m genconfig --header-path $(AUTOCONF) Kconfig

savedefconfig: FORCE
	$(Q)$(kconfig) -m savedefconfig --kconfig Kconfig --out $(objtree)/defconfig
	@echo "wrote $(objtree)/defconfig"

# A build without a configuration gets the default one.
$(KCONFIG_CONFIG):
	@mkdir -p $(objtree)
	$(Q)$(kconfig) -m defconfig --kconfig Kconfig configs/$(DEFCONFIG)

$(AUTOCONF): $(KCONFIG_CONFIG)
	@mkdir -p $(dir $@)
	$(Q)$(kconfig) -m genconfig --header-path $@ Kconfig

ifeq ($(filter $(no-build-goals),$(MAKECMDGOALS)),)
-include $(KCONFIG_CONFIG)
endif

# ---------------------------------------------------------------- objects
core-dirs := arch/x86/ kernel/ mm/ lib/ drivers/
core-dirs-$(CONFIG_BLOCK) += block/
core-dirs-$(CONFIG_NET) += net/
core-dirs += $(core-dirs-y)

define collect_dir
obj-y :=
include $(srctree)/$(1)Makefile
objs-$(1) := $$(addprefix $(1),$$(filter-out %/,$$(obj-y)))
subdirs-$(1) := $$(addprefix $(1),$$(filter %/,$$(obj-y)))
ALL_OBJS += $$(objs-$(1))
$$(foreach d,$$(subdirs-$(1)),$$(eval $$(call collect_dir,$$(d))))
endef
ALL_OBJS :=
$(foreach d,$(core-dirs),$(eval $(call collect_dir,$(d))))
KOBJS := $(addprefix $(objtree)/,$(ALL_OBJS))

# ---------------------------------------------------------------- flags
# The Xen public ABI comes from Debian's libxen-dev; it is reached as
# <xen/interface/...> through a symlink in the build tree, never copied.
XEN_ABI_DIR ?= /usr/include/xen
XEN_ABI_LINK := $(objtree)/include/abi/xen/interface

CC_INCLUDE := $(shell $(CC) -print-file-name=include)
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n1)),)
CC_IS_CLANG := 1
endif

KCPPFLAGS := -nostdinc -isystem $(CC_INCLUDE) \
	-I$(srctree)/include -I$(objtree)/include -I$(objtree)/include/abi \
	-include $(AUTOCONF) -include $(srctree)/include/kernel/kconfig.h \
	-D__KERNEL__ -D__XEN_INTERFACE_VERSION__=0x00040e00

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-common \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-sse -mno-sse2 -mno-mmx -mno-3dnow -mno-avx -mno-80387 \
	-fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla
ifdef CC_IS_CLANG
KCFLAGS += -Wno-gnu-variable-sized-type-not-at-end
else
KCFLAGS += -fno-tree-loop-distribute-patterns
endif
KAFLAGS := -D__ASSEMBLY__ -g

LDS := $(objtree)/arch/x86/kernel/xenolith.lds
LDFLAGS_KERNEL := -n -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T $(LDS)

# ---------------------------------------------------------------- rules
all: $(objtree)/xenolith

$(XEN_ABI_LINK):
	@mkdir -p $(dir $@)
	$(Q)ln -sfn $(XEN_ABI_DIR) $@
	@test -f $@/xen.h || { echo "error: Xen public headers not found in $(XEN_ABI_DIR);" \
		"install them with: apt-get install libxen-dev" >&2; rm -f $@; exit 1; }

PREREQ := $(AUTOCONF) $(XEN_ABI_LINK)

$(objtree)/%.o: $(srctree)/%.c $(PREREQ)
	@mkdir -p $(dir $@)
	$(quiet) CC $*.o
	$(Q)$(CC) $(KCPPFLAGS) $(KCFLAGS) $(CFLAGS_$(notdir $*).o) -MMD -MP -c -o $@ $<

$(objtree)/%.o: $(srctree)/%.S $(PREREQ)
	@mkdir -p $(dir $@)
	$(quiet) AS $*.o
	$(Q)$(CC) $(KCPPFLAGS) $(KAFLAGS) -MMD -MP -c -o $@ $<

$(LDS): $(srctree)/arch/x86/kernel/xenolith.lds.S $(PREREQ)
	@mkdir -p $(dir $@)
	$(quiet) LDS $@
	$(Q)$(CC) -E -P -x c $(KCPPFLAGS) -D__ASSEMBLY__ -D__LINKER__ -MMD -MP -MT $@ -MF $@.d -o $@ $<

# Two-pass link: pass 1 has an empty symbol table; its text symbols feed the
# real table for pass 2. The table lives after all code and initialised data,
# so its size cannot move the text symbols it describes.
KSYMS_GEN := $(srctree)/scripts/gen-ksyms.py

$(objtree)/.ksyms0.o: $(srctree)/scripts/empty-ksyms.S $(PREREQ)
	$(Q)$(CC) $(KCPPFLAGS) $(KAFLAGS) -c -o $@ $<

$(objtree)/.xenolith.1: $(KOBJS) $(LDS) $(objtree)/.ksyms0.o
	$(quiet) LD $@
	$(Q)$(LD) $(LDFLAGS_KERNEL) -o $@ $(KOBJS) $(objtree)/.ksyms0.o

$(objtree)/.ksyms.S: $(objtree)/.xenolith.1 $(KSYMS_GEN)
	$(Q)$(NM) -n $< | $(PYTHON) $(KSYMS_GEN) > $@

$(objtree)/.ksyms.o: $(objtree)/.ksyms.S
	$(Q)$(CC) $(KCPPFLAGS) $(KAFLAGS) -c -o $@ $<

$(objtree)/xenolith: $(KOBJS) $(LDS) $(objtree)/.ksyms.o
	$(quiet) LD $@
	$(Q)$(LD) $(LDFLAGS_KERNEL) -o $@ $(KOBJS) $(objtree)/.ksyms.o
	$(Q)$(NM) -n $(objtree)/.xenolith.1 | grep -w '[Tt]' > $(objtree)/.syms.1
	$(Q)$(NM) -n $@ | grep -w '[Tt]' > $(objtree)/.syms.2
	$(Q)cmp -s $(objtree)/.syms.1 $(objtree)/.syms.2 || \
		{ echo "error: text symbols moved between link passes" >&2; rm -f $@; exit 1; }
	$(Q)$(OBJCOPY) --strip-debug $@ $(objtree)/xenolith.stripped

-include $(KOBJS:.o=.d) $(LDS).d

clean:
	rm -rf $(objtree)

distclean: clean
	rm -rf build-* tests/out

# ---------------------------------------------------------------- tests
include $(srctree)/tests/tests.mk

help:
	@echo 'Xenolith build targets:'
	@echo '  all (default)     build $$(O)/xenolith (O=$(O))'
	@echo '  run               build and boot the image in QEMU (console on stdio)'
	@echo '  test              run every test tier (host, KTAP in QEMU and Xen)'
	@echo '  check             host unit tests only (fast)'
	@echo '  bench             boot-time and size figures for every boot mode, and'
	@echo '                    domU figures next to Debian Linux (lab-bench)'
	@echo '  boot-matrix       only the QEMU/GRUB/Xen dom0 boot matrix of make test'
	@echo '  lab-test          only the xl lab: PV/PVH domUs under a Linux dom0'
	@echo '                    (LAB_TYPES=pvh, LAB_SCENARIOS="ktap boot")'
	@echo '  lab-shell         a Linux dom0 shell with the toolstack, by hand'
	@echo '  fuzz              run the fuzzers longer (FUZZ_SECONDS=N)'
	@echo '  clean, distclean  remove build output'
	@echo 'Configuration:'
	@echo '  defconfig         $$(O)/.config from configs/$$(DEFCONFIG)'
	@echo '  <name>_defconfig  $$(O)/.config from configs/<name>_defconfig'
	@echo '                    ($(notdir $(wildcard $(srctree)/configs/*_defconfig)))'
	@echo '  olddefconfig      update .config, new symbols at their defaults'
	@echo '  menuconfig        interactive configuration'
	@echo '  savedefconfig     minimal config to $$(O)/defconfig'
	@echo 'Variables: O=dir (output), V=1 (show commands), CC=clang (compiler),'
	@echo '  RUN_MODE=native|grub|xen-pv-dom0|xen-pvh-dom0 and CMDLINE=... for run'
