# A network frontend against a hostile network backend:
# /lab/bin/hostile-netback (tests/xl/hostile-netback.c) serves a second
# vif (devid 1) through a TAP device on dom0's bridge xenbr0, breaking the
# protocol in the way the variant names (docs/hostile-backend.md, "The vif
# personality", has the table of modes). vif 0 is an honest vif from xl
# and Linux's netback on the same bridge. Per case:
#
#   xl create -p with vif 0; hostile-netback writes vif 1's xenstore nodes
#   while the domain is paused; unpause; the guest must come up;
#   honest phase: dom0 pings the guest through both vifs (modes that give
#   a working vif at all);
#   the fault: dom0 pings the hostile vif continuously, SIGUSR1 arms the
#   fault, which hits the next packet of the guest's (TX modes) or for the
#   guest (RX modes);
#   afterwards: the guest is alive (its monitor answers), vif 1 is in an
#   error state (xenbus FAILED or closed, the error node in xenstore) and
#   passes no more packets, vif 0 still answers pings, the allocator's
#   self-test passes (memory intact); power-off; the backend saw its fault
#   happen exactly once; xl destroy finishes.
#
# Guests: LAB_GUEST=xenolith (the image under test; the checks above) or
# LAB_GUEST=linux (Debian's kernel and xen-netfront, the reference the
# backend was validated against: the guest must survive and vif 0 keep
# working; what netfront said and whether vif 1 still passes packets is
# logged, not judged). Variants MODE (Xenolith) and linux-MODE.
#
# Not in the default lab-test list (suite hostile-net). Run with
#   make lab-test LAB_SCENARIOS=hostile-net LAB_TYPES=pv LAB_VARIANTS="honest tx-dup-id"
# HOSTILE_TIMEOUT (s, default 150) bounds the backend.
#
# lab-suite: hostile-net
# lab-types: pv pvh
# lab-timeout: 300
# lab-variants: honest:MODE=honest tx-unknown-id:MODE=tx-unknown-id tx-dup-id:MODE=tx-dup-id tx-rsp-prod-jump:MODE=tx-rsp-prod-jump rx-offset-overflow:MODE=rx-offset-overflow rx-status-negative:MODE=rx-status-negative rx-status-huge:MODE=rx-status-huge rx-too-long:MODE=rx-too-long rx-more-slots:MODE=rx-more-slots rx-extra-loop:MODE=rx-extra-loop rx-extra-unknown:MODE=rx-extra-unknown rx-rsp-prod-jump:MODE=rx-rsp-prod-jump storm:MODE=storm absurd-queues:MODE=absurd-queues absurd-features:MODE=absurd-features bad-mac:MODE=bad-mac close-midio:MODE=close-midio nodes-removed:MODE=nodes-removed killed:MODE=killed linux-honest:MODE=honest,LAB_GUEST=linux,LAB_FIO=1 linux-tx-unknown-id:MODE=tx-unknown-id,LAB_GUEST=linux,LAB_FIO=1 linux-tx-dup-id:MODE=tx-dup-id,LAB_GUEST=linux,LAB_FIO=1 linux-tx-rsp-prod-jump:MODE=tx-rsp-prod-jump,LAB_GUEST=linux,LAB_FIO=1 linux-rx-offset-overflow:MODE=rx-offset-overflow,LAB_GUEST=linux,LAB_FIO=1 linux-rx-status-negative:MODE=rx-status-negative,LAB_GUEST=linux,LAB_FIO=1 linux-rx-status-huge:MODE=rx-status-huge,LAB_GUEST=linux,LAB_FIO=1 linux-rx-too-long:MODE=rx-too-long,LAB_GUEST=linux,LAB_FIO=1 linux-rx-more-slots:MODE=rx-more-slots,LAB_GUEST=linux,LAB_FIO=1 linux-rx-extra-loop:MODE=rx-extra-loop,LAB_GUEST=linux,LAB_FIO=1 linux-rx-extra-unknown:MODE=rx-extra-unknown,LAB_GUEST=linux,LAB_FIO=1 linux-rx-rsp-prod-jump:MODE=rx-rsp-prod-jump,LAB_GUEST=linux,LAB_FIO=1 linux-storm:MODE=storm,LAB_GUEST=linux,LAB_FIO=1 linux-absurd-queues:MODE=absurd-queues,LAB_GUEST=linux,LAB_FIO=1 linux-absurd-features:MODE=absurd-features,LAB_GUEST=linux,LAB_FIO=1 linux-bad-mac:MODE=bad-mac,LAB_GUEST=linux,LAB_FIO=1 linux-close-midio:MODE=close-midio,LAB_GUEST=linux,LAB_FIO=1 linux-nodes-removed:MODE=nodes-removed,LAB_GUEST=linux,LAB_FIO=1 linux-killed:MODE=killed,LAB_GUEST=linux,LAB_FIO=1
# lab-expect: create backend ready alive honest-vif backend-exit destroy

