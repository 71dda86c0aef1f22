# libvirt's libxl driver drives a Xenolith domU through its life cycle:
# Debian's libvirtd (started here, once per lab boot) and virsh, with the
# domain defined from the package's example XML (libvirt-xen-pv.xml or
# libvirt-xen-pvh.xml; only the image path and the name changed, and a
# PVH domain gets the lab's TSC mode). virsh define, start (the guest
# reaches its ready line), console (a terminal under util-linux script:
# the monitor's `info` answers with the guest's mode), attach-disk of a
# file-backed disk while it runs (the guest's blkfront connects it and the
# monitor's `blk`, typed on the console pty, lists it) and detach-disk
# (blkfront closes it, `blk` no longer lists it), reboot (a new domain of
# the same name boots to ready again), shutdown (the guest powers itself
# off: "shut off (shutdown)"), start and destroy ("shut off (destroyed)"),
# undefine (the name is gone). docs/libvirt.md, docs/xen-lab.md.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 300
# lab-cost: 23
# lab-expect: libvirtd define start ready console attach-disk listed detach-disk unlisted reboot ready-again shutdown start-2 destroy undefine

VURI=xen:///system
VNAME=$LAB_CASE
VXML=$LAB_RUN/$VNAME.xml
VDISK=$LAB_RUN/$VNAME-disk.img
VCONS_OUT=$LAB_RUN/$VNAME.vcons
lab_now
VT0=$LAB_NOW

# vsh ARGS...: virsh on the libxl driver, bounded; output in VSH_OUT.
vsh() {
	VSH_OUT=$(timeout ${VSH_TMO:-60} virsh -q -c $VURI "$@" 2>&1)
}

# vphase NAME: a note of how far into the case this step starts.
vphase() {
	lab_now
	lab_log "phase $1 at +$((LAB_NOW - VT0)) ms"
}

# vstep NAME ARGS...: a virsh command as a result, with its duration.
vstep() {
	local name=$1 rc t0
	shift
	lab_now
	t0=$LAB_NOW
	vsh "$@"
	rc=$?
	lab_now
	[ -n "$VSH_OUT" ] && echo "$VSH_OUT" | sed "s/^/lab: virsh $1: /"
	if [ $rc -eq 0 ]; then
		lab_result $name pass "virsh $* in $((LAB_NOW - t0)) ms"
	else
		lab_result $name fail "virsh $* exited $rc after $((LAB_NOW - t0)) ms"
		virsh_dump
	fi
	return $rc
}

virsh_dump() {
	lab_log "---- libvirtd's log (tail)"
	tail -n 60 $LAB_RUN/libvirtd.log 2>/dev/null | sed 's/^/lab: libvirtd: /'
	sed 's/^/lab: libvirtd stderr: /' $LAB_RUN/libvirtd.out 2>/dev/null
	tail -n 30 /var/log/libvirt/libxl/$VNAME.log 2>/dev/null | sed 's/^/lab: libxl log: /'
	lab_dump
}

# libvirtd, started by the first case of a boot and kept for the next ones
# (it puts itself in a session of its own, so the case's cleanup leaves it).
# No polkit in this dom0: root's unix socket is unauthenticated.
virsh_daemon() {
	local pid i t0
	pid=$(cat /run/libvirtd.pid 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && vsh version; then
		lab_result libvirtd pass "already running (pid $pid)"
		return 0
	fi
	mkdir -p /etc/libvirt /var/lib/libvirt /var/log/libvirt /run/libvirt
	# The host CPU as libvirt sees it through libxl (Xen's featureset
	# words): under QEMU's TCG it matches none of libvirt's CPU models,
	# and libvirt 9.0 then refuses to load the libxl driver at all
	# ("Cannot find suitable CPU model for given data"). A model with no
	# features fits any host and is chosen only when no real one does.
	xl info | grep -E '^(hw_caps|virt_caps)' | sed 's/^/lab: xl info: /'
	if ! grep -q x86_lab-any.xml /usr/share/libvirt/cpu_map/index.xml; then
		printf "<cpus>\n  <model name='lab-any'>\n    <decode host='on' guest='off'/>\n  </model>\n</cpus>\n" \
			>/usr/share/libvirt/cpu_map/x86_lab-any.xml
		sed -i "s|<include filename='x86_486.xml'/>|&\n    <include filename='x86_lab-any.xml'/>|" \
			/usr/share/libvirt/cpu_map/index.xml
	fi
	cat >$LAB_RUN/libvirtd.conf <<-EOF
	auth_unix_rw = "none"
	auth_unix_ro = "none"
	log_outputs = "3:file:$LAB_RUN/libvirtd.log"
	EOF
	lab_now
	t0=$LAB_NOW
	# In a session of its own (the case's cleanup leaves it), its stderr
	# and exit status kept for a post-mortem.
	setsid sh -c "libvirtd --config $LAB_RUN/libvirtd.conf --pid-file /run/libvirtd.pid; echo \"libvirtd exited \$?\"" \
		</dev/null >$LAB_RUN/libvirtd.out 2>&1 &
	i=0
	until VSH_TMO=20 vsh version; do
		i=$((i + 1))
		if [ $i -gt 30 ]; then
			echo "$VSH_OUT" | sed 's/^/lab: virsh version: /'
			lab_result libvirtd fail "no answer on $VURI"
			virsh_dump
			return 1
		fi
		sleep 1
	done
	lab_now
	echo "$VSH_OUT" | sed 's/^/lab: virsh version: /'
	lab_result libvirtd pass "answers on $VURI $((LAB_NOW - t0)) ms after start"
}

# vstate: VSTATE = virsh domstate --reason (e.g. "running (booted)").
vstate() {
	vsh domstate --reason $VNAME
	VSTATE=$(echo "$VSH_OUT" | head -n 1)
}

# vwait_state PATTERN S: until domstate matches the shell pattern.
vwait_state() {
	local pat=$1 tmo=$2 deadline
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	while :; do
		vstate
		case $VSTATE in $pat) return 0 ;; esac
		lab_now
		[ $LAB_NOW -ge $deadline ] && return 1
		sleep 0.5
	done
}

