# A network frontend against a hostile network backend:
# /lab/bin/hostile-netback (tests/xl/hostile-netback.c) serves an extra
# vif through a TAP device on dom0's bridge xenbr0, breaking the protocol
# in the way its mode names (docs/hostile-backend.md, "The vif
# personality", has the table of modes). vif 0 is an honest vif from xl
# and Linux's netback on the same bridge.
#
# One guest meets every mode of MODES in turn (space-separated; make
# test's cases run many modes in one guest, which is what makes the suite
# cheap enough for it). Mode number i (from 1) gets vif devid i, hot
# attached to the running guest by hostile-netback, in a network of its
# own (guest 10.77.i.2/24, dom0 10.77.i.1 on the bridge), so the guest's
# route to each address goes through that address's vif. Per mode:
#
#   hostile-netback writes the vif's xenstore nodes; the guest connects
#   it (netfront lists it connected) or, for bad-mac, refuses it;
#   honest phase: dom0 pings the guest through the new vif;
#   the fault: dom0 pings it continuously, SIGUSR1 arms the fault, which
#   hits the next packet of the guest's (TX modes) or for the guest (RX
#   modes); netfront must then show the vif in error/closed within a
#   bounded time (30 s: the 10 s TX completion timeout is the slowest
#   path, for a killed backend);
#   afterwards: the monitor answers; the vif is in an error state
#   (xenbus FAILED or closed, the error node in xenstore), passes no more
#   packets, and for the modes that leave a TX packet unanswered that
#   packet was completed as an error (tx_errors); vif 0 still answers
#   pings; the backend saw its fault happen exactly once.
# Once after all modes: every grant the backends held is back (gnttab's
# deferred list drained), the allocator's self-test passes (memory
# intact), power-off works, xl destroy finishes.
#
# Guests: LAB_GUEST=xenolith (the image under test; the checks above) or
# LAB_GUEST=linux (Debian's kernel and xen-netfront, the reference the
# backend was validated against, one mode per guest with the vif there
# from boot: the guest must survive and vif 0 keep working; what netfront
# said and whether the vif still passes packets is logged, not judged).
# hostile-net-one.sh runs one mode per guest (MODE, and linux-MODE).
#
# In make test: every mode on PV (all19), a representative subset on
# PVH (pvh6: one of each kind of check; docs/hostile-backend.md says why
# and the times).
#   make lab-test LAB_SCENARIOS=hostile-net
# HOSTILE_TIMEOUT (s, default 150) bounds each backend.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 600
# lab-cost: all19=145 pvh6=71
# lab-variants: all19:MODES=honest+rx-status-error+tx-unknown-id+tx-dup-id+tx-rsp-prod-jump+rx-offset-overflow+rx-status-negative+rx-status-huge+rx-too-long+rx-more-slots+rx-extra-loop+rx-extra-unknown+rx-rsp-prod-jump+storm+absurd-queues+absurd-features+bad-mac+close-midio+nodes-removed+killed,LAB_ONLY_TYPES=pv pvh6:MODES=honest+tx-dup-id+rx-status-negative+rx-too-long+rx-more-slots+bad-mac+killed,LAB_ONLY_TYPES=pvh
# lab-expect: create ready honest-vif-before modes alive grants allocator shutdown destroy

HN=/lab/bin/hostile-netback
GUEST=${LAB_GUEST:-xenolith}
MODES=$(echo "${MODES:-$MODE}" | tr '+' ' ')
[ -n "$MODES" ] || { lab_result modes fail "no MODES (or MODE) given"; exit 1; }
# vif 0 (xl, netback) in the bridge's own link-local network.
DOM0_IP=169.254.0.1
G0_IP=169.254.10.2
G0_MAC=00:16:3e:0a:00:02
HPID=""
PINGPID=""
NO_STACK=0

