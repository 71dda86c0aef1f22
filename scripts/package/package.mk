# Debian packages and the source tarball. Included by the top-level
# Makefile, which defines srctree, objtree, PYTHON and KERNELVERSION.
#
#   make deb-pkg      $(objtree)/deb/xenolith-image-V_V_amd64.deb and
#                     xenolith-common_V_all.deb (scripts/package/mkdeb.py,
#                     dpkg-deb), from $(objtree)'s image and .config
#   make dist         $(objtree)/xenolith-V.tar.xz: the tracked files of this
#                     tree (as they are now) and a .release file holding the
#                     version and SOURCE_DATE_EPOCH
#   make deb-check    lintian on the packages (errors and warnings fail), and
#                     reproducibility: the tarball unpacked elsewhere, built
#                     there with the same .config, must give byte-identical
#                     packages
#   make install-test the end-to-end test (tests/install/installtest.py):
#                     install the packages in a Debian 12 system with GRUB
#                     and Xen, update-grub, boot the disk in QEMU through the
#                     native and the Xen dom0 entries with ktest=all, remove
#
# SOURCE_DATE_EPOCH (default: the commit's date) dates everything packaged.

PKG_DIR      := $(srctree)/scripts/package
DEB_OUT      := $(objtree)/deb
DIST_NAME    := xenolith-$(KERNELVERSION)
DIST_TAR     := $(objtree)/$(DIST_NAME).tar.xz
REPRO_DIR    := $(objtree)/repro
pkg-submake  := $(MAKE) --no-print-directory -f $(srctree)/Makefile

.PHONY: deb-pkg dist deb-check install-test

deb-pkg: all
	$(Q)bash $(srctree)/scripts/deps.sh pkg >/dev/null
	$(quiet) DEB "$(DEB_OUT)"
	$(Q)rm -f $(DEB_OUT)/*.deb
	$(Q)$(PYTHON) $(PKG_DIR)/mkdeb.py --srctree $(srctree) --objtree $(objtree) \
		--version '$(KERNELVERSION)' --out $(DEB_OUT)

dist:
	$(quiet) DIST $(DIST_TAR)
	$(Q)sh $(PKG_DIR)/mkdist.sh $(srctree) '$(KERNELVERSION)' $(DIST_TAR)

deb-check: deb-pkg dist
	$(quiet) TEST "lintian"
	$(Q)lintian --fail-on error,warning --info --pedantic --display-experimental \
		$(DEB_OUT)/*.deb
	$(quiet) TEST "reproducible: packages built from the tarball elsewhere"
	$(Q)rm -rf $(REPRO_DIR) && mkdir -p $(REPRO_DIR)/src
	$(Q)tar -xJf $(DIST_TAR) -C $(REPRO_DIR)/src
	$(Q)mkdir -p $(REPRO_DIR)/obj && cp $(objtree)/.config $(REPRO_DIR)/obj/.config
	$(Q)$(pkg-submake) -C $(REPRO_DIR)/src/$(DIST_NAME) O=$(REPRO_DIR)/obj olddefconfig >/dev/null
	$(Q)$(pkg-submake) -j2 -C $(REPRO_DIR)/src/$(DIST_NAME) O=$(REPRO_DIR)/obj \
		SOURCE_DATE_EPOCH=$$($(PYTHON) -c 'import sys; sys.path.insert(0, "$(PKG_DIR)"); import mkdeb; print(mkdeb.source_date_epoch("$(srctree)"))') \
		deb-pkg >/dev/null
	$(Q)cd $(DEB_OUT) && for f in *.deb; do \
		if cmp -s $$f $(REPRO_DIR)/obj/deb/$$f; then echo "  same     $$f"; \
		else echo "  DIFFERS  $$f (see $(REPRO_DIR))" >&2; exit 1; fi; done
	$(Q)test "$$(ls $(REPRO_DIR)/obj/deb/*.deb | wc -l)" = "$$(ls $(DEB_OUT)/*.deb | wc -l)"
	$(Q)rm -rf $(REPRO_DIR)
	@echo "deb-check: lintian clean; packages reproducible from $(notdir $(DIST_TAR))"

install-test: deb-pkg
	$(Q)$(PYTHON) $(srctree)/tests/install/installtest.py --objtree $(objtree) \
		--debs $(DEB_OUT) --version '$(KERNELVERSION)'

# Host tests of the packaging scripts (fast; part of check).
.PHONY: check-package
check: check-package
check-package: all
	$(quiet) TEST "scripts/package (version.sh, mkman, package names)"
	$(Q)$(PYTHON) $(PKG_DIR)/test_package.py $(if $(filter 1,$(V)),-v,-q)
	$(quiet) TEST "README options table covers the image's options (mkman)"
	$(Q)$(PYTHON) $(PKG_DIR)/mkman.py --image $(objtree)/xenolith --readme $(srctree)/README.md \
		--version check --date 1970-01-01 >/dev/null