HN=/lab/bin/hostile-netback
HDEV=1
GUEST=${LAB_GUEST:-xenolith}
# vif 0 (xl, netback) in the bridge's own link-local network; vif 1 (the
# hostile one) in a network of its own on the same bridge, so that the
# guest's route to dom0 for each address goes through that address's vif.
DOM0_IP=169.254.0.1
G0_IP=169.254.10.2
G0_MAC=00:16:3e:0a:00:02
DOM0_HIP=10.77.0.1
G1_IP=10.77.0.2
G1_MAC=00:16:3e:4d:00:02
HLOG=$LAB_RUN/$LAB_CASE-hn.log
HPID=""
PINGPID=""

# What the guest must do with vif 1, by mode:
#   work    the vif works (honest, or absurd offers the frontend clamps or ignores)
#   fatal   a protocol violation at the attack: vif 1 fails for good
#   storm   vif 1 may fail (storm detected) or live; no livelock
#   refuse  bad-mac: vif 1 never connects (error state), no packet
#   close   the backend closes/vanishes/dies mid-transfer: vif 1 ends
#           closed or failed and passes nothing; the guest lives on
case $MODE in
honest | absurd-queues | absurd-features) KIND=work ;;
tx-unknown-id | tx-dup-id | tx-rsp-prod-jump | rx-offset-overflow | rx-status-negative | \
rx-status-huge | rx-too-long | rx-more-slots | rx-extra-loop | rx-extra-unknown | \
rx-rsp-prod-jump) KIND=fatal ;;
storm) KIND=storm ;;
bad-mac) KIND=refuse ;;
close-midio | nodes-removed | killed) KIND=close ;;
*) lab_result backend fail "unknown mode '$MODE'"; exit 1 ;;
esac

[ -x $HN ] || { lab_result backend fail "$HN missing from the dom0 archive (make builds host/*, lab.py ships it)"; exit 1; }

GLOG() { echo $LAB_CONSOLE_DIR/guest-$LAB_DOM.log; }

# The guest's command prompt: Xenolith's monitor, or the line the Linux
# guest's init prints after each command (tests/xl/guest-linux/init).
if [ $GUEST = linux ]; then
	MON_END='lab-linux: end'
else
	MON_END=$LAB_PROMPT
fi

# mon CMD [TMO]: lab_mon with that prompt (MON_OUT: the answer).
mon() { lab_mon "$MON_END" "$@"; }

mon_show() { printf '%s\n' "$MON_OUT" | head -n ${1:-12} | sed "s/^/lab: guest: /"; }
hn_log() { [ -f $HLOG ] && sed "s/^/lab: hn: /" $HLOG; }
hn_line() { grep -E -m1 "$1" $HLOG 2>/dev/null; }

# pings IP N: how many of N pings (1 s apart, 2 s wait) were answered.
pings() {
	ping -c $2 -W 2 $1 2>/dev/null | sed -n 's/.* \([0-9]*\) packets received.*/\1/p' | head -n1
}

hn_stop() {
	local i=0
	[ -n "$HPID" ] || return 0
	kill -TERM $HPID 2>/dev/null
	while kill -0 $HPID 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 $HPID 2>/dev/null; then
		lab_result backend-exit fail "hostile-netback still running 10 s after SIGTERM"
		kill -KILL $HPID 2>/dev/null
	fi
	wait $HPID 2>/dev/null
	HPID=""
}

traffic_stop() {
	[ -n "$PINGPID" ] && kill $PINGPID 2>/dev/null
	[ -n "$PINGPID" ] && wait $PINGPID 2>/dev/null
	PINGPID=""
}

