# Ballooning under load (docs/balloon.md): a 128 MiB domU runs `memhog`
# (16 MiB of pages allocated, filled, checked and freed over and over)
# while `xl mem-set` takes it down to 64 MiB, then asks for 16 MiB, below
# the guest's 32 MiB floor (the guest refuses with a message and stops at
# the floor), then gives it all back (128 MiB). After each step Xen's
# count (`xl list`) and the guest's `mem` line must agree with the target;
# the memhog run must end with every page it checked intact.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 240
# lab-cost: 26
# lab-expect: create ready mem-boot memhog-start down down-xl down-mem floor floor-xl floor-msg up up-xl up-mem garbage memhog shutdown destroy

give_up() {
	lab_dump
	lab_destroy
	exit 1
}

# Xen's count of the domain's memory in MiB (xl list's Mem column).
xl_mem() {
	XL_MEM=$(xl list $LAB_DOMID 2>/dev/null | awk 'NR == 2 { print $3 }')
}

# The guest's "mem: current N KiB, target T KiB, ballooned B pages ..."
# line; MEM_CUR (KiB), MEM_OUT (pages).
guest_mem() {
	MEM_CUR="" MEM_OUT="" MEM_LINE=""
	# Typed whether or not a prompt was printed since the last mark: the
	# monitor reads its input all the same.
	lab_type 'mem\r'
	lab_wait_console '^mem: current .* free [0-9]+ KiB$' 30 || return 1
	MEM_LINE=$LAB_MATCH
	MEM_CUR=$(echo "$LAB_MATCH" | sed -n 's/^mem: current \([0-9]*\) KiB.*/\1/p')
	MEM_OUT=$(echo "$LAB_MATCH" | sed -n 's/.* ballooned \([0-9]*\) pages.*/\1/p')
	[ -n "$MEM_CUR" ] && [ -n "$MEM_OUT" ]
}

# near A B SLACK: |A - B| <= SLACK (integers).
near() {
	local d=$(($1 - $2))
	[ $d -lt 0 ] && d=$((-d))
	[ $d -le $3 ]
}

# step NAME MIB WANT_MIB WANT_OUT TIMEOUT_S: xl mem-set MIB, then the
# guest's "balloon: at target" line, Xen's count near WANT_MIB and the
# guest's mem line agreeing with it (WANT_OUT pages out, when given).
step() {
	local name=$1 mib=$2 want=$3 want_out=$4 tmo=$5 t0
	lab_mark
	lab_now
	t0=$LAB_NOW
	if ! lab_xl $name-set 30 mem-set $LAB_DOM ${mib}m; then
		give_up
	fi
	if lab_wait_console 'balloon: at target' $tmo; then
		lab_result $name pass "$(( LAB_MATCH_MS - t0 )) ms after xl mem-set ${mib}m: ${LAB_MATCH#*balloon: }"
		lab_metric dom=$LAB_DOM step=$name target_mib=$mib balloon_ms=$(( LAB_MATCH_MS - t0 ))
	else
		lab_result $name fail "no 'balloon: at target' within $tmo s of xl mem-set ${mib}m"
		give_up
	fi
	xl_mem
	if [ -n "$XL_MEM" ] && near "$XL_MEM" $want 1; then
		lab_result $name-xl pass "xl list: $XL_MEM MiB"
	else
		lab_result $name-xl fail "xl list: '${XL_MEM}' MiB, expected $want"
	fi
	if [ -n "$want_out" ]; then
		if guest_mem && [ "$MEM_OUT" = "$want_out" ] && near $((MEM_CUR / 1024)) "$XL_MEM" 1; then
			lab_result $name-mem pass "$MEM_LINE"
		else
			lab_result $name-mem fail "guest: '${MEM_LINE:-no mem line}'; expected $want_out pages out and about $XL_MEM MiB"
		fi
	fi
}

# PV: maxmem above memory, so that a target above the boot size can be
# asked for (a PVH guest with maxmem > memory would be built in
# populate-on-demand mode, which the balloon does not support).
if [ "$LAB_TYPE" = pv ]; then
	lab_create memory=128 cfg='maxmem = 160' || exit 1
