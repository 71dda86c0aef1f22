# Suspend and resume through the toolstack (docs/lifecycle.md), one
# operation a variant (OP), on a domU with 2 vCPUs (VCPUS) and a disk
# (xvda); make test runs save for PVH, lifecycle-more.sh the rest (save
# for PV among them: dom0's xl crashed in 2 of 5 of its runs here, after
# the guest had done its part, which the harness would count against it):
#   save        xl save DOM FILE, then xl restore FILE: a new domain
#   checkpoint  xl save -c DOM FILE: the guest is suspended, saved and
#               resumed in the same domain (the hypercall returns 1)
#   migrate     xl migrate -s '' DOM 'xl migrate-receive': a live
#               migration to this host over a pipe, a new domain (PVH
#               only: the lab's Xen has no log-dirty mode for PV)
# Before: the monitor answers, its clock's uptime is read, a xenstore watch
# is set from the guest. After: the guest says how it came back, the
# monitor answers on the (new) console, the clock went on (not backwards,
# not beyond the time dom0 saw pass, and it keeps moving), the watch fires
# on a write from dom0, both vCPUs are online again and the guest's
# suspend counters say what happened. The disk, filled with a seeded
# pattern before, verifies after: its frontend was closed before the
# suspend and reconnects from Initialising afterwards.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 600
# lab-variants: save:OP=save,LAB_ONLY_TYPES=pvh
# lab-expect: create ready before disk-before suspend resumed monitor clock watch vcpus disk-after counters destroy

# The monitor's uptime in ms (from 'info') into UPTIME; 1 if no answer.
# Parsed by the shell itself: every fork is a chance for dom0's known
# transient segfault (docs/xen-lab.md) to hit a step judged as the guest's.
read_uptime() {
	UPTIME=""
	lab_cmd info 'clock: .*uptime [0-9]+ ms' 30 || return 1
	UPTIME=${LAB_MATCH##*uptime }
	UPTIME=${UPTIME%% ms*}
	case $UPTIME in
	'' | *[!0-9]*) UPTIME=""; return 1 ;;
	esac
}

# LAB_MATCH ends in ": ok" (a blk fill/verify that passed).
match_ok() {
	case $LAB_MATCH in
	*': ok') return 0 ;;
	esac
	return 1
}

# After the old domain went away: the new domain of the same name, its
# console stream attached (as lab_wait_reboot does for a reboot).
attach_new() {
	local old=$1 tmo=${2:-60} id tty i
	i=0
	while :; do
		id=$(xl domid $LAB_DOM 2>/dev/null)
		[ -n "$id" ] && [ "$id" != "$old" ] && break
		i=$((i + 1))
		[ $i -gt $((tmo * 2)) ] && return 1
		sleep 0.5
	done
	LAB_DOMID=$id
	i=0
	while :; do
		tty=$(xenstore-read /local/domain/$id/console/tty 2>/dev/null)
		[ -n "$tty" ] && [ -e "$tty" ] && break
		i=$((i + 1))
		[ $i -gt 50 ] && { tty=""; break; }
		sleep 0.1
	done
	LAB_TTY=$tty
	[ -n "$tty" ] && lab_stream_start $LAB_DOM $tty
	lab_marker domain case=$LAB_CASE dom=$LAB_DOM domid=$id tty=${tty:-none} restored_from=$old
	return 0
}

lab_create vcpus=${VCPUS:-2} memory=64 disk=16 || exit 1
lab_expect_ready || exit 1

if read_uptime && lab_cmd "xs watch data/lab-watch" "watching data/lab-watch" &&
	lab_wait_console "xs watch: .*data/lab-watch changed" 20; then
	U0=$UPTIME
	T_U0=$LAB_MATCH_MS
	lab_result before pass "uptime $U0 ms, watch set"
else
	lab_result before fail "the monitor did not answer, or the watch was not set"
	lab_dump
	lab_cmd evtchn "xenolith> " 20
lab_destroy
	exit 1
fi

lab_cmd suspend "suspend: xenstore round trip" 20
SEED=$((LAB_T_START % 100000 + 7))
if lab_cmd "blk fill xvda $SEED 0 512" "blk: fill xvda: .*: ok|blk: .*(differs|fail|error|no such|not)" 120 &&
	match_ok; then
	lab_result disk-before pass "$LAB_MATCH"
else
	lab_result disk-before fail "blk fill xvda: ${LAB_MATCH:-no answer}"
fi
save=$LAB_RUN/$LAB_DOM.save
old=$LAB_DOMID
lab_mark
lab_now
T0=$LAB_NOW
case $OP in
save)
	out=$(xl save $LAB_DOM $save 2>&1)
	rc=$?
	lab_now
	T1=$LAB_NOW
	echo "$out" | sed 's/^/lab: xl save: /'
	if [ $rc -eq 0 ]; then
		if lab_domstate $old; then
			rc=1
			out="domain $old still there after xl save"
		else
			out=$(xl restore $save 2>&1)
			rc=$?
			echo "$out" | sed 's/^/lab: xl restore: /'
		fi
	fi
	lab_now
	T2=$LAB_NOW
	[ $rc -eq 0 ] && ! attach_new $old && { rc=1; out="no new domain after xl restore"; }
	lab_metric op=save save_ms=$((T1 - T0)) restore_ms=$((T2 - T1)) \
		size_kib=$(($(stat -c %s $save 2>/dev/null || echo 0) / 1024))
	detail="xl save $((T1 - T0)) ms, xl restore $((T2 - T1)) ms"
	;;
