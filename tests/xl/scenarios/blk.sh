# blkfront against Linux's blkback: data integrity both ways, a read-only
# disk, 4096-byte sectors, negotiation under different backend settings,
# and a disk attached and detached while the guest runs.
#
# Disks are sparse files (64 MiB) in dom0. Before xl create dom0 writes
# region A of each (sectors [0, min(N/4, 16 MiB))) with the test pattern
# of seed SEED (/lab/bin/blkpat); the guest's "blk" suite, told
# blktest=DISK:SEED, verifies A, fills region B (the next same-sized
# region) with seed SEED+1 and runs its random model test on region C; a
# read-only disk only verifies A and checks that writes fail. After the
# power-off dom0 checks region B itself.
#
# Variants (blkback's module parameters are set before xl create; its
# max_ring_page_order is read-only once loaded, so the module is reloaded
# when a variant needs another value):
#   rw       default blkback, 2 vCPUs: xvda read-write + xvdb read-only,
#            and xvdc with an MBR of two partitions (xvdc1, xvdc2)
#   order0   1 vCPU, max_ring_page_order=0, feature_persistent=0: a
#            one-page ring, one queue, grants of the guest's own pages
#   mq       4 vCPUs, max_queues=4, max_ring_page_order=4,
#            feature_persistent=1: 4 queues of 16-page rings, persistent
#   4k       a loop device with 4096-byte logical sectors (xvdc)
#   hotplug  xl block-attach / block-detach while the guest sits at its
#            monitor: `blk` lists the disk, its idle persistent grants are
#            purged once blkback unmaps them (its unused-grant timeout
#            cut to 1 s), it is detached: `blk` no longer lists it, and
#            the guest still answers; then the same file as xvdc, detached
#            while `blk bench` (with a write region) runs on it: the
#            bench ends (results or an I/O error) within a bound, xvdc
#            is gone from `blk` and from `xl block-list`, the monitor
#            answers, no panic
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 300
# lab-cost: 25 hotplug=63
# lab-variants: rw:BLK=rw,VCPUS=2 order0:BLK=rw,VCPUS=1,ORDER=0,PERSIST=0 mq:BLK=rw,VCPUS=4,QUEUES=4,ORDER=4,PERSIST=1 4k:BLK=4k,VCPUS=1 hotplug:BLK=hotplug,VCPUS=1
# lab-expect: create blkpat shutdown destroy

BLKPAT=/lab/bin/blkpat
SIZE_MB=64
SEED_A=$(( 1000 + ${LAB_DOMID:-0} + $$ % 1000 ))
SEED_B=$(( SEED_A + 77 ))
BBP=/sys/module/xen_blkback/parameters

# Region A/B size in 512-byte sectors for a disk of N sectors.
region() {
	local n=$1 r
	r=$(( n / 4 ))
	[ $r -gt 32768 ] && r=32768
	echo $r
}

mkdisk() {
	dd if=/dev/zero of=$1 bs=1M count=0 seek=$SIZE_MB 2>/dev/null
}

# An MBR with two Linux partitions (sectors 2048+16384 and 18432+20480)
# on an otherwise empty disk: the guest must list xvdc1 and xvdc2.
mkmbr() {
	{
		printf '\x00\x00\x00\x00\x83\x00\x00\x00\x00\x08\x00\x00\x00\x40\x00\x00'
		printf '\x00\x00\x00\x00\x83\x00\x00\x00\x00\x48\x00\x00\x00\x50\x00\x00'
		dd if=/dev/zero bs=32 count=1 2>/dev/null
		printf '\x55\xaa'
	} | dd of=$1 bs=1 seek=446 conv=notrunc 2>/dev/null
}

