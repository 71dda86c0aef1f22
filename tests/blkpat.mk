# blkpat, the dom0-side disk pattern tool (tests/xl/blkpat.c with
# lib/blkpattern.c), built by the host compiler and linked statically (so
# it runs in the lab's Debian dom0 without matching libraries; glibc's
# static libraries come with libc6-dev). Included by tests/tests.mk.
#
#   make blkpat          $(objtree)/host/blkpat
#   make check-blkpat    fill and check a scratch file, a corrupted sector
#                        and a short file must be reported (part of check)

BLKPAT := $(objtree)/host/blkpat
BLKPAT_SRC := $(srctree)/tests/xl/blkpat.c $(srctree)/lib/blkpattern.c

.PHONY: blkpat check-blkpat
blkpat: $(BLKPAT)

$(BLKPAT): $(BLKPAT_SRC) $(srctree)/include/kernel/blkpattern.h
	@mkdir -p $(dir $@)
	$(quiet) HOSTLD $(patsubst $(objtree)/%,%,$@)
	$(Q)$(HOSTCC) -static -std=gnu11 -O2 -Wall -Wextra -Werror -isystem $(srctree)/include \
		-o $@ $(BLKPAT_SRC)

check: check-blkpat
check-blkpat: $(BLKPAT)
	$(quiet) TEST "blkpat fill/check on a scratch file"
	$(Q)set -e; f=$(objtree)/host/blkpat.img; rm -f $$f; \
	$(BLKPAT) fill $$f 0x5eed 0 300 >/dev/null; \
	$(BLKPAT) fill $$f 7 300 10 >/dev/null; \
	$(BLKPAT) check $$f 0x5eed 0 300 | grep -qx 'blkpat: ok 300 sectors'; \
	$(BLKPAT) check $$f 7 305 5 | grep -qx 'blkpat: ok 5 sectors'; \
	printf 'X' | dd of=$$f bs=1 seek=$$((123 * 512 + 77)) conv=notrunc status=none; \
	rc=0; out=$$($(BLKPAT) check $$f 0x5eed 0 300) || rc=$$?; \
	[ $$rc -eq 1 ] && [ "$$out" = 'blkpat: MISMATCH at sector 123' ]; \
	rc=0; $(BLKPAT) check $$f 7 300 11 >/dev/null 2>&1 || rc=$$?; [ $$rc -eq 2 ]; \
	rc=0; $(BLKPAT) check $$f 8 300 10 >/dev/null || rc=$$?; [ $$rc -eq 1 ]; \
	rc=0; $(BLKPAT) frob $$f 1 0 1 2>/dev/null || rc=$$?; [ $$rc -eq 2 ]; \
	rm -f $$f