# Started by lab_create while the domain is paused.
hn_start() {
	: >$HLOG
	$HN --domid $LAB_DOMID --devid $HDEV --mode $MODE --mac $G1_MAC --ip $G1_IP/24 \
		--bridge xenbr0 --timeout ${HOSTILE_TIMEOUT:-150} >>$HLOG 2>&1 &
	HPID=$!
	local i=0
	while ! grep -q 'serving' $HLOG; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 $HPID 2>/dev/null; then
			hn_log
			lab_result backend fail "hostile-netback did not start"
			return 1
		fi
		sleep 0.1
	done
	lab_result backend pass "$(hn_line serving)"
}

# Bulk TCP through vif 1, both ways, 4 MB of random data each, MD5s
# compared (the Linux guest's sink/send commands): large segments, so
# scatter-gather, GSO and partial checksums in both directions.
tcp_both_ways() {
	local f=$LAB_RUN/$LAB_CASE-tcp want got
	head -c 4000000 /dev/urandom >$f
	want="$(md5sum <$f | cut -d' ' -f1) 4000000"
	mon "sink 5001" 20
	got=$(timeout 150 nc $G1_IP 5001 <$f)
	if [ "$got" = "$want" ]; then
		lab_result tcp-in pass "dom0 -> guest through vif 1: MD5 and bytes $got"
	else
		lab_result tcp-in fail "dom0 -> guest: the guest received (MD5 bytes) '${got:-nothing}', sent '$want'"
	fi
	# The receiver's program (nc -e): the MD5 and length of what came,
	# written back on the connection once the sender has finished.
	printf '#!/bin/sh\ncat >%s.in\necho "$(md5sum <%s.in | cut -d" " -f1) $(wc -c <%s.in)"\n' \
		$f $f $f >$f.sink
	chmod 755 $f.sink
	timeout 200 nc -l -p 5002 -e $f.sink &
	sleep 1
	mon "send $DOM0_HIP 5002 4000000" 200
	want=$(printf '%s\n' "$MON_OUT" | sed -n 's/^lab-linux: send md5 //p' | head -n1)
	got=$(printf '%s\n' "$MON_OUT" | sed -n 's/^lab-linux: send got //p' | head -n1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		lab_result tcp-out pass "guest -> dom0 through vif 1: MD5 and bytes $got"
	else
		lab_result tcp-out fail "guest -> dom0: dom0 received (MD5 bytes) '${got:-nothing}', the guest sent '${want:-?}'"
	fi
	rm -f $f $f.in $f.sink
}

# Xenolith's netfront listing (`netfront`, drivers/xen/netfront.c): the
# block of vif DEVID ("  vif N ethX: STATE, carrier on|off, ..." and its
# indented lines after it), from MON_OUT.
nf_block() {
	printf '%s\n' "$MON_OUT" | awk -v d="$1" '$1 == "vif" && $2 == d { f = 1; print; next }
		$1 == "vif" { f = 0 } f'
}
nf_rx() { nf_block $1 | awk '/stats: / { for (i = 1; i < NF; i++) if ($i == "rx_packets") print $(i + 1) }'; }
nf_if() { nf_block $1 | awk 'NR == 1 { sub(/:$/, "", $3); print $3 }'; }
nf_state() { nf_block $1 | awk 'NR == 1 { s = $4; sub(/,$/, "", s); print s }'; }

# vif_works DEVID GUEST_IP PEER_IP N: does the guest's vif DEVID pass
# packets? dom0 pings GUEST_IP (N pings, at least half answered); a
# Xenolith guest that answers none (no IP stack yet) is probed at layer 2
# instead: netfront sends N ARP probes for PEER_IP (dom0's address on that
# vif's network) and at least N frames must come back on that vif (stray
# broadcasts can only add to that count, never make up for missing
# answers unless as many of them arrive within the second). VW: what was
# seen; VW_PING 1 when pings did it. Once vif 0 has worked without
# answering pings (NO_STACK=1), no more pings are tried.
vif_works() {
	local d=$1 gip=$2 peer=$3 cnt=$4 n if rx0 rx1
	VW_PING=0
	if [ "$NO_STACK" = 1 ]; then
		VW="no pings (the guest answered none through vif 0)"
	else
		n=$(pings $gip $cnt)
		VW="${n:-0} of $cnt pings answered"
		[ "${n:-0}" -ge $(((cnt + 1) / 2)) ] && { VW_PING=1; return 0; }
	fi
	[ $GUEST = xenolith ] || return 1
	mon netfront 20 || true
	if=$(nf_if $d)
	rx0=$(nf_rx $d)
	if [ -z "$if" ] || [ "$if" = - ] || [ -z "$rx0" ]; then
		VW="$VW; netfront lists no usable interface for vif $d ($(nf_block $d | head -n1))"
		return 1
	fi
	mon "netfront arp $if $peer $cnt" 30 || true
	VW="$VW; $(printf '%s\n' "$MON_OUT" | grep -m1 'ARP request' | sed 's/^ *//')"
	sleep 1
	mon netfront 20 || true
	rx1=$(nf_rx $d)
	VW="$VW, ${rx1:-?} - $rx0 frames received on $if"
	[ -n "$rx1" ] && [ $((rx1 - rx0)) -ge $cnt ]
}

# TAP_RX: frames the guest's vif 1 delivered to dom0 so far (the TAP's
# receive counter: what hostile-netback wrote into it).
tap_rx() { cat /sys/class/net/hvif$LAB_DOMID.$HDEV/statistics/rx_packets 2>/dev/null || echo 0; }

# vif 1's line in Xenolith's 'xenbus' listing.
xenbus_line() {
	mon xenbus 20 || true
	XB_LINE=$(printf '%s\n' "$MON_OUT" | grep "device/vif/$HDEV " | head -n1)
	lab_log "guest xenbus: ${XB_LINE:-no line for device/vif/$HDEV}"
}

# ------------------------------------------------------------------ setup
lab_bridge_up || { lab_result backend fail "bridge xenbr0 could not be set up"; exit 1; }
ip addr add $DOM0_HIP/24 dev xenbr0 2>/dev/null
VIF0="vif = [ 'bridge=xenbr0,mac=$G0_MAC,ip=$G0_IP' ]"
if [ $GUEST = linux ]; then
	set -- kernel=$LAB_IMAGES/vmlinux ramdisk=$LAB_IMAGES/linux-guest-fio.cpio memory=384 \
		extra="console=hvc0 loglevel=7 labhnet=eth0:$G0_IP/16,eth1:$G1_IP/24"
	# Debian's kernel uses XSAVE and RDTSCP; see docs/xen-lab.md.
	[ "$LAB_TYPE" = pvh ] && set -- "$@" cfg='cpuid = "host,xsave=0"' cfg='tsc_mode = "native"'
	ready='lab-linux: net ready'
else
	# The stack's ip= option for vif 0 (eth0); vif 1 gets its address from
	# the backend's "ip" key, which hostile-netback writes as xl would.
	set -- extra="ip=eth0:$G0_IP/16"
	ready='xenolith: ready'
fi
lab_create vcpus=1 "$@" cfg="$VIF0" pre=hn_start || { hn_stop; hn_log; exit 1; }
if lab_wait_console "$ready" 120; then
	lab_result ready pass "$LAB_MATCH"
else
	lab_result ready fail "no '$ready' on the guest console"
	hn_stop; hn_log; lab_dump; lab_destroy; exit 1
fi
sleep 2
lab_log "mode $MODE ($KIND), guest $GUEST; backend so far:"
hn_log

# ------------------------------------------------------------------ honest phase
if vif_works 0 $G0_IP $DOM0_IP 3; then
	lab_result honest-vif-before pass "vif 0: $VW"
	# A Xenolith without an IP stack: the later rounds go straight to L2.
	[ $GUEST = xenolith ] && [ $VW_PING = 0 ] && NO_STACK=1
else
	lab_result honest-vif-before fail "vif 0 (xl, netback) does not work before any fault: $VW"
fi
if [ $KIND != refuse ]; then
	if vif_works $HDEV $G1_IP $DOM0_HIP 6; then
		lab_result hostile-vif-before pass "vif 1 through hostile-netback: $VW ($(hn_line connected))"
	else
		lab_result hostile-vif-before fail "vif 1 does not work before any fault (mode $MODE): $VW"
		hn_log
	fi
	if [ $KIND = work ] && [ $VW_PING = 1 ]; then
		# Larger packets: IP fragments, each a full frame (when the
		# guest answers pings at all).
		n=$(ping -c 3 -W 3 -s 8000 $G1_IP 2>/dev/null | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
		if [ "${n:-0}" -ge 2 ]; then
			lab_result large pass "vif 1: $n of 3 8000-byte pings answered (fragmented)"
		else
			lab_result large fail "vif 1: $n of 3 8000-byte pings answered"
		fi
	fi
	if [ $KIND = work ] && [ $GUEST = linux ]; then
		tcp_both_ways
	fi
	# (Xenolith: the same bulk TCP transfers through its discard sink and
	# chargen services once the stack has them; see net*.sh.)
	fe=/local/domain/$LAB_DOMID/device/vif/$HDEV
	lab_log "frontend wrote: queues $(xenstore-read $fe/multi-queue-num-queues 2>/dev/null || echo -)," \
		"sg $(xenstore-read $fe/feature-sg 2>/dev/null || echo -)," \
		"gso-tcpv4 $(xenstore-read $fe/feature-gso-tcpv4 2>/dev/null || echo -)," \
		"rx-notify $(xenstore-read $fe/feature-rx-notify 2>/dev/null || echo -)," \
		"split $(xenstore-read $fe/event-channel-tx >/dev/null 2>&1 && echo yes || xenstore-read $fe/queue-0/event-channel-tx >/dev/null 2>&1 && echo yes || echo no)"
fi

# ------------------------------------------------------------------ the fault
case $KIND in
work | refuse) ;;
*)
	ping -i 0.2 -W 1 $G1_IP >/dev/null 2>&1 &
	PINGPID=$!
	sleep 1
	kill -USR1 $HPID 2>/dev/null
	# Xenolith without an IP stack sends nothing on its own: its L2
	# probes are the TX traffic (dom0's ARP requests for the pinged
	# address are the RX traffic either way).
	if [ $GUEST = xenolith ]; then
		mon netfront 20 || true
		IF1=$(nf_if $HDEV)
		[ -n "$IF1" ] && [ "$IF1" != - ] && mon "netfront arp $IF1 $DOM0_HIP 20" 30
	fi
	i=0
	while ! hn_line 'fault ' >/dev/null && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if hn_line 'fault ' >/dev/null; then
		lab_result fault pass "$(hn_line 'fault ')"
	else
		lab_result fault fail "the fault did not happen within 10 s of SIGUSR1 (no packet?)"
	fi
	sleep 4
	traffic_stop
	;;