# blkback's parameters for this variant. max_ring_page_order can only be
# given when the module loads: reload it (no domain uses it between cases).
blkback_setup() {
	local want_order=${ORDER:-} cur mod
	if [ -n "$want_order" ] && [ "$(cat $BBP/max_ring_page_order 2>/dev/null)" != "$want_order" ]; then
		mod=/usr/lib/modules/lab/xen_blkback.ko
		rmmod xen_blkback 2>/dev/null
		if ! insmod $mod max_ring_page_order=$want_order; then
			lab_log "insmod xen-blkback max_ring_page_order=$want_order failed; reloading defaults"
			insmod $mod
		fi
	fi
	[ -n "${PERSIST:-}" ] && echo "$PERSIST" >$BBP/feature_persistent 2>/dev/null
	[ -n "${QUEUES:-}" ] && echo "$QUEUES" >$BBP/max_queues 2>/dev/null
	for p in max_ring_page_order feature_persistent max_queues; do
		cur="$cur $p=$(cat $BBP/$p 2>/dev/null || echo '?')"
	done
	lab_log "blkback:$cur"
}

# The defaults again for the cases after this one.
blkback_restore() {
	[ -n "${PERSIST:-}" ] && echo 1 >$BBP/feature_persistent 2>/dev/null
	[ -n "${QUEUES:-}" ] && echo 2 >$BBP/max_queues 2>/dev/null
	:
}

# check_fe KEY WANT: a frontend key as the guest wrote it (for the result).
fe_key() {
	xenstore-read /local/domain/$LAB_DOMID/device/vbd/$1/$2 2>/dev/null || echo '-'
}

# The guest's own line for a disk: "blkfront NAME: ... queue(s), ring P page(s) ..."
guest_disk_line() {
	lab_wait_console "blkfront $1: [0-9]+ sectors" ${2:-5}
}

# The idle purge (hotplug variant, xvdb attached): fill the persistent
# pool with a read of region A, let blkback unmap the grants (idle for
# more than persistent_grant_unused_seconds, set to 1 here; 60 by
# default), and within the frontend's next 10 s pass `blkfront` must show
# pages purged.
purge_check() {
	local p=$BBP/persistent_grant_unused_seconds old log=$LAB_CONSOLE_DIR/guest-$LAB_DOM.log
	if [ ! -w $p ]; then
		lab_result purged fail "$p missing: blkback does not unmap idle persistent grants"
		return 1
	fi
	old=$(cat $p)
	echo 1 >$p
	lab_wait_console 'xenolith> $' 20
	lab_type "blk verify xvdb $SEED_A 0 $R\r"
	lab_wait_console 'xenolith> $' 90
	sleep 14
	lab_type 'blkfront\r'
	if lab_wait_console 'q0: .*purged [1-9]' 20; then
		lab_result purged pass "$LAB_MATCH"
	else
		lab_result purged fail "no pages purged: $(awk -v s=$((LAB_MARK + 1)) 'NR >= s && /q0: /' $log | tr -d '\r')"
	fi
	echo $old >$p
}