# After virsh start: the lab's view of the running domain (LAB_DOM,
# LAB_DOMID, LAB_TTY) and a console log to wait on. No live stream: the
# console pty has one reader, virsh console; the xenconsoled log is
# replayed at the end of the case (the .dom file).
vattach() {
	LAB_DOM=$VNAME
	LAB_DOMID=$(xl domid $VNAME 2>/dev/null)
	LAB_TTY=$(xenstore-read /local/domain/$LAB_DOMID/console/tty 2>/dev/null)
	echo $VNAME >$LAB_RUN/$VNAME.dom
	lab_marker domain case=$LAB_CASE dom=$VNAME domid=$LAB_DOMID type=$LAB_TYPE tty=${LAB_TTY:-none}
}

# vcons CMD REGEX [S]: at the guest's monitor through `virsh console` (on
# a terminal: util-linux script gives it one), type CMD and wait until its
# answer matches REGEX (extended, one line); then Ctrl-] leaves. Returns 0
# when it matched; VCONS_MATCH is the line, VCONS_ANSWER all that came
# after the command was typed.
vcons() {
	local cmd=$1 re=$2 tmo=${3:-20}
	rm -f $VCONS_OUT $VCONS_OUT.skip
	: >$VCONS_OUT
	VCONS_MATCH=""
	{
		# virsh's banner, then Enter for a fresh prompt, then the command
		# once the prompt is there; the answer is looked for after it.
		vcons_until 'Escape character' 0 15 || { printf '\035'; exit 1; }
		printf '\r'
		vcons_until "$LAB_PROMPT" 0 $tmo || { printf '\035'; exit 1; }
		n=$(wc -c <$VCONS_OUT)
		echo $n >$VCONS_OUT.skip
		printf '%s\r' "$cmd"
		vcons_until "$re" $n $tmo
		printf '\035'
	} | timeout $((tmo * 2 + 30)) script -q -c "virsh -c $VURI console $VNAME" /dev/null >$VCONS_OUT 2>&1
	tr -d '\r' <$VCONS_OUT | sed "s/^/lab: virsh console: /"
	VCONS_ANSWER=$(tail -c +$(( $(cat $VCONS_OUT.skip 2>/dev/null || echo 0) + 1 )) $VCONS_OUT |
		tr -d '\r')
	VCONS_MATCH=$(echo "$VCONS_ANSWER" | grep -E -m 1 "$re")
	[ -n "$VCONS_MATCH" ]
}

# vcons_until REGEX FROM_BYTE S: until the console output after FROM_BYTE
# has a line matching REGEX.
vcons_until() {
	local re=$1 from=$2 tmo=$3 deadline
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	while :; do
		tail -c +$((from + 1)) $VCONS_OUT | tr -d '\r' | grep -q -E "$re" && return 0
		lab_now
		[ $LAB_NOW -ge $deadline ] && return 1
		sleep 0.2
	done
}

# The run's copy of the package's example: our image, our name. A PVH
# domU also gets the lab's TSC mode (docs/xen-lab.md: emulated SVM
# mishandles Xen's rdtsc intercept), as libvirt writes it.
sed -e "s|<name>[^<]*</name>|<name>$VNAME</name>|" \
	-e "s|<kernel>[^<]*</kernel>|<kernel>$LAB_IMAGES/xenolith</kernel>|" \
	/lab/examples/libvirt-xen-$LAB_TYPE.xml >$VXML
if [ "$LAB_TYPE" = pvh ]; then
	awk '/<devices>/ { print "  <clock offset=\"utc\"><timer name=\"tsc\" mode=\"native\"/></clock>" } { print }' \
		$VXML >$VXML.new && mv $VXML.new $VXML
fi
sed "s/^/lab: xml $VNAME: /" $VXML

virsh_daemon || exit 1
rm -f $LAB_CONSOLE_DIR/guest-$VNAME.log
LAB_MARK=0

vstep define define $VXML || exit 1
vsh list --all --name
echo "$VSH_OUT" | grep -qx "$VNAME" || lab_result define fail "virsh list --all has no $VNAME"

