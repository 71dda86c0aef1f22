# blkfront against a hostile block backend: /lab/bin/hostile-blkback
# (tests/xl/hostile-blkback.c) serves xvdb from a file in dom0, breaking
# the protocol in the way the variant names (docs/hostile-backend.md has
# the table of modes and what the guest must do). xvda is an honest disk
# from xl and Linux's blkback. Per case:
#
#   dom0 fills both backing files with the test pattern; xl create -p with
#   xvda; hostile-blkback writes xvdb's xenstore nodes while the domain is
#   paused; unpause; the guest must be ready (boot never waits on xvdb
#   longer than its bounded xenbus wait);
#   honest phase: xvdb verifies (modes that give a disk at all);
#   the fault: SIGUSR1 arms it, a read of 8 sectors (blk verify) meets it;
#   afterwards: xvdb refuses I/O and xenbus shows it failed/closed (with
#   the error node in xenstore) where the mode is a protocol violation;
#   xvda still verifies; the monitor answers; "ktest alloc" passes (the
#   allocator survived); power-off from the monitor ("xl shutdown" for
#   stall, whose read never returns); the backend saw its fault happen and
#   no request after it; the backing file holds exactly what the guest
#   wrote (nothing, for the fault modes); xl destroy finishes.
#
# In make test, the modes whose only target is the response checker
# (blkfront_ring.c, the same code in every guest type, unit-tested and
# fuzzed on the host) run on one type each, alternating; the modes that
# also exercise what differs between PV and PVH (grant mapping, ring
# pages, event delivery, xenstore teardown, a backend that stops) run on
# both. make soak runs every mode on both types.
#
# HOSTILE_TIMEOUT (s, default 90) bounds the backend. Select modes with
# LAB_VARIANTS="dup-id stall" (make lab-test LAB_SCENARIOS=hostile ...).
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 240
# lab-cost: 27
# lab-variants: honest:MODE=honest dup-id:MODE=dup-id,LAB_ONLY_TYPES=pv unknown-id:MODE=unknown-id,LAB_ONLY_TYPES=pvh rsp-prod-jump:MODE=rsp-prod-jump,LAB_ONLY_TYPES=pv wrong-op:MODE=wrong-op,LAB_ONLY_TYPES=pvh bad-status:MODE=bad-status,LAB_ONLY_TYPES=pv unsolicited:MODE=unsolicited,LAB_ONLY_TYPES=pvh storm:MODE=storm sectors-zero:MODE=sectors-zero,LAB_ONLY_TYPES=pv sector-size-3:MODE=sector-size-3,LAB_ONLY_TYPES=pvh absurd-ring-order:MODE=absurd-ring-order absurd-queues:MODE=absurd-queues,LAB_ONLY_TYPES=pv absurd-indirect:MODE=absurd-indirect,LAB_ONLY_TYPES=pvh close-midio:MODE=close-midio nodes-removed:MODE=nodes-removed keep-mapped:MODE=keep-mapped stall:MODE=stall
# lab-expect: create backend ready honest-disk alive allocator shutdown backend-exit backing-file destroy

HB=/lab/bin/hostile-blkback
BLKPAT=/lab/bin/blkpat
DEVID=51728
SIZE_MB=8
NSECT=512                      # region A: pattern from dom0, read by the guest
SEED_A=$(( 3000 + $$ % 1000 ))  # xvda
SEED_H=$(( SEED_A + 11 ))       # xvdb region A
SEED_W=$(( SEED_A + 22 ))       # xvdb region B, written by the guest (working modes)
A=$LAB_RUN/$LAB_CASE-a.img
H=$LAB_RUN/$LAB_CASE-h.img
HLOG=$LAB_RUN/$LAB_CASE-hb.log
HPID=""

