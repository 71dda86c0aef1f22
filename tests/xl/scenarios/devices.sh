# The hotplug path: a domU with a disk (a sparse file on a loop device in
# dom0, through blkback) and a vif on bridge xenbr0 (netback). Xenolith has
# no block or network frontend, so the backends wait for it (InitWait);
# what is checked is that Debian's hotplug scripts ran and connected both
# backends, and that xl destroy takes them down again.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 150
# lab-cost: 12
# lab-expect: create ready vbd vif destroy unplug

lab_create disk=16 vif=1 || exit 1
# The backends are checked even if the guest did not get ready.
lab_expect_ready
be=/local/domain/0/backend
vbd=$(xenstore-list $be/vbd/$LAB_DOMID 2>/dev/null | head -n 1)
hs=$(xenstore-read $be/vbd/$LAB_DOMID/$vbd/hotplug-status 2>/dev/null)
pd=$(xenstore-read $be/vbd/$LAB_DOMID/$vbd/physical-device 2>/dev/null)
loop=$(losetup -a | grep "$LAB_RUN/$LAB_DOM.img" | cut -d: -f1)
if [ "$hs" = connected ] && [ -n "$pd" ] && [ -n "$loop" ]; then
	lab_result vbd pass "vbd $vbd: hotplug-status $hs, physical-device $pd ($loop)"
else
	lab_result vbd fail "vbd '$vbd': hotplug-status '$hs', physical-device '$pd', loop '$loop'"
	xl block-list $LAB_DOMID 2>&1 | sed 's/^/lab: /'
fi
hs=$(xenstore-read $be/vif/$LAB_DOMID/0/hotplug-status 2>/dev/null)
master=$(readlink /sys/class/net/vif$LAB_DOMID.0/master 2>/dev/null)
if [ "$hs" = connected ] && [ "${master##*/}" = xenbr0 ]; then
	lab_result vif pass "vif$LAB_DOMID.0: hotplug-status $hs, port of ${master##*/}"
else
	lab_result vif fail "vif$LAB_DOMID.0: hotplug-status '$hs', master '${master##*/}'"
	ip link 2>&1 | sed 's/^/lab: /'
fi
id=$LAB_DOMID
lab_destroy
# The remove scripts run asynchronously to xl destroy: give them a moment.
i=0
while [ $i -lt 20 ]; do
	[ -z "$(losetup -a | grep "$LAB_RUN/$LAB_DOM.img")" ] && [ ! -e /sys/class/net/vif$id.0 ] && break
	sleep 0.5
	i=$((i + 1))
done
if [ -z "$(losetup -a | grep "$LAB_RUN/$LAB_DOM.img")" ] && [ ! -e /sys/class/net/vif$id.0 ]; then
	lab_result unplug pass "loop device released, vif$id.0 gone"
else
	lab_result unplug fail "after xl destroy: $(losetup -a | grep -c "$LAB_RUN/$LAB_DOM.img") loop device(s) left, vif$id.0 $([ -e /sys/class/net/vif$id.0 ] && echo present || echo gone)"
fi
