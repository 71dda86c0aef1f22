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
# Busy devices across the operation (docs/lifecycle.md, "Devices"): two
# blkstress workers write and read back their own region of xvda the
# whole time, and dom0 streams into the guest's TCP discard service
# (10.0.0.2:9, vif with a fixed MAC on xenbr0). After it: the workers'
# verified count went on past the operation and they report no error
# (busy-disk), the same vif MAC is back (mac), and the stream, still the
# same TCP connection, ends with the guest's byte count and CRC equal to
# dom0's (tcp). LC_TCP=0 leaves the stream out (no tcp result). The
# guest's clock includes the time it was suspended, so the stream lives
# only because the discard service's idle timeout (300 s, net/services.c)
# outlasts the outage and dom0's backed-off retransmissions;
# docs/lifecycle.md, "Known limits".
# LC_RENEGO=1 (with OP=save): between xl save and xl restore dom0's
# blkback is told to offer no persistent grants and one queue, so the
# restored frontend negotiates something else than before (direct
# grants, one queue) and the kept requests go out in that mode (renego);
# the defaults are set again afterwards.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 600
# lab-cost: 170
# lab-variants: save:OP=save,LAB_ONLY_TYPES=pvh
# lab-expect: create ready before disk-before busy-before suspend resumed monitor clock watch vcpus disk-after busy-disk mac counters destroy

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

