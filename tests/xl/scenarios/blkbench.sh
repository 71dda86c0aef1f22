# Block benchmark: a domU reads and writes a virtual disk (xvdb) through
# Linux's blkback, Xenolith's blkfront next to Linux's own (Debian's
# kernel, the one dom0 runs). Same backend, same backing: a 256 MiB file in
# dom0's tmpfs (/run), filled with the test pattern first so that every
# read hits real data (xl's hotplug script puts a loop device over it, as
# for any file). Each guest gets a fresh file.
#
# Six figures of BLKBENCH_SECS seconds each, over the whole disk:
# sequential read and write with 1 MiB requests (4 in flight, MB/s), random
# 4 KiB reads and writes at queue depth 1 and 32 (IOPS).
#   xenolith  the monitor's "blk bench xvdb SECS 0 N"; around it the
#             monitor's stats, gnttab and blkfront counters, from which
#             the host works out hypercalls, grants and events per ring
#             request
#   linux     the guest's init with labfio=xvdb,SECS runs fio (direct I/O,
#             libaio, tests/xl/guest-linux/init) and powers off
# Guest lines "bench: blk ..." / "bench: linux-fio ..." are read by the
# host (lab.py: blk_figures, blk_counters), which prints them side by side.
#
# lab-suite: bench
# lab-types: pv pvh
# lab-timeout: 300
# lab-variants: xenolith:LAB_GUEST=xenolith,VCPUS=1 linux:LAB_GUEST=linux,LAB_FIO=1,VCPUS=1
# lab-expect: create disk bench destroy

BLKPAT=/lab/bin/blkpat
BLKBENCH_SECS=${BLKBENCH_SECS:-3}
SIZE_MB=256
SECTORS=$(( SIZE_MB * 2048 ))
IMG=$LAB_RUN/$LAB_CASE.img
DISK="disk = [ 'format=raw,vdev=xvdb,access=rw,target=$IMG' ]"
# Six figures, plus slack for a loaded host.
WAIT=$(( 6 * BLKBENCH_SECS + 90 ))

# bench_wait REGEX S: lab_wait_console, but a "domain stopped" that a
# second look does not confirm (the xl list behind it can die of the dom0
# fork flake, docs/xen-lab.md) only makes it wait again, twice at most.
bench_wait() {
	local rc n=0
	while :; do
		lab_wait_console "$1" $2
		rc=$?
		[ $rc = 2 ] && [ $n -lt 2 ] || return $rc
		n=$(( n + 1 ))
		sleep 1
		if lab_domstate && [ "${LAB_STATE%[sc]*}" = "$LAB_STATE" ]; then
			lab_log "domain $LAB_DOMID is still running (state '$LAB_STATE'): waiting again"
		else
			return $rc
		fi
	done
}

if [ ! -x $BLKPAT ]; then
	lab_result disk fail "$BLKPAT missing from the dom0 archive"
	exit 1
fi
lab_now
t0=$LAB_NOW
dd if=/dev/zero of=$IMG bs=1M count=0 seek=$SIZE_MB 2>/dev/null
if ! $BLKPAT fill $IMG 4242 0 $SECTORS >/dev/null; then
	lab_result disk fail "blkpat fill $IMG failed"
	rm -f $IMG
	exit 1
fi
lab_now
lab_result disk pass "$SIZE_MB MiB file in dom0 tmpfs, pattern-filled in $(( LAB_NOW - t0 )) ms"

case ${LAB_GUEST:-xenolith} in
linux)
	set -- kernel=$LAB_IMAGES/vmlinux ramdisk=$LAB_IMAGES/linux-guest-fio.cpio memory=512 \
		vcpus=$VCPUS extra="console=hvc0 quiet labfio=xvdb,$BLKBENCH_SECS" cfg="$DISK"
	# Debian's kernel uses XSAVE and RDTSCP; see docs/xen-lab.md.
	[ "$LAB_TYPE" = pvh ] && set -- "$@" cfg='cpuid = "host,xsave=0"' cfg='tsc_mode = "native"'
	lab_create "$@" || { rm -f $IMG; exit 1; }
	if bench_wait 'bench: linux-fio xvdb (done|failed)' $(( WAIT + 60 )) &&
	   [ "${LAB_MATCH%done}" != "$LAB_MATCH" ]; then
		lab_result bench pass "fio: six figures"
	else
		lab_result bench fail "${LAB_MATCH:-no 'bench: linux-fio xvdb done' line}"
		lab_dump
	fi
	lab_expect_shutdown poweroff 60
	;;
*)
	lab_create vcpus=$VCPUS cfg="$DISK" || { rm -f $IMG; exit 1; }
	if lab_expect_ready 120; then
		# Counters before and after; the host takes the differences.
		lab_cmd stats 'timer_irqs' 20
		lab_cmd gnttab 'gnttab: [0-9]+ grants' 20
		lab_cmd blkfront 'q0: port' 20
		lab_cmd "blk bench xvdb $BLKBENCH_SECS 0 $SECTORS" 'bench: blk xvdb seq-read ' 30
		if bench_wait 'bench: blk xvdb rand-write 4KiB qd32:|blk: bench .* failed|usage: blk|blk: xvdb is read-only|blk: write region' $WAIT &&
		   [ "${LAB_MATCH%IOPS*}" != "$LAB_MATCH" ]; then
			lab_result bench pass "blk bench: six figures"
		else
			lab_result bench fail "${LAB_MATCH:-no 'bench: blk xvdb rand-write' line}"
			lab_dump
		fi
		lab_cmd stats 'timer_irqs' 20
		lab_cmd gnttab 'gnttab: [0-9]+ grants' 20
		lab_cmd blkfront 'q0: port' 20
		lab_wait_console "$LAB_PROMPT" 20
		lab_type 'poweroff\r'
		lab_expect_shutdown poweroff 60
	fi
	;;
esac
lab_destroy
rm -f $IMG