esac

# ------------------------------------------------------------------ afterwards
if [ $GUEST = linux ]; then
	if mon net 30; then
		lab_result alive pass "the Linux guest answers: $(printf '%s\n' "$MON_OUT" | grep 'eth1' | head -n1)"
	else
		lab_result alive fail "mode $MODE: the Linux guest does not answer on its console"
	fi
	mon_show 4
	mon dmesg 30 || true
	printf '%s\n' "$MON_OUT" | grep -iE 'vif|xen_netfront|netfront|eth1|Disabled|responses|rx->|extra|slots' |
		tail -n 12 | sed 's/^/lab: linux netfront: /'
else
	if mon info 20 && printf '%s\n' "$MON_OUT" | grep -q '^memory: '; then
		lab_result alive pass "$(printf '%s\n' "$MON_OUT" | grep '^memory: ')"
	else
		lab_result alive fail "mode $MODE: the monitor does not answer 'info'"
		lab_dump
	fi
fi

if vif_works 0 $G0_IP $DOM0_IP 3; then
	lab_result honest-vif pass "vif 0 still works: $VW"
else
	lab_result honest-vif fail "mode $MODE: vif 0 no longer works after the fault: $VW"
fi

case $KIND in
work | storm)
	if [ $KIND = storm ]; then
		vif_works $HDEV $G1_IP $DOM0_HIP 4
		lab_log "after the storm vif 1: $VW (working or failed are both allowed)"
	elif vif_works $HDEV $G1_IP $DOM0_HIP 4; then
		lab_result hostile-vif pass "vif 1 works: $VW"
	else
		lab_result hostile-vif fail "vif 1 does not work (mode $MODE should): $VW"
	fi
	;;
