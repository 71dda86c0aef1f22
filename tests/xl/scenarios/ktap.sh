# Xenolith's in-kernel self-tests as an xl domU: KTAP on the guest console,
# then a clean power-off (the kernel crashes the domain instead when a test
# fails). The host checks the KTAP itself too. Once with each event-channel
# ABI: FIFO (the kernel's choice when Xen offers it) and 2-level; and the
# domu_defconfig image (the smallest guest configuration) under FIFO,
# carried by the same lab boot (lab.py --extra-image xenolith-domu=...).
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 200
# lab-cost: 21
# lab-variants: fifo:EVTCHN=fifo 2l:EVTCHN=2l domu:EVTCHN=fifo,LAB_KERNEL=xenolith-domu
# lab-expect: create ktest-done shutdown destroy
# lab-ktap: yes

lab_create extra="ktest=all evtchn=$EVTCHN" || exit 1
if lab_wait_console 'ktest: done' 120; then
	lab_result ktest-done pass "$LAB_MATCH ($(( LAB_MATCH_MS - LAB_T_START )) ms after unpause)"
else
	lab_result ktest-done fail "no 'ktest: done' line on the guest console"
	lab_dump
fi
lab_expect_shutdown poweroff 30
lab_destroy
