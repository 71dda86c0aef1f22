# Network benchmark: a domU on xenbr0 through Linux's netback, measured
# from dom0 with nettest (tests/xl/nettest.c), Xenolith next to Debian's
# Linux (the dom0's kernel) as a domU on the same lab boot, the same vif
# setup and the same dom0-side tools. Each guest serves UDP echo 7, TCP
# echo 7, discard 9 and chargen 19 (tests/xl/netpattern.h):
#   xenolith  ip=10.0.0.2/24,gw=10.0.0.1 netsvc=udpecho,tcpecho,discard,chargen,http
#   linux     labnet=10.0.0.2/24,gw=10.0.0.1 labsvc=fast: nettest's servers,
#             the discard sink without its CRC (tests/xl/guest-linux/init)
# Figures, NETBENCH_SECS (default 5) seconds each:
#   tcp-tx     dom0 -> guest, one connection to discard (Mbit/s)
#   tcp-rx     guest -> dom0, one connection from chargen, every byte
#              checked by dom0 (Mbit/s)
#   udp-64     echo round trips per second, 64-byte payloads, 32 in flight
#   udp-1472   the same with 1472-byte payloads
#   ping       dom0's busybox ping, 20 echoes 0.2 s apart: average RTT (ms)
#   tcp-conn   connections per second: connect, 1 byte echoed, close
# Each is reported as a metric (net_FIGURE=VALUE); the host (lab.py,
# print_net_bench) prints them side by side with Xenolith/Linux.
# Variant xenolith-prof (NETBENCH_PROF=1) runs Xenolith again, profiled
# during each TCP figure with the monitor's `prof`, and logs the busiest
# functions as "lab: netbench: prof FIGURE: ..." lines; the sampling costs
# a little, so its figures stay out of the table (lab.py skips them).
#
# Part of `make bench` (lab-suite bench); alone with
# `make lab-bench LAB_SCENARIOS=netbench` (only Linux: add
# LAB_VARIANTS=linux). docs/netfront.md has the figures.
#
# lab-suite: bench
# lab-types: pv pvh
# lab-timeout: 300
# lab-variants: xenolith:LAB_GUEST=xenolith,VCPUS=1 linux:LAB_GUEST=linux,VCPUS=1 xenolith-prof:LAB_GUEST=xenolith,VCPUS=1,NETBENCH_PROF=1
# lab-expect: create ready udp-64 udp-1472 ping tcp-conn tcp-tx tcp-rx destroy

NT=/lab/bin/nettest
GIP=10.0.0.2
DOM0=10.0.0.1
SECS=${NETBENCH_SECS:-5}
MAC=00:16:3e:4e:54:02
OUT=$LAB_RUN/$LAB_CASE.nb

if [ ! -x $NT ]; then
	lab_result create fail "$NT missing from the dom0 archive (make nettest)"
	exit 1
fi
lab_net_up || { lab_result create fail "bridge xenbr0 / $DOM0 could not be set up"; exit 1; }
case ${LAB_GUEST:-xenolith} in
linux)
	ready='nettest: serve (ready|FAIL)|lab-linux: net failed'
	set -- kernel=$LAB_IMAGES/vmlinux ramdisk=$LAB_IMAGES/linux-guest-net.cpio memory=384 \
		extra="console=hvc0 quiet labnet=$GIP/24,gw=$DOM0 labsvc=fast"
	# Debian's kernel uses XSAVE and RDTSCP; see docs/xen-lab.md.
	[ "$LAB_TYPE" = pvh ] && set -- "$@" cfg='cpuid = "host,xsave=0"' cfg='tsc_mode = "native"'
	;;
*)
	ready='xenolith: ready'
	set -- memory=128 extra="ip=$GIP/24,gw=$DOM0 netsvc=udpecho,tcpecho,discard,chargen,http"
	;;
