# The xl lab's dom0 helpers (busybox sh). Sourced by /init and by every
# case (run-case.sh), so a scenario is a short script of calls like
#
#     lab_create extra="ktest=all"
#     lab_wait_console 'ktest: done' 240 || lab_dump
#     lab_expect_shutdown poweroff 30
#     lab_destroy
#
# Output conventions (the host, tests/xl/lab.py, parses these):
#   XLLAB <kind> key=value ... [-- free text]   machine-readable markers
#   G|<domain>|<ms>| <line>                      the guest's console, live (ms: dom0
#                                                uptime when dom0 read the line)
#   L|<domain>|-| <line>                         a replay of the guest's console
#                                                log when the live stream missed lines
#   lab: <text>                                  human-readable notes
#
# Variables a scenario can use: LAB_CASE, LAB_TYPE (pv|pvh), LAB_DOM (name of
# the last domain created), LAB_DOMID, LAB_TTY (its console pty), LAB_MATCH
# (line that satisfied the last lab_wait_console), LAB_MATCH_MS (dom0
# uptime in ms when the guest printed it), LAB_NOW (set by lab_now), LAB_REASON
# (after lab_wait_shutdown), and whatever VAR=VALUE the case line carried.

LAB_RUN=/run/lab
LAB_CONSOLE_DIR=/var/log/xen/console
LAB_IMAGES=/lab/images
LAB_FAILS=${LAB_FAILS:-0}
LAB_NDOM=${LAB_NDOM:-0}
LAB_MARK=${LAB_MARK:-0}

# ------------------------------------------------------------------ output
lab_marker() { echo "XLLAB $*" >/dev/console; }
lab_log() { echo "lab: $*" >/dev/console; }
lab_fatal() { lab_marker error -- "$*"; lab_log "FATAL: $*"; }

# LAB_NOW = dom0 uptime in ms (CLOCK_BOOTTIME, monotonic, 10 ms steps); no fork.
lab_now() {
	local up s c
	read up _ </proc/uptime
	s=${up%.*}
	c=${up#*.}
	c=${c#0}
	LAB_NOW=$((s * 1000 + ${c:-0} * 10))
}

# lab_result NAME pass|fail [DETAIL...]
lab_result() {
	local name=$1 status=$2
	shift 2
	case $status in
	pass) ;;
	fail) LAB_FAILS=$((LAB_FAILS + 1)) ;;
	*) lab_log "lab_result: bad status '$status' for $name"; status=fail; LAB_FAILS=$((LAB_FAILS + 1)) ;;
	esac
	lab_marker result case=$LAB_CASE name=$name status=$status -- "$*"
}

# lab_check NAME COMMAND...: a result from a command's exit status.
lab_check() {
	local name=$1
	shift
	if "$@"; then lab_result "$name" pass "$*"; else lab_result "$name" fail "$*"; fi
}

# lab_metric KEY=VALUE...
lab_metric() { lab_marker metric case=$LAB_CASE "$@"; }

# ------------------------------------------------------------------ dom0 bring-up
lab_dom0_up() {
	local m t0 i
	lab_now
	t0=$LAB_NOW
	# Debian's hotplug scripts lock through /dev/stdin and use /dev/fd.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	mkdir -p /run/lock /run/xen /run/xenstored /run/xen-hotplug $LAB_RUN $LAB_CONSOLE_DIR \
		/var/lib/xen /var/lib/xenstored /tmp
	# Boot quietly, then show KERN_INFO too: a dom0 process's segfault is
	# one of the known emulation flakes and the host must see it.
	echo 7 >/proc/sys/kernel/printk
	for m in $(cat /usr/lib/modules/lab/order); do
		insmod /usr/lib/modules/lab/$m.ko || { lab_log "insmod $m failed"; return 1; }
	done
	mount -t xenfs xenfs /proc/xen || return 1
	xenstored --pid-file /run/xenstored.pid || { lab_log "xenstored failed"; return 1; }
	i=0
	until xenstore-exists / 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { lab_log "xenstored never answered"; return 1; }
		sleep 0.1
	done
	xen-init-dom0 >/dev/null || { lab_log "xen-init-dom0 failed"; return 1; }
	xenconsoled --log=guest --log-dir=$LAB_CONSOLE_DIR --pid-file=/run/xenconsoled.pid ||
		{ lab_log "xenconsoled failed"; return 1; }
	lab_now
	lab_marker dom0-ready uptime_ms=$LAB_NOW setup_ms=$((LAB_NOW - t0)) \
		kernel=$(uname -r) xen=$(xl info 2>/dev/null | awk '/^xen_version/ { print $3 }')
}

# The bridge for vifs, made on first use.
lab_bridge_up() {
	[ -e /sys/class/net/xenbr0 ] && return 0
	ip link add xenbr0 type bridge &&
		ip addr add 169.254.0.1/16 dev xenbr0 &&
		ip link set xenbr0 up
}

