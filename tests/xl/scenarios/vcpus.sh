# SMP domUs: the same image with 1, 2, 4 and 8 vCPUs (the lab machine
# has 2 pCPUs, so 4 and 8 are overcommitted) runs the sched and smp
# self-tests. The guest must bring every vCPU it found online (its smp
# suite says "N CPU(s) online of N found"; that N must be the vCPUs asked
# for), power off cleanly, and xl vcpu-list must show every vCPU having
# run. The table's detail gives the vCPU count and the boot time (unpause
# to the guest's "init done" line, which follows the SMP bring-up).
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 420
# lab-cost: 9
# lab-variants: v1:CPUS=1 v2:CPUS=2 v4:CPUS=4 v8:CPUS=8
# lab-expect: create boot ktest-done cpus-online shutdown vcpus-ran destroy
# lab-ktap: yes
# lab-require: sched smp

lab_create vcpus=$CPUS extra="ktest=sched,smp" || exit 1
# Boot: unpause to "init done in N us", which smp_init() precedes.
if lab_wait_console 'init done in [0-9]+ us' 90; then
	boot_ms=$((LAB_MATCH_MS - LAB_T_START))
	guest_us=$(echo "$LAB_MATCH" | sed -n 's/.*init done in \([0-9]*\) us.*/\1/p')
	lab_result boot pass "$boot_ms ms after unpause; guest: init done in $guest_us us"
	lab_metric dom=$LAB_DOM boot_ms=$boot_ms guest_init_us=$guest_us
else
	lab_result boot fail "no 'init done' line with vcpus=$CPUS"
	lab_dump
fi
# Overcommitted vCPUs are slower: the wait grows with them.
if lab_wait_console 'ktest: done' $((60 + 30 * CPUS)); then
	lab_result ktest-done pass "$LAB_MATCH ($(( LAB_MATCH_MS - LAB_T_START )) ms after unpause)"
	lab_metric dom=$LAB_DOM ktest_ms=$(( LAB_MATCH_MS - LAB_T_START ))
else
	lab_result ktest-done fail "no 'ktest: done' line with vcpus=$CPUS"
	lab_dump
fi
# The smp suite's own count (the host checks that the suite passed).
if lab_wait_console '[0-9]+ CPU[(]s[)] online of [0-9]+ found' 5; then
	set -- $(echo "$LAB_MATCH" | sed -n 's/.* \([0-9]*\) CPU(s) online of \([0-9]*\) found.*/\1 \2/p')
	if [ "$1" = "$CPUS" ] && [ "$2" = "$CPUS" ]; then
		lab_result cpus-online pass "guest: $1 CPU(s) online of $2 found"
	else
		lab_result cpus-online fail "guest: '${1:-?}' CPU(s) online of '${2:-?}' found, expected $CPUS of $CPUS"
	fi
	lab_metric dom=$LAB_DOM guest_online=${1:-0} guest_found=${2:-0}
else
	lab_result cpus-online fail "no 'N CPU(s) online of N found' line from the smp suite"
fi
lab_expect_shutdown poweroff 30
# Xen's view, after the power-off (on_poweroff = "preserve" keeps the
# domain): every vCPU asked for exists and has run.
if lab_vcpus; then
	lab_metric dom=$LAB_DOM vcpus=$LAB_VCPUS vcpus_ran=$LAB_VCPUS_RAN
	if [ "$LAB_VCPUS" = "$CPUS" ] && [ "$LAB_VCPUS_RAN" = "$CPUS" ]; then
		lab_result vcpus-ran pass "$LAB_VCPUS_RAN of $LAB_VCPUS vCPU(s) ran"
	else
		lab_result vcpus-ran fail "xl vcpu-list: $LAB_VCPUS vCPU(s) (expected $CPUS), $LAB_VCPUS_RAN ran; never ran: $LAB_VCPUS_NEVER"
	fi
else
	lab_result vcpus-ran fail "xl vcpu-list $LAB_DOM failed"
fi
lab_destroy