# The mode's kind: what the guest must do with its vif.
#   work    the vif works (honest, or absurd offers the frontend clamps or ignores)
#   fatal   a protocol violation at the attack: the vif fails for good
#   storm   the vif may fail (storm detected) or live; no livelock
#   drop    a status of the ABI that loses one packet (NETIF_RSP_ERROR):
#           the packet is dropped and counted (rx_errors), the vif works on
#   refuse  bad-mac: the vif never connects (error state), no packet
#   close   the backend closes/vanishes/dies mid-transfer with a TX packet
#           unanswered: the vif ends closed or failed, passes nothing,
#           the packet completes as an error; the guest lives on
mode_kind() {
	case $1 in
	honest | absurd-queues | absurd-features) echo work ;;
	tx-unknown-id | tx-dup-id | tx-rsp-prod-jump | rx-offset-overflow | rx-status-negative | \
	rx-status-huge | rx-too-long | rx-more-slots | rx-extra-loop | rx-extra-unknown | \
	rx-rsp-prod-jump) echo fatal ;;
	storm) echo storm ;;
	rx-status-error) echo drop ;;
	bad-mac) echo refuse ;;
	close-midio | nodes-removed | killed) echo close ;;
	*) echo unknown ;;
	esac
}

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

# pings IP N: how many of N pings (0.2 s apart, 1 s wait) were answered.
# A ping that ends without its summary line did not run to the end (the
# emulated dom0's fork flake, docs/xen-lab.md, kills a fresh process now
# and then): that one is tried once more; a summary of 0 is an answer.
pings() {
	local k=0 n
	while [ $k -lt 2 ]; do
		n=$(ping -c $2 -i 0.2 -W 1 $1 2>/dev/null | sed -n 's/.* \([0-9]*\) packets received.*/\1/p' | head -n1)
		[ -n "$n" ] && { echo $n; return 0; }
		lab_log "ping $1 ended without a summary (dom0 process crash?): once more"
		k=$((k + 1))
	done
	echo 0
}

# traffic_start: dom0 pings the current vif five times a second, in the
# background (the traffic a runtime fault needs); traffic_alive restarts
# it if the process died (the fork flake again), so that a missing fault
# is the backend's or the guest's doing, never a dead ping's.
traffic_start() {
	ping -i 0.2 -W 1 $G1_IP >/dev/null 2>&1 &
	PINGPID=$!
}
traffic_alive() {
	if [ -n "$PINGPID" ] && ! kill -0 $PINGPID 2>/dev/null; then
		lab_log "the background ping ended (dom0 process crash?): started again"
		wait $PINGPID 2>/dev/null
		traffic_start
	fi
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
		lab_result $MODE.backend-exit fail "hostile-netback still running 10 s after SIGTERM"
		kill -KILL $HPID 2>/dev/null
	fi
	lab_reap $HPID 10
	[ $? = 255 ] && lab_result $MODE.backend-exit fail "hostile-netback did not end 10 s after SIGKILL (stuck in the kernel)"
	HPID=""
}

traffic_stop() {
	[ -n "$PINGPID" ] && kill $PINGPID 2>/dev/null
	[ -n "$PINGPID" ] && lab_reap $PINGPID 10
	PINGPID=""
}