# ------------------------------------------------------------------ cases
# /lab/cases: one case a line: CASE SCENARIO TYPE TIMEOUT [VAR=VALUE...]
lab_run_cases() {
	local case scen type tmo args pid wd rc t0
	while read -r case scen type tmo args <&3; do
		case $case in '' | \#*) continue ;; esac
		LAB_CASE=$case
		lab_now
		t0=$LAB_NOW
		lab_marker case-begin case=$case scenario=$scen type=$type timeout=$tmo $args
		rm -f $LAB_RUN/timed-out
		# Its own session: on timeout the whole process group goes.
		setsid /bin/sh /lab/run-case.sh "$case" "$scen" "$type" $args </dev/null >/dev/console 2>&1 &
		pid=$!
		(
			sleep $tmo
			lab_log "case $case: timeout after $tmo s; what it was doing, then killing it"
			lab_stuck $pid >$LAB_RUN/timed-out
			kill -TERM -$pid 2>/dev/null
			sleep 3
			kill -KILL -$pid 2>/dev/null
		) &
		wd=$!
		wait $pid
		rc=$?
		kill $wd 2>/dev/null
		if [ -e $LAB_RUN/timed-out ]; then
			lab_result timeout fail "case still running after $tmo s; $(cat $LAB_RUN/timed-out)"
			lab_dump
			rc=124
		fi
		lab_cleanup $pid
		lab_now
		lab_marker case-end case=$case rc=$rc elapsed_ms=$((LAB_NOW - t0))
	done 3<"$1" </dev/null
}