# xl block-detach while I/O is in flight (hotplug variant): attach $A
# again as xvdc, start `blk bench` with writes to region B (5 s a figure),
# and detach once the first figure is out: xl takes some seconds to get
# there, so the detach lands in the seq-write figure or a later one.
# The frontend must complete or fail every request: the bench command
# ends and the prompt comes back within a bound; nothing hangs or panics.
detach_busy() {
	local log=$LAB_CONSOLE_DIR/guest-$LAB_DOM.log t0 end
	lab_mark
	lab_xl attach-busy 60 block-attach $LAB_DOMID "format=raw,vdev=xvdc,access=rw,target=$A"
	if ! guest_disk_line xvdc 60; then
		lab_result detach-busy fail "no 'blkfront xvdc: N sectors' line after xl block-attach"
		lab_dump
		return 1
	fi
	lab_type '\r'
	lab_wait_console "$LAB_PROMPT" 20
	lab_type "blk bench xvdc 5 $R $R\r"
	if ! lab_wait_console '^bench: blk xvdc seq-read' 60; then
		lab_result detach-busy fail "blk bench xvdc gave no seq-read figure"
		lab_dump
		return 1
	fi
	# From here on the only prompt is the one after the bench.
	lab_mark
	lab_now
	t0=$LAB_NOW
	lab_xl detach-busy 60 block-detach $LAB_DOMID xvdc
	if lab_wait_console '^xenolith> ' 30; then
		lab_now
		end=$(awk -v s=$((LAB_MARK + 1)) 'NR >= s && /^(blk: bench xvdc|bench: blk xvdc)/ { l = $0 } END { print l }' $log | tr -d '\r')
		lab_result bench-ends pass "prompt back $((LAB_NOW - t0)) ms after the detach started; last: '$end'"
	else
		lab_result bench-ends fail "no prompt within 30 s after xl block-detach returned: the bench hangs"
		lab_dump
		return 1
	fi
	lab_wait_console 'blkfront xvdc: closed' 5 >/dev/null
	lab_type 'blk\r'
	lab_wait_console 'xenolith> $' 20
	if awk -v s=$((LAB_MARK + 1)) 'NR >= s' $log | grep -q '^xvdc'; then
		lab_result busy-gone fail "blk still lists xvdc after xl block-detach"
	else
		lab_result busy-gone pass "blk no longer lists xvdc"
	fi
	if xl block-list $LAB_DOMID 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx 51744; then
		lab_result busy-blocklist fail "xl block-list still shows xvdc (51744): $(xl block-list $LAB_DOMID 2>&1 | tr '\n' ' ')"
	else
		lab_result busy-blocklist pass "xl block-list: no xvdc"
	fi
	if lab_type 'info\r' && lab_wait_console '^vcpus: ' 20; then
		lab_result busy-alive pass "monitor answers: $LAB_MATCH"
	else
		lab_result busy-alive fail "the monitor does not answer after the busy detach"
		lab_dump
	fi
	if grep -q 'Kernel panic' $log; then
		lab_result busy-nopanic fail "$(grep -m1 'Kernel panic' $log)"
	else
		lab_result busy-nopanic pass "no Kernel panic on the console"
	fi
	lab_wait_console "$LAB_PROMPT" 20
}

ktest_run() {
	# The host does not judge KTAP for this scenario (the hotplug variant
	# has none): the done line must say 0 failed, and a failing run
	# crashes the guest instead of powering it off.
	if lab_wait_console 'ktest: done' 180 && [ "${LAB_MATCH#*, 0 failed}" != "$LAB_MATCH" ]; then
		lab_result ktest-done pass "$LAB_MATCH ($(( LAB_MATCH_MS - LAB_T_START )) ms after unpause)"
	else
		lab_result ktest-done fail "'${LAB_MATCH:-no ktest: done line}'"
		lab_dump
	fi
}

if [ ! -x $BLKPAT ]; then
	lab_result blkpat fail "$BLKPAT missing from the dom0 archive (make builds host/blkpat; lab.py ships it)"
	exit 1
fi