# Start the backend of the current mode (HDEV, MODE, G1_*, HLOG); for
# the Linux guest by lab_create while the domain is paused.
hn_start() {
	local i=0 try=0
	: >$HLOG
	$HN --domid $LAB_DOMID --devid $HDEV --mode $MODE --mac $G1_MAC --ip $G1_IP/24 \
		--bridge xenbr0 --timeout ${HOSTILE_TIMEOUT:-150} >>$HLOG 2>&1 &
	HPID=$!
	while ! grep -q 'serving' $HLOG; do
		i=$((i + 1))
		if [ $try = 0 ] && ! kill -0 $HPID 2>/dev/null; then
			# Gone before serving: the emulated dom0's fork flake
			# (docs/xen-lab.md: fresh processes die of segfaults or
			# corrupted heaps) or a real setup error, which the
			# second start hits again. Once more, its words kept.
			wait $HPID 2>/dev/null
			lab_log "hostile-netback ended before serving (exit $?; dom0 process crash?): started again; it said:"
			hn_log
			: >$HLOG
			# What it wrote goes first, as a toolstack cleans up
			# (the guest may have probed the device already; the
			# new nodes make it a new device).
			xenstore-rm /local/domain/$LAB_DOMID/device/vif/$HDEV 2>/dev/null
			xenstore-rm /local/domain/0/backend/vif/$LAB_DOMID/$HDEV 2>/dev/null
			sleep 1
			try=1
			i=0
			$HN --domid $LAB_DOMID --devid $HDEV --mode $MODE --mac $G1_MAC --ip $G1_IP/24 \
				--bridge xenbr0 --timeout ${HOSTILE_TIMEOUT:-150} >>$HLOG 2>&1 &
			HPID=$!
			continue
		fi
		if [ $i -gt 50 ] || ! kill -0 $HPID 2>/dev/null; then
			hn_log
			lab_result $MODE.backend fail "hostile-netback did not start"
			return 1
		fi
		sleep 0.1
	done
	lab_log "$MODE: $(hn_line serving)"
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
	# A guest whose stack answers pings failed the test by not
	# answering; the layer-2 probes are for a guest without a stack
	# (found out by the first check of vif 0, VW_FIRST=1).
	[ $GUEST = xenolith ] && { [ "$NO_STACK" = 1 ] || [ "$VW_FIRST" = 1 ]; } || return 1
	mon "netfront $d" 20 || true
	if=$(nf_if $d)
	rx0=$(nf_rx $d)
	if [ -z "$if" ] || [ "$if" = - ] || [ -z "$rx0" ]; then
		VW="$VW; netfront lists no usable interface for vif $d ($(nf_block $d | head -n1))"
		return 1
	fi
	mon "netfront arp $if $peer $cnt" 30 || true
	VW="$VW; $(printf '%s\n' "$MON_OUT" | grep -m1 'ARP request' | sed 's/^ *//')"
	sleep 1
	mon "netfront $d" 20 || true
	rx1=$(nf_rx $d)
	VW="$VW, ${rx1:-?} - $rx0 frames received on $if"
	[ -n "$rx1" ] && [ $((rx1 - rx0)) -ge $cnt ]
}

# TAP_RX: frames the guest's vif HDEV delivered to dom0 so far (the
# TAP's receive counter: what hostile-netback wrote into it).
tap_rx() { cat /sys/class/net/hvif$LAB_DOMID.$HDEV/statistics/rx_packets 2>/dev/null || echo 0; }


