# The vcpus scenario with 2 and 8 vCPUs: out of the default set (make
# lab-test) because 8 vCPUs on the lab's 2 pCPUs take many minutes in the
# smp suite's lock torture. Run it with LAB_SCENARIOS=vcpus-long.
#
# lab-suite: soak
# lab-types: pv pvh
# lab-timeout: 900
# lab-variants: v2:CPUS=2 v8:CPUS=8
# lab-expect: create boot ktest-done cpus-online shutdown vcpus-ran destroy
# lab-ktap: yes
# lab-require: sched smp

. /lab/scenarios/vcpus.sh