# What the guest must do, by mode:
#   work     the disk works (honest, or absurd offers that must be clamped)
#   fatal    a protocol violation at the attack: the device fails for good
#   fatal0   the same, but the attack read itself may succeed (dup-id: the
#            first answer is right, the second is the violation)
#   gone     unsolicited: broken before the attack read; it must fail
#   close    the backend closes/vanishes mid-I/O: the read fails in bounded time
#   error    bad-status: that read fails; the device may live on
#   storm    the device may fail (storm detected) or live; the guest must not
#            livelock, and a read that succeeds must return the right data
#   refuse   bad Connected values: no usable disk
#   stall    no answer ever: the read hangs, xl shutdown must still work
case $MODE in
honest | absurd-ring-order | absurd-queues | absurd-indirect) KIND=work ;;
dup-id) KIND=fatal0 ;;
unknown-id | rsp-prod-jump | wrong-op | keep-mapped) KIND=fatal ;;
unsolicited) KIND=gone ;;
close-midio | nodes-removed) KIND=close ;;
bad-status) KIND=error ;;
storm) KIND=storm ;;
sectors-zero | sector-size-3) KIND=refuse ;;
stall) KIND=stall ;;
*) lab_result backend fail "unknown mode '$MODE'"; exit 1 ;;
esac

for t in $HB $BLKPAT; do
	[ -x $t ] || { lab_result backend fail "$t missing from the dom0 archive (make builds host/*, lab.py ships them)"; exit 1; }
done

GLOG() { echo $LAB_CONSOLE_DIR/guest-$LAB_DOM.log; }

# mon CMD [TMO]: type CMD at the monitor, wait for the next prompt
# (lab_mon; MON_OUT: the lines between the command's echo and it).
mon() { lab_mon "$LAB_PROMPT" "$@"; }

# Show MON_OUT (a few lines) as notes.
mon_show() { printf '%s\n' "$MON_OUT" | head -n ${1:-12} | sed "s/^/lab: guest: /"; }

hb_log() { [ -f $HLOG ] && sed "s/^/lab: hb: /" $HLOG; }

# hb_line REGEX: the backend's first log line matching, or empty.
hb_line() { grep -E -m1 "$1" $HLOG 2>/dev/null; }

# xvdb's line in the guest's 'xenbus' listing.
xenbus_line() {
	mon xenbus 20 || true
	XB_LINE=$(printf '%s\n' "$MON_OUT" | grep "device/vbd/$DEVID " | head -n1)
	lab_log "guest xenbus: ${XB_LINE:-no line for device/vbd/$DEVID}"
}

# A read of xvdb, checked against the pattern dom0 wrote (a verify: one
# line of output; a hexdump crawls through the emulated serial line).
# R_DONE 1 if the command finished, R_OK 1 if data came back and matched,
# R_BAD 1 if data came back wrong, R_ERR the error line if any.
read_xvdb() {
	local lba=$1 n=$2 tmo=${3:-30}
	R_OK=0 R_BAD=0 R_ERR="" R_DONE=0
	mon "blk verify xvdb $SEED_H $lba $n" $tmo && R_DONE=1
	mon_show 4
	printf '%s\n' "$MON_OUT" | grep -q '^blk: verify xvdb: .*: ok' && R_OK=1
	printf '%s\n' "$MON_OUT" | grep -q '^blk: verify xvdb: sector .* differs' && R_BAD=1
	R_ERR=$(printf '%s\n' "$MON_OUT" | grep -m1 '^blk: ')
}

hb_stop() {
	local i=0
	[ -n "$HPID" ] || return 0
	kill -TERM $HPID 2>/dev/null
	while kill -0 $HPID 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 $HPID 2>/dev/null; then
		lab_result backend-exit fail "hostile-blkback still running 10 s after SIGTERM"
		kill -KILL $HPID 2>/dev/null
	fi
	lab_reap $HPID 10
	[ $? = 255 ] && lab_result backend-exit fail "hostile-blkback did not end 10 s after SIGKILL (stuck in the kernel)"
	HPID=""
}

# Started by lab_create while the domain is paused: the nodes must exist
# before the guest's first xenbus scan.
hb_start() {
	: >$HLOG
	$HB --domid $LAB_DOMID --devid $DEVID --file $H --mode $MODE \
		--timeout ${HOSTILE_TIMEOUT:-90} >>$HLOG 2>&1 &
	HPID=$!
	local i=0
	while ! grep -q 'serving' $HLOG; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 $HPID 2>/dev/null; then
			hb_log
			lab_result backend fail "hostile-blkback did not start"
			return 1
		fi
		sleep 0.1
	done
	lab_result backend pass "$(hb_line serving)"
}