# nf_field DEVID NAME: a counter of the vif's "stats:" line.
nf_field() { nf_block $1 | awk -v k="$2" '/stats: / { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# mode_vars I MODE: the names of mode number I.
mode_vars() {
	HDEV=$1
	MODE=$2
	KIND=$(mode_kind $MODE)
	G1_IP=10.77.$1.2
	DOM0_HIP=10.77.$1.1
	G1_MAC=$(printf '00:16:3e:4d:%02x:02' $1)
	HLOG=$LAB_RUN/$LAB_CASE-hn$1.log
}

# The vif's nodes as the toolstack sees them (no console needed: the
# guest's console is the slow path of the lab, so waits poll xenstore).
fe_state() { xenstore-read /local/domain/$LAB_DOMID/device/vif/$HDEV/state 2>/dev/null; }
be_state() { xenstore-read /local/domain/0/backend/vif/$LAB_DOMID/$HDEV/state 2>/dev/null; }
err_node() { xenstore-read /local/domain/$LAB_DOMID/error/device/vif/$HDEV/error 2>/dev/null; }

# wait_vif: until both ends of vif HDEV are Connected (4) or, for
# refuse, the guest wrote its error node; 20 s at most. WV: what was seen.
wait_vif() {
	local i=0
	while [ $i -lt 100 ]; do
		if [ $KIND = refuse ]; then
			WV=$(err_node) && [ -n "$WV" ] && { WV="error node '$WV'"; return 0; }
		elif [ "$(fe_state)" = 4 ] && [ "$(be_state)" = 4 ]; then
			WV="frontend and backend Connected"
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	WV="frontend state '$(fe_state)', backend '$(be_state)', error node '$(err_node)'"
	return 1
}

# mon_alive NAME: the monitor answers (a short answer: the guest's
# console is the lab's slow path, every line of it costs).
mon_alive() {
	if mon "xs read domid" 20 && [ "$(printf '%s\n' "$MON_OUT" | grep -cx "$LAB_DOMID")" -ge 1 ]; then
		lab_result $1 pass "the monitor answers (xs read domid: $LAB_DOMID)"
	else
		lab_result $1 fail "the monitor does not answer 'xs read domid' with $LAB_DOMID: '$(printf '%s\n' "$MON_OUT" | head -n 3 | tr '\n' ' ')'"
		lab_dump
	fi
}

# phase NAME: log the time since the mode's previous phase (where a
# mode's time goes; no fork).
phase() {
	local t
	lab_now
	t=$(((LAB_NOW - PHASE_T) / 100))
	lab_log "$MODE: $1 took $((t / 10)).$((t % 10)) s"
	PHASE_T=$LAB_NOW
}

# One mode, its vif HDEV hot attached to the running guest (Xenolith),
# or there from boot (the Linux guest).
run_mode() {
	local fails0=$LAB_FAILS t0 t1 tf td i st n t0rx t1rx sent want nfwant err done_line faults tx bad rc
	lab_now
	t0=$LAB_NOW
	PHASE_T=$t0
	lab_log "---- mode $MODE ($KIND): vif $HDEV, guest $G1_IP, dom0 $DOM0_HIP"
	if [ $GUEST = xenolith ]; then
		if ! hn_start; then
			MODE_SUMMARY="$MODE_SUMMARY $MODE:FAIL"
			MODES_FAILED=$((MODES_FAILED + 1))
			return 1
		fi
		if wait_vif; then
			lab_result $MODE.attach pass "vif $HDEV: $WV"
		else
			lab_result $MODE.attach fail "vif $HDEV: $WV after 20 s"
			hn_log
		fi
	fi

	phase attach
	# ---------------------------------------------------------- honest phase
	if [ $KIND != refuse ]; then
		if vif_works $HDEV $G1_IP $DOM0_HIP 4; then
			lab_result $MODE.hostile-vif-before pass "vif $HDEV through hostile-netback: $VW ($(hn_line connected))"
		else
			lab_result $MODE.hostile-vif-before fail "vif $HDEV does not work before any fault: $VW"
			hn_log
		fi
		if [ $KIND = work ] && [ $VW_PING = 1 ]; then
			# Larger packets: IP fragments, each a full frame.
			n=$(ping -c 3 -i 0.2 -W 2 -s 8000 $G1_IP 2>/dev/null | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
			if [ "${n:-0}" -ge 2 ]; then
				lab_result $MODE.large pass "vif $HDEV: $n of 3 8000-byte pings answered (fragmented)"
			else
				lab_result $MODE.large fail "vif $HDEV: ${n:-0} of 3 8000-byte pings answered"
			fi
		fi
		[ $KIND = work ] && [ $GUEST = linux ] && tcp_both_ways
		fe=/local/domain/$LAB_DOMID/device/vif/$HDEV
		[ "$HN_THOROUGH" = 1 ] && lab_log "frontend wrote: queues $(xenstore-read $fe/multi-queue-num-queues 2>/dev/null || echo -)," \
			"sg $(xenstore-read $fe/feature-sg 2>/dev/null || echo -)," \
			"gso-tcpv4 $(xenstore-read $fe/feature-gso-tcpv4 2>/dev/null || echo -)," \
			"rx-notify $(xenstore-read $fe/feature-rx-notify 2>/dev/null || echo -)"
	fi

	phase honest
	# ---------------------------------------------------------- the fault
	case $KIND in
	work | refuse) ;;
	*)
		traffic_start
		sleep 0.5
		kill -USR1 $HPID 2>/dev/null
		# Xenolith without an IP stack sends nothing on its own: its
		# L2 probes are the TX traffic then.
		if [ $GUEST = xenolith ] && [ "$NO_STACK" = 1 ]; then
			mon "netfront $HDEV" 20 || true
			IF1=$(nf_if $HDEV)
			[ -n "$IF1" ] && [ "$IF1" != - ] && mon "netfront arp $IF1 $DOM0_HIP 20" 30
		fi
		i=0
		while ! hn_line 'fault ' >/dev/null && [ $i -lt 50 ]; do
			sleep 0.2
			traffic_alive
			i=$((i + 1))
		done
		lab_now
		tf=$LAB_NOW
		if hn_line 'fault ' >/dev/null; then
			lab_result $MODE.fault pass "$(hn_line 'fault ')"
		else
			lab_result $MODE.fault fail "the fault did not happen within 10 s of SIGUSR1 (no packet?)"
		fi
		if [ $GUEST = xenolith ] && [ $KIND = drop ]; then
			sleep 1
			st=$(fe_state)
			if [ "$st" = 4 ]; then
				lab_result $MODE.still-connected pass "vif $HDEV still Connected after the fault"
			else
				lab_result $MODE.still-connected fail "vif $HDEV left Connected (state '${st:-gone}') after a packet the backend could not deliver"
			fi
		elif [ $GUEST = xenolith ] && [ $KIND != storm ]; then
			# The vif must go down in bounded time: at once for a
			# violation, on the backend's close, or by the TX
			# completion timeout for a backend that died.
			# (The frontend leaves Connected: Closing/Closed,
			# or its nodes go.)
			i=0
			while :; do
				st=$(fe_state)
				[ "$st" = 4 ] || break
				[ $i -ge 150 ] && break
				sleep 0.2
				i=$((i + 1))
			done
			lab_now
			td=$(((LAB_NOW - tf) / 100))
			if [ "$st" = 4 ]; then
				lab_result $MODE.vif-down fail "vif $HDEV still Connected 30 s after the fault"
			else
				lab_result $MODE.vif-down pass "vif $HDEV left Connected (state now '${st:-gone}') $((td / 10)).$((td % 10)) s after the fault"
			fi
		else
			sleep 2
		fi
		traffic_stop
		;;
	esac

	phase fault
	# ---------------------------------------------------------- afterwards
	if [ $GUEST = linux ]; then
		if mon net 30; then
			lab_result $MODE.alive pass "the Linux guest answers: $(printf '%s\n' "$MON_OUT" | grep 'eth1' | head -n1)"
		else
			lab_result $MODE.alive fail "the Linux guest does not answer on its console"
		fi
		mon dmesg 30 || true
		printf '%s\n' "$MON_OUT" | grep -iE 'vif|xen_netfront|netfront|eth1|Disabled|responses|rx->|extra|slots' |
			tail -n 12 | sed 's/^/lab: linux netfront: /'
	elif [ "$HN_THOROUGH" = 1 ]; then
		mon_alive $MODE.alive
	fi

	phase alive
	if vif_works 0 $G0_IP $DOM0_IP 3; then
		lab_result $MODE.honest-vif pass "vif 0 still works: $VW"
	else
		lab_result $MODE.honest-vif fail "vif 0 no longer works after the fault: $VW"
	fi

	phase honest-vif
	case $KIND in
	work | drop)
		if [ $KIND = drop ] && [ $GUEST = xenolith ]; then
			mon "netfront $HDEV" 20 || true
			n=$(nf_field $HDEV rx_errors)
			if [ -n "$n" ] && [ "$n" -ge 1 ]; then
				lab_result $MODE.dropped pass "vif $HDEV: rx_errors $n, state $(nf_state $HDEV)"
			else
				lab_result $MODE.dropped fail "vif $HDEV: rx_errors '${n:-?}' (state '$(nf_state $HDEV)'): the lost packet was not counted"
			fi
		fi
		if vif_works $HDEV $G1_IP $DOM0_HIP 4; then
			lab_result $MODE.hostile-vif pass "vif $HDEV works: $VW"
		else
			lab_result $MODE.hostile-vif fail "vif $HDEV does not work (mode $MODE should): $VW"
		fi
		;;
	storm)
		vif_works $HDEV $G1_IP $DOM0_HIP 4
		lab_log "after the storm vif $HDEV: $VW (working or failed are both allowed)"
		;;
	*)
		if [ $GUEST = linux ]; then
			lab_log "Linux: after mode $MODE vif 1 answers $(pings $G1_IP 3) of 3 pings"
		else
			# Nothing may leave through the vif any more: neither
			# ping answers nor netfront's probes reach dom0's TAP.
			t0rx=$(tap_rx)
			n=0
			[ "$NO_STACK" = 1 ] || n=$(pings $G1_IP 3)
			# netfront's own listing of the vif: in the thorough
			# runs, for the close modes (tx_errors) and without a
			# stack (the probes need the interface's name); else
			# xenstore's view below is the evidence.
			NF_OUT=""
			IF1=""
			if [ "$HN_THOROUGH" = 1 ] || [ $KIND = close ] || [ "$NO_STACK" = 1 ]; then
				mon "netfront $HDEV" 20 || true
				NF_OUT=$MON_OUT
				IF1=$(nf_if $HDEV)
			fi
			sent=""
			if [ -n "$IF1" ] && [ "$IF1" != - ] && { [ "$HN_THOROUGH" = 1 ] || [ "$NO_STACK" = 1 ]; }; then
				mon "netfront arp $IF1 $DOM0_HIP 5" 30 || true
				sent=$(printf '%s\n' "$MON_OUT" | grep -m1 'ARP request' | sed 's/^ *//')
			fi
			sleep 0.5
			t1rx=$(tap_rx)
			if [ "${n:-0}" -gt 0 ] || [ "$t1rx" -gt "$t0rx" ]; then
				lab_result $MODE.unusable fail "vif $HDEV still passes packets after the fault (${n:-0} of 3 pings; $((t1rx - t0rx)) frames reached dom0; ${sent:-no probe})"
			else
				lab_result $MODE.unusable pass "vif $HDEV passes nothing: no ping answered, no frame reached dom0 (${sent:-no L2 probe})"
			fi
			# netfront's view of the vif, as listed before the probe
			# (the state of a vif that is down does not change);
			# xenbus's, as the toolstack sees it: the frontend's
			# state node (5 Closing, 6 Closed; 1 for a device whose
			# probe failed) and the error node a failed device gets.
			MON_OUT=$NF_OUT
			NF_STATE=$(nf_state $HDEV)
			NF_ERR=$(nf_block $HDEV | grep -m1 'error: ' | sed 's/^ *//')
			st=$(fe_state)
			err=$(err_node)
			case $KIND in
			close) stwant='5|6|'; nfwant='closed|error|' ;;   # or gone
			# Refused at probe: netfront never made a device for it.
			refuse) stwant='1|5|6'; nfwant='error|' ;;
			*) stwant='5|6'; nfwant='error' ;;
			esac
			# Not listed (lean run): xenstore's state and error
			# node alone.
			[ -n "$NF_OUT" ] || { nfwant='.*'; NF_STATE='(not listed)'; }
			if printf '%s\n' "$st" | grep -qE "^($stwant)\$" && printf '%s\n' "$NF_STATE" | grep -qE "^($nfwant)\$"; then
				lab_result $MODE.vif-error pass "frontend state ${st:-gone}; netfront: vif $HDEV ${NF_STATE:-gone} ${NF_ERR:+($NF_ERR)}"
			else
				lab_result $MODE.vif-error fail "expected frontend state '$stwant' and netfront '$nfwant': state '$st', netfront '${NF_STATE}' ${NF_ERR:+($NF_ERR)}"
			fi
			if [ $KIND != close ]; then
				if [ -n "$err" ]; then
					lab_result $MODE.error-node pass "error/device/vif/$HDEV/error = '$err'"
				else
					lab_result $MODE.error-node fail "no error/device/vif/$HDEV/error in xenstore"
				fi
			elif [ -n "$err" ]; then
				lab_log "$MODE: error/device/vif/$HDEV/error = '$err'"
			fi
			if [ $KIND = close ]; then
				# The TX packet the backend left unanswered was
				# completed, as an error.
				n=$(nf_field $HDEV tx_errors)
				if [ -n "$n" ] && [ "$n" -ge 1 ]; then
					lab_result $MODE.tx-failed pass "vif $HDEV: tx_errors $n (the unanswered packet completed as an error)"
				else
					lab_result $MODE.tx-failed fail "vif $HDEV: tx_errors '${n:-?}': the packet in flight never completed"
				fi
			fi
		fi
		;;
	esac

	phase after
	# ---------------------------------------------------------- the backend's view
	if [ $MODE = killed ]; then
		lab_reap $HPID 20
		rc=$?
		HPID=""
		if [ $rc = 255 ]; then
			lab_result $MODE.backend-exit fail "hostile-netback (killed mode) did not end within 20 s"
		else
			[ $rc = 3 ] || lab_log "hostile-netback exited $rc (killed mode exits 3)"
		fi
	else
		hn_stop
	fi
	hn_log
	done_line=$(hn_line ' done ')
	faults=$(echo "$done_line" | sed -n 's/.* faults=\([0-9]*\).*/\1/p')
	tx=$(echo "$done_line" | sed -n 's/.* tx=\([0-9]*\).*/\1/p')
	if [ -z "$done_line" ]; then
		lab_result $MODE.backend-exit fail "no 'done' line from hostile-netback"
	else
		bad=""
		case $KIND in
		work) [ "$faults" = 0 ] || bad="faults=$faults" ;;
		refuse) [ "$faults" = 0 ] && [ "$tx" = 0 ] || bad="faults=$faults tx=$tx (no packet may come through a vif with a bad MAC)" ;;
		*) [ "$faults" = 1 ] || bad="the fault did not happen exactly once (faults=$faults)" ;;
		esac
		if [ -z "$bad" ]; then
			lab_result $MODE.backend-exit pass "$done_line"
		else
			lab_result $MODE.backend-exit fail "$bad ($done_line)"
		fi
	fi
	# Detach as a toolstack would (xl network-detach removes both
	# directories): the guest removes the device, failed or not, and its
	# netdev with it, so the many vifs of a run never pile up (the
	# stack takes 8 interfaces; a later mode's attach needs a slot).
	if [ $GUEST = xenolith ]; then
		xenstore-rm /local/domain/$LAB_DOMID/device/vif/$HDEV 2>/dev/null
		xenstore-rm /local/domain/$LAB_DOMID/error/device/vif/$HDEV 2>/dev/null
		xenstore-rm /local/domain/0/backend/vif/$LAB_DOMID/$HDEV 2>/dev/null
	fi
	phase backend
	lab_now
	t1=$(((LAB_NOW - t0) / 100))
	if [ $LAB_FAILS = $fails0 ]; then
		MODE_SUMMARY="$MODE_SUMMARY $MODE:pass($((t1 / 10)).$((t1 % 10))s)"
	else
		MODE_SUMMARY="$MODE_SUMMARY $MODE:FAIL($((t1 / 10)).$((t1 % 10))s)"
		MODES_FAILED=$((MODES_FAILED + 1))
	fi
}

