# A plain boot of Xenolith as an xl domU (128 MiB): wait for "xenolith:
# ready" on its console, then check that all its memory comes into use
# (a Xen PV guest maps RAM past its first 64 MiB after the ready line:
# mm_map_rest, docs/boot.md; it says so on the console), then xl destroy.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 120
# lab-cost: 8
# lab-expect: create ready memory destroy

lab_create || exit 1
lab_expect_ready || exit 1
why=""
if [ "$LAB_TYPE" = pv ] && ! lab_wait_console 'mm: direct map past .* KiB free now' 30; then
	why="no 'mm: direct map past ...' line within 30 s of ready"
fi
if [ -z "$why" ] && lab_type '\r' &&
	lab_cmd info 'memory: [0-9]+ KiB usable at boot, [0-9]+ KiB free' 20; then
	free=$(echo "$LAB_MATCH" | sed -n 's/.*, \([0-9]*\) KiB free.*/\1/p')
	# 128 MiB is 131072 KiB: the image, its tables and the boot's
	# allocations take a few MiB.
	if [ -n "$free" ] && [ "$free" -ge 112000 ]; then
		lab_result memory pass "$LAB_MATCH"
	else
		lab_result memory fail "only ${free:-?} KiB free of 128 MiB: $LAB_MATCH"
	fi
else
	lab_result memory fail "${why:-no answer to info}"
fi
lab_destroy