# kv_last KEY FILE: the value of KEY=... in the last line of FILE (in the
# shell: no forks).
kv_last() {
	local line="" l v
	while IFS= read -r l; do line=$l; done <"$2"
	case $line in
	*" $1="*) v=${line#* $1=}; echo "${v%% *}" ;;
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

NT=/lab/bin/nettest
BBP=/sys/module/xen_blkback/parameters
GIP=10.0.0.2
MAC=00:16:3e:4c:43:02
OUT=$LAB_RUN/$LAB_CASE.nt
lab_net_up || lab_log "bridge xenbr0 / 10.0.0.1 could not be set up"
lab_create vcpus=${VCPUS:-2} memory=64 disk=16 \
	extra="ip=$GIP/24,gw=10.0.0.1 netsvc=discard" \
	cfg="vif = [ 'bridge=xenbr0,mac=$MAC' ]" || exit 1
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
# Busy devices: the block workers (own region, sectors 4096..12287) and
# the TCP stream, both running before the operation starts.
NSEED=$((SEED + 1000))
V0=""
NTPID=""
LC_TCP=${LC_TCP:-1}
if lab_cmd "blkstress start xvda $NSEED 4096 8192 2" "blkstress xvda: started|blkstress: " 20 &&
	[ "${LAB_MATCH#*started}" != "$LAB_MATCH" ]; then
	if [ "$LC_TCP" = 1 ]; then
		$NT --seed $NSEED --secs 900 --io-timeout 240000 tcp-send $GIP:9 >$OUT 2>&1 &
		NTPID=$!
	fi
	sleep 3
	if lab_cmd "blkstress status" "blkstress xvda: rounds=.* running" 20; then
		V0=${LAB_MATCH#*verified=}
		V0=${V0%% *}
	fi
fi
if [ -n "$V0" ] && [ "$V0" -gt 0 ] && { [ "$LC_TCP" != 1 ] || kill -0 $NTPID 2>/dev/null; }; then
	how="streaming"
	[ -z "$NTPID" ] && how="not streaming (LC_TCP=0)"
	lab_result busy-before pass "blkstress verified $V0 sectors; dom0 -> $GIP:9 $how"
else
	lab_result busy-before fail "blkstress: ${LAB_MATCH:-no answer}; stream ${NTPID:-not started}"
	head -n 5 $OUT 2>/dev/null | sed 's/^/lab: nettest: /'
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
			if [ "${LC_RENEGO:-0}" = 1 ]; then
				echo 0 >$BBP/feature_persistent
				echo 1 >$BBP/max_queues
				lab_log "blkback for the restore: feature_persistent=$(cat $BBP/feature_persistent) max_queues=$(cat $BBP/max_queues)"
			fi
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

# The block workers kept going through the operation: more verified
# than before it, and still more a moment later; then stopped, with no
# error at all.
V1=""
V2=""
if lab_cmd "blkstress status" "blkstress xvda: rounds=.* running" 20; then
	V1=${LAB_MATCH#*verified=}
	V1=${V1%% *}
fi
sleep 3
lab_cmd "blkstress stop" "blkstress xvda: rounds=.* (stopped|stuck)|blkstress: not running" 60
stop=$LAB_MATCH
V2=${stop#*verified=}
V2=${V2%% *}
E2=${stop#*errors=}
E2=${E2%% *}
lab_cmd blkfront "suspend: parked" 10 && lab_log "blkfront: $LAB_MATCH"
if [ -n "$V0" ] && [ -n "$V1" ] && [ "${stop#*stopped}" != "$stop" ] && [ "$E2" = 0 ] &&
	[ "$V1" -gt "$V0" ] && [ "$V2" -gt "$V1" ]; then
	lab_result busy-disk pass "verified $V0 -> $V1 -> $V2 sectors, 0 errors"
else
	lab_cmd blkfront "xenolith> " 10
	lab_result busy-disk fail "verified ${V0:-?} -> ${V1:-?} -> ${V2:-?}; $stop"
fi

if [ "${LC_RENEGO:-0}" = 1 ]; then
	# Linux's blkback: 1 and 2 are its defaults (blk.sh sets them back
	# the same way).
	echo 1 >$BBP/feature_persistent
	echo 2 >$BBP/max_queues
	if lab_cmd blkfront "ring .*, 1 queue[(]s[)], indirect [0-9]+ segs, direct grants" 20; then
		lab_result renego pass "after the restore: $LAB_MATCH"
	else
		lab_cmd blkfront "xenolith> " 10
		lab_result renego fail "blkfront did not renegotiate to one queue and direct grants"
	fi
fi

# The vif came back with its MAC (and so its address and connections).
if lab_cmd netfront "vif 0 eth0: connected, carrier on, .*mac $MAC" 20; then
	lab_result mac pass "$LAB_MATCH"
else
	lab_cmd netfront "xenolith> " 10
	lab_result mac fail "no connected vif with MAC $MAC"
fi
lab_cmd netfront "suspend: parked" 10 && lab_log "netfront: $LAB_MATCH"

# The stream: the connection made before the operation ends now; the
# guest's discard line must give dom0's byte count and CRC.
if [ "$LC_TCP" != 1 ]; then
	lab_log "tcp: no stream (LC_TCP=0)"
elif [ -n "$NTPID" ] && kill -0 $NTPID 2>/dev/null; then
	lab_mark
	kill -USR1 $NTPID
	wait $NTPID
	rc=$?
	line=$(tail -n 1 $OUT)
	b=$(kv_last bytes $OUT)
	crc=$(kv_last crc32 $OUT)
	if [ $rc -eq 0 ] && [ -n "$b" ] && [ "$b" -gt 0 ] &&
		lab_wait_console "net: discard: peer=10\.0\.0\.1:[0-9]+ bytes=$b crc32=$crc" 30; then
		lab_result tcp pass "one connection across the $OP: $b bytes, crc32=$crc on both sides"
	else
		lab_wait_console "net: discard: " 5
		lab_result tcp fail "nettest exit $rc: ${line#nettest: }; guest: ${LAB_MATCH:-no discard line}"
	fi
else
	[ -n "$NTPID" ] && wait $NTPID
	head -n 5 $OUT 2>/dev/null | sed 's/^/lab: nettest: /'
	lab_result tcp fail "dom0's stream ended during the $OP: $(tail -n 1 $OUT 2>/dev/null)"
fi

if lab_cmd suspend "suspend: $counters" 20; then
	lab_result counters pass "$LAB_MATCH"
else
	lab_cmd suspend "suspend: " 10
	lab_result counters fail "want '$counters', got '$LAB_MATCH'"
fi

lab_cmd evtchn "xenolith> " 20
lab_destroy
