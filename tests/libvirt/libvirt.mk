# The ACPI power button and libvirt's life cycle of a Xenolith QEMU domain
# (tests/libvirt/virsh_test.py). Included by tests/tests.mk.
#
#   make virsh-test   power button through QEMU's monitor, then virsh define,
#                     start, console, reboot, shutdown, start, destroy,
#                     undefine against $(objtree)/xenolith (as root; starts
#                     Debian's libvirtd and virtlogd when they are not
#                     running, stops them after)

.PHONY: virsh-test

virsh-test:
	$(Q)bash $(srctree)/scripts/deps.sh libvirt
	$(Q)$(MAKE) --no-print-directory -f $(srctree)/Makefile O=$(objtree) all
	$(Q)$(PYTHON) $(srctree)/tests/libvirt/virsh_test.py --image $(objtree)/xenolith \
		--objtree $(objtree)
