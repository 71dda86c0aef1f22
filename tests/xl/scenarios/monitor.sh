# The guest's console monitor driven from dom0 through the console pty:
# commands typed with lab_cmd, xenstore both ways (guest writes, dom0 reads
# and the other way round), a guest-initiated reboot (a new domain of the
# same name), then a power-off from the monitor.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 200
# lab-cost: 25
# lab-expect: create ready info xs-read xs-write xs-from-dom0 reboot ready-again shutdown destroy

lab_create || exit 1
lab_expect_ready || exit 1
if lab_cmd info "^mode: xen-$LAB_TYPE\$"; then
	lab_result info pass "$LAB_MATCH"
else
	lab_result info fail "no 'mode: xen-$LAB_TYPE' from 'info'"
fi
if lab_cmd "xs read name" "^$LAB_DOM\$"; then
	lab_result xs-read pass "guest read its name: $LAB_MATCH"
else
	lab_result xs-read fail "'xs read name' did not answer $LAB_DOM"
fi
lab_cmd "xs write data/lab-test hello-from-guest"
v=$(xenstore-read /local/domain/$LAB_DOMID/data/lab-test 2>&1)
if [ "$v" = hello-from-guest ]; then
	lab_result xs-write pass "dom0 read data/lab-test = $v"
else
	lab_result xs-write fail "dom0 read data/lab-test = '$v'"
fi
xenstore-write /local/domain/$LAB_DOMID/data/from-dom0 ping-$LAB_DOMID
if lab_cmd "xs read data/from-dom0" "^ping-$LAB_DOMID\$"; then
	lab_result xs-from-dom0 pass "guest read $LAB_MATCH"
else
	lab_result xs-from-dom0 fail "guest did not read ping-$LAB_DOMID"
fi
lab_wait_console "$LAB_PROMPT" 20
lab_type 'reboot\r'
if lab_wait_reboot 60; then
	if lab_wait_console 'xenolith: ready' 90; then
		lab_result ready-again pass "after the reboot"
	else
		lab_result ready-again fail "no 'xenolith: ready' after the reboot"
	fi
else
	lab_result ready-again fail "no reboot"
fi
lab_wait_console "$LAB_PROMPT" 20
lab_type 'poweroff\r'
lab_expect_shutdown poweroff 30
lab_destroy