case $BLK in
rw)
	blkback_setup
	A=$LAB_RUN/$LAB_CASE-a.img
	B=$LAB_RUN/$LAB_CASE-b.img
	mkdisk $A && mkdisk $B
	R=$(region $(( SIZE_MB * 2048 )))
	if $BLKPAT fill $A $SEED_A 0 $R && $BLKPAT fill $B $SEED_B 0 $R; then
		:
	else
		lab_result blkpat fail "blkpat fill failed"
		exit 1
	fi
	# The default variant also gets a third disk with partitions.
	P=""
	if [ -z "${ORDER:-}${QUEUES:-}" ]; then
		P=$LAB_RUN/$LAB_CASE-p.img
		mkdisk $P && mkmbr $P
		P=", 'format=raw,vdev=xvdc,access=rw,target=$P'"
	fi
	lab_create vcpus=$VCPUS extra="ktest=blk blktest=xvda:$SEED_A,xvdb:$SEED_B" \
		cfg="disk = [ 'format=raw,vdev=xvda,access=rw,target=$A', 'format=raw,vdev=xvdb,access=ro,target=$B'$P ]" || exit 1
	ktest_run
	if [ -n "$P" ]; then
		LAB_MARK=0
		if lab_wait_console 'blk: xvdc: MBR table, 2 partitions' 5; then
			lab_result partitions pass "$LAB_MATCH"
		else
			lab_result partitions fail "no 'blk: xvdc: MBR table, 2 partitions' on the guest console"
		fi
	fi
	# What was negotiated, from both sides.
	LAB_MARK=0
	guest_disk_line xvda && lab_log "guest: $LAB_MATCH"
	lab_log "frontend keys (xvda): ring-page-order=$(fe_key 51712 ring-page-order)" \
		"multi-queue-num-queues=$(fe_key 51712 multi-queue-num-queues) protocol=$(fe_key 51712 protocol)" \
		"feature-persistent=$(fe_key 51712 feature-persistent)"
	if [ "$(fe_key 51712 protocol)" = x86_64-abi ]; then
		lab_result protocol pass "protocol x86_64-abi"
	else
		lab_result protocol fail "protocol '$(fe_key 51712 protocol)'"
	fi
	if [ -n "${ORDER:-}" ]; then
		got=$(fe_key 51712 ring-page-order)
		[ "$ORDER" = 0 ] && [ "$got" = - ] && got=0
		if [ "$got" = "$ORDER" ]; then
			lab_result ring-order pass "ring-page-order $got (blkback max $ORDER)"
		else
			lab_result ring-order fail "ring-page-order '$got', blkback offered $ORDER"
		fi
	fi
	if [ -n "${QUEUES:-}" ]; then
		got=$(fe_key 51712 multi-queue-num-queues)
		if [ "$got" = "$QUEUES" ]; then
			lab_result queues pass "multi-queue-num-queues $got"
		else
			lab_result queues fail "multi-queue-num-queues '$got', expected $QUEUES (vCPUs $VCPUS, blkback max $QUEUES)"
		fi
	fi
	if [ -n "${PERSIST:-}" ]; then
		want=direct
		[ "$PERSIST" = 1 ] && want=persistent
		if guest_disk_line xvda && [ "${LAB_MATCH%$want grants*}" != "$LAB_MATCH" ]; then
			lab_result grants pass "$want grants"
		else
			lab_result grants fail "expected $want grants: '${LAB_MATCH:-no blkfront line}'"
		fi
	fi
	lab_expect_shutdown poweroff 60
	lab_destroy
	blkback_restore
	if $BLKPAT check $A $(( SEED_A + 1 )) $R $R; then
		lab_result region-b pass "xvda region B ($R sectors at $R) holds seed $(( SEED_A + 1 ))"
	else
		lab_result region-b fail "xvda region B does not hold the guest's pattern (seed $(( SEED_A + 1 )))"
	fi
	if $BLKPAT check $B $SEED_B 0 $R; then
		lab_result ro-intact pass "xvdb region A unchanged"
	else
		lab_result ro-intact fail "read-only xvdb region A changed"
	fi
	lab_result blkpat pass "regions filled and checked in dom0"
	;;
