# The network scenario (net.sh) against Debian's Linux kernel as the domU
# (LAB_GUEST=linux: the lab's busybox init with nettest's servers), the
# reference the scenario was validated with. Not in the default list:
# `make lab-test LAB_SCENARIOS=net-linux`.
#
# lab-suite: net
# lab-types: pv pvh
# lab-timeout: 600
# lab-variants: one:LAB_GUEST=linux,VCPUS=1,NET=one smp:LAB_GUEST=linux,VCPUS=4,NET=smp
# lab-expect: create ready ping udp-echo tcp-send tcp-send-guest tcp-recv tcp-par alive destroy

LAB_GUEST=linux
. /lab/scenarios/net.sh