*)
	if [ $GUEST = linux ]; then
		lab_log "Linux: after mode $MODE vif 1 answers $(pings $G1_IP 3) of 3 pings"
	else
		# Nothing may leave through vif 1 any more: neither ping
		# answers nor netfront's probes reach dom0's TAP.
		t0=$(tap_rx)
		n=0
		[ "$NO_STACK" = 1 ] || n=$(pings $G1_IP 3)
		mon netfront 20 || true
		IF1=$(nf_if $HDEV)
		sent=""
		if [ -n "$IF1" ] && [ "$IF1" != - ]; then
			mon "netfront arp $IF1 $DOM0_HIP 5" 30 || true
			sent=$(printf '%s\n' "$MON_OUT" | grep -m1 'ARP request' | sed 's/^ *//')
		fi
		sleep 1
		t1=$(tap_rx)
		if [ "${n:-0}" -gt 0 ] || [ "$t1" -gt "$t0" ]; then
			lab_result unusable fail "mode $MODE: vif 1 still passes packets after the fault (${n:-0} of 3 pings; $((t1 - t0)) frames reached dom0; ${sent:-no probe})"
		else
			lab_result unusable pass "vif 1 passes nothing: no ping answered, no frame reached dom0 (${sent:-netfront has no interface for it})"
		fi
		xenbus_line
		mon netfront 20 || true
		mon_show 14
		NF_STATE=$(nf_state $HDEV)
		NF_ERR=$(nf_block $HDEV | grep -m1 'error: ' | sed 's/^ *//')
		case $KIND in
		close) want='state Closed| FAILED|^$'; nfwant='closed|error|^$' ;;   # or gone
		# Refused at probe: netfront never made a device for it.
		refuse) want=' FAILED'; nfwant='error|' ;;
		*) want=' FAILED'; nfwant='error' ;;
		esac
		if printf '%s\n' "$XB_LINE" | grep -qE "$want" && printf '%s\n' "$NF_STATE" | grep -qE "^($nfwant)\$"; then
			lab_result vif-error pass "xenbus: ${XB_LINE:-device/vif/$HDEV gone}; netfront: vif $HDEV ${NF_STATE:-gone} ${NF_ERR:+($NF_ERR)}"
		else
			lab_result vif-error fail "expected xenbus '$want' and netfront '$nfwant': '${XB_LINE}', netfront '${NF_STATE}'"
		fi
		if [ "$want" = ' FAILED' ]; then
			err=$(xenstore-read /local/domain/$LAB_DOMID/error/device/vif/$HDEV/error 2>/dev/null)
			if [ -n "$err" ]; then
				lab_result error-node pass "error/device/vif/$HDEV/error = '$err'"
			else
				lab_result error-node fail "no error/device/vif/$HDEV/error in xenstore"
			fi
		fi
	fi
	;;
