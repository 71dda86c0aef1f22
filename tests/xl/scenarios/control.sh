# Guest control as a Linux guest would get it: a xenstore watch fired from
# dom0 and seen by the guest, garbage in control/shutdown (logged, ignored,
# guest still answers), xl sysrq, xl reboot (the guest comes back to the
# same ready point), and xl shutdown -w (returns, domain gone, bounded).
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 300
# lab-cost: 20
# lab-expect: create ready watch garbage-ignored sysrq reboot ready-again shutdown-w gone

# Destroy on power-off, so that "gone" means gone.
lab_create cfg='on_poweroff = "destroy"' || exit 1
lab_expect_ready || exit 1

# A watch set from the guest's monitor fires on a write from dom0.
lab_cmd "xs watch data/lab-watch" "watching data/lab-watch" >/dev/null
lab_mark
xenstore-write /local/domain/$LAB_DOMID/data/lab-watch fired-by-dom0
if lab_wait_console "xs watch: .*data/lab-watch changed" 20; then
	lab_result watch pass "$LAB_MATCH"
else
	lab_result watch fail "no watch event for data/lab-watch on the guest console"
fi

# Garbage in control/shutdown: logged, ignored, the guest keeps working.
lab_mark
xenstore-write /local/domain/$LAB_DOMID/control/shutdown no-such-request
if lab_wait_console "unknown shutdown request 'no-such-request' ignored" 20 &&
	lab_type '\r' && lab_cmd info "^mode: xen-$LAB_TYPE\$"; then
	lab_result garbage-ignored pass "logged, and 'info' still answers"
else
	lab_result garbage-ignored fail "no log line, or the guest stopped answering"
fi

# xl sysrq: the help key is harmless and answered on the console.
lab_mark
xl sysrq $LAB_DOM h
if lab_wait_console "sysrq: b=reboot" 20; then
	lab_result sysrq pass "$LAB_MATCH"
else
	lab_result sysrq fail "no answer to 'xl sysrq h'"
fi

# xl reboot: a new domain of the same name boots to the ready line again.
lab_mark
xl reboot $LAB_DOM
if lab_wait_reboot 60; then
	if lab_wait_console 'xenolith: ready' 90; then
		lab_result ready-again pass "after xl reboot"
	else
		lab_result ready-again fail "no 'xenolith: ready' after xl reboot"
		lab_dump
	fi
else
	lab_result ready-again fail "no reboot after xl reboot"
	lab_dump
fi

# xl shutdown -w must return, bounded, with the domain gone.
lab_now
t0=$LAB_NOW
if timeout 60 xl shutdown -w $LAB_DOM; then
	lab_now
	lab_result shutdown-w pass "returned after $(( LAB_NOW - t0 )) ms"
else
	lab_result shutdown-w fail "xl shutdown -w failed or took over 60 s"
	lab_dump
fi
if xl domid $LAB_DOM >/dev/null 2>&1; then
	lab_result gone fail "domain $LAB_DOM still exists"
	lab_destroy
else
	lab_result gone pass "no domain named $LAB_DOM"
fi