checkpoint)
	out=$(xl save -c $LAB_DOM $save 2>&1)
	rc=$?
	lab_now
	T2=$LAB_NOW
	echo "$out" | sed 's/^/lab: xl save -c: /'
	[ $rc -eq 0 ] && [ "$(xl domid $LAB_DOM 2>/dev/null)" != "$old" ] &&
		{ rc=1; out="domid changed after a checkpoint"; }
	lab_metric op=checkpoint save_ms=$((T2 - T0))
	detail="xl save -c $((T2 - T0)) ms"
	;;
migrate)
	out=$(xl migrate -s '' $LAB_DOM 'xl migrate-receive' 2>&1)
	rc=$?
	lab_now
	T2=$LAB_NOW
	echo "$out" | sed 's/^/lab: xl migrate: /'
	[ $rc -eq 0 ] && ! attach_new $old && { rc=1; out="no domain $LAB_DOM after xl migrate"; }
	# xenconsoled named the receiving domain's log after its name then,
	# <name>--incoming: follow that log from its start.
	inc=$LAB_CONSOLE_DIR/guest-$LAB_DOM--incoming.log
	if [ $rc -eq 0 ] && [ -f "$inc" ]; then
		mv -f $LAB_CONSOLE_DIR/guest-$LAB_DOM.log $LAB_RUN/$LAB_DOM.before-migrate.log
		ln -sf "$inc" $LAB_CONSOLE_DIR/guest-$LAB_DOM.log
		LAB_MARK=0
		lab_log "following the console log $inc"
	fi
	lab_metric op=migrate migrate_ms=$((T2 - T0))
	detail="xl migrate $((T2 - T0)) ms"
	;;
*)
	rc=1
	out="unknown OP '$OP'"
	;;
esac
rm -f $save
if [ $rc -eq 0 ]; then
	lab_result suspend pass "$detail; domid $old -> $LAB_DOMID"
else
	lab_result suspend fail "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	lab_dmesg 30
	lab_dump
	lab_cmd evtchn "xenolith> " 20
lab_destroy
	exit 1
fi

if [ $OP = checkpoint ]; then
	want="suspend cancelled or checkpointed, resumed"
	counters='suspends=1 resumed_new=0 cancelled=1 failed=0'
else
	want="resumed in a new domain"
	counters='suspends=1 resumed_new=1 cancelled=0 failed=0'
fi
# The stream of a new domain starts with its new console: the line may
# have been printed before it attached; the log (same name) has it.
if lab_wait_console "xen: $want" 60; then
	lab_result resumed pass "$LAB_MATCH"
else
	lab_result resumed fail "no 'xen: $want' on the guest console"
	lab_dump
fi

lab_now
T3=$LAB_NOW
if lab_type '\r' && read_uptime; then
	U1=$UPTIME
	lab_result monitor pass "info answers on domid $LAB_DOMID"
else
	lab_result monitor fail "no answer from the monitor after the operation"
	lab_dump
	lab_cmd evtchn "xenolith> " 20
lab_destroy
	exit 1
fi

# Not backwards; not more than dom0 saw pass since the first reading was
# printed (plus slack for the console round trips); and moving on after a
# pause.
lab_now
elapsed=$((LAB_NOW - T_U0 + 30000))
sleep 2
if read_uptime; then
	U2=$UPTIME
	if [ $U1 -ge $U0 ] && [ $((U1 - U0)) -le $elapsed ] && [ $((U2 - U1)) -ge 1500 ] &&
		[ $((U2 - U1)) -le 30000 ]; then
		lab_result clock pass "uptime $U0 -> $U1 -> $U2 ms"
	else
		lab_result clock fail "uptime $U0 -> $U1 -> $U2 ms (dom0 saw $elapsed ms incl. slack)"
	fi
else
	lab_result clock fail "no second uptime reading"
fi

lab_mark
xenstore-write /local/domain/$LAB_DOMID/data/lab-watch fired-after-$OP
if lab_wait_console "xs watch: .*data/lab-watch changed" 20; then
	lab_result watch pass "$LAB_MATCH"
else
	lab_result watch fail "the watch set before the operation did not fire after it"
fi

if lab_cmd info "^vcpus: ${VCPUS:-2} online of ${VCPUS:-2}" 30; then
	lab_result vcpus pass "$LAB_MATCH"
else
	lab_cmd info '^vcpus: ' 10
	lab_result vcpus fail "not both vCPUs online: $LAB_MATCH"
fi

# The frontend comes back by itself; give it a bounded while.
i=0
while ! lab_cmd blkfront 'blkfront xvda: .*connected' 10 && [ $i -lt 6 ]; do
	i=$((i + 1))
	sleep 2
done
if lab_cmd "blk verify xvda $SEED 0 512" "blk: verify xvda: .*: ok|blk: .*(differs|fail|error|no such|not)" 120 &&
	match_ok; then
	lab_result disk-after pass "$LAB_MATCH"
else
	lab_cmd blkfront "xenolith> " 10
	lab_result disk-after fail "blk verify xvda after the operation: ${LAB_MATCH:-no answer}"
fi

if lab_cmd suspend "suspend: $counters" 20; then
	lab_result counters pass "$LAB_MATCH"
else
	lab_cmd suspend "suspend: " 10
	lab_result counters fail "want '$counters', got '$LAB_MATCH'"
fi

lab_cmd evtchn "xenolith> " 20
lab_destroy