4k)
	A=$LAB_RUN/$LAB_CASE-c.img
	mkdisk $A
	R=$(region $(( SIZE_MB * 2048 )))
	$BLKPAT fill $A $SEED_A 0 $R || { lab_result blkpat fail "blkpat fill failed"; exit 1; }
	loop=$(/usr/sbin/losetup --sector-size 4096 -f --show $A 2>&1)
	case $loop in
	/dev/loop*) lab_log "4k disk: $loop ($(cat /sys/block/${loop#/dev/}/queue/logical_block_size 2>/dev/null) byte sectors)" ;;
	*) lab_result blkpat fail "losetup --sector-size 4096: $loop"; exit 1 ;;
	esac
	lab_create vcpus=$VCPUS extra="ktest=blk blktest=xvdc:$SEED_A" \
		cfg="disk = [ 'phy:$loop,xvdc,w' ]" || { /usr/sbin/losetup -d $loop; exit 1; }
	ktest_run
	LAB_MARK=0
	if guest_disk_line xvdc && [ "${LAB_MATCH%of 4096 bytes*}" != "$LAB_MATCH" ]; then
		lab_result sector-4k pass "$LAB_MATCH"
	else
		lab_result sector-4k fail "guest: '${LAB_MATCH:-no blkfront line for xvdc}'"
	fi
	lab_expect_shutdown poweroff 60
	lab_destroy
	sleep 1
	/usr/sbin/losetup -d $loop 2>/dev/null
	if $BLKPAT check $A $(( SEED_A + 1 )) $R $R; then
		lab_result region-b pass "xvdc region B holds seed $(( SEED_A + 1 ))"
	else
		lab_result region-b fail "xvdc region B does not hold the guest's pattern"
	fi
	lab_result blkpat pass "regions filled and checked in dom0"
	;;
hotplug)
	A=$LAB_RUN/$LAB_CASE-h.img
	mkdisk $A
	R=$(region $(( SIZE_MB * 2048 )))
	$BLKPAT fill $A $SEED_A 0 $R || { lab_result blkpat fail "blkpat fill failed"; exit 1; }
	lab_result blkpat pass "region A filled"
	lab_create vcpus=$VCPUS || exit 1
	lab_expect_ready 90 || { lab_destroy; exit 1; }
	lab_mark
	lab_xl attach 60 block-attach $LAB_DOMID "format=raw,vdev=xvdb,access=rw,target=$A"
	if guest_disk_line xvdb 60; then
		lab_result attached pass "$LAB_MATCH"
	else
		lab_result attached fail "no 'blkfront xvdb: N sectors' line after xl block-attach"
		lab_dump
	fi
	# Kernel messages since the last prompt: type at once (lab_cmd would
	# wait for a fresh prompt after the mark).
	if lab_type 'blk\r' && lab_wait_console '^xvdb ' 20; then
		lab_result listed pass "blk lists xvdb: $LAB_MATCH"
	else
		lab_result listed fail "blk does not list xvdb"
	fi
	if lab_cmd blkfront 'blkfront xvdb: connected' 20; then
		lab_result state pass "$LAB_MATCH"
	else
		lab_result state fail "blkfront does not show xvdb connected"
	fi
	purge_check
	lab_wait_console "$LAB_PROMPT" 20
	lab_mark
	lab_xl detach 60 block-detach $LAB_DOMID xvdb
	lab_wait_console 'blkfront xvdb: closed' 20
	sleep 1
	lab_type 'blk\r'
	lab_wait_console "$LAB_PROMPT" 20
	if ! awk -v s=$((LAB_MARK + 1)) 'NR >= s' $LAB_CONSOLE_DIR/guest-$LAB_DOM.log | grep -q '^xvdb '; then
		lab_result detached pass "blk no longer lists xvdb"
	else
		lab_result detached fail "blk still lists xvdb after xl block-detach"
	fi
	if lab_type 'info\r' && lab_wait_console '^vcpus: ' 20; then
		lab_result alive pass "monitor answers: $LAB_MATCH"
	else
		lab_result alive fail "the monitor does not answer after the detach"
		lab_dump
	fi
	lab_wait_console "$LAB_PROMPT" 20
	detach_busy
	lab_type 'poweroff\r'
	lab_expect_shutdown poweroff 30
	lab_destroy
	$BLKPAT check $A $SEED_A 0 $R && lab_result intact pass "region A intact after attach/detach" ||
		lab_result intact fail "region A changed though nothing wrote it"
	;;
esac
