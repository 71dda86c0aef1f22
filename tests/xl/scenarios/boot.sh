# A plain boot of Xenolith as an xl domU: wait for "xenolith: ready" on its
# console, then xl destroy.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 120
# lab-expect: create ready destroy

lab_create || exit 1
if lab_wait_console 'xenolith: ready' 90; then
	lab_result ready pass "$(( LAB_MATCH_MS - LAB_T_CREATE )) ms after xl create"
else
	lab_result ready fail "no 'xenolith: ready' on the guest console"
	lab_dump
fi
lab_destroy
