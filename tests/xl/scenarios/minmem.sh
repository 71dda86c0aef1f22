# Memory footprint (docs/boot.md): the image as a domU with very little
# memory. Either it reaches its ready line (and answers the monitor), or
# it says it has too little memory and powers off; never a crash or a
# hang. The table (lab_metric) names which, per size, so the smallest
# size that serves can be read off. Sizes per type: Xen's PV domain
# builder itself refuses a PV guest below 4 MiB ("not enough memory for
# initial mapping"), so PV starts there; a PVH guest of 2 MiB is built
# and must power off by itself with its too-little-memory message.
#
# lab-suite: bench
# lab-types: pv pvh
# lab-timeout: 120
# lab-variants: small:PV_MEM=4,PVH_MEM=2 next:PV_MEM=5,PVH_MEM=3
# lab-expect: create outcome destroy

if [ "$LAB_TYPE" = pv ]; then MEM=$PV_MEM; else MEM=$PVH_MEM; fi
lab_create memory=$MEM || exit 1
if lab_wait_console 'xenolith: ready|too little memory to boot' 60; then
	case $LAB_MATCH in
	*ready*)
		lab_result outcome pass "memory=$MEM MiB: ready"
		lab_metric memory_mib=$MEM outcome=ready
		;;
	*)
		if lab_wait_shutdown 30 && [ "$LAB_REASON" = poweroff ]; then
			lab_result outcome pass "memory=$MEM MiB: too small, powered off: $LAB_MATCH"
			lab_metric memory_mib=$MEM outcome=too-small
		else
			lab_result outcome fail "memory=$MEM MiB: said too small but did not power off (reason '$LAB_REASON', state '$LAB_STATE')"
			lab_dump
		fi
		;;
	esac
else
	lab_result outcome fail "memory=$MEM MiB: neither ready nor a too-small message"
	lab_dump
fi
lab_destroy