else
	lab_create memory=128 || exit 1
fi
lab_expect_ready 120 || give_up
if guest_mem && [ "$MEM_OUT" = 0 ] && echo "$MEM_LINE" | grep -q 'target 131072 KiB'; then
	lab_result mem-boot pass "$MEM_LINE"
else
	lab_result mem-boot fail "'mem' said '${MEM_LINE:-nothing}', expected nothing out and target 131072 KiB"
	give_up
fi

# The memory-hungry work, across all three steps (stopped after them).
# A pause between rounds leaves dom0, which shares the lab's two emulated
# CPUs with the guest, enough time to run xl.
if lab_cmd 'memhog 16 300 150' 'memhog: 16 MiB for 300 s' 20; then
	lab_result memhog-start pass "$LAB_MATCH"
else
	lab_result memhog-start fail "memhog did not start"
	give_up
fi
hog_mark=$LAB_MARK

# Half of it away: 64 MiB is 16384 pages.
step down 64 64 16384 60
# Below the floor: refused with a message, the guest stops at 32 MiB.
lab_mark
floor_mark=$LAB_MARK
step floor 16 32 "" 60
LAB_MARK=$floor_mark
tgt=$(xenstore-read /local/domain/$LAB_DOMID/memory/target 2>&1)
if lab_wait_console 'balloon: refusing target 16384 KiB: below the floor' 5 && [ "$tgt" = 16384 ]; then
	lab_result floor-msg pass "${LAB_MATCH#*balloon: }; memory/target still 16384"
elif [ "$tgt" != 16384 ]; then
	lab_result floor-msg fail "memory/target is '$tgt' after the refusal, xl wrote 16384"
else
	lab_result floor-msg fail "no refusal message for a target below the floor"
fi
# All of it back.
step up 128 128 0 60

# PV: above the boot size, the guest says it stays at its boot size.
if [ "$LAB_TYPE" = pv ]; then
	lab_mark
	lab_xl above-set 30 mem-set $LAB_DOM 160m || give_up
	if lab_wait_console 'balloon: target 163840 KiB is above the 131072 KiB this guest booted with' 30 &&
		lab_wait_console 'balloon: at target' 30 && xl_mem && near "$XL_MEM" 128 1; then
		lab_result above pass "held at the boot size: xl list $XL_MEM MiB"
	else
		lab_result above fail "160 MiB asked: '${LAB_MATCH}', xl list '${XL_MEM}' MiB"
	fi
fi

# Garbage in memory/target: a message, nothing moves.
lab_mark
xenstore-write /local/domain/$LAB_DOMID/memory/target 64M
if lab_wait_console 'balloon: memory/target is not a size in KiB' 20 && guest_mem &&
	[ "$MEM_OUT" = 0 ]; then
	lab_result garbage pass "ignored; $MEM_LINE"
else
	lab_result garbage fail "'64M' in memory/target: '${LAB_MATCH}'; '${MEM_LINE}'"
fi

# The memhog run, still going after the three steps, ends with every
# page intact (and did real work).
LAB_MARK=$hog_mark
if lab_wait_console 'memhog: done' 1; then
	lab_result memhog fail "memhog ended before the last step: ${LAB_MATCH#*memhog: }"
	give_up
fi
lab_type 'memhog stop\r'
# The whole line (the console log may be read while a line is half
# written).
if lab_wait_console 'memhog: done: .* errors$' 30; then
	rounds=$(echo "$LAB_MATCH" | sed -n 's/.*done: \([0-9]*\) rounds.*/\1/p')
	if echo "$LAB_MATCH" | grep -q ' 0 errors$' && [ "${rounds:-0}" -gt 0 ]; then
		lab_result memhog pass "${LAB_MATCH#*memhog: }"
	else
		lab_result memhog fail "${LAB_MATCH#*memhog: }"
	fi
else
	lab_result memhog fail "no 'memhog: done' line"
	lab_dump
fi
lab_wait_console "$LAB_PROMPT" 20
lab_type 'poweroff\r'
lab_expect_shutdown poweroff 30
lab_destroy