# ------------------------------------------------------------------ setup
lab_bridge_up || { lab_result create fail "bridge xenbr0 could not be set up"; exit 1; }
VIF0="vif = [ 'bridge=xenbr0,mac=$G0_MAC,ip=$G0_IP' ]"
MODE_SUMMARY=""
MODES_FAILED=0
NMODES=0
for m in $MODES; do
	NMODES=$((NMODES + 1))
	[ "$(mode_kind $m)" = unknown ] && { lab_result modes fail "unknown mode '$m'"; exit 1; }
done
if [ $GUEST = linux ]; then
	[ $NMODES = 1 ] || { lab_result modes fail "the Linux guest takes one mode per case"; exit 1; }
	mode_vars 1 $MODES
	ip addr add $DOM0_HIP/24 dev xenbr0 2>/dev/null
	# The network lab's initramfs: busybox, nettest and xen-netfront
	# (lab.py ships it for the hostile-net scenarios too).
	set -- kernel=$LAB_IMAGES/vmlinux ramdisk=$LAB_IMAGES/linux-guest-net.cpio memory=384 \
		extra="console=hvc0 loglevel=7 labhnet=eth0:$G0_IP/16,eth1:$G1_IP/24" pre=hn_start
	# Debian's kernel uses XSAVE and RDTSCP; see docs/xen-lab.md.
	[ "$LAB_TYPE" = pvh ] && set -- "$@" cfg='cpuid = "host,xsave=0"' cfg='tsc_mode = "native"'
	ready='lab-linux: net ready'