esac
lab_create "$@" vcpus=$VCPUS cfg="vif = [ 'bridge=xenbr0,mac=$MAC' ]" || exit 1
if ! lab_wait_console "$ready" 180 || [ "${LAB_MATCH%fail*}" != "$LAB_MATCH" ] ||
   [ "${LAB_MATCH%FAIL*}" != "$LAB_MATCH" ]; then
	lab_result ready fail "${LAB_MATCH:-no /$ready/ on the guest console}"
	lab_dump
	lab_destroy
	exit 1
fi
lab_result ready pass "$LAB_MATCH"
# The first packets also resolve ARP; the figures should not pay for it.
ping -c 3 -W 2 $GIP >/dev/null 2>&1

# fig NAME KEY METRIC NETTEST-ARGS...: run nettest, report NAME and the
# value of KEY from its result line as metric net_METRIC.
fig() {
	local name=$1 key=$2 metric=$3 rc v
	shift 3
	$NT "$@" >$OUT 2>&1
	rc=$?
	v=$(tail -n 1 $OUT | tr ' ' '\n' | sed -n "s/^$key=//p")
	if [ $rc -eq 0 ] && [ -n "$v" ]; then
		lab_result $name pass "$(tail -n 1 $OUT | cut -c 10-)"
		lab_metric dom=$LAB_DOM guest=${LAB_GUEST:-xenolith} net_$metric=$v
	else
		lab_result $name fail "exit $rc: $(tail -n 1 $OUT)"
	fi
}

# snap NAME: for Xenolith, the guest's TCP view (connection lines with ring
# sizes, cwnd, RTTs; autotuning counters) into the log, for diagnosis only.
snap() {
	[ "${LAB_GUEST:-xenolith}" = xenolith ] || return 0
	lab_mon "$LAB_PROMPT" tcp 10 >/dev/null 2>&1
	echo "$MON_OUT" | sed -n 's/^/lab: netbench: '"$1"': /p' >/dev/console
}
# prof start|stop NAME: with NETBENCH_PROF=1, Xenolith's profile of one
# figure into the log.
prof() {
	[ "${LAB_GUEST:-xenolith}" = xenolith ] && [ "${NETBENCH_PROF:-0}" = 1 ] || return 0
	if [ $1 = start ]; then
		lab_mon "$LAB_PROMPT" "prof start" 10 >/dev/null 2>&1
	else
		lab_mon "$LAB_PROMPT" "prof stop 25" 30 >/dev/null 2>&1
		echo "$MON_OUT" | sed -n 's/^/lab: netbench: prof '"$2"': /p' >/dev/console
		# The kernel's counters (hypercalls, events, ...) since boot.
		lab_mon "$LAB_PROMPT" stats 10 >/dev/null 2>&1
		echo "$MON_OUT" | sed -n 's/^/lab: netbench: stats '"$2"': /p' >/dev/console
	fi
}
# The TCP figures run in the background so that the guest's view can be
# taken near the end of the transfer.
figsnap() {
	local name=$1 pid
	prof start
	fig "$@" &
	pid=$!
	sleep $((SECS / 2))
	snap "$name"
	wait $pid
	prof stop "$name"
}

fig udp-64 pps udp_64 --secs $SECS --size 64 udp-pps $GIP:7
fig udp-1472 pps udp_1472 --secs $SECS --size 1472 udp-pps $GIP:7
out=$(ping -c 20 -i 0.2 -W 2 $GIP 2>&1)
avg=$(echo "$out" | sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
if [ -n "$avg" ]; then
	lab_result ping pass "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
	lab_metric dom=$LAB_DOM guest=${LAB_GUEST:-xenolith} net_ping_ms=$avg
else
	lab_result ping fail "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi
fig tcp-conn conn_s tcp_conn --secs $SECS tcp-connrate $GIP:7
# The bulk TCP figures last: Debian's Linux as a PVH guest panics in this
# emulated lab soon after sending at full rate ("Fatal exception in
# interrupt" on its entry stack, seen after tcp-rx in each of three
# single-threaded TCG runs), and the other figures should not be lost
# with it.
figsnap tcp-tx mbit_s tcp_tx --secs $SECS tcp-send $GIP:9
figsnap tcp-rx mbit_s tcp_rx --secs $SECS tcp-recv $GIP:19
lab_destroy
rm -f $OUT