# lab_reap PID [SECS]: wait at most SECS (default 10) for the background
# process PID to end and return its exit status; 255 if it is still
# there, after logging its state, kernel wait channel and stack (a
# process in uninterruptible sleep outlives even SIGKILL, and a plain
# `wait` on it would hang the case).
lab_reap() {
	local pid=$1 secs=${2:-10} i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt $((secs * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 $pid 2>/dev/null; then
		lab_log "pid $pid still there after $secs s: $(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null | cut -c1-80)" \
			"state $(sed 's/.*) \(.\).*/\1/' /proc/$pid/stat 2>/dev/null) wchan $(cat /proc/$pid/wchan 2>/dev/null)"
		sed 's/^/lab:   /' /proc/$pid/stack >/dev/console 2>/dev/null
		return 255
	fi
	wait $pid 2>/dev/null
}

# lab_stuck PGID: where a case that ran out of time was waiting. Logs
# every process of its group (and any process anywhere in dom0 in
# uninterruptible sleep, which no signal ends) with its state, kernel
# wait channel and command line, and the kernel stack of those in D
# state; prints one line for the timeout's result: the group's processes
# other than its shells, innermost last. Reads /proc only (no ps in the
# dom0 archive's busybox is relied on).
lab_stuck() {
	local pg=$1 p st rest state pgid comm wchan cmd line="" ndee=0
	for p in /proc/[0-9]*; do
		[ -r $p/stat ] || continue
		read -r st <$p/stat 2>/dev/null || continue
		# pid (comm) state ppid pgrp ...: comm may hold spaces.
		rest=${st##*) }
		set -- $rest
		state=$1 pgid=$3
		[ "$pgid" = "$pg" ] || [ "$state" = D ] || continue
		comm=${st#*(}
		comm=${comm%%) *}
		wchan=$(cat $p/wchan 2>/dev/null)
		cmd=$(tr '\0' ' ' <$p/cmdline 2>/dev/null | cut -c1-120)
		lab_log "stuck: pid ${p#/proc/} pgrp $pgid $state ${wchan:-0} ${cmd:-[$comm]}"
		if [ "$state" = D ]; then
			ndee=$((ndee + 1))
			[ -r $p/stack ] && sed 's/^/lab: stuck:   /' $p/stack >/dev/console 2>/dev/null
		fi
		if [ "$pgid" = "$pg" ]; then
			case $comm in sh | bash | sleep) continue ;; esac
			line="$line${line:+, }$comm($state${wchan:+ $wchan})"
		fi
	done
	echo "waiting on: ${line:-its shell alone}${ndee:+; $ndee process(es) in D state}" | sed 's/; 0 process(es) in D state//'
}

# Destroy whatever domains a case left, end its helper processes, and
# replay a guest's console log when the live stream missed some of it.
lab_cleanup() {
	local pgid=$1 id f name
	for id in $(xl list 2>/dev/null | awk 'NR > 2 { print $2 }'); do
		lab_log "cleanup: xl destroy $id"
		xl destroy $id 2>&1 | sed 's/^/lab: /'
	done
	sleep 0.3
	[ -n "$pgid" ] && kill -KILL -$pgid 2>/dev/null
	for f in $LAB_RUN/*.stream.pid; do
		[ -e "$f" ] || continue
		kill $(cat "$f") 2>/dev/null
		rm -f "$f"
	done
	for f in $LAB_RUN/*.dom; do
		[ -e "$f" ] || continue
		name=$(cat "$f")
		rm -f "$f"
		lab_stream_check "$name"
	done
	rm -f $LAB_RUN/*.img
}

# The stream is the live view, the xenconsoled log the authority.
lab_stream_check() {
	local name=$1 log=$LAB_CONSOLE_DIR/guest-$1.log tlog=$LAB_RUN/$1.tlog a b
	[ -f "$log" ] || { lab_marker console case=$LAB_CASE dom=$name log_lines=0 stream_lines=0; return; }
	a=$(wc -l <"$log")
	# A final line without a newline counts too.
	[ -n "$(tail -c 1 "$log")" ] && a=$((a + 1))
	b=0
	[ -f "$tlog" ] && b=$(wc -l <"$tlog")
	lab_marker console case=$LAB_CASE dom=$name log_lines=$a stream_lines=$b
	if [ "$a" != "$b" ]; then
		lab_log "console stream of $name has $b of $a lines; replaying the log"
		tr -d '\r' <"$log" | sed "s/^/L|$name|-| /"
		echo
	fi
}

# ------------------------------------------------------------------ domains
# lab_create [CFGFILE] [KEY=VALUE...]
#   type=pv|pvh (default $LAB_TYPE)  kernel=PATH (default the Xenolith image)
#   ramdisk=PATH  memory=MiB (128)  vcpus=N (1)  extra="CMDLINE"  name=NAME
#   disk=MiB (a sparse file on a loop device in dom0, xvda, read-write)
#   vif=1 (one vif on bridge xenbr0)  cfg='RAW LINE' (repeatable)
#   pre='COMMAND' (run with eval while the domain is still paused, LAB_DOMID
#   set; a failure fails the create)
# Creates the domain paused, attaches the console stream, unpauses.
# Sets LAB_DOM, LAB_DOMID, LAB_TTY, LAB_T_CREATE (ms before xl create),
# LAB_T_START (ms after unpause). Reports result "create" (or "create-N").
lab_create() {
	# LAB_KERNEL (a variant key): another Xenolith image the run carries
	# (lab.py --extra-image), e.g. the domu_defconfig build.
	local a file="" type=$LAB_TYPE kernel=$LAB_IMAGES/${LAB_KERNEL:-xenolith} ramdisk="" memory=128 vcpus=1
	local extra="" name="" disk="" vif="" raw="" pre="" cfg rc t0 t1 t2 ta i tty rname
	for a in "$@"; do
		case $a in
		type=*) type=${a#type=} ;;
		kernel=*) kernel=${a#kernel=} ;;
		ramdisk=*) ramdisk=${a#ramdisk=} ;;
		memory=*) memory=${a#memory=} ;;
		vcpus=*) vcpus=${a#vcpus=} ;;
		extra=*) extra=${a#extra=} ;;
		name=*) name=${a#name=} ;;
		disk=*) disk=${a#disk=} ;;
		vif=*) vif=${a#vif=} ;;
		pre=*) pre=${a#pre=} ;;
		cfg=*) raw="$raw${a#cfg=}
" ;;
		*=*) lab_log "lab_create: unknown option $a"; return 2 ;;
		*) file=$a ;;
		esac
	done
	LAB_NDOM=$((LAB_NDOM + 1))
	rname=create
	[ $LAB_NDOM -gt 1 ] && rname=create-$LAB_NDOM
	if [ -z "$name" ]; then
		name=$LAB_CASE
		[ $LAB_NDOM -gt 1 ] && name=$LAB_CASE-$LAB_NDOM
	fi
	# Xenolith PVH guests check their interrupt-delivery state before
	# every idle halt (README, "idlecheck"), so that a death right after
	# a halt says whether that state was intact (docs/xen-lab.md); not
	# in the benchmarks (LAB_IDLECHECK=0).
	case $kernel in
	$LAB_IMAGES/xenolith*)
		[ "$type" = pvh ] && [ "${LAB_IDLECHECK:-1}" != 0 ] && extra="${extra:+$extra }idlecheck" ;;
	esac
	cfg=$LAB_RUN/$name.cfg
	if [ -n "$file" ]; then
		# A config of the scenario's own; the name is forced to ours.
		grep -v '^[[:space:]]*name[[:space:]]*=' "$file" >$cfg
		echo "name = \"$name\"" >>$cfg
	else
		{
			echo "name = \"$name\""
			echo "type = \"$type\""
			echo "kernel = \"$kernel\""
			[ -n "$ramdisk" ] && echo "ramdisk = \"$ramdisk\""
			echo "memory = $memory"
			echo "vcpus = $vcpus"
			echo "extra = \"$extra\""
			echo 'on_poweroff = "preserve"'
			echo 'on_crash = "preserve"'
			echo 'on_reboot = "restart"'
			# Emulated SVM mishandles Xen's rdtsc intercept now and
			# then (docs/xen-lab.md): keep the TSC unintercepted.
			[ "$type" = pvh ] && echo 'tsc_mode = "native"'
			if [ -n "$disk" ]; then
				dd if=/dev/zero of=$LAB_RUN/$name.img bs=1M count=0 seek=${disk%M} 2>/dev/null
				echo "disk = [ 'file:$LAB_RUN/$name.img,xvda,w' ]"
			fi
			if [ -n "$vif" ] && [ "$vif" != 0 ]; then
				lab_bridge_up || lab_log "bridge xenbr0 could not be set up"
				echo "vif = [ 'bridge=xenbr0' ]"
			fi
			printf '%s' "$raw"
		} >$cfg
	fi
	sed "s/^/lab: cfg $name: /" $cfg
	rm -f $LAB_CONSOLE_DIR/guest-$name.log $LAB_RUN/$name.tlog
	echo "$name" >$LAB_RUN/$name.dom
	LAB_DOM=$name
	LAB_DOMID=""
	LAB_TTY=""
	LAB_MARK=0
	lab_now
	t0=$LAB_NOW
	LAB_T_CREATE=$t0
	xl create -p $cfg >$LAB_RUN/$name.create.log 2>&1
	rc=$?
	lab_now
	t1=$LAB_NOW
	sed "s/^/lab: xl create: /" $LAB_RUN/$name.create.log
	if [ $rc -ne 0 ]; then
		lab_result $rname fail "xl create -p exited $rc after $((t1 - t0)) ms"
		lab_dmesg 30
		return 1
	fi
	LAB_DOMID=$(xl domid $name 2>/dev/null)
	i=0
	while :; do
		tty=$(xenstore-read /local/domain/$LAB_DOMID/console/tty 2>/dev/null)
		[ -n "$tty" ] && [ -e "$tty" ] && break
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			lab_log "no console pty for $name (xenstore console/tty) after 5 s"
			break
		fi
		sleep 0.1
	done
	LAB_TTY=$tty
	[ -n "$tty" ] && lab_stream_start $name $tty
	if [ -n "$pre" ] && ! eval "$pre"; then
		lab_result $rname fail "before unpause: '$pre' failed"
		return 1
	fi
	lab_now
	ta=$LAB_NOW
	xl unpause $LAB_DOMID
	rc=$?
	lab_now
	t2=$LAB_NOW
	LAB_T_START=$t2
	lab_marker domain case=$LAB_CASE dom=$name domid=$LAB_DOMID type=$type tty=${tty:-none} \
		start_ms=$t2
	lab_metric dom=$name create_ms=$((t1 - t0)) attach_ms=$((ta - t1)) unpause_ms=$((t2 - ta))
	if [ $rc -ne 0 ]; then
		lab_result $rname fail "xl unpause $LAB_DOMID exited $rc"
		return 1
	fi
	lab_result $rname pass "domid $LAB_DOMID; xl create -p $((t1 - t0)) ms, console attach $((ta - t1)) ms, xl unpause $((t2 - ta)) ms"
}

# Copy a console pty to dom0's console ("G|name|UPTIME_MS| " prefix) and to
# a log of "UPTIME_MS line" (UPTIME_MS: when dom0 saw the line).
lab_stream_start() {
	local name=$1 tty=$2
	(
		exec <"$tty"
		stty raw -echo 2>/dev/null
		exec cat
	) | awk -v p="G|$name|" -v tl="$LAB_RUN/$name.tlog" '
	{
		sub(/\r+$/, "")
		# A failed or odd read of the clock must not corrupt the line:
		# keep the last good time then.
		up = ""
		if ((getline up < "/proc/uptime") > 0 && split(up, f, " ") >= 1 &&
		    f[1] ~ /^[0-9]+(\.[0-9]+)?$/)
			last = int(f[1] * 1000 + 0.5)
		close("/proc/uptime")
		ms = last + 0
		printf "%d %s\n", ms, $0 >> tl
		fflush(tl)
		printf "%s%d| %s\n", p, ms, $0
		fflush()
	}' >/dev/console 2>&1 &
	echo $! >$LAB_RUN/$name.stream.pid
}

# lab_mark: later lab_wait_console calls only look at console lines after this.
lab_mark() {
	local log=$LAB_CONSOLE_DIR/guest-${1:-$LAB_DOM}.log
	LAB_MARK=0
	[ -f "$log" ] && LAB_MARK=$(wc -l <"$log")
}

# lab_domstate [DOMID]: LAB_STATE = xl's state flags (r b p s c d), empty if
# the domain is gone; LAB_REASON = poweroff|reboot|suspend|crash|watchdog|
# soft_reset when shut down.
lab_domstate() {
	local id=${1:-$LAB_DOMID} line
	line=$(xl list -v $id 2>/dev/null | awk 'NR == 2 { print $5, $8 }')
	LAB_STATE=${line% *}
	LAB_REASON=""
	[ -z "$line" ] && { LAB_STATE=""; return 1; }
	case $LAB_STATE in
	*s* | *c*)
		case ${line#* } in
		0) LAB_REASON=poweroff ;;
		1) LAB_REASON=reboot ;;
		2) LAB_REASON=suspend ;;
		3) LAB_REASON=crash ;;
		4) LAB_REASON=watchdog ;;
		5) LAB_REASON=soft_reset ;;
		*) LAB_REASON="code-${line#* }" ;;
		esac
		;;
	esac
	return 0
}

# lab_wait_console REGEX [TIMEOUT_S] [DOMAIN]: wait until a console line
# after the mark matches the extended regex. Returns 0 (LAB_MATCH,
# LAB_MATCH_MS set), 1 on timeout, 2 if the domain stopped first.
lab_wait_console() {
	local re=$1 tmo=${2:-60} name=${3:-$LAB_DOM} log deadline next_state m i
	log=$LAB_CONSOLE_DIR/guest-$name.log
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	next_state=$((LAB_NOW + 5000))
	LAB_MATCH=""
	LAB_MATCH_MS=""
	while :; do
		if [ -f "$log" ]; then
			m=$(awk -v s=$((LAB_MARK + 1)) -v re="$re" \
				'NR >= s { sub(/\r+$/, ""); if ($0 ~ re) { print; exit } }' "$log")
			if [ -n "$m" ]; then
				lab_now
				LAB_MATCH=$m
				# When dom0 saw the line: the stream's stamp (the stream
				# may be a moment behind the log), else now (at once
				# for a domain without a stream: libvirt's, whose pty
				# virsh console reads).
				i=0
				while [ -f "$LAB_RUN/$name.tlog" ]; do
					LAB_MATCH_MS=$(awk -v s=$((LAB_MARK + 1)) -v re="$re" \
						'NR >= s { t = $1; sub(/^[0-9]+ /, ""); if ($0 ~ re) { print t; exit } }' \
						"$LAB_RUN/$name.tlog" 2>/dev/null)
					[ -n "$LAB_MATCH_MS" ] && break
					i=$((i + 1))
					[ $i -gt 10 ] && break
					sleep 0.1
				done
				: ${LAB_MATCH_MS:=$LAB_NOW}
				return 0
			fi
		fi
		lab_now
		if [ $LAB_NOW -ge $deadline ]; then
			lab_log "timeout: no console line of $name matched /$re/ in $tmo s"
			return 1
		fi
		if [ $LAB_NOW -ge $next_state ] && [ "$name" = "$LAB_DOM" ]; then
			next_state=$((LAB_NOW + 5000))
			lab_domstate
			case $LAB_STATE in
			'' | *s* | *c* | *d*)
				# One last look: the line may have come just before.
				sleep 0.5
				m=$(awk -v s=$((LAB_MARK + 1)) -v re="$re" \
					'NR >= s { sub(/\r+$/, ""); if ($0 ~ re) { print; exit } }' "$log" 2>/dev/null)
				if [ -n "$m" ]; then
					LAB_MATCH=$m
					LAB_MATCH_MS=$LAB_NOW
					return 0
				fi
				lab_log "$name stopped (state '${LAB_STATE:-gone}' ${LAB_REASON}) before /$re/ appeared"
				return 2
				;;
			esac
		fi
		# Each look costs dom0 a fork and exec (~80 ms under emulation);
		# the stream's stamps keep LAB_MATCH_MS precise anyway.
		sleep 0.5
	done
}

# lab_wait_shutdown [TIMEOUT_S] [DOMID]: wait until the domain has shut
# down (or crashed); LAB_REASON says why. 1 on timeout, 2 if it vanished.
# Sleeps in a xenstore watch on @releaseDomain (fired when any domain
# shuts down or dies) instead of polling xl, which costs dom0 ~0.3 s a call.
lab_wait_shutdown() {
	local tmo=${1:-30} id=${2:-$LAB_DOMID} deadline left
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	while :; do
		lab_domstate $id || { lab_log "domain $id is gone"; return 2; }
		case $LAB_STATE in *s* | *c*) return 0 ;; esac
		lab_now
		left=$(((deadline - LAB_NOW + 999) / 1000))
		[ $left -le 0 ] && { lab_log "domain $id still '$LAB_STATE' after $tmo s"; return 1; }
		# The watch fires once when set, then on the next event; a change
		# between the check above and the watch is caught by the 3 s cap.
		[ $left -gt 3 ] && left=3
		timeout $left xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1
	done
}

# lab_expect_shutdown REASON [TIMEOUT_S]: result "shutdown" pass if the
# domain shuts down for REASON (poweroff, reboot, crash...).
lab_expect_shutdown() {
	local want=$1 tmo=${2:-30}
	if lab_wait_shutdown $tmo; then
		if [ "$LAB_REASON" = "$want" ]; then
			lab_result shutdown pass "reason $LAB_REASON (state $LAB_STATE)"
			return 0
		fi
		lab_result shutdown fail "reason $LAB_REASON (state $LAB_STATE), expected $want"
	else
		lab_result shutdown fail "no shutdown within $tmo s (state '${LAB_STATE:-gone}'), expected $want"
	fi
	lab_dump
	return 1
}

# lab_destroy [DOMID]: xl destroy; result "destroy"; the stream drains.
lab_destroy() {
	local id=${1:-$LAB_DOMID} out rc
	out=$(xl destroy $id 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | sed 's/^/lab: xl destroy: /'
	if [ $rc -eq 0 ] && ! lab_domstate $id; then
		lab_result destroy pass "domain $id destroyed"
	else
		lab_result destroy fail "xl destroy $id exited $rc; state '$LAB_STATE'"
	fi
	sleep 0.3
}

# lab_wait_reboot [TIMEOUT_S]: after the guest rebooted (on_reboot =
# "restart": xl builds a new domain of the same name), wait for the new
# domid and attach the console stream to its pty. Call lab_mark (lab_type
# does) before triggering the reboot, so that lab_wait_console looks only at
# the new boot. Result "reboot".
lab_wait_reboot() {
	local tmo=${1:-60} old=$LAB_DOMID id tty deadline left i
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	while :; do
		id=$(xl domid $LAB_DOM 2>/dev/null)
		[ -n "$id" ] && [ "$id" != "$old" ] && break
		lab_now
		left=$(((deadline - LAB_NOW + 999) / 1000))
		if [ $left -le 0 ]; then
			lab_domstate $old
			lab_result reboot fail "no new domain $LAB_DOM after $tmo s (old domid $old: state '${LAB_STATE:-gone}' ${LAB_REASON})"
			return 1
		fi
		[ $left -gt 3 ] && left=3
		timeout $left xenstore-watch -n 2 @introduceDomain >/dev/null 2>&1
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
	lab_marker domain case=$LAB_CASE dom=$LAB_DOM domid=$id tty=${tty:-none} rebooted_from=$old
	lab_result reboot pass "domid $old -> $id"
}

# lab_xl NAME TIMEOUT_S XL-ARGS...: run xl with a time limit; result NAME
# from its exit status, with its output and duration.
lab_xl() {
	local name=$1 tmo=$2 out rc t0
	shift 2
	lab_now
	t0=$LAB_NOW
	out=$(timeout $tmo xl "$@" 2>&1)
	rc=$?
	lab_now
	[ -n "$out" ] && echo "$out" | sed "s/^/lab: xl $1: /"
	if [ $rc -eq 0 ]; then
		lab_result $name pass "xl $* in $((LAB_NOW - t0)) ms"
	else
		lab_result $name fail "xl $* exited $rc after $((LAB_NOW - t0)) ms"
	fi
	return $rc
}

# lab_expect_ready [TIMEOUT_S]: result "ready" from Xenolith's ready line,
# timed from xl create; on failure the state is dumped. 0 if ready.
lab_expect_ready() {
	if lab_wait_console 'xenolith: ready' ${1:-90}; then
		lab_result ready pass "$(( LAB_MATCH_MS - LAB_T_CREATE )) ms after xl create"
		return 0
	fi
	lab_result ready fail "no 'xenolith: ready' on the guest console"
	lab_dump
	return 1
}

# lab_type TEXT: keystrokes for the guest console (printf %b escapes: \r, \t,
# \003...). Moves the mark first, so a following lab_wait_console sees only
# the answer.
lab_type() {
	[ -n "$LAB_TTY" ] || { lab_log "lab_type: no console pty"; return 1; }
	lab_mark
	printf '%b' "$*" >"$LAB_TTY"
}

# lab_cmd COMMAND [REGEX [TIMEOUT_S]]: at the guest monitor's prompt, type
# COMMAND and Enter, then wait for REGEX (default: the next prompt).
LAB_PROMPT='xenolith> '
lab_cmd() {
	local cmd=$1 re=${2:-$LAB_PROMPT} tmo=${3:-20}
	lab_wait_console "$LAB_PROMPT" $tmo || return $?
	lab_type "$cmd\r"
	lab_wait_console "$re" $tmo
}

# lab_vcpu_parse: `xl vcpu-list` output on stdin (header, then one line a
# vCPU: Name ID VCPU CPU State Time(s) Affinity...) -> one line
# "TOTAL RAN ONLINE NEVER", where a vCPU has run when its Time(s) is above
# zero or it is online (a pCPU assigned; state without 'p'), ONLINE counts
# the online ones and NEVER is a comma list of the vCPUs that never ran
# ('-' if none). A line that does not parse counts as a vCPU that never ran
# ("?LINE"). Pure (no xl), so the host's tests run it on canned output.
lab_vcpu_parse() {
	awk '
	NR == 1 && $1 == "Name" { next }
	NF == 0 { next }
	{
		total++
		if (NF < 6 || $3 !~ /^[0-9]+$/ || $5 !~ /^[-rbp]+$/ || $6 !~ /^[0-9]+(\.[0-9]+)?$/) {
			never = never (never == "" ? "" : ",") "?" NR
			next
		}
		on = ($4 ~ /^[0-9]+$/ && $5 !~ /p/)
		if (on)
			online++
		if ($6 + 0 > 0 || on)
			ran++
		else
			never = never (never == "" ? "" : ",") $3
	}
	END { printf "%d %d %d %s\n", total, ran, online, never == "" ? "-" : never }'
}

# lab_vcpus [DOM]: `xl vcpu-list DOM` (its lines as notes); LAB_VCPUS (how
# many), LAB_VCPUS_RAN, LAB_VCPUS_ONLINE, LAB_VCPUS_NEVER (see
# lab_vcpu_parse). 1 if xl failed.
lab_vcpus() {
	local out
	LAB_VCPUS=0 LAB_VCPUS_RAN=0 LAB_VCPUS_ONLINE=0 LAB_VCPUS_NEVER=-
	out=$(timeout 20 xl vcpu-list ${1:-$LAB_DOM} 2>&1) || {
		echo "$out" | sed 's/^/lab: xl vcpu-list: /'
		return 1
	}
	echo "$out" | sed 's/^/lab: xl vcpu-list: /'
	set -- $(echo "$out" | lab_vcpu_parse)
	LAB_VCPUS=$1 LAB_VCPUS_RAN=$2 LAB_VCPUS_ONLINE=$3 LAB_VCPUS_NEVER=$4
}

# ------------------------------------------------------------------ diagnosis
lab_dmesg() { xl dmesg 2>&1 | tail -n ${1:-40} | sed 's/^/lab: xl dmesg: /'; }

# Everything worth seeing after a failure: domains, the domain's xenstore
# directory, Xen's recent messages and, while the domain still runs, its
# vCPUs (xenctx, with Xenolith's symbols) and Xen's view of its vCPUs and
# event channels (debug keys q and e, printed on Xen's console).
lab_dump() {
	local map=""
	lab_log "---- state after a failure in case $LAB_CASE"
	xl list -v 2>&1 | sed 's/^/lab: xl list: /'
	[ -n "$LAB_DOMID" ] && xenstore-ls -f /local/domain/$LAB_DOMID 2>/dev/null |
		grep -v '/device-model\|/vm = ' | head -n 40 | sed 's/^/lab: xenstore: /'
	lab_dmesg 20
	if [ -n "$LAB_DOMID" ] && lab_domstate && case $LAB_STATE in *s* | *c*) false ;; esac; then
		grep -q "^kernel = \"$LAB_IMAGES/xenolith\"" $LAB_RUN/$LAB_DOM.cfg 2>/dev/null &&
			[ -f $LAB_IMAGES/xenolith.map ] && map="-s $LAB_IMAGES/xenolith.map"
		timeout 20 xenctx -a -C -S -f $map $LAB_DOMID 2>&1 | head -n 80 | sed 's/^/lab: xenctx: /'
		lab_log "Xen debug keys q (domains, vCPUs) and e (event channels) follow on Xen's console"
		xl debug-keys q
		xl debug-keys e
		sleep 1
	fi
	lab_log "----"
}

# lab_mon PROMPT CMD [TMO]: type CMD on the guest console and wait for the
# next line that starts with PROMPT (Xenolith's monitor prompt, or the end
# line of a guest that has one). MON_OUT: the lines between the command's
# echo and that line. 0 when it came, 1 if not within TMO seconds (default
# 20; MON_OUT: what came). With Xenolith's prompt it first waits (at most
# 20 s) for the monitor to be at its prompt.
lab_mon() {
	local prompt=$1 cmd=$2 tmo=${3:-20} log n i deadline
	log=$LAB_CONSOLE_DIR/guest-$LAB_DOM.log
	[ "$prompt" = "$LAB_PROMPT" ] && { lab_wait_console "$LAB_PROMPT" 20 >/dev/null || true; }
	lab_type "$cmd\r"
	MON_MARK0=$LAB_MARK MON_N=""
	n=""
	i=0
	while [ -z "$n" ] && [ $i -lt 50 ]; do
		# The echo ends its line; a kernel message may come between
		# the prompt and it.
		n=$(awk -v s=$((LAB_MARK + 1)) -v c="$cmd" \
			'NR >= s { sub(/\r+$/, ""); if (length($0) >= length(c) &&
				substr($0, length($0) - length(c) + 1) == c) { print NR; exit } }' $log)
		[ -z "$n" ] && sleep 0.2
		i=$((i + 1))
	done
	if [ -z "$n" ]; then
		lab_log "mon: no echo of '$cmd'"
		MON_OUT=""
		return 1
	fi
	LAB_MARK=$n
	MON_N=$n
	lab_now
	deadline=$((LAB_NOW + tmo * 1000))
	while :; do
		if awk -v s=$((n + 1)) -v p="$prompt" 'NR >= s && index($0, p) == 1 { f = 1 } END { exit !f }' $log; then
			MON_OUT=$(awk -v s=$((n + 1)) -v p="$prompt" 'NR >= s { sub(/\r+$/, ""); if (index($0, p) == 1) exit; print }' $log)
			[ -z "$MON_OUT" ] && lab_log "mon: no answer to '$cmd' before the next prompt (echo at line $n)"
			return 0
		fi
		lab_now
		[ $LAB_NOW -ge $deadline ] && break
		sleep 0.3
	done
	MON_OUT=$(awk -v s=$((n + 1)) 'NR >= s { sub(/\r+$/, ""); print }' $log)
	return 1
}

# lab_mon_raw [LINES]: after a lab_mon whose answer looked wrong, the
# console log's raw lines (control characters shown, sed's l) from just
# before the command was typed (at most LINES, default 20), with the line
# numbers lab_mon worked from: what the guest sent, not what was parsed.
lab_mon_raw() {
	local log=$LAB_CONSOLE_DIR/guest-$LAB_DOM.log from=$((${MON_MARK0:-1} - 1))
	[ $from -lt 1 ] && from=1
	lab_log "mon: typed after line ${MON_MARK0:-?}, echo at line ${MON_N:-none}; raw log from line $from:"
	# busybox sed has no "l" (it prints nothing): awk shows the controls.
	awk -v s=$from -v n=${1:-20} 'NR >= s && NR < s + n {
		o = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "\r") c = "\\r"; else if (c == "\t") c = "\\t"
			else if (c == "\033") c = "\\e"; else if (c < " ") c = "^?"
			o = o c
		}
		print "lab: raw: " NR ": " o "$"
	}' $log
}

# lab_mon_answer REGEX [TIMEOUT_S]: after a lab_mon, the command's answer
# line itself: the first console line after its echo that matches REGEX,
# waited for up to TIMEOUT_S (60) and put in MON_ANSWER; 1 if none came.
# lab_mon ends its output at the next prompt; a check that judges the
# answer by its content waits for that line instead, so it never depends
# on where a prompt was seen (once, a PV guest's "blk verify" answer came
# 1.7 s after lab_mon had returned with nothing).
lab_mon_answer() {
	MON_ANSWER=""
	lab_wait_console "$1" "${2:-60}" >/dev/null || return 1
	MON_ANSWER=$LAB_MATCH
}

# ------------------------------------------------------------------ network lab
# docs/xen-lab.md, "The network lab". dom0 is 10.0.0.1/24 on xenbr0 (next
# to the bridge's link-local address); guests are 10.0.0.2 and up.
LAB_NET_DOM0=10.0.0.1
LAB_NET_PREFIX=24

# lab_net_up: the bridge with dom0's address on it.
lab_net_up() {
	lab_bridge_up || return 1
	ip -4 addr show dev xenbr0 | grep -q "inet $LAB_NET_DOM0/" ||
		ip addr add $LAB_NET_DOM0/$LAB_NET_PREFIX dev xenbr0
}

# lab_vif DOMID [DEVID] [TIMEOUT_S]: wait until netback's interface for
# the domain's vif DEVID (default 0) exists in dom0; LAB_VIF = its name
# (vifDOMID.DEVID, what netback calls it). 1 on timeout.
lab_vif() {
	local id=${1:-$LAB_DOMID} dev=${2:-0} tmo=${3:-20} i=0
	LAB_VIF=vif$id.$dev
	while [ ! -e /sys/class/net/$LAB_VIF ]; do
		i=$((i + 1))
		[ $i -gt $((tmo * 10)) ] && { lab_log "no $LAB_VIF after $tmo s"; return 1; }
		sleep 0.1
	done
}

# lab_netem_on VIF [NETEM-ARGS...]: tc netem on both directions of a vif:
# its egress (dom0 -> guest) directly, its ingress (guest -> dom0) through
# an ifb device it is redirected to (ingress qdisc, matchall, mirred).
# Default: 1 ms delay with 25% of the packets sent at once (reordering),
# 2% loss, 1% duplication, 0.5% corruption (a flipped bit).
LAB_NETEM_DEFAULT="delay 1ms reorder 25% 50% loss 2% duplicate 1% corrupt 0.5%"
# By path: busybox sh runs its own applets (tc and ip among them) before
# anything in PATH, and busybox's tc has no netem.
LAB_TC=/usr/sbin/tc
LAB_IP=/usr/bin/ip
lab_netem_ifb() { echo "nifb${1#vif}"; }
lab_netem_on() {
	local vif=$1 ifb
	shift
	[ $# -eq 0 ] && set -- $LAB_NETEM_DEFAULT
	ifb=$(lab_netem_ifb $vif)
	lab_log "netem on $vif and $ifb (its ingress): $*"
	$LAB_TC qdisc replace dev $vif root netem "$@" || return 1
	$LAB_IP link show $ifb >/dev/null 2>&1 || $LAB_IP link add name $ifb type ifb || return 1
	$LAB_IP link set $ifb up || return 1
	$LAB_TC qdisc replace dev $ifb root netem "$@" || return 1
	$LAB_TC qdisc add dev $vif handle ffff: ingress 2>/dev/null
	$LAB_TC filter replace dev $vif parent ffff: matchall action mirred egress redirect dev $ifb ||
		return 1
}

# lab_netem_stats VIF: what netem did (sent, dropped) in both directions, as notes.
lab_netem_stats() {
	local vif=$1
	$LAB_TC -s qdisc show dev $vif 2>&1 | sed "s/^/lab: tc $vif: /"
	$LAB_TC -s qdisc show dev $(lab_netem_ifb $vif) 2>&1 | sed "s/^/lab: tc $(lab_netem_ifb $vif): /"
}

# lab_netem_off VIF: back to a plain vif (the ifb device goes too).
lab_netem_off() {
	local vif=$1
	$LAB_TC qdisc del dev $vif root 2>/dev/null
	$LAB_TC qdisc del dev $vif ingress 2>/dev/null
	$LAB_IP link del $(lab_netem_ifb $vif) 2>/dev/null
	return 0
}

# lab_udhcpd_start [MAC IP]...: busybox udhcpd on xenbr0 handing out
# 10.0.0.100-199 (router dom0), with a fixed lease for each MAC IP pair.
lab_udhcpd_start() {
	local conf=$LAB_RUN/udhcpd.conf
	lab_net_up || return 1
	{
		echo "start 10.0.0.100"
		echo "end 10.0.0.199"
		echo "interface xenbr0"
		echo "lease_file $LAB_RUN/udhcpd.leases"
		echo "pidfile $LAB_RUN/udhcpd.pid"
		echo "option subnet 255.255.255.0"
		echo "option router $LAB_NET_DOM0"
		echo "option lease 600"
		while [ $# -ge 2 ]; do
			echo "static_lease $1 $2"
			shift 2
		done
	} >$conf
	: >$LAB_RUN/udhcpd.leases
	udhcpd -f $conf >$LAB_RUN/udhcpd.log 2>&1 &
	echo $! >$LAB_RUN/udhcpd.bgpid
}

lab_udhcpd_stop() {
	[ -f $LAB_RUN/udhcpd.bgpid ] && kill $(cat $LAB_RUN/udhcpd.bgpid) 2>/dev/null
	rm -f $LAB_RUN/udhcpd.bgpid
	[ -f $LAB_RUN/udhcpd.log ] && sed 's/^/lab: udhcpd: /' $LAB_RUN/udhcpd.log | tail -n 20
	rm -f $LAB_RUN/udhcpd.log
}

# lab_pv_logdirty_refused XL_OUTPUT: true when a live migration of a PV
# domain failed because this Xen cannot track dirty pages of PV domains:
# xl said "Failed to enable logdirty: 95" (EOPNOTSUPP) and Xen lists no
# shadow paging in its virt_caps (Debian's Xen 4.17 is built without
# CONFIG_SHADOW_PAGING, and PV log-dirty mode is built on shadow paging;
# docs/lifecycle.md). LAB_PLATFORM = a line saying so. A fact of the host,
# not of the guest: a scenario reports it as such instead of a failure.
# Anything else (another error, a PVH domain, a Xen with shadow paging)
# is false.
lab_pv_logdirty_refused() {
	local caps
	LAB_PLATFORM=""
	[ "$LAB_TYPE" = pv ] || return 1
	case $1 in
	*"Failed to enable logdirty: 95"*) ;;
	*) return 1 ;;
	esac
	caps=$(xl info 2>/dev/null | sed -n 's/^virt_caps[[:space:]]*:[[:space:]]*//p')
	case " $caps " in
	*" shadow "*) return 1 ;;
	esac
	LAB_PLATFORM="Xen refused log-dirty mode for the PV domain (EOPNOTSUPP); its virt_caps '$caps' have no shadow paging, which PV live migration needs"
	return 0
}