else
	# The stack's ip= option for vif 0 (eth0); each hostile vif gets
	# its address from the backend's "ip" key, which hostile-netback
	# writes as xl would.
	set -- extra="ip=eth0:$G0_IP/16"
	ready='xenolith: ready'
fi
lab_create vcpus=1 "$@" cfg="$VIF0" || { hn_stop; hn_log; exit 1; }
if lab_wait_console "$ready" 120; then
	lab_result ready pass "$LAB_MATCH"
else
	lab_result ready fail "no '$ready' on the guest console"
	hn_stop; hn_log; lab_dump; lab_destroy; exit 1
fi
sleep 1

VW_FIRST=1
vif_works 0 $G0_IP $DOM0_IP 3
rc=$?
VW_FIRST=0
if [ $rc = 0 ]; then
	lab_result honest-vif-before pass "vif 0: $VW"
	# A Xenolith without an IP stack: the later rounds go straight to L2.
	[ $GUEST = xenolith ] && [ $VW_PING = 0 ] && NO_STACK=1
else
	lab_result honest-vif-before fail "vif 0 (xl, netback) does not work before any fault: $VW"
fi

# ------------------------------------------------------------------ the modes
i=0
for m in $MODES; do
	i=$((i + 1))
	mode_vars $i $m
	[ $GUEST = xenolith ] && ip addr add $DOM0_HIP/24 dev xenbr0 2>/dev/null
	run_mode
	ip addr del $DOM0_HIP/24 dev xenbr0 2>/dev/null
