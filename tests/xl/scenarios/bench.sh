# Boot-time benchmark: a domU from xl create to its ready line, as seen by
# dom0 (uptime clock, 10 ms steps), next to the guest's own boot time from
# its "bench: ... boot_ns=N" line (the host reads that one). LAB_GUEST picks
# the guest: xenolith (the image under test) or linux (Debian's kernel with
# a busybox initramfs that prints its uptime and a ready line, then powers off).
#
# lab-suite: bench
# lab-types: pv pvh
# lab-timeout: 180
# Xenolith boots with 64 MiB (the figure), and again with 512 MiB and
# 1.5 GiB (the lab's largest) to show how its boot grows with memory.
#
# lab-variants: xenolith:LAB_GUEST=xenolith,MEM=64 xenolith-m512:LAB_GUEST=xenolith,MEM=512 xenolith-m1536:LAB_GUEST=xenolith,MEM=1536 linux:LAB_GUEST=linux
# lab-expect: create ready destroy

case ${LAB_GUEST:-xenolith} in
linux)
	ready='lab-linux: ready'
	set -- kernel=$LAB_IMAGES/vmlinux ramdisk=$LAB_IMAGES/linux-guest.cpio memory=256 \
		extra="console=hvc0 quiet"
	# Debian's kernel uses XSAVE and RDTSCP; see docs/xen-lab.md.
	[ "$LAB_TYPE" = pvh ] && set -- "$@" cfg='cpuid = "host,xsave=0"' cfg='tsc_mode = "native"'
	;;
*)
	ready='xenolith: ready'
	set -- memory=${MEM:-64}
	;;
esac
lab_create "$@" || exit 1
if lab_wait_console "$ready" 120; then
	lab_result ready pass "$LAB_MATCH"
	lab_metric dom=$LAB_DOM guest=${LAB_GUEST:-xenolith} \
		create_to_ready_ms=$(( LAB_MATCH_MS - LAB_T_CREATE )) \
		unpause_to_ready_ms=$(( LAB_MATCH_MS - LAB_T_START ))
else
	lab_result ready fail "no /$ready/ on the guest console"
	lab_dump
fi
lab_destroy