vphase start
# Start: the guest boots to its ready line.
lab_now
LAB_T_CREATE=$LAB_NOW
vstep start start $VNAME || { vsh undefine $VNAME; exit 1; }
vattach
lab_expect_ready 90 || { vsh destroy $VNAME; vsh undefine $VNAME; exit 1; }

vphase console
# The console, interactively: the monitor answers `info`.
if vcons info "^mode: xen-$LAB_TYPE\$"; then
	lab_result console pass "virsh console: info says '$VCONS_MATCH'"
else
	lab_result console fail "no '^mode: xen-$LAB_TYPE' answer to info through virsh console"
fi

vphase disk
# A file-backed disk while the guest runs. driver phy: libxl's block
# hotplug script puts a loop device over the file for blkback ("file" or
# "qemu" would ask for QEMU's qdisk backend, which this dom0 lacks).
dd if=/dev/zero of=$VDISK bs=1M count=0 seek=16 2>/dev/null
lab_mark
if vstep attach-disk attach-disk $VNAME $VDISK xvdb --driver phy --subdriver raw --targetbus xen; then
	if lab_wait_console 'blkfront xvdb: [0-9]+ sectors' 60; then
		lab_log "guest: $LAB_MATCH"
	else
		lab_result connected fail "the guest's blkfront never connected xvdb"
	fi
	# The monitor's blk, typed on the console pty itself (cheaper than
	# another virsh console; raw as virsh console leaves it, set again
	# in case it did not), its answer read from xenconsoled's log.
	stty -F "$LAB_TTY" raw -echo 2>/dev/null
	if lab_mon "$LAB_PROMPT" blk 20 && echo "$MON_OUT" | grep -q '^xvdb '; then
		lab_result listed pass "blk: $(echo "$MON_OUT" | grep '^xvdb ')"
	else
		lab_result listed fail "the monitor's blk does not list xvdb: $(echo "$MON_OUT" | tr '\n' '|')"
	fi
	lab_mark
	if vstep detach-disk detach-disk $VNAME xvdb; then
		if ! lab_wait_console 'blkfront xvdb: closed' 60; then
			lab_result closed fail "the guest's blkfront never closed xvdb"
		fi
		if lab_mon "$LAB_PROMPT" blk 20 && ! echo "$MON_OUT" | grep -q '^xvdb '; then
			lab_result unlisted pass "blk no longer lists xvdb"
		else
			lab_result unlisted fail "blk still lists xvdb after detach-disk (or no answer)"
		fi
	fi
fi

vphase reboot
# Reboot: libvirt asks the guest (control/shutdown), the guest shuts down
# for reboot, libvirt builds the domain again (a new domid).
OLD=$LAB_DOMID
lab_mark
if vstep reboot reboot $VNAME; then
	lab_now
	deadline=$((LAB_NOW + 60000))
	while :; do
		# xl is cheaper than virsh here; libvirt's view is checked by
		# the shutdown and destroy states below.
		id=$(xl domid $VNAME 2>/dev/null)
		case $id in '' | $OLD | *[!0-9]*) ;; *) break ;; esac
		lab_now
		[ $LAB_NOW -ge $deadline ] && break
		sleep 0.5
	done
	if [ -n "$id" ] && [ "$id" != "$OLD" ]; then
		vattach
		if lab_wait_console 'xenolith: ready' 90; then
			lab_result ready-again pass "domid $OLD -> $LAB_DOMID, ready again"
		else
			lab_result ready-again fail "no ready line after the reboot (domid $OLD -> $LAB_DOMID)"
			virsh_dump
		fi
	else
		vstate
		lab_result ready-again fail "no new domain after virsh reboot (domid '$id', state '$VSTATE')"
		virsh_dump
	fi
fi

vphase shutdown
# Graceful shutdown: the guest powers itself off.
lab_mark
if vstep shutdown shutdown $VNAME; then
	if vwait_state 'shut off (shutdown)' 60; then
		lab_log "state: $VSTATE"
	else
		lab_result shutdown fail "state '$VSTATE' 60 s after virsh shutdown, not 'shut off (shutdown)'"
		virsh_dump
	fi
fi

vphase destroy
# Start again (running is all destroy needs), then destroy.
if vstep start-2 start $VNAME; then
	vattach
	# Running is enough for destroy: no need to wait for the boot.
	if vstep destroy destroy $VNAME; then
		vstate
		case $VSTATE in
		'shut off (destroyed)') lab_log "state: $VSTATE" ;;
		*) lab_result destroy fail "state '$VSTATE' after destroy, not 'shut off (destroyed)'" ;;
		esac
	fi
fi

vphase undefine
# Whatever failed above, nothing of this case may stay defined or running.
vstate
case $VSTATE in 'shut off'*) ;; *) vsh destroy $VNAME ;; esac
if vstep undefine undefine $VNAME; then
	vsh list --all --name
	if echo "$VSH_OUT" | grep -qx "$VNAME"; then
		lab_result undefine fail "virsh list --all still has $VNAME"
	fi
fi
rm -f $VDISK
vphase end