# ------------------------------------------------------------------ setup
dd if=/dev/zero of=$A bs=1M count=0 seek=$SIZE_MB 2>/dev/null
dd if=/dev/zero of=$H bs=1M count=0 seek=$SIZE_MB 2>/dev/null
if ! $BLKPAT fill $A $SEED_A 0 $NSECT >/dev/null || ! $BLKPAT fill $H $SEED_H 0 $NSECT >/dev/null; then
	lab_result backend fail "blkpat fill failed"
	exit 1
fi
SUM0=$(md5sum <$H)

lab_create vcpus=1 cfg="disk = [ 'format=raw,vdev=xvda,access=rw,target=$A' ]" pre=hb_start || {
	hb_stop; hb_log; exit 1; }
if ! lab_expect_ready 90; then
	hb_stop; hb_log; lab_destroy; exit 1
fi
lab_log "mode $MODE ($KIND); backend so far:"
hb_log

# ------------------------------------------------------------------ honest phase
XVDB_LISTED=0
if [ $KIND = refuse ]; then
	mon "blk" 20
	printf '%s\n' "$MON_OUT" | grep -q '^xvdb ' && XVDB_LISTED=1
	# sector-size 3 must be refused; 0 sectors may give an empty disk, on
	# which every read must fail (checked below), but never a request.
	if [ $MODE = sector-size-3 ] && [ $XVDB_LISTED = 1 ]; then
		lab_result refused fail "xvdb registered with sector-size 3"
	elif [ $XVDB_LISTED = 1 ]; then
		lab_log "xvdb listed with 0 sectors: $(printf '%s\n' "$MON_OUT" | grep '^xvdb ')"
	fi
else
	if mon "blk verify xvdb $SEED_H 0 $NSECT" 60 && lab_mon_answer '^blk: verify xvdb: ' 60 &&
		case $MON_ANSWER in *": ok") true ;; *) false ;; esac; then
		lab_result honest-phase pass "xvdb verifies before the fault ($(hb_line connected))"
	else
		mon_show
		lab_result honest-phase fail "xvdb does not verify before any fault (mode $MODE)"
		lab_dump
	fi
fi
if [ $KIND = work ]; then
	# Matched in the shell: a grep fork is what dom0's transient segfault
	# kills (docs/xen-lab.md).
	if mon "blk fill xvdb $SEED_W $NSECT 256" 60 && lab_mon_answer '^blk: fill xvdb: ' 60 &&
		case $MON_ANSWER in *": ok") true ;; *) false ;; esac &&
		mon "blk verify xvdb $SEED_W $NSECT 256" 60 && lab_mon_answer '^blk: verify xvdb: ' 60 &&
		case $MON_ANSWER in *": ok") true ;; *) false ;; esac; then
		lab_result write-phase pass "xvdb written (with a flush) and read back"
	else
		mon_show
		lab_mon_raw
		lab_result write-phase fail "xvdb write/flush/read-back failed (mode $MODE)"
	fi
	fe() { xenstore-read /local/domain/$LAB_DOMID/device/vbd/$DEVID/$1 2>/dev/null || echo -; }
	ro=$(fe ring-page-order) nq=$(fe multi-queue-num-queues)
	lab_log "frontend chose ring-page-order $ro, multi-queue-num-queues $nq"
	case $MODE in
	absurd-ring-order)
		if [ "$ro" = - ] || [ "$ro" -le 4 ]; then
			lab_result clamp pass "ring-page-order '$ro' for an offer of 99"
		else
			lab_result clamp fail "ring-page-order '$ro' for an offer of 99"
		fi ;;
	absurd-queues)
		if [ "$nq" = - ] || [ "$nq" = 1 ]; then
			lab_result clamp pass "multi-queue-num-queues '$nq' (1 vCPU) for an offer of 100000"
		else
			lab_result clamp fail "multi-queue-num-queues '$nq' (1 vCPU) for an offer of 100000"
		fi ;;
	absurd-indirect)
		mon blkfront 20
		segs=$(printf '%s\n' "$MON_OUT" | grep -o '[0-9]* indirect seg[a-z]*' | head -n1)
		lab_log "guest blkfront: $(printf '%s\n' "$MON_OUT" | grep xvdb | head -n 3 | tr '\n' ' ')"
		lab_result clamp pass "offer 4294967295 accepted as: ${segs:-no indirect}; I/O works" ;;
	esac