esac

if [ $GUEST = xenolith ]; then
	if mon "ktest alloc" 60 && r=$(printf '%s\n' "$MON_OUT" | grep '^ktest: done') &&
		[ "${r#*, 0 failed}" != "$r" ]; then
		lab_result allocator pass "ktest alloc: $r"
	else
		lab_result allocator fail "mode $MODE: ktest alloc: '$(printf '%s\n' "$MON_OUT" | grep -E 'not ok|ktest: done' | head -n 3 | tr '\n' ' ')'"
	fi
	lab_type 'poweroff\r'
	lab_expect_shutdown poweroff 30
	if grep -q 'Kernel panic' $(GLOG) 2>/dev/null; then
		lab_result no-panic fail "mode $MODE: Kernel panic on the guest console"
	fi
fi

# ------------------------------------------------------------------ the backend's view
if [ $MODE = killed ]; then
	wait $HPID 2>/dev/null
	rc=$?
	HPID=""
	[ $rc = 3 ] || lab_log "hostile-netback exited $rc (killed mode exits 3)"
else
	hn_stop
fi
hn_log
done_line=$(hn_line ' done ')
faults=$(echo "$done_line" | sed -n 's/.* faults=\([0-9]*\).*/\1/p')
tx=$(echo "$done_line" | sed -n 's/.* tx=\([0-9]*\).*/\1/p')
if [ -z "$done_line" ]; then
	lab_result backend-exit fail "no 'done' line from hostile-netback"
else
	bad=""
	case $KIND in
	work) [ "$faults" = 0 ] || bad="faults=$faults" ;;
	refuse) [ "$faults" = 0 ] && [ "$tx" = 0 ] || bad="faults=$faults tx=$tx (no packet may come through a vif with a bad MAC)" ;;
	*) [ "$faults" = 1 ] || bad="the fault did not happen exactly once (faults=$faults)" ;;
	esac
	if [ -z "$bad" ]; then
		lab_result backend-exit pass "$done_line"
	else
		lab_result backend-exit fail "mode $MODE: $bad ($done_line)"
	fi
fi
lab_destroy
xenstore-rm /local/domain/0/backend/vif/$LAB_DOMID/$HDEV 2>/dev/null
exit 0
