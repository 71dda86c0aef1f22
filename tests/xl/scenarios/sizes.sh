# Guest shapes other than the default 128 MiB / 1 vCPU: the same image as a
# small, a multi-vCPU and a large domU (as large as the lab machine's 3 GiB,
# less dom0's 1 GiB, allows). Each runs the self-tests (KTAP,
# including xenstore) and must power off cleanly.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 240
# lab-cost: 24
# lab-variants: m64:MEM=64,CPUS=1 m1024v4:MEM=1024,CPUS=4 m1536v2:MEM=1536,CPUS=2
# lab-expect: create vcpus ktest-done shutdown destroy
# lab-ktap: yes

lab_create memory=$MEM vcpus=$CPUS extra="ktest=all" || exit 1
if lab_wait_console 'ktest: done' 150; then
	lab_result ktest-done pass "$LAB_MATCH"
else
	lab_result ktest-done fail "no 'ktest: done' with memory=$MEM vcpus=$CPUS"
	lab_dump
fi
lab_expect_shutdown poweroff 30
# Xen created every vCPU asked for (the guest runs on the first).
got=$(xl vcpu-list $LAB_DOM 2>/dev/null | tail -n +2 | wc -l)
if [ "$got" = "$CPUS" ]; then
	lab_result vcpus pass "$got vCPU(s) defined for memory=$MEM"
else
	lab_result vcpus fail "xl shows $got vCPU(s), expected $CPUS"
fi
lab_destroy