done
if [ $MODES_FAILED = 0 ]; then
	lab_result modes pass "$NMODES mode(s):$MODE_SUMMARY"
else
	lab_result modes fail "$MODES_FAILED of $NMODES mode(s) failed:$MODE_SUMMARY"
fi

# ------------------------------------------------------------------ once at the end
if [ $GUEST = xenolith ]; then
	# Each mode's vif 0 check showed the guest alive (its stack
	# answered); the monitor answers after all of them.
	mon_alive alive
	# Every backend is gone, so every grant they kept mapped is
	# unmapped: the deferred list must drain (its retry runs once a
	# second). Only then is the allocator's count steady for its test.
	i=0
	while :; do
		mon gnttab 20 || true
		g=$(printf '%s\n' "$MON_OUT" | grep -m1 ' deferred, ')
		d=$(printf '%s\n' "$g" | sed -n 's/.* \([0-9]*\) deferred, \([0-9]*\) freed later.*/\1 \2/p')
		set -- $d
		[ -n "$1" ] && [ "$1" = "$2" ] && break
		[ $i -ge 20 ] && break
		sleep 1
		i=$((i + 1))
	done
	if [ -n "$1" ] && [ "$1" = "$2" ]; then
		lab_result grants pass "all deferred grants freed: $(echo $g | sed 's/^gnttab: //')"
	else
		lab_result grants fail "grants still held 20 s after the backends ended: '$g'"
	fi
	# No neighbour probe of dom0's may be due on the bridge while the
	# allocator's test counts pages: a frame on vif 0 takes a page
	# that the stack's thread frees only later (docs/hostile-backend.md).
	ip neigh flush dev xenbr0 2>/dev/null
	sleep 0.5
	if mon "ktest alloc" 60 && r=$(printf '%s\n' "$MON_OUT" | grep '^ktest: done') &&
		[ "${r#*, 0 failed}" != "$r" ]; then
		lab_result allocator pass "ktest alloc: $r"
	else
		lab_result allocator fail "ktest alloc: '$(printf '%s\n' "$MON_OUT" | grep -E 'not ok|ktest: done|#' | head -n 6 | tr '\n' ' ')'"
	fi
	lab_type 'poweroff\r'
	lab_expect_shutdown poweroff 30
	if grep -q 'Kernel panic' $(GLOG) 2>/dev/null; then
		lab_result no-panic fail "Kernel panic on the guest console"
	fi
fi
lab_destroy
i=0
for m in $MODES; do
	i=$((i + 1))
	xenstore-rm /local/domain/0/backend/vif/$LAB_DOMID/$i 2>/dev/null
done
exit 0