fi

# ------------------------------------------------------------------ the fault
case $KIND in
work | refuse) ;;
*)
	kill -USR1 $HPID
	[ $KIND = gone ] && sleep 2
	;;
esac

STALLED=0
if [ $KIND = stall ]; then
	# The read never completes; the monitor is busy with it.
	if mon "blk verify xvdb $SEED_H 0 8" 8; then
		lab_result fault fail "a read answered although the backend stalls: $(printf '%s\n' "$MON_OUT" | head -n1)"
	else
		lab_result fault pass "the read waits on the stalled backend (monitor busy, as expected)"
	fi
	STALLED=1
else
	read_xvdb 0 8 30
	if [ $R_DONE = 0 ]; then
		lab_result fault fail "mode $MODE: a read of xvdb (blk verify, 8 sectors) did not finish within 30 s (guest hangs on the faulty backend)"
		lab_dump
		STALLED=1
	else
		case $KIND in
		work)
			[ $R_OK = 1 ] && lab_result fault pass "read ok (no fault in this mode)" ||
				lab_result fault fail "read failed: ${R_ERR:-?}" ;;
		fatal0)
			[ $R_BAD = 1 ] && lab_result fault fail "mode $MODE: the read returned wrong data: $R_ERR" ||
			lab_result fault pass "read ${R_ERR:-returned data} (the first answer was valid)" ;;
		storm)
			if [ $R_OK = 1 ]; then
				lab_result fault pass "the storm was absorbed; the late answer's data verifies"
			elif [ $R_BAD = 1 ]; then
				lab_result fault fail "after the storm xvdb returned wrong data: $R_ERR"
			else
				lab_result fault pass "read failed after the storm: $R_ERR"
			fi ;;
		*)
			if [ $R_BAD = 1 ]; then
				lab_result fault fail "mode $MODE: the read returned wrong data as success: $R_ERR"
			elif [ $R_OK = 1 ]; then
				lab_result fault fail "mode $MODE: the read returned data although the backend broke the protocol"
			else
				lab_result fault pass "read refused: ${R_ERR:-no data}"
			fi ;;
		esac
	fi
fi

# ------------------------------------------------------------------ afterwards
if [ $STALLED = 0 ]; then
	case $KIND in
	fatal | fatal0 | gone | close | refuse)
		# The broken disk must stay unusable (the backend answers
		# honestly again, so a read that works means the guest kept
		# using it).
		read_xvdb 8 1 30
		if [ $R_OK = 1 ] || [ $R_BAD = 1 ]; then
			lab_result unusable fail "mode $MODE: xvdb still reads after the fault"
		elif [ $R_DONE = 0 ]; then
			lab_result unusable fail "mode $MODE: a second read of xvdb hangs"
		else
			lab_result unusable pass "xvdb refuses I/O: ${R_ERR:-no data}"
		fi
		xenbus_line
		case $KIND in
		close) want='state Closed' ;;
		*) want=' FAILED' ;;
		esac
		if [ $MODE = sectors-zero ] && [ $XVDB_LISTED = 1 ]; then
			want=''    # an empty disk is acceptable; no request may reach the backend
		fi
		if [ -z "$want" ] || [ "${XB_LINE#*$want}" != "$XB_LINE" ]; then
			lab_result xenbus-state pass "${XB_LINE:-no device line}"
		else
			lab_result xenbus-state fail "expected '$want': '${XB_LINE:-no line for device/vbd/$DEVID}'"
		fi
		if [ "$want" = ' FAILED' ]; then
			err=$(xenstore-read /local/domain/$LAB_DOMID/error/device/vbd/$DEVID/error 2>/dev/null)
			if [ -n "$err" ]; then
				lab_result error-node pass "error/device/vbd/$DEVID/error = '$err'"
			else
				lab_result error-node fail "no error/device/vbd/$DEVID/error in xenstore"
			fi
		fi
		;;
	error)
		# Status 77 failed that read; now an honest answer.
		read_xvdb 8 1 30
		xenbus_line
		lab_result after pass "next read: $([ $R_OK = 1 ] && echo data || echo "${R_ERR:-no data}"); ${XB_LINE:-}"
		;;
	esac
	# Console output crawls through the emulated dom0: only where it tells something.
	case $MODE in
	storm) mon blkfront 20; mon_show 20 ;;
	keep-mapped) mon gnttab 20; mon_show 4 ;;
	esac
	# The honest disk.
	if mon "blk verify xvda $SEED_A 0 $NSECT" 60 && printf '%s\n' "$MON_OUT" | grep -q 'blk: verify xvda: .*: ok'; then
		lab_result honest-disk pass "xvda verifies ($NSECT sectors)"
	else
		mon_show
		lab_result honest-disk fail "mode $MODE: xvda no longer verifies"
	fi
	if mon info 20 && printf '%s\n' "$MON_OUT" | grep -q '^memory: '; then
		lab_result alive pass "$(printf '%s\n' "$MON_OUT" | grep '^memory: ')"
	else
		lab_result alive fail "mode $MODE: the monitor does not answer 'info'"
		lab_dump
	fi
	if mon "ktest alloc" 60 && r=$(printf '%s\n' "$MON_OUT" | grep '^ktest: done') &&
		[ "${r#*, 0 failed}" != "$r" ]; then
		lab_result allocator pass "ktest alloc: $r"
	else
		lab_result allocator fail "mode $MODE: ktest alloc: '$(printf '%s\n' "$MON_OUT" | grep -E 'not ok|ktest: done' | head -n 3 | tr '\n' ' ')'"
	fi
	lab_type 'poweroff\r'
	lab_expect_shutdown poweroff 30
else
	# The monitor is stuck in the read: the toolstack's shutdown request
	# must still power the guest off.
	lab_result honest-disk pass "not checked (the monitor is busy with the stalled read)"
	lab_result alive pass "not checked (monitor busy); xl shutdown follows"
	lab_result allocator pass "not checked (monitor busy)"
	lab_xl xl-shutdown 20 shutdown $LAB_DOMID
	lab_expect_shutdown poweroff 30
fi

if grep -q 'Kernel panic' $(GLOG) 2>/dev/null; then
	lab_result no-panic fail "mode $MODE: Kernel panic on the guest console"
fi

# ------------------------------------------------------------------ the backend's view
hb_stop
hb_log
done_line=$(hb_line ' done ')
late=$(echo "$done_line" | sed -n 's/.* late=\([0-9]*\).*/\1/p')
faults=$(echo "$done_line" | sed -n 's/.* faults=\([0-9]*\).*/\1/p')
reqs=$(echo "$done_line" | sed -n 's/.* requests=\([0-9]*\).*/\1/p')
if [ -z "$done_line" ]; then
	lab_result backend-exit fail "no 'done' line from hostile-blkback"
else
	bad=""
	case $KIND in
	work | refuse) [ "$faults" = 0 ] || bad="faults=$faults" ;;
	*) [ "$faults" = 1 ] || bad="the fault did not happen (faults=$faults)" ;;
	esac
	case $KIND in
	fatal | fatal0 | gone | refuse)
		[ "$late" = 0 ] || bad="$bad; $late request(s) reached the backend after the violation" ;;
	esac
	[ $MODE = sectors-zero ] && [ "$reqs" != 0 ] && bad="$bad; $reqs request(s) for a 0-sector disk"
	if [ -z "$bad" ]; then
		lab_result backend-exit pass "$done_line"
	else
		lab_result backend-exit fail "mode $MODE: ${bad#; } ($done_line)"
	fi
fi

# The hostile disk's file: only what the guest wrote.
if [ $KIND = work ]; then
	if $BLKPAT check $H $SEED_H 0 $NSECT >/dev/null && $BLKPAT check $H $SEED_W $NSECT 256 >/dev/null; then
		lab_result backing-file pass "region A intact, region B holds the guest's pattern"
	else
		lab_result backing-file fail "mode $MODE: xvdb's file does not hold what was written"
	fi
elif [ "$(md5sum <$H)" = "$SUM0" ]; then
	lab_result backing-file pass "unchanged (the guest wrote nothing to xvdb)"
else
	lab_result backing-file fail "mode $MODE: xvdb's file changed though the guest only read"
fi
lab_destroy
xenstore-rm /local/domain/0/backend/vbd/$LAB_DOMID 2>/dev/null
rm -f $A $H
exit 0
